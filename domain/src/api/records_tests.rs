//! The record field rules, case by case.

use super::*;

fn create(input: RecordInput) -> Result<RecordFields, FieldError> {
    let kind = input.kind.unwrap_or(RecordKind::Contact);
    input.apply(&RecordFields::empty(kind), true)
}

fn contact() -> RecordInput {
    RecordInput {
        kind: Some(RecordKind::Contact),
        name: Some("  Ada Lovelace ".into()),
        emails: Some(vec!["Ada@Example.COM".into(), "ada@example.com".into()]),
        ..RecordInput::default()
    }
}

#[test]
fn a_contact_is_normalized() {
    let record = create(contact()).unwrap();
    assert_eq!(record.name, "Ada Lovelace");
    assert_eq!(record.emails, ["ada@example.com"]);
}

#[test]
fn each_broken_rule_names_its_field() {
    let cases: Vec<(RecordInput, &str)> = vec![
        (
            RecordInput {
                kind: None,
                ..contact()
            },
            "kind",
        ),
        (
            RecordInput {
                name: Some(" ".into()),
                ..contact()
            },
            "name",
        ),
        (
            RecordInput {
                emails: Some(vec!["a@b.c".into(), "no".into()]),
                ..contact()
            },
            "emails.1",
        ),
        (
            RecordInput {
                domain: Some("contoso.com".into()),
                ..contact()
            },
            "domain",
        ),
        (
            RecordInput {
                stage: Some(OpportunityStage::Proposal),
                ..contact()
            },
            "stage",
        ),
        (
            RecordInput {
                phone: Some("call me".into()),
                ..contact()
            },
            "phone",
        ),
        (
            RecordInput {
                kind: Some(RecordKind::Opportunity),
                name: Some("Deal".into()),
                amount: Some("12.345".into()),
                ..RecordInput::default()
            },
            "amount",
        ),
        (
            RecordInput {
                kind: Some(RecordKind::Opportunity),
                name: Some("Deal".into()),
                amount: Some("12.5".into()),
                ..RecordInput::default()
            },
            "currency",
        ),
        (
            RecordInput {
                kind: Some(RecordKind::Opportunity),
                name: Some("Deal".into()),
                close_date: Some("2026-02-30".into()),
                ..RecordInput::default()
            },
            "closeDate",
        ),
        (
            RecordInput {
                kind: Some(RecordKind::Lead),
                name: Some("Lead".into()),
                emails: Some(vec!["a@b.co".into(), "c@d.co".into()]),
                ..RecordInput::default()
            },
            "emails",
        ),
        (
            RecordInput {
                kind: Some(RecordKind::Account),
                name: Some("Contoso".into()),
                domain: Some("-bad-.com".into()),
                ..RecordInput::default()
            },
            "domain",
        ),
    ];
    for (input, field) in cases {
        assert_eq!(create(input.clone()).unwrap_err().field, field, "{input:?}");
    }
}

#[test]
fn an_opportunity_has_its_defaults_and_its_amount_in_cents() {
    let record = create(RecordInput {
        kind: Some(RecordKind::Opportunity),
        name: Some("Fabrikam renewal".into()),
        amount: Some("12500.5".into()),
        currency: Some("eur".into()),
        close_date: Some("2028-02-29".into()),
        ..RecordInput::default()
    })
    .unwrap();
    assert_eq!(record.stage, Some(OpportunityStage::Prospecting));
    assert_eq!(record.amount_minor, Some(1_250_050));
    assert_eq!(record.amount_text().as_deref(), Some("12500.50"));
    assert_eq!(record.currency.as_deref(), Some("EUR"));
}

#[test]
fn a_patch_merges_clears_and_keeps_the_kind() {
    let current = create(RecordInput {
        phone: Some("+44 20 7946 0000".into()),
        company: Some("Analytical Engines".into()),
        ..contact()
    })
    .unwrap();
    let patched = RecordInput {
        phone: Some(String::new()),
        emails: Some(vec![]),
        ..RecordInput::default()
    }
    .apply(&current, false)
    .unwrap();
    assert_eq!(patched.phone, None);
    assert!(patched.emails.is_empty());
    assert_eq!(patched.company, current.company);
    let kind = RecordInput {
        kind: Some(RecordKind::Lead),
        ..RecordInput::default()
    }
    .apply(&current, false)
    .unwrap_err();
    assert_eq!(kind.field, "kind");
}
