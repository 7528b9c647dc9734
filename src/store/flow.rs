//! What the flow of cases is computed from (issue 22): when each live
//! cluster was found (`clusters.created_at`, written when a re-cluster
//! first gives it its id) and the triage steps recorded on it, read once
//! per state or per triage change (the UI caches them), never per page
//! view.

use anyhow::Result;

use crate::cluster::ClusterId;
use crate::store::Store;

/// One recorded triage change of a live cluster: when, and the status and
/// team it set (`None` where the change left them as they were; the
/// record does not tell unassigning from leaving the team alone).
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
        let mut stmt = self.conn.prepare(
            "SELECT e.cluster_id, e.at, e.detail FROM cluster_events e
             JOIN clusters c ON c.id = e.cluster_id AND c.alias_of IS NULL
             WHERE e.kind = 'triage' ORDER BY e.id",
        )?;
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
