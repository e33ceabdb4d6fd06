//! The simulated Outlook's Office.js stand-in offers only what Office.js offers: `tsc` checks it
//! against Microsoft's official typings (`@types/office-js`, pinned in package.json) for the
//! Mailbox requirement set the manifest declares. A member the typings lack — Office.js has no
//! `iCalUId`; an organizer-mode item has no `itemId` — fails the check.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tsc() -> PathBuf {
    let tsc = root().join("node_modules/.bin/tsc");
    assert!(
        tsc.exists(),
        "{} is missing: run scripts/setup (npm ci installs TypeScript and @types/office-js)",
        tsc.display()
    );
    tsc
}

/// Type-checks `source` (the stand-in, possibly changed) in a directory of its own.
fn check(source: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let office_host = root().join("m365-sim/src/office_host");
    std::fs::write(dir.path().join("office.js"), source).unwrap();
    std::fs::copy(
        office_host.join("standin.d.ts"),
        dir.path().join("standin.d.ts"),
    )
    .unwrap();
    let types = root().join("node_modules/@types");
    let config = serde_json::json!({
        "compilerOptions": {
            "allowJs": true, "checkJs": true, "noEmit": true, "strict": false,
            "target": "es2017", "lib": ["es2017", "dom"], "types": ["office-js"],
            "typeRoots": [types],
        },
        "files": ["standin.d.ts", "office.js"],
    });
    std::fs::write(dir.path().join("tsconfig.json"), config.to_string()).unwrap();
    run(dir.path())
}

fn run(project: &Path) -> Result<(), String> {
    let output = Command::new("node")
        .arg(tsc())
        .arg("-p")
        .arg(project)
        .output()
        .expect("node runs (scripts/setup installs it)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

fn standin() -> String {
    std::fs::read_to_string(root().join("m365-sim/src/office_host/office.js")).unwrap()
}

#[test]
fn the_standin_type_checks_against_the_official_office_js_typings() {
    // The project's own configuration, as the README's check runs it.
    run(&root().join("m365-sim/src/office_host")).unwrap();
    check(&standin()).unwrap();
}

#[test]
fn a_member_office_js_does_not_have_fails_the_check() {
    let source = standin();
    let with_ical_uid = source.replacen(
        "      itemId: readModeId(e),",
        "      itemId: readModeId(e),\n      iCalUId: e.ical_uid,",
        1,
    );
    assert_ne!(
        with_ical_uid, source,
        "the read item's itemId line is there"
    );
    let error = check(&with_ical_uid).unwrap_err();
    assert!(error.contains("'iCalUId' does not exist"), "{error}");

    // Organizer (compose) mode has no itemId: getItemIdAsync gives it once saved.
    let compose_with_item_id = source.replacen(
        "      itemType: \"appointment\",\n      subject: field(e.subject),",
        "      itemType: \"appointment\",\n      itemId: ewsId(e.id),\n      subject: field(e.subject),",
        1,
    );
    assert_ne!(compose_with_item_id, source);
    let error = check(&compose_with_item_id).unwrap_err();
    assert!(error.contains("'itemId' does not exist"), "{error}");

    // A shape the typings lack: convertToRestId answering a number.
    let wrong_shape = source.replacen(
        "return itemId.replace(/\\//g, \"-\").replace(/\\+/g, \"_\");",
        "return itemId.length;",
        1,
    );
    assert_ne!(wrong_shape, source);
    let error = check(&wrong_shape).unwrap_err();
    assert!(
        error.contains("convertToRestId") || error.contains("not assignable"),
        "{error}"
    );
}
