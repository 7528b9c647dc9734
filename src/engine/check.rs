//! The intake check: does a new report belong to a known cluster, and why.

use std::sync::Arc;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cluster::{self, ClusterId, Explanation, Filing, IdentKey, IdentState};
use crate::ident::{Kind, Role};
use crate::report::{Report, ReportId};

use super::Engine;
use super::error::{EngineError, EngineResult};
use super::ingest::cents;
use super::state::State;

/// An identifier in a check answer (docs/formats.md section 4).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckIdent {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Canonical value.
    pub value: String,
    /// `structured` or `narrative`.
    pub source: crate::ident::Source,
    /// Whose (additive).
    pub role: Role,
    /// Whether it passes its check (additive).
    pub valid: bool,
    /// Why it is benign (additive).
    #[schema(required = true)]
    pub benign: Option<String>,
    /// Suppressed by the hub guard (additive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub suppressed: Option<String>,
    /// What a structured value held besides the identifier, such as the
    /// channel after a number (additive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub note: Option<String>,
}

/// A matching cluster in a check answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckMatch {
    /// Cluster id.
    pub cluster_id: ClusterId,
    /// Reports in it.
    pub size: usize,
    /// Units it reaches.
    pub units: usize,
    /// The identifiers it matched on.
    pub matched_on: Vec<MatchedOn>,
    /// Triage status (additive).
    pub status: String,
    /// Assigned team (additive).
    #[schema(required = true)]
    pub assigned_team: Option<String>,
    /// Priority (additive).
    pub score: f64,
}

/// One piece of evidence for a check match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchedOn {
    /// An identifier kind, or `victim_ref` for a refiling by the same victim.
    #[serde(rename = "type")]
    pub kind: String,
    /// The canonical value.
    pub value: String,
    /// Reports of the cluster that share it.
    pub reports: usize,
}

/// The answer to a check.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    /// Identifiers found.
    pub identifiers: Vec<CheckIdent>,
    /// Matching clusters, strongest first.
    pub matches: Vec<CheckMatch>,
    /// The request's structured identifiers that could not be read, so
    /// were not checked (additive; left out when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
    /// The check's linking identifiers named by reports pushed since the
    /// clusters were last linked, which the next re-cluster links
    /// (additive; left out when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingMatch>,
}

impl CheckAnswer {
    /// The clusters the answer shows: those it matched, then those that
    /// pending reports join; each once.
    pub fn clusters_shown(&self) -> Vec<&ClusterId> {
        let mut shown: Vec<&ClusterId> = self.matches.iter().map(|m| &m.cluster_id).collect();
        for c in self.pending.iter().flat_map(|p| &p.joins) {
            if !shown.contains(&c) {
                shown.push(c);
            }
        }
        shown
    }
}

/// An identifier of a check that reports pushed a moment ago name, found
/// before they are linked into the clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingMatch {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Its canonical value.
    pub value: String,
    /// How many of those reports name it.
    pub reports: usize,
    /// The clusters those reports join through their identifiers, as the
    /// clusters stand now (none: they start a cluster of their own).
    pub joins: Vec<ClusterId>,
}

/// A structured identifier of a check that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unreadable {
    /// Its place in the request's `identifiers`, from 0.
    pub index: usize,
    /// The field of it that is wrong (`type`, `role`, `value`).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

/// A report for a check: every field optional except that something must
/// be there to check.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckRequest {
    /// Optional id.
    #[serde(default)]
    pub id: Option<String>,
    /// Optional filing time (RFC 3339).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub filed_at: Option<String>,
    /// The statement.
    #[serde(default)]
    pub narrative: Option<String>,
    /// Structured identifiers.
    #[serde(default)]
    pub identifiers: Option<Vec<crate::report::RawIdentifier>>,
    /// Victim reference, to recognise a refiling.
    #[serde(default)]
    pub victim_ref: Option<String>,
    /// Damage, to recognise a refiling.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub amount_eur: Option<f64>,
    /// Unit (unused for matching).
    #[serde(default)]
    pub unit: Option<String>,
    /// Team (unused for matching).
    #[serde(default)]
    pub team: Option<String>,
}

