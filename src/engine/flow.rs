//! The flow of cases as the BOSZ quality dashboard shows it (issue 22):
//! per ISO week in Europe/Amsterdam, the clusters found (when fraudlink
//! first gave them an id, not their first report), moved out (closed or
//! handed over) and reopened, and the backlog of open clusters at each
//! week's end; how long open clusters have waited at their status; and
//! lead times from found to first assignment and to closure.
//!
//! Everything here is computed from each cluster's found time and its
//! triage steps ([`crate::store::flow`]); the functions below do no I/O,
//! and [`Tally`] walks each cluster once, so the UI can run it per view
//! over the cached inputs.

use std::collections::HashMap;
use std::sync::LazyLock;

use anyhow::Result;

use crate::cluster::ClusterId;
use crate::engine::Engine;
use crate::store::flow::TriageStep;

/// The statuses of a cluster still on the desk's plate, in the order a
/// cluster moves through them.
pub const OPEN: [&str; 4] = ["new", "triaged", "assigned", "in_investigation"];

/// The statuses with which a cluster leaves the backlog.
pub const DONE: [&str; 2] = ["handed_over", "closed"];

/// The ageing buckets: days waited up to and including each bound; the
/// last holds the rest (0-7, 8-30, 31-90, more than 90 days).
pub const AGE_BOUNDS: [i64; 3] = [7, 30, 90];

/// A triage step of one cluster: when, and what it set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Unix seconds.
    pub at: i64,
    /// The status set, if it was.
    pub status: Option<String>,
    /// The team assigned, if one was.
    pub team: Option<String>,
}

impl Engine {
    /// When each live cluster was found (`clusters.created_at`).
    pub fn found_times(&self) -> Result<Vec<(ClusterId, i64)>> {
        self.read(|s| s.found_times())
    }

    /// Each live cluster's triage steps, oldest first.
    pub fn triage_steps(&self) -> Result<HashMap<ClusterId, Vec<Step>>> {
        let steps = self.read(|s| s.triage_steps())?;
        let mut out: HashMap<ClusterId, Vec<Step>> = HashMap::new();
        for TriageStep {
            cluster,
            at,
            status,
            team,
        } in steps
        {
            out.entry(cluster)
                .or_default()
                .push(Step { at, status, team });
        }
        Ok(out)
    }
}

/// Whether a status keeps a cluster in the backlog (any status but the
/// two that end it).
pub fn is_open(status: &str) -> bool {
    !DONE.contains(&status)
}

/// One ISO week in Europe/Amsterdam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// The ISO year.
    pub year: i16,
    /// The ISO week, 1..=53.
    pub week: i8,
    /// Monday 00:00 local, Unix seconds.
    pub start: i64,
    /// The next Monday 00:00 local, Unix seconds.
    pub end: i64,
}

impl Week {
    /// `2026-W49`.
    pub fn label(&self) -> String {
        format!("{}-W{:02}", self.year, self.week)
    }

    /// `W49`.
    pub fn short(&self) -> String {
        format!("W{:02}", self.week)
    }

    /// Whether `now` falls before the week's end: the week is not over.
    pub fn is_partial(&self, now: i64) -> bool {
        now < self.end
    }
}

/// Europe/Amsterdam: the weeks of the flow and the days of the filters.
pub(super) fn zone() -> &'static jiff::tz::TimeZone {
    static ZONE: LazyLock<jiff::tz::TimeZone> = LazyLock::new(|| {
        // The zone is in jiff's bundled database; UTC only if it were not.
        jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC)
    });
    &ZONE
}

/// Monday 00:00 of the week of `date`, local, and the week's number.
fn week_of_date(date: jiff::civil::Date) -> Option<Week> {
    let iso = date.iso_week_date();
    let monday = iso.first_of_week().ok()?.date();
    let next = monday.checked_add(jiff::Span::new().days(7)).ok()?;
    let at = |d: jiff::civil::Date| {
        zone()
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok()
            .map(|t| t.as_second())
    };
    Some(Week {
        year: iso.year(),
        week: iso.week(),
        start: at(monday)?,
        end: at(next)?,
    })
}

