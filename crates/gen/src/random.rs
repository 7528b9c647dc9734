//! Random draws: picks from tables, weights, the group-size distribution,
//! digits and codes. Every draw comes from a ChaCha8 stream the caller
//! names (`generator.rs`), so the same seed gives the same data.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A uniformly chosen element of a slice.
///
/// Callers pass the constant tables of `text` or lists checked to be
/// non-empty when they were built (`Benign::load`, the unit's teams), so
/// the index is always in bounds.
pub(crate) fn pick<'a, T>(r: &mut ChaCha8Rng, s: &'a [T]) -> &'a T {
    let i = if s.len() > 1 {
        r.random_range(0..s.len())
    } else {
        0
    };
    &s[i]
}

/// [`pick`] for the string tables, so that the result is a `&str`.
pub(crate) fn pick_str(r: &mut ChaCha8Rng, s: &[&'static str]) -> &'static str {
    let i = if s.len() > 1 {
        r.random_range(0..s.len())
    } else {
        0
    };
    s.get(i).copied().unwrap_or_default()
}

pub(crate) fn pick_opt<'a, T>(r: &mut ChaCha8Rng, s: &'a [T]) -> Option<&'a T> {
    if s.is_empty() { None } else { Some(pick(r, s)) }
}

/// An index drawn with the given weights.
pub(crate) fn weighted(r: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut x = r.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// A standard normal draw (Box-Muller).
pub(crate) fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - r.random::<f64>();
    let u2: f64 = r.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Group sizes: ~80% of groups are lone offenders (about 40% of reports),
/// then 2-5, 6-19, and a heavy tail of national groups of 20 to 500.
pub(crate) fn sample_group_size(r: &mut ChaCha8Rng) -> u32 {
    let u: f64 = r.random();
    if u < 0.80 {
        1
    } else if u < 0.965 {
        [2, 3, 4, 5][weighted(r, &[45, 27, 17, 11])]
    } else if u < 0.992 {
        // P(k) ~ k^-1.6 over 6..=19.
        let w: Vec<u32> = (6..=19u32)
            .map(|k| (10_000.0 * f64::from(k).powf(-1.6)) as u32)
            .collect();
        6 + weighted(r, &w) as u32
    } else {
        // A Pareto tail (alpha 1.38) truncated to 20..=500: about one in
        // nine of these groups has 100 reports or more.
        let alpha = 1.38;
        let lo: f64 = 20.0;
        let hi: f64 = 500.0;
        let tail = 1.0 - (lo / hi).powf(alpha);
        let u: f64 = r.random();
        let k = lo * (1.0 - u * tail).powf(-1.0 / alpha);
        (k.floor() as u32).clamp(20, 500)
    }
}

pub(crate) fn random_digits(r: &mut ChaCha8Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + r.random_range(0..10u8)));
    }
}

pub(crate) fn random_code(r: &mut ChaCha8Rng, n: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..n)
        .map(|_| char::from(ALNUM[r.random_range(0..ALNUM.len())]))
        .collect()
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
