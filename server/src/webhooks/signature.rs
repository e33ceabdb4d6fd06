//! `Liaison-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
//! webhook's secret (its whole text). The timestamp lets a receiver refuse replays of old
//! deliveries; `v1` names the scheme so another can be added beside it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "liaison-signature";

/// The header's value for `body` sent at `unix_seconds`.
pub fn sign(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    format!(
        "t={unix_seconds},v1={}",
        hex(&mac(secret, unix_seconds, body))
    )
}

/// Whether `header` is a valid signature of `body` by `secret`, made within `tolerance_s` of
/// `now_s` — what a receiver checks (compared in constant time).
pub fn verify(secret: &str, header: &str, body: &[u8], now_s: i64, tolerance_s: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return false;
    };
    if (now_s - t).abs() > tolerance_s {
        return false;
    }
    signatures.iter().any(|signature| {
        let Some(bytes) = unhex(signature) else {
            return false;
        };
        keyed(secret)
            .chain_update(signed_text(t, body))
            .verify_slice(&bytes)
            .is_ok()
    })
}

fn keyed(secret: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length")
}

fn signed_text(unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{unix_seconds}.").into_bytes();
    text.extend_from_slice(body);
    text
}

fn mac(secret: &str, unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    keyed(secret)
        .chain_update(signed_text(unix_seconds, body))
        .finalize()
        .into_bytes()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let header = sign("whsec_a", 1_000, b"{}");
        assert!(verify("whsec_a", &header, b"{}", 1_100, 300));
        assert!(!verify("whsec_b", &header, b"{}", 1_100, 300));
        assert!(!verify("whsec_a", &header, b"{ }", 1_100, 300));
        assert!(!verify("whsec_a", &header, b"{}", 2_000, 300));
        assert!(!verify("whsec_a", "t=1000,v1=zz", b"{}", 1_000, 300));
        assert!(!verify("whsec_a", "v1=00", b"{}", 1_000, 300));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Computed independently: `printf '1000.{}' | openssl dgst -sha256 -hmac whsec_a`.
        assert_eq!(
            sign("whsec_a", 1_000, b"{}"),
            "t=1000,v1=857c03773d397d92057cb2494a710df506e33c71b1e2fba087f0aedc667ef532"
        );
    }
}
