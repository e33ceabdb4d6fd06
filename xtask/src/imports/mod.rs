//! Fails when the modules of a crate import each other in a cycle (issue 14's layering; run by
//! the test command on every crate).
//!
//! Each file is a module (`lib.rs`/`main.rs` the crate root, `a/mod.rs` and `a.rs` the module
//! `a`). A module imports another when its code names it by path: `crate::a::b::Item`,
//! `super::x`, `self::x`, or a child module by its bare name (`child::f`). A path resolves to
//! the longest module it names. Test-only items and modules are left out (`paths.rs`). The
//! graph's strongly connected components of more than one module are the cycles; each is
//! printed with one edge per line (the file that imports, and what).

mod paths;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// A module, as its path from the crate root (`[]` is the root).
type Module = Vec<String>;

/// The crates checked when no folder is named.
const CRATES: [&str; 4] = ["server/src", "m365-sim/src", "domain/src", "addin-ui/src"];

/// Checks each folder (default: every crate's), printing the cycles found; fails if any.
pub fn check_roots(roots: &[PathBuf]) -> Result<()> {
    let roots: Vec<PathBuf> = if roots.is_empty() {
        CRATES.iter().map(|c| workspace_root().join(c)).collect()
    } else {
        roots.to_vec()
    };
    let mut report = String::new();
    for root in &roots {
        report += &cycles_report(root)?;
    }
    if !report.is_empty() {
        print!("{report}");
        bail!("import cycles found");
    }
    let names: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    println!("no import cycle in {}", names.join(", "));
    Ok(())
}

/// The import cycles among the modules under `root`, as text (empty: none).
fn cycles_report(root: &Path) -> Result<String> {
    let files = module_files(root)?;
    let mut named = BTreeMap::new();
    for (module, path) in &files {
        let code = fs::read_to_string(path)?;
        let file = syn::parse_file(&code).with_context(|| format!("{}", path.display()))?;
        named.insert(module.clone(), paths::named(&file));
    }
    // Modules declared test-only in their parent, and everything under them, are not checked.
    let test_only: BTreeSet<Module> = named
        .iter()
        .flat_map(|(module, n)| {
            n.test_modules
                .iter()
                .map(move |child| [module.clone(), vec![child.clone()]].concat())
        })
        .collect();
    let modules: BTreeSet<Module> = files
        .keys()
        .filter(|m| !test_only.iter().any(|t| m.starts_with(t)))
        .cloned()
        .collect();

    let mut edges: BTreeMap<Module, BTreeMap<Module, String>> = BTreeMap::new();
    for module in &modules {
        let targets = edges.entry(module.clone()).or_default();
        for path in &named[module].paths {
            if let Some(target) = resolve(path, module, &modules)
                && &target != module
                && !target.is_empty()
            {
                targets.entry(target).or_insert_with(|| path.join("::"));
            }
        }
    }

    let name = |m: &Module| {
        if m.is_empty() {
            "crate".to_owned()
        } else {
            m.join("::")
        }
    };
    let mut report = String::new();
    for component in strongly_connected(&modules, &edges) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&Module> = component.iter().collect();
        let names: Vec<String> = members.iter().map(|m| name(m)).collect();
        report += &format!(
            "{}: import cycle among {} modules: {}\n",
            root.display(),
            component.len(),
            names.join(", ")
        );
        for module in &members {
            for (target, why) in &edges[*module] {
                if members.contains(target) {
                    report += &format!(
                        "  {} -> {}   ({}: {why})\n",
                        name(module),
                        name(target),
                        files[*module].display()
                    );
                }
            }
        }
    }
    Ok(report)
}

/// Every `.rs` file under `root`, by the module it is.
fn module_files(root: &Path) -> Result<BTreeMap<Module, PathBuf>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).with_context(|| format!("{}", folder.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root)?.with_extension("");
                let mut module: Module = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                files.insert(module, path);
            }
        }
    }
    Ok(files)
}

