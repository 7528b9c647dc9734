//! One report written out: the victim's statement, told in a few
//! sentences of the group's kind of fraud with the offender's identifiers
//! in it, the structured fields an officer filled in, and the traps (the
//! victim's own account and number, spoofed official numbers, platforms,
//! digits that are not identifiers), in the steps below, in this order.
//! Every step draws from the report's own stream, so the order of the
//! steps is part of the output.

mod benign;
mod offender;
mod victim;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::benign::Official;
use crate::clock::{day_string, local_time, rfc3339};
use crate::generator::{Generator, Team};
use crate::group::{Group, Victim};
use crate::kind::FraudKind;
use crate::links;
use crate::meta::Traps;
use crate::phones::short_owner;
use crate::picks::Core;
use crate::plan::Slot;
use crate::prose::{amount_written, date_written, expand, join_sentences, noise_sentence};
use crate::random::{pick, pick_str};
use crate::text::{self, UNITS};

/// A rendered report.
#[derive(Debug, Serialize)]
pub(crate) struct OutReport {
    pub(crate) id: String,
    filed_at: String,
    pub(crate) unit: &'static str,
    team: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    incident_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    municipality: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fraud_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_eur: Option<f64>,
    narrative: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifiers: Option<Vec<OutIdent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    victim_ref: Option<String>,
}

/// A structured identifier of a report.
#[derive(Debug, Serialize)]
struct OutIdent {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
}

/// How a report is to be rendered beyond its core.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extra {
    pub(crate) follow_up: bool,
}

/// The words a report's templates are filled in with, besides the
/// identifier a sentence is about.
struct Fill<'a> {
    market: &'static str,
    item: &'static str,
    bank: &'static str,
    brand: (&'static str, &'static str),
    relative: (&'static str, &'static str),
    subject: &'static str,
    alias: &'a str,
    coin: &'static str,
    owner: &'static str,
    amount: Option<String>,
    date: String,
}

impl<'a> Fill<'a> {
    fn draw(
        r: &mut ChaCha8Rng,
        group: &'a Group,
        core: &Core,
        victim: &Victim,
        incident: i64,
        spoof: Option<&Official>,
    ) -> Fill<'a> {
        let amount = core.amount.map(|a| amount_written(r, a));
        let date = date_written(r, incident);
        let relative = text::RELATIVES[victim.relative];
        Fill {
            market: group.market,
            bank: group.bank,
            brand: text::PHISH_BRANDS[group.brand],
            relative,
            subject: if relative.1 == "zijn" { "hij" } else { "ze" },
            alias: &group.alias,
            owner: spoof.map_or(group.bank, |o| short_owner(&o.owner)),
            amount,
            date,
            item: pick_str(r, text::ITEMS),
            coin: pick_str(r, text::COINS),
        }
    }

    /// Writes the word for template key `key`, or nothing for a key it
    /// does not know.
    fn put(&self, key: &str, out: &mut String) {
        match key {
            "MARKET" => out.push_str(self.market),
            "ITEM" => out.push_str(self.item),
            "BANK" => out.push_str(self.bank),
            "BRAND" => out.push_str(self.brand.0),
            "TOPIC" => out.push_str(self.brand.1),
            "REL" => out.push_str(self.relative.0),
            "POSS" => out.push_str(self.relative.1),
            "SUBJ" => out.push_str(self.subject),
            "ALIAS" => out.push_str(self.alias),
            "COIN" => out.push_str(self.coin),
            "OWNER" => out.push_str(self.owner),
            "AMOUNT" => out.push_str(self.amount.as_deref().unwrap_or("het bedrag")),
            "DATE" => out.push_str(&self.date),
            _ => {}
        }
    }
}

/// A report being written: its sentences and structured identifiers so
/// far, and the trap counts it adds to.
struct Draft<'a> {
    /// Whether the officer filled in structured identifiers.
    structured: bool,
    sentences: Vec<String>,
    idents: Vec<OutIdent>,
    fill: Fill<'a>,
    traps: &'a mut Traps,
}

impl Draft<'_> {
    /// Adds a sentence from template `tpl`: the keys of `values` are
    /// filled in with theirs, any other with the report's words.
    fn say(&mut self, tpl: &str, values: &[(&str, &str)]) {
        let s = expand(tpl, |k, o| match values.iter().find(|(key, _)| *key == k) {
            Some((_, v)) => o.push_str(v),
            None => self.fill.put(k, o),
        });
        self.sentences.push(s);
    }

    /// Adds a sentence from template `tpl` whose one key is `key`.
    fn say_only(&mut self, tpl: &str, key: &str, value: &str) {
        let s = expand(tpl, |k, o| {
            if k == key {
                o.push_str(value)
            }
        });
        self.sentences.push(s);
    }

    /// Adds a structured identifier.
    fn field(&mut self, kind: &'static str, value: String, role: Option<&'static str>) {
        self.idents.push(OutIdent {
            kind,
            value,
            role,
            platform: None,
        });
    }
}

/// An offender's identifier's role: named half the time.
fn role_any(r: &mut ChaCha8Rng) -> Option<&'static str> {
    if r.random_bool(0.5) {
        Some("offender")
    } else {
        None
    }
}

