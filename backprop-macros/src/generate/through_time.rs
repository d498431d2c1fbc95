//! The chunked pass through time: `backward_steps`, backpropagation through a sequence's
//! steps with the weight matrices' gradients summed a chunk of steps at a time.
//!
//! Step by step, from the last back, every delta and every cheap gradient is computed as
//! `backward_step` computes it, with `carry` handed from step to step. The gradient of a
//! weight matrix between arrays, and a cell's `weight_hh` gradient, are not added per step:
//! each step's `dJ/dz` (for a GRU, of its recurrent side) is kept with a reference to its
//! trace, and after a chunk of steps one kernel adds them all, reading and writing each
//! matrix once per chunk. For a GRU of 64 that is 80 KB of gradients per step otherwise,
//! more than the first-level cache. Each element is summed step by step in the same order
//! as the per-step pass, so the two give the same bits.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::backward::{steps_except, Declare, Locals};
use super::batch::{batched_neurons, buffer, chunk_len, is_batched, keeps, weight_sums};
use super::context::Context;
use super::links::Link;
use super::names;
use crate::model::{Cell, CellKind, Memory, Model, Neuron, NodeRef};

/// A neuron whose per-step `dJ/dz` a chunk keeps, and the GRU cells whose recurrent-side
/// `dJ/dz` it keeps.
struct Kept<'a> {
    deltas: Vec<&'a Neuron>,
    sides: Vec<&'a Neuron>,
}

impl<'a> Kept<'a> {
    fn of(model: &'a Model) -> Self {
        let mut deltas = batched_neurons(model);
        for neuron in &model.neurons {
            let lstm = matches!(&neuron.cell, Some(cell) if cell.kind == CellKind::Lstm);
            if lstm && !deltas.iter().any(|kept| kept.name == neuron.name) {
                deltas.push(neuron);
            }
        }
        let sides = model
            .neurons
            .iter()
            .filter(|neuron| matches!(&neuron.cell, Some(cell) if cell.kind == CellKind::Gru))
            .collect();
        Kept { deltas, sides }
    }

    fn is_empty(&self) -> bool {
        self.deltas.is_empty() && self.sides.is_empty()
    }

    /// How many steps a chunk holds: each keeps its deltas (the traces are references).
    fn chunk_steps(&self, model: &Model) -> usize {
        let values: usize = self
            .deltas
            .iter()
            .chain(&self.sides)
            .map(|neuron| neuron.z_width().unwrap_or(1))
            .sum();
        chunk_len(model, values)
    }
}

/// Whether `backward_steps` is generated: a recurrent network of at most
/// `fused::FUSED_NEURONS` neurons (the pass repeats the backward pass's code) with a weight
/// matrix between arrays or a cell, whose chunk holds at least two steps.
pub(crate) fn applies(model: &Model) -> bool {
    let kept = Kept::of(model);
    model.is_recurrent()
        && model.neurons.len() <= super::fused::FUSED_NEURONS
        && !kept.is_empty()
        && kept.chunk_steps(model) >= 2
}

/// Every link of one step but the batched weights' gradients, rendered with `locals`.
fn step_links(model: &Model, order: &[usize], locals: &mut Locals) -> Vec<TokenStream> {
    steps_except(
        model,
        order,
        locals,
        |link| matches!(link, Link::Weight { neuron, edge } if is_batched(model, neuron, edge)),
    )
    .into_iter()
    .map(|step| step.code)
    .collect()
}

