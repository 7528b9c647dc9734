//! Written forms of links, accounts and notes that real statements and
//! scam messages use (issue 20): a note beside the identifier in a
//! structured field, messaging apps' links to an account, links dressed
//! by Markdown or WhatsApp emphasis, brackets and quotes, glued to the word
//! before them or with a malformed scheme, and prose that only looks like
//! an identifier (prices and scores with a slash, abbreviations, sentences
//! glued together, file names).
//!
//! Each function only rewrites what it is given; the caller decides how
//! often. The forms are the ones a reader of reports (fraudlink's
//! extractor) must read back to the same canonical value (or, for the
//! look-alikes, to nothing).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::random::pick_str;

/// A phone number typed into the phone field with a note: the channel it
/// was used on or the kind of line (`06-12345678 (WhatsApp)`,
/// `+31 6 ... / WA`).
pub(crate) fn phone_field_with_note(r: &mut ChaCha8Rng, written: &str) -> String {
    let note = pick_str(
        r,
        &[
            "WhatsApp",
            "whatsapp",
            "WA",
            "Signal",
            "Telegram",
            "sms",
            "mobiel",
            "vaste lijn",
            "gebeld",
            "mobile",
        ],
    );
    match r.random_range(0..4) {
        0 => format!("{written} ({note})"),
        1 => format!("{written} / {note}"),
        2 => format!("{written} via {note}"),
        _ => format!("{written} - {note}"),
    }
}

/// An IBAN typed into the IBAN field with a label or a note
/// (`Rekening: NL91 ...`, `NL91... (Revolut)`).
pub(crate) fn iban_field_with_note(r: &mut ChaCha8Rng, written: &str) -> String {
    match r.random_range(0..4) {
        0 => format!("Rekening: {written}"),
        1 => format!("rekeningnummer {written}"),
        2 => format!(
            "{written} ({})",
            pick_str(r, &["Revolut", "bunq", "Wise", "N26"])
        ),
        _ => format!("IBAN: {written} (begunstigde)"),
    }
}

/// A URL typed into the URL field with a note on where it came from.
pub(crate) fn url_field_with_note(r: &mut ChaCha8Rng, written: &str) -> String {
    let note = pick_str(r, &["sms", "WhatsApp", "e-mail", "advertentie", "QR-code"]);
    match r.random_range(0..3) {
        0 => format!("{written} (via {note})"),
        1 => format!("{written} / {note}"),
        _ => format!("link: {written}"),
    }
}

/// A handle typed into the handle field with the app's short name
/// (`@naam / insta`, `naam (TG)`), the platform field left empty; `None`
/// for a platform without a common short name.
pub(crate) fn handle_field_with_app(
    r: &mut ChaCha8Rng,
    platform: &str,
    name: &str,
) -> Option<String> {
    let short = match platform {
        "instagram" => pick_str(r, &["insta", "Instagram", "IG"]),
        "telegram" => pick_str(r, &["TG", "Telegram"]),
        "snapchat" => pick_str(r, &["snap", "Snapchat"]),
        "facebook" => pick_str(r, &["FB", "Facebook"]),
        "whatsapp" => pick_str(r, &["WA", "WhatsApp"]),
        "tiktok" => "TikTok",
        "signal" => "Signal",
        _ => return None,
    };
    Some(if r.random_bool(0.5) {
        format!("@{name} / {short}")
    } else {
        format!("{name} ({short})")
    })
}

/// A messaging app's link to a phone number, given with its country code
/// (`cc`) and national number (`nsn`): WhatsApp, Signal, Telegram and
/// Viber, as web links and as the apps' own links.
pub(crate) fn phone_app_link(r: &mut ChaCha8Rng, cc: &str, nsn: &str) -> String {
    match r.random_range(0..7) {
        0 => format!("https://api.whatsapp.com/send?phone={cc}{nsn}"),
        1 => format!("whatsapp://send?phone={cc}{nsn}"),
        2 => format!("https://wa.me/{cc}{nsn}?text=Hallo"),
        3 => format!("https://signal.me/#p/+{cc}{nsn}"),
        4 => format!("sgnl://signal.me/#p/+{cc}{nsn}"),
        5 => format!("tg://resolve?phone={cc}{nsn}"),
        _ => format!("viber://chat?number=%2B{cc}{nsn}"),
    }
}