impl CheckRequest {
    /// Checks what the request must hold, whoever sends it: something to
    /// check (a statement, identifiers or a victim reference), damage not
    /// below zero, and a filing time in RFC 3339 when one is given.
    /// Returns the filing time (now when none is given).
    pub fn validate(&self) -> EngineResult<OffsetDateTime> {
        let has_text = self
            .narrative
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty());
        let has_ids = self.identifiers.as_ref().is_some_and(|i| !i.is_empty());
        if !has_text && !has_ids && self.victim_ref.is_none() {
            return Err(EngineError::invalid(
                "narrative",
                "",
                "a check needs a narrative, identifiers or a victim_ref",
            ));
        }
        if let Some(a) = self.amount_eur
            && a < 0.0
        {
            return Err(EngineError::invalid(
                "amount_eur",
                a.to_string(),
                format!("amount_eur {a} is below zero"),
            ));
        }
        match &self.filed_at {
            None => Ok(OffsetDateTime::now_utc()),
            Some(t) => OffsetDateTime::parse(t.trim(), &Rfc3339).map_err(|_| {
                EngineError::invalid(
                    "filed_at",
                    t.as_str(),
                    format!("filed_at {t:?} is not an RFC 3339 date-time"),
                )
            }),
        }
    }
}

impl Engine {
    /// Refuses a check whose statement or identifiers exceed the settings'
    /// limits (`[limits]`), naming the field.
    pub fn check_limits(&self, req: &CheckRequest) -> Result<(), crate::report::ReportError> {
        self.inner.settings.limits.check(
            req.narrative.as_deref().unwrap_or_default(),
            req.identifiers.as_deref().unwrap_or_default(),
        )
    }

    /// Extracts and matches one report without storing it. Its work grows
    /// with the size of the report: callers that take reports from others
    /// hold them to [`Engine::check_limits`] first.
    /// A request that is not valid ([`CheckRequest::validate`]) is
    /// refused; a structured identifier that cannot be read is not
    /// checked and is named in the answer (`unreadable`).
    pub fn check(&self, req: &CheckRequest) -> EngineResult<CheckAnswer> {
        if let Some(answer) = self.check_while_starting(req) {
            return answer;
        }
        let mut tries = 0;
        let (state, mut answer, idents, waiting) = loop {
            let state = self.state();
            let (answer, idents) = check_against(
                &*state,
                &self.inner.extractor,
                self.inner.settings.linking.refiling_window_days,
                &|c| Ok(self.triage(c)),
                req,
            )?;
            let waiting = self.inner.pending.read().unwrap_or_else(|p| p.into_inner());
            // A state published meanwhile may hold reports that `pending`
            // no longer has and this one did not: answer again from it.
            // (A publish waits for this lock before it takes them out of
            // `pending`, so once the state is the served one they are in
            // one of the two.)
            tries += 1;
            if tries == 3 || Arc::ptr_eq(&self.state(), &state) {
                break (state, answer, idents, waiting);
            }
        };
        add_pending(&mut answer, &idents, &waiting, &|k, v| {
            state.cluster_named_by(k, v).cloned()
        });
        Ok(answer)
    }

