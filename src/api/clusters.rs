//! Clusters: ranked list and export, detail, graph, triage, suggested
//! links and decisions, explanations, suppressed hubs.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::api::wire::{self, ClusterShown, Graph};
use crate::api::{ApiError, AppState, Caller, JsonIn, blocking, log_read};
use crate::auth::Action;
use crate::cluster::{ClusterId, IdentState};
use crate::engine::graph::ViewFilter;
use crate::engine::{ClusterFilter, ClusterSummary, Decision, Engine, TriageChange, status_schema};
use crate::export::Format;

/// Filters and paging of `GET /clusters`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// regional unit
    pub unit: Option<String>,
    /// basisteam
    pub team: Option<String>,
    /// fraud type
    #[serde(rename = "type")]
    pub fraud_type: Option<String>,
    /// triage status
    pub status: Option<String>,
    /// minimum reports (default 2; the NDJSON export ignores it and lists
    /// every cluster)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub min_size: Option<usize>,
    /// minimum reports in the last 14 days
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub growth: Option<usize>,
    /// skip
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub offset: Option<usize>,
    /// page size (default 50; above 1000 reads as 1000; 0 only counts);
    /// each cluster lists its first 1,000 reports and linking identifiers
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub limit: Option<usize>,
    /// json (default) or ndjson (the export of docs/formats.md section 3)
    #[param(value_type = Option<wire::ListFormat>, inline)]
    pub format: Option<String>,
}

impl ListQuery {
    /// The clusters it asks for (at least two reports unless it says).
    fn filter(&self) -> ClusterFilter {
        ClusterFilter {
            min_size: self.min_size.unwrap_or(2),
            unit: self.unit.clone(),
            team: self.team.clone(),
            fraud_type: self.fraud_type.clone(),
            status: self.status.clone(),
            growth_14d: self.growth,
        }
    }
}

/// `GET /api/v1/clusters`: ranked by priority, filtered and paged; with
/// `format=ndjson`, every cluster (singletons included) as NDJSON.
#[utoipa::path(
    get, path = "/api/v1/clusters", tag = "clusters", operation_id = "get_clusters",
    summary = "Clusters ranked by priority; format=ndjson exports all, singletons included (docs/formats.md section 3). Analyst and up. Logged.",
    params(ListQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", content(
            (wire::ClusterPage = "application/json"),
            (String = "application/x-ndjson"),
        ), links(
            ("cluster" = (operation_id = "get_clusters__id_", parameters(("id" = "$response.body#/clusters/0/cluster_id")))),
            ("graph" = (operation_id = "get_clusters__id__graph", parameters(("id" = "$response.body#/clusters/0/cluster_id")))),
            ("export" = (operation_id = "get_clusters__id__export", parameters(("id" = "$response.body#/clusters/0/cluster_id")))),
            ("triage" = (operation_id = "post_clusters__id__triage", parameters(("id" = "$response.body#/clusters/0/cluster_id")))),
            ("report" = (operation_id = "get_reports__id_", parameters(("id" = "$response.body#/clusters/0/report_ids/0")))),
            ("explain" = (operation_id = "get_explain", parameters(
                ("a" = "$response.body#/clusters/0/report_ids/0"),
                ("b" = "$response.body#/clusters/0/report_ids/1"),
            ))),
        )),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::ReadClusters)?;
    caller.purpose()?;
    let Query(q) = query?;
    let engine = state.engine.clone();
    let snapshot = engine.state();
    if q.format.as_deref() == Some("ndjson") {
        let Ok(permit) = state.whole_exports.clone().try_acquire_owned() else {
            return Err(ApiError::Busy);
        };
        crate::api::whole_export::respond(&state, &caller, permit).await
    } else if let Some(other) = q.format.as_deref().filter(|f| *f != "json") {
        Err(ApiError::BadRequest(format!(
            "format {other:?}: use json or ndjson"
        )))
    } else {
        let limit = q.limit.unwrap_or(50).min(1000);
        let offset = q.offset.unwrap_or(0);
        let filter = q.filter();
        // Filtered and serialised on the heavy-read threads: at ten
        // million reports the filter looks at five million clusters.
        let (body, ids, reports) = state
            .heavy(move |engine| {
                let filtered: Vec<&ClusterSummary> = snapshot
                    .clusters()
                    .iter()
                    .filter(|c| filter.keeps(c, &engine.triage(&c.cluster_id).status))
                    .collect();
                // Each cluster lists its first reports and linking
                // identifiers (`size` counts them all; its detail pages
                // through the rest), as a percolated cluster's would be
                // hundreds of megabytes.
                let shown: Vec<ClusterSummary> = filtered
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|c| c.page((0, LISTED_EACH), (0, LISTED_EACH)))
                    .collect();
                let page: Vec<_> = shown.iter().map(|c| engine.view(c)).collect();
                let ids: Vec<String> = shown.iter().map(|c| c.cluster_id.to_string()).collect();
                let reports = crate::access::reports_shown(
                    shown
                        .iter()
                        .flat_map(|c| c.report_ids.iter().map(|r| r.as_str())),
                    snapshot.generation(),
                );
                let body = serde_json::to_vec(&wire::ClusterPage {
                    total: filtered.len(),
                    offset,
                    limit,
                    clusters: page,
                })?;
                Ok((body, ids, reports))
            })
            .await?;
        log_read(
            &state,
            &caller,
            "list_clusters",
            json!({"clusters": ids, "reports": reports}),
            "ok",
        )
        .await?;
        Ok(json_body(body))
    }
}

