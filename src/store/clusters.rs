//! Clusters: stable ids, memberships and events, triage and the
//! analysts' link decisions.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use crate::cluster::{Assignment, ClusterId, Event, Previous};
use crate::report::ReportId;

use super::schema::MEMBERSHIPS_CLUSTER_INDEX;
use super::{ADMIN_REVISION, REVISION, Store, bump};

/// From this many new or moved memberships, when they are at least as
/// many as those kept, a save makes the cluster index again after writing
/// them instead of inserting into it row by row.
pub(super) const BULK_MEMBERSHIPS: usize = 100_000;

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

impl Store {
    /// The cluster of each of `ids` that has one, as the last re-cluster
    /// saved it.
    pub fn clusters_of<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, ClusterId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cluster_id FROM memberships WHERE report_id = ?1")?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(c) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.insert(id.to_owned(), ClusterId::new(c));
            }
        }
        Ok(out)
    }

    /// The reports of a cluster, as the last re-cluster saved them, sorted.
    pub fn cluster_members(&self, id: &ClusterId) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT report_id FROM memberships WHERE cluster_id = ?1 ORDER BY report_id",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Writes a new assignment: memberships, new clusters, aliases and
    /// events, in one transaction. Only `changes` (worked out before, so
    /// that the writer is held for the writes alone) are written to the
    /// memberships.
    pub fn save_assignment(
        &mut self,
        a: &Assignment,
        changes: &MembershipChanges<'_>,
        cause: &str,
    ) -> Result<()> {
        let tx = self.write_transaction()?;
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
            // follow the cases' own time. They are inserted in id order:
            // an id is a hash, and inserting millions of them in any other
            // order sends each to a random page of the id's B-tree (at ten
            // million reports the save of an import's assignment took
            // 160 s, most of it such page reads).
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
            let mut aged: Vec<(&ClusterId, i64)> = created
                .into_iter()
                .map(|e| {
                    age += 1;
                    (e.cluster(), age)
                })
                .collect();
            aged.sort_unstable();
            for (cluster, age) in aged {
                new_cluster.execute(params![cluster.as_str(), now, age])?;
            }
            for (from, to) in &a.aliases {
                alias.execute(params![from.as_str(), to.as_str(), now])?;
                repoint.execute(params![from.as_str(), to.as_str()])?;
            }
            // In cluster order too, for the events' cluster index; a
            // cluster's own events keep their order (a stable sort), and
            // they all share one time.
            let mut events: Vec<&Event> = a.events.iter().collect();
            events.sort_by(|x, y| x.cluster().cmp(y.cluster()));
            for e in events {
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
        {
            // In report order, for the same reason as the clusters. The
            // cluster index then takes its rows at random: when the change
            // is most of the table (an import into a new store, a first
            // open) it is dropped and made again from the table, which
            // sorts once instead.
            let bulk = changes.put.len() >= BULK_MEMBERSHIPS && changes.put.len() >= changes.kept;
            if bulk {
                tx.execute_batch("DROP INDEX IF EXISTS memberships_cluster")?;
            }
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO memberships (report_id, cluster_id) VALUES (?1, ?2)",
            )?;
            for (r, cid) in &changes.put {
                put.execute(params![r.as_str(), cid.as_str()])?;
            }
            let mut gone = tx.prepare_cached("DELETE FROM memberships WHERE report_id = ?1")?;
            for r in &changes.gone {
                gone.execute([r.as_str()])?;
            }
            if bulk {
                tx.execute_batch(MEMBERSHIPS_CLUSTER_INDEX)?;
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

    /// The triage record of a live cluster, when someone has triaged it
    /// (see [`Store::triaged_clusters`]).
    pub fn triaged_cluster(&self, id: &ClusterId) -> Result<Option<ClusterRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, created_at, status, assigned_team, notes FROM clusters
             WHERE id = ?1 AND alias_of IS NULL
               AND (status <> 'new' OR assigned_team IS NOT NULL OR notes <> '')",
        )?;
        let mut rows = stmt.query_map([id.as_str()], triage_record)?;
        Ok(rows.next().transpose()?)
    }

    /// Triage records of the live clusters someone has triaged: those
    /// with a status other than `new`, a team or a note. The others (most
    /// of them: 480k at a million reports, 130 MB as records) are `new`,
    /// unassigned and without notes, which is what a missing record means.
    pub fn triaged_clusters(&self) -> Result<HashMap<ClusterId, ClusterRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, status, assigned_team, notes FROM clusters
             WHERE alias_of IS NULL
               AND (status <> 'new' OR assigned_team IS NOT NULL OR notes <> '')",
        )?;
        let rows = stmt
            .query_map([], triage_record)?
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

    /// Every triage event, oldest first, as `(cluster id, Unix seconds,
    /// detail)`: the flow figures (lead times to assignment and closure)
    /// are computed from them.
    pub fn triage_events(&self) -> Result<Vec<(String, i64, serde_json::Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT cluster_id, at, detail FROM cluster_events WHERE kind = 'triage' ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let detail: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
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
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO link_decisions (a, b, decision, basis, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a, b, decision, basis, actor, OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        bump(&tx, REVISION)?;
        tx.commit()?;
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

    /// Sets a live cluster's triage fields (those given) and records the
    /// change as an event with who made it.
    pub fn set_triage(
        &mut self,
        id: &ClusterId,
        status: Option<&str>,
        assigned_team: Option<Option<&str>>,
        note: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if let Some(s) = status {
            tx.execute(
                "UPDATE clusters SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), s, now],
            )?;
        }
        if let Some(t) = assigned_team {
            tx.execute(
                "UPDATE clusters SET assigned_team = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), t, now],
            )?;
        }
        if let Some(n) = note {
            tx.execute(
                "UPDATE clusters SET notes = CASE WHEN notes = '' THEN ?2 ELSE notes || char(10) || ?2 END, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), n, now],
            )?;
        }
        // `assigned_team` is null both when the team was left as it was
        // and when it was taken away: `unassigned` tells them apart
        // (additive since issue 22; older events lack it).
        let mut detail =
            serde_json::json!({"status": status, "assigned_team": assigned_team, "note": note});
        if assigned_team == Some(None) {
            detail["unassigned"] = serde_json::Value::Bool(true);
        }
        tx.execute(
            "INSERT INTO cluster_events (at, cluster_id, kind, cause, actor, detail) VALUES (?1, ?2, 'triage', 'triage', ?3, ?4)",
            params![now, id.as_str(), actor, detail.to_string()],
        )?;
        bump(&tx, ADMIN_REVISION)?;
        tx.commit()?;
        Ok(())
    }
}

/// What a new assignment changes in the stored memberships: the reports
/// that are new or moved, and those that left the graph (purged). Worked
/// out from the assignment and the previous one without the store; at a
/// million reports that is a million look-ups, which a re-cluster under
/// load once did while holding the writer (0.25 to 1 s, pushes waiting).
#[derive(Debug, Default)]
pub struct MembershipChanges<'a> {
    /// New or moved, in report order.
    pub(super) put: Vec<(&'a ReportId, &'a ClusterId)>,
    /// Left the graph, in report order.
    pub(super) gone: Vec<&'a ReportId>,
    /// How many stored memberships stay as they are.
    pub(super) kept: usize,
}

