//! Backpropagation as generated code.
//!
//! The [`network!`] macro turns a declarative description of a small neural network into
//! plain Rust: a struct with one named field per weight and bias, a forward pass and a
//! backward pass written out edge by edge, and gradient descent. There is no runtime graph,
//! no tape and no allocation in a training step.
//!
//! ```
//! use backprop_runtime::network;
//!
//! network! {
//!     /// The worked example of the backprop notes.
//!     pub struct SeedNet<f64> {
//!         input x1, x2;
//!         neuron h1 = identity(w11 * x1 + w21 * x2);
//!         neuron h2 = half_square(w12 * x1 + w22 * x2);
//!         neuron h3 = double(v11 * h1);
//!         neuron h4 = exp(v12 * h1 + v22 * h2);
//!         output o = sin(u1 * h3 + u2 * h4);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let mut net = SeedNet { w11: 0.1, v11: 0.5, v12: -0.6, u1: 0.8, u2: 0.9, ..SeedNet::default() };
//! let trace = net.forward(&[1.0, 0.0]);
//! let grads = net.backward(&trace, &[0.5]);
//! // h1 reaches o through h3 and through h4: dJ/dw11 sums both paths (the notes' formula).
//! let dj_dz_o = (trace.o - 0.5) * trace.z_o.cos();
//! let both_paths = dj_dz_o * (0.8 * 2.0 * 0.5 + 0.9 * trace.h4 * -0.6) * 1.0;
//! assert!((grads.w11 - both_paths).abs() < 1e-15);
//! let loss = net.train_step(&[1.0, 0.0], &[0.5], 0.1)?;
//! assert!(loss > net.loss(&[1.0, 0.0], &[0.5]));
//! # Ok::<(), backprop_runtime::Error>(())
//! ```
//!
//! # What is here
//!
//! - [`network!`], with the language and the generated API documented on it;
//! - the traits every generated network implements: [`Network`] and [`Parameters`] (the
//!   flat, zero-copy view of parameters and gradients that everything below works on);
//! - training: [`train_step`], [`train_batch`], [`batch_gradient`], and with any
//!   [`optim::Optimizer`] (SGD, momentum, Adam, RPROP) [`train_step_with`] and
//!   [`train_batch_with`];
//! - a training loop: [`Fit`] over a [`Dataset`] with a [`Schedule`] and early stopping, and
//!   whole-set evaluation in [`data`];
//! - recurrent networks (edges that read `h.prev`, `gru` and `lstm` layers): the
//!   [`Recurrent`] trait, streaming, and backpropagation through time over sequences and
//!   batches of them in [`recurrent`]; the cells' kernels in [`cell`];
//! - trained weights as Rust source for a binary that carries its model: [`bake`];
//! - [`init`]ialisation, [`mod@gradcheck`] (backward against finite differences),
//!   [`activation`], [`loss`] and [`dense`] kernels that generated code calls.
//!
//! # Features
//!
//! | feature | what |
//! | --- | --- |
//! | `std` (default) | the standard library's float functions; without it, `libm` and `#![no_std]` without `alloc` |
//! | `alloc` | `Net::boxed()` and large buffers on the heap (on through `std`) |
//! | `rand` | seeded `init::glorot_uniform` and `init::he_uniform` |
//! | `serde` | `Serialize` and `Deserialize` for generated parameter and gradient structs (needs `alloc`) |
//! | `safetensors` | `safetensors::to_bytes` and `safetensors::from_bytes` (needs `std`) |
//! | `rayon` | `batch_gradient_parallel` and `train_batch_parallel` (needs `std`) |
//! | `progress` | `fit::Progress`, a terminal progress bar for `Fit::run` (indicatif) |
//! | `explain` | a generated `explain` method that writes the backward pass of one sample with its numbers |
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod activation;
#[cfg(feature = "alloc")]
pub mod bake;
mod batch;
pub mod cell;
pub mod data;
pub mod dense;
mod error;
mod fast;
mod fields;
#[cfg(feature = "alloc")]
pub mod fit;
pub mod gradcheck;
mod heap;
pub mod init;
pub mod loss;
mod network;
pub mod optim;
pub mod recurrent;
#[cfg(feature = "safetensors")]
pub mod safetensors;
mod scalar;
#[cfg(feature = "serde")]
mod serde_support;
#[cfg(target_arch = "x86_64")]
mod simd;
pub mod stream;
mod train;
mod wide;

