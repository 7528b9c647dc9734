//! What a check looks up, saved beside the clusters, so that `fraudlink
//! check` answers from the file instead of building the graph (at ten
//! million reports two and a half minutes and 11.7 GB for a single check).
//!
//! Three parts, each of records like the clusters' (a little-endian `u32`
//! length and a postcard encoding), and a fixed-width table beside each:
//!
//! - per cluster, in rank order, what a match shows of it (id, size,
//!   units, score); the table holds each record's offset, by place;
//! - per identifier a check would show something of (one that links, one
//!   the hub guard suppressed, one shared between groups), its kind,
//!   value and [`KnownIdent`];
//! - per victim reference, its filings with their clusters' places.
//!
//! The identifiers' and the victims' tables are rows of a 64-bit FNV-1a
//! hash of the key and the record's offset, sorted: a lookup is a binary
//! search (at ten million reports some 25 reads of a row's hash), then the
//! records under that hash, compared with the key one at a time. Nothing
//! is read whole, so a check needs a few hundred kilobytes of memory at
//! any size.

use std::io::Write;
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::cluster::{ClusterId, Filing, IdentKey};
use crate::engine::{Known, KnownCluster, KnownIdent};
use crate::ident::Kind;

use super::{Part, Saved, Writer};

/// Where the check's parts are in the file.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(super) struct KnownParts {
    clusters: Part,
    cluster_offsets: Part,
    idents: Part,
    ident_table: Part,
    victims: Part,
    victim_table: Part,
}

impl KnownParts {
    /// Whether the tables have whole rows and a place per cluster the
    /// stamp counts (checked when the header is read).
    pub(super) fn fits(&self, stamp: &super::Stamp) -> bool {
        self.cluster_offsets.len == stamp.clusters.saturating_mul(8)
            && self.ident_table.len % ROW == 0
            && self.victim_table.len % ROW == 0
    }

    pub(super) fn all(&self) -> [Part; 6] {
        [
            self.clusters,
            self.cluster_offsets,
            self.idents,
            self.ident_table,
            self.victims,
            self.victim_table,
        ]
    }
}

/// A cluster's record: id, size, units, score.
type SavedCluster = (String, u64, u64, f64);

/// An identifier's record: kind, value, why suppressed, (reports, place)
/// when it links, and per side (reports, place) when it is shared.
type SavedIdent = (
    Kind,
    String,
    Option<String>,
    Option<(u64, u32)>,
    Vec<(u64, u32)>,
);

/// A victim's record: the reference, and per filing its time, damage in
/// cents, supplement flag and cluster place.
type SavedVictim = (String, Vec<(i64, Option<i64>, bool, u32)>);

/// A table row: the key's hash and its record's offset.
const ROW: u64 = 16;

/// The longest record read back (the largest, a victim's filings or an
/// identifier's sides, take kilobytes): a longer one is damage.
const LONGEST_RECORD: u64 = 16 << 20;

/// 64-bit FNV-1a of `tag` and `text` (stable across builds and runs).
fn key_hash(tag: u8, text: &str) -> u64 {
    super::fnv1a(std::iter::once(tag).chain(text.bytes()))
}

/// The tag of a victim reference's hash (the kinds' tags are their
/// numbers, all below it).
const VICTIM: u8 = u8::MAX;

impl Writer {
    /// Appends what a check looks up (after the graph): the clusters in
    /// rank order, the identifiers a check shows something of, and each
    /// victim's filings.
    pub fn known<'a>(
        &mut self,
        clusters: impl Iterator<Item = KnownCluster>,
        idents: impl Iterator<Item = (&'a IdentKey, KnownIdent)>,
        victims: impl Iterator<Item = (&'a str, Vec<(Filing, u32)>)>,
    ) -> Result<()> {
        let at = self.at;
        let mut offsets = Vec::new();
        for c in clusters {
            self.buf.clear();
            let record: SavedCluster = (
                c.id.as_str().to_owned(),
                c.size as u64,
                c.units as u64,
                c.score,
            );
            postcard::to_io(&record, &mut self.buf)?;
            offsets.push(self.record()?);
        }
        self.known.clusters = self.part_from(at);
        let at = self.at;
        for o in offsets {
            self.out.write_all(&o.to_le_bytes())?;
            self.at += 8;
        }
        self.known.cluster_offsets = self.part_from(at);

        let at = self.at;
        let mut rows = Vec::new();
        for (key, k) in idents {
            self.buf.clear();
            let record: SavedIdent = (
                key.kind,
                key.value.to_string(),
                k.suppressed,
                k.active,
                k.sides,
            );
            postcard::to_io(&record, &mut self.buf)?;
            rows.push((key_hash(key.kind as u8, &key.value), self.record()?));
        }
        self.known.idents = self.part_from(at);
        self.known.ident_table = self.table(rows)?;

        let at = self.at;
        let mut rows = Vec::new();
        for (victim, filings) in victims {
            self.buf.clear();
            let record: SavedVictim = (
                victim.to_owned(),
                filings
                    .into_iter()
                    .map(|(f, place)| (f.filed_at, f.amount_cents, f.supplement, place))
                    .collect(),
            );
            postcard::to_io(&record, &mut self.buf)?;
            rows.push((key_hash(VICTIM, victim), self.record()?));
        }
        self.known.victims = self.part_from(at);
        self.known.victim_table = self.table(rows)?;
        Ok(())
    }

    /// The part from `at` to where the file has got to.
    fn part_from(&self, at: u64) -> Part {
        Part {
            at,
            len: self.at - at,
        }
    }

    /// Writes `rows` sorted as a table of [`ROW`] bytes each.
    fn table(&mut self, mut rows: Vec<(u64, u64)>) -> Result<Part> {
        rows.sort_unstable();
        let at = self.at;
        for (hash, offset) in rows {
            self.out.write_all(&hash.to_le_bytes())?;
            self.out.write_all(&offset.to_le_bytes())?;
            self.at += ROW;
        }
        Ok(self.part_from(at))
    }
}

/// The saved clusters as a check sees them (see [`Saved::known`]).
pub struct SavedKnown<'a> {
    saved: &'a Saved,
}