    /// A check answered from the clusters saved for the commands, while a
    /// service opened with them builds its own (see
    /// [`Engine::checks_while_starting`]); `None` once it has built them,
    /// and for an engine not opened to serve. Reports pushed meanwhile are
    /// found as `pending`, joining the saved clusters.
    /// [`EngineError::Starting`] when the saved clusters cannot answer.
    fn check_while_starting(&self, req: &CheckRequest) -> Option<EngineResult<CheckAnswer>> {
        if self.has_clusters() || !self.inner.save_beside {
            return None;
        }
        let saved = self.opened_with().clone();
        let Some(saved) = saved else {
            // Not the store's, or found damaged by a check before.
            return Some(Err(EngineError::Starting));
        };
        let triage =
            |id: &ClusterId| self.read(|s| Ok(super::triage_in(s.triaged_cluster(id)?.as_ref())));
        let known = saved.known();
        let answer = check_against(
            &known,
            &self.inner.extractor,
            self.inner.settings.linking.refiling_window_days,
            &triage,
            req,
        );
        Some(match answer {
            Ok((mut answer, idents)) => {
                // Reports pushed since the start (they need no clusters)
                // are found as a served state's checks find them. When the
                // clusters were published meanwhile, some pushed reports
                // may have left `pending` for them: answer from them. (A
                // publish replaces the state before it takes the lock.)
                // Their clusters are read from the file after the lock is
                // let go: pushes wait for it.
                let hits: Vec<(&crate::extract::Identifier, usize, Vec<_>)> = {
                    let waiting = self.inner.pending.read().unwrap_or_else(|p| p.into_inner());
                    if self.has_clusters() {
                        return None;
                    }
                    idents
                        .iter()
                        .filter(|id| id.links())
                        .filter_map(|id| {
                            let (reports, keys) = waiting.naming_keys(id.kind, &id.value)?;
                            Some((id, reports, keys))
                        })
                        .collect()
                };
                for (id, reports, keys) in hits {
                    if answer
                        .pending
                        .iter()
                        .any(|p| p.kind == id.kind && p.value == id.value)
                    {
                        continue;
                    }
                    answer.pending.push(PendingMatch {
                        kind: id.kind,
                        value: id.value.clone(),
                        reports,
                        joins: super::pending::joins_of(&keys, &|k, v| {
                            known_cluster_named_by(&known, k, v)
                        }),
                    });
                }
                Ok(answer)
            }
            // A file that cannot be read answers no more checks: they
            // wait for the clusters being built, like other requests.
            Err(EngineError::Internal(e)) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "the saved clusters cannot answer checks while the service starts"
                );
                *self.opened_with() = None;
                Err(EngineError::Starting)
            }
            Err(e) => Err(e),
        })
    }

    /// Why two reports are (not) in one cluster.
    pub fn explain(
        &self,
        a: &str,
        b: &str,
    ) -> Result<(Explanation, Option<ClusterId>, Option<ClusterId>)> {
        let state = self.state();
        let (a, b) = (ReportId::parse(a)?, ReportId::parse(b)?);
        let e = state.graph.explain(&state.partition, &a, &b);
        Ok((
            e,
            state.cluster_of(&a).cloned(),
            state.cluster_of(&b).cloned(),
        ))
    }
}

/// Adds to `answer` what the reports pushed and not yet clustered
/// (`waiting`) hold of the check's linking identifiers (`idents`).
fn add_pending(
    answer: &mut CheckAnswer,
    idents: &[crate::extract::Identifier],
    waiting: &super::pending::Pending,
    named_by: &dyn Fn(Kind, &str) -> Option<ClusterId>,
) {
    if waiting.is_empty() {
        return;
    }
    for id in idents.iter().filter(|id| id.links()) {
        if let Some(hit) = waiting.naming(id.kind, &id.value, named_by)
            && !answer
                .pending
                .iter()
                .any(|p: &PendingMatch| p.kind == id.kind && p.value == id.value)
        {
            answer.pending.push(PendingMatch {
                kind: id.kind,
                value: id.value.clone(),
                reports: hit.reports,
                joins: hit.joins,
            });
        }
    }
}

/// The cluster an identifier links to in `known` (see
/// `State::cluster_named_by`); `None` also when it cannot be read.
fn known_cluster_named_by(known: &dyn Known, kind: Kind, value: &str) -> Option<ClusterId> {
    let key = IdentKey {
        kind,
        value: value.into(),
    };
    let (_, place) = known.ident(&key).ok()??.active?;
    Some(known.cluster(place).ok()??.id)
}

/// What a check looks up in the clusters: the served state, or the
/// clusters saved for the commands (`saved::Saved::known`), which answer
/// alike. A cluster is named by its place in rank order.
pub trait Known {
    /// What the clusters hold of an identifier: `None` when they hold
    /// nothing a check shows (no report names it, or it is benign).
    fn ident(&self, key: &IdentKey) -> Result<Option<KnownIdent>>;
    /// The reports a victim filed, in the order their numbers chain, each
    /// with its cluster's place.
    fn filings(&self, victim: &str) -> Result<Vec<(Filing, u32)>>;
    /// The cluster at a place.
    fn cluster(&self, place: u32) -> Result<Option<KnownCluster>>;
}

