//! The suggestion queue (`/suggestions`: weak links ordered by what a
//! confirmation would join, with confirm, reject and undo) and the admin
//! page (`/admin`: the access log and the tokens) (issue 22).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Action, Role};
use crate::ui::cluster::suggestion_why;
use crate::ui::i18n::{Lang, percent};
use crate::ui::session::Flash;
use crate::ui::{Msg, Nav, UiError, UiState, Viewer, blocking, log_read, page, query_string};

/// Suggestions per page of the queue.
const QUEUE_PAGE: usize = 25;

/// Rows per page of the access log.
const AUDIT_PAGE: usize = 50;

/// Link decisions listed for undoing on the queue page.
const RECENT_DECISIONS: usize = 10;

/// A suggestion of the queue.
struct QueueRow {
    a: String,
    b: String,
    why: String,
    value: String,
    score: String,
    clusters: Vec<String>,
}

/// A decision that can be undone.
struct DecidedRow {
    a: String,
    b: String,
    decision: String,
    who: String,
    at: String,
}

#[derive(Template)]
#[template(path = "suggestions.html")]
struct QueuePage {
    nav: Nav,
    flash: Option<Flash>,
    rows: Vec<QueueRow>,
    decided: Vec<DecidedRow>,
    shown: String,
    page: usize,
    prev: String,
    next: String,
}

/// Query of a paged page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: String,
}

fn page_number(s: &str) -> Result<usize, UiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(1);
    }
    s.parse::<usize>()
        .map(|n| crate::ui::page_no(Some(n)))
        .map_err(|_| UiError::BadRequest(Msg::with("error.not_a_number", &[("value", s.into())])))
}

/// The queue's order for `snapshot`: a serving engine worked it out
/// before publishing the state; otherwise (a state built without serving)
/// it is worked out once, on the heavy-read threads.
async fn queue_order(state: &UiState, snapshot: &Arc<crate::engine::State>) -> Result<(), UiError> {
    if !snapshot.suggestion_queue_ready() {
        let s2 = snapshot.clone();
        state
            .app
            .heavy(move |_| Ok(s2.suggestion_queue().len()))
            .await?;
    }
    Ok(())
}

/// `GET /suggestions?page=N`: the open weak-link suggestions, those whose
/// confirmation would join the most reports first, each with why it is
/// suggested, what confirming it joins, and confirm / reject; the latest
/// decisions with undo (analyst and up).
pub async fn queue(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::DecideLink)?;
    viewer.purpose()?;
    let Query(q) = query.map_err(|_| UiError::bad("error.query"))?;
    let page_no = page_number(&q.page)?;
    let lang = viewer.lang;
    let snapshot = state.app.engine.state();
    queue_order(&state, &snapshot).await?;
    let order = snapshot.suggestion_queue();
    let total = order.len();
    let offset = (page_no - 1).saturating_mul(QUEUE_PAGE);
    let mut rows = Vec::new();
    let mut shown_reports: Vec<String> = Vec::new();
    let mut shown_clusters: Vec<String> = Vec::new();
    for entry in order.iter().skip(offset).take(QUEUE_PAGE) {
        let Some(s) = snapshot.suggestion_at(entry.index) else {
            continue;
        };
        let mut clusters: Vec<String> = s
            .a_clusters
            .iter()
            .chain(&s.b_clusters)
            .map(|c| c.as_str().to_owned())
            .collect();
        clusters.sort();
        clusters.dedup();
        shown_reports.extend(s.reports().map(|r| r.as_str().to_owned()));
        shown_clusters.extend(clusters.iter().cloned());
        rows.push(QueueRow {
            a: format!("{}:{}", s.suggestion.a.kind, s.suggestion.a.value),
            b: format!("{}:{}", s.suggestion.b.kind, s.suggestion.b.value),
            why: suggestion_why(lang, &s.suggestion),
            value: lang.f(
                "queue.value",
                &[
                    ("reports", &lang.n("count.reports", entry.reports)),
                    ("clusters", &lang.n("count.clusters", entry.clusters)),
                    ("units", &lang.n("count.units", entry.units)),
                ],
            ),
            score: percent(s.suggestion.score),
            clusters,
        });
    }
    let decided: Vec<DecidedRow> = blocking(&state, |e| e.link_decision_list())
        .await?
        .into_iter()
        .take(RECENT_DECISIONS)
        .map(|d| DecidedRow {
            at: lang.datetime(d.at),
            who: d.actor,
            a: d.a,
            b: d.b,
            decision: d.decision,
        })
        .collect();
    shown_clusters.sort();
    shown_clusters.dedup();
    // A decision's end is an identifier or a report: the reports the
    // recent decisions name are shown too.
    let decision_reports =
        crate::engine::decision_reports(decided.iter().flat_map(|d| [d.a.as_str(), d.b.as_str()]));
    log_read(
        &state,
        &viewer,
        "suggestions",
        json!({
            "page": page_no,
            "suggestions": rows.len(),
            "clusters": shown_clusters,
            "reports": crate::access::reports_shown(
                shown_reports.iter().map(String::as_str),
                snapshot.generation(),
            ),
            "decision_reports": crate::access::reports_shown(decision_reports, snapshot.generation()),
            "via": "ui",
        }),
        "ok",
    )
    .await?;
    let shown = if total == 0 {
        lang.t("queue.none").to_owned()
    } else if rows.is_empty() {
        lang.f("queue.empty_page", &[("page", &page_no), ("total", &total)])
    } else {
        lang.f(
            "queue.showing",
            &[
                ("total", &total),
                ("from", &(offset + 1)),
                ("to", &(offset + rows.len())),
            ],
        )
    };
    let prev = if page_no > 1 {
        format!("/suggestions?page={}", page_no - 1)
    } else {
        String::new()
    };
    let next = if offset + QUEUE_PAGE < total {
        format!("/suggestions?page={}", page_no + 1)
    } else {
        String::new()
    };
    Ok(page(&QueuePage {
        nav: viewer.nav("suggestions"),
        flash: viewer.take_flash(&state),
        rows,
        decided,
        shown,
        page: page_no,
        prev,
        next,
    }))
}

