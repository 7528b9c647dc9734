//! Cryptocurrency addresses (Bitcoin, Ethereum, Tron): checksum-verified
//! parsing to a canonical form and finding addresses in free text.
//!
//! Checksums are verified with the ecosystem crates: `bs58` (base58check,
//! Bitcoin P2PKH/P2SH and Tron), `bech32` (BIP-173/BIP-350 segwit) and `sha3`
//! (Keccak-256 for the EIP-55 mixed-case checksum of Ethereum). An address
//! whose checksum fails is rejected: a mistyped address cannot be told apart
//! from a different one, so it never links.
//!
//! Canonical forms (docs/formats.md): base58 addresses as written (base58 is
//! case-sensitive), bech32 in lower case, Ethereum hex in lower case with a
//! `0x` prefix. An upper-case `0X` prefix is accepted, because officers
//! typing with caps lock produce it and the 40 hex digits that must follow
//! leave no doubt about what it is.

use std::fmt;

use bech32::primitives::decode::SegwitHrpstringError;
use sha3::{Digest, Keccak256};

use super::{Kind, Match, ParseError};

/// The blockchain an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    /// Bitcoin: base58check P2PKH/P2SH or a segwit (bech32/bech32m) address.
    Bitcoin,
    /// Ethereum (and EVM chains sharing its address format): `0x` + 40 hex.
    Ethereum,
    /// Tron: base58check with version byte 0x41, starting with `T`.
    Tron,
}

impl Chain {
    /// The lower-case name used in output (`bitcoin`, `ethereum`, `tron`).
    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Bitcoin => "bitcoin",
            Chain::Ethereum => "ethereum",
            Chain::Tron => "tron",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cryptocurrency address whose checksum has been verified, in canonical
/// form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Crypto {
    chain: Chain,
    value: String,
}

/// Base58check version byte of a Bitcoin mainnet P2PKH address (`1...`).
const BTC_P2PKH: u8 = 0x00;
/// Base58check version byte of a Bitcoin mainnet P2SH address (`3...`).
const BTC_P2SH: u8 = 0x05;
/// Base58check version byte of a Tron address (`T...`).
const TRON: u8 = 0x41;
/// Bytes before the checksum in a base58check address: version + 20-byte hash.
const BASE58_PAYLOAD_LEN: usize = 21;
/// Longest base58 Bitcoin address in characters (a 25-byte value).
const MAX_BASE58_LEN: usize = 35;
/// Length of a Tron address in characters.
const TRON_LEN: usize = 34;
/// Length of an Ethereum address with its `0x` prefix.
const ETH_LEN: usize = 42;
/// Shortest and longest segwit address (BIP-173: 90 characters at most).
const SEGWIT_LEN: std::ops::RangeInclusive<usize> = 14..=90;
/// Shortest address of any chain, in characters: a segwit one (base58
/// ones have at least 26).
const SHORTEST_LEN: usize = *SEGWIT_LEN.start();

impl Crypto {
    /// Parses an address, trimming surrounding whitespace.
    ///
    /// Error reasons: `"empty"`, `"format"` (no known address shape, or
    /// characters outside the encoding), `"length"`, `"version"` (base58check
    /// value of another kind, such as a testnet address or a private key),
    /// `"network"` (segwit address of a network other than Bitcoin mainnet or
    /// testnet) and `"checksum"`.
    pub fn parse(raw: &str) -> Result<Crypto, ParseError> {
        let s = raw.trim();
        let err = |reason| ParseError::new(Kind::Crypto, reason, raw);
        if s.is_empty() {
            return Err(err("empty"));
        }
        // Every supported encoding is ASCII; rejecting anything else here
        // also makes the byte-index slicing below safe.
        if !s.is_ascii() {
            return Err(err("format"));
        }
        let bytes = s.as_bytes();
        let result = if bytes.len() >= 2 && bytes[0] == b'0' && bytes[1].eq_ignore_ascii_case(&b'x')
        {
            parse_ethereum(s)
        } else if is_segwit_prefix(bytes) {
            parse_segwit(s)
        } else if bytes[0] == b'T' {
            parse_base58(s, Chain::Tron)
        } else if bytes[0] == b'1' || bytes[0] == b'3' {
            parse_base58(s, Chain::Bitcoin)
        } else {
            Err("format")
        };
        result.map_err(err)
    }

