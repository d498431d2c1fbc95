//! Recurrent networks: a network any of whose edges reads a value of the previous time step
//! (`r * h.prev`), run as a stream, over sequences, and trained by backpropagation through
//! time.
//!
//! Unrolled through time a recurrent network is a DAG again, and backpropagation is the
//! notes' rule applied to it: `dJ/dh` at step `t` sums the loss at `t`, the neurons that read
//! `h` at `t`, and the neurons that read `h.prev` at `t + 1`. [`Recurrent::backward_step`]
//! is one step of that (generated, link by link); the functions here run it over a sequence,
//! from the last step back, passing the share of the later steps in a `carry` of the
//! network's state type.
//!
//! Nothing here allocates: the forward pass of a sequence writes into trace buffers the
//! caller owns and reuses (`vec![Net::Trace::default(); longest]` once, or an array), and
//! gradients live on the stack, or for large networks on the heap as in
//! [`crate::train_step_with`].
//!
//! ```
//! use backprop_runtime::network;
//! use backprop_runtime::recurrent::{self, Horizon, Targets};
//!
//! network! {
//!     /// A neuron that remembers: `h(t) = tanh(w x(t) + r h(t-1) + b)`.
//!     pub struct Echo<f64> {
//!         input x;
//!         neuron h = tanh(w * x + r * h.prev + b);
//!         output y = identity(v * h + c);
//!         loss half_squared_error;
//!     }
//! }
//!
//! // Learn a leaky memory of the input: y(t) = (y(t - 1) + x(t)) / 2.
//! let inputs = [[0.5], [-0.3], [0.8], [0.1], [-0.6], [0.4]];
//! let mut targets = [[0.0]; 6];
//! let mut memory = 0.0;
//! for (target, [x]) in targets.iter_mut().zip(inputs) {
//!     memory = (memory + x) / 2.0;
//!     *target = [memory];
//! }
//! let mut net = Echo { w: 0.5, r: 0.1, v: 0.5, ..Echo::default() };
//! let mut traces = [EchoTrace::default(); 6];
//! let mut optimizer = backprop_runtime::optim::Adam::new(0.05)?;
//! let first = recurrent::sequence_loss(&net, &inputs, Targets::EveryStep(&targets))?;
//! for _ in 0..300 {
//!     recurrent::train_sequence_with(
//!         &mut net,
//!         &mut optimizer,
//!         &inputs,
//!         Targets::EveryStep(&targets),
//!         Horizon::Full,
//!         &mut traces,
//!     )?;
//! }
//! let last = recurrent::sequence_loss(&net, &inputs, Targets::EveryStep(&targets))?;
//! assert!(last < first / 100.0);
//! assert!((net.r - 0.5).abs() < 0.1); // it found the memory of one half
//!
//! // As a stream, one sample at a time: the same numbers as the sequence.
//! let mut state = EchoState::default();
//! let streamed: Vec<f64> = inputs.iter().map(|x| net.step(&mut state, x)[0]).collect();
//! let mut outputs = [[0.0]; 6];
//! recurrent::predict_sequence(&net, &mut EchoState::default(), &inputs, &mut outputs)?;
//! assert_eq!(streamed, outputs.map(|o| o[0]));
//! # Ok::<(), backprop_runtime::Error>(())
//! ```

use num_traits::{One, Zero};

use crate::optim::{Optimizer, Sgd};
use crate::train::finite_loss;
use crate::{Error, Network, Parameters, Scalar};

/// A network with edges that read the previous time step: what `network!` implements, beside
/// [`Network`], for every network with a `.prev`.
///
/// [`Network::forward`] of a recurrent network is its first time step (every `.prev` zero),
/// and [`Network::backward_accumulate`] that step's backward pass, so everything written for
/// networks in general works on sequences of length one.
pub trait Recurrent: Network {
    /// What the network carries from one time step to the next: the value of every node read
    /// with `.prev`. `Default` is zero, the state at the start of a sequence. The backward
    /// pass uses the same type for `dJ/d` of these values.
    type State: Copy + Default + PartialEq + core::fmt::Debug;

