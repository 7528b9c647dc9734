//! What accountable triage reads and writes: a cluster's history with who
//! made each change, the link decisions as a list (newest first) and
//! their undoing, and the access log a page at a time (issue 22).

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use crate::cluster::ClusterId;
use crate::store::{AccessRecord, REVISION, Store, bump};

/// One event of a cluster's history, with who caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// When, Unix seconds.
    pub at: i64,
    /// `created`, `grew`, `merged`, `shrank`, `dissolved`, `triage`.
    pub kind: String,
    /// What caused it (`triage`, `ingest <source>`, `link A ~ B confirmed
    /// by X`).
    pub cause: String,
    /// Who, for a triage change (a token's name); `None` for events of a
    /// re-cluster, whose cause names the person when one caused it.
    pub actor: Option<String>,
    /// The event's detail.
    pub detail: serde_json::Value,
}

/// An analyst's decision on a link, as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkDecision {
    /// One endpoint (a report id or `kind:value`), the smaller.
    pub a: String,
    /// The other endpoint.
    pub b: String,
    /// `confirmed` or `rejected`.
    pub decision: String,
    /// Why, as given.
    pub basis: String,
    /// Who decided.
    pub actor: String,
    /// When, Unix seconds.
    pub at: i64,
}

/// A page of the access log: filters, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    /// Only this token's rows.
    pub token_id: Option<i64>,
    /// Only rows at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only rows before this time (Unix seconds).
    pub until: Option<i64>,
    /// Only rows of this action (one of [`crate::access::ACTIONS`]).
    pub action: Option<String>,
    /// Skip this many rows.
    pub offset: usize,
    /// At most this many rows.
    pub limit: usize,
}

impl Store {
    /// The events of a cluster (and of the ids merged into it), oldest
    /// first, with who made each triage change.
    pub fn cluster_history(&self, id: &ClusterId) -> Result<Vec<HistoryEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, kind, cause, actor, detail FROM cluster_events
             WHERE cluster_id = ?1 OR cluster_id IN (SELECT id FROM clusters WHERE alias_of = ?1)
             ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| {
                let detail: String = r.get(4)?;
                Ok(HistoryEvent {
                    at: r.get(0)?,
                    kind: r.get(1)?,
                    cause: r.get(2)?,
                    actor: r.get(3)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The link decisions in force (confirmed or rejected), newest first.
    pub fn link_decision_list(&self) -> Result<Vec<LinkDecision>> {
        let mut stmt = self.conn.prepare(
            "SELECT a, b, decision, basis, actor, at FROM link_decisions
             WHERE decision IN ('confirmed', 'rejected') ORDER BY at DESC, a, b",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LinkDecision {
                    a: r.get(0)?,
                    b: r.get(1)?,
                    decision: r.get(2)?,
                    basis: r.get(3)?,
                    actor: r.get(4)?,
                    at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Undoes the decision on the link `a ~ b` (endpoints as stored):
    /// the row stays, marked `undone` with who and when, so that a purge
    /// still finds the endpoints it names, and the link is as if never
    /// decided (a confirmed one no longer joins, a rejected suggestion
    /// comes back). Returns the decision undone, `None` when there was
    /// none in force.
    pub fn undo_link(
        &mut self,
        a: &str,
        b: &str,
        basis: &str,
        actor: &str,
    ) -> Result<Option<String>> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let tx = self.write_transaction()?;
        let was: Option<String> = tx
            .query_row(
                "SELECT decision FROM link_decisions
                 WHERE a = ?1 AND b = ?2 AND decision IN ('confirmed', 'rejected')",
                params![a, b],
                |r| r.get(0),
            )
            .optional()?;
        if was.is_some() {
            tx.execute(
                "UPDATE link_decisions SET decision = 'undone', basis = ?3, actor = ?4, at = ?5
                 WHERE a = ?1 AND b = ?2",
                params![
                    a,
                    b,
                    basis,
                    actor,
                    OffsetDateTime::now_utc().unix_timestamp()
                ],
            )?;
            bump(&tx, REVISION)?;
        }
        tx.commit()?;
        Ok(was)
    }

    /// A page of the access log, newest first, and whether more rows
    /// follow it.
    pub fn audit_page(&self, f: &AuditPage) -> Result<(Vec<AccessRecord>, bool)> {
        let limit = f.limit.max(1);
        let mut stmt = self.conn.prepare(
            "SELECT id, at, token_id, role, team, action, targets, reason, outcome, actor FROM access_log
             WHERE (?1 IS NULL OR token_id = ?1) AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
               AND (?6 IS NULL OR action = ?6)
             ORDER BY id DESC LIMIT ?4 OFFSET ?5",
        )?;
        let mut rows = stmt
            .query_map(
                params![
                    f.token_id,
                    f.since,
                    f.until,
                    limit as i64 + 1,
                    // Past what SQL counts the page is empty: `as` made
                    // a larger offset -1, no offset at all (page one).
                    i64::try_from(f.offset).unwrap_or(i64::MAX),
                    f.action,
                ],
                AccessRecord::from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        Ok((rows, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue 22
    #[test]
    fn issue_22_an_undone_decision_is_kept_marked_and_no_longer_listed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .decide_link("iban:B", "iban:A", "confirmed", "same", "analyst#1")
            .unwrap();
        assert_eq!(store.link_decision_list().unwrap().len(), 1);
        let before = store.revisions().unwrap().derived;
        let was = store
            .undo_link("iban:B", "iban:A", "mistake", "analyst#2")
            .unwrap();
        assert_eq!(was.as_deref(), Some("confirmed"));
        assert!(store.revisions().unwrap().derived > before, "re-clusters");
        assert!(store.link_decision_list().unwrap().is_empty());
        let rows = store.link_decisions().unwrap();
        assert_eq!(rows.len(), 1, "the row stays for a later purge");
        assert_eq!(rows[0].2, "undone");
        // Nothing left to undo.
        assert_eq!(
            store.undo_link("iban:A", "iban:B", "again", "x").unwrap(),
            None
        );
    }
}