/// The reports and the linking identifiers each cluster of `GET
/// /clusters` lists at most (the first, in their order).
const LISTED_EACH: usize = 1000;

/// Resolves an id or alias to the live cluster, or 404.
async fn resolve(state: &AppState, id: &str) -> Result<ClusterId, ApiError> {
    let id = id.to_owned();
    let found = blocking(&state.engine, move |e| e.resolve_cluster(&id)).await?;
    found.ok_or_else(|| ApiError::NotFound("no such cluster".into()))
}

/// What an intake officer sees of a cluster that their own check matched,
/// the same in the API and the UI: how large it is, how many units it
/// reaches, and who has it. Not its teams, victims, damage, dates or
/// reports: those are for the analysts and the desk.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct IntakeSummary {
    /// The live cluster.
    pub cluster_id: ClusterId,
    /// The id asked for (an older id of a merged cluster answers with the
    /// cluster that absorbed it).
    pub requested: String,
    /// Reports.
    pub size: usize,
    /// Regional units reached.
    pub units: usize,
    /// Triage status.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The team it is assigned to.
    #[schema(required = true)]
    pub assigned_team: Option<String>,
    /// Priority score.
    pub score: f64,
}

/// The intake summary of cluster `c`, asked for as `requested`.
pub(crate) fn intake_summary(
    engine: &Engine,
    c: &ClusterSummary,
    requested: &str,
) -> IntakeSummary {
    let triage = engine.triage(&c.cluster_id);
    IntakeSummary {
        cluster_id: c.cluster_id.clone(),
        requested: requested.to_owned(),
        size: c.size,
        units: c.units.len(),
        status: triage.status,
        assigned_team: triage.assigned_team,
        score: c.score,
    }
}

/// Paging of a cluster's reports and identifiers in `GET /clusters/{id}`
/// (all optional): a cluster far larger than an offender group, as one
/// that percolates through an identifier the guards do not know, must
/// not become an answer of hundreds of megabytes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailQuery {
    /// the cluster's reports to skip, in report-id order
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub reports_offset: Option<usize>,
    /// reports listed in `cluster.report_ids` (default 1000; above 10000 reads as 10000)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub reports_limit: Option<usize>,
    /// identifiers to skip, in each list's order (most reports first)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub identifiers_offset: Option<usize>,
    /// identifiers listed in `identifiers` and in `cluster.identifiers`
    /// (default 1000; above 10000 reads as 10000)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub identifiers_limit: Option<usize>,
}

impl DetailQuery {
    /// Reports and identifiers listed by default.
    const DEFAULT: usize = 1000;
    /// The most listed at once.
    const MOST: usize = 10_000;

    /// The reports asked for (offset, limit).
    fn reports(&self) -> (usize, usize) {
        (
            self.reports_offset.unwrap_or(0),
            self.reports_limit.unwrap_or(Self::DEFAULT).min(Self::MOST),
        )
    }

