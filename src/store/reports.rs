//! Reports, their versions and identifiers: written in batches, read by
//! the rebuild, the check and the front ends.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};
use rustc_hash::FxHashMap;
use time::OffsetDateTime;

use crate::cluster::{ClusterId, Previous};
use crate::extract::Identifier;
use crate::ident::{Kind, Role, Source};
use crate::report::{Report, ReportId};

use super::{REVISION, Store, Written, bump};

/// Counts of one committed batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// New reports.
    pub accepted: usize,
    /// Changed reports.
    pub updated: usize,
    /// Re-imported, identical reports.
    pub unchanged: usize,
    /// Lines refused.
    pub rejected: usize,
}

/// A batch refused because it would write over a report that the writer's
/// team may not write (see [`Store::write_batch`]). Which team the report
/// belongs to is not said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("report {id} is not one this writer may write")]
pub struct NotOwnReport {
    /// The report's place in the batch.
    pub index: usize,
    /// Its id.
    pub id: String,
}

/// An earlier version of a report, replaced by a later write.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportVersion {
    /// 1 for the first version written, counting up.
    pub version: i64,
    /// When it was written, Unix seconds.
    pub written_at: i64,
    /// When the next version replaced it, Unix seconds.
    pub replaced_at: i64,
    /// Who wrote it: the batch's source (`api:intake#3 (label)`, a file).
    pub source: String,
    /// The raw JSON line as it was received.
    pub raw: String,
}

/// A report as stored, with its parsed fields and identifiers.
#[derive(Debug, Clone)]
pub struct StoredReport {
    /// The raw JSON line.
    pub raw: String,
    /// The identifiers extracted at ingest.
    pub identifiers: Vec<Identifier>,
}

/// The linking-relevant part of a report, for rebuilding the graph.
#[derive(Debug, Clone)]
pub struct LinkRow {
    /// The report.
    pub id: ReportId,
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Damage.
    pub amount_eur: Option<f64>,
    /// Victim reference.
    pub victim_ref: Option<Arc<str>>,
    /// The statement calls itself a supplement to an earlier report.
    pub supplement: bool,
    /// The unit, as its number in [`LinkRows::names`] (a million rows
    /// name a few dozen units, teams and fraud types).
    pub unit: u32,
    /// The team's number.
    pub team: u32,
    /// The fraud category's number.
    pub fraud_type: Option<u32>,
}

/// Every report's linking fields, with the unit, team and fraud-type
/// names they number.
#[derive(Debug, Clone, Default)]
pub struct LinkRows {
    /// In write order.
    pub rows: Vec<LinkRow>,
    /// Each distinct name once.
    pub names: Vec<Arc<str>>,
}

/// The statements of [`Store::write_batch`], prepared once per batch.
struct BatchStatements<'t> {
    get_hash: rusqlite::CachedStatement<'t>,
    keep_version: rusqlite::CachedStatement<'t>,
    put: rusqlite::CachedStatement<'t>,
    del_ids: rusqlite::CachedStatement<'t>,
    put_id: rusqlite::CachedStatement<'t>,
}

