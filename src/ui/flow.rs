//! `/flow`: the flow of cases as a manager of the national desk steers on
//! it (issue 22), drawn on the server as SVG: per ISO week the clusters
//! found, closed or handed over and reopened, the reports filed and the
//! backlog of open clusters at each week's end, the current week marked
//! as not over; how long open clusters have waited at their status; per
//! unit and per team, with filters for one's own; lead times from found
//! to first assignment and to closure per team. Every chart has a title,
//! a description and its numbers as a table.
//!
//! What walks every report or every cluster row of the store is done once
//! per state, before a serving engine publishes it
//! ([`crate::engine::FlowBase`]), or per triage change and kept
//! ([`Cache`]); a page view walks the linked clusters once over them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Action;
use crate::cluster::ClusterId;
use crate::engine::flow::{AGE_BOUNDS, OPEN, Step, Tally, Week, WeekFlow, median};
use crate::engine::{Engine, State as Derived};
use crate::ui::i18n::Lang;
use crate::ui::{Nav, UiError, UiState, Viewer, log_read, page, query_string};

/// The weeks a page can show, the default first.
const WEEK_CHOICES: [usize; 3] = [26, 12, 52];

// The inputs hold as many weeks as the longest choice shows.
const _: () = {
    let mut i = 0;
    while i < WEEK_CHOICES.len() {
        assert!(WEEK_CHOICES[i] <= crate::engine::FLOW_WEEKS);
        i += 1;
    }
};

/// Open clusters listed as waiting longest.
const OLDEST: usize = 10;

/// Days after which an open cluster counts as waiting long (the summary
/// and the units table; the bucket bound of 8-30 days).
const LONG_WAIT_DAYS: i64 = 30;

/// The kept inputs of the flow: per state and week, per triage change.
#[derive(Default)]
pub(crate) struct Cache {
    base: Option<(Weak<Derived>, i64, Arc<Base>)>,
    steps: Option<(i64, Arc<Steps>)>,
    /// The dashboard's line, with the inputs and the minute it is of.
    summary: Option<(Arc<Base>, Arc<Steps>, i64, Summary)>,
}

/// Each live cluster's triage steps.
type Steps = HashMap<ClusterId, Vec<Step>>;

/// What one state gives the flow (see [`crate::engine::FlowBase`]).
type Base = crate::engine::FlowBase;

/// The inputs for `snapshot` as of `now`: the state's own (a serving
/// engine works them out before publishing it), else those kept for it and
/// the week; the triage steps read when the triage records changed.
async fn inputs(
    state: &UiState,
    snapshot: &Arc<Derived>,
    now: i64,
) -> Result<(Arc<Base>, Arc<Steps>), UiError> {
    let week = crate::engine::week_start(now);
    let cache = state.flows.clone();
    let snapshot = snapshot.clone();
    crate::ui::blocking(state, move |engine| {
        let admin = engine.revisions()?.admin;
        let (base, steps) = {
            let c = cache.lock().unwrap_or_else(|p| p.into_inner());
            let base = snapshot.flow_base(now).or_else(|| {
                c.base.as_ref().and_then(|(weak, w, base)| {
                    let same = weak.upgrade().is_some_and(|s| Arc::ptr_eq(&s, &snapshot));
                    (same && *w == week).then(|| base.clone())
                })
            });
            let steps = c
                .steps
                .as_ref()
                .and_then(|(rev, s)| (*rev == admin).then(|| s.clone()));
            (base, steps)
        };
        let base = match base {
            Some(b) => b,
            None => {
                let b = Arc::new(engine.compute_flow_base(&snapshot, now)?);
                cache.lock().unwrap_or_else(|p| p.into_inner()).base =
                    Some((Arc::downgrade(&snapshot), week, b.clone()));
                b
            }
        };
        let steps = match steps {
            Some(s) => s,
            None => {
                let s = Arc::new(engine.triage_steps()?);
                cache.lock().unwrap_or_else(|p| p.into_inner()).steps = Some((admin, s.clone()));
                s
            }
        };
        Ok::<_, anyhow::Error>((base, steps))
    })
    .await
}