/// The `n` ISO weeks up to and including the one `now` falls in, oldest
/// first (fewer only for a `now` at the edge of the calendar).
pub fn weeks_to(now: i64, n: usize) -> Vec<Week> {
    let Ok(ts) = jiff::Timestamp::from_second(now) else {
        return Vec::new();
    };
    let today = zone().to_datetime(ts).date();
    let mut out = Vec::with_capacity(n);
    let mut day = today;
    for _ in 0..n {
        let Some(w) = week_of_date(day) else { break };
        out.push(w);
        match jiff::civil::Date::checked_sub(day, jiff::Span::new().days(7)) {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out.reverse();
    out
}

/// The place in `weeks` of the week holding `t`.
pub fn week_index(weeks: &[Week], t: i64) -> Option<usize> {
    let i = weeks.partition_point(|w| w.end <= t);
    weeks.get(i).filter(|w| w.start <= t).map(|_| i)
}

/// The status periods of a cluster: `(from, status)`, starting with
/// `new` when it was found. A step recorded before the cluster was found
/// (a clock set back) counts from the moment it was found; a step that
/// sets the status it already has starts no period.
pub fn periods(found: i64, steps: &[Step]) -> Vec<(i64, &str)> {
    let mut out: Vec<(i64, &str)> = vec![(found, "new")];
    for s in steps {
        if let Some(st) = s.status.as_deref()
            && out.last().is_some_and(|(_, cur)| *cur != st)
        {
            out.push((s.at.max(found), st));
        }
    }
    out
}

/// When a cluster was first assigned: the first step that named a team or
/// set it to assigned or in investigation.
pub fn first_assigned(found: i64, steps: &[Step]) -> Option<i64> {
    steps
        .iter()
        .find(|s| {
            s.team.is_some()
                || s.status
                    .as_deref()
                    .is_some_and(|st| st == "assigned" || st == "in_investigation")
        })
        .map(|s| s.at.max(found))
}

/// When a cluster was first closed or handed over.
pub fn first_done(found: i64, steps: &[Step]) -> Option<i64> {
    steps
        .iter()
        .find(|s| s.status.as_deref().is_some_and(|st| !is_open(st)))
        .map(|s| s.at.max(found))
}

/// The figures of one week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekFlow {
    /// Clusters found in the week.
    pub found: usize,
    /// Clusters closed or handed over in the week (each time: a cluster
    /// closed, reopened and closed again counts twice).
    pub out: usize,
    /// Clusters reopened in the week (from closed or handed over back to
    /// an open status).
    pub reopened: usize,
    /// Open clusters at the week's end (for the current week: now).
    /// Always the previous week's plus found, minus out, plus reopened.
    pub backlog: usize,
}

/// What [`Tally::add`] saw of one cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Seen {
    /// Found within the weeks.
    pub found_in_weeks: bool,
    /// Times closed or handed over within the weeks.
    pub out_in_weeks: usize,
    /// Open now: the place of its status in [`OPEN`] (an unknown status
    /// counts as the last) and the whole days it has waited at it.
    pub waiting: Option<(usize, i64)>,
    /// Days from found to first assignment, when that was within the
    /// weeks.
    pub to_assign: Option<f64>,
    /// Days from found to first closure or handover, when that was within
    /// the weeks.
    pub to_done: Option<f64>,
}

/// The place of a number of days in [`AGE_BOUNDS`]' buckets.
pub fn age_bucket(days: i64) -> usize {
    AGE_BOUNDS.partition_point(|b| *b < days)
}

/// The weekly figures and the ageing of the clusters added to it.
#[derive(Debug, Clone)]
pub struct Tally<'w> {
    weeks: &'w [Week],
    now: i64,
    /// The moment each week's backlog is counted at: its end, or just
    /// after `now` for the week not over yet.
    cuts: Vec<i64>,
    /// Per week.
    pub flows: Vec<WeekFlow>,
    /// Per status of [`OPEN`], the open clusters per ageing bucket.
    pub ageing: [[usize; AGE_BOUNDS.len() + 1]; OPEN.len()],
    /// Backlog changes per week (a difference array, summed in
    /// [`Tally::finish`]).
    delta: Vec<i64>,
}

