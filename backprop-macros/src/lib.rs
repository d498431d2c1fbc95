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
    let Some(def) = parse::parse(input, &mut errors) else {
        return errors
            .finish(())
            .err()
            .map(|e| e.to_compile_error())
            .unwrap_or_default();
    };
    // The network, then each `#[backprop(variant(...))]` companion: the same definition
    // with another name, scalar type or precision, through the same pipeline.
    let mut defs = vec![def.clone()];
    defs.extend(
        def.header
            .variants
            .iter()
            .map(|variant| variant_def(&def, variant)),
    );
    let mut expansions = Vec::new();
    let mut stubs = TokenStream::new();
    let mut recurrent = false;
    for def in defs {
        stubs.extend(fallback::stub(&def.header));
        if !errors.is_empty() {
            continue;
        }
        let expansion = model::resolve(def, &mut errors).and_then(|model| {
            let order = check::check(&model, &mut errors)?;
            recurrent = model.is_recurrent();
            Some(generate::network(&model, &order))
        });
        expansions.extend(expansion);
    }
    match errors.finish(()) {
        Ok(()) if expansions.len() == 1 + def.header.variants.len() => {
            let conversions = generate::conversions(&def.header, recurrent);
            quote::quote!(#(#expansions)* #conversions)
        }
        Err(error) => {
            let errors = error.to_compile_error();
            quote::quote!(#errors #stubs)
        }
        // Every stage that returns nothing has recorded why; this arm only keeps the
        // macro total.
        Ok(()) => stubs,
    }
}

/// The definition of a variant: the network's statements under the variant's name, with
/// its scalar type and precision, and a doc comment saying whose variant it is.
fn variant_def(def: &parse::NetworkDef, variant: &parse::Variant) -> parse::NetworkDef {
    let mut variant_def = def.clone();
    let header = &mut variant_def.header;
    let original = model::text(&def.header.name);
    let mut changes = Vec::new();
    if let Some(scalar) = &variant.scalar {
        header.scalar = scalar.clone();
        changes.push(format!("in `{}`", quote::quote!(#scalar)));
    }
    if let Some(precision) = &variant.precision {
        variant_def
            .statements
            .retain(|statement| !matches!(statement, parse::Statement::Precision(_)));
        variant_def
            .statements
            .push(parse::Statement::Precision(parse::PrecisionDecl {
                keyword: precision.span(),
                value: precision.clone(),
            }));
        changes.push(format!("with `precision {precision}`"));
    }
    let doc = format!(
        " [`{original}`] {}: the same topology, asked for by `#[backprop(variant(...))]`. `From` converts between them.",
        changes.join(" and ")
    );
    let header = &mut variant_def.header;
    header.name = variant.name.clone();
    header.attrs.retain(|attr| !attr.path().is_ident("doc"));
    header.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
    header.variants = Vec::new();
    variant_def
}
