//! The store: the source of truth, one SQLite database (WAL) in the data
//! directory.
//!
//! It holds the reports (raw JSON and parsed fields), the identifiers
//! extracted from them, ingest batches, clusters with their aliases,
//! memberships and events, and analysts' decisions on suggested links.
//! The search index and the graph are derived from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::cluster::{Assignment, ClusterId, Event, Previous};
use crate::extract::Identifier;
use crate::ident::{Kind, Role, Source};
use crate::report::{Report, ReportId};

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    raw TEXT NOT NULL,
    hash INTEGER NOT NULL,
    filed_at INTEGER NOT NULL,
    unit TEXT NOT NULL,
    team TEXT NOT NULL,
    fraud_type TEXT,
    amount_eur REAL,
    victim_ref TEXT,
    supplement INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_filed ON reports (filed_at);
CREATE INDEX IF NOT EXISTS reports_seq ON reports (seq);
CREATE TABLE IF NOT EXISTS identifiers (
    report_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    raw TEXT NOT NULL,
    source TEXT NOT NULL,
    role TEXT NOT NULL,
    valid INTEGER NOT NULL,
    benign TEXT,
    span_start INTEGER,
    span_end INTEGER
);
CREATE INDEX IF NOT EXISTS identifiers_report ON identifiers (report_id);
CREATE INDEX IF NOT EXISTS identifiers_value ON identifiers (kind, value);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    committed_at INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    age INTEGER NOT NULL,
    alias_of TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    assigned_team TEXT,
    notes TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS clusters_alias ON clusters (alias_of);
CREATE TABLE IF NOT EXISTS memberships (
    report_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS memberships_cluster ON memberships (cluster_id);
CREATE TABLE IF NOT EXISTS cluster_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    cause TEXT NOT NULL,
    actor TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cluster_events_cluster ON cluster_events (cluster_id);
CREATE TABLE IF NOT EXISTS link_decisions (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    decision TEXT NOT NULL,
    basis TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
"#;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "fraudlink.db";

/// What writing one report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new report.
    Inserted,
    /// A known id with changed content: replaced with its identifiers.
    Updated,
    /// A known id with the same content: nothing written.
    Unchanged,
}

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
    pub victim_ref: Option<String>,
    /// The statement calls itself a supplement to an earlier report.
    pub supplement: bool,
    /// The unit.
    pub unit: String,
    /// The team.
    pub team: String,
    /// Fraud category.
    pub fraud_type: Option<String>,
}

/// A cluster's triage record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRecord {
    /// The id.
    pub id: ClusterId,
    /// When it was created, Unix seconds.
    pub created_at: i64,
    /// Triage status.
    pub status: String,
    /// The team it is assigned to.
    pub assigned_team: Option<String>,
    /// Analysts' notes.
    pub notes: String,
}

