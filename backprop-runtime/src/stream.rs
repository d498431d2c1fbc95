//! A recurrent network prepared for a real-time stream: [`Stream`] keeps, beside the
//! network, each weight matrix that a step multiplies stored by columns, so that every
//! product of a step is a sum of contiguous columns (one multiply-add per input, the
//! accumulators in registers) instead of one horizontal sum per row. This is the layout an
//! expert gives a cell written for an audio thread, and the one RTNeural loads its weights
//! into; the network itself keeps PyTorch's layout, which training and files need.
//!
//! Preparing is a copy of the matrices, once; a step allocates nothing and takes constant
//! time, as [`Recurrent::step`] does. The outputs are those of [`Recurrent::step`] up to
//! rounding: the products are summed in another order, and under `precision fast` on a CPU
//! with FMA the cells' gates use fused multiply-adds and take the sigmoid from the rational
//! `tanh` (a shorter chain of dependent operations, absolute error below 1.9e-7), so the two
//! differ in the last bits. For `f32` on AVX-512 a cell's whole step is one kernel written
//! with intrinsics, sixteen units per register from the gates' sums to the new state, its
//! divisions by a reciprocal estimate and one Newton step (`tanh` within 3.3e-7 relative).
//!
//! ```
//! use backprop_runtime::stream::Stream;
//! use backprop_runtime::{network, Parameters};
//!
//! network! {
//!     /// A GRU of 8 units over 4 inputs, read out to one value.
//!     pub struct Amp<f32> {
//!         input x[4];
//!         layer h[8] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
//!         output y = identity(v * h + c);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let mut net = Amp::default();
//! for (k, weight) in net.as_mut_slice().iter_mut().enumerate() {
//!     *weight = (k * 37 % 101) as f32 / 101.0 - 0.5;
//! }
//! let stream = Stream::new(net);
//! let (mut state, mut reference) = (stream.initial_state(), net.initial_state());
//! for t in 0..100 {
//!     let x = [(t as f32 * 0.1).sin(), 0.5, -0.25, (t as f32 * 0.03).cos()];
//!     let [y] = stream.step(&mut state, &x);
//!     let [expected] = net.step(&mut reference, &x);
//!     assert!((y - expected).abs() < 1e-5);
//! }
//! ```

use crate::Recurrent;

/// A recurrent network whose steps can run on its matrices stored by columns: what
/// `network!` implements for every recurrent network. Use it through [`Stream`].
pub trait Streaming: Recurrent {
    /// The network's weight matrices that a step multiplies (those of its layers' edges and
    /// its cells' `weight_hh`), each stored by columns: the matrix `[[T; M]; N]` as
    /// `[[T; N]; M]`, row `j` holding the weights on input `j`.
    type Columns: Clone + core::fmt::Debug;

    /// This network's matrices by columns.
    fn columns(&self) -> Self::Columns;

    /// [`Recurrent::step`] reading the weight matrices from `columns`, which must be
    /// [`Streaming::columns`] of `self` (as [`Stream`] keeps them; other matrices give the
    /// step of another network).
    fn step_by_columns(
        &self,
        columns: &Self::Columns,
        state: &mut Self::State,
        input: &Self::Input,
    ) -> Self::Output;
}

/// A recurrent network with its matrices stored by columns, for streaming: see the
/// [module documentation](self). Build it with [`Stream::new`] (or `From`); to change the
/// network, take it back with [`Stream::into_network`] and prepare it again.
#[derive(Clone, Debug)]
pub struct Stream<N: Streaming> {
    network: N,
    columns: N::Columns,
}

impl<N: Streaming> Stream<N> {
    /// Prepares `network` for streaming: copies its matrices by columns.
    #[must_use]
    pub fn new(network: N) -> Self {
        let columns = network.columns();
        Stream { network, columns }
    }

    /// One time step: the outputs for this step's input, reading and then updating `state`
    /// (start from [`Stream::initial_state`]). Allocates nothing and takes the same time at
    /// every call: fit for a real-time thread. Several streams (the channels of a signal)
    /// can share one `Stream`, each with its own state.
    #[inline]
    pub fn step(&self, state: &mut N::State, input: &N::Input) -> N::Output {
        self.network.step_by_columns(&self.columns, state, input)
    }

    /// The state a stream starts from, as [`Recurrent::initial_state`].
    #[inline]
    #[must_use]
    pub fn initial_state(&self) -> N::State {
        self.network.initial_state()
    }

    /// The network this stream runs.
    #[inline]
    #[must_use]
    pub fn network(&self) -> &N {
        &self.network
    }

    /// The network back, to train or change it.
    #[inline]
    #[must_use]
    pub fn into_network(self) -> N {
        self.network
    }
}

impl<N: Streaming> From<N> for Stream<N> {
    fn from(network: N) -> Self {
        Stream::new(network)
    }
}
