//! The backward pass, written out link by link in reverse topological order.
//!
//! For each neuron `h`, from the outputs back:
//! - `dj_dh`: the loss gradient if `h` is an output, plus one term for every neuron that
//!   reads `h` (the fan-out sum): `dj_dz_c * self.w` for a single neuron `c`, a dense
//!   kernel for a layer;
//! - `dj_dz_h = dj_dh * f'(z_h)`, the local derivative reusing the trace;
//! - the gradient of every weight into `h` and of its bias, added to `grads`.
//!
//! A fused loss (softmax or binary cross-entropy) gives `dj_dz` of the outputs directly.
//! Inputs get no gradient: nothing adjusts them.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::names;
use super::types::{array_type, flat_element, node_shape, offsets, zeros};
use crate::formula::{emit_factor, Formula};
use crate::loss::Loss;
use crate::model::{Edge, Model, Neuron, NodeRef};

/// `pub fn backward_accumulate(&self, trace, target, grads: &mut NetGrads)`.
pub(crate) fn method(model: &Model, order: &[usize]) -> TokenStream {
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(&model.name);
    let grads = names::grads_struct(&model.name);
    let output_len = Literal::usize_unsuffixed(model.output_len());
    let target = model.loss.target_type(&scalar, &quote!(#output_len));
    let readers = readers(model);
    let output_offsets = output_offsets(model);

    let fused_gradient = (model.loss == Loss::SoftmaxCrossEntropy).then(|| {
        quote! {
            let dj_dz_outputs = ::backprop_runtime::__private::loss::softmax_cross_entropy_gradient(&trace.output(), target);
        }
    });
    let steps = order.iter().rev().map(|&index| {
        let neuron = &model.neurons[index];
        let offset = output_offsets[index];
        let dj_dz = match (offset, model.loss.required_output_activation()) {
            (Some(offset), Some(_)) => fused_dj_dz(model, neuron, offset, &scalar),
            _ => {
                let dj_dh = dj_dh(model, neuron, offset, &readers[index], &scalar);
                let dj_dz = local_link(neuron, &scalar);
                quote!(#dj_dh #dj_dz)
            }
        };
        let parameters = parameter_gradients(model, neuron);
        quote!(#dj_dz #parameters)
    });
    let scalar_parameters = model
        .parameters()
        .filter(|p| p.shape.is_empty())
        .map(|parameter| {
            let field = &parameter.name;
            let dj_dw = names::gradient(field);
            quote!(grads.#field += #dj_dw;)
        });

    let doc = format!(
        " Adds `dJ/dw` for every parameter to `grads`, from a forward pass and its target ({} output values), by backpropagation written out link by link.",
        model.output_len()
    );
    quote! {
        #[doc = #doc]
        #[allow(non_snake_case)]
        pub fn backward_accumulate(&self, trace: &#trace, target: &#target, grads: &mut #grads) {
            #[allow(unused_imports)] // not every network calls every runtime module
            use ::backprop_runtime::__private::{act, dense};
            #fused_gradient
            #(#steps)*
            #(#scalar_parameters)*
        }
    }
}

/// For each neuron that is an output, its offset in the flat output array.
fn output_offsets(model: &Model) -> Vec<Option<usize>> {
    let offsets = offsets(model.outputs().map(|index| model.neurons[index].width));
    let mut by_neuron = vec![None; model.neurons.len()];
    for (index, offset) in model.outputs().zip(offsets) {
        by_neuron[index] = Some(offset);
    }
    by_neuron
}

/// For each neuron, the neurons that read it, with the edge they read it through, in
/// declaration order of the readers.
fn readers(model: &Model) -> Vec<Vec<(usize, &Edge)>> {
    let mut readers = vec![Vec::new(); model.neurons.len()];
    for (reader, neuron) in model.neurons.iter().enumerate() {
        for edge in &neuron.edges {
            if let NodeRef::Neuron(source) = edge.source {
                readers[source].push((reader, edge));
            }
        }
    }
    readers
}

/// `dj_dz` of an output under a fused loss: the loss's own gradient with respect to `z`.
fn fused_dj_dz(model: &Model, neuron: &Neuron, offset: usize, scalar: &TokenStream) -> TokenStream {
    let h = &neuron.name;
    let dj_dz = names::pre_activation_gradient(h);
    let whole = |element: Option<&TokenStream>| -> TokenStream {
        let value = match element {
            Some(j) => quote!(trace.#h[#j]),
            None => quote!(trace.#h),
        };
        match model.loss {
            Loss::SoftmaxCrossEntropy => flat_element(&quote!(dj_dz_outputs), offset, element),
            _ => {
                let target = flat_element(&quote!(target), offset, element);
                model
                    .loss
                    .element_gradient(&value, &target, model.output_len())
            }
        }
    };
    match neuron.width {
        None => {
            let value = whole(None);
            quote!(let #dj_dz = #value;)
        }
        Some(width) if model.loss == Loss::SoftmaxCrossEntropy && width == model.output_len() => {
            quote!(let #dj_dz = dj_dz_outputs;)
        }
        Some(width) => {
            let ty = array_type(scalar, &[width]);
            let value = whole(Some(&quote!(j)));
            quote!(let #dj_dz: #ty = ::core::array::from_fn(|j| #value);)
        }
    }
}

/// `dj_dh`: the loss term (for an output) plus every reader's share.
fn dj_dh(
    model: &Model,
    neuron: &Neuron,
    output_offset: Option<usize>,
    readers: &[(usize, &Edge)],
    scalar: &TokenStream,
) -> TokenStream {
    let h = &neuron.name;
    let dj_dh = names::gradient(h);
    let loss_term = |element: Option<&TokenStream>| {
        output_offset.map(|offset| {
            let value = match element {
                Some(j) => quote!(trace.#h[#j]),
                None => quote!(trace.#h),
            };
            let target = flat_element(&quote!(target), offset, element);
            model
                .loss
                .element_gradient(&value, &target, model.output_len())
        })
    };
    let Some(width) = neuron.width else {
        // A single value: one sum over its readers.
        let shares = readers.iter().map(|(reader, edge)| {
            let dj_dz_reader = names::pre_activation_gradient(&model.neurons[*reader].name);
            let weight = &edge.weight.name;
            if model.neurons[*reader].width.is_some() {
                quote!(dense::dot(&self.#weight, &#dj_dz_reader))
            } else {
                quote!(#dj_dz_reader * self.#weight)
            }
        });
        let terms = loss_term(None).into_iter().chain(shares);
        return quote!(let #dj_dh = #(#terms)+*;);
    };

    // An array: start from the loss term or zero, then add each reader's share.
    let ty = array_type(scalar, &[width]);
    let init = match loss_term(Some(&quote!(j))) {
        Some(term) => quote!(::core::array::from_fn(|j| #term)),
        None => zeros(&[width]),
    };
    let shares = readers.iter().map(|(reader, edge)| {
        let dj_dz_reader = names::pre_activation_gradient(&model.neurons[*reader].name);
        let weight = &edge.weight.name;
        let reader_is_array = model.neurons[*reader].width.is_some();
        match (edge.index, reader_is_array) {
            (None, false) => quote!(dense::axpy(&mut #dj_dh, &self.#weight, #dj_dz_reader);),
            (None, true) => {
                quote!(dense::matvec_transpose_acc(&mut #dj_dh, &self.#weight, &#dj_dz_reader);)
            }
            (Some(index), false) => {
                let index = Literal::usize_unsuffixed(index);
                quote!(#dj_dh[#index] += #dj_dz_reader * self.#weight;)
            }
            (Some(index), true) => {
                let index = Literal::usize_unsuffixed(index);
                quote!(#dj_dh[#index] += dense::dot(&self.#weight, &#dj_dz_reader);)
            }
        }
    });
    let shares: Vec<_> = shares.collect();
    let mutable = (!shares.is_empty()).then(|| quote!(mut));
    quote! {
        let #mutable #dj_dh: #ty = #init;
        #(#shares)*
    }
}

/// `dj_dz_h = dj_dh * f'(z_h)`, element by element for an array.
fn local_link(neuron: &Neuron, scalar: &TokenStream) -> TokenStream {
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let dj_dh = names::gradient(h);
    let dj_dz = names::pre_activation_gradient(h);
    let unit = neuron.activation.derivative == Formula::Const(1.0);
    match neuron.width {
        None if unit => quote!(let #dj_dz = #dj_dh;),
        None => {
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z),
                &quote!(trace.#h),
            );
            quote!(let #dj_dz = #dj_dh * #derivative;)
        }
        Some(_) if unit => quote!(let #dj_dz = #dj_dh;),
        Some(width) => {
            let ty = array_type(scalar, &node_shape(Some(width)));
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z[j]),
                &quote!(trace.#h[j]),
            );
            quote!(let #dj_dz: #ty = ::core::array::from_fn(|j| #dj_dh[j] * #derivative);)
        }
    }
}

/// The gradient of each weight into `neuron` and of its bias. Single-value parameters get
/// a named local (`dj_dw11`), added to `grads` at the end; arrays are accumulated into
/// `grads` directly by a dense kernel.
fn parameter_gradients(model: &Model, neuron: &Neuron) -> TokenStream {
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    let edges = neuron.edges.iter().map(|edge| {
        let weight = &edge.weight.name;
        let source = model.node_name(edge.source);
        let value = match edge.index {
            Some(index) => {
                let index = Literal::usize_unsuffixed(index);
                quote!(trace.#source[#index])
            }
            None => quote!(trace.#source),
        };
        let reads_array = edge.index.is_none() && model.node_width(edge.source).is_some();
        match (neuron.width.is_some(), reads_array) {
            (false, false) => {
                let dj_dw = names::gradient(weight);
                quote!(let #dj_dw = #dj_dz * #value;)
            }
            (false, true) => quote!(dense::axpy(&mut grads.#weight, &#value, #dj_dz);),
            (true, false) => quote!(dense::axpy(&mut grads.#weight, &#dj_dz, #value);),
            (true, true) => quote!(dense::outer_acc(&mut grads.#weight, &#dj_dz, &#value);),
        }
    });
    let bias = neuron.bias.iter().map(|bias| {
        let field: &Ident = &bias.name;
        if neuron.width.is_some() {
            quote!(dense::add_assign(&mut grads.#field, &#dj_dz);)
        } else {
            let dj_db = names::gradient(field);
            quote!(let #dj_db = #dj_dz;)
        }
    });
    quote!(#(#edges)* #(#bias)*)
}
