//! Sign-in and sessions: a pasted API token becomes a random session id in
//! an HttpOnly, SameSite=Strict cookie; the session (who, CSRF token,
//! purpose, expiry) stays on the server, in memory.

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
use crate::ui::i18n::{LANG_COOKIE, Lang};
use crate::ui::{RECHECK, SESSION_COOKIE, SESSION_TTL, UiError, UiState, Viewer, page};

/// One signed-in browser.
#[derive(Debug, Clone)]
struct Session {
    principal: Principal,
    /// The token's hash, to check now and then that it was not revoked.
    token_hash: String,
    csrf: String,
    /// Why this person reads, given at sign-in or on `/purpose`.
    purpose: Option<String>,
    created: Instant,
    checked: Instant,
    /// The token book's epoch at the last check (see `TokenBook::reload`).
    epoch: u64,
    /// What the next page shows once: the confirmation of a change.
    flash: Option<Flash>,
}

/// A confirmation shown once, on the page a form's answer redirects to
/// (post/redirect/get), in the language of the form's page.
#[derive(Debug, Clone, Default)]
pub struct Flash {
    /// What was done.
    pub text: String,
    /// A value to copy, shown apart (a new token, shown only now).
    pub code: String,
}

/// What a live session gives a page.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub(crate) principal: Principal,
    pub(crate) csrf: String,
    pub(crate) purpose: Option<String>,
}