impl<'w> Tally<'w> {
    /// An empty tally over `weeks` (oldest first), as of `now`.
    pub fn new(weeks: &'w [Week], now: i64) -> Tally<'w> {
        let cuts = weeks
            .iter()
            .map(|w| w.end.min(now.saturating_add(1)))
            .collect();
        Tally {
            weeks,
            now,
            cuts,
            flows: vec![WeekFlow::default(); weeks.len()],
            ageing: [[0; AGE_BOUNDS.len() + 1]; OPEN.len()],
            delta: vec![0; weeks.len() + 1],
        }
    }

    /// Adds a cluster found at `found` with its triage steps (oldest
    /// first). A cluster found after `now` is not counted.
    pub fn add(&mut self, found: i64, steps: &[Step]) -> Seen {
        let mut seen = Seen::default();
        if found > self.now {
            return seen;
        }
        if let Some(i) = week_index(self.weeks, found) {
            self.flows[i].found += 1;
            seen.found_in_weeks = true;
        }
        let periods = periods(found, steps);
        let mut open_since: Option<i64> = None;
        let mut was_open = false;
        for (n, (at, status)) in periods.iter().enumerate() {
            let open = is_open(status);
            if n > 0 && open != was_open {
                if let Some(i) = week_index(self.weeks, *at).filter(|_| *at <= self.now) {
                    if open {
                        self.flows[i].reopened += 1;
                    } else {
                        self.flows[i].out += 1;
                        seen.out_in_weeks += 1;
                    }
                }
            }
            if open && !was_open {
                open_since = Some(*at);
            } else if !open && was_open {
                // Open from `open_since` until `at`.
                self.open_between(open_since.take().unwrap_or(found), *at);
            }
            was_open = open;
        }
        if let Some(from) = open_since {
            self.open_between(from, i64::MAX);
        }
        if let Some((since, status)) = periods.last().filter(|(_, s)| is_open(s)) {
            let place = OPEN
                .iter()
                .position(|s| s == status)
                .unwrap_or(OPEN.len() - 1);
            let days = (self.now - since).max(0) / 86_400;
            self.ageing[place][age_bucket(days)] += 1;
            seen.waiting = Some((place, days));
        }
        let in_weeks = |t: i64| t <= self.now && week_index(self.weeks, t).is_some();
        let days = |t: i64| (t - found).max(0) as f64 / 86_400.0;
        seen.to_assign = first_assigned(found, steps)
            .filter(|t| in_weeks(*t))
            .map(days);
        seen.to_done = first_done(found, steps).filter(|t| in_weeks(*t)).map(days);
        seen
    }

    /// Counts a cluster open from `from` until `to` (exclusive) in the
    /// backlog of every week whose count falls in between.
    fn open_between(&mut self, from: i64, to: i64) {
        let lo = self.cuts.partition_point(|c| *c <= from);
        let hi = self.cuts.partition_point(|c| *c <= to);
        if lo < hi {
            self.delta[lo] += 1;
            self.delta[hi] -= 1;
        }
    }

    /// The weekly figures with the backlog summed.
    pub fn finish(mut self) -> (Vec<WeekFlow>, [[usize; AGE_BOUNDS.len() + 1]; OPEN.len()]) {
        let mut open: i64 = 0;
        for (f, d) in self.flows.iter_mut().zip(&self.delta) {
            open += d;
            f.backlog = open.max(0) as usize;
        }
        (self.flows, self.ageing)
    }
}

/// The median of some numbers (the mean of the middle two for an even
/// count); none for none.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a UTC time written as RFC 3339.
    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    fn step(t: &str, status: Option<&str>, team: Option<&str>) -> Step {
        Step {
            at: at(t),
            status: status.map(str::to_owned),
            team: team.map(str::to_owned),
        }
    }

