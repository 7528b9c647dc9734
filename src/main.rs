//! The `fraudlink` binary: parses the command line, sets up tracing, runs
//! the command and turns its outcome into an exit status.

use std::process::ExitCode;

use clap::Parser;

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
    let cli = fraudlink::cli::Cli::parse();
    match fraudlink::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("fraudlink: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