    /// The identifiers asked for (offset, limit).
    fn identifiers(&self) -> (usize, usize) {
        (
            self.identifiers_offset.unwrap_or(0),
            self.identifiers_limit
                .unwrap_or(Self::DEFAULT)
                .min(Self::MOST),
        )
    }
}

/// `GET /api/v1/clusters/{id}`: the cluster in detail (an old, merged id
/// answers with the surviving cluster), its reports and identifiers a
/// page at a time ([`DetailQuery`]). Intake tokens get the summary only,
/// of a cluster their own check matched ([`crate::api::Matched`]).
#[utoipa::path(
    get, path = "/api/v1/clusters/{id}", tag = "clusters", operation_id = "get_clusters__id_",
    summary = "A cluster in detail (a merged id answers with the surviving one), its reports and identifiers a page at a time. Intake: the summary only. Logged.",
    params(("id" = String, Path, min_length = 1, description = "cluster id (or an old, merged one)"), DetailQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = ClusterShown),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<DetailQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::ReadClusterSummary)?;
    let Query(q) = query?;
    let full = caller.principal.role.may(Action::ReadClusters);
    // Asked before the id is looked up, so that the answer does not tell
    // an intake token which cluster ids exist.
    if !full && !state.matched.contains(caller.principal.token_id, &id) {
        log_read(
            &state,
            &caller,
            "cluster_summary",
            json!({"cluster": id}),
            "denied",
        )
        .await?;
        return Err(ApiError::Forbidden(
            "an intake token reads the summary of a cluster that its own check matched (POST /api/v1/check)".into(),
        ));
    }
    caller.purpose()?;
    let cid = resolve(&state, &id).await?;
    let snapshot = state.engine.state();
    let c = snapshot
        .cluster(&cid)
        .ok_or_else(|| ApiError::NotFound(format!("cluster {id} has no reports any more")))?;
    if !full {
        let summary = intake_summary(&state.engine, c, &id);
        log_read(
            &state,
            &caller,
            "cluster_summary",
            json!({"cluster": cid}),
            "ok",
        )
        .await?;
        return Ok(Json(ClusterShown::Summary(summary)).into_response());
    }
    let triage = state.engine.triage(&cid);
    let (reports_page, idents_page) = (q.reports(), q.identifiers());
    let (who, reason) = (caller.principal.clone(), caller.reason.clone());
    let logged = caller.clone();
    // Assembled and serialised off the async threads: a large cluster's
    // page is tens of milliseconds of work that would hold up checks.
    let body = state
        .heavy(move |e| {
            let c = snapshot
                .cluster(&cid)
                .ok_or_else(|| anyhow::anyhow!("cluster {cid} left the state it was found in"))?;
            let every = snapshot.cluster_identifiers(c);
            let identifiers_total = every.len();
            let identifiers: Vec<_> = every
                .into_iter()
                .skip(idents_page.0)
                .take(idents_page.1)
                .map(|(i, state, reports_total)| wire::ClusterIdentShown {
                    kind: i.kind,
                    value: i.value,
                    reports: i.reports,
                    reports_total,
                    state,
                })
                .collect();
            let events: Vec<_> = e
                .cluster_events(&cid)?
                .into_iter()
                .map(|(at, kind, cause, detail)| wire::ClusterEventShown {
                    at: crate::engine::rfc3339(at),
                    kind,
                    cause,
                    detail,
                })
                .collect();
            let mut weekly: std::collections::BTreeMap<String, usize> =
                std::collections::BTreeMap::new();
            for r in &c.report_ids {
                if let Some(row) = snapshot.row(r)
                    && let Ok(t) = time::OffsetDateTime::from_unix_timestamp(row.filed_at)
                {
                    let (y, w, _) = t.to_iso_week_date();
                    *weekly.entry(format!("{y}-W{w:02}")).or_default() += 1;
                }
            }
            let suggestions = snapshot.suggestions_for(&cid);
            let (pending, pending_total) = e.pending_members(&snapshot, c, crate::engine::PENDING_SHOWN);
            // The page shows the cluster's reports, the reports pushed
            // since that name its identifiers and, in its suggestions, the
            // reports naming the other identifier.
            let shown = c.page(reports_page, idents_page);
            let generation = snapshot.generation();
            let targets = json!({
                "cluster": cid,
                "reports": crate::access::reports_shown(shown.report_ids.iter().map(|r| r.as_str()), generation),
                "pending_reports": crate::access::reports_shown(pending.iter().map(|p| p.report_id.as_str()), generation),
                "suggested_reports": crate::access::reports_shown(
                    crate::engine::suggestion_reports(&suggestions),
                    generation,
                ),
                // The events' link decisions may name reports.
                "decision_reports": crate::access::reports_shown(
                    crate::engine::decision_reports(
                        events
                            .iter()
                            .filter_map(|ev| crate::engine::link_cause_ends(&ev.cause))
                            .flat_map(|(a, b)| [a, b]),
                    ),
                    generation,
                ),
            });
            e.log_access(Some(&who), "read_cluster", &targets, reason.as_deref(), "ok")?;
            Ok(serde_json::to_vec(&ClusterShown::Detail(
                wire::ClusterDetailShown {
                    requested: id,
                    cluster: e.view(&shown),
                    reports_offset: reports_page.0,
                    identifiers_offset: idents_page.0,
                    identifiers_total,
                    linking_identifiers_total: c.identifiers.len(),
                    notes: triage.notes,
                    identifiers,
                    timeline: weekly,
                    suggestions,
                    events,
                    pending,
                    pending_total,
                },
            ))?)
        })
        .await?;
    logged.logged();
    Ok(json_body(body))
}

