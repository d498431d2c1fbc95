//! The fused SGD step: `train_step` as an expert writes it by hand. The forward pass, then
//! every `dJ/dz` with the old weights (the backward pass without its parameter gradients),
//! then each weight updated in place from its delta and its source value: no gradient
//! struct is zeroed, written, returned and read back.
//!
//! The step is the network's `FusedStep::fused_step`, which the runtime's
//! `fused_train_step` calls (compiled for AVX2 where the CPU has it, when the network has a
//! layer as wide as an AVX register). The guard that `train_step` promises (a step that
//! would make anything NaN or infinite changes nothing) costs one pass over the deltas and
//! source values: the runtime's `SgdGuard` allows the in-place updates only when none of
//! them can overflow. Anything it refuses, and an invalid target or learning rate, goes to
//! the runtime's general `train_step` (out of line, `train_step_refused`), which reports the
//! error or takes the step with exact checks.

use proc_macro2::TokenStream;
use quote::quote;

use super::backward::{edge_value, steps_except, Declare, Locals};
use super::context::Context;
use super::forward::{pass_body, Pass};
use super::links::Link;
use super::names;
use crate::model::{Edge, Model, Neuron, Parameter, Scalar};

/// Above this many neurons (a layer counts as one) `train_step` calls the runtime's general
/// step instead: the fused step repeats the backward pass's code, and for a large
/// neuron-level network that doubles the build time of the pass for a per-sample step whose
/// cost is no longer in the gradient struct's traffic.
pub(crate) const FUSED_NEURONS: usize = 64;

/// The bytes of one AVX register: a step with a layer this wide gains from AVX2 code.
const AVX_BYTES: usize = 32;

/// Whether `train_step` is generated fused: a feed-forward network of at most
/// [`FUSED_NEURONS`] neurons. (Through time, each parameter's gradient is a sum over the
/// steps, which must be complete before any update.)
pub(crate) fn applies(model: &Model) -> bool {
    !model.is_recurrent() && model.neurons.len() <= FUSED_NEURONS
}

/// `impl FusedStep for Net`: the fused step, and whether it is worth compiling for AVX2.
pub(crate) fn trait_impl(ctx: &Context) -> TokenStream {
    let Context {
        name,
        scalar,
        private,
        model,
        ..
    } = ctx;
    let body = fused_step_body(ctx);
    let wide = is_wide(model);
    quote! {
        #[automatically_derived]
        impl #private::FusedStep for #name {
            const WIDE: ::core::primitive::bool = #wide;

            #[inline(always)]
            #[allow(non_snake_case)] // locals follow the user's names, e.g. `dj_dz_W1`
            #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
            fn fused_step(
                &mut self,
                input: &Self::Input,
                target: &Self::Target,
                learning_rate: #scalar,
            ) -> ::core::option::Option<#scalar> {
                #body
            }
        }
    }
}

/// Whether some layer (or input array) fills an AVX register: below that, AVX2 code has no
/// more lanes to use than SSE, and choosing it at run time is a call for nothing.
fn is_wide(model: &Model) -> bool {
    let bytes = match model.scalar {
        Scalar::F32 => 4,
        Scalar::F64 => 8,
    };
    let widest = model
        .neurons
        .iter()
        .filter_map(Neuron::z_width)
        .chain(model.inputs.iter().filter_map(|input| input.width))
        .max()
        .unwrap_or(1);
    widest * bytes >= AVX_BYTES
}

/// The body of `fused_step(&mut self, input, target, learning_rate)`, for a valid target
/// and learning rate.
fn fused_step_body(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        private,
        ..
    } = ctx;
    // The forward pass written out here rather than called: inlined, the whole step is one
    // function the compiler schedules as a whole, and the trace is never copied out.
    let forward = pass_body(ctx, Pass::Trace, &TokenStream::new());
    let mut locals = Locals::new(Declare::AtUse);
    // Every `dJ/dh` and `dJ/dz`, but no parameter's gradient (and a classifier's
    // `softmax_gradient` comes with the loss).
    let deltas = steps_except(model, order, &mut locals, |link| {
        matches!(
            link,
            Link::Weight { .. } | Link::Bias { .. } | Link::SoftmaxGradient
        )
    })
    .into_iter()
    .map(|step| step.code);
    let loss = sample_loss(ctx, &quote!(loss));
    let parameters: Vec<(&Neuron, Update)> = model
        .neurons
        .iter()
        .flat_map(|neuron| {
            let weights = neuron
                .edges
                .iter()
                .map(move |edge| (neuron, Update::Weight(edge)));
            weights.chain(
                neuron
                    .bias
                    .iter()
                    .map(move |bias| (neuron, Update::Bias(bias))),
            )
        })
        .collect();
    let guards = model
        .neurons
        .iter()
        .map(|neuron| guard(model, neuron))
        .chain(single_neurons_guard(model));
    let updates = parameters
        .iter()
        .map(|(neuron, update)| apply(model, neuron, update));
    quote! {
        #forward
        #loss
        if !loss.is_finite() {
            return ::core::option::Option::None;
        }
        #(#deltas)*
        let mut guard = #private::SgdGuard::new(learning_rate);
        #(#guards)*
        if !guard.allows() {
            return ::core::option::Option::None;
        }
        #(#updates)*
        ::core::option::Option::Some(loss)
    }
}

