//! Long-lived threads at a lowered CPU priority, with a queue in front:
//! the heavy reads of the HTTP service (searches, cluster pages, graphs,
//! exports), the storing of pushed reports and the background
//! re-clustering. While they run, a check on the normal-priority request
//! threads takes the core from them at once, and under a crowd their jobs
//! wait in the queue instead of crowding the cores.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// The stack of every worker thread. A search parses query text and builds
/// its query recursively (`index::MAX_QUERY_DEPTH` bounds how deep); with
/// the default 2 MiB, 5,000 nested brackets overflowed it and aborted the
/// process (issue 19). The limit is the rule; this is the second line of
/// defence, as much as a main thread gets. It is address space: pages are
/// only taken as a thread touches them.
pub const STACK_BYTES: usize = 8 << 20;

/// How far a thread steps back from the request threads (nice 0).
#[derive(Debug, Clone, Copy)]
pub enum Priority {
    /// As the thread that starts the workers: for work someone waits for
    /// at the desk (checks), which must take a core from the heavy reads
    /// and the pushes at once. The service starts them from its main
    /// thread, at nice 0 with the request threads' short time slice.
    Interactive,
    /// About nice 5: a quarter of a core's share against a busy request
    /// thread. For requests someone is waiting for that may queue behind
    /// the checks: searches, cluster pages, pushes.
    Requests,
    /// About nice 10: a tenth. For background work (checkpoints, the
    /// steps of a re-cluster that hold the writer, the search index's
    /// writer and merges) that must still finish under load.
    Background,
    /// Linux's `SCHED_IDLE`: runs only on a core that no other thread
    /// wants, and gives it up the moment one does. Nice 10 still takes a
    /// slice of a core from a request that wakes up; this does not. For
    /// long work that can wait for a free core (the linking and building
    /// of a re-cluster), and never while holding something a request
    /// waits for: under full load it may not run for seconds. Elsewhere
    /// than Linux, the lowest nice.
    Idle,
}

/// Asks the scheduler for a time slice of `slice` for the calling thread,
/// or for the kernel's default with zero: the threads answering requests
/// ask for a short one (`request_slice_us`), so that a check that arrives
/// while other threads hold both cores preempts them instead of waiting
/// out their slices. Threads it starts inherit the slice.
pub fn set_time_slice(slice: std::time::Duration) {
    match thread_slice::request(slice) {
        Ok(outcome) => tracing::debug!(?outcome, ?slice, "time slice"),
        Err(e) => tracing::debug!(error = %e, ?slice, "could not set a thread's time slice"),
    }
}

