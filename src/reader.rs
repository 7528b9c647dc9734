//! The commands that read or administer, beside a running service.
//!
//! One process owns the data directory at a time (an [`Engine`]: `serve`,
//! `ingest`, `reindex`, ...): it alone writes the search index and
//! re-clusters. The commands that read or administer (`clusters`,
//! `cluster show`, `export`, `hubs`, `suggestions`, `check`, `search`, `similar`,
//! `token`, `audit`, `alerts`, `triage`, and `purge` and `link` beside a
//! service) open it through a [`Reader`] instead, next to that process
//! and to each other:
//!
//! - the clusters come from the state the owner saved at its last
//!   re-cluster (`saved`), never rebuilt to answer;
//! - searches read the search index's last commit, without its writer;
//! - writes (tokens, triage, link decisions, purges) are small SQLite
//!   transactions (WAL lets them go next to the owner's). Each moves one
//!   of the store's change counters ([`Revisions`]), which a running
//!   service watches: it re-clusters, reloads its tokens or its triage.
//!
//! When the saved clusters are behind the store (an ingest acknowledged
//! by a service that was stopped before it re-clustered, a decision made
//! while none ran) or missing (a new or restored store) and no process
//! owns the directory, the reader opens it as the owner once, which
//! rebuilds and saves them; beside an owner it shows the saved ones and
//! says that they are behind.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cluster::ClusterId;
use crate::config::Settings;
use crate::engine::{
    ClusterDetail, ClusterSummary, Decision, Engine, EngineResult, INDEX_DIR, PurgeSummary,
    SearchPage, SearchParams, SimilarReport, Triage, finish_purge, link_endpoints, purge_store,
    record_decision, search_in, similar_reports, triage_in, triage_of, truncate_wal,
};
use crate::export::Source;
use crate::extract::Extractor;
use crate::index::{SearchError, SearchIndex};
use crate::report::ReportId;
use crate::saved::Saved;
use crate::store::{ClusterRecord, Retention, Revisions, Store};

/// The store opened beside the process that owns the data directory.
pub struct Reader {
    settings: Settings,
    /// One connection of this process; behind a lock so that a command
    /// can write its access-log row while it holds what it read.
    store: Mutex<Store>,
    _hold: crate::datadir::Hold,
}

/// How long a command beside a running owner waits for it to save its
/// clusters when there are none (a few seconds at a million reports).
const OWNER_SAVES_WITHIN: Duration = Duration::from_secs(60);

/// The saved clusters with how they stand to the store.
pub struct Clusters {
    /// The saved state.
    pub saved: Saved,
    /// A note for the user when they are behind the store (shown beside a
    /// running owner, which re-clusters shortly).
    pub behind: Option<String>,
}

