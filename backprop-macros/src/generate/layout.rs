//! `Parameters::LAYOUT`: each parameter's name, shape, kind, and the fan-in and fan-out of
//! its neuron (which initialisation scales by).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::model::{Model, Neuron, ParameterRole};

/// `Info::new("w11", &[], Weight, 2, 1)` for every parameter, in flat order.
pub(crate) fn entries(model: &Model) -> Vec<TokenStream> {
    let initials = model.initials.iter().map(|initial| {
        let field = initial.parameter.text();
        let width = model.neurons[initial.neuron].width.unwrap_or(1);
        let shape = initial
            .parameter
            .shape
            .iter()
            .map(|&size| Literal::usize_unsuffixed(size));
        let width = Literal::usize_unsuffixed(width);
        // Initialised like a bias: zero, the state a sequence starts from without it.
        quote!(Info::new(#field, &[#(#shape),*], Bias, #width, #width))
    });
    model
        .neurons
        .iter()
        .flat_map(|neuron| neuron_entries(model, neuron))
        .chain(initials)
        .collect()
}

fn neuron_entries(model: &Model, neuron: &Neuron) -> Vec<TokenStream> {
    let fan_in: usize = neuron
        .edges
        .iter()
        .map(|edge| match edge.index {
            Some(_) => 1,
            None => model.node_width(edge.source).unwrap_or(1),
        })
        .sum();
    let width = neuron.width.unwrap_or(1);
    let fan_out = Literal::usize_unsuffixed(width);
    neuron
        .parameters()
        .into_iter()
        .map(|(parameter, role)| {
            let kind = match role {
                ParameterRole::Weight(_) | ParameterRole::RecurrentWeight => quote!(Weight),
                ParameterRole::Bias | ParameterRole::RecurrentBias => quote!(Bias),
            };
            // A cell's recurrent side reads its own units.
            let fan_in = match role {
                ParameterRole::RecurrentWeight | ParameterRole::RecurrentBias => width,
                _ => fan_in,
            };
            let fan_in = Literal::usize_unsuffixed(fan_in);
            let field = parameter.text();
            let shape = parameter
                .shape
                .iter()
                .map(|&size| Literal::usize_unsuffixed(size));
            quote!(Info::new(#field, &[#(#shape),*], #kind, #fan_in, #fan_out))
        })
        .collect()
}