    /// The state a sequence starts from: zero, or the network's trainable initial values
    /// (`initial h = h0;`).
    #[inline]
    fn initial_state(&self) -> Self::State {
        Self::State::default()
    }

    /// After the backward pass of a sequence's first step, `carry` holds `dJ/d` of the state
    /// it started from: this adds it to the gradients of the trainable initial values (none
    /// by default).
    #[inline]
    fn initial_gradient(carry: &Self::State, grads: &mut Self::Grads) {
        let _ = (carry, grads);
    }

    /// One time step of the forward pass, from the state after the previous step.
    fn forward_step(&self, state: &Self::State, input: &Self::Input) -> Self::Trace;

    /// The state after a step: what the next step reads with `.prev`.
    fn state_after(trace: &Self::Trace) -> Self::State;

    /// One time step of [`LANES`] sequences at once, in lockstep: `traces[l]` becomes
    /// `self.forward_step(states[l], inputs[l])`, to the bit. `network!` generates it with
    /// each weight matrix read once for all the lanes where a kernel can (a matrix larger
    /// than the first-level cache then streams from the second level once per step, not
    /// once per sequence); this default runs the lanes one after the other. Mini-batch
    /// training through time calls it when its trace buffer holds [`LANES`] sequences.
    #[inline]
    fn forward_step_lanes(
        &self,
        states: [&Self::State; LANES],
        inputs: [&Self::Input; LANES],
        traces: [&mut Self::Trace; LANES],
    ) {
        for ((state, input), trace) in states.into_iter().zip(inputs).zip(traces) {
            *trace = self.forward_step(state, input);
        }
    }

    /// The forward passes of [`LANES`] sequences of equal length, each from
    /// [`Recurrent::initial_state`], in lockstep: `traces[l][t]` becomes the trace of step
    /// `t` of `inputs[l]`, for as many steps as the shortest of `inputs` and `traces` holds.
    /// Mini-batch training through time calls it.
    ///
    /// The default calls [`Recurrent::forward_step_lanes`] step after step, so each trace
    /// is [`Recurrent::forward_step`]'s to the bit. `network!` generates one that first
    /// copies the weight matrices by columns (as a [`crate::stream::Stream`] does, once per
    /// call), where they take at most [`LOCKSTEP_COLUMNS_LIMIT`] bytes, and then takes every
    /// product by columns for all the lanes at once: no horizontal sums, and each column
    /// read once for the lanes. Its traces equal [`Recurrent::forward_step`]'s to rounding
    /// (the products' sums are grouped otherwise).
    #[inline]
    fn forward_sequences_lanes(
        &self,
        inputs: [&[Self::Input]; LANES],
        traces: [&mut [Self::Trace]; LANES],
    ) {
        forward_lanes_with(self, inputs, traces, |states, inputs, traces| {
            self.forward_step_lanes(states, inputs, traces);
        });
    }

    /// Backpropagation through one time step: adds this step's `dJ/dw` to `grads`. `target`
    /// is `None` at a step without a loss. `carry` holds `dJ/d(state after this step)` from
    /// the later steps on entry, and `dJ/d(state before this step)` on return.
    fn backward_step(
        &self,
        trace: &Self::Trace,
        target: Option<&Self::Target>,
        carry: &mut Self::State,
        grads: &mut Self::Grads,
    );

    /// Backpropagation through the steps `first..` of a sequence whose forward pass is
    /// `traces` (one trace per step), from the last step back to `first`: what
    /// [`Recurrent::backward_step`] does for each of them in turn, with `carry` handed from
    /// step to step (as it is on entry and return of that method).
    ///
    /// The default calls [`Recurrent::backward_step`] per step. `network!` generates one
    /// that keeps the deltas of a few steps and adds their weight matrices' gradients
    /// together, reading and writing each gradient matrix once per few steps instead of once
    /// per step; every sum is taken in the same order, so both give the same bits.
    fn backward_steps(
        &self,
        traces: &[Self::Trace],
        targets: Targets<'_, Self::Target>,
        first: usize,
        carry: &mut Self::State,
        grads: &mut Self::Grads,
    ) {
        let steps = traces.len();
        for t in (first..steps).rev() {
            self.backward_step(&traces[t], targets.at(t, steps), carry, grads);
        }
    }

