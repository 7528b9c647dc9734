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
    /// Reports older than this many days are purged (0: never).
    pub retention_days: i64,
    /// The HTTP service.
    pub server: ServerConfig,
    /// Webhooks told about clusters that need attention.
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// Ingest settings.
    pub ingest: IngestConfig,
    /// Linking settings.
    pub linking: LinkingConfig,
    /// Weak-link settings.
    pub weak: WeakConfig,
    /// Priority weights and scales.
    pub priority: PriorityConfig,
}

/// One webhook and the cluster events it wants. Delivered as JSON POSTs
/// with retries and backoff by `serve`, recorded in the store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Where to POST.
    pub url: String,
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
    /// The time slice the request threads ask the scheduler for, in
    /// microseconds (Linux 6.12 and later; 0 keeps the kernel's default).
    pub request_slice_us: u64,
}

impl ServerConfig {
    /// The API limits these settings describe.
    pub fn api(&self) -> crate::api::ApiConfig {
        crate::api::ApiConfig {
            max_body_bytes: self.max_body_bytes,
            request_timeout: std::time::Duration::from_secs(self.request_timeout_secs.max(1)),
        }
    }
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

/// Weights and scales of the priority score.
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
    /// Weight of actionable identifiers.
    pub actionable: f64,
    /// Reports at which the reports component is 1.
    pub reports_scale: f64,
    /// Units at which the units component is 1.
    pub units_scale: f64,
    /// Teams at which the teams component is 1.
    pub teams_scale: f64,
    /// Damage at which the damage component is 1.
    pub damage_scale_eur: f64,
    /// New reports in 14 days at which the growth component is 1.
    pub growth_scale: f64,
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
            merge(&mut table, over);
        }
        apply_env(&mut table, std::env::vars())?;
        let settings: Settings = table
            .try_into()
            .context("settings do not match the expected keys")?;
        settings.region()?;
        Ok(settings)
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

    /// The allowlist the settings name.
    pub fn load_allowlist(&self) -> Result<Allowlist> {
        let region = self.region()?;
        if self.allowlist.trim().is_empty() {
            return Ok(Allowlist::embedded(region));
        }
        let text = std::fs::read_to_string(&self.allowlist)
            .with_context(|| format!("reading allowlist {}", self.allowlist))?;
        Allowlist::from_toml(&text, region).with_context(|| format!("allowlist {}", self.allowlist))
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

/// Applies `FRAUDLINK_<SECTION>_<KEY>` and `FRAUDLINK_<KEY>` variables to
/// keys that exist in the defaults, parsing the value as the default's type.
fn apply_env(table: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) -> Result<()> {
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("FRAUDLINK_") else {
            continue;
        };
        let rest = rest.to_ascii_lowercase();
        let mut target: Option<(&mut toml::Table, String)> = None;
        if table.contains_key(&rest) {
            target = Some((table, rest));
        } else if let Some((section, key)) = rest.split_once('_')
            && table
                .get(section)
                .and_then(toml::Value::as_table)
                .is_some_and(|t| t.contains_key(key))
        {
            let key = key.to_owned();
            if let Some(toml::Value::Table(t)) = table.get_mut(section) {
                target = Some((t, key));
            }
        }
        let Some((t, key)) = target else {
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

    #[test]
    fn a_bad_environment_value_is_an_error_naming_the_variable() {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let vars = [("FRAUDLINK_INGEST_BATCH_SIZE".to_owned(), "many".to_owned())];
        let err = apply_env(&mut table, vars.into_iter()).unwrap_err();
        assert!(format!("{err:#}").contains("FRAUDLINK_INGEST_BATCH_SIZE"));
    }
}
