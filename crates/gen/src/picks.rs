//! What one report names of its group, and the damage: the part of a
//! report a second filing repeats.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::generator::Generator;
use crate::group::Group;
use crate::kind::FraudKind;
use crate::random::normal;

/// The offender identifiers a report names, and its damage: the part a
/// second filing repeats.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) amount: Option<f64>,
    pub(crate) picks: Vec<Pick>,
    pub(crate) unlinkable: bool,
}

/// One of the group's identifiers, by kind and index in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    Iban(usize),
    Phone(usize),
    Url(usize),
    Email(usize),
    Handle(usize),
    Crypto(usize),
}

impl Pick {
    /// The identifier's bit in a report's keys (`Generator::last_keys`):
    /// eight per kind, the eighth and later of a kind sharing one.
    pub(crate) fn key(self) -> u64 {
        let (kind_no, index) = match self {
            Pick::Iban(i) => (0, i),
            Pick::Phone(i) => (1, i),
            Pick::Url(i) => (2, i),
            Pick::Email(i) => (3, i),
            Pick::Handle(i) => (4, i),
            Pick::Crypto(i) => (5, i),
        };
        1u64 << (kind_no * 8 + index.min(7))
    }
}

impl Generator<'_> {
    pub(crate) fn core(
        &self,
        r: &mut ChaCha8Rng,
        group: &Group,
        plan_window: (i64, i64),
        incident: i64,
        unlinkable: bool,
    ) -> Core {
        let amount = damage(r, group.kind);
        let picks = if unlinkable {
            Vec::new()
        } else {
            picks(r, group, plan_window, incident)
        };
        Core {
            amount,
            picks,
            unlinkable,
        }
    }
}

/// The damage, rounded as victims round it; 6% of reports name none.
fn damage(r: &mut ChaCha8Rng, kind: FraudKind) -> Option<f64> {
    let (median, spread) = kind.damage();
    if !r.random_bool(0.94) {
        return None;
    }
    let mut a = median * (spread * normal(r)).exp();
    a = a.clamp(5.0, 250_000.0);
    a = match kind {
        FraudKind::Marketplace | FraudKind::Webshop if r.random_bool(0.6) => a.round(),
        FraudKind::FriendInNeed if r.random_bool(0.5) => (a / 50.0).round().max(1.0) * 50.0,
        _ => (a * 100.0).round() / 100.0,
    };
    Some(a)
}

/// The group's identifiers a linkable report names: each kind as often as
/// the group's kind of fraud uses it, and at least one.
fn picks(r: &mut ChaCha8Rng, group: &Group, plan_window: (i64, i64), incident: i64) -> Vec<Pick> {
    let usage = group.kind.usage();
    let (start, end) = plan_window;
    let t = if end > start {
        (incident - start) as f64 / (end - start) as f64
    } else {
        0.0
    };
    let lists = [
        group.ibans.len(),
        group.phones.len(),
        group.sites.len(),
        group.emails.len(),
        group.handles.len(),
        group.crypto.len(),
    ];
    let mut picks = Vec::new();
    for (k, &p) in usage.iter().enumerate() {
        if lists[k] > 0 && r.random_bool(p) {
            picks.push(make_pick(r, k, lists[k], t));
        }
    }
    if picks.is_empty() {
        // Every linkable report names something: its group's most
        // used kind of identifier.
        let best = (0..6)
            .filter(|&k| lists[k] > 0)
            .max_by(|&a, &b| usage[a].total_cmp(&usage[b]));
        if let Some(best) = best {
            picks.push(make_pick(r, best, lists[best], t));
        }
    }
    picks
}

/// The identifier of kind `kind` (of `len`) a report at time `t` (0 at
/// the group's start, 1 at its end) names.
fn make_pick(r: &mut ChaCha8Rng, kind: usize, len: usize, t: f64) -> Pick {
    let i = if kind == 0 {
        // Mules are used one after another as banks block them.
        let mut i = ((t * len as f64) as usize).min(len - 1);
        if r.random_bool(0.2) {
            i = if r.random_bool(0.5) {
                i.saturating_sub(1)
            } else {
                (i + 1).min(len - 1)
            };
        }
        i
    } else if r.random_bool(0.75) {
        // The main number, site or account; the others are used now and
        // then.
        0
    } else {
        r.random_range(0..len)
    };
    match kind {
        0 => Pick::Iban(i),
        1 => Pick::Phone(i),
        2 => Pick::Url(i),
        3 => Pick::Email(i),
        4 => Pick::Handle(i),
        _ => Pick::Crypto(i),
    }
}