impl<'t> BatchStatements<'t> {
    fn prepare(tx: &'t rusqlite::Transaction<'_>) -> Result<BatchStatements<'t>> {
        Ok(BatchStatements {
            get_hash: tx.prepare_cached("SELECT hash, team FROM reports WHERE id = ?1")?,
            keep_version: tx.prepare_cached(
                "INSERT INTO report_versions (report_id, version, raw, hash, team, batch, written_at, replaced_at, replaced_by_batch)
                 SELECT id, (SELECT COALESCE(MAX(version), 0) + 1 FROM report_versions WHERE report_id = ?1),
                        raw, hash, team, batch, updated_at, ?2, ?3
                 FROM reports WHERE id = ?1",
            )?,
            put: tx.prepare_cached(
                "INSERT OR REPLACE INTO reports (id, raw, hash, filed_at, unit, team, fraud_type, amount_eur, victim_ref, supplement, batch, seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?,
            del_ids: tx.prepare_cached("DELETE FROM identifiers WHERE report_id = ?1")?,
            put_id: tx.prepare_cached(
                "INSERT INTO identifiers (report_id, kind, value, raw, source, role, valid, benign, span_start, span_end, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
        })
    }

    /// Whether the report (the batch's `index`-th) is new, changed or the
    /// same as stored; with `owner`, refuses one stored for another team.
    fn compare(
        &mut self,
        index: usize,
        report: &Report,
        hash: i64,
        owner: Option<&str>,
    ) -> Result<Written> {
        let old: Option<(i64, String)> = self
            .get_hash
            .query_row([report.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let (Some((_, team)), Some(owner)) = (&old, owner)
            && !crate::teams::same(team, owner)
        {
            return Err(NotOwnReport {
                index,
                id: report.id.as_str().to_owned(),
            }
            .into());
        }
        Ok(match old.map(|(h, _)| h) {
            Some(h) if h == hash => Written::Unchanged,
            Some(_) => Written::Updated,
            None => Written::Inserted,
        })
    }

    /// Keeps the stored version of a report about to be replaced, and
    /// drops its identifiers.
    fn keep_version(&mut self, report: &Report, now: i64, batch: i64) -> Result<()> {
        self.keep_version
            .execute(params![report.id.as_str(), now, batch])?;
        self.del_ids.execute([report.id.as_str()])?;
        Ok(())
    }

    /// Writes a report and its identifiers, the `seq`-th of the store,
    /// in `batch` at `now`.
    fn put(
        &mut self,
        (report, raw, idents): &(Report, String, Vec<Identifier>),
        hash: i64,
        (batch, seq, now): (i64, i64, i64),
    ) -> Result<()> {
        self.put.execute(params![
            report.id.as_str(),
            raw,
            hash,
            report.filed_at.unix_timestamp(),
            report.unit,
            report.team,
            report
                .fraud_type
                .as_ref()
                .map(|f| f.as_written().to_owned()),
            report.amount_eur,
            report.victim_ref,
            crate::extract::is_supplement(&report.narrative),
            batch,
            seq,
            now,
        ])?;
        for id in idents {
            self.put_id.execute(params![
                report.id.as_str(),
                id.kind.as_str(),
                id.value,
                id.raw,
                source_str(id.source),
                role_str(id.role),
                id.valid,
                id.benign,
                id.span.map(|s| s[0] as i64),
                id.span.map(|s| s[1] as i64),
                id.note,
            ])?;
        }
        Ok(())
    }
}

impl Store {
    /// Writes a batch of reports with their identifiers in one transaction.
    /// Either the whole batch is committed or nothing is. A report written
    /// again with other content keeps its earlier version in
    /// `report_versions`; the same content again writes nothing.
    ///
    /// With `owner` (an intake token's team), a report already stored for
    /// another team refuses the whole batch with [`NotOwnReport`]: checked
    /// inside the write transaction, so no other write can slip between.
    pub fn write_batch(
        &mut self,
        source: &str,
        started_at: i64,
        reports: &[(Report, String, Vec<Identifier>)],
        rejected: usize,
        owner: Option<&str>,
    ) -> Result<(i64, BatchCounts, Vec<Written>)> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let batch: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM batches", [], |r| {
            r.get(0)
        })?;
        let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM reports", [], |r| {
            r.get(0)
        })?;
        let mut counts = BatchCounts {
            rejected,
            ..BatchCounts::default()
        };
        let mut written = Vec::with_capacity(reports.len());
        {
            let mut st = BatchStatements::prepare(&tx)?;
            for (index, entry) in reports.iter().enumerate() {
                let (report, raw, _) = entry;
                let hash = content_hash(raw) as i64;
                let w = st.compare(index, report, hash, owner)?;
                written.push(w);
                match w {
                    Written::Unchanged => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Written::Updated => {
                        counts.updated += 1;
                        st.keep_version(report, now, batch)?;
                    }
                    Written::Inserted => counts.accepted += 1,
                }
                seq += 1;
                st.put(entry, hash, (batch, seq, now))?;
            }
        }
        tx.execute(
            "INSERT INTO batches (id, source, started_at, committed_at, accepted, updated, unchanged, rejected)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                batch,
                source,
                started_at,
                now,
                counts.accepted as i64,
                counts.updated as i64,
                counts.unchanged as i64,
                counts.rejected as i64
            ],
        )?;
        if counts.accepted + counts.updated > 0 {
            bump(&tx, REVISION)?;
        }
        tx.commit().context("committing the batch")?;
        Ok((batch, counts, written))
    }

    /// The number of reports.
    pub fn report_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Each team reports were filed by, with their number (a scan of every
    /// report: for when no saved clusters hold them).
    pub fn team_counts(&self) -> Result<Vec<(String, usize)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT team, count(*) FROM reports GROUP BY team")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One report with its identifiers.
    pub fn report(&self, id: &str) -> Result<Option<StoredReport>> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT raw FROM reports WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let Some(raw) = raw else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, value, raw, source, role, valid, benign, span_start, span_end, note FROM identifiers WHERE report_id = ?1 ORDER BY rowid",
        )?;
        let identifiers = stmt
            .query_map([id], |row| row_identifier(row, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(StoredReport {
            raw,
            identifiers: identifiers.into_iter().flatten().collect(),
        }))
    }

    /// How many earlier versions a report has, and the latest `most` of
    /// them, oldest first (none when it was written once, or is not
    /// stored): a report pushed again and again keeps every version, and
    /// a read shows the latest.
    pub fn report_versions(&self, id: &str, most: usize) -> Result<(usize, Vec<ReportVersion>)> {
        let total: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM report_versions WHERE report_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.version, v.written_at, v.replaced_at, COALESCE(b.source, ''), v.raw
             FROM report_versions v LEFT JOIN batches b ON b.id = v.batch
             WHERE v.report_id = ?1 ORDER BY v.version DESC LIMIT ?2",
        )?;
        let most = i64::try_from(most).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query_map(rusqlite::params![id, most], |r| {
                Ok(ReportVersion {
                    version: r.get(0)?,
                    written_at: r.get(1)?,
                    replaced_at: r.get(2)?,
                    source: r.get(3)?,
                    raw: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.reverse();
        Ok((usize::try_from(total).unwrap_or(0), rows))
    }

    /// Every report's linking fields, in write order.
    pub fn link_rows(&self) -> Result<LinkRows> {
        let mut stmt = self.conn.prepare(
            "SELECT id, filed_at, amount_eur, victim_ref, supplement, unit, team, fraud_type FROM reports ORDER BY seq",
        )?;
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))?;
        let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut names: Vec<Arc<str>> = Vec::new();
        let mut numbers: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut number = |s: &str| -> u32 {
            match numbers.get(s) {
                Some(&n) => n,
                None => {
                    let n = names.len() as u32;
                    names.push(Arc::from(s));
                    numbers.insert(s.into(), n);
                    n
                }
            }
        };
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> Result<Option<&str>> {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => None,
                    v => Some(v.as_str()?),
                })
            };
            let id = text(0)?.unwrap_or_default();
            out.push(LinkRow {
                id: ReportId::parse(id)
                    .with_context(|| format!("report id {id:?} in the store"))?,
                filed_at: r.get(1)?,
                amount_eur: r.get(2)?,
                victim_ref: text(3)?.map(Arc::from),
                supplement: r.get(4)?,
                unit: number(text(5)?.unwrap_or_default()),
                team: number(text(6)?.unwrap_or_default()),
                fraud_type: text(7)?.map(&mut number),
            });
        }
        Ok(LinkRows { rows: out, names })
    }

    /// Calls `f` for every offender identifier that can link (valid, or an
    /// invalid IBAN for typo suggestions; names excluded), reading only the
    /// columns the linker needs: report id, kind, value, valid, benign.
    /// Rows come in write order, so one report's identifiers are adjacent.
    pub fn for_each_link_identifier(
        &self,
        mut f: impl FnMut(&str, Kind, &str, bool, Option<&str>),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT report_id, kind, value, valid, benign FROM identifiers
             WHERE role = 'offender' AND kind != 'name' AND (valid = 1 OR kind = 'iban')",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rid = row.get_ref(0)?.as_str()?;
            let Some(kind) = Kind::from_name(row.get_ref(1)?.as_str()?) else {
                continue;
            };
            let value = row.get_ref(2)?.as_str()?;
            let valid: bool = row.get(3)?;
            let benign = row.get_ref(4)?.as_str_or_null()?;
            f(rid, kind, value, valid, benign);
        }
        Ok(())
    }

    /// Calls `f` for every stored identifier (report id, identifier).
    pub fn for_each_identifier(&self, mut f: impl FnMut(&str, Identifier)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT report_id, kind, value, raw, source, role, valid, benign, span_start, span_end, note FROM identifiers",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rid: String = row.get(0)?;
            let Some(id) = row_identifier(row, 1)? else {
                continue;
            };
            f(&rid, id);
        }
        Ok(())
    }

    /// Calls `f` for every report written after `seq` (in write order)
    /// with its sequence number, raw line and linking terms (`kind:value`
    /// of its valid identifiers), for the search index to catch up.
    pub fn reports_since(&self, seq: i64, mut f: impl FnMut(i64, &str, Vec<String>)) -> Result<()> {
        let mut terms: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT i.report_id, i.kind, i.value FROM identifiers i JOIN reports r ON r.id = i.report_id
                 WHERE r.seq > ?1 AND i.valid = 1",
            )?;
            let mut rows = stmt.query([seq])?;
            while let Some(row) = rows.next()? {
                let (rid, kind, value): (String, String, String) =
                    (row.get(0)?, row.get(1)?, row.get(2)?);
                terms
                    .entry(rid)
                    .or_default()
                    .push(format!("{kind}:{value}"));
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, seq, raw FROM reports WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([seq])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let raw: String = row.get(2)?;
            f(row.get(1)?, &raw, terms.remove(&id).unwrap_or_default());
        }
        Ok(())
    }

    /// Calls `f` with each identifier that may link (see
    /// [`Identifier::links`]) of the latest versions of the reports
    /// written after `seq`, with the report's id: the reports in write
    /// order, one report's identifiers one after the other. What clusters
    /// saved at `seq` do not hold yet (`cluster show` lists the reports
    /// naming a cluster's identifiers); read as a stream, so that a long
    /// way behind costs time, not memory.
    pub fn linking_since(&self, seq: i64, mut f: impl FnMut(&str, &Identifier)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, i.kind, i.value, i.raw, i.source, i.role, i.valid, i.benign,
                    i.span_start, i.span_end, i.note
             FROM reports r JOIN identifiers i ON i.report_id = r.id
             WHERE r.seq > ?1 ORDER BY r.seq",
        )?;
        let mut rows = stmt.query([seq])?;
        while let Some(row) = rows.next()? {
            if let Some(ident) = row_identifier(row, 1)?
                && ident.links()
            {
                f(row.get_ref(0)?.as_str()?, &ident);
            }
        }
        Ok(())
    }

    /// The previous cluster assignment.
    pub fn previous(&self) -> Result<Previous> {
        let mut prev = Previous::default();
        let mut stmt = self
            .conn
            .prepare("SELECT report_id, cluster_id FROM memberships")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            prev.membership.insert(
                ReportId::parse(&row.get::<_, String>(0)?)?,
                ClusterId::new(row.get::<_, String>(1)?),
            );
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, age, alias_of FROM clusters")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id = ClusterId::new(row.get::<_, String>(0)?);
            let alias: Option<String> = row.get(2)?;
            if alias.is_none() {
                prev.age.insert(id.clone(), row.get::<_, i64>(1)? as u64);
            }
            prev.taken.insert(id);
        }
        Ok(prev)
    }

    /// The team that filed a report, if it exists.
    pub fn report_team(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT team FROM reports WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }
}

