//! The forward pass: each input, each pre-activation and each activation stored in the
//! trace, in topological order. Single neurons are written out term by term; layers are one
//! call of a dense kernel per edge and one element-wise activation.
//!
//! Values live in the trace's fields (`trace.z_h1`, `trace.h1`), never in locals named after
//! nodes: a local's pattern could be captured by an item of the user's scope (`Some`, a
//! `const N`), and a function of thousands of `let`s overflows rustc's debug-info pass.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::context::Context;
use super::names;
use super::step::Step;
use super::types::{continue_sum, flat_element, offsets, sum_chunks};
use crate::formula::{emit, FastPrimitive, Formula, Primitive};
use crate::model::{cell_state_name, gates_name, Cell, CellKind, Edge, Model, Neuron, Precision};

/// What a forward pass is for, which decides where it reads the previous step and what a
/// cell stores.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// A pass for backpropagation: `.prev` read from the trace's copy (`trace.prev_h`), the
    /// cells' gates kept in the trace.
    Trace,
    /// A stream's `step`: `.prev` read from the state itself (`state.h`) and the cells' new
    /// state computed without their gates, since nothing will go back through them.
    Stream,
    /// A prepared stream's step (`Streaming::step_by_columns`): a [`Pass::Stream`] whose
    /// matrices are read by columns from `columns.W`.
    Columns,
    /// [`Pass::Trace`] for several sequences in lockstep (`forward_step_lanes`): each step
    /// for every trace of `traces` in turn, but a product with a weight matrix (and a cell's
    /// recurrent side) one kernel call for all of them, which reads the matrix once.
    Lanes,
    /// [`Pass::Lanes`] reading its matrices by columns from `columns` (a run of sequences'
    /// forward pass, `forward_sequences_lanes`, which copies them once for all its steps).
    LanesByColumns,
}

impl Pass {
    /// Whether the pass is a stream's step, which reads `.prev` from the state.
    fn streams(self) -> bool {
        matches!(self, Pass::Stream | Pass::Columns)
    }

    /// Whether the pass runs every step for several traces, `traces`.
    fn lanes(self) -> bool {
        matches!(self, Pass::Lanes | Pass::LanesByColumns)
    }
}

