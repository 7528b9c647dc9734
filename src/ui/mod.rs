//! The web UI: server-rendered pages for the desk, analysts and intake
//! officers, served next to the API by the same binary.
//!
//! Sign-in exchanges an API token for a session cookie (HttpOnly,
//! SameSite=Strict); sessions live in memory, so a restart signs everyone
//! out, which is acceptable for a desk tool and keeps no session secrets on
//! disk. Every page follows the API's roles ([`crate::auth::Role::may`]),
//! every read of report data goes to the same access log as the API with
//! the purpose the session gave (asked at sign-in, changeable on
//! `/purpose`; a page that shows report data asks for it first when it is
//! missing), and every form carries the session's CSRF token. HTML is only ever produced
//! by askama templates, which escape all report text; scripts, styles and
//! icons are embedded in the binary (no CDN), so the UI works offline.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rand::RngCore;
use rust_embed::RustEmbed;
use tower_http::trace::TraceLayer;

use crate::api::{AppState, Caller};
use crate::auth::{Action, Principal, Role};
use crate::engine::State;

mod cluster;
mod dashboard;
mod graph;
mod pages;
mod session;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fl_session";

/// How long a session lives after sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// How often a session's token is checked again, so that a revoked token
/// ends its sessions within this time.
const RECHECK: Duration = Duration::from_secs(60);

/// Static files (CSS, the pan/zoom script), embedded at build time.
#[derive(RustEmbed)]
#[folder = "src/ui/static/"]
struct Assets;

/// What the UI's handlers get: the API's state plus the sessions.
#[derive(Clone)]
pub struct UiState {
    /// The API's state (engine, token cache).
    pub app: AppState,
    sessions: Arc<session::Sessions>,
    /// Reports per week and unit, cached per derived state: counting them
    /// walks every report, which is worth doing once per re-cluster, not
    /// once per page view.
    flow: Arc<Mutex<Option<CachedInflow>>>,
}

/// The inflow figures and the state they were computed from.
type CachedInflow = (Weak<State>, Arc<dashboard::Inflow>);

/// The UI's routes over the API's state; merged next to the API by
/// [`crate::server::run`].
pub fn router(state: AppState) -> Router {
    let ui = UiState {
        app: state,
        sessions: Arc::new(session::Sessions::default()),
        flow: Arc::new(Mutex::new(None)),
    };
    let app = ui.app.clone();
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route(
            "/purpose",
            get(session::purpose_page).post(session::set_purpose),
        )
        .route("/", get(dashboard::dashboard))
        .route("/clusters/{id}", get(cluster::show))
        .route("/clusters/{id}/triage", post(cluster::triage))
        .route("/clusters/{id}/download", get(cluster::download))
        .route("/links", post(cluster::decide_link))
        .route("/reports/{id}", get(pages::report))
        .route("/search", get(pages::search))
        .route("/check", get(pages::check_page).post(pages::check))
        .route("/explain", get(pages::explain))
        .route("/static/{*path}", get(asset))
        .layer(axum::middleware::from_fn_with_state(
            app,
            crate::api::log_refusals,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(ui)
}

/// Serves an embedded static file.
async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let mime = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

/// A signed-in person, as established from the session cookie.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who, with the role and team of the token they signed in with.
    pub principal: Principal,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
    /// The purpose given for this session (at sign-in or on `/purpose`),
    /// written into every access-log row of its reads.
    pub purpose: Option<String>,
    session_id: String,
    /// The page asked for, to come back to after giving a purpose.
    here: String,
    log: Option<Arc<crate::api::RequestLog>>,
}

impl Viewer {
    /// True when the role allows `action`.
    pub fn may(&self, action: Action) -> bool {
        self.principal.role.may(action)
    }

    /// Refuses with 403 unless the role allows `action`.
    pub fn require(&self, action: Action) -> Result<(), UiError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(UiError::Forbidden(format!(
                "Your role ({}) may not do this.",
                self.principal.role
            )))
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), UiError> {
        if session::same(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(UiError::Forbidden(
                "The form has expired or did not come from this site; reload the page and try again."
                    .into(),
            ))
        }
    }

    /// The session's purpose, which every page that shows report data
    /// needs: without one, the browser is sent to give it and comes back.
    pub fn purpose(&self) -> Result<&str, UiError> {
        self.purpose
            .as_deref()
            .ok_or_else(|| UiError::NeedPurpose(self.here.clone()))
    }

    /// The caller for the access log (same log as the API), with the
    /// session's purpose as its reason.
    pub fn caller(&self) -> Caller {
        Caller {
            principal: self.principal.clone(),
            reason: self.purpose.clone(),
            log: self.log.clone(),
        }
    }

    /// What the page frame shows: who is signed in and which links to offer.
    pub fn nav(&self, current: &'static str) -> Nav {
        Nav {
            name: self.principal.label.clone(),
            purpose: self.purpose.clone().unwrap_or_default(),
            here: self.here.clone(),
            role: self.principal.role.as_str(),
            team: self.principal.team.clone().unwrap_or_default(),
            csrf: self.csrf.clone(),
            analyst: self.principal.role >= Role::Analyst,
            current,
        }
    }
}