    #[track_caller]
    fn check_week(now: &str, label: &str, start: &str, end: &str) {
        let w = weeks_to(at(now), 1);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].label(), label, "{now}");
        assert_eq!(w[0].start, at(start), "{now}: start");
        assert_eq!(w[0].end, at(end), "{now}: end");
    }

    #[test]
    fn weeks_are_iso_weeks_from_monday_midnight_in_amsterdam() {
        // Sunday 6 December 2026: week 49, from Monday 30 November 00:00 CET.
        check_week(
            "2026-12-06T12:00:00Z",
            "2026-W49",
            "2026-11-29T23:00:00Z",
            "2026-12-06T23:00:00Z",
        );
        // 22:30 UTC is 23:30 on Sunday in Amsterdam, still week 49;
        // 23:30 UTC is 00:30 on Monday, week 50.
        check_week(
            "2026-12-06T22:30:00Z",
            "2026-W49",
            "2026-11-29T23:00:00Z",
            "2026-12-06T23:00:00Z",
        );
        check_week(
            "2026-12-06T23:30:00Z",
            "2026-W50",
            "2026-12-06T23:00:00Z",
            "2026-12-13T23:00:00Z",
        );
        // 2026 has 53 ISO weeks: 1 January 2027 is in 2026-W53, 4 January
        // starts 2027-W01.
        check_week(
            "2027-01-01T12:00:00Z",
            "2026-W53",
            "2026-12-27T23:00:00Z",
            "2027-01-03T23:00:00Z",
        );
        check_week(
            "2027-01-04T12:00:00Z",
            "2027-W01",
            "2027-01-03T23:00:00Z",
            "2027-01-10T23:00:00Z",
        );
        // The week summer time ends is an hour longer: Monday 00:00 CEST
        // to Monday 00:00 CET.
        check_week(
            "2026-10-22T12:00:00Z",
            "2026-W43",
            "2026-10-18T22:00:00Z",
            "2026-10-25T23:00:00Z",
        );
    }

    #[test]
    fn weeks_run_back_oldest_first_and_only_the_current_is_partial() {
        let now = at("2026-12-06T12:00:00Z");
        let w = weeks_to(now, 3);
        let labels: Vec<String> = w.iter().map(Week::label).collect();
        assert_eq!(labels, ["2026-W47", "2026-W48", "2026-W49"]);
        assert!(w.windows(2).all(|p| p[0].end == p[1].start), "no gaps");
        assert_eq!(
            w.iter().map(|x| x.is_partial(now)).collect::<Vec<_>>(),
            [false, false, true]
        );
        // Across the new year.
        let w = weeks_to(at("2027-01-06T12:00:00Z"), 3);
        let labels: Vec<String> = w.iter().map(Week::label).collect();
        assert_eq!(labels, ["2026-W52", "2026-W53", "2027-W01"]);
        assert_eq!(week_index(&w, at("2027-01-01T12:00:00Z")), Some(1));
        assert_eq!(week_index(&w, at("2026-12-01T12:00:00Z")), None);
        assert_eq!(week_index(&w, at("2027-02-01T12:00:00Z")), None);
    }

    /// Four weeks, W46-W49 of 2026, as of Sunday of W49, with a cluster
    /// found on Tuesday of W46.
    fn four_weeks() -> (Vec<Week>, i64) {
        let now = at("2026-12-06T12:00:00Z");
        (weeks_to(now, 4), now)
    }

    fn backlog(flows: &[WeekFlow]) -> Vec<usize> {
        flows.iter().map(|f| f.backlog).collect()
    }

    #[test]
    fn an_untouched_cluster_is_found_once_and_carried_in_the_backlog() {
        let (weeks, now) = four_weeks();
        let mut t = Tally::new(&weeks, now);
        let seen = t.add(at("2026-11-10T09:00:00Z"), &[]);
        assert!(seen.found_in_weeks);
        // Found before the weeks shown: in every week's backlog, found in none.
        t.add(at("2026-06-01T09:00:00Z"), &[]);
        let (flows, ageing) = t.finish();
        assert_eq!(
            flows.iter().map(|f| f.found).collect::<Vec<_>>(),
            [1, 0, 0, 0]
        );
        assert_eq!(backlog(&flows), [2, 2, 2, 2]);
        // Both wait at "new": 26 days (8-30) and 188 days (more than 90).
        assert_eq!(ageing[0], [0, 1, 0, 1]);
    }

    #[test]
    fn a_cluster_closed_and_reopened_leaves_and_reenters_the_backlog() {
        let (weeks, now) = four_weeks();
        let mut t = Tally::new(&weeks, now);
        let steps = [
            step("2026-11-18T10:00:00Z", Some("assigned"), Some("Heerlen")),
            step("2026-11-19T10:00:00Z", Some("closed"), None),
            step("2026-11-24T10:00:00Z", Some("in_investigation"), None),
            step("2026-12-04T10:00:00Z", Some("handed_over"), None),
        ];
        let seen = t.add(at("2026-11-10T09:00:00Z"), &steps);
        let (flows, ageing) = t.finish();
        assert_eq!(
            flows
                .iter()
                .map(|f| (f.found, f.out, f.reopened, f.backlog))
                .collect::<Vec<_>>(),
            [(1, 0, 0, 1), (0, 1, 0, 0), (0, 0, 1, 1), (0, 1, 0, 0)]
        );
        assert_eq!(seen.out_in_weeks, 2);
        assert_eq!(seen.waiting, None, "handed over: not waiting");
        assert_eq!(ageing, [[0; 4]; 4]);
        // Lead times count from found (10 Nov 09:00), not a first report.
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(close(seen.to_assign, 8.0 + 1.0 / 24.0), "{seen:?}");
        assert!(close(seen.to_done, 9.0 + 1.0 / 24.0), "{seen:?}");
    }

    #[test]
    fn the_backlog_is_the_previous_week_plus_found_minus_out_plus_reopened() {
        let (weeks, now) = four_weeks();
        let mut t = Tally::new(&weeks, now);
        let found = [
            "2026-10-01T08:00:00Z",
            "2026-11-09T08:00:00Z",
            "2026-11-17T08:00:00Z",
            "2026-11-26T08:00:00Z",
            "2026-12-05T08:00:00Z",
        ];
        let closes = [
            vec![step("2026-11-12T08:00:00Z", Some("closed"), None)],
            vec![],
            vec![
                step("2026-11-18T08:00:00Z", Some("closed"), None),
                step("2026-11-25T08:00:00Z", Some("new"), None),
            ],
            vec![step("2026-12-01T08:00:00Z", Some("handed_over"), None)],
            vec![],
        ];
        for (f, s) in found.iter().zip(&closes) {
            t.add(at(f), s);
        }
        let (flows, _) = t.finish();
        // The week before the first: one open (found 1 October).
        let mut prev = 1;
        for f in &flows {
            assert_eq!(f.backlog, prev + f.found + f.reopened - f.out, "{f:?}");
            prev = f.backlog;
        }
        assert_eq!(backlog(&flows), [1, 1, 3, 3]);
    }

    #[test]
    fn the_current_week_counts_up_to_now_only() {
        let (weeks, now) = four_weeks();
        let mut t = Tally::new(&weeks, now);
        // Found later today (a clock ahead): not counted.
        let seen = t.add(now + 3_600, &[]);
        assert!(!seen.found_in_weeks);
        // Found this morning: in this week's backlog.
        t.add(now - 3_600, &[]);
        let (flows, ageing) = t.finish();
        assert_eq!(backlog(&flows), [0, 0, 0, 1]);
        assert_eq!(flows[3].found, 1);
        assert_eq!(ageing[0], [1, 0, 0, 0]);
    }

    #[test]
    fn ageing_counts_from_the_last_change_of_status() {
        let (weeks, now) = four_weeks();
        let mut t = Tally::new(&weeks, now);
        // Assigned 40 days ago; a later step that only names a team (or
        // sets the same status) does not restart the clock.
        let steps = [
            step("2026-10-27T12:00:00Z", Some("assigned"), Some("Heerlen")),
            step(
                "2026-11-30T12:00:00Z",
                Some("assigned"),
                Some("Venlo-Beesel"),
            ),
            step("2026-12-01T12:00:00Z", None, Some("Heerlen")),
        ];
        let seen = t.add(at("2026-10-01T12:00:00Z"), &steps);
        assert_eq!(seen.waiting, Some((2, 40)));
        assert_eq!(seen.to_assign, None, "assigned before the weeks shown");
        let (_, ageing) = t.finish();
        assert_eq!(ageing[2], [0, 0, 1, 0]);
    }

    #[test]
    fn ageing_buckets_include_their_upper_bound() {
        let cases = [(0, 0), (7, 0), (8, 1), (30, 1), (31, 2), (90, 2), (91, 3)];
        for (days, bucket) in cases {
            assert_eq!(age_bucket(days), bucket, "{days} days");
        }
    }

    #[test]
    fn a_step_before_the_cluster_was_found_counts_from_found() {
        let found = at("2026-11-10T09:00:00Z");
        let steps = [step("2026-11-01T09:00:00Z", Some("triaged"), None)];
        assert_eq!(periods(found, &steps), [(found, "new"), (found, "triaged")]);
        assert_eq!(first_assigned(found, &steps), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
