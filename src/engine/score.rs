//! The priority score: its parts and the smooth curves that keep every
//! part from saturating at ordinary sizes.

use serde::{Deserialize, Serialize};

use crate::config::Settings;

/// The parts of the priority score, each already weighted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreParts {
    /// Number of reports.
    pub reports: f64,
    /// Distinct victims.
    pub victims: f64,
    /// Units reached.
    pub units: f64,
    /// Teams reached.
    pub teams: f64,
    /// Total damage.
    pub damage: f64,
    /// Reports filed in the 14 (full weight) and 30 (half weight) days
    /// before the newest report in the store.
    pub growth: f64,
    /// How recent the cluster's newest report is, against the newest in
    /// the store (additive field, issue 22).
    #[serde(default)]
    pub recency: f64,
    /// Identifiers that allow action: Dutch IBAN, Dutch number, `.nl` domain.
    pub actionable: f64,
    /// Raw figures behind the parts.
    pub figures: ScoreFigures,
}

/// The raw figures behind a score.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreFigures {
    /// Distinct victims (reports without a victim reference count once each).
    pub victims: usize,
    /// Reports in the last 14 days.
    pub growth_14d: usize,
    /// Reports in the last 30 days.
    pub growth_30d: usize,
    /// A Dutch IBAN (bank data request).
    pub dutch_iban: bool,
    /// A Dutch phone number (telecom request).
    pub dutch_phone: bool,
    /// A `.nl` domain (takedown).
    pub nl_domain: bool,
}

impl ScoreParts {
    /// The score: the sum of the parts, in 0..1 with 4 decimals (a sum of
    /// weights above 1 is cut at 1).
    pub fn score(&self) -> f64 {
        let sum = self.reports
            + self.victims
            + self.units
            + self.teams
            + self.damage
            + self.growth
            + self.recency
            + self.actionable;
        (sum.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
    }
}

/// `x / (x + half)`: 0 at 0, one half at `half`, and below 1 at any size,
/// so that no part is capped (issue 22).
pub(super) fn half_curve(x: f64, half: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        0.0
    } else if half.is_nan() || half <= 0.0 {
        1.0
    } else {
        x / (x + half)
    }
}

