//! `cargo xtask`: Liaison's build tooling, in Rust beside the code it builds (issue 25).
//!
//! - `build-ui`: the task pane's release build — trunk, then the wasm's import names shortened,
//!   the JavaScript glue minified (esbuild), and the page's Subresource Integrity hashes renewed
//!   and checked.
//! - `check-imports`: fails on an import cycle among a crate's modules.
//! - `release`: the task pane and the release `liaison` binary (which carries the pane),
//!   checked to carry no test feature; `check-release-artifact`: that binary, run from an empty
//!   folder, serves the pane.
//!
//! `scripts/build-ui` and `scripts/check-imports` are thin wrappers; the README's commands call
//! them.

mod imports;
mod pane;
mod release;
mod sri;
mod wasm_imports;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Liaison's build tooling")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Builds the release task pane into addin-ui/dist (trunk, offline), then shortens the
    /// wasm's import names, minifies the JavaScript glue and renews the integrity hashes.
    BuildUi {
        /// Passed on to `trunk build`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        trunk_args: Vec<String>,
    },
    /// Fails when the modules of a crate import each other in a cycle.
    CheckImports {
        /// Crate source folders (default: every crate's `src`).
        roots: Vec<PathBuf>,
    },
    /// Fails when a plain release build of `liaison` would carry a test feature.
    CheckReleaseFeatures,
    /// The task pane and the release `liaison` binary, without test features.
    Release,
    /// Builds the release `liaison` and checks it serves the task pane from an empty folder.
    CheckReleaseArtifact,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::BuildUi { trunk_args } => pane::build(&trunk_args),
        Task::CheckImports { roots } => imports::check_roots(&roots),
        Task::CheckReleaseFeatures => release::check_features(),
        Task::Release => release::build(),
        Task::CheckReleaseArtifact => release::check_artifact(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's root folder (xtask's parent), whatever the caller's folder.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), |p| p.to_path_buf())
}
