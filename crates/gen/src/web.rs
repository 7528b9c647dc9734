//! Fraud domains and sites, URLs as typed or pasted, offenders' e-mail
//! addresses, platform handles, and benign domains as victims mention
//! them.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::benign::Benign;
use crate::kind::FraudKind;
use crate::random::{pick, pick_str, random_code};
use crate::text;
use crate::unique::Serial;

/// A fraud website: registrable domain, host and paths.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub(crate) domain: String,
    pub(crate) host: String,
    pub(crate) paths: Vec<String>,
    /// A link of a URL shortener's the group made: the link identifies
    /// the group, the shortener's domain does not.
    pub(crate) shortener: bool,
    /// A domain with a label in Unicode (an internationalised domain).
    pub(crate) idn: bool,
}

/// A group's website: a domain of its kind the allowlist does not hold,
/// a host on it and one to three paths; now and then a shortener link.
/// With a serial, its domain is one no other serial gets (see `unique`).
pub(crate) fn site(
    r: &mut ChaCha8Rng,
    kind: FraudKind,
    benign: &Benign,
    serial: Option<Serial>,
) -> Site {
    // A few groups send shortener links of their own; the link itself
    // identifies them, the shortener's domain does not.
    if kind == FraudKind::Phishing && r.random_bool(0.2) {
        let host = pick(r, &["bit.ly", "tinyurl.com", "is.gd", "cutt.ly"]).to_string();
        return Site {
            domain: host.clone(),
            host,
            paths: vec![random_code(r, 7)],
            shortener: true,
            idn: false,
        };
    }
    for _ in 0..8 {
        let (domain, idn) = fraud_domain(r, kind, serial);
        if !benign.all_domains.contains_key(&domain) {
            let host = match r.random_range(0..10) {
                0 => format!("login.{domain}"),
                1 => format!("mijn.{domain}"),
                2 | 3 => format!("www.{domain}"),
                _ => domain.clone(),
            };
            let paths = (0..r.random_range(1..=3))
                .map(|_| url_path(r, kind))
                .collect();
            return Site {
                domain,
                host,
                paths,
                shortener: false,
                idn,
            };
        }
    }
    let domain = format!("veilig-{}.nl", random_code(r, 8).to_ascii_lowercase());
    Site {
        host: domain.clone(),
        domain,
        paths: vec![String::new()],
        shortener: false,
        idn: false,
    }
}