/// Each part is its weight times a 0..1 curve that is one half at its
/// setting's half-point and keeps growing beyond it. Counts are compared
/// on a log scale, so that the difference between 2 and 10 reports weighs
/// more than between 200 and 208; growth and recency are measured against
/// the newest report in the store (`last_age`: seconds from the cluster's
/// newest report to it).
pub(super) fn score_parts(
    reports: usize,
    units: usize,
    teams: usize,
    amount: f64,
    last_age: i64,
    figures: ScoreFigures,
    settings: &Settings,
) -> ScoreParts {
    let p = &settings.priority;
    let log_part = |x: f64, half: f64| half_curve(x.max(1.0).ln(), half.max(1.0).ln());
    let linked = reports > 1;
    let growth = figures.growth_14d as f64
        + 0.5 * figures.growth_30d.saturating_sub(figures.growth_14d) as f64;
    let days = last_age.max(0) as f64 / 86_400.0;
    let recency = if p.recency_half_days > 0.0 {
        0.5f64.powf(days / p.recency_half_days)
    } else {
        0.0
    };
    let actionable = [figures.dutch_iban, figures.dutch_phone, figures.nl_domain]
        .iter()
        .filter(|b| **b)
        .count() as f64
        / 3.0;
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    ScoreParts {
        reports: round(p.reports * log_part(reports as f64, p.reports_half)),
        victims: round(p.victims * log_part(figures.victims as f64, p.reports_half)),
        units: round(p.units * log_part(units as f64, p.units_half)),
        teams: round(p.teams * log_part(teams as f64, p.teams_half)),
        damage: round(p.damage * log_part(1.0 + amount.max(0.0), 1.0 + p.damage_half_eur)),
        growth: round(
            p.growth
                * if linked {
                    half_curve(growth, p.growth_half)
                } else {
                    0.0
                },
        ),
        recency: round(p.recency * if linked { recency } else { 0.0 }),
        actionable: round(p.actionable * if linked { actionable } else { 0.0 }),
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures of a cluster of `n` reports by as many victims, `recent`
    /// of them in the last 14 days, with a Dutch IBAN.
    fn figures(n: usize, recent: usize) -> ScoreFigures {
        ScoreFigures {
            victims: n,
            growth_14d: recent,
            growth_30d: recent,
            dutch_iban: true,
            ..ScoreFigures::default()
        }
    }

    const DAY: i64 = 86_400;

    // See: issue 22 (the top clusters all scored 0.85: parts were capped
    // at 50 reports, 6 units and EUR 100k)
    #[test]
    fn issue_22_no_part_of_the_score_saturates_at_ordinary_sizes() {
        let s = Settings::defaults();
        let score = |reports: usize, units, teams, amount: f64| {
            score_parts(
                reports,
                units,
                teams,
                amount,
                200 * DAY,
                figures(reports, 0),
                &s,
            )
        };
        // Clusters of 20, 50, 100 and 200 reports, growing in units, teams
        // and damage as real ones do: four different scores, in order.
        let sizes = [
            (20, 6, 8, 60_000.0),
            (50, 8, 14, 150_000.0),
            (100, 10, 25, 300_000.0),
            (200, 10, 40, 600_000.0),
        ];
        let scores: Vec<f64> = sizes
            .iter()
            .map(|&(n, u, t, a)| score(n, u, t, a).score())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] < w[1]),
            "scores rise with size: {scores:?}"
        );
        // Each part on its own still grows past where it used to stop.
        let base = score(100, 6, 12, 100_000.0);
        assert!(score(200, 6, 12, 100_000.0).reports > base.reports);
        assert!(score(100, 12, 12, 100_000.0).units > base.units);
        assert!(score(100, 6, 24, 100_000.0).teams > base.teams);
        assert!(score(100, 6, 12, 1_000_000.0).damage > base.damage);
        let grow = |n| score_parts(30, 6, 6, 0.0, 0, figures(30, n), &s).growth;
        assert!(grow(20) > grow(10) && grow(10) > grow(5), "growth too");
        // The score stays below 1 with four decimals, even for a giant.
        let giant = score_parts(100_000, 25, 400, 1e9, 0, figures(100_000, 5_000), &s);
        let g = giant.score();
        assert!(g > base.score() && g < 1.0, "{g}");
        assert_eq!(g, (g * 10_000.0).round() / 10_000.0);
    }

    // See: issue 22 (24 of the top 25 had no report in the last 14 days)
    #[test]
    fn issue_22_new_reports_this_fortnight_outrank_a_dormant_cluster_of_the_same_size() {
        let s = Settings::defaults();
        // Twenty reports each; the dormant one reached more units and did
        // more damage, but its newest report is eight months old.
        let dormant = score_parts(20, 8, 8, 80_000.0, 240 * DAY, figures(20, 0), &s);
        let active = score_parts(20, 4, 4, 20_000.0, 2 * DAY, figures(20, 3), &s);
        assert!(
            active.score() > dormant.score(),
            "active {} vs dormant {}",
            active.score(),
            dormant.score()
        );
        assert!(active.growth > 0.0 && dormant.growth == 0.0);
        // Dormant for two months weighs more than dormant for a year.
        let months = score_parts(20, 8, 8, 80_000.0, 60 * DAY, figures(20, 0), &s);
        assert!(months.score() > dormant.score());
        // A report alone is no cluster: no growth, recency or actionable part.
        let single = score_parts(1, 1, 1, 500.0, 0, figures(1, 1), &s);
        assert_eq!(
            (single.growth, single.recency, single.actionable),
            (0.0, 0.0, 0.0)
        );
    }
}
