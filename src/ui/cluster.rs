//! The cluster page: summary and score parts, timeline, units and teams,
//! reports, identifiers with flags, the graph, suggested links with
//! confirm and reject, triage with its history, and export downloads.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Action;
use crate::cluster::{ClusterId, IdentState};
use crate::engine::{Decision, TriageChange};
use crate::export::Format;
use crate::ident::actionable;
use crate::ui::i18n::{Lang, percent};
use crate::ui::identgraph::{self, GraphPanel};
use crate::ui::pages::why_text;
use crate::ui::{
    Msg, Nav, UiError, UiState, Viewer, blocking, euros, iso_week, log_read, page, urlencode,
};

/// Identifiers listed in the cluster's identifier table, the most named.
const IDENTS_LISTED: usize = 500;

/// Reports listed per page of the cluster's report table.
const REPORTS_PAGE: usize = 100;

/// One score part.
pub struct Part {
    /// What.
    pub name: &'static str,
    /// Its weighted value.
    pub value: String,
    /// Bar width, 0..100, against the largest part.
    pub bar: u32,
    /// The figure behind it.
    pub figure: String,
}

/// A week of the timeline.
pub struct Week {
    /// `2026-W10`.
    pub label: String,
    /// Reports.
    pub n: usize,
    /// Left edge.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Height.
    pub h: u32,
}

/// A report in the table.
pub struct ReportRow {
    /// Id.
    pub id: String,
    /// Filing time.
    pub filed: String,
    /// Unit.
    pub unit: String,
    /// Team.
    pub team: String,
    /// Fraud type.
    pub fraud_type: String,
    /// Damage.
    pub amount: String,
}

/// An identifier in the table.
pub struct IdentRow {
    /// Kind.
    pub kind: String,
    /// Value.
    pub value: String,
    /// Reports of this cluster naming it.
    pub reports: usize,
    /// Reports anywhere naming it.
    pub total: usize,
    /// `links`, `benign` or `suppressed`.
    pub state: &'static str,
    /// Why benign or suppressed.
    pub why: String,
    /// A Dutch IBAN, number or `.nl` domain.
    pub actionable: bool,
    /// Its pivot: every report and cluster naming it.
    pub pivot: String,
}

/// A suggested weak link.
pub struct SuggestionRow {
    /// `kind:value`.
    pub a: String,
    /// `kind:value`.
    pub b: String,
    /// Why.
    pub why: String,
    /// Similarity.
    pub score: String,
    /// Clusters on the other side.
    pub other_clusters: Vec<String>,
}

/// An event of the history.
pub struct EventRow {
    /// When.
    pub at: String,
    /// What.
    pub kind: String,
    /// Why.
    pub cause: String,
    /// Who: the person who triaged or decided a link.
    pub who: String,
    /// Details.
    pub detail: String,
}

/// A note, apart from the others, with who wrote it and when.
pub struct NoteRow {
    /// When.
    pub at: String,
    /// Who.
    pub who: String,
    /// The note.
    pub text: String,
}

/// A link decision in force that can be undone.
pub struct DecisionRow {
    /// One endpoint.
    pub a: String,
    /// The other.
    pub b: String,
    /// `confirmed` or `rejected`.
    pub decision: String,
    /// Who.
    pub who: String,
    /// When.
    pub at: String,
}

#[derive(Template)]
#[template(path = "cluster.html")]
struct ClusterPage {
    nav: Nav,
    id: String,
    /// Said under the identifier table when it lists only the most named.
    idents_more: String,
    may_link: bool,
    may_triage: bool,
    size: usize,
    score: String,
    victims: usize,
    damage: String,
    first: String,
    last: String,
    status: String,
    assigned_team: String,
    notes: String,
    fraud_types: String,
    units: Vec<(String, usize)>,
    teams: Vec<(String, usize)>,
    parts: Vec<Part>,
    weeks: Vec<Week>,
    chart_width: u32,
    reports: Vec<ReportRow>,
    reports_prev: String,
    reports_next: String,
    idents: Vec<IdentRow>,
    graph: GraphPanel,
    suggestions: Vec<SuggestionRow>,
    /// Reports pushed since the clusters were built that name its
    /// identifiers, with the ones they name (`kind:value`, and its pivot).
    pending: Vec<(String, Vec<(String, String)>)>,
    /// What the pending list is, with its count.
    pending_note: String,
    events: Vec<EventRow>,
    note_rows: Vec<NoteRow>,
    decisions: Vec<DecisionRow>,
    statuses: Vec<&'static str>,
    team_choices: Vec<String>,
    flash: Option<crate::ui::session::Flash>,
}

