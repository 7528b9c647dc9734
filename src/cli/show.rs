//! `fraudlink cluster show`: one cluster with its identifiers, timeline,
//! reports, the reports written since the clusters were saved that name
//! its identifiers, suggestions and events, as text or JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use anyhow::{Result, bail};

use fraudlink::cluster::IdentState;
use fraudlink::engine::{
    ClusterDetail, ClusterView, OpenSuggestion, PENDING_SHOWN, PendingIn, PendingMember, Triage,
    triage_of,
};
use fraudlink::reader::Reader;

use super::clusters::join_ids;
use super::read::{CliRead, read_saved};

pub(super) fn cluster_show(reader: &Reader, id: &str, json: bool, read: &CliRead) -> Result<u8> {
    let Some(cid) = reader.resolve_cluster(id)? else {
        bail!("no cluster {id}");
    };
    let (clusters, found) = read_saved(reader, |clusters| {
        let Some(detail) = clusters.saved.cluster(&cid)? else {
            return Ok(None);
        };
        let suggestions = clusters.saved.suggestions_at(&detail.suggestions)?;
        Ok(Some((detail, suggestions)))
    })?;
    let Some((detail, suggestions)) = found else {
        bail!("cluster {id} has no reports any more");
    };
    let generation = clusters.saved.stamp().generation;
    // One store guard at a time: a guard lives to the end of its statement.
    let events = reader.store().cluster_events(&cid)?;
    let triage = triage_of(&reader.store().triaged_clusters()?, &cid);
    // The reports written since the clusters were saved that name its
    // identifiers: linked at the next re-cluster, listed now (as the
    // cluster's page and the API list the ones pushed to a server).
    let mut waiting = PendingIn::new(&detail.summary, PENDING_SHOWN);
    reader
        .store()
        .linking_since(generation, |report, ident| waiting.add(report, ident))?;
    let (pending, pending_total) = waiting.finish();
    let shown = Shown {
        events,
        triage,
        pending,
        pending_total,
        timeline: weekly(&detail),
        asked_for: id,
        detail,
        suggestions,
    };
    let c = &shown.detail.summary;
    read.log(
        reader,
        "read_cluster",
        serde_json::json!({
            "cluster": cid,
            "reports": fraudlink::access::reports_shown(c.report_ids.iter().map(|r| r.as_str()), generation),
            "pending_reports": fraudlink::access::reports_shown(shown.pending.iter().map(|p| p.report_id.as_str()), generation),
            "suggested_reports": fraudlink::access::reports_shown(
                fraudlink::engine::suggestion_reports(&shown.suggestions),
                generation,
            ),
        }),
    )?;
    let mut out = io::stdout().lock();
    if json {
        write_cluster_json(&mut out, &shown)?;
    } else {
        write_cluster_text(&mut out, &shown)?;
    }
    Ok(0)
}

/// What `fraudlink cluster show` shows of a cluster.
struct Shown<'a> {
    /// The id as typed (an older id of a merged cluster).
    asked_for: &'a str,
    detail: ClusterDetail,
    suggestions: Vec<OpenSuggestion>,
    events: Vec<(i64, String, String, serde_json::Value)>,
    triage: Triage,
    /// Reports written since the clusters were saved that name one of
    /// its linking identifiers (the first [`PENDING_SHOWN`]), and how many.
    pending: Vec<PendingMember>,
    pending_total: usize,
    /// Reports per ISO week (`2026-W07`).
    timeline: BTreeMap<String, usize>,
}

/// Reports per ISO week of their filing.
fn weekly(detail: &ClusterDetail) -> BTreeMap<String, usize> {
    let mut timeline = BTreeMap::new();
    for row in detail.rows.iter().flatten() {
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(row.filed_at) {
            let (y, w, _) = t.to_iso_week_date();
            *timeline.entry(format!("{y}-W{w:02}")).or_default() += 1;
        }
    }
    timeline
}

/// `cluster show --json`: one pretty-printed object.
fn write_cluster_json(out: &mut impl Write, s: &Shown<'_>) -> Result<()> {
    let idents: Vec<serde_json::Value> = s
        .detail
        .identifiers
        .iter()
        .map(|(i, st, total)| serde_json::json!({"type": i.kind, "value": i.value, "reports": i.reports, "reports_total": total, "state": st}))
        .collect();
    let events: Vec<serde_json::Value> = s
        .events
        .iter()
        .map(|(at, kind, cause, detail)| serde_json::json!({"at": at, "kind": kind, "cause": cause, "detail": detail}))
        .collect();
    let view = ClusterView {
        summary: &s.detail.summary,
        status: s.triage.status.clone(),
        assigned_team: s.triage.assigned_team.clone(),
    };
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({"cluster": view, "notes": s.triage.notes, "identifiers": idents, "timeline": s.timeline, "events": events, "suggestions": s.suggestions, "pending": s.pending, "pending_total": s.pending_total, "asked_for": s.asked_for}),
    )?;
    writeln!(out)?;
    Ok(())
}

