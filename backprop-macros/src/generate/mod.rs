//! Model to Rust: the structs, the two passes and the impls, each from its own module.

mod backward;
mod dot;
#[cfg(feature = "explain")]
mod explain;
mod forward;
mod impls;
mod names;
mod structs;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

/// One step of a pass: the code that computes it, and (with the `explain` feature) the
/// code that writes it out with its numbers.
pub(crate) struct Step {
    pub(crate) code: TokenStream,
    #[cfg(feature = "explain")]
    pub(crate) explain: TokenStream,
}

impl Step {
    /// A step whose explanation is one line: `format` filled with `args`.
    pub(crate) fn new(code: TokenStream, format: &str, args: &[TokenStream]) -> Self {
        #[cfg(feature = "explain")]
        {
            let format = format!("  {format}");
            Step {
                code,
                explain: quote!(::core::writeln!(__backprop_out, #format #(, #args)*)?;),
            }
        }
        #[cfg(not(feature = "explain"))]
        {
            let _ = (format, args);
            Step { code }
        }
    }
}

pub(crate) use names::COMPANION_SUFFIXES;

use crate::model::Model;
use crate::parse::Header;

/// The whole expansion of a checked network; `order` lists its neurons topologically.
pub(crate) fn network(model: &Model, order: &[usize]) -> TokenStream {
    let parameters = structs::parameters_and_grads(model);
    let trace = structs::trace(model);
    let forward = forward::method(model, order);
    let backward = backward::method(model, order);
    let impls = impls::impls(model, forward, backward);
    // Only with the feature: `explain` nearly doubles the generated code.
    #[cfg(feature = "explain")]
    let explain = explain::method(model, order);
    #[cfg(not(feature = "explain"))]
    let explain = TokenStream::new();
    quote! {
        #parameters
        #trace
        const _: () = {
            #impls
            #explain
        };
    }
}

/// What is emitted beside the errors of a network that failed to check: an empty struct of
/// the declared name, so that code using it reports no follow-on "cannot find type" errors.
pub(crate) fn fallback(header: &Header) -> TokenStream {
    let Header {
        attrs, vis, name, ..
    } = header;
    if names::is_companion_name(name) {
        // The name itself is the error: a stand-in would collide just as the network would.
        return TokenStream::new();
    }
    quote! {
        #(#attrs)*
        #[allow(dead_code)] // only a stand-in while the errors above are fixed
        #vis struct #name {}
    }
}
