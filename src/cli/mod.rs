//! The command line: clap subcommands, each a thin call into the engine.
//!
//! Exit statuses: 0 success; 1 an error (printed once by `main`);
//! 2 a usage error (clap); 3 the command finished but some input lines
//! were rejected (ingest) or could not be read (extract, check).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use fraudlink::cluster::{ClusterId, Explanation, IdentState};
use fraudlink::config::Settings;
use fraudlink::engine::{CheckRequest, ClusterView, Engine, Triage, triage_of};
use fraudlink::export::{self, Format};
use fraudlink::extract::Extractor;
use fraudlink::ident::{self, Kind};
use fraudlink::reader::{Reader, SavedClusters};
use fraudlink::report::Report;

/// Exit status when some input lines were rejected.
pub const EXIT_REJECTED: u8 = 3;

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
    Clusters {
        /// Only clusters of at least this many reports.
        #[arg(long, default_value_t = 2)]
        min_size: usize,
        /// Only clusters reaching this unit.
        #[arg(long)]
        unit: Option<String>,
        /// Only clusters reaching this team.
        #[arg(long)]
        team: Option<String>,
        /// Only clusters with this triage status.
        #[arg(long)]
        status: Option<String>,
        /// How many to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print NDJSON instead of a table.
        #[arg(long)]
        json: bool,
    },
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
    fn params(self) -> Result<fraudlink::engine::SearchParams> {
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
    fn query_pairs(self) -> Vec<(&'static str, String)> {
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

/// A read of report data at the command line, for the access log: who
/// (the user running it) and why (`--reason`).
#[derive(Debug, Clone)]
pub struct CliRead {
    /// The person (`$USER`).
    pub user: String,
    /// Their purpose (`None` only for the contract's batch commands run
    /// without one, see [`CliRead::batch`]).
    pub reason: Option<String>,
}

impl CliRead {
    /// The purpose `--reason` gave `command`, or an error that asks for it.
    fn new(reason: Option<&str>, command: &str) -> Result<CliRead> {
        match reason.and_then(fraudlink::access::purpose) {
            Some(reason) => Ok(CliRead {
                user: fraudlink::access::cli_user(),
                reason: Some(reason),
            }),
            None => bail!(
                "`fraudlink {command}` shows report data: give --reason (or FRAUDLINK_REASON), why you read it (a case number, \"intake of report X\"); it is written to the access log with your user name"
            ),
        }
    }

    /// The purpose of a batch command of the interchange contract
    /// (`export clusters`, `check`; docs/formats.md sections 3 and 4),
    /// which other systems run unattended: asked for, but a run without one
    /// is not refused. It is logged as any read (who, when, what was
    /// shown) with no purpose, and says so on stderr.
    fn batch(reason: Option<&str>, command: &str) -> CliRead {
        let reason = reason.and_then(fraudlink::access::purpose);
        if reason.is_none() {
            eprintln!(
                "note: `fraudlink {command}` shows report data and was given no --reason (or FRAUDLINK_REASON); the read is written to the access log with your user name and no purpose"
            );
        }
        CliRead {
            user: fraudlink::access::cli_user(),
            reason,
        }
    }

    /// Writes the read to the access log (the engine's access-log
    /// connection, or the store a [`Reader`] opened beside a running
    /// `serve`).
    fn log(&self, to: &dyn AccessLog, action: &str, targets: serde_json::Value) -> Result<()> {
        to.log_access_by(&fraudlink::access::Access {
            role: fraudlink::access::CLI_ROLE,
            actor: &self.user,
            action,
            targets: &targets,
            reason: self.reason.as_deref(),
            outcome: "ok",
        })
        .context("writing the read to the access log")
    }
}

/// Where the command line writes its access-log rows: an [`Engine`] (a
/// command that owns the data directory) or a [`Reader`] (one beside it).
pub trait AccessLog {
    /// Appends a row for a reader without a token (see
    /// [`fraudlink::store::Store::log_access_by`]).
    fn log_access_by(&self, row: &fraudlink::access::Access<'_>) -> Result<()>;
}

impl AccessLog for Engine {
    fn log_access_by(&self, row: &fraudlink::access::Access<'_>) -> Result<()> {
        Engine::log_access_by(self, row)
    }
}

impl AccessLog for Reader {
    fn log_access_by(&self, row: &fraudlink::access::Access<'_>) -> Result<()> {
        Reader::log_access_by(self, row)
    }
}

/// Runs the parsed command; the returned status is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let reason = cli.reason.as_deref();
    if let Some(server) = &cli.server {
        let Some(token) = &cli.token else {
            bail!("--server needs --token (or FRAUDLINK_TOKEN)");
        };
        let reads = matches!(
            cli.command,
            Command::Check { .. } | Command::Search(_) | Command::Cluster { .. }
        );
        let reason = if reads {
            CliRead::new(reason, command_name(&cli.command))?.reason
        } else {
            reason.and_then(fraudlink::access::purpose)
        };
        return remote(
            &fraudlink::client::Client::new(server, token, reason.as_deref())?,
            cli.command,
        );
    }
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(d) = cli.data {
        settings.data_dir = d;
    }
    let read = |command: &str| CliRead::new(reason, command);
    match cli.command {
        Command::Normalize {
            kind,
            values,
            region,
        } => normalize(&with_region(settings, region)?, &kind, values),
        Command::Extract { input, region } => extract(&with_region(settings, region)?, &input),
        Command::Ingest { inputs, rejects } => {
            let engine = Engine::open(settings)?.one_shot();
            ingest(&engine, &inputs, rejects.as_deref())
        }
        Command::Check { input, region } => {
            let read = CliRead::batch(reason, "check");
            check(
                &Engine::open(with_region(settings, region)?)?.one_shot(),
                &input,
                &read,
            )
        }
        Command::Export { what } => match what {
            ExportWhat::Clusters { format, cluster } => {
                let read = CliRead::batch(reason, "export clusters");
                let reader = Reader::open(settings)?;
                let clusters = saved_clusters(&reader)?;
                let source = SavedClusters::new(&reader, &clusters.saved, cluster.as_deref())?;
                let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
                let exported = match export::write(&source, format, &mut out) {
                    Ok(exported) => exported,
                    // Part of it is out already: the next run reads the
                    // clusters rebuilt.
                    Err(e) if e.downcast_ref::<fraudlink::saved::Damaged>().is_some() => {
                        reader.discard_saved()?;
                        return Err(e.context(
                            "the export is incomplete; the damaged file was removed and the next \
                             run reads the clusters rebuilt from the store",
                        ));
                    }
                    Err(e) => return Err(e),
                };
                out.flush()?;
                // Logged once written: an export streams, and at a million
                // reports it is too large to hold first.
                read.log(
                    &reader,
                    if cluster.is_some() {
                        "export_cluster"
                    } else {
                        "export_clusters"
                    },
                    serde_json::json!({
                        "cluster": cluster,
                        "format": format!("{format:?}").to_lowercase(),
                        "clusters": exported.clusters,
                        "reports": exported.reports,
                    }),
                )?;
                Ok(0)
            }
        },
        Command::Clusters {
            min_size,
            unit,
            team,
            status,
            limit,
            json,
        } => {
            let read = read("clusters")?;
            let reader = Reader::open(settings)?;
            let triage = reader.store().triaged_clusters()?;
            let triage = |id: &ClusterId| triage_of(&triage, id);
            let (clusters, list) = read_saved(&reader, |clusters| {
                let mut list = Vec::new();
                if limit == 0 {
                    return Ok(list);
                }
                clusters.saved.each_summary(|c| {
                    let keep = c.size >= min_size
                        && unit
                            .as_ref()
                            .is_none_or(|u| c.units.iter().any(|x| x.eq_ignore_ascii_case(u)))
                        && team
                            .as_ref()
                            .is_none_or(|t| c.teams.iter().any(|x| x.eq_ignore_ascii_case(t)))
                        && status
                            .as_ref()
                            .is_none_or(|s| triage(&c.cluster_id).status.eq_ignore_ascii_case(s));
                    if keep {
                        list.push(c);
                    }
                    Ok(list.len() < limit)
                })?;
                Ok(list)
            })?;
            // The table shows clusters and their top identifiers; the JSON
            // lines also every report of each.
            let ids: Vec<&str> = list.iter().map(|c| c.cluster_id.as_str()).collect();
            let reports = json.then(|| {
                fraudlink::access::reports_shown(
                    list.iter()
                        .flat_map(|c| c.report_ids.iter().map(|r| r.as_str())),
                    clusters.saved.stamp().generation,
                )
            });
            read.log(
                &reader,
                "list_clusters",
                serde_json::json!({"clusters": ids, "reports": reports}),
            )?;
            let mut out = io::stdout().lock();
            if json {
                for c in &list {
                    let t = triage(&c.cluster_id);
                    let view = ClusterView {
                        summary: c,
                        status: t.status,
                        assigned_team: t.assigned_team,
                    };
                    serde_json::to_writer(&mut out, &view)?;
                    writeln!(out)?;
                }
            } else {
                print_cluster_table(&triage, &mut out, list.iter())?;
            }
            Ok(0)
        }
        Command::Cluster {
            what: ClusterWhat::Show { id, json },
        } => {
            let read = read("cluster show")?;
            cluster_show(&Reader::open(settings)?, &id, json, &read)
        }
        Command::Hubs => {
            let read = read("hubs")?;
            let reader = Reader::open(settings)?;
            let clusters = saved_clusters(&reader)?;
            let hubs = clusters.saved.suppressed();
            let shown: Vec<String> = hubs
                .iter()
                .map(|h| format!("{}:{}", h.kind, h.value))
                .collect();
            read.log(&reader, "hubs", serde_json::json!({"identifiers": shown}))?;
            let mut out = io::stdout().lock();
            for h in &hubs {
                serde_json::to_writer(&mut out, h)?;
                writeln!(out)?;
            }
            Ok(0)
        }
        Command::Suggestions { cluster, limit } => {
            let read = read("suggestions")?;
            let reader = Reader::open(settings)?;
            let cid = match &cluster {
                Some(c) => Some(
                    reader
                        .resolve_cluster(c)?
                        .with_context(|| format!("no cluster {c}"))?,
                ),
                None => None,
            };
            let (clusters, mut list) = read_saved(&reader, |clusters| match &cid {
                Some(cid) => match clusters.saved.cluster(cid)? {
                    Some(d) => clusters.saved.suggestions_at(&d.suggestions),
                    None => Ok(Vec::new()),
                },
                None => clusters.saved.suggestions(limit),
            })?;
            list.truncate(limit);
            read.log(
                &reader,
                "suggestions",
                serde_json::json!({
                    "cluster": cluster,
                    "suggestions": list.len(),
                    "reports": fraudlink::access::reports_shown(
                        fraudlink::engine::suggestion_reports(&list),
                        clusters.saved.stamp().generation,
                    ),
                }),
            )?;
            let mut out = io::stdout().lock();
            for s in list {
                serde_json::to_writer(&mut out, &s)?;
                writeln!(out)?;
            }
            Ok(0)
        }
        Command::Link { what } => {
            let (args, confirm) = match what {
                LinkWhat::Confirm(a) => (a, true),
                LinkWhat::Reject(a) => (a, false),
            };
            let verb = if confirm { "confirmed" } else { "rejected" };
            match Engine::try_open(settings.clone())? {
                Ok(engine) => {
                    let engine = engine.one_shot();
                    let events =
                        engine.decide_link(&args.a, &args.b, confirm, &args.by, &args.reason)?;
                    println!(
                        "link {} ~ {} {verb}; {} cluster event(s)",
                        args.a,
                        args.b,
                        events.len()
                    );
                    for e in events {
                        println!("  {}", serde_json::to_string(&e)?);
                    }
                }
                Err(_) => {
                    let reader = Reader::open(settings)?;
                    reader.decide_link(&args.a, &args.b, confirm, &args.by, &args.reason)?;
                    println!(
                        "link {} ~ {} {verb}; the running fraudlink re-clusters within seconds \
                         (`fraudlink cluster show` then shows the events)",
                        args.a, args.b
                    );
                }
            }
            Ok(0)
        }
        Command::Explain { a, b } => {
            let read = read("explain")?;
            let reader = Reader::open(settings)?;
            let (ra, rb) = (
                fraudlink::report::ReportId::parse(&a)?,
                fraudlink::report::ReportId::parse(&b)?,
            );
            let (_, e) = read_saved(&reader, |clusters| {
                Ok(clusters.saved.graph()?.explain(&ra, &rb))
            })?;
            let mut of = reader.store().clusters_of([a.as_str(), b.as_str()])?;
            let (ca, cb) = (of.remove(&a), of.remove(&b));
            print_explanation(&a, &b, &e, &ca, &cb, &reader, &read)
        }
        Command::Search(args) => {
            let read = read("search")?;
            let params = args.params()?;
            let query = params.query.clone();
            let reader = Reader::open(settings)?;
            let page = reader.search(&params)?;
            let ids: Vec<&str> = page.hits.iter().map(|h| h.report_id.as_str()).collect();
            read.log(
                &reader,
                "search",
                serde_json::json!({"query": query, "reports": ids}),
            )?;
            let mut out = io::stdout().lock();
            for h in &page.hits {
                serde_json::to_writer(&mut out, h)?;
                writeln!(out)?;
            }
            eprintln!("{} hit(s), showing {}", page.total, page.hits.len());
            Ok(0)
        }
        Command::Similar { id, limit } => {
            let read = read("similar")?;
            let reader = Reader::open(settings)?;
            let found = reader.similar(&id, limit)?;
            let ids: Vec<&str> = found.iter().map(|s| s.report_id.as_str()).collect();
            read.log(
                &reader,
                "similar",
                serde_json::json!({"report": id, "reports": ids}),
            )?;
            let mut out = io::stdout().lock();
            for s in found {
                serde_json::to_writer(&mut out, &s)?;
                writeln!(out)?;
            }
            Ok(0)
        }
        Command::Alerts { limit } => {
            let reader = Reader::open(settings)?;
            let mut out = io::stdout().lock();
            for a in reader.store().alerts(limit)? {
                serde_json::to_writer(&mut out, &a)?;
                writeln!(out)?;
            }
            Ok(0)
        }
        Command::Reindex => {
            let dir = settings.data_dir.join(fraudlink::engine::INDEX_DIR);
            // Not the folder of a running service's index.
            if dir.exists() && fraudlink::index::SearchIndex::lock_dir(&dir)?.is_none() {
                bail!(
                    "{} is in use by another fraudlink process (serve, ingest, ...); stop it first",
                    settings.data_dir.display()
                );
            }
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing {}", dir.display()))?;
            }
            let started = std::time::Instant::now();
            let engine = Engine::open(settings)?.one_shot();
            eprintln!(
                "reindexed {} report(s) in {:.1}s",
                engine.state().report_count(),
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        Command::Backup { dir, force } => {
            let started = std::time::Instant::now();
            let key_path = fraudlink::backup::BackupKey::path(&settings);
            let (key, made) = fraudlink::backup::BackupKey::load_or_create(&key_path)?;
            if made {
                eprintln!(
                    "made the backup key {} (key id {}): backups are signed with it and restore \
                     only with it; keep a copy apart from the backups (README, Backups)",
                    key.file().display(),
                    key.id()
                );
            }
            let m = fraudlink::backup::backup(&settings.data_dir, &dir, force, &key)?;
            println!(
                "backed up {} report(s) (generation {}, batch {}, {} cluster id(s), {} bytes) to {} in {:.1}s",
                m.reports,
                m.generation,
                m.last_batch,
                m.clusters,
                m.bytes,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        Command::Restore { dir, force } => {
            let key =
                fraudlink::backup::BackupKey::load(&fraudlink::backup::BackupKey::path(&settings))?;
            let actor = std::env::var("USER").unwrap_or_else(|_| "cli".to_owned());
            let r = fraudlink::backup::restore(
                &dir,
                &settings.data_dir,
                &fraudlink::backup::RestoreOptions {
                    force,
                    key: &key,
                    actor: &actor,
                    retention: fraudlink::store::Retention::of(&settings),
                },
            )?;
            if !r.repurged.reports.is_empty() {
                const SHOWN: usize = 20;
                let ids = &r.repurged.reports;
                println!(
                    "purged again {} report(s) of the backup that were purged after it was made or are past retention: {}{}",
                    ids.len(),
                    ids[..ids.len().min(SHOWN)].join(", "),
                    if ids.len() > SHOWN {
                        ", ... (all in `fraudlink audit --action restore`)"
                    } else {
                        ""
                    }
                );
            }
            println!(
                "restored {} report(s) (generation {}, backed up {}) into {}; kept {} access-log row(s) written since the backup; {} token(s) made or revoked since the backup are revoked; the clusters and the search index are rebuilt from them when fraudlink next opens the store",
                r.reports,
                r.manifest.generation,
                r.manifest.created_at,
                settings.data_dir.display(),
                r.access_log_kept,
                r.tokens_revoked,
            );
            Ok(0)
        }
        Command::Demo { no_serve } => demo(settings, !no_serve),
        Command::Serve { addr } => {
            let addr = addr.unwrap_or_else(|| settings.server.addr.clone());
            let engine = Engine::open(settings)?;
            serve(engine, &addr)
        }
        Command::Token { what } => {
            let reader = Reader::open(settings)?;
            match what {
                TokenWhat::Create {
                    role,
                    team,
                    label,
                    expires_in,
                } => {
                    let Some(role) = fraudlink::auth::Role::from_name(&role) else {
                        bail!("unknown role {role:?}; one of intake, analyst, coordinator, admin");
                    };
                    if role == fraudlink::auth::Role::Intake && team.is_none() {
                        bail!(
                            "an intake token needs --team (the basisteam whose reports it may read)"
                        );
                    }
                    let team = team.map(|t| reader.team(&t)).transpose()?;
                    let lifetime = match &expires_in {
                        Some(text) => fraudlink::auth::parse_lifetime(text)
                            .map_err(|e| anyhow::anyhow!("--expires-in {e}"))?,
                        None => default_lifetime(reader.settings()),
                    };
                    let (id, token) = fraudlink::engine::create_token(
                        &mut reader.store(),
                        role,
                        team.as_deref(),
                        &label,
                        lifetime,
                    )?;
                    let until = match lifetime {
                        Some(s) => format!(
                            "valid until {}",
                            fraudlink::engine::rfc3339(
                                time::OffsetDateTime::now_utc().unix_timestamp() + s
                            )
                        ),
                        None => "valid until revoked".to_owned(),
                    };
                    eprintln!("token {id} ({role}) created, {until}; it is shown only now:");
                    println!("{token}");
                }
                TokenWhat::List => {
                    let mut out = io::stdout().lock();
                    for t in reader.store().tokens()? {
                        serde_json::to_writer(&mut out, &t)?;
                        writeln!(out)?;
                    }
                }
                TokenWhat::Revoke { id } => {
                    if !reader.store().revoke_token(id)? {
                        bail!("no live token {id}");
                    }
                    println!("token {id} revoked");
                }
            }
            Ok(0)
        }
        Command::Audit {
            token_id,
            action,
            target,
            limit,
        } => {
            // `audit --token N`, the old spelling of the filter, lands in
            // the global `--token` (an API token, never a bare number).
            let token_id = token_id.or_else(|| {
                cli.token
                    .as_deref()
                    .and_then(|t| t.trim().parse::<i64>().ok())
            });
            let reader = Reader::open(settings)?;
            let asked = serde_json::json!({"token": token_id, "action": action, "target": target});
            let filter = fraudlink::store::AuditFilter {
                token_id,
                action,
                target,
                since: None,
                limit,
            };
            let rows = reader.store().audit(&filter)?;
            // Who reads the log is logged too; it shows no report data, so
            // --reason is optional here.
            reader.log_access_by(&fraudlink::access::Access {
                role: fraudlink::access::CLI_ROLE,
                actor: &fraudlink::access::cli_user(),
                action: "audit",
                targets: &serde_json::json!({"filter": asked, "entries": rows.len()}),
                reason: reason.and_then(fraudlink::access::purpose).as_deref(),
                outcome: "ok",
            })?;
            let mut out = io::stdout().lock();
            for row in rows {
                serde_json::to_writer(&mut out, &row)?;
                writeln!(out)?;
            }
            Ok(0)
        }
        Command::Purge { days } => {
            let mut retention = fraudlink::store::Retention::of(&settings);
            if let Some(days) = days {
                retention.reports_days = days;
            }
            if retention.is_off() {
                bail!(
                    "retention is off (retention_days = 0, access_log_retention_days = 0); pass --days N"
                );
            }
            let by = std::env::var("USER").unwrap_or_else(|_| "cli".to_owned());
            let s = match Engine::try_open(settings.clone())? {
                Ok(engine) => engine.one_shot().purge(retention, &by)?,
                Err(_) => {
                    let s = Reader::open(settings)?.purge(retention, &by)?;
                    if !s.purged.reports.is_empty() {
                        eprintln!(
                            "the running fraudlink takes them out of its clusters and search index within seconds"
                        );
                    }
                    s
                }
            };
            print_purge(&s);
            Ok(0)
        }
        Command::Triage {
            id,
            status,
            team,
            note,
            by,
        } => {
            let reader = Reader::open(settings)?;
            let team = team.map(|t| reader.team(&t)).transpose()?;
            let cid = fraudlink::engine::set_triage(
                &mut reader.store(),
                &id,
                status.as_deref(),
                team.as_deref().map(Some),
                note.as_deref(),
                &by,
            )?;
            let t = triage_of(&reader.store().triaged_clusters()?, &cid);
            println!(
                "{cid}: status {}, assigned {}",
                t.status,
                t.assigned_team.as_deref().unwrap_or("-")
            );
            Ok(0)
        }
        Command::Gen {
            reports,
            seed,
            out,
            check,
        } => generate(reports, seed, &out, check),
    }
}

/// Writes the generator's files into `dir`; the generator itself only
/// sees writers.
fn generate(reports: usize, seed: u64, dir: &Path, check: Option<usize>) -> Result<u8> {
    let started = std::time::Instant::now();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let create = |name: &str| -> Result<BufWriter<File>> {
        let path = dir.join(name);
        let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, f))
    };
    let mut reports_out = create("reports.ndjson")?;
    let mut truth_out = create("truth.ndjson")?;
    let mut check_out = match check {
        Some(_) => Some(create("check.ndjson")?),
        None => None,
    };
    let config = fraudlink::r#gen::Config::new(reports, seed, check.unwrap_or(0));
    let meta = fraudlink::r#gen::write(
        &config,
        fraudlink::r#gen::Outputs {
            reports: &mut reports_out,
            truth: &mut truth_out,
            check: check_out.as_mut().map(|w| w as &mut dyn Write),
        },
    )?;
    reports_out.flush().context("writing reports.ndjson")?;
    truth_out.flush().context("writing truth.ndjson")?;
    if let Some(w) = check_out.as_mut() {
        w.flush().context("writing check.ndjson")?;
    }
    let mut meta_out = create("meta.json")?;
    serde_json::to_writer_pretty(&mut meta_out, &meta)?;
    writeln!(meta_out)?;
    meta_out.flush().context("writing meta.json")?;
    eprintln!(
        "generated {} reports in {} groups{} into {} in {:.1}s",
        meta.reports(),
        meta.groups(),
        match check {
            Some(_) => format!(" and {} check requests", meta.check_lines()),
            None => String::new(),
        },
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// The settings with `--region`, when given, as the default region.
fn with_region(mut settings: Settings, region: Option<String>) -> Result<Settings> {
    if let Some(region) = region {
        settings.default_region = region.clone();
        if settings.region().is_err() {
            bail!("--region {region:?} is not a known region (two letters, such as NL, GB or US)");
        }
    }
    Ok(settings)
}

fn open_input(input: &str) -> Result<Box<dyn BufRead>> {
    if input == "-" {
        Ok(Box::new(BufReader::new(io::stdin())))
    } else {
        let f = File::open(input).with_context(|| format!("opening {input}"))?;
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

fn normalize(settings: &Settings, kind: &str, values: Vec<String>) -> Result<u8> {
    let Some(kind) = Kind::from_name(kind) else {
        bail!(
            "unknown identifier type {kind:?}; expected one of iban, phone, url, domain, email, handle, crypto, name"
        );
    };
    let region = settings.region()?;
    let values: Vec<String> = if values.is_empty() {
        io::stdin().lock().lines().collect::<io::Result<_>>()?
    } else {
        values
    };
    let mut out = BufWriter::new(io::stdout().lock());
    for input in values {
        let result = ident::normalize(kind, &input, region);
        let (value, valid, error) = match result {
            Ok(v) => (Some(v), true, None),
            Err(e) => (None, false, Some(e.to_string())),
        };
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"input": input, "type": kind, "value": value, "valid": valid, "error": error}),
        )?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(0)
}

fn extract(settings: &Settings, input: &str) -> Result<u8> {
    let extractor = Extractor::new(settings.region()?, settings.load_allowlist()?);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut bad = 0;
    for (n, line) in open_input(input)?.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                bad += 1;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"id": null, "line": n + 1, "error": e.to_string()}),
                )?;
                writeln!(out)?;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                bad += 1;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"id": null, "line": n + 1, "error": format!("not valid JSON: {e}")}),
                )?;
                writeln!(out)?;
                continue;
            }
        };
        let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        let result = if let Some(text) = value.get("text").and_then(|t| t.as_str()) {
            Ok(extractor.text(text))
        } else {
            Report::from_json(&line).map(|r| extractor.extract(&r))
        };
        match result {
            Ok(identifiers) => serde_json::to_writer(
                &mut out,
                &serde_json::json!({"id": id, "identifiers": identifiers}),
            )?,
            Err(e) => {
                bad += 1;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"id": id, "line": n + 1, "error": e.to_string()}),
                )?
            }
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if bad > 0 { EXIT_REJECTED } else { 0 })
}

