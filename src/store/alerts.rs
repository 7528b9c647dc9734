//! The webhook outbox: alerts queued with the change that caused them and
//! delivered with retries.

use anyhow::Result;
use rusqlite::params;
use time::OffsetDateTime;

use super::Store;

/// An alert waiting in the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingAlert {
    /// Row id.
    pub id: i64,
    /// Where to POST.
    pub url: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts so far.
    pub attempts: i64,
}

impl Store {
    /// Queues alerts: `(url, event, cluster, payload)`.
    pub fn queue_alerts(&mut self, alerts: &[(String, String, String, String)]) -> Result<()> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO alert_outbox (created_at, url, event, cluster_id, payload, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?1)",
            )?;
            for (url, event, cluster, payload) in alerts {
                put.execute(params![now, url, event, cluster, payload])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Alerts due for (re)delivery, oldest first.
    pub fn due_alerts(&self, max_attempts: i64, limit: usize) -> Result<Vec<PendingAlert>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut stmt = self.conn.prepare(
            "SELECT id, url, payload, attempts FROM alert_outbox
             WHERE delivered_at IS NULL AND next_at <= ?1 AND attempts < ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![now, max_attempts, limit as i64], |r| {
                Ok(PendingAlert {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    payload: r.get(2)?,
                    attempts: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records a delivery attempt: delivered, or failed with the next try
    /// after `retry_in` seconds.
    pub fn alert_attempt(&mut self, id: i64, error: Option<&str>, retry_in: i64) -> Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        match error {
            None => self.conn.execute(
                "UPDATE alert_outbox SET attempts = attempts + 1, delivered_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, now],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE alert_outbox SET attempts = attempts + 1, next_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, now + retry_in, e],
            )?,
        };
        Ok(())
    }

    /// Every alert with its delivery state, newest first.
    pub fn alerts(&self, limit: usize) -> Result<Vec<serde_json::Value>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, url, event, cluster_id, attempts, delivered_at, last_error FROM alert_outbox ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(serde_json::json!({
                    "id": r.get::<_, i64>(0)?, "created_at": r.get::<_, i64>(1)?, "url": r.get::<_, String>(2)?,
                    "event": r.get::<_, String>(3)?, "cluster_id": r.get::<_, String>(4)?, "attempts": r.get::<_, i64>(5)?,
                    "delivered_at": r.get::<_, Option<i64>>(6)?, "last_error": r.get::<_, Option<String>>(7)?,
                }))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