impl<'a> MembershipChanges<'a> {
    /// The changes from `previous` to `a`.
    pub fn between(a: &'a Assignment, previous: &'a Previous) -> MembershipChanges<'a> {
        let mut changes = MembershipChanges::default();
        let mut still = 0usize;
        for (cid, reports) in &a.clusters {
            for r in reports {
                match previous.membership.get(r) {
                    Some(old) if old == cid => {
                        still += 1;
                        changes.kept += 1;
                    }
                    Some(_) => {
                        still += 1;
                        changes.put.push((r, cid));
                    }
                    None => changes.put.push((r, cid)),
                }
            }
        }
        if still < previous.membership.len() {
            let live: std::collections::HashSet<&ReportId> =
                a.clusters.values().flatten().collect();
            changes.gone = previous
                .membership
                .keys()
                .filter(|r| !live.contains(r))
                .collect();
        }
        changes.put.sort_unstable_by(|x, y| x.0.cmp(y.0));
        changes.gone.sort_unstable();
        changes
    }

    /// No membership to write.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.gone.is_empty()
    }
}

/// A triage record from a row of `id, created_at, status, assigned_team,
/// notes` of the clusters table.
fn triage_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClusterRecord> {
    Ok(ClusterRecord {
        id: ClusterId::new(r.get::<_, String>(0)?),
        created_at: r.get(1)?,
        status: r.get(2)?,
        assigned_team: r.get(3)?,
        notes: r.get(4)?,
    })
}
