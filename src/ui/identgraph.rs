//! The identifier-centred drawing of a cluster (issue 22), the default for
//! clusters of more than [`IDENT_VIEW_OVER`] reports: the engine's
//! [`IdentView`] laid out on the server (the force layout of
//! `ui::graph`, over tens of nodes) and drawn as SVG whose nodes are
//! links (to the identifier's pivot page, or to the report), so that
//! the keyboard and screen readers reach them. Labels are placed greedily,
//! largest node first, where they overlap no other label or node; a node
//! whose label does not fit shows it when highlighted. Benign and
//! suppressed identifiers, when asked for, are drawn in a row of their
//! own below the graph, without edges, because they link nothing.

use std::collections::{BTreeSet, HashMap};

use crate::engine::graph::{IdentView, NodeState, ViewFilter};
use crate::engine::{ClusterSummary, OpenSuggestion, State};
use crate::ident::Kind;
use crate::ui::graph::{GraphView, force_layout_with, shorten};
use crate::ui::i18n::Lang;

/// Clusters with more reports than this open in the identifier view.
pub const IDENT_VIEW_OVER: usize = 60;

/// The most nodes given a label beside them (most reports first; see
/// `draw`).
const LABELS_MOST: usize = 600;

/// The colour of each kind of identifier, in [`Kind::ALL`]'s order, each
/// with a contrast of at least 3:1 against the graph box's background
/// (WCAG 2.1, 1.4.11; tested).
pub const KIND_COLOURS: [&str; 8] = [
    "#1f5fa8", // iban: blue
    "#b3261e", // phone: red
    "#6a3d9a", // url: purple
    "#1b7a3a", // domain: green
    "#a34f00", // email: dark orange
    "#0f7580", // handle: teal
    "#7a6300", // crypto: dark olive
    "#5c5c5c", // name: grey
];

/// The width of a label's character in graph units (style.css draws
/// the labels at 14 units; digits and capitals are about 0.6 of that).
const LABEL_CHAR: f64 = 8.4;

/// The colour of a report named by a confirmed link.
pub const REPORT_COLOUR: &str = "#333d47";

/// The colour of a kind.
pub fn kind_colour(k: Kind) -> &'static str {
    let i = Kind::ALL.iter().position(|x| *x == k).unwrap_or(7);
    KIND_COLOURS[i]
}

/// A drawn node.
pub struct Node {
    /// Its place (for the highlight of neighbours).
    pub n: usize,
    /// Where Enter takes you.
    pub href: String,
    /// Centre.
    pub x: i32,
    /// Centre.
    pub y: i32,
    /// Radius.
    pub r: i32,
    /// Fill colour.
    pub fill: &'static str,
    /// `links`, `benign`, `suppressed`, `unchecked`, `report` or `other`.
    pub state: &'static str,
    /// Kind and short value.
    pub label: String,
    /// Whether the label is shown without highlight.
    pub label_shown: bool,
    /// Label position.
    pub lx: i32,
    /// Label position.
    pub ly: i32,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    /// Reports, written inside when the node is large enough ("" if not).
    pub count: String,
    /// The accessible name and tooltip.
    pub aria: String,
    /// For the list: kind.
    pub kind_name: String,
    /// For the list: full value.
    pub value: String,
    /// For the list: reports.
    pub reports: usize,
    /// For the list: units.
    pub units: usize,
    /// For the list: first filing.
    pub first: String,
    /// For the list: last filing.
    pub last: String,
    /// For the list: state in words.
    pub state_name: String,
}

/// A drawn edge between nodes `a` and `b`.
pub struct Edge {
    /// One end's place.
    pub a: usize,
    /// The other's.
    pub b: usize,
    /// Start.
    pub x1: i32,
    /// Start.
    pub y1: i32,
    /// End.
    pub x2: i32,
    /// End.
    pub y2: i32,
    /// Stroke width, by weight.
    pub w: String,
    /// Tooltip.
    pub title: String,
}