    /// Backpropagation through time of [`LANES`] sequences of equal length, whose forward
    /// passes are `traces` (one slice per lane, one trace per step), through the steps
    /// `first..`: for each lane what [`Recurrent::backward_steps`] does from a zero `carry`,
    /// and, when `first` is 0, [`Recurrent::initial_gradient`] from the carry it ends with.
    /// Every lane's gradient is added to `grads`.
    ///
    /// The default runs the lanes one after the other. `network!` generates one that steps
    /// back through the lanes together, so that each cell's `weight_hh^T dJ/dz` reads
    /// `weight_hh` once per step for all of them, and sums each weight matrix's gradient
    /// over the lanes' chunks of steps at once: the same gradient to rounding, with its sums
    /// taken in another order.
    #[inline]
    fn backward_steps_lanes(
        &self,
        traces: [&[Self::Trace]; LANES],
        targets: [Targets<'_, Self::Target>; LANES],
        first: usize,
        grads: &mut Self::Grads,
    ) {
        for (traces, targets) in traces.into_iter().zip(targets) {
            let mut carry = Self::State::default();
            self.backward_steps(traces, targets, first, &mut carry, grads);
            if first == 0 {
                Self::initial_gradient(&carry, grads);
            }
        }
    }

    /// One time step of a stream: the outputs, with `state` moved on by one step. Allocates
    /// nothing, in constant time.
    #[inline]
    fn step(&self, state: &mut Self::State, input: &Self::Input) -> Self::Output {
        let trace = self.forward_step(state, input);
        *state = Self::state_after(&trace);
        Self::output(&trace)
    }
}

/// The most bytes of weight matrices that the forward pass of a run of [`LANES`] sequences
/// copies by columns onto the stack ([`Recurrent::forward_sequences_lanes`]); a network with
/// more takes its products row by row. 128 KiB: a GRU of 64 units with its readout takes 80.
pub const LOCKSTEP_COLUMNS_LIMIT: usize = 128 * 1024;

/// The forward passes of [`LANES`] sequences in lockstep, each from the network's initial
/// state: `step(states, inputs, traces)` for each time step, with each lane's state after
/// its previous step. What [`Recurrent::forward_sequences_lanes`] does, with the step
/// given.
#[doc(hidden)]
#[inline]
pub fn forward_lanes_with<N: Recurrent>(
    network: &N,
    inputs: [&[N::Input]; LANES],
    mut traces: [&mut [N::Trace]; LANES],
    mut step: impl FnMut([&N::State; LANES], [&N::Input; LANES], [&mut N::Trace; LANES]),
) {
    let steps = inputs
        .iter()
        .map(|inputs| inputs.len())
        .chain(traces.iter().map(|traces| traces.len()))
        .min()
        .unwrap_or(0);
    let mut states = [network.initial_state(); LANES];
    for t in 0..steps {
        step(
            states.each_ref(),
            inputs.map(|inputs| &inputs[t]),
            traces.each_mut().map(|lane| &mut lane[t]),
        );
        states = core::array::from_fn(|l| N::state_after(&traces[l][t]));
    }
}

/// [`forward_lanes_with`] with the network's matrices copied by columns first
/// ([`crate::Streaming::columns`]), and handed to every step: what a generated
/// [`Recurrent::forward_sequences_lanes`] calls for matrices of at most
/// [`LOCKSTEP_COLUMNS_LIMIT`] bytes. Out of line, so that the copy takes stack only while
/// it runs.
#[doc(hidden)]
#[inline(never)]
pub fn forward_lanes_by_columns<N: crate::Streaming>(
    network: &N,
    inputs: [&[N::Input]; LANES],
    traces: [&mut [N::Trace]; LANES],
    mut step: impl FnMut(&N::Columns, [&N::State; LANES], [&N::Input; LANES], [&mut N::Trace; LANES]),
) {
    let columns = network.columns();
    forward_lanes_with(network, inputs, traces, |states, inputs, traces| {
        step(&columns, states, inputs, traces);
    });
}

/// How many sequences of a mini-batch run their forward and backward passes together
/// ([`Recurrent::forward_sequences_lanes`], [`Recurrent::backward_steps_lanes`]): training
/// through time does so for each run of this many consecutive sequences of equal length
/// when its trace buffer holds that many sequences (`LANES` times the longest).
pub const LANES: usize = 4;

/// Where a sequence has targets, and so a loss.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a, T> {
    /// One target per time step: `J` is the sum of the losses of every step.
    EveryStep(&'a [T]),
    /// A target for the last step only (classifying or summarising a sequence): `J` is the
    /// loss of the last step.
    LastStep(&'a T),
}

impl<T> Targets<'_, T> {
    /// The target of step `t` of a sequence of `steps` steps, if that step has one.
    #[must_use]
    pub fn at(&self, t: usize, steps: usize) -> Option<&T> {
        match self {
            Targets::EveryStep(targets) => targets.get(t),
            Targets::LastStep(target) => (t + 1 == steps).then_some(*target),
        }
    }

    /// Checks that there is one target per step, and each is valid for `N`.
    fn check<N: Network<Target = T>>(&self, steps: usize) -> Result<(), Error> {
        match self {
            Targets::EveryStep(targets) => {
                if targets.len() != steps {
                    return Err(Error::SequenceLength {
                        what: "targets were given",
                        steps,
                        found: targets.len(),
                    });
                }
                targets.iter().try_for_each(N::validate_target)
            }
            Targets::LastStep(target) => N::validate_target(target),
        }
    }
}

/// How far back through time the gradient goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Horizon {
    /// Through the whole sequence: the exact gradient of `J`.
    #[default]
    Full,
    /// Truncated backpropagation through time: only the last `k` steps are run backward, as
    /// if the state before them were a constant input. The gradient is exactly that of the
    /// loss of the last `k` steps, given the state the earlier steps left; the losses of the
    /// earlier steps count in the returned loss but not in the gradient. Costs `k` steps
    /// instead of all, and bounds how far gradients can explode or vanish.
    LastSteps(usize),
}