impl Reader {
    /// Opens the store in the settings' data directory beside whatever
    /// else has it open (fails only during a `restore`).
    pub fn open(settings: Settings) -> Result<Reader> {
        let hold = crate::datadir::share(&settings.data_dir)?;
        let store = Store::open(&settings.data_dir)?;
        crate::datadir::fix_data_dir(&settings.data_dir)?;
        Ok(Reader {
            settings,
            store: Mutex::new(store),
            _hold: hold,
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store (one connection of this process), to read or write.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the data directory as its owner when nobody else does, for
    /// the length of `f`: `None` when another process owns it.
    fn as_owner<T>(&self, f: impl FnOnce(&Engine) -> Result<T>) -> Result<Option<T>> {
        match Engine::try_open(self.settings.clone())? {
            Ok(engine) => Ok(Some(f(&engine.one_shot())?)),
            Err(_) => Ok(None),
        }
    }

    /// The clusters as the owner saved them at its last re-cluster. The
    /// saved file is only a cache of the store: when it is missing,
    /// damaged or behind the store and no process owns the data
    /// directory, the clusters are rebuilt from the store (once, by
    /// opening it as its owner, which saves them again). Beside an owner,
    /// clusters that are behind are shown with a note (it re-clusters
    /// shortly); a missing or damaged file is removed and the owner, which
    /// watches for that, saves its clusters again, which this waits for.
    pub fn clusters(&self) -> Result<Clusters> {
        let now = self.store().revisions()?;
        if let Some(saved) = Saved::open(&self.settings.data_dir)? {
            if is_current(&saved, now) {
                return Ok(Clusters {
                    saved,
                    behind: None,
                });
            }
            if self.as_owner(|_| Ok(()))?.is_none() {
                let stamp = *saved.stamp();
                return Ok(Clusters {
                    saved,
                    behind: Some(format!(
                        "these clusters are from the re-cluster saved at {} ({} reports); the store \
                         has changed since and the fraudlink process that holds the data directory \
                         (serve) re-clusters it shortly",
                        crate::engine::rfc3339(stamp.saved_at),
                        stamp.reports
                    )),
                });
            }
            return self.saved_after_rebuild();
        }
        // Missing, or not whole (a crash while it was renamed, a full
        // disk, another build's format): never an answer.
        self.discard_saved()?;
        if self.as_owner(|_| Ok(()))?.is_some() {
            return self.saved_after_rebuild();
        }
        let deadline = Instant::now() + OWNER_SAVES_WITHIN;
        loop {
            if let Some(saved) = Saved::open(&self.settings.data_dir)? {
                let behind = (!is_current(&saved, self.store().revisions()?)).then(|| {
                    "these clusters were saved before the store's last change; the fraudlink \
                     process that holds the data directory (serve) re-clusters it shortly"
                        .to_owned()
                });
                return Ok(Clusters { saved, behind });
            }
            if Instant::now() >= deadline {
                bail!(
                    "no clusters are saved in {} and the fraudlink process that holds it (serve, \
                     ingest) has not saved them within {} s; try again when it has clustered the \
                     store",
                    self.settings.data_dir.display(),
                    OWNER_SAVES_WITHIN.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The saved clusters when they are the store's as it stands and were
    /// built with the linking and priority settings in use, so that a
    /// check answers from them what it would from clusters rebuilt now
    /// (see [`crate::saved::check_fingerprint`]); `None` otherwise
    /// (nothing is rebuilt here).
    pub fn saved_for_check(&self) -> Result<Option<Saved>> {
        let now = self.store().revisions()?;
        let settings = crate::saved::check_fingerprint(&self.settings);
        Ok(Saved::open(&self.settings.data_dir)?
            .filter(|saved| is_current(saved, now) && saved.stamp().check_settings == settings))
    }

    /// A cluster's triage as the store has it now.
    pub fn triage(&self, id: &ClusterId) -> Result<Triage> {
        Ok(triage_in(self.store().triaged_cluster(id)?.as_ref()))
    }

    /// Removes the saved clusters (missing, not whole or damaged), so that
    /// the next owner to look, or this command as one, saves them again
    /// from the store.
    pub fn discard_saved(&self) -> Result<()> {
        crate::saved::remove(&self.settings.data_dir)
    }

    /// The saved clusters just written by opening the directory as owner.
    fn saved_after_rebuild(&self) -> Result<Clusters> {
        match Saved::open(&self.settings.data_dir)? {
            Some(saved) => Ok(Clusters {
                saved,
                behind: None,
            }),
            None => bail!(
                "the clusters of {} could not be saved (see the warning above)",
                self.settings.data_dir.display()
            ),
        }
    }

    /// The search index, read-only; brought up to the store first (by
    /// opening the data directory as its owner) when it is missing or
    /// behind and no process owns the directory.
    fn index(&self) -> Result<SearchIndex> {
        let dir = self.settings.data_dir.join(INDEX_DIR);
        let generation = self.store().generation()?;
        let index = SearchIndex::open_read_only(&dir)?;
        let behind = index
            .as_ref()
            .is_none_or(|i| i.generation().is_none_or(|g| g < generation));
        if behind && self.as_owner(|_| Ok(()))?.is_some() {
            return SearchIndex::open_read_only(&dir)?
                .with_context(|| format!("the search index in {} was not rebuilt", dir.display()));
        }
        index.with_context(|| {
            format!(
                "the search index in {} is being rebuilt by the fraudlink process that holds the \
                 data directory; try again in a moment",
                dir.display()
            )
        })
    }

    /// Full-text search (see [`Engine::search`]); the hits' clusters are
    /// those of the last re-cluster. Reports purged since the index's last
    /// commit (the owner takes them out within a second) are not shown.
    pub fn search(&self, p: &SearchParams) -> Result<SearchPage, SearchError> {
        crate::index::check_query(&p.query)?;
        let index = self.index().map_err(SearchError::Index)?;
        let extractor = Extractor::new(
            self.settings.region().map_err(SearchError::Index)?,
            self.settings.load_allowlist().map_err(SearchError::Index)?,
        );
        let mut page = search_in(
            &extractor,
            &index,
            p,
            &|c| {
                let store = self.store();
                match store.resolve_cluster(c)? {
                    Some(cid) => Ok(Some(store.cluster_members(&cid)?)),
                    None => Ok(None),
                }
            },
            &|ids| {
                let found = self.store().clusters_of(ids.iter().map(String::as_str))?;
                Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
            },
        )?;
        let gone = self.purged_since(&index).map_err(SearchError::Index)?;
        if !gone.is_empty() {
            let before = page.hits.len();
            page.hits.retain(|h| !gone.contains(h.report_id.as_str()));
            page.total = page.total.saturating_sub(before - page.hits.len());
        }
        Ok(page)
    }

    /// The reports purged after the index's last commit.
    fn purged_since(&self, index: &SearchIndex) -> Result<std::collections::HashSet<String>> {
        let (ids, _) = self.store().purged_since(index.purged_through())?;
        Ok(ids.into_iter().collect())
    }

    /// Reports whose statements read most alike, outside the report's own
    /// cluster (see [`Engine::similar`]).
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<SimilarReport>> {
        let rid = ReportId::parse(id)?;
        let index = self.index()?;
        let mut own: std::collections::HashSet<String> = {
            let store = self.store();
            match store.clusters_of([rid.as_str()])?.remove(rid.as_str()) {
                Some(c) => store.cluster_members(&c)?.into_iter().collect(),
                None => Default::default(),
            }
        };
        own.extend(self.purged_since(&index)?);
        let found = index.similar(id, limit, &own)?;
        let clusters = self
            .store()
            .clusters_of(found.iter().map(|(r, _)| r.as_str()))?;
        let clusters = found
            .iter()
            .map(|(r, _)| clusters.get(r).cloned())
            .collect();
        Ok(similar_reports(found, clusters))
    }

    /// The one spelling of a team a person names (see [`Engine::team`]),
    /// with the teams of the saved clusters (or of the store, when there
    /// are none).
    pub fn team(&self, given: &str) -> Result<String> {
        let teams = self.settings.load_teams()?;
        let filed = match Saved::open(&self.settings.data_dir)? {
            Some(saved) => saved.team_names(),
            None => self.store().team_counts()?,
        };
        Ok(teams.canonical(given, filed.iter().map(|(t, n)| (t.as_str(), *n)))?)
    }

    /// Appends to the access log a read by a reader without a token (see
    /// [`Store::log_access_by`]): a row of the command line.
    pub fn log_access_by(&self, row: &crate::access::Access<'_>) -> Result<()> {
        self.store().log_access_by(row)
    }

    /// Resolves an id or alias to the live cluster.
    pub fn resolve_cluster(&self, id: &str) -> Result<Option<ClusterId>> {
        self.store().resolve_cluster(id)
    }

    /// Records a link decision (see [`Engine::decide`]); the process
    /// that owns the data directory re-clusters when it sees it. For an
    /// undo, returns the decision taken back.
    pub fn decide(
        &self,
        a: &str,
        b: &str,
        decision: Decision,
        actor: &str,
        reason: &str,
    ) -> EngineResult<Option<String>> {
        let region = self.settings.region()?;
        let (a, b) = link_endpoints(a, b, region)?;
        record_decision(&mut self.store(), (&a, &b), decision, actor, reason)
    }

    /// Applies the retention periods (see [`Engine::purge`]) to the store
    /// and the data directory's files; the process that owns the data
    /// directory takes the purged reports out of its search index and its
    /// clusters when it sees the purge ledger move.
    pub fn purge(&self, retention: Retention, actor: &str) -> Result<PurgeSummary> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut store = self.store();
        let mut summary = purge_store(&mut store, &self.settings.data_dir, retention, now)?;
        finish_purge(&mut store, retention, now, actor, &mut summary)?;
        summary.wal_truncated = truncate_wal(|| store.truncate_wal())?;
        Ok(summary)
    }
}

/// The saved clusters as an export reads them (all, or one), with the
/// triage of the store.
pub struct SavedClusters<'a> {
    saved: &'a Saved,
    triage: HashMap<ClusterId, ClusterRecord>,
    only: Option<ClusterId>,
}

impl<'a> SavedClusters<'a> {
    /// All clusters of `saved`, or the one `only` names (an alias names
    /// the cluster it was merged into).
    pub fn new(reader: &Reader, saved: &'a Saved, only: Option<&str>) -> Result<SavedClusters<'a>> {
        let only = match only {
            Some(id) => match reader.resolve_cluster(id)? {
                Some(cid) => Some(cid),
                None => bail!("no cluster {id}"),
            },
            None => None,
        };
        Ok(SavedClusters {
            saved,
            triage: reader.store().triaged_clusters()?,
            only,
        })
    }
}

impl Source for SavedClusters<'_> {
    fn each_summary(&self, f: &mut dyn FnMut(&ClusterSummary) -> Result<bool>) -> Result<()> {
        match &self.only {
            Some(id) => {
                if let Some(d) = self.saved.cluster(id)? {
                    f(&d.summary)?;
                }
                Ok(())
            }
            None => self.saved.each_summary(|c| f(&c)),
        }
    }

    fn each_detail(&self, f: &mut dyn FnMut(&ClusterDetail) -> Result<bool>) -> Result<()> {
        match &self.only {
            Some(id) => {
                if let Some(d) = self.saved.cluster(id)? {
                    f(&d)?;
                }
                Ok(())
            }
            None => self.saved.each_detail(|d| f(&d)),
        }
    }

    fn triage(&self, id: &ClusterId) -> Triage {
        triage_of(&self.triage, id)
    }

    fn generation(&self) -> i64 {
        self.saved.stamp().generation
    }
}

/// Whether saved clusters reflect the store as it is.
fn is_current(saved: &Saved, now: Revisions) -> bool {
    saved.stamp().revisions.derived == now.derived
}
