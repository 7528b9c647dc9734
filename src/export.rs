//! Cluster exports: NDJSON (docs/formats.md section 3), CSV (one row per
//! report), and the graph of reports and identifiers as GEXF (Gephi) or
//! GraphML (i2, yEd, Gephi).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Result, bail};

use crate::cluster::{ClusterId, IdentState};
use crate::engine::{ClusterDetail, ClusterSummary, ClusterView, Engine, State, Triage};

/// Export formats (`export clusters --format`, `GET /api/v1/export?format=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One cluster per line.
    Ndjson,
    /// One report per row with its cluster.
    Csv,
    /// A graph of reports and identifiers for Gephi.
    Gexf,
    /// The same graph as GraphML (i2, yEd, Gephi).
    Graphml,
}

/// What an export holds, for the access log: how many clusters and the
/// reports in them (see [`crate::access::reports_shown`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// Clusters written.
    pub clusters: usize,
    /// Their reports, as the access log names them.
    pub reports: serde_json::Value,
}

/// Where an export reads the clusters: the engine's state in memory (the
/// API and the UI), or the state saved on disk (the command line).
pub trait Source {
    /// Calls `f` with each selected cluster's summary, in rank order,
    /// until it returns false.
    fn each_summary(&self, f: &mut dyn FnMut(&ClusterSummary) -> Result<bool>) -> Result<()>;
    /// Calls `f` with each selected cluster in full, in rank order, until
    /// it returns false.
    fn each_detail(&self, f: &mut dyn FnMut(&ClusterDetail) -> Result<bool>) -> Result<()>;
    /// A cluster's triage fields.
    fn triage(&self, id: &ClusterId) -> Triage;
    /// The store generation the clusters were built from (for the access
    /// log's snapshot of a long list of reports).
    fn generation(&self) -> i64;
}

/// An engine's clusters: all, or one.
struct InMemory<'a> {
    engine: &'a Engine,
    state: Arc<State>,
    only: Option<ClusterId>,
}

impl InMemory<'_> {
    fn selected(&self) -> Box<dyn Iterator<Item = &ClusterSummary> + '_> {
        match &self.only {
            Some(id) => Box::new(self.state.cluster(id).into_iter()),
            None => Box::new(self.state.clusters().iter()),
        }
    }
}

impl Source for InMemory<'_> {
    fn each_summary(&self, f: &mut dyn FnMut(&ClusterSummary) -> Result<bool>) -> Result<()> {
        for c in self.selected() {
            if !f(c)? {
                break;
            }
        }
        Ok(())
    }

    fn each_detail(&self, f: &mut dyn FnMut(&ClusterDetail) -> Result<bool>) -> Result<()> {
        for c in self.selected() {
            if !f(&self.state.detail(c))? {
                break;
            }
        }
        Ok(())
    }

    fn triage(&self, id: &ClusterId) -> Triage {
        self.engine.triage(id)
    }

    fn generation(&self) -> i64 {
        self.state.generation()
    }
}

/// Writes all of an engine's clusters, or the one named, in `format`;
/// returns what it wrote (from the same state), for the access log.
pub fn clusters(
    engine: &Engine,
    format: Format,
    only: Option<&str>,
    out: &mut dyn Write,
) -> Result<Exported> {
    let only = match only {
        Some(id) => match engine.resolve_cluster(id)? {
            Some(cid) => Some(cid),
            None => bail!("no cluster {id}"),
        },
        None => None,
    };
    let source = InMemory {
        engine,
        state: engine.state(),
        only,
    };
    write(&source, format, out)
}

/// Writes the clusters of `source` in `format`; returns what it wrote,
/// for the access log.
pub fn write(source: &dyn Source, format: Format, out: &mut dyn Write) -> Result<Exported> {
    let (exported, written) = write_noted(source, format, out);
    written.map(|()| exported)
}

