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

use super::context::Context;
use super::links::{links, Link};
use super::names;
use super::step::Step;
use super::types::{array_type, continue_sum, flat_element, node_shape, sum_chunks, zeros};
use crate::formula::{emit_factor, Formula};
use crate::loss::Loss;
use crate::model::{
    cell_state_name, gates_name, Cell, CellKind, Edge, Memory, Model, Neuron, NodeRef, Parameter,
};

/// More locals than this and the backward pass declares them all in one `let` up front:
/// every `let` opens a debug-info scope nested in the previous one, and a few thousand of
/// them overflow rustc's stack in a default (debug) build.
const LETS_AT_USE: usize = 1_000;

/// Where the backward pass declares its locals.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Declare {
    /// `let dj_dh1 = ...;` where the value is computed: the notes' reading order.
    AtUse,
    /// `let (dj_do, dj_dz_o, ...);` first, then `dj_do = ...;`: for networks of thousands
    /// of neurons.
    UpFront,
}

impl Declare {
    /// The declaration style a network's backward pass needs.
    pub(crate) fn for_model(model: &Model) -> Self {
        if 2 * model.neurons.len() > LETS_AT_USE {
            Declare::UpFront
        } else {
            Declare::AtUse
        }
    }
}

/// A local of the backward pass.
pub(crate) struct Local {
    name: Ident,
    ty: TokenStream,
    /// Whether it holds an array (whose `let` states its type, so `[0.0; n]` needs no
    /// inference).
    array: bool,
    /// Assigned more than once (an array updated by kernels, a sum in several chunks).
    mutable: bool,
}

impl Local {
    /// A local of a node's shape: a scalar, or an array of `width`.
    fn new(name: &Ident, scalar: &TokenStream, width: Option<usize>) -> Self {
        Local {
            name: name.clone(),
            ty: array_type(scalar, &node_shape(width)),
            array: width.is_some(),
            mutable: false,
        }
    }

    /// The same local, assigned again after its first value when `mutable`.
    fn mutable(self, mutable: bool) -> Self {
        Local { mutable, ..self }
    }
}

/// The locals of a backward pass and how they are declared.
pub(crate) struct Locals {
    declare: Declare,
    list: Vec<Local>,
    /// Whether the cells leave their `weight_hh` gradient to a pass over several steps:
    /// each step's recurrent-side `dJ/dz` goes to `batch_dj_dside_h[back]` (a GRU's) or is
    /// `dj_dz_h` itself (an LSTM's).
    deferred_cells: bool,
    /// Whether the cells also leave their recurrent product `weight_hh^T dJ/dz` to a pass
    /// over several sequences in lockstep, and keep their deltas at `slot` (the lane's
    /// place in the chunk) rather than `back`.
    lockstep_cells: bool,
}

impl Locals {
    pub(crate) fn new(declare: Declare) -> Self {
        Locals {
            declare,
            list: Vec::new(),
            deferred_cells: false,
            lockstep_cells: false,
        }
    }

    /// Locals whose cells leave their `weight_hh` gradient and their recurrent product to a
    /// pass over several sequences in lockstep.
    pub(crate) fn with_lockstep_cells(self) -> Self {
        Locals {
            deferred_cells: true,
            lockstep_cells: true,
            ..self
        }
    }

    /// Locals whose cells leave their `weight_hh` gradient to a pass over several steps.
    pub(crate) fn with_deferred_cells(self) -> Self {
        Locals {
            deferred_cells: true,
            ..self
        }
    }

