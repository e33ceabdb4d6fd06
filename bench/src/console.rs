//! The administrators' console in headless Chromium: its transfer size (the page, its script
//! and stylesheet, raw and gzip) and the time from navigating to `/admin` — signed in already —
//! to the People list on screen (the console opens on Settings; the People tab is chosen as
//! soon as the console shows), median of several warm loads, against the release server in
//! demo mode on loopback.

use std::time::Duration;

use anyhow::Context;
use fantoccini::Locator;
use liaison_e2e::Browser;

use crate::server::Server;

pub async fn report(runs: usize, server_bin: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let server = Server::start_demo(server_bin).await?;
    let base = server.url.replace("127.0.0.1", "localhost");
    let http = reqwest::Client::new();
    let mut raw = 0;
    for path in ["/admin", "/assets/console.js", "/assets/console.css"] {
        raw += http
            .get(format!("{base}{path}"))
            .send()
            .await?
            .bytes()
            .await?
            .len();
    }
    let browser = Browser::start().await;
    let client = browser.client();
    // Sign in once, as Adele, through the simulator's identity pages.
    client.goto(&format!("{base}/admin/sign-in")).await?;
    client
        .wait()
        .for_element(Locator::Css("input[name=user][value='adele@contoso.com']"))
        .await?
        .click()
        .await?;
    client.find(Locator::Css("#accept")).await?.click().await?;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#console:not([hidden])"))
        .await
        .context("the console did not open after the sign-in")?;
    let mut times = Vec::with_capacity(runs);
    // The first load fills Chromium's cache; it is not counted.
    for run in 0..=runs {
        client.goto(&format!("{base}/admin")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#console:not([hidden])"))
            .await?;
        client
            .find(Locator::Css("#tab-people"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#people-table tbody tr"))
            .await
            .context("the People list did not show")?;
        let shown = client
            .execute("return performance.now();", vec![])
            .await?
            .as_f64()
            .context("no performance.now()")?;
        if run > 0 {
            times.push(shown);
        }
    }
    browser.close().await;
    server.stop().await;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "administrators' console: {:.1} KB (page, script, stylesheet; served uncompressed); \
         People list shown {median:.0} ms after navigation (median of {runs} warm loads; min \
         {:.0} ms, max {:.0} ms; WebDriver's polling included), headless Chromium, release \
         server on loopback",
        raw as f64 / 1024.0,
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}
