//! Gives the task pane's WebAssembly imports short names, in the wasm and in its JS glue.
//!
//! wasm-bindgen names each function the wasm imports from its JS glue `__wbg_<name>_<16 hex
//! digits>`, and every name is written twice: in the wasm's import section and as a key of the
//! glue's import object. The hex digits do not compress: 116 of them weighed 3.9 KB gzip of the
//! pane (issue 18). binaryen's own pass (`--minify-imports`) renames only Emscripten's `env`
//! imports, and its `-and-exports-and-modules` variant renames the exports the glue reads too.
//!
//! This renames the imports of the glue's module (the one whose imports are named `__wbg_…`)
//! that are not also export names, to `a`, `b`, … `aa`, …. Only the import section is
//! rewritten (wasm-encoder); every other section is copied byte for byte, since nothing else
//! in a binary refers to an import by name. Each old name must occur exactly once in the JS, as
//! its key in the import object, or nothing is renamed.

use std::collections::{BTreeSet, HashSet};

use anyhow::{Context, Result, bail, ensure};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{CustomSection, ImportSection, Module, RawSection};
use wasmparser::{Encoding, Parser, Payload};

/// The wasm and its glue with the glue's imports renamed, and how many were.
#[derive(Debug)]
pub struct Renamed {
    pub wasm: Vec<u8>,
    pub js: String,
    pub count: usize,
}

/// Renames the glue's imports in `wasm` and in `js`.
pub fn rename(wasm: &[u8], js: &str) -> Result<Renamed> {
    let (wasm, renames) = rename_in_wasm(wasm)?;
    ensure!(
        !renames.is_empty(),
        "no import to rename (has wasm-bindgen changed?)"
    );
    let mut js = js.to_owned();
    for (old, new) in &renames {
        let found = key_positions(&js, old);
        ensure!(
            found.len() == 1,
            "{old} occurs {} times in the JS glue, not once",
            found.len()
        );
        js.replace_range(found[0]..found[0] + old.len(), new);
    }
    Ok(Renamed {
        wasm,
        js,
        count: renames.len(),
    })
}

/// Where `name` occurs in `js` as a whole identifier (not inside a longer one).
fn key_positions(js: &str, name: &str) -> Vec<usize> {
    let part_of_identifier = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    js.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = js[..at].chars().next_back();
            let after = js[at + name.len()..].chars().next();
            !before.is_some_and(part_of_identifier) && !after.is_some_and(part_of_identifier)
        })
        .collect()
}

/// (old name, new name) of each renamed import, in import order.
type Renames = Vec<(String, String)>;