/// Lowers the calling thread's CPU priority (the crate maps 0..=99 onto
/// nice 19..=-20). Threads it starts inherit the priority. A short time
/// slice the thread inherited from a request thread (see
/// `request_slice_us`) is given back: it would let background work preempt
/// at wake-up.
pub fn lower_thread_priority(to: Priority) {
    if matches!(to, Priority::Interactive) {
        return;
    }
    set_time_slice(std::time::Duration::ZERO);
    let value: u8 = match to {
        Priority::Interactive => return,
        Priority::Requests => 36,
        Priority::Background => 22,
        #[cfg(target_os = "linux")]
        Priority::Idle => {
            use thread_priority::{
                NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
            };
            let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
            // `SCHED_IDLE` takes static priority 0. The crate sets the
            // policy and then nice 0, which fails on a thread at a higher
            // nice (an unprivileged thread cannot lower it) although the
            // policy took: so the policy is what is checked.
            let _ = thread_priority::set_thread_priority_and_policy(
                thread_priority::thread_native_id(),
                ThreadPriority::Min,
                idle,
            );
            if thread_priority::thread_schedule_policy().ok() == Some(idle) {
                return;
            }
            tracing::warn!("could not give a thread idle priority; it runs at nice 19");
            0
        }
        #[cfg(not(target_os = "linux"))]
        Priority::Idle => 0,
    };
    let lowered = thread_priority::ThreadPriority::Crossplatform(
        thread_priority::ThreadPriorityValue::try_from(value).unwrap_or_default(),
    );
    if let Err(e) = thread_priority::set_current_thread_priority(lowered) {
        tracing::debug!(error = ?e, "could not lower a thread's priority");
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The queue of a bounded set of workers is full: the caller should come
/// back later (HTTP 503 with `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the work queue is full")]
pub struct Busy;

/// A fixed set of threads at one priority taking jobs from one queue. The
/// threads stop when the handle is dropped and the queue has drained.
///
/// A job someone waits for with [`Workers::run`] or [`Workers::try_run`]
/// is skipped, not run, when by its turn nobody waits any more (the
/// client went away or its request timed out), so that a crowd that gave
/// up leaves no backlog behind.
pub struct Workers {
    queue: Mutex<mpsc::Sender<Job>>,
    counts: Arc<Counts>,
    /// At most this many jobs wait in the queue for [`Workers::try_run`].
    limit: Option<usize>,
}

/// What a set of workers has done, for `/metrics`.
#[derive(Debug, Default)]
struct Counts {
    /// Jobs queued and not yet taken by a thread.
    waiting: AtomicUsize,
    /// Jobs not run because nobody waited for them any more.
    skipped: AtomicU64,
    /// Jobs refused because the queue was full.
    refused: AtomicU64,
}

impl Workers {
    /// Starts `threads` threads (at least one) named `name-N`, with an
    /// unbounded queue: for the service's own work (re-clustering), whose
    /// callers wait their turn.
    pub fn start(name: &str, threads: usize, priority: Priority) -> Workers {
        Workers::with_limit(name, threads, priority, None)
    }

    /// Starts `threads` threads (at least one) named `name-N`, at most
    /// `queue` jobs waiting for them: [`Workers::try_run`] refuses more.
    /// For requests: the threads are the concurrency limit, and the queue
    /// bound sheds a crowd at once instead of letting it wait out its time
    /// limit (and hold its body in memory meanwhile).
    pub fn bounded(name: &str, threads: usize, priority: Priority, queue: usize) -> Workers {
        // A job waits in the queue until a thread takes it, even an idle
        // one: with no room at all nothing would run.
        Workers::with_limit(name, threads, priority, Some(queue.max(1)))
    }

    fn with_limit(name: &str, threads: usize, priority: Priority, limit: Option<usize>) -> Workers {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let counts = Arc::new(Counts::default());
        for n in 0..threads.max(1) {
            let jobs = jobs.clone();
            let counts = counts.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .stack_size(STACK_BYTES)
                .spawn(move || {
                    lower_thread_priority(priority);
                    loop {
                        // The lock is held only to take the next job.
                        let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match next {
                            Ok(job) => {
                                counts.waiting.fetch_sub(1, Ordering::Relaxed);
                                job()
                            }
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a {name} thread");
            }
        }
        Workers {
            queue: Mutex::new(queue),
            counts,
            limit,
        }
    }

    /// Queues `job` and waits for its answer without holding an async
    /// thread. `None` if it panicked (the thread goes on with the next job)
    /// or the threads are gone. Not refused when the queue is full.
    pub fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Option<T>> {
        let (job, rx) = self.answered(job);
        self.send(job);
        async move { rx.await.ok() }
    }

    /// As [`Workers::run`], but refused with [`Busy`] when the queue
    /// already holds as many jobs as it may.
    pub fn try_run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<impl Future<Output = Option<T>>, Busy> {
        if let Some(limit) = self.limit {
            let admitted =
                self.counts
                    .waiting
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                        (w < limit).then_some(w + 1)
                    });
            if admitted.is_err() {
                self.counts.refused.fetch_add(1, Ordering::Relaxed);
                return Err(Busy);
            }
        } else {
            self.counts.waiting.fetch_add(1, Ordering::Relaxed);
        }
        let (job, rx) = self.answered(job);
        self.send_counted(job);
        Ok(async move { rx.await.ok() })
    }

    /// Queues `job` and blocks the calling thread (not an async one) until
    /// it is done. `None` as for [`Workers::run`].
    pub fn run_blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = mpsc::channel();
        self.send(Box::new(move || {
            if let Ok(answer) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                let _ = tx.send(answer);
            }
        }));
        rx.recv().ok()
    }

    /// Queues `job` without waiting for it.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) {
        self.send(Box::new(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        }));
    }

    /// Jobs queued and not yet started.
    pub fn waiting(&self) -> usize {
        self.counts.waiting.load(Ordering::Relaxed)
    }

    /// Jobs skipped because nobody waited for their answer any more.
    pub fn skipped(&self) -> u64 {
        self.counts.skipped.load(Ordering::Relaxed)
    }

    /// Jobs refused with [`Busy`].
    pub fn refused(&self) -> u64 {
        self.counts.refused.load(Ordering::Relaxed)
    }

    /// `job` as a queued job that answers over a oneshot, skipped when the
    /// receiver is gone by its turn.
    fn answered<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> (Job, tokio::sync::oneshot::Receiver<T>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let counts = self.counts.clone();
        let job: Job = Box::new(move || {
            if tx.is_closed() {
                counts.skipped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if let Ok(answer) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                // The caller may have gone meanwhile (a client that closed).
                let _ = tx.send(answer);
            }
        });
        (job, rx)
    }

    /// Queues a job, counting it as waiting.
    fn send(&self, job: Job) {
        self.counts.waiting.fetch_add(1, Ordering::Relaxed);
        self.send_counted(job);
    }

    /// Queues a job already counted as waiting.
    fn send_counted(&self, job: Job) {
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        if queued.is_err() {
            self.counts.waiting.fetch_sub(1, Ordering::Relaxed);
            tracing::error!("a worker queue has no threads left");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_answer_in_order_and_a_panic_fails_only_its_own() {
        let workers = Workers::start("test", 2, Priority::Requests);
        assert_eq!(workers.run(|| 21 * 2).await, Some(42));
        assert_eq!(workers.run(|| -> u8 { panic!("boom") }).await, None);
        let many: Vec<_> = (0..20).map(|i| workers.run(move || i)).collect();
        let mut got = Vec::new();
        for f in many {
            got.push(f.await.unwrap());
        }
        assert_eq!(got, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn a_blocking_caller_gets_the_answer_and_survives_a_panic() {
        let workers = Workers::start("test", 1, Priority::Requests);
        assert_eq!(workers.run_blocking(|| 6 * 7), Some(42));
        assert_eq!(workers.run_blocking(|| -> u8 { panic!("boom") }), None);
        assert_eq!(workers.run_blocking(|| "still here"), Some("still here"));
    }

    #[test]
    fn submitted_jobs_run_in_order_before_later_ones() {
        let workers = Workers::start("test", 1, Priority::Requests);
        let seen = Arc::new(Mutex::new(Vec::new()));
        for i in 0..5 {
            let seen = seen.clone();
            workers.submit(move || seen.lock().unwrap().push(i));
        }
        workers.submit(|| panic!("a job that fails"));
        let after = seen.clone();
        let all = workers.run_blocking(move || after.lock().unwrap().clone());
        assert_eq!(all, Some(vec![0, 1, 2, 3, 4]));
    }

    /// Occupies the one thread of `workers` until the returned sender
    /// sends (or is dropped).
    fn hold(workers: &Workers) -> mpsc::Sender<()> {
        let (release, held) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        workers.submit(move || {
            let _ = started.send(());
            let _ = held.recv();
        });
        running.recv().unwrap();
        release
    }

    // See: issue 19
    #[tokio::test]
    async fn issue_19_a_bounded_queue_refuses_beyond_its_limit_and_serves_the_rest() {
        let workers = Workers::bounded("test", 1, Priority::Requests, 2);
        let release = hold(&workers);
        let first = workers.try_run(|| 1).expect("room for two");
        let second = workers.try_run(|| 2).expect("room for two");
        assert_eq!(workers.waiting(), 2);
        assert!(matches!(workers.try_run(|| 3), Err(Busy)));
        assert_eq!(workers.refused(), 1);
        release.send(()).unwrap();
        assert_eq!((first.await, second.await), (Some(1), Some(2)));
        // Room again once the queue has drained.
        assert_eq!(workers.try_run(|| 4).unwrap().await, Some(4));
        assert_eq!(workers.waiting(), 0);
    }

    // See: issue 19
    #[tokio::test]
    async fn issue_19_a_queued_job_whose_caller_has_gone_is_skipped() {
        let workers = Workers::bounded("test", 1, Priority::Requests, 8);
        let release = hold(&workers);
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        let abandoned = workers
            .try_run(move || flag.store(true, Ordering::SeqCst))
            .unwrap();
        // The client goes away: its request future, and the wait, is dropped.
        drop(abandoned);
        let kept = workers.try_run(|| "answered").unwrap();
        release.send(()).unwrap();
        assert_eq!(kept.await, Some("answered"));
        assert!(!ran.load(Ordering::SeqCst), "the abandoned job ran");
        assert_eq!(workers.skipped(), 1);
    }

    #[test]
    fn worker_threads_have_a_large_stack() {
        /// Recurses `n` deep with a kilobyte on each frame; returns the
        /// address of the deepest frame's array.
        fn deep(n: usize) -> usize {
            let pad = std::hint::black_box([0u8; 1024]);
            let here = pad.as_ptr() as usize;
            let below = if n == 0 { here } else { deep(n - 1) };
            std::hint::black_box(pad[n % 1024]) as usize + below
        }
        let workers = Workers::start("test", 1, Priority::Requests);
        let used = workers.run_blocking(|| {
            // The size of one frame, in this build, then 3 MiB of them:
            // more than the default 2 MiB stack holds.
            let frame = deep(0).abs_diff(deep(1));
            let top = deep(0);
            top.abs_diff(deep((3 << 20) / frame.max(1)))
        });
        // About 3 MiB were used (frames differ a little in size).
        assert!(used.is_some_and(|u| u > 5 << 19), "{used:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_idle_thread_is_scheduled_as_idle() {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
        let workers = Workers::start("test", 1, Priority::Idle);
        let policy = workers.run_blocking(thread_priority::thread_schedule_policy);
        assert_eq!(
            policy.map(Result::ok),
            Some(Some(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Idle
            )))
        );
    }
}
