//! The release build: the task pane and the `liaison` binary, and the check that a plain
//! release build of `liaison` carries no test feature (crash points, the demo, test support).
//! The suites that turn those on (`tests`, `bench`) are not default members; feature
//! unification would otherwise compile them into the release binary (issue 25).

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::pane::{self, run};
use crate::workspace_root;

/// Features of `liaison-server` only tests may turn on.
const TEST_FEATURES: [&str; 3] = ["crash-points", "demo", "test-support"];

/// Fails when what `cargo build --release` at the root builds turns on a test feature.
pub fn check_features() -> Result<()> {
    let output = Command::new("cargo")
        .args([
            "tree",
            "--locked",
            "-e",
            "features",
            "-i",
            "liaison-server",
            "--prefix",
            "none",
        ])
        .current_dir(workspace_root())
        .output()
        .context("could not start cargo tree")?;
    if !output.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let on = test_features_in(&String::from_utf8_lossy(&output.stdout));
    if !on.is_empty() {
        bail!("a plain release build of liaison has test features: {on:?}");
    }
    println!("the release build of liaison carries no test feature");
    Ok(())
}

/// The test features `cargo tree -e features -i liaison-server` shows turned on.
fn test_features_in(tree: &str) -> Vec<&'static str> {
    TEST_FEATURES
        .into_iter()
        .filter(|feature| tree.contains(&format!("liaison-server feature \"{feature}\"")))
        .collect()
}

/// The pane, then the release `liaison` (`target/release/liaison`), which carries it.
pub fn build() -> Result<()> {
    check_features()?;
    pane::build(&[])?;
    build_binary()?;
    println!("built addin-ui/dist and target/release/liaison, which carries it");
    Ok(())
}

fn build_binary() -> Result<()> {
    run(Command::new("cargo")
        .args(["build", "--release", "--locked", "-p", "liaison-server"])
        .current_dir(workspace_root()))
}

/// Builds the release `liaison` (with the pane `addin-ui/dist` holds) and runs it from an
/// empty folder: it must serve the task pane's page and its wasm with nothing beside it.
pub fn check_artifact() -> Result<()> {
    build_binary()?;
    let binary = workspace_root().join("target/release/liaison");
    let elsewhere = std::env::temp_dir().join(format!("liaison-artifact-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new(&binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&elsewhere)
        .current_dir(&elsewhere)
        .env_remove("LIAISON_UI_DIR")
        .env("RUST_LOG", "warn")
        .spawn()
        .context("could not start the release binary")?;
    let outcome = served_from_anywhere(port);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&elsewhere);
    outcome?;
    println!("the release binary serves the task pane from any folder");
    Ok(())
}

/// The pane's page and the wasm it names, from the server on `port`.
fn served_from_anywhere(port: u16) -> Result<()> {
    let mut page = None;
    for _ in 0..100 {
        if let Ok(answer) = http_get(port, "/taskpane.html") {
            page = Some(answer);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, _, html) = page.context("the release binary did not answer")?;
    if status != 200 {
        bail!("/taskpane.html answered {status}: {html}");
    }
    let wasm = html
        .split(['"', '\'', ' '])
        .find(|word| word.ends_with("_bg.wasm"))
        .context("the page names no wasm")?
        .trim_start_matches('.')
        .to_owned();
    let (status, content_type, _) = http_get(port, &wasm)?;
    if status != 200 || content_type != "application/wasm" {
        bail!("{wasm} answered {status} ({content_type})");
    }
    Ok(())
}

/// A plain HTTP/1.1 GET: the status, the content type and the body as text.
fn http_get(port: u16, path: &str) -> Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Ok((status, content_type, body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_feature_in_the_tree_is_found() {
        let clean = "liaison-server v0.1.0 (/work/server)\nliaison-server feature \"default\"\n";
        assert!(test_features_in(clean).is_empty());
        let unified = format!(
            "{clean}liaison-server feature \"crash-points\"\nliaison-server feature \"demo\"\n"
        );
        assert_eq!(test_features_in(&unified), ["crash-points", "demo"]);
    }
}