/// [`write`], saying what it wrote also when it fails part of the way
/// (a broken pipe, a damaged saved file): each cluster is noted before it
/// is written, so what is noted covers what went out.
pub fn write_noted(
    source: &dyn Source,
    format: Format,
    out: &mut dyn Write,
) -> (Exported, Result<()>) {
    // The reports shown are noted as they are written: an export of every
    // cluster is too large to hold first.
    let mut clusters = 0;
    let mut shown = crate::access::Shown::default();
    let mut note = |c: &ClusterSummary| {
        clusters += 1;
        for r in &c.report_ids {
            shown.push(r.as_str());
        }
    };
    let written = (|| -> Result<()> {
        match format {
            Format::Ndjson => source.each_summary(&mut |c| {
                note(c);
                ndjson_line(c, source.triage(&c.cluster_id), out)?;
                Ok(true)
            })?,
            Format::Csv => {
                writeln!(
                    out,
                    "cluster_id,cluster_size,cluster_score,report_id,filed_at,unit,team,fraud_type,amount_eur"
                )?;
                source.each_detail(&mut |d| {
                    let c = &d.summary;
                    note(c);
                    for (r, row) in c.report_ids.iter().zip(&d.rows) {
                        let Some(row) = row else { continue };
                        writeln!(
                            out,
                            "{},{},{},{},{},{},{},{},{}",
                            csv(c.cluster_id.as_str()),
                            c.size,
                            c.score,
                            csv(r.as_str()),
                            crate::engine::rfc3339(row.filed_at),
                            csv(&row.unit),
                            csv(&row.team),
                            csv(row.fraud_type.as_deref().unwrap_or("")),
                            row.amount_eur.map(|a| a.to_string()).unwrap_or_default()
                        )?;
                    }
                    Ok(true)
                })?;
            }
            Format::Gexf | Format::Graphml => graph(source, format, out, &mut note)?,
        }
        Ok(())
    })();
    let exported = Exported {
        clusters,
        reports: shown.finish(source.generation()),
    };
    (exported, written)
}

