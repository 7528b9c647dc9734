//! Settings: `config/default.toml` (embedded), then an optional file, then
//! environment variables `FRAUDLINK_<SECTION>_<KEY>`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::allowlist::Allowlist;

/// The defaults shipped with the source, embedded at build time.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// All settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The data directory (store and search index).
    pub data_dir: PathBuf,
    /// The region for numbers without a country code, e.g. `NL`.
    pub default_region: String,
    /// A path to an allowlist file; empty for the embedded one.
    pub allowlist: String,
    /// A path to a list of teams (`config/teams.toml`'s shape); empty for
    /// the embedded one.
    pub teams: String,
    /// Reports older than this many days are purged (0: never).
    pub retention_days: i64,
    /// Access-log rows older than this many days are purged (0: never;
    /// else at least 365 and at least `retention_days`).
    pub access_log_retention_days: i64,
    /// The file of the key that signs backup manifests; empty for
    /// `backup.key` in the data directory.
    pub backup_key: String,
    /// The HTTP service.
    pub server: ServerConfig,
    /// API tokens.
    pub auth: AuthConfig,
    /// Webhooks told about clusters that need attention.
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// Ingest settings.
    pub ingest: IngestConfig,
    /// How much one report (import, push or check) may hold.
    pub limits: crate::report::Limits,
    /// Linking settings.
    pub linking: LinkingConfig,
    /// Weak-link settings.
    pub weak: WeakConfig,
    /// Priority weights and scales.
    pub priority: PriorityConfig,
}

/// One webhook and the cluster events it wants. Delivered as JSON POSTs
/// with retries and backoff by `serve`, recorded in the store; each is
/// signed with the rule's `secret` (README, Alerts), sent over https, and
/// a redirect is a failed delivery, never followed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Where to POST: an `https://` URL (`http://` only to a loopback
    /// host, and only with `allow_loopback_http`).
    pub url: String,
    /// The key of the HMAC-SHA256 signature of each delivery (at least
    /// [`MIN_SECRET_BYTES`] bytes), which the receiver shares.
    pub secret: String,
    /// Allows plain `http://` to a loopback host (`127.0.0.0/8`, `::1`,
    /// `localhost`): a receiver on the same machine, or a test.
    #[serde(default)]
    pub allow_loopback_http: bool,
    /// A cluster reaches this many reports.
    #[serde(default)]
    pub cluster_reports: Option<usize>,
    /// A cluster reaches this many units.
    #[serde(default)]
    pub cluster_units: Option<usize>,
    /// A report joins a cluster that is assigned to a team.
    #[serde(default)]
    pub joins_assigned: bool,
    /// A cluster gets at least this many reports in 14 days.
    #[serde(default)]
    pub growth_14d: Option<usize>,
}

/// The HTTP service's address and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address.
    pub addr: String,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// How long a request that needs the clusters waits for a service
    /// that is starting to build them, in seconds, before it gets 503
    /// with `Retry-After` (`api::starting`).
    pub start_wait_secs: u64,
    /// The time slice the request threads ask the scheduler for, in
    /// microseconds (Linux 6.12 and later; 0 keeps the kernel's default).
    pub request_slice_us: u64,
    /// The session cookie's `Secure` attribute: `auto` (when the request
    /// came through https, as the proxy says), `always` or `never`.
    pub secure_cookie: String,
    /// `/api/v1/metrics` answers without a token (for a scraper that
    /// cannot send one); otherwise it needs a token of any role.
    pub open_metrics: bool,
    /// Requests that may wait for a worker thread, per kind of work
    /// (checks, searches and pages); more are refused with 503.
    pub queued_requests: usize,
    /// Requests with a large body (pushes, large checks) that may wait
    /// for a worker thread, per kind; more are refused with 503.
    pub queued_bodies: usize,
}

/// The shortest webhook secret taken: 128 bits as 32 hex digits.
pub const MIN_SECRET_BYTES: usize = 32;