/// Checks a sequence before it is run: at least one step, a trace in `traces` for every
/// step, one target per step (or one for the last) and every target valid for the network.
///
/// # Errors
///
/// [`Error::EmptySequence`], [`Error::SequenceLength`], or the target's own error.
pub fn check<N: Recurrent>(
    inputs: &[N::Input],
    targets: &Targets<'_, N::Target>,
    traces: &[N::Trace],
) -> Result<(), Error> {
    check_sequence::<N>(inputs, traces)?;
    targets.check::<N>(inputs.len())
}

/// Checks a sequence and its buffer: at least one step, and a trace for every step.
fn check_sequence<N: Network>(inputs: &[N::Input], traces: &[N::Trace]) -> Result<(), Error> {
    if inputs.is_empty() {
        return Err(Error::EmptySequence);
    }
    if traces.len() < inputs.len() {
        return Err(Error::SequenceLength {
            what: "traces fit in the buffer",
            steps: inputs.len(),
            found: traces.len(),
        });
    }
    Ok(())
}

/// The forward pass over a sequence from `initial`, every step's values written to
/// `traces[t]`. Returns the state after the last step.
///
/// # Errors
///
/// [`Error::EmptySequence`] for no steps, [`Error::SequenceLength`] if `traces` is shorter
/// than `inputs` (a longer buffer is fine: the rest is not touched).
pub fn forward_sequence<N: Recurrent>(
    network: &N,
    initial: &N::State,
    inputs: &[N::Input],
    traces: &mut [N::Trace],
) -> Result<N::State, Error> {
    check_sequence::<N>(inputs, traces)?;
    let mut state = *initial;
    for (input, trace) in inputs.iter().zip(traces.iter_mut()) {
        *trace = network.forward_step(&state, input);
        state = N::state_after(trace);
    }
    Ok(state)
}

