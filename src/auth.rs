//! Who may do what: API tokens, roles and the actions they allow.
//!
//! Report data is personal data under the Wet politiegegevens: every read
//! is authorised by role (need to know) and written to the access log. This
//! module is HTTP-agnostic; `api/` maps requests onto [`Action`]s.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A basisteam: submit and check reports, read its own team's reports
    /// and the summary of a matching cluster.
    Intake,
    /// Read and search everything, confirm or reject links.
    Analyst,
    /// Analyst plus triage and assignment.
    Coordinator,
    /// Tokens and retention; everything else too.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::Intake, Role::Analyst, Role::Coordinator, Role::Admin];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Analyst => "analyst",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    /// Parses a lower-case name.
    pub fn from_name(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// True when this role may perform `action`.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match action {
            SubmitReports | Check | ReadOwnTeamReport | ReadClusterSummary => true,
            ReadAnyReport | WriteAnyReport | ReadClusters | Search | Explain | Export
            | DecideLink => self >= Role::Analyst,
            Triage => self >= Role::Coordinator,
            Administer => self == Role::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Push reports.
    SubmitReports,
    /// Check a report against the clusters.
    Check,
    /// Read a report filed by the caller's own team.
    ReadOwnTeamReport,
    /// Read any report.
    ReadAnyReport,
    /// Push reports of any team (an intake token writes only its own
    /// team's: a report naming another team, or replacing one stored for
    /// another team, is refused).
    WriteAnyReport,
    /// Read the summary of one cluster (size, units, status, team).
    ReadClusterSummary,
    /// List and read clusters in full.
    ReadClusters,
    /// Full-text search.
    Search,
    /// Explain a link.
    Explain,
    /// Export clusters.
    Export,
    /// Confirm or reject a suggested link.
    DecideLink,
    /// Set status, assignment and notes.
    Triage,
    /// Tokens, retention.
    Administer,
}

/// A caller, as established from a valid token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The token's row id (never the token itself).
    pub token_id: i64,
    /// Its role.
    pub role: Role,
    /// Its team, for intake tokens.
    pub team: Option<String>,
    /// A label given when the token was created.
    pub label: String,
}

impl Principal {
    /// A name for logs and events: `analyst#3 (label)`.
    pub fn name(&self) -> String {
        format!("{}#{} ({})", self.role, self.token_id, self.label)
    }
}

/// A new random token: `fl_` and 48 hex digits (192 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("fl_{hex}")
}

/// The stored form of a token: its SHA-256, hex. Tokens have 192 random
/// bits, so a fast hash is enough; the plain token is never stored.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_what_the_brief_says() {
        assert!(Role::Intake.may(Action::Check));
        assert!(Role::Intake.may(Action::SubmitReports));
        assert!(!Role::Intake.may(Action::ReadAnyReport));
        assert!(!Role::Intake.may(Action::WriteAnyReport));
        assert!(Role::Analyst.may(Action::WriteAnyReport));
        assert!(!Role::Intake.may(Action::Search));
        assert!(Role::Analyst.may(Action::DecideLink));
        assert!(!Role::Analyst.may(Action::Triage));
        assert!(Role::Coordinator.may(Action::Triage));
        assert!(!Role::Coordinator.may(Action::Administer));
        assert!(Role::Admin.may(Action::Administer));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with("fl_") && a.len() == 51);
        assert_eq!(token_hash(&a), token_hash(&format!(" {a}\n")));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
    }
}