/// A row of the access log as shown.
struct AuditRow {
    at: String,
    who: String,
    role: String,
    /// The action in words.
    action: String,
    /// The action as the log holds it.
    code: String,
    targets: String,
    reason: String,
    outcome: String,
}

/// A token as listed.
struct TokenRow {
    id: i64,
    role: String,
    team: String,
    label: String,
    created: String,
    expires: String,
    revoked: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    flash: Option<Flash>,
    rows: Vec<AuditRow>,
    tokens: Vec<TokenRow>,
    f_who: String,
    f_from: String,
    f_to: String,
    f_action: String,
    actions: Vec<(&'static str, String)>,
    prev: String,
    next: String,
    shown: String,
    roles: Vec<&'static str>,
    team_choices: Vec<String>,
}

/// Filters of the access log.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// A token's id.
    #[serde(default)]
    who: String,
    /// First day.
    #[serde(default)]
    from: String,
    /// Last day.
    #[serde(default)]
    to: String,
    /// An action (one of [`crate::access::ACTIONS`]).
    #[serde(default)]
    action: String,
    #[serde(default)]
    page: String,
}

/// A value of an access-log row's targets, short: a long list of report
/// ids by its first few and a count.
fn short(v: &Value, lang: Lang) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let mut out: Vec<String> = items.iter().take(3).map(|x| short(x, lang)).collect();
            if items.len() > 3 {
                out.push(format!("… (+{})", items.len() - 3));
            }
            out.join(", ")
        }
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", lang.name("target", k), short(v, lang)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// What an access-log row shows, at most 300 characters.
fn targets_text(v: &Value, lang: Lang) -> String {
    let text = short(v, lang);
    if text.chars().count() > 300 {
        let mut cut: String = text.chars().take(300).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// `GET /admin?who=&from=&to=&action=&page=`: the access log (newest
/// first, filtered by person, days and action, paged) and the tokens with
/// the forms to create and revoke them (admin only). Reading the log is
/// itself logged.
pub async fn admin(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, UiError> {
    // A refusal (403) is written to the access log by `log_refusals`.
    viewer.require(Action::Administer)?;
    let Query(q) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let page_no = page_number(&q.page)?;
    let token_id = match q.who.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| {
            UiError::BadRequest(Msg::with("error.not_a_number", &[("value", s.into())]))
        })?),
    };
    let day = |s: &str, end: bool| -> Result<Option<i64>, UiError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        crate::engine::parse_day(s, end)
            .map(Some)
            .map_err(|_| UiError::BadRequest(Msg::with("admin.bad_date", &[("date", s.into())])))
    };
    let action = match q.action.trim() {
        "" => None,
        a => Some(
            crate::access::ACTIONS
                .iter()
                .find(|x| x.eq_ignore_ascii_case(a))
                .map(|x| (*x).to_owned())
                .ok_or_else(|| {
                    UiError::BadRequest(Msg::with("admin.bad_action", &[("action", a.into())]))
                })?,
        ),
    };
    let since = day(&q.from, false)?;
    // `parse_day` gives the last second of the day: rows before the next.
    let until = day(&q.to, true)?.map(|t| t + 1);
    let filter = crate::store::AuditPage {
        token_id,
        since,
        until,
        action: action.clone(),
        offset: (page_no - 1).saturating_mul(AUDIT_PAGE),
        limit: AUDIT_PAGE,
    };
    let offset = filter.offset;
    let ((records, more), tokens) = blocking(&state, move |e| {
        Ok::<_, anyhow::Error>((e.audit_page(&filter)?, e.tokens()?))
    })
    .await?;
    log_read(
        &state,
        &viewer,
        "audit",
        json!({
            "filter": {"token": token_id, "from": q.from.trim(), "to": q.to.trim(), "action": action, "page": page_no},
            "entries": records.len(),
            "tokens": tokens.len(),
            "via": "ui",
        }),
        "ok",
    )
    .await?;
    let rows: Vec<AuditRow> = records
        .iter()
        .map(|r| AuditRow {
            at: lang.datetime(r.at),
            who: r.actor.clone().unwrap_or_else(|| match r.token_id {
                Some(id) => format!("{}#{id}", r.role),
                None => r.role.clone(),
            }),
            role: lang.name("role", &r.role),
            action: lang.name("action", &r.action),
            code: r.action.clone(),
            targets: targets_text(&r.targets, lang),
            reason: r.reason.clone().unwrap_or_default(),
            outcome: outcome_text(lang, &r.outcome),
        })
        .collect();
    let when = |t: Option<i64>| t.map(|t| lang.datetime(t)).unwrap_or_default();
    let tokens = tokens
        .into_iter()
        .rev()
        .map(|t| TokenRow {
            id: t.id,
            role: t.role,
            team: t.team.unwrap_or_default(),
            label: t.label,
            created: lang.datetime(t.created_at),
            expires: when(t.expires_at),
            revoked: when(t.revoked_at),
            state: t.state,
        })
        .collect();
    let link = |p: usize| {
        let page = p.to_string();
        let qs = query_string(&[
            ("who", q.who.trim()),
            ("from", q.from.trim()),
            ("to", q.to.trim()),
            ("action", action.as_deref().unwrap_or("")),
            ("page", if p > 1 { page.as_str() } else { "" }),
        ]);
        if qs.is_empty() {
            "/admin#log".to_owned()
        } else {
            format!("/admin?{qs}#log")
        }
    };
    let prev = if page_no > 1 {
        link(page_no - 1)
    } else {
        String::new()
    };
    let next = if more {
        link(page_no + 1)
    } else {
        String::new()
    };
    let shown = if rows.is_empty() {
        lang.t("admin.none").to_owned()
    } else {
        lang.f(
            "admin.showing",
            &[("from", &(offset + 1)), ("to", &(offset + rows.len()))],
        )
    };
    let team_choices = crate::ui::team_choices(&state.app.engine);
    Ok(page(&AdminPage {
        nav: viewer.nav("admin"),
        flash: viewer.take_flash(&state),
        rows,
        tokens,
        f_who: q.who.trim().to_owned(),
        f_from: q.from.trim().to_owned(),
        f_to: q.to.trim().to_owned(),
        f_action: action.clone().unwrap_or_default(),
        actions: crate::access::ACTIONS
            .iter()
            .map(|a| (*a, lang.name("action", a)))
            .collect(),
        prev,
        next,
        shown,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        team_choices,
    }))
}