fn ingest(engine: &Engine, inputs: &[String], rejects: Option<&Path>) -> Result<u8> {
    let rejects_path = match rejects {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = engine.data_dir().join(fraudlink::engine::REJECTS_DIR);
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
            dir.join(format!("ingest-{stamp}.ndjson"))
        }
    };
    let mut rejects_file: Option<BufWriter<File>> = None;
    let mut total_rejected = 0;
    let stderr_tty = io::stderr().is_terminal();
    for input in inputs {
        let bar = if stderr_tty && input != "-" {
            let len = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(input.clone());
            Some(bar)
        } else {
            None
        };
        let reader: Box<dyn BufRead> = match (&bar, input.as_str()) {
            (Some(b), path) if path != "-" => {
                let f = File::open(path).with_context(|| format!("opening {path}"))?;
                Box::new(BufReader::with_capacity(1 << 20, b.wrap_read(f)))
            }
            _ => open_input(input)?,
        };
        let path = rejects_path.clone();
        let mut on_reject = |r: &fraudlink::engine::Rejection| -> Result<()> {
            if rejects_file.is_none() {
                // Rejected lines are report data: a folder made here and
                // the file are the service user's alone.
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    if !dir.exists() {
                        fraudlink::private::create_dir(dir)?;
                    }
                }
                rejects_file = Some(BufWriter::new(fraudlink::private::create_file(&path)?));
            }
            if let Some(f) = rejects_file.as_mut() {
                let mut rec = serde_json::to_value(r)?;
                rec["file"] = serde_json::Value::String(input.clone());
                serde_json::to_writer(&mut *f, &rec)?;
                writeln!(f)?;
            }
            eprintln!("{input}:{}: rejected: {}", r.line, r.error);
            Ok(())
        };
        let mut on_batch = |id: i64, c: &fraudlink::store::BatchCounts, lines: usize| {
            let msg = format!(
                "batch {id} committed: {} new, {} updated, {} unchanged, {} rejected (through line {lines} of {input})",
                c.accepted, c.updated, c.unchanged, c.rejected
            );
            match &bar {
                Some(b) => b.println(msg),
                None => eprintln!("{msg}"),
            }
        };
        let summary = engine.ingest(input, reader, &mut on_reject, &mut on_batch)?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        total_rejected += summary.rejected;
        eprintln!(
            "{input}: {} accepted, {} updated, {} unchanged, {} rejected; clusters: {} new, {} grown, {} merges",
            summary.accepted,
            summary.updated,
            summary.unchanged,
            summary.rejected,
            summary.new_clusters,
            summary.grown_clusters,
            summary.merges
        );
    }
    if let Some(mut f) = rejects_file {
        f.flush()?;
        eprintln!(
            "{total_rejected} line(s) rejected; see {} (exit status {EXIT_REJECTED})",
            rejects_path.display()
        );
        return Ok(EXIT_REJECTED);
    }
    Ok(0)
}

