//! Differential test on real text: fraudlink's URLs, domains and e-mail
//! addresses in the 5,574 messages of the UCI SMS Spam Collection
//! (`tests/realtext/uci-sms/`, CC BY 4.0, see its README) against what the
//! reference libraries ioc-finder and iocextract find in them.
//!
//! The oracles are not the truth (they read `prize.To` as a domain and
//! `http://wap. xxx.com` as `http://wap`), so every disagreement that is
//! not a fraudlink error is listed, with its class and reason, in
//! `accepted-ioc.tsv`. The test fails when a disagreement is not listed,
//! and when a listed one no longer occurs (the list must stay true).
//!
//! It also checks, over the whole collection, what must hold whatever the
//! oracles say: no URL whose host is an IP address that is not written as
//! one, and no domain read from an abbreviation, a file name or a decimal.
//!
//! See: issue 20

use std::collections::{BTreeSet, HashMap};

use fraudlink::allowlist::Allowlist;
use fraudlink::extract::Extractor;
use fraudlink::ident::{Kind, Url, prose};
use serde_json::Value;

/// The directory of the collection and its accepted differences.
fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realtext/uci-sms")
}

/// The JSON lines of a file of the collection.
fn lines(name: &str) -> Vec<Value> {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

/// The strings of an array field.
fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// One disagreement: message id, kind, value and the side that has it.
type Difference = (String, &'static str, String, &'static str);

/// What fraudlink finds in one message: URLs, domains (of hosts written in
/// the text; an e-mail address's domain is left out, as the oracle leaves
/// it out) and e-mail addresses. A `www.` host written without scheme or
/// path is a domain to the oracles; fraudlink gives it as a URL too
/// (docs/formats.md: a missing scheme becomes `https://`), and it is compared
/// as a domain only.
fn fraudlink_finds(ex: &Extractor, text: &str) -> [BTreeSet<String>; 3] {
    let ids = ex.text(text);
    let email_spans: Vec<_> = ids
        .iter()
        .filter(|i| i.kind == Kind::Email)
        .map(|i| i.span)
        .collect();
    let mut out: [BTreeSet<String>; 3] = Default::default();
    for i in ids {
        match i.kind {
            Kind::Url => {
                let written = i
                    .raw
                    .trim_start_matches(['*', '_', '~', '`', '"', '(', '<', '[']);
                let bare_site = written
                    .get(..4)
                    .is_some_and(|w| w.eq_ignore_ascii_case("www."))
                    && Url::parse(&i.value).is_ok_and(|u| u.path_is_root());
                if !bare_site {
                    out[0].insert(i.value);
                }
            }
            Kind::Domain if !email_spans.contains(&i.span) => {
                out[1].insert(i.value);
            }
            Kind::Email => {
                out[2].insert(i.value);
            }
            _ => {}
        }
    }
    out
}

/// What the oracles find in one message, in fraudlink's canonical forms
/// where a value has one (a URL the URL rules cannot parse is kept as the
/// oracle wrote it).
fn oracle_finds(o: &Value) -> [BTreeSet<String>; 3] {
    let urls = strings(o, "url_iocfinder")
        .into_iter()
        .chain(strings(o, "url_iocextract"))
        .map(|u| Url::parse(&u).map_or(u, |p| p.as_str().to_owned()))
        .collect();
    let domains = strings(o, "domain").into_iter().collect();
    let emails = strings(o, "email")
        .into_iter()
        .map(|e| e.to_lowercase())
        .collect();
    [urls, domains, emails]
}

/// Every disagreement over the collection, in message order.
fn differences() -> Vec<Difference> {
    let region = phonenumber::country::Id::GB;
    let ex = Extractor::new(region, Allowlist::embedded());
    let messages = lines("messages.jsonl");
    let oracle: HashMap<String, Value> = lines("oracle.jsonl")
        .into_iter()
        .map(|o| (o["id"].as_str().unwrap_or_default().to_owned(), o))
        .collect();
    assert_eq!(messages.len(), 5574);
    assert_eq!(oracle.len(), 5574);
    let mut out = Vec::new();
    for m in &messages {
        let id = m["id"].as_str().expect("message id");
        let text = m["text"].as_str().expect("message text");
        let ours = fraudlink_finds(&ex, text);
        let theirs = oracle_finds(&oracle[id]);
        for (k, kind) in ["url", "domain", "email"].into_iter().enumerate() {
            for v in ours[k].difference(&theirs[k]) {
                out.push((id.to_owned(), kind, v.clone(), "fraudlink"));
            }
            for v in theirs[k].difference(&ours[k]) {
                out.push((id.to_owned(), kind, v.clone(), "oracle"));
            }
        }
    }
    out
}

/// The accepted differences: (id, kind, value, side) with class and reason.
fn accepted() -> Vec<(Difference, String, String)> {
    let path = dir().join("accepted-ioc.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let kinds = ["url", "domain", "email"];
    let sides = ["fraudlink", "oracle"];
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "{}: not six fields: {l}", path.display());
            let kind = kinds.into_iter().find(|k| *k == f[1]).expect("kind");
            let side = sides.into_iter().find(|s| *s == f[3]).expect("side");
            assert!(
                !f[4].is_empty() && !f[5].is_empty(),
                "every accepted difference has a class and a reason: {l}"
            );
            (
                (f[0].to_owned(), kind, f[2].to_owned(), side),
                f[4].to_owned(),
                f[5].to_owned(),
            )
        })
        .collect()
}

