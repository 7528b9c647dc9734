//! Integration tests: one binary (ripgrep style). Conformance suites from
//! other projects, the command line end to end, crash recovery, the API
//! and the web UI.

mod api;
mod backup;
mod beside;
mod cli;
mod conformance_crypto;
mod conformance_defang;
mod conformance_iban;
mod conformance_psl;
mod crash;
mod errors;
mod fuzz_corpus;
mod generated;
mod hostile;
mod layers;
mod modes;
mod purge;
mod rank;
mod realtext_ioc;
mod realtext_phone;
mod recovery;
mod saved_check;
mod server;
mod support;
mod ui;