fn check(engine: &Engine, input: &str, read: &CliRead) -> Result<u8> {
    let mut text = String::new();
    open_input(input)?.read_to_string(&mut text)?;
    let mut bad = 0;
    // A single pretty-printed report is one JSON document; otherwise NDJSON.
    let docs: Vec<String> = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) if v.is_object() => vec![v.to_string()],
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    };
    // Answered first, logged, then printed: the access log has the read
    // before anything is shown.
    let mut answers = Vec::with_capacity(docs.len());
    let mut clusters: Vec<String> = Vec::new();
    for (n, doc) in docs.iter().enumerate() {
        match serde_json::from_str::<CheckRequest>(doc) {
            Ok(req) => match engine.check_limits(&req) {
                Ok(()) => {
                    let answer = engine.check(&req);
                    clusters.extend(answer.matches.iter().map(|m| m.cluster_id.to_string()));
                    answers.push(serde_json::to_value(&answer)?);
                }
                Err(e) => {
                    bad += 1;
                    answers.push(
                        serde_json::json!({"error": "too large", "detail": format!("line {}: {e}", n + 1)}),
                    );
                }
            },
            Err(e) => {
                bad += 1;
                answers.push(
                    serde_json::json!({"error": "bad report", "detail": format!("line {}: {e}", n + 1)}),
                );
            }
        }
    }
    clusters.sort_unstable();
    clusters.dedup();
    read.log(
        engine,
        "check",
        serde_json::json!({"input": input, "checks": docs.len(), "clusters": clusters}),
    )?;
    let mut out = BufWriter::new(io::stdout().lock());
    for a in &answers {
        serde_json::to_writer(&mut out, a)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if bad > 0 { EXIT_REJECTED } else { 0 })
}

