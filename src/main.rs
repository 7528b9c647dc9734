//! The `fraudlink` binary: parses the command line, sets up tracing, runs
//! the command and turns its outcome into an exit status.

use std::process::ExitCode;

use clap::Parser;

mod cli;

/// See the comment on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FRAUDLINK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::Cli::parse();
    if matches!(
        cli.command,
        cli::Command::Serve { .. }
            | cli::Command::Demo {
                no_serve: false,
                ..
            }
    ) {
        no_huge_pages();
        purge_at_once();
    }
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("fraudlink: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A server gives freed memory back at once (see [`purge_at_once`]), and
/// the kernel's khugepaged then takes part of it again: where mimalloc had
/// asked for huge pages (half of a serving heap at a million reports), it
/// fills a 2 MB range that has holes back up to a whole huge page, and the
/// memory crept up by about 1 MB a second with no requests at all (the
/// process's AnonHugePages grew with it; docs/performance.md, Mixed load), towards the
/// peak of the last re-cluster. So `serve` and `demo` run without
/// transparent huge pages (`prctl(PR_SET_THP_DISABLE)`, which the
/// re-started image keeps). A failure leaves them as they were.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::warn!(error = %e, "could not turn transparent huge pages off; memory freed by re-clustering may creep back");
    }
}

/// mimalloc's variable for how long freed memory is kept before it is
/// given back to the system.
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// A server replaces its derived state at every re-cluster. mimalloc gives
/// the replaced state's memory back to the system only when it purges
/// freed memory at once: under the mixed load at a million reports a
/// server grew from 1.11 to 2.60 GB over two re-clusters with mimalloc's
/// default delay, and from 0.94 to 1.53 GB with a delay of 0, at the same
/// check latency (docs/performance.md, Mixed load).
/// In code the option can only be set through mimalloc's C API
/// (`mi_option_set`), which takes `unsafe`, and the crate forbids unsafe
/// code; the environment is read when mimalloc starts, before `main`. So
/// the server sets the variable and replaces itself with a fresh start of
/// the same program (`exec`: same process id, arguments and streams). A
/// value the operator set is kept; if the exec fails, it runs as it is.
/// Side effects: a debugger or profiler attached to the first image loses
/// it, and child processes inherit the variable (the server starts none).
fn purge_at_once() {
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
        let err = std::process::Command::new(&exe)
            .arg0(arg0)
            .args(args)
            .env(PURGE_DELAY, "0")
            .exec();
        tracing::warn!(error = %err, "could not restart with {PURGE_DELAY}=0; memory freed by re-clustering is given back later");
    }
}
