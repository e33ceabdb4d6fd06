//! The rules against the source article's table, and their properties.
//!
//! [`expected`] restates the spec as a first-match chain in precedence order — a different shape
//! from the implementation, which collects every refusal and gives the first — and the table
//! test compares the two over every combination of the facts.

use proptest::prelude::*;

use super::*;

/// The levels of the article's table, as the facts express them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Owner,
    Editor,
    Author,
    Reviewer,
    SendOnBehalf,
    None,
}

const NAMED: [Named; 6] = [
    Named::Owner,
    Named::Editor,
    Named::Author,
    Named::Reviewer,
    Named::SendOnBehalf,
    Named::None,
];

#[derive(Debug, Clone, Copy)]
struct Case {
    named: Named,
    mode: ItemMode,
    created_by: CreatedBy,
    is_private: bool,
    can_view_private: bool,
    sync: bool,
    event_exists: bool,
    crm: CrmAccess,
}

fn facts(case: &Case) -> Facts {
    let bits = match case.named {
        Named::Owner | Named::Editor => OfficeBits::ALL,
        Named::Author => OfficeBits::AUTHOR,
        Named::Reviewer => OfficeBits::READ,
        Named::SendOnBehalf | Named::None => 0,
    };
    Facts {
        is_owner: case.named == Named::Owner,
        owner: "olga@contoso.com".into(),
        access: vec![AccessSource::Office(OfficeBits::new(bits.into()).unwrap())],
        client_bits: None,
        can_view_private_items: case.can_view_private,
        send_on_behalf: case.named == Named::SendOnBehalf,
        item: ItemFacts {
            mode: case.mode,
            created_by: case.created_by,
            is_private: case.is_private,
            is_inbound_invite: case.created_by == CreatedBy::Other,
        },
        organizer_sync_enabled: case.sync,
        crm: CrmFacts {
            event_exists: case.event_exists,
            delegate_access: case.crm,
        },
    }
}

fn processes(action: Action) -> bool {
    matches!(
        action,
        Action::SaveToCrm
            | Action::UpdateCrmEvent
            | Action::CategorizeForSync
            | Action::UnlinkFromCrm
    )
}

/// The rules, read top to bottom: the first rule that refuses gives the reason.
fn expected(case: &Case, action: Action) -> Option<Reason> {
    let n = case.named;
    if action == Action::ViewSidebar {
        return None;
    }
    // 1. None: no access at all; send-on-behalf has no calendar to respond or show from.
    if n == Named::None
        || (n == Named::SendOnBehalf
            && matches!(action, Action::RespondToInvite | Action::SendAvailability))
    {
        return Some(Reason::NoCalendarAccess);
    }
    // 2. Private items need "can see private items" (the owner always sees them).
    if case.is_private && n != Named::Owner && !case.can_view_private {
        return Some(Reason::PrivateItem);
    }
    // 3. Reviewer: the sidebar, read-only.
    if n == Named::Reviewer && action != Action::ViewDetails {
        return Some(Reason::ReviewerReadOnly);
    }
    // 4. Author: processes only items the delegate created.
    if n == Named::Author && processes(action) && case.created_by != CreatedBy::Delegate {
        return Some(Reason::AuthorNotCreator);
    }
    // 5. Send-on-behalf: items composed on the owner's behalf, in compose mode only.
    if n == Named::SendOnBehalf
        && action != Action::CreateInviteOnBehalf
        && case.mode == ItemMode::Read
    {
        return Some(Reason::ComposeOnly);
    }
    // 6. Creating the CRM event (Save with none yet, or the category path) needs the Organizer's sync.
    let creates =
        action == Action::CategorizeForSync || (action == Action::SaveToCrm && !case.event_exists);
    if creates && !case.sync {
        return Some(Reason::OrganizerSyncDisabled);
    }
    // 7. Update and unlink need a CRM event.
    let changes_event = matches!(action, Action::UpdateCrmEvent | Action::UnlinkFromCrm)
        || (action == Action::SaveToCrm && case.event_exists);
    if changes_event && !case.event_exists {
        return Some(Reason::NotFound);
    }
    // 8–9. Changing an existing CRM event needs the delegate's CRM rights.
    if changes_event {
        match case.crm {
            CrmAccess::None => return Some(Reason::CrmNoAccess),
            CrmAccess::Read => return Some(Reason::CrmReadOnly),
            CrmAccess::Edit => {}
        }
    }
    None
}

