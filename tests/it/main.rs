//! Integration tests: one binary (ripgrep style). Conformance suites from
//! other projects, the command line, and the engine end to end.

mod conformance_crypto;
mod conformance_defang;
mod conformance_iban;
mod conformance_psl;
