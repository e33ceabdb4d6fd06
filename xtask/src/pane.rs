//! The task pane's release build: trunk (offline, with the tools `scripts/setup` installed),
//! then what trunk cannot do — the wasm's import names shortened (`wasm_imports`), the
//! JavaScript glue minified by esbuild (trunk's minifier fails on wasm-bindgen's output and
//! ships it as it is, trunk-rs/trunk#1044) — and the page's integrity hashes renewed (`sri`).
//! Together 5.8 KB gzip of the pane (issue 18).

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::{sri, wasm_imports, workspace_root};

/// Builds the release pane into `addin-ui/dist`; `trunk_args` go to `trunk build`.
pub fn build(trunk_args: &[String]) -> Result<()> {
    let root = workspace_root();
    let path = tool_path(&root)?;
    // Trunk's offline mode passes --offline to cargo: fetch first.
    run(Command::new("cargo")
        .args(["fetch", "--locked", "--quiet"])
        .current_dir(&root)
        .env("PATH", &path))?;
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .args(trunk_args)
        .current_dir(&root)
        .env("PATH", &path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true"))?;
    finish(&root.join("addin-ui/dist"), &path)
}

/// Renames the imports, minifies the glue and renews the hashes of what trunk built in `dist`.
fn finish(dist: &Path, path: &OsString) -> Result<()> {
    let wasm_path = only_file(dist, "_bg.wasm")?;
    let js_path = only_file(dist, ".js")?;
    let page_path = dist.join("index.html");
    let mut page = fs::read_to_string(&page_path).context("the pane's index.html")?;
    let wasm = fs::read(&wasm_path)?;
    let js = fs::read_to_string(&js_path)?;
    // Each file's hash must be on the page before the file changes, or the build fails rather
    // than ship a page the browser refuses.
    let (wasm_before, js_before) = (sri::integrity(&wasm), sri::integrity(js.as_bytes()));
    for before in [&wasm_before, &js_before] {
        ensure!(
            page.contains(&format!("integrity={before}")),
            "{} has no integrity={before}",
            page_path.display()
        );
    }

    let renamed = wasm_imports::rename(&wasm, &js)?;
    fs::write(&wasm_path, &renamed.wasm)?;
    fs::write(&js_path, &renamed.js)?;
    println!("build-ui: {} imports renamed", renamed.count);

    // ES2020 at most: the minifier must not write newer syntax (`||=`, …) than the glue has,
    // for the Safari that Outlook on a Mac embeds.
    run(Command::new("esbuild")
        .arg(&js_path)
        .args([
            "--minify",
            "--format=esm",
            "--target=es2020",
            "--log-level=warning",
            "--allow-overwrite",
        ])
        .arg(format!("--outfile={}", js_path.display()))
        .env("PATH", path))?;

    let js = fs::read(&js_path)?;
    page = sri::renew(&page, &wasm_before, &sri::integrity(&renamed.wasm))?;
    page = sri::renew(&page, &js_before, &sri::integrity(&js))?;
    fs::write(&page_path, &page)?;

    // Every hash the page names must now be the hash of a file it loads.
    let mut files = Vec::new();
    for entry in fs::read_dir(dist)? {
        let file = entry?.path();
        if ["wasm", "js", "css"]
            .iter()
            .any(|e| file.extension() == Some(e.as_ref()))
        {
            files.push(fs::read(file)?);
        }
    }
    let stale = sri::unmatched(&page, &files.iter().map(Vec::as_slice).collect::<Vec<_>>());
    if !stale.is_empty() {
        bail!(
            "{} names hashes no file in {} has: {stale:?}",
            page_path.display(),
            dist.display()
        );
    }
    Ok(())
}

/// The one file in `dist` whose name ends with `suffix`.
fn only_file(dist: &Path, suffix: &str) -> Result<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dist).with_context(|| format!("{}", dist.display()))? {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!(
            "expected one *{suffix} in {}, found {}",
            dist.display(),
            found.len()
        ),
    }
}

/// `PATH` with the project's npm tools (esbuild) and cargo's installs (trunk) first.
fn tool_path(root: &Path) -> Result<OsString> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let mut dirs = vec![root.join("node_modules/.bin"), cargo_home.join("bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    Ok(std::env::join_paths(dirs)?)
}

/// Runs `command`; fails with its name when it fails.
pub fn run(command: &mut Command) -> Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .status()
        .with_context(|| format!("could not start {program}"))?;
    ensure!(status.success(), "{program} failed ({status})");
    Ok(())
}
