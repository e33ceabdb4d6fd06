//! The pane's JSON reader held to serde_json's reading, natively: the same reader
//! (`read.rs`) walks a `serde_json::Value`, and for every answer the pane reads, and every
//! variation of it (each field absent, `null`, of another type, an unknown field added), the
//! two readings agree. The reader reads a struct as a sequence in the order serde names its
//! fields, which serde does not promise; a serde release, or a serde attribute on an answer
//! type, that the reader would misread fails here.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::Invalid;
use super::read::{Source, from_source};
use super::samples::{Check, every_answer};

impl Source for Value {
    type Items = std::vec::IntoIter<Value>;
    type Object = Map<String, Value>;
    type Entries =
        std::iter::Map<serde_json::map::IntoIter, fn((String, Value)) -> (Option<String>, Value)>;

    fn is_absent(&self) -> bool {
        self.is_null()
    }

    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }

    fn as_f64(&self) -> Option<f64> {
        Value::as_f64(self)
    }

    fn is_string(&self) -> bool {
        Value::is_string(self)
    }

    fn into_string(self) -> Option<String> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn into_items(self) -> Result<Self::Items, Value> {
        match self {
            Value::Array(items) => Ok(items.into_iter()),
            other => Err(other),
        }
    }

    fn into_object(self) -> Option<Map<String, Value>> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    fn take_field(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
        object.remove(name)
    }

    fn into_entries(object: Map<String, Value>) -> Self::Entries {
        fn entry((key, value): (String, Value)) -> (Option<String>, Value) {
            (Some(key), value)
        }
        object.into_iter().map(entry)
    }
}

/// Every variation of `value`: for each object in it, each field removed, set to `null`, set
/// to a value of another type, and an unknown field added.
fn variations(value: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    match value {
        Value::Object(object) => {
            let mut unknown = object.clone();
            unknown.insert("addedLater".into(), json!({"x": [1, 2.5, null]}));
            found.push(Value::Object(unknown));
            for (key, field) in object {
                let with = |replacement: Option<Value>| {
                    let mut changed = object.clone();
                    match replacement {
                        Some(r) => changed.insert(key.clone(), r),
                        None => changed.remove(key),
                    };
                    Value::Object(changed)
                };
                found.push(with(None));
                found.push(with(Some(Value::Null)));
                let other_type = if field.is_string() {
                    json!(7)
                } else {
                    json!("7")
                };
                found.push(with(Some(other_type)));
                for inner in variations(field) {
                    found.push(with(Some(inner)));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for inner in variations(item) {
                    let mut changed = items.clone();
                    changed[i] = inner;
                    found.push(Value::Array(changed));
                }
            }
        }
        _ => {}
    }
    found
}

/// Where the pane's reader and serde_json read `value` differently, as `T`.
fn disagreement<T: DeserializeOwned + PartialEq + Debug>(value: &Value) -> Option<String> {
    let ours = from_source::<T, _>(value.clone());
    let theirs = serde_json::from_value::<T>(value.clone());
    let agree = match (&ours, &theirs) {
        (Ok(a), Ok(b)) => a == b,
        // A required field that is absent is named as serde_json names it.
        (Err(Invalid::MissingField(name)), Err(e)) => e
            .to_string()
            .starts_with(&format!("missing field `{name}`")),
        (Err(_), Err(e)) => !e.to_string().starts_with("missing field"),
        _ => false,
    };
    (!agree).then(|| format!("{value}\n  pane: {ours:?}\n  serde_json: {theirs:?}"))
}

/// Collects every disagreement over every answer and its variations.
#[derive(Default)]
struct Agreement {
    answers: usize,
    readings: usize,
    disagreements: Vec<String>,
}

impl Check for Agreement {
    fn answer<T: Serialize + DeserializeOwned + PartialEq + Debug>(&mut self, value: &T) {
        let written = serde_json::to_value(value).unwrap();
        assert_eq!(from_source::<T, _>(written.clone()).as_ref(), Ok(value));
        self.answers += 1;
        for variation in std::iter::once(written.clone()).chain(variations(&written)) {
            self.readings += 1;
            self.disagreements.extend(disagreement::<T>(&variation));
        }
    }
}

#[test]
fn the_pane_reads_every_answer_and_every_variation_of_it_as_serde_json_does() {
    let mut agreement = Agreement::default();
    every_answer(&mut agreement);
    eprintln!(
        "{} answers, {} readings",
        agreement.answers, agreement.readings
    );
    assert!(agreement.answers >= 11 && agreement.readings > 700);
    assert!(
        agreement.disagreements.is_empty(),
        "{} of {} readings differ:\n{}",
        agreement.disagreements.len(),
        agreement.readings,
        agreement.disagreements.join("\n")
    );
}

/// The check can fail: types the reader would misread are caught by it.
#[test]
fn a_serde_attribute_the_reader_misreads_is_caught() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Aliased {
        #[serde(alias = "oldName")]
        name: Option<String>,
    }
    assert!(disagreement::<Aliased>(&json!({"oldName": "x"})).is_some());

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    enum Shape {
        Circle { radius: u32 },
    }
    let written = serde_json::to_value(Shape::Circle { radius: 2 }).unwrap();
    assert!(disagreement::<Shape>(&written).is_some());

    // And one it reads as serde_json does agrees.
    assert_eq!(disagreement::<Aliased>(&json!({"name": "x"})), None);
}