/// The command's name, for messages (`cluster show`, `search`).
fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Check { .. } => "check",
        Command::Search(_) => "search",
        Command::Cluster { .. } => "cluster show",
        _ => "this command",
    }
}

fn print_cluster_table<'a>(
    triage: &dyn Fn(&ClusterId) -> Triage,
    out: &mut dyn Write,
    list: impl Iterator<Item = &'a fraudlink::engine::ClusterSummary>,
) -> Result<()> {
    writeln!(
        out,
        "{:<10} {:>6} {:>5} {:>6} {:>12} {:>6}  {:<12} top identifiers",
        "cluster", "score", "size", "units", "damage", "14d", "status"
    )?;
    for c in list {
        let top: Vec<String> = c
            .identifiers
            .iter()
            .take(3)
            .map(|i| format!("{}:{} ({})", i.kind, i.value, i.reports))
            .collect();
        writeln!(
            out,
            "{:<10} {:>6.3} {:>5} {:>6} {:>12.2} {:>6}  {:<12} {}",
            c.cluster_id.as_str(),
            c.score,
            c.size,
            c.units.len(),
            c.amount_eur_total,
            c.score_parts.figures.growth_14d,
            triage(&c.cluster_id).status,
            top.join(", ")
        )?;
    }
    Ok(())
}