impl Generator<'_> {
    /// Writes one report: fields, narrative and structured identifiers.
    pub(crate) fn render(
        &mut self,
        r: &mut ChaCha8Rng,
        slot: &Slot,
        group: &Group,
        core: &Core,
        victim: &Victim,
        extra: Extra,
    ) -> OutReport {
        let unit = self.teams[usize::from(slot.team)].unit;
        let id = self.next_id(slot.filed, unit);
        let kind = group.kind;
        let structured = r.random_range(0..100) < 62;
        let spoof = group.spoof.map(|i| &self.benign.bank_phones[i]);
        let fill = Fill::draw(r, group, core, victim, slot.incident, spoof);
        let mut d = Draft {
            structured,
            sentences: Vec::with_capacity(12),
            idents: Vec::new(),
            fill,
            traps: &mut self.meta.traps,
        };
        story(r, &mut d, kind);
        let named = offender::identifiers(r, &mut d, group, &core.picks, &id);
        self.last_keys = named.keys;
        if named.common_holder {
            d.traps.common_holder_names.reports += 1;
            if let Some(b) = self.common_groups.get_mut(slot.group as usize) {
                *b = true;
            }
        }
        if core.unlinkable {
            d.traps.unlinkable_reports += 1;
        }
        victim::identifiers(r, &mut d, kind, victim);
        benign::official_numbers(r, &mut d, kind, spoof, &self.benign);
        benign::platform_mention(r, &mut d, kind, &self.benign);
        asides(r, &mut d, slot.incident);
        let narrative = narrative(r, &mut d.sentences, slot, extra);
        let fraud_type = fraud_type(r, d.traps, kind);
        let identifiers = if structured {
            Some(d.idents)
        } else if r.random_bool(0.25) {
            Some(Vec::new())
        } else {
            None
        };
        let incident_at = match r.random_range(0..20) {
            0..9 => Some(day_string(slot.incident)),
            9..17 => Some(rfc3339(slot.incident, false)),
            _ => None,
        };
        let team = &self.teams[usize::from(slot.team)];
        OutReport {
            id,
            filed_at: rfc3339(slot.filed, local_time(unit)),
            unit: UNITS[unit].name,
            team: team.name,
            incident_at,
            municipality: municipality(r, team),
            fraud_type,
            amount_eur: core.amount,
            narrative,
            identifiers,
            victim_ref: victim.vref.clone(),
        }
    }
}

/// The story: one opening of the group's kind of fraud, then one to three
/// of its other sentences, in order.
fn story(r: &mut ChaCha8Rng, d: &mut Draft<'_>, kind: FraudKind) {
    let story = text::STORIES[kind.index()];
    let intros = text::INTROS[kind.index()].clamp(1, story.len());
    let mut chosen: Vec<usize> = vec![r.random_range(0..intros)];
    let n_body = r.random_range(1..=3).min(story.len() - intros);
    while chosen.len() < 1 + n_body {
        let i = r.random_range(intros..story.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen[1..].sort_unstable();
    for &i in &chosen {
        d.say(story[i], &[]);
    }
}

/// What else victims write: numbers that are not identifiers, prose that
/// only looks like one, the damage, a closing remark.
fn asides(r: &mut ChaCha8Rng, d: &mut Draft<'_>, incident: i64) {
    if r.random_bool(0.12) {
        d.traps.digit_noise_sentences += 1;
        d.sentences.push(noise_sentence(r, incident));
    }
    // Prices, abbreviations and glued words that only look like
    // identifiers.
    if r.random_bool(0.06) {
        d.traps.written_forms.lookalike_sentences += 1;
        d.sentences.push(links::lookalike_sentence(r));
    }
    if d.fill.amount.is_some() && r.random_bool(0.6) {
        d.say(pick_str(r, text::DAMAGE), &[]);
    }
    if r.random_bool(0.5) {
        d.sentences.push(pick(r, text::CLOSINGS).to_string());
    }
}

/// The statement: the sentences lightly shuffled after the opening (victims
/// tell things in any order), a second filing's opening first, joined as
/// people type.
fn narrative(r: &mut ChaCha8Rng, sentences: &mut Vec<String>, slot: &Slot, extra: Extra) -> String {
    if sentences.len() > 2 {
        for _ in 0..r.random_range(0..3) {
            let a = r.random_range(1..sentences.len());
            let b = r.random_range(1..sentences.len());
            sentences.swap(a, b);
        }
    }
    if extra.follow_up {
        let prior = date_written(r, slot.prior.max(slot.incident));
        let s = expand(pick_str(r, text::FOLLOW_UPS), |k, o| {
            if k == "DATE" {
                o.push_str(&prior)
            }
        });
        sentences.insert(0, s);
    }
    join_sentences(r, sentences)
}

/// The fraud type field: now and then empty, or a value of a source
/// system's own.
fn fraud_type(r: &mut ChaCha8Rng, traps: &mut Traps, kind: FraudKind) -> Option<&'static str> {
    if r.random_bool(0.04) {
        None
    } else if r.random_bool(0.015) {
        traps.unknown_fraud_type_values += 1;
        Some(*pick(r, text::ODD_FRAUD_TYPES))
    } else {
        Some(kind.name())
    }
}

/// The municipality field, filled in nine times in ten.
fn municipality(r: &mut ChaCha8Rng, team: &Team) -> Option<&'static str> {
    if r.random_bool(0.9) {
        Some(*pick(r, team.municipalities))
    } else {
        None
    }
}