/// Resolves an id or alias to the live cluster, or 404.
async fn resolve(state: &UiState, id: &str) -> Result<ClusterId, UiError> {
    let id = id.to_owned();
    let found = blocking(state, move |e| e.resolve_cluster(&id)).await?;
    found.ok_or_else(|| UiError::NotFound(Msg::new("error.no_cluster")))
}

/// The page an intake officer gets for a cluster their check matched:
/// the API's intake summary, nothing more.
#[derive(Template)]
#[template(path = "cluster_summary.html")]
struct SummaryPage {
    nav: Nav,
    s: crate::api::IntakeSummary,
    /// The priority with the page language's decimal sign.
    score: String,
    next_step: String,
}

/// `GET /clusters/{id}` (`?expand=kind:value` opens collapsed identifiers,
/// `?reports=N` pages the report table). A merged id redirects to the
/// cluster that absorbed it. Intake officers see the summary only, of a
/// cluster their own check matched.
pub async fn show(
    State(state): State<UiState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    viewer.require(Action::ReadClusterSummary)?;
    viewer.purpose()?;
    if !viewer.may(Action::ReadClusters) {
        return summary(&state, &viewer, &id).await;
    }
    let cid = resolve(&state, &id).await?;
    if cid.as_str() != id {
        let to = format!("/clusters/{}", urlencode(cid.as_str()));
        return Ok(Redirect::to(&to).into_response());
    }
    let snapshot = state.app.engine.state();
    if snapshot.cluster(&cid).is_none() {
        return Err(UiError::NotFound(Msg::new("error.cluster_empty")));
    }
    let flash = viewer.take_flash(&state);
    // Assembled on the heavy-read threads: a large cluster's page, with
    // its graph, is tens of milliseconds of work.
    Ok(state
        .app
        .heavy(move |engine| show_page(&engine, &snapshot, &cid, &viewer, raw.as_deref(), flash))
        .await?)
}

/// An intake officer's view of a cluster: the intake summary when their
/// own check matched it (asked before the id is looked up, so that the
/// answer tells nothing of other clusters), else 403.
async fn summary(state: &UiState, viewer: &Viewer, id: &str) -> Result<Response, UiError> {
    if !state.app.matched.contains(viewer.principal.token_id, id) {
        log_read(
            state,
            viewer,
            "cluster_summary",
            json!({"cluster": id, "via": "ui"}),
            "denied",
        )
        .await?;
        return Err(UiError::Forbidden(Msg::new("error.summary_only")));
    }
    let cid = resolve(state, id).await?;
    let snapshot = state.app.engine.state();
    let Some(c) = snapshot.cluster(&cid) else {
        return Err(UiError::NotFound(Msg::new("error.cluster_empty")));
    };
    let s = crate::api::intake_summary(&state.app.engine, c, id);
    log_read(
        state,
        viewer,
        "cluster_summary",
        json!({"cluster": cid, "via": "ui"}),
        "ok",
    )
    .await?;
    let next_step = crate::ui::pages::next_step(
        viewer.lang,
        s.cluster_id.as_str(),
        &s.status,
        s.assigned_team.as_deref(),
    );
    Ok(page(&SummaryPage {
        nav: viewer.nav("cluster"),
        score: viewer.lang.decimal(s.score, 3),
        s,
        next_step,
    }))
}

