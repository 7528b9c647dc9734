//! Reports in: `gen`, `normalize`, `extract`, `ingest` and `check`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use fraudlink::config::Settings;
use fraudlink::engine::{
    CheckAnswer, CheckRequest, Engine, EngineError, EngineResult, check_against,
};
use fraudlink::extract::Extractor;
use fraudlink::ident::{self, Kind};
use fraudlink::reader::Reader;
use fraudlink::report::Report;

use super::EXIT_REJECTED;
use super::read::{AccessLog, CliRead};

/// Writes the generator's files into `dir`; the generator itself only
/// sees writers.
pub(super) fn generate(reports: usize, seed: u64, dir: &Path, check: Option<usize>) -> Result<u8> {
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
    let config = fraudlink_gen::Config::new(reports, seed, check.unwrap_or(0));
    let meta = fraudlink_gen::write(
        &config,
        fraudlink_gen::Outputs {
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
pub(super) fn with_region(mut settings: Settings, region: Option<String>) -> Result<Settings> {
    if let Some(region) = region {
        settings.default_region = region.clone();
        if settings.region().is_err() {
            bail!("--region {region:?} is not a known region (two letters, such as NL, GB or US)");
        }
    }
    Ok(settings)
}

pub(super) fn open_input(input: &str) -> Result<Box<dyn BufRead>> {
    if input == "-" {
        Ok(Box::new(BufReader::new(io::stdin())))
    } else {
        let f = File::open(input).with_context(|| format!("opening {input}"))?;
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

pub(super) fn normalize(settings: &Settings, kind: &str, values: Vec<String>) -> Result<u8> {
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

pub(super) fn extract(settings: &Settings, input: &str) -> Result<u8> {
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

pub(super) fn ingest(engine: &Engine, inputs: &[String], rejects: Option<&Path>) -> Result<u8> {
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

/// How long a check beside the process that owns the data directory
/// waits for it to save clusters that are the store's.
const OWNER_SAVES_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// `fraudlink check`: answered from the clusters saved for the commands
/// when they are the store's as it stands (about a second at ten million
/// reports, also beside a running `serve`). Otherwise the data directory
/// is opened as its owner, which rebuilds the clusters (minutes at ten
/// million reports) and saves them for the next command; when another
/// process owns it, the check waits a while for that one to save them.
pub(super) fn check(settings: Settings, input: &str, read: &CliRead) -> Result<u8> {
    let docs = check_docs(input)?;
    if let Some(done) = check_saved(&settings, input, &docs, read)? {
        return Ok(done);
    }
    let dir = settings.data_dir.clone();
    match Engine::try_open(settings.clone())? {
        Ok(engine) => {
            let engine = engine.one_shot();
            let answer = |req: &CheckRequest| engine.check(req);
            let limits = |req: &CheckRequest| engine.check_limits(req);
            answer_checks(&docs, &answer, &limits, &engine, input, read)
        }
        Err(_) => {
            let deadline = std::time::Instant::now() + OWNER_SAVES_WITHIN;
            while std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(500));
                if let Some(done) = check_saved(&settings, input, &docs, read)? {
                    return Ok(done);
                }
            }
            bail!(
                "the clusters saved in {} are behind the store, and the fraudlink process that \
                 holds the data directory (serve) has not saved newer ones within {} s (at \
                 millions of reports a re-cluster takes minutes); try again later, or check \
                 against the running service with --server",
                dir.display(),
                OWNER_SAVES_WITHIN.as_secs()
            )
        }
    }
}

/// A check line: the report itself (docs/formats.md section 4), or a line
/// of the generator's `check.ndjson`, which holds it under `report` beside
/// the group it expects.
fn check_request(doc: &str) -> serde_json::Result<CheckRequest> {
    let mut v: serde_json::Value = serde_json::from_str(doc)?;
    let wrapped = v.get("report").is_some_and(|r| r.is_object())
        && ["narrative", "identifiers", "victim_ref"]
            .iter()
            .all(|f| v.get(f).is_none());
    if wrapped {
        v = v["report"].take();
    }
    serde_json::from_value(v)
}

/// The checks of `input`: a single pretty-printed report is one JSON
/// document; otherwise NDJSON, a check a line.
fn check_docs(input: &str) -> Result<Vec<String>> {
    let mut text = String::new();
    open_input(input)?.read_to_string(&mut text)?;
    Ok(match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) if v.is_object() => vec![v.to_string()],
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The checks answered from the saved clusters, or `None` when they are
/// missing, behind the store, built with other settings, or damaged
/// (then removed, so that the open that follows saves them again).
fn check_saved(
    settings: &Settings,
    input: &str,
    docs: &[String],
    read: &CliRead,
) -> Result<Option<u8>> {
    let reader = Reader::open(settings.clone())?;
    let Some(saved) = reader.saved_for_check()? else {
        return Ok(None);
    };
    let known = saved.known();
    let extractor = Extractor::new(settings.region()?, settings.load_allowlist()?);
    let window = settings.linking.refiling_window_days;
    let answer = |req: &CheckRequest| {
        let triage = |c: &fraudlink::cluster::ClusterId| reader.triage(c);
        check_against(&known, &extractor, window, &triage, req).map(|(a, _)| a)
    };
    let limits = |req: &CheckRequest| {
        settings.limits.check(
            req.narrative.as_deref().unwrap_or_default(),
            req.identifiers.as_deref().unwrap_or_default(),
        )
    };
    match answer_checks(docs, &answer, &limits, &reader, input, read) {
        Err(e) if e.downcast_ref::<fraudlink::saved::Damaged>().is_some() => {
            eprintln!("note: {e:#}; the clusters are rebuilt from the store to answer");
            drop(saved);
            reader.discard_saved()?;
            Ok(None)
        }
        done => done.map(Some),
    }
}

/// Answers each check of `docs`, writes the access-log row, then prints
/// the answers, one line each (a refused check as an error naming its
/// line).
fn answer_checks(
    docs: &[String],
    answer: &dyn Fn(&CheckRequest) -> EngineResult<CheckAnswer>,
    limits: &dyn Fn(&CheckRequest) -> Result<(), fraudlink::report::ReportError>,
    log_to: &dyn AccessLog,
    input: &str,
    read: &CliRead,
) -> Result<u8> {
    let mut bad = 0;
    // Answered first, logged, then printed: the access log has the read
    // before anything is shown.
    let mut answers = Vec::with_capacity(docs.len());
    let mut clusters: Vec<String> = Vec::new();
    for (n, doc) in docs.iter().enumerate() {
        match check_request(doc) {
            Ok(req) => match limits(&req) {
                Ok(()) => match answer(&req) {
                    Ok(answer) => {
                        clusters.extend(answer.matches.iter().map(|m| m.cluster_id.to_string()));
                        answers.push(serde_json::to_value(&answer)?);
                    }
                    Err(EngineError::Internal(e)) => return Err(e),
                    Err(e) => {
                        bad += 1;
                        answers.push(
                            serde_json::json!({"error": "bad report", "detail": format!("line {}: {e}", n + 1)}),
                        );
                    }
                },
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
        log_to,
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