fn every_case() -> Vec<Case> {
    let mut cases = Vec::new();
    for named in NAMED {
        for mode in [ItemMode::Read, ItemMode::Compose] {
            for created_by in [CreatedBy::Owner, CreatedBy::Delegate, CreatedBy::Other] {
                for (is_private, can_view_private) in
                    [(false, false), (true, false), (true, true), (false, true)]
                {
                    for sync in [false, true] {
                        for event_exists in [false, true] {
                            for crm in [CrmAccess::None, CrmAccess::Read, CrmAccess::Edit] {
                                cases.push(Case {
                                    named,
                                    mode,
                                    created_by,
                                    is_private,
                                    can_view_private,
                                    sync,
                                    event_exists,
                                    crm,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    cases
}

#[test]
fn every_combination_of_the_articles_table_gets_the_specs_verdict() {
    let cases = every_case();
    assert_eq!(cases.len(), 6 * 2 * 3 * 4 * 2 * 2 * 3);
    for case in &cases {
        let resolution = resolve(&facts(case));
        for action in Action::ALL {
            assert_eq!(
                resolution.actions[&action].reason(),
                expected(case, action),
                "{action:?} for {case:?}"
            );
        }
    }
}

#[test]
fn levels_are_named_as_outlook_names_them() {
    let level = |bits: u32, send_on_behalf: bool| {
        let facts = Facts {
            access: vec![AccessSource::Office(OfficeBits::new(bits).unwrap())],
            send_on_behalf,
            ..facts(&every_case()[0])
        };
        resolve(&Facts {
            is_owner: false,
            ..facts
        })
        .level
    };
    assert_eq!(level(63, false), Level::Editor);
    assert_eq!(level(23, false), Level::Author);
    assert_eq!(level(1, false), Level::Reviewer);
    assert_eq!(level(0, false), Level::None);
    assert_eq!(level(0, true), Level::SendOnBehalf);
    assert_eq!(level(7, false), Level::Custom, "NonEditingAuthor");
    // "All" implies "own": EditAll + DeleteAll without the own bits is still an Editor.
    assert_eq!(level(1 | 2 | 8 | 32, false), Level::Editor);
}

#[test]
fn graph_roles_and_ews_levels_map_to_the_same_levels() {
    let level = |source: AccessSource| {
        let base = facts(&every_case()[0]);
        resolve(&Facts {
            is_owner: false,
            access: vec![source],
            can_view_private_items: true,
            ..base
        })
    };
    assert_eq!(
        level(AccessSource::Graph(GraphRole::Write)).level,
        Level::Editor
    );
    assert_eq!(
        level(AccessSource::Graph(GraphRole::Read)).level,
        Level::Reviewer
    );
    assert_eq!(
        level(AccessSource::Graph(GraphRole::FreeBusyRead)).level,
        Level::None
    );
    assert_eq!(
        level(AccessSource::Graph(GraphRole::Custom)).level,
        Level::Custom,
        "custom alone confirms nothing"
    );
    // Outlook's Author shows as Graph's `custom`; with the delegate's own view confirming that
    // they may write to the calendar, it is an Author — never more.
    let author = resolve(&Facts {
        is_owner: false,
        access: vec![
            AccessSource::Graph(GraphRole::Custom),
            AccessSource::CalendarView {
                can_edit: true,
                can_view_private: true,
            },
        ],
        can_view_private_items: true,
        ..facts(&every_case()[0])
    });
    assert_eq!(author.level, Level::Author);
    assert!(!author.capabilities.view_private);
    // The delegate's view alone confirms writing, not changing others' items.
    let view_only = resolve(&Facts {
        is_owner: false,
        access: vec![AccessSource::CalendarView {
            can_edit: true,
            can_view_private: false,
        }],
        ..facts(&every_case()[0])
    });
    assert_eq!(view_only.level, Level::Author);
    assert_eq!(
        level(AccessSource::Ews(EwsLevel::Author)).level,
        Level::Author
    );
    assert_eq!(
        level(AccessSource::Ews(EwsLevel::Reviewer)).level,
        Level::Reviewer
    );
    // Private visibility needs both the delegate flag and a role that includes it.
    let private = AccessSource::Graph(GraphRole::DelegateWithPrivateEventAccess);
    assert!(level(private).capabilities.view_private);
    let without = AccessSource::Graph(GraphRole::DelegateWithoutPrivateEventAccess);
    assert!(!level(without).capabilities.view_private);
}

#[test]
fn refusals_say_what_the_article_says() {
    assert_eq!(
        Reason::OrganizerSyncDisabled.message(),
        "Sync is not enabled for the Organizer"
    );
    assert_eq!(
        Reason::CrmNoAccess.message(),
        "Insufficient CRM permissions to save this event"
    );
    assert!(
        Reason::CrmReadOnly
            .message()
            .contains("ask the Organizer for access")
    );
    let codes: Vec<_> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "no_calendar_access",
            "private_item",
            "reviewer_read_only",
            "author_not_creator",
            "compose_only",
            "organizer_sync_disabled",
            "not_found",
            "crm_no_access",
            "crm_read_only"
        ]
    );
    for reason in Reason::ALL {
        let wire = serde_json::to_value(reason).unwrap();
        assert_eq!(wire, reason.as_str());
        assert!(!reason.message().ends_with('.'));
    }
}

#[test]
fn every_graph_role_maps_to_a_stated_level() {
    let with_view = |role: GraphRole, can_edit: bool, private: bool| {
        resolve(&Facts {
            is_owner: false,
            access: vec![
                AccessSource::Graph(role),
                AccessSource::CalendarView {
                    can_edit,
                    can_view_private: private,
                },
            ],
            can_view_private_items: private,
            ..facts(&every_case()[0])
        })
    };
    let cases = [
        (GraphRole::None, false, false, Level::None, false),
        (GraphRole::FreeBusyRead, false, false, Level::None, false),
        (GraphRole::LimitedRead, false, false, Level::None, false),
        (GraphRole::Read, false, false, Level::Reviewer, false),
        (GraphRole::Write, true, false, Level::Editor, false),
        (
            GraphRole::DelegateWithoutPrivateEventAccess,
            true,
            false,
            Level::Editor,
            false,
        ),
        (
            GraphRole::DelegateWithPrivateEventAccess,
            true,
            true,
            Level::Editor,
            true,
        ),
        (GraphRole::Custom, true, false, Level::Author, false),
        (GraphRole::Custom, false, false, Level::Reviewer, false),
    ];
    for (role, can_edit, private, level, sees_private) in cases {
        let resolution = with_view(role, can_edit, private);
        assert_eq!(resolution.level, level, "{role:?}");
        assert_eq!(
            resolution.capabilities.view_private, sees_private,
            "{role:?}"
        );
    }
}

#[test]
fn the_clients_bits_take_away_but_never_add() {
    let base = Facts {
        is_owner: false,
        access: vec![AccessSource::Graph(GraphRole::Read)],
        ..facts(&every_case()[0])
    };
    let raised = resolve(&Facts {
        client_bits: OfficeBits::new(63),
        ..base.clone()
    });
    assert_eq!(raised.level, Level::Reviewer);
    let editor = Facts {
        access: vec![AccessSource::Graph(GraphRole::Write)],
        ..base
    };
    let lowered = resolve(&Facts {
        client_bits: OfficeBits::new(1),
        ..editor.clone()
    });
    assert_eq!(lowered.level, Level::Reviewer);
    assert!(client_claims_more(
        &[AccessSource::Graph(GraphRole::Read)],
        OfficeBits::new(63).unwrap()
    ));
    assert!(!client_claims_more(
        &editor.access,
        OfficeBits::new(23).unwrap()
    ));
}

#[test]
fn sources_that_disagree_are_reported_and_the_least_wins() {
    let editor = AccessSource::Office(OfficeBits::new(63).unwrap());
    let reviewer = AccessSource::Graph(GraphRole::Read);
    assert!(sources_conflict(&[editor, reviewer]));
    assert!(!sources_conflict(&[editor, editor]));
    let resolution = resolve(&Facts {
        is_owner: false,
        access: vec![editor, reviewer],
        ..facts(&every_case()[0])
    });
    assert_eq!(resolution.level, Level::Reviewer);
}

fn any_source() -> impl Strategy<Value = AccessSource> {
    prop_oneof![
        (0u32..=63).prop_map(|b| AccessSource::Office(OfficeBits::new(b).unwrap())),
        prop::sample::select(vec![
            GraphRole::None,
            GraphRole::FreeBusyRead,
            GraphRole::LimitedRead,
            GraphRole::Read,
            GraphRole::Write,
            GraphRole::DelegateWithoutPrivateEventAccess,
            GraphRole::DelegateWithPrivateEventAccess,
            GraphRole::Custom,
        ])
        .prop_map(AccessSource::Graph),
        prop::sample::select(vec![
            EwsLevel::None,
            EwsLevel::Reviewer,
            EwsLevel::Author,
            EwsLevel::Editor,
            EwsLevel::Custom,
        ])
        .prop_map(AccessSource::Ews),
        (any::<bool>(), any::<bool>()).prop_map(|(can_edit, can_view_private)| {
            AccessSource::CalendarView {
                can_edit,
                can_view_private,
            }
        }),
        Just(AccessSource::NoCalendarView),
    ]
}

/// Sources that state every capability (no "unknown"): combined, they are their intersection.
fn any_exact_source() -> impl Strategy<Value = AccessSource> {
    any_source().prop_filter("states every capability", |source| {
        !matches!(
            source,
            AccessSource::CalendarView { .. } | AccessSource::Graph(GraphRole::Custom)
        )
    })
}

fn any_facts() -> impl Strategy<Value = Facts> {
    (
        prop::collection::vec(any_source(), 1..4),
        any::<[bool; 7]>(),
        prop::sample::select(vec![
            CreatedBy::Owner,
            CreatedBy::Delegate,
            CreatedBy::Other,
        ]),
        prop::sample::select(vec![CrmAccess::None, CrmAccess::Read, CrmAccess::Edit]),
    )
        .prop_map(|(access, flags, created_by, crm)| Facts {
            is_owner: flags[0],
            owner: "olga@contoso.com".into(),
            access,
            client_bits: None,
            can_view_private_items: flags[1],
            send_on_behalf: flags[2],
            item: ItemFacts {
                mode: if flags[3] {
                    ItemMode::Compose
                } else {
                    ItemMode::Read
                },
                created_by,
                is_private: flags[4],
                is_inbound_invite: created_by == CreatedBy::Other,
            },
            organizer_sync_enabled: flags[5],
            crm: CrmFacts {
                event_exists: flags[6],
                delegate_access: crm,
            },
        })
}

proptest! {
    #[test]
    fn every_bit_set_is_either_refused_as_out_of_range_or_resolved(bits in any::<u32>(), flags in any::<[bool; 3]>()) {
        match OfficeBits::new(bits) {
            None => prop_assert!(bits > 63),
            Some(office) => {
                prop_assert!(bits <= 63);
                let facts = Facts {
                    is_owner: false,
                    access: vec![AccessSource::Office(office)],
                    can_view_private_items: flags[0],
                    send_on_behalf: flags[1],
                    organizer_sync_enabled: flags[2],
                    ..facts(&every_case()[0])
                };
                let resolution = resolve(&facts);
                prop_assert_eq!(resolution.actions.len(), Action::ALL.len());
                prop_assert!(resolution.actions[&Action::ViewSidebar].is_allowed());
                prop_assert_eq!(resolution.capabilities.office_bits(), Capabilities::from_office_bits(office.bits()).office_bits());
            }
        }
    }

    #[test]
    fn combining_sources_never_grants_what_one_rules_out(facts in any_facts()) {
        let combined = resolve(&Facts { is_owner: false, ..facts.clone() });
        let mut confirmed = Capabilities::default();
        for source in &facts.access {
            let statement = source.statement();
            confirmed = confirmed.union(statement.confirms);
            let ruled_out = Capabilities { view_private: false, ..statement.denies };
            prop_assert_eq!(combined.capabilities.intersect(ruled_out), Capabilities::default(), "{:?}", source);
        }
        let calendar = Capabilities { view_private: false, ..combined.capabilities };
        prop_assert!(calendar.is_within(confirmed), "nothing unconfirmed is granted");
    }

    #[test]
    fn combining_exact_sources_never_grants_more_than_the_least_privileged_one(
        access in prop::collection::vec(any_exact_source(), 1..4),
        facts in any_facts(),
    ) {
        let facts = Facts { access, is_owner: false, ..facts };
        let combined = resolve(&facts);
        for source in &facts.access {
            let alone = resolve(&Facts { access: vec![*source], ..facts.clone() });
            prop_assert!(combined.capabilities.is_within(alone.capabilities));
            for action in Action::ALL {
                if combined.actions[&action].is_allowed() {
                    prop_assert!(alone.actions[&action].is_allowed(), "{:?} allowed combined but not by {:?}", action, source);
                }
            }
        }
    }

    #[test]
    fn no_client_bits_ever_raise_a_verdict(facts in any_facts(), bits in 0u32..=63) {
        let verified = resolve(&facts);
        let with_client = resolve(&Facts { client_bits: OfficeBits::new(bits), ..facts.clone() });
        prop_assert!(with_client.capabilities.is_within(verified.capabilities));
        for action in Action::ALL {
            if with_client.actions[&action].is_allowed() {
                prop_assert!(verified.actions[&action].is_allowed(), "{:?} raised by client bits {}", action, bits);
            }
        }
    }

    #[test]
    fn the_answer_does_not_depend_on_the_order_of_sources(facts in any_facts(), seed in any::<u64>()) {
        let mut shuffled = facts.clone();
        let n = shuffled.access.len();
        shuffled.access.rotate_left((seed as usize) % n);
        if seed % 2 == 0 { shuffled.access.reverse(); }
        prop_assert_eq!(resolve(&facts), resolve(&shuffled));
    }

    #[test]
    fn the_reason_given_is_the_first_refusal_in_precedence_order(mut reasons in prop::collection::vec(prop::sample::select(Reason::ALL.to_vec()), 0..9), seed in any::<u64>()) {
        let first = Reason::ALL.iter().copied().find(|r| reasons.contains(r));
        let n = reasons.len().max(1);
        reasons.rotate_left((seed as usize) % n);
        prop_assert_eq!(Verdict::from_refusals(&reasons).reason(), first);
    }

    #[test]
    fn the_owner_is_refused_only_by_the_crm(facts in any_facts()) {
        let resolution = resolve(&Facts { is_owner: true, ..facts });
        prop_assert_eq!(resolution.level, Level::Owner);
        for (action, verdict) in &resolution.actions {
            if let Some(reason) = verdict.reason() {
                prop_assert!(reason >= Reason::OrganizerSyncDisabled, "{:?}: {:?}", action, reason);
            }
        }
    }
}

#[test]
fn a_calendar_not_among_the_delegates_rules_everything_out_whatever_the_owners_list_says() {
    for role in [
        GraphRole::Write,
        GraphRole::DelegateWithPrivateEventAccess,
        GraphRole::Custom,
    ] {
        let resolution = resolve(&Facts {
            is_owner: false,
            access: vec![AccessSource::Graph(role), AccessSource::NoCalendarView],
            ..facts(&every_case()[0])
        });
        assert_eq!(resolution.capabilities, Capabilities::default(), "{role:?}");
        assert!(resolution.destination.is_none());
        // A list that grants while the delegate has no view is a disagreement (audited).
        let conflict = sources_conflict(&[AccessSource::Graph(role), AccessSource::NoCalendarView]);
        assert_eq!(conflict, role != GraphRole::Custom, "{role:?}");
    }
}