/// The chunk's buffers of kept deltas and cells' recurrent-side deltas, `slots` each.
fn chunk_buffers(kept: &Kept, scalar: &TokenStream, slots: &TokenStream) -> TokenStream {
    let width = |neuron: &Neuron| neuron.z_width().unwrap_or(1);
    let deltas = kept.deltas.iter().map(|neuron| {
        buffer(
            &names::batch_gradient(&neuron.name),
            scalar,
            width(neuron),
            slots,
        )
    });
    let sides = kept.sides.iter().map(|neuron| {
        buffer(
            &names::batch_side_gradient(&neuron.name),
            scalar,
            width(neuron),
            slots,
        )
    });
    quote!(#(#deltas)* #(#sides)*)
}

/// Each cell with the buffer of the deltas its `weight_hh` multiplies: a GRU's
/// recurrent-side `batch_dj_dside_h`, an LSTM's `batch_dj_dz_h`.
fn cells_and_deltas(model: &Model) -> Vec<(&Neuron, &Cell, Ident)> {
    model
        .neurons
        .iter()
        .filter_map(|neuron| {
            let cell = neuron.cell.as_ref()?;
            let deltas = match cell.kind {
                CellKind::Gru => names::batch_side_gradient(&neuron.name),
                CellKind::Lstm => names::batch_gradient(&neuron.name),
            };
            Some((neuron, cell, deltas))
        })
        .collect()
}

/// Each cell's `weight_hh` gradient over the first `count` slots of the chunk.
fn cell_sums(model: &Model, count: &TokenStream) -> Vec<TokenStream> {
    cells_and_deltas(model)
        .into_iter()
        .map(|(neuron, cell, deltas)| {
            let weight_hh = &cell.weight_hh.name;
            let previous = names::previous(&neuron.name);
            quote! {
                dense::outer_acc_batch(&mut grads.#weight_hh, &#deltas[..#count], &batch_trace[..#count], |trace| &trace.#previous);
            }
        })
        .collect()
}

/// `let _ = carry;` where nothing is carried (only inputs read through `.prev`, and inputs
/// get no gradient), so the parameter is not unused.
fn unused_carry(model: &Model) -> Option<TokenStream> {
    let carries = model
        .memories()
        .iter()
        .any(|memory| !matches!(memory, Memory::Value(NodeRef::Input(_))));
    (!carries).then(|| quote!(let _ = &carry;))
}

/// The inherent `backward_steps`, which the `Recurrent` impl forwards to.
pub(crate) fn method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        private,
        scalar,
        trace,
        grads,
        target,
        state,
        ..
    } = ctx;
    let kept = Kept::of(model);
    let chunk_len = Literal::usize_unsuffixed(kept.chunk_steps(model));
    let mut locals = Locals::new(Declare::AtUse).with_deferred_cells();
    let body = step_links(model, order, &mut locals);
    let buffers = chunk_buffers(&kept, scalar, &quote!(#chunk_len));
    let keeps = keeps(&kept.deltas, &quote!(back));
    let edge_sums = weight_sums(model, &kept.deltas, &quote!(chunk));
    let cell_sums = cell_sums(model, &quote!(chunk));
    let state = state.as_ref().expect("a recurrent network has a state");
    let unused_carry = unused_carry(model);
    quote! {
        /// Backpropagation through the steps `first..` of a sequence whose forward pass is
        /// `traces`, from the last step back to `first`: [`Self::backward_step`] for each in
        /// turn, with `carry` handed from step to step, but with the gradients of the
        /// weight matrices between arrays (and of the cells' `weight_hh`) added for a chunk
        /// of steps at once, each matrix read and written once per chunk. The same numbers
        /// as [`Self::backward_step`] step by step.
        #[allow(non_snake_case)] // locals follow the user's names, e.g. `dj_dz_W1`
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
        pub fn backward_steps(
            &self,
            traces: &[#trace],
            targets: #private::recurrent::Targets<'_, #target>,
            first: ::core::primitive::usize,
            carry: &mut #state,
            grads: &mut #grads,
        ) {
            #[allow(unused_imports)] // not every network calls every runtime module
            use #private::{act, dense};
            #unused_carry
            let steps = traces.len();
            if first >= steps {
                return;
            }
            let mut batch_trace: [&#trace; #chunk_len] = [&traces[first]; #chunk_len];
            #buffers
            let mut end = steps;
            while end > first {
                let start = ::core::cmp::max(first, end.saturating_sub(#chunk_len));
                let chunk = end - start;
                for back in 0..chunk {
                    let t = end - 1 - back;
                    let (trace, target) = (&traces[t], targets.at(t, steps));
                    #(#body)*
                    #(#keeps)*
                    batch_trace[back] = trace;
                }
                #(#edge_sums)*
                #(#cell_sums)*
                end = start;
            }
        }
    }
}

/// `Recurrent::backward_steps_lanes`: the pass of [`method`] for `LANES` sequences in
/// lockstep. At each step every lane's links run in turn, as in `backward_steps` but with
/// each cell's recurrent product left out; then that product, `weight_hh^T dJ/dz`, for all
/// the lanes at once (`dense::matvec_transpose_acc_lanes`, which reads `weight_hh` once
/// where one lane's product would stream it from the second-level cache). The chunk keeps
/// every lane's deltas, in `slot = LANES * back + lane`, and each weight matrix's gradient
/// is summed over all of them at once.
pub(crate) fn lanes_method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        private,
        scalar,
        trace,
        grads,
        target,
        state,
        ..
    } = ctx;
    let kept = Kept::of(model);
    let chunk_len = Literal::usize_unsuffixed(kept.chunk_steps(model));
    let lanes = quote!(#private::recurrent::LANES);
    let slots = quote!(#chunk_len * #lanes);
    let mut locals = Locals::new(Declare::AtUse).with_lockstep_cells();
    let body = step_links(model, order, &mut locals);
    let buffers = chunk_buffers(&kept, scalar, &slots);
    let keeps = keeps(&kept.deltas, &quote!(slot));
    let count = quote!(#lanes * chunk);
    let edge_sums = weight_sums(model, &kept.deltas, &count);
    let cell_sums = cell_sums(model, &count);
    let recurrent_products = cells_and_deltas(model)
        .into_iter()
        .map(|(neuron, cell, deltas)| {
            let (h, weight_hh) = (&neuron.name, &cell.weight_hh.name);
            quote! {
                let mut lane = 0;
                let mut sides = carries.each_mut().map(|carry| {
                    let side = &#deltas[#lanes * back + lane];
                    lane += 1;
                    (&mut carry.#h, side)
                });
                dense::matvec_transpose_acc_lanes(&mut sides, &self.#weight_hh);
            }
        });
    let state = state.as_ref().expect("a recurrent network has a state");
    let unused_carry = unused_carry(model);
    quote! {
        #[inline]
        #[allow(non_snake_case)] // locals follow the user's names, e.g. `dj_dz_W1`
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
        fn backward_steps_lanes(
            &self,
            traces: [&[#trace]; #lanes],
            targets: [#private::recurrent::Targets<'_, #target>; #lanes],
            first: ::core::primitive::usize,
            grads: &mut #grads,
        ) {
            #[allow(unused_imports)] // not every network calls every runtime module
            use #private::{act, dense};
            let steps = traces[0].len();
            if first >= steps {
                return;
            }
            let mut carries = [<#state as ::core::default::Default>::default(); #lanes];
            let mut batch_trace: [&#trace; #slots] = [&traces[0][first]; #slots];
            #buffers
            let mut end = steps;
            while end > first {
                let start = ::core::cmp::max(first, end.saturating_sub(#chunk_len));
                let chunk = end - start;
                for back in 0..chunk {
                    let t = end - 1 - back;
                    // Paths, not methods: a scope may have no prelude.
                    for (lane, carry) in ::core::iter::Iterator::enumerate(carries.iter_mut()) {
                        #unused_carry
                        let slot = #lanes * back + lane;
                        let (trace, target) = (&traces[lane][t], targets[lane].at(t, steps));
                        #(#body)*
                        #(#keeps)*
                        batch_trace[slot] = trace;
                    }
                    // The cells' recurrent products for every lane at once.
                    #(#recurrent_products)*
                }
                #(#edge_sums)*
                #(#cell_sums)*
                end = start;
            }
            if first == 0 {
                for carry in &carries {
                    <Self as #private::Recurrent>::initial_gradient(carry, grads);
                }
            }
        }
    }
}
