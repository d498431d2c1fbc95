//! The `network!` procedural macro. Use it through the `backprop-runtime` crate, which
//! re-exports it along with everything the generated code calls.
//!
//! The pipeline, one module per stage:
//! 1. `parse`: tokens to a syntax tree of the DSL, keeping spans;
//! 2. `model`: names, sizes and activation formulas resolved into a graph;
//! 3. `check`: the rules on the graph (acyclic, every neuron reaches an output, ...) and
//!    its topological order;
//! 4. `generate`: the structs, the forward and backward passes and the trait impls.
//!
//! On errors, `fallback` emits stand-ins for what users call, from the header alone.
//!
//! Each stage records every error it finds; a stage runs only if the ones before it found
//! none, so a typo is reported once and not again as a broken graph.

mod check;
mod errors;
mod fallback;
mod formula;
mod generate;
mod graph;
mod loss;
mod model;
mod parse;
mod suggest;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

/// The implementation of `backprop_runtime::network!`, documented there: depend on
/// `backprop-runtime`, which re-exports this macro with everything the generated code
/// calls.
#[proc_macro]
pub fn network(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into()).into()
}

/// The macro as a function on `proc_macro2` tokens, so tests can call it directly.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = errors::Errors::default();
    let def = parse::parse(input, &mut errors);
    let fallback = def.as_ref().map(|def| fallback::stub(&def.header));
    let expansion = def
        .filter(|_| errors.is_empty())
        .and_then(|def| model::resolve(def, &mut errors))
        .and_then(|model| {
            let order = check::check(&model, &mut errors)?;
            Some(generate::network(&model, &order))
        });
    match (errors.finish(()), expansion) {
        (Ok(()), Some(expansion)) => expansion,
        (Err(error), _) => {
            let errors = error.to_compile_error();
            quote::quote!(#errors #fallback)
        }
        // Every stage that returns nothing has recorded why; this arm only keeps the
        // macro total.
        (Ok(()), None) => fallback.unwrap_or_default(),
    }
}
