//! Clusters out: listing, showing, exporting, searching, explaining,
//! triage and link decisions.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result, bail};

use fraudlink::cluster::{ClusterId, Explanation, IdentState};
use fraudlink::config::Settings;
use fraudlink::engine::{
    ClusterFilter, ClusterView, Decision, Engine, Triage, TriageChange, triage_of,
};
use fraudlink::export::{self, Format};
use fraudlink::reader::{Reader, SavedClusters};

use super::args::SearchArgs;
use super::args::{ClustersArgs, LinkWhat};
use super::read::{AccessLog, CliRead, read_saved, saved_clusters};

pub(super) fn print_cluster_table<'a>(
    triage: &dyn Fn(&ClusterId) -> Triage,
    out: &mut dyn Write,
    list: impl Iterator<Item = &'a fraudlink::engine::ClusterSummary>,
) -> Result<()> {
    writeln!(
        out,
        "{:<10} {:>6} {:>5} {:>6} {:>12} {:>6}  {:<12} top identifiers",
        "cluster", "score", "size", "units", "damage", "14d", "status"
    )?;
    for c in list {
        let top: Vec<String> = c
            .identifiers
            .iter()
            .take(3)
            .map(|i| format!("{}:{} ({})", i.kind, i.value, i.reports))
            .collect();
        writeln!(
            out,
            "{:<10} {:>6.3} {:>5} {:>6} {:>12.2} {:>6}  {:<12} {}",
            c.cluster_id.as_str(),
            c.score,
            c.size,
            c.units.len(),
            c.amount_eur_total,
            c.score_parts.figures.growth_14d,
            triage(&c.cluster_id).status,
            top.join(", ")
        )?;
    }
    Ok(())
}

