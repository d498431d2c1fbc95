//! The names generated code gives to things, in one place: they follow the notes' notation
//! (`z_h4`, `dj_dh1`, `dj_dz_h4`, `dj_dv12`), so an expansion reads like the derivation.

use proc_macro2::Ident;
use quote::format_ident;

/// The pre-activation of a neuron: `z_h4`.
pub(crate) fn pre_activation(neuron: &Ident) -> Ident {
    format_ident!("z_{}", neuron, span = neuron.span())
}

/// `dJ/d(name)` for a node's activation or a parameter: `dj_dh1`, `dj_dv12`.
pub(crate) fn gradient(name: &Ident) -> Ident {
    format_ident!("dj_d{}", name, span = name.span())
}

/// `dJ/dz` of a neuron: `dj_dz_h4`.
pub(crate) fn pre_activation_gradient(neuron: &Ident) -> Ident {
    format_ident!("dj_dz_{}", neuron, span = neuron.span())
}

/// The struct of gradients: `SeedNetGrads`.
pub(crate) fn grads_struct(network: &Ident) -> Ident {
    format_ident!("{}Grads", network)
}

/// The struct of forward values: `SeedNetTrace`.
pub(crate) fn trace_struct(network: &Ident) -> Ident {
    format_ident!("{}Trace", network)
}
