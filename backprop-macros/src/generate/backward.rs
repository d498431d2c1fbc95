//! The backward pass, written out link by link in reverse topological order.
//!
//! For each neuron `h`, from the outputs back:
//! - `dj_dh`: the loss gradient if `h` is an output, plus one term `dj_dz_c * self.w` for
//!   every neuron `c` that reads `h` through weight `w` (the fan-out sum);
//! - `dj_dz_h = dj_dh * f'(z_h)`, the local derivative reusing the trace;
//! - `dj_dw = dj_dz_h * source` for every weight into `h`, `dj_db = dj_dz_h` for its bias.
//!
//! Inputs get no gradient: nothing adjusts them.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::names;
use crate::model::{Model, NodeRef};
use crate::parse::Role;

/// `pub fn backward(&self, trace: &NetTrace, target: &[T; N]) -> NetGrads`.
pub(crate) fn method(model: &Model, order: &[usize]) -> TokenStream {
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(&model.name);
    let grads = names::grads_struct(&model.name);
    let outputs = model.outputs().count();
    let output_count = Literal::usize_unsuffixed(outputs);
    let readers = readers(model);
    let output_position = |neuron: usize| model.outputs().position(|output| output == neuron);

    let steps = order.iter().rev().map(|&index| {
        let neuron = &model.neurons[index];
        let h = &neuron.name;
        let z = names::pre_activation(h);
        let dj_dh = names::gradient(h);
        let dj_dz = names::pre_activation_gradient(h);

        let loss_term = (neuron.role == Role::Output).then(|| {
            let position = output_position(index).map(Literal::usize_unsuffixed);
            model
                .loss
                .gradient(&quote!(trace.#h), &quote!(target[#position]), outputs)
        });
        let fan_out = readers[index].iter().map(|(reader, weight)| {
            let dj_dz_reader = names::pre_activation_gradient(&model.neurons[*reader].name);
            quote!(#dj_dz_reader * self.#weight)
        });
        let dj_dh_terms = loss_term.into_iter().chain(fan_out);

        let link = match neuron
            .activation
            .derivative(&quote!(trace.#z), &quote!(trace.#h))
        {
            Some(derivative) => quote!(#dj_dh * #derivative),
            None => quote!(#dj_dh),
        };

        let weight_gradients = neuron.edges.iter().map(|edge| {
            let dj_dw = names::gradient(&edge.weight);
            let source = model.node_name(edge.source);
            quote!(let #dj_dw = #dj_dz * trace.#source;)
        });
        let bias_gradient = neuron.bias.iter().map(|bias| {
            let dj_db = names::gradient(bias);
            quote!(let #dj_db = #dj_dz;)
        });

        quote! {
            let #dj_dh = #(#dj_dh_terms)+*;
            let #dj_dz = #link;
            #(#weight_gradients)*
            #(#bias_gradient)*
        }
    });

    let fields = super::structs::parameter_fields(model)
        .into_iter()
        .map(|(field, _)| {
            let dj_dw = names::gradient(field);
            quote!(#field: #dj_dw)
        });

    let doc = format!(
        " Computes `dJ/dw` for every parameter from a forward pass and the target of each output ({output_count} in all), by backpropagation written out link by link."
    );
    quote! {
        #[doc = #doc]
        #[must_use]
        #[allow(non_snake_case)]
        pub fn backward(&self, trace: &#trace, target: &[#scalar; #output_count]) -> #grads {
            #[allow(unused_imports)] // not every network calls a runtime activation
            use ::backprop_runtime::__private::act;
            #(#steps)*
            #grads { #(#fields,)* }
        }
    }
}

/// For each neuron, the neurons that read it and the weight on that edge, in declaration
/// order of the readers.
fn readers(model: &Model) -> Vec<Vec<(usize, &Ident)>> {
    let mut readers = vec![Vec::new(); model.neurons.len()];
    for (reader, neuron) in model.neurons.iter().enumerate() {
        for edge in &neuron.edges {
            if let NodeRef::Neuron(source) = edge.source {
                readers[source].push((reader, &edge.weight));
            }
        }
    }
    readers
}
