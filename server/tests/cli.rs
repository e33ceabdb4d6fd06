//! The `liaison` binary as a person runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const LIAISON: &str = env!("CARGO_BIN_EXE_liaison");

#[test]
fn serve_logs_the_address_it_listens_on() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(LIAISON)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());

    let line = stderr
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("listening on"));
    let _ = child.kill();
    let _ = child.wait();

    let line = line.expect("a `listening on` line");
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    assert!(data.path().join("liaison.db").exists());
}

#[test]
fn manifest_prints_the_manifest_for_the_public_url() {
    let out = Command::new(LIAISON)
        .args(["manifest", "--public-url", "https://crm.contoso.com/"])
        .output()
        .unwrap();

    assert!(out.status.success());
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("https://crm.contoso.com/taskpane.html"));
}

#[test]
fn manifest_refuses_a_url_that_is_not_absolute() {
    let out = Command::new(LIAISON)
        .args(["manifest", "--public-url", "crm.contoso.com"])
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("public-url"));
}

#[test]
fn migrate_creates_the_store() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("nested/dir/liaison.db");
    let out = Command::new(LIAISON)
        .args(["migrate", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .output()
        .unwrap();

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
}