/// The outputs of every step of a sequence, streamed from `state`, which is left after the
/// last step (so a long signal can be fed in pieces).
///
/// # Errors
///
/// [`Error::SequenceLength`] if `outputs` and `inputs` differ in length.
pub fn predict_sequence<N: Recurrent>(
    network: &N,
    state: &mut N::State,
    inputs: &[N::Input],
    outputs: &mut [N::Output],
) -> Result<(), Error> {
    if outputs.len() != inputs.len() {
        return Err(Error::SequenceLength {
            what: "output slots were given",
            steps: inputs.len(),
            found: outputs.len(),
        });
    }
    for (input, output) in inputs.iter().zip(outputs.iter_mut()) {
        *output = network.step(state, input);
    }
    Ok(())
}

/// The loss `J` of a sequence from the network's initial state: the sum of the losses of the steps that
/// have targets. Streams, so it needs no buffer.
///
/// # Errors
///
/// [`Error::EmptySequence`], [`Error::SequenceLength`] for a wrong number of targets, and
/// the target's error for an invalid target.
pub fn sequence_loss<N: Recurrent>(
    network: &N,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
) -> Result<N::Scalar, Error> {
    if inputs.is_empty() {
        return Err(Error::EmptySequence);
    }
    targets.check::<N>(inputs.len())?;
    let mut state = network.initial_state();
    let mut loss = N::Scalar::zero();
    for (t, input) in inputs.iter().enumerate() {
        let trace = network.forward_step(&state, input);
        if let Some(target) = targets.at(t, inputs.len()) {
            loss = loss + N::trace_loss(&trace, target);
        }
        state = N::state_after(&trace);
    }
    Ok(loss)
}

/// The loss of a sequence's forward pass: the sum over the steps with a target.
fn traces_loss<N: Recurrent>(traces: &[N::Trace], targets: Targets<'_, N::Target>) -> N::Scalar {
    let steps = traces.len();
    let mut loss = N::Scalar::zero();
    for (t, trace) in traces.iter().enumerate() {
        if let Some(target) = targets.at(t, steps) {
            loss = loss + N::trace_loss(trace, target);
        }
    }
    loss
}

/// The first step backpropagation through time goes back to, of a sequence of `steps`.
fn first_step(horizon: Horizon, steps: usize) -> usize {
    match horizon {
        Horizon::Full => 0,
        Horizon::LastSteps(k) => steps.saturating_sub(k),
    }
}

/// Backpropagation through time over the traces of a forward pass ([`forward_sequence`]):
/// adds `dJ/dw` to `grads` and returns `J`. Each weight's gradient is summed over the steps;
/// the share of later steps reaches earlier ones through the carried state.
fn backward_through_time<N: Recurrent>(
    network: &N,
    traces: &[N::Trace],
    targets: Targets<'_, N::Target>,
    horizon: Horizon,
    grads: &mut N::Grads,
) -> N::Scalar {
    let loss = traces_loss::<N>(traces, targets);
    let first = first_step(horizon, traces.len());
    let mut carry = N::State::default();
    network.backward_steps(traces, targets, first, &mut carry, grads);
    // Truncated, the starting state is held fixed: its initial values get no gradient.
    if first == 0 {
        N::initial_gradient(&carry, grads);
    }
    loss
}

/// The loss of a sequence from the network's initial state and its gradient by
/// backpropagation through time (including the trainable initial values' own), written to `grads` (its previous contents are discarded). `traces` is the caller's
/// buffer for the forward pass: at least as long as the sequence, reused across calls.
///
/// # Errors
///
/// [`Error::EmptySequence`], [`Error::SequenceLength`] (targets, or a buffer too short),
/// the target's error, [`Error::NonFiniteLoss`] and [`Error::NonFiniteGradient`].
pub fn sequence_gradient<N: Recurrent>(
    network: &N,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
    horizon: Horizon,
    traces: &mut [N::Trace],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    let loss = gradient_into(network, inputs, targets, horizon, traces, grads)?;
    crate::check_finite(grads)?;
    Ok(loss)
}

