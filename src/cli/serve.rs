//! Serving: `serve`, `demo`, and the commands sent to a running server
//! (`--server`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use fraudlink::config::Settings;
use fraudlink::engine::Engine;

use super::EXIT_REJECTED;
use super::admin::{default_lifetime, print_purge};
use super::args::{ClusterWhat, Command};
use super::clusters::print_cluster_table;
use super::intake::{generate, ingest, open_input};

/// Runs a command against a remote service.
pub(super) fn remote(client: &fraudlink::client::Client, command: Command) -> Result<u8> {
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
pub(super) fn serve(engine: Engine, addr: &str) -> Result<u8> {
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
    // otherwise never reach its first daily purge. A service opened with
    // `Engine::open_to_serve` does it at its start, beside the first
    // requests (`Engine::serving`).
    if !retention.is_off() && engine.has_clusters() {
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

/// The request threads' slice (see `workers::set_time_slice`); 0 keeps the
/// kernel's default.
pub(super) fn request_slice(us: u64) {
    if us > 0 {
        fraudlink::workers::set_time_slice(std::time::Duration::from_micros(us));
    }
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called (inside the runtime), not when the future is first polled: a
/// SIGTERM that came before `serve` was done starting would otherwise end
/// the process at once, without its shutdown.
pub(super) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
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
pub(super) const DEMO_REPORTS: usize = 2000;

pub(super) fn demo(settings: Settings, serve_after: bool) -> Result<u8> {
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
