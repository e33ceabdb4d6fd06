//! Test support: input as an outsider may send it — arbitrary bytes, arbitrary JSON, and valid
//! documents with a few bytes changed — for the property tests of every parser of outside input
//! (Graph pages and errors, webhook bodies, JWTs, JWKS; the HTTP API has its own over the wire in
//! `tests/tests/e2e/outside_input.rs`).

use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON a few levels deep, object keys drawn from `keys` or made up.
pub fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".{0,24}".prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,7})?Z?"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(keys).prop_map(str::to_owned),
                        "[a-zA-Z@.]{1,10}"
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// `valid` with one to five bytes replaced, inserted or removed, or a tail repeated.
pub fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6).prop_map(
        move |edits| {
            let mut bytes = valid.clone();
            for (at, byte, kind) in edits {
                let len = bytes.len();
                let i = at.index(len.max(1)).min(len);
                match kind {
                    0 if len > 0 => bytes[i.min(len - 1)] = byte,
                    1 => bytes.insert(i, byte),
                    2 if len > 0 => {
                        bytes.remove(i.min(len - 1));
                    }
                    _ => {
                        let tail = bytes[i..].to_vec();
                        bytes.extend_from_slice(&tail);
                    }
                }
            }
            bytes
        },
    )
}

/// Any of: random bytes, random JSON, `valid` mutated.
pub fn document(valid: Value, keys: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_value(keys).prop_map(|v| v.to_string().into_bytes()),
        mutated(valid.to_string().into_bytes()),
    ]
}
