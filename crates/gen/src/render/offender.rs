//! The offender's identifiers a report names: each in the statement, in
//! the structured fields, or both, in one of the forms people write it.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::TYPO_IBAN_RATE;
use crate::group::Group;
use crate::ibans::{Account, iban_structured, iban_written, mistype_iban};
use crate::kind::FraudKind;
use crate::links;
use crate::phones::{MESSAGE_PHONE_RATE, PhoneNo, phone_in_message, phone_written, wa_me};
use crate::picks::Pick;
use crate::random::pick_str;
use crate::render::{Draft, OutIdent, role_any};
use crate::text;
use crate::web::{Site, email_written, handle_written, platform_field, url_written};

/// What the identifiers a report names add up to.
#[derive(Debug, Default)]
pub(super) struct Named {
    /// The identifiers named intact, one bit each ([`Pick::key`]).
    pub(super) keys: u64,
    /// Whether a mule account named is held in a common name.
    pub(super) common_holder: bool,
}

/// Where an identifier is written.
#[derive(Debug, Clone, Copy)]
struct Place {
    in_text: bool,
    in_fields: bool,
}

impl Place {
    /// The statement only, unless the officer filled in structured
    /// identifiers: then the statement (45%), the fields (25%) or both.
    fn draw(r: &mut ChaCha8Rng, structured: bool) -> Place {
        let place = if !structured {
            0
        } else {
            match r.random_range(0..100) {
                0..45 => 0,
                45..70 => 1,
                _ => 2,
            }
        };
        Place {
            in_text: place != 1,
            in_fields: place != 0,
        }
    }
}

/// Writes the identifiers `picks` names; one report in 77 mistypes the
/// first IBAN it names.
pub(super) fn identifiers(
    r: &mut ChaCha8Rng,
    d: &mut Draft<'_>,
    group: &Group,
    picks: &[Pick],
    id: &str,
) -> Named {
    let mut typo_due = r.random_bool(TYPO_IBAN_RATE);
    let mut named = Named::default();
    for &p in picks {
        let key = p.key();
        named.keys |= key;
        let place = Place::draw(r, d.structured);
        match p {
            Pick::Iban(i) => {
                let acc = &group.ibans[i];
                named.common_holder |= acc.common_holder;
                let typo = std::mem::take(&mut typo_due);
                if typo {
                    // A mistyped IBAN links nothing, unless the report
                    // names the same account intact elsewhere (it never
                    // does here).
                    named.keys &= !key;
                }
                iban(r, d, acc, place, typo.then_some(id));
            }
            Pick::Phone(i) => phone(r, d, group.kind, &group.phones[i], place),
            Pick::Url(i) => url(r, d, &group.sites[i], place),
            Pick::Email(i) => email(r, d, &group.emails[i], place),
            Pick::Handle(i) => {
                let (platform, name) = &group.handles[i];
                handle(r, d, platform, name, place);
            }
            Pick::Crypto(i) => crypto(r, d, &group.crypto[i], place),
        }
    }
    named
}

/// A mule account, with one character mistyped when `typo_in` names the
/// report (whose id the typo list records).
fn iban(r: &mut ChaCha8Rng, d: &mut Draft<'_>, acc: &Account, place: Place, typo_in: Option<&str>) {
    let canon = match typo_in {
        Some(_) => mistype_iban(r, &acc.iban),
        None => acc.iban.clone(),
    };
    let typo_place = typo_in.map(|id| {
        let place = if place.in_text {
            "narrative"
        } else {
            "structured"
        };
        (place, id)
    });
    if place.in_text {
        let written = iban_written(r, &canon);
        let tpl = pick_str(r, text::IBAN_SENTENCES);
        d.say(tpl, &[("IBAN", &written), ("HOLDER", &acc.holder)]);
        if let Some((where_, id)) = typo_place {
            d.traps.record_typo(&written, &acc.iban, where_, id);
        }
    }
    if place.in_fields {
        let mut written = iban_structured(r, &canon);
        if let Some(("structured", id)) = typo_place {
            d.traps.record_typo(&written, &acc.iban, "structured", id);
        }
        if r.random_bool(0.06) {
            d.traps.written_forms.structured_notes += 1;
            written = links::iban_field_with_note(r, written.trim());
        }
        let role = role_any(r);
        d.field("iban", written, role);
        if r.random_bool(0.3) {
            d.field("name", acc.holder.clone(), Some("offender"));
        }
    }
}

