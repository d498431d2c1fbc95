//! The built-in losses: each one's value and its gradient with respect to one output.

use proc_macro2::TokenStream;
use quote::quote;

/// A loss `J(outputs, targets)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loss {
    /// `J = sum 1/2 (o - t)^2`, the notes' loss.
    HalfSquaredError,
    /// `J = 1/N sum (o - t)^2`.
    MeanSquaredError,
}

impl Loss {
    /// Every built-in loss with the name it is written as.
    pub(crate) const ALL: [(&'static str, Loss); 2] = [
        ("half_squared_error", Loss::HalfSquaredError),
        ("mean_squared_error", Loss::MeanSquaredError),
    ];

    /// The loss written as `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|&(_, loss)| loss)
    }

    /// The runtime function that evaluates `J` from an output array and a target array.
    pub(crate) fn function(self) -> TokenStream {
        match self {
            Loss::HalfSquaredError => quote!(half_squared_error),
            Loss::MeanSquaredError => quote!(mean_squared_error),
        }
    }

    /// `dJ/do` for one output `o` with target `t`, among `outputs` outputs, as an expression
    /// that can stand first in a sum without parentheses.
    pub(crate) fn gradient(self, o: &TokenStream, t: &TokenStream, outputs: usize) -> TokenStream {
        match self {
            Loss::HalfSquaredError => quote!(#o - #t),
            // 2 (o - t) / N, without the factors that cancel for one or two outputs.
            Loss::MeanSquaredError => match outputs {
                1 => quote!(2.0 * (#o - #t)),
                2 => quote!(#o - #t),
                _ => {
                    let outputs = proc_macro2::Literal::f64_unsuffixed(outputs as f64);
                    quote!(2.0 * (#o - #t) / #outputs)
                }
            },
        }
    }
}