/// The cluster page, assembled and rendered (blocking work); writes the
/// read to the access log.
fn show_page(
    engine: &crate::engine::Engine,
    snapshot: &crate::engine::State,
    cid: &ClusterId,
    viewer: &Viewer,
    raw: Option<&str>,
    flash: Option<crate::ui::session::Flash>,
) -> anyhow::Result<Response> {
    let c = snapshot
        .cluster(cid)
        .ok_or_else(|| anyhow::anyhow!("cluster {cid} left the state it was found in"))?;
    let triage = engine.triage(cid);
    let lang = viewer.lang;

    let mut expanded = BTreeSet::new();
    let mut reports_page = 1usize;
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "expand" if expanded.len() < 200 => {
                expanded.insert(v.into_owned());
            }
            "reports" => reports_page = crate::ui::page_no(v.parse().ok()),
            _ => {}
        }
    }

    let mut unit_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut team_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut weekly: BTreeMap<(i32, u8), usize> = BTreeMap::new();
    for r in &c.report_ids {
        if let Some(row) = snapshot.row(r) {
            *unit_counts.entry(row.unit.to_string()).or_default() += 1;
            *team_counts.entry(row.team.to_string()).or_default() += 1;
            if let Some(w) = iso_week(row.filed_at) {
                *weekly.entry(w).or_default() += 1;
            }
        }
    }
    let mut units: Vec<(String, usize)> = unit_counts.into_iter().collect();
    units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut teams: Vec<(String, usize)> = team_counts.into_iter().collect();
    teams.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let p = &c.score_parts;
    let fig = &p.figures;
    let raw_parts: [(&'static str, f64, String); 8] = [
        ("reports", p.reports, lang.n("count.reports", c.size)),
        ("victims", p.victims, lang.n("count.victims", fig.victims)),
        ("units", p.units, lang.n("count.units", c.units.len())),
        ("teams", p.teams, lang.n("count.teams", c.teams.len())),
        ("damage", p.damage, euros(c.amount_eur_total)),
        (
            "growth",
            p.growth,
            lang.f(
                "cluster.growth_figure",
                &[("d14", &fig.growth_14d), ("d30", &fig.growth_30d)],
            ),
        ),
        (
            "recency",
            p.recency,
            lang.f(
                "cluster.recency_figure",
                &[("date", &lang.date(c.last_filed_at))],
            ),
        ),
        (
            "actionable",
            p.actionable,
            [
                (fig.dutch_iban, "cluster.dutch_iban"),
                (fig.dutch_phone, "cluster.dutch_phone"),
                (fig.nl_domain, "cluster.nl_domain"),
            ]
            .iter()
            .filter(|(b, _)| *b)
            .map(|(_, k)| lang.t(k))
            .collect::<Vec<_>>()
            .join(", "),
        ),
    ];
    let top = raw_parts
        .iter()
        .map(|x| x.1)
        .fold(0.0f64, f64::max)
        .max(0.0001);
    let parts = raw_parts
        .into_iter()
        .map(|(name, v, figure)| Part {
            name,
            value: lang.decimal(v, 3),
            bar: ((v / top) * 100.0).round().clamp(0.0, 100.0) as u32,
            figure,
        })
        .collect();

    // Timeline: every week from the first to the last, empty ones too
    // (at most the last 104 weeks, to keep the chart readable).
    let mut weeks = Vec::new();
    if let (Some(first), Some(last)) = (weekly.keys().next(), weekly.keys().next_back()) {
        let mut all: Vec<((i32, u8), usize)> = Vec::new();
        let (mut y, mut w) = *first;
        while (y, w) <= *last && all.len() < 2000 {
            all.push(((y, w), weekly.get(&(y, w)).copied().unwrap_or(0)));
            let weeks_in_year = time::util::weeks_in_year(y);
            if w >= weeks_in_year {
                y += 1;
                w = 1;
            } else {
                w += 1;
            }
        }
        let skip = all.len().saturating_sub(104);
        let top = all.iter().map(|x| x.1).max().unwrap_or(1).max(1);
        for (i, ((y, w), n)) in all.into_iter().skip(skip).enumerate() {
            let h = (n * 80 / top) as u32;
            weeks.push(Week {
                label: lang.week(y, w),
                n,
                x: 4 + i as u32 * 14,
                y: 90 - h,
                h,
            });
        }
    }
    // A minimum width keeps a few weeks from being drawn as giant bars.
    let chart_width = (8 + weeks.len() as u32 * 14).max(420);

    let mut reports = Vec::new();
    let (mut reports_prev, mut reports_next) = (String::new(), String::new());
    let mut idents = Vec::new();
    let mut suggestions = Vec::new();
    let offset = (reports_page - 1) * REPORTS_PAGE;
    // Newest filing first (then by id): the reports an analyst opens a
    // cluster for are its latest.
    let mut by_date: Vec<(i64, &crate::report::ReportId)> = c
        .report_ids
        .iter()
        .map(|r| (snapshot.row(r).map_or(i64::MIN, |x| x.filed_at), r))
        .collect();
    by_date.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for &(_, r) in by_date.iter().skip(offset).take(REPORTS_PAGE) {
        let row = snapshot.row(r);
        reports.push(ReportRow {
            id: r.as_str().to_owned(),
            filed: row.map(|x| lang.datetime(x.filed_at)).unwrap_or_default(),
            unit: row.map(|x| x.unit.to_string()).unwrap_or_default(),
            team: row.map(|x| x.team.to_string()).unwrap_or_default(),
            fraud_type: row
                .and_then(|x| x.fraud_type.map(str::to_owned))
                .unwrap_or_default(),
            amount: row
                .and_then(|x| x.amount_eur)
                .map(euros)
                .unwrap_or_default(),
        });
    }
    let base = format!("/clusters/{}", urlencode(cid.as_str()));
    if reports_page > 1 {
        reports_prev = format!("{base}?reports={}#reports", reports_page - 1);
    }
    if offset + REPORTS_PAGE < c.report_ids.len() {
        reports_next = format!("{base}?reports={}#reports", reports_page + 1);
    }
    // Most named in this cluster first, then by kind and value.
    let mut named = snapshot.cluster_identifiers(c);
    named.sort_by(|a, b| {
        b.0.reports
            .cmp(&a.0.reports)
            .then(a.0.kind.cmp(&b.0.kind))
            .then_with(|| a.0.value.cmp(&b.0.value))
    });
    // A cluster that percolates through an identifier the guards do not
    // know names hundreds of thousands: the page lists the most named.
    let idents_more = named.len().saturating_sub(IDENTS_LISTED);
    for (i, s, total) in named.into_iter().take(IDENTS_LISTED) {
        let (st, why) = match s {
            IdentState::Active => ("links", String::new()),
            IdentState::Benign(w) => ("benign", why_text(lang, &w)),
            IdentState::Suppressed(w) => ("suppressed", why_text(lang, &w)),
        };
        idents.push(IdentRow {
            pivot: crate::ui::pivot::href(i.kind.as_str(), &i.value),
            kind: i.kind.as_str().to_owned(),
            actionable: st == "links" && actionable(i.kind, &i.value),
            value: i.value.to_string(),
            reports: i.reports,
            total,
            state: st,
            why,
        });
    }
    let open = snapshot.suggestions_for(cid);
    let graph = identgraph::panel(snapshot, c, &open, &expanded, &base, lang, raw);
    for s in &open {
        let mut other: BTreeSet<String> = BTreeSet::new();
        for o in s.a_clusters.iter().chain(&s.b_clusters) {
            if o != cid {
                other.insert(o.as_str().to_owned());
            }
        }
        suggestions.push(SuggestionRow {
            a: format!("{}:{}", s.suggestion.a.kind, s.suggestion.a.value),
            b: format!("{}:{}", s.suggestion.b.kind, s.suggestion.b.value),
            why: suggestion_why(lang, &s.suggestion),
            score: percent(s.suggestion.score),
            other_clusters: other.into_iter().collect(),
        });
    }
    let history = engine.cluster_history(cid)?;
    let mut note_rows = Vec::new();
    for e in history.iter().rev() {
        if let Some(text) = e.detail.get("note").and_then(|n| n.as_str()) {
            note_rows.push(NoteRow {
                at: lang.datetime(e.at),
                who: e.actor.clone().unwrap_or_default(),
                text: text.to_owned(),
            });
        }
    }
    let events = history
        .iter()
        .rev()
        .take(200)
        .map(|e| EventRow {
            at: lang.datetime(e.at),
            kind: e.kind.clone(),
            cause: cause_text(lang, &e.cause),
            who: e.actor.clone().unwrap_or_else(|| cause_actor(&e.cause)),
            detail: detail_text(lang, &e.detail),
        })
        .collect();
    let decisions: Vec<DecisionRow> = engine
        .decisions_touching(snapshot, cid)?
        .into_iter()
        .map(|d| DecisionRow {
            at: lang.datetime(d.at),
            who: d.actor,
            a: d.a,
            b: d.b,
            decision: d.decision,
        })
        .collect();
    let (waiting, waiting_total) =
        engine.pending_members(snapshot, c, crate::engine::PENDING_SHOWN);
    let pending_note = lang.f(
        "cluster.pending_note",
        &[
            ("reports", &lang.n("count.reports", waiting_total)),
            ("shown", &waiting.len()),
        ],
    );
    // The page shows the page of the report table, the reports the
    // report-level drawing names (the identifier drawing names none), the
    // reports pushed since that name its identifiers and, in its
    // suggestions, the reports naming the other identifier.
    let generation = snapshot.generation();
    let mut shown: Vec<&str> = reports.iter().map(|r| r.id.as_str()).collect();
    if let Some(drawing) = &graph.reports {
        let listed: std::collections::HashSet<&str> = shown.iter().copied().collect();
        shown.extend(
            drawing
                .reports
                .iter()
                .map(|r| r.id.as_str())
                .filter(|r| !listed.contains(r)),
        );
    }
    engine.log_access(
        Some(&viewer.principal),
        "read_cluster",
        &json!({
            "cluster": cid,
            "reports": crate::access::reports_shown(shown, generation),
            "pending_reports": crate::access::reports_shown(waiting.iter().map(|p| p.report_id.as_str()), generation),
            "suggested_reports": crate::access::reports_shown(
                crate::engine::suggestion_reports(&open),
                generation,
            ),
            "decision_reports": crate::access::reports_shown(
                crate::engine::decision_reports(
                    decisions
                        .iter()
                        .flat_map(|d| [d.a.as_str(), d.b.as_str()])
                        .chain(
                            // The events shown: the latest 200.
                            history
                                .iter()
                                .rev()
                                .take(200)
                                .filter_map(|e| crate::engine::link_cause_ends(&e.cause))
                                .flat_map(|(a, b)| [a, b]),
                        ),
                ),
                generation,
            ),
            "via": "ui",
        }),
        viewer.purpose.as_deref(),
        "ok",
    )?;
    viewer.caller().logged();

    Ok(page(&ClusterPage {
        nav: viewer.nav("cluster"),
        id: cid.as_str().to_owned(),
        may_link: viewer.may(Action::DecideLink),
        may_triage: viewer.may(Action::Triage),
        size: c.size,
        score: lang.decimal(c.score, 3),
        victims: fig.victims,
        damage: euros(c.amount_eur_total),
        first: lang.datetime(c.first_filed_at),
        last: lang.datetime(c.last_filed_at),
        status: triage.status,
        assigned_team: triage.assigned_team.unwrap_or_default(),
        notes: triage.notes,
        fraud_types: c
            .fraud_types
            .iter()
            .map(|t| lang.name("fraud", t))
            .collect::<Vec<_>>()
            .join(", "),
        units,
        teams,
        parts,
        weeks,
        chart_width,
        reports,
        reports_prev,
        reports_next,
        idents,
        idents_more: if idents_more > 0 {
            lang.n("cluster.idents_more", idents_more)
        } else {
            String::new()
        },
        graph,
        suggestions,
        pending: waiting
            .into_iter()
            .map(|p| {
                let via = p
                    .via
                    .iter()
                    .map(|v| {
                        (
                            format!("{}:{}", v.kind, v.value),
                            crate::ui::pivot::href(v.kind.as_str(), &v.value),
                        )
                    })
                    .collect();
                (p.report_id.as_str().to_owned(), via)
            })
            .collect(),
        pending_note,
        events,
        note_rows,
        decisions,
        statuses: crate::engine::STATUSES.to_vec(),
        team_choices: crate::ui::team_choices(engine),
        flash,
    }))
}

