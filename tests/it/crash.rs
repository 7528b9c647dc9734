//! The kill harness: `fraudlink ingest` and `fraudlink serve` (pushed to
//! over HTTP) under a stream of generated reports, killed with SIGKILL at
//! random moments and restarted, again and again on one data directory.
//!
//! It is black-box: it drives the binary (`gen`, `ingest`, `serve`,
//! `token`, `export`) and the HTTP API only, so it holds whatever the
//! engine does inside. After every kill it restarts `fraudlink serve` on
//! the same data directory and checks through the API:
//!
//! - every report ever acknowledged (a `batch N committed ... through line
//!   L` line of `ingest`, a 2xx answer to `POST /api/v1/reports`) is in the
//!   store, and the store holds only reports that were sent and none that
//!   an earlier check saw has gone;
//! - no half batch: of each batch sent before the kill, the reports new to
//!   the store are either all there or none;
//! - the search index caught up by itself: a search for everything finds
//!   exactly the stored reports;
//! - cluster ids are stable: a cluster that only grew (or stayed) keeps its
//!   id, a cluster made of whole earlier clusters has one of their ids.
//!
//! Every few kills and at the end it also compares `fraudlink export
//! clusters` with that of a clean run (a fresh data directory and one
//! `ingest` of the same reports): the memberships must be equal.
//!
//! The short version runs in CI; the long one is ignored and run by hand
//! (see README, "Reliability"):
//!
//! ```sh
//! FRAUDLINK_CRASH_KILLS=100 FRAUDLINK_CRASH_REPORTS=50000 \
//!   cargo test --release --test it crash::long -- --ignored --nocapture
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::support::{Server, bin};