/// The saved clusters, with a note on stderr when they are behind the
/// store (see [`Reader::clusters`]).
fn saved_clusters(reader: &Reader) -> Result<fraudlink::reader::Clusters> {
    let clusters = reader.clusters()?;
    if let Some(note) = &clusters.behind {
        eprintln!("fraudlink: note: {note}");
    }
    Ok(clusters)
}

/// Reads what `f` takes from the saved clusters. The file is only a cache
/// of the store: when `f` finds it damaged, it is removed and the clusters
/// read again, rebuilt (see [`Reader::clusters`]), before anything is
/// shown.
fn read_saved<T>(
    reader: &Reader,
    f: impl Fn(&fraudlink::reader::Clusters) -> Result<T>,
) -> Result<(fraudlink::reader::Clusters, T)> {
    let clusters = saved_clusters(reader)?;
    match f(&clusters) {
        Ok(t) => Ok((clusters, t)),
        Err(e) if e.downcast_ref::<fraudlink::saved::Damaged>().is_some() => {
            eprintln!("fraudlink: note: {e:#}; reading them again from the store");
            drop(clusters);
            reader.discard_saved()?;
            let clusters = saved_clusters(reader)?;
            let t = f(&clusters)?;
            Ok((clusters, t))
        }
        Err(e) => Err(e),
    }
}

