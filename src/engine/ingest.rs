//! Ingest: NDJSON lines and pushed reports to the store and the index,
//! with a clear rejection per bad line.

use std::io::BufRead;

use anyhow::{Context, Result};
use serde::Serialize;
use time::OffsetDateTime;
use tracing::{instrument, warn};

use crate::cluster::{Event, ReportNode};
use crate::extract::{Extractor, Identifier};
use crate::index::IndexDoc;
use crate::report::{Report, ReportError};
use crate::store::{BatchCounts, LinkRow};

use super::Engine;

/// The outcome of one ingest run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    /// New reports.
    pub accepted: usize,
    /// Changed reports.
    pub updated: usize,
    /// Identical re-imports.
    pub unchanged: usize,
    /// Refused lines.
    pub rejected: usize,
    /// Batches committed.
    pub batches: usize,
    /// Clusters created.
    pub new_clusters: usize,
    /// Clusters that grew.
    pub grown_clusters: usize,
    /// Merges.
    pub merges: usize,
}

/// One refused line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    /// 1-based line number.
    pub line: usize,
    /// The report id, when the line had one.
    #[schema(required = true)]
    pub id: Option<String>,
    /// The field at fault.
    pub field: String,
    /// The reason.
    pub error: String,
    /// The line as read (truncated to 10,000 characters).
    pub raw: String,
}

/// A push refused as a whole because a report in it is not the writer's
/// to write: it names another team, or its id is stored for another team
/// (which team is not said). Nothing of the push is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {detail}")]
pub struct PushRefused {
    /// The report's line (1-based) in the push.
    pub line: usize,
    /// Its id.
    pub id: String,
    /// The field at fault (`team`), when one is.
    pub field: Option<&'static str>,
    /// Why, for the caller.
    pub detail: String,
}