    /// Like [`Crypto::parse`], except that an Ethereum address whose
    /// mixed case fails EIP-55 is accepted in lower case.
    ///
    /// The case of hex digits carries only a typo check: the 40 digits name
    /// one address whatever their case, and people retyping an address
    /// from a screenshot mangle case far more often than digits. Linking on
    /// the lower-case form only joins reports that name the same 40 digits,
    /// so a real typo links nothing; refusing the value would lose the
    /// retyped ones. Extraction uses this; `parse` stays strict.
    pub fn parse_lenient(raw: &str) -> Result<Crypto, ParseError> {
        match Crypto::parse(raw) {
            Err(e) if e.reason() == "checksum" => {
                let s = raw.trim();
                let mut lower = s.to_ascii_lowercase();
                if lower.starts_with("0x") && lower.len() == ETH_LEN {
                    lower.replace_range(..2, "0x");
                    Ok(Crypto {
                        chain: Chain::Ethereum,
                        value: lower,
                    })
                } else {
                    Err(e)
                }
            }
            other => other,
        }
    }

    /// The canonical address.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The chain the address belongs to.
    pub fn chain(&self) -> Chain {
        self.chain
    }
}

impl fmt::Display for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl AsRef<str> for Crypto {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

/// Whether the text starts like a Bitcoin segwit address (`bc1`/`tb1`, any
/// case).
fn is_segwit_prefix(bytes: &[u8]) -> bool {
    bytes.len() >= 3
        && bytes[2] == b'1'
        && (bytes[..2].eq_ignore_ascii_case(b"bc") || bytes[..2].eq_ignore_ascii_case(b"tb"))
}

/// Parses `0x` + 40 hex digits (ASCII input). Mixed case must carry a valid
/// EIP-55 checksum; all-lower and all-upper carry none and are accepted.
fn parse_ethereum(s: &str) -> Result<Crypto, &'static str> {
    if s.len() != ETH_LEN {
        return Err("length");
    }
    let hex = &s.as_bytes()[2..];
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return Err("format");
    }
    let lower = s[2..].to_ascii_lowercase();
    let has_lower = hex.iter().any(u8::is_ascii_lowercase);
    let has_upper = hex.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper && !eip55_holds(hex, &lower) {
        return Err("checksum");
    }
    Ok(Crypto {
        chain: Chain::Ethereum,
        value: format!("0x{lower}"),
    })
}

/// Checks the EIP-55 checksum: a hex letter must be upper case exactly when
/// the matching nibble of Keccak-256 of the lower-case hex is 8 or more.
fn eip55_holds(hex: &[u8], lower: &str) -> bool {
    let hash = Keccak256::digest(lower.as_bytes());
    hex.iter().enumerate().all(|(i, c)| {
        if !c.is_ascii_alphabetic() {
            return true;
        }
        let byte = hash.get(i / 2).copied().unwrap_or(0);
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        c.is_ascii_uppercase() == (nibble >= 8)
    })
}

