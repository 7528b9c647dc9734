//! Conformance of `ident::crypto` with suites from outside the project: the
//! BIP-173/BIP-350 reference vectors, Bitcoin Core's `key_io` address
//! vectors (mainnet subset) and the EIP-55 test cases
//! (`tests/conformance/`).

use fraudlink::ident::crypto::{self, Chain, Crypto};
use serde_json::Value;

/// Reads a conformance file; a missing or malformed file fails the test.
fn load(name: &str) -> Value {
    let path = format!("{}/tests/conformance/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The items of a JSON array at `key` of `v`.
fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().unwrap_or_else(|| panic!("missing {key}"))
}

/// A JSON string, or the first element of a `[string, ...]` array.
fn text(v: &Value) -> &str {
    v.as_str()
        .or_else(|| v[0].as_str())
        .unwrap_or_else(|| panic!("not a string case: {v}"))
}

#[test]
fn bip_valid_addresses_decode_to_lower_case() {
    let file = load("bech32_bip173_bip350_vectors.json");
    let valid = items(&file, "VALID_ADDRESS");
    assert_eq!(valid.len(), 8);
    for case in valid {
        let address = text(case);
        let parsed = Crypto::parse(address);
        let lower = address.to_ascii_lowercase();
        assert_eq!(
            parsed.as_ref().map(Crypto::as_str),
            Ok(lower.as_str()),
            "{address}"
        );
        assert_eq!(parsed.as_ref().map(Crypto::chain), Ok(Chain::Bitcoin));
        // An address found in text is the same address.
        let found = crypto::find_in_text(&format!("stuur naar {address}."));
        assert_eq!(found.len(), 1, "{address}");
        assert_eq!(found[0].value, lower);
    }
}

#[test]
fn bip_invalid_addresses_are_rejected() {
    let file = load("bech32_bip173_bip350_vectors.json");
    let invalid = items(&file, "INVALID_ADDRESS");
    assert_eq!(invalid.len(), 15);
    for case in invalid {
        let address = text(case);
        assert!(Crypto::parse(address).is_err(), "{address} was accepted");
        assert!(
            crypto::find_in_text(address).is_empty(),
            "{address} was found"
        );
    }
}

#[test]
fn bip_checksum_vectors_are_not_addresses() {
    // VALID_BECH32/VALID_BECH32M are checksum vectors with other HRPs
    // (`a`, `abcdef`, `split`, ...), not segwit addresses: none of them may
    // be taken for an address. INVALID_ADDRESS_ENC lists encoder inputs
    // (hrp, version, program length), not strings, so it has nothing to
    // parse and is skipped.
    let file = load("bech32_bip173_bip350_vectors.json");
    for key in ["VALID_BECH32", "VALID_BECH32M"] {
        for case in items(&file, key) {
            let s = text(case);
            assert!(Crypto::parse(s).is_err(), "{key} {s} was accepted");
            assert!(crypto::find_in_text(s).is_empty(), "{key} {s} was found");
        }
    }
}

#[test]
fn bitcoin_core_valid_addresses_are_accepted() {
    let file = load("bitcoin_eth_address_vectors.json");
    let core = &file["bitcoin_core_key_io"];
    let base58 = items(core, "valid_base58");
    let segwit = items(core, "valid_segwit");
    assert_eq!(base58.len() + segwit.len(), 14);
    for case in base58 {
        let address = text(&case["address"]);
        let parsed = Crypto::parse(address);
        // Base58 is case-sensitive: the canonical form is as written.
        assert_eq!(
            parsed.as_ref().map(Crypto::as_str),
            Ok(address),
            "{address}"
        );
        assert_eq!(parsed.as_ref().map(Crypto::chain), Ok(Chain::Bitcoin));
    }
    for case in segwit {
        let address = text(&case["address"]);
        // Bitcoin Core also tries the upper-case form (tryCaseFlip).
        for written in [address.to_owned(), address.to_ascii_uppercase()] {
            let parsed = Crypto::parse(&written);
            assert_eq!(
                parsed.as_ref().map(Crypto::as_str),
                Ok(address),
                "{written}"
            );
        }
    }
}

#[test]
fn bitcoin_core_invalid_addresses_are_rejected() {
    let file = load("bitcoin_eth_address_vectors.json");
    let invalid = items(&file["bitcoin_core_key_io"], "invalid");
    assert_eq!(invalid.len(), 16);
    for case in invalid {
        let address = text(case);
        assert!(Crypto::parse(address).is_err(), "{address} was accepted");
        assert!(
            crypto::find_in_text(address).is_empty(),
            "{address} was found"
        );
    }
}

#[test]
fn all_eip55_cases_are_accepted_in_lower_case() {
    let file = load("bitcoin_eth_address_vectors.json");
    let eip55 = &file["eip55"];
    let mut count = 0;
    for key in ["all_caps", "all_lower", "normal"] {
        for case in items(eip55, key) {
            let address = text(case);
            let parsed = Crypto::parse(address);
            let lower = format!("0x{}", address[2..].to_ascii_lowercase());
            assert_eq!(
                parsed.as_ref().map(Crypto::as_str),
                Ok(lower.as_str()),
                "{address}"
            );
            assert_eq!(parsed.as_ref().map(Crypto::chain), Ok(Chain::Ethereum));
            count += 1;
        }
    }
    assert_eq!(count, 8);
}

#[test]
fn a_case_flipped_eip55_address_is_rejected() {
    let file = load("bitcoin_eth_address_vectors.json");
    for case in items(&file["eip55"], "normal") {
        let address = text(case);
        // Flip the case of each hex letter in turn: every single flip of a
        // checksummed address must fail, unless it makes the address all
        // one case (which carries no checksum).
        for (i, c) in address.char_indices().skip(2) {
            if !c.is_ascii_alphabetic() {
                continue;
            }
            let flipped: String = address
                .char_indices()
                .map(|(j, d)| {
                    if j != i {
                        d
                    } else if d.is_ascii_uppercase() {
                        d.to_ascii_lowercase()
                    } else {
                        d.to_ascii_uppercase()
                    }
                })
                .collect();
            let hex = &flipped[2..];
            let one_case = hex == hex.to_ascii_lowercase() || hex == hex.to_ascii_uppercase();
            if one_case {
                continue;
            }
            let reason = Crypto::parse(&flipped).err().map(|e| e.reason());
            assert_eq!(reason, Some("checksum"), "{flipped}");
        }
    }
}
