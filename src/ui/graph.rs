//! The cluster graph, laid out on the server and drawn as SVG.
//!
//! Why server-side: the layout is deterministic and testable without a
//! browser, no JavaScript library has to be vendored and kept patched, and
//! the graph works with scripts off (report nodes are plain links). A
//! small script of our own (`static/graph.js`) adds pan and zoom.
//!
//! Layout: the identifiers that tie reports together are placed first
//! (a force-directed layout of identifiers, weighted by the reports they
//! share), then each report either in a sunflower spiral around its only
//! identifier or near the middle of its identifiers. That is O(reports)
//! plus a force layout over identifiers only, so a 500-report cluster is
//! laid out in milliseconds. Identifiers named by many reports start
//! collapsed into one node ("+312 reports"); clicking expands them.
//! Identifiers named by one report only tie nothing together and are left
//! to the table below the graph.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::cluster::{IdentKey, IdentState};
use crate::engine::{ClusterSummary, OpenSuggestion, State};
use crate::report::ReportId;

/// Identifiers named by more reports of the cluster than this start
/// collapsed.
pub const COLLAPSE_OVER: usize = 20;

/// The colours of units (the nine largest, then the rest), each with a
/// contrast of at least 3:1 against the graph's background (issue 22:
/// yellow and cyan dots had 2:1).
pub const UNIT_COLOURS: [&str; 10] = [
    "#1f77b4", "#c2410c", "#2f7d32", "#d62728", "#7e57c2", "#8c564b", "#c2185b", "#616161",
    "#7a7000", "#00838f",
];

/// A report node.
pub struct ReportNode {
    /// Report id (link target).
    pub id: String,
    /// Tooltip.
    pub title: String,
    /// Centre.
    pub x: i32,
    /// Centre.
    pub y: i32,
    /// Its unit's colour (see [`UNIT_COLOURS`]).
    pub fill: &'static str,
    /// Its place among the drawn reports (for the highlight).
    pub n: usize,
}

/// An identifier node.
pub struct IdentNode {
    /// `kind:value`, for the expand link.
    pub key: String,
    /// Shortened value for the label.
    pub label: String,
    /// Tooltip.
    pub title: String,
    /// Centre.
    pub x: i32,
    /// Centre.
    pub y: i32,
    /// `links`, `benign`, `suppressed` or `other` (outside the cluster).
    pub state: &'static str,
    /// Reports hidden inside it (collapsed), or 0.
    pub hidden: usize,
    /// Where clicking it goes: expand (collapsed) or collapse.
    pub href: String,
    /// Radius.
    pub r: i32,
    /// Its place among the drawn identifiers (for the highlight).
    pub n: usize,
}

/// A line.
pub struct Line {
    /// Start.
    pub x1: i32,
    /// Start.
    pub y1: i32,
    /// End.
    pub x2: i32,
    /// End.
    pub y2: i32,
    /// Tooltip (suggestions only).
    pub title: String,
    /// One end's node (`r3`, `i5`), for the highlight.
    pub a: String,
    /// The other end's node.
    pub b: String,
}

/// A drawn graph.
pub struct GraphView {
    /// `minx miny w h`.
    pub view_box: String,
    /// Report–identifier lines.
    pub edges: Vec<Line>,
    /// Suggested weak links, drawn dashed.
    pub suggested: Vec<Line>,
    /// Links an analyst confirmed, between reports.
    pub confirmed: Vec<Line>,
    /// The units' colours, for the legend: colour, unit, reports.
    pub units: Vec<(&'static str, String, usize)>,
    /// Report nodes.
    pub reports: Vec<ReportNode>,
    /// Identifier nodes.
    pub idents: Vec<IdentNode>,
    /// Reports drawn / in the cluster.
    pub shown: usize,
    /// Reports in the cluster.
    pub total: usize,
    /// Identifiers named by one report only, not drawn.
    pub leaves: usize,
    /// Whether some identifiers are expanded (offer "collapse all").
    pub any_expanded: bool,
    /// Whether some are collapsed (offer "expand all").
    pub any_collapsed: bool,
}

fn key_str(k: &IdentKey) -> String {
    format!("{}:{}", k.kind, k.value)
}

pub(crate) fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A cheap deterministic hash, to spread reports without randomness.
fn jitter(s: &str) -> f64 {
    let mut h: u32 = 2_166_136_261;
    for b in s.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
    }
    f64::from(h % 1000) / 1000.0
}