/// One run's parameters.
#[derive(Debug, Clone)]
pub struct Config {
    /// Kills to make (trials that end naturally do not count).
    pub kills: usize,
    /// Reports in the generated stream.
    pub reports: usize,
    /// Seed of the stream and of the kill schedule.
    pub seed: u64,
    /// `ingest` batch size and reports per HTTP push.
    pub batch: usize,
    /// Compare with a clean run after every this many kills (and at the end).
    pub clean_every: usize,
    /// Concurrent HTTP clients pushing to `serve`.
    pub pushers: usize,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Tally {
    /// Kill trials (SIGKILL while the process ran).
    pub kills: usize,
    /// Trials that ended before their kill moment (ingest finished).
    pub finished: usize,
    /// Kills of `ingest` and of `serve`.
    pub kills_by_mode: [usize; 2],
    /// Kills before the first acknowledgement, while acknowledging, and
    /// after the last one (final re-cluster, idle).
    pub kills_by_phase: [usize; 3],
    /// Distinct reports acknowledged over the run.
    pub acknowledged: usize,
    /// Acknowledged reports looked up in the store after a kill, summed
    /// over the checks.
    pub acknowledged_checked: usize,
    /// Stored reports looked up in the search index, summed over the checks.
    pub searched: usize,
    /// Batches checked for being whole or absent.
    pub batches_checked: usize,
    /// Clusters whose id was checked against the previous check.
    pub ids_checked: usize,
    /// Comparisons with a clean run.
    pub clean_runs: usize,
    /// Reports in the store at the end.
    pub stored: usize,
    /// What went wrong.
    pub failures: Vec<String>,
}

const MODE_NAMES: [&str; 2] = ["ingest", "serve"];
const PHASE_NAMES: [&str; 3] = ["starting", "acknowledging", "after the last ack"];

/// The short version, in CI: 20 kills over a small stream.
#[test]
fn kills_during_ingest_and_serve_lose_no_acknowledged_report() {
    let tally = run(&Config {
        kills: 20,
        reports: 1_500,
        seed: 8,
        batch: 25,
        clean_every: 5,
        pushers: 2,
    });
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
    assert!(tally.kills >= 20);
    assert_eq!(
        tally.stored, 1_500,
        "the stream was finished after the kills"
    );
}

/// The long version: `FRAUDLINK_CRASH_KILLS` (100), `FRAUDLINK_CRASH_REPORTS`
/// (50,000), `FRAUDLINK_CRASH_SEED` (1), `FRAUDLINK_CRASH_BATCH` (100).
#[test]
#[ignore = "long: run by hand in release, see README (Reliability)"]
fn long() {
    let env = |k: &str, default: u64| -> u64 {
        std::env::var(k)
            .ok()
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{k}={v:?}")))
            .unwrap_or(default)
    };
    let cfg = Config {
        kills: env("FRAUDLINK_CRASH_KILLS", 100) as usize,
        reports: env("FRAUDLINK_CRASH_REPORTS", 50_000) as usize,
        seed: env("FRAUDLINK_CRASH_SEED", 1),
        batch: env("FRAUDLINK_CRASH_BATCH", 100) as usize,
        clean_every: 10,
        pushers: 2,
    };
    let tally = run(&cfg);
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
    assert_eq!(tally.stored, cfg.reports);
}

/// Runs the harness and prints a summary; the caller asserts.
pub fn run(cfg: &Config) -> Tally {
    let started = Instant::now();
    let mut h = Harness::new(cfg);
    let mut trial = 0;
    while h.tally.kills < cfg.kills {
        trial += 1;
        h.trial(trial);
        assert!(
            trial <= cfg.kills * 4,
            "{trial} trials for {} kills: the kill moments miss the processes",
            h.tally.kills
        );
    }
    h.finish(trial + 1);
    let t = &h.tally;
    eprintln!(
        "crash harness: {} kills ({} ingest, {} serve; {} {}, {} {}, {} {}) in {trial} trials, \
         {} reports acknowledged, {} acknowledged-report checks, {} search checks, {} batch checks, \
         {} cluster-id checks, {} clean-run comparisons, {} reports stored, {} failures, {:.0}s (seed {})",
        t.kills,
        t.kills_by_mode[0],
        t.kills_by_mode[1],
        t.kills_by_phase[0],
        PHASE_NAMES[0],
        t.kills_by_phase[1],
        PHASE_NAMES[1],
        t.kills_by_phase[2],
        PHASE_NAMES[2],
        t.acknowledged,
        t.acknowledged_checked,
        t.searched,
        t.batches_checked,
        t.ids_checked,
        t.clean_runs,
        t.stored,
        t.failures.len(),
        started.elapsed().as_secs_f64(),
        cfg.seed,
    );
    h.tally
}

/// How one trial ended.
struct Run {
    /// The batches sent (line numbers of the stream).
    batches: Vec<Vec<usize>>,
    /// Reports acknowledged in this trial.
    acked: Vec<usize>,
    /// Killed, or ended by itself.
    killed: bool,
    /// Index into [`PHASE_NAMES`].
    phase: usize,
    /// When the process finished its work by itself (ingest exited, the
    /// pushes were all answered), from its start.
    done_after: Option<Duration>,
    /// When it was killed or ended.
    ended_after: Duration,
    /// The mean time between acknowledgements, if there were two.
    gap: Option<Duration>,
}

/// When to kill.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after the start.
    At(Duration),
    /// This long after the n-th acknowledgement.
    AfterAcks(usize, Duration),
    /// Not at all.
    Never,
}

impl Kill {
    /// The moment to kill, once known: acknowledgements so far and when
    /// the last came.
    fn deadline(self, started: Instant, acks: usize, last_ack: Option<Instant>) -> Option<Instant> {
        match self {
            Kill::At(d) => Some(started + d),
            Kill::AfterAcks(n, d) if acks >= n => last_ack.map(|t| t + d),
            _ => None,
        }
    }
}