/// A JSON document serialised on a heavy-read thread, as the response.
fn json_body(bytes: Vec<u8>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// Query of the cluster graph (issue 22, all optional).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// reports (default) or identifiers
    #[param(value_type = Option<wire::GraphView>, inline)]
    pub view: Option<String>,
    /// identifier view: only these kinds, comma-separated
    // The pattern is tested to name every kind (meta.rs).
    #[param(
        pattern = "^(iban|phone|url|domain|email|handle|crypto|name)?(,(iban|phone|url|domain|email|handle|crypto|name)?)*$"
    )]
    pub kinds: Option<String>,
    /// identifier view: reports filed from this day
    #[param(value_type = Option<wire::Day>, inline)]
    pub from: Option<String>,
    /// identifier view: reports filed to this day
    #[param(value_type = Option<wire::Day>, inline)]
    pub to: Option<String>,
    /// identifier view: benign and suppressed identifiers too (without
    /// edges)
    pub non_linking: Option<bool>,
}

impl GraphQuery {
    /// The identifier view's filter, or a message naming the parameter
    /// at fault; `None` for the report-level graph. Every parameter is
    /// checked whichever the view, so a bad one is never silently ignored.
    fn filter(&self) -> Result<Option<ViewFilter>, ApiError> {
        let identifiers = match self.view.as_deref().unwrap_or("reports") {
            "reports" => false,
            "identifiers" => true,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "view {other:?}: use reports or identifiers"
                )));
            }
        };
        let mut f = ViewFilter {
            non_linking: self.non_linking.unwrap_or(false),
            ..ViewFilter::default()
        };
        // Exactly as the OpenAPI document's pattern says: kind names in
        // lower case, separated by commas.
        for k in self.kinds.as_deref().unwrap_or("").split(',') {
            if k.is_empty() {
                continue;
            }
            let kind = crate::ident::Kind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == k)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "kinds: {k:?} is not a kind of identifier (iban, phone, url, domain, email, handle, crypto, name; comma-separated)"
                    ))
                })?;
            f.kinds.push(kind);
        }
        for (name, v, end, slot) in [
            ("from", &self.from, false, &mut f.from),
            ("to", &self.to, true, &mut f.to),
        ] {
            if let Some(v) = v {
                *slot = Some(
                    crate::engine::parse_day(v, end)
                        .map_err(|e| ApiError::BadRequest(format!("{name}: {e}")))?,
                );
            }
        }
        Ok(identifiers.then_some(f))
    }
}

