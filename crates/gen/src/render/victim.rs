//! The victim's own account and numbers in a report: they describe the
//! victim and must never link.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::group::Victim;
use crate::ibans::{iban_structured, iban_written};
use crate::kind::FraudKind;
use crate::phones::phone_written;
use crate::random::pick_str;
use crate::render::Draft;
use crate::text;

/// The victim's account (in the statement or the IBAN field, with the
/// role `victim` or none), number, and a relative's real number in
/// friend-in-need fraud.
pub(super) fn identifiers(r: &mut ChaCha8Rng, d: &mut Draft<'_>, kind: FraudKind, victim: &Victim) {
    let p_viban = match kind {
        FraudKind::BankHelpdesk => 0.5,
        FraudKind::Phishing => 0.4,
        _ => 0.2,
    };
    let viban_text = r.random_bool(p_viban);
    let viban_field = d.structured && r.random_bool(0.13);
    let viban_no_role = viban_field && r.random_bool(0.15);
    if viban_text || viban_no_role {
        d.traps.victim_own_identifiers.victim_iban_in_narrative += 1;
        let written = iban_written(r, &victim.iban);
        let tpl = pick_str(r, text::VICTIM_IBAN_SENTENCES);
        d.say_only(tpl, "VIBAN", &written);
    }
    if viban_field {
        let written = iban_structured(r, &victim.iban);
        if viban_no_role {
            // The officer left the role empty; only the statement shows
            // whose account it is.
            d.traps
                .victim_own_identifiers
                .victim_iban_structured_role_absent += 1;
            d.field("iban", written, None);
        } else {
            d.traps
                .victim_own_identifiers
                .victim_iban_structured_role_victim += 1;
            d.field("iban", written, Some("victim"));
        }
    }
    if r.random_bool(0.05) {
        d.traps.victim_own_identifiers.victim_phone += 1;
        let written = phone_written(r, &victim.phone);
        if d.structured && r.random_bool(0.3) {
            d.field("phone", written, Some("victim"));
        } else {
            let tpl = pick_str(r, text::VICTIM_PHONE_SENTENCES);
            d.say_only(tpl, "VPHONE", &written);
        }
    }
    if kind == FraudKind::FriendInNeed && r.random_bool(0.11) {
        d.traps.victim_own_identifiers.family_member_real_phone += 1;
        let written = phone_written(r, &victim.family_phone);
        let tpl = pick_str(r, text::FAMILY_PHONE_SENTENCES);
        d.say(tpl, &[("FPHONE", &written)]);
    }
}