/// The triage form.
#[derive(Debug, Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    assigned_team: String,
    #[serde(default)]
    unassign: Option<String>,
    #[serde(default)]
    note: String,
}

/// `POST /clusters/{id}/triage` (coordinator and up).
pub async fn triage(
    State(state): State<UiState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TriageForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::Triage)?;
    let cid = resolve(&state, &id).await?;
    let current = state.app.engine.triage(&cid);
    let status = Some(f.status.trim().to_owned()).filter(|s| !s.is_empty() && *s != current.status);
    let team = f.assigned_team.trim().to_owned();
    let team = if team.is_empty() {
        team
    } else {
        // An unknown team is the person's mistake, said on the page.
        // The list's spelling is kept whatever the case typed; a team
        // not in the list is refused, naming the field (issue 22).
        crate::ui::checked_team(&state, viewer.lang, "cluster.assign", team).await?
    };
    let assigned: Option<Option<String>> = if f.unassign.is_some() {
        current.assigned_team.as_ref().map(|_| None)
    } else if !team.is_empty() && Some(&team) != current.assigned_team.as_ref() {
        Some(Some(team))
    } else {
        None
    };
    let note = Some(f.note.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.len() > 10_000) {
        return Err(UiError::bad("error.note_too_long"));
    }
    let lang = viewer.lang;
    let mut changed = Vec::new();
    if let Some(s) = &status {
        changed.push(lang.f(
            "triage.saved_status",
            &[
                ("from", &lang.name("status", &current.status)),
                ("to", &lang.name("status", s)),
            ],
        ));
    }
    match &assigned {
        Some(Some(t)) => changed.push(lang.f("triage.saved_team", &[("team", t)])),
        Some(None) => changed.push(lang.t("triage.saved_unassigned").to_owned()),
        None => {}
    }
    if note.is_some() {
        changed.push(lang.t("triage.saved_note").to_owned());
    }
    let flash = if changed.is_empty() {
        lang.t("triage.nothing").to_owned()
    } else {
        lang.f(
            "triage.saved",
            &[("cluster", &cid.as_str()), ("what", &changed.join("; "))],
        )
    };
    let change = TriageChange {
        status,
        assigned_team: assigned,
        note,
    };
    if !change.is_empty() {
        let actor = viewer.principal.name();
        let c2 = cid.clone();
        blocking(&state, move |e| e.set_triage(c2.as_str(), change, &actor)).await?;
    }
    viewer.flash(&state, flash, String::new());
    let to = format!("/clusters/{}#triage", urlencode(cid.as_str()));
    Ok(Redirect::to(&to).into_response())
}