/// The identifier view as served (docs/formats.md, issue 22).
fn identifier_graph(cid: &ClusterId, v: &crate::engine::graph::IdentView) -> wire::IdentGraph {
    let id = |i: u32| {
        v.nodes
            .get(i as usize)
            .map(|n| match n.kind {
                Some(_) => format!("i:{}", n.key()),
                None => format!("r:{}", n.value),
            })
            .unwrap_or_default()
    };
    let nodes = v
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| wire::ViewNodeShown {
            id: id(i as u32),
            kind: n.kind.map_or("report", |k| k.as_str()).to_owned(),
            label: n.value.clone(),
            state: n.state.as_str().to_owned(),
            reason: (!n.why.is_empty()).then(|| n.why.clone()),
            reports: n.reports,
            units: n.units,
            first_filed_at: crate::engine::rfc3339(n.first_filed_at),
            last_filed_at: crate::engine::rfc3339(n.last_filed_at),
        })
        .collect();
    let edges = v
        .edges
        .iter()
        .map(|e| wire::WeightedEdge {
            source: id(e.a),
            target: id(e.b),
            reports: e.weight,
        })
        .collect();
    let confirmed = v
        .confirmed
        .iter()
        .map(|e| wire::ConfirmedEdge {
            source: id(e.a),
            target: id(e.b),
            basis: e.basis.clone(),
        })
        .collect();
    wire::IdentGraph {
        cluster_id: cid.clone(),
        view: wire::IdentifiersView::Identifiers,
        nodes,
        edges,
        confirmed,
        reports: v.reports,
        reports_covered: v.covered,
        single_report_identifiers: v.leaves,
        hidden_non_linking: v.hidden_non_linking,
    }
}

/// `GET /api/v1/clusters/{id}/graph`: reports and identifiers as nodes,
/// who-names-what as edges, for drawing; `?view=identifiers` gives the
/// identifier-centred view (issue 22).
#[utoipa::path(
    get, path = "/api/v1/clusters/{id}/graph", tag = "clusters", operation_id = "get_clusters__id__graph",
    summary = "Nodes (reports and identifiers) and edges for drawing; with view=identifiers the identifier-centred view: linking identifiers as nodes with their reports counted (reports, units, first and last filing), edges between identifiers named together (reports: how many), confirmed links, and the counts of what is not drawn. Analyst and up. Logged.",
    params(("id" = String, Path, min_length = 1, description = "cluster id"), GraphQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = Graph),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn graph(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<GraphQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::ReadClusters)?;
    caller.purpose()?;
    let Query(q) = query?;
    let filter = q.filter()?;
    let cid = resolve(&state, &id).await?;
    let snapshot = state.engine.state();
    let Some(shown) = snapshot.cluster(&cid).map(|c| {
        crate::access::reports_shown(
            c.report_ids.iter().map(|r| r.as_str()),
            snapshot.generation(),
        )
    }) else {
        return Err(ApiError::NotFound("no reports".into()));
    };
    let c2 = cid.clone();
    // Built on the heavy-read threads: a large cluster has thousands of
    // nodes and edges.
    let body = state
        .heavy(move |_| {
            let cid = c2;
            let c = snapshot
                .cluster(&cid)
                .ok_or_else(|| anyhow::anyhow!("cluster {cid} left the state it was found in"))?;
            if let Some(f) = &filter {
                let v = snapshot.identifier_view(c, f);
                let body = serde_json::to_vec(&Graph::Identifiers(identifier_graph(&cid, &v)))?;
                return Ok((body, None));
            }
            let mut nodes = Vec::new();
            let mut edges = Vec::new();
            for r in &c.report_ids {
                let row = snapshot.row(r);
                nodes.push(wire::ReportGraphNode::Report(wire::ReportNode {
                    id: format!("r:{r}"),
                    kind: wire::ReportKind::Report,
                    label: r.to_string(),
                    unit: row.as_ref().map(|x| x.unit.to_owned()),
                    filed_at: row.as_ref().map(|x| crate::engine::rfc3339(x.filed_at)),
                }));
            }
            let idents = snapshot.cluster_identifiers(c);
            for (i, s, total) in &idents {
                let state_name = match s {
                    IdentState::Active => "links",
                    IdentState::Benign(_) => "benign",
                    IdentState::Suppressed(_) => "suppressed",
                };
                nodes.push(wire::ReportGraphNode::Ident(wire::IdentNode {
                    id: format!("i:{}:{}", i.kind, i.value),
                    kind: i.kind,
                    label: i.value.clone(),
                    reports: i.reports,
                    reports_total: *total,
                    state: state_name,
                }));
            }
            for r in &c.report_ids {
                for k in snapshot.graph_idents_of(r) {
                    edges.push(wire::GraphEdge {
                        source: format!("r:{r}"),
                        target: format!("i:{}:{}", k.kind, k.value),
                    });
                }
            }
            let suggestions = snapshot.suggestions_for(&cid);
            // As the cluster's detail names them: the reports naming the
            // identifiers of the suggested links.
            let suggested_reports = crate::access::reports_shown(
                crate::engine::suggestion_reports(&suggestions),
                snapshot.generation(),
            );
            let suggested = suggestions
                .into_iter()
                .map(|s| wire::SuggestedEdge {
                    source: format!("i:{}:{}", s.suggestion.a.kind, s.suggestion.a.value),
                    target: format!("i:{}:{}", s.suggestion.b.kind, s.suggestion.b.value),
                    score: s.suggestion.score,
                    why: s.suggestion.why(),
                })
                .collect();
            // Links an analyst confirmed, report to report (issue 22).
            let confirmed = snapshot
                .confirmed_pairs(c)
                .into_iter()
                .map(|(a, b, basis)| wire::ConfirmedEdge {
                    source: format!("r:{a}"),
                    target: format!("r:{b}"),
                    basis,
                })
                .collect();
            let body = serde_json::to_vec(&Graph::Reports(wire::ReportGraph {
                cluster_id: cid,
                nodes,
                edges,
                suggested,
                confirmed,
            }))?;
            Ok((body, Some(suggested_reports)))
        })
        .await?;
    let (body, suggested_reports) = body;
    let mut targets = json!({"cluster": cid, "reports": shown});
    if let Some(more) = suggested_reports {
        targets["suggested_reports"] = more;
    }
    log_read(&state, &caller, "cluster_graph", targets, "ok").await?;
    Ok(json_body(body))
}

