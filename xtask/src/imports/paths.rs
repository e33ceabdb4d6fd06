//! The paths a Rust file names, read with syn: every `use` (groups expanded), every path of two
//! or more segments in its code, and such paths in macro input (which syn leaves as tokens).
//! Items under `#[cfg(test)]` (or `#[cfg(all(…, test, …))]`) are left out: a test may reach
//! anywhere.

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Attribute, Item, Meta, Token, UseTree};

/// What one file names.
#[derive(Debug, Default)]
pub struct Named {
    /// Each path, as its segments (`crate::a::B` → `["crate", "a", "B"]`).
    pub paths: Vec<Vec<String>>,
    /// Child modules declared test-only (`#[cfg(test)] mod tests;`).
    pub test_modules: Vec<String>,
}

/// The paths `file` names outside its test-only items.
pub fn named(file: &syn::File) -> Named {
    let mut collector = Named::default();
    collector.visit_file(file);
    collector
}

/// Whether `attrs` compile the item only for tests.
fn test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg") && attr.parse_args::<Meta>().is_ok_and(|m| requires_test(&m))
    })
}

/// `test`, or `all(…)` with `test` among its conditions.
fn requires_test(meta: &Meta) -> bool {
    match meta {
        Meta::Path(path) => path.is_ident("test"),
        Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .is_ok_and(|conditions| conditions.iter().any(requires_test)),
        _ => false,
    }
}

fn use_paths(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_paths(&path.tree, prefix, out);
            prefix.pop();
        }
        // `a::{self, b}`: `self` is `a` itself.
        UseTree::Name(name) if name.ident == "self" => out.push(prefix.clone()),
        UseTree::Name(name) => out.push(with(prefix, name.ident.to_string())),
        UseTree::Rename(rename) => out.push(with(prefix, rename.ident.to_string())),
        UseTree::Glob(_) => out.push(prefix.clone()),
        UseTree::Group(group) => {
            for tree in &group.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

fn with(prefix: &[String], last: String) -> Vec<String> {
    let mut path = prefix.to_vec();
    path.push(last);
    path
}

/// Paths of two or more segments in a macro's tokens: `ident (:: ident)+`.
fn token_paths(tokens: TokenStream, out: &mut Vec<Vec<String>>) {
    let mut current: Vec<String> = Vec::new();
    let mut colons = 0;
    let flush = |current: &mut Vec<String>, out: &mut Vec<Vec<String>>| {
        if current.len() > 1 {
            out.push(std::mem::take(current));
        }
        current.clear();
    };
    for token in tokens {
        match token {
            TokenTree::Ident(ident) if current.is_empty() || colons == 2 => {
                current.push(ident.to_string());
                colons = 0;
            }
            TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() && colons < 2 => {
                colons += 1;
            }
            TokenTree::Group(group) => {
                flush(&mut current, out);
                colons = 0;
                token_paths(group.stream(), out);
            }
            other => {
                flush(&mut current, out);
                colons = 0;
                if let TokenTree::Ident(ident) = other {
                    current.push(ident.to_string());
                }
            }
        }
    }
    flush(&mut current, out);
}

impl<'ast> Visit<'ast> for Named {
    fn visit_item(&mut self, item: &'ast Item) {
        let attrs: &[Attribute] = match item {
            Item::Const(i) => &i.attrs,
            Item::Enum(i) => &i.attrs,
            Item::ExternCrate(i) => &i.attrs,
            Item::Fn(i) => &i.attrs,
            Item::ForeignMod(i) => &i.attrs,
            Item::Impl(i) => &i.attrs,
            Item::Macro(i) => &i.attrs,
            Item::Mod(i) => &i.attrs,
            Item::Static(i) => &i.attrs,
            Item::Struct(i) => &i.attrs,
            Item::Trait(i) => &i.attrs,
            Item::TraitAlias(i) => &i.attrs,
            Item::Type(i) => &i.attrs,
            Item::Union(i) => &i.attrs,
            Item::Use(i) => &i.attrs,
            _ => &[],
        };
        if test_only(attrs) {
            if let Item::Mod(module) = item
                && module.content.is_none()
            {
                self.test_modules.push(module.ident.to_string());
            }
            return;
        }
        visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if let syn::ImplItem::Fn(f) = item
            && test_only(&f.attrs)
        {
            return;
        }
        visit::visit_impl_item(self, item);
    }

    fn visit_use_tree(&mut self, tree: &'ast UseTree) {
        use_paths(tree, &mut Vec::new(), &mut self.paths);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            self.paths
                .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        token_paths(mac.tokens.clone(), &mut self.paths);
        visit::visit_macro(self, mac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_of(code: &str) -> Named {
        named(&syn::parse_file(code).unwrap())
    }

    fn joined(named: &Named) -> Vec<String> {
        let mut all: Vec<String> = named.paths.iter().map(|p| p.join("::")).collect();
        all.sort();
        all.dedup();
        all
    }

    #[test]
    fn uses_code_and_macros_name_paths_and_tests_do_not() {
        let named = paths_of(
            r#"
            use crate::a::{b, c::{self, D as E}, f::*};
            // crate::in_a_comment::X
            fn g() -> super::h::T {
                let s = "crate::in_a_string::Y";
                format!("{}", crate::macro_arg::z())
            }
            #[cfg(test)]
            mod tests { use crate::only_tests::X; }
            #[cfg(all(test, feature = "x"))]
            fn helper() { crate::only_tests_too::y(); }
            #[cfg(not(test))]
            fn real() { crate::not_test::y(); }
            #[cfg(test)]
            mod browser_tests;
            "#,
        );
        assert_eq!(
            joined(&named),
            [
                "crate::a::b",
                "crate::a::c",
                "crate::a::c::D",
                "crate::a::f",
                "crate::macro_arg::z",
                "crate::not_test::y",
                "super::h::T",
            ]
        );
        assert_eq!(named.test_modules, ["browser_tests"]);
    }
}