/// A unit's or a team's way of choosing its clusters.
struct Choice<'a> {
    unit: &'a str,
    /// [`crate::teams::key`] of the team chosen, or empty.
    team: String,
}

impl Choice<'_> {
    fn keeps(&self, c: &crate::engine::ClusterSummary, assigned: Option<&str>) -> bool {
        (self.unit.is_empty() || c.units.iter().any(|u| u.eq_ignore_ascii_case(self.unit)))
            && (self.team.is_empty()
                || c.teams.iter().any(|t| crate::teams::key(t) == self.team)
                || assigned.is_some_and(|a| crate::teams::key(a) == self.team))
    }
}

/// Lead times and counts of one team (or all).
#[derive(Default)]
struct TeamAcc {
    open: usize,
    to_assign: Vec<f64>,
    to_done: Vec<f64>,
}

/// The counts of one unit.
#[derive(Default)]
struct UnitAcc {
    found: usize,
    out: usize,
    open: usize,
    long: usize,
}

/// Everything a page shows, counted in one walk over the linked clusters.
struct Figures {
    flows: Vec<WeekFlow>,
    ageing: [[usize; AGE_BOUNDS.len() + 1]; OPEN.len()],
    all: TeamAcc,
    teams: BTreeMap<String, TeamAcc>,
    units: BTreeMap<String, UnitAcc>,
    /// (days waited, place in [`OPEN`], place in the state's list).
    oldest: Vec<(i64, usize, u32)>,
}

fn count(
    engine: &Engine,
    snapshot: &Derived,
    base: &Base,
    steps: &Steps,
    weeks: &[Week],
    now: i64,
    choice: &Choice<'_>,
) -> Figures {
    let mut tally = Tally::new(weeks, now);
    let mut all = TeamAcc::default();
    let mut teams: BTreeMap<String, TeamAcc> = BTreeMap::new();
    let mut units: BTreeMap<String, UnitAcc> = BTreeMap::new();
    let mut oldest: Vec<(i64, usize, u32)> = Vec::new();
    let clusters = snapshot.clusters();
    for &(place, found) in &base.cases {
        let Some(c) = clusters.get(place as usize) else {
            continue;
        };
        let own = steps.get(&c.cluster_id).map_or(&[][..], Vec::as_slice);
        // Only a triaged cluster has a team (and steps).
        let assigned = if own.is_empty() {
            None
        } else {
            engine
                .triage(&c.cluster_id)
                .assigned_team
                .filter(|t| !t.trim().is_empty())
        };
        if !choice.keeps(c, assigned.as_deref()) {
            continue;
        }
        let seen = tally.add(found, own);
        let team = teams.entry(assigned.unwrap_or_default()).or_default();
        for acc in [&mut all, team] {
            acc.open += usize::from(seen.waiting.is_some());
            acc.to_assign.extend(seen.to_assign);
            acc.to_done.extend(seen.to_done);
        }
        for u in &c.units {
            let acc = units.entry(u.to_string()).or_default();
            acc.found += usize::from(seen.found_in_weeks);
            acc.out += seen.out_in_weeks;
            if let Some((_, days)) = seen.waiting {
                acc.open += 1;
                acc.long += usize::from(days > LONG_WAIT_DAYS);
            }
        }
        if let Some((status, days)) = seen.waiting {
            oldest.push((days, status, place));
            if oldest.len() > 4 * OLDEST {
                keep_oldest(&mut oldest);
            }
        }
    }
    keep_oldest(&mut oldest);
    let (flows, ageing) = tally.finish();
    Figures {
        flows,
        ageing,
        all,
        teams,
        units,
        oldest,
    }
}

/// Keeps the [`OLDEST`] longest waiting, longest first.
fn keep_oldest(v: &mut Vec<(i64, usize, u32)>) {
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    v.truncate(OLDEST);
}

/// A line of ticks on a chart's value axis.
pub struct Tick {
    /// Height in the drawing.
    pub y: u32,
    /// The value.
    pub label: String,
}