impl AlertRule {
    /// Refuses a rule whose target may not be posted to: not `https` (or
    /// `http` to a loopback host when allowed), or without a usable secret.
    pub fn check(&self) -> Result<()> {
        let url = url::Url::parse(self.url.trim())
            .with_context(|| format!("url {:?} is not a URL", self.url))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback_http && loopback => {}
            "http" if loopback => anyhow::bail!(
                "url {:?} is plain http: use https, or set allow_loopback_http = true for a receiver on this machine",
                self.url
            ),
            other => anyhow::bail!(
                "url {:?}: alerts are posted over https only (not {other}), so that their contents and signature cannot be read or changed on the way",
                self.url
            ),
        }
        if self.secret.trim().len() < MIN_SECRET_BYTES {
            anyhow::bail!(
                "secret is missing or shorter than {MIN_SECRET_BYTES} characters (make one with `openssl rand -hex 32`)"
            );
        }
        Ok(())
    }
}

/// API tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Days a new token is valid when `token create` is not given
    /// `--expires-in` (0: tokens do not expire unless asked to).
    pub token_days: i64,
}

/// How reports are written to the store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// Reports per transaction.
    pub batch_size: usize,
}

/// How reports are linked into clusters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkingConfig {
    /// Window for linking two filings by the same victim.
    pub refiling_window_days: i64,
    /// Identifiers with fewer reports are never examined by the hub guard.
    pub hub_min_reports: usize,
    /// Minimum number of separate groups a hub must join to be suppressed.
    pub hub_min_groups: usize,
    /// A hub is suppressed only when its largest group is below this share.
    pub hub_max_largest_share: f64,
    /// An identifier that alone joins groups of different fraud types with
    /// at least this many reports each is shared (a money mule serving two
    /// groups): shown, not followed. 0 turns the rule off.
    pub shared_min_reports: usize,
    /// An e-mail domain with this many distinct addresses is a mail
    /// provider and does not link.
    pub mail_provider_min_addresses: usize,
}

/// Thresholds for suggested (weak) links.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeakConfig {
    /// Maximum edit distance between an invalid and a valid IBAN.
    pub iban_max_edits: usize,
    /// Minimum similarity of two domains' first labels.
    pub domain_min_similarity: f64,
    /// Minimum length of a domain's first label to be compared.
    pub domain_min_label: usize,
    /// Minimum Jaro-Winkler similarity of two handles.
    pub handle_min_similarity: f64,
}

/// Weights and half-points of the priority score (ARCHITECTURE.md,
/// "Priority"). Each part is a smooth curve that is half its weight at its
/// `*_half` value and keeps growing beyond it, so no part is capped at an
/// ordinary size (issue 22).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityConfig {
    /// Weight of the number of reports.
    pub reports: f64,
    /// Weight of the number of distinct victims.
    pub victims: f64,
    /// Weight of the number of units reached.
    pub units: f64,
    /// Weight of the number of teams reached.
    pub teams: f64,
    /// Weight of the total damage.
    pub damage: f64,
    /// Weight of recent growth.
    pub growth: f64,
    /// Weight of how recent the newest report is.
    pub recency: f64,
    /// Weight of actionable identifiers.
    pub actionable: f64,
    /// Reports (and victims) at which those parts are half their weight.
    pub reports_half: f64,
    /// Units at which the units part is half its weight.
    pub units_half: f64,
    /// Teams at which the teams part is half its weight.
    pub teams_half: f64,
    /// Damage at which the damage part is half its weight.
    pub damage_half_eur: f64,
    /// New reports (the last 14 days, plus half of those of the 30) at
    /// which the growth part is half its weight.
    pub growth_half: f64,
    /// Days since the newest report at which the recency part is half its
    /// weight.
    pub recency_half_days: f64,
}

