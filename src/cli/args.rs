//! The command line: clap's definitions of every command and option.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use fraudlink::export::Format;

/// fraudlink: link online-fraud reports into national offender clusters.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// Data directory (store and index). Overrides `data_dir` in the settings.
    #[arg(long, global = true, env = "FRAUDLINK_DATA")]
    pub data: Option<PathBuf>,
    /// A settings file applied over the defaults.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Talk to a running service instead of a local store (`check`,
    /// `ingest`, `search`, `cluster show`), e.g. http://127.0.0.1:8080.
    #[arg(long, global = true, env = "FRAUDLINK_SERVER")]
    pub server: Option<String>,
    /// The API token for `--server`.
    #[arg(long, global = true, env = "FRAUDLINK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Why you read report data (a case number, "intake of report X"):
    /// required by every command that shows report data (search, clusters,
    /// cluster show, explain, similar, suggestions, hubs; check with
    /// `--server`); written to the access log with your user name. The
    /// contract's batch commands (`export clusters`, a local `check`) ask
    /// for it but run without it, logged with no purpose.
    #[arg(long, global = true, env = "FRAUDLINK_REASON")]
    pub reason: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Normalise identifiers: one JSON object per value.
    Normalize {
        /// iban, phone, url, domain, email, handle (platform:name), crypto or name.
        #[arg(value_name = "TYPE")]
        kind: String,
        /// Values; read from standard input, one per line, when none are given.
        values: Vec<String>,
        /// The region numbers without a country code are read in (`GB`,
        /// `US`, ...); default: `default_region` in the settings.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
    },
    /// Extract identifiers from NDJSON reports or `{"id", "text"}` lines.
    Extract {
        /// Input file, or `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// The region numbers without a country code are read in (`GB`,
        /// `US`, ...); default: `default_region` in the settings.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
    },
    /// Import NDJSON reports into the store and update the clusters.
    Ingest {
        /// Input files, or `-` for standard input.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// Where to write rejected lines (default: rejects/ in the data directory).
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Does a report belong to a known cluster? Nothing is stored.
    Check {
        /// One report, or NDJSON of reports; `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// The region the report's numbers without a country code are read
        /// in (`GB`, `US`, ...); default: `default_region` in the settings.
        /// Local stores only: a service reads them in its own region.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
    },
    /// Export data.
    Export {
        /// What to export.
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Clusters ranked by priority.
    Clusters(ClustersArgs),
    /// One cluster in detail.
    Cluster {
        /// What to do.
        #[command(subcommand)]
        what: ClusterWhat,
    },
    /// The identifiers the hub guard suppressed, with counts and reasons.
    Hubs,
    /// Full-text search of the statements (tantivy query syntax; an
    /// identifier in any written form is normalised first). NDJSON hits.
    Search(SearchArgs),
    /// Reports whose statements read most like this one, outside its cluster.
    Similar {
        /// Report id.
        id: String,
        /// How many.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Rebuild the search index from the store.
    Reindex,
    /// Copy the store into DIR while fraudlink runs (SQLite's online
    /// backup): DIR/fraudlink.db and DIR/manifest.json, signed with the
    /// backup key (made in the data directory on the first backup).
    Backup {
        /// The backup folder (created if missing).
        dir: PathBuf,
        /// Replace a backup already in DIR.
        #[arg(long)]
        force: bool,
    },
    /// Replace the store with a backup made by `fraudlink backup` and
    /// signed with this machine's backup key; the clusters and the search
    /// index are rebuilt from it at the next open. Refused while a
    /// fraudlink process uses the data directory. The access-log rows
    /// written since the backup are kept.
    Restore {
        /// The backup folder.
        dir: PathBuf,
        /// Replace a store that holds reports or tokens.
        #[arg(long)]
        force: bool,
    },
    /// Alerts raised for the configured webhooks, with their delivery state.
    Alerts {
        /// At most this many, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Open weak-link suggestions (typo IBANs, look-alike domains, handle
    /// variants), strongest first.
    Suggestions {
        /// Only those touching this cluster.
        #[arg(long)]
        cluster: Option<String>,
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Confirm or reject a link between two reports or identifiers.
    Link {
        /// What to do.
        #[command(subcommand)]
        what: LinkWhat,
    },
    /// Why two reports are (or are not) in one cluster.
    Explain {
        /// First report id.
        a: String,
        /// Second report id.
        b: String,
    },
    /// Load the fixtures and 2,000 synthetic reports into the default store
    /// (when empty), show the top clusters, print a demo token and serve
    /// the web UI and the API on localhost.
    Demo {
        /// Load and print only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve the HTTP API.
    Serve {
        /// Listen address (overrides `[server] addr`).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Create, list and revoke API tokens (stored only as hashes).
    Token {
        /// What to do.
        #[command(subcommand)]
        what: TokenWhat,
    },
    /// The access log: who read which report data, when and why.
    Audit {
        /// Only this token id (the number `token list` shows). `--token N`
        /// is read as this too: the global `--token` is an API token.
        #[arg(long = "token-id")]
        token_id: Option<i64>,
        /// Only this action (read_report, read_cluster, explain, ...).
        #[arg(long)]
        action: Option<String>,
        /// Only entries naming this report or cluster id.
        #[arg(long)]
        target: Option<String>,
        /// At most this many entries, newest first.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Delete reports older than the retention period for good, with what
    /// names them (link decisions, alerts, notes of clusters left empty,
    /// rejected lines, search index), and access-log rows older than
    /// theirs. `serve` does this when it starts and daily.
    Purge {
        /// Days to keep reports (default: `retention_days` in the settings).
        #[arg(long)]
        days: Option<i64>,
    },
    /// Set a cluster's status, assigned team or notes.
    Triage {
        /// Cluster id.
        id: String,
        /// new, triaged, assigned, in_investigation, handed_over, closed.
        #[arg(long)]
        status: Option<String>,
        /// Assign to this team.
        #[arg(long)]
        team: Option<String>,
        /// Append a note.
        #[arg(long)]
        note: Option<String>,
        /// Who decides (recorded with the event).
        #[arg(long, env = "USER", default_value = "coordinator")]
        by: String,
    },
    /// Generate synthetic reports with their true groups (and check
    /// requests) into a directory: reports.ndjson, truth.ndjson,
    /// check.ndjson and meta.json.
    Gen {
        /// Number of reports.
        #[arg(long)]
        reports: usize,
        /// Seed; the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Number of check requests to write to check.ndjson.
        #[arg(long)]
        check: Option<usize>,
    },
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenWhat {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        /// intake, analyst, coordinator or admin.
        #[arg(long)]
        role: String,
        /// The basisteam of an intake token.
        #[arg(long)]
        team: Option<String>,
        /// A label (whose token it is).
        #[arg(long, default_value = "")]
        label: String,
        /// How long it is valid: a number and a unit (s, m, h, d, w), e.g.
        /// 90d or 12h, or `never` (default: `[auth] token_days`).
        #[arg(long, value_name = "LIFETIME")]
        expires_in: Option<String>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id.
    Revoke {
        /// Token id.
        id: i64,
    },
}

/// Export targets.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// Every cluster, singletons included (docs/formats.md section 3).
    Clusters {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        /// Only this cluster.
        #[arg(long)]
        cluster: Option<String>,
    },
}

/// The filters and form of `clusters`.
#[derive(Debug, clap::Args)]
pub struct ClustersArgs {
    /// Only clusters of at least this many reports.
    #[arg(long, default_value_t = 2)]
    pub min_size: usize,
    /// Only clusters reaching this unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// Only clusters reaching this team.
    #[arg(long)]
    pub team: Option<String>,
    /// Only clusters with this triage status.
    #[arg(long)]
    pub status: Option<String>,
    /// How many to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print NDJSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `search`, shared by the local and the remote path.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The query: words, "phrases", AND/OR/-, `nl91 abna 0417 1643 00`.
    pub query: String,
    /// Only this unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// Only this team.
    #[arg(long)]
    pub team: Option<String>,
    /// Only this fraud type.
    #[arg(long = "type")]
    pub fraud_type: Option<String>,
    /// Filed on or after this day (2026-12-05, 5-12-2026 or RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Filed on or before this day (2026-12-05, 5-12-2026 or RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Only reports of this cluster.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Hits per page.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// relevance or date.
    #[arg(long, default_value = "relevance")]
    pub sort: String,
}

impl SearchArgs {
    /// The engine's search parameters.
    pub(super) fn params(self) -> Result<fraudlink::engine::SearchParams> {
        let text = fraudlink::engine::SearchText {
            query: &self.query,
            unit: self.unit.as_deref(),
            team: self.team.as_deref(),
            fraud_type: self.fraud_type.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            cluster: self.cluster.as_deref(),
            sort: Some(&self.sort),
        };
        fraudlink::engine::SearchParams::parse(text, self.limit, self.offset)
    }

    /// The query string of `GET /api/v1/search`.
    pub(super) fn query_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("q", self.query),
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
            ("sort", self.sort),
        ];
        let optional = [
            ("unit", self.unit),
            ("team", self.team),
            ("type", self.fraud_type),
            ("from", self.from),
            ("to", self.to),
            ("cluster", self.cluster),
        ];
        pairs.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        pairs
    }
}

/// A decision on a link. Endpoints are report ids or identifiers written
/// `kind:value` (`iban:NL38RAIO0155980027`, `domain:rabo-veilig.nl`,
/// `handle:telegram:janverkoop88`).
#[derive(Debug, Subcommand)]
pub enum LinkWhat {
    /// Link the two: their clusters merge.
    Confirm(LinkArgs),
    /// Do not link the two: a confirmed link is undone (the cluster
    /// splits) and the suggestion is not made again.
    Reject(LinkArgs),
    /// Take back the decision in force on the link (confirmed or
    /// rejected): the clusters form again as if it was never decided.
    Undo(LinkArgs),
}

/// Arguments of a link decision.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// One endpoint.
    pub a: String,
    /// The other endpoint.
    pub b: String,
    /// Who decides (recorded with the decision).
    #[arg(long, env = "USER", default_value = "analyst")]
    pub by: String,
    /// Why (recorded with the decision).
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// Cluster subcommands.
#[derive(Debug, Subcommand)]
pub enum ClusterWhat {
    /// Reports, identifiers, units, timeline, score parts and events.
    Show {
        /// Cluster id (an old, merged id shows the surviving cluster).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