/// Lays out and draws a cluster. `expanded` holds `kind:value` keys of the
/// identifiers to show open (or `all`); `base` is the cluster page's path
/// for the expand links.
pub fn build(
    snapshot: &State,
    c: &ClusterSummary,
    suggestions: &[OpenSuggestion],
    expanded: &BTreeSet<String>,
    base: &str,
    lang: crate::ui::i18n::Lang,
    non_linking: bool,
) -> GraphView {
    let all = expanded.contains("all");
    let idents = snapshot.cluster_identifiers(c);
    let state_of: HashMap<String, (&'static str, usize)> = idents
        .iter()
        .map(|(i, s, _)| {
            let st = match s {
                IdentState::Active => "links",
                IdentState::Benign(_) => "benign",
                IdentState::Suppressed(_) => "suppressed",
            };
            (format!("{}:{}", i.kind, i.value), (st, i.reports))
        })
        .collect();
    let mut in_suggestion: HashSet<String> = HashSet::new();
    for s in suggestions {
        in_suggestion.insert(key_str(&s.suggestion.a));
        in_suggestion.insert(key_str(&s.suggestion.b));
    }
    // Which identifiers are drawn, and which of them start collapsed.
    // Benign and suppressed ones link nothing: they are left out of the
    // layout and, when asked for, drawn in a row below it without edges
    // (issue 22: "+85" platform nodes were drawn as if they linked).
    let drawn: BTreeSet<String> = state_of
        .iter()
        .filter(|(k, (st, n))| *st == "links" && (*n >= 2 || in_suggestion.contains(*k)))
        .map(|(k, _)| k.clone())
        .collect();
    let mut band: Vec<(String, usize)> = if non_linking {
        state_of
            .iter()
            .filter(|(_, (st, n))| *st != "links" && *n >= 2)
            .map(|(k, (_, n))| (k.clone(), *n))
            .collect()
    } else {
        Vec::new()
    };
    band.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let collapsed: BTreeSet<String> = drawn
        .iter()
        .filter(|k| {
            state_of.get(*k).is_some_and(|(_, n)| *n > COLLAPSE_OVER)
                && !all
                && !expanded.contains(*k)
        })
        .cloned()
        .collect();
    let any_expanded = drawn.iter().any(|k| {
        state_of.get(k).is_some_and(|(_, n)| *n > COLLAPSE_OVER) && !collapsed.contains(k)
    });

    // Reports with their drawn identifiers; a report is hidden when every
    // drawn identifier it names is collapsed.
    let mut report_idents: Vec<(&ReportId, Vec<String>)> = Vec::with_capacity(c.report_ids.len());
    let mut hidden_in: BTreeMap<String, usize> = BTreeMap::new();
    // Which identifiers share reports, over every report (hidden ones
    // too), so that the layout shows the cluster's real structure whether
    // or not a node is collapsed.
    let mut shared: Vec<Vec<String>> = Vec::new();
    for r in &c.report_ids {
        let mine: Vec<String> = snapshot
            .graph_idents_of(r)
            .into_iter()
            .map(key_str)
            .filter(|k| drawn.contains(k))
            .collect();
        if mine.len() >= 2 {
            shared.push(mine.clone());
        }
        if !mine.is_empty() && mine.iter().all(|k| collapsed.contains(k)) {
            for k in &mine {
                *hidden_in.entry(k.clone()).or_default() += 1;
            }
            continue;
        }
        // A report drawn keeps its edges to collapsed identifiers too.
        report_idents.push((r, mine));
    }

    // Identifier nodes: those of the cluster plus suggestion endpoints in
    // other clusters.
    let mut nodes: Vec<String> = drawn.iter().cloned().collect();
    let mut elsewhere: Vec<&String> = in_suggestion
        .iter()
        .filter(|k| !drawn.contains(*k) && !state_of.contains_key(*k))
        .collect();
    elsewhere.sort();
    nodes.extend(elsewhere.into_iter().cloned());
    let laid_out = nodes.len();
    nodes.extend(band.iter().map(|(k, _)| k.clone()));
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    // Exclusive reports per identifier decide the size of its cloud.
    let mut exclusive = vec![0usize; nodes.len()];
    let mut pair_weight: HashMap<(usize, usize), f64> = HashMap::new();
    for (_, ks) in &report_idents {
        if let [k] = ks.as_slice()
            && let Some(&i) = index.get(k.as_str())
        {
            exclusive[i] += 1;
        }
    }
    for ks in &shared {
        let ix: Vec<usize> = ks
            .iter()
            .filter_map(|k| index.get(k.as_str()).copied())
            .collect();
        for (a, &i) in ix.iter().enumerate() {
            for &j in &ix[a + 1..] {
                *pair_weight.entry((i.min(j), i.max(j))).or_default() += 1.0;
            }
        }
    }
    for s in suggestions {
        if let (Some(&i), Some(&j)) = (
            index.get(key_str(&s.suggestion.a).as_str()),
            index.get(key_str(&s.suggestion.b).as_str()),
        ) && i != j
        {
            *pair_weight.entry((i.min(j), i.max(j))).or_default() += 1.0;
        }
    }
    let radius: Vec<f64> = (0..laid_out)
        .map(|i| 30.0 + 9.0 * (exclusive[i] as f64).sqrt())
        .collect();
    let mut pos = force_layout(&radius, &pair_weight);

    // Reports: a spiral around their only identifier, or the middle of
    // several; reports without drawn identifiers in a row below.
    let mut ring_count = vec![0usize; nodes.len()];
    let mut between: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut report_pos: Vec<(f64, f64)> = Vec::with_capacity(report_idents.len());
    let mut loose = 0usize;
    let max_y = pos.iter().fold(0.0f64, |hi, p| hi.max(p.1));
    for (r, ks) in &report_idents {
        let ix: Vec<usize> = ks
            .iter()
            .filter_map(|k| index.get(k.as_str()).copied())
            .collect();
        let p = match ix.as_slice() {
            [] => {
                loose += 1;
                (
                    (loose as f64 - 1.0) * 22.0,
                    max_y + 80.0 + 22.0 * ((loose - 1) / 30) as f64,
                )
            }
            [i] => {
                let k = ring_count[*i];
                ring_count[*i] += 1;
                let angle = k as f64 * 2.399_963; // the golden angle
                let rr = 22.0 + 9.0 * ((k + 1) as f64).sqrt();
                (pos[*i].0 + rr * angle.cos(), pos[*i].1 + rr * angle.sin())
            }
            many => {
                // Reports naming the same identifiers share a spiral
                // around their middle, so that none hides another.
                let n = many.len() as f64;
                let cx = many.iter().map(|&i| pos[i].0).sum::<f64>() / n;
                let cy = many.iter().map(|&i| pos[i].1).sum::<f64>() / n;
                let mut group = many.to_vec();
                group.sort_unstable();
                let k = *between.entry(group).and_modify(|k| *k += 1).or_insert(0);
                let a = jitter(r.as_str()) * std::f64::consts::TAU + k as f64 * 2.399_963;
                let rr = 13.0 * (k as f64).sqrt();
                (cx + rr * a.cos(), cy + rr * a.sin())
            }
        };
        report_pos.push(p);
    }
    if loose > 30 {
        // Centre the loose row under the rest.
        let shift = 30.0 * 22.0 / 2.0;
        for ((_, ks), p) in report_idents.iter().zip(report_pos.iter_mut()) {
            if ks.is_empty() {
                p.0 -= shift;
            }
        }
    }
    // The row of benign and suppressed identifiers, under everything.
    let bottom = report_pos
        .iter()
        .map(|p| p.1)
        .chain(pos.iter().map(|p| p.1))
        .fold(0.0f64, f64::max);
    let left = pos.iter().map(|p| p.0).fold(0.0f64, f64::min);
    for k in 0..band.len() {
        pos.push((
            left + (k % 8) as f64 * 170.0,
            bottom + 100.0 + (k / 8) as f64 * 90.0,
        ));
    }

    // Bounds and the view box.
    let mut xs: Vec<f64> = pos.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = pos.iter().map(|p| p.1).collect();
    xs.extend(report_pos.iter().map(|p| p.0));
    ys.extend(report_pos.iter().map(|p| p.1));
    let fold = |v: &[f64]| {
        v.iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
    };
    let (x0, x1) = if xs.is_empty() { (0.0, 1.0) } else { fold(&xs) };
    let (y0, y1) = if ys.is_empty() { (0.0, 1.0) } else { fold(&ys) };
    let pad = 60.0;
    let view_box = format!(
        "{} {} {} {}",
        (x0 - pad).round(),
        (y0 - pad).round(),
        (x1 - x0 + 2.0 * pad).round().max(200.0),
        (y1 - y0 + 2.0 * pad).round().max(200.0)
    );

    let round = |v: f64| v.round() as i32;
    let mut edges = Vec::new();
    let mut reports = Vec::with_capacity(report_idents.len());
    // Units by reports: the nine largest have a colour each, the rest
    // share the tenth (a legend of ten, not of every unit).
    let mut unit_count: HashMap<&str, usize> = HashMap::new();
    for r in &c.report_ids {
        *unit_count
            .entry(snapshot.row(r).map_or("", |x| x.unit))
            .or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = unit_count.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let colour_of = |unit: &str| {
        ranked
            .iter()
            .position(|(u, _)| *u == unit)
            .map_or(UNIT_COLOURS[9], |i| UNIT_COLOURS[i.min(9)])
    };
    let mut unit_legend: Vec<(&'static str, String, usize)> = ranked
        .iter()
        .take(9)
        .enumerate()
        .map(|(i, (u, n))| (UNIT_COLOURS[i], (*u).to_owned(), *n))
        .collect();
    if ranked.len() > 9 {
        let rest: usize = ranked[9..].iter().map(|(_, n)| n).sum();
        unit_legend.push((
            UNIT_COLOURS[9],
            lang.n("graph.view.other_units", ranked.len() - 9),
            rest,
        ));
    }
    let mut report_at: HashMap<&str, usize> = HashMap::new();
    for (ri, ((r, ks), p)) in report_idents.iter().zip(&report_pos).enumerate() {
        report_at.insert(r.as_str(), ri);
        for k in ks {
            if let Some(&i) = index.get(k.as_str()) {
                edges.push(Line {
                    x1: round(p.0),
                    y1: round(p.1),
                    x2: round(pos[i].0),
                    y2: round(pos[i].1),
                    title: String::new(),
                    a: format!("r{ri}"),
                    b: format!("i{i}"),
                });
            }
        }
        let row = snapshot.row(r);
        let unit = row.map(|x| x.unit).unwrap_or("");
        reports.push(ReportNode {
            id: r.as_str().to_owned(),
            title: format!(
                "{} · {} · {}",
                r.as_str(),
                unit,
                row.map(|x| lang.date(x.filed_at)).unwrap_or_default()
            ),
            x: round(p.0),
            y: round(p.1),
            fill: colour_of(unit),
            n: ri,
        });
    }
    let confirmed: Vec<Line> = snapshot
        .confirmed_pairs(c)
        .into_iter()
        .filter_map(|(x, y, basis)| {
            let (i, j) = (*report_at.get(x.as_str())?, *report_at.get(y.as_str())?);
            Some(Line {
                x1: round(report_pos[i].0),
                y1: round(report_pos[i].1),
                x2: round(report_pos[j].0),
                y2: round(report_pos[j].1),
                title: lang.f(
                    "graph.view.confirmed",
                    &[
                        ("a", &x.as_str()),
                        ("b", &y.as_str()),
                        ("basis", &crate::ui::cluster::basis_text(lang, &basis)),
                    ],
                ),
                a: format!("r{i}"),
                b: format!("r{j}"),
            })
        })
        .collect();
    let expand_href = |extra: Option<&str>, without: Option<&str>| {
        let mut keys: Vec<&str> = expanded
            .iter()
            .map(String::as_str)
            .filter(|k| Some(*k) != without)
            .collect();
        if let Some(e) = extra {
            keys.push(e);
        }
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for k in keys {
            ser.append_pair("expand", k);
        }
        let q = ser.finish();
        if q.is_empty() {
            format!("{base}#graph")
        } else {
            format!("{base}?{q}#graph")
        }
    };
    let idents_out: Vec<IdentNode> = nodes
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (state, n) = state_of.get(k).copied().unwrap_or(("other", 0));
            let hidden = if collapsed.contains(k) {
                hidden_in.get(k).copied().unwrap_or(0)
            } else {
                0
            };
            let value = k.split_once(':').map_or(k.as_str(), |(_, v)| v);
            let href = if collapsed.contains(k) {
                expand_href(Some(k), None)
            } else if n > COLLAPSE_OVER && !all {
                expand_href(None, Some(k))
            } else {
                // Every node is a link (issue 22: reachable by keyboard):
                // the identifier's pivot page.
                crate::cluster::ident_endpoint(k).map_or_else(String::new, |(kind, v)| {
                    crate::ui::identgraph::ident_href(kind, v)
                })
            };
            IdentNode {
                key: k.clone(),
                label: shorten(value, 26),
                title: if state == "other" {
                    lang.f(
                        "graph.elsewhere",
                        &[("key", &crate::ui::ident_text(lang, k))],
                    )
                } else {
                    lang.f(
                        "graph.ident",
                        &[
                            ("key", &crate::ui::ident_text(lang, k)),
                            ("reports", &lang.n("count.reports", n)),
                            ("state", &lang.name("state", state)),
                        ],
                    )
                },
                x: round(pos[i].0),
                y: round(pos[i].1),
                state,
                hidden,
                href,
                r: if hidden > 0 {
                    (10.0 + 2.0 * (hidden as f64).sqrt()).min(40.0) as i32
                } else {
                    8
                },
                n: i,
            }
        })
        .collect();
    let suggested = suggestions
        .iter()
        .filter_map(|s| {
            let i = *index.get(key_str(&s.suggestion.a).as_str())?;
            let j = *index.get(key_str(&s.suggestion.b).as_str())?;
            Some(Line {
                x1: round(pos[i].0),
                y1: round(pos[i].1),
                x2: round(pos[j].0),
                y2: round(pos[j].1),
                a: format!("i{i}"),
                b: format!("i{j}"),
                title: lang.f(
                    "graph.suggested",
                    &[(
                        "why",
                        &crate::ui::cluster::suggestion_why(lang, &s.suggestion),
                    )],
                ),
            })
        })
        .collect();
    GraphView {
        view_box,
        edges,
        suggested,
        confirmed,
        units: unit_legend,
        shown: reports.len(),
        reports,
        any_collapsed: !collapsed.is_empty(),
        idents: idents_out,
        total: c.size,
        leaves: state_of
            .values()
            .filter(|(st, n)| *st == "links" && *n < 2)
            .count(),
        any_expanded,
    }
}

/// Fruchterman–Reingold over identifier nodes with their cloud radii,
/// then a few sweeps that push overlapping clouds apart. Deterministic:
/// the start is a circle in key order.
pub(crate) fn force_layout(
    radius: &[f64],
    weights: &HashMap<(usize, usize), f64>,
) -> Vec<(f64, f64)> {
    force_layout_with(radius, weights, 0.1)
}

/// The most nodes laid out by forces: each round compares every pair,
/// and a cluster that percolates through an identifier the guards do
/// not know can draw tens of thousands (hours of a heavy-read thread).
/// Beyond it the nodes keep their places on the starting spiral, which
/// spaces them by their size; a drawing of that many is read through
/// its filters anyway.
pub(crate) const LAYOUT_MOST: usize = 1500;

/// [`force_layout`] with the strength of the pull to the centre: the
/// identifier view pulls harder, so that groups joined by a chain are
/// drawn near each other rather than at the two ends of a long line.
pub(crate) fn force_layout_with(
    radius: &[f64],
    weights: &HashMap<(usize, usize), f64>,
    gravity: f64,
) -> Vec<(f64, f64)> {
    let n = radius.len();
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![(0.0, 0.0)];
    }
    // In a fixed order: sums of floats depend on it, and the same
    // cluster must be drawn the same way every time.
    let mut weights: Vec<(&(usize, usize), &f64)> = weights.iter().collect();
    weights.sort_unstable_by_key(|(k, _)| **k);
    let k = 2.0 * radius.iter().sum::<f64>() / n as f64 + 40.0;
    // Start on a sunflower spiral about as large as the result will be,
    // so that no node has far to travel.
    let spread = k * (n as f64).sqrt();
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 * 2.399_963;
            let r = k * 0.7 * ((i + 1) as f64).sqrt();
            (r * a.cos(), r * a.sin())
        })
        .collect();
    if n > LAYOUT_MOST {
        return pos;
    }
    // Fewer rounds for many nodes keep the cost near a fixed budget.
    let iterations = (3_000_000 / (n * n)).clamp(20, 200);
    let mut temp = spread / 4.0 + 50.0;
    let cool = temp / iterations as f64;
    let mut disp = vec![(0.0f64, 0.0f64); n];
    for _ in 0..iterations {
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        for i in 0..n {
            for j in (i + 1)..n {
                let dx = pos[i].0 - pos[j].0;
                let dy = pos[i].1 - pos[j].1;
                let d = (dx * dx + dy * dy).sqrt().max(0.01);
                let want = k + radius[i] + radius[j];
                let f = want * want / d;
                let (ux, uy) = (dx / d, dy / d);
                disp[i].0 += ux * f;
                disp[i].1 += uy * f;
                disp[j].0 -= ux * f;
                disp[j].1 -= uy * f;
            }
        }
        for &(&(i, j), w) in &weights {
            let dx = pos[i].0 - pos[j].0;
            let dy = pos[i].1 - pos[j].1;
            let d = (dx * dx + dy * dy).sqrt().max(0.01);
            let want = k + radius[i] + radius[j];
            let f = d * d / want * (1.0 + w.ln_1p());
            let (ux, uy) = (dx / d, dy / d);
            disp[i].0 -= ux * f;
            disp[i].1 -= uy * f;
            disp[j].0 += ux * f;
            disp[j].1 += uy * f;
        }
        // A weak pull to the centre keeps unconnected parts close.
        for i in 0..n {
            let d = (pos[i].0.powi(2) + pos[i].1.powi(2)).sqrt() / spread.max(1.0);
            disp[i].0 -= pos[i].0 * gravity * (1.0 + d);
            disp[i].1 -= pos[i].1 * gravity * (1.0 + d);
            let len = (disp[i].0.powi(2) + disp[i].1.powi(2)).sqrt().max(0.01);
            let step = len.min(temp);
            pos[i].0 += disp[i].0 / len * step;
            pos[i].1 += disp[i].1 / len * step;
        }
        temp = (temp - cool).max(1.0);
    }
    // Remove overlaps between clouds.
    for _ in 0..20 {
        let mut moved = false;
        for i in 0..n {
            for j in (i + 1)..n {
                let dx = pos[j].0 - pos[i].0;
                let dy = pos[j].1 - pos[i].1;
                let d = (dx * dx + dy * dy).sqrt();
                let min = radius[i] + radius[j] + 12.0;
                if d < min {
                    let (ux, uy) = if d < 0.01 {
                        (1.0, 0.0)
                    } else {
                        (dx / d, dy / d)
                    };
                    let push = (min - d) / 2.0;
                    pos[i].0 -= ux * push;
                    pos[i].1 -= uy * push;
                    pos[j].0 += ux * push;
                    pos[j].1 += uy * push;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    pos.iter()
        .map(|p| {
            if p.0.is_finite() && p.1.is_finite() {
                *p
            } else {
                (0.0, 0.0)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawing_of_fifty_thousand_nodes_is_laid_out_at_once_in_distinct_places() {
        // A percolated cluster's identifier view: every pair compared in
        // twenty rounds would keep a thread for hours.
        let n = 50_000;
        let radius = vec![30.0; n];
        let weights: HashMap<(usize, usize), f64> = (1..n).map(|i| ((i - 1, i), 1.0)).collect();
        let pos = force_layout_with(&radius, &weights, 0.6);
        assert_eq!(pos.len(), n);
        assert!(pos.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
        let mut seen: Vec<(i64, i64)> = pos.iter().map(|p| (p.0 as i64, p.1 as i64)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), n, "no two nodes on one spot");
    }

    #[test]
    fn layout_is_deterministic_and_separates_clouds() {
        let radius = vec![30.0, 60.0, 45.0, 30.0];
        let mut w = HashMap::new();
        w.insert((0, 1), 3.0);
        w.insert((1, 2), 1.0);
        let a = force_layout(&radius, &w);
        let b = force_layout(&radius, &w);
        assert_eq!(a, b);
        for i in 0..4 {
            for j in (i + 1)..4 {
                let d = ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
                assert!(d >= radius[i] + radius[j], "{i} and {j} overlap: {d}");
            }
        }
    }

    #[test]
    fn labels_are_shortened_on_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééééé", 4), "ééé…");
    }

    #[test]
    fn layout_of_five_hundred_nodes_is_quick() {
        let radius = vec![30.0; 500];
        let w: HashMap<(usize, usize), f64> = (0..499).map(|i| ((i, i + 1), 1.0)).collect();
        let t = std::time::Instant::now();
        let p = force_layout(&radius, &w);
        assert_eq!(p.len(), 500);
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    }
}
