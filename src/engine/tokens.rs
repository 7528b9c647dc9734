//! Tokens, roles and teams, and the access log every read is written to.

use anyhow::Result;
use time::OffsetDateTime;

use crate::store::Store;

use super::Engine;

impl Engine {
    /// The caller a token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Option<crate::auth::Principal>> {
        self.authenticate_hash(&crate::auth::token_hash(token))
    }

    /// The caller a token hash belongs to.
    pub fn authenticate_hash(&self, hash: &str) -> Result<Option<crate::auth::Principal>> {
        self.read(|s| s.principal(hash))
    }

    /// Every live token's hash with its caller (for the server's token book).
    pub fn live_tokens(&self) -> Result<Vec<(String, crate::auth::Principal)>> {
        self.read(|s| s.live_tokens())
    }

    /// Creates a token valid for `lifetime` seconds (`None`: no end)
    /// and returns it; only its hash is stored. A team is checked and
    /// kept in its one spelling ([`Engine::team`]).
    pub fn create_token(
        &self,
        role: crate::auth::Role,
        team: Option<&str>,
        label: &str,
        lifetime: Option<i64>,
    ) -> Result<(i64, String)> {
        let team = team.map(|t| self.team(t)).transpose()?;
        create_token(&mut self.store(), role, team.as_deref(), label, lifetime)
    }

    /// The one spelling of a team a person names (a token's, an
    /// assignment's): a team of the settings' list or one that reports
    /// were filed by, compared without regard to case and spacing
    /// ([`crate::teams`]). An unknown or empty name is an error whose
    /// source is a [`crate::teams::TeamError`], naming the nearest team.
    pub fn team(&self, given: &str) -> Result<String> {
        let teams = self.inner.settings.load_teams()?;
        let state = self.state();
        Ok(teams.canonical(given, state.team_names())?)
    }

    /// Revokes a token.
    pub fn revoke_token(&self, id: i64) -> Result<bool> {
        self.store().revoke_token(id)
    }

    /// Lists tokens (never the tokens themselves).
    pub fn tokens(&self) -> Result<Vec<crate::store::TokenRecord>> {
        self.read(|s| s.tokens())
    }

    /// Appends to the access log, through its queue: a request does not
    /// wait for the store's writer (see [`crate::store::AccessQueue`]).
    pub fn log_access(
        &self,
        who: Option<&crate::auth::Principal>,
        action: &str,
        targets: &serde_json::Value,
        reason: Option<&str>,
        outcome: &str,
    ) -> Result<()> {
        let role = who.map_or("anonymous", |p| p.role.as_str());
        let row = crate::store::AccessRow::by(who, role, action, targets, reason, outcome);
        self.inner.access_queue.push(&row)
    }

    /// Appends to the access log a read by a reader without a token (see
    /// [`Store::log_access_by`]), through its queue.
    pub fn log_access_by(&self, row: &crate::access::Access<'_>) -> Result<()> {
        self.inner
            .access_queue
            .push(&crate::store::AccessRow::from_access(row))
    }

    /// Moves the reads logged so far from the queue into the store's
    /// access log (the checkpoint thread does it a few times a second):
    /// the commands that read the log beside or after this process find
    /// them there.
    pub fn move_access_queue(&self) -> Result<usize> {
        self.audit_store()
            .take_access_queue(&self.inner.access_queue)
    }

    /// [`Engine::move_access_queue`] before the log is read: when the
    /// move fails (a segment that cannot be read), the log is shown
    /// without the rows still queued, and the failure is logged.
    pub(super) fn move_access_queue_or_warn(&self) {
        if let Err(e) = self.move_access_queue() {
            tracing::warn!(
                error = format!("{e:#}"),
                "moving the access log's queue before reading the log; its last rows are not shown"
            );
        }
    }

    /// Reads the access log (after moving the queued reads into it).
    pub fn audit(
        &self,
        filter: &crate::store::AuditFilter,
    ) -> Result<Vec<crate::store::AccessRecord>> {
        self.move_access_queue_or_warn();
        self.audit_store().audit(filter)
    }
}

/// Creates a token in `store` valid for `lifetime` seconds (`None`: no
/// end) and returns its id and the token; only its hash is stored.
pub fn create_token(
    store: &mut Store,
    role: crate::auth::Role,
    team: Option<&str>,
    label: &str,
    lifetime: Option<i64>,
) -> Result<(i64, String)> {
    let token = crate::auth::new_token();
    let expires_at = lifetime.map(|s| OffsetDateTime::now_utc().unix_timestamp().saturating_add(s));
    let id = store.create_token(
        &crate::auth::token_hash(&token),
        role,
        team,
        label,
        expires_at,
    )?;
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use crate::store::{AuditFilter, Store};

    fn logged(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
        Store::open(dir)
            .unwrap()
            .audit(&AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| (r.action, r.reason))
            .collect()
    }

    #[test]
    fn a_read_logged_through_the_queue_is_read_back_at_once_and_kept_when_the_engine_closes() {
        let dir = tempfile::tempdir().unwrap();
        let engine = crate::engine::testing::fixture_engine(dir.path());
        let targets = serde_json::json!({"query": "veilige rekening"});
        engine
            .log_access(None, "search", &targets, Some("zaak 12"), "ok")
            .unwrap();
        // Reading the log through the engine moves the queue first.
        let rows = engine
            .audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .unwrap();
        assert_eq!(rows[0].action, "search");
        assert_eq!(rows[0].targets, targets);
        // A command beside it reads the store; a read logged just before
        // the engine closes is there once it has.
        engine
            .log_access(None, "read_report", &targets, Some("zaak 13"), "ok")
            .unwrap();
        drop(engine);
        let rows = logged(dir.path());
        assert_eq!(rows[0], ("read_report".into(), Some("zaak 13".into())));
        assert_eq!(
            rows.iter().filter(|r| r.0 == "search").count(),
            1,
            "moved once"
        );
    }

    #[test]
    fn the_access_log_is_shown_when_a_queued_segment_cannot_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let engine = crate::engine::testing::fixture_engine(dir.path());
        let targets = serde_json::json!({"query": "helpdesk"});
        engine
            .log_access(None, "search", &targets, Some("zaak 14"), "ok")
            .unwrap();
        engine.move_access_queue().unwrap();
        // A segment that cannot be read (here a folder by its name).
        let bad = dir
            .path()
            .join(crate::store::QUEUE_DIR)
            .join("00000000000000000001.rows");
        std::fs::create_dir(&bad).unwrap();
        assert!(engine.move_access_queue().is_err());
        let rows = engine
            .audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .unwrap();
        assert_eq!(rows[0].targets, targets, "the rows moved before it");
    }
}