/// What a check shows of an identifier the clusters hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownIdent {
    /// Why the hub guard suppressed it.
    pub suppressed: Option<String>,
    /// When it links the reports naming it: how many they are, and their
    /// cluster's place.
    pub active: Option<(u64, u32)>,
    /// When it is shared between groups (suppressed, linking each group's
    /// reports apart): per side the reports naming it and their cluster.
    pub sides: Vec<(u64, u32)>,
}

impl KnownIdent {
    /// Whether a check would show anything of it.
    pub fn is_empty(&self) -> bool {
        self.suppressed.is_none() && self.active.is_none() && self.sides.is_empty()
    }
}

/// What a check match shows of its cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownCluster {
    /// Its id.
    pub id: ClusterId,
    /// Its reports.
    pub size: usize,
    /// The units it reaches.
    pub units: usize,
    /// Its priority.
    pub score: f64,
}

impl Known for State {
    fn ident(&self, key: &IdentKey) -> Result<Option<KnownIdent>> {
        Ok(self
            .graph
            .ident_number(key)
            .map(|i| self.known_ident(i))
            .filter(|k| !k.is_empty()))
    }

    fn filings(&self, victim: &str) -> Result<Vec<(Filing, u32)>> {
        Ok(self
            .reports_of_victim(victim)
            .filter_map(|n| {
                let node = self.graph.report_at(n)?;
                Some((node.filing(), self.place_of(n)?))
            })
            .collect())
    }

    fn cluster(&self, place: u32) -> Result<Option<KnownCluster>> {
        Ok(self.clusters.get(place as usize).map(known_cluster))
    }
}

impl State {
    /// The place in `clusters` of report number `n`'s cluster.
    fn place_of(&self, n: usize) -> Option<u32> {
        let place = *self.report_cluster.get(n)?;
        ((place as usize) < self.clusters.len()).then_some(place)
    }

    /// What a check shows of identifier number `i`.
    pub(super) fn known_ident(&self, i: u32) -> KnownIdent {
        let state = self.partition.state(i);
        let active = match state {
            IdentState::Active => self
                .graph
                .naming_at(i)
                .and_then(|(n, one)| Some((n as u64, self.place_of(one)?))),
            _ => None,
        };
        KnownIdent {
            suppressed: match state {
                IdentState::Suppressed(why) => Some(why.clone()),
                _ => None,
            },
            active,
            sides: cluster::Graph::shared_sides_at(&self.partition, i)
                .into_iter()
                .filter_map(|(n, one)| Some((n as u64, self.place_of(one)?)))
                .collect(),
        }
    }

    /// Each identifier a check would show something of, with it, in the
    /// order of their numbers (for the saved clusters' index).
    pub(super) fn known_idents(&self) -> impl Iterator<Item = (&IdentKey, KnownIdent)> + '_ {
        self.graph
            .idents(&self.partition)
            .enumerate()
            .map(|(i, (key, _, _))| (key, self.known_ident(i as u32)))
            .filter(|(_, k)| !k.is_empty())
    }

    /// Each victim with the reports they filed (see [`Known::filings`]).
    pub(super) fn known_victims(&self) -> impl Iterator<Item = (&str, Vec<(Filing, u32)>)> + '_ {
        self.victim_first.iter().filter_map(|&(_, first)| {
            let victim = self.graph.victim_at(first as usize)?;
            Some((victim, Known::filings(self, victim).unwrap_or_default()))
        })
    }

    /// Each cluster as a check match shows it, in rank order.
    /// (One for every place: the saved file finds a cluster by its place.)
    pub(super) fn known_clusters(&self) -> impl Iterator<Item = KnownCluster> + '_ {
        self.clusters.iter().map(known_cluster)
    }
}

/// What a check match shows of a cluster.
fn known_cluster(c: &super::ClusterSummary) -> KnownCluster {
    KnownCluster {
        id: c.cluster_id.clone(),
        size: c.size,
        units: c.units.len(),
        score: c.score,
    }
}