/// A legend entry: a colour (or a style class) and what it means.
pub struct Key {
    /// Fill colour ("" for a line key).
    pub fill: &'static str,
    /// A CSS class of the swatch.
    pub class: &'static str,
    /// Text.
    pub text: String,
}

/// The identifier view, drawn.
pub struct IdentGraph {
    /// `minx miny w h`.
    pub view_box: String,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Co-occurrence edges.
    pub edges: Vec<Edge>,
    /// Confirmed links.
    pub confirmed: Vec<Edge>,
    /// Suggested weak links to identifiers elsewhere.
    pub suggested: Vec<Edge>,
    /// The legend.
    pub legend: Vec<Key>,
    /// What is shown, in a sentence.
    pub summary: String,
}

/// A box: left, top, right, bottom.
type Rect = (f64, f64, f64, f64);

/// A short value for a label: IBANs as bank and last digits, the rest cut
/// to 18 characters.
fn short_value(kind: Option<Kind>, value: &str) -> String {
    match kind {
        Some(Kind::Iban) if value.chars().count() > 14 => {
            let head: String = value.chars().take(8).collect();
            let tail: String = value
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{head}…{tail}")
        }
        _ => shorten(value, 18),
    }
}

/// Draws the engine's identifier view with the open suggestions touching it.
pub fn draw(
    view: &IdentView,
    suggestions: &[OpenSuggestion],
    lang: Lang,
    filter: &ViewFilter,
) -> IdentGraph {
    // Suggestions whose side in this cluster is drawn: the other side
    // becomes a node of its own ("other").
    let mut place: HashMap<String, usize> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key(), i))
        .collect();
    let mut others: Vec<(String, Kind, String)> = Vec::new();
    let mut sugg: Vec<(usize, usize, String)> = Vec::new();
    for s in suggestions {
        let ka = format!("{}:{}", s.suggestion.a.kind, s.suggestion.a.value);
        let kb = format!("{}:{}", s.suggestion.b.kind, s.suggestion.b.value);
        let (here, there, tk) = match (place.get(&ka), place.get(&kb)) {
            (Some(&i), None) => (i, kb, &s.suggestion.b),
            (None, Some(&j)) => (j, ka, &s.suggestion.a),
            _ => continue,
        };
        let o = match place.get(&there) {
            Some(&o) => o,
            None => {
                let o = view.nodes.len() + others.len();
                others.push((there.clone(), tk.kind, tk.value.to_string()));
                place.insert(there, o);
                o
            }
        };
        sugg.push((
            here,
            o,
            lang.f(
                "graph.suggested",
                &[(
                    "why",
                    &crate::ui::cluster::suggestion_why(lang, &s.suggestion),
                )],
            ),
        ));
    }
    let total = view.nodes.len() + others.len();
    let reports_of = |i: usize| view.nodes.get(i).map_or(1, |n| n.reports);
    let radius: Vec<f64> = (0..total)
        .map(|i| (7.0 + 4.0 * (reports_of(i) as f64).sqrt()).min(42.0))
        .collect();
    let links = |i: usize| view.nodes.get(i).is_none_or(|n| n.state.links());
    // Only linking nodes (and suggestion ends) take part in the layout;
    // benign and suppressed ones go to the row below it.
    let laid: Vec<usize> = (0..total).filter(|&i| links(i)).collect();
    let at: HashMap<usize, usize> = laid.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    let mut weights: HashMap<(usize, usize), f64> = HashMap::new();
    let mut add = |a: usize, b: usize, w: f64| {
        if let (Some(&x), Some(&y)) = (at.get(&a), at.get(&b))
            && x != y
        {
            *weights.entry((x.min(y), x.max(y))).or_default() += w;
        }
    };
    for e in &view.edges {
        add(e.a as usize, e.b as usize, f64::from(e.weight));
    }
    for e in &view.confirmed {
        add(e.a as usize, e.b as usize, 3.0);
    }
    for (a, b, _) in &sugg {
        add(*a, *b, 1.0);
    }
    // Room for the label beside each node in the layout.
    let room: Vec<f64> = laid.iter().map(|&i| radius[i] + 26.0).collect();
    let laid_pos = force_layout_with(&room, &weights, 0.6);
    let mut pos = vec![(0.0f64, 0.0f64); total];
    for (p, &i) in laid.iter().enumerate() {
        pos[i] = laid_pos[p];
    }
    // The row of non-linking identifiers under the layout.
    let (mut x0, mut x1, mut y1) = (0.0f64, 0.0f64, 0.0f64);
    for &i in &laid {
        x0 = x0.min(pos[i].0 - radius[i]);
        x1 = x1.max(pos[i].0 + radius[i]);
        y1 = y1.max(pos[i].1 + radius[i]);
    }
    let band: Vec<usize> = (0..total).filter(|&i| !links(i)).collect();
    let per_row = (((x1 - x0) / 170.0).floor() as usize).max(4);
    for (k, &i) in band.iter().enumerate() {
        let (row, col) = (k / per_row, k % per_row);
        pos[i] = (
            x0 + 40.0 + col as f64 * 170.0,
            y1 + 110.0 + row as f64 * 110.0,
        );
    }

    // Labels: largest first, the first free place of four.
    let label_of = |i: usize| -> (String, Option<Kind>) {
        match view.nodes.get(i) {
            Some(n) => {
                let kind = n.kind.map_or_else(
                    || lang.t("field.report").to_owned(),
                    |k| lang.name("kind_short", k.as_str()),
                );
                (format!("{kind} {}", short_value(n.kind, &n.value)), n.kind)
            }
            None => {
                let (_, k, v) = &others[i - view.nodes.len()];
                (
                    format!(
                        "{} {}",
                        lang.name("kind_short", k.as_str()),
                        short_value(Some(*k), v)
                    ),
                    Some(*k),
                )
            }
        }
    };
    let mut rects: Vec<Rect> = (0..total)
        .map(|i| {
            let r = radius[i];
            (pos[i].0 - r, pos[i].1 - r, pos[i].0 + r, pos[i].1 + r)
        })
        .collect();
    let overlaps = |a: &Rect, b: &Rect| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let mut labels: Vec<(String, bool, f64, f64, &'static str)> = Vec::with_capacity(total);
    for i in 0..total {
        let (text, _) = label_of(i);
        let w = text.chars().count() as f64 * LABEL_CHAR;
        let (x, y, r) = (pos[i].0, pos[i].1, radius[i]);
        // Each label is tried against every one placed: past the most
        // named nodes the rest keep their names in their titles only.
        if i >= LABELS_MOST {
            labels.push((text, false, x, y + r + 16.0, "middle"));
            continue;
        }
        let candidates: [(f64, f64, &'static str, Rect); 4] = [
            (
                x,
                y + r + 16.0,
                "middle",
                (x - w / 2.0, y + r + 2.0, x + w / 2.0, y + r + 20.0),
            ),
            (
                x,
                y - r - 5.0,
                "middle",
                (x - w / 2.0, y - r - 20.0, x + w / 2.0, y - r - 2.0),
            ),
            (
                x + r + 4.0,
                y + 5.0,
                "start",
                (x + r + 2.0, y - 10.0, x + r + 4.0 + w, y + 8.0),
            ),
            (
                x - r - 4.0,
                y + 5.0,
                "end",
                (x - r - 4.0 - w, y - 10.0, x - r - 2.0, y + 8.0),
            ),
        ];
        let free = candidates.iter().find(|c| {
            rects
                .iter()
                .enumerate()
                .all(|(j, b)| j == i || !overlaps(&c.3, b))
        });
        match free {
            Some(c) => {
                rects.push(c.3);
                labels.push((text, true, c.0, c.1, c.2));
            }
            None => {
                let c = &candidates[0];
                labels.push((text, false, c.0, c.1, c.2));
            }
        }
    }

    let round = |v: f64| v.round() as i32;
    let (mut bx0, mut by0, mut bx1, mut by1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for r in &rects {
        bx0 = bx0.min(r.0);
        by0 = by0.min(r.1);
        bx1 = bx1.max(r.2);
        by1 = by1.max(r.3);
    }
    if total == 0 {
        (bx0, by0, bx1, by1) = (0.0, 0.0, 200.0, 200.0);
    }
    let pad = 30.0;
    let view_box = format!(
        "{} {} {} {}",
        round(bx0 - pad),
        round(by0 - pad),
        round((bx1 - bx0 + 2.0 * pad).max(200.0)),
        round((by1 - by0 + 2.0 * pad).max(200.0))
    );

    let mut nodes = Vec::with_capacity(total);
    for (i, (label, shown, lx, ly, anchor)) in labels.into_iter().enumerate() {
        let r = radius[i];
        let (state, fill, kind_name, value, reports, units, first, last, href, why) =
            match view.nodes.get(i) {
                Some(n) => {
                    let fill = match (n.state, n.kind) {
                        (NodeState::Report, _) | (_, None) => REPORT_COLOUR,
                        (NodeState::Benign | NodeState::Suppressed, _) => "#ffffff",
                        (_, Some(k)) => kind_colour(k),
                    };
                    let href = match n.kind {
                        None => format!("/reports/{}", crate::ui::urlencode(&n.value)),
                        Some(k) => ident_href(k, &n.value),
                    };
                    (
                        n.state.as_str(),
                        fill,
                        n.kind.map_or_else(
                            || lang.t("field.report").to_owned(),
                            |k| lang.name("kind", k.as_str()),
                        ),
                        n.value.to_string(),
                        n.reports,
                        n.units,
                        lang.date(n.first_filed_at),
                        lang.date(n.last_filed_at),
                        href,
                        crate::ui::pages::why_text(lang, &n.why),
                    )
                }
                None => {
                    let (_, k, v) = &others[i - view.nodes.len()];
                    (
                        "other",
                        kind_colour(*k),
                        lang.name("kind", k.as_str()),
                        v.clone(),
                        0,
                        0,
                        String::new(),
                        String::new(),
                        ident_href(*k, v),
                        String::new(),
                    )
                }
            };
        let state_name = match state {
            "other" => lang.t("graph.view.elsewhere").to_owned(),
            s => lang.name("graph_state", s),
        };
        let aria = if state == "other" {
            format!("{kind_name} {value}: {state_name}")
        } else {
            let mut a = lang.f(
                "graph.view.node",
                &[
                    ("kind", &kind_name),
                    ("value", &value),
                    ("reports", &lang.n("count.reports", reports)),
                    ("units", &lang.n("count.units", units)),
                    ("first", &first),
                    ("last", &last),
                ],
            );
            if state != "links" {
                a.push_str(&format!("; {state_name}"));
                if !why.is_empty() {
                    a.push_str(&format!(" ({why})"));
                }
            }
            a
        };
        nodes.push(Node {
            n: i,
            href,
            x: round(pos[i].0),
            y: round(pos[i].1),
            r: round(r),
            fill,
            state,
            label,
            label_shown: shown,
            lx: round(lx),
            ly: round(ly),
            anchor,
            count: if r >= 13.0 && reports > 0 {
                reports.to_string()
            } else {
                String::new()
            },
            aria,
            kind_name,
            value,
            reports,
            units,
            first,
            last,
            state_name,
        });
    }
    let line = |a: usize, b: usize, w: String, title: String| Edge {
        a,
        b,
        x1: round(pos[a].0),
        y1: round(pos[a].1),
        x2: round(pos[b].0),
        y2: round(pos[b].1),
        w,
        title,
    };
    let edges = view
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (e.a as usize, e.b as usize);
            line(
                a,
                b,
                format!("{:.1}", (1.0 + f64::from(e.weight).sqrt()).min(8.0)),
                lang.f(
                    "graph.view.together",
                    &[
                        ("a", &nodes[a].label),
                        ("b", &nodes[b].label),
                        ("reports", &lang.n("count.reports", e.weight as usize)),
                    ],
                ),
            )
        })
        .collect();
    let confirmed = view
        .confirmed
        .iter()
        .map(|e| {
            let (a, b) = (e.a as usize, e.b as usize);
            line(
                a,
                b,
                "3".into(),
                lang.f(
                    "graph.view.confirmed",
                    &[
                        ("a", &nodes[a].value),
                        ("b", &nodes[b].value),
                        ("basis", &crate::ui::cluster::basis_text(lang, &e.basis)),
                    ],
                ),
            )
        })
        .collect();
    let suggested = sugg
        .into_iter()
        .map(|(a, b, t)| line(a, b, "2.5".into(), t))
        .collect();

    // The legend: the kinds drawn, then the styles.
    let mut legend: Vec<Key> = Vec::new();
    for k in Kind::ALL {
        if nodes
            .iter()
            .any(|n| n.state != "benign" && n.state != "suppressed" && n.fill == kind_colour(k))
        {
            legend.push(Key {
                fill: kind_colour(k),
                class: "dot",
                text: lang.name("kind", k.as_str()),
            });
        }
    }
    for (state, class, key) in [
        ("report", "dot", "graph.view.key_report"),
        ("unchecked", "unchecked", "graph.view.key_unchecked"),
        ("benign", "benign", "graph.view.key_benign"),
        ("suppressed", "suppressed", "graph.view.key_suppressed"),
        ("other", "other", "graph.view.key_other"),
    ] {
        if nodes.iter().any(|n| n.state == state) {
            legend.push(Key {
                fill: if state == "report" { REPORT_COLOUR } else { "" },
                class,
                text: lang.t(key).to_owned(),
            });
        }
    }
    legend.push(Key {
        fill: "",
        class: "line",
        text: lang.t("graph.view.key_together").to_owned(),
    });
    if !view.confirmed.is_empty() {
        legend.push(Key {
            fill: "",
            class: "confirmed",
            text: lang.t("graph.view.key_confirmed").to_owned(),
        });
    }
    if !suggested_is_empty(&nodes) {
        legend.push(Key {
            fill: "",
            class: "dashed",
            text: lang.t("cluster.key_suggested").to_owned(),
        });
    }
    legend.push(Key {
        fill: "",
        class: "size",
        text: lang.t("graph.view.key_size").to_owned(),
    });

    let mut summary = lang.f(
        "graph.view.summary",
        &[
            ("nodes", &lang.n("graph.view.count_nodes", view.nodes.len())),
            ("covered", &view.covered),
            ("reports", &lang.n("count.reports", view.reports)),
        ],
    );
    if view.leaves > 0 {
        summary.push_str("; ");
        summary.push_str(&lang.n("cluster.graph_leaves", view.leaves));
    }
    if view.hidden_non_linking > 0 && !filter.non_linking {
        summary.push_str("; ");
        summary.push_str(&lang.n("graph.view.hidden", view.hidden_non_linking));
    }
    summary.push('.');
    IdentGraph {
        view_box,
        nodes,
        edges,
        confirmed,
        suggested,
        legend,
        summary,
    }
}