impl Saved {
    /// What a check looks up, read from the file as it is asked for.
    pub fn known(&self) -> SavedKnown<'_> {
        SavedKnown { saved: self }
    }
}

impl SavedKnown<'_> {
    fn parts(&self) -> &KnownParts {
        &self.saved.header.known
    }

    /// `len` bytes at `at`, which must lie within `part`.
    fn read(&self, part: Part, at: u64, len: u64) -> Result<Vec<u8>> {
        let end = at.checked_add(len).context("an offset past the file")?;
        if at < part.at || end > part.at + part.len {
            bail!("a saved offset points outside its part of the file");
        }
        let mut buf = vec![0u8; usize::try_from(len)?];
        self.saved.file.read_exact_at(&mut buf, at)?;
        Ok(buf)
    }

    fn u64_at(&self, part: Part, at: u64) -> Result<u64> {
        let b = self.read(part, at, 8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    /// The record at `at`, which must lie within `part`.
    fn record(&self, part: Part, at: u64) -> Result<Vec<u8>> {
        let len = self.read(part, at, 4)?;
        let len = u64::from(u32::from_le_bytes(len.try_into().expect("four bytes")));
        if len > LONGEST_RECORD {
            bail!("a saved record of {len} bytes");
        }
        self.read(part, at + 4, len)
    }

    /// The first of the records of `part` under `hash` in `table` that
    /// `decode` takes (it compares the record's key with the one asked).
    fn find<T>(
        &self,
        table: Part,
        part: Part,
        hash: u64,
        decode: impl Fn(&[u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let rows = table.len / ROW;
        let (mut lo, mut hi) = (0, rows);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.u64_at(table, table.at + mid * ROW)? < hash {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < rows && self.u64_at(table, table.at + lo * ROW)? == hash {
            let offset = self.u64_at(table, table.at + lo * ROW + 8)?;
            if let Some(found) = decode(&self.record(part, offset)?)? {
                return Ok(Some(found));
            }
            lo += 1;
        }
        Ok(None)
    }

    fn damaged<T>(&self, r: Result<T>) -> Result<T> {
        self.saved.damaged(r)
    }
}

impl Known for SavedKnown<'_> {
    fn ident(&self, key: &IdentKey) -> Result<Option<KnownIdent>> {
        let p = *self.parts();
        let hash = key_hash(key.kind as u8, &key.value);
        let found = self.find(p.ident_table, p.idents, hash, |bytes| {
            let (kind, value, suppressed, active, sides): SavedIdent =
                postcard::from_bytes(bytes).context("decoding a saved identifier")?;
            Ok(
                (kind == key.kind && *value == *key.value).then_some(KnownIdent {
                    suppressed,
                    active,
                    sides,
                }),
            )
        });
        self.damaged(found)
    }

    fn filings(&self, victim: &str) -> Result<Vec<(Filing, u32)>> {
        let p = *self.parts();
        let found = self.find(
            p.victim_table,
            p.victims,
            key_hash(VICTIM, victim),
            |bytes| {
                let (v, filings): SavedVictim =
                    postcard::from_bytes(bytes).context("decoding a saved victim")?;
                Ok((v == victim).then(|| {
                    filings
                        .into_iter()
                        .map(|(filed_at, amount_cents, supplement, place)| {
                            let f = Filing {
                                filed_at,
                                amount_cents,
                                supplement,
                            };
                            (f, place)
                        })
                        .collect()
                }))
            },
        );
        self.damaged(found.map(Option::unwrap_or_default))
    }

    fn cluster(&self, place: u32) -> Result<Option<KnownCluster>> {
        let p = *self.parts();
        let found = (|| -> Result<Option<KnownCluster>> {
            // Every place the file names is a cluster's: one past them is
            // damage, not a cluster gone.
            if u64::from(place) >= p.cluster_offsets.len / 8 {
                bail!("a saved place past the clusters");
            }
            let at = self.u64_at(
                p.cluster_offsets,
                p.cluster_offsets.at + 8 * u64::from(place),
            )?;
            let (id, size, units, score): SavedCluster =
                postcard::from_bytes(&self.record(p.clusters, at)?)
                    .context("decoding a saved cluster's figures")?;
            Ok(Some(KnownCluster {
                id: ClusterId::new(id),
                size: usize::try_from(size)?,
                units: usize::try_from(units)?,
                score,
            }))
        })();
        self.damaged(found)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::saved::Stamp;

    fn key(kind: Kind, value: &str) -> IdentKey {
        IdentKey {
            kind,
            value: Arc::from(value),
        }
    }

    /// A small saved file holding only what a check looks up.
    fn small(dir: &std::path::Path) -> Vec<u8> {
        let mut w = Writer::create(dir, &[]).unwrap();
        let clusters = (0..3).map(|i| KnownCluster {
            id: ClusterId::new(format!("C-00000{i}")),
            size: 2 + i,
            units: 1,
            score: 0.5,
        });
        let keys = [
            key(Kind::Phone, "+31612345678"),
            key(Kind::Iban, "NL02ABNA0123456789"),
        ];
        let idents = vec![
            (
                &keys[0],
                KnownIdent {
                    active: Some((2, 0)),
                    ..KnownIdent::default()
                },
            ),
            (
                &keys[1],
                KnownIdent {
                    suppressed: Some("shared".to_owned()),
                    active: None,
                    sides: vec![(3, 1), (4, 2)],
                },
            ),
        ];
        let filing = Filing {
            filed_at: 1_700_000_000,
            amount_cents: Some(12_345),
            supplement: false,
        };
        let victims = vec![("V-1", vec![(filing, 2)])];
        w.known(clusters, idents.into_iter(), victims.into_iter())
            .unwrap();
        let stamp = Stamp {
            revisions: crate::store::Revisions::default(),
            generation: 1,
            saved_at: 0,
            reports: 9,
            clusters: 3,
            suggestions: 0,
            settings: 0,
            check_settings: 0,
        };
        w.finish(stamp, &[], &[]).unwrap();
        std::fs::read(crate::saved::path(dir)).unwrap()
    }

    #[test]
    fn what_a_check_looks_up_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        small(dir.path());
        let saved = Saved::open(dir.path()).unwrap().expect("a whole file");
        let known = saved.known();
        let phone = known.ident(&key(Kind::Phone, "+31612345678")).unwrap();
        assert_eq!(phone.unwrap().active, Some((2, 0)));
        let iban = known
            .ident(&key(Kind::Iban, "NL02ABNA0123456789"))
            .unwrap()
            .unwrap();
        assert_eq!(iban.suppressed.as_deref(), Some("shared"));
        assert_eq!(iban.sides, vec![(3, 1), (4, 2)]);
        // The same value of another kind, and a value never saved.
        assert_eq!(
            known.ident(&key(Kind::Handle, "+31612345678")).unwrap(),
            None
        );
        assert_eq!(
            known.ident(&key(Kind::Phone, "+31600000000")).unwrap(),
            None
        );
        let filings = known.filings("V-1").unwrap();
        assert_eq!(filings.len(), 1);
        assert_eq!((filings[0].0.amount_cents, filings[0].1), (Some(12_345), 2));
        assert!(known.filings("V-2").unwrap().is_empty());
        let c = known.cluster(2).unwrap().unwrap();
        assert_eq!((c.id.as_str(), c.size), ("C-000002", 4));
        assert!(known.cluster(3).is_err(), "no place is past the clusters");
    }

    /// Every byte of the file changed in turn: a lookup answers or fails,
    /// never panics (a damaged file is removed and the clusters rebuilt).
    #[test]
    fn a_damaged_byte_anywhere_is_an_error_or_an_answer_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let whole = small(dir.path());
        let file = crate::saved::path(dir.path());
        let mut errors = 0;
        for at in 0..whole.len() {
            let mut bytes = whole.clone();
            bytes[at] ^= 0xa5;
            std::fs::write(&file, &bytes).unwrap();
            let Ok(Some(saved)) = Saved::open(dir.path()) else {
                continue;
            };
            let known = saved.known();
            let results = [
                known.ident(&key(Kind::Phone, "+31612345678")).map(drop),
                known
                    .ident(&key(Kind::Iban, "NL02ABNA0123456789"))
                    .map(drop),
                known.filings("V-1").map(drop),
                known.cluster(1).map(drop),
            ];
            errors += results.iter().filter(|r| r.is_err()).count();
        }
        assert!(errors > 0, "some damage is noticed");
    }
}