pub(super) fn join_ids(ids: &[ClusterId]) -> String {
    ids.iter()
        .map(ClusterId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn print_explanation(
    a: &str,
    b: &str,
    e: &Explanation,
    ca: &Option<ClusterId>,
    cb: &Option<ClusterId>,
    log: &dyn AccessLog,
    read: &CliRead,
) -> Result<u8> {
    if !matches!(e, Explanation::Unknown) {
        // The chain names reports beyond the two asked about.
        let mut reports: Vec<&str> = vec![a, b];
        for r in e.reports() {
            if !reports.contains(&r.as_str()) {
                reports.push(r.as_str());
            }
        }
        read.log(
            log,
            "explain",
            serde_json::json!({"a": a, "b": b, "reports": reports, "clusters": [ca, cb]}),
        )?;
    }
    let mut out = io::stdout().lock();
    let describe = |c: &Option<ClusterId>| c.as_ref().map_or("-".to_owned(), ToString::to_string);
    writeln!(
        out,
        "{a} is in {}, {b} is in {}",
        describe(ca),
        describe(cb)
    )?;
    match e {
        Explanation::Linked { path } => {
            writeln!(out, "linked by a chain of {} step(s):", path.len())?;
            print_path(&mut out, path)?;
        }
        Explanation::Blocked { path, blocked } => {
            writeln!(
                out,
                "not linked: the only chains go through identifiers that do not link:"
            )?;
            for s in blocked {
                if let fraudlink::cluster::Step::Ident {
                    key,
                    reports,
                    state,
                } = s
                {
                    writeln!(
                        out,
                        "  {}:{} ({reports} reports) is {}",
                        key.kind,
                        key.value,
                        state_text(state)
                    )?;
                }
            }
            writeln!(out, "shortest such chain:")?;
            print_path(&mut out, path)?;
        }
        Explanation::NotLinked => writeln!(
            out,
            "not linked: they share no identifier, directly or through other reports"
        )?,
        Explanation::Unknown => bail!("unknown report id: {a} or {b}"),
    }
    Ok(0)
}

pub(super) fn state_text(s: &IdentState) -> String {
    match s {
        IdentState::Active => "linking".to_owned(),
        IdentState::Benign(r) => format!("benign ({r})"),
        IdentState::Suppressed(r) => format!("suppressed ({r})"),
    }
}

pub(super) fn print_path(out: &mut dyn Write, path: &[fraudlink::cluster::Step]) -> Result<()> {
    use fraudlink::cluster::Step;
    for s in path {
        match s {
            Step::Report { id } => writeln!(out, "  report {id}")?,
            Step::Ident {
                key,
                reports,
                state,
            } => writeln!(
                out,
                "    -- {}:{} ({reports} reports, {})",
                key.kind,
                key.value,
                state_text(state)
            )?,
            Step::Direct { why } => writeln!(out, "    -- direct link: {why:?}")?,
        }
    }
    Ok(())
}

/// `fraudlink clusters`: the saved clusters, filtered, as a table or JSON lines.
pub(super) fn clusters(settings: Settings, reason: Option<&str>, args: ClustersArgs) -> Result<u8> {
    let ClustersArgs {
        min_size,
        unit,
        team,
        status,
        limit,
        json,
    } = args;
    let filter = ClusterFilter {
        min_size,
        unit,
        team,
        status,
        ..ClusterFilter::default()
    };
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("clusters")?;
    let reader = Reader::open(settings)?;
    let triage = reader.store().triaged_clusters()?;
    let triage = |id: &ClusterId| triage_of(&triage, id);
    let (clusters, list) = read_saved(&reader, |clusters| {
        let mut list = Vec::new();
        if limit == 0 {
            return Ok(list);
        }
        clusters.saved.each_summary(|c| {
            if filter.keeps(&c, &triage(&c.cluster_id).status) {
                list.push(c);
            }
            Ok(list.len() < limit)
        })?;
        Ok(list)
    })?;
    // The table shows clusters and their top identifiers; the JSON
    // lines also every report of each.
    let ids: Vec<&str> = list.iter().map(|c| c.cluster_id.as_str()).collect();
    let reports = json.then(|| {
        fraudlink::access::reports_shown(
            list.iter()
                .flat_map(|c| c.report_ids.iter().map(|r| r.as_str())),
            clusters.saved.stamp().generation,
        )
    });
    read.log(
        &reader,
        "list_clusters",
        serde_json::json!({"clusters": ids, "reports": reports}),
    )?;
    let mut out = io::stdout().lock();
    if json {
        for c in &list {
            let t = triage(&c.cluster_id);
            let view = ClusterView {
                summary: c,
                status: t.status,
                assigned_team: t.assigned_team,
            };
            serde_json::to_writer(&mut out, &view)?;
            writeln!(out)?;
        }
    } else {
        print_cluster_table(&triage, &mut out, list.iter())?;
    }
    Ok(0)
}

/// `fraudlink hubs`: the identifiers the hub guard suppresses.
pub(super) fn hubs(settings: Settings, reason: Option<&str>) -> Result<u8> {
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("hubs")?;
    let reader = Reader::open(settings)?;
    let clusters = saved_clusters(&reader)?;
    let hubs = clusters.saved.suppressed();
    let shown: Vec<String> = hubs
        .iter()
        .map(|h| format!("{}:{}", h.kind, h.value))
        .collect();
    read.log(&reader, "hubs", serde_json::json!({"identifiers": shown}))?;
    let mut out = io::stdout().lock();
    for h in &hubs {
        serde_json::to_writer(&mut out, h)?;
        writeln!(out)?;
    }
    Ok(0)
}

/// `fraudlink suggestions`: weak links to review.
pub(super) fn suggestions(
    settings: Settings,
    reason: Option<&str>,
    cluster: Option<String>,
    limit: usize,
) -> Result<u8> {
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("suggestions")?;
    let reader = Reader::open(settings)?;
    let cid = match &cluster {
        Some(c) => Some(
            reader
                .resolve_cluster(c)?
                .with_context(|| format!("no cluster {c}"))?,
        ),
        None => None,
    };
    let (clusters, mut list) = read_saved(&reader, |clusters| match &cid {
        Some(cid) => match clusters.saved.cluster(cid)? {
            Some(d) => clusters.saved.suggestions_at(&d.suggestions),
            None => Ok(Vec::new()),
        },
        None => clusters.saved.suggestions(limit),
    })?;
    list.truncate(limit);
    read.log(
        &reader,
        "suggestions",
        serde_json::json!({
            "cluster": cluster,
            "suggestions": list.len(),
            "reports": fraudlink::access::reports_shown(
                fraudlink::engine::suggestion_reports(&list),
                clusters.saved.stamp().generation,
            ),
        }),
    )?;
    let mut out = io::stdout().lock();
    for s in list {
        serde_json::to_writer(&mut out, &s)?;
        writeln!(out)?;
    }
    Ok(0)
}

/// `fraudlink link confirm|reject|undo`: an analyst's decision on a link.
pub(super) fn link(settings: Settings, what: LinkWhat) -> Result<u8> {
    let (args, decision) = match what {
        LinkWhat::Confirm(a) => (a, Decision::Confirm),
        LinkWhat::Reject(a) => (a, Decision::Reject),
        LinkWhat::Undo(a) => (a, Decision::Undo),
    };
    let said = |undone: Option<String>| match (decision, undone) {
        (Decision::Confirm, _) => "confirmed".to_owned(),
        (Decision::Reject, _) => "rejected".to_owned(),
        (Decision::Undo, was) => format!("undone (was {})", was.as_deref().unwrap_or("?")),
    };
    match Engine::try_open(settings.clone())? {
        Ok(engine) => {
            let engine = engine.one_shot();
            let decided = engine.decide(&args.a, &args.b, decision, &args.by, &args.reason)?;
            println!(
                "link {} ~ {} {}; {} cluster event(s)",
                args.a,
                args.b,
                said(decided.undone),
                decided.events.len()
            );
            for e in decided.events {
                println!("  {}", serde_json::to_string(&e)?);
            }
        }
        Err(_) => {
            let reader = Reader::open(settings)?;
            let undone = reader.decide(&args.a, &args.b, decision, &args.by, &args.reason)?;
            println!(
                "link {} ~ {} {}; the running fraudlink re-clusters within seconds \
                 (`fraudlink cluster show` then shows the events)",
                args.a,
                args.b,
                said(undone)
            );
        }
    }
    Ok(0)
}

/// `fraudlink explain`: the chain of identifiers between two reports.
pub(super) fn explain(
    settings: Settings,
    reason: Option<&str>,
    a: String,
    b: String,
) -> Result<u8> {
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("explain")?;
    let reader = Reader::open(settings)?;
    let (ra, rb) = (
        fraudlink::report::ReportId::parse(&a)?,
        fraudlink::report::ReportId::parse(&b)?,
    );
    let (_, e) = read_saved(&reader, |clusters| {
        Ok(clusters.saved.graph()?.explain(&ra, &rb))
    })?;
    let mut of = reader.store().clusters_of([a.as_str(), b.as_str()])?;
    let (ca, cb) = (of.remove(&a), of.remove(&b));
    print_explanation(&a, &b, &e, &ca, &cb, &reader, &read)
}

/// `fraudlink search`: full-text search over the reports.
pub(super) fn search(settings: Settings, reason: Option<&str>, args: SearchArgs) -> Result<u8> {
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("search")?;
    let params = args.params()?;
    let query = params.query.clone();
    let reader = Reader::open(settings)?;
    let page = reader.search(&params)?;
    let ids: Vec<&str> = page.hits.iter().map(|h| h.report_id.as_str()).collect();
    read.log(
        &reader,
        "search",
        serde_json::json!({"query": query, "reports": ids}),
    )?;
    let mut out = io::stdout().lock();
    for h in &page.hits {
        serde_json::to_writer(&mut out, h)?;
        writeln!(out)?;
    }
    eprintln!("{} hit(s), showing {}", page.total, page.hits.len());
    Ok(0)
}

/// `fraudlink similar`: reports whose text reads like one report.
pub(super) fn similar(
    settings: Settings,
    reason: Option<&str>,
    id: String,
    limit: usize,
) -> Result<u8> {
    let read = |command: &str| CliRead::new(reason, command);
    let read = read("similar")?;
    let reader = Reader::open(settings)?;
    let found = reader.similar(&id, limit)?;
    let ids: Vec<&str> = found.iter().map(|s| s.report_id.as_str()).collect();
    read.log(
        &reader,
        "similar",
        serde_json::json!({"report": id, "reports": ids}),
    )?;
    let mut out = io::stdout().lock();
    for s in found {
        serde_json::to_writer(&mut out, &s)?;
        writeln!(out)?;
    }
    Ok(0)
}

/// `fraudlink triage`: sets a cluster's status, team or note.
pub(super) fn triage(
    settings: Settings,
    id: String,
    status: Option<String>,
    team: Option<String>,
    note: Option<String>,
    by: String,
) -> Result<u8> {
    let reader = Reader::open(settings)?;
    let change = TriageChange {
        status,
        assigned_team: team.map(Some),
        note,
    }
    .with_canonical_team(|t| reader.team(t))?;
    let cid = fraudlink::engine::set_triage(&mut reader.store(), &id, &change, &by)?;
    let t = triage_of(&reader.store().triaged_clusters()?, &cid);
    println!(
        "{cid}: status {}, assigned {}",
        t.status,
        t.assigned_team.as_deref().unwrap_or("-")
    );
    Ok(0)
}

/// `fraudlink export clusters`: every cluster (or one) as JSON lines or
/// CSV, streamed and logged once written.
pub(super) fn export_clusters(
    settings: Settings,
    reason: Option<&str>,
    format: Format,
    cluster: Option<String>,
) -> Result<u8> {
    let read = CliRead::batch(reason, "export clusters");
    let reader = Reader::open(settings)?;
    let clusters = saved_clusters(&reader)?;
    let source = SavedClusters::new(&reader, &clusters.saved, cluster.as_deref())?;
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let (exported, written) = export::write_noted(&source, format, &mut out);
    let written = written.and_then(|()| Ok(out.flush()?));
    // Logged once written: an export streams, and at a million reports it
    // is too large to hold first. Also when it failed part of the way
    // (a closed pipe, a damaged file): what went out is named.
    let action = if cluster.is_some() {
        "export_cluster"
    } else {
        "export_clusters"
    };
    let targets = serde_json::json!({
        "cluster": cluster,
        "format": format!("{format:?}").to_lowercase(),
        "clusters": exported.clusters,
        "reports": exported.reports,
    });
    match written {
        Ok(()) => read.log(&reader, action, targets)?,
        Err(e) => {
            read.log_outcome(&reader, action, targets, "incomplete")?;
            // Part of it is out already: the next run reads the clusters
            // rebuilt.
            if e.downcast_ref::<fraudlink::saved::Damaged>().is_some() {
                reader.discard_saved()?;
                return Err(e.context(
                    "the export is incomplete; the damaged file was removed and the next \
                     run reads the clusters rebuilt from the store",
                ));
            }
            return Err(e);
        }
    }
    Ok(0)
}