/// One bar.
pub struct BarRect {
    /// Left edge.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
    /// The colour's class (`c-found`, ...).
    pub class: &'static str,
    /// What the bar shows, in words (its tooltip).
    pub tip: String,
}

/// The bars of one week (or status).
pub struct Group {
    /// Under the bars (`W49`); empty where labels are thinned out.
    pub label: String,
    /// The label's centre.
    pub x: u32,
    /// The left edge of the group, for the mark of a partial week.
    pub left: u32,
    /// The group's width.
    pub width: u32,
    /// The current week, not over yet: drawn paler and marked.
    pub partial: bool,
    /// Its bars.
    pub bars: Vec<BarRect>,
}

/// A bar chart drawn on the server, with the table of its numbers.
pub struct Chart {
    /// The element id (`chart-backlog`).
    pub id: &'static str,
    /// Title (heading, SVG title and the table's caption).
    pub title: String,
    /// What it shows, in words (SVG description).
    pub desc: String,
    /// The drawing's width.
    pub width: u32,
    /// The drawing's height.
    pub height: u32,
    /// The bottom of the bars.
    pub base_y: u32,
    /// Value lines.
    pub ticks: Vec<Tick>,
    /// Weeks or statuses.
    pub groups: Vec<Group>,
    /// Colour keys: class and name.
    pub keys: Vec<(&'static str, String)>,
    /// Narrow charts (few groups) are drawn smaller.
    pub narrow: bool,
    /// The table: header, then rows.
    pub head: Vec<String>,
    /// One row per group.
    pub rows: Vec<Vec<String>>,
}

/// The drawing's height, top margin, left margin and the bars' base line.
const CHART_H: u32 = 190;
const TOP: u32 = 16;
const LEFT: u32 = 40;
const BASE_Y: u32 = 160;

/// The smallest of 1, 2, 5 times a power of ten at or above `x`.
fn nice(x: usize) -> usize {
    let mut p = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p >= x {
                return m * p;
            }
        }
        p *= 10;
    }
}

/// One group of a chart: its label, whether partial, and a value per
/// series.
struct Column {
    label: String,
    partial: bool,
    values: Vec<usize>,
    tips: Vec<String>,
}

fn draw(
    id: &'static str,
    title: String,
    desc: String,
    series: &[(&'static str, String)],
    columns: Vec<Column>,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
) -> Chart {
    let n = columns.len().max(1);
    let group_w: u32 = (660 / n as u32).clamp(12, 90);
    let width = LEFT + group_w * n as u32 + 10;
    let max = columns
        .iter()
        .flat_map(|c| c.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = nice(max.div_ceil(4));
    let top = step * max.div_ceil(step);
    let plot_h = BASE_Y - TOP;
    let scale = |v: usize| (v as u64 * plot_h as u64 / top as u64) as u32;
    let ticks = (0..=top / step)
        .map(|i| Tick {
            y: BASE_Y - scale(i * step),
            label: (i * step).to_string(),
        })
        .collect();
    // Labels every so many groups, always on the last (the current week).
    let every = n.div_ceil(14);
    let k = series.len().max(1) as u32;
    let inner = (group_w * 8 / 10).max(k);
    let bar_w = (inner / k).max(1);
    let groups = columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let left = LEFT + i as u32 * group_w;
            let x0 = left + (group_w - bar_w * k) / 2;
            let bars = c
                .values
                .iter()
                .zip(series)
                .zip(c.tips)
                .enumerate()
                .map(|(j, ((&v, (class, _)), tip))| {
                    let h = scale(v);
                    BarRect {
                        x: x0 + j as u32 * bar_w,
                        y: BASE_Y - h,
                        w: bar_w,
                        h,
                        class,
                        tip,
                    }
                })
                .collect();
            // Counted from the last, so that it is never crowded.
            let shown = (n - 1 - i) % every == 0;
            Group {
                label: if shown { c.label } else { String::new() },
                x: left + group_w / 2,
                left,
                width: group_w,
                partial: c.partial,
                bars,
            }
        })
        .collect();
    Chart {
        id,
        title,
        desc,
        width,
        height: CHART_H,
        base_y: BASE_Y,
        ticks,
        groups,
        keys: series.to_vec(),
        narrow: n <= 6,
        head,
        rows,
    }
}

/// The query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    weeks: String,
}

