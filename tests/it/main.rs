//! Integration tests: one binary (ripgrep style). Conformance suites from
//! other projects, the command line end to end, and crash recovery.

mod api;
mod cli;
mod conformance_crypto;
mod conformance_defang;
mod conformance_iban;
mod conformance_psl;
mod recovery;
mod server;
mod support;