/// The confirm/reject form of a suggestion.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    a: String,
    b: String,
    decision: String,
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    reason: String,
    /// `queue`: go back to the suggestion queue (at `page`).
    #[serde(default)]
    from: String,
    #[serde(default)]
    page: String,
}

/// `POST /links`: confirm, reject or undo (`decision=undo`) a link
/// (analyst and up), then back to the cluster (which may have merged into
/// another) or the suggestion queue, with a confirmation naming the link.
pub async fn decide_link(
    State(state): State<UiState>,
    viewer: Viewer,
    Form(f): Form<LinkForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::DecideLink)?;
    let decision = Decision::parse(&f.decision)?;
    let undo = decision == Decision::Undo;
    let actor = viewer.principal.name();
    let (a, b) = (f.a.clone(), f.b.clone());
    let reason = if f.reason.trim().is_empty() {
        if undo {
            UNDONE_IN_UI.to_owned()
        } else {
            DECIDED_IN_UI.to_owned()
        }
    } else {
        f.reason.trim().chars().take(1000).collect()
    };
    let decided = blocking(&state, move |e| e.decide(&a, &b, decision, &actor, &reason)).await?;
    let lang = viewer.lang;
    let pair = format!("{} ~ {}", f.a.trim(), f.b.trim());
    let flash = match (decision, decided.undone) {
        (Decision::Undo, Some(was)) => lang.f(
            "triage.undone",
            &[("pair", &pair), ("was", &lang.name("decision", &was))],
        ),
        (Decision::Confirm, _) => lang.f("triage.confirmed", &[("pair", &pair)]),
        _ => lang.f("triage.rejected", &[("pair", &pair)]),
    };
    viewer.flash(&state, flash, String::new());
    let to = if f.from == "queue" {
        let page = crate::ui::page_no(f.page.parse().ok());
        if page > 1 {
            format!("/suggestions?page={page}")
        } else {
            "/suggestions".to_owned()
        }
    } else if f.cluster.is_empty() {
        "/".to_owned()
    } else if undo {
        format!("/clusters/{}#decisions", urlencode(&f.cluster))
    } else {
        format!("/clusters/{}#suggestions", urlencode(&f.cluster))
    };
    Ok(Redirect::to(&to).into_response())
}

