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

use std::sync::{Arc, Mutex};
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
use crate::ui::i18n::Lang;

mod cluster;
mod dashboard;
mod flow;
mod graph;
pub mod i18n;
mod identgraph;
mod pages;
mod pivot;
mod session;
mod triage;

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

/// The largest body of a UI form other than the check's (a triage note of
/// some 80,000 characters, percent-encoded).
pub const FORM_BYTES: usize = 256 * 1024;

/// What the UI's handlers get: the API's state plus the sessions.
#[derive(Clone)]
pub struct UiState {
    /// The API's state (engine, token cache).
    pub app: AppState,
    sessions: Arc<session::Sessions>,
    /// The inputs of the flow page (the triage steps, kept per triage
    /// change; found times and reports per week, kept when the state's own
    /// are of an earlier week) and the dashboard's line.
    flows: Arc<Mutex<flow::Cache>>,
}

/// The UI's routes over the API's state; merged next to the API by
/// [`crate::server::run`].
pub fn router(state: AppState) -> Router {
    let ui = UiState {
        app: state,
        sessions: Arc::new(session::Sessions::default()),
        flows: Arc::new(Mutex::new(flow::Cache::default())),
    };
    let app = ui.app.clone();
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", get(session::switch_language))
        .route(
            "/purpose",
            get(session::purpose_page).post(session::set_purpose),
        )
        .route("/", get(dashboard::dashboard))
        .route("/flow", get(flow::flow))
        .route("/clusters/{id}", get(cluster::show))
        .route("/clusters/{id}/triage", post(cluster::triage))
        .route("/clusters/{id}/download", get(cluster::download))
        .route("/links", post(cluster::decide_link))
        .route("/suggestions", get(triage::queue))
        .route("/admin", get(triage::admin))
        .route("/admin/tokens", post(triage::create_token))
        .route("/admin/tokens/{id}/revoke", post(triage::revoke_token))
        .route("/reports/{id}", get(pages::report))
        .route("/search", get(pages::search))
        .route("/explain", get(pages::explain))
        .route("/identifiers", get(pivot::show))
        .route("/static/{*path}", get(asset))
        // The forms above are a few fields (a token, a purpose, a note):
        // a larger body is refused before it is read, so that no one, not
        // even without a token, has the service read and hash megabytes
        // to sign in. The check below takes a statement, and the API's
        // limit (`max_body_bytes`).
        .layer(tower_http::limit::RequestBodyLimitLayer::new(FORM_BYTES))
        .route("/check", get(pages::check_page).post(pages::check))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            wait_for_clusters,
        ))
        .layer(axum::middleware::from_fn(render_errors))
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
        // No page language here (a stylesheet or script asked for): both.
        return (
            StatusCode::NOT_FOUND,
            "Bestand niet gevonden. / No such file.",
        )
            .into_response();
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
    /// The language of the pages (chosen, or the browser's).
    pub lang: Lang,
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
            Err(UiError::Forbidden(Msg::with(
                "error.role",
                &[("role", self.lang.name("role", self.principal.role.as_str()))],
            )))
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), UiError> {
        if session::same(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(UiError::Forbidden(Msg::new("error.csrf")))
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

    /// Keeps a confirmation for the page the answer redirects to.
    pub(crate) fn flash(&self, state: &UiState, text: String, code: String) {
        state
            .sessions
            .set_flash(&self.session_id, session::Flash { text, code });
    }

    /// The confirmation a form left for this page, shown once.
    pub(crate) fn take_flash(&self, state: &UiState) -> Option<session::Flash> {
        state.sessions.take_flash(&self.session_id)
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
            decide: self.may(Action::DecideLink),
            admin: self.may(Action::Administer),
            current,
            lang: self.lang,
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
                    lang: Lang::of(&parts.headers),
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
    /// May decide links: show the suggestion queue.
    pub decide: bool,
    /// Admin: show the access log and tokens.
    pub admin: bool,
    /// The current page, to mark in the menu.
    pub current: &'static str,
    /// The language of the page.
    pub lang: Lang,
}

impl Nav {
    /// The text of a key in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The text for a count (`key.one` / `key.other`).
    pub fn n(&self, key: &str, n: impl std::borrow::Borrow<usize>) -> String {
        self.lang.n(key, *n.borrow())
    }

    /// The name of a value in a group (`status`, `fraud`, `kind`, ...).
    pub fn name_of(&self, group: &str, value: &str) -> String {
        self.lang.name(group, value)
    }

    /// An identifier written `kind:value` for reading (see [`ident_text`]).
    pub fn ident(&self, key: &str) -> String {
        ident_text(self.lang, key)
    }
}

/// A message for a person, in the language of the page that shows it:
/// a key of the translation files and the values to put in.
#[derive(Debug, Clone)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Msg {
    /// A message without values.
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }

    /// A message with values for its `{name}`s.
    pub fn with(key: &'static str, args: &[(&'static str, String)]) -> Msg {
        Msg {
            key,
            args: args.to_vec(),
        }
    }

    /// The message in a language.
    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, &dyn std::fmt::Display)> = self
            .args
            .iter()
            .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
            .collect();
        lang.f(self.key, &args)
    }
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in: go to the sign-in page, then back here.
    SignIn(String),
    /// Signed in without a purpose: give one, then back here.
    NeedPurpose(String),
    /// The role does not allow it.
    Forbidden(Msg),
    /// No such thing.
    NotFound(Msg),
    /// The input is wrong.
    BadRequest(Msg),
    /// Too many requests wait for this kind of work (503, `Retry-After`).
    Busy,
    /// The service is starting and has not built its clusters yet (503,
    /// `Retry-After`).
    Starting,
    /// A bug or an I/O failure; logged, not shown.
    Internal(anyhow::Error),
}

