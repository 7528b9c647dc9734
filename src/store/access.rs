//! Tokens and the access log (who read what, when and why).

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use crate::auth::{Principal, Role as AccessRole};

use super::purge::delete_access_log_before;
use super::{ADMIN_REVISION, Store, bump};

/// One row of the access log.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AccessRecord {
    /// Row id.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// The token (its row id).
    #[schema(required = true)]
    pub token_id: Option<i64>,
    /// The caller's role.
    pub role: String,
    /// The caller's team.
    #[schema(required = true)]
    pub team: Option<String>,
    /// What was done (`read_report`, `search`, ...).
    pub action: String,
    /// What was shown: report ids (or a snapshot of a long list, see
    /// [`crate::access::reports_shown`]), cluster ids, the query.
    pub targets: serde_json::Value,
    /// The purpose the reader gave (`X-Fraudlink-Reason`, the UI
    /// session's purpose, `--reason`).
    #[schema(required = true)]
    pub reason: Option<String>,
    /// `ok`, `denied` or `not_found` (a webhook delivery: `ok` or
    /// `failed: ...`).
    pub outcome: String,
    /// Who, by name: a token's `role#id (label)`, the person at the
    /// command line, a webhook's URL (empty in rows written before the
    /// column was added).
    #[schema(required = true)]
    pub actor: Option<String>,
}

impl AccessRecord {
    /// Reads a row of `id, at, token_id, role, team, action, targets,
    /// reason, outcome, actor` (the targets as JSON, or as the text they
    /// are when they do not parse).
    pub(super) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessRecord> {
        let targets: String = r.get(6)?;
        Ok(AccessRecord {
            id: r.get(0)?,
            at: r.get(1)?,
            token_id: r.get(2)?,
            role: r.get(3)?,
            team: r.get(4)?,
            action: r.get(5)?,
            targets: serde_json::from_str(&targets).unwrap_or(serde_json::Value::String(targets)),
            reason: r.get(7)?,
            outcome: r.get(8)?,
            actor: r.get(9)?,
        })
    }
}

/// An access-log row to write (its id is given when it is written).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessRow {
    /// When, Unix seconds.
    pub at: i64,
    /// The token (its row id).
    pub token_id: Option<i64>,
    /// The caller's role, or the door ([`crate::access::CLI_ROLE`], ...).
    pub role: String,
    /// The caller's team.
    pub team: Option<String>,
    /// What was done.
    pub action: String,
    /// What was shown, as JSON text.
    pub targets: String,
    /// The purpose given.
    pub reason: Option<String>,
    /// `ok`, `denied`, ...
    pub outcome: String,
    /// Who, by name.
    pub actor: Option<String>,
}

impl AccessRow {
    /// A read by a token's holder (`who`; `None`: a request without a
    /// valid token, under `role`), now.
    pub fn by(
        who: Option<&Principal>,
        role: &str,
        action: &str,
        targets: &serde_json::Value,
        reason: Option<&str>,
        outcome: &str,
    ) -> AccessRow {
        AccessRow {
            at: OffsetDateTime::now_utc().unix_timestamp(),
            token_id: who.map(|p| p.token_id),
            role: role.to_owned(),
            team: who.and_then(|p| p.team.clone()),
            action: action.to_owned(),
            targets: targets.to_string(),
            reason: reason.map(str::to_owned),
            outcome: outcome.to_owned(),
            actor: who.map(Principal::name),
        }
    }

    /// A read by a reader without a token, now.
    pub fn from_access(row: &crate::access::Access<'_>) -> AccessRow {
        AccessRow {
            at: OffsetDateTime::now_utc().unix_timestamp(),
            token_id: None,
            role: row.role.to_owned(),
            team: None,
            action: row.action.to_owned(),
            targets: row.targets.to_string(),
            reason: row.reason.map(str::to_owned),
            outcome: row.outcome.to_owned(),
            actor: Some(row.actor.to_owned()),
        }
    }

    /// Writes it to the access log of `conn`'s store.
    pub(super) fn insert(&self, conn: &rusqlite::Connection) -> Result<()> {
        conn.prepare_cached(
            "INSERT INTO access_log (at, token_id, role, team, action, targets, reason, outcome, actor) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            self.at,
            self.token_id,
            self.role,
            self.team,
            self.action,
            self.targets,
            self.reason,
            self.outcome,
            self.actor,
        ])?;
        Ok(())
    }
}

/// A filter on the access log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this token.
    pub token_id: Option<i64>,
    /// Only this action.
    pub action: Option<String>,
    /// Only rows whose targets mention this id.
    pub target: Option<String>,
    /// Only rows at or after this time.
    pub since: Option<i64>,
    /// At most this many rows (newest first).
    pub limit: usize,
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRecord {
    /// Row id.
    pub id: i64,
    /// Role.
    pub role: String,
    /// Team.
    pub team: Option<String>,
    /// Label.
    pub label: String,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Revoked, Unix seconds.
    pub revoked_at: Option<i64>,
    /// When it stops working, Unix seconds (`None`: never).
    pub expires_at: Option<i64>,
    /// `live`, `revoked` or `expired`, as of the listing.
    pub state: &'static str,
}