impl Engine {
    /// Ingests NDJSON reports from `input`. Bad lines go to `rejects` with
    /// their line number and reason; good lines are committed in batches;
    /// `on_batch` is told about each committed batch (the acknowledgement).
    #[instrument(skip(self, input, rejects, on_batch))]
    pub fn ingest(
        &self,
        source: &str,
        input: impl BufRead,
        rejects: &mut dyn FnMut(&Rejection) -> Result<()>,
        on_batch: &mut dyn FnMut(i64, &BatchCounts, usize),
    ) -> Result<IngestSummary> {
        let batch_size = self.inner.settings.ingest.batch_size.max(1);
        let mut summary = IngestSummary::default();
        let mut batch: Vec<(Report, String, Vec<Identifier>)> = Vec::with_capacity(batch_size);
        let mut batch_rejected = 0;
        let mut lines_done = 0usize;
        let mut started = OffsetDateTime::now_utc().unix_timestamp();
        // Two stages: this thread reads lines and commits batches while a
        // worker parses and extracts the next chunk. Chunks come back in
        // order, at most two in flight, so memory stays bounded and the
        // acknowledgements keep the input's order.
        std::thread::scope(|scope| -> Result<()> {
            let (to_worker, lines_rx) = std::sync::mpsc::channel::<Vec<(usize, Line)>>();
            let (parsed_tx, from_worker) = std::sync::mpsc::channel::<Vec<(usize, Parsed)>>();
            let extractor = &self.inner.extractor;
            let limits = &self.inner.settings.limits;
            // Named, so that `top -H` and perf tell its share of an import.
            std::thread::Builder::new()
                .name("ingest-extract".into())
                .spawn_scoped(scope, move || {
                    for chunk in lines_rx {
                        let out = chunk
                            .into_iter()
                            .map(|(n, line)| (n, parse_line(extractor, limits, n, line)))
                            .collect();
                        if parsed_tx.send(out).is_err() {
                            break;
                        }
                    }
                })
                .context("starting the extraction thread")?;
            let mut lines = input.lines().enumerate();
            let mut in_flight = 0usize;
            let mut eof = false;
            loop {
                if !eof {
                    let mut chunk = Vec::with_capacity(INGEST_CHUNK);
                    for (n, line) in lines.by_ref() {
                        let line_no = n + 1;
                        let line = match line {
                            Ok(l) => Line::Text(l),
                            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Line::NotUtf8,
                            Err(e) => {
                                return Err(e).with_context(|| {
                                    format!("reading {source} at line {line_no}")
                                });
                            }
                        };
                        chunk.push((line_no, line));
                        if chunk.len() >= INGEST_CHUNK {
                            break;
                        }
                    }
                    if chunk.is_empty() {
                        eof = true;
                    } else {
                        in_flight += 1;
                        // The worker only stops when this sender is dropped.
                        let _ = to_worker.send(chunk);
                    }
                }
                if in_flight == 0 {
                    break;
                }
                if in_flight < 2 && !eof {
                    continue;
                }
                let Ok(done) = from_worker.recv() else {
                    anyhow::bail!("the extraction worker stopped");
                };
                in_flight -= 1;
                for (line_no, parsed) in done {
                    lines_done = line_no;
                    match parsed {
                        Parsed::Blank => continue,
                        Parsed::Report(report, line, idents) => batch.push((report, line, idents)),
                        Parsed::Rejected(r) => {
                            summary.rejected += 1;
                            batch_rejected += 1;
                            rejects(&r)?;
                        }
                    }
                    if batch.len() >= batch_size {
                        self.commit(
                            source,
                            started,
                            &mut batch,
                            &mut batch_rejected,
                            &mut summary,
                            lines_done,
                            on_batch,
                        )?;
                        started = OffsetDateTime::now_utc().unix_timestamp();
                    }
                }
            }
            Ok(())
        })?;
        if !batch.is_empty() || batch_rejected > 0 {
            self.commit(
                source,
                started,
                &mut batch,
                &mut batch_rejected,
                &mut summary,
                lines_done,
                on_batch,
            )?;
        }
        if summary.accepted + summary.updated > 0 {
            self.flush_index()?;
            let events = self.rebuild(&format!("ingest {source}"))?;
            for e in &events {
                match e {
                    Event::Created { .. } => summary.new_clusters += 1,
                    Event::Grew { .. } => summary.grown_clusters += 1,
                    Event::Merged { absorbed, .. } => summary.merges += absorbed.len(),
                    _ => {}
                }
            }
        }
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)] // A private step of `ingest`, sharing its locals.
    pub(super) fn commit(
        &self,
        source: &str,
        started: i64,
        batch: &mut Vec<(Report, String, Vec<Identifier>)>,
        rejected: &mut usize,
        summary: &mut IngestSummary,
        lines_done: usize,
        on_batch: &mut dyn FnMut(i64, &BatchCounts, usize),
    ) -> Result<()> {
        let (id, counts, written) = self
            .store()
            .write_batch(source, started, batch, *rejected, None)?;
        self.index_written(batch, &written);
        summary.accepted += counts.accepted;
        summary.updated += counts.updated;
        summary.unchanged += counts.unchanged;
        summary.batches += 1;
        on_batch(id, &counts, lines_done);
        batch.clear();
        *rejected = 0;
        Ok(())
    }

    /// Ingests lines already in memory (an HTTP push): stores them and
    /// returns without re-clustering; call [`Engine::rebuild_if_behind`]
    /// after. The answer lists every rejected line.
    pub fn ingest_lines(
        &self,
        source: &str,
        lines: &[String],
    ) -> Result<(IngestSummary, Vec<Rejection>)> {
        self.ingest_lines_as(source, lines, None)
    }

    /// [`Engine::ingest_lines`] for a writer bound to a team (an intake
    /// token): every report must name `team` as its team, and none may
    /// replace a report stored for another team. Either refuses the whole
    /// push with a [`PushRefused`] error (downcast it from the
    /// `anyhow::Error`) before anything is stored.
    pub fn ingest_lines_as(
        &self,
        source: &str,
        lines: &[String],
        team: Option<&str>,
    ) -> Result<(IngestSummary, Vec<Rejection>)> {
        let mut batch = Vec::with_capacity(lines.len());
        let mut line_of = Vec::with_capacity(lines.len());
        let mut rejected = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let line = Line::Text(line.clone());
            match parse_line(
                &self.inner.extractor,
                &self.inner.settings.limits,
                n + 1,
                line,
            ) {
                Parsed::Blank => {}
                Parsed::Report(report, line, idents) => {
                    if let Some(own) = team
                        && !crate::teams::same(&report.team, own)
                    {
                        return Err(PushRefused {
                            line: n + 1,
                            id: report.id.as_str().to_owned(),
                            field: Some("team"),
                            detail: format!(
                                "team {:?} is not this token's team ({own:?}); an intake token writes only its own team's reports",
                                report.team
                            ),
                        }
                        .into());
                    }
                    batch.push((report, line, idents));
                    line_of.push(n + 1);
                }
                Parsed::Rejected(r) => rejected.push(r),
            }
        }
        let mut summary = IngestSummary {
            rejected: rejected.len(),
            ..IngestSummary::default()
        };
        if !batch.is_empty() {
            let started = OffsetDateTime::now_utc().unix_timestamp();
            let mut store = self.store();
            let written = store.write_batch(source, started, &batch, rejected.len(), team);
            if let Ok((_, _, w)) = &written {
                // Found by checks until a state that holds them is
                // published; kept while the writer is held, so that a
                // re-cluster's snapshot (taken with the writer) either
                // holds these reports or comes before they are kept.
                // The push is stored either way: a failed read here only
                // leaves its reports to the next re-cluster.
                match store.generation() {
                    Ok(generation) => {
                        let mut pending = self
                            .inner
                            .pending
                            .write()
                            .unwrap_or_else(|p| p.into_inner());
                        for ((report, _, idents), w) in batch.iter().zip(w) {
                            if *w != crate::store::Written::Unchanged {
                                pending.add(generation, &report.id, idents);
                            }
                        }
                    }
                    Err(e) => tracing::warn!(
                        error = format!("{e:#}"),
                        "a stored push is not shown to checks before the next re-cluster"
                    ),
                }
                // Queued for the index with the writer still held, so that
                // a flush that reads the store's generation under it
                // (`Engine::flush_index`) comes after these documents.
                self.index_written(&batch, w);
            }
            drop(store);
            let (_, counts, _) = match written {
                Ok(w) => w,
                Err(e) => {
                    return Err(match e.downcast::<crate::store::NotOwnReport>() {
                        Ok(not_own) => PushRefused {
                            line: line_of.get(not_own.index).copied().unwrap_or(0),
                            id: not_own.id,
                            field: None,
                            detail: "this token may not write that report; an intake token writes only its own team's reports".into(),
                        }
                        .into(),
                        Err(other) => other,
                    });
                }
            };
            summary.accepted = counts.accepted;
            summary.updated = counts.updated;
            summary.unchanged = counts.unchanged;
            summary.batches = 1;
        }
        Ok((summary, rejected))
    }

    /// Queues the new and changed reports of a committed batch for the
    /// search index (its writer thread commits within a second).
    pub(super) fn index_written(
        &self,
        batch: &[(Report, String, Vec<Identifier>)],
        written: &[crate::store::Written],
    ) {
        let docs: Vec<IndexDoc> = batch
            .iter()
            .zip(written)
            .filter(|(_, w)| **w != crate::store::Written::Unchanged)
            .map(|((r, _, idents), _)| {
                let terms = idents
                    .iter()
                    .filter(|i| i.valid)
                    .map(|i| format!("{}:{}", i.kind, i.value))
                    .collect();
                index_doc(r, terms)
            })
            .collect();
        if !docs.is_empty() {
            self.inner.index.submit(docs);
        }
    }
}

