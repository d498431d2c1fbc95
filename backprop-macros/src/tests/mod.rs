//! Unit tests of the whole macro, called on `proc_macro2` tokens without a compiler.

mod no_panic;
mod snapshots;

use proc_macro2::TokenStream;

/// The expansion of `input`, pretty-printed as Rust source.
pub(crate) fn expand_pretty(input: TokenStream) -> String {
    let expansion = crate::expand(input);
    let file: syn::File = syn::parse2(expansion).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}
