//! [`EngineError`]: how a use case fails, typed so that each front end
//! says it once (the API as an HTTP status with `{"error", "detail"}`, the
//! UI as a page in the person's language, the CLI as a message), and a
//! failure of the service is never told as the person's mistake, nor the
//! other way round.

use std::fmt;

/// A failed use case.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The thing asked for does not exist (HTTP 404).
    #[error("no {what} {id}")]
    NotFound {
        /// What was looked for.
        what: Thing,
        /// As the caller wrote it.
        id: String,
    },
    /// The request is wrong: a field's value is not one the use case
    /// takes (HTTP 422). Nothing was changed.
    #[error("{field}: {problem}")]
    Invalid {
        /// The request's field, as the API names it (`status`,
        /// `assigned_team`, `decision`, `a`, ...).
        field: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it and what is accepted, in English (the
        /// API's detail; the UI says it in its own words).
        problem: String,
    },
    /// The service is starting and cannot answer this yet (HTTP 503 with
    /// `Retry-After`): see `api::starting`.
    #[error("the service is starting")]
    Starting,
    /// A failure of the service (the store, the index, a bug), not of the
    /// request (HTTP 500): logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a [`EngineError::NotFound`] looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    /// A cluster id (current or merged away).
    Cluster,
    /// A report id.
    Report,
    /// A link decision in force, to undo.
    LinkDecision,
}

impl Thing {
    /// Its name in the API's English messages and the UI's message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Thing::Cluster => "cluster",
            Thing::Report => "report",
            Thing::LinkDecision => "link decision",
        }
    }
}

impl fmt::Display for Thing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EngineError {
    /// No `what` called `id`.
    pub fn not_found(what: Thing, id: impl Into<String>) -> EngineError {
        EngineError::NotFound {
            what,
            id: id.into(),
        }
    }

    /// `field`'s `value` is wrong, because `problem`.
    pub fn invalid(
        field: &'static str,
        value: impl Into<String>,
        problem: impl Into<String>,
    ) -> EngineError {
        EngineError::Invalid {
            field,
            value: value.into(),
            problem: problem.into(),
        }
    }

    /// True for the caller's mistakes (not found, invalid),
    /// false for the service's failures.
    pub fn is_callers(&self) -> bool {
        !matches!(self, EngineError::Internal(_))
    }
}

/// A result of a use case.
pub type EngineResult<T> = Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_thing_or_the_field() {
        assert_eq!(
            EngineError::not_found(Thing::Cluster, "C-000001").to_string(),
            "no cluster C-000001"
        );
        let e = EngineError::invalid("status", "gone", "one of new, assigned");
        assert_eq!(e.to_string(), "status: one of new, assigned");
        assert!(e.is_callers());
        let internal = EngineError::from(anyhow::anyhow!("disk I/O error"));
        assert!(!internal.is_callers());
        assert_eq!(internal.to_string(), "disk I/O error");
    }
}