/// A new token's lifetime in seconds when `--expires-in` is not given.
fn default_lifetime(settings: &Settings) -> Option<i64> {
    let days = settings.auth.token_days;
    (days > 0).then(|| days.saturating_mul(86_400))
}

fn cluster_show(reader: &Reader, id: &str, json: bool, read: &CliRead) -> Result<u8> {
    let Some(cid) = reader.resolve_cluster(id)? else {
        bail!("no cluster {id}");
    };
    let (clusters, found) = read_saved(reader, |clusters| {
        let Some(detail) = clusters.saved.cluster(&cid)? else {
            return Ok(None);
        };
        let suggestions = clusters.saved.suggestions_at(&detail.suggestions)?;
        Ok(Some((detail, suggestions)))
    })?;
    let Some((detail, suggestions)) = found else {
        bail!("cluster {id} has no reports any more");
    };
    let c = &detail.summary;
    let idents = &detail.identifiers;
    let events = reader.store().cluster_events(&cid)?;
    let triage = triage_of(&reader.store().triaged_clusters()?, &cid);
    let mut timeline: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for row in detail.rows.iter().flatten() {
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(row.filed_at) {
            let (y, w, _) = t.to_iso_week_date();
            *timeline.entry(format!("{y}-W{w:02}")).or_default() += 1;
        }
    }
    let generation = clusters.saved.stamp().generation;
    read.log(
        reader,
        "read_cluster",
        serde_json::json!({
            "cluster": cid,
            "reports": fraudlink::access::reports_shown(c.report_ids.iter().map(|r| r.as_str()), generation),
            "suggested_reports": fraudlink::access::reports_shown(
                fraudlink::engine::suggestion_reports(&suggestions),
                generation,
            ),
        }),
    )?;
    let mut out = io::stdout().lock();
    if json {
        let idents: Vec<serde_json::Value> = idents
            .iter()
            .map(|(i, s, total)| serde_json::json!({"type": i.kind, "value": i.value, "reports": i.reports, "reports_total": total, "state": s}))
            .collect();
        let events: Vec<serde_json::Value> = events
            .iter()
            .map(|(at, kind, cause, detail)| serde_json::json!({"at": at, "kind": kind, "cause": cause, "detail": detail}))
            .collect();
        let view = ClusterView {
            summary: c,
            status: triage.status.clone(),
            assigned_team: triage.assigned_team.clone(),
        };
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({"cluster": view, "notes": triage.notes, "identifiers": idents, "timeline": timeline, "events": events, "suggestions": suggestions, "asked_for": id}),
        )?;
        writeln!(out)?;
        return Ok(0);
    }
    if cid.as_str() != id {
        writeln!(out, "{id} was merged into {cid}")?;
    }
    writeln!(
        out,
        "cluster {}  score {:.3}  status {}  assigned {}",
        c.cluster_id,
        c.score,
        triage.status,
        triage.assigned_team.as_deref().unwrap_or("-")
    )?;
    if !triage.notes.is_empty() {
        writeln!(out, "notes: {}", triage.notes.replace('\n', " | "))?;
    }
    writeln!(
        out,
        "reports {}  victims {}  damage EUR {:.2}  filed {} .. {}",
        c.size,
        c.score_parts.figures.victims,
        c.amount_eur_total,
        fraudlink::engine::rfc3339(c.first_filed_at),
        fraudlink::engine::rfc3339(c.last_filed_at)
    )?;
    writeln!(out, "units ({}): {}", c.units.len(), c.units.join(", "))?;
    writeln!(out, "teams ({}): {}", c.teams.len(), c.teams.join(", "))?;
    let p = &c.score_parts;
    writeln!(
        out,
        "score parts: reports {:.3}, victims {:.3}, units {:.3}, teams {:.3}, damage {:.3}, growth {:.3} (14d {}, 30d {}), recency {:.3}, actionable {:.3} (NL IBAN {}, NL phone {}, .nl domain {})",
        p.reports,
        p.victims,
        p.units,
        p.teams,
        p.damage,
        p.growth,
        p.figures.growth_14d,
        p.figures.growth_30d,
        p.recency,
        p.actionable,
        p.figures.dutch_iban,
        p.figures.dutch_phone,
        p.figures.nl_domain
    )?;
    writeln!(out, "identifiers:")?;
    for (i, s, total) in idents {
        let flag = match s {
            IdentState::Active => "links".to_owned(),
            IdentState::Benign(r) => format!("benign: {r}"),
            IdentState::Suppressed(r) => format!("suppressed: {r}"),
        };
        writeln!(
            out,
            "  {:<7} {:<45} {:>4} here / {:>5} total  {flag}",
            i.kind.as_str(),
            i.value,
            i.reports,
            total
        )?;
    }
    writeln!(out, "timeline (reports per ISO week):")?;
    for (w, n) in &timeline {
        writeln!(out, "  {w} {}", "#".repeat((*n).min(60)))?;
    }
    writeln!(out, "reports:")?;
    for (r, row) in c.report_ids.iter().zip(&detail.rows) {
        if let Some(row) = row {
            writeln!(
                out,
                "  {}  {}  {} / {}  {}",
                r,
                fraudlink::engine::rfc3339(row.filed_at),
                row.unit,
                row.team,
                row.fraud_type.as_deref().unwrap_or("-")
            )?;
        }
    }
    if !suggestions.is_empty() {
        writeln!(
            out,
            "suggested links (confirm or reject with `fraudlink link`):"
        )?;
        for s in suggestions {
            writeln!(
                out,
                "  {:.2} {}  ({}:{} ~ {}:{}; clusters {} ~ {})",
                s.suggestion.score,
                s.suggestion.why(),
                s.suggestion.a.kind,
                s.suggestion.a.value,
                s.suggestion.b.kind,
                s.suggestion.b.value,
                join_ids(&s.a_clusters),
                join_ids(&s.b_clusters)
            )?;
        }
    }
    writeln!(out, "events:")?;
    for (at, kind, cause, detail) in &events {
        writeln!(
            out,
            "  {}  {kind}  ({cause})  {detail}",
            fraudlink::engine::rfc3339(*at)
        )?;
    }
    Ok(0)
}