/// Acknowledgements as they come.
#[derive(Debug, Default)]
struct Acks {
    count: usize,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Acks {
    fn add(&mut self) {
        let now = Instant::now();
        self.count += 1;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    fn gap(&self) -> Option<Duration> {
        match (self.first, self.last) {
            (Some(a), Some(b)) if self.count >= 2 => Some((b - a) / (self.count as u32 - 1)),
            _ => None,
        }
    }
}

struct Harness {
    cfg: Config,
    rng: ChaCha8Rng,
    work: tempfile::TempDir,
    data: PathBuf,
    lines: Vec<String>,
    ids: Vec<String>,
    line_of: HashMap<String, usize>,
    /// The token that pushes: the generated reports are many teams', which
    /// an intake token may not write (issue 19), so the national desk's.
    pusher: String,
    analyst: String,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    /// The next line of the stream never sent.
    cursor: usize,
    /// Lines sent but not stored, sent again first.
    retry: Vec<usize>,
    sent: HashSet<usize>,
    acked: HashSet<usize>,
    stored: BTreeSet<usize>,
    /// The clusters at the previous check: id to lines.
    clusters: BTreeMap<String, BTreeSet<usize>>,
    /// How long a process of each mode takes to do its work, for placing
    /// the kills over its whole life.
    lifetime: [Duration; 2],
    /// The time between acknowledgements of each mode.
    gap: [Duration; 2],
    tally: Tally,
}

impl Harness {
    fn new(cfg: &Config) -> Harness {
        let work = tempfile::tempdir().expect("a temporary directory");
        let data = work.path().join("data");
        let gen_dir = work.path().join("gen");
        let out = Command::new(bin())
            .args(["gen", "--reports", &cfg.reports.to_string()])
            .args(["--seed", &cfg.seed.to_string()])
            .arg("--out")
            .arg(&gen_dir)
            .current_dir(work.path())
            .output()
            .expect("gen runs");
        assert!(out.status.success(), "gen: {out:?}");
        let text = std::fs::read_to_string(gen_dir.join("reports.ndjson")).expect("gen output");
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), cfg.reports);
        let ids: Vec<String> = lines
            .iter()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("gen writes JSON");
                v["id"].as_str().expect("an id").to_owned()
            })
            .collect();
        let line_of: HashMap<String, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        assert_eq!(line_of.len(), ids.len(), "generated ids are unique");
        let mut h = Harness {
            cfg: cfg.clone(),
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            data,
            lines,
            ids,
            line_of,
            pusher: String::new(),
            analyst: String::new(),
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .default_headers(crate::support::reason_headers())
                .build()
                .expect("an HTTP client"),
            work,
            cursor: 0,
            retry: Vec::new(),
            sent: HashSet::new(),
            acked: HashSet::new(),
            stored: BTreeSet::new(),
            clusters: BTreeMap::new(),
            lifetime: [Duration::from_secs(2); 2],
            gap: [Duration::from_millis(50); 2],
            tally: Tally::default(),
        };
        h.pusher = h.token(&["--role", "coordinator"]);
        h.analyst = h.token(&["--role", "analyst"]);
        h
    }

    /// The binary on the harness's data directory.
    fn cmd(&self) -> Command {
        self.cmd_on(&self.data)
    }

    /// The binary on the data directory `data`.
    fn cmd_on(&self, data: &Path) -> Command {
        let mut c = Command::new(bin());
        c.arg("--data")
            .arg(data)
            .current_dir(self.work.path())
            .env("FRAUDLINK_INGEST_BATCH_SIZE", self.cfg.batch.to_string())
            .env_remove("FRAUDLINK_LOG")
            .env_remove("FRAUDLINK_SERVER")
            .env("FRAUDLINK_REASON", crate::support::READ_REASON)
            .stdin(Stdio::null());
        c
    }

    fn token(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(["token", "create", "--label", "crash harness"])
            .args(args)
            .output()
            .expect("token create runs");
        assert!(out.status.success(), "token create: {out:?}");
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .trim()
            .to_owned()
    }

    /// One trial: a process under load, killed at a random moment, then
    /// the checks.
    fn trial(&mut self, n: usize) {
        let mode = self.rng.random_range(0..2usize);
        let input = self.next_input();
        let batches = input.len().div_ceil(self.cfg.batch);
        // Half the kills land anywhere in the process's life (start-up and
        // recovery included), half while it acknowledges batches.
        let kill = if batches == 0 || self.rng.random_bool(0.5) {
            let limit = self.lifetime[mode].mul_f64(1.2);
            Kill::At(limit.mul_f64(self.rng.random_range(0.0..1.0)))
        } else {
            Kill::AfterAcks(
                self.rng.random_range(1..=batches),
                self.gap[mode].mul_f64(self.rng.random_range(0.0..1.5)),
            )
        };
        let before = self.stored.clone();
        let again = input.iter().filter(|l| self.sent.contains(l)).count();
        let run = match mode {
            0 => self.ingest(n, &input, kill),
            _ => self.serve(&input, kill),
        };
        // The work's expected length: learnt when a process gets its work
        // done, stretched when a kill keeps coming first.
        self.lifetime[mode] = match run.done_after {
            Some(d) => d.max(Duration::from_millis(50)),
            None => self.lifetime[mode].mul_f64(1.25),
        };
        if let Some(g) = run.gap {
            self.gap[mode] = g;
        }
        if run.killed {
            self.tally.kills += 1;
            self.tally.kills_by_mode[mode] += 1;
            self.tally.kills_by_phase[run.phase] += 1;
        } else {
            self.tally.finished += 1;
        }
        self.sent.extend(input.iter().copied());
        self.acked.extend(run.acked.iter().copied());
        let clusters = self.check(n, &before, &run.batches);
        let new: Vec<usize> = input
            .iter()
            .copied()
            .filter(|l| !self.stored.contains(l))
            .collect();
        eprintln!(
            "trial {n}: {} {} reports ({again} again), {} at {:.2}s ({}), {} batches, {} acked; \
             stored {} -> {} ({} to send again), {} clusters",
            MODE_NAMES[mode],
            input.len(),
            if run.killed { "killed" } else { "ended" },
            run.ended_after.as_secs_f64(),
            PHASE_NAMES[run.phase],
            run.batches.len(),
            run.acked.len(),
            before.len(),
            self.stored.len(),
            new.len(),
            clusters.len(),
        );
        self.retry = new;
        self.clusters = clusters;
        if run.killed && self.tally.kills % self.cfg.clean_every == 0 {
            self.compare_with_clean_run(n);
        }
    }

    /// The rest of the stream, ingested without a kill, then the checks and
    /// a clean-run comparison over everything.
    fn finish(&mut self, n: usize) {
        let mut input = std::mem::take(&mut self.retry);
        input.extend(self.cursor..self.lines.len());
        self.cursor = self.lines.len();
        let before = self.stored.clone();
        let run = self.ingest(n, &input, Kill::Never);
        assert!(!run.killed);
        self.sent.extend(input.iter().copied());
        self.acked.extend(run.acked.iter().copied());
        self.clusters = self.check(n, &before, &run.batches);
        self.compare_with_clean_run(n);
        self.tally.acknowledged = self.acked.len();
        self.tally.stored = self.stored.len();
        if self.stored.len() != self.lines.len() {
            self.fail(
                n,
                format!(
                    "after the final ingest {} of {} reports are stored",
                    self.stored.len(),
                    self.lines.len()
                ),
            );
        }
    }

    /// The lines for the next trial: those sent before and not stored,
    /// then a random share of the stream.
    fn next_input(&mut self) -> Vec<usize> {
        let left = self.lines.len() - self.cursor;
        let kills_left = self.cfg.kills.saturating_sub(self.tally.kills).max(1);
        let mean = (left / kills_left).max(self.cfg.batch);
        let fresh = self.rng.random_range(mean / 2..=mean * 3 / 2).min(left);
        let mut input = std::mem::take(&mut self.retry);
        input.extend(self.cursor..self.cursor + fresh);
        self.cursor += fresh;
        input
    }

    /// `fraudlink ingest` of `input`, killed as `kill` says unless it ends
    /// first.
    fn ingest(&mut self, n: usize, input: &[usize], kill: Kill) -> Run {
        let file = self.work.path().join(format!("trial-{n}.ndjson"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
        for &l in input {
            writeln!(f, "{}", self.lines[l]).expect("write");
        }
        f.flush().expect("flush");
        drop(f);
        let batches: Vec<Vec<usize>> = input.chunks(self.cfg.batch).map(<[_]>::to_vec).collect();
        let started = Instant::now();
        let mut child = self
            .cmd()
            .arg("ingest")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ingest starts");
        // Acknowledgements: "batch N committed: ... (through line L of FILE)".
        let stderr = child.stderr.take().expect("piped");
        let (tx, acks_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut other = Vec::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                match acknowledged_through(&line) {
                    Some(l) => {
                        let _ = tx.send(l);
                    }
                    None => other.push(line),
                }
            }
            other
        });
        let mut acks = Acks::default();
        let mut through = 0usize;
        let (killed, status) = loop {
            while let Ok(l) = acks_rx.try_recv() {
                acks.add();
                through = through.max(l);
            }
            if let Some(status) = child.try_wait().expect("try_wait") {
                break (false, Some(status));
            }
            if kill
                .deadline(started, acks.count, acks.last)
                .is_some_and(|d| Instant::now() >= d)
            {
                child.kill().expect("SIGKILL");
                child.wait().expect("reaped");
                break (true, None);
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let elapsed = started.elapsed();
        let other = reader.join().expect("the reader");
        for l in acks_rx.try_iter() {
            acks.add();
            through = through.max(l);
        }
        if !killed && !status.is_some_and(|s| s.success()) {
            self.fail(
                n,
                format!("ingest ended with {status:?} without a kill: {other:?}"),
            );
        }
        let acked = input[..through.min(input.len())].to_vec();
        let phase = if through == 0 {
            0
        } else if through < input.len() {
            1
        } else {
            2
        };
        Run {
            batches,
            acked,
            killed,
            phase,
            done_after: (!killed).then_some(elapsed),
            ended_after: elapsed,
            gap: acks.gap(),
        }
    }

    /// `fraudlink serve` with `input` pushed to it over HTTP by concurrent
    /// clients, killed as `kill` says.
    fn serve(&mut self, input: &[usize], kill: Kill) -> Run {
        let batches: Vec<Vec<usize>> = input.chunks(self.cfg.batch).map(<[_]>::to_vec).collect();
        let started = Instant::now();
        let mut server = Server::start(self.cmd());
        let mut pushed: Option<Pushed> = None;
        let mut acks = Acks::default();
        loop {
            if let Some(p) = &pushed {
                for _ in acks.count..p.acked.load(Ordering::SeqCst) {
                    acks.add();
                }
            }
            if kill
                .deadline(started, acks.count, acks.last)
                .is_some_and(|d| Instant::now() >= d)
            {
                break;
            }
            if pushed.is_none() {
                if let Some(addr) = server.addr(Duration::from_millis(1)) {
                    pushed = Some(self.push(&addr, &batches, started));
                }
            } else {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        let ended_after = started.elapsed();
        let (acked_batches, done_after) = match pushed {
            Some(p) => self.rt.block_on(p.finish()),
            None => (Vec::new(), None),
        };
        let acked: Vec<usize> = acked_batches
            .iter()
            .flat_map(|&b| batches[b].iter().copied())
            .collect();
        let phase = if acked.is_empty() {
            0
        } else if done_after.is_none() {
            1
        } else {
            2
        };
        Run {
            batches,
            acked,
            killed: true,
            phase,
            // The work is the pushes plus the re-cluster after them.
            done_after: done_after.map(|d| d + Duration::from_millis(300)),
            ended_after,
            gap: acks.gap(),
        }
    }

    /// Starts `pushers` clients posting `batches` in turn.
    fn push(&self, addr: &str, batches: &[Vec<usize>], started: Instant) -> Pushed {
        let queue: Arc<Mutex<VecDeque<(usize, String)>>> = Arc::new(Mutex::new(
            batches
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let body: Vec<&str> = b.iter().map(|&l| self.lines[l].as_str()).collect();
                    (i, body.join("\n"))
                })
                .collect(),
        ));
        let url = format!("http://{addr}/api/v1/reports");
        let counter = Arc::new(AtomicUsize::new(0));
        let tasks = (0..self.cfg.pushers)
            .map(|_| {
                let (queue, http, url, token, counter) = (
                    queue.clone(),
                    self.http.clone(),
                    url.clone(),
                    self.pusher.clone(),
                    counter.clone(),
                );
                let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
                self.rt.spawn(async move {
                    let mut acked = Vec::new();
                    loop {
                        let Some((i, body)) = queue.lock().unwrap().pop_front() else {
                            return (acked, Some(started.elapsed()));
                        };
                        let answer = http
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "application/x-ndjson")
                            .body(body)
                            .send()
                            .await;
                        let Ok(answer) = answer else {
                            return (acked, None);
                        };
                        if !answer.status().is_success() {
                            return (acked, None);
                        }
                        let Ok(v) = answer.json::<Value>().await else {
                            return (acked, None);
                        };
                        let counted = ["accepted", "updated", "unchanged"]
                            .iter()
                            .map(|k| v[k].as_u64().unwrap_or(0))
                            .sum::<u64>();
                        assert_eq!(counted as usize, sizes[i], "push answer {v}");
                        acked.push(i);
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        Pushed {
            tasks,
            acked: counter,
        }
    }

    /// Restarts `serve` on the data directory and checks the store, the
    /// index and the cluster ids through the API. Returns the clusters.
    fn check(
        &mut self,
        n: usize,
        before: &BTreeSet<usize>,
        batches: &[Vec<usize>],
    ) -> BTreeMap<String, BTreeSet<usize>> {
        let mut server = Server::start(self.cmd());
        let addr = server
            .addr(Duration::from_secs(600))
            .unwrap_or_else(|| panic!("trial {n}: serve did not start: {:?}", server.log()));
        let base = format!("http://{addr}/api/v1");
        let (export, searched) = self.rt.block_on(async {
            let export = self
                .http
                .get(format!("{base}/clusters?format=ndjson"))
                .bearer_auth(&self.analyst)
                .send()
                .await
                .expect("export")
                .error_for_status()
                .expect("export status")
                .text()
                .await
                .expect("export body");
            let mut searched = Vec::new();
            loop {
                let page: Value = self
                    .http
                    .get(format!("{base}/search"))
                    .query(&[
                        ("q", ""),
                        ("limit", "1000"),
                        ("sort", "date"),
                        ("offset", &searched.len().to_string()),
                    ])
                    .bearer_auth(&self.analyst)
                    .send()
                    .await
                    .expect("search")
                    .error_for_status()
                    .expect("search status")
                    .json()
                    .await
                    .expect("search body");
                let hits = page["hits"].as_array().expect("hits");
                searched.extend(
                    hits.iter()
                        .map(|h| h["report_id"].as_str().expect("id").to_owned()),
                );
                if hits.is_empty() || searched.len() >= page["total"].as_u64().unwrap() as usize {
                    break;
                }
            }
            (export, searched)
        });
        if let Err(e) = server.stop() {
            self.fail(n, e);
        }

        let clusters = self.parse_export(n, &export);
        let stored: BTreeSet<usize> = clusters.values().flatten().copied().collect();

        // Every acknowledged report is there; nothing else but what was sent.
        self.tally.acknowledged_checked += self.acked.len();
        let lost: Vec<&str> = self
            .acked
            .iter()
            .filter(|l| !stored.contains(l))
            .map(|&l| self.ids[l].as_str())
            .collect();
        if !lost.is_empty() {
            self.fail(
                n,
                format!(
                    "{} acknowledged reports are not in the store: {:?}",
                    lost.len(),
                    &lost[..lost.len().min(5)]
                ),
            );
        }
        let gone: Vec<usize> = before.difference(&stored).copied().collect();
        if !gone.is_empty() {
            self.fail(n, format!("{} stored reports disappeared", gone.len()));
        }
        if let Some(l) = stored.iter().find(|l| !self.sent.contains(l)) {
            self.fail(n, format!("{} is stored but was never sent", self.ids[*l]));
        }
        // No half batch.
        for b in batches {
            self.tally.batches_checked += 1;
            let new: Vec<usize> = b.iter().copied().filter(|l| !before.contains(l)).collect();
            let there = new.iter().filter(|l| stored.contains(l)).count();
            if there != 0 && there != new.len() {
                self.fail(
                    n,
                    format!(
                        "half a batch: {there} of its {} new reports are stored (first {})",
                        new.len(),
                        self.ids[b[0]]
                    ),
                );
            }
        }
        // The index caught up by itself.
        self.tally.searched += stored.len();
        let found: BTreeSet<usize> = searched
            .iter()
            .filter_map(|id| self.line_of.get(id).copied())
            .collect();
        if found != stored || searched.len() != stored.len() {
            let missing: Vec<&str> = stored
                .difference(&found)
                .take(5)
                .map(|&l| self.ids[l].as_str())
                .collect();
            self.fail(
                n,
                format!(
                    "search finds {} reports ({} distinct), the store holds {}; missing e.g. {missing:?}",
                    searched.len(),
                    found.len(),
                    stored.len()
                ),
            );
        }
        // Cluster ids.
        self.check_ids(n, &clusters);
        self.stored = stored;
        clusters
    }

    /// Clusters that only grew keep their id; a cluster made of whole
    /// earlier clusters has one of their ids.
    fn check_ids(&mut self, n: usize, now: &BTreeMap<String, BTreeSet<usize>>) {
        let mut owner: HashMap<usize, &str> = HashMap::new();
        for (id, members) in &self.clusters {
            for &l in members {
                owner.insert(l, id);
            }
        }
        let mut wrong = Vec::new();
        for (id, members) in now {
            let earlier: BTreeSet<&str> = members
                .iter()
                .filter_map(|l| owner.get(l).copied())
                .collect();
            if earlier.is_empty() {
                continue;
            }
            let whole = earlier.iter().all(|e| self.clusters[*e].is_subset(members));
            if !whole {
                continue; // a split: another rule
            }
            self.tally.ids_checked += 1;
            if !earlier.contains(id.as_str()) {
                let how = if earlier.len() == 1 {
                    "grew into"
                } else {
                    "merged into"
                };
                wrong.push(format!("{earlier:?} {how} {id}"));
            }
        }
        if !wrong.is_empty() {
            self.fail(
                n,
                format!(
                    "{} clusters changed id: {:?}",
                    wrong.len(),
                    &wrong[..wrong.len().min(5)]
                ),
            );
        }
    }

    /// `fraudlink export clusters` of the data directory against that of a
    /// fresh directory given the stored reports in one ingest.
    fn compare_with_clean_run(&mut self, n: usize) {
        self.tally.clean_runs += 1;
        let clean = self.work.path().join(format!("clean-{n}"));
        let file = self.work.path().join(format!("clean-{n}.ndjson"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
        for &l in &self.stored {
            writeln!(f, "{}", self.lines[l]).expect("write");
        }
        f.flush().expect("flush");
        drop(f);
        let out = self
            .cmd_on(&clean)
            .arg("ingest")
            .arg(&file)
            .env("FRAUDLINK_INGEST_BATCH_SIZE", "100000")
            .output()
            .expect("ingest runs");
        assert!(out.status.success(), "clean ingest: {out:?}");
        let export = |data: &Path| -> String {
            let out = self
                .cmd_on(data)
                .args(["export", "clusters"])
                .output()
                .expect("export runs");
            assert!(out.status.success(), "export: {out:?}");
            String::from_utf8(out.stdout).expect("UTF-8")
        };
        let (mine, theirs) = (export(&self.data), export(&clean));
        let mine = self.parse_export(n, &mine);
        let theirs = self.parse_export(n, &theirs);
        if mine != self.clusters {
            self.fail(
                n,
                "`export clusters` differs from the API's export of the same store".to_owned(),
            );
        }
        let sets = |m: &BTreeMap<String, BTreeSet<usize>>| -> BTreeSet<BTreeSet<usize>> {
            m.values().cloned().collect()
        };
        let (a, b) = (sets(&mine), sets(&theirs));
        if a != b {
            let show = |s: &BTreeSet<usize>| -> Vec<&str> {
                s.iter().take(4).map(|&l| self.ids[l].as_str()).collect()
            };
            let only_mine: Vec<_> = a.difference(&b).take(3).map(show).collect();
            let only_clean: Vec<_> = b.difference(&a).take(3).map(show).collect();
            self.fail(
                n,
                format!(
                    "clusters differ from a clean run over the same {} reports: {} vs {} clusters; \
                     only after the kills {only_mine:?}, only in the clean run {only_clean:?}",
                    self.stored.len(),
                    a.len(),
                    b.len()
                ),
            );
        }
        let _ = std::fs::remove_dir_all(&clean);
        let _ = std::fs::remove_file(&file);
    }

    /// Cluster id to lines, checking that each stored report is in one
    /// cluster and is a report of the stream.
    fn parse_export(&mut self, n: usize, text: &str) -> BTreeMap<String, BTreeSet<usize>> {
        let mut clusters = BTreeMap::new();
        let mut seen = HashSet::new();
        let mut problems = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).expect("export is NDJSON");
            let id = v["cluster_id"].as_str().expect("cluster_id").to_owned();
            let mut members = BTreeSet::new();
            for r in v["report_ids"].as_array().expect("report_ids") {
                let r = r.as_str().expect("a report id");
                match self.line_of.get(r) {
                    Some(&l) => {
                        if !seen.insert(l) {
                            problems.push(format!("{r} is in two clusters"));
                        }
                        members.insert(l);
                    }
                    None => problems.push(format!("{r} is not a report of the stream")),
                }
            }
            if clusters.insert(id.clone(), members).is_some() {
                problems.push(format!("cluster {id} is exported twice"));
            }
        }
        for p in problems.into_iter().take(5) {
            self.fail(n, p);
        }
        clusters
    }

    fn fail(&mut self, n: usize, message: String) {
        eprintln!("trial {n}: FAILURE: {message}");
        self.tally.failures.push(format!("trial {n}: {message}"));
    }
}

/// The line number of an `ingest` acknowledgement line.
fn acknowledged_through(line: &str) -> Option<usize> {
    if !(line.starts_with("batch ") && line.contains(" committed: ")) {
        return None;
    }
    let rest = &line[line.find("(through line ")? + "(through line ".len()..];
    rest.split(' ').next()?.parse().ok()
}

/// HTTP clients pushing batches.
struct Pushed {
    /// Each returns its acknowledged batches and, when it ran out of
    /// batches, the time since the process started.
    tasks: Vec<tokio::task::JoinHandle<(Vec<usize>, Option<Duration>)>>,
    /// Batches acknowledged so far.
    acked: Arc<AtomicUsize>,
}

impl Pushed {
    /// The acknowledged batches, and when all were answered if they were.
    async fn finish(self) -> (Vec<usize>, Option<Duration>) {
        let mut acked = Vec::new();
        let mut last = Some(Duration::ZERO);
        for t in self.tasks {
            let (a, done) = t.await.expect("a pusher");
            acked.extend(a);
            last = last.zip(done).map(|(x, y)| x.max(y));
        }
        (acked, last)
    }
}
