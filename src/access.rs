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

/// Every action the access log records, as its `action` column holds it:
/// what the API, the web UI, the command line and the webhooks write
/// (reads, changes, administration), and the names of the refusals
/// written without a handler of their own (`api_token`, `ui_sign_in`, and
/// `request` for a refused route with no action of its own). The admin
/// page filters the log by these.
pub const ACTIONS: [&str; 28] = [
    "read_report",
    "read_cluster",
    "cluster_summary",
    "cluster_graph",
    "list_clusters",
    "export_cluster",
    "export_clusters",
    "search",
    "similar",
    "check",
    "explain",
    "hubs",
    "suggestions",
    "flow",
    "read_identifier",
    "stats",
    "push",
    "triage",
    "decide_link",
    "set_purpose",
    "audit",
    "token_create",
    "token_revoke",
    "purge",
    "webhook_delivery",
    "api_token",
    "ui_sign_in",
    "request",
];

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

    /// The action names written to the access log anywhere in `src/`:
    /// the literals in the places an action is named (a `log_read` or
    /// `log_access` call, an `Access` row, the command line's `log`, the
    /// refusals' kinds, the routes' actions).
    fn actions_in_source() -> std::collections::BTreeSet<String> {
        let name = r#""([a-z_]+)""#;
        let patterns = [
            format!(r"log_read\(\s*&?\w+,\s*&?\w+,\s*{name}"),
            format!(r"log_access\(\s*(?:None|Some\([^)]*\)),\s*(?:\w+,\s*)?{name}"),
            format!(r"action: {name}"),
            format!(r"\.log\(\s*&?\w+,\s*(?:if [^{{]*\{{\s*{name}\s*\}} else \{{\s*)?{name}"),
            format!(r"(?:authenticate|record)\([^,()]+(?:\([^)]*\))?,\s*{name}\)"),
        ];
        // The actions of the routes, for rows written about a request.
        let routes = regex::Regex::new(r"(?s)fn action_of\(.*?\n\}").unwrap();
        let arm = regex::Regex::new(&format!("=> {name}")).unwrap();
        let patterns: Vec<regex::Regex> = patterns
            .iter()
            .map(|p| regex::Regex::new(p).unwrap())
            .collect();
        let mut found = std::collections::BTreeSet::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // The tests' own rows are not the service's.
                let text = text.split("#[cfg(test)]").next().unwrap();
                for f in routes.find_iter(text) {
                    for c in arm.captures_iter(f.as_str()) {
                        found.insert(c[1].to_owned());
                    }
                }
                for re in &patterns {
                    for c in re.captures_iter(text) {
                        for m in c.iter().skip(1).flatten() {
                            found.insert(m.as_str().to_owned());
                        }
                    }
                }
            }
        }
        found
    }

    // See: issue 22
    #[test]
    fn issue_22_every_action_written_to_the_access_log_is_in_the_list() {
        let found = actions_in_source();
        // The scan finds the actions of every door.
        for a in [
            "read_report",
            "purge",
            "webhook_delivery",
            "ui_sign_in",
            "set_purpose",
        ] {
            assert!(found.contains(a), "{a} in {found:?}");
        }
        let missing: Vec<&String> = found
            .iter()
            .filter(|a| !ACTIONS.contains(&a.as_str()))
            .collect();
        assert!(missing.is_empty(), "not in access::ACTIONS: {missing:?}");
        let unused: Vec<&&str> = ACTIONS.iter().filter(|a| !found.contains(**a)).collect();
        assert!(unused.is_empty(), "listed but never written: {unused:?}");
    }

    #[test]
    fn a_purpose_is_trimmed_and_blank_is_none() {
        assert_eq!(purpose("  zaak 12 "), Some("zaak 12".to_owned()));
        assert_eq!(purpose(" \t"), None);
        assert_eq!(purpose(&"x".repeat(600)).unwrap().len(), 500);
    }
}
