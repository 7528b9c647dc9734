//! The API's wire types: the bodies it answers (and the request bodies
//! it reads as bytes), each with its JSON Schema derived by utoipa
//! (`ToSchema`, `ToResponse`). The handlers serialise these very types,
//! so the OpenAPI document ([`super::openapi`]) says what is sent. Engine
//! and domain types served as they are (a check's answer, a search page, a
//! cluster, an event) derive their schemas where they are defined; the
//! query strings derive theirs (`IntoParams`) next to their handlers.
//!
//! A few schemas say what a derive cannot: a choice of words kept as a
//! `String` by its handler (which answers a mistake with a message naming
//! the parameter), a day written two ways, and the push and check bodies,
//! which are read as bytes and of which some part must be there.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::cluster::{ClusterId, Event, Explanation, IdentState};
use crate::engine::{
    ClusterView, OpenSuggestion, Rejection, SimilarReport, SuppressedIdent, status_schema,
};
use crate::ident::Kind;
use crate::store::AccessRecord;

/// Every refusal's body (docs/formats.md): what went wrong, and the detail
/// for the caller (`null` for an internal error, whose cause is logged).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What kind of refusal (`bad request`, `forbidden`, ...).
    pub error: String,
    /// What to do about it: a message naming the field or parameter.
    pub detail: Value,
}

pub use refusal::{
    BadRequest, Busy, Forbidden, NotFound, NotJson, TimedOut, TooLarge, Unauthorised, Unprocessable,
};

/// The refusals the document names, by status, each with the body
/// [`ErrorBody`]: types for utoipa to read (`ToResponse`), whose doc
/// comments are their descriptions.
pub mod refusal {
    // Never built: the handlers refuse with `ApiError`, which answers an
    // `ErrorBody`; these only name the refusal in the document.
    #![allow(dead_code)]

    use super::ErrorBody;
    use utoipa::ToResponse;

    /// malformed request: query, path or body
    #[derive(ToResponse)]
    pub struct BadRequest(ErrorBody);
    /// no token, or not a valid one
    #[derive(ToResponse)]
    pub struct Unauthorised(ErrorBody);
    /// the role does not allow it
    #[derive(ToResponse)]
    pub struct Forbidden(ErrorBody);
    /// no such report, cluster or endpoint
    #[derive(ToResponse)]
    pub struct NotFound(ErrorBody);
    /// the request was not sent or answered within the time limit
    #[derive(ToResponse)]
    pub struct TimedOut(ErrorBody);
    /// the body, or a field of it (named in the detail), exceeds its limit
    #[derive(ToResponse)]
    pub struct TooLarge(ErrorBody);
    /// the body is not sent as application/json
    #[derive(ToResponse)]
    pub struct NotJson(ErrorBody);
    /// well-formed but not acceptable
    #[derive(ToResponse)]
    pub struct Unprocessable(ErrorBody);
    /// too many requests wait for this kind of work; try again after Retry-After seconds
    #[derive(ToResponse)]
    pub struct Busy(ErrorBody);
}

pub use header::{OptionalReason, Reason};

/// The purpose header as a parameter of the reads that log it.
pub mod header {
    // Never built: the `Caller` extractor reads the header; these only
    // describe it to utoipa (`IntoParams`).
    #![allow(dead_code)]

    use utoipa::IntoParams;

    /// The purpose of a read of report data (`X-Fraudlink-Reason`).
    #[derive(IntoParams)]
    #[into_params(parameter_in = Header, names("X-Fraudlink-Reason"))]
    pub struct Reason(
        /// why you read: required for every read of report data, whatever the
        /// role (400 when missing or blank); UTF-8, the first 500 characters
        /// are kept in the access log
        #[param(min_length = 1, pattern = r"\S")]
        String,
    );

    /// The purpose of a read that shows no report data but is logged.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Header, names("X-Fraudlink-Reason"))]
    pub struct OptionalReason(
        /// why you read (optional here; UTF-8, the first 500 characters are
        /// kept in the access log)
        #[param(nullable = false)]
        Option<String>,
    );
}