fn phone(r: &mut ChaCha8Rng, d: &mut Draft<'_>, kind: FraudKind, ph: &PhoneNo, place: Place) {
    if place.in_text {
        if kind == FraudKind::FriendInNeed && r.random_bool(0.07) {
            d.traps.phone_as_wa_me_link += 1;
            let link = wa_me(r, ph);
            let lead = pick_str(
                r,
                &[
                    "Het nummer stuurde deze link:",
                    "Link:",
                    "Ik kreeg een link",
                ],
            );
            d.sentences.push(format!("{lead} {link}"));
        } else if r.random_bool(MESSAGE_PHONE_RATE) {
            d.traps.phone_message_forms += 1;
            d.sentences.push(phone_in_message(r, ph));
        } else if r.random_bool(0.04) {
            d.traps.written_forms.app_links += 1;
            let link = links::phone_app_link(r, ph.cc, &ph.nsn);
            let lead = pick_str(r, &["Hij stuurde deze link:", "Contact via", "Link:"]);
            d.sentences.push(format!("{lead} {link}"));
        } else {
            let written = phone_written(r, ph);
            let tpl = pick_str(r, text::PHONE_SENTENCES);
            d.say(tpl, &[("PHONE", &written)]);
        }
    }
    if place.in_fields {
        let mut written = phone_written(r, ph);
        if r.random_bool(0.08) {
            d.traps.written_forms.structured_notes += 1;
            written = links::phone_field_with_note(r, &written);
        }
        let role = role_any(r);
        d.field("phone", written, role);
    }
}

fn url(r: &mut ChaCha8Rng, d: &mut Draft<'_>, site: &Site, place: Place) {
    if site.idn {
        d.traps.idn_domain_mentions += 1;
    }
    if place.in_text {
        let mut written = url_written(r, site);
        if r.random_bool(0.12) {
            d.traps.written_forms.dressed_links += 1;
            written = links::dress_link(r, &written);
        }
        let tpl = pick_str(r, text::URL_SENTENCES);
        d.say(tpl, &[("URL", &written)]);
    }
    if place.in_fields {
        let mut written = url_written(r, site);
        if r.random_bool(0.06) {
            d.traps.written_forms.structured_notes += 1;
            written = links::url_field_with_note(r, &written);
        }
        let role = role_any(r);
        d.field("url", written, role);
    }
}

fn email(r: &mut ChaCha8Rng, d: &mut Draft<'_>, e: &str, place: Place) {
    if place.in_text {
        let written = email_written(r, e);
        let tpl = pick_str(r, text::EMAIL_SENTENCES);
        d.say(tpl, &[("EMAIL", &written)]);
    }
    if place.in_fields {
        let written = email_written(r, e);
        let role = role_any(r);
        d.field("email", written, role);
    }
}

fn handle(r: &mut ChaCha8Rng, d: &mut Draft<'_>, platform: &str, name: &str, place: Place) {
    if place.in_text {
        let link = if r.random_bool(0.1) {
            links::handle_app_link(r, platform, name)
        } else {
            None
        };
        if link.is_some() {
            d.traps.written_forms.app_links += 1;
        }
        let written = match link {
            Some(l) => l,
            None => handle_written(r, platform, name),
        };
        let tpl = pick_str(r, text::HANDLE_SENTENCES);
        d.say(tpl, &[("HANDLE", &written)]);
    }
    if place.in_fields {
        // The app's short name typed beside the name, the platform field
        // left empty.
        let with_app = if r.random_bool(0.08) {
            links::handle_field_with_app(r, platform, name)
        } else {
            None
        };
        if let Some(value) = with_app {
            d.traps.written_forms.structured_notes += 1;
            let role = role_any(r);
            d.field("handle", value, role);
        } else {
            let value = if r.random_bool(0.5) {
                format!("@{name}")
            } else {
                name.to_owned()
            };
            let role = role_any(r);
            let platform = Some(platform_field(r, platform));
            d.idents.push(OutIdent {
                kind: "handle",
                value,
                role,
                platform,
            });
        }
    }
}

fn crypto(r: &mut ChaCha8Rng, d: &mut Draft<'_>, a: &str, place: Place) {
    if place.in_text {
        let tpl = pick_str(r, text::CRYPTO_SENTENCES);
        d.say(tpl, &[("CRYPTO", a)]);
    }
    if place.in_fields {
        let role = role_any(r);
        d.field("crypto", a.to_owned(), role);
    }
}
