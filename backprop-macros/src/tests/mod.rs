//! Unit tests of the whole macro, called on `proc_macro2` tokens without a compiler.

mod compile_time;
mod limits;
mod messages;
mod no_panic;
mod snapshots;

use proc_macro2::TokenStream;

/// The expansion of `input`, pretty-printed as Rust source, without the `explain` method
/// (which has a snapshot of its own).
pub(crate) fn expand_pretty(input: TokenStream) -> String {
    let mut file = expand_file(input);
    for_each_const_block(&mut file, |stmts| stmts.retain(|stmt| !is_explain(stmt)));
    prettyplease::unparse(&file)
}

/// Only the `explain` method of the expansion, pretty-printed.
#[cfg(feature = "explain")]
pub(crate) fn expand_explain(input: TokenStream) -> String {
    let mut file = expand_file(input);
    let mut explain = Vec::new();
    for_each_const_block(&mut file, |stmts| {
        explain.extend(stmts.iter().filter(|stmt| is_explain(stmt)).cloned());
    });
    let items = explain
        .into_iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Item(item) => Some(item),
            _ => None,
        })
        .collect();
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    })
}

fn expand_file(input: TokenStream) -> syn::File {
    syn::parse2(crate::expand(input)).expect("the expansion is valid Rust")
}

/// Runs `edit` on the statements of every `const _: () = { ... };` block of the file.
fn for_each_const_block(file: &mut syn::File, mut edit: impl FnMut(&mut Vec<syn::Stmt>)) {
    for item in &mut file.items {
        if let syn::Item::Const(constant) = item {
            if let syn::Expr::Block(block) = &mut *constant.expr {
                edit(&mut block.block.stmts);
            }
        }
    }
}

/// Whether `stmt` is the `impl` block of the generated `explain` method (or of a recurrent
/// network's `explain_sequence`).
fn is_explain(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Item(syn::Item::Impl(block)) = stmt else {
        return false;
    };
    block
        .items
        .iter()
        .any(|item| {
            matches!(item, syn::ImplItem::Fn(f) if f.sig.ident == "explain" || f.sig.ident == "explain_sequence")
        })
}