/// `cluster show`: the summary, then identifiers, timeline, reports,
/// suggestions and events, each a section.
fn write_cluster_text(out: &mut impl Write, s: &Shown<'_>) -> Result<()> {
    write_summary(out, s)?;
    writeln!(out, "identifiers:")?;
    for (i, st, total) in &s.detail.identifiers {
        let flag = match st {
            IdentState::Active => "links".to_owned(),
            IdentState::Benign(r) => format!("benign: {r}"),
            IdentState::Suppressed(r) => format!("suppressed: {r}"),
        };
        writeln!(
            out,
            "  {:<7} {:<45} {:>4} here / {:>5} total  {flag}",
            i.kind.as_str(),
            i.value,
            i.reports,
            total
        )?;
    }
    writeln!(out, "timeline (reports per ISO week):")?;
    for (w, n) in &s.timeline {
        writeln!(out, "  {w} {}", "#".repeat((*n).min(60)))?;
    }
    writeln!(out, "reports:")?;
    let c = &s.detail.summary;
    for (r, row) in c.report_ids.iter().zip(&s.detail.rows) {
        if let Some(row) = row {
            writeln!(
                out,
                "  {}  {}  {} / {}  {}",
                r,
                fraudlink::engine::rfc3339(row.filed_at),
                row.unit,
                row.team,
                row.fraud_type.as_deref().unwrap_or("-")
            )?;
        }
    }
    if s.pending_total > 0 {
        writeln!(
            out,
            "written since the clusters were built, naming its identifiers ({}; linked at the next re-cluster):",
            s.pending_total
        )?;
        for p in &s.pending {
            let via: Vec<String> = p
                .via
                .iter()
                .map(|v| format!("{}:{}", v.kind.as_str(), v.value))
                .collect();
            writeln!(out, "  {}  via {}", p.report_id, via.join(", "))?;
        }
        if s.pending_total > s.pending.len() {
            writeln!(out, "  ... and {} more", s.pending_total - s.pending.len())?;
        }
    }
    if !s.suggestions.is_empty() {
        writeln!(
            out,
            "suggested links (confirm or reject with `fraudlink link`):"
        )?;
        for o in &s.suggestions {
            writeln!(
                out,
                "  {:.2} {}  ({}:{} ~ {}:{}; clusters {} ~ {})",
                o.suggestion.score,
                o.suggestion.why(),
                o.suggestion.a.kind,
                o.suggestion.a.value,
                o.suggestion.b.kind,
                o.suggestion.b.value,
                join_ids(&o.a_clusters),
                join_ids(&o.b_clusters)
            )?;
        }
    }
    writeln!(out, "events:")?;
    for (at, kind, cause, detail) in &s.events {
        writeln!(
            out,
            "  {}  {kind}  ({cause})  {detail}",
            fraudlink::engine::rfc3339(*at)
        )?;
    }
    Ok(())
}

/// The head of `cluster show`: id, score, triage, size, reach and the
/// score's parts.
fn write_summary(out: &mut impl Write, s: &Shown<'_>) -> Result<()> {
    let c = &s.detail.summary;
    let triage = &s.triage;
    if c.cluster_id.as_str() != s.asked_for {
        writeln!(out, "{} was merged into {}", s.asked_for, c.cluster_id)?;
    }
    writeln!(
        out,
        "cluster {}  score {:.3}  status {}  assigned {}",
        c.cluster_id,
        c.score,
        triage.status,
        triage.assigned_team.as_deref().unwrap_or("-")
    )?;
    if !triage.notes.is_empty() {
        writeln!(out, "notes: {}", triage.notes.replace('\n', " | "))?;
    }
    writeln!(
        out,
        "reports {}  victims {}  damage EUR {:.2}  filed {} .. {}",
        c.size,
        c.score_parts.figures.victims,
        c.amount_eur_total,
        fraudlink::engine::rfc3339(c.first_filed_at),
        fraudlink::engine::rfc3339(c.last_filed_at)
    )?;
    writeln!(out, "units ({}): {}", c.units.len(), c.units.join(", "))?;
    writeln!(out, "teams ({}): {}", c.teams.len(), c.teams.join(", "))?;
    let p = &c.score_parts;
    writeln!(
        out,
        "score parts: reports {:.3}, victims {:.3}, units {:.3}, teams {:.3}, damage {:.3}, growth {:.3} (14d {}, 30d {}), recency {:.3}, actionable {:.3} (NL IBAN {}, NL phone {}, .nl domain {})",
        p.reports,
        p.victims,
        p.units,
        p.teams,
        p.damage,
        p.growth,
        p.figures.growth_14d,
        p.figures.growth_30d,
        p.recency,
        p.actionable,
        p.figures.dutch_iban,
        p.figures.dutch_phone,
        p.figures.nl_domain
    )?;
    Ok(())
}