/// Lines handed to the extraction worker at a time.
pub(super) const INGEST_CHUNK: usize = 256;

/// A line as read: text, or bytes that are not UTF-8.
pub(super) enum Line {
    Text(String),
    NotUtf8,
}

/// A line after parsing and extraction.
pub(super) enum Parsed {
    Blank,
    Report(Report, String, Vec<Identifier>),
    Rejected(Rejection),
}

pub(super) fn parse_line(
    extractor: &Extractor,
    limits: &crate::report::Limits,
    line_no: usize,
    line: Line,
) -> Parsed {
    let line = match line {
        Line::Text(l) => l,
        Line::NotUtf8 => {
            return Parsed::Rejected(Rejection {
                line: line_no,
                id: None,
                field: "(line)".into(),
                error: "is not valid UTF-8".into(),
                raw: String::new(),
            });
        }
    };
    if line.trim().is_empty() {
        return Parsed::Blank;
    }
    match Report::from_json_within(&line, limits) {
        Ok(report) => {
            let idents = extractor.extract(&report);
            Parsed::Report(report, line, idents)
        }
        Err(e) => Parsed::Rejected(rejection(line_no, &line, &e)),
    }
}

/// A report as the search index sees it.
pub(super) fn index_doc(r: &Report, identifiers: Vec<String>) -> IndexDoc {
    IndexDoc {
        id: r.id.as_str().to_owned(),
        narrative: r.narrative.clone(),
        identifiers,
        unit: r.unit.clone(),
        team: r.team.clone(),
        fraud_type: r
            .fraud_type
            .as_ref()
            .map_or("other", |f| f.category())
            .to_owned(),
        filed_at: r.filed_at.unix_timestamp(),
        amount_eur: r.amount_eur,
    }
}

/// Turns a refused line into its rejection record.
pub(super) fn rejection(line_no: usize, line: &str, e: &ReportError) -> Rejection {
    let id = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
    Rejection {
        line: line_no,
        id,
        field: e.field().to_owned(),
        error: e.to_string(),
        raw: line.chars().take(10_000).collect(),
    }
}

pub(super) fn cents(eur: f64) -> i64 {
    (eur * 100.0).round() as i64
}

/// A stored report as the linker sees it; `categories` holds, per name
/// the rows number, its known fraud category (see [`LinkRow::fraud_type`]).
pub(super) fn node_of(row: &LinkRow, categories: &[Option<u8>]) -> ReportNode {
    ReportNode {
        id: row.id.clone(),
        filed_at: row.filed_at,
        amount_cents: row.amount_eur.map(cents),
        victim_ref: row.victim_ref.clone(),
        supplement: row.supplement,
        fraud_category: row
            .fraud_type
            .and_then(|t| categories.get(t as usize).copied().flatten()),
    }
}

/// The key of a victim reference in [`State`]'s victim index.
pub(super) fn victim_hash(victim: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(victim)
}
