//! The access log's vocabulary, shared by every door that shows report
//! data (the API, the web UI, the command line, webhook deliveries): who
//! read when the reader holds no token, and how a row names what was
//! shown.
//!
//! A row names every report shown. A list longer than [`MAX_LISTED`] (the
//! export of every cluster at a million reports names a million ids) is
//! written as a snapshot instead: the number of ids, the SHA-256 of the
//! ids one per line in the order shown, the first and the last, and the
//! store's generation, so that a list rebuilt from the store later can be
//! proven to be the one shown.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// One access-log row of a reader without a token: `role` says which
/// door (`cli`, `webhook`), `actor` who (the person at the command line,
/// the webhook's URL), `targets` what was shown, `reason` why.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The door ([`CLI_ROLE`], [`WEBHOOK_ROLE`]).
    pub role: &'a str,
    /// Who read.
    pub actor: &'a str,
    /// What was done (`search`, `export`, ...).
    pub action: &'a str,
    /// What was shown (see [`reports_shown`]).
    pub targets: &'a Value,
    /// Why, as the reader gave it.
    pub reason: Option<&'a str>,
    /// `ok`, or what went wrong.
    pub outcome: &'a str,
}

/// The most report ids a row lists one by one; past it, a snapshot.
pub const MAX_LISTED: usize = 10_000;

/// The access log's role for reads on the command line (the person is in
/// the row's `actor`).
pub const CLI_ROLE: &str = "cli";

/// The access log's role for webhook deliveries (the URL is the actor).
pub const WEBHOOK_ROLE: &str = "webhook";

/// The reports shown, as a row names them: the ids, or past
/// [`MAX_LISTED`] a snapshot of them (see the module's documentation).
pub fn reports_shown<'a, I>(ids: I, generation: i64) -> Value
where
    I: IntoIterator<Item = &'a str>,
{
    let mut shown = Shown::default();
    for id in ids {
        shown.push(id);
    }
    shown.finish(generation)
}

/// [`reports_shown`] of ids given one at a time, as a list too long to
/// hold is written (the export of every cluster).
#[derive(Default)]
pub struct Shown {
    count: usize,
    listed: Vec<String>,
    hash: Sha256,
    first: String,
    last: String,
}

impl Shown {
    /// Notes the next id shown.
    pub fn push(&mut self, id: &str) {
        if self.count == 0 {
            self.first = id.to_owned();
        }
        self.count += 1;
        if self.count <= MAX_LISTED {
            self.listed.push(id.to_owned());
        } else if !self.listed.is_empty() {
            // Past the list's length: the list is let go.
            self.listed = Vec::new();
        }
        self.last.clear();
        self.last.push_str(id);
        self.hash.update(id.as_bytes());
        self.hash.update(b"\n");
    }

    /// The row's value for the ids noted (`generation`: the store's, of
    /// the list shown).
    pub fn finish(self, generation: i64) -> Value {
        if self.count <= MAX_LISTED {
            return Value::Array(self.listed.into_iter().map(Value::String).collect());
        }
        let digest: String = self
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        json!({
            "snapshot": {
                "count": self.count,
                "sha256": digest,
                "first": self.first,
                "last": self.last,
                "generation": generation,
            }
        })
    }
}

/// The person running a command, for the access log: `$USER` (or
/// `$LOGNAME`), else `unknown`.
pub fn cli_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A purpose as given (header, form field, `--reason`): trimmed, at most
/// 500 characters; `None` when blank.
pub fn purpose(given: &str) -> Option<String> {
    let p: String = given.trim().chars().take(500).collect();
    (!p.is_empty()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lists_are_named_and_long_ones_are_a_snapshot_of_them() {
        assert_eq!(reports_shown(["R-1", "R-2"], 7), json!(["R-1", "R-2"]));
        let ids: Vec<String> = (0..=MAX_LISTED).map(|i| format!("R-{i}")).collect();
        let v = reports_shown(ids.iter().map(String::as_str), 7);
        let s = &v["snapshot"];
        assert_eq!(s["count"], MAX_LISTED + 1);
        assert_eq!(s["first"], "R-0");
        assert_eq!(s["last"], format!("R-{MAX_LISTED}"));
        assert_eq!(s["generation"], 7);
        // The hash is of the ids one per line, in order.
        let mut joined = ids.join("\n");
        joined.push('\n');
        let expected: String = Sha256::digest(joined.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(s["sha256"], expected);
    }

    #[test]
    fn a_purpose_is_trimmed_and_blank_is_none() {
        assert_eq!(purpose("  zaak 12 "), Some("zaak 12".to_owned()));
        assert_eq!(purpose(" \t"), None);
        assert_eq!(purpose(&"x".repeat(600)).unwrap().len(), 500);
    }
}