/// Query of the cluster export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv, gexf, graphml or ndjson
    #[param(value_type = Option<wire::ExportFormat>, inline)]
    pub format: Option<String>,
}

/// `GET /api/v1/clusters/{id}/export?format=csv|gexf|graphml|ndjson`.
#[utoipa::path(
    get, path = "/api/v1/clusters/{id}/export", tag = "clusters", operation_id = "get_clusters__id__export",
    summary = "A case file: csv (default), gexf, graphml or ndjson. Analyst and up. Logged.",
    params(("id" = String, Path, min_length = 1, description = "cluster id"), ExportQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", content(
            (String = "text/csv"),
            (String = "application/gexf+xml"),
            (String = "application/graphml+xml"),
            (String = "application/x-ndjson"),
        )),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::Export)?;
    caller.purpose()?;
    let Query(q) = query?;
    let (format, mime) = match q.format.as_deref().unwrap_or("csv") {
        "csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "gexf" => (Format::Gexf, "application/gexf+xml"),
        "graphml" => (Format::Graphml, "application/graphml+xml"),
        "ndjson" => (Format::Ndjson, "application/x-ndjson"),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format {other:?}: use csv, gexf, graphml or ndjson"
            )));
        }
    };
    let cid = resolve(&state, &id).await?;
    let c2 = cid.clone();
    let (bytes, exported) = state
        .heavy(move |e| {
            let mut out = Vec::new();
            let exported = crate::export::clusters(&e, format, Some(c2.as_str()), &mut out)?;
            Ok((out, exported))
        })
        .await?;
    let shown = exported.reports;
    log_read(
        &state,
        &caller,
        "export_cluster",
        json!({"cluster": cid, "format": q.format.as_deref().unwrap_or("csv"), "reports": shown}),
        "ok",
    )
    .await?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}

