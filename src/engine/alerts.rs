//! Webhook alerts: which clusters changed enough to tell a team.

use std::collections::HashMap;

use anyhow::Result;

use crate::cluster::ClusterId;
use crate::report::ReportId;
use crate::store::ClusterRecord;

use super::Engine;
use super::state::State;

impl Engine {
    /// Alerts due for delivery.
    pub fn due_alerts(
        &self,
        max_attempts: i64,
        limit: usize,
    ) -> Result<Vec<crate::store::PendingAlert>> {
        self.store().due_alerts(max_attempts, limit)
    }

    /// Records a delivery attempt.
    pub fn alert_attempt(&self, id: i64, error: Option<&str>, retry_in: i64) -> Result<()> {
        self.store().alert_attempt(id, error, retry_in)
    }

    /// Alerts with their delivery state, newest first.
    pub fn alerts(&self, limit: usize) -> Result<Vec<serde_json::Value>> {
        self.read(|s| s.alerts(limit))
    }
}

/// The alerts that the change from `old` to `new` raises, as
/// `(url, event, cluster, payload)`: thresholds crossed, not merely held,
/// so that one cluster raises each alert once.
pub(super) fn alerts_between(
    old: &State,
    new: &State,
    triage: &HashMap<ClusterId, ClusterRecord>,
    rules: &[crate::config::AlertRule],
) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for c in new.clusters.iter().filter(|c| c.size >= 2) {
        let before = old.cluster(&c.cluster_id);
        let (old_size, old_units, old_growth) = before.map_or((0, 0, 0), |b| {
            (b.size, b.units.len(), b.score_parts.figures.growth_14d)
        });
        if old_size == c.size && old_units == c.units.len() {
            continue;
        }
        let record = triage.get(&c.cluster_id);
        let added: Vec<&ReportId> = match before {
            Some(b) => c
                .report_ids
                .iter()
                .filter(|r| b.report_ids.binary_search(r).is_err())
                .collect(),
            None => c.report_ids.iter().collect(),
        };
        for rule in rules {
            let mut events: Vec<String> = Vec::new();
            if let Some(n) = rule.cluster_reports
                && old_size < n
                && c.size >= n
            {
                events.push(format!("cluster_reports>={n}"));
            }
            if let Some(n) = rule.cluster_units
                && old_units < n
                && c.units.len() >= n
            {
                events.push(format!("cluster_units>={n}"));
            }
            if let Some(n) = rule.growth_14d
                && old_growth < n
                && c.score_parts.figures.growth_14d >= n
            {
                events.push(format!("growth_14d>={n}"));
            }
            if rule.joins_assigned
                && !added.is_empty()
                && before.is_some()
                && record.is_some_and(|r| r.assigned_team.is_some())
            {
                events.push("joins_assigned".to_owned());
            }
            for event in events {
                let payload = serde_json::json!({
                    "event": event,
                    "cluster_id": c.cluster_id,
                    "size": c.size,
                    "units": c.units,
                    "score": c.score,
                    "growth_14d": c.score_parts.figures.growth_14d,
                    "status": record.map_or("new", |r| r.status.as_str()),
                    "assigned_team": record.and_then(|r| r.assigned_team.as_deref()),
                    "new_reports": added,
                });
                out.push((
                    rule.url.clone(),
                    event,
                    c.cluster_id.to_string(),
                    payload.to_string(),
                ));
            }
        }
    }
    out
}