/// Parses a segwit address of Bitcoin mainnet (`bc`) or testnet (`tb`):
/// witness version 0 with a bech32 checksum, 1 to 16 with bech32m, and a
/// program length valid for its version (all checked by `bech32`).
fn parse_segwit(s: &str) -> Result<Crypto, &'static str> {
    if !SEGWIT_LEN.contains(&s.len()) {
        return Err("length");
    }
    match bech32::segwit::decode(s) {
        Ok((hrp, _version, _program)) => {
            if hrp.is_valid_on_mainnet() || hrp.is_valid_on_testnet() {
                Ok(Crypto {
                    chain: Chain::Bitcoin,
                    value: s.to_ascii_lowercase(),
                })
            } else {
                Err("network")
            }
        }
        Err(e) => Err(match e.0 {
            SegwitHrpstringError::Checksum(_) => "checksum",
            SegwitHrpstringError::TooLong(_) | SegwitHrpstringError::WitnessLength(_) => "length",
            _ => "format",
        }),
    }
}

/// Parses a base58check address for `chain`: Bitcoin P2PKH/P2SH mainnet, or
/// Tron. The decoded value is a version byte and a 20-byte hash, then the
/// 4-byte checksum that `bs58` verifies.
fn parse_base58(s: &str, chain: Chain) -> Result<Crypto, &'static str> {
    let length_ok = match chain {
        Chain::Tron => s.len() == TRON_LEN,
        _ => s.len() <= MAX_BASE58_LEN,
    };
    if !length_ok {
        return Err("length");
    }
    // Decoding onto a stack buffer keeps the finder allocation-free for
    // candidates that fail.
    let mut buf = [0u8; 64];
    let payload_len = bs58::decode(s)
        .with_check(None)
        .onto(&mut buf)
        .map_err(|e| match e {
            bs58::decode::Error::InvalidChecksum { .. } => "checksum",
            bs58::decode::Error::BufferTooSmall | bs58::decode::Error::NoChecksum => "length",
            _ => "format",
        })?;
    if payload_len != BASE58_PAYLOAD_LEN {
        return Err("length");
    }
    let version_ok = match chain {
        Chain::Tron => buf[0] == TRON,
        _ => buf[0] == BTC_P2PKH || buf[0] == BTC_P2SH,
    };
    if !version_ok {
        return Err("version");
    }
    Ok(Crypto {
        chain,
        value: s.to_owned(),
    })
}

/// Whether a whole word of text has the outer shape of an address, so that
/// only those words are checksummed.
fn has_address_shape(word: &[u8]) -> bool {
    let len = word.len();
    match word.first() {
        Some(b'0') => len == ETH_LEN && word[1].eq_ignore_ascii_case(&b'x'),
        Some(b'1' | b'3') => (26..=MAX_BASE58_LEN).contains(&len),
        Some(b'T') => len == TRON_LEN,
        Some(_) => is_segwit_prefix(word) && SEGWIT_LEN.contains(&len),
        None => false,
    }
}