/// [`sequence_gradient`] without the final check of the gradients (the optimizer's step
/// checks them).
fn gradient_into<N: Recurrent>(
    network: &N,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
    horizon: Horizon,
    traces: &mut [N::Trace],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    check_sequence::<N>(inputs, traces)?;
    targets.check::<N>(inputs.len())?;
    let steps = inputs.len();
    forward_sequence(
        network,
        &network.initial_state(),
        inputs,
        &mut traces[..steps],
    )?;
    // -0.0, the neutral start of a sum, as in `Network::backward`.
    grads.as_mut_slice().fill(-N::Scalar::zero());
    let loss = backward_through_time(network, &traces[..steps], targets, horizon, grads);
    finite_loss(loss)
}

/// One step of gradient descent on one sequence (from the network's initial state):
/// [`sequence_gradient`], then `w = w - learning_rate * dJ/dw`. Returns the loss before the
/// update.
///
/// # Errors
///
/// As [`sequence_gradient`], [`Error::InvalidLearningRate`] and
/// [`Error::NonFiniteParameter`]; on any error the parameters are left unchanged.
pub fn train_sequence<N: Recurrent>(
    network: &mut N,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
    horizon: Horizon,
    learning_rate: N::Scalar,
    traces: &mut [N::Trace],
) -> Result<N::Scalar, Error> {
    let mut sgd = Sgd::new(learning_rate)?;
    train_sequence_with(network, &mut sgd, inputs, targets, horizon, traces)
}

/// One step on one sequence with any optimizer: [`sequence_gradient`], then
/// `optimizer.step`. Returns the loss before the update. Allocates nothing for networks
/// whose gradients fit in [`crate::STACK_BUFFER_LIMIT`], and with `std` nothing after a
/// thread's first step for larger ones.
///
/// # Errors
///
/// As [`train_sequence`]; on any error neither the parameters nor the optimizer's state
/// change.
pub fn train_sequence_with<N: Recurrent, O: Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
    horizon: Horizon,
    traces: &mut [N::Trace],
) -> Result<N::Scalar, Error> {
    crate::heap::with_buffer(|grads: &mut N::Grads| {
        let loss = gradient_into(network, inputs, targets, horizon, traces, grads)?;
        optimizer.step(network, grads)?;
        Ok(loss)
    })
}

/// One sequence of a mini-batch: its inputs, one per time step, and its targets.
#[derive(Debug, Clone, Copy)]
pub struct Sequence<'a, N: Network> {
    /// The input of every time step.
    pub inputs: &'a [N::Input],
    /// Where the sequence has targets, and what they are.
    pub targets: Targets<'a, N::Target>,
}