/// A string that is one of `words`.
fn one_of(words: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .build()
}

/// A query parameter that is one of a few words, which its handler keeps
/// as a `String` (and refuses, naming the parameter, when it is none of
/// them): a type whose schema lists the words, for `value_type`.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident: $($word:literal),+) => {
        $(#[$doc])*
        // Never built: a schema for utoipa to read.
        #[allow(dead_code)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                one_of(&[$($word),+]).into()
            }
        }

        impl ToSchema for $name {}
    };
}

words!(
    /// The format of the cluster list.
    ListFormat: "json", "ndjson"
);
words!(
    /// The formats of a cluster's export.
    ExportFormat: "csv", "gexf", "graphml", "ndjson"
);
words!(
    /// The order of search hits.
    SortOrder: "relevance", "date"
);
words!(
    /// The views of a cluster's graph.
    GraphView: "reports", "identifiers"
);

/// A row id in a query string: a whole number (one beyond 64 bits is read
/// as the largest, which names no row), for `value_type`. (An `i64` would
/// be written with `format: int64`, which bounds it.)
// Never built: a schema for utoipa to read.
#[allow(dead_code)]
pub struct RowId;

impl PartialSchema for RowId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Integer).into()
    }
}

impl ToSchema for RowId {}

/// A day as the API reads it (see [`day`]), for `value_type`.
// Never built: a schema for utoipa to read.
#[allow(dead_code)]
pub struct Day;

impl PartialSchema for Day {
    fn schema() -> RefOr<Schema> {
        day().into()
    }
}

impl ToSchema for Day {}

/// `confirm`, `reject` or `undo`.
pub(crate) fn decision() -> Object {
    one_of(&["confirm", "reject", "undo"])
}

/// `confirmed` or `rejected`.
fn decision_undone() -> Object {
    one_of(&["confirmed", "rejected"])
}

/// A day as the API reads it: a date (2026-12-05) or an RFC 3339
/// date-time (the server also reads 5-12-2026); an empty value is not one.
fn day() -> Schema {
    let as_format = |f| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(f)))
    };
    AnyOfBuilder::new()
        .item(as_format(KnownFormat::Date))
        .item(as_format(KnownFormat::DateTime))
        .build()
        .into()
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the service answers.
    pub status: Liveness,
    /// Whether the work of its start is done (additive): false while the
    /// pages' suggestions, queue and flow, or the clusters saved for the
    /// commands, are worked out beside the first requests (a minute or
    /// two at ten million reports). A readiness probe waits for it.
    pub ready: bool,
    /// Whether the clusters are built (additive): false while the service
    /// builds them at its start (minutes at ten million reports).
    /// Meanwhile checks are answered from the clusters saved when it last
    /// stopped, if those are the store's, pushes are stored (unless an
    /// alert is configured), and other requests that need the clusters
    /// wait up to
    /// `[server] start_wait_secs`, then get 503 with `Retry-After`.
    pub clusters: bool,
}

/// The one answer of a live service.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Liveness {
    /// It answers.
    Ok,
}

/// `GET /stats`: totals, no personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// Reports stored.
    pub reports: usize,
    /// Clusters, singletons included.
    pub clusters: usize,
    /// Clusters of two reports or more.
    pub linked_clusters: usize,
    /// Reports in the largest cluster.
    pub largest_cluster: usize,
    /// Identifiers the hub guard suppressed.
    pub suppressed_identifiers: usize,
    /// Weak-link suggestions waiting for a decision.
    pub open_suggestions: usize,
    /// Linked clusters by triage status.
    pub clusters_by_status: BTreeMap<String, usize>,
}

/// `GET /audit`: rows of the access log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    /// The rows.
    pub entries: Vec<AccessRecord>,
}

/// `POST /reports`: what became of the pushed reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pushed {
    /// New reports stored.
    pub accepted: usize,
    /// Changed reports stored (the earlier version kept as history).
    pub updated: usize,
    /// Reports sent again as they were.
    pub unchanged: usize,
    /// Reports refused.
    pub rejected: usize,
    /// Each refused report: its line, field and reason.
    // Inline: as a named schema with an `id`, schemathesis's link
    // inference took a refused report for a created one.
    #[schema(inline)]
    pub rejects: Vec<Rejection>,
}