/// The `[priority]` keys of before issue 22 (a cap at which a part was
/// full), with the key that replaces each.
const RETIRED_PRIORITY_KEYS: [(&str, &str, &str); 5] = [
    ("reports_scale", "reports_half", "reports"),
    ("units_scale", "units_half", "units"),
    ("teams_scale", "teams_half", "teams"),
    ("damage_scale_eur", "damage_half_eur", "euros"),
    ("growth_scale", "growth_half", "new reports"),
];

impl PriorityConfig {
    /// Refuses a weight below 0 or a half-point the curves cannot use; the
    /// error names the key.
    fn check(&self) -> Result<()> {
        let weights = [
            ("reports", self.reports),
            ("victims", self.victims),
            ("units", self.units),
            ("teams", self.teams),
            ("damage", self.damage),
            ("growth", self.growth),
            ("recency", self.recency),
            ("actionable", self.actionable),
        ];
        for (key, w) in weights {
            if !(w.is_finite() && w >= 0.0) {
                anyhow::bail!("priority.{key} = {w}: a weight is a number of 0 or more");
            }
        }
        // Counts are compared on a log scale: a half-point of 1 or less
        // would put every count above it.
        let halves = [
            ("reports_half", self.reports_half, 1.0),
            ("units_half", self.units_half, 1.0),
            ("teams_half", self.teams_half, 1.0),
            ("damage_half_eur", self.damage_half_eur, 0.0),
            ("growth_half", self.growth_half, 0.0),
            ("recency_half_days", self.recency_half_days, 0.0),
        ];
        for (key, h, above) in halves {
            if !(h.is_finite() && h > above) {
                anyhow::bail!("priority.{key} = {h}: must be a number above {above}");
            }
        }
        Ok(())
    }
}

/// A settings table that still sets a `[priority]` key of before issue 22
/// is refused with the key that replaces it: the old value was a cap, the
/// new one a half-point, so carrying it over would silently change the
/// ranking.
fn refuse_retired_keys(table: &toml::Table) -> Result<()> {
    let Some(priority) = table.get("priority").and_then(toml::Value::as_table) else {
        return Ok(());
    };
    for (old, new, what) in RETIRED_PRIORITY_KEYS {
        if priority.contains_key(old) {
            anyhow::bail!(
                "priority.{old} is no longer a setting: the score's parts have no cap since \
                 issue 22; set priority.{new} (the {what} at which the part is half its \
                 weight) instead, see config/default.toml"
            );
        }
    }
    Ok(())
}

impl Settings {
    /// Loads the defaults, then `config/local.toml` when it exists in the
    /// working directory, then `file` when given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings> {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).context("embedded defaults")?;
        let local = Path::new("config/local.toml");
        let files: Vec<&Path> = [Some(local).filter(|p| p.exists()), file]
            .into_iter()
            .flatten()
            .collect();
        for path in files {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading settings {}", path.display()))?;
            let over: toml::Table = toml::from_str(&text)
                .with_context(|| format!("parsing settings {}", path.display()))?;
            refuse_retired_keys(&over).with_context(|| format!("settings {}", path.display()))?;
            merge(&mut table, over);
        }
        apply_env(&mut table, std::env::vars())?;
        let settings: Settings = table
            .try_into()
            .context("settings do not match the expected keys")?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses settings that parse but cannot be used; the error names the
    /// key.
    pub fn check(&self) -> Result<()> {
        self.region()?;
        if !["auto", "always", "never"].contains(&self.server.secure_cookie.as_str()) {
            anyhow::bail!(
                "server.secure_cookie {:?}: one of auto, always, never",
                self.server.secure_cookie
            );
        }
        for (i, rule) in self.alerts.iter().enumerate() {
            rule.check().with_context(|| format!("alerts[{i}]"))?;
        }
        self.load_teams()?;
        self.check_retention()?;
        self.priority.check()?;
        Ok(())
    }

    /// The built-in defaults only (for tests and tools).
    pub fn defaults() -> Settings {
        // The embedded defaults are checked by a unit test.
        toml::from_str(DEFAULT_TOML).expect("embedded defaults are valid")
    }

