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

/// The pane, then the release `liaison` (`target/release/liaison`), checked first.
pub fn build() -> Result<()> {
    check_features()?;
    pane::build(&[])?;
    run(Command::new("cargo")
        .args(["build", "--release", "--locked", "-p", "liaison-server"])
        .current_dir(workspace_root()))?;
    println!("built addin-ui/dist and target/release/liaison");
    Ok(())
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