/// A row of the units table.
pub struct UnitRow {
    /// The unit.
    pub unit: String,
    /// The page for this unit alone.
    pub href: String,
    /// Found in the weeks shown.
    pub found: usize,
    /// Closed or handed over in the weeks shown.
    pub out: usize,
    /// Open now.
    pub open: usize,
    /// Of those, waiting longer than 30 days at their status.
    pub long: usize,
}

/// A row of the teams table.
pub struct TeamRow {
    /// The team, or "not assigned", or "all teams".
    pub team: String,
    /// The page for this team alone (empty for none).
    pub href: String,
    /// Open now.
    pub open: usize,
    /// First assigned in the weeks shown.
    pub assigned: usize,
    /// Median days from found to first assignment.
    pub to_assign: String,
    /// First closed or handed over in the weeks shown.
    pub done: usize,
    /// Median days from found to first closure or handover.
    pub to_done: String,
}

/// An open cluster among those waiting longest.
pub struct Waiting {
    /// The cluster.
    pub id: String,
    /// Its status.
    pub status: &'static str,
    /// Days at it.
    pub days: i64,
    /// Reports.
    pub size: usize,
    /// Assigned team.
    pub team: String,
}

#[derive(Template)]
#[template(path = "flow.html")]
struct FlowPage {
    nav: Nav,
    f_unit: String,
    f_team: String,
    f_weeks: usize,
    week_choices: Vec<usize>,
    units: Vec<String>,
    teams: Vec<String>,
    /// What is counted, in one line ("Eenheid Limburg, 26 weken").
    scope: String,
    /// The figures of the weeks in one sentence.
    summary: String,
    /// The current week, not over yet, in words.
    partial_note: String,
    charts: Vec<Chart>,
    /// The ageing chart (one; a list for the template's loop).
    ageing: Vec<Chart>,
    unit_rows: Vec<UnitRow>,
    team_rows: Vec<TeamRow>,
    oldest: Vec<Waiting>,
    as_of: String,
}

fn days(lang: Lang, v: Vec<f64>) -> String {
    match median(v) {
        None => "–".to_owned(),
        Some(m) => lang.f("dash.days", &[("n", &lang.decimal(m, 1))]),
    }
}

