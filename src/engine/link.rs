//! Reading the linking identifiers and linking reports into the graph;
//! the rules it applies (mail providers, confirmed decisions) are
//! `cluster::rules`.

use std::collections::HashMap;

use anyhow::Result;
use rustc_hash::FxHashMap;

use crate::cluster::{self, Graph, LinkIdent, MailProviders};
use crate::ident::Kind;
use crate::report::{FraudType, ReportId};
use crate::store::Store;

use super::Engine;
use super::ingest::node_of;
use super::rebuild::{LinkTimes, Linked, RebuildReads};

impl Engine {
    /// The long steps of a rebuild after the reads: builds the graph,
    /// partitions it and gives the clusters their ids.
    pub(super) fn link(&self, reads: RebuildReads, idents: IdentReads) -> Linked {
        let started = std::time::Instant::now();
        let rows = &reads.rows;
        let IdentReads {
            groups,
            flat,
            invalid,
            mailboxes,
        } = idents;
        const NONE: u32 = u32::MAX;
        let row_of: FxHashMap<&str, u32> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i as u32))
            .collect();
        // Per row, its group of identifiers; one report's are written
        // together, so a second group is rare.
        let mut group_of: Vec<u32> = vec![NONE; rows.len()];
        let mut more_groups: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (g, (rid, _)) in groups.iter().enumerate() {
            if let Some(&row) = row_of.get(&**rid) {
                if group_of[row as usize] == NONE {
                    group_of[row as usize] = g as u32;
                } else {
                    more_groups.entry(row).or_default().push(g as u32);
                }
            }
        }
        let mut invalid_ibans: HashMap<String, Vec<ReportId>> = HashMap::new();
        for (value, g) in invalid {
            if let Some(&row) = row_of.get(&*groups[g as usize].0) {
                invalid_ibans
                    .entry(value)
                    .or_default()
                    .push(rows[row as usize].id.clone());
            }
        }
        drop(row_of);
        let group_range = |g: u32| {
            let start = groups[g as usize].1 as usize;
            let end = groups
                .get(g as usize + 1)
                .map_or(flat.len(), |next| next.1 as usize);
            &flat[start..end]
        };
        let cfg = &self.inner.settings.linking;
        let providers = mailboxes.providers(cfg.mail_provider_min_addresses);
        let categories: Vec<Option<u8>> = reads
            .names
            .iter()
            .map(|name| FraudType::parse(name).known_number())
            .collect();
        let mut graph = Graph::new();
        graph.reserve(rows.len(), flat.len());
        for (n, row) in rows.iter().enumerate() {
            let first = Some(group_of[n]).filter(|&g| g != NONE);
            let rest = more_groups.get(&(n as u32)).into_iter().flatten().copied();
            let links: Vec<LinkIdent<'_>> = first
                .into_iter()
                .chain(rest)
                .flat_map(group_range)
                .map(|(kind, value, benign)| LinkIdent {
                    kind: *kind,
                    value,
                    benign: benign.as_deref().or_else(|| {
                        (*kind == Kind::Domain)
                            .then(|| providers.get(&**value).map(String::as_str))
                            .flatten()
                    }),
                })
                .collect();
            graph.add_report(node_of(row, &categories), &links);
        }
        drop((group_of, more_groups, flat, groups));
        graph.add_refilings(cfg.refiling_window_days);
        let graph_ms = started.elapsed().as_millis() as u64;
        graph.add_confirmed(
            reads
                .decisions
                .iter()
                .map(|(a, b, decision, _)| (a.as_str(), b.as_str(), decision.as_str())),
            &invalid_ibans,
        );
        graph.shrink_to_fit();
        // The re-cluster proper: the hub guard and union-find over the
        // graph, then the stable ids; timed apart from loading.
        let clock = std::time::Instant::now();
        let partition = graph.partition(cfg);
        let partition_ms = clock.elapsed().as_millis() as u64;
        let clock = std::time::Instant::now();
        let assignment = cluster::assign_ids(&graph, &partition, &reads.previous);
        let assign_ms = clock.elapsed().as_millis() as u64;
        Linked {
            reads,
            graph,
            partition,
            assignment,
            invalid_ibans,
            times: LinkTimes {
                graph_ms,
                partition_ms,
                assign_ms,
            },
        }
    }
}

/// A linking identifier as read back for a rebuild: kind, value, why benign.
pub(super) type StoredLink = (Kind, Box<str>, Option<Box<str>>);

/// The linking identifiers of every report as read for a rebuild, before
/// they are matched to the report rows (read at the same time).
pub(super) struct IdentReads {
    /// Per run of one report's identifiers: its id, and where the run
    /// starts in `flat` (it ends where the next starts).
    pub(super) groups: Vec<(Box<str>, u32)>,
    pub(super) flat: Vec<StoredLink>,
    /// Invalid IBANs (for typo suggestions) with their run.
    pub(super) invalid: Vec<(String, u32)>,
    pub(super) mailboxes: MailProviders,
}

impl IdentReads {
    pub(super) fn read(store: &Store) -> Result<IdentReads> {
        let mut r = IdentReads {
            groups: Vec::new(),
            flat: Vec::new(),
            invalid: Vec::new(),
            mailboxes: MailProviders::default(),
        };
        store.for_each_link_identifier(|rid, kind, value, valid, benign| {
            if r.groups.last().is_none_or(|(id, _)| &**id != rid) {
                r.groups.push((rid.into(), r.flat.len() as u32));
            }
            if !valid {
                let g = (r.groups.len() - 1) as u32;
                r.invalid.push((value.to_owned(), g));
                return;
            }
            if kind == Kind::Email {
                r.mailboxes.add(value);
            }
            r.flat.push((kind, value.into(), benign.map(Into::into)));
        })?;
        Ok(r)
    }
}