    /// The statement giving a local its first value: `let name = value;` or `name = value;`.
    fn bind(&mut self, local: Local, value: TokenStream) -> TokenStream {
        let name = &local.name;
        let statement = match self.declare {
            Declare::UpFront => quote!(#name = #value;),
            Declare::AtUse => {
                let mutable = local.mutable.then(|| quote!(mut));
                let ty = &local.ty;
                let annotation = local.array.then(|| quote!(: #ty));
                quote!(let #mutable #name #annotation = #value;)
            }
        };
        self.list.push(local);
        statement
    }

    /// The up-front declaration of every local, or nothing when they are declared at use.
    /// One `let` per 64 locals: a single tuple of thousands of bindings costs rustc memory
    /// quadratic in its length (5 GB for 20,000).
    pub(crate) fn declaration(&self) -> TokenStream {
        if self.declare == Declare::AtUse {
            return TokenStream::new();
        }
        let lets = self.list.chunks(64).map(|chunk| {
            let names = chunk.iter().map(|local| {
                let name = &local.name;
                let mutable = local.mutable.then(|| quote!(mut));
                quote!(#mutable #name)
            });
            let types = chunk.iter().map(|local| &local.ty);
            quote!(let (#(#names,)*): (#(#types,)*);)
        });
        quote!(#(#lets)*)
    }
}

/// `pub fn backward_accumulate(&self, trace, target, grads: &mut NetGrads)`, and for a
/// recurrent network `backward_step`, of which it is the first (and only) step.
pub(crate) fn method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        private,
        trace,
        grads,
        target,
        ..
    } = ctx;
    let mut locals = Locals::new(Declare::for_model(model));
    let steps: Vec<TokenStream> = steps(model, order, &mut locals)
        .into_iter()
        .map(|step| step.code)
        .collect();
    let declaration = locals.declaration();
    let outputs = plural(model.output_len(), "output value");
    let attributes = quote! {
        #[inline]
        #[allow(non_snake_case)] // locals follow the user's names, e.g. `dj_dW1`
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
    };
    let Some(state) = &ctx.state else {
        let doc = format!(
            " Adds `dJ/dw` for every parameter to `grads`, from a forward pass and its target ({outputs}), by backpropagation written out link by link."
        );
        return quote! {
            #[doc = #doc]
            #attributes
            pub fn backward_accumulate(&self, trace: &#trace, target: &#target, grads: &mut #grads) {
                #[allow(unused_imports)] // not every network calls every runtime module
                use #private::{act, dense};
                #declaration
                #(#steps)*
            }
        };
    };
    // With only inputs read through `.prev`, nothing is carried: inputs get no gradient.
    let carries = model
        .memories()
        .iter()
        .any(|memory| !matches!(memory, Memory::Value(NodeRef::Input(_))));
    let unused_carry = (!carries).then(|| quote!(let _ = carry;));
    let step_doc = format!(
        " Backpropagation through one time step, written out link by link: adds this step's `dJ/dw` for every parameter to `grads`. `target` ({outputs}) is this step's target, `None` at a step without a loss. On entry `carry` holds `dJ/d` of the values this step hands on (the share of the later steps); on return it holds `dJ/d` of the previous values this step read with `.prev`, for the step before. Inputs get no gradient: their entries in `carry` are not touched."
    );
    let first_doc = format!(
        " Adds `dJ/dw` for every parameter to `grads`, from a forward pass of the first time step ([`Self::forward`]) and its target ({outputs}): [`Self::backward_step`] with nothing carried from later steps."
    );
    let initial_gradient = initial_gradient(model);
    quote! {
        #[doc = #step_doc]
        #attributes
        pub fn backward_step(
            &self,
            trace: &#trace,
            target: ::core::option::Option<&#target>,
            carry: &mut #state,
            grads: &mut #grads,
        ) {
            #[allow(unused_imports)] // not every network calls every runtime module
            use #private::{act, dense};
            #unused_carry
            #declaration
            #(#steps)*
        }

        #[doc = #first_doc]
        #[inline]
        pub fn backward_accumulate(&self, trace: &#trace, target: &#target, grads: &mut #grads) {
            #[allow(unused_mut)] // read back only for trainable initial values
            let mut carry = #state::ZERO;
            self.backward_step(trace, ::core::option::Option::Some(target), &mut carry, grads);
            #initial_gradient
        }
    }
}

/// `grads.h0 += carry.h` for each trainable initial value: after the first step's backward
/// pass, `carry` holds `dJ/d` of the state the sequence started from.
pub(crate) fn initial_gradient(model: &Model) -> TokenStream {
    let private = model.private();
    let additions = model.initials.iter().map(|initial| {
        let parameter = &initial.parameter.name;
        let h = &model.neurons[initial.neuron].name;
        if initial.parameter.shape.is_empty() {
            quote!(grads.#parameter += carry.#h;)
        } else {
            quote!(#private::dense::add_assign(&mut grads.#parameter, &carry.#h);)
        }
    });
    quote!(#(#additions)*)
}

/// `1 output value`, `3 output values`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Every step of the backward pass: each chain-rule link of [`links`] rendered as code
/// (and its explanation); the locals they bind are recorded in `locals`.
pub(crate) fn steps(model: &Model, order: &[usize], locals: &mut Locals) -> Vec<Step> {
    let scalar = model.scalar.tokens();
    let recurrent = model.is_recurrent();
    links(model, order)
        .into_iter()
        .map(|link| render(model, &link, &scalar, recurrent, locals))
        .collect()
}

/// The links of [`steps`] but those `left_out` picks, rendered the same way: a batch pass
/// leaves out the gradients it adds up for several samples at once.
pub(crate) fn steps_except(
    model: &Model,
    order: &[usize],
    locals: &mut Locals,
    left_out: impl Fn(&Link) -> bool,
) -> Vec<Step> {
    let scalar = model.scalar.tokens();
    let recurrent = model.is_recurrent();
    links(model, order)
        .into_iter()
        .filter(|link| !left_out(link))
        .map(|link| render(model, &link, &scalar, recurrent, locals))
        .collect()
}

/// The value an edge's weight multiplies, as the backward pass reads it from the trace:
/// `trace.h1`, `trace.x[2]`, or for a delayed edge the trace's copy `trace.prev_h`.
pub(crate) fn edge_value(model: &Model, edge: &Edge) -> TokenStream {
    let source = model.node_name(edge.source);
    let field = match edge.delayed {
        Some(_) => names::previous(source),
        None => source.clone(),
    };
    match edge.index {
        Some(index) => {
            let index = Literal::usize_unsuffixed(index);
            quote!(trace.#field[#index])
        }
        None => quote!(trace.#field),
    }
}

/// The loss gradient of the output values from `offset` on (at `element` of an array): read
/// from a recurrent network's `output_gradient`, or computed from the target where it is used.
fn loss_gradient(
    model: &Model,
    neuron: &Neuron,
    offset: usize,
    element: Option<&TokenStream>,
    recurrent: bool,
) -> TokenStream {
    if recurrent {
        return flat_element(&quote!(output_gradient), offset, element);
    }
    if model.loss == Loss::SoftmaxCrossEntropy {
        return flat_element(&quote!(softmax_gradient), offset, element);
    }
    let h = &neuron.name;
    let value = match element {
        Some(j) => quote!(trace.#h[#j]),
        None => quote!(trace.#h),
    };
    let target = flat_element(&quote!(target), offset, element);
    model
        .loss
        .element_gradient(&value, &target, model.output_len())
}

/// `output_gradient`: the loss gradient of every output of a recurrent network at this
/// step, zero at a step without a target.
fn output_gradient(model: &Model, scalar: &TokenStream) -> Step {
    let private = model.private();
    let len = Literal::usize_unsuffixed(model.output_len());
    let gradient = if model.loss.is_categorical() {
        let function =
            crate::loss::softmax_function("softmax_cross_entropy_gradient", model.precision);
        quote!(#private::loss::#function(&trace.output(), target))
    } else {
        let element =
            model
                .loss
                .element_gradient(&quote!(output[k]), &quote!(target[k]), model.output_len());
        quote!({
            let output = trace.output();
            ::core::array::from_fn(|k| #element)
        })
    };
    let rule = if model.loss.is_fused() {
        "dJ/dz of the outputs"
    } else {
        "dJ/do of the outputs"
    };
    Step::new(
        quote! {
            let output_gradient: [#scalar; #len] = match target {
                ::core::option::Option::Some(target) => #gradient,
                ::core::option::Option::None => [0.0; #len],
            };
        },
        &format!("{rule} at this step (zero without a target) = {{:.4?}}"),
        &[quote!(output_gradient)],
    )
}

/// One link as code and explanation.
fn render(
    model: &Model,
    link: &Link,
    scalar: &TokenStream,
    recurrent: bool,
    locals: &mut Locals,
) -> Step {
    match link {
        Link::SoftmaxGradient => {
            let private = model.private();
            let function =
                crate::loss::softmax_function("softmax_cross_entropy_gradient", model.precision);
            Step::new(
                quote! {
                    let softmax_gradient = #private::loss::#function(&trace.output(), target);
                },
                "dJ/dz of the outputs = softmax(outputs) - target = {:.4?}",
                &[quote!(softmax_gradient)],
            )
        }
        Link::OutputGradient => output_gradient(model, scalar),
        Link::FusedOutput { neuron, offset } => {
            fused_dj_dz(model, neuron, *offset, scalar, recurrent, locals)
        }
        Link::FanIn {
            neuron,
            output_offset,
            readers,
            carried,
        } => {
            let fan_in = FanIn {
                model,
                neuron,
                output_offset: *output_offset,
                readers,
                scalar,
                recurrent,
                carried: *carried,
                local: names::gradient(&neuron.name),
            };
            dj_dh(&fan_in, locals)
        }
        Link::Carry { neuron, readers } => {
            let fan_in = FanIn {
                model,
                neuron,
                output_offset: None,
                readers,
                scalar,
                recurrent,
                carried: false,
                local: names::previous_gradient(&neuron.name),
            };
            carry(&fan_in, locals)
        }
        Link::Local { neuron } => local_link(neuron, scalar, locals),
        Link::Cell { neuron, cell } => cell_link(model, neuron, cell, scalar, locals),
        Link::Weight { neuron, edge } => weight_gradient(model, neuron, edge, recurrent),
        Link::Bias { neuron, bias } => bias_gradient(neuron, bias, recurrent),
    }
}

/// `dj_dz` of an output under a fused loss: the loss's own gradient with respect to `z`.
fn fused_dj_dz(
    model: &Model,
    neuron: &Neuron,
    offset: usize,
    scalar: &TokenStream,
    recurrent: bool,
    locals: &mut Locals,
) -> Step {
    let h_text = neuron.text();
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    let rule = match model.loss {
        Loss::SoftmaxCrossEntropy => "p - y",
        _ => "o - t",
    };
    match neuron.width {
        None => {
            let value = loss_gradient(model, neuron, offset, None, recurrent);
            Step::new(
                locals.bind(Local::new(&dj_dz, scalar, None), value),
                &format!("dJ/dz_{h_text} = {rule} = {{:.6}}"),
                &[quote!(#dj_dz)],
            )
        }
        Some(width) => {
            let whole = if recurrent {
                quote!(output_gradient)
            } else {
                quote!(softmax_gradient)
            };
            let value = if (recurrent || model.loss == Loss::SoftmaxCrossEntropy)
                && width == model.output_len()
            {
                whole
            } else {
                let value = loss_gradient(model, neuron, offset, Some(&quote!(j)), recurrent);
                quote!(::core::array::from_fn(|j| #value))
            };
            Step::new(
                locals.bind(Local::new(&dj_dz, scalar, Some(width)), value),
                &format!("dJ/dz_{h_text} = {rule} = {{:.4?}}"),
                &[quote!(#dj_dz)],
            )
        }
    }
}

/// What the sum `dJ/dh` of one neuron is made of: the loss term if it is an output, the
/// share of every neuron that reads it (the fan-out sum), and for a recurrent network the
/// share of the next time step. The same sum over the neurons that read `h` one step later
/// is `dJ/d(h.prev)`, bound to `local`.
struct FanIn<'a> {
    model: &'a Model,
    neuron: &'a Neuron,
    output_offset: Option<usize>,
    readers: &'a [(&'a Neuron, &'a Edge)],
    scalar: &'a TokenStream,
    recurrent: bool,
    /// Whether `carry.h`, the next step's share, is a term.
    carried: bool,
    /// The local the sum is bound to: `dj_dh` or `dj_dprev_h`.
    local: Ident,
}

impl FanIn<'_> {
    /// `dJ/do` of an output at `element` (none for a single value), if it is an output.
    fn loss_term(&self, element: Option<&TokenStream>) -> Option<TokenStream> {
        self.output_offset
            .map(|offset| loss_gradient(self.model, self.neuron, offset, element, self.recurrent))
    }

    /// `carry.h`, the share of the next time step, if there is one.
    fn carry_term(&self) -> Option<TokenStream> {
        let h = &self.neuron.name;
        self.carried.then(|| quote!(carry.#h))
    }

    /// The explanation's note on a fan-out sum, empty for one reader.
    fn fan_out_note(&self) -> String {
        if self.readers.len() < 2 {
            return String::new();
        }
        let names: Vec<String> = self
            .readers
            .iter()
            .map(|(reader, _)| reader.text())
            .collect();
        format!(
            "   <- {} feeds {}: the fan-out sum",
            self.neuron.text(),
            names.join(", ")
        )
    }

    /// How the sum is written in an explanation: `dJ/dh` or `dJ/dh.prev`.
    fn name_text(&self) -> String {
        if self.local == names::gradient(&self.neuron.name) {
            format!("dJ/d{}", self.neuron.text())
        } else {
            format!("dJ/d{}.prev", self.neuron.text())
        }
    }
}

/// `dj_dh`: the loss term (for an output) plus every reader's share.
fn dj_dh(fan_in: &FanIn, locals: &mut Locals) -> Step {
    match fan_in.neuron.width {
        None => dj_dh_single(fan_in, locals),
        Some(width) => dj_dh_array(fan_in, width, locals),
    }
}

/// `dj_dprev_h`, the share of the neurons that read `h.prev`, handed to the step before:
/// `carry.h = dj_dprev_h`.
fn carry(fan_in: &FanIn, locals: &mut Locals) -> Step {
    let mut step = dj_dh(fan_in, locals);
    let (h, local, code) = (&fan_in.neuron.name, &fan_in.local, &step.code);
    // A cell has already set its own share of `carry.h`; the readers' is added to it.
    step.code = if fan_in.neuron.cell.is_some() {
        quote! {
            #code
            dense::add_assign(&mut carry.#h, &#local);
        }
    } else {
        quote! {
            #code
            carry.#h = #local;
        }
    };
    step
}

/// A cell's backward step by the runtime's kernel: `dj_dz_h` of its input side (which the
/// links after it take on to `weight_ih`, `bias_ih` and its input), the gradients of
/// `weight_hh` and `bias_hh`, and `carry.h` (and an LSTM's `carry.c_h`) for the step before.
fn cell_link(
    model: &Model,
    neuron: &Neuron,
    cell: &Cell,
    scalar: &TokenStream,
    locals: &mut Locals,
) -> Step {
    let private = model.private();
    let h = &neuron.name;
    let h_text = neuron.text();
    let dj_dh = names::gradient(h);
    let dj_dz = names::pre_activation_gradient(h);
    let gates = gates_name(h);
    let previous = names::previous(h);
    let (weight_hh, bias_hh) = (&cell.weight_hh.name, &cell.bias_hh.name);
    let local = Local::new(&dj_dz, scalar, neuron.z_width()).mutable(true);
    let (deferred, lockstep) = (locals.deferred_cells, locals.lockstep_cells);
    let first = locals.bind(local, zeros(&[neuron.z_width().unwrap_or(1)]));
    let call = match cell.kind {
        CellKind::Gru if lockstep => {
            let side = names::batch_side_gradient(h);
            quote! {
                #side[slot] = #private::cell::gru_backward_gates_deferred(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous, &mut grads.#bias_hh, &mut carry.#h);
            }
        }
        CellKind::Lstm if lockstep => {
            let c = cell_state_name(h);
            let previous_c = names::previous(&c);
            quote! {
                #private::cell::lstm_backward_gates_deferred(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous_c, &mut grads.#bias_hh, &mut carry.#h, &mut carry.#c);
            }
        }
        CellKind::Gru if deferred => {
            let side = names::batch_side_gradient(h);
            quote! {
                #side[back] = #private::cell::gru_backward_gates(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous, &self.#weight_hh, &mut grads.#bias_hh, &mut carry.#h);
            }
        }
        CellKind::Lstm if deferred => {
            let c = cell_state_name(h);
            let previous_c = names::previous(&c);
            quote! {
                #private::cell::lstm_backward_gates(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous_c, &self.#weight_hh, &mut grads.#bias_hh, &mut carry.#h, &mut carry.#c);
            }
        }
        CellKind::Gru => quote! {
            #private::cell::gru_backward(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous, &self.#weight_hh, &mut grads.#weight_hh, &mut grads.#bias_hh, &mut carry.#h);
        },
        CellKind::Lstm => {
            let c = cell_state_name(h);
            let previous_c = names::previous(&c);
            quote! {
                #private::cell::lstm_backward(&mut #dj_dz, &#dj_dh, &trace.#gates, &trace.#previous, &trace.#previous_c, &self.#weight_hh, &mut grads.#weight_hh, &mut grads.#bias_hh, &mut carry.#h, &mut carry.#c);
            }
        }
    };
    Step::new(
        quote!(#first #call),
        &format!(
            "dJ/dz_{h_text} = dJ/d{h_text} through the gates of the {} cell = {{:.4?}}",
            cell.kind.name()
        ),
        &[quote!(#dj_dz)],
    )
}

/// `dj_dh` of a single value: one sum over the loss term and its readers.
fn dj_dh_single(fan_in: &FanIn, locals: &mut Locals) -> Step {
    let FanIn {
        model,
        neuron,
        output_offset,
        readers,
        scalar,
        ..
    } = *fan_in;
    let h = &neuron.name;
    let h_text = neuron.text();
    let dj_dh = &fan_in.local;
    let fan_out = fan_in.fan_out_note();
    // A single value: one sum over its readers.
    let mut texts = Vec::new();
    let mut numbers = Vec::new();
    let mut args = Vec::new();
    let mut terms = Vec::new();
    if let (Some(term), true) = (fan_in.loss_term(None), fan_in.recurrent) {
        let outputs = model.output_len();
        texts.push(model.loss.element_gradient_text(&h_text, "t", outputs));
        numbers.push("{:.6}".to_owned());
        args.push(term.clone());
        terms.push(term);
    } else if let (Some(term), Some(offset)) = (fan_in.loss_term(None), output_offset) {
        let outputs = model.output_len();
        texts.push(model.loss.element_gradient_text(&h_text, "t", outputs));
        numbers.push(model.loss.element_gradient_text("{:.6}", "{:.6}", outputs));
        args.extend([
            quote!(trace.#h),
            flat_element(&quote!(target), offset, None),
        ]);
        terms.push(term);
    }
    for (reader, edge) in readers {
        let reader_name = reader.text();
        let dj_dz_reader = names::pre_activation_gradient(&reader.name);
        let weight = &edge.weight.name;
        let weight_text = edge.weight.text();
        if reader.width.is_some() {
            let term = quote!(dense::dot(&self.#weight, &#dj_dz_reader));
            texts.push(format!("{weight_text} . dJ/dz_{reader_name}"));
            numbers.push("{:.6}".to_owned());
            args.push(term.clone());
            terms.push(term);
        } else {
            texts.push(format!("dJ/dz_{reader_name} * {weight_text}"));
            numbers.push("{:.6} * {:.6}".to_owned());
            args.extend([quote!(#dj_dz_reader), quote!(self.#weight)]);
            terms.push(quote!(#dj_dz_reader * self.#weight));
        }
    }
    if let Some(term) = fan_in.carry_term() {
        texts.push(format!("dJ/d{h_text} from the next step"));
        numbers.push("{:.6}".to_owned());
        args.push(term.clone());
        terms.push(term);
    }
    args.push(quote!(#dj_dh));
    let chunks = sum_chunks(&terms);
    let rest = continue_sum(&quote!(#dj_dh), &chunks);
    let local = Local::new(dj_dh, scalar, None).mutable(chunks.len() > 1);
    let first = locals.bind(local, chunks[0].clone());
    Step::new(
        quote!(#first #rest),
        &format!(
            "{} = {} = {} = {{:.6}}{fan_out}",
            fan_in.name_text(),
            texts.join(" + "),
            numbers.join(" + ")
        ),
        &args,
    )
}

/// `dj_dh` of an array: the loss term or zero, then each reader's share added in.
fn dj_dh_array(fan_in: &FanIn, width: usize, locals: &mut Locals) -> Step {
    let FanIn {
        model,
        neuron,
        readers,
        scalar,
        ..
    } = *fan_in;
    let h_text = neuron.text();
    let dj_dh = &fan_in.local;
    let fan_out = fan_in.fan_out_note();
    // An array: start from the loss term and the next step's share (or zero), then add
    // each reader's share.
    let mut texts = Vec::new();
    let loss_term = fan_in.loss_term(Some(&quote!(j)));
    if loss_term.is_some() {
        texts.push(format!("the loss ({})", model.loss.name()));
    }
    let carry_term = fan_in.carry_term();
    if carry_term.is_some() {
        texts.push(format!("dJ/d{h_text} from the next step"));
    }
    // A sum that starts at zero with a product starts with the product itself: a
    // transposed product into a fresh array whose sums begin in the kernel's registers, a
    // scalar reader's weights times its delta with no additions of zero (the same numbers,
    // but for the sign of a zero).
    let starts_with_product = loss_term.is_none()
        && carry_term.is_none()
        && readers
            .first()
            .is_some_and(|(_, edge)| edge.index.is_none());
    let (init, readers) = match (loss_term, carry_term) {
        (Some(loss), Some(carry)) => (
            quote!(::core::array::from_fn(|j| #loss + #carry[j])),
            readers,
        ),
        (Some(loss), None) => (quote!(::core::array::from_fn(|j| #loss)), readers),
        (None, Some(carry)) => (carry, readers),
        (None, None) if starts_with_product => {
            let (reader, edge) = &readers[0];
            let dj_dz_reader = names::pre_activation_gradient(&reader.name);
            let weight = &edge.weight.name;
            let init = if reader.width.is_some() {
                texts.push(format!("{}^T dJ/dz_{}", edge.weight.text(), reader.text()));
                quote!(dense::matvec_transpose(&self.#weight, &#dj_dz_reader))
            } else {
                texts.push(format!("{} dJ/dz_{}", edge.weight.text(), reader.text()));
                quote!(dense::scale(&self.#weight, #dj_dz_reader))
            };
            (init, &readers[1..])
        }
        (None, None) => (zeros(&[width]), readers),
    };
    let shares: Vec<TokenStream> = readers
        .iter()
        .map(|(reader, edge)| {
            let reader_name = reader.text();
            let dj_dz_reader = names::pre_activation_gradient(&reader.name);
            let weight = &edge.weight.name;
            let weight_text = edge.weight.text();
            let reader_is_array = reader.width.is_some();
            match (edge.index, reader_is_array) {
                (None, false) => {
                    texts.push(format!("{weight_text} dJ/dz_{reader_name}"));
                    quote!(dense::axpy(&mut #dj_dh, &self.#weight, #dj_dz_reader);)
                }
                (None, true) => {
                    texts.push(format!("{weight_text}^T dJ/dz_{reader_name}"));
                    quote!(dense::matvec_transpose_acc(&mut #dj_dh, &self.#weight, &#dj_dz_reader);)
                }
                (Some(index), false) => {
                    texts.push(format!("dJ/dz_{reader_name} * {weight_text} at [{index}]"));
                    let index = Literal::usize_unsuffixed(index);
                    quote!(#dj_dh[#index] += #dj_dz_reader * self.#weight;)
                }
                (Some(index), true) => {
                    texts.push(format!("{weight_text} . dJ/dz_{reader_name} at [{index}]"));
                    let index = Literal::usize_unsuffixed(index);
                    quote!(#dj_dh[#index] += dense::dot(&self.#weight, &#dj_dz_reader);)
                }
            }
        })
        .collect();
    let local = Local::new(dj_dh, scalar, Some(width)).mutable(!shares.is_empty());
    let first = locals.bind(local, init);
    Step::new(
        quote! {
            #first
            #(#shares)*
        },
        &format!(
            "{} = {} = {{:.4?}}{fan_out}",
            fan_in.name_text(),
            texts.join(" + ")
        ),
        &[quote!(#dj_dh)],
    )
}

/// `dj_dz_h = dj_dh * f'(z_h)`, element by element for an array.
fn local_link(neuron: &Neuron, scalar: &TokenStream, locals: &mut Locals) -> Step {
    let h = &neuron.name;
    let h_text = neuron.text();
    let z = names::pre_activation(h);
    let dj_dh = names::gradient(h);
    let dj_dz = names::pre_activation_gradient(h);
    let activation = &neuron.activation.name;
    let unit = neuron.activation.derivative == Formula::Const(1.0);
    let local = Local::new(&dj_dz, scalar, neuron.width);
    match neuron.width {
        None if unit => Step::new(
            locals.bind(local, quote!(#dj_dh)),
            &format!("dJ/dz_{h_text} = dJ/d{h_text} * {activation}' = {{:.6}}"),
            &[quote!(#dj_dz)],
        ),
        None => {
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z),
                &quote!(trace.#h),
            );
            Step::new(
                locals.bind(local, quote!(#dj_dh * #derivative)),
                &format!("dJ/dz_{h_text} = dJ/d{h_text} * {activation}'(z_{h_text}) = {{:.6}} * {{:.6}} = {{:.6}}"),
                &[quote!(#dj_dh), derivative, quote!(#dj_dz)],
            )
        }
        Some(_) if unit => Step::new(
            locals.bind(local, quote!(#dj_dh)),
            &format!("dJ/dz_{h_text} = dJ/d{h_text} * {activation}' = {{:.4?}}"),
            &[quote!(#dj_dz)],
        ),
        Some(_) => {
            let derivative = emit_factor(
                &neuron.activation.derivative,
                &quote!(trace.#z[j]),
                &quote!(trace.#h[j]),
            );
            let value = quote!(::core::array::from_fn(|j| #dj_dh[j] * #derivative));
            Step::new(
                locals.bind(local, value),
                &format!("dJ/dz_{h_text} = dJ/d{h_text} * {activation}'(z_{h_text}) = {{:.4?}}"),
                &[quote!(#dj_dz)],
            )
        }
    }
}

/// The gradient of the weight on `edge` into `neuron`, added to `grads` where it is
/// computed: `grads.w11 += dj_dz_h1 * trace.x1`, or a dense kernel for arrays. (No local
/// per weight: rustc's stack overflows on functions with tens of thousands of `let`s.)
fn weight_gradient(model: &Model, neuron: &Neuron, edge: &Edge, recurrent: bool) -> Step {
    // Through time each step adds its share: the explanation shows the running sum.
    let sum = if recurrent {
        ", summed over the steps so far"
    } else {
        ""
    };
    let h = neuron.text();
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    let weight = &edge.weight.name;
    let weight_text = edge.weight.text();
    let text = model.edge_source_text(edge);
    let value = edge_value(model, edge);
    match (neuron.width.is_some(), model.reads_array(edge)) {
        (false, false) => Step::new(
            quote!(grads.#weight += #dj_dz * #value;),
            &format!("dJ/d{weight_text} = dJ/dz_{h} * {text} = {{:.6}} * {{:.6}}{sum} = {{:.6}}"),
            &[quote!(#dj_dz), value, quote!(grads.#weight)],
        ),
        (false, true) => Step::new(
            quote!(dense::axpy(&mut grads.#weight, &#value, #dj_dz);),
            &format!("dJ/d{weight_text} = dJ/dz_{h} {text}"),
            &[],
        ),
        (true, false) => Step::new(
            quote!(dense::axpy(&mut grads.#weight, &#dj_dz, #value);),
            &format!("dJ/d{weight_text} = dJ/dz_{h} {text}"),
            &[],
        ),
        (true, true) => Step::new(
            quote!(dense::outer_acc(&mut grads.#weight, &#dj_dz, &#value);),
            &format!("dJ/d{weight_text} = dJ/dz_{h} {text}^T"),
            &[],
        ),
    }
}

/// The gradient of a neuron's bias, added to `grads`: `dJ/db = dJ/dz`.
fn bias_gradient(neuron: &Neuron, bias: &Parameter, recurrent: bool) -> Step {
    let sum = if recurrent {
        ", summed over the steps so far"
    } else {
        ""
    };
    let h = neuron.text();
    let dj_dz = names::pre_activation_gradient(&neuron.name);
    let field: &Ident = &bias.name;
    let field_text = bias.text();
    if neuron.width.is_some() {
        Step::new(
            quote!(dense::add_assign(&mut grads.#field, &#dj_dz);),
            &format!("dJ/d{field_text} = dJ/dz_{h}"),
            &[],
        )
    } else {
        Step::new(
            quote!(grads.#field += #dj_dz;),
            &format!("dJ/d{field_text} = dJ/dz_{h}{sum} = {{:.6}}"),
            &[quote!(grads.#field)],
        )
    }
}
