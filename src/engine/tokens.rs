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

    /// Appends to the access log.
    pub fn log_access(
        &self,
        who: Option<&crate::auth::Principal>,
        action: &str,
        targets: &serde_json::Value,
        reason: Option<&str>,
        outcome: &str,
    ) -> Result<()> {
        let role = who.map_or("anonymous", |p| p.role.as_str());
        self.audit_store()
            .log_access(who, role, action, targets, reason, outcome)
    }

    /// Appends to the access log a read by a reader without a token (see
    /// [`Store::log_access_by`]), through the access log's own connection.
    pub fn log_access_by(&self, row: &crate::access::Access<'_>) -> Result<()> {
        self.audit_store().log_access_by(row)
    }

    /// Reads the access log.
    pub fn audit(
        &self,
        filter: &crate::store::AuditFilter,
    ) -> Result<Vec<crate::store::AccessRecord>> {
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
