//! The batch pass: `accumulate_batch`, the gradient of a mini-batch as an expert sums it.
//!
//! The samples go in chunks of a few. A whole chunk goes forward in lockstep: each layer's
//! product is one kernel call for all its samples, reading the network's weight matrices by
//! columns (copied once per call, where they fit [`COLUMNS_BYTES`]), so that each column is
//! loaded once for several samples and no product needs horizontal sums. Then, one sample at
//! a time, every delta is computed as in the backward pass, and every gradient that costs
//! little per sample (a bias, a single neuron's weight) is added at once. The gradient of a
//! weight matrix between arrays is not: each sample's `dJ/dz` is kept for the chunk, and
//! then one kernel adds the whole chunk's `dz x^T` to the matrix, reading and writing it
//! once per chunk instead of once per sample (for a 64-32 layer, 8 KB of gradient per
//! sample otherwise), each element still summed sample by sample in order.
//!
//! A product by columns groups its sums otherwise than the forward pass's by rows, so the
//! loss and gradients equal the per-sample loop's to rounding (a partial last chunk goes
//! forward one sample at a time, as `forward` does).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::backward::{edge_value, steps_except, Declare, Locals};
use super::context::Context;
use super::forward::{pass_steps, read_inputs, steps, Pass};
use super::links::Link;
use super::names;
use crate::model::{Edge, Model, Neuron, Scalar};

/// At most this many samples (or time steps) per chunk: past it the gradient matrices'
/// traffic is already small beside the products themselves (the digits batch measured the
/// same with chunks of 8 and 16 samples, and slower with 32).
const MAX_CHUNK: usize = 8;

/// The stack what a chunk keeps may take, in bytes.
const CHUNK_BYTES: usize = 16 * 1024;

/// The stack the matrices by columns of a lockstep forward pass may take, in bytes; past it
/// a chunk's forward pass reads them by rows.
const COLUMNS_BYTES: usize = 64 * 1024;

/// How many samples (or time steps) a chunk holds when it keeps `values` scalars of each:
/// as many as fit [`CHUNK_BYTES`], at most [`MAX_CHUNK`].
pub(crate) fn chunk_len(model: &Model, values: usize) -> usize {
    (CHUNK_BYTES / (values * scalar_bytes(model)).max(1)).min(MAX_CHUNK)
}

/// Whether the weight on `edge` into `neuron` is summed for a chunk at once: a matrix
/// between arrays.
pub(crate) fn is_batched(model: &Model, neuron: &Neuron, edge: &Edge) -> bool {
    neuron.width.is_some() && model.reads_array(edge)
}

/// The neurons with at least one batched weight, whose deltas a chunk keeps.
pub(crate) fn batched_neurons(model: &Model) -> Vec<&Neuron> {
    model
        .neurons
        .iter()
        .filter(|neuron| {
            neuron
                .edges
                .iter()
                .any(|edge| is_batched(model, neuron, edge))
        })
        .collect()
}

/// How many samples a chunk holds: each keeps its trace (every input, pre-activation and
/// activation) and its deltas.
fn chunk_samples(model: &Model) -> usize {
    let values: usize = model
        .neurons
        .iter()
        .map(|neuron| 2 * neuron.width.unwrap_or(1))
        .sum();
    let deltas: usize = batched_neurons(model)
        .iter()
        .filter_map(|neuron| neuron.width)
        .sum();
    chunk_len(model, model.input_len() + values + deltas)
}

/// Whether `accumulate_batch` is generated: a network the fused step applies to (the pass
/// repeats the backward pass's code, as that step does), with a weight matrix between
/// arrays, whose chunk holds at least two samples.
pub(crate) fn applies(model: &Model) -> bool {
    super::fused::applies(model) && !batched_neurons(model).is_empty() && chunk_samples(model) >= 2
}

