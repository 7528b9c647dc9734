//! The threads that run heavy reads: searches, cluster pages, graphs and
//! exports.
//!
//! One thread per core, at a lowered CPU priority. Under a crowd of
//! analysts the reads queue here instead of crowding the cores, and while
//! they run an intake check or a push, on the normal-priority request
//! threads, takes the core from them at once: a search that takes 300 ms
//! at a million reports must not add milliseconds to a check that takes
//! one.

use std::sync::{Mutex, mpsc};

use super::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed pool of low-priority threads with a queue in front of it.
pub struct Heavy {
    queue: Mutex<mpsc::Sender<Job>>,
}

impl Heavy {
    /// Starts `threads` threads (at least one). They stop when the pool is
    /// dropped and the queue has drained.
    pub fn new(threads: usize) -> Heavy {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = std::sync::Arc::new(Mutex::new(jobs));
        for n in 0..threads.max(1) {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("heavy-read-{n}"))
                .spawn(move || {
                    crate::engine::lower_thread_priority(crate::engine::Priority::Reads);
                    loop {
                        // The lock is held only to take the next job.
                        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        job();
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a heavy-read thread");
            }
        }
        Heavy {
            queue: Mutex::new(queue),
        }
    }

    /// Runs `f` on the pool and waits for its result without holding an
    /// async thread. A panic in `f` is an internal error for this request
    /// only; the thread goes on with the next job.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> anyhow::Result<T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a heavy read panicked")));
            // The request may have gone (client closed): nothing to tell.
            let _ = tx.send(out);
        });
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the heavy-read threads stopped")))?;
        rx.await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a heavy read was dropped")))?
            .map_err(ApiError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_panic_fails_only_its_request() {
        let heavy = Heavy::new(2);
        assert_eq!(heavy.run(|| Ok(21 * 2)).await.unwrap(), 42);
        let boom = heavy.run(|| -> anyhow::Result<()> { panic!("boom") }).await;
        assert!(matches!(boom, Err(ApiError::Internal(_))));
        let many: Vec<_> = (0..20).map(|i| heavy.run(move || Ok(i))).collect();
        let mut got = Vec::new();
        for f in many {
            got.push(f.await.unwrap());
        }
        assert_eq!(got, (0..20).collect::<Vec<_>>());
    }
}