/// Declares a neural network and generates its forward pass, backward pass and training.
///
/// ```text
/// network! {
///     /// docs, carried over to the struct
///     #[backprop(crate = <path to this crate>)]     (optional, for a renamed dependency)
///     #[backprop(variant(<Name>, scalar = <f32 | f64>, precision = <exact | fast>))]
///                                                   (optional, repeatable: companions)
///     <visibility> struct <Name><f32 | f64> {
///         activation <name>(z) = <formula> [, derivative = <formula in z and h>];
///         input <name>, <name>[<width>], ...;
///         neuron <name> = <activation>(<term> + <term> + ...);
///         layer <name>[<width>] = <activation>(<term> + ...);
///         layer <name>[<width>] = <gru | lstm>(<weight_ih> * <node> + <weight_hh> * <name>.prev
///                                              + <bias_ih> + <bias_hh>);
///         output <name> = ...;    output <name>[<width>] = ...;
///         loss <half_squared_error | mean_squared_error | softmax_cross_entropy | binary_cross_entropy>;
///         precision <exact | fast>;                  (optional, exact by default)
///         initial <neuron> = <parameter>;            (optional: a trainable starting value
///                                                   for a neuron read with `.prev`)
///     }
/// }
/// ```
///
/// # Hygiene
///
/// No name written in the network changes what its code computes: node and parameter names
/// are only ever fields in generated code (`self.w`, `trace.h`), never locals or patterns,
/// so nodes may be called `Some`, `input`, `trace` or `r#type`, with any item in scope.
/// Generated code names the runtime as `::backprop_runtime`, or as the path given by
/// `#[backprop(crate = ...)]` when the dependency is renamed, and nothing from the prelude.
/// A network's name may not end in `Grads`, `Trace` or `State` (the companion types of `Net`
/// are `NetGrads`, `NetTrace` and `NetState`), and `#[repr]` on it is an error (the flat view relies on
/// the macro's own layout). Like every macro on stable Rust, generated locals (`dj_dh1`,
/// `trace`) can be captured by an item spelled exactly like them, such as a lowercase
/// `const dj_dh1`, which rustc already warns about.
///
/// ```
/// use backprop_runtime as bp;
///
/// bp::network! {
///     /// Reaches the runtime through the path `bp`.
///     #[backprop(crate = bp)]
///     pub struct Renamed<f64> {
///         input Some, r#type;
///         output None = identity(w * Some + v * r#type);
///         loss half_squared_error;
///     }
/// }
///
/// let net = Renamed { w: 1.0, v: 2.0 };
/// assert_eq!(net.predict(&[1.0, 3.0]), [7.0]);
/// ```
///
/// # Variants
///
/// `#[backprop(variant(NetF64, scalar = f64))]` or `variant(NetFast, precision = fast)`
/// declares a companion network of the same topology in another scalar type or precision,
/// with all of its own types and methods, and `From<&Net>` conversions between every pair:
/// train in `f32` and check gradients in `f64` ([`gradcheck::gradcheck_in`]), or switch
/// precision in one line. Each variant is generated in full, so each costs compile time.
///
/// A term `w * node` is a trainable weight on the edge from `node` (or `w * node[i]`, from
/// one element of an array node; `w * node.prev` or `w * node[i].prev`, from its value one
/// time step earlier); a bare name is the neuron's bias. Topology is what the
/// sums say: any DAG, declared in any order. Weight shapes follow from what they connect
/// (`[[T; m]; n]` from `m` values into `n`), and may be written out to be checked
/// (`W[32, 64] * x`). Every mistake is a compile error at the token that causes it.
///
/// For `struct Net<f64>` the macro generates `Net` (one `pub` field per parameter,
/// `#[repr(C)]`, `Default` = zeros), `NetGrads` (the same fields, holding `dJ/dw`) and
/// `NetTrace` (every input, pre-activation `z_<name>` and activation), with
/// `forward`, `predict`, `loss`, `backward`, `backward_accumulate`, `sgd_step`,
/// `train_step`, `train_batch`, `as_slice`/`as_mut_slice`, the consts `INPUTS`,
/// `OUTPUTS`, `PARAMS` and `DOT`, and impls of [`Network`] and [`Parameters`].
///
/// # Recurrent networks
///
/// An edge that reads `.prev` makes the network recurrent: a loop is then legal through such
/// an edge, and the macro also generates `NetState` (what one step hands to the next),
/// `step` (one step of a stream, allocation-free), `forward_step`, `backward_step` (one step
/// of backpropagation through time) and an impl of [`Recurrent`]; [`recurrent`] runs them
/// over sequences. `gru` and `lstm` layers are PyTorch's cells, with its parameter layout.
///
/// ```
/// use backprop_runtime::network;
///
/// network! {
///     pub struct Memory<f64> {
///         input x[2];
///         layer h[4] = gru(Wi * x + Wh * h.prev + bi + bh);
///         output y = identity(v * h + r * y.prev + c);
///         loss half_squared_error;
///     }
/// }
///
/// let net = Memory { v: [0.5; 4], ..Memory::default() };
/// let mut state = MemoryState::default();
/// let first = net.step(&mut state, &[1.0, -1.0]);
/// let second = net.step(&mut state, &[0.0, 0.0]);
/// assert_eq!(first, net.predict(&[1.0, -1.0])); // the first step is the plain forward pass
/// assert_eq!([state.y], second);
/// assert_eq!(Memory::PARAMS, 12 * 2 + 12 * 4 + 12 + 12 + 4 + 1 + 1);
/// ```
///
/// A classifier with dense layers and a user-defined activation:
///
/// ```
/// use backprop_runtime::{network, ClassTarget};
///
/// network! {
///     /// 4 features -> 8 softsign -> 3 classes.
///     pub struct Iris<f32> {
///         activation softsign(z) = z / (1.0 + abs(z));
///         input features[4];
///         layer hidden[8] = softsign(W1 * features + b1);
///         output logits[3] = identity(W2 * hidden + b2);
///         loss softmax_cross_entropy;
///     }
/// }
///
/// let mut net = Iris::default();
/// net.W1[0] = [0.5, -0.5, 0.25, 0.0];
/// net.W2[2][0] = 1.0;
/// let flower = [5.1, 3.5, 1.4, 0.2];
/// for _ in 0..20 {
///     net.train_step(&flower, &ClassTarget::Index(2), 0.1)?;
/// }
/// assert_eq!(net.predict_class(&flower), Some(2));
/// assert_eq!(Iris::PARAMS, 4 * 8 + 8 + 8 * 3 + 3);
/// # Ok::<(), backprop_runtime::Error>(())
/// ```
pub use backprop_macros::network;
pub use batch::{batch_gradient, train_batch, train_batch_with};
#[cfg(feature = "rayon")]
pub use batch::{batch_gradient_parallel, train_batch_parallel};
pub use data::{Dataset, Shuffle};
pub use error::Error;
#[cfg(feature = "alloc")]
pub use fit::{Fit, Schedule};
pub use gradcheck::{gradcheck, GradCheck};
#[cfg(feature = "alloc")]
pub use heap::zeroed_box;
pub use heap::{FlatLayout, STACK_BUFFER_LIMIT};
pub use loss::ClassTarget;
pub use network::{Classifier, Network, ParameterInfo, ParameterKind, Parameters};
pub use recurrent::Recurrent;
pub use scalar::{Scalar, ScalarKind};
#[cfg(feature = "serde")]
pub use serde_support::deserialize_allowing_non_finite;
pub use stream::{Stream, Streaming};
pub use train::{check_finite, sgd_update, train_step, train_step_with};

