//! A group's identifiers and a victim's, each rebuilt from a stream of
//! its own whenever a report needs them.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::crypto::crypto_address;
use crate::generator::{Generator, STREAM_GROUP, STREAM_VICTIM};
use crate::ibans::{Account, account, nl_iban};
use crate::kind::FraudKind;
use crate::phones::{PhoneNo, nl_mobile, offender_phone, short_owner};
use crate::random::{pick, pick_str, weighted};
use crate::text;
use crate::unique::Serial;
use crate::web::{Site, email, handle_name, site};

/// A group's modus operandi and identifiers.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) kind: FraudKind,
    pub(crate) ibans: Vec<Account>,
    pub(crate) phones: Vec<PhoneNo>,
    pub(crate) sites: Vec<Site>,
    pub(crate) emails: Vec<String>,
    pub(crate) handles: Vec<(&'static str, String)>,
    pub(crate) crypto: Vec<String>,
    /// Index into the benign bank numbers the callers spoof.
    pub(crate) spoof: Option<usize>,
    pub(crate) bank: &'static str,
    pub(crate) brand: usize,
    pub(crate) alias: String,
    pub(crate) market: &'static str,
}

/// A victim: the same person when filing twice or falling for two groups.
#[derive(Debug, Clone)]
pub(crate) struct Victim {
    pub(crate) vref: Option<String>,
    pub(crate) iban: String,
    pub(crate) phone: PhoneNo,
    pub(crate) relative: usize,
    pub(crate) family_phone: PhoneNo,
}

impl Generator<'_> {
    /// Builds a group's identifiers from its own stream.
    pub(crate) fn group(&self, g: u32) -> Group {
        let mut group = self.group_without_shared(g);
        if let Some(other) = self.plans.get(g as usize).and_then(|p| p.shared_mule) {
            let o = self.group_without_shared(other);
            if let Some(first) = o.ibans.first() {
                let mut r = self.stream(STREAM_GROUP, u64::from(g) | (1 << 39));
                let at = r.random_range(0..=group.ibans.len());
                group.ibans.insert(at, first.clone());
            }
        }
        group
    }

    pub(crate) fn group_without_shared(&self, g: u32) -> Group {
        let mut r = self.stream(STREAM_GROUP, u64::from(g));
        let (kind, size) = match self.plans.get(g as usize) {
            Some(p) => (p.kind, p.size),
            // Groups past the data set exist only in check requests.
            None => (FraudKind::ALL[weighted(&mut r, &FraudKind::WEIGHTS)], 1),
        };
        let usage = kind.usage();
        // More victims, more mules and numbers, but slowly: a group of two
        // mostly uses one of each, a national group of hundreds up to six.
        let spread = ((f64::from(size.max(1)).log2() * 0.6) as usize).min(5);
        let count = |r: &mut ChaCha8Rng, p: f64, max: usize| -> usize {
            if p <= 0.0 {
                0
            } else {
                1 + r.random_range(0..=spread.min(max - 1))
            }
        };
        let n_iban = count(&mut r, usage[0], 6);
        let n_phone = count(&mut r, usage[1], 3);
        let n_site = count(&mut r, usage[2], 3);
        let n_email = count(&mut r, usage[3], 2);
        let n_handle = count(&mut r, usage[4], 3);
        let n_crypto = count(&mut r, usage[5], 2);
        // Past the first groups each identifier is made from its serial,
        // so that no two groups share one by chance (see `unique`).
        let ibans = (0..n_iban)
            .map(|k| account(&mut r, Serial::of(g, k, 6)))
            .collect();
        let phones = (0..n_phone)
            .map(|k| offender_phone(&mut r, Serial::of(g, k, 3)))
            .collect();
        let sites: Vec<Site> = (0..n_site)
            .map(|k| site(&mut r, kind, &self.benign, Serial::of(g, k, 3)))
            .collect();
        let emails = (0..n_email)
            .map(|k| email(&mut r, &sites, Serial::of(g, k, 2)))
            .collect();
        let handles = (0..n_handle)
            .map(|k| {
                let platform = *pick(&mut r, kind.handle_platforms());
                (platform, handle_name(&mut r, Serial::of(g, k, 3)))
            })
            .collect();
        let crypto = (0..n_crypto).map(|_| crypto_address(&mut r)).collect();
        let spoof = r.random_range(0..self.benign.bank_phones.len());
        let bank = if kind == FraudKind::BankHelpdesk {
            // The bank the caller claims to be is the one whose number he
            // spoofs.
            short_owner(&self.benign.bank_phones[spoof].owner)
        } else {
            pick(&mut r, text::NL_BANKS).0
        };
        Group {
            kind,
            ibans,
            phones,
            sites,
            emails,
            handles,
            crypto,
            spoof: Some(spoof),
            bank,
            brand: r.random_range(0..text::PHISH_BRANDS.len()),
            alias: pick(&mut r, text::FIRST_NAMES).to_string(),
            market: pick_str(&mut r, text::MARKETPLACES),
        }
    }

    pub(crate) fn victim(&self, v: u32) -> Victim {
        let mut r = self.stream(STREAM_VICTIM, u64::from(v));
        let vref = if r.random_bool(0.9) {
            Some(format!("V-{:012x}", r.random::<u64>() & 0xffff_ffff_ffff))
        } else {
            None
        };
        Victim {
            vref,
            iban: nl_iban(&mut r),
            phone: nl_mobile(&mut r),
            relative: r.random_range(0..text::RELATIVES.len()),
            family_phone: nl_mobile(&mut r),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::Config;
    use crate::generator::Generator;
    use crate::unique::DRAWN_GROUPS;

    // See: issue 23 (at ten million reports chance collisions of drawn
    // identifiers joined a third of a million groups into one cluster).
    #[test]
    fn groups_past_the_drawn_ones_never_share_an_identifier() {
        let config = Config::new(100, 7, 0);
        let generator = Generator::new(&config).unwrap();
        let mut owner: HashMap<String, u32> = HashMap::new();
        // The groups of a data set of twenty million reports, sampled.
        for g in (0..30_000u32).map(|i| DRAWN_GROUPS + i * 331) {
            let group = generator.group_without_shared(g);
            let names = group
                .ibans
                .iter()
                .map(|a| a.iban.clone())
                .chain(group.phones.iter().map(|p| p.e164()))
                .chain(
                    group
                        .sites
                        .iter()
                        .filter(|s| !s.shortener)
                        .map(|s| s.domain.clone()),
                )
                .chain(group.emails.iter().cloned())
                .chain(group.handles.iter().map(|(_, h)| h.clone()));
            for name in names {
                if let Some(other) = owner.insert(name.clone(), g) {
                    assert_eq!(other, g, "{name} of groups {other} and {g}");
                }
            }
        }
        assert!(owner.len() > 60_000, "{} identifiers", owner.len());
    }
}