/// Body of a triage change (at least one field, see
/// [`wire::TriageBody`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageIn {
    /// New status (not `null`).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = status_schema)]
    pub status: Option<String>,
    /// Assign to a team; `null` unassigns.
    #[serde(default, deserialize_with = "some_nullable")]
    #[schema(value_type = Option<String>)]
    pub assigned_team: Option<Option<String>>,
    /// A note to append (not `null`).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    pub note: Option<String>,
}

fn some_nullable<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A field that may be left out but, when given, is a string (`null` is
/// refused rather than read as "left out").
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// `POST /api/v1/clusters/{id}/triage`: status, assigned team, notes.
#[utoipa::path(
    post, path = "/api/v1/clusters/{id}/triage", tag = "triage", operation_id = "post_clusters__id__triage",
    summary = "Set the status, assign a team (null unassigns), append a note. Coordinator and up. The team must be one of the settings' list (config/teams.toml) or one that reports were filed by, in any case or spacing; an empty or unknown team answers 422 naming the nearest known one.",
    params(("id" = String, Path, min_length = 1, description = "cluster id")),
    request_body(content((wire::TriageBody = "application/json"))),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::TriageShown),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 413, response = wire::TooLarge),
        (status = 415, response = wire::NotJson),
        (status = 422, response = wire::Unprocessable),
    ),
)]
pub async fn triage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<JsonIn<TriageIn>, ApiError>,
) -> Result<Json<wire::TriageShown>, ApiError> {
    caller.require(Action::Triage)?;
    let JsonIn(t) = body?;
    let change = TriageChange {
        status: t.status,
        assigned_team: t.assigned_team,
        note: t.note,
    };
    let actor = caller.principal.name();
    let cid = blocking(&state.engine, move |e| e.set_triage(&id, change, &actor)).await?;
    let triage = state.engine.triage(&cid);
    Ok(Json(wire::TriageShown {
        cluster_id: cid,
        status: triage.status,
        assigned_team: triage.assigned_team,
        notes: triage.notes,
    }))
}

/// Query of `GET /suggestions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionsQuery {
    /// only those touching this cluster
    pub cluster: Option<String>,
    /// at most (default 100; above 1000 reads as 1000)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub limit: Option<usize>,
}

/// `GET /api/v1/suggestions`: open weak links, strongest first.
#[utoipa::path(
    get, path = "/api/v1/suggestions", tag = "triage", operation_id = "get_suggestions",
    summary = "Open weak-link suggestions, strongest first. Analyst and up. Logged.",
    params(SuggestionsQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::Suggestions),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
    ),
)]
pub async fn suggestions(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SuggestionsQuery>, QueryRejection>,
) -> Result<Json<wire::Suggestions>, ApiError> {
    caller.require(Action::ReadClusters)?;
    caller.purpose()?;
    let Query(q) = query?;
    let snapshot = state.engine.state();
    let limit = q.limit.unwrap_or(100).min(1000);
    let found = match &q.cluster {
        Some(c) => {
            let cid = resolve(&state, c).await?;
            let mut all = snapshot.suggestions_for(&cid);
            all.truncate(limit);
            all
        }
        None => snapshot.suggestions(limit),
    };
    let mut clusters: Vec<&str> = found
        .iter()
        .flat_map(|s| s.a_clusters.iter().chain(&s.b_clusters))
        .map(|c| c.as_str())
        .collect();
    clusters.sort_unstable();
    clusters.dedup();
    let targets = json!({
        "cluster": q.cluster,
        "suggestions": found.len(),
        "clusters": clusters,
        "reports": crate::access::reports_shown(
            crate::engine::suggestion_reports(&found),
            snapshot.generation(),
        ),
    });
    log_read(&state, &caller, "suggestions", targets, "ok").await?;
    Ok(Json(wire::Suggestions { suggestions: found }))
}