    /// The default region as libphonenumber's id.
    pub fn region(&self) -> Result<phonenumber::country::Id> {
        self.default_region
            .trim()
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| {
                anyhow::anyhow!(
                    "default_region {:?} is not a known region",
                    self.default_region
                )
            })
    }

    /// The list of teams the settings name.
    pub fn load_teams(&self) -> Result<crate::teams::Teams> {
        if self.teams.trim().is_empty() {
            return Ok(crate::teams::Teams::embedded());
        }
        let text = std::fs::read_to_string(&self.teams)
            .with_context(|| format!("reading the list of teams {}", self.teams))?;
        crate::teams::Teams::from_toml(&text)
            .with_context(|| format!("the list of teams {}", self.teams))
    }

    /// Refuses an access-log retention that would let reads be forgotten
    /// while what they read is still kept, or within a year.
    pub fn check_retention(&self) -> Result<()> {
        let log = self.access_log_retention_days;
        if log == 0 {
            return Ok(());
        }
        if log < 365 {
            anyhow::bail!(
                "access_log_retention_days = {log}: the access log is kept at least 365 days (0 keeps it for ever)"
            );
        }
        if self.retention_days > 0 && log < self.retention_days {
            anyhow::bail!(
                "access_log_retention_days = {log} is shorter than retention_days = {}: the reads of reports still kept could no longer be checked",
                self.retention_days
            );
        }
        Ok(())
    }

    /// The allowlist the settings name.
    pub fn load_allowlist(&self) -> Result<Allowlist> {
        if self.allowlist.trim().is_empty() {
            return Ok(Allowlist::embedded());
        }
        let text = std::fs::read_to_string(&self.allowlist)
            .with_context(|| format!("reading allowlist {}", self.allowlist))?;
        Allowlist::from_toml(&text).with_context(|| format!("allowlist {}", self.allowlist))
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Variables named `FRAUDLINK_*` that are not settings: the command
/// line's own (`--data`, `--server`, `--token`, `--reason`), the log filter, and those
/// read by the project's tests and benchmarks, which the programs they
/// start inherit.
const OTHER_VARIABLES: &[&str] = &[
    "FRAUDLINK_DATA",
    "FRAUDLINK_SERVER",
    "FRAUDLINK_TOKEN",
    "FRAUDLINK_REASON",
    "FRAUDLINK_LOG",
    "FRAUDLINK_BIN",
    "FRAUDLINK_BENCH_INPUT",
    "FRAUDLINK_CRASH_KILLS",
    "FRAUDLINK_CRASH_REPORTS",
    "FRAUDLINK_CRASH_SEED",
    "FRAUDLINK_CRASH_BATCH",
];

/// Applies `FRAUDLINK_<SECTION>_<KEY>` and `FRAUDLINK_<KEY>` variables to
/// keys that exist in the defaults, parsing the value as the default's type.
///
/// A `FRAUDLINK_` variable that names no setting (and is none of
/// [`OTHER_VARIABLES`]) is an error: a misspelled
/// `FRAUDLINK_DEFAULT_REGOIN=US` would otherwise leave numbers read as
/// Dutch without a word.
fn apply_env(table: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) -> Result<()> {
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("FRAUDLINK_") else {
            continue;
        };
        if OTHER_VARIABLES.contains(&name.as_str()) {
            continue;
        }
        let rest = rest.to_ascii_lowercase();
        let is_setting = |v: Option<&toml::Value>| v.is_some_and(|v| !v.is_table());
        let mut target: Option<(&mut toml::Table, String)> = None;
        if is_setting(table.get(&rest)) {
            target = Some((table, rest));
        } else if let Some((section, key)) = rest.split_once('_')
            && is_setting(
                table
                    .get(section)
                    .and_then(toml::Value::as_table)
                    .and_then(|t| t.get(key)),
            )
        {
            let key = key.to_owned();
            if let Some(toml::Value::Table(t)) = table.get_mut(section) {
                target = Some((t, key));
            }
        }
        let Some((t, key)) = target else {
            bail_unknown(table, &name)?;
            continue;
        };
        let new = match t.get(&key) {
            Some(toml::Value::Integer(_)) => toml::Value::Integer(
                value
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be an integer"))?,
            ),
            Some(toml::Value::Float(_)) => toml::Value::Float(
                value
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be a number"))?,
            ),
            Some(toml::Value::Boolean(_)) => toml::Value::Boolean(
                value
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be true or false"))?,
            ),
            _ => toml::Value::String(value),
        };
        t.insert(key, new);
    }
    Ok(())
}

