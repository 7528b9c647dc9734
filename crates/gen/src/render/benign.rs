//! Benign identifiers in a report: a bank's real number shown as caller
//! id or called back, an official number any victim may call, and the
//! platforms, shorteners and free mail victims mention everywhere.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::benign::{Benign, Official};
use crate::kind::FraudKind;
use crate::phones::{official_written, short_owner};
use crate::random::{pick, pick_str};
use crate::render::{Draft, role_any};
use crate::text;
use crate::web::platform_written;

/// The bank's real number the group spoofs, shown as caller id or called
/// back, or else now and then an official number the victim called.
pub(super) fn official_numbers(
    r: &mut ChaCha8Rng,
    d: &mut Draft<'_>,
    kind: FraudKind,
    spoof: Option<&Official>,
    benign: &Benign,
) {
    let p_spoof = match kind {
        FraudKind::BankHelpdesk => 0.75,
        FraudKind::Phishing => 0.08,
        FraudKind::Investment => 0.03,
        _ => 0.01,
    };
    let mut named = false;
    if let Some(o) = spoof
        && r.random_bool(p_spoof)
    {
        named = true;
        spoofed(r, d, o);
    }
    if !named && r.random_bool(0.025) {
        named = true;
        called_back(r, d, benign);
    }
    if named {
        d.traps.spoofed_official_numbers.reports += 1;
    }
}

/// The spoofed number: as caller id in the statement, typed into the
/// phone field, called back.
fn spoofed(r: &mut ChaCha8Rng, d: &mut Draft<'_>, o: &Official) {
    let written = official_written(r, o);
    *d.traps
        .spoofed_official_numbers
        .by_number
        .entry(o.e164.clone())
        .or_insert(0) += 1;
    if r.random_bool(0.8) {
        let tpl = pick_str(r, text::SPOOF_SENTENCES);
        d.say(tpl, &[("SPOOF", &written)]);
    }
    if d.structured && r.random_bool(0.3) {
        // The officer typed the caller id into the phone field.
        let written = official_written(r, o);
        let role = role_any(r);
        d.field("phone", written, role);
    }
    if r.random_bool(0.35) {
        d.traps.spoofed_official_numbers.callback_mentions += 1;
        let written = official_written(r, o);
        let tpl = pick_str(r, text::CALLBACK_SENTENCES);
        d.say(tpl, &[("SPOOF", &written)]);
    }
}

/// Any victim may call an official number afterwards.
fn called_back(r: &mut ChaCha8Rng, d: &mut Draft<'_>, benign: &Benign) {
    let o = if r.random_bool(0.5) {
        pick(r, &benign.bank_phones)
    } else {
        pick(r, &benign.other_phones)
    };
    *d.traps
        .spoofed_official_numbers
        .by_number
        .entry(o.e164.clone())
        .or_insert(0) += 1;
    d.traps.spoofed_official_numbers.callback_mentions += 1;
    let written = official_written(r, o);
    let who = short_owner(&o.owner);
    let tpl = pick_str(r, text::CALLBACK_SENTENCES);
    d.say(tpl, &[("SPOOF", &written), ("OWNER", who)]);
}

/// A platform, shortener or free-mail domain of the kinds victims of this
/// fraud mention, in about a quarter of reports.
pub(super) fn platform_mention(
    r: &mut ChaCha8Rng,
    d: &mut Draft<'_>,
    kind: FraudKind,
    benign: &Benign,
) {
    if !r.random_bool(0.27) {
        return;
    }
    let spec = *pick(r, kind.platform_mentions());
    let Some((domain, category)) = benign.domain(r, spec) else {
        return;
    };
    let written = if category == "freemail" {
        domain.clone()
    } else {
        platform_written(&domain, r)
    };
    d.traps.platform_refs.reports += 1;
    *d.traps.platform_refs.by_domain.entry(domain).or_insert(0) += 1;
    let tpl = pick_str(r, text::platform_sentences(category));
    d.say_only(tpl, "PLAT", &written);
}
