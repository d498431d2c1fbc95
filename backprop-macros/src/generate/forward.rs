//! The forward pass: one `let` for each pre-activation and each activation, in topological
//! order, collected into the trace.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names;
use crate::model::{Model, NodeRef};

/// The value of a node inside the forward pass: a local named after the node.
fn node_value(model: &Model, node: NodeRef) -> TokenStream {
    let name = model.node_name(node);
    quote!(#name)
}

/// `pub fn forward(&self, input: &[T; N]) -> NetTrace`.
pub(crate) fn method(model: &Model, order: &[usize]) -> TokenStream {
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(&model.name);
    let input_count = Literal::usize_unsuffixed(model.inputs.len());
    let input_names: Vec<_> = model.inputs.iter().map(|input| &input.name).collect();
    let input_list = input_names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        " Runs the forward pass on the inputs {input_list} (in this order) and returns every intermediate value."
    );

    let steps = order.iter().map(|&index| {
        let neuron = &model.neurons[index];
        let h = &neuron.name;
        let z = names::pre_activation(h);
        let edges = neuron.edges.iter().map(|edge| {
            let weight = &edge.weight;
            let source = node_value(model, edge.source);
            quote!(self.#weight * #source)
        });
        let bias = neuron.bias.iter().map(|bias| quote!(self.#bias));
        let terms = edges.chain(bias);
        let activation = neuron.activation.apply(&quote!(#z));
        quote! {
            let #z = #(#terms)+*;
            let #h = #activation;
        }
    });

    let fields = model.neurons.iter().map(|neuron| {
        let h = &neuron.name;
        let z = names::pre_activation(h);
        quote!(#z, #h)
    });

    quote! {
        #[doc = #doc]
        #[must_use]
        #[allow(non_snake_case)]
        pub fn forward(&self, input: &[#scalar; #input_count]) -> #trace {
            #[allow(unused_imports)] // not every network calls a runtime activation
            use ::backprop_runtime::__private::act;
            let [#(#input_names),*] = *input;
            #(#steps)*
            #trace { #(#input_names,)* #(#fields,)* }
        }
    }
}