/// A link to an account on the platform the handle belongs to, when the
/// platform has one that names the account (`tg://resolve?domain=naam`,
/// `https://www.tiktok.com/@naam`).
pub(crate) fn handle_app_link(r: &mut ChaCha8Rng, platform: &str, name: &str) -> Option<String> {
    let link = match platform {
        "telegram"
            if name.len() >= 4 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            match r.random_range(0..3) {
                0 => format!("tg://resolve?domain={name}"),
                1 => format!("https://telegram.me/{name}"),
                _ => format!("https://t.me/{name}"),
            }
        }
        "instagram" => format!("https://www.instagram.com/{name}/"),
        "tiktok" => format!("https://www.tiktok.com/@{name}"),
        "snapchat" => format!("https://www.snapchat.com/add/{name}"),
        "facebook" if name.len() >= 5 && !name.contains('_') => {
            format!("https://www.facebook.com/{name}")
        }
        _ => return None,
    };
    Some(link)
}

/// A link as chat and e-mail dress it: Markdown or WhatsApp emphasis,
/// brackets, quotes, backquotes, a Markdown link, glued to the word before
/// it, or with its scheme malformed (`http:/`, `http//`, `//`). The link
/// must be written with a scheme for the forms that need one; others are
/// returned as they are.
pub(crate) fn dress_link(r: &mut ChaCha8Rng, written: &str) -> String {
    let scheme = ["https://", "http://"].into_iter().find(|s| {
        written
            .get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    });
    match (r.random_range(0..12), scheme) {
        (0, _) => format!("*{written}*"),
        (1, _) => format!("_{written}_"),
        (2, _) => format!("({written})"),
        (3, _) => format!("\"{written}\""),
        (4, _) => format!("`{written}`"),
        (5, _) => format!("<{written}>"),
        (6, Some(_)) => format!("[{written}]({written})"),
        (7, Some(_)) => format!("{}:{written}", pick_str(r, &["bekijk", "link", "klik"])),
        (8, Some(_)) => format!("...{written}"),
        (9, Some(s)) => format!("{}:/{}", &s[..s.len() - 3], &written[s.len()..]),
        (10, Some(s)) => format!("{}//{}", &s[..s.len() - 3], &written[s.len()..]),
        (11, Some(s)) => format!("//{}", &written[s.len()..]),
        _ => format!("**{written}**"),
    }
}

/// A sentence whose look-alikes must not be read as identifiers: a price
/// or score with a slash (read as an IP address by the URL standard),
/// abbreviations on a top-level domain (`tel.nr`), sentences glued across
/// a full stop, file names.
pub(crate) fn lookalike_sentence(r: &mut ChaCha8Rng) -> String {
    let euros = r.random_range(2..60);
    let cents = r.random_range(10..99);
    let score = r.random_range(2..10);
    match r.random_range(0..9) {
        0 => format!("Het abonnement kost €{euros}.{cents}/maand."),
        1 => format!("Ik gaf de verkoper eerst een {score}.5/10."),
        2 => pick_str(
            r,
            &[
                "Mijn tel.nr is inmiddels gewijzigd.",
                "Het rek.nr stond er niet bij.",
                "Hij vroeg om mijn klant.nr en mijn pas.nr.",
            ],
        )
        .to_owned(),
        3 => "Ik heb betaald.Nu wacht ik nog steeds.".to_owned(),
        4 => "Hij zei dat het goed kwam.Daarna hoorde ik niets meer.".to_owned(),
        5 => pick_str(
            r,
            &[
                "Ik heb de schermafbeeldingen bijgevoegd (screenshot.png, oplichting.md).",
                "De bijlage heette factuur.pdf en archief.zip.",
            ],
        )
        .to_owned(),
        6 => format!("De woning zou {}sq.mtr zijn.", r.random_range(40..400)),
        7 => "ik heb betaald.nu ben ik mijn geld kwijt".to_owned(),
        _ => format!("Het pakket kostte €{euros}.{cents} p.st. volgens de advertentie."),
    }
}
