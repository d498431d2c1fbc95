//! The forward pass: one `let` for each pre-activation and each activation, in topological
//! order, collected into the trace. Single neurons are written out term by term; layers
//! are one call of a dense kernel per edge and one element-wise activation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names;
use super::types::{array_type, flat_element, node_shape, offsets};
use super::Step;
use crate::formula::{emit, Formula};
use crate::model::{Edge, Model, Neuron};

/// `pub fn forward(&self, input: &[T; N]) -> NetTrace`.
pub(crate) fn method(model: &Model, order: &[usize]) -> TokenStream {
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(&model.name);
    let input_len = Literal::usize_unsuffixed(model.input_len());
    let input_list = model
        .inputs
        .iter()
        .map(|input| match input.width {
            Some(width) => format!("`{}` ({width} values)", input.name),
            None => format!("`{}`", input.name),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        " Runs the forward pass on the inputs {input_list}, concatenated in this order, and returns every intermediate value."
    );
    let read_inputs = read_inputs(model, &scalar);
    let steps = steps(model, order).into_iter().map(|step| step.code);
    let build_trace = build_trace(model);
    quote! {
        #[doc = #doc]
        #[inline]
        #[must_use]
        #[allow(non_snake_case)]
        pub fn forward(&self, input: &[#scalar; #input_len]) -> #trace {
            #[allow(unused_imports)] // not every network calls every runtime module
            use ::backprop_runtime::__private::{act, dense};
            #read_inputs
            #(#steps)*
            #build_trace
        }
    }
}

/// The trace built from the locals of the forward pass.
pub(crate) fn build_trace(model: &Model) -> TokenStream {
    let trace = names::trace_struct(&model.name);
    let input_names = model.inputs.iter().map(|input| &input.name);
    let fields = model.neurons.iter().map(|neuron| {
        let h = &neuron.name;
        let z = names::pre_activation(h);
        quote!(#z, #h)
    });
    quote!(#trace { #(#input_names,)* #(#fields,)* })
}

/// Binds each input to a local of its name, out of the flat input array.
pub(crate) fn read_inputs(model: &Model, scalar: &TokenStream) -> TokenStream {
    let names: Vec<_> = model.inputs.iter().map(|input| &input.name).collect();
    if model.inputs.iter().all(|input| input.width.is_none()) {
        return quote!(let [#(#names),*] = *input;);
    }
    if let [only] = model.inputs.as_slice() {
        let name = &only.name;
        return quote!(let #name = *input;);
    }
    let offsets = offsets(model.inputs.iter().map(|input| input.width));
    let bindings = model.inputs.iter().zip(offsets).map(|(input, offset)| {
        let name = &input.name;
        match input.width {
            None => {
                let value = flat_element(&quote!(input), offset, None);
                quote!(let #name = #value;)
            }
            Some(width) => {
                let ty = array_type(scalar, &[width]);
                let value = flat_element(&quote!(input), offset, Some(&quote!(i)));
                quote!(let #name: #ty = ::core::array::from_fn(|i| #value);)
            }
        }
    });
    quote!(#(#bindings)*)
}

/// The steps of the forward pass, in topological order.
pub(crate) fn steps(model: &Model, order: &[usize]) -> Vec<Step> {
    let scalar = model.scalar.tokens();
    order
        .iter()
        .flat_map(|&index| neuron_steps(model, &model.neurons[index], &scalar))
        .collect()
}

/// The value an edge reads: the source's local, or one element of it.
fn read(model: &Model, edge: &Edge) -> TokenStream {
    let source = model.node_name(edge.source);
    match edge.index {
        Some(index) => {
            let index = Literal::usize_unsuffixed(index);
            quote!(#source[#index])
        }
        None => quote!(#source),
    }
}

/// How an edge's source reads in an explanation: `x1` or `x[3]`.
fn read_text(model: &Model, edge: &Edge) -> String {
    let source = model.node_name(edge.source);
    match edge.index {
        Some(index) => format!("{source}[{index}]"),
        None => source.to_string(),
    }
}

/// `let z_h = ...;` and `let h = f(z_h);` for one neuron or layer.
fn neuron_steps(model: &Model, neuron: &Neuron, scalar: &TokenStream) -> [Step; 2] {
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let activation = &neuron.activation.name;
    let sum_text: Vec<String> = neuron
        .edges
        .iter()
        .map(|edge| format!("{} {}", edge.weight.name, read_text(model, edge)))
        .chain(neuron.bias.iter().map(|bias| bias.name.to_string()))
        .collect();
    let sum_text = sum_text.join(" + ");

    let Some(width) = neuron.width else {
        let mut terms = Vec::new();
        let mut numbers = Vec::new();
        let mut args = Vec::new();
        for edge in &neuron.edges {
            let weight = &edge.weight.name;
            let value = read(model, edge);
            if model.reads_array(edge) {
                let dot = quote!(dense::dot(&self.#weight, &#value));
                numbers.push("{:.6}");
                args.push(dot.clone());
                terms.push(dot);
            } else {
                numbers.push("{:.6} * {:.6}");
                args.extend([quote!(self.#weight), value.clone()]);
                terms.push(quote!(self.#weight * #value));
            }
        }
        if let Some(bias) = &neuron.bias {
            let bias = &bias.name;
            numbers.push("{:.6}");
            args.push(quote!(self.#bias));
            terms.push(quote!(self.#bias));
        }
        args.push(quote!(#z));
        let value = emit(&neuron.activation.forward, &quote!(#z), &quote!(#h));
        return [
            Step::new(
                quote!(let #z = #(#terms)+*;),
                &format!("{z} = {sum_text} = {} = {{:.6}}", numbers.join(" + ")),
                &args,
            ),
            Step::new(
                quote!(let #h = #value;),
                &format!("{h} = {activation}({z}) = {{:.6}}"),
                &[quote!(#h)],
            ),
        ];
    };

    let ty = array_type(scalar, &node_shape(Some(width)));
    let init = match &neuron.bias {
        Some(bias) => {
            let bias = &bias.name;
            quote!(self.#bias)
        }
        None => super::types::zeros(&[width]),
    };
    let edges = neuron.edges.iter().map(|edge| {
        let weight = &edge.weight.name;
        let value = read(model, edge);
        if model.reads_array(edge) {
            quote!(dense::matvec_acc(&mut #z, &self.#weight, &#value);)
        } else {
            quote!(dense::axpy(&mut #z, &self.#weight, #value);)
        }
    });
    let value = if neuron.activation.forward == Formula::Var {
        quote!(#z)
    } else {
        let element = emit(&neuron.activation.forward, &quote!(#z[j]), &quote!(#h[j]));
        quote!(::core::array::from_fn(|j| #element))
    };
    [
        Step::new(
            quote! {
                let mut #z: #ty = #init;
                #(#edges)*
            },
            &format!("{z} = {sum_text} = {{:.4?}}"),
            &[quote!(#z)],
        ),
        Step::new(
            quote!(let #h: #ty = #value;),
            &format!("{h} = {activation}({z}) = {{:.4?}}"),
            &[quote!(#h)],
        ),
    ]
}
