//! The clusters saved to disk: what the command line shows of them,
//! written by the process that owns the data directory (`serve`, `ingest`,
//! ...) after each re-cluster, with the store revision it reflects.
//!
//! `clusters`, `cluster show`, `export`, `hubs`, `suggestions`,
//! `explain` and `check` read it
//! instead of rebuilding the clusters (seconds at a million reports), so
//! they answer in well under a second, also while `serve` runs. A reader
//! compares the revision with the store's to tell whether it is current
//! (see [`Saved::stamp`] and `reader`).
//!
//! The file, `state/clusters.bin` in the data directory, is derived like
//! the search index: a new one is written beside the old and renamed over
//! it, so a reader always has one whole file, and `restore` removes it.
//! It holds, one after the other:
//!
//! - the clusters in rank order, each record a little-endian `u32` length
//!   and its postcard encoding: the summary first (all that `clusters` and
//!   the NDJSON export decode), then the detail (a row per report, the
//!   identifiers that do not link, which report names which, the
//!   suggestions touching it);
//! - the cluster ids, sorted, each with its record's offset;
//! - the open suggestions, strongest first, as records, and their offsets;
//! - the graph of reports and identifiers for `explain`
//!   (`cluster::FrozenGraph`);
//! - what a check looks up, for `check` (see `known`);
//! - the header (format, stamp, the names the rows number, the identifiers
//!   the hub guard suppressed, where each part starts), then its length as
//!   a little-endian `u64` and [`MAGIC`].
//!
//! The records are this module's own types, not the wire types: the file
//! changes only with [`FORMAT`], whatever is added to the API's JSON.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::cluster::{ClusterId, FrozenGraph, IdentKey, IdentState};
use crate::engine::{
    ClusterDetail, ClusterIdent, ClusterSummary, DetailRow, OpenSuggestion, ScoreFigures,
    ScoreParts, SuppressedIdent,
};
use crate::ident::Kind;
use crate::report::ReportId;
use crate::store::Revisions;
use crate::suggest::{Basis, Suggestion};

mod known;

pub use known::SavedKnown;

/// The folder of the saved state inside the data directory.
pub const STATE_DIR: &str = "state";

/// The saved clusters' file inside [`STATE_DIR`].
pub const FILE: &str = "clusters.bin";

/// The last eight bytes of a whole file.
const MAGIC: &[u8; 8] = b"FLSTATE\n";

/// The layout this code writes and reads; a file of another is ignored
/// (and rewritten by the next re-cluster). 2: the score's recency part
/// (issue 22). 3: what a check looks up (`known`).
///
/// Bump it also with any change of code that links, numbers or scores
/// the same store differently (the graph, the hub guard, the shared rule,
/// stable ids, the score): a file is taken as current when the store's
/// counters and the settings match its stamp, which says nothing of the
/// code that wrote it. An old file would then be served to the commands,
/// and `ingest` would skip its rebuild on open, reporting the upgrade's
/// changes as its own. The integration test
/// `issue_23_a_change_of_what_is_linked_comes_with_a_new_saved_format`
/// records what a fixed input links to under this format, and fails when
/// that changes without a bump.
pub const FORMAT: u32 = 3;

/// What a saved state reflects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The store's counters when the clusters were built.
    pub revisions: Revisions,
    /// The store's generation (its report write counter) then.
    pub generation: i64,
    /// When it was written, Unix seconds.
    pub saved_at: i64,
    /// Reports in the clusters.
    pub reports: u64,
    /// Clusters, singletons included.
    pub clusters: u64,
    /// Open suggestions.
    pub suggestions: u64,
    /// A fingerprint of the settings the clusters were built with (see
    /// [`settings_fingerprint`]).
    pub settings: u64,
    /// A fingerprint of the settings what a check reads depends on (see
    /// [`check_fingerprint`]).
    pub check_settings: u64,
}

/// A fingerprint of the settings that shape the clusters (linking, weak
/// links, priority, allowlist, region): a process that owns the data
/// directory with other settings saves its own clusters even when the
/// store has not changed.
pub fn settings_fingerprint(s: &crate::config::Settings) -> u64 {
    let text = format!(
        "{:?}{:?}{:?}{:?}{:?}",
        s.linking, s.weak, s.priority, s.allowlist, s.default_region
    );
    fnv1a(text.bytes())
}