impl Store {
    /// Stores a new token's hash, valid until `expires_at` (Unix seconds;
    /// `None`: no end); returns its row id.
    pub fn create_token(
        &mut self,
        hash: &str,
        role: AccessRole,
        team: Option<&str>,
        label: &str,
        expires_at: Option<i64>,
    ) -> Result<i64> {
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT INTO tokens (hash, role, team, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hash,
                role.as_str(),
                team,
                label,
                OffsetDateTime::now_utc().unix_timestamp(),
                expires_at
            ],
        )?;
        let id = tx.last_insert_rowid();
        bump(&tx, ADMIN_REVISION)?;
        tx.commit()?;
        Ok(id)
    }

    /// The caller a token hash belongs to, unless revoked or expired.
    pub fn principal(&self, hash: &str) -> Result<Option<Principal>> {
        type Row = (i64, String, Option<String>, String, Option<i64>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT id, role, team, label, expires_at FROM tokens
                 WHERE hash = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
                params![hash, OffsetDateTime::now_utc().unix_timestamp()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.and_then(|(id, role, team, label, expires_at)| {
            Some(Principal {
                token_id: id,
                role: AccessRole::from_name(&role)?,
                team,
                label,
                expires_at,
            })
        }))
    }

    /// Every live token (neither revoked nor expired): its hash and its
    /// caller, who carries the expiry so that a token expiring later is
    /// refused from that moment on.
    pub fn live_tokens(&self) -> Result<Vec<(String, Principal)>> {
        let mut stmt = self.conn.prepare(
            "SELECT hash, id, role, team, label, expires_at FROM tokens
             WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)",
        )?;
        type Row = (String, i64, String, Option<String>, String, Option<i64>);
        let rows = stmt
            .query_map([OffsetDateTime::now_utc().unix_timestamp()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<Row>>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(hash, id, role, team, label, expires_at)| {
                let role = AccessRole::from_name(&role)?;
                Some((
                    hash,
                    Principal {
                        token_id: id,
                        role,
                        team,
                        label,
                        expires_at,
                    },
                ))
            })
            .collect())
    }

    /// Revokes a token; false when there was no such live token.
    pub fn revoke_token(&mut self, id: i64) -> Result<bool> {
        let tx = self.write_transaction()?;
        let n = tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        if n == 1 {
            bump(&tx, ADMIN_REVISION)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// All tokens, with their state as of now.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut stmt = self.conn.prepare(
            "SELECT id, role, team, label, created_at, revoked_at, expires_at FROM tokens ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let revoked_at: Option<i64> = r.get(5)?;
                let expires_at: Option<i64> = r.get(6)?;
                Ok(TokenRecord {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    team: r.get(2)?,
                    label: r.get(3)?,
                    created_at: r.get(4)?,
                    revoked_at,
                    expires_at,
                    state: if revoked_at.is_some() {
                        "revoked"
                    } else if expires_at.is_some_and(|t| t <= now) {
                        "expired"
                    } else {
                        "live"
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Appends one access by a token's holder (`who`; `None`: a request
    /// without a valid token, under `role`).
    pub fn log_access(
        &mut self,
        who: Option<&Principal>,
        role: &str,
        action: &str,
        targets: &serde_json::Value,
        reason: Option<&str>,
        outcome: &str,
    ) -> Result<()> {
        AccessRow::by(who, role, action, targets, reason, outcome).insert(&self.conn)
    }

    /// Appends one access by a reader without a token: `role` says which
    /// door (`cli`, `webhook`), `actor` who (the person at the command
    /// line, the webhook's URL).
    pub fn log_access_by(&mut self, row: &crate::access::Access<'_>) -> Result<()> {
        AccessRow::from_access(row).insert(&self.conn)
    }

    /// Reads the access log, newest first.
    pub fn audit(&self, f: &AuditFilter) -> Result<Vec<AccessRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, token_id, role, team, action, targets, reason, outcome, actor FROM access_log
             WHERE (?1 IS NULL OR token_id = ?1) AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR instr(targets, ?3) > 0) AND (?4 IS NULL OR at >= ?4)
             ORDER BY id DESC LIMIT ?5",
        )?;
        let rows = stmt
            .query_map(
                params![
                    f.token_id,
                    f.action,
                    f.target,
                    f.since,
                    f.limit.max(1) as i64
                ],
                AccessRecord::from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Deletes the access-log rows written before `before` (Unix seconds),
    /// past the log's retention period, and records the cut-off (the only
    /// way rows leave the log; see the schema's trigger). Returns how many.
    pub fn purge_access_log(&mut self, before: i64) -> Result<usize> {
        let tx = self.write_transaction()?;
        let n = delete_access_log_before(&tx, before)?;
        tx.commit()?;
        Ok(n)
    }
}