/// The pane reads only a slice of a booking link (`api::LinkList`, `api::MadeLink`): what the
/// server writes — the whole `BookingLink`, and every variation of it — reads into that slice
/// as serde_json reads it.
#[test]
fn the_pane_reads_its_slice_of_a_booking_link_as_serde_json_does() {
    use liaison_domain::api::{
        BookingKind, BookingLink, BookingLinkCreated, BookingLinks, BookingOffer, Person,
    };

    use crate::api::{LinkList, MadeLink};

    let person = |mailbox: &str, name: &str| Person {
        mailbox: mailbox.into(),
        display_name: name.into(),
    };
    let link = BookingLink {
        id: "0193-link".into(),
        subject: "Intro call".into(),
        organizer: person("olga@contoso.com", "Olga Organizer"),
        initiator: person("ann@contoso.com", "Ann Editor"),
        created_by: person("ann@contoso.com", "Ann Editor"),
        offer: BookingOffer {
            kind: BookingKind::Availability,
            meeting_minutes: 30,
            time_zone: "Europe/Paris".into(),
            first_day: Some("2026-12-08".into()),
            last_day: Some("2026-12-14".into()),
            working_hours: None,
            slots: Vec::new(),
        },
        created_at: "2026-12-07T09:00:00Z".into(),
        expires_at: "2026-12-21T09:00:00Z".into(),
        revoked_at: None,
        state: "active".into(),
        bookings: 2,
    };
    let created = serde_json::to_value(BookingLinkCreated {
        link: link.clone(),
        url: "https://liaison.example/book/bk_x".into(),
    })
    .unwrap();
    let listed = serde_json::to_value(BookingLinks { links: vec![link] }).unwrap();
    for value in std::iter::once(created.clone()).chain(variations(&created)) {
        assert_eq!(disagreement::<MadeLink>(&value), None);
    }
    for value in std::iter::once(listed.clone()).chain(variations(&listed)) {
        assert_eq!(disagreement::<LinkList>(&value), None);
    }
    let made = from_source::<MadeLink, _>(created).unwrap();
    assert_eq!(
        (made.url.as_str(), made.link.organizer.display_name.as_str()),
        ("https://liaison.example/book/bk_x", "Olga Organizer")
    );
    let list = from_source::<LinkList, _>(listed).unwrap();
    assert_eq!(
        (list.links[0].bookings, list.links[0].state.as_str()),
        (2, "active")
    );
}