/// `GET /reports/{id}`: a report as received, with its identifiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportShown {
    /// The report id.
    pub id: String,
    /// Its cluster.
    #[schema(required = true)]
    pub cluster_id: Option<ClusterId>,
    /// The report as received (a JSON object; text when it was stored as
    /// text that is not JSON).
    pub report: Value,
    /// The identifiers extracted from it.
    pub identifiers: Vec<crate::extract::Identifier>,
    /// Its version number (analysts and up).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub version: Option<usize>,
    /// How many earlier versions there are (analysts and up; additive
    /// field).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub versions_total: Option<usize>,
    /// The earlier versions that later writes replaced, oldest first: the
    /// latest 20 (analysts and up).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub versions: Option<Vec<ReportVersionShown>>,
}

/// An earlier version of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportVersionShown {
    /// 1 for the first version written, counting up.
    #[schema(minimum = 1)]
    pub version: i64,
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// When the next version replaced it (RFC 3339).
    pub replaced_at: String,
    /// Who wrote it: the batch's source.
    pub source: String,
    /// The report as it was received.
    pub report: Value,
}

impl From<crate::store::ReportVersion> for ReportVersionShown {
    fn from(v: crate::store::ReportVersion) -> ReportVersionShown {
        ReportVersionShown {
            version: v.version,
            written_at: crate::engine::rfc3339(v.written_at),
            replaced_at: crate::engine::rfc3339(v.replaced_at),
            source: v.source,
            report: serde_json::from_str(&v.raw).unwrap_or(Value::String(v.raw)),
        }
    }
}

/// `GET /reports/{id}/similar`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Similar {
    /// The report asked about.
    pub report_id: String,
    /// Reports outside its cluster whose statements read most alike.
    pub similar: Vec<SimilarReport>,
}

/// `GET /clusters`: a page of clusters, highest priority first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterPage<'a> {
    /// Clusters that pass the filters.
    pub total: usize,
    /// Skipped.
    pub offset: usize,
    /// The page size.
    pub limit: usize,
    /// This page.
    pub clusters: Vec<ClusterView<'a>>,
}

/// `GET /clusters/{id}`: the detail (analysts and up) or the summary (an
/// intake token, of a cluster its own check matched).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ClusterShown<'a> {
    /// The cluster in detail.
    Detail(ClusterDetailShown<'a>),
    /// The intake summary.
    Summary(super::IntakeSummary),
}

/// A cluster in detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterDetailShown<'a> {
    /// The id asked for (a merged id answers with the surviving cluster).
    pub requested: String,
    /// The cluster: `report_ids` holds the page of its reports asked for
    /// (`reports_offset`, `reports_limit`; `size` counts them all) and
    /// `identifiers` the page of its linking identifiers.
    pub cluster: ClusterView<'a>,
    /// How many of the cluster's reports, in report-id order, come before
    /// `cluster.report_ids` (additive field).
    pub reports_offset: usize,
    /// How many identifiers come before those listed, in each list
    /// (additive field).
    pub identifiers_offset: usize,
    /// How many identifiers its reports name in all: `identifiers` lists a
    /// page of them (additive field).
    pub identifiers_total: usize,
    /// How many linking identifiers it has in all: `cluster.identifiers`
    /// lists a page of them (additive field).
    pub linking_identifiers_total: usize,
    /// The triage notes.
    pub notes: String,
    /// The identifiers its reports name, with their state, most reports
    /// first: the page asked for (`identifiers_offset`,
    /// `identifiers_limit`).
    pub identifiers: Vec<ClusterIdentShown>,
    /// Reports by ISO week of filing (`2026-W49`).
    pub timeline: BTreeMap<String, usize>,
    /// Open suggestions touching it.
    pub suggestions: Vec<OpenSuggestion>,
    /// What happened to it, oldest first.
    pub events: Vec<ClusterEventShown>,
    /// Reports acknowledged since the clusters were last built that name
    /// one of its linking identifiers, in the order pushed (the first
    /// 200): the next re-cluster links them (additive field).
    pub pending: Vec<crate::engine::PendingMember>,
    /// How many such reports there are.
    pub pending_total: usize,
}