/// A fingerprint of the settings that shape what a check reads of the
/// saved clusters: the linking (the clusters and the identifiers' states)
/// and the priority (the scores). The region and the allowlist shape only
/// what is extracted from a report (the store keeps what was extracted at
/// import), so a check with `--region` or another allowlist reads the
/// same clusters as the owner that saved them.
pub fn check_fingerprint(s: &crate::config::Settings) -> u64 {
    fnv1a(format!("{:?}{:?}", s.linking, s.priority).bytes())
}

/// 64-bit FNV-1a: stable across runs and builds, unlike the std hasher.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where a part of the file starts and how long it is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Part {
    at: u64,
    len: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    stamp: Stamp,
    names: Vec<String>,
    /// Each team reports were filed by, with their number.
    teams: Vec<(String, u64)>,
    suppressed: Vec<SavedHub>,
    clusters: Part,
    ids: Part,
    suggestions: Part,
    suggestion_offsets: Part,
    graph: Part,
    known: known::KnownParts,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedHub {
    kind: Kind,
    value: String,
    reports: u64,
    reason: String,
}

/// The summary part of a cluster record.
#[derive(Debug, Serialize, Deserialize)]
struct SavedSummary {
    id: String,
    report_ids: Vec<String>,
    /// Numbers in the header's `names`.
    units: Vec<u32>,
    teams: Vec<u32>,
    /// The linking identifiers with the reports naming them, in the
    /// summary's order.
    identifiers: Vec<(Kind, String, u64)>,
    amount_eur_total: f64,
    first_filed_at: i64,
    last_filed_at: i64,
    score: f64,
    /// reports, victims, units, teams, damage, growth, recency, actionable.
    parts: [f64; 8],
    /// victims, growth_14d, growth_30d.
    counts: [u64; 3],
    /// dutch_iban, dutch_phone, nl_domain.
    flags: [bool; 3],
    fraud_types: Vec<String>,
}

/// A report's row: filed_at, amount, unit, team, fraud type (names by
/// number).
type SavedRow = (i64, Option<f64>, u32, u32, Option<u32>);

/// The detail part of a cluster record.
#[derive(Debug, Serialize, Deserialize)]
struct SavedDetail {
    rows: Vec<Option<SavedRow>>,
    /// Every identifier the reports name, as `ClusterDetail::identifiers`
    /// orders them: kind, value, reports here, reports in all, state
    /// (0 links, 1 benign, 2 suppressed) and why.
    identifiers: Vec<(Kind, String, u64, u64, u8, String)>,
    links: Vec<(u32, u32)>,
    suggestions: Vec<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedSuggestion {
    a: (Kind, String),
    b: (Kind, String),
    basis: String,
    score: f64,
    a_reports: Vec<String>,
    b_reports: Vec<String>,
    a_clusters: Vec<String>,
    b_clusters: Vec<String>,
}

/// The saved state's file in a data directory.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(STATE_DIR).join(FILE)
}

/// Removes the saved state (after the store was replaced by a backup):
/// the next process that owns the data directory writes it again.
pub fn remove(data_dir: &Path) -> Result<()> {
    let file = path(data_dir);
    match fs::remove_file(&file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", file.display())),
    }
}

/// Writes a saved state: the clusters in rank order, then the suggestions,
/// then [`Writer::finish`]. Nothing replaces the current file before
/// `finish`; a writer dropped before it leaves the old file.
pub struct Writer {
    out: BufWriter<File>,
    partial: PathBuf,
    target: PathBuf,
    at: u64,
    names: HashMap<Arc<str>, u32>,
    name_list: Vec<String>,
    ids: Vec<(String, u64)>,
    clusters: Part,
    suggestion_offsets: Vec<u64>,
    suggestions: Part,
    graph: Part,
    known: known::KnownParts,
    buf: Vec<u8>,
}

