//! Reads of police data from the command line: the reason each needs, the
//! access log each is written to, and the clusters `serve` saved.

use anyhow::{Context, Result, bail};

use fraudlink::engine::Engine;
use fraudlink::reader::Reader;

use super::args::Command;

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
    pub(super) fn new(reason: Option<&str>, command: &str) -> Result<CliRead> {
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
    pub(super) fn batch(reason: Option<&str>, command: &str) -> CliRead {
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
    pub(super) fn log(
        &self,
        to: &dyn AccessLog,
        action: &str,
        targets: serde_json::Value,
    ) -> Result<()> {
        self.log_outcome(to, action, targets, "ok")
    }

    /// [`CliRead::log`] with another outcome (`incomplete`: part of what
    /// it names was written before the command failed).
    pub(super) fn log_outcome(
        &self,
        to: &dyn AccessLog,
        action: &str,
        targets: serde_json::Value,
        outcome: &str,
    ) -> Result<()> {
        to.log_access_by(&fraudlink::access::Access {
            role: fraudlink::access::CLI_ROLE,
            actor: &self.user,
            action,
            targets: &targets,
            reason: self.reason.as_deref(),
            outcome,
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

/// The command's name, for messages (`cluster show`, `search`).
pub(super) fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Check { .. } => "check",
        Command::Search(_) => "search",
        Command::Cluster { .. } => "cluster show",
        _ => "this command",
    }
}

/// The saved clusters, with a note on stderr when they are behind the
/// store (see [`Reader::clusters`]).
pub(super) fn saved_clusters(reader: &Reader) -> Result<fraudlink::reader::Clusters> {
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
pub(super) fn read_saved<T>(
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