/// An identifier of a cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterIdentShown {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Canonical value.
    #[schema(value_type = String)]
    pub value: Arc<str>,
    /// Reports of the cluster naming it.
    pub reports: usize,
    /// Reports naming it in the whole store.
    pub reports_total: usize,
    /// Whether it links, and why not.
    pub state: IdentState,
}

/// One event in a cluster's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterEventShown {
    /// When (RFC 3339).
    pub at: String,
    /// `created`, `grew`, `merged`, ...
    pub kind: String,
    /// What caused it (an ingest, a decision, a purge).
    pub cause: String,
    /// The event as recorded.
    pub detail: Value,
}

/// `GET /clusters/{id}/graph`: the report graph, or with
/// `view=identifiers` the identifier-centred view.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Graph {
    /// Reports and identifiers as nodes.
    Reports(ReportGraph),
    /// Linking identifiers as nodes (issue 22).
    Identifiers(IdentGraph),
}

/// The report graph of a cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportGraph {
    /// The cluster.
    pub cluster_id: ClusterId,
    /// Its reports, then the identifiers they name.
    pub nodes: Vec<ReportGraphNode>,
    /// Which report names which identifier.
    pub edges: Vec<GraphEdge>,
    /// Open suggestions between its identifiers.
    pub suggested: Vec<SuggestedEdge>,
    /// Links an analyst confirmed, report to report (issue 22).
    pub confirmed: Vec<ConfirmedEdge>,
}

/// A node of the report graph.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReportGraphNode {
    /// A report.
    Report(ReportNode),
    /// An identifier.
    Ident(IdentNode),
}

/// `report`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// A report node.
    Report,
}

/// A report in the report graph.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportNode {
    /// `r:` and the report id.
    pub id: String,
    /// `report`.
    pub kind: ReportKind,
    /// The report id.
    pub label: String,
    /// Its unit.
    #[schema(required = true)]
    pub unit: Option<String>,
    /// Its filing time (RFC 3339).
    #[schema(required = true)]
    pub filed_at: Option<String>,
}

/// An identifier in the report graph.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentNode {
    /// `i:kind:value`.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// Its value.
    #[schema(value_type = String)]
    pub label: Arc<str>,
    /// Reports of the cluster naming it.
    pub reports: usize,
    /// Reports naming it in the whole store.
    pub reports_total: usize,
    /// `links`, `benign` or `suppressed`.
    #[schema(schema_with = ident_node_state)]
    pub state: &'static str,
}

/// The states of an identifier in the report graph.
fn ident_node_state() -> Object {
    one_of(&["links", "benign", "suppressed"])
}

/// An edge between two nodes.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphEdge {
    /// One end's node id.
    pub source: String,
    /// The other end's node id.
    pub target: String,
}

/// A suggested link between two identifiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedEdge {
    /// One identifier's node id.
    pub source: String,
    /// The other's.
    pub target: String,
    /// Similarity, 0..1.
    pub score: f64,
    /// Why they are suggested.
    pub why: String,
}

/// A link an analyst confirmed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedEdge {
    /// One end's node id.
    pub source: String,
    /// The other end's node id.
    pub target: String,
    /// The analyst's basis.
    pub basis: String,
}

/// `identifiers`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IdentifiersView {
    /// The identifier-centred view.
    Identifiers,
}