fn suggested_is_empty(nodes: &[Node]) -> bool {
    !nodes.iter().any(|n| n.state == "other")
}

/// Where an identifier node leads: its pivot, every report and cluster
/// naming it.
pub fn ident_href(kind: Kind, value: &str) -> String {
    crate::ui::pivot::href(kind.as_str(), value)
}

/// The graph section of the cluster page: which view, its filters and
/// the drawing.
pub struct GraphPanel {
    /// `identifiers` or `reports`.
    pub mode: &'static str,
    /// The report-level drawing.
    pub reports: Option<GraphView>,
    /// The identifier drawing.
    pub idents: Option<IdentGraph>,
    /// What is drawn, in a sentence.
    pub shown: String,
    /// The kind filter: kind, its name, identifiers of it, checked.
    pub kinds: Vec<(&'static str, String, usize, bool)>,
    /// Filed from (as typed).
    pub from: String,
    /// Filed to (as typed).
    pub to: String,
    /// Benign and suppressed identifiers shown.
    pub non_linking: bool,
    /// A date that could not be read, said so.
    pub error: String,
    /// The link to the other view.
    pub switch_href: String,
    /// The cluster page's path.
    pub base: String,
}

/// Reads the graph's part of the cluster page's query (`graph`, `kind`,
/// `from`, `to`, `all`) and draws the chosen view: the identifier view by
/// default for clusters of more than [`IDENT_VIEW_OVER`] reports.
pub fn panel(
    snapshot: &State,
    c: &ClusterSummary,
    open: &[OpenSuggestion],
    expanded: &BTreeSet<String>,
    base: &str,
    lang: Lang,
    raw: Option<&str>,
) -> GraphPanel {
    let mut mode = None;
    let mut filter = ViewFilter::default();
    let (mut from, mut to) = (String::new(), String::new());
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "graph" if v == "identifiers" => mode = Some("identifiers"),
            "graph" if v == "reports" => mode = Some("reports"),
            "kind" => {
                if let Some(kind) = Kind::from_name(&v)
                    && !filter.kinds.contains(&kind)
                {
                    filter.kinds.push(kind);
                }
            }
            "from" => from = v.chars().take(40).collect(),
            "to" => to = v.chars().take(40).collect(),
            "all" => filter.non_linking = v == "1",
            _ => {}
        }
    }
    let mode = mode.unwrap_or(if c.size > IDENT_VIEW_OVER {
        "identifiers"
    } else {
        "reports"
    });
    let mut error = String::new();
    for (typed, end, slot) in [
        (&from, false, &mut filter.from),
        (&to, true, &mut filter.to),
    ] {
        if typed.trim().is_empty() {
            continue;
        }
        match crate::engine::parse_day(typed, end) {
            Ok(t) => *slot = Some(t),
            Err(_) => error = lang.f("search.bad_date", &[("date", &typed.trim())]),
        }
    }
    let other = if mode == "identifiers" {
        "reports"
    } else {
        "identifiers"
    };
    let switch_href = format!("{base}?graph={other}#graph");
    let (reports, idents, shown, kinds) = if mode == "identifiers" {
        let view = snapshot.identifier_view(c, &filter);
        let kinds = view
            .kinds
            .iter()
            .map(|(k, n)| {
                (
                    k.as_str(),
                    lang.name("kind", k.as_str()),
                    *n,
                    filter.kinds.is_empty() || filter.kinds.contains(k),
                )
            })
            .collect();
        let g = draw(&view, open, lang, &filter);
        let shown = g.summary.clone();
        (None, Some(g), shown, kinds)
    } else {
        let g =
            crate::ui::graph::build(snapshot, c, open, expanded, base, lang, filter.non_linking);
        let mut shown = lang.f(
            "cluster.graph_shown",
            &[("shown", &g.shown), ("total", &g.total)],
        );
        if g.leaves > 0 {
            shown.push_str("; ");
            shown.push_str(&lang.n("cluster.graph_leaves", g.leaves));
        }
        shown.push('.');
        (Some(g), None, shown, Vec::new())
    };
    GraphPanel {
        mode,
        reports,
        idents,
        shown,
        kinds,
        from,
        to,
        non_linking: filter.non_linking,
        error,
        switch_href,
        base: base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{IdentKey, IdentState};
    use crate::engine::graph::{ReportFacts, aggregate};

    /// The background of the graph box (style.css `.graphbox`).
    const BACKGROUND: &str = "#fcfcfd";

    /// WCAG 2.1 contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        fn lum(c: &str) -> f64 {
            let c = c.trim_start_matches('#');
            let ch = |i: usize| {
                let v =
                    f64::from(u8::from_str_radix(c.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
                        / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(0) + 0.7152 * ch(2) + 0.0722 * ch(4)
        }
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    // See: issue 22 (yellow and cyan dots at 2:1 contrast, no legend)
    #[test]
    fn issue_22_every_colour_of_the_graph_stands_out_from_its_background() {
        for c in KIND_COLOURS
            .iter()
            .chain(crate::ui::graph::UNIT_COLOURS.iter())
            .chain([REPORT_COLOUR].iter())
        {
            let r = contrast(c, BACKGROUND);
            assert!(r >= 3.0, "{c} has {r:.2}:1 against {BACKGROUND}");
        }
        // The formula: black on white is 21:1.
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    }

    fn key(kind: Kind, v: &str) -> IdentKey {
        IdentKey {
            kind,
            value: v.into(),
        }
    }

    // See: issue 22 (labels collided at 479 reports)
    #[test]
    fn issue_22_labels_shown_never_overlap_and_every_node_is_a_link() {
        let keys: Vec<IdentKey> = (0..40)
            .map(|i| key(Kind::Iban, &format!("NL{i:02}ABNA04171643{i:02}")))
            .chain((0..20).map(|i| key(Kind::Phone, &format!("+316123400{i:02}"))))
            .collect();
        let active = IdentState::Active;
        let facts: Vec<ReportFacts<'_>> = (0..480usize)
            .map(|r| ReportFacts {
                filed_at: 1_700_000_000 + r as i64 * 3600,
                unit: "Amsterdam",
                idents: vec![(&keys[r % 40], &active), (&keys[40 + r % 20], &active)],
            })
            .collect();
        let view = aggregate(&facts, &[], &ViewFilter::default());
        let g = draw(&view, &[], Lang::Nl, &ViewFilter::default());
        assert_eq!(g.nodes.len(), 60);
        assert!(
            g.nodes
                .iter()
                .all(|n| n.href.starts_with("/identifiers?kind="))
        );
        assert!(
            g.nodes.iter().all(|n| n.aria.contains("aangiftes")),
            "{}",
            g.nodes[0].aria
        );
        let shown: Vec<&Node> = g.nodes.iter().filter(|n| n.label_shown).collect();
        assert!(shown.len() >= 30, "most labels fit: {}", shown.len());
        let rect = |n: &Node| {
            let w = n.label.chars().count() as f64 * LABEL_CHAR;
            let x0 = match n.anchor {
                "start" => f64::from(n.lx),
                "end" => f64::from(n.lx) - w,
                _ => f64::from(n.lx) - w / 2.0,
            };
            (x0, f64::from(n.ly) - 13.0, x0 + w, f64::from(n.ly) + 3.0)
        };
        for (i, a) in shown.iter().enumerate() {
            for b in &shown[i + 1..] {
                let (p, q) = (rect(a), rect(b));
                assert!(
                    !(p.0 < q.2 && q.0 < p.2 && p.1 < q.3 && q.1 < p.3),
                    "labels {} and {} overlap",
                    a.label,
                    b.label
                );
            }
        }
        // The same input, the same drawing.
        let again = draw(&view, &[], Lang::Nl, &ViewFilter::default());
        assert_eq!(again.view_box, g.view_box);
        assert!(
            g.nodes
                .iter()
                .zip(&again.nodes)
                .all(|(a, b)| (a.x, a.y) == (b.x, b.y))
        );
    }

    #[test]
    fn iban_labels_keep_the_bank_and_the_last_digits() {
        assert_eq!(
            short_value(Some(Kind::Iban), "NL91ABNA0417164300"),
            "NL91ABNA…4300"
        );
        assert_eq!(
            short_value(Some(Kind::Phone), "+31612345678"),
            "+31612345678"
        );
    }
}
