//! Long-lived threads at a lowered CPU priority, with a queue in front:
//! the heavy reads of the HTTP service (searches, cluster pages, graphs,
//! exports) and the background re-clustering. While they run, a check or a
//! push on the normal-priority request threads takes the core from them at
//! once, and under a crowd their jobs wait in the queue instead of
//! crowding the cores.

use std::sync::{Arc, Mutex, mpsc};

/// How far a thread steps back from the request threads (nice 0).
#[derive(Debug, Clone, Copy)]
pub enum Priority {
    /// About nice 5: a quarter of a core's share against a busy request
    /// thread. For reads someone is waiting for (searches, cluster pages).
    Reads,
    /// About nice 10: a tenth. For background work (re-clustering,
    /// checkpoints) that must still finish under load.
    Background,
}

/// Lowers the calling thread's CPU priority (the crate maps 0..=99 onto
/// nice 19..=-20). Threads it starts inherit the priority.
pub fn lower_thread_priority(to: Priority) {
    let value: u8 = match to {
        Priority::Reads => 36,
        Priority::Background => 22,
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
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Box::new(move || {
                if let Ok(answer) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                    // The caller may have gone (a client that closed).
                    let _ = tx.send(answer);
                }
            }));
        if queued.is_err() {
            tracing::error!("a worker queue has no threads left");
        }
        async move { rx.await.ok() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_answer_in_order_and_a_panic_fails_only_its_own() {
        let workers = Workers::start("test", 2, Priority::Reads);
        assert_eq!(workers.run(|| 21 * 2).await, Some(42));
        assert_eq!(workers.run(|| -> u8 { panic!("boom") }).await, None);
        let many: Vec<_> = (0..20).map(|i| workers.run(move || i)).collect();
        let mut got = Vec::new();
        for f in many {
            got.push(f.await.unwrap());
        }
        assert_eq!(got, (0..20).collect::<Vec<_>>());
    }
}