/// `let mut batch_...: [[T; width]; chunk] = [[0.0; width]; chunk];`: one value of
/// `width` per sample (or step) of a chunk.
pub(crate) fn buffer(
    name: &Ident,
    scalar: &TokenStream,
    width: usize,
    chunk: &TokenStream,
) -> TokenStream {
    let width = Literal::usize_unsuffixed(width);
    quote!(let mut #name: [[#scalar; #width]; #chunk] = [[0.0; #width]; #chunk];)
}

/// `batch_dj_dz_h[index] = dj_dz_h;` for each of `neurons`: this sample's (or step's)
/// deltas kept for the chunk's sums.
pub(crate) fn keeps(neurons: &[&Neuron], index: &TokenStream) -> Vec<TokenStream> {
    neurons
        .iter()
        .map(|neuron| {
            let batch = names::batch_gradient(&neuron.name);
            let dj_dz = names::pre_activation_gradient(&neuron.name);
            quote!(#batch[#index] = #dj_dz;)
        })
        .collect()
}

/// The gradient of every batched weight into `neurons`, summed over the first `count`
/// samples (or steps) of a chunk: `dense::outer_acc_batch(&mut grads.W, &batch_dj_dz_h[..count],
/// &batch_trace[..count], |trace| &trace.x)`.
pub(crate) fn weight_sums(
    model: &Model,
    neurons: &[&Neuron],
    count: &TokenStream,
) -> Vec<TokenStream> {
    neurons
        .iter()
        .flat_map(|neuron| {
            let batch = names::batch_gradient(&neuron.name);
            neuron
                .edges
                .iter()
                .filter(|edge| is_batched(model, neuron, edge))
                .map(move |edge| {
                    let weight = &edge.weight.name;
                    let value = edge_value(model, edge);
                    quote! {
                        dense::outer_acc_batch(&mut grads.#weight, &#batch[..#count], &batch_trace[..#count], |trace| &#value);
                    }
                })
        })
        .collect()
}

/// The inherent `accumulate_batch`, which the `Network` impl forwards to.
pub(crate) fn method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        private,
        scalar,
        trace,
        grads,
        target,
        input_len,
        ..
    } = ctx;
    let samples = Literal::usize_unsuffixed(chunk_samples(model));
    let forward = pass_steps(model, order, Pass::Trace);
    let (columns, lockstep) = lockstep_forward(ctx);
    let mut locals = Locals::new(Declare::AtUse);
    // A classifier's `softmax_gradient` comes with the sample's loss.
    let sample_loss = super::fused::sample_loss(ctx, &quote!(sample_loss));
    let steps = steps_except(model, order, &mut locals, |link| match link {
        Link::Weight { neuron, edge } => is_batched(model, neuron, edge),
        Link::SoftmaxGradient => true,
        _ => false,
    })
    .into_iter()
    .map(|step| step.code);
    let neurons = batched_neurons(model);
    let buffers = neurons.iter().map(|neuron| {
        let width = neuron.z_width().unwrap_or(1);
        buffer(
            &names::batch_gradient(&neuron.name),
            scalar,
            width,
            &quote!(#samples),
        )
    });
    let keeps = keeps(&neurons, &quote!(sample));
    let sums = weight_sums(model, &neurons, &quote!(samples));
    let read_inputs = read_inputs(model);
    quote! {
        /// Adds `dJ/dw` of every sample (pairs of `inputs` and `targets`, as many as the
        /// shorter holds) to `grads`, and returns the sum of their losses, each multiplied
        /// by `scale` first: the work of a mini-batch.
        ///
        /// The forward pass of a chunk of samples in lockstep, each weight matrix read by
        /// columns once for the chunk; per sample every `dJ/dz`; the gradients of the weight
        /// matrices between arrays for the chunk at once, each matrix read and written once
        /// per chunk. The numbers of [`Self::forward`] and [`Self::backward_accumulate`]
        /// sample by sample to rounding (the products' sums are grouped otherwise).
        #[inline]
        #[allow(non_snake_case)] // locals follow the user's names, e.g. `dj_dz_W1`
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
        pub fn accumulate_batch(
            &self,
            inputs: &[[#scalar; #input_len]],
            targets: &[#target],
            scale: #scalar,
            grads: &mut #grads,
        ) -> #scalar {
            #[allow(unused_imports)] // not every network calls every runtime module
            use #private::{act, dense};
            let samples = ::core::cmp::min(inputs.len(), targets.len());
            let (inputs, targets) = (&inputs[..samples], &targets[..samples]);
            let mut loss: #scalar = 0.0;
            let mut batch_trace = [#trace::ZERO; #samples];
            #(#buffers)*
            #columns
            for (inputs, targets) in ::core::iter::zip(inputs.chunks(#samples), targets.chunks(#samples)) {
                // The forward pass in the chunk's own traces, which the sums read: a whole
                // chunk in lockstep, each product one kernel call for all its samples.
                // Every field of a trace is written before it is read (each sum starts from
                // its bias or zero), so the traces are zeroed once per call, not per chunk.
                if inputs.len() == #samples {
                    let mut traces = batch_trace.each_mut();
                    for (trace, input) in ::core::iter::Iterator::zip(traces.iter_mut(), inputs) {
                        let trace = &mut **trace;
                        #read_inputs
                    }
                    #lockstep
                } else {
                    for (trace, input) in ::core::iter::Iterator::zip(batch_trace.iter_mut(), inputs) {
                        #forward
                    }
                }
                for sample in 0..inputs.len() {
                    let target = &targets[sample];
                    let trace = &mut batch_trace[sample];
                    #sample_loss
                    loss += sample_loss * scale;
                    #(#steps)*
                    #(#keeps)*
                }
                let samples = inputs.len();
                #(#sums)*
            }
            loss
        }
    }
}

/// A chunk's forward pass in lockstep ([`Pass::LanesByColumns`]), and what it reads: the
/// network's weight matrices by columns, copied once per call into a local `columns`, so
/// that a product is a sum of columns with no horizontal sums, each column loaded once for
/// several samples. Where the copies would take more than [`COLUMNS_BYTES`], no copy, and
/// the products by rows ([`Pass::Lanes`]).
fn lockstep_forward(ctx: &Context) -> (TokenStream, TokenStream) {
    let Context {
        model,
        order,
        scalar,
        ..
    } = ctx;
    let matrices = super::stream::matrices(ctx);
    let bytes: usize = matrices
        .iter()
        .map(|matrix| matrix.shape.iter().product::<usize>() * scalar_bytes(model))
        .sum();
    let code = |pass| {
        let steps = steps(model, order, pass).into_iter().map(|step| step.code);
        quote!(#(#steps)*)
    };
    if bytes > COLUMNS_BYTES {
        return (TokenStream::new(), code(Pass::Lanes));
    }
    let fields: Vec<_> = matrices.iter().map(|matrix| &matrix.name).collect();
    let shapes: Vec<_> = matrices
        .iter()
        .map(|matrix| [matrix.shape[1], matrix.shape[0]])
        .collect();
    let types = shapes
        .iter()
        .map(|shape| super::types::array_type(scalar, shape));
    let zeros = shapes.iter().map(|shape| super::types::zeros(shape));
    // Filled in place: a transpose returned by value was copied into the struct, 8 KB more
    // traffic per call for the digits classifier's first layer.
    let columns = quote! {
        #[allow(non_snake_case)] // the matrices keep the user's names
        struct Columns {
            #(#fields: #types,)*
        }
        let mut columns = Columns { #(#fields: #zeros,)* };
        #(dense::transpose_into(&mut columns.#fields, &self.#fields);)*
    };
    (columns, code(Pass::LanesByColumns))
}

/// The bytes of one of `model`'s scalars.
fn scalar_bytes(model: &Model) -> usize {
    match model.scalar {
        Scalar::F32 => 4,
        Scalar::F64 => 8,
    }
}