/// Query of a download.
#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    format: String,
}

/// `GET /clusters/{id}/download?format=csv|gexf|graphml|ndjson`: the same
/// exports as the API, for a browser that has a session, not a token.
pub async fn download(
    State(state): State<UiState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, UiError> {
    viewer.require(Action::Export)?;
    viewer.purpose()?;
    let (format, mime, ext) = match q.format.as_str() {
        "" | "csv" => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        "gexf" => (Format::Gexf, "application/gexf+xml", "gexf"),
        "graphml" => (Format::Graphml, "application/graphml+xml", "graphml"),
        "ndjson" => (Format::Ndjson, "application/x-ndjson", "ndjson"),
        other => {
            return Err(UiError::BadRequest(Msg::with(
                "error.format",
                &[("format", other.to_owned())],
            )));
        }
    };
    let cid = resolve(&state, &id).await?;
    let c2 = cid.clone();
    let (bytes, exported) = state
        .app
        .heavy(move |e| {
            let mut out = Vec::new();
            let exported = crate::export::clusters(&e, format, Some(c2.as_str()), &mut out)?;
            Ok((out, exported))
        })
        .await?;
    log_read(
        &state,
        &viewer,
        "export_cluster",
        json!({"cluster": cid, "format": ext, "reports": exported.reports, "via": "ui"}),
        "ok",
    )
    .await?;
    // The id is [A-Za-z0-9-] by construction; filter anyway, since it goes
    // into a header.
    let safe: String = cid
        .as_str()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let disposition = format!("attachment; filename=\"{safe}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// A suggestion's reason in the page's language.
pub(crate) fn suggestion_why(lang: Lang, s: &crate::suggest::Suggestion) -> String {
    use crate::suggest::Basis;
    let (a, b) = (&*s.a.value, &*s.b.value);
    match s.basis {
        Basis::IbanTypo => lang.f(
            "suggest.iban_typo",
            &[("a", &a), ("b", &b), ("d", &strsim::osa_distance(a, b))],
        ),
        Basis::LookalikeDomain => lang.f(
            "suggest.lookalike",
            &[("a", &a), ("b", &b), ("score", &percent(s.score))],
        ),
        Basis::HandleVariant => lang.f(
            "suggest.handle",
            &[("a", &a), ("b", &b), ("score", &percent(s.score))],
        ),
    }
}

/// The basis stored with a link decision made in the web UI without a
/// reason (the store keeps it in English, as every cause).
pub const DECIDED_IN_UI: &str = "decided in the web UI";
/// The same for an undo.
pub const UNDONE_IN_UI: &str = "undone in the web UI";

/// A link decision's basis in the page's language: the web UI's own
/// markers translated, an analyst's words as written.
pub fn basis_text(lang: Lang, basis: &str) -> String {
    match basis {
        DECIDED_IN_UI => lang.t("basis.decided_in_ui").to_owned(),
        UNDONE_IN_UI => lang.t("basis.undone_in_ui").to_owned(),
        other => other.to_owned(),
    }
}

/// What caused a cluster event (`ingest`, `triage`, `link A ~ B confirmed
/// by X`, `purge of N report(s) filed before D by X`) in the page's
/// language.
fn cause_text(lang: Lang, cause: &str) -> String {
    if let Some(source) = cause.strip_prefix("ingest ") {
        return lang.f("cause.ingest", &[("source", &source)]);
    }
    if let Some(rest) = cause.strip_prefix("purge of ")
        && let Some((n, rest)) = rest.split_once(" report(s) filed before ")
        && let Some((before, actor)) = rest.split_once(" by ")
    {
        // The date as the page writes dates (stored as RFC 3339).
        let before =
            time::OffsetDateTime::parse(before, &time::format_description::well_known::Rfc3339)
                .map_or_else(|_| before.to_owned(), |t| lang.date(t.unix_timestamp()));
        return lang.f(
            "cause.purge",
            &[("n", &n), ("before", &before), ("actor", &actor)],
        );
    }
    if let Some(rest) = cause.strip_prefix("link ") {
        for (word, key) in [
            (" confirmed by ", "cause.link_confirmed"),
            (" rejected by ", "cause.link_rejected"),
            (" undone by ", "triage.cause_undone"),
        ] {
            if let Some((pair, actor)) = rest.split_once(word) {
                return lang.f(key, &[("pair", &pair), ("actor", &actor)]);
            }
        }
    }
    lang.name("cause", cause)
}

/// Who caused a re-cluster, as its cause names them (`link A ~ B
/// confirmed by X`); empty for causes without a person (an ingest).
fn cause_actor(cause: &str) -> String {
    if cause.starts_with("link ") {
        for word in [" confirmed by ", " rejected by ", " undone by "] {
            if let Some((_, actor)) = cause.split_once(word) {
                return actor.to_owned();
            }
        }
    }
    if cause.starts_with("purge of ")
        && let Some((_, actor)) = cause.rsplit_once(" by ")
    {
        return actor.to_owned();
    }
    String::new()
}

/// An event's detail in the page's language: times as local times (they
/// are stored as Unix seconds), statuses by name; a note is said to be
/// added (the notes are listed apart, each with who and when).
fn detail_text(lang: Lang, detail: &serde_json::Value) -> String {
    match detail {
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(k, v)| match k.as_str() {
                "unassigned" => v.as_bool() == Some(true),
                _ => !v.is_null(),
            })
            .map(|(k, v)| {
                let name = lang.name("detail", k);
                match v {
                    // A triage change that took the team away (its
                    // `assigned_team` is null, as when it was left alone).
                    serde_json::Value::Bool(true) if k == "unassigned" => {
                        lang.t("triage.history_unassigned").to_owned()
                    }
                    serde_json::Value::Number(n) if k.ends_with("_at") => {
                        format!("{name}: {}", lang.datetime(n.as_i64().unwrap_or(0)))
                    }
                    serde_json::Value::String(_) if k == "note" => {
                        lang.t("triage.note_added").to_owned()
                    }
                    serde_json::Value::String(s) if k == "status" || k == "event" => {
                        format!("{name}: {}", lang.name(k, s))
                    }
                    serde_json::Value::String(s) => format!("{name}: {s}"),
                    // A long list (the reports of a large cluster) is
                    // shown by its first few and a count.
                    serde_json::Value::Array(items) => {
                        let mut shown: Vec<String> = items
                            .iter()
                            .take(5)
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect();
                        if items.len() > 5 {
                            shown.push(format!("… (+{})", items.len() - 5));
                        }
                        format!("{name}: {}", shown.join(", "))
                    }
                    other => format!("{name}: {other}"),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
