//! Long-lived threads at a lowered CPU priority, with a queue in front:
//! the heavy reads of the HTTP service (searches, cluster pages, graphs,
//! exports), the storing of pushed reports and the background
//! re-clustering. While they run, a check on the normal-priority request
//! threads takes the core from them at once, and under a crowd their jobs
//! wait in the queue instead of crowding the cores.

use std::sync::{Arc, Mutex, mpsc};

/// How far a thread steps back from the request threads (nice 0).
#[derive(Debug, Clone, Copy)]
pub enum Priority {
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
    set_time_slice(std::time::Duration::ZERO);
    let value: u8 = match to {
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

/// A fixed set of threads at one priority taking jobs from one queue. The
/// threads stop when the handle is dropped and the queue has drained.
pub struct Workers {
    queue: Mutex<mpsc::Sender<Job>>,
}

impl Workers {
    /// Starts `threads` threads (at least one) named `name-N`.
    pub fn start(name: &str, threads: usize, priority: Priority) -> Workers {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads.max(1) {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    lower_thread_priority(priority);
                    loop {
                        // The lock is held only to take the next job.
                        let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match next {
                            Ok(job) => job(),
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
        }
    }

    /// Queues `job` and waits for its answer without holding an async
    /// thread. `None` if it panicked (the thread goes on with the next job)
    /// or the threads are gone.
    pub fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Option<T>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.queue(job, move |answer| {
            // The caller may have gone (a client that closed).
            let _ = tx.send(answer);
        });
        async move { rx.await.ok() }
    }

    /// Queues `job` and blocks the calling thread (not an async one) until
    /// it is done. `None` as for [`Workers::run`].
    pub fn run_blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = mpsc::channel();
        self.queue(job, move |answer| {
            let _ = tx.send(answer);
        });
        rx.recv().ok()
    }

    /// Queues `job` without waiting for it.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) {
        self.queue(job, |()| {});
    }

    /// Queues `job`, handing its answer to `reply` unless it panicked.
    fn queue<T>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
        reply: impl FnOnce(T) + Send + 'static,
    ) {
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Box::new(move || {
                if let Ok(answer) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                    reply(answer);
                }
            }));
        if queued.is_err() {
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