/// `GET /flow`: the flow of cases (analyst and up).
pub async fn flow(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<Filters>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::ReadClusters)?;
    viewer.purpose()?;
    let Query(f) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let n_weeks = match f.weeks.trim() {
        "" => WEEK_CHOICES[0],
        w => w
            .parse()
            .ok()
            .filter(|n| WEEK_CHOICES.contains(n))
            .ok_or_else(|| UiError::bad("flow.unknown_weeks"))?,
    };
    let (unit, team) = (f.unit.trim(), f.team.trim());
    let engine = state.app.engine.clone();
    let snapshot = engine.state();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (base, steps) = inputs(&state, &snapshot, now).await?;
    let weeks = &base.weeks[base.weeks.len().saturating_sub(n_weeks)..];
    let choice = Choice {
        unit,
        team: crate::teams::key(team),
    };
    let fig = count(&engine, &snapshot, &base, &steps, weeks, now, &choice);

    // Reports filed per week: the team's when one is chosen (a team lies
    // in one unit), else the unit's, else all.
    let offset = base.weeks.len() - weeks.len();
    let reports: Vec<usize> = {
        let chosen = if !choice.team.is_empty() {
            base.by_team.get(&choice.team)
        } else if !unit.is_empty() {
            base.by_unit.get(&unit.to_lowercase())
        } else {
            Some(&base.reports)
        };
        chosen.map_or_else(|| vec![0; weeks.len()], |r| r[offset..].to_vec())
    };

    let link = |unit: &str, team: &str| {
        let w = if n_weeks == WEEK_CHOICES[0] {
            String::new()
        } else {
            n_weeks.to_string()
        };
        format!(
            "/flow?{}",
            query_string(&[("unit", unit), ("team", team), ("weeks", &w)])
        )
    };
    let label = |w: &Week| {
        if w.is_partial(now) {
            format!("{}*", lang.week_short(w.week))
        } else {
            lang.week_short(w.week)
        }
    };
    let row_label = |w: &Week| {
        if w.is_partial(now) {
            lang.f("flow.week_partial", &[("week", &lang.week(w.year, w.week))])
        } else {
            lang.week(w.year, w.week)
        }
    };
    let first = weeks
        .first()
        .map(|w| lang.week(w.year, w.week))
        .unwrap_or_default();
    let last = weeks
        .last()
        .map(|w| lang.week(w.year, w.week))
        .unwrap_or_default();
    let now_text = lang.datetime(now);
    let partial_note = lang.f("flow.partial_note", &[("week", &last), ("now", &now_text)]);
    let range_desc = lang.f(
        "flow.range_desc",
        &[("from", &first), ("to", &last), ("now", &now_text)],
    );
    let series_flow = [
        ("c-found", lang.t("flow.found").to_owned()),
        ("c-out", lang.t("flow.out").to_owned()),
        ("c-reopened", lang.t("flow.reopened").to_owned()),
    ];
    let tip = |w: &Week, key: &str, v: usize| format!("{}: {} {}", row_label(w), v, lang.t(key));
    let flow_chart = draw(
        "chart-flow",
        lang.t("flow.chart_flow").to_owned(),
        format!("{} {}", lang.t("flow.chart_flow_desc"), range_desc),
        &series_flow,
        weeks
            .iter()
            .zip(&fig.flows)
            .map(|(w, f)| Column {
                label: label(w),
                partial: w.is_partial(now),
                values: vec![f.found, f.out, f.reopened],
                tips: vec![
                    tip(w, "flow.found", f.found),
                    tip(w, "flow.out", f.out),
                    tip(w, "flow.reopened", f.reopened),
                ],
            })
            .collect(),
        vec![
            lang.t("flow.week").to_owned(),
            lang.t("flow.found").to_owned(),
            lang.t("flow.out").to_owned(),
            lang.t("flow.reopened").to_owned(),
        ],
        weeks
            .iter()
            .zip(&fig.flows)
            .map(|(w, f)| {
                vec![
                    row_label(w),
                    f.found.to_string(),
                    f.out.to_string(),
                    f.reopened.to_string(),
                ]
            })
            .collect(),
    );
    let backlog_chart = draw(
        "chart-backlog",
        lang.t("flow.chart_backlog").to_owned(),
        format!("{} {}", lang.t("flow.chart_backlog_desc"), range_desc),
        &[("c-backlog", lang.t("flow.backlog").to_owned())],
        weeks
            .iter()
            .zip(&fig.flows)
            .map(|(w, f)| Column {
                label: label(w),
                partial: w.is_partial(now),
                values: vec![f.backlog],
                tips: vec![tip(w, "flow.backlog", f.backlog)],
            })
            .collect(),
        vec![
            lang.t("flow.week").to_owned(),
            lang.t("flow.backlog").to_owned(),
        ],
        weeks
            .iter()
            .zip(&fig.flows)
            .map(|(w, f)| vec![row_label(w), f.backlog.to_string()])
            .collect(),
    );
    let reports_chart = draw(
        "chart-reports",
        lang.t("flow.chart_reports").to_owned(),
        format!("{} {}", lang.t("flow.chart_reports_desc"), range_desc),
        &[("c-reports", lang.t("flow.reports").to_owned())],
        weeks
            .iter()
            .zip(&reports)
            .map(|(w, &r)| Column {
                label: label(w),
                partial: w.is_partial(now),
                values: vec![r],
                tips: vec![tip(w, "flow.reports", r)],
            })
            .collect(),
        vec![
            lang.t("flow.week").to_owned(),
            lang.t("flow.reports").to_owned(),
        ],
        weeks
            .iter()
            .zip(&reports)
            .map(|(w, r)| vec![row_label(w), r.to_string()])
            .collect(),
    );
    let buckets: Vec<String> = ["flow.age0", "flow.age1", "flow.age2", "flow.age3"]
        .iter()
        .map(|k| lang.t(k).to_owned())
        .collect();
    let age_classes = ["c-age0", "c-age1", "c-age2", "c-age3"];
    let age_series: Vec<(&'static str, String)> = age_classes
        .iter()
        .copied()
        .zip(buckets.iter().cloned())
        .collect();
    let ageing = draw(
        "chart-ageing",
        lang.t("flow.chart_ageing").to_owned(),
        lang.t("flow.chart_ageing_desc").to_owned(),
        &age_series,
        OPEN.iter()
            .zip(&fig.ageing)
            .map(|(s, counts)| {
                let name = lang.name("status", s);
                Column {
                    label: name.clone(),
                    partial: false,
                    values: counts.to_vec(),
                    tips: counts
                        .iter()
                        .zip(&buckets)
                        .map(|(n, b)| format!("{name}, {b}: {n}"))
                        .collect(),
                }
            })
            .collect(),
        std::iter::once(lang.t("field.status").to_owned())
            .chain(buckets.iter().cloned())
            .chain(std::iter::once(lang.t("flow.total").to_owned()))
            .collect(),
        OPEN.iter()
            .zip(&fig.ageing)
            .map(|(s, counts)| {
                std::iter::once(lang.name("status", s))
                    .chain(counts.iter().map(usize::to_string))
                    .chain(std::iter::once(counts.iter().sum::<usize>().to_string()))
                    .collect()
            })
            .collect(),
    );

    let total = |g: fn(&WeekFlow) -> usize| fig.flows.iter().map(g).sum::<usize>();
    let backlog_now = fig.flows.last().map_or(0, |f| f.backlog);
    let backlog_before = fig.flows.first().map_or(0, |f| {
        (f.backlog + f.out).saturating_sub(f.found + f.reopened)
    });
    let summary = lang.f(
        "flow.summary",
        &[
            ("weeks", &weeks.len()),
            ("found", &total(|f| f.found)),
            ("out", &total(|f| f.out)),
            ("reopened", &total(|f| f.reopened)),
            ("before", &backlog_before),
            ("now", &backlog_now),
        ],
    );
    let scope = match (unit.is_empty(), team.is_empty()) {
        (true, true) => lang.t("flow.scope_all").to_owned(),
        (false, true) => lang.f("flow.scope_unit", &[("unit", &unit)]),
        (true, false) => lang.f("flow.scope_team", &[("team", &team)]),
        (false, false) => lang.f("flow.scope_both", &[("unit", &unit), ("team", &team)]),
    };

    let unit_rows = fig
        .units
        .iter()
        .map(|(u, a)| UnitRow {
            unit: u.clone(),
            href: link(u, team),
            found: a.found,
            out: a.out,
            open: a.open,
            long: a.long,
        })
        .collect();
    let team_row = |name: String, href: String, a: &TeamAcc| TeamRow {
        team: name,
        href,
        open: a.open,
        assigned: a.to_assign.len(),
        to_assign: days(lang, a.to_assign.clone()),
        done: a.to_done.len(),
        to_done: days(lang, a.to_done.clone()),
    };
    let mut team_rows = vec![team_row(
        lang.t("dash.all_teams").to_owned(),
        String::new(),
        &fig.all,
    )];
    for (t, a) in &fig.teams {
        let (name, href) = if t.is_empty() {
            (lang.t("dash.unassigned").to_owned(), String::new())
        } else {
            (t.clone(), link(unit, t))
        };
        team_rows.push(team_row(name, href, a));
    }
    // The unassigned last.
    if team_rows.len() > 1 && fig.teams.contains_key("") {
        let unassigned = team_rows.remove(1);
        team_rows.push(unassigned);
    }
    let clusters = snapshot.clusters();
    let oldest: Vec<Waiting> = fig
        .oldest
        .iter()
        .filter_map(|&(days, status, place)| {
            let c = clusters.get(place as usize)?;
            Some(Waiting {
                id: c.cluster_id.as_str().to_owned(),
                status: OPEN[status],
                days,
                size: c.size,
                team: engine
                    .triage(&c.cluster_id)
                    .assigned_team
                    .unwrap_or_default(),
            })
        })
        .collect();

    let ids: Vec<&str> = oldest.iter().map(|w| w.id.as_str()).collect();
    log_read(
        &state,
        &viewer,
        "flow",
        json!({"clusters": ids, "unit": unit, "team": team, "weeks": weeks.len(), "via": "ui"}),
        "ok",
    )
    .await?;
    let inflow = snapshot.inflow();
    Ok(page(&FlowPage {
        nav: viewer.nav("flow"),
        f_unit: unit.to_owned(),
        f_team: team.to_owned(),
        f_weeks: n_weeks,
        week_choices: WEEK_CHOICES.to_vec(),
        units: inflow.units.iter().cloned().collect(),
        teams: crate::ui::team_choices(&engine),
        scope,
        summary,
        partial_note,
        charts: vec![flow_chart, backlog_chart, reports_chart],
        ageing: vec![ageing],
        unit_rows,
        team_rows,
        oldest,
        as_of: now_text,
    }))
}

