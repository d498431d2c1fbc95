//! Unit tests of the whole macro, called on `proc_macro2` tokens without a compiler.

mod no_panic;
mod snapshots;

use proc_macro2::TokenStream;

/// The expansion of `input`, pretty-printed as Rust source, without the `explain` method
/// (which has a snapshot of its own).
pub(crate) fn expand_pretty(input: TokenStream) -> String {
    let mut file = expand_file(input);
    for_each_const_block(&mut file, |stmts| {
        stmts.retain(|stmt| explain_tokens(stmt).is_none())
    });
    prettyplease::unparse(&file)
}

/// Only the `explain` method of the expansion, pretty-printed.
pub(crate) fn expand_explain(input: TokenStream) -> String {
    let mut file = expand_file(input);
    let mut explain = None;
    for_each_const_block(&mut file, |stmts| {
        explain = explain
            .take()
            .or_else(|| stmts.iter().find_map(explain_tokens));
    });
    let tokens = explain.expect("the expansion has an explain method");
    let file: syn::File = syn::parse2(tokens).expect("the explain method is valid Rust");
    prettyplease::unparse(&file)
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

/// The tokens inside `::backprop_runtime::__if_explain! { ... }`, if `stmt` is that.
fn explain_tokens(stmt: &syn::Stmt) -> Option<TokenStream> {
    let mac = match stmt {
        syn::Stmt::Macro(stmt) => &stmt.mac,
        syn::Stmt::Item(syn::Item::Macro(item)) => &item.mac,
        _ => return None,
    };
    (mac.path.segments.last()?.ident == "__if_explain").then(|| mac.tokens.clone())
}