/// Extracts and matches one report against `known`, without the reports
/// pushed since the clusters were built (`pending`, a serving engine's):
/// the answer, and the identifiers found.
pub fn check_against(
    known: &dyn Known,
    extractor: &crate::extract::Extractor,
    refiling_window_days: i64,
    triage: &dyn Fn(&ClusterId) -> Result<super::Triage>,
    req: &CheckRequest,
) -> EngineResult<(CheckAnswer, Vec<crate::extract::Identifier>)> {
    let filed_at = req.validate()?;
    let raw_ids = req.identifiers.as_deref().unwrap_or_default();
    let mut structured = Vec::new();
    let mut unreadable = Vec::new();
    for (index, ri) in raw_ids.iter().enumerate() {
        match crate::report::structured_identifier(ri) {
            Ok(si) => structured.push(si),
            Err((field, reason)) => unreadable.push(Unreadable {
                index,
                field: field.to_owned(),
                reason,
            }),
        }
    }
    let report = Report {
        // A check's id only names it in the answer and the log; one
        // that is no report id is not needed to check.
        id: ReportId::parse(req.id.as_deref().unwrap_or("check"))
            .unwrap_or_else(|_| ReportId::parse("check").expect("a literal id is valid")),
        filed_at,
        incident_at: None,
        unit: req.unit.clone().unwrap_or_default(),
        team: req.team.clone().unwrap_or_default(),
        municipality: None,
        fraud_type: None,
        amount_eur: req.amount_eur,
        narrative: req.narrative.clone().unwrap_or_default(),
        identifiers: structured,
        victim_ref: req.victim_ref.clone(),
        warnings: Vec::new(),
    };
    let idents = extractor.extract(&report);
    // Per cluster place, the evidence, in the order found.
    let mut matched: rustc_hash::FxHashMap<u32, Vec<MatchedOn>> = Default::default();
    let mut evidence = |place: u32, on: MatchedOn| matched.entry(place).or_default().push(on);
    let mut out_idents = Vec::with_capacity(idents.len());
    for id in &idents {
        let key = IdentKey {
            kind: id.kind,
            value: id.value.as_str().into(),
        };
        let known = known.ident(&key)?.unwrap_or_default();
        if id.links() {
            // An active identifier links every report naming it, so they
            // all lie in one cluster. A money mule shared by groups: every
            // group's cluster is a candidate, each matched on the reports
            // of its side.
            for &(n, place) in known.active.iter().chain(&known.sides) {
                evidence(
                    place,
                    MatchedOn {
                        kind: id.kind.as_str().to_owned(),
                        value: id.value.clone(),
                        reports: n as usize,
                    },
                );
            }
        }
        out_idents.push(CheckIdent {
            kind: id.kind,
            value: id.value.clone(),
            source: id.source,
            role: id.role,
            valid: id.valid,
            benign: id.benign.clone(),
            suppressed: known.suppressed,
            note: id.note.clone(),
        });
    }
    // A refiling: the same victim, the same damage or a supplement.
    if let Some(v) = report.victim_ref.as_deref() {
        let me = Filing {
            filed_at: report.filed_at.unix_timestamp(),
            amount_cents: report.amount_eur.map(cents),
            supplement: crate::extract::is_supplement(&report.narrative),
        };
        let window = refiling_window_days.saturating_mul(86_400);
        for (other, place) in known.filings(v)? {
            if me.refiles(other, window) {
                evidence(
                    place,
                    MatchedOn {
                        kind: "victim_ref".to_owned(),
                        value: v.to_owned(),
                        reports: 1,
                    },
                );
            }
        }
    }
    let mut matches = Vec::with_capacity(matched.len());
    for (place, on) in matched {
        let Some(c) = known.cluster(place)? else {
            continue;
        };
        let triage = triage(&c.id)?;
        matches.push(CheckMatch {
            cluster_id: c.id,
            size: c.size,
            units: c.units,
            matched_on: on,
            status: triage.status,
            assigned_team: triage.assigned_team,
            score: c.score,
        });
    }
    matches.sort_by(|a, b| {
        b.matched_on
            .len()
            .cmp(&a.matched_on.len())
            .then(b.size.cmp(&a.size))
            .then(a.cluster_id.cmp(&b.cluster_id))
    });
    let answer = CheckAnswer {
        identifiers: out_idents,
        matches,
        unreadable,
        pending: Vec::new(),
    };
    Ok((answer, idents))
}
