//! Administration: tokens, the access log, backups, restore, purge,
//! reindex and the alert outbox.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use fraudlink::config::Settings;
use fraudlink::engine::Engine;
use fraudlink::reader::Reader;

use super::args::TokenWhat;

/// A new token's lifetime in seconds when `--expires-in` is not given.
pub(super) fn default_lifetime(settings: &Settings) -> Option<i64> {
    let days = settings.auth.token_days;
    (days > 0).then(|| days.saturating_mul(86_400))
}

/// Tells what a purge removed.
pub(super) fn print_purge(s: &fraudlink::engine::PurgeSummary) {
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

/// `fraudlink alerts`: the webhook outbox, newest first.
pub(super) fn alerts(settings: Settings, limit: usize) -> Result<u8> {
    let reader = Reader::open(settings)?;
    let mut out = io::stdout().lock();
    for a in reader.store().alerts(limit)? {
        serde_json::to_writer(&mut out, &a)?;
        writeln!(out)?;
    }
    Ok(0)
}

/// `fraudlink reindex`: the search index rebuilt from the store.
pub(super) fn reindex(settings: Settings) -> Result<u8> {
    let dir = settings.data_dir.join(fraudlink::engine::INDEX_DIR);
    // Not the folder of a running service's index.
    if dir.exists() && fraudlink::index::SearchIndex::lock_dir(&dir)?.is_none() {
        bail!(
            "{} is in use by another fraudlink process (serve, ingest, ...); stop it first",
            settings.data_dir.display()
        );
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
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

/// `fraudlink backup`: a signed, consistent copy of the store.
pub(super) fn backup(settings: Settings, dir: PathBuf, force: bool) -> Result<u8> {
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

/// `fraudlink restore`: a signed backup put back in place.
pub(super) fn restore(settings: Settings, dir: PathBuf, force: bool) -> Result<u8> {
    let key = fraudlink::backup::BackupKey::load(&fraudlink::backup::BackupKey::path(&settings))?;
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

/// `fraudlink token create|list|revoke`.
pub(super) fn token(settings: Settings, what: TokenWhat) -> Result<u8> {
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
                bail!("an intake token needs --team (the basisteam whose reports it may read)");
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

/// `fraudlink audit`: the access log, filtered; reading it is logged too.
pub(super) fn audit(
    settings: Settings,
    reason: Option<&str>,
    token_id: Option<i64>,
    action: Option<String>,
    target: Option<String>,
    limit: usize,
) -> Result<u8> {
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

/// `fraudlink purge`: the retention periods applied now.
pub(super) fn purge(settings: Settings, days: Option<i64>) -> Result<u8> {
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
