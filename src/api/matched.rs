//! The clusters each token's own checks matched, so that an intake officer
//! sees the summary of a cluster that their check found (the answer they
//! give the victim), and of no other: in the API and the UI alike, since
//! a UI session is its token's too. Kept in memory for a working day
//! ([`KEEP`]), at most [`PER_TOKEN`] clusters per token; a restart
//! forgets them, and a new check brings them back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cluster::ClusterId;

/// How long a check's matches open their summaries: a working day, as
/// long as a UI session lives.
pub const KEEP: Duration = Duration::from_secs(8 * 3600);

/// At most this many matched clusters are kept per token (the oldest go).
pub const PER_TOKEN: usize = 256;

/// Per token id, the clusters its checks matched and when.
#[derive(Debug, Default)]
pub struct Matched {
    map: Mutex<HashMap<i64, Vec<(ClusterId, Instant)>>>,
}

impl Matched {
    /// Records that a check by `token` matched `clusters`.
    pub fn record<'a>(&self, token: i64, clusters: impl IntoIterator<Item = &'a ClusterId>) {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Tokens whose matches have all expired leave the map, so it holds
        // only the tokens that checked in the last working day.
        map.retain(|_, seen| {
            seen.retain(|(_, at)| at.elapsed() < KEEP);
            !seen.is_empty()
        });
        let seen = map.entry(token).or_default();
        for c in clusters {
            seen.retain(|(s, _)| s != c);
            seen.push((c.clone(), now));
        }
        let over = seen.len().saturating_sub(PER_TOKEN);
        seen.drain(..over);
    }

    /// True when a check by `token` matched the cluster `id` (as the check
    /// answered it) within [`KEEP`].
    pub fn contains(&self, token: i64, id: &str) -> bool {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&token).is_some_and(|seen| {
            seen.iter()
                .any(|(c, at)| c.as_str() == id && at.elapsed() < KEEP)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClusterId {
        ClusterId::new(s)
    }

    #[test]
    fn a_token_sees_only_what_its_own_checks_matched() {
        let m = Matched::default();
        m.record(1, [&id("C-000001"), &id("C-000002")]);
        assert!(m.contains(1, "C-000001") && m.contains(1, "C-000002"));
        assert!(!m.contains(1, "C-000003"));
        assert!(!m.contains(2, "C-000001"), "another token's check");
    }

    #[test]
    fn only_the_latest_matches_are_kept_per_token() {
        let m = Matched::default();
        let ids: Vec<ClusterId> = (0..PER_TOKEN + 10)
            .map(|i| id(&format!("C-{i:06x}")))
            .collect();
        m.record(1, &ids);
        assert!(!m.contains(1, ids[0].as_str()));
        assert!(m.contains(1, ids[PER_TOKEN + 9].as_str()));
        // Matching again makes a cluster the newest.
        m.record(1, [&ids[10]]);
        m.record(1, &ids[PER_TOKEN..]);
        assert!(m.contains(1, ids[10].as_str()));
    }
}