impl UiError {
    /// A wrong input, said with a message without values.
    pub fn bad(key: &'static str) -> UiError {
        UiError::BadRequest(Msg::new(key))
    }
}

/// The API's errors as the UI says them. The API's own text is English
/// and part of its contract; the pages say the same in their language.
impl From<crate::api::ApiError> for UiError {
    fn from(e: crate::api::ApiError) -> UiError {
        use crate::api::ApiError as A;
        match e {
            A::Unauthorised => UiError::SignIn("/".into()),
            A::Forbidden(_) => UiError::Forbidden(Msg::new("error.forbidden")),
            A::NotFound(_) => UiError::NotFound(Msg::new("error.not_found")),
            A::BadRequest(m) | A::Unprocessable(m) | A::OverLimit(m) => {
                tracing::debug!(message = m, "ui request refused");
                UiError::bad("error.bad_input")
            }
            A::TooLarge => UiError::bad("error.too_large"),
            A::Busy => UiError::Busy,
            A::Starting => UiError::Starting,
            A::UnsupportedMediaType => UiError::bad("error.form"),
            A::Internal(e) => UiError::Internal(e),
        }
    }
}

/// A use case's failure as the pages say it: the person's mistakes in
/// their language, naming what to change where the field allows; the
/// service's failures as an internal error, never as a bad request.
impl From<crate::engine::EngineError> for UiError {
    fn from(e: crate::engine::EngineError) -> UiError {
        use crate::engine::{EngineError as E, Thing};
        match e {
            E::NotFound {
                what: Thing::LinkDecision,
                id,
            } => UiError::NotFound(Msg::with("triage.no_decision", &[("pair", id)])),
            E::NotFound { .. } => UiError::NotFound(Msg::new("error.not_found")),
            E::Invalid {
                field: "status",
                value,
                ..
            } => UiError::BadRequest(Msg::with("error.unknown_status", &[("status", value)])),
            E::Invalid {
                field: "decision", ..
            } => UiError::bad("error.decision"),
            E::Invalid {
                field: "a" | "b",
                value,
                ..
            } => UiError::BadRequest(Msg::with("error.link_endpoint", &[("value", value)])),
            E::Invalid { field, problem, .. } => {
                tracing::debug!(field, problem, "ui request refused");
                UiError::bad("error.bad_input")
            }
            E::Starting => UiError::Starting,
            E::Internal(e) => UiError::Internal(e),
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
    lang: Lang,
    here: String,
    title: &'static str,
    message: String,
}

/// An error page still to be written, in the language of the request
/// ([`render_errors`] knows it; the error itself does not).
#[derive(Debug, Clone)]
struct PendingError {
    title: &'static str,
    message: Msg,
}

/// Holds a page that needs the clusters while the service builds them at
/// its start (`api::starting`), then says so if they are not built yet.
async fn wait_for_clusters(
    axum::extract::State(app): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use crate::api::starting;
    if starting::answerable(&app.engine, req.method(), req.uri().path(), app.start_wait).await {
        return next.run(req).await;
    }
    UiError::Starting.into_response()
}

/// Writes the error pages of the UI's answers in the request's language,
/// with the site's navigation.
async fn render_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::of(req.headers());
    let here = next_of(req.uri());
    let mut res = next.run(req).await;
    let Some(e) = res.extensions_mut().remove::<PendingError>() else {
        return res;
    };
    let mut out = page(&ErrorPage {
        lang,
        here,
        title: lang.t(e.title),
        message: e.message.text(lang),
    });
    *out.status_mut() = res.status();
    if let Some(v) = res.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    out
}

/// A 503 page saying `message`, with `Retry-After`.
fn unavailable(title: &'static str, message: &'static str, retry_after_secs: u64) -> Response {
    let mut res = StatusCode::SERVICE_UNAVAILABLE.into_response();
    res.extensions_mut().insert(PendingError {
        title,
        message: Msg::new(message),
    });
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
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
            UiError::Forbidden(m) => (StatusCode::FORBIDDEN, "error.title_forbidden", m),
            UiError::NotFound(m) => (StatusCode::NOT_FOUND, "error.title_not_found", m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "error.title_bad", m),
            UiError::Busy => {
                return unavailable(
                    "error.title_busy",
                    "error.busy",
                    crate::api::RETRY_AFTER_SECS,
                );
            }
            UiError::Starting => {
                return unavailable(
                    "error.title_starting",
                    "error.starting",
                    crate::api::starting::STARTING_RETRY_AFTER_SECS,
                );
            }
            UiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "ui request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.title_internal",
                    Msg::new("error.internal"),
                )
            }
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(PendingError { title, message });
        res
    }
}