/// The error for a `FRAUDLINK_` variable that names no setting, with the
/// nearest setting's variable when one is close.
fn bail_unknown(table: &toml::Table, name: &str) -> Result<()> {
    let mut names = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(section) => names.extend(
                section
                    .iter()
                    .filter(|(_, v)| !v.is_table())
                    .map(|(k, _)| format!("FRAUDLINK_{key}_{k}").to_ascii_uppercase()),
            ),
            _ => names.push(format!("FRAUDLINK_{key}").to_ascii_uppercase()),
        }
    }
    let nearest = names
        .iter()
        .map(|n| (strsim::levenshtein(n, name), n))
        .min()
        .filter(|(d, _)| *d <= 3);
    match nearest {
        Some((_, n)) => anyhow::bail!("{name} names no setting; did you mean {n}?"),
        None => anyhow::bail!(
            "{name} names no setting (settings are FRAUDLINK_<KEY> or FRAUDLINK_<SECTION>_<KEY>, as in config/default.toml)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_are_complete() {
        let s = Settings::defaults();
        assert_eq!(s.default_region, "NL");
        assert_eq!(s.region().unwrap(), phonenumber::country::Id::NL);
        assert!(s.ingest.batch_size > 0);
    }

    #[test]
    fn environment_variables_override_keys_with_their_types() {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let vars = [
            ("FRAUDLINK_LINKING_HUB_MIN_REPORTS", "40"),
            ("FRAUDLINK_DATA_DIR", "/tmp/x"),
            ("FRAUDLINK_WEAK_DOMAIN_MIN_SIMILARITY", "0.8"),
            ("OTHER", "1"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        apply_env(&mut table, vars.into_iter()).unwrap();
        let s: Settings = table.try_into().unwrap();
        assert_eq!(s.linking.hub_min_reports, 40);
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.weak.domain_min_similarity, 0.8);
    }

    fn rule(url: &str, secret: &str, allow_loopback_http: bool) -> AlertRule {
        AlertRule {
            url: url.to_owned(),
            secret: secret.to_owned(),
            allow_loopback_http,
            cluster_reports: Some(20),
            cluster_units: None,
            joins_assigned: false,
            growth_14d: None,
        }
    }

    // See: issue 19
    #[test]
    fn issue_19_webhooks_are_https_with_a_secret_and_http_only_to_loopback_when_allowed() {
        let secret = "0123456789abcdef0123456789abcdef";
        let ok = |url: &str, allow: bool| rule(url, secret, allow).check();
        assert!(ok("https://desk.example/hooks/fraudlink", false).is_ok());
        assert!(ok("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(ok("http://[::1]:9000/hook", true).is_ok());
        assert!(ok("http://localhost/hook", true).is_ok());
        for (url, allow) in [
            ("http://desk.example/hook", false),
            ("http://desk.example/hook", true),
            ("http://10.0.0.5/hook", true),
            ("http://127.0.0.1:9000/hook", false),
            ("ftp://desk.example/hook", true),
            ("desk.example/hook", false),
        ] {
            let err = ok(url, allow).unwrap_err();
            assert!(format!("{err:#}").contains("url"), "{url}: {err:#}");
        }
        let err = rule("https://desk.example/h", "short", false)
            .check()
            .unwrap_err();
        assert!(format!("{err:#}").contains("secret"), "{err:#}");
    }

    #[test]
    fn settings_with_a_bad_alert_or_cookie_setting_are_refused_naming_the_key() {
        let mut s = Settings::defaults();
        s.alerts = vec![rule("http://desk.example/h", &"x".repeat(40), false)];
        let err = s.check().unwrap_err();
        assert!(format!("{err:#}").starts_with("alerts[0]"), "{err:#}");
        let mut s = Settings::defaults();
        s.server.secure_cookie = "yes".into();
        assert!(format!("{:#}", s.check().unwrap_err()).contains("secure_cookie"));
        assert!(Settings::defaults().check().is_ok());
    }

    #[test]
    fn a_misspelled_variable_is_an_error_naming_the_setting_meant() {
        // See: issue 20
        for (name, meant) in [
            ("FRAUDLINK_DEFAULT_REGOIN", Some("FRAUDLINK_DEFAULT_REGION")),
            ("FRAUDLINK_DEFAULTREGION", Some("FRAUDLINK_DEFAULT_REGION")),
            (
                "FRAUDLINK_INGEST_BATCHSIZE",
                Some("FRAUDLINK_INGEST_BATCH_SIZE"),
            ),
            ("FRAUDLINK_LINKING", None),
            ("FRAUDLINK_REGIO", None),
            ("FRAUDLINK_NOTHING_LIKE_ANY_SETTING", None),
        ] {
            let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
            let vars = [(name.to_owned(), "US".to_owned())];
            let err = apply_env(&mut table, vars.into_iter()).unwrap_err();
            let msg = format!("{err:#}");
            assert!(
                msg.contains(name) && msg.contains("names no setting"),
                "{msg}"
            );
            if let Some(meant) = meant {
                assert!(msg.contains(&format!("did you mean {meant}?")), "{msg}");
            }
        }
    }

    #[test]
    fn the_command_line_and_tool_variables_are_not_settings_and_not_errors() {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let before = table.clone();
        let vars = OTHER_VARIABLES
            .iter()
            .map(|n| ((*n).to_owned(), "x".to_owned()));
        apply_env(&mut table, vars).unwrap();
        assert_eq!(table, before);
    }

    #[test]
    fn a_bad_environment_value_is_an_error_naming_the_variable() {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let vars = [("FRAUDLINK_INGEST_BATCH_SIZE".to_owned(), "many".to_owned())];
        let err = apply_env(&mut table, vars.into_iter()).unwrap_err();
        assert!(format!("{err:#}").contains("FRAUDLINK_INGEST_BATCH_SIZE"));
    }

    // See: issue 22 (the score's caps became half-points)
    #[test]
    fn issue_22_a_priority_cap_of_before_is_refused_naming_the_key_that_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.toml");
        std::fs::write(&file, "[priority]\nreports = 0.3\nunits_scale = 6.0\n").unwrap();
        let err = format!("{:#}", Settings::load(Some(&file)).unwrap_err());
        assert!(
            err.contains("priority.units_scale") && err.contains("priority.units_half"),
            "{err}"
        );
        // In a variable, the nearest setting is named.
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let vars = [(
            "FRAUDLINK_PRIORITY_REPORTS_SCALE".to_owned(),
            "50".to_owned(),
        )];
        let err = format!("{:#}", apply_env(&mut table, vars.into_iter()).unwrap_err());
        assert!(err.contains("FRAUDLINK_PRIORITY_REPORTS_HALF"), "{err}");
        // The new keys are read, and unusable values named.
        std::fs::write(&file, "[priority]\nunits_half = 4.0\ngrowth = 0.3\n").unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!((s.priority.units_half, s.priority.growth), (4.0, 0.3));
        let mut s = Settings::defaults();
        s.priority.reports_half = 1.0;
        assert!(format!("{:#}", s.check().unwrap_err()).contains("priority.reports_half"));
        let mut s = Settings::defaults();
        s.priority.recency = -0.1;
        assert!(format!("{:#}", s.check().unwrap_err()).contains("priority.recency"));
    }
}
