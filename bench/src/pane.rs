//! The task pane in headless Chromium: the time from navigating the pane to its item context on
//! screen (the pane records `performance.now()` when it shows the context), median of several
//! runs, against the release server in demo mode on loopback. The transfer size is printed by
//! `scripts/bundle-size` beside it (see `scripts/bench`).

use std::time::Duration;

use anyhow::Context;
use fantoccini::Locator;
use liaison_e2e::Browser;
use liaison_e2e::people::seeded;

use crate::server::Server;

pub async fn report(runs: usize, server_bin: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let server = Server::start_demo(server_bin).await?;
    server.grant_demo_admin_consent().await?;
    let browser = Browser::start().await;
    let client = browser.client();
    let mut times = Vec::with_capacity(runs);
    // The first load fills Chromium's cache and compiles the wasm; it is not counted.
    for run in 0..=runs {
        client
            .goto(&format!(
                "{}/dev/outlook?mailbox=ann@contoso.com&item={}",
                server.url,
                seeded(1)
            ))
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#ol-pane[src*='taskpane']"))
            .await?;
        client.enter_frame(0).await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(".lz-level"))
            .await
            .context("the item context did not show")?;
        let shown = client
            .execute("return window.__liaisonContextShownAt;", vec![])
            .await?
            .as_f64()
            .context("the pane did not record when it showed the context")?;
        client.enter_parent_frame().await?;
        if run > 0 {
            times.push(shown);
        }
    }
    browser.close().await;
    server.stop().await;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "task pane: item context shown {median:.0} ms after navigation (median of {runs} warm loads; \
         min {:.0} ms, max {:.0} ms), headless Chromium, release server on loopback",
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}