#[test]
fn urls_domains_and_emails_agree_with_the_oracles_except_the_listed_differences() {
    let found = differences();
    let listed = accepted();
    let listed_keys: BTreeSet<&Difference> = listed.iter().map(|(d, _, _)| d).collect();
    let found_keys: BTreeSet<&Difference> = found.iter().collect();
    let unlisted: Vec<_> = found_keys.difference(&listed_keys).collect();
    let stale: Vec<_> = listed_keys.difference(&found_keys).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "disagreements not in accepted-ioc.tsv: {unlisted:#?}\n\
         listed but no longer occurring: {stale:#?}"
    );
    assert_eq!(listed.len(), listed_keys.len(), "duplicate rows");
}

#[test]
fn no_invented_ip_hosts_and_no_domains_from_abbreviations_file_names_or_decimals() {
    let region = phonenumber::country::Id::GB;
    let ex = Extractor::new(region, Allowlist::embedded());
    for m in lines("messages.jsonl") {
        let text = m["text"].as_str().expect("message text");
        for i in ex.text(text) {
            match i.kind {
                Kind::Url => {
                    let url = Url::parse(&i.value).expect("a found URL parses");
                    let host = url.host();
                    let written_host = i.raw.split(['/', '?', '#']).next().unwrap_or("");
                    assert!(
                        written_host.parse::<f64>().is_err(),
                        "{}: URL {} from the decimal {written_host}",
                        m["id"],
                        i.value
                    );
                    if host.parse::<std::net::IpAddr>().is_ok() {
                        assert!(
                            i.raw.contains(host),
                            "{}: IP host {host} not written in {:?}",
                            m["id"],
                            i.raw
                        );
                    }
                }
                Kind::Domain => {
                    let v = &i.value;
                    let tld = v.rsplit('.').next().unwrap_or("");
                    assert!(
                        !prose::is_abbreviation(&i.raw.to_lowercase()),
                        "{}: domain {v} from an abbreviation",
                        m["id"]
                    );
                    assert!(
                        !matches!(tld, "md" | "zip" | "py" | "sh" | "rs" | "mov"),
                        "{}: domain {v} from a file name",
                        m["id"]
                    );
                    let host = i.raw.split(['/', '?', '#']).next().unwrap_or("");
                    assert!(
                        host.parse::<f64>().is_err(),
                        "{}: domain {v} from the decimal {host}",
                        m["id"]
                    );
                }
                _ => {}
            }
        }
    }
}
