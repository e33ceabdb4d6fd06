//! `liaison tenant-check` against the simulator: the same program an operator runs against a
//! real tenant before a rollout. Every behaviour Liaison relies on must hold here — where
//! Microsoft leaves an answer open (a private item read by a delegate without private access),
//! on both of the simulator's answers. A simulator that drifts from `docs/MICROSOFT.md` fails
//! this test.

use liaison_e2e::people::{ANN, OTTO};
use liaison_server::graph::client::GraphClient;
use liaison_server::tenant_check::{self, Mailbox, Verdict};
use m365_sim::world::PrivateItemRead;
use m365_sim::{Seed, Simulator};

const SCOPES: &str = "User.Read Calendars.ReadWrite Calendars.Read.Shared";
/// The delegate's token may also write in the calendars shared with them, so that the check
/// can make an item as the delegate in the owner's calendar (D16); Liaison never asks for it.
const DELEGATE_SCOPES: &str =
    "User.Read Calendars.ReadWrite Calendars.Read.Shared Calendars.ReadWrite.Shared";
const OTTO_ID: &str = "00000006-aaaa-4bbb-8ccc-000000000006";
const ANN_ID: &str = "00000002-aaaa-4bbb-8ccc-000000000002";

/// Otto, who owns the calendar, and Ann, his Editor delegate without private access, with
/// Graph tokens the simulator mints; a Graph client on the simulator.
fn otto_and_ann(sim: &Simulator, tenant: &str) -> (Mailbox, Mailbox, reqwest::Client, GraphClient) {
    let owner = Mailbox {
        address: OTTO.into(),
        token: sim.graph_token(tenant, OTTO_ID, SCOPES).into(),
    };
    let delegate = Mailbox {
        address: ANN.into(),
        token: sim.graph_token(tenant, ANN_ID, DELEGATE_SCOPES).into(),
    };
    let http = reqwest::Client::new();
    let graph = GraphClient::new(http.clone(), &format!("{}/v1.0", sim.url()));
    (owner, delegate, http, graph)
}

#[tokio::test]
async fn every_behaviour_liaison_relies_on_holds_in_the_simulator() {
    let seed = Seed::contoso();
    let tenant = seed.tenants[0].id.clone();
    let sim = Simulator::start(seed).await.unwrap();
    let (owner, delegate, http, graph) = otto_and_ann(&sim, &tenant);
    for private_read in [PrivateItemRead::Stripped, PrivateItemRead::Refused] {
        sim.set_private_item_read(private_read);
        let findings = tenant_check::run(&graph, &http, &owner, &delegate).await;
        let report: Vec<String> = findings.iter().map(ToString::to_string).collect();
        println!("{}", report.join("\n"));
        for id in [
            "D1", "D3", "D4", "D7", "D9", "D10", "D12", "D13", "D14", "D16", "S1", "B1", "B4", "B5",
        ] {
            assert!(findings.iter().any(|f| f.id == id), "{id} is checked");
        }
        for finding in &findings {
            assert!(
                matches!(finding.verdict, Verdict::Holds | Verdict::Noted),
                "{finding}"
            );
        }
        // The meetings the check made, and the identity probes, are gone again.
        for mailbox in [OTTO, ANN] {
            let left = sim
                .outlook()
                .events_of(mailbox)
                .into_iter()
                .filter(|e| e.subject.contains("tenant check") || e.subject.contains("identity"))
                .count();
            assert_eq!(left, 0, "{mailbox}");
        }
    }
}

#[tokio::test]
async fn a_calendar_the_delegate_has_not_added_shows_in_the_check() {
    let seed = Seed::contoso();
    let tenant = seed.tenants[0].id.clone();
    let sim = Simulator::start(seed).await.unwrap();
    sim.set_calendar_added(ANN, OTTO, false);
    let (owner, delegate, http, graph) = otto_and_ann(&sim, &tenant);
    let findings = tenant_check::run(&graph, &http, &owner, &delegate).await;
    let d7 = findings.iter().find(|f| f.id == "D7").unwrap();
    assert_eq!(d7.verdict, Verdict::Differs, "{d7}");
    assert!(d7.answered.contains("accepted"), "{d7}");
}