/// Finds valid cryptocurrency addresses in free text.
///
/// An address must be a whole word (a run of ASCII letters and digits, so
/// surrounding punctuation such as a trailing dot is never included) and
/// pass its checksum ([`Crypto::parse_lenient`]: an Ethereum address with
/// mangled case counts). Only valid addresses are returned, with their
/// canonical value. Allocates nothing when the text holds no candidate.
pub fn find_in_text(text: &str) -> Vec<Match> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        // A word shorter than any address is passed over from the last
        // byte within that length that ends it; what follows that byte
        // starts a word or is no word.
        let Some(head) = bytes.get(i..i + SHORTEST_LEN) else {
            break;
        };
        if let Some(k) = head.iter().rposition(|b| !b.is_ascii_alphanumeric()) {
            i += k + 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &bytes[start..i];
        if !has_address_shape(word) {
            continue;
        }
        // The word is ASCII and delimited by ASCII bytes or the text's ends,
        // so the range is on char boundaries; `get` keeps this panic-free
        // regardless.
        if let Some(Ok(address)) = text.get(start..i).map(Crypto::parse_lenient) {
            found.push(Match {
                kind: Kind::Crypto,
                span: start..i,
                value: address.value,
                valid: true,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An expected parse result: `Ok((chain, canonical))` or `Err(reason)`.
    type Expected<'a> = Result<(Chain, &'a str), &'a str>;

    /// Checks one parse against its expected result.
    #[track_caller]
    fn check(input: &str, expected: Expected<'_>) {
        let got = Crypto::parse(input);
        let got = got
            .as_ref()
            .map(|c| (c.chain(), c.as_str()))
            .map_err(ParseError::reason);
        assert_eq!(got, expected, "parsing {input:?}");
    }

    /// Checks the finder: each expected match as (matched text, value).
    #[track_caller]
    fn check_find(text: &str, expected: &[(&str, &str)]) {
        let got: Vec<(String, String)> = find_in_text(text)
            .into_iter()
            .map(|m| {
                assert_eq!(m.kind, Kind::Crypto);
                assert!(m.valid);
                (text[m.span].to_owned(), m.value)
            })
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|&(s, v)| (s.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(got, expected, "finding in {text:?}");
    }

    const ETH_MIXED: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    const ETH_LOWER: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
    const BTC_P2PKH_ADDR: &str = "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo";
    const BTC_SEGWIT: &str = "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv";
    const TRON_ADDR: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

    #[test]
    fn valid_addresses_parse_to_their_canonical_form() {
        use Chain::*;
        let cases: &[(&str, Expected<'_>)] = &[
            (ETH_MIXED, Ok((Ethereum, ETH_LOWER))),
            (ETH_LOWER, Ok((Ethereum, ETH_LOWER))),
            (
                "0x52908400098527886E0F7030069857D2E4169EE7",
                Ok((Ethereum, "0x52908400098527886e0f7030069857d2e4169ee7")),
            ),
            (
                "0X52908400098527886E0F7030069857D2E4169EE7",
                Ok((Ethereum, "0x52908400098527886e0f7030069857d2e4169ee7")),
            ),
            (&format!("  {ETH_MIXED}\n"), Ok((Ethereum, ETH_LOWER))),
            (BTC_P2PKH_ADDR, Ok((Bitcoin, BTC_P2PKH_ADDR))),
            (
                "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm",
                Ok((Bitcoin, "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm")),
            ),
            (BTC_SEGWIT, Ok((Bitcoin, BTC_SEGWIT))),
            (&BTC_SEGWIT.to_ascii_uppercase(), Ok((Bitcoin, BTC_SEGWIT))),
            (TRON_ADDR, Ok((Tron, TRON_ADDR))),
        ];
        for (input, expected) in cases {
            check(input, *expected);
        }
    }

    #[test]
    fn invalid_addresses_are_rejected_with_a_reason() {
        let cases: &[(&str, Expected<'_>)] = &[
            ("", Err("empty")),
            ("hallo", Err("format")),
            // One letter of a checksummed address flipped in case.
            (
                "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                Err("checksum"),
            ),
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", Err("length")),
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", Err("format")),
            // Last character of a base58 address changed.
            ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp", Err("checksum")),
            ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2m0", Err("format")),
            ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", Err("checksum")),
            // A testnet P2SH address (`2...`) is not a mainnet shape.
            ("2UVPFpGYnLHJezFzjUo42our6PMEoozzRdM", Err("format")),
            (
                "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhw",
                Err("checksum"),
            ),
            ("bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuaC2lhv", Err("format")),
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAé", Err("format")),
            ("€€€", Err("format")),
        ];
        for (input, expected) in cases {
            check(input, *expected);
        }
    }

    #[test]
    fn chain_names_are_lower_case() {
        assert_eq!(Chain::Bitcoin.as_str(), "bitcoin");
        assert_eq!(Chain::Ethereum.to_string(), "ethereum");
        assert_eq!(Chain::Tron.as_str(), "tron");
        let tron = Crypto::parse(TRON_ADDR).map(|c| c.to_string());
        assert_eq!(tron.as_deref(), Ok(TRON_ADDR));
    }

    #[test]
    fn addresses_in_dutch_text_are_found() {
        check_find(
            &format!("Ik moest de bitcoins sturen naar {BTC_P2PKH_ADDR}."),
            &[(BTC_P2PKH_ADDR, BTC_P2PKH_ADDR)],
        );
        check_find(
            &format!("Wallet: {ETH_MIXED}, daarna USDT (TRC20) naar {TRON_ADDR}!"),
            &[(ETH_MIXED, ETH_LOWER), (TRON_ADDR, TRON_ADDR)],
        );
        check_find(
            &format!("zie https://etherscan.io/address/{ETH_LOWER}?tab=tx"),
            &[(ETH_LOWER, ETH_LOWER)],
        );
        check_find(
            "adres BC1QVYQ0CC6RAHYVSAZFDJE0TWL7EZ82NDMUAC2LHV (via QR-code)",
            &[("BC1QVYQ0CC6RAHYVSAZFDJE0TWL7EZ82NDMUAC2LHV", BTC_SEGWIT)],
        );
    }

    #[test]
    fn invalid_or_glued_addresses_are_not_found() {
        check_find("adres 1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp (typo)", &[]);
        check_find(&format!("x{BTC_P2PKH_ADDR}"), &[]);
        check_find(&format!("{ETH_LOWER}00"), &[]);
        check_find("kenmerk 1234567890123456789012345678 en 3333", &[]);
        check_find("Tijdens het gesprek zei hij dat het veilig was", &[]);
        check_find("", &[]);
    }

    /// The finder as it was, reading every word whole (the oracle).
    fn find_in_every_word(text: &str) -> Vec<Match> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if !has_address_shape(&bytes[start..i]) {
                continue;
            }
            if let Ok(address) = Crypto::parse_lenient(&text[start..i]) {
                found.push(Match {
                    kind: Kind::Crypto,
                    span: start..i,
                    value: address.value,
                    valid: true,
                });
            }
        }
        found
    }

    proptest! {
        #[test]
        fn the_finder_finds_what_reading_every_word_finds(
            parts in prop::collection::vec(
                prop_oneof![
                    Just(ETH_MIXED),
                    Just(BTC_P2PKH_ADDR),
                    Just(BTC_SEGWIT),
                    Just(TRON_ADDR),
                    Just("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
                    Just("abcdefghijklm"),
                    Just("a"),
                    Just("7"),
                    Just(" "),
                    Just("."),
                    Just("é"),
                ],
                0..12,
            )
        ) {
            let text = parts.concat();
            prop_assert_eq!(find_in_text(&text), find_in_every_word(&text));
        }

        #[test]
        fn parse_and_find_never_panic_on_any_string(s in ".*") {
            let _ = Crypto::parse(&s);
            for m in find_in_text(&s) {
                prop_assert!(s.get(m.span.clone()).is_some());
            }
        }

        #[test]
        fn parse_and_find_never_panic_on_printable_text(s in "\\PC*") {
            let _ = Crypto::parse(&s);
            for m in find_in_text(&s) {
                prop_assert!(s.get(m.span.clone()).is_some());
            }
        }

        #[test]
        fn address_shaped_noise_never_panics(s in "(0[xX]|bc1|BC1|tb1|T|1|3)[0-9A-Za-zé]{0,60}") {
            let _ = Crypto::parse(&s);
            let _ = find_in_text(&s);
        }

        #[test]
        fn parse_is_idempotent(pick in 0usize..5, upper in any::<bool>()) {
            let raw = [ETH_MIXED, ETH_LOWER, BTC_P2PKH_ADDR, BTC_SEGWIT, TRON_ADDR][pick];
            // Upper-casing is only meaningful for the case-insensitive forms.
            let raw = if upper && pick == 3 { raw.to_ascii_uppercase() } else { raw.to_owned() };
            let first = Crypto::parse(&raw);
            prop_assert!(first.is_ok());
            if let Ok(first) = first {
                let again = Crypto::parse(first.as_str());
                prop_assert_eq!(again, Ok(first));
            }
        }
    }
}