/// The identifier-centred view of a cluster (docs/formats.md, issue 22).
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentGraph {
    /// The cluster.
    pub cluster_id: ClusterId,
    /// `identifiers`.
    pub view: IdentifiersView,
    /// Identifiers (and reports naming none), most reports first.
    pub nodes: Vec<ViewNodeShown>,
    /// Identifiers named together, heaviest first.
    pub edges: Vec<WeightedEdge>,
    /// Confirmed links.
    pub confirmed: Vec<ConfirmedEdge>,
    /// Reports of the cluster in the time window.
    pub reports: usize,
    /// Of those, reports that name at least one node.
    pub reports_covered: usize,
    /// Linking identifiers named by one report only (not drawn).
    pub single_report_identifiers: usize,
    /// Benign and suppressed identifiers left out.
    pub hidden_non_linking: usize,
}

/// A node of the identifier-centred view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewNodeShown {
    /// `i:kind:value`, or `r:` and a report id.
    pub id: String,
    /// The identifier's kind, or `report`.
    pub kind: String,
    /// The value, or the report id.
    #[schema(value_type = String)]
    pub label: Arc<str>,
    /// `links`, `benign`, `suppressed`, `unchecked` or `report`.
    pub state: String,
    /// Why benign or suppressed.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// Reports of the cluster (in the window) naming it.
    pub reports: usize,
    /// Units those reports were filed at.
    pub units: usize,
    /// First filing among them (RFC 3339).
    pub first_filed_at: String,
    /// Last filing among them (RFC 3339).
    pub last_filed_at: String,
}

/// Identifiers named together by reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightedEdge {
    /// One identifier's node id.
    pub source: String,
    /// The other's.
    pub target: String,
    /// Reports naming both.
    pub reports: u32,
}

/// `POST /clusters/{id}/triage`: the cluster's triage fields now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageShown {
    /// The cluster.
    pub cluster_id: ClusterId,
    /// Its status.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The team it is assigned to.
    #[schema(required = true)]
    pub assigned_team: Option<String>,
    /// Its notes.
    pub notes: String,
}

/// `GET /suggestions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// Open weak-link suggestions, strongest first.
    pub suggestions: Vec<OpenSuggestion>,
}

/// `POST /links`: what the decision did to the clusters.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDecided {
    /// For `undo`: the decision taken back.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = decision_undone)]
    pub undone: Option<String>,
    /// The cluster events it caused.
    pub events: Vec<Event>,
}

/// `GET /explain`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Explained {
    /// One report.
    pub a: String,
    /// The other.
    pub b: String,
    /// Its cluster.
    #[schema(required = true)]
    pub cluster_a: Option<ClusterId>,
    /// Its cluster.
    #[schema(required = true)]
    pub cluster_b: Option<ClusterId>,
    /// The chain that links them, or what blocks one.
    pub explanation: Explanation,
}

/// `GET /hubs`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hubs<'a> {
    /// Identifiers the hub guard suppressed, with counts and reasons.
    pub suppressed: &'a [SuppressedIdent],
}

/// `GET /openapi.json`: an OpenAPI 3.1 document (utoipa's type, which has
/// no schema of its own; this is the part a client relies on).
#[derive(Debug, ToSchema)]
// Never built: utoipa's `OpenApi` is served; this describes its shape.
#[allow(dead_code)]
pub struct OpenApiDocument {
    /// The OpenAPI version.
    openapi: String,
    /// Title, version and description.
    info: BTreeMap<String, Value>,
    /// The operations by path.
    paths: BTreeMap<String, Value>,
}

/// The `application/json` body of `POST /reports`: an array of report
/// objects (docs/formats.md section 1) or one report object. (Read as
/// bytes: a report that is an object but not a valid report is a reject,
/// listed in the answer.)
// Never built: the handler reads the body as bytes; this describes it.
#[allow(dead_code)]
pub struct PushJson;

impl PartialSchema for PushJson {
    fn schema() -> RefOr<Schema> {
        let object = || ObjectBuilder::new().schema_type(Type::Object);
        AnyOfBuilder::new()
            .item(ArrayBuilder::new().min_items(Some(1)).items(object()))
            .item(object())
            .into()
    }
}

impl ToSchema for PushJson {}

/// The body of `POST /clusters/{id}/triage`: a [`super::clusters::TriageIn`]
/// with at least one field. (utoipa 5.5 writes `min_properties` as
/// `maxProperties`, so the bound is set here.)
// Never built: the handler reads a `TriageIn`; this describes it.
#[allow(dead_code)]
pub struct TriageBody;