/// `let loss = trace.loss(target);` with the local named `name`, and for a classifier
/// `softmax_gradient` (the `dJ/dz` of its outputs) bound with it from the same
/// exponentials, which the softmax links of a training pass then leave out.
pub(crate) fn sample_loss(ctx: &Context, name: &TokenStream) -> TokenStream {
    let Context { model, private, .. } = ctx;
    if model.loss.is_categorical() {
        let function =
            crate::loss::softmax_function("softmax_cross_entropy_and_gradient", model.precision);
        quote! {
            let (#name, softmax_gradient) = #private::loss::#function(&trace.output(), target);
        }
    } else {
        quote!(let #name = trace.loss(target);)
    }
}

/// One parameter a fused step updates.
enum Update<'a> {
    Weight(&'a Edge),
    Bias(&'a Parameter),
}

/// A value as a slice for the guard: `&dj_dz_h` for an array, `&[dj_dz_h]` for one value.
fn as_slice(value: &TokenStream, array: bool) -> TokenStream {
    if array {
        quote!(&#value)
    } else {
        quote!(&[#value])
    }
}

/// What the guard is told of one neuron's parameters: for a layer, `guard.layer(deltas)`
/// (its largest delta found once), then `guard.source(x)` per edge and `guard.bias()`; for a
/// single neuron, only its weight vectors on arrays, `guard.edge(&[dz], x)` (its other
/// parameters go to [`single_neurons_guard`]).
fn guard(model: &Model, neuron: &Neuron) -> TokenStream {
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    if neuron.width.is_some() {
        let sources = neuron.edges.iter().map(|edge| {
            let sources = as_slice(&edge_value(model, edge), model.reads_array(edge));
            quote!(guard.source(#sources);)
        });
        let bias = neuron.bias.is_some().then(|| quote!(guard.bias();));
        return quote!(guard.layer(&#dj_dz); #(#sources)* #bias);
    }
    let edges = neuron
        .edges
        .iter()
        .filter(|edge| model.reads_array(edge))
        .map(|edge| {
            let value = edge_value(model, edge);
            quote!(guard.edge(&[#dj_dz], &#value);)
        });
    quote!(#(#edges)*)
}

/// The guard's note of every single neuron's scalar weights and bias at once:
/// `guard.edge(&[dz, ..], &[x, .., 1.0])`, the largest delta of those neurons times the
/// largest of their scalar sources (and 1, a bias's): a bound on each of those gradients,
/// `|dz_i x_j|`, found in two short passes. One note per gradient chained every comparison
/// and addition through all of them (17 deep for XOR 2-4-1); the bound is looser, and a
/// step it refuses goes to the general step, whose checks are exact.
fn single_neurons_guard(model: &Model) -> Option<TokenStream> {
    let mut deltas = Vec::new();
    let mut sources: Vec<TokenStream> = Vec::new();
    let mut seen = Vec::new();
    let mut bias = false;
    for neuron in model.neurons.iter().filter(|neuron| neuron.width.is_none()) {
        let scalar_edges: Vec<&Edge> = neuron
            .edges
            .iter()
            .filter(|edge| !model.reads_array(edge))
            .collect();
        if scalar_edges.is_empty() && neuron.bias.is_none() {
            continue;
        }
        deltas.push(names::pre_activation_gradient(&neuron.name));
        bias |= neuron.bias.is_some();
        for edge in scalar_edges {
            let value = edge_value(model, edge);
            let key = value.to_string();
            if !seen.contains(&key) {
                seen.push(key);
                sources.push(value);
            }
        }
    }
    if deltas.is_empty() {
        return None;
    }
    if bias {
        sources.push(quote!(1.0));
    }
    Some(quote!(guard.edge(&[#(#deltas),*], &[#(#sources),*]);))
}

/// `w = w - learning_rate * dJ/dw` in place, rounded as `backward` then `sgd_step` round it.
fn apply(model: &Model, neuron: &Neuron, update: &Update) -> TokenStream {
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    let layer = neuron.width.is_some();
    match update {
        Update::Weight(edge) => {
            let weight = &edge.weight.name;
            let value = edge_value(model, edge);
            match (layer, model.reads_array(edge)) {
                (false, false) => quote! {
                    self.#weight -= learning_rate * (#dj_dz * #value);
                },
                (false, true) => {
                    quote!(dense::sgd_axpy(&mut self.#weight, &#value, #dj_dz, learning_rate);)
                }
                (true, false) => {
                    quote!(dense::sgd_axpy(&mut self.#weight, &#dj_dz, #value, learning_rate);)
                }
                (true, true) => {
                    quote!(dense::sgd_outer(&mut self.#weight, &#dj_dz, &#value, learning_rate);)
                }
            }
        }
        Update::Bias(bias) => {
            let bias = &bias.name;
            if layer {
                quote!(dense::sgd_sub(&mut self.#bias, &#dj_dz, learning_rate);)
            } else {
                quote!(self.#bias -= learning_rate * #dj_dz;)
            }
        }
    }
}
