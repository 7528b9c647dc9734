//! Asks Linux's scheduler for a shorter time slice for the calling thread.
//!
//! Since Linux 6.6 the fair scheduler is EEVDF, and since 6.12 a thread of
//! the normal policy may ask for the length of its slice through
//! `sched_setattr`'s `sched_runtime` (0.1 to 100 ms; the default grows with
//! the number of cores, and is 1.4 ms on a 2-core machine). A thread with
//! a shorter slice gets an earlier virtual deadline: when it wakes it
//! preempts a thread with a longer slice instead of waiting for that slice
//! to end, and it still gets no more than its fair share of the CPU. That
//! is what threads answering short requests want. (Kernel commits
//! "sched/eevdf: Use sched_attr::sched_runtime to set request/slice
//! suggestion" and "sched/eevdf: Allow shorter slices to wakeup-preempt",
//! Peter Zijlstra, both in 6.12.)
//!
//! The policy, nice value and reset-on-fork flag of the thread are kept:
//! they are read first and written back with the new slice. Elsewhere than
//! Linux, and on kernels that report no slice for a fair thread (before
//! 6.12), nothing is changed.
//!
//! This crate holds the only `unsafe` code of fraudlink (the main crate
//! forbids it): no maintained crate wraps this request safely.

use std::io;
use std::time::Duration;

/// What [`request`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The kernel now reports this slice for the thread (it clamps the
    /// request to its limits).
    Set(Duration),
    /// The kernel has no slice to set (not Linux, or before 6.12), or the
    /// thread's policy is not a fair one; nothing changed.
    Unsupported,
}

/// Requests a slice of `slice` for the calling thread; a zero slice gives
/// it the kernel's default again. Threads it starts afterwards inherit the
/// slice.
pub fn request(slice: Duration) -> io::Result<Outcome> {
    imp::request(slice)
}