/// The form that creates a token.
#[derive(Debug, Deserialize)]
pub struct NewToken {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    label: String,
    /// `90d`, `12h`, `never`; empty: the settings' `token_days`.
    #[serde(default)]
    expires_in: String,
}

/// `POST /admin/tokens`: creates a token and shows it once, on the admin
/// page the answer redirects to (admin only).
pub async fn create_token(
    State(state): State<UiState>,
    viewer: Viewer,
    Form(f): Form<NewToken>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::Administer)?;
    let lang = viewer.lang;
    let Some(role) = Role::from_name(&f.role) else {
        return Err(UiError::BadRequest(Msg::with(
            "admin.bad_role",
            &[("role", f.role.trim().to_owned())],
        )));
    };
    let label = f.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(UiError::bad("admin.no_label"));
    }
    let team = f.team.trim().to_owned();
    if role == Role::Intake && team.is_empty() {
        return Err(UiError::bad("admin.intake_team"));
    }
    let team = if team.is_empty() {
        None
    } else {
        Some(crate::ui::checked_team(&state, lang, "field.team", team).await?)
    };
    let lifetime = match f.expires_in.trim() {
        "" => {
            let days = state.app.engine.settings().auth.token_days;
            (days > 0).then(|| days.saturating_mul(86_400))
        }
        text => ui_lifetime(text).ok_or_else(|| {
            UiError::BadRequest(Msg::with("admin.bad_lifetime", &[("value", text.into())]))
        })?,
    };
    let (t2, l2) = (team.clone(), label.clone());
    let (id, secret) = blocking(&state, move |e| {
        e.create_token(role, t2.as_deref(), &l2, lifetime)
    })
    .await?;
    // The API and the sign-in page know the new token at once.
    state.app.tokens.reload(&state.app.engine).await?;
    log_read(
        &state,
        &viewer,
        "token_create",
        json!({"token": id, "role": role.as_str(), "team": team, "label": label, "via": "ui"}),
        "ok",
    )
    .await?;
    viewer.flash(
        &state,
        lang.f(
            "admin.created",
            &[
                ("id", &id),
                ("role", &lang.name("role", role.as_str())),
                ("label", &label),
            ],
        ),
        secret,
    );
    Ok(Redirect::to("/admin#tokens").into_response())
}