impl PartialSchema for TriageBody {
    fn schema() -> RefOr<Schema> {
        let mut schema = <super::clusters::TriageIn as PartialSchema>::schema();
        if let RefOr::T(Schema::Object(o)) = &mut schema {
            o.min_properties = Some(1);
        }
        schema
    }
}

impl ToSchema for TriageBody {}

/// The `application/x-ndjson` body of `POST /reports`: one report object
/// a line.
// Never built: the handler reads the body as bytes; this describes it.
#[allow(dead_code)]
pub struct PushNdjson;

impl PartialSchema for PushNdjson {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"\S"))
            .into()
    }
}

impl ToSchema for PushNdjson {}

/// The body of `POST /check`: a [`crate::engine::CheckRequest`], in which
/// something must be there to check: a narrative with text, identifiers,
/// or a victim reference. Its schema is the request's derived one, once
/// for each of the three with that field required.
// Never built: the handler reads the body as bytes; this describes it.
#[allow(dead_code)]
pub struct CheckBody;

impl PartialSchema for CheckBody {
    fn schema() -> RefOr<Schema> {
        use crate::engine::CheckRequest;
        let RefOr::T(Schema::Object(request)) = <CheckRequest as PartialSchema>::schema() else {
            return <CheckRequest as PartialSchema>::schema();
        };
        // utoipa writes an optional field as `type: [T, "null"]` with its
        // format and bounds beside; schemathesis's generator then takes ""
        // for a date-time. Written as "this, or null", they hold.
        let mut request = request;
        for property in request.properties.values_mut() {
            or_null(property);
        }
        let with = |field: &str, schema: RefOr<Schema>| {
            let mut o = request.clone();
            o.properties.insert(field.to_owned(), schema);
            o.required = vec![field.to_owned()];
            Schema::Object(o)
        };
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"\S"))
            .into();
        let identifiers = ArrayBuilder::new()
            .min_items(Some(1))
            .items(Ref::from_schema_name(
                <crate::report::RawIdentifier as ToSchema>::name(),
            ))
            .into();
        let victim = ObjectBuilder::new().schema_type(Type::String).into();
        AnyOfBuilder::new()
            .item(with("narrative", text))
            .item(with("identifiers", identifiers))
            .item(with("victim_ref", victim))
            .into()
    }
}

/// `type: [T, "null"]` rewritten as `anyOf: [{type: T, ...}, {type: null}]`
/// (the description kept outside).
fn or_null(property: &mut RefOr<Schema>) {
    fn without_null(t: &SchemaType) -> Option<SchemaType> {
        let SchemaType::Array(types) = t else {
            return None;
        };
        let rest: Vec<Type> = types
            .iter()
            .filter(|t| **t != Type::Null)
            .cloned()
            .collect();
        if rest.len() == types.len() {
            return None;
        }
        Some(match rest.as_slice() {
            [one] => SchemaType::Type(one.clone()),
            _ => SchemaType::Array(rest),
        })
    }
    let RefOr::T(schema) = property else {
        return;
    };
    let (inner, description) = match schema {
        Schema::Object(o) => {
            let Some(t) = without_null(&o.schema_type) else {
                return;
            };
            let mut inner = o.clone();
            inner.schema_type = t;
            let description = inner.description.take();
            (Schema::Object(inner), description)
        }
        Schema::Array(a) => {
            let Some(t) = without_null(&a.schema_type) else {
                return;
            };
            let mut inner = a.clone();
            inner.schema_type = t;
            let description = inner.description.take();
            (Schema::Array(inner), description)
        }
        _ => return,
    };
    let mut either = AnyOfBuilder::new()
        .item(inner)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .build();
    either.description = description;
    *property = Schema::AnyOf(either).into();
}

impl ToSchema for CheckBody {
    fn schemas(out: &mut Vec<(String, RefOr<Schema>)>) {
        <crate::engine::CheckRequest as ToSchema>::schemas(out);
    }
}