/// Reads the identifier columns (kind, value, raw, source, role, valid,
/// benign, span_start, span_end) starting at column `at`.
pub(super) fn row_identifier(
    row: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<Option<Identifier>> {
    let Some(kind) = Kind::from_name(&row.get::<_, String>(at)?) else {
        return Ok(None);
    };
    Ok(Some(Identifier {
        kind,
        value: row.get(at + 1)?,
        raw: row.get(at + 2)?,
        source: if row.get::<_, String>(at + 3)? == "narrative" {
            Source::Narrative
        } else {
            Source::Structured
        },
        role: if row.get::<_, String>(at + 4)? == "victim" {
            Role::Victim
        } else {
            Role::Offender
        },
        valid: row.get(at + 5)?,
        benign: row.get(at + 6)?,
        span: match (
            row.get::<_, Option<i64>>(at + 7)?,
            row.get::<_, Option<i64>>(at + 8)?,
        ) {
            (Some(a), Some(b)) => Some([a as usize, b as usize]),
            _ => None,
        },
        note: row.get(at + 9)?,
    }))
}

pub(super) fn source_str(s: Source) -> &'static str {
    match s {
        Source::Structured => "structured",
        Source::Narrative => "narrative",
    }
}

pub(super) fn role_str(r: Role) -> &'static str {
    match r {
        Role::Offender => "offender",
        Role::Victim => "victim",
    }
}

/// A stable 64-bit hash of a raw line (FNV-1a), to tell a re-import of the
/// same report from a changed one.
pub(super) fn content_hash(raw: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in raw.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
