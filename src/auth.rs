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
    /// When the token stops working, Unix seconds (`None`: never).
    #[serde(default)]
    pub expires_at: Option<i64>,
}

impl Principal {
    /// True once the token has expired: from then on it is refused like
    /// a revoked one, also by a process that read it while it was live.
    pub fn expired(&self) -> bool {
        self.expires_at
            .is_some_and(|t| t <= time::OffsetDateTime::now_utc().unix_timestamp())
    }

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

/// Reads a token's lifetime as `token create --expires-in` takes it: a
/// number and a unit (`s`, `m`, `h`, `d`, `w`: `90d`, `12h`), or `never`.
/// Returns seconds, `None` for never.
pub fn parse_lifetime(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit_seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "{text:?}: write a number and a unit (s, m, h, d, w), e.g. 90d or 12h, or never"
            ));
        }
    };
    match number.parse::<i64>() {
        Ok(n) if n > 0 => n
            .checked_mul(unit_seconds)
            .map(Some)
            .ok_or_else(|| format!("{text:?} is too long a lifetime")),
        _ => Err(format!(
            "{text:?}: the lifetime must be a positive number and a unit, e.g. 90d"
        )),
    }
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
    fn token_lifetimes_are_read_with_their_unit_or_never() {
        // See: issue 19
        #[track_caller]
        fn check(text: &str, expected: Result<Option<i64>, ()>) {
            assert_eq!(parse_lifetime(text).map_err(|_| ()), expected, "{text}");
        }
        check("90d", Ok(Some(90 * 86_400)));
        check("12h", Ok(Some(12 * 3600)));
        check("30m", Ok(Some(1800)));
        check("2w", Ok(Some(14 * 86_400)));
        check(" 5s ", Ok(Some(5)));
        check("never", Ok(None));
        check("NEVER", Ok(None));
        check("90", Err(()));
        check("0d", Err(()));
        check("-3d", Err(()));
        check("d", Err(()));
        check("3y", Err(()));
        check("99999999999999999w", Err(()));
    }

    #[test]
    fn an_expired_principal_says_so() {
        // See: issue 19
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let p = |expires_at| Principal {
            token_id: 1,
            role: Role::Analyst,
            team: None,
            label: String::new(),
            expires_at,
        };
        assert!(!p(None).expired());
        assert!(!p(Some(now + 60)).expired());
        assert!(p(Some(now - 1)).expired());
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