impl Writer {
    /// Starts a new file in `data_dir`'s [`STATE_DIR`], with the unit,
    /// team and fraud-type `names` the rows use.
    pub fn create(data_dir: &Path, names: &[Arc<str>]) -> Result<Writer> {
        // Report data: the service user's alone (see `private`).
        let dir = data_dir.join(STATE_DIR);
        crate::private::create_dir(&dir)?;
        let target = dir.join(FILE);
        let partial = dir.join(format!("{FILE}.partial"));
        let file = crate::private::create_file(&partial)?;
        Ok(Writer {
            out: BufWriter::with_capacity(1 << 20, file),
            partial,
            target,
            at: 0,
            names: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i as u32))
                .collect(),
            name_list: names.iter().map(|n| n.to_string()).collect(),
            ids: Vec::new(),
            clusters: Part::default(),
            suggestion_offsets: Vec::new(),
            suggestions: Part::default(),
            graph: Part::default(),
            known: known::KnownParts::default(),
            buf: Vec::new(),
        })
    }

    fn name(&mut self, n: &Arc<str>) -> u32 {
        if let Some(&i) = self.names.get(n) {
            return i;
        }
        let i = self.name_list.len() as u32;
        self.name_list.push(n.to_string());
        self.names.insert(n.clone(), i);
        i
    }

    /// Appends `len` and the encoded record in `self.buf`.
    fn record(&mut self) -> Result<u64> {
        let at = self.at;
        let len = u32::try_from(self.buf.len()).context("a saved record over 4 GB")?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&self.buf)?;
        self.at += 4 + u64::from(len);
        Ok(at)
    }

    /// Appends the next cluster in rank order.
    pub fn cluster(&mut self, d: &ClusterDetail) -> Result<()> {
        let s = &d.summary;
        let units = s.units.iter().map(|u| self.name(u)).collect();
        let teams = s.teams.iter().map(|t| self.name(t)).collect();
        let summary = SavedSummary {
            id: s.cluster_id.as_str().to_owned(),
            report_ids: s.report_ids.iter().map(|r| r.as_str().to_owned()).collect(),
            units,
            teams,
            identifiers: s
                .identifiers
                .iter()
                .map(|i| (i.kind, i.value.to_string(), i.reports as u64))
                .collect(),
            amount_eur_total: s.amount_eur_total,
            first_filed_at: s.first_filed_at,
            last_filed_at: s.last_filed_at,
            score: s.score,
            parts: {
                let p = &s.score_parts;
                [
                    p.reports,
                    p.victims,
                    p.units,
                    p.teams,
                    p.damage,
                    p.growth,
                    p.recency,
                    p.actionable,
                ]
            },
            counts: {
                let f = &s.score_parts.figures;
                [f.victims as u64, f.growth_14d as u64, f.growth_30d as u64]
            },
            flags: {
                let f = &s.score_parts.figures;
                [f.dutch_iban, f.dutch_phone, f.nl_domain]
            },
            fraud_types: s.fraud_types.iter().map(|t| t.to_string()).collect(),
        };
        let mut rows = Vec::with_capacity(d.rows.len());
        for r in &d.rows {
            rows.push(match r {
                Some(r) => {
                    let (unit, team) = (self.name(&r.unit), self.name(&r.team));
                    let fraud_type = r.fraud_type.as_ref().map(|t| self.name(t));
                    Some((r.filed_at, r.amount_eur, unit, team, fraud_type))
                }
                None => None,
            });
        }
        let detail = SavedDetail {
            rows,
            identifiers: d
                .identifiers
                .iter()
                .map(|(i, state, total)| {
                    let (code, why) = match state {
                        IdentState::Active => (0, String::new()),
                        IdentState::Benign(w) => (1, w.clone()),
                        IdentState::Suppressed(w) => (2, w.clone()),
                    };
                    (
                        i.kind,
                        i.value.to_string(),
                        i.reports as u64,
                        *total as u64,
                        code,
                        why,
                    )
                })
                .collect(),
            links: d.links.clone(),
            suggestions: d.suggestions.clone(),
        };
        self.buf.clear();
        postcard::to_io(&summary, &mut self.buf)?;
        postcard::to_io(&detail, &mut self.buf)?;
        let at = self.record()?;
        self.ids.push((summary.id, at));
        self.clusters.len = self.at - self.clusters.at;
        Ok(())
    }

    /// Appends the next open suggestion, strongest first (after the
    /// clusters).
    pub fn suggestion(&mut self, s: &OpenSuggestion) -> Result<()> {
        if self.suggestion_offsets.is_empty() {
            self.suggestions.at = self.at;
        }
        let key = |k: &IdentKey| (k.kind, k.value.to_string());
        let ids = |r: &[ReportId]| r.iter().map(|r| r.as_str().to_owned()).collect();
        let clusters = |c: &[ClusterId]| c.iter().map(|c| c.as_str().to_owned()).collect();
        let saved = SavedSuggestion {
            a: key(&s.suggestion.a),
            b: key(&s.suggestion.b),
            basis: s.suggestion.basis.as_str().to_owned(),
            score: s.suggestion.score,
            a_reports: ids(&s.a_reports),
            b_reports: ids(&s.b_reports),
            a_clusters: clusters(&s.a_clusters),
            b_clusters: clusters(&s.b_clusters),
        };
        self.buf.clear();
        postcard::to_io(&saved, &mut self.buf)?;
        let at = self.record()?;
        self.suggestion_offsets.push(at);
        self.suggestions.len = self.at - self.suggestions.at;
        Ok(())
    }

    /// Appends the graph for `explain` (after the suggestions).
    pub fn graph(&mut self, g: &FrozenGraph) -> Result<()> {
        let at = self.at;
        let mut len = 0u64;
        let out = &mut self.out;
        g.to_bytes(&mut |b| {
            len += b.len() as u64;
            out.write_all(b)
        })?;
        self.at += len;
        self.graph = Part { at, len };
        Ok(())
    }

    /// Writes the index and the header and puts the file in place of the
    /// last one.
    pub fn finish(
        mut self,
        stamp: Stamp,
        suppressed: &[SuppressedIdent],
        teams: &[(&str, usize)],
    ) -> Result<()> {
        let suggestions = self.suggestions;
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        let ids_at = self.at;
        self.buf.clear();
        postcard::to_io(&ids, &mut self.buf)?;
        self.out.write_all(&self.buf)?;
        self.at += self.buf.len() as u64;
        let ids = Part {
            at: ids_at,
            len: self.at - ids_at,
        };
        let offsets_at = self.at;
        self.buf.clear();
        postcard::to_io(&self.suggestion_offsets, &mut self.buf)?;
        self.out.write_all(&self.buf)?;
        self.at += self.buf.len() as u64;
        let header = Header {
            format: FORMAT,
            stamp,
            names: std::mem::take(&mut self.name_list),
            teams: teams
                .iter()
                .map(|(t, n)| ((*t).to_owned(), *n as u64))
                .collect(),
            suppressed: suppressed
                .iter()
                .map(|h| SavedHub {
                    kind: h.kind,
                    value: h.value.to_string(),
                    reports: h.reports as u64,
                    reason: h.reason.clone(),
                })
                .collect(),
            clusters: self.clusters,
            ids,
            suggestions,
            suggestion_offsets: Part {
                at: offsets_at,
                len: self.at - offsets_at,
            },
            graph: self.graph,
            known: self.known,
        };
        self.buf.clear();
        postcard::to_io(&header, &mut self.buf)?;
        self.out.write_all(&self.buf)?;
        self.out.write_all(&(self.buf.len() as u64).to_le_bytes())?;
        self.out.write_all(MAGIC)?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", self.partial.display()))?;
        drop(file);
        fs::rename(&self.partial, &self.target).with_context(|| {
            format!(
                "renaming {} to {}",
                self.partial.display(),
                self.target.display()
            )
        })
    }
}