impl FromRequestParts<UiState> for Viewer {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &UiState) -> Result<Viewer, UiError> {
        let next = next_of(&parts.uri);
        let Some(id) = session::cookie(&parts.headers) else {
            return Err(UiError::SignIn(next));
        };
        match state.sessions.get(&id, &state.app).await? {
            Some(s) => {
                let log = parts
                    .extensions
                    .get::<Arc<crate::api::RequestLog>>()
                    .cloned();
                if let Some(l) = &log {
                    l.asked_by(&s.principal, s.purpose.as_deref());
                }
                Ok(Viewer {
                    principal: s.principal,
                    csrf: s.csrf,
                    purpose: s.purpose,
                    session_id: id,
                    here: next,
                    log,
                })
            }
            None => Err(UiError::SignIn(next)),
        }
    }
}

/// The path and query to come back to after signing in.
fn next_of(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// The frame around every page.
#[derive(Debug, Clone)]
pub struct Nav {
    /// The token's label.
    pub name: String,
    /// The session's purpose (empty until given).
    pub purpose: String,
    /// This page, to come back to after changing the purpose.
    pub here: String,
    /// The role's name.
    pub role: &'static str,
    /// The team of an intake token.
    pub team: String,
    /// The CSRF token for the sign-out form.
    pub csrf: String,
    /// Analyst or more: show the dashboard, search and explain links.
    pub analyst: bool,
    /// The current page, to mark in the menu.
    pub current: &'static str,
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in: go to the sign-in page, then back here.
    SignIn(String),
    /// Signed in without a purpose: give one, then back here.
    NeedPurpose(String),
    /// The role does not allow it.
    Forbidden(String),
    /// No such thing.
    NotFound(String),
    /// The input is wrong.
    BadRequest(String),
    /// Too many requests wait for this kind of work (503, `Retry-After`).
    Busy,
    /// A bug or an I/O failure; logged, not shown.
    Internal(anyhow::Error),
}

impl From<crate::api::ApiError> for UiError {
    fn from(e: crate::api::ApiError) -> UiError {
        use crate::api::ApiError as A;
        match e {
            A::Unauthorised => UiError::SignIn("/".into()),
            A::Forbidden(m) => UiError::Forbidden(m),
            A::NotFound(m) => UiError::NotFound(m),
            A::BadRequest(m) | A::Unprocessable(m) => UiError::BadRequest(m),
            A::TooLarge => UiError::BadRequest("The form is too large.".into()),
            A::OverLimit(m) => UiError::BadRequest(m),
            A::Busy => UiError::Busy,
            A::UnsupportedMediaType => {
                UiError::BadRequest("The form was not sent as a form.".into())
            }
            A::Internal(e) => UiError::Internal(e),
        }
    }
}

impl From<anyhow::Error> for UiError {
    fn from(e: anyhow::Error) -> UiError {
        UiError::Internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            UiError::SignIn(next) => {
                let to = format!("/login?next={}", urlencode(&next));
                return Redirect::to(&to).into_response();
            }
            UiError::NeedPurpose(next) => {
                let to = format!("/purpose?next={}", urlencode(&next));
                return Redirect::to(&to).into_response();
            }
            UiError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m),
            UiError::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Cannot do that", m),
            UiError::Busy => {
                let message = "Too many requests are waiting for this kind of work. \
                               Try again in a moment."
                    .to_owned();
                let retry = crate::api::RETRY_AFTER_SECS.to_string();
                let mut res = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    page(&ErrorPage {
                        title: "Busy",
                        message,
                    }),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&retry) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return res;
            }
            UiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "ui request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The error has been logged.".to_owned(),
                )
            }
        };
        (status, page(&ErrorPage { title, message })).into_response()
    }
}

