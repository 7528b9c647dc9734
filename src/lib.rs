//! fraudlink links online-fraud reports filed across the Netherlands into
//! national offender clusters.
//!
//! Modules in reading order:
//! - [`report`]: the import format and its validation.
//! - [`ident`]: canonical identifiers (IBAN, phone, URL, domain, e-mail,
//!   handle, crypto address, name) and their finders in free text.
//! - [`allowlist`]: known-benign identifiers that never link.
//! - [`extract`]: a report's identifiers, with source, role and verdict.
//! - [`cluster`]: the graph, its clusters and their stable ids.
//! - [`suggest`]: weak links (typo IBANs, look-alike domains, handle
//!   variants) for an analyst to confirm or reject.
//! - [`store`]: the SQLite store, the source of truth; [`backup`]: copies
//!   of it taken while fraudlink runs, and restoring one.
//! - [`private`]: the modes of what holds police data (0700, 0600).
//! - [`index`]: the full-text index of reports (tantivy), derived from the
//!   store and rebuilt from it when needed.
//! - [`engine`]: the handle the CLI and the API share; it owns the data
//!   directory. [`saved`]: the clusters it saves to disk at each
//!   re-cluster; [`reader`]: the commands that read or administer beside
//!   it, from those and the store; [`datadir`]: who has the directory open.
//! - [`export`]: cluster exports (NDJSON, CSV, GEXF, GraphML).
//! - [`api`] and [`server`]: the HTTP service.
//! - [`ui`]: the web pages served next to the API (askama templates).
//! - [`auth`]: roles, tokens and what each role may do; [`teams`]: the
//!   team names tokens and assignments are checked against; [`access`]:
//!   how the access log names who read and what was shown.
//! - [`config`]: settings; [`client`]: the command line's commands
//!   against a remote service. The command line itself (`src/cli/`) is a
//!   module of the `fraudlink` binary, never of this library: nothing here
//!   depends on how a user typed a command.
//!
//! The synthetic reports of `fraudlink gen`, with their known truth, come
//! from a crate of their own, `fraudlink-gen` (`crates/gen`), which uses
//! none of this library: the tests check this library against it.

pub mod access;
pub mod allowlist;
pub mod api;
pub mod auth;
pub mod backup;
pub mod client;
pub mod cluster;
pub mod config;
pub mod datadir;
pub mod engine;
pub mod export;
pub mod extract;
pub mod ident;
pub mod index;
pub mod private;
pub mod reader;
pub mod report;
pub mod saved;
pub mod server;
pub mod store;
pub mod suggest;
pub mod teams;
pub mod ui;
pub mod workers;
