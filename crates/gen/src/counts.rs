//! The counts of `meta.json` that need the whole run: group sizes, the
//! shared mules, and how far the data allows linking at all (the linkable
//! components of each true group, and the best scores they permit).

use std::collections::HashMap;

use crate::generator::Generator;
use crate::meta::{Ceiling, Linkability, SharedMule, SharedMules};
use crate::random::round4;

/// Reports joined when they share an intact identifier or a victim.
struct Components {
    /// Each report's component, by slot.
    roots: Vec<u32>,
    /// Number of reports per component.
    sizes: HashMap<u32, usize>,
}

impl Components {
    fn size_of(&self, slot: usize) -> usize {
        self.sizes.get(&self.roots[slot]).copied().unwrap_or(1)
    }
}

impl Generator<'_> {
    pub(crate) fn finish_counts(&mut self) {
        let mut sizes = vec![0usize; self.plans.len()];
        let mut units: Vec<u16> = vec![0; self.plans.len()];
        for s in &self.slots {
            sizes[s.group as usize] += 1;
            units[s.group as usize] |= 1 << self.teams[usize::from(s.team)].unit;
        }
        let c = &mut self.meta.counts;
        c.groups = sizes.iter().filter(|&&n| n > 0).count();
        c.singleton_groups = sizes.iter().filter(|&&n| n == 1).count();
        c.singleton_report_fraction = if c.reports > 0 {
            round4(c.singleton_groups as f64 / c.reports as f64)
        } else {
            0.0
        };
        for &n in &sizes {
            let class = match n {
                0 => continue,
                1 => "1",
                2..=5 => "2-5",
                6..=19 => "6-19",
                20..=99 => "20-99",
                _ => "100-500",
            };
            *c.group_size_histogram.entry(class).or_insert(0) += 1;
        }
        c.largest_group = sizes.iter().copied().max().unwrap_or(0);
        c.national_groups_ge10_ge3units = sizes
            .iter()
            .zip(&units)
            .filter(|(n, u)| **n >= 10 && u.count_ones() >= 3)
            .count();
        self.linkability(&sizes, &units);
        self.meta.traps.common_holder_names.groups =
            self.common_groups.iter().filter(|&&b| b).count();
        self.meta.traps.shared_mules = self.shared_mules();
    }

    /// The money mules two groups share, with both groups.
    fn shared_mules(&self) -> SharedMules {
        let mut list = Vec::new();
        for (a, p) in self.plans.iter().enumerate() {
            if let Some(b) = p.shared_mule
                && let Some(acc) = self.group_without_shared(b).ibans.first()
            {
                list.push(SharedMule {
                    iban: acc.iban.clone(),
                    groups: [format!("G{:07}", a + 1), format!("G{:07}", b + 1)],
                });
            }
        }
        SharedMules {
            count: list.len(),
            list,
        }
    }

    /// Unites the reports of a group that share an intact identifier or a
    /// victim (union-find over the slots).
    fn components(&self) -> Components {
        let n = self.slots.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        let mut first_key: HashMap<(u32, u32), u32> = HashMap::new();
        let mut first_victim: HashMap<(u32, u32), u32> = HashMap::new();
        for (i, s) in self.slots.iter().enumerate() {
            let i = i as u32;
            let mut joins: Vec<u32> = Vec::new();
            let mut keys = self.keys.get(i as usize).copied().unwrap_or(0);
            while keys != 0 {
                let bit = keys.trailing_zeros();
                keys &= keys - 1;
                joins.push(*first_key.entry((s.group, bit)).or_insert(i));
            }
            joins.push(*first_victim.entry((s.group, s.victim)).or_insert(i));
            for j in joins {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a as usize] = b;
                }
            }
        }
        let mut sizes: HashMap<u32, usize> = HashMap::new();
        let roots: Vec<u32> = (0..n as u32).map(|i| find(&mut parent, i)).collect();
        for &root in &roots {
            *sizes.entry(root).or_insert(0) += 1;
        }
        Components { roots, sizes }
    }

    /// Computes the linkable components of each true group, and from them
    /// the ceiling: the scores of clusters that are exactly those
    /// components.
    fn linkability(&mut self, sizes: &[usize], units: &[u16]) {
        let n = self.slots.len();
        let comp = self.components();
        let mut largest: Vec<usize> = vec![0; sizes.len()];
        for (i, s) in self.slots.iter().enumerate() {
            let g = s.group as usize;
            largest[g] = largest[g].max(comp.size_of(i));
        }
        let (mut recall_sum, mut isolated, mut outside) = (0.0, 0, 0);
        for (i, s) in self.slots.iter().enumerate() {
            let c = comp.size_of(i);
            let g = sizes[s.group as usize].max(1);
            recall_sum += c as f64 / g as f64;
            if g > 1 && c == 1 {
                isolated += 1;
            }
            if c < largest[s.group as usize] {
                outside += 1;
            }
        }
        let pairs = |k: usize| (k * k.saturating_sub(1) / 2) as f64;
        let true_pairs: f64 = sizes.iter().map(|&k| pairs(k)).sum();
        let found_pairs: f64 = comp.sizes.values().map(|&k| pairs(k)).sum();
        let national: Vec<usize> = (0..sizes.len())
            .filter(|&g| sizes[g] >= 10 && units[g].count_ones() >= 3)
            .collect();
        let recovered = national
            .iter()
            .filter(|&&g| largest[g] as f64 >= 0.9 * sizes[g] as f64)
            .count();
        let bcubed_recall = if n > 0 { recall_sum / n as f64 } else { 1.0 };
        let pairwise_recall = if true_pairs > 0.0 {
            found_pairs / true_pairs
        } else {
            1.0
        };
        self.meta.ceiling = Ceiling {
            bcubed_precision: 1.0,
            bcubed_recall: round4(bcubed_recall),
            bcubed_f1: round4(f1(1.0, bcubed_recall)),
            pairwise_precision: 1.0,
            pairwise_recall: round4(pairwise_recall),
            pairwise_f1: round4(f1(1.0, pairwise_recall)),
            national_groups: national.len(),
            national_recall: if national.is_empty() {
                1.0
            } else {
                round4(recovered as f64 / national.len() as f64)
            },
        };
        self.meta.linkability = Linkability {
            definition: "reports of one group are linkable when they share an offender identifier the generator wrote intact (iban, phone, url/domain, email, handle, crypto) or are filings by the same victim; names, victim-side and benign identifiers never link",
            intended_unlinkable: self.meta.traps.unlinkable_reports,
            isolated_reports_in_multi_report_groups: isolated,
            reports_outside_largest_component_of_group: outside,
        };
    }
}

/// The harmonic mean of precision and recall.
fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}