/// The last page number a list takes: a larger one reads as this (an
/// empty page), so that every offset worked out from a page number fits
/// (`?page=18446744073709551615` overflowed them).
pub const LAST_PAGE_NUMBER: usize = 10_000_000;

/// A page number as a query gives it: 1 when absent or 0, at most
/// [`LAST_PAGE_NUMBER`].
pub fn page_no(given: Option<usize>) -> usize {
    given.unwrap_or(1).clamp(1, LAST_PAGE_NUMBER)
}

/// An identifier written `kind:value` (as forms send it) for reading: the
/// kind's short name in the page's language, then the value (`tel.
/// +31612345678`); anything else (a report id) as it is.
pub fn ident_text(lang: Lang, key: &str) -> String {
    match crate::cluster::ident_endpoint(key) {
        Some((kind, value)) => format!("{} {value}", lang.name("kind_short", kind.as_str())),
        None => key.to_owned(),
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
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Deze pagina kon niet worden opgebouwd; de fout staat in het logboek van de dienst. / \
                 This page could not be built; the error is in the service's log.",
            )
                .into_response()
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
pub(crate) async fn blocking<T, E, F>(state: &UiState, f: F) -> Result<T, UiError>
where
    T: Send + 'static,
    E: Into<UiError> + Send + 'static,
    F: FnOnce(crate::engine::Engine) -> Result<T, E> + Send + 'static,
{
    let engine = state.app.engine.clone();
    tokio::task::spawn_blocking(move || f(engine))
        .await
        .map_err(|e| UiError::Internal(e.into()))?
        .map_err(Into::into)
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

/// A team a person typed, in the list's spelling; an unknown or empty one
/// is refused on the page, naming the field by its label (`field_key`,
/// an i18n key) and the team as typed.
pub(crate) async fn checked_team(
    state: &UiState,
    lang: Lang,
    field_key: &'static str,
    team: String,
) -> Result<String, UiError> {
    crate::api::checked_team(&state.app, field_key, team.clone())
        .await
        .map_err(|e| match e {
            crate::api::ApiError::Unprocessable(_) => UiError::BadRequest(Msg::with(
                "triage.unknown_team",
                &[("field", lang.t(field_key).to_owned()), ("team", team)],
            )),
            other => other.into(),
        })
}

/// The teams a person chooses from (to search, to assign): the settings'
/// list and the teams reports were filed by, one spelling each (the
/// list's, else the most used), sorted.
pub fn team_choices(engine: &crate::engine::Engine) -> Vec<String> {
    let listed = engine.settings().load_teams().ok();
    let state = engine.state();
    let mut filed = state.team_names();
    filed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let names = listed
        .iter()
        .flat_map(|t| t.names())
        .chain(filed.iter().map(|(n, _)| *n));
    for name in names {
        if !name.trim().is_empty() && seen.insert(crate::teams::key(name)) {
            out.push(name.to_owned());
        }
    }
    out.sort_by_key(|n| n.to_lowercase());
    out
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
    fn query_strings_skip_empty_values_and_encode() {
        assert_eq!(query_string(&[("a", "x y"), ("b", "")]), "a=x+y");
        assert_eq!(urlencode("a&b"), "a%26b");
    }
}