/// A saved state opened for reading. The file may be replaced while it is
/// open; what this reads stays the one it opened.
pub struct Saved {
    file: File,
    path: PathBuf,
    header: Header,
    names: Vec<Arc<str>>,
}

/// The error of a read that found the saved clusters damaged (a record
/// or a part that does not decode, though the header did). The file is
/// only a cache of the store: a command that meets this removes it and
/// reads the clusters again, rebuilt (see `reader`).
#[derive(Debug)]
pub struct Damaged(pub PathBuf);

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the saved clusters in {} are damaged", self.0.display())
    }
}

impl Saved {
    /// Opens the saved state of `data_dir`; `None` when there is none, or
    /// one of another [`FORMAT`] or that was not written to its end (the
    /// next re-cluster writes a new one).
    pub fn open(data_dir: &Path) -> Result<Option<Saved>> {
        let file_path = path(data_dir);
        let mut file = match File::open(&file_path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("opening {}", file_path.display())),
        };
        let Some(header) =
            read_header(&mut file).with_context(|| format!("reading {}", file_path.display()))?
        else {
            return Ok(None);
        };
        let names = header.names.iter().map(|n| Arc::from(n.as_str())).collect();
        Ok(Some(Saved {
            file,
            path: file_path,
            header,
            names,
        }))
    }

    /// What the saved state reflects.
    pub fn stamp(&self) -> &Stamp {
        &self.header.stamp
    }

    /// Each team reports were filed by, with their number.
    pub fn team_names(&self) -> Vec<(String, usize)> {
        self.header
            .teams
            .iter()
            .map(|(t, n)| (t.clone(), *n as usize))
            .collect()
    }

    /// The identifiers the hub guard suppressed, most reports first.
    pub fn suppressed(&self) -> Vec<SuppressedIdent> {
        self.header
            .suppressed
            .iter()
            .map(|h| SuppressedIdent {
                kind: h.kind,
                value: Arc::from(h.value.as_str()),
                reports: h.reports as usize,
                reason: h.reason.clone(),
            })
            .collect()
    }

    /// A reader of the records of `part`, from its start.
    fn records(&self, part: Part) -> Result<Records> {
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(part.at))?;
        Ok(Records {
            input: BufReader::with_capacity(1 << 20, file),
            left: part.len,
            buf: Vec::new(),
        })
    }

    /// Calls `f` with each cluster's summary in rank order until it
    /// returns false. Only the summaries are decoded.
    pub fn each_summary(&self, mut f: impl FnMut(ClusterSummary) -> Result<bool>) -> Result<()> {
        let mut records = self.damaged(self.records(self.header.clusters))?;
        loop {
            let next = records.next_record().and_then(|bytes| {
                bytes
                    .map(|bytes| {
                        let (s, _) = postcard::take_from_bytes::<SavedSummary>(bytes)
                            .context("decoding a saved cluster")?;
                        self.summary(s)
                    })
                    .transpose()
            });
            let Some(c) = self.damaged(next)? else {
                return Ok(());
            };
            if !f(c)? {
                return Ok(());
            }
        }
    }

    /// Calls `f` with each cluster in full, in rank order, until it
    /// returns false.
    pub fn each_detail(&self, mut f: impl FnMut(ClusterDetail) -> Result<bool>) -> Result<()> {
        let mut records = self.damaged(self.records(self.header.clusters))?;
        loop {
            let next = records
                .next_record()
                .and_then(|bytes| bytes.map(|bytes| self.detail(bytes)).transpose());
            let Some(d) = self.damaged(next)? else {
                return Ok(());
            };
            if !f(d)? {
                return Ok(());
            }
        }
    }

    /// One live cluster in full.
    pub fn cluster(&self, id: &ClusterId) -> Result<Option<ClusterDetail>> {
        self.damaged(self.read_cluster(id))
    }

    fn read_cluster(&self, id: &ClusterId) -> Result<Option<ClusterDetail>> {
        let mut input = self.file.try_clone()?;
        let ids: Vec<(String, u64)> = {
            let bytes = read_part(&mut input, self.header.ids)?;
            postcard::from_bytes(&bytes).context("decoding the saved cluster ids")?
        };
        let Ok(i) = ids.binary_search_by(|(c, _)| c.as_str().cmp(id.as_str())) else {
            return Ok(None);
        };
        let at = ids[i].1;
        let end = self.header.clusters.at + self.header.clusters.len;
        let mut records = self.records(Part {
            at,
            len: end.saturating_sub(at),
        })?;
        match records.next_record()? {
            Some(bytes) => Ok(Some(self.detail(bytes)?)),
            None => bail!("the saved state's index points past its clusters"),
        }
    }

    /// The first `limit` open suggestions, strongest first.
    pub fn suggestions(&self, limit: usize) -> Result<Vec<OpenSuggestion>> {
        self.damaged(self.read_suggestions(limit))
    }

    fn read_suggestions(&self, limit: usize) -> Result<Vec<OpenSuggestion>> {
        let mut out = Vec::new();
        let mut records = self.records(self.header.suggestions)?;
        while out.len() < limit {
            let Some(bytes) = records.next_record()? else {
                break;
            };
            out.push(open_suggestion(bytes)?);
        }
        Ok(out)
    }

    /// The open suggestions at these positions (as a cluster's detail
    /// lists them).
    pub fn suggestions_at(&self, positions: &[u32]) -> Result<Vec<OpenSuggestion>> {
        self.damaged(self.read_suggestions_at(positions))
    }

    fn read_suggestions_at(&self, positions: &[u32]) -> Result<Vec<OpenSuggestion>> {
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = self.file.try_clone()?;
        let offsets: Vec<u64> = {
            let bytes = read_part(&mut input, self.header.suggestion_offsets)?;
            postcard::from_bytes(&bytes).context("decoding the saved suggestion offsets")?
        };
        let mut out = Vec::with_capacity(positions.len());
        for &p in positions {
            let Some(&at) = offsets.get(p as usize) else {
                bail!("the saved state names suggestion {p} of {}", offsets.len());
            };
            let end = self.header.suggestions.at + self.header.suggestions.len;
            let mut records = self.records(Part {
                at,
                len: end.saturating_sub(at),
            })?;
            match records.next_record()? {
                Some(bytes) => out.push(open_suggestion(bytes)?),
                None => bail!("the saved state's suggestion {p} is missing"),
            }
        }
        Ok(out)
    }

    /// The graph, for `explain`.
    pub fn graph(&self) -> Result<FrozenGraph> {
        self.damaged((|| {
            let mut input = self.file.try_clone()?;
            let bytes = read_part(&mut input, self.header.graph)?;
            FrozenGraph::from_bytes(&bytes).map_err(|e| anyhow::anyhow!(e))
        })())
    }

    /// Marks an error of reading the file as [`Damaged`].
    fn damaged<T>(&self, r: Result<T>) -> Result<T> {
        r.map_err(|e| e.context(Damaged(self.path.clone())))
    }

    fn name(&self, n: u32) -> Result<Arc<str>> {
        self.names
            .get(n as usize)
            .cloned()
            .with_context(|| format!("the saved state names no name {n}"))
    }

    fn summary(&self, s: SavedSummary) -> Result<ClusterSummary> {
        let report_ids = s
            .report_ids
            .iter()
            .map(|r| ReportId::parse(r).with_context(|| format!("saved report id {r:?}")))
            .collect::<Result<Vec<_>>>()?;
        let names = |list: &[u32]| -> Result<Box<[Arc<str>]>> {
            list.iter().map(|&n| self.name(n)).collect()
        };
        let [
            reports,
            victims,
            units,
            teams,
            damage,
            growth,
            recency,
            actionable,
        ] = s.parts;
        let [victim_count, growth_14d, growth_30d] = s.counts;
        let [dutch_iban, dutch_phone, nl_domain] = s.flags;
        Ok(ClusterSummary {
            cluster_id: ClusterId::new(s.id),
            size: report_ids.len(),
            report_ids: report_ids.into(),
            units: names(&s.units)?,
            teams: names(&s.teams)?,
            identifiers: s
                .identifiers
                .into_iter()
                .map(|(kind, value, reports)| ClusterIdent {
                    kind,
                    value: Arc::from(value),
                    reports: reports as usize,
                })
                .collect(),
            amount_eur_total: s.amount_eur_total,
            first_filed_at: s.first_filed_at,
            last_filed_at: s.last_filed_at,
            score: s.score,
            score_parts: ScoreParts {
                reports,
                victims,
                units,
                teams,
                damage,
                growth,
                recency,
                actionable,
                figures: ScoreFigures {
                    victims: victim_count as usize,
                    growth_14d: growth_14d as usize,
                    growth_30d: growth_30d as usize,
                    dutch_iban,
                    dutch_phone,
                    nl_domain,
                },
            },
            fraud_types: s
                .fraud_types
                .into_iter()
                .map(std::borrow::Cow::Owned)
                .collect(),
        })
    }

    fn detail(&self, bytes: &[u8]) -> Result<ClusterDetail> {
        let (s, rest) =
            postcard::take_from_bytes::<SavedSummary>(bytes).context("decoding a saved cluster")?;
        let d: SavedDetail = postcard::from_bytes(rest).context("decoding a saved cluster")?;
        let summary = self.summary(s)?;
        let rows = d
            .rows
            .into_iter()
            .map(|r| {
                r.map(|(filed_at, amount_eur, unit, team, fraud_type)| {
                    Ok(DetailRow {
                        filed_at,
                        amount_eur,
                        unit: self.name(unit)?,
                        team: self.name(team)?,
                        fraud_type: fraud_type.map(|t| self.name(t)).transpose()?,
                    })
                })
                .transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        let identifiers = d
            .identifiers
            .into_iter()
            .map(|(kind, value, reports, total, state, why)| {
                let state = match state {
                    0 => IdentState::Active,
                    1 => IdentState::Benign(why),
                    _ => IdentState::Suppressed(why),
                };
                (
                    ClusterIdent {
                        kind,
                        value: Arc::from(value),
                        reports: reports as usize,
                    },
                    state,
                    total as usize,
                )
            })
            .collect();
        Ok(ClusterDetail {
            summary,
            rows,
            identifiers,
            links: d.links,
            suggestions: d.suggestions,
        })
    }
}

/// Reads length-prefixed records of one part of the file.
struct Records {
    input: BufReader<File>,
    left: u64,
    buf: Vec<u8>,
}

impl Records {
    fn next_record(&mut self) -> Result<Option<&[u8]>> {
        if self.left == 0 {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.input.read_exact(&mut len)?;
        let len = u32::from_le_bytes(len) as usize;
        if 4 + len as u64 > self.left {
            bail!("a saved record runs past its part of the file");
        }
        self.buf.resize(len, 0);
        self.input.read_exact(&mut self.buf)?;
        self.left -= 4 + len as u64;
        Ok(Some(&self.buf))
    }
}

fn read_part(file: &mut File, part: Part) -> Result<Vec<u8>> {
    file.seek(SeekFrom::Start(part.at))?;
    let mut bytes = vec![0u8; usize::try_from(part.len)?];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// The header, or `None` for a file that does not end with a header of
/// this [`FORMAT`].
fn read_header(file: &mut File) -> Result<Option<Header>> {
    let size = file.seek(SeekFrom::End(0))?;
    if size < 16 {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(size - 16))?;
    let mut tail = [0u8; 16];
    file.read_exact(&mut tail)?;
    if &tail[8..] != MAGIC {
        return Ok(None);
    }
    let len = u64::from_le_bytes(tail[..8].try_into().expect("eight bytes"));
    if len > size - 16 {
        return Ok(None);
    }
    let bytes = read_part(
        file,
        Part {
            at: size - 16 - len,
            len,
        },
    )?;
    let body = size - 16 - len;
    let within = |p: Part| p.at.checked_add(p.len).is_some_and(|end| end <= body);
    match postcard::from_bytes::<Header>(&bytes) {
        Ok(h)
            if h.format == FORMAT
                && [
                    h.clusters,
                    h.ids,
                    h.suggestions,
                    h.suggestion_offsets,
                    h.graph,
                ]
                .into_iter()
                .chain(h.known.all())
                .all(within)
                && h.known.fits(&h.stamp) =>
        {
            Ok(Some(h))
        }
        _ => Ok(None),
    }
}

fn open_suggestion(bytes: &[u8]) -> Result<OpenSuggestion> {
    let s: SavedSuggestion = postcard::from_bytes(bytes).context("decoding a saved suggestion")?;
    let key = |(kind, value): (Kind, String)| IdentKey {
        kind,
        value: Arc::from(value),
    };
    let reports = |list: Vec<String>| -> Result<Vec<ReportId>> {
        list.iter()
            .map(|r| ReportId::parse(r).with_context(|| format!("saved report id {r:?}")))
            .collect()
    };
    let clusters = |list: Vec<String>| list.into_iter().map(ClusterId::new).collect();
    Ok(OpenSuggestion {
        suggestion: Suggestion {
            a: key(s.a),
            b: key(s.b),
            basis: Basis::from_name(&s.basis)
                .with_context(|| format!("saved suggestion basis {:?}", s.basis))?,
            score: s.score,
        },
        a_reports: reports(s.a_reports)?,
        b_reports: reports(s.b_reports)?,
        a_clusters: clusters(s.a_clusters),
        b_clusters: clusters(s.b_clusters),
    })
}
