//! Measures the search index: indexing throughput and query latency on
//! synthetic Dutch narratives (~400 bytes each, built from templates).
//!
//! Run in release: `cargo bench --bench index` (200,000 reports), or
//! `FRAUDLINK_BENCH_REPORTS=1000000 cargo bench --bench index`. The
//! figures are printed, not asserted: they depend on the machine. Under
//! `cargo test --all-targets` it runs once on 500 reports, so that it
//! keeps building and running.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fraudlink::index::{IndexDoc, SearchIndex, SearchQuery, Sort};

const OPENINGS: &[&str] = &[
    "Op maandagavond kreeg ik een bericht via WhatsApp van een onbekend nummer.",
    "Ik werd gebeld door iemand die zei dat hij van de fraudeafdeling van mijn bank was.",
    "Via Marktplaats wilde ik een tweedehands fiets kopen van een verkoper uit Utrecht.",
    "Ik ontving een sms met een link om een openstaande betaling af te ronden.",
    "Een vrouw die ik via een datingsite had leren kennen vroeg mij om geld.",
    "Mijn dochter stuurde een berichtje dat ze een nieuw telefoonnummer had.",
];
const MIDDLES: &[&str] = &[
    "De persoon vertelde dat mijn rekening niet meer veilig was en dat ik het geld naar een veilige rekening moest overmaken.",
    "Hoi mam, mijn telefoon is kapot, kun je even een rekening voor mij betalen, ik betaal het morgen terug.",
    "Na de betaling via een betaalverzoek reageerde de verkoper niet meer en werd de advertentie verwijderd.",
    "Ik moest inloggen op een website die er precies uitzag als die van de bank en mijn gegevens invullen.",
    "Hij beloofde een hoog rendement op een investering in cryptomunten als ik eerst een bedrag zou storten.",
    "Er werden daarna meerdere overboekingen gedaan die ik zelf niet had goedgekeurd.",
];
const CLOSINGS: &[&str] = &[
    "Ik heb in totaal {amount} euro overgemaakt naar rekeningnummer {iban} en het nummer {phone} geblokkeerd.",
    "Het geld, {amount} euro, ging naar {iban}; de oplichter belde vanaf {phone}.",
    "Later bleek dat er {amount} euro was afgeschreven naar {iban}, het gebruikte nummer was {phone}.",
];
const UNITS: &[&str] = &[
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Midden-Nederland",
    "Oost-Brabant",
];
const TYPES: &[&str] = &[
    "phishing",
    "vriend-in-nood",
    "marktplaats",
    "bankhelpdesk",
    "beleggingsfraude",
];

/// A small deterministic generator so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn iban(n: u64) -> String {
    format!("NL{:02}ABNA{:010}", n % 97, n)
}

fn phone(n: u64) -> String {
    format!("+316{:08}", n % 100_000_000)
}

fn make_doc(rng: &mut Rng, i: usize, pool: u64) -> IndexDoc {
    let account = rng.next() % pool;
    let iban = iban(account);
    let phone = phone(account * 7 + 3);
    let amount = 50 + rng.next() % 5000;
    let narrative = format!(
        "{} {} {} {}",
        rng.pick(OPENINGS),
        rng.pick(MIDDLES),
        rng.pick(MIDDLES),
        rng.pick(CLOSINGS)
            .replace("{amount}", &amount.to_string())
            .replace("{iban}", &iban)
            .replace("{phone}", &phone),
    );
    IndexDoc {
        id: format!("R{i:08}"),
        narrative,
        identifiers: vec![format!("iban:{iban}"), format!("phone:{phone}")],
        unit: rng.pick(UNITS).to_owned(),
        team: "Digitale Opsporing".to_owned(),
        fraud_type: rng.pick(TYPES).to_owned(),
        filed_at: 1_600_000_000 + (rng.next() % 100_000_000) as i64,
        amount_eur: Some(amount as f64),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn measure(index: &SearchIndex, name: &str, queries: &[SearchQuery]) -> Result<()> {
    // A warm-up pass so that the first, cold query does not skew p99.
    for q in queries.iter().take(20) {
        index.search(q)?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut total_hits = 0;
    for q in queries {
        let start = Instant::now();
        let results = index.search(q)?;
        times.push(start.elapsed());
        total_hits += results.total;
    }
    times.sort();
    println!(
        "{name:<28} p50 {:>8.3} ms   p99 {:>8.3} ms   (mean total hits {})",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        total_hits / queries.len().max(1),
    );
    Ok(())
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = match std::env::var("FRAUDLINK_BENCH_REPORTS") {
        Ok(v) => v
            .parse()
            .context("FRAUDLINK_BENCH_REPORTS is the number of reports")?,
        Err(_) if benching => 200_000,
        Err(_) => 500,
    };
    let pool = (n as u64 / 5).max(1);
    let dir = tempfile::tempdir()?;
    let index = SearchIndex::open(dir.path())?;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<IndexDoc> = (0..n).map(|i| make_doc(&mut rng, i, pool)).collect();
    let bytes: usize = docs.iter().map(|d| d.narrative.len()).sum();
    println!(
        "{n} reports, {:.1} MB of narrative ({} bytes each on average)",
        bytes as f64 / 1e6,
        bytes / n.max(1)
    );

    let start = Instant::now();
    let mut docs = docs.into_iter();
    loop {
        let batch: Vec<IndexDoc> = docs.by_ref().take(1000).collect();
        if batch.is_empty() {
            break;
        }
        index.submit(batch);
    }
    index.flush(1)?;
    let took = start.elapsed();
    println!(
        "indexed in {:.2} s: {:.2} MB/s, {:.0} reports/s (commit included)",
        took.as_secs_f64(),
        bytes as f64 / 1e6 / took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    println!("num_docs {}", index.num_docs());

    let page = |text: &str| SearchQuery {
        text: text.to_owned(),
        limit: 20,
        ..SearchQuery::default()
    };
    let one_term = [
        "whatsapp",
        "marktplaats",
        "rendement",
        "datingsite",
        "fiets",
    ];
    let two_terms = [
        "veilige rekening",
        "hoi mam",
        "betaling verkoper",
        "bank website",
        "nieuw telefoonnummer",
    ];
    let runs = 500;
    let q1: Vec<_> = (0..runs)
        .map(|i| page(one_term[i % one_term.len()]))
        .collect();
    let q2: Vec<_> = (0..runs)
        .map(|i| page(two_terms[i % two_terms.len()]))
        .collect();
    let qd: Vec<_> = (0..runs)
        .map(|i| SearchQuery {
            sort: Sort::Date,
            ..page(one_term[i % one_term.len()])
        })
        .collect();
    let qi: Vec<_> = (0..runs)
        .map(|_| SearchQuery {
            identifiers: vec![format!("iban:{}", iban(rng.next() % pool))],
            ..page("")
        })
        .collect();
    measure(&index, "1 term (relevance)", &q1)?;
    measure(&index, "2 terms AND (relevance)", &q2)?;
    measure(&index, "1 term (date sort)", &qd)?;
    measure(&index, "identifier", &qi)?;
    Ok(())
}
