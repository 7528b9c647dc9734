//! The command line: clap subcommands, each a thin call into the engine.
//!
//! Exit statuses: 0 success; 1 an error (printed once by `main`);
//! 2 a usage error (clap); 3 the command finished but some input lines
//! were rejected (ingest) or could not be read (extract, check).
//!
//! `run` dispatches each command to its file: `args` (clap's definitions),
//! `intake` (gen, normalize, extract, ingest, check), `clusters` (listing,
//! showing, export, search, explain, triage, link decisions), `admin`
//! (tokens, audit, backup, restore, purge, reindex, alerts), `serve` (serve,
//! demo and `--server`), and `read` (the reason every read of police data
//! needs, its access-log entry, and the clusters `serve` saved).

use anyhow::{Result, bail};

use fraudlink::config::Settings;
use fraudlink::engine::Engine;
use fraudlink::reader::Reader;

use self::intake::{check, extract, generate, ingest, normalize, with_region};
use self::read::command_name;
use self::serve::{demo, remote, serve};
use self::show::cluster_show;

mod admin;
mod args;
mod clusters;
mod intake;
mod read;
mod serve;
mod show;

pub use self::args::{Cli, Command};
use self::args::{ClusterWhat, ExportWhat};
use self::read::CliRead;

/// Exit status when some input lines were rejected.
pub const EXIT_REJECTED: u8 = 3;

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
            let engine = Engine::open_to_ingest(settings)?.one_shot();
            ingest(&engine, &inputs, rejects.as_deref())
        }
        Command::Check { input, region } => {
            let read = CliRead::batch(reason, "check");
            check(with_region(settings, region)?, &input, &read)
        }
        Command::Export {
            what: ExportWhat::Clusters { format, cluster },
        } => clusters::export_clusters(settings, reason, format, cluster),
        Command::Clusters(args) => clusters::clusters(settings, reason, args),
        Command::Cluster {
            what: ClusterWhat::Show { id, json },
        } => {
            let read = read("cluster show")?;
            cluster_show(&Reader::open(settings)?, &id, json, &read)
        }
        Command::Hubs => clusters::hubs(settings, reason),
        Command::Suggestions { cluster, limit } => {
            clusters::suggestions(settings, reason, cluster, limit)
        }
        Command::Link { what } => clusters::link(settings, what),
        Command::Explain { a, b } => clusters::explain(settings, reason, a, b),
        Command::Search(args) => clusters::search(settings, reason, args),
        Command::Similar { id, limit } => clusters::similar(settings, reason, id, limit),
        Command::Alerts { limit } => admin::alerts(settings, limit),
        Command::Reindex => admin::reindex(settings),
        Command::Backup { dir, force } => admin::backup(settings, dir, force),
        Command::Restore { dir, force } => admin::restore(settings, dir, force),
        Command::Demo { no_serve } => demo(settings, !no_serve),
        Command::Serve { addr } => {
            let addr = addr.unwrap_or_else(|| settings.server.addr.clone());
            let engine = Engine::open_to_serve(settings)?;
            serve(engine, &addr)
        }
        Command::Token { what } => admin::token(settings, what),
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
            admin::audit(settings, reason, token_id, action, target, limit)
        }
        Command::Purge { days } => admin::purge(settings, days),
        Command::Triage {
            id,
            status,
            team,
            note,
            by,
        } => clusters::triage(settings, id, status, team, note, by),
        Command::Gen {
            reports,
            seed,
            out,
            check,
        } => generate(reports, seed, &out, check),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::args::TokenWhat;
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