/// The calling thread's slice as the kernel reports it, if it reports one.
pub fn current() -> io::Result<Option<Duration>> {
    imp::current()
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;

    /// `SCHED_OTHER` and `SCHED_BATCH`: the fair policies a slice applies
    /// to (`SCHED_IDLE` threads take what is left and are left alone).
    const FAIR: [u32; 2] = [libc::SCHED_OTHER as u32, libc::SCHED_BATCH as u32];

    fn get() -> io::Result<libc::sched_attr> {
        let mut attr = zeroed();
        let size = std::mem::size_of::<libc::sched_attr>() as libc::c_uint;
        // SAFETY: `attr` is a valid, writable `sched_attr` of `size` bytes,
        // which is what sched_getattr(2) writes into; pid 0 is the calling
        // thread; flags must be 0.
        #[allow(unsafe_code)]
        let ret = unsafe {
            libc::syscall(
                libc::SYS_sched_getattr,
                0 as libc::pid_t,
                &mut attr as *mut libc::sched_attr,
                size,
                0 as libc::c_uint,
            )
        };
        if ret == 0 {
            Ok(attr)
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn zeroed() -> libc::sched_attr {
        libc::sched_attr {
            size: 0,
            sched_policy: 0,
            sched_flags: 0,
            sched_nice: 0,
            sched_priority: 0,
            sched_runtime: 0,
            sched_deadline: 0,
            sched_period: 0,
        }
    }

    pub(super) fn current() -> io::Result<Option<Duration>> {
        let attr = get()?;
        Ok(
            (FAIR.contains(&attr.sched_policy) && attr.sched_runtime > 0)
                .then(|| Duration::from_nanos(attr.sched_runtime)),
        )
    }

    pub(super) fn request(slice: Duration) -> io::Result<Outcome> {
        let mut attr = get()?;
        // A kernel that reports no slice for a fair thread has none to set.
        if !FAIR.contains(&attr.sched_policy) || attr.sched_runtime == 0 {
            return Ok(Outcome::Unsupported);
        }
        attr.size = std::mem::size_of::<libc::sched_attr>() as u32;
        attr.sched_runtime = u64::try_from(slice.as_nanos()).unwrap_or(u64::MAX);
        // Of the flags read back, only reset-on-fork is the thread's own
        // setting (the kernel sets it again from every request); the
        // others describe the read or need a larger structure.
        attr.sched_flags &= libc::SCHED_FLAG_RESET_ON_FORK as u64;
        // SAFETY: `attr` is a fully initialised `sched_attr` whose `size`
        // field gives its length, as sched_setattr(2) requires; the kernel
        // only reads it; pid 0 is the calling thread; flags must be 0.
        #[allow(unsafe_code)]
        let ret = unsafe {
            libc::syscall(
                libc::SYS_sched_setattr,
                0 as libc::pid_t,
                &attr as *const libc::sched_attr,
                0 as libc::c_uint,
            )
        };
        if ret != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(current()?.map_or(Outcome::Unsupported, Outcome::Set))
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    pub(super) fn current() -> io::Result<Option<Duration>> {
        Ok(None)
    }

    pub(super) fn request(_slice: Duration) -> io::Result<Outcome> {
        Ok(Outcome::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a kernel with slices, a thread gets the slice it asks for, keeps
    /// its nice value, and other threads keep theirs.
    #[test]
    fn a_thread_gets_the_slice_it_asks_for_and_nothing_else_changes() {
        let before = current().unwrap();
        let other = std::thread::spawn(current).join().unwrap().unwrap();
        std::thread::spawn(move || {
            // Not nice 0, so that a request that reset it would show.
            set_nice(5);
            let nice_before = nice();
            assert_eq!(nice_before, 5);
            let asked = Duration::from_micros(250);
            match request(asked).unwrap() {
                Outcome::Set(got) => {
                    assert_eq!(got, asked);
                    assert_eq!(current().unwrap(), Some(asked));
                    assert_eq!(nice(), nice_before, "the nice value changed");
                }
                Outcome::Unsupported => {
                    assert_eq!(before, None, "a slice was reported but not set")
                }
            }
        })
        .join()
        .unwrap();
        // Only the calling thread changed.
        assert_eq!(std::thread::spawn(current).join().unwrap().unwrap(), other);
        assert_eq!(current().unwrap(), before);
    }

    /// A zero request gives a thread the default slice back.
    #[test]
    fn a_zero_request_restores_the_default() {
        let default = std::thread::spawn(current).join().unwrap().unwrap();
        std::thread::spawn(move || {
            if let Outcome::Set(_) = request(Duration::from_micros(300)).unwrap() {
                assert_eq!(current().unwrap(), Some(Duration::from_micros(300)));
                // A thread started now inherits the slice.
                let child = std::thread::spawn(current).join().unwrap().unwrap();
                assert_eq!(child, Some(Duration::from_micros(300)));
                assert_eq!(
                    request(Duration::ZERO).unwrap(),
                    Outcome::Set(default.unwrap())
                );
            }
        })
        .join()
        .unwrap();
    }

    /// The kernel clamps a request below its limit (0.1 ms) to the limit.
    #[test]
    fn a_request_below_the_kernels_limit_is_clamped() {
        std::thread::spawn(|| {
            if let Outcome::Set(got) = request(Duration::from_micros(1)).unwrap() {
                assert_eq!(got, Duration::from_micros(100));
            }
        })
        .join()
        .unwrap();
    }

    #[cfg(target_os = "linux")]
    fn nice() -> i32 {
        std::fs::read_to_string("/proc/thread-self/stat")
            .unwrap()
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .nth(16)
            .unwrap()
            .parse()
            .unwrap()
    }

    #[cfg(not(target_os = "linux"))]
    fn nice() -> i32 {
        5
    }

    /// Raises the calling thread's nice value (allowed without privileges).
    #[cfg(target_os = "linux")]
    fn set_nice(n: i32) {
        // SAFETY: setpriority(2) takes plain integers; on Linux, who = 0
        // with PRIO_PROCESS is the calling thread.
        #[allow(unsafe_code)]
        let ret = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, n) };
        assert_eq!(ret, 0, "{}", io::Error::last_os_error());
    }

    #[cfg(not(target_os = "linux"))]
    fn set_nice(_n: i32) {}
}