/// The sessions of this process.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// The principal, CSRF token and purpose of a live session; `None`
    /// when it is unknown, expired, or its token was revoked.
    pub(crate) async fn get(&self, id: &str, app: &AppState) -> Result<Option<Live>, UiError> {
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
        if s.principal.expired() {
            self.remove(id);
            return Ok(None);
        }
        let live = Live {
            principal: s.principal,
            csrf: s.csrf,
            purpose: s.purpose,
        };
        let epoch = app.tokens.epoch();
        if s.checked.elapsed() < RECHECK && s.epoch == epoch {
            return Ok(Some(live));
        }
        let engine = app.engine.clone();
        let hash = s.token_hash.clone();
        let still = tokio::task::spawn_blocking(move || engine.authenticate_hash(&hash))
            .await
            .map_err(|e| UiError::Internal(e.into()))??;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if still.is_some() {
            if let Some(session) = map.get_mut(id) {
                session.checked = Instant::now();
                session.epoch = epoch;
            }
            Ok(Some(live))
        } else {
            map.remove(id);
            Ok(None)
        }
    }

    /// Sets a session's purpose.
    fn set_purpose(&self, id: &str, purpose: String) {
        if let Some(s) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(id)
        {
            s.purpose = Some(purpose);
        }
    }

    /// Keeps a confirmation for the session's next page.
    pub(crate) fn set_flash(&self, id: &str, flash: Flash) {
        if let Some(s) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(id)
        {
            s.flash = Some(flash);
        }
    }

    /// Takes the session's confirmation, which is then gone.
    pub(crate) fn take_flash(&self, id: &str) -> Option<Flash> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(id)
            .and_then(|s| s.flash.take())
    }

    fn insert(
        &self,
        principal: Principal,
        token_hash: String,
        purpose: Option<String>,
        epoch: u64,
    ) -> (String, String) {
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
                purpose,
                created: now,
                checked: now,
                epoch,
                flash: None,
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

/// Where to go after signing in: `next` resolved as a browser resolves a
/// `Location` against this site, kept only when it stays on this site
/// (same origin), and written back as the path, query and fragment that
/// resolution gave. Browsers drop tabs and line breaks from a URL and
/// read `\` as `/`, so `/<TAB>/evil.example` and `/\evil.example` are
/// another host to them; resolving first and then comparing origins
/// judges what the browser will do, not the text. The sign-in page itself
/// is never a place to go back to.
fn safe_next(next: Option<&str>) -> String {
    static SITE: std::sync::LazyLock<url::Url> = std::sync::LazyLock::new(|| {
        // A fixed, well-formed URL: parsing it cannot fail.
        url::Url::parse("http://fraudlink.invalid/").expect("a valid base URL")
    });
    let Some(next) = next.filter(|n| n.len() < 2000) else {
        return "/".to_owned();
    };
    match SITE.join(next) {
        Ok(to) if to.origin() == SITE.origin() && !to.path().starts_with("/login") => {
            to[url::Position::BeforePath..].to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Whether the session cookie gets `Secure` (sent over https only): per
/// `server.secure_cookie`, `always`, `never`, or (`auto`) when the request
/// came through https, as the TLS proxy in front says with
/// `X-Forwarded-Proto: https` or `Forwarded: proto=https`.
fn secure_cookie(setting: &str, headers: &HeaderMap) -> bool {
    let value = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
            .map(|v| v.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    match setting {
        "always" => true,
        "never" => false,
        _ => {
            value("x-forwarded-proto").iter().any(|p| p == "https")
                || value("forwarded")
                    .iter()
                    .any(|p| p.replace('"', "") == "proto=https")
        }
    }
}

/// The `Set-Cookie` value of the session cookie (`max_age` 0 clears it).
fn session_cookie(id: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    /// This page, to come back to after switching the language.
    here: String,
    next: String,
    error: String,
    purposes: Vec<&'static str>,
}

impl LoginPage {
    fn new(lang: Lang, next: String, error: &str) -> LoginPage {
        LoginPage {
            lang,
            here: format!("/login?next={}", crate::ui::urlencode(&next)),
            next,
            error: error.to_owned(),
            purposes: purposes(lang),
        }
    }
}

/// Purposes offered as suggestions on the sign-in and purpose forms
/// (any text will do; a case number is best), in the page's language.
fn purposes(lang: Lang) -> Vec<&'static str> {
    ["purpose.s1", "purpose.s2", "purpose.s3", "purpose.s4"]
        .iter()
        .map(|k| lang.t(k))
        .collect()
}

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(
    headers: HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    let next = safe_next(query.as_ref().ok().and_then(|q| q.next.as_deref()));
    page(&LoginPage::new(Lang::of(&headers), next, ""))
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
    /// Why this person reads: kept for the session and written into
    /// every access-log row of its reads. Left blank, the first page that
    /// shows report data asks for it.
    #[serde(default)]
    purpose: Option<String>,
}

/// `POST /login`: checks the token, starts a session, sets the cookie.
pub async fn login(
    State(state): State<UiState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let lang = Lang::of(&headers);
    let Ok(Form(form)) = form else {
        return (
            StatusCode::BAD_REQUEST,
            page(&LoginPage::new(lang, "/".into(), lang.t("login.no_token"))),
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
                page(&LoginPage::new(lang, next, lang.t("login.bad_token"))),
            )
                .into_response();
        }
        Err(e) => return UiError::Internal(e).into_response(),
    };
    let purpose = form.purpose.as_deref().and_then(crate::access::purpose);
    let epoch = state.app.tokens.epoch();
    let (id, _) = state.sessions.insert(principal, hash, purpose, epoch);
    let secure = secure_cookie(&state.app.engine.settings().server.secure_cookie, &headers);
    let cookie = session_cookie(&id, SESSION_TTL.as_secs(), secure);
    let mut res = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// Query of the language switch.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    to: String,
    next: Option<String>,
}

/// `GET /lang?to=en&next=/path`: remembers the chosen language in a
/// cookie (a year; no session needed, so the sign-in page has the switch
/// too) and goes back to the page.
pub async fn switch_language(query: Result<Query<LangQuery>, QueryRejection>) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    // The sign-in page is no place to go back to after signing in, but
    // it is after switching its language (keeping where it leads).
    let next = match q.next.as_deref() {
        Some(n) if n.starts_with("/login") => {
            let inner =
                url::form_urlencoded::parse(n.split_once('?').map_or("", |x| x.1).as_bytes())
                    .find(|(k, _)| k == "next")
                    .map(|(_, v)| v.into_owned());
            format!(
                "/login?next={}",
                crate::ui::urlencode(&safe_next(inner.as_deref()))
            )
        }
        other => safe_next(other),
    };
    let lang = Lang::from_code(&q.to).unwrap_or_default();
    let mut res = Redirect::to(&next).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; SameSite=Lax; Path=/; Max-Age=31536000",
        lang.code()
    );
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
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<LogoutForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&form.csrf)?;
    state.sessions.remove(&viewer.session_id);
    let secure = secure_cookie(&state.app.engine.settings().server.secure_cookie, &headers);
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie("", 0, secure)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "purpose.html")]
struct PurposePage {
    nav: crate::ui::Nav,
    next: String,
    current: String,
    error: String,
    purposes: Vec<&'static str>,
}