/// The binary with the glue's imports renamed, and the renames.
fn rename_in_wasm(wasm: &[u8]) -> Result<(Vec<u8>, Renames)> {
    let (glue, exports) = glue_module_and_exports(wasm)?;
    let mut fresh = short_names();
    let mut renames = Vec::new();
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.context("not a WebAssembly module")?;
        match &payload {
            Payload::ImportSection(reader) => {
                let mut section = ImportSection::new();
                let mut seen = HashSet::new();
                for import in reader.clone().into_imports() {
                    let import = import?;
                    let name = if import.module == glue && !exports.contains(import.name) {
                        let short = fresh.next().expect("short names never run out");
                        renames.push((import.name.to_owned(), short.clone()));
                        short
                    } else {
                        import.name.to_owned()
                    };
                    ensure!(
                        seen.insert((import.module, name.clone())),
                        "the short name {name} is already an import's name"
                    );
                    let ty = RoundtripReencoder
                        .entity_type(import.ty)
                        .map_err(|e| anyhow::anyhow!("an import's type: {e:?}"))?;
                    section.import(import.module, &name, ty);
                }
                module.section(&section);
            }
            Payload::CustomSection(custom) => {
                module.section(&CustomSection {
                    name: custom.name().into(),
                    data: custom.data().into(),
                });
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    module.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    Ok((module.finish(), renames))
}

/// The module the `__wbg_…` imports come from (wasm-bindgen's JS glue), and the export names.
fn glue_module_and_exports(wasm: &[u8]) -> Result<(String, HashSet<String>)> {
    let mut modules = BTreeSet::new();
    let mut exports = HashSet::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.context("not a WebAssembly module")? {
            Payload::Version { encoding, .. } => {
                ensure!(encoding == Encoding::Module, "a component, not a module")
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    if import.name.starts_with("__wbg_") {
                        modules.insert(import.module.to_owned());
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    exports.insert(export?.name.to_owned());
                }
            }
            _ => {}
        }
    }
    match modules.len() {
        1 => Ok((modules.pop_first().unwrap_or_default(), exports)),
        n => bail!("__wbg_ imports from {n} modules, not one"),
    }
}

/// a … z, A … Z, aa, ab, …
fn short_names() -> impl Iterator<Item = String> {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0usize..).map(|mut n| {
        // Bijective base 52: every length in turn, each in order.
        let mut name = Vec::new();
        loop {
            name.push(LETTERS[n % LETTERS.len()]);
            n /= LETTERS.len();
            if n == 0 {
                break;
            }
            n -= 1;
        }
        name.reverse();
        String::from_utf8(name).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        TypeSection, ValType,
    };

    use super::*;

    const GLUE: &str = "./liaison-addin-ui_bg.js";

    /// A small module shaped like wasm-bindgen's output: three glue imports (one also exported
    /// under its own name), an import from elsewhere, a function calling an import, a custom
    /// section.
    fn fixture() -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], []);
        let mut imports = ImportSection::new();
        for name in [
            "__wbg_log_0123456789abcdef",
            "__wbg_now_fedcba9876543210",
            "__wbindgen_throw",
        ] {
            imports.import(GLUE, name, EntityType::Function(0));
        }
        imports.import("env", "abort", EntityType::Function(0));
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut exports = ExportSection::new();
        exports.export("__wbindgen_throw", ExportKind::Func, 4);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instruction(&Instruction::LocalGet(0))
            .instruction(&Instruction::Call(0))
            .instruction(&Instruction::End);
        code.function(&body);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&exports)
            .section(&code)
            .section(&CustomSection {
                name: "producers".into(),
                data: b"\x00".as_slice().into(),
            });
        module.finish()
    }

    const JS: &str = "const imports = { './liaison-addin-ui_bg.js': {\n\
        __wbg_log_0123456789abcdef: function(a) { console.log(a) },\n\
        __wbg_now_fedcba9876543210: () => Date.now(),\n\
        __wbindgen_throw: function(p) { throw p },\n} };";

    fn imports_of(wasm: &[u8]) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::ImportSection(reader) = payload.unwrap() {
                for import in reader.into_imports() {
                    let import = import.unwrap();
                    found.push((import.module.to_owned(), import.name.to_owned()));
                }
            }
        }
        found
    }

    /// Every section but the imports, as (id, contents).
    fn other_sections(wasm: &[u8]) -> Vec<(u8, Vec<u8>)> {
        Parser::new(0)
            .parse_all(wasm)
            .filter_map(|payload| {
                let payload = payload.unwrap();
                match payload {
                    Payload::ImportSection(_) => None,
                    Payload::CustomSection(c) => {
                        Some((0, [c.name().as_bytes(), c.data()].concat()))
                    }
                    other => other.as_section().map(|(id, r)| (id, wasm[r].to_vec())),
                }
            })
            .collect()
    }

    #[test]
    fn the_glues_imports_get_short_names_in_the_wasm_and_the_js_and_nothing_else_changes() {
        let wasm = fixture();
        let renamed = rename(&wasm, JS).unwrap();
        assert_eq!(renamed.count, 2);
        assert_eq!(
            imports_of(&renamed.wasm),
            [
                (GLUE.into(), "a".into()),
                (GLUE.into(), "b".into()),
                // Also an export name: kept. Another module's: kept.
                (GLUE.into(), "__wbindgen_throw".into()),
                ("env".into(), "abort".into()),
            ]
        );
        assert!(renamed.js.contains("\na: function(a)") && renamed.js.contains("\nb: () =>"));
        assert!(!renamed.js.contains("__wbg_"));
        wasmparser::validate(&renamed.wasm).unwrap();
        // Only the import section changed: every other section is the same bytes.
        assert_eq!(other_sections(&renamed.wasm), other_sections(&wasm));
        assert_eq!(other_sections(&wasm).len(), 5);
        assert!(renamed.wasm.len() < wasm.len() - 40);
    }

    #[test]
    fn a_name_the_js_holds_twice_or_not_at_all_renames_nothing() {
        let twice = format!("{JS} __wbg_log_0123456789abcdef();");
        let e = rename(&fixture(), &twice).unwrap_err().to_string();
        assert!(e.contains("occurs 2 times"), "{e}");
        let missing = JS.replace("__wbg_now_fedcba9876543210", "now");
        let e = rename(&fixture(), &missing).unwrap_err().to_string();
        assert!(e.contains("occurs 0 times"), "{e}");
        // A longer identifier that contains the name is not the name.
        let longer = JS.replace(
            "__wbg_now_fedcba9876543210:",
            "__wbg_now_fedcba9876543210: x__wbg_now_fedcba9876543210,",
        );
        assert_eq!(rename(&fixture(), &longer).unwrap().count, 2);
    }

    #[test]
    fn what_is_not_a_wasm_bindgen_module_is_refused() {
        assert!(rename(b"not wasm", JS).is_err());
        let no_glue = Module::new().finish();
        let e = rename(&no_glue, JS).unwrap_err().to_string();
        assert!(e.contains("from 0 modules"), "{e}");
    }

    #[test]
    fn short_names_run_through_every_length_in_order() {
        let names: Vec<String> = short_names().take(52 * 53 + 1).collect();
        assert_eq!((names[0].as_str(), names[25].as_str()), ("a", "z"));
        assert_eq!((names[26].as_str(), names[51].as_str()), ("A", "Z"));
        assert_eq!((names[52].as_str(), names[53].as_str()), ("aa", "ab"));
        assert_eq!(names[52 * 53 - 1], "ZZ");
        assert_eq!(names[52 * 53], "aaa");
        assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    }
}
