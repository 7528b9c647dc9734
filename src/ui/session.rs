//! Sign-in and sessions: a pasted API token becomes a random session id in
//! an HttpOnly, SameSite=Strict cookie; the session (who, CSRF token,
//! expiry) stays on the server, in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::api::AppState;
use crate::auth::Principal;
use crate::ui::{RECHECK, SESSION_COOKIE, SESSION_TTL, UiError, UiState, Viewer, page};

/// One signed-in browser.
#[derive(Debug, Clone)]
struct Session {
    principal: Principal,
    /// The token's hash, to check now and then that it was not revoked.
    token_hash: String,
    csrf: String,
    created: Instant,
    checked: Instant,
}

/// The sessions of this process.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// The principal and CSRF token of a live session; `None` when it is
    /// unknown, expired, or its token was revoked.
    pub(crate) async fn get(
        &self,
        id: &str,
        app: &AppState,
    ) -> Result<Option<(Principal, String)>, UiError> {
        let found = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            match map.get(id) {
                Some(s) if s.created.elapsed() >= SESSION_TTL => {
                    map.remove(id);
                    None
                }
                other => other.cloned(),
            }
        };
        let Some(s) = found else { return Ok(None) };
        if s.checked.elapsed() < RECHECK {
            return Ok(Some((s.principal, s.csrf)));
        }
        let engine = app.engine.clone();
        let hash = s.token_hash.clone();
        let still = tokio::task::spawn_blocking(move || engine.authenticate_hash(&hash))
            .await
            .map_err(|e| UiError::Internal(e.into()))??;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if still.is_some() {
            if let Some(live) = map.get_mut(id) {
                live.checked = Instant::now();
            }
            Ok(Some((s.principal, s.csrf)))
        } else {
            map.remove(id);
            Ok(None)
        }
    }

    fn insert(&self, principal: Principal, token_hash: String) -> (String, String) {
        let id = crate::ui::random_hex();
        let csrf = crate::ui::random_hex();
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Sweep expired sessions at each sign-in, so the map stays as
        // small as the number of people signed in.
        map.retain(|_, s| s.created.elapsed() < SESSION_TTL);
        map.insert(
            id.clone(),
            Session {
                principal,
                token_hash,
                csrf: csrf.clone(),
                created: now,
                checked: now,
            },
        );
        (id, csrf)
    }

    fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// The session id from the `Cookie` header, if any.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// Compares secrets in time independent of where they differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Only a local path is a place to go back to after signing in (never
/// another site: `//host` and `/\host` are refused).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login")
                && n.len() < 2000 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    error: String,
}

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(query: Result<Query<LoginQuery>, QueryRejection>) -> Response {
    let next = safe_next(query.as_ref().ok().and_then(|q| q.next.as_deref()));
    page(&LoginPage {
        next,
        error: String::new(),
    })
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`: checks the token, starts a session, sets the cookie.
pub async fn login(
    State(state): State<UiState>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return (
            StatusCode::BAD_REQUEST,
            page(&LoginPage {
                next: "/".into(),
                error: "Paste a token.".into(),
            }),
        )
            .into_response();
    };
    let next = safe_next(form.next.as_deref());
    let token = form.token.trim().to_owned();
    let hash = crate::auth::token_hash(&token);
    // The token book answers a wrong token without the store (and counts
    // it for the access log); a known one is confirmed with the store, so
    // that a token revoked a moment ago cannot start a session.
    let found = match state.app.authenticate(&token, "ui_sign_in").await {
        Ok(Some(_)) => {
            let engine = state.app.engine.clone();
            let h = hash.clone();
            let confirmed = tokio::task::spawn_blocking(move || engine.authenticate_hash(&h))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r);
            if matches!(confirmed, Ok(None)) {
                state.app.refusals.record(&state.app.engine, "ui_sign_in");
            }
            confirmed
        }
        other => other,
    };
    let principal = match found {
        Ok(Some(p)) => p,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                page(&LoginPage {
                    next,
                    error: "That token is not valid (mistyped, or revoked).".into(),
                }),
            )
                .into_response();
        }
        Err(e) => return UiError::Internal(e).into_response(),
    };
    let (id, _) = state.sessions.insert(principal, hash);
    let cookie = format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_TTL.as_secs()
    );
    let mut res = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<UiState>,
    viewer: Viewer,
    Form(form): Form<LogoutForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&form.csrf)?;
    state.sessions.remove(&viewer.session_id);
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("fl_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/clusters/C-1")), "/clusters/C-1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fl_session=abc; b=2"),
        );
        assert_eq!(cookie(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("a=1"));
        assert_eq!(cookie(&h), None);
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