fn join_ids(ids: &[ClusterId]) -> String {
    ids.iter()
        .map(ClusterId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn print_explanation(
    a: &str,
    b: &str,
    e: &Explanation,
    ca: &Option<ClusterId>,
    cb: &Option<ClusterId>,
    log: &dyn AccessLog,
    read: &CliRead,
) -> Result<u8> {
    if !matches!(e, Explanation::Unknown) {
        // The chain names reports beyond the two asked about.
        let mut reports: Vec<&str> = vec![a, b];
        for r in e.reports() {
            if !reports.contains(&r.as_str()) {
                reports.push(r.as_str());
            }
        }
        read.log(
            log,
            "explain",
            serde_json::json!({"a": a, "b": b, "reports": reports, "clusters": [ca, cb]}),
        )?;
    }
    let mut out = io::stdout().lock();
    let describe = |c: &Option<ClusterId>| c.as_ref().map_or("-".to_owned(), ToString::to_string);
    writeln!(
        out,
        "{a} is in {}, {b} is in {}",
        describe(ca),
        describe(cb)
    )?;
    match e {
        Explanation::Linked { path } => {
            writeln!(out, "linked by a chain of {} step(s):", path.len())?;
            print_path(&mut out, path)?;
        }
        Explanation::Blocked { path, blocked } => {
            writeln!(
                out,
                "not linked: the only chains go through identifiers that do not link:"
            )?;
            for s in blocked {
                if let fraudlink::cluster::Step::Ident {
                    key,
                    reports,
                    state,
                } = s
                {
                    writeln!(
                        out,
                        "  {}:{} ({reports} reports) is {}",
                        key.kind,
                        key.value,
                        state_text(state)
                    )?;
                }
            }
            writeln!(out, "shortest such chain:")?;
            print_path(&mut out, path)?;
        }
        Explanation::NotLinked => writeln!(
            out,
            "not linked: they share no identifier, directly or through other reports"
        )?,
        Explanation::Unknown => bail!("unknown report id: {a} or {b}"),
    }
    Ok(0)
}

fn state_text(s: &IdentState) -> String {
    match s {
        IdentState::Active => "linking".to_owned(),
        IdentState::Benign(r) => format!("benign ({r})"),
        IdentState::Suppressed(r) => format!("suppressed ({r})"),
    }
}

fn print_path(out: &mut dyn Write, path: &[fraudlink::cluster::Step]) -> Result<()> {
    use fraudlink::cluster::Step;
    for s in path {
        match s {
            Step::Report { id } => writeln!(out, "  report {id}")?,
            Step::Ident {
                key,
                reports,
                state,
            } => writeln!(
                out,
                "    -- {}:{} ({reports} reports, {})",
                key.kind,
                key.value,
                state_text(state)
            )?,
            Step::Direct { why } => writeln!(out, "    -- direct link: {why:?}")?,
        }
    }
    Ok(())
}

/// Runs a command against a remote service.
fn remote(client: &fraudlink::client::Client, command: Command) -> Result<u8> {
    use fraudlink::client::print_line;
    let mut out = io::stdout().lock();
    match command {
        Command::Check { input, region } => {
            if region.is_some() {
                bail!(
                    "--region applies to a local check; a service reads numbers in its own default_region"
                );
            }
            let mut text = String::new();
            open_input(&input)?.read_to_string(&mut text)?;
            let docs: Vec<serde_json::Value> =
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(v) if v.is_object() => vec![v],
                    _ => text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(serde_json::from_str)
                        .collect::<Result<_, _>>()
                        .context("the input is not a report or NDJSON of reports")?,
                };
            for d in &docs {
                print_line(&mut out, &client.check(d)?)?;
            }
            Ok(0)
        }
        Command::Ingest { inputs, .. } => {
            let mut rejected = 0;
            for input in &inputs {
                let totals = client.push(open_input(input)?, |first, answer| {
                    eprintln!(
                        "{input}: lines from {first} acknowledged: {} new, {} updated, {} unchanged, {} rejected",
                        answer["accepted"], answer["updated"], answer["unchanged"], answer["rejected"]
                    );
                    for r in answer["rejects"].as_array().into_iter().flatten() {
                        let line = r["line"].as_u64().unwrap_or(0) as usize + first - 1;
                        eprintln!("{input}:{line}: rejected: {}", r["error"].as_str().unwrap_or(""));
                    }
                })?;
                rejected += totals[3];
                eprintln!(
                    "{input}: {} accepted, {} updated, {} unchanged, {} rejected",
                    totals[0], totals[1], totals[2], totals[3]
                );
            }
            Ok(if rejected > 0 { EXIT_REJECTED } else { 0 })
        }
        Command::Search(args) => {
            let params = args.query_pairs();
            let page = client.search(&params)?;
            for h in page["hits"].as_array().into_iter().flatten() {
                print_line(&mut out, h)?;
            }
            eprintln!("{} hit(s)", page["total"]);
            Ok(0)
        }
        Command::Cluster {
            what: ClusterWhat::Show { id, .. },
        } => {
            let c = client.cluster(&id)?;
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
            Ok(0)
        }
        _ => bail!("with --server only check, ingest, search and cluster show run remotely"),
    }
}

/// Serves the API until Ctrl-C or SIGTERM.
fn serve(engine: Engine, addr: &str) -> Result<u8> {
    // The main thread accepts connections (`block_on`); the runtime's
    // threads answer requests, its blocking pool among them (access-log
    // writes, a shutdown's re-cluster). Threads these start that lower
    // their priority give the slice back (`workers::lower_thread_priority`).
    let slice = engine.settings().server.request_slice_us;
    request_slice(slice);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(move || request_slice(slice))
        .build()
        .context("starting the async runtime")?;
    let cfg = fraudlink::api::ApiConfig::from(&engine.settings().server);
    let retention = fraudlink::store::Retention::of(engine.settings());
    // Purged before the first answer: a service restarted every day would
    // otherwise never reach its first daily purge.
    if !retention.is_off() {
        eprintln!("fraudlink: applying the retention periods before serving");
        print_purge(&engine.purge(retention, "retention")?);
    }
    runtime.block_on(async move {
        let shutdown = shutdown_signal();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        eprintln!(
            "fraudlink: serving the UI at http://{0}/ and the API at http://{0}/api/v1 (Ctrl-C stops)",
            listener.local_addr()?
        );
        if !retention.is_off() {
            tokio::spawn(fraudlink::server::daily(engine.clone(), retention));
        }
        fraudlink::server::run(listener, engine, cfg, shutdown).await
    })?;
    Ok(0)
}

/// Tells what a purge removed.
fn print_purge(s: &fraudlink::engine::PurgeSummary) {
    if let Some(before) = &s.before {
        println!(
            "purged {} report(s) filed before {before}, {} link decision(s), {} alert(s), the notes of {} cluster(s) left without reports and {} rejected line(s)",
            s.purged.reports.len(),
            s.purged.link_decisions,
            s.purged.alerts,
            s.purged.notes,
            s.rejected_lines
        );
    }
    if let Some(before) = &s.access_log_before {
        println!(
            "purged {} access-log row(s) written before {before}",
            s.access_log_rows
        );
    }
    if s.rewrote_store {
        println!("rewrote the store once to clear what earlier deletions left in its free space");
    }
    if !s.wal_truncated {
        eprintln!(
            "warning: the WAL could not be truncated (a reader kept an older state); the next purge tries again"
        );
    }
}

/// The request threads' slice (see `workers::set_time_slice`); 0 keeps the
/// kernel's default.
fn request_slice(us: u64) {
    if us > 0 {
        fraudlink::workers::set_time_slice(std::time::Duration::from_micros(us));
    }
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called (inside the runtime), not when the future is first polled: a
/// SIGTERM that came before `serve` was done starting would otherwise end
/// the process at once, without its shutdown.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            () = term => {},
        }
    }
}

