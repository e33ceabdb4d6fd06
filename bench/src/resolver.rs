//! The permission resolver in process: how many resolutions a second one core does.

use std::hint::black_box;
use std::time::Instant;

use liaison_domain::api::ResolveRequest;
use liaison_domain::permissions::{Facts, resolve};
use serde_json::{Value, json};

/// The spec's example request (§2), as JSON.
pub fn spec_request() -> Value {
    serde_json::to_value(ResolveRequest::example()).expect("the example serializes")
}

/// Every bit set × creator × privacy × sync × CRM state: a spread of inputs, not one hot path.
fn fact_sets() -> Vec<Facts> {
    let mut sets = Vec::new();
    for bits in 0..=63u32 {
        for created_by in ["owner", "delegate", "other"] {
            for (private, sync, exists, crm) in [
                (false, true, false, "none"),
                (true, false, true, "read"),
                (false, false, true, "edit"),
            ] {
                let mut request = spec_request();
                request["access"] = json!({ "officeDelegatePermissions": bits });
                request["item"]["createdBy"] = json!(created_by);
                request["item"]["isPrivate"] = json!(private);
                request["organizerSyncEnabled"] = json!(sync);
                request["crm"] = json!({ "eventExists": exists, "delegateAccess": crm });
                let request: ResolveRequest =
                    serde_json::from_value(request).expect("a valid request");
                sets.push(request.to_facts().expect("valid facts"));
            }
        }
    }
    sets
}

/// Prints resolutions per second over [`fact_sets`].
pub fn report() {
    let sets = fact_sets();
    // Warm up, then measure for about a second.
    for facts in &sets {
        black_box(resolve(black_box(facts)));
    }
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_millis() < 1000 {
        for facts in &sets {
            black_box(resolve(black_box(facts)));
        }
        n += sets.len() as u64;
    }
    let elapsed = started.elapsed();
    println!(
        "resolver, in process: {:.0} resolutions/s, {:.0} ns each ({} fact sets, {n} resolutions, one core)",
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / n as f64,
        sets.len(),
    );
}