/// A fraud domain: brand and words joined, and a TLD; now and then with
/// a label in Unicode (an internationalised domain). With a serial, the
/// label ends in its tag, as a name that was taken gets one.
fn fraud_domain(r: &mut ChaCha8Rng, kind: FraudKind, serial: Option<Serial>) -> (String, bool) {
    let tld = *pick(r, text::TLDS);
    let tagged = |label: String| match serial {
        Some(serial) => format!("{label}-{}", serial.tag()),
        None => label,
    };
    if r.random_bool(0.005) {
        let label = pick(r, text::IDN_LABELS);
        let label = tagged(format!("{label}{}", r.random_range(1..99)));
        return (format!("{label}.{tld}"), true);
    }
    let sep = if r.random_bool(0.6) { "-" } else { "" };
    let mut label = String::with_capacity(32);
    match kind {
        FraudKind::Webshop => {
            label.push_str(pick_str(r, text::SHOP_WORDS));
            label.push_str(sep);
            label.push_str(pick_str(r, text::SHOP_WORDS));
            if r.random_bool(0.4) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
        FraudKind::Investment => {
            label.push_str(pick_str(
                r,
                &[
                    "quantum", "bitcoin", "crypto", "nova", "apex", "prime", "global", "euro",
                    "dutch",
                ],
            ));
            label.push_str(sep);
            label.push_str(pick_str(r, text::DOMAIN_WORDS));
            label.push_str(sep);
            label.push_str(pick_str(
                r,
                &["invest", "trade", "capital", "markets", "fx", "ai"],
            ));
        }
        FraudKind::Marketplace => {
            label.push_str(pick_str(
                r,
                &["marktplaats", "vinted", "tikkie", "2dehands", "veilig"],
            ));
            label.push('-');
            label.push_str(pick_str(
                r,
                &[
                    "betaling",
                    "veilig",
                    "betalen",
                    "ontvangen",
                    "verkoop",
                    "levering",
                ],
            ));
            // Registrable names are first come, first served: two groups
            // rarely hold the same one, so the space must be large.
            let _ = write!(label, "{sep}{}", pick_str(r, text::DOMAIN_WORDS));
            if r.random_bool(0.5) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
        _ => {
            label.push_str(pick_str(r, text::DOMAIN_BRANDS));
            label.push_str(sep);
            label.push_str(pick_str(r, text::DOMAIN_WORDS));
            if r.random_bool(0.3) {
                label.push_str(sep);
                label.push_str(pick_str(r, text::DOMAIN_WORDS));
            }
            if r.random_bool(0.2) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
    }
    (format!("{}.{tld}", tagged(label)), false)
}

fn url_path(r: &mut ChaCha8Rng, kind: FraudKind) -> String {
    match kind {
        FraudKind::Webshop => format!("product/{}", random_code(r, 8).to_lowercase()),
        FraudKind::Marketplace => format!("pay/{}", random_code(r, 10)),
        _ => pick(
            r,
            &[
                "login",
                "verificatie",
                "mijn-gegevens",
                "betaalpas/aanvragen",
                "identificatie",
                "",
                "nl/inloggen",
                "account/verify",
                "dashboard",
            ],
        )
        .to_string(),
    }
}

/// A URL as typed or pasted: scheme or none, `www.`, defanged dots,
/// tracking parameters, odd case.
pub(crate) fn url_written(r: &mut ChaCha8Rng, site: &Site) -> String {
    let path = pick(r, &site.paths).as_str();
    if site.shortener {
        return match r.random_range(0..3) {
            0 => format!("https://{}/{path}", site.host),
            1 => format!("{}/{path}", site.host),
            _ => format!("http://{}/{path}", site.host),
        };
    }
    let host = site.host.as_str();
    let slash_path = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    let tracking = match r.random_range(0..8) {
        0 => "?utm_source=sms&utm_medium=text",
        1 => "?utm_campaign=verificatie",
        2 => "?fbclid=IwAR0x7Zq3vP",
        3 => "?gclid=EAIaIQobChMI",
        _ => "",
    };
    match r.random_range(0..14) {
        0..3 => format!("https://{host}{slash_path}{tracking}"),
        3 => format!("http://{host}{slash_path}"),
        4..6 => site.domain.clone(),
        6 => format!("www.{}", site.domain),
        7 => format!("www.{}{slash_path}", site.domain),
        8 => format!("hxxps://{}{slash_path}", host.replace('.', "[.]")),
        9 => match host.rfind('.') {
            Some(i) => format!("hxxp://{}[.]{}{slash_path}", &host[..i], &host[i + 1..]),
            None => host.to_owned(),
        },
        10 => site.domain.replace('.', "(.)"),
        11 => format!("https://{}{slash_path}", capitalise_words(host)),
        12 => format!("https://{host}{slash_path}#/start"),
        _ => format!("{host}{slash_path}"),
    }
}

fn capitalise_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = true;
    for c in s.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = c == '.' || c == '-';
    }
    out
}

/// An offender's e-mail: at the group's own domain or at a free-mail
/// provider; with a serial, a mailbox at the provider that no other
/// serial gets (see `unique`).
pub(crate) fn email(r: &mut ChaCha8Rng, sites: &[Site], serial: Option<Serial>) -> String {
    if let Some(site) = sites.iter().find(|s| !s.shortener && !s.idn)
        && r.random_bool(0.4)
    {
        let local = pick(
            r,
            &[
                "info",
                "support",
                "klantenservice",
                "noreply",
                "factuur",
                "service",
            ],
        );
        return format!("{local}@{}", site.domain);
    }
    let first = ascii_fold(pick_str(r, text::FIRST_NAMES));
    let last = ascii_fold(pick_str(r, text::SURNAMES));
    let domain = *pick(
        r,
        &[
            "gmail.com",
            "gmail.com",
            "gmail.com",
            "hotmail.com",
            "outlook.com",
            "live.nl",
            "yahoo.com",
            "icloud.com",
            "proton.me",
            "hotmail.nl",
            "gmx.de",
            "outlook.de",
        ],
    );
    if let Some(serial) = serial {
        return format!("{first}.{last}.{}@{domain}", serial.tag());
    }
    match r.random_range(0..4) {
        0 => format!("{first}.{last}{}@{domain}", r.random_range(1..99)),
        1 => format!("{first}{last}@{domain}"),
        2 => format!("{first}{}@{domain}", r.random_range(1..9999)),
        _ => format!("{last}.{first}@{domain}"),
    }
}

pub(crate) fn email_written(r: &mut ChaCha8Rng, e: &str) -> String {
    match r.random_range(0..10) {
        0 => capitalise_words(e),
        1 => e.to_uppercase(),
        2 => format!("<{e}>"),
        3 => format!("mailto:{e}"),
        _ => e.to_owned(),
    }
}

/// Lower-case ASCII letters of a name, for handles and e-mail addresses.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ë' | 'é' | 'è' => Some('e'),
            'á' | 'ä' => Some('a'),
            'ï' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// An offender's account name; with a serial, one no other serial gets
/// (see `unique`).
pub(crate) fn handle_name(r: &mut ChaCha8Rng, serial: Option<Serial>) -> String {
    let first = ascii_fold(pick_str(r, text::FIRST_NAMES));
    let last = ascii_fold(pick_str(r, text::SURNAMES));
    if let Some(serial) = serial {
        return format!("{first}{last}_{}", serial.tag());
    }
    match r.random_range(0..6) {
        0 => format!("{first}{last}{}", r.random_range(1..999)),
        1 => format!("{first}.{last}{}", r.random_range(10..999)),
        2 => format!(
            "{first}_{}",
            pick(r, &["official", "trading", "invest", "nl", "shop"])
        ),
        // A bare first name would collide between unrelated groups far
        // more often than real account names do.
        3 => format!("crypto_coach_{first}{}", r.random_range(10..99)),
        4 => format!("{first}verkoop{}", r.random_range(1..99)),
        _ => format!("{first}{}", r.random_range(1000..9999)),
    }
}

/// A handle as written in a statement.
pub(crate) fn handle_written(r: &mut ChaCha8Rng, platform: &str, name: &str) -> String {
    let shown = capitalise_words(platform);
    let cased = if r.random_bool(0.2) {
        capitalise_words(name)
    } else {
        name.to_owned()
    };
    match (platform, r.random_range(0..6)) {
        ("telegram", 0) => format!("t.me/{cased}"),
        ("instagram", 0) => format!("instagram.com/{cased}"),
        (_, 0 | 1) => format!("@{cased} ({shown})"),
        (_, 2) => format!("@{cased} op {shown}"),
        (_, 3) => format!("{shown} @{cased}"),
        (_, 4) => format!("{shown}-account @{cased}"),
        _ => format!("@{cased} via {}", platform.to_lowercase()),
    }
}

pub(crate) fn platform_field(r: &mut ChaCha8Rng, platform: &str) -> String {
    match (platform, r.random_range(0..4)) {
        ("instagram", 0) => "insta".to_owned(),
        (p, 1) => capitalise_words(p),
        (p, _) => p.to_owned(),
    }
}

/// A benign domain as mentioned: bare, with `www.`, or as a link with a
/// path of its own (a Tikkie or short link per victim).
pub(crate) fn platform_written(domain: &str, r: &mut ChaCha8Rng) -> String {
    match domain {
        "tikkie.me" => format!("https://tikkie.me/pay/{}", random_code(r, 12)),
        "wa.me" => "https://wa.me/".to_owned(),
        _ => {
            if text_is_shortener(domain) || r.random_bool(0.15) {
                format!("https://{domain}/{}", random_code(r, 6))
            } else if r.random_bool(0.3) {
                format!("www.{domain}")
            } else {
                domain.to_owned()
            }
        }
    }
}

fn text_is_shortener(domain: &str) -> bool {
    matches!(
        domain,
        "bit.ly" | "tinyurl.com" | "is.gd" | "cutt.ly" | "t.ly" | "shorturl.at"
    )
}