/// Without the `serde` feature, generated structs get no serde impls.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_serde {
    ($name:ident) => {};
}

/// Generated items that need an allocator (`Net::boxed()`): emitted as written with the
/// runtime's `alloc` feature, dropped without it.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_alloc {
    ($($item:item)*) => { $($item)* };
}

/// Generated items that need an allocator (`Net::boxed()`): emitted as written with the
/// runtime's `alloc` feature, dropped without it.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_alloc {
    ($($item:item)*) => {};
}

/// What generated code names, behind one door so that user items of the same names cannot
/// shadow them. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::activation as act;
    pub use crate::cell;
    pub use crate::dense;
    pub use crate::fields::{debug_parameters, debug_values};
    pub use crate::loss;
    pub use crate::recurrent;
    #[cfg(feature = "serde")]
    pub use crate::serde_support::{deserialize_parameters, serialize_parameters};
    pub use crate::train::{fused_train_step, FusedStep, SgdGuard};
    pub use crate::wide::{wide, wide_into, wide_or_into};
    #[cfg(feature = "alloc")]
    pub use crate::zeroed_box;
    pub use crate::{
        recurrent::{forward_lanes_by_columns, forward_lanes_with, LOCKSTEP_COLUMNS_LIMIT},
        sgd_update, train_batch, train_step, ClassTarget, Classifier, Error, FlatLayout, Network,
        ParameterInfo, ParameterKind, Parameters, Recurrent, Streaming,
    };
    #[cfg(feature = "alloc")]
    pub use alloc::boxed::Box;
    pub use core::{
        clone::Clone,
        default::Default,
        fmt::Debug,
        marker::Copy,
        mem::{align_of, size_of},
        result::Result,
    };
    #[cfg(feature = "serde")]
    pub use serde;

    /// Copies `source`'s parameters into `target`, each cast to `target`'s scalar type: the
    /// conversion between a network and its `#[backprop(variant(...))]` companions, which
    /// have the same layout.
    pub fn cast_parameters<A: Parameters, B: Parameters>(source: &A, target: &mut B) {
        use crate::Scalar;
        for (to, &from) in target.as_mut_slice().iter_mut().zip(source.as_slice()) {
            *to = B::Scalar::from_f64(from.to_f64());
        }
    }

    /// Copies `from` into `to`, each value cast to `to`'s scalar type: the conversion between
    /// the states of a recurrent network's variants, which have the same layout.
    pub fn cast_values<A: crate::Scalar, B: crate::Scalar>(from: &[A], to: &mut [B]) {
        for (to, &from) in to.iter_mut().zip(from) {
            *to = B::from_f64(from.to_f64());
        }
    }

    /// Views a parameter struct as one flat slice of its scalars.
    ///
    /// # Safety
    ///
    /// `S` must be `#[repr(C)]` and contain nothing but fields of type `T` and arrays
    /// (of arrays) of `T`, so that it has no padding and every byte belongs to a `T`, and
    /// it must be aligned as `T` (not `packed`). Generated code calls this only on the
    /// structs it declares so, and asserts at compile time that each one's size is a whole
    /// number of `T`s and its alignment that of `T`.
    #[inline(always)]
    pub unsafe fn as_flat<S, T>(value: &S) -> &[T] {
        let len = size_of::<S>() / size_of::<T>();
        // SAFETY: by the caller's contract `S` is exactly `len` consecutive `T`s, aligned
        // as `T`, and the borrow of `value` outlives the slice.
        unsafe { core::slice::from_raw_parts((value as *const S).cast::<T>(), len) }
    }

    /// The mutable twin of [`as_flat`].
    ///
    /// # Safety
    ///
    /// As for [`as_flat`].
    #[inline(always)]
    pub unsafe fn as_flat_mut<S, T>(value: &mut S) -> &mut [T] {
        let len = size_of::<S>() / size_of::<T>();
        // SAFETY: as in `as_flat`; the exclusive borrow of `value` moves to the slice.
        unsafe { core::slice::from_raw_parts_mut((value as *mut S).cast::<T>(), len) }
    }
}