/// An open SQLite store. Not `Sync`: the engine wraps it in a mutex.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating when needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating data directory {}", dir.display()))?;
        let path = dir.join(DB_FILE);
        let conn =
            Connection::open(&path).with_context(|| format!("opening store {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is durable in WAL mode except for the last transactions
        // before a power loss; FULL makes a committed batch survive that too.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA).context("creating the schema")?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match version.as_deref().map(str::parse::<i64>) {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )?;
            }
            Some(Ok(SCHEMA_VERSION)) => {}
            Some(other) => anyhow::bail!(
                "store {} has schema version {:?}; this build reads version {SCHEMA_VERSION}",
                path.display(),
                other
            ),
        }
        Ok(Store { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a batch of reports with their identifiers in one transaction.
    /// Either the whole batch is committed or nothing is.
    pub fn write_batch(
        &mut self,
        source: &str,
        started_at: i64,
        reports: &[(Report, String, Vec<Identifier>)],
        rejected: usize,
    ) -> Result<(i64, BatchCounts, Vec<Written>)> {
        let tx = self.conn.transaction()?;
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
            let mut get_hash = tx.prepare_cached("SELECT hash FROM reports WHERE id = ?1")?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO reports (id, raw, hash, filed_at, unit, team, fraud_type, amount_eur, victim_ref, supplement, batch, seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut del_ids = tx.prepare_cached("DELETE FROM identifiers WHERE report_id = ?1")?;
            let mut put_id = tx.prepare_cached(
                "INSERT INTO identifiers (report_id, kind, value, raw, source, role, valid, benign, span_start, span_end)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (report, raw, idents) in reports {
                let hash = content_hash(raw) as i64;
                let old: Option<i64> = get_hash
                    .query_row([report.id.as_str()], |r| r.get(0))
                    .optional()?;
                let w = match old {
                    Some(h) if h == hash => Written::Unchanged,
                    Some(_) => Written::Updated,
                    None => Written::Inserted,
                };
                written.push(w);
                match w {
                    Written::Unchanged => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Written::Updated => {
                        counts.updated += 1;
                        del_ids.execute([report.id.as_str()])?;
                    }
                    Written::Inserted => counts.accepted += 1,
                }
                seq += 1;
                put.execute(params![
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
                    put_id.execute(params![
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
                    ])?;
                }
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

    /// The highest write sequence number: it changes whenever a report is
    /// written, so derived data can tell whether it is behind.
    pub fn generation(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM reports", [], |r| {
                r.get(0)
            })?)
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
            "SELECT kind, value, raw, source, role, valid, benign, span_start, span_end FROM identifiers WHERE report_id = ?1 ORDER BY rowid",
        )?;
        let identifiers = stmt
            .query_map([id], |row| row_identifier(row, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(StoredReport {
            raw,
            identifiers: identifiers.into_iter().flatten().collect(),
        }))
    }

    /// Every report's linking fields, in write order.
    pub fn link_rows(&self) -> Result<Vec<LinkRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, filed_at, amount_eur, victim_ref, supplement, unit, team, fraud_type FROM reports ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LinkRow {
                    id: ReportId::parse(&r.get::<_, String>(0)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            0,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    filed_at: r.get(1)?,
                    amount_eur: r.get(2)?,
                    victim_ref: r.get(3)?,
                    supplement: r.get(4)?,
                    unit: r.get(5)?,
                    team: r.get(6)?,
                    fraud_type: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Calls `f` for every stored identifier (report id, identifier).
    pub fn for_each_identifier(&self, mut f: impl FnMut(&str, Identifier)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT report_id, kind, value, raw, source, role, valid, benign, span_start, span_end FROM identifiers",
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

    /// Writes a new assignment: memberships, new clusters, aliases and
    /// events, in one transaction.
    pub fn save_assignment(&mut self, a: &Assignment, cause: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut age: i64 = tx.query_row("SELECT COALESCE(MAX(age), 0) FROM clusters", [], |r| {
            r.get(0)
        })?;
        {
            let mut new_cluster = tx.prepare_cached(
                "INSERT OR IGNORE INTO clusters (id, created_at, age, updated_at) VALUES (?1, ?2, ?3, ?2)",
            )?;
            let mut alias = tx.prepare_cached(
                "UPDATE clusters SET alias_of = ?2, updated_at = ?3 WHERE id = ?1",
            )?;
            let mut repoint =
                tx.prepare_cached("UPDATE clusters SET alias_of = ?2 WHERE alias_of = ?1")?;
            let mut event = tx.prepare_cached(
                "INSERT INTO cluster_events (at, cluster_id, kind, cause, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            // Clusters are aged in the order they are created; the ones
            // created together, by their earliest report, so that ages
            // follow the cases' own time.
            let mut created: Vec<&Event> = a
                .events
                .iter()
                .filter(|e| matches!(e, Event::Created { .. }))
                .collect();
            created.sort_by_key(|e| match e {
                Event::Created {
                    first_filed_at,
                    cluster,
                    ..
                } => (*first_filed_at, cluster.clone()),
                other => (i64::MAX, other.cluster().clone()),
            });
            for e in created {
                age += 1;
                new_cluster.execute(params![e.cluster().as_str(), now, age])?;
            }
            for (from, to) in &a.aliases {
                alias.execute(params![from.as_str(), to.as_str(), now])?;
                repoint.execute(params![from.as_str(), to.as_str()])?;
            }
            for e in &a.events {
                let kind = match e {
                    Event::Created { .. } => "created",
                    Event::Grew { .. } => "grew",
                    Event::Merged { .. } => "merged",
                    Event::Shrank { .. } => "shrank",
                    Event::Dissolved { .. } => "dissolved",
                };
                event.execute(params![
                    now,
                    e.cluster().as_str(),
                    kind,
                    cause,
                    serde_json::to_string(e)?
                ])?;
            }
        }
        tx.execute("DELETE FROM memberships", [])?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO memberships (report_id, cluster_id) VALUES (?1, ?2)",
            )?;
            for (cid, reports) in &a.clusters {
                for r in reports {
                    put.execute(params![r.as_str(), cid.as_str()])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Resolves an id or an alias to the live cluster id.
    pub fn resolve_cluster(&self, id: &str) -> Result<Option<ClusterId>> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, alias_of FROM clusters WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(id, alias)| ClusterId::new(alias.unwrap_or(id))))
    }

    /// Triage records of all live clusters.
    pub fn cluster_records(&self) -> Result<HashMap<ClusterId, ClusterRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, status, assigned_team, notes FROM clusters WHERE alias_of IS NULL",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ClusterRecord {
                    id: ClusterId::new(r.get::<_, String>(0)?),
                    created_at: r.get(1)?,
                    status: r.get(2)?,
                    assigned_team: r.get(3)?,
                    notes: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
    }

    /// The events of a cluster (and of the ids merged into it), oldest first.
    pub fn cluster_events(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<(i64, String, String, serde_json::Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, kind, cause, detail FROM cluster_events
             WHERE cluster_id = ?1 OR cluster_id IN (SELECT id FROM clusters WHERE alias_of = ?1)
             ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| {
                let detail: String = r.get(3)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records an analyst's decision on a suggested link.
    pub fn decide_link(
        &mut self,
        a: &str,
        b: &str,
        decision: &str,
        basis: &str,
        actor: &str,
    ) -> Result<()> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.conn.execute(
            "INSERT OR REPLACE INTO link_decisions (a, b, decision, basis, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a, b, decision, basis, actor, OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        Ok(())
    }

    /// All link decisions: (a, b, decision, basis).
    pub fn link_decisions(&self) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT a, b, decision, basis FROM link_decisions")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// Reads the identifier columns (kind, value, raw, source, role, valid,
/// benign, span_start, span_end) starting at column `at`.
fn row_identifier(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<Identifier>> {
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
    }))
}

fn source_str(s: Source) -> &'static str {
    match s {
        Source::Structured => "structured",
        Source::Narrative => "narrative",
    }
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Offender => "offender",
        Role::Victim => "victim",
    }
}

/// A stable 64-bit hash of a raw line (FNV-1a), to tell a re-import of the
/// same report from a changed one.
fn content_hash(raw: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in raw.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