/// The module `path`, named in `here`, refers to: the longest module it names, or `None` for
/// another crate's path or a local name.
fn resolve(path: &[String], here: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    let (base, rest): (Module, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("super" | "self") => {
            let mut base = here.clone();
            let mut rest = path;
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some(first) if modules.contains(&[here.clone(), vec![first.to_owned()]].concat()) => {
            (here.clone(), path)
        }
        _ => return None,
    };
    let mut found = base;
    for part in rest {
        let deeper = [found.clone(), vec![part.clone()]].concat();
        if !modules.contains(&deeper) {
            break;
        }
        found = deeper;
    }
    Some(found)
}

/// Tarjan's strongly connected components of the graph.
fn strongly_connected(
    nodes: &BTreeSet<Module>,
    edges: &BTreeMap<Module, BTreeMap<Module, String>>,
) -> Vec<Vec<Module>> {
    struct Tarjan<'g> {
        edges: &'g BTreeMap<Module, BTreeMap<Module, String>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flat_map(BTreeMap::keys) {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                self.found.push(component);
            }
        }
    }
    let mut tarjan = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in nodes {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    tarjan.found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate in a temporary folder: (file, code) pairs.
    fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, code) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, code).unwrap();
        }
        dir
    }

    const LAYERED: [(&str, &str); 5] = [
        ("lib.rs", "mod http; mod store; mod domain;"),
        ("http/mod.rs", "mod routes; use crate::store::Store;"),
        (
            "http/routes.rs",
            "use super::super::domain::Rule; fn f() { crate::store::open(); }",
        ),
        ("store.rs", "use crate::domain::Rule;"),
        ("domain.rs", "pub struct Rule;"),
    ];

    #[test]
    fn a_layered_crate_has_no_cycle() {
        let dir = fixture(&LAYERED);
        assert_eq!(cycles_report(dir.path()).unwrap(), "");
    }

    #[test]
    fn a_cycle_is_found_with_each_edge_and_its_reason() {
        let mut files = LAYERED.to_vec();
        files[4] = (
            "domain.rs",
            "fn f() { tracing::info!(\"{}\", crate::http::routes::x()); }",
        );
        let dir = fixture(&files);
        let report = cycles_report(dir.path()).unwrap();
        assert!(
            report.contains("import cycle among 3 modules: domain, http::routes, store"),
            "{report}"
        );
        assert!(report.contains("  domain -> http::routes   ("), "{report}");
        assert!(report.contains("crate::http::routes::x)"), "{report}");
        assert!(report.contains("  store -> domain   ("), "{report}");
    }

    #[test]
    fn tests_may_reach_anywhere() {
        let mut files = LAYERED.to_vec();
        files[4] = (
            "domain.rs",
            "#[cfg(test)] mod tests; #[cfg(test)] fn t() { crate::http::f(); }",
        );
        files.push(("domain/tests.rs", "use crate::http::routes::x;"));
        let dir = fixture(&files);
        assert_eq!(cycles_report(dir.path()).unwrap(), "");
    }

    #[test]
    fn a_file_that_is_not_rust_fails_the_check() {
        let dir = fixture(&[("lib.rs", "fn (")]);
        assert!(cycles_report(dir.path()).is_err());
    }

    #[test]
    fn a_bare_child_name_and_self_resolve_to_the_child() {
        let modules: BTreeSet<Module> = [vec![], vec!["a".into()], vec!["a".into(), "b".into()]]
            .into_iter()
            .collect();
        let path = |p: &str| p.split("::").map(str::to_owned).collect::<Vec<_>>();
        let a = vec!["a".to_owned()];
        assert_eq!(resolve(&path("b::f"), &a, &modules), Some(path("a::b")));
        assert_eq!(
            resolve(&path("self::b::T"), &a, &modules),
            Some(path("a::b"))
        );
        assert_eq!(resolve(&path("super::a::T"), &a, &modules), Some(path("a")));
        assert_eq!(resolve(&path("serde::Serialize"), &a, &modules), None);
    }
}