/// The flow of the current week in one line, for the dashboard.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The week it counts (the current one).
    pub week: Option<Week>,
    /// Clusters found this week.
    pub found: usize,
    /// Closed or handed over this week.
    pub out: usize,
    /// Open now.
    pub backlog: usize,
    /// Open and waiting longer than 30 days at their status.
    pub long: usize,
}

/// The current week's flow over all clusters (the dashboard's summary).
pub(crate) async fn summary(state: &UiState, snapshot: &Arc<Derived>) -> Result<Summary, UiError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (base, steps) = inputs(state, snapshot, now).await?;
    // The dashboard is the most viewed page: its line is counted once a
    // minute (the ageing moves by days) or when the inputs change.
    let minute = now / 60;
    let kept = |c: &Cache| {
        c.summary.as_ref().and_then(|(b, s, m, sum)| {
            (Arc::ptr_eq(b, &base) && Arc::ptr_eq(s, &steps) && *m == minute).then(|| sum.clone())
        })
    };
    if let Some(sum) = kept(&state.flows.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(sum);
    }
    let engine = &state.app.engine;
    let weeks = &base.weeks[base.weeks.len().saturating_sub(1)..];
    let all = Choice {
        unit: "",
        team: String::new(),
    };
    let fig = count(engine, snapshot, &base, &steps, weeks, now, &all);
    let this = fig.flows.last().copied().unwrap_or_default();
    // The buckets past 30 days.
    let long_from = crate::engine::flow::age_bucket(LONG_WAIT_DAYS + 1);
    let sum = Summary {
        week: weeks.last().copied(),
        found: this.found,
        out: this.out,
        backlog: this.backlog,
        long: fig
            .ageing
            .iter()
            .map(|b| b[long_from..].iter().sum::<usize>())
            .sum(),
    };
    state
        .flows
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .summary = Some((base.clone(), steps.clone(), minute, sum.clone()));
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten() {
        let cases = [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (6, 10),
            (11, 20),
            (260, 500),
        ];
        for (x, want) in cases {
            assert_eq!(nice(x), want, "{x}");
        }
    }

    #[test]
    fn charts_scale_to_their_largest_value_and_label_the_last_week() {
        let columns = (0..26)
            .map(|i| Column {
                label: format!("W{i:02}"),
                partial: i == 25,
                values: vec![i],
                tips: vec![String::new()],
            })
            .collect();
        let c = draw(
            "t",
            String::new(),
            String::new(),
            &[("c-found", String::new())],
            columns,
            Vec::new(),
            Vec::new(),
        );
        // 25 at most: steps of 10 up to 30.
        let ticks: Vec<&str> = c.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(ticks, ["0", "10", "20", "30"]);
        let last = c.groups.last().unwrap();
        assert!(last.partial);
        assert_eq!(last.label, "W25", "the current week is always labelled");
        assert_eq!(last.bars[0].h, (BASE_Y - TOP) * 25 / 30);
        assert!(c.groups.iter().filter(|g| g.label.is_empty()).count() > 0);
        assert!(c.width <= 720, "fits the page at 800 px: {}", c.width);
    }
}