/// `pub fn forward(&self, input: &[T; N]) -> NetTrace`.
pub(crate) fn method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        scalar,
        trace,
        input_len,
        ..
    } = ctx;
    let input_list = model
        .inputs
        .iter()
        .map(|input| match input.width {
            Some(width) => format!("`{}` ({width} values)", input.text()),
            None => format!("`{}`", input.text()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        " Runs the forward pass on the inputs {input_list}, concatenated in this order, and returns every intermediate value."
    );
    let Some(state) = &ctx.state else {
        let pass = pass_body(ctx, Pass::Trace, &TokenStream::new());
        return quote! {
            #[doc = #doc]
            #[inline]
            #[must_use]
            #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
            pub fn forward(&self, input: &[#scalar; #input_len]) -> #trace {
                #pass
                trace
            }
        };
    };
    let pass = pass_body(ctx, Pass::Trace, &read_state(model));
    let step_doc = format!(
        " One time step: the forward pass on the inputs {input_list}, concatenated in this order, reading each `.prev` from `state` (the state after the previous step). Returns every intermediate value; [`{trace}::state`] is the state after this step."
    );
    let first_doc = format!(
        " The forward pass of the first time step of a sequence on the inputs {input_list}, concatenated in this order, returning every intermediate value: [`Self::forward_step`] from [`Self::initial_state`] (every `.prev` zero, or its trainable initial value)."
    );
    quote! {
        #[doc = #step_doc]
        #[inline]
        #[must_use]
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
        pub fn forward_step(&self, state: &#state, input: &[#scalar; #input_len]) -> #trace {
            #pass
            trace
        }

        #[doc = #first_doc]
        #[inline]
        #[must_use]
        pub fn forward(&self, input: &[#scalar; #input_len]) -> #trace {
            self.forward_step(&self.initial_state(), input)
        }
    }
}

/// The body of a recurrent network's `step`: the forward pass reading `.prev` from `state`,
/// the cells without their gates, then the new state written back and the outputs returned.
/// The values go through a trace as in [`method`] (see the module's note on locals), but
/// nothing is copied out of `state` first and no cell keeps what only backward reads.
pub(crate) fn stream_body(ctx: &Context) -> TokenStream {
    let pass = pass_body(ctx, Pass::Stream, &TokenStream::new());
    quote! {
        #pass
        *state = trace.state();
        trace.output()
    }
}

/// Whether `forward_step_lanes` is generated: a recurrent network with something to share
/// between lanes (a weight matrix between arrays, or a cell's `weight_hh`), of at most
/// `fused::FUSED_NEURONS` neurons (the method repeats the forward pass's code). Otherwise
/// the trait's default runs the lanes one by one, which is the same.
pub(crate) fn lanes_apply(model: &Model) -> bool {
    let shares = |neuron: &Neuron| {
        neuron.cell.is_some()
            || (neuron.width.is_some() && neuron.edges.iter().any(|edge| model.reads_array(edge)))
    };
    model.is_recurrent()
        && model.neurons.len() <= super::fused::FUSED_NEURONS
        && model.neurons.iter().any(shares)
}

/// The body of a recurrent network's `forward_step_lanes`: each of `traces` zeroed, its
/// state and input read, then every step for all of them ([`Pass::Lanes`]).
pub(crate) fn lanes_body(ctx: &Context, pass: Pass) -> TokenStream {
    let Context {
        model,
        order,
        private,
        trace,
        ..
    } = ctx;
    let read_state = read_state(model);
    let read_inputs = read_inputs(model);
    let steps = steps(model, order, pass).into_iter().map(|step| step.code);
    quote! {
        #[allow(unused_imports)] // not every network calls every runtime module
        use #private::{act, dense};
        // Paths, not methods: a scope may have no prelude.
        let lanes = ::core::iter::Iterator::zip(traces.iter_mut(), states);
        for ((trace, state), input) in ::core::iter::Iterator::zip(lanes, inputs) {
            let trace = &mut **trace;
            *trace = #trace::ZERO;
            #read_state
            #read_inputs
        }
        #(#steps)*
    }
}

/// The statements of a forward pass into a local `trace`, shared by `forward`,
/// `forward_step`, a stream's `step` and the fused `train_step`: the runtime's modules in
/// scope, the trace zeroed, `read_state` (copies out of a recurrent state, or nothing), the
/// inputs read, then every step.
pub(crate) fn pass_body(ctx: &Context, pass: Pass, read_state: &TokenStream) -> TokenStream {
    let Context {
        model,
        order,
        private,
        trace,
        ..
    } = ctx;
    let steps = pass_steps(model, order, pass);
    quote! {
        #[allow(unused_imports)] // not every network calls every runtime module
        use #private::{act, dense};
        let mut trace = #trace::ZERO;
        #read_state
        #steps
    }
}

/// The statements of a forward pass after its trace is zeroed (and, through time, the
/// state read): the inputs read, then every step, writing to `trace`, a trace or a
/// reference to one.
pub(crate) fn pass_steps(model: &Model, order: &[usize], pass: Pass) -> TokenStream {
    let read_inputs = read_inputs(model);
    let steps = steps(model, order, pass).into_iter().map(|step| step.code);
    quote! {
        #read_inputs
        #(#steps)*
    }
}

/// Copies each remembered value out of the state into its trace field (`trace.prev_h`).
pub(crate) fn read_state(model: &Model) -> TokenStream {
    let copies = model.memories().into_iter().map(|memory| {
        let name = model.memory_name(memory);
        let field = names::previous(&name);
        quote!(trace.#field = state.#name;)
    });
    quote!(#(#copies)*)
}

/// The rest of a cell's step after its input side `z_h`: the recurrent side, the gates and
/// the new state, by the runtime's kernel.
fn cell_step(model: &Model, neuron: &Neuron, cell: &Cell, pass: Pass) -> Step {
    let private = model.private();
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let gates = gates_name(h);
    let previous = names::previous(h);
    let (weight_hh, bias_hh) = (&cell.weight_hh.name, &cell.bias_hh.name);
    let fast = cell.fast;
    let h_text = neuron.text();
    if pass.lanes() {
        let (gru, lstm, weight_hh) = if pass == Pass::LanesByColumns {
            (
                quote!(gru_lanes_by_columns),
                quote!(lstm_lanes_by_columns),
                quote!(columns.#weight_hh),
            )
        } else {
            (
                quote!(gru_lanes),
                quote!(lstm_lanes),
                quote!(self.#weight_hh),
            )
        };
        let code = match cell.kind {
            CellKind::Gru => {
                let lanes = lane_borrows(&[
                    quote!(&mut trace.#gates),
                    quote!(&mut trace.#h),
                    quote!(&trace.#z),
                    quote!(&trace.#previous),
                ]);
                quote!(#private::cell::#gru(#lanes, &#weight_hh, &self.#bias_hh, #fast);)
            }
            CellKind::Lstm => {
                let c = cell_state_name(h);
                let previous_c = names::previous(&c);
                let lanes = lane_borrows(&[
                    quote!(&mut trace.#gates),
                    quote!(&mut trace.#c),
                    quote!(&mut trace.#h),
                    quote!(&trace.#z),
                    quote!(&trace.#previous),
                    quote!(&trace.#previous_c),
                ]);
                quote!(#private::cell::#lstm(#lanes, &#weight_hh, &self.#bias_hh, #fast);)
            }
        };
        return Step::new(code, "", &[]);
    }
    if pass.streams() {
        // The explanation is the trace pass's; a stream is never explained.
        let by_columns = pass == Pass::Columns;
        let weight_hh = if by_columns {
            quote!(columns.#weight_hh)
        } else {
            quote!(self.#weight_hh)
        };
        let code = match cell.kind {
            CellKind::Gru => {
                let kernel = if by_columns {
                    quote!(gru_step_by_columns)
                } else {
                    quote!(gru_step)
                };
                quote! {
                    #private::cell::#kernel(&mut trace.#h, &trace.#z, &#weight_hh, &self.#bias_hh, &state.#h, #fast);
                }
            }
            CellKind::Lstm => {
                let c = cell_state_name(h);
                let kernel = if by_columns {
                    quote!(lstm_step_by_columns)
                } else {
                    quote!(lstm_step)
                };
                quote! {
                    #private::cell::#kernel(&mut trace.#c, &mut trace.#h, &trace.#z, &#weight_hh, &self.#bias_hh, &state.#h, &state.#c, #fast);
                }
            }
        };
        return Step::new(code, "", &[]);
    }
    match cell.kind {
        CellKind::Gru => Step::new(
            quote! {
                #private::cell::gru(&mut trace.#gates, &mut trace.#h, &trace.#z, &self.#weight_hh, &self.#bias_hh, &trace.#previous, #fast);
            },
            &format!("{h_text} = gru(z_{h_text}, {h_text}.prev) = {{:.4?}}"),
            &[quote!(trace.#h)],
        ),
        CellKind::Lstm => {
            let c = cell_state_name(h);
            let previous_c = names::previous(&c);
            Step::new(
                quote! {
                    #private::cell::lstm(&mut trace.#gates, &mut trace.#c, &mut trace.#h, &trace.#z, &self.#weight_hh, &self.#bias_hh, &trace.#previous, &trace.#previous_c, #fast);
                },
                &format!("{h_text} = lstm(z_{h_text}, {h_text}.prev, c_{h_text}.prev) = {{:.4?}}"),
                &[quote!(trace.#h)],
            )
        }
    }
}

/// A prepared stream's cell step that also sums the input side `z = bias + W x`, given as
/// `(W by columns, x, bias)`: the runtime's `*_step_by_columns_from` kernels.
fn cell_step_from(
    model: &Model,
    neuron: &Neuron,
    cell: &Cell,
    (weight_ih, x, bias_ih): &(TokenStream, TokenStream, TokenStream),
) -> Step {
    let private = model.private();
    let h = &neuron.name;
    let (weight_hh, bias_hh) = (&cell.weight_hh.name, &cell.bias_hh.name);
    let fast = cell.fast;
    let code = match cell.kind {
        CellKind::Gru => quote! {
            #private::cell::gru_step_by_columns_from(&mut trace.#h, &#weight_ih, &#bias_ih, &#x, &columns.#weight_hh, &self.#bias_hh, &state.#h, #fast);
        },
        CellKind::Lstm => {
            let c = cell_state_name(h);
            quote! {
                #private::cell::lstm_step_by_columns_from(&mut trace.#c, &mut trace.#h, &#weight_ih, &#bias_ih, &#x, &columns.#weight_hh, &self.#bias_hh, &state.#h, &state.#c, #fast);
            }
        }
    };
    Step::new(code, "", &[])
}

/// Copies each input out of the flat input array into its trace field.
pub(crate) fn read_inputs(model: &Model) -> TokenStream {
    let fields: Vec<_> = model.inputs.iter().map(|input| &input.name).collect();
    if model.inputs.iter().all(|input| input.width.is_none()) {
        return quote!([#(trace.#fields),*] = *input;);
    }
    if let [only] = model.inputs.as_slice() {
        let field = &only.name;
        return quote!(trace.#field = *input;);
    }
    let offsets = offsets(model.inputs.iter().map(|input| input.width));
    let copies = model.inputs.iter().zip(offsets).map(|(input, offset)| {
        let field = &input.name;
        match input.width {
            None => {
                let value = flat_element(&quote!(input), offset, None);
                quote!(trace.#field = #value;)
            }
            Some(width) => {
                let start = Literal::usize_unsuffixed(offset);
                let end = Literal::usize_unsuffixed(offset + width);
                quote!(trace.#field.copy_from_slice(&input[#start..#end]);)
            }
        }
    });
    quote!(#(#copies)*)
}

/// The steps of the forward pass, in topological order.
pub(crate) fn steps(model: &Model, order: &[usize], pass: Pass) -> Vec<Step> {
    order
        .iter()
        .flat_map(|&index| neuron_steps(model, &model.neurons[index], pass))
        .collect()
}

/// The value an edge reads: the source's trace field, or one element of it; for an edge
/// that reads the previous time step, the trace's copy of that value (`trace.prev_h`), or
/// in a stream the state's (`state.h`).
fn read(model: &Model, edge: &Edge, pass: Pass) -> TokenStream {
    let source = model.node_name(edge.source);
    let value = match (edge.delayed, pass) {
        (None, _) => quote!(trace.#source),
        (Some(_), Pass::Trace | Pass::Lanes | Pass::LanesByColumns) => {
            let field = names::previous(source);
            quote!(trace.#field)
        }
        (Some(_), Pass::Stream | Pass::Columns) => quote!(state.#source),
    };
    match edge.index {
        Some(index) => {
            let index = Literal::usize_unsuffixed(index);
            quote!(#value[#index])
        }
        None => value,
    }
}

/// `trace.z_h = ...;` and `trace.h = f(trace.z_h);` for one neuron or layer.
fn neuron_steps(model: &Model, neuron: &Neuron, pass: Pass) -> [Step; 2] {
    let sum_text = sum_text(model, neuron);
    match neuron.width {
        None if pass.lanes() => single_steps(model, neuron, &sum_text, pass)
            .map(|step| Step::new(each_lane(&step.code), "", &[])),
        None => single_steps(model, neuron, &sum_text, pass),
        Some(width) => layer_steps(model, neuron, width, &sum_text, pass),
    }
}

/// `code`, written for one `trace`, run for each of a [`Pass::Lanes`]'s `traces`.
fn each_lane(code: &TokenStream) -> TokenStream {
    quote! {
        for trace in traces.iter_mut() {
            let trace = &mut **trace;
            #code
        }
    }
}

/// Whether an activation is `precision fast`'s `tanh` itself, which a pass in lockstep
/// computes for all its lanes at once.
fn is_fast_tanh(forward: &Formula) -> bool {
    matches!(forward, Formula::Call(Primitive::Fast(FastPrimitive::Tanh), argument) if **argument == Formula::Var)
}

/// `(a, b, ..)` of each trace of a [`Pass::Lanes`], for a kernel over the lanes: `fields`
/// are borrows of `trace`'s fields (`&mut trace.z_h`, `&trace.x`), disjoint.
fn lane_borrows(fields: &[TokenStream]) -> TokenStream {
    quote! {
        traces.each_mut().map(|trace| {
            let trace = &mut **trace;
            (#(#fields),*)
        })
    }
}

/// The sum of a neuron as the explanation writes it: `w11 x1 + w21 x2 + b1`.
fn sum_text(model: &Model, neuron: &Neuron) -> String {
    let terms: Vec<String> = neuron
        .edges
        .iter()
        .map(|edge| format!("{} {}", edge.weight.text(), model.edge_source_text(edge)))
        .chain(neuron.bias.iter().map(|bias| bias.text()))
        .collect();
    terms.join(" + ")
}

/// The two steps of a single neuron, its sum written term by term.
fn single_steps(model: &Model, neuron: &Neuron, sum_text: &str, pass: Pass) -> [Step; 2] {
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let (h_text, z_text) = (neuron.text(), format!("z_{}", neuron.text()));
    let activation = &neuron.activation.name;

    let mut terms = Vec::new();
    let mut numbers = Vec::new();
    let mut args = Vec::new();
    for edge in &neuron.edges {
        let weight = &edge.weight.name;
        let value = read(model, edge, pass);
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
    args.push(quote!(trace.#z));
    let chunks = sum_chunks(&terms);
    let first = &chunks[0];
    let rest = continue_sum(&quote!(trace.#z), &chunks);
    let value = emit(
        &neuron.activation.forward,
        &quote!(trace.#z),
        &quote!(trace.#h),
    );
    [
        Step::new(
            quote!(trace.#z = #first; #rest),
            &format!("{z_text} = {sum_text} = {} = {{:.6}}", numbers.join(" + ")),
            &args,
        ),
        Step::new(
            quote!(trace.#h = #value;),
            &format!("{h_text} = {activation}({z_text}) = {{:.6}}"),
            &[quote!(trace.#h)],
        ),
    ]
}

/// The two steps of a layer: one dense kernel per edge, the activation element-wise.
fn layer_steps(
    model: &Model,
    neuron: &Neuron,
    width: usize,
    sum_text: &str,
    pass: Pass,
) -> [Step; 2] {
    let h = &neuron.name;
    let z = names::pre_activation(h);
    let (h_text, z_text) = (neuron.text(), format!("z_{}", neuron.text()));
    let activation = &neuron.activation.name;
    let init = match &neuron.bias {
        Some(bias) => {
            let bias = &bias.name;
            quote!(self.#bias)
        }
        None => super::types::zeros(&[width]),
    };
    let edges = neuron.edges.iter().map(|edge| {
        let weight = &edge.weight.name;
        let value = read(model, edge, pass);
        if pass.lanes() {
            // Each edge in turn, as for one trace, so each sum is rounded as there.
            return if model.reads_array(edge) {
                let lanes = lane_borrows(&[quote!(&mut trace.#z), quote!(&#value)]);
                if pass == Pass::LanesByColumns {
                    quote!(dense::matvec_columns_acc_lanes(&mut #lanes, &columns.#weight);)
                } else {
                    quote!(dense::matvec_acc_lanes(&mut #lanes, &self.#weight);)
                }
            } else {
                each_lane(&quote!(dense::axpy(&mut trace.#z, &self.#weight, #value);))
            };
        }
        if model.reads_array(edge) && pass == Pass::Columns {
            quote!(dense::matvec_columns_acc(&mut trace.#z, &columns.#weight, &#value);)
        } else if model.reads_array(edge) {
            quote!(dense::matvec_acc(&mut trace.#z, &self.#weight, &#value);)
        } else {
            quote!(dense::axpy(&mut trace.#z, &self.#weight, #value);)
        }
    });
    let start = quote!(trace.#z = #init;);
    let start = if pass.lanes() {
        each_lane(&start)
    } else {
        start
    };
    if let (Some(cell), Pass::Columns, [edge]) = (&neuron.cell, pass, neuron.edges.as_slice()) {
        if model.reads_array(edge) {
            // One matrix and a bias: the cell's kernel sums them itself, in the function that
            // runs the rest of the step, so `z` stays in registers (and in the trace, zero).
            let weight = &edge.weight.name;
            let input = (
                quote!(columns.#weight),
                read(model, edge, pass),
                init.clone(),
            );
            return [
                Step::new(TokenStream::new(), "", &[]),
                cell_step_from(model, neuron, cell, &input),
            ];
        }
    }
    let activate = if let Some(cell) = &neuron.cell {
        return [
            Step::new(
                quote! {
                    #start
                    #(#edges)*
                },
                &format!("{z_text} = {sum_text} = {{:.4?}}"),
                &[quote!(trace.#z)],
            ),
            cell_step(model, neuron, cell, pass),
        ];
    } else if neuron.activation.forward == Formula::Var {
        quote!(trace.#h = trace.#z;)
    } else {
        let element = emit(
            &neuron.activation.forward,
            &quote!(trace.#z[j]),
            &quote!(trace.#h[j]),
        );
        let values = quote!(::core::array::from_fn(|j| #element));
        if model.precision == Precision::Fast {
            // The fast kernels vectorize: compiled for AVX2 where the CPU has it, twice the
            // lanes of the default target's SSE; there a `tanh` takes its fused kernel,
            // whose chain of dependent operations is half as long. The values are stored
            // from inside that function, so the next layer's loads of them are forwarded
            // from its stores.
            let private = model.private();
            match neuron.activation.forward.with_fused_kernels() {
                Some(fused) => {
                    let element = emit(&fused, &quote!(trace.#z[j]), &quote!(trace.#h[j]));
                    let fused = quote!(::core::array::from_fn(|j| #element));
                    quote!(#private::wide_or_into(&mut trace.#h, || #fused, || #values);)
                }
                None => quote!(#private::wide_into(&mut trace.#h, || #values);),
            }
        } else {
            quote!(trace.#h = #values;)
        }
    };
    let activate = if pass.lanes() && is_fast_tanh(&neuron.activation.forward) {
        // All the lanes in one call: with AVX-512, sixteen values per register.
        let private = model.private();
        let lanes = lane_borrows(&[quote!(&mut trace.#h), quote!(&trace.#z)]);
        quote!(#private::act::fast::tanh_lanes(&mut #lanes);)
    } else if pass.lanes() {
        each_lane(&activate)
    } else {
        activate
    };
    [
        Step::new(
            quote! {
                #start
                #(#edges)*
            },
            &format!("{z_text} = {sum_text} = {{:.4?}}"),
            &[quote!(trace.#z)],
        ),
        Step::new(
            activate,
            &format!("{h_text} = {activation}({z_text}) = {{:.4?}}"),
            &[quote!(trace.#h)],
        ),
    ]
}
