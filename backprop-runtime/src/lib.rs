//! Backpropagation as generated code.
//!
//! The [`network!`] macro turns a declarative description of a small neural network into
//! plain Rust: a struct with one named field per weight and bias, a forward pass and a
//! backward pass written out edge by edge, and an SGD update. There is no runtime graph, no
//! tape and no allocation in a training step.
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
//! let mut net = SeedNet { w11: 0.1, w21: 0.2, u1: 0.5, ..SeedNet::default() };
//! let trace = net.forward(&[1.0, 2.0]);
//! let grads = net.backward(&trace, &[0.5]);
//! // h1 feeds h3 and h4, but v12 = 0, so only the path through h3 carries gradient:
//! // dJ/dw11 = (o - t) cos(z_o) u1 * 2 * v11 * x1, and v11 = 0 too.
//! assert_eq!(grads.w11, 0.0);
//! let loss = net.train_step(&[1.0, 2.0], &[0.5], 0.1)?;
//! assert!(loss > 0.0);
//! # Ok::<(), backprop_runtime::Error>(())
//! ```
//!
//! Everything generated code needs lives here: the [`Network`] and [`Parameters`] traits,
//! the [`activation`] and [`loss`] functions, [`train_step`] and [`gradcheck`].
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "serde")]
extern crate alloc;

pub mod activation;
mod batch;
pub mod dense;
mod error;
pub mod gradcheck;
pub mod init;
pub mod loss;
mod network;
pub mod optim;
#[cfg(feature = "safetensors")]
pub mod safetensors;
mod scalar;
#[cfg(feature = "serde")]
mod serde_support;
mod train;

pub use backprop_macros::network;
pub use batch::{batch_gradient, train_batch, train_batch_with};
#[cfg(feature = "rayon")]
pub use batch::{batch_gradient_parallel, train_batch_parallel};
pub use error::Error;
pub use gradcheck::{gradcheck, GradCheck};
pub use loss::ClassTarget;
pub use network::{Network, ParameterInfo, ParameterKind, Parameters};
pub use scalar::Scalar;
pub use train::{check_finite, sgd_update, train_step, train_step_with};

/// Without the `serde` feature, generated structs get no serde impls.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_serde {
    ($name:ident) => {};
}

/// What generated code names, behind one door so that user items of the same names cannot
/// shadow them. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::activation as act;
    pub use crate::dense;
    pub use crate::loss;
    #[cfg(feature = "serde")]
    pub use crate::serde_support::{deserialize_parameters, serialize_parameters};
    pub use crate::{
        sgd_update, train_batch, train_step, ClassTarget, Error, Network, ParameterInfo,
        ParameterKind, Parameters,
    };
    pub use core::{
        clone::Clone, default::Default, fmt::Debug, marker::Copy, mem::size_of, result::Result,
    };
    #[cfg(feature = "serde")]
    pub use serde;

    /// Views a parameter struct as one flat slice of its scalars.
    ///
    /// # Safety
    ///
    /// `S` must be `#[repr(C)]` and contain nothing but fields of type `T` and arrays
    /// (of arrays) of `T`, so that it has no padding and every byte belongs to a `T`.
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
