//! Crypto addresses that pass their checksums.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sha3::{Digest, Keccak256};

use crate::random::{random_code, weighted};

/// A checksum-valid address: bech32 segwit, Tron, Ethereum (EIP-55) or
/// legacy base58check Bitcoin.
pub(crate) fn crypto_address(r: &mut ChaCha8Rng) -> String {
    let mut payload = [0u8; 21];
    r.fill(&mut payload[1..]);
    match weighted(r, &[40, 30, 20, 10]) {
        0 => {
            let program: [u8; 20] = payload[1..].try_into().unwrap_or([0; 20]);
            bech32::segwit::encode(bech32::hrp::BC, bech32::segwit::VERSION_0, &program)
                .unwrap_or_else(|_| format!("1{}", random_code(r, 32)))
        }
        1 => {
            payload[0] = 0x41;
            bs58::encode(payload).with_check().into_string()
        }
        2 => eip55(&payload[1..]),
        _ => {
            payload[0] = if r.random_bool(0.7) { 0x00 } else { 0x05 };
            bs58::encode(payload).with_check().into_string()
        }
    }
}

/// An Ethereum address with the EIP-55 mixed-case checksum.
fn eip55(addr: &[u8]) -> String {
    let mut hex = String::with_capacity(40);
    for b in addr {
        let _ = write!(hex, "{b:02x}");
    }
    let hash = Keccak256::digest(hex.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in hex.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}
