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
use super::Step;
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
    let steps = steps(model, order).into_iter().map(|step| step.code);
    let doc = format!(
        " Adds `dJ/dw` for every parameter to `grads`, from a forward pass and its target ({} output values), by backpropagation written out link by link.",
        model.output_len()
    );
    quote! {
        #[doc = #doc]
        #[inline]
        #[allow(non_snake_case)]
        pub fn backward_accumulate(&self, trace: &#trace, target: &#target, grads: &mut #grads) {
            #[allow(unused_imports)] // not every network calls every runtime module
            use ::backprop_runtime::__private::{act, dense};
            #(#steps)*
        }
    }
}

/// Every step of the backward pass.
pub(crate) fn steps(model: &Model, order: &[usize]) -> Vec<Step> {
    let scalar = model.scalar.tokens();
    let readers = readers(model);
    let output_offsets = output_offsets(model);
    let mut steps = Vec::new();
    if model.loss == Loss::SoftmaxCrossEntropy {
        steps.push(Step::new(
            quote! {
                let dj_dz_outputs = ::backprop_runtime::__private::loss::softmax_cross_entropy_gradient(&trace.output(), target);
            },
            "dJ/dz of the outputs = softmax(outputs) - target = {:.4?}",
            &[quote!(dj_dz_outputs)],
        ));
    }
    for &index in order.iter().rev() {
        let neuron = &model.neurons[index];
        let offset = output_offsets[index];
        match (offset, model.loss.required_output_activation()) {
            (Some(offset), Some(_)) => steps.push(fused_dj_dz(model, neuron, offset, &scalar)),
            _ => {
                steps.push(dj_dh(model, neuron, offset, &readers[index], &scalar));
                steps.push(local_link(neuron, &scalar));
            }
        }
        steps.extend(parameter_gradients(model, neuron));
    }
    steps
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
fn fused_dj_dz(model: &Model, neuron: &Neuron, offset: usize, scalar: &TokenStream) -> Step {
    let h = &neuron.name;
    let dj_dz = names::pre_activation_gradient(h);
    let gradient = |element: Option<&TokenStream>| -> TokenStream {
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
    let rule = match model.loss {
        Loss::SoftmaxCrossEntropy => "p - y",
        _ => "o - t",
    };
    match neuron.width {
        None => {
            let value = gradient(None);
            Step::new(
                quote!(let #dj_dz = #value;),
                &format!("dJ/dz_{h} = {rule} = {{:.6}}"),
                &[quote!(#dj_dz)],
            )
        }
        Some(width) => {
            let code = if model.loss == Loss::SoftmaxCrossEntropy && width == model.output_len() {
                quote!(let #dj_dz = dj_dz_outputs;)
            } else {
                let ty = array_type(scalar, &[width]);
                let value = gradient(Some(&quote!(j)));
                quote!(let #dj_dz: #ty = ::core::array::from_fn(|j| #value);)
            };
            Step::new(
                code,
                &format!("dJ/dz_{h} = {rule} = {{:.4?}}"),
                &[quote!(#dj_dz)],
            )
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
) -> Step {
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
    let reader_names: Vec<String> = readers
        .iter()
        .map(|(reader, _)| model.neurons[*reader].name.to_string())
        .collect();
    let fan_out = if readers.len() > 1 {
        format!(
            "   <- {h} feeds {}: the fan-out sum",
            reader_names.join(", ")
        )
    } else {
        String::new()
    };

    let Some(width) = neuron.width else {
        // A single value: one sum over its readers.
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        let mut args = Vec::new();
        let mut terms = Vec::new();
        if let (Some(term), Some(offset)) = (loss_term(None), output_offset) {
            let outputs = model.output_len();
            texts.push(
                model
                    .loss
                    .element_gradient_text(&h.to_string(), "t", outputs),
            );
            numbers.push(model.loss.element_gradient_text("{:.6}", "{:.6}", outputs));
            args.extend([
                quote!(trace.#h),
                flat_element(&quote!(target), offset, None),
            ]);
            terms.push(term);
        }
        for (reader, edge) in readers {
            let reader_name = &model.neurons[*reader].name;
            let dj_dz_reader = names::pre_activation_gradient(reader_name);
            let weight = &edge.weight.name;
            if model.neurons[*reader].width.is_some() {
                let term = quote!(dense::dot(&self.#weight, &#dj_dz_reader));
                texts.push(format!("{weight} . dJ/dz_{reader_name}"));
                numbers.push("{:.6}".to_owned());
                args.push(term.clone());
                terms.push(term);
            } else {
                texts.push(format!("dJ/dz_{reader_name} * {weight}"));
                numbers.push("{:.6} * {:.6}".to_owned());
                args.extend([quote!(#dj_dz_reader), quote!(self.#weight)]);
                terms.push(quote!(#dj_dz_reader * self.#weight));
            }
        }
        args.push(quote!(#dj_dh));
        return Step::new(
            quote!(let #dj_dh = #(#terms)+*;),
            &format!(
                "dJ/d{h} = {} = {} = {{:.6}}{fan_out}",
                texts.join(" + "),
                numbers.join(" + ")
            ),
            &args,
        );
    };

    // An array: start from the loss term or zero, then add each reader's share.
    let ty = array_type(scalar, &[width]);
    let mut texts = Vec::new();
    let init = match loss_term(Some(&quote!(j))) {
        Some(term) => {
            texts.push(format!("the loss ({})", model.loss.name()));
            quote!(::core::array::from_fn(|j| #term))
        }
        None => zeros(&[width]),
    };
    let shares: Vec<TokenStream> = readers
        .iter()
        .map(|(reader, edge)| {
            let reader_name = &model.neurons[*reader].name;
            let dj_dz_reader = names::pre_activation_gradient(reader_name);
            let weight = &edge.weight.name;
            let reader_is_array = model.neurons[*reader].width.is_some();
            match (edge.index, reader_is_array) {
                (None, false) => {
                    texts.push(format!("{weight} dJ/dz_{reader_name}"));
                    quote!(dense::axpy(&mut #dj_dh, &self.#weight, #dj_dz_reader);)
                }
                (None, true) => {
                    texts.push(format!("{weight}^T dJ/dz_{reader_name}"));
                    quote!(dense::matvec_transpose_acc(&mut #dj_dh, &self.#weight, &#dj_dz_reader);)
                }
                (Some(index), false) => {
                    texts.push(format!("dJ/dz_{reader_name} * {weight} at [{index}]"));
                    let index = Literal::usize_unsuffixed(index);
                    quote!(#dj_dh[#index] += #dj_dz_reader * self.#weight;)
                }
                (Some(index), true) => {
                    texts.push(format!("{weight} . dJ/dz_{reader_name} at [{index}]"));
                    let index = Literal::usize_unsuffixed(index);
                    quote!(#dj_dh[#index] += dense::dot(&self.#weight, &#dj_dz_reader);)
                }
            }
        })
        .collect();
    let mutable = (!shares.is_empty()).then(|| quote!(mut));
    Step::new(
        quote! {
            let #mutable #dj_dh: #ty = #init;
            #(#shares)*
        },
        &format!("dJ/d{h} = {} = {{:.4?}}{fan_out}", texts.join(" + ")),
        &[quote!(#dj_dh)],
    )
}

/// `dj_dz_h = dj_dh * f'(z_h)`, element by element for an array.
fn local_link(neuron: &Neuron, scalar: &TokenStream) -> Step {
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let dj_dh = names::gradient(h);
    let dj_dz = names::pre_activation_gradient(h);
    let activation = &neuron.activation.name;
    let unit = neuron.activation.derivative == Formula::Const(1.0);
    match neuron.width {
        None if unit => Step::new(
            quote!(let #dj_dz = #dj_dh;),
            &format!("dJ/dz_{h} = dJ/d{h} * {activation}' = {{:.6}}"),
            &[quote!(#dj_dz)],
        ),
        None => {
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z),
                &quote!(trace.#h),
            );
            Step::new(
                quote!(let #dj_dz = #dj_dh * #derivative;),
                &format!("dJ/dz_{h} = dJ/d{h} * {activation}'({z}) = {{:.6}} * {{:.6}} = {{:.6}}"),
                &[quote!(#dj_dh), derivative, quote!(#dj_dz)],
            )
        }
        Some(_) if unit => Step::new(
            quote!(let #dj_dz = #dj_dh;),
            &format!("dJ/dz_{h} = dJ/d{h} * {activation}' = {{:.4?}}"),
            &[quote!(#dj_dz)],
        ),
        Some(width) => {
            let ty = array_type(scalar, &node_shape(Some(width)));
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z[j]),
                &quote!(trace.#h[j]),
            );
            Step::new(
                quote!(let #dj_dz: #ty = ::core::array::from_fn(|j| #dj_dh[j] * #derivative);),
                &format!("dJ/dz_{h} = dJ/d{h} * {activation}'({z}) = {{:.4?}}"),
                &[quote!(#dj_dz)],
            )
        }
    }
}

/// The gradient of each weight into `neuron` and of its bias, added to `grads` where it is
/// computed: `grads.w11 += dj_dz_h1 * trace.x1`, or a dense kernel for arrays. (No local
/// per weight: rustc's stack overflows on functions with tens of thousands of `let`s.)
fn parameter_gradients(model: &Model, neuron: &Neuron) -> Vec<Step> {
    let h = &neuron.name;
    let dj_dz = names::pre_activation_gradient(h);
    let edges = neuron.edges.iter().map(|edge| {
        let weight = &edge.weight.name;
        let source = model.node_name(edge.source);
        let (value, text) = match edge.index {
            Some(index) => {
                let text = format!("{source}[{index}]");
                let index = Literal::usize_unsuffixed(index);
                (quote!(trace.#source[#index]), text)
            }
            None => (quote!(trace.#source), source.to_string()),
        };
        match (neuron.width.is_some(), model.reads_array(edge)) {
            (false, false) => Step::new(
                quote!(grads.#weight += #dj_dz * #value;),
                &format!("dJ/d{weight} = dJ/dz_{h} * {text} = {{:.6}} * {{:.6}} = {{:.6}}"),
                &[quote!(#dj_dz), value, quote!(grads.#weight)],
            ),
            (false, true) => Step::new(
                quote!(dense::axpy(&mut grads.#weight, &#value, #dj_dz);),
                &format!("dJ/d{weight} = dJ/dz_{h} {text}"),
                &[],
            ),
            (true, false) => Step::new(
                quote!(dense::axpy(&mut grads.#weight, &#dj_dz, #value);),
                &format!("dJ/d{weight} = dJ/dz_{h} {text}"),
                &[],
            ),
            (true, true) => Step::new(
                quote!(dense::outer_acc(&mut grads.#weight, &#dj_dz, &#value);),
                &format!("dJ/d{weight} = dJ/dz_{h} {text}^T"),
                &[],
            ),
        }
    });
    let bias = neuron.bias.iter().map(|bias| {
        let field: &Ident = &bias.name;
        if neuron.width.is_some() {
            Step::new(
                quote!(dense::add_assign(&mut grads.#field, &#dj_dz);),
                &format!("dJ/d{field} = dJ/dz_{h}"),
                &[],
            )
        } else {
            Step::new(
                quote!(grads.#field += #dj_dz;),
                &format!("dJ/d{field} = dJ/dz_{h} = {{:.6}}"),
                &[quote!(grads.#field)],
            )
        }
    });
    edges.chain(bias).collect()
}