/// The form that revokes a token.
#[derive(Debug, Deserialize)]
pub struct RevokeToken {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/tokens/{id}/revoke`: revokes a token; the API refuses it
/// and its web sessions end at once (admin only).
pub async fn revoke_token(
    State(state): State<UiState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<RevokeToken>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::Administer)?;
    let Ok(id) = id.trim().parse::<i64>() else {
        return Err(UiError::BadRequest(Msg::with(
            "error.not_a_number",
            &[("value", id)],
        )));
    };
    let revoked = blocking(&state, move |e| e.revoke_token(id)).await?;
    if !revoked {
        return Err(UiError::NotFound(Msg::with(
            "admin.no_token",
            &[("id", id.to_string())],
        )));
    }
    state.app.tokens.reload(&state.app.engine).await?;
    log_read(
        &state,
        &viewer,
        "token_revoke",
        json!({"token": id, "via": "ui"}),
        "ok",
    )
    .await?;
    let lang: Lang = viewer.lang;
    viewer.flash(
        &state,
        lang.f("admin.revoked", &[("id", &id)]),
        String::new(),
    );
    Ok(Redirect::to("/admin#tokens").into_response())
}

/// An access-log outcome in the page's language: the codes by name, a
/// webhook's failure (`failed: HTTP 500`) with its cause as written.
fn outcome_text(lang: Lang, outcome: &str) -> String {
    match outcome {
        "ok" | "denied" | "refused" | "not_found" | "error" | "incomplete" => {
            lang.name("outcome", outcome)
        }
        other => match other.strip_prefix("failed: ") {
            Some(why) => lang.f("outcome.failed", &[("why", &why)]),
            None => other.to_owned(),
        },
    }
}

/// A token's lifetime as the admin page takes it, in Dutch or English: a
/// number with `d` (days), `w` (weeks) or `u`/`h` (hours), or `nooit`
/// (`never`). Seconds and minutes are not offered: on a page read in
/// Dutch `6m` reads as six months (maanden), and a token of six minutes
/// was never meant. Seconds, `None` for never; `None` outside for text
/// it does not read.
fn ui_lifetime(text: &str) -> Option<Option<i64>> {
    let t = text.trim().to_lowercase();
    if t == "nooit" || t == "never" {
        return Some(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = match unit.trim() {
        "d" | "w" | "h" => unit.trim(),
        "u" => "h",
        _ => return None,
    };
    crate::auth::parse_lifetime(&format!("{number}{unit}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifetime_reads_in_dutch_and_english_and_never_as_minutes() {
        assert_eq!(ui_lifetime("90d"), Some(Some(90 * 86_400)));
        assert_eq!(ui_lifetime(" 2 W "), Some(Some(14 * 86_400)));
        assert_eq!(ui_lifetime("12u"), Some(Some(12 * 3600)));
        assert_eq!(ui_lifetime("12h"), Some(Some(12 * 3600)));
        assert_eq!(ui_lifetime("nooit"), Some(None));
        assert_eq!(ui_lifetime("Never"), Some(None));
        for refused in [
            "6m",
            "30s",
            "m",
            "0d",
            "-1d",
            "d",
            "90 dagen",
            "99999999999999999999d",
        ] {
            assert_eq!(ui_lifetime(refused), None, "{refused}");
        }
    }

    #[test]
    fn long_targets_are_shown_by_their_first_few_and_a_count() {
        let v =
            json!({"cluster": "C-1", "reports": ["a", "b", "c", "d", "e"], "via": "ui", "x": null});
        assert_eq!(
            targets_text(&v, Lang::En),
            "cluster: C-1; reports: a, b, c, … (+2); via: ui"
        );
        assert_eq!(
            targets_text(&v, Lang::Nl),
            "cluster: C-1; aangiftes: a, b, c, … (+2); via: ui"
        );
        let long = json!({"query": "x".repeat(400)});
        assert_eq!(targets_text(&long, Lang::Nl).chars().count(), 301);
    }
}