/// Body of a link decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIn {
    /// A report id or `kind:value`.
    #[schema(min_length = 1)]
    pub a: String,
    /// A report id or `kind:value`.
    #[schema(min_length = 1)]
    pub b: String,
    /// `confirm`, `reject`, or `undo` (the decision in force on this
    /// link is taken back).
    #[schema(schema_with = wire::decision)]
    pub decision: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/links`: confirm (merge) or reject (split, never suggest
/// again) a link, or undo the decision in force on it (issue 22: the
/// clusters form again as if it was never decided; 404 when there is
/// none).
#[utoipa::path(
    post, path = "/api/v1/links", tag = "triage", operation_id = "post_links",
    summary = "Confirm or reject a link between two reports or identifiers (kind:value, e.g. iban:NL42INGB0006123456), or undo the decision in force on it (`undo`: the clusters form again as if it was never decided, and the answer's `undone` names the decision taken back; 404 when there is none); an endpoint that is neither a report id nor a readable identifier answers 422. Analyst and up.",
    request_body(content((LinkIn = "application/json"))),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::LinkDecided),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 413, response = wire::TooLarge),
        (status = 415, response = wire::NotJson),
        (status = 422, response = wire::Unprocessable),
    ),
)]
pub async fn decide_link(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<JsonIn<LinkIn>, ApiError>,
) -> Result<Json<wire::LinkDecided>, ApiError> {
    caller.require(Action::DecideLink)?;
    let JsonIn(l) = body?;
    let decision = Decision::parse(&l.decision)?;
    let actor = caller.principal.name();
    let decided = blocking(&state.engine, move |e| {
        e.decide(&l.a, &l.b, decision, &actor, &l.reason)
    })
    .await?;
    Ok(Json(wire::LinkDecided {
        undone: decided.undone,
        events: decided.events,
    }))
}

/// Query of `GET /explain`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// report id
    pub a: String,
    /// report id
    pub b: String,
}

/// `GET /api/v1/explain?a=&b=`: the chain of shared identifiers between two
/// reports, or what blocks one.
#[utoipa::path(
    get, path = "/api/v1/explain", tag = "clusters", operation_id = "get_explain",
    summary = "Why two reports are (not) linked: the chain of shared identifiers, or what blocks it. Analyst and up. Logged.",
    params(ExplainQuery, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::Explained),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn explain(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ExplainQuery>, QueryRejection>,
) -> Result<Json<wire::Explained>, ApiError> {
    caller.require(Action::Explain)?;
    caller.purpose()?;
    let Query(q) = query?;
    // Text that cannot be a report id names no report. Two reports of
    // different clusters are searched for over every identifier, the
    // benign and suppressed ones too: work for the heavy-read threads,
    // not the ones that answer checks.
    let (a, b) = (q.a.clone(), q.b.clone());
    let (e, ca, cb) = state
        .heavy(move |e| Ok(e.explain(&a, &b)))
        .await?
        .map_err(|e| ApiError::NotFound(format!("unknown report id: {e:#}")))?;
    if matches!(e, crate::cluster::Explanation::Unknown) {
        return Err(ApiError::NotFound("unknown report id".into()));
    }
    // The chain names reports beyond the two asked about.
    let mut reports: Vec<&str> = vec![q.a.as_str(), q.b.as_str()];
    for r in e.reports() {
        if !reports.contains(&r.as_str()) {
            reports.push(r.as_str());
        }
    }
    log_read(
        &state,
        &caller,
        "explain",
        json!({"a": q.a, "b": q.b, "reports": reports, "clusters": [ca, cb]}),
        "ok",
    )
    .await?;
    Ok(Json(wire::Explained {
        a: q.a,
        b: q.b,
        cluster_a: ca,
        cluster_b: cb,
        explanation: e,
    }))
}

/// `GET /api/v1/hubs`: identifiers the hub guard suppressed.
#[utoipa::path(
    get, path = "/api/v1/hubs", tag = "clusters", operation_id = "get_hubs",
    summary = "Identifiers suppressed by the hub guard, with counts and reasons. Analyst and up. Logged.",
    params(wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::Hubs),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
    ),
)]
pub async fn hubs(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Action::ReadClusters)?;
    caller.purpose()?;
    let snapshot = state.engine.state();
    let suppressed = snapshot.suppressed();
    // Identifiers from the statements, with how many reports name each.
    let shown: Vec<String> = suppressed
        .iter()
        .map(|h| format!("{}:{}", h.kind, h.value))
        .collect();
    log_read(&state, &caller, "hubs", json!({"identifiers": shown}), "ok").await?;
    Ok(Json(wire::Hubs { suppressed }).into_response())
}