/// Writes one cluster as a line of the NDJSON export (docs/formats.md
/// section 3), with its triage fields.
pub fn ndjson_line(c: &ClusterSummary, t: Triage, out: &mut dyn Write) -> Result<()> {
    let view = ClusterView {
        summary: c,
        status: t.status,
        assigned_team: t.assigned_team,
    };
    serde_json::to_writer(&mut *out, &view)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn graph(
    source: &dyn Source,
    format: Format,
    out: &mut dyn Write,
    note: &mut dyn FnMut(&ClusterSummary),
) -> Result<()> {
    let mut nodes: Vec<(String, String, &'static str, String)> = Vec::new(); // id, label, kind, cluster
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut seen_idents = std::collections::HashSet::new();
    source.each_detail(&mut |d| {
        let c = &d.summary;
        note(c);
        for (r, row) in c.report_ids.iter().zip(&d.rows) {
            nodes.push((
                format!("r:{r}"),
                format!("{r} ({})", row.as_ref().map_or("", |x| &*x.unit)),
                "report",
                c.cluster_id.to_string(),
            ));
        }
        let node_id = |i: &crate::engine::ClusterIdent| format!("i:{}:{}", i.kind, i.value);
        for (i, s, _) in &d.identifiers {
            if !matches!(s, IdentState::Active) {
                continue;
            }
            let nid = node_id(i);
            if seen_idents.insert(nid.clone()) {
                nodes.push((
                    nid,
                    i.value.to_string(),
                    i.kind.as_str(),
                    c.cluster_id.to_string(),
                ));
            }
        }
        for &(r, i) in &d.links {
            let (Some(r), Some((i, s, _))) =
                (c.report_ids.get(r as usize), d.identifiers.get(i as usize))
            else {
                continue;
            };
            if matches!(s, IdentState::Active) {
                edges.push((format!("r:{r}"), node_id(i)));
            }
        }
        Ok(true)
    })?;
    match format {
        Format::Gexf => {
            writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
            writeln!(
                out,
                r#"<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph defaultedgetype="undirected">"#
            )?;
            writeln!(
                out,
                r#"<attributes class="node"><attribute id="0" title="kind" type="string"/><attribute id="1" title="cluster" type="string"/></attributes>"#
            )?;
            writeln!(out, "<nodes>")?;
            for (id, label, kind, cluster) in &nodes {
                writeln!(
                    out,
                    r#"<node id="{}" label="{}"><attvalues><attvalue for="0" value="{kind}"/><attvalue for="1" value="{}"/></attvalues></node>"#,
                    xml(id),
                    xml(label),
                    xml(cluster)
                )?;
            }
            writeln!(out, "</nodes><edges>")?;
            for (n, (a, b)) in edges.iter().enumerate() {
                writeln!(
                    out,
                    r#"<edge id="{n}" source="{}" target="{}"/>"#,
                    xml(a),
                    xml(b)
                )?;
            }
            writeln!(out, "</edges></graph></gexf>")?;
        }
        _ => {
            writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
            writeln!(
                out,
                r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#
            )?;
            writeln!(
                out,
                r#"<key id="label" for="node" attr.name="label" attr.type="string"/>"#
            )?;
            writeln!(
                out,
                r#"<key id="kind" for="node" attr.name="kind" attr.type="string"/>"#
            )?;
            writeln!(
                out,
                r#"<key id="cluster" for="node" attr.name="cluster" attr.type="string"/>"#
            )?;
            writeln!(out, r#"<graph id="fraudlink" edgedefault="undirected">"#)?;
            for (id, label, kind, cluster) in &nodes {
                writeln!(
                    out,
                    r#"<node id="{}"><data key="label">{}</data><data key="kind">{kind}</data><data key="cluster">{}</data></node>"#,
                    xml(id),
                    xml(label),
                    xml(cluster)
                )?;
            }
            for (a, b) in &edges {
                writeln!(out, r#"<edge source="{}" target="{}"/>"#, xml(a), xml(b))?;
            }
            writeln!(out, "</graph></graphml>")?;
        }
    }
    Ok(())
}

/// A text cell of the CSV export, safe to open in a spreadsheet.
///
/// Report ids, units, teams and fraud types come from the intake systems,
/// so a cell could hold a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`)
/// that Excel, LibreOffice or Google Sheets would run when an analyst
/// opens the case file. As OWASP's "CSV Injection" page advises, every
/// text cell is quoted (RFC 4180, quotes doubled), and a cell that begins
/// with a character a spreadsheet reads as the start of a formula gets a
/// leading `'`, which makes it text. Such a character also starts a new
/// cell when the file is opened with another separator than the comma (a
/// Dutch Excel splits on `;`), so one that follows a `,`, `;`, tab or line
/// break inside the cell gets the `'` too.
fn csv(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    out.push('"');
    let mut at_cell_start = true;
    for c in s.chars() {
        if at_cell_start && starts_formula(c) {
            out.push('\'');
        }
        at_cell_start = matches!(c, ',' | ';' | '\t' | '\r' | '\n');
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Characters with which a spreadsheet cell starts a formula (OWASP: `=`,
/// `+`, `-`, `@`, tab, carriage return), with their full-width forms,
/// which spreadsheets in East Asian locales read as the same operators.
fn starts_formula(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
    )
}

/// Escapes text for XML attributes and content.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(cell: &str, expected: &str) {
        assert_eq!(csv(cell), expected, "cell {cell:?}");
    }

    #[test]
    fn csv_fields_are_quoted_with_quotes_doubled() {
        check("Den Haag", "\"Den Haag\"");
        check("a,b", "\"a,b\"");
        check("zei \"hoi\"", "\"zei \"\"hoi\"\"\"");
        check("", "\"\"");
        // Hyphens inside a value are no formula.
        check("2026-AMS-000123", "\"2026-AMS-000123\"");
        check("Súdwest-Fryslân", "\"Súdwest-Fryslân\"");
    }

    // See: issue 19
    #[test]
    fn issue_19_csv_cells_that_would_start_a_formula_are_made_text() {
        check("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
        check(
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"",
        );
        check("+31612345678", "\"'+31612345678\"");
        check("-2+3", "\"'-2+3\"");
        check("@SUM(A1)", "\"'@SUM(A1)\"");
        // A tab or line break is a separator too: what follows is guarded.
        check("\t=1", "\"'\t'=1\"");
        check("\r=1", "\"'\r'=1\"");
        // Full-width forms.
        check("\u{FF1D}1+1", "\"'\u{FF1D}1+1\"");
        check("\u{FF20}x", "\"'\u{FF20}x\"");
        // A formula after a separator another locale splits on.
        check("Breda;=1+1", "\"Breda;'=1+1\"");
        check("a,@x", "\"a,'@x\"");
        check("a\n-1", "\"a\n'-1\"");
    }

    #[test]
    fn xml_special_characters_are_escaped() {
        assert_eq!(xml("<script>&'\""), "&lt;script&gt;&amp;&apos;&quot;");
        assert_eq!(xml("a\u{1}b"), "ab");
    }
}