/// Renders a template; a template error is a bug, answered with a bare 500.
pub fn page<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = Html(html).into_response();
            // Pages hold personal data: keep them out of shared caches and
            // the browser's back-forward cache of other users.
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res.headers_mut().insert(
                header::HeaderName::from_static("content-security-policy"),
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
                ),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A query string from pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            ser.append_pair(k, v);
        }
    }
    ser.finish()
}

/// A random value as hex: session ids and CSRF tokens (256 bits).
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs blocking engine work off the async threads.
pub(crate) async fn blocking<T, F>(state: &UiState, f: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(crate::engine::Engine) -> anyhow::Result<T> + Send + 'static,
{
    Ok(crate::api::blocking(&state.app.engine, f).await?)
}

/// Appends to the access log, as the API does, with the session's
/// purpose.
pub(crate) async fn log_read(
    state: &UiState,
    viewer: &Viewer,
    action: &'static str,
    targets: serde_json::Value,
    outcome: &'static str,
) -> Result<(), UiError> {
    Ok(crate::api::log_read(&state.app, &viewer.caller(), action, targets, outcome).await?)
}

/// Formats an RFC 3339 time as `2026-03-02 09:12` (UTC) for tables.
pub fn short_time(s: &str) -> String {
    let s = s.replace('T', " ");
    s.chars().take(16).collect()
}

/// Formats euros as `€ 1.234` (whole euros, Dutch grouping).
pub fn euros(x: f64) -> String {
    let whole = x.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    format!("€ {out}")
}

/// Unix seconds to an ISO week label, `2026-W10`.
pub fn iso_week(ts: i64) -> Option<(i32, u8)> {
    let t = time::OffsetDateTime::from_unix_timestamp(ts).ok()?;
    let (y, w, _) = t.to_iso_week_date();
    Some((y, w))
}

/// Whether an identifier allows action by the Dutch police: a Dutch IBAN
/// (bank data request), a Dutch number (telecom request) or a `.nl`
/// domain (takedown).
pub fn actionable(kind: crate::ident::Kind, value: &str) -> bool {
    use crate::ident::Kind;
    match kind {
        Kind::Iban => value.starts_with("NL"),
        Kind::Phone => value.starts_with("+31"),
        Kind::Domain => value.ends_with(".nl"),
        Kind::Url | Kind::Email => value
            .split(['/', '@'])
            .find(|p| p.contains('.'))
            .is_some_and(|host| host.trim_end_matches('.').ends_with(".nl")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_grouped_the_dutch_way() {
        assert_eq!(euros(0.0), "€ 0");
        assert_eq!(euros(999.4), "€ 999");
        assert_eq!(euros(1234.0), "€ 1.234");
        assert_eq!(euros(1_234_567.0), "€ 1.234.567");
    }

    #[test]
    fn actionable_identifiers_are_dutch() {
        use crate::ident::Kind;
        assert!(actionable(Kind::Iban, "NL42INGB0006123456"));
        assert!(!actionable(Kind::Iban, "DE89370400440532013000"));
        assert!(actionable(Kind::Phone, "+31642819937"));
        assert!(!actionable(Kind::Phone, "+447700900123"));
        assert!(actionable(Kind::Domain, "rabo-veilig.nl"));
        assert!(!actionable(Kind::Domain, "rabo-veilig.com"));
    }

    #[test]
    fn query_strings_skip_empty_values_and_encode() {
        assert_eq!(query_string(&[("a", "x y"), ("b", "")]), "a=x+y");
        assert_eq!(urlencode("a&b"), "a%26b");
    }
}