/// Synthetic reports the demo adds to the fixtures.
const DEMO_REPORTS: usize = 2000;

fn demo(settings: Settings, serve_after: bool) -> Result<u8> {
    let engine = Engine::open(settings)?;
    if engine.state().report_count() == 0 {
        let fixtures = Path::new("fixtures");
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures)
            .with_context(|| {
                format!(
                    "reading {} (run the demo from the repository root)",
                    fixtures.display()
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
            .collect();
        files.sort();
        let inputs: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "loading {} fixture file(s) into {}",
            inputs.len(),
            engine.data_dir().display()
        );
        ingest(&engine, &inputs, None)?;
        // The fixtures are a handful of hand-written cases; a desk's view
        // (ranking, growth, the flow per week and unit, a large graph)
        // needs volume, so the demo adds synthetic reports with the fixed
        // seed, generated into the data directory.
        let generated = engine.data_dir().join("demo");
        eprintln!(
            "generating {DEMO_REPORTS} synthetic reports into {}",
            generated.display()
        );
        generate(DEMO_REPORTS, 7, &generated, None)?;
        let file = generated.join("reports.ndjson").display().to_string();
        ingest(&engine, &[file], None)?;
    }
    let state = engine.state();
    let top: Vec<&str> = state
        .clusters()
        .iter()
        .filter(|c| c.size >= 2)
        .take(10)
        .map(|c| c.cluster_id.as_str())
        .collect();
    engine.log_access_by(&fraudlink::access::Access {
        role: fraudlink::access::CLI_ROLE,
        actor: &fraudlink::access::cli_user(),
        action: "list_clusters",
        targets: &serde_json::json!({"clusters": top}),
        reason: Some("demo: the top clusters printed at start"),
        outcome: "ok",
    })?;
    println!(
        "{} reports in {} clusters; top clusters:",
        state.report_count(),
        state.clusters().len()
    );
    print_cluster_table(
        &|id| engine.triage(id),
        &mut io::stdout().lock(),
        state.clusters().iter().filter(|c| c.size >= 2).take(10),
    )?;
    if !serve_after {
        return Ok(0);
    }
    let addr = engine.settings().server.addr.clone();
    let lifetime = default_lifetime(engine.settings());
    let (_, token) = engine.create_token(fraudlink::auth::Role::Admin, None, "demo", lifetime)?;
    println!();
    println!("UI:         http://{addr}/  (sign in with the demo token)");
    println!("API:        http://{addr}/api/v1  (OpenAPI: http://{addr}/api/v1/openapi.json)");
    println!("demo token: {token}   (admin; revoke with `fraudlink token revoke`)");
    println!(
        "try:        curl -H 'Authorization: Bearer {token}' -H 'X-Fraudlink-Reason: demo' http://{addr}/api/v1/clusters"
    );
    drop(state);
    serve(engine, &addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_has_no_clashing_arguments() {
        // See: issue 19 (`audit --token 1` panicked: audit's filter and
        // the global `--token` had one name).
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn token_create_takes_a_lifetime() {
        // See: issue 19
        let cli = Cli::try_parse_from([
            "fraudlink",
            "token",
            "create",
            "--role",
            "analyst",
            "--expires-in",
            "90d",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            Command::Token {
                what: TokenWhat::Create { expires_in: Some(ref e), .. }
            } if e == "90d"
        ));
    }
}
