//! The three structs of a network: parameters, gradients and the forward trace.

use proc_macro2::TokenStream;
use quote::quote;

use super::names;
use crate::model::{Model, Neuron};
use crate::parse::Role;

/// The derives every generated struct gets, by absolute path.
fn derives(default: bool) -> TokenStream {
    let default = default.then(|| quote!(::core::default::Default,));
    quote! {
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            #default
            ::core::cmp::PartialEq,
        )]
    }
}

/// One `(name, doc)` pair per parameter, in flat order: each neuron's weights in the order
/// of its sum, then its bias.
pub(crate) fn parameter_fields(model: &Model) -> Vec<(&proc_macro2::Ident, String)> {
    let mut fields = Vec::new();
    for neuron in &model.neurons {
        for edge in &neuron.edges {
            let doc = format!(
                " Weight on the edge `{} -> {}`.",
                model.node_name(edge.source),
                neuron.name
            );
            fields.push((&edge.weight, doc));
        }
        if let Some(bias) = &neuron.bias {
            fields.push((bias, format!(" Bias of `{}`.", neuron.name)));
        }
    }
    fields
}

/// `pub struct Net { pub w11: f64, ... }`, carrying the user's attributes, and its twin
/// `NetGrads` holding `dJ/dw` for every field.
pub(crate) fn parameters_and_grads(model: &Model) -> TokenStream {
    let Model {
        attrs, vis, name, ..
    } = model;
    let scalar = model.scalar.tokens();
    let grads = names::grads_struct(name);
    let fields = parameter_fields(model);
    let field_names: Vec<_> = fields.iter().map(|(field, _)| field).collect();
    let field_docs: Vec<_> = fields.iter().map(|(_, doc)| doc).collect();
    let grad_docs = field_names.iter().map(|field| format!(" `dJ/d{field}`."));
    let grads_doc = format!(
        " The gradient of the loss of a [`{name}`] with respect to each of its parameters, field by field."
    );
    let derives = derives(true);
    quote! {
        #(#attrs)*
        #derives
        #[repr(C)]
        #[allow(non_snake_case)] // field names follow the user's notation, e.g. `W1`
        #vis struct #name {
            #(#[doc = #field_docs] pub #field_names: #scalar,)*
        }

        #[doc = #grads_doc]
        #derives
        #[repr(C)]
        #[allow(non_snake_case)]
        #vis struct #grads {
            #(#[doc = #grad_docs] pub #field_names: #scalar,)*
        }
    }
}

/// `NetTrace`: each input, and each neuron's pre-activation `z_h` and activation `h`.
pub(crate) fn trace(model: &Model) -> TokenStream {
    let Model { vis, name, .. } = model;
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(name);
    let doc = format!(
        " Every value of one forward pass of a [`{name}`]: its inputs, and each neuron's pre-activation `z` and activation. The backward pass reads them instead of recomputing."
    );
    let inputs = model.inputs.iter().map(|input| {
        let field = &input.name;
        let docs = &input.docs;
        let summary = format!(" Input `{field}`.");
        quote!(#[doc = #summary] #(#docs)* pub #field: #scalar,)
    });
    let neurons = model.neurons.iter().map(|neuron| {
        let field = &neuron.name;
        let z = names::pre_activation(field);
        let z_doc = format!(
            " `{z} = {}`, the pre-activation of `{field}`.",
            sum_text(model, neuron)
        );
        let role = match neuron.role {
            Role::Hidden => "",
            Role::Output => " (an output)",
        };
        let h_doc = format!(" `{field} = {}({z})`{role}.", neuron.activation.name());
        let docs = &neuron.docs;
        quote! {
            #[doc = #z_doc] pub #z: #scalar,
            #[doc = #h_doc] #(#docs)* pub #field: #scalar,
        }
    });
    let derives = derives(false);
    quote! {
        #[doc = #doc]
        #derives
        #[allow(non_snake_case)]
        #vis struct #trace {
            #(#inputs)*
            #(#neurons)*
        }
    }
}

/// The sum of a neuron as the notes write it: `w11 x1 + w21 x2 + b1`.
pub(crate) fn sum_text(model: &Model, neuron: &Neuron) -> String {
    let edges = neuron
        .edges
        .iter()
        .map(|edge| format!("{} {}", edge.weight, model.node_name(edge.source)));
    let bias = neuron.bias.iter().map(ToString::to_string);
    edges.chain(bias).collect::<Vec<_>>().join(" + ")
}
