//! The built-in activations: each one's forward formula and local derivative, as tokens.
//!
//! Derivatives reuse the forward value wherever the math allows (`exp' = h`,
//! `sigmoid' = h (1 - h)`, `tanh' = 1 - h^2`), so the backward pass reads the trace instead
//! of recomputing a transcendental function.

use proc_macro2::TokenStream;
use quote::quote;

/// A built-in activation function `h = f(z)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Activation {
    Identity,
    HalfSquare,
    Double,
    Square,
    Exp,
    Sin,
    Cos,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Softplus,
}

impl Activation {
    /// Every built-in activation with the name it is written as.
    pub(crate) const ALL: [(&'static str, Activation); 12] = [
        ("identity", Activation::Identity),
        ("half_square", Activation::HalfSquare),
        ("double", Activation::Double),
        ("square", Activation::Square),
        ("exp", Activation::Exp),
        ("sin", Activation::Sin),
        ("cos", Activation::Cos),
        ("sigmoid", Activation::Sigmoid),
        ("tanh", Activation::Tanh),
        ("relu", Activation::Relu),
        ("leaky_relu", Activation::LeakyRelu),
        ("softplus", Activation::Softplus),
    ];

    /// The activation written as `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|&(_, activation)| activation)
    }

    /// The name the activation is written as.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, activation)| *activation == self)
            .map(|&(name, _)| name)
            .expect("every activation is listed in ALL")
    }

    /// The expression `f(z)`. Runtime functions are reached through `act`, which generated
    /// function bodies import from `::backprop_runtime::__private`.
    pub(crate) fn apply(self, z: &TokenStream) -> TokenStream {
        match self {
            Activation::Identity => quote!(#z),
            Activation::HalfSquare => quote!(0.5 * #z * #z),
            Activation::Double => quote!(2.0 * #z),
            Activation::Square => quote!(#z * #z),
            Activation::Exp => quote!(act::exp(#z)),
            Activation::Sin => quote!(act::sin(#z)),
            Activation::Cos => quote!(act::cos(#z)),
            Activation::Sigmoid => quote!(act::sigmoid(#z)),
            Activation::Tanh => quote!(act::tanh(#z)),
            Activation::Relu => quote!(act::relu(#z)),
            Activation::LeakyRelu => quote!(act::leaky_relu(#z)),
            Activation::Softplus => quote!(act::softplus(#z)),
        }
    }

    /// The local derivative `dh/dz` in terms of the pre-activation `z` and the activation
    /// `h`, or `None` where it is exactly 1 (so the chain-rule link needs no factor).
    pub(crate) fn derivative(self, z: &TokenStream, h: &TokenStream) -> Option<TokenStream> {
        Some(match self {
            Activation::Identity => return None,
            Activation::HalfSquare => quote!(#z),
            Activation::Double => quote!(2.0),
            Activation::Square => quote!((2.0 * #z)),
            Activation::Exp => quote!(#h),
            Activation::Sin => quote!(act::cos(#z)),
            Activation::Cos => quote!((-act::sin(#z))),
            Activation::Sigmoid => quote!(#h * (1.0 - #h)),
            Activation::Tanh => quote!((1.0 - #h * #h)),
            Activation::Relu => quote!(act::relu_derivative(#z)),
            Activation::LeakyRelu => quote!(act::leaky_relu_derivative(#z)),
            Activation::Softplus => quote!(act::sigmoid(#z)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for (name, activation) in Activation::ALL {
            assert_eq!(Activation::from_name(name), Some(activation));
            assert_eq!(activation.name(), name);
        }
        assert_eq!(Activation::from_name("sigmod"), None);
    }
}