/// The mean loss of a mini-batch of sequences (each from the network's initial state; they
/// may differ in length) and the mean of their gradients, written to `grads`. `traces` must be
/// as long as the longest sequence; [`LANES`] times that lets runs of [`LANES`] sequences of
/// equal length step forward and back together ([`Recurrent::forward_sequences_lanes`],
/// [`Recurrent::backward_steps_lanes`]), which is faster for matrices larger than the
/// first-level cache: the same loss and gradient to rounding (the products by columns, and
/// the gradient's sums over the sequences, grouped otherwise).
///
/// # Errors
///
/// [`Error::EmptyBatch`] for no sequences, and the errors of [`sequence_gradient`] for any
/// sequence.
pub fn batch_sequence_gradient<N: Recurrent>(
    network: &N,
    batch: &[Sequence<'_, N>],
    horizon: Horizon,
    traces: &mut [N::Trace],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    let loss = batch_gradient_into(network, batch, horizon, traces, grads)?;
    crate::check_finite(grads)?;
    Ok(loss)
}

/// [`batch_sequence_gradient`] without the final check of the gradients.
fn batch_gradient_into<N: Recurrent>(
    network: &N,
    batch: &[Sequence<'_, N>],
    horizon: Horizon,
    traces: &mut [N::Trace],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    check_batch(batch)?;
    if let Some(longest) = batch.iter().map(|s| s.inputs.len()).max() {
        if traces.len() < longest {
            return Err(Error::SequenceLength {
                what: "traces fit in the buffer",
                steps: longest,
                found: traces.len(),
            });
        }
    }
    let scale = mean_scale::<N>(batch.len());
    grads.as_mut_slice().fill(-N::Scalar::zero());
    let loss = accumulate_sequences(network, batch, horizon, scale, traces, grads);
    crate::optim::scale_in_place(grads, scale);
    finite_loss(loss)
}

/// A batch has at least one sequence, each of at least one step with valid targets.
fn check_batch<N: Recurrent>(batch: &[Sequence<'_, N>]) -> Result<(), Error> {
    if batch.is_empty() {
        return Err(Error::EmptyBatch);
    }
    for sequence in batch {
        if sequence.inputs.is_empty() {
            return Err(Error::EmptySequence);
        }
        sequence.targets.check::<N>(sequence.inputs.len())?;
    }
    Ok(())
}

/// `1 / sequences`: the mean over a batch.
fn mean_scale<N: Network>(sequences: usize) -> N::Scalar {
    N::Scalar::one() / N::Scalar::from_f64(sequences as f64)
}

/// Adds every sequence's gradient to `grads` and returns the sum of their losses, each
/// scaled by `scale` before it is added (so that the sum cannot overflow where the mean
/// would not; the gradients are scaled once summed, as for a batch of samples). The
/// sequences are checked and `traces` holds the longest (runs of [`LANES`] sequences of equal
/// length step forward and back together where it holds [`LANES`] times that).
fn accumulate_sequences<N: Recurrent>(
    network: &N,
    sequences: &[Sequence<'_, N>],
    horizon: Horizon,
    scale: N::Scalar,
    traces: &mut [N::Trace],
    grads: &mut N::Grads,
) -> N::Scalar {
    let mut loss = N::Scalar::zero();
    let mut rest = sequences;
    while let Some(first) = rest.first() {
        let steps = first.inputs.len();
        let lockstep = rest.len() >= LANES
            && traces.len() >= LANES * steps
            && rest[..LANES].iter().all(|s| s.inputs.len() == steps);
        if lockstep {
            let (lanes, traces) = (&rest[..LANES], &mut traces[..LANES * steps]);
            forward_lanes(network, lanes, traces);
            loss = loss + backward_lanes(network, lanes, horizon, scale, traces, grads);
            rest = &rest[LANES..];
            continue;
        }
        // Checked by the caller: not empty, and the buffer fits.
        let _ = forward_sequence(
            network,
            &network.initial_state(),
            first.inputs,
            &mut traces[..steps],
        );
        let sequence_loss =
            backward_through_time(network, &traces[..steps], first.targets, horizon, grads);
        loss = loss + sequence_loss * scale;
        rest = &rest[1..];
    }
    loss
}

/// Backpropagation through time of [`LANES`] sequences of equal length whose forward passes
/// are consecutive runs of `traces` ([`forward_lanes`]), together
/// ([`Recurrent::backward_steps_lanes`]): adds their gradients to `grads` and returns the
/// sum of their losses, each scaled by `scale`, in the batch's order.
fn backward_lanes<N: Recurrent>(
    network: &N,
    sequences: &[Sequence<'_, N>],
    horizon: Horizon,
    scale: N::Scalar,
    traces: &[N::Trace],
    grads: &mut N::Grads,
) -> N::Scalar {
    let steps = traces.len() / LANES;
    let mut loss = N::Scalar::zero();
    for (sequence, traces) in sequences.iter().zip(traces.chunks_exact(steps)) {
        loss = loss + traces_loss::<N>(traces, sequence.targets) * scale;
    }
    let first = first_step(horizon, steps);
    let mut runs = traces.chunks_exact(steps);
    let lanes: [&[N::Trace]; LANES] =
        core::array::from_fn(|_| runs.next().expect("LANES runs of `steps` traces"));
    let targets = core::array::from_fn(|l| sequences[l].targets);
    network.backward_steps_lanes(lanes, targets, first, grads);
    loss
}

/// The forward passes of [`LANES`] sequences of equal length, step by step together, into
/// consecutive runs of `traces` (one sequence's length each), each from the initial state.
fn forward_lanes<N: Recurrent>(
    network: &N,
    sequences: &[Sequence<'_, N>],
    traces: &mut [N::Trace],
) {
    let steps = traces.len() / LANES;
    let mut runs = traces.chunks_exact_mut(steps);
    let lanes: [&mut [N::Trace]; LANES] =
        core::array::from_fn(|_| runs.next().expect("LANES runs of `steps` traces"));
    let inputs = core::array::from_fn(|l| sequences[l].inputs);
    network.forward_sequences_lanes(inputs, lanes);
}

/// One step of mini-batch training on sequences with any optimizer: the mean gradient of
/// the batch ([`batch_sequence_gradient`]), then `optimizer.step`. Returns the mean loss
/// before the update.
///
/// # Errors
///
/// As [`batch_sequence_gradient`] and [`Optimizer::step`]; on any error neither the
/// parameters nor the optimizer's state change.
pub fn train_sequences_with<N: Recurrent, O: Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    batch: &[Sequence<'_, N>],
    horizon: Horizon,
    traces: &mut [N::Trace],
) -> Result<N::Scalar, Error> {
    crate::heap::with_buffer(|grads: &mut N::Grads| {
        let loss = batch_gradient_into(network, batch, horizon, traces, grads)?;
        optimizer.step(network, grads)?;
        Ok(loss)
    })
}

/// [`batch_sequence_gradient`] with the sequences split across rayon's threads: each thread
/// runs its share with its own trace buffer and sums its gradients, and the shares are added
/// up. The result equals the sequential one up to the order of the floating-point additions.
/// Allocates a gradient and a trace buffer per thread.
///
/// # Errors
///
/// As [`batch_sequence_gradient`].
#[cfg(feature = "rayon")]
pub fn batch_sequence_gradient_parallel<N>(
    network: &N,
    batch: &[Sequence<'_, N>],
    horizon: Horizon,
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error>
where
    N: Recurrent + Sync,
    N::Input: Sync,
    N::Target: Sync,
    N::Grads: Send,
    N::Trace: Send,
{
    use rayon::prelude::*;

    check_batch(batch)?;
    let scale = mean_scale::<N>(batch.len());
    let threads = rayon::current_num_threads().max(1);
    let chunk = batch.len().div_ceil(threads);
    let share = |sequences: &[Sequence<'_, N>]| {
        let mut grads = crate::zeroed_box::<N::Grads>();
        let longest = sequences.iter().map(|s| s.inputs.len()).max().unwrap_or(0);
        let mut traces = match sequences.first() {
            Some(first) => {
                let filler = network.forward_step(&network.initial_state(), &first.inputs[0]);
                alloc::vec![filler; LANES * longest]
            }
            None => alloc::vec::Vec::new(),
        };
        let loss =
            accumulate_sequences(network, sequences, horizon, scale, &mut traces, &mut grads);
        (loss, grads)
    };
    let (loss, sum) = batch
        .par_chunks(chunk)
        .map(share)
        .reduce_with(|(loss_a, mut grads_a), (loss_b, grads_b)| {
            for (a, &b) in grads_a.as_mut_slice().iter_mut().zip(grads_b.as_slice()) {
                *a = *a + b;
            }
            (loss_a + loss_b, grads_a)
        })
        .unwrap_or_else(|| share(&[]));
    for (g, &s) in grads.as_mut_slice().iter_mut().zip(sum.as_slice()) {
        *g = s * scale;
    }
    let loss = finite_loss(loss)?;
    crate::check_finite(grads)?;
    Ok(loss)
}

/// [`train_sequences_with`] with the gradient computed by
/// [`batch_sequence_gradient_parallel`].
///
/// # Errors
///
/// As [`batch_sequence_gradient_parallel`] and [`Optimizer::step`]; on any error neither
/// the parameters nor the optimizer's state change.
#[cfg(feature = "rayon")]
pub fn train_sequences_parallel_with<N, O>(
    network: &mut N,
    optimizer: &mut O,
    batch: &[Sequence<'_, N>],
    horizon: Horizon,
) -> Result<N::Scalar, Error>
where
    N: Recurrent + Sync,
    N::Input: Sync,
    N::Target: Sync,
    N::Grads: Send,
    N::Trace: Send,
    O: Optimizer<N>,
{
    crate::heap::with_buffer(|grads: &mut N::Grads| {
        let loss = batch_sequence_gradient_parallel(network, batch, horizon, grads)?;
        optimizer.step(network, grads)?;
        Ok(loss)
    })
}