/// `GET /purpose`: the session's purpose, to give or change.
pub async fn purpose_page(
    viewer: Viewer,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    let next = safe_next(query.as_ref().ok().and_then(|q| q.next.as_deref()));
    page(&PurposePage {
        nav: viewer.nav("purpose"),
        next,
        current: viewer.purpose.clone().unwrap_or_default(),
        error: String::new(),
        purposes: purposes(viewer.lang),
    })
}

/// The purpose form.
#[derive(Debug, Deserialize)]
pub struct PurposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /purpose`: sets the session's purpose, then goes on to `next`.
pub async fn set_purpose(
    State(state): State<UiState>,
    viewer: Viewer,
    form: Result<Form<PurposeForm>, FormRejection>,
) -> Result<Response, UiError> {
    let Form(form) = form.map_err(|_| UiError::bad("error.form"))?;
    viewer.check_csrf(&form.csrf)?;
    let next = safe_next(form.next.as_deref());
    let Some(purpose) = crate::access::purpose(&form.purpose) else {
        return Ok((
            StatusCode::BAD_REQUEST,
            page(&PurposePage {
                nav: viewer.nav("purpose"),
                next,
                current: viewer.purpose.clone().unwrap_or_default(),
                error: viewer.lang.t("purpose.missing").to_owned(),
                purposes: purposes(viewer.lang),
            }),
        )
            .into_response());
    };
    state.sessions.set_purpose(&viewer.session_id, purpose);
    Ok(Redirect::to(&next).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_next(next: &str, expected: &str) {
        assert_eq!(safe_next(Some(next)), expected, "next = {next:?}");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        check_next("/clusters/C-1", "/clusters/C-1");
        check_next(
            "/search?q=nieuwe+pas&unit=Limburg",
            "/search?q=nieuwe+pas&unit=Limburg",
        );
        check_next("/clusters/C-1#graph", "/clusters/C-1#graph");
        check_next("//evil.example", "/");
        check_next("/\\evil.example", "/");
        check_next("https://evil.example", "/");
        check_next("javascript:alert(1)", "/");
        check_next("/login?next=/x", "/");
        assert_eq!(safe_next(None), "/");
    }

    // See: issue 19
    #[test]
    fn issue_19_next_leaves_the_site_neither_through_tabs_nor_line_breaks() {
        // Browsers drop tabs and line breaks from a URL: these are
        // `//evil.example` to them.
        check_next("/\t/evil.example", "/");
        check_next("/\n/evil.example", "/");
        check_next("/\r\n/evil.example", "/");
        check_next("\t//evil.example/", "/");
        check_next("/\t\\evil.example", "/");
        check_next("https:evil.example", "/");
        // A line break inside a local path cannot reach the Location
        // header: what comes back is the path the browser would go to.
        check_next(
            "/clusters/C-1\nSet-Cookie: x=1",
            "/clusters/C-1Set-Cookie:%20x=1",
        );
        check_next("/search?q=a\r\nb", "/search?q=ab");
        for n in ["/a\nb", "/\u{7f}", "/é?x=é", "/%0d%0a"] {
            assert!(
                HeaderValue::from_str(&safe_next(Some(n))).is_ok(),
                "{n:?} gives a Location that is not a header value"
            );
        }
    }

    #[test]
    fn the_cookie_is_secure_when_set_so_or_served_through_https() {
        let mut h = HeaderMap::new();
        assert!(!secure_cookie("auto", &h));
        assert!(secure_cookie("always", &h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(secure_cookie("auto", &h));
        assert!(!secure_cookie("never", &h));
        let mut h = HeaderMap::new();
        h.insert(
            "forwarded",
            HeaderValue::from_static("for=192.0.2.60;proto=https;by=203.0.113.43"),
        );
        assert!(secure_cookie("auto", &h));
        assert!(session_cookie("abc", 60, true).ends_with("; Secure"));
        assert!(!session_cookie("abc", 60, false).contains("Secure"));
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
