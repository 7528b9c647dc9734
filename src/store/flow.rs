//! What the flow of cases is computed from (issue 22): when each live
//! cluster was found (`clusters.created_at`, written when a re-cluster
//! first gives it its id) and the triage steps recorded on it, read once
//! per state or per triage change (the UI caches them), never per page
//! view.

use anyhow::Result;

use crate::cluster::ClusterId;
use crate::store::Store;

/// One recorded triage change of a live cluster: when, and the status and
/// team it set (`None` where the change left them as they were or, for
/// the team, took it away: an event since issue 22 says `"unassigned":
/// true` then, older ones do not tell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageStep {
    /// The cluster.
    pub cluster: ClusterId,
    /// Unix seconds.
    pub at: i64,
    /// The status set.
    pub status: Option<String>,
    /// The team assigned.
    pub team: Option<String>,
}

/// The triage steps of the live clusters: the triage events in order
/// through their partial index (`cluster_events_triage`), each cluster
/// looked up by its id. A `CROSS JOIN` keeps SQLite to that order: left
/// to itself it walked all the live clusters (480k at a million reports)
/// and looked up the events of each.
const TRIAGE_STEPS: &str = "SELECT e.cluster_id, e.at, e.detail FROM cluster_events e
     CROSS JOIN clusters c ON c.id = e.cluster_id AND c.alias_of IS NULL
     WHERE e.kind = 'triage' ORDER BY e.id";

impl Store {
    /// When each live cluster (not an alias of another) was found, Unix
    /// seconds, in id order.
    pub fn found_times(&self) -> Result<Vec<(ClusterId, i64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, created_at FROM clusters WHERE alias_of IS NULL ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((ClusterId::new(r.get::<_, String>(0)?), r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The triage steps of the live clusters, oldest first. Steps recorded
    /// on an id that was later merged into another are left out: the
    /// surviving cluster's triage record is its own, and so is its
    /// history.
    pub fn triage_steps(&self) -> Result<Vec<TriageStep>> {
        let mut stmt = self.conn.prepare(TRIAGE_STEPS)?;
        let rows = stmt
            .query_map([], |r| {
                let detail: String = r.get(2)?;
                let detail: serde_json::Value =
                    serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
                let text = |key: &str| {
                    detail
                        .get(key)
                        .and_then(|v| v.as_str())
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                };
                Ok(TriageStep {
                    cluster: ClusterId::new(r.get::<_, String>(0)?),
                    at: r.get(1)?,
                    status: text("status"),
                    team: text("assigned_team"),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite chooses for `sql`, one step a line.
    fn plan(store: &Store, sql: &str) -> String {
        let mut stmt = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("\n")
    }

    // See: issue 22
    #[test]
    fn issue_22_the_triage_steps_read_only_triage_events_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let p = plan(&store, TRIAGE_STEPS);
        assert!(
            p.contains("SCAN e USING INDEX cluster_events_triage"),
            "{p}"
        );
        assert!(!p.contains("TEMP B-TREE"), "no sort: {p}");
        assert!(
            !p.contains("clusters_alias"),
            "no walk of the clusters: {p}"
        );
        // The flow's every-event read uses it too.
        let p = plan(
            &store,
            "SELECT cluster_id, at, detail FROM cluster_events WHERE kind = 'triage' ORDER BY id",
        );
        assert!(p.contains("cluster_events_triage"), "{p}");
    }

    // See: issue 22
    #[test]
    fn issue_22_a_store_written_before_the_triage_index_gets_it_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .conn
            .execute_batch("DROP INDEX cluster_events_triage")
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let has: bool = store
            .conn
            .query_row(
                "SELECT count(*) = 1 FROM sqlite_master WHERE type = 'index' AND name = 'cluster_events_triage'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(has);
    }
}
