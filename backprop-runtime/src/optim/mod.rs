//! Optimizers over the flat parameters of any network: each keeps its state in gradient-
//! shaped structs of the network, made once when the optimizer is built (on the heap with
//! the `alloc` feature, so that a network of any size fits; inline without it), and
//! allocates nothing per step.
//!
//! Every optimizer checks its settings when it is built and again at every step (its
//! fields are public, for schedules), and a step is all or nothing: if any parameter or
//! state value would become NaN or infinite, the step returns an error and changes neither
//! the network nor the optimizer.
//!
//! ```
//! use backprop_runtime::{network, optim::{Adam, Optimizer}, train_step_with};
//!
//! network! {
//!     /// y = w x + b
//!     pub struct Line<f64> {
//!         input x;
//!         output y = identity(w * x + b);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let mut line = Line::default();
//! let mut adam = Adam::new(0.1)?;
//! for _ in 0..500 {
//!     for (x, y) in [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)] {
//!         train_step_with(&mut line, &mut adam, &[x], &[y])?;
//!     }
//! }
//! assert!((line.w - 2.0).abs() < 1e-2 && (line.b - 1.0).abs() < 1e-2);
//! # Ok::<(), backprop_runtime::Error>(())
//! ```

mod adam;
#[cfg(feature = "alloc")]
mod checkpoint;
mod momentum;
mod rprop;
mod sgd;
#[cfg(feature = "serde")]
mod state;

pub use adam::Adam;
#[cfg(feature = "alloc")]
pub use checkpoint::{Checkpoint, StateNames};
pub use momentum::Momentum;
pub use rprop::Rprop;
pub use sgd::Sgd;

use num_traits::Float;

use crate::{Error, Network, Parameters, Scalar};

/// A rule that turns gradients into a parameter update.
pub trait Optimizer<N: Network> {
    /// Updates every parameter of `network` from `grads`, the gradient of the loss.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLearningRate`] or [`Error::InvalidSetting`] for a setting out of its
    /// range, [`Error::NonFiniteGradient`] for a NaN or infinite gradient, and
    /// [`Error::NonFiniteParameter`] if the update would make a parameter or the
    /// optimizer's state NaN or infinite. On error, neither `network` nor the optimizer
    /// changed: an implementation checks everything before it writes anything.
    fn step(&mut self, network: &mut N, grads: &N::Grads) -> Result<(), Error>;

    /// One step from gradients summed over a batch, whose mean is `sums * scale`: what
    /// mini-batch training calls. The default forms the mean in `sums` and calls
    /// [`Optimizer::step`]; [`Sgd`] takes each mean on the way instead, one pass over the
    /// parameters fewer, with the same bits.
    ///
    /// # Errors
    ///
    /// As [`Optimizer::step`] on the mean gradient; on error neither `network` nor the
    /// optimizer changed (`sums` may hold the mean).
    fn step_on_sum(
        &mut self,
        network: &mut N,
        sums: &mut N::Grads,
        scale: N::Scalar,
    ) -> Result<(), Error> {
        scale_in_place(sums, scale);
        self.step(network, sums)
    }

    /// The optimizer's learning rate, for schedules to set (checked at the next step), or
    /// `None` for an optimizer without one (RPROP adapts its own steps).
    fn learning_rate_mut(&mut self) -> Option<&mut N::Scalar> {
        None
    }
}

/// `g = g * scale` for every gradient: a batch's sums made its mean.
#[inline]
pub(crate) fn scale_in_place<P: Parameters>(grads: &mut P, scale: P::Scalar) {
    for g in grads.as_mut_slice() {
        *g = *g * scale;
    }
}

/// `Ok` if `valid`, else the error naming `setting`, its value and its range.
pub(crate) fn check_setting<T: Scalar>(
    setting: &'static str,
    value: T,
    valid: bool,
    expected: &'static str,
) -> Result<(), Error> {
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            setting,
            value: value.to_f64(),
            expected,
        })
    }
}

/// Applies `rule`, `(w, state, g) -> (new w, new state)` with `K` state values per
/// parameter, to every parameter of `network`, but only if every new value is finite.
///
/// Two passes: the first computes every new value and checks it without writing, the
/// second computes it again and writes. Recomputing costs less than keeping a copy to roll
/// back to (no memory traffic, and the check pass vectorizes), and it keeps the promise of
/// [`Optimizer::step`]: a rejected step writes nothing.
pub(crate) fn apply_checked<N: Network, const K: usize>(
    network: &mut N,
    mut state: [&mut [N::Scalar]; K],
    grads: &N::Grads,
    rule: impl Fn(N::Scalar, [N::Scalar; K], N::Scalar) -> (N::Scalar, [N::Scalar; K]),
) -> Result<(), Error> {
    let weights = network.as_mut_slice();
    let len = weights.len();
    // One type's flat views all have its `LEN`; slicing to `len` lets the compiler drop the
    // bounds checks of the loops below.
    let grads = &grads.as_slice()[..len];
    for values in &mut state {
        *values = &mut core::mem::take(values)[..len];
    }
    let state_at = |state: &[&mut [N::Scalar]; K], i: usize| core::array::from_fn(|k| state[k][i]);
    let mut finite = true;
    for i in 0..len {
        let (w, s) = rule(weights[i], state_at(&state, i), grads[i]);
        finite &= s
            .iter()
            .fold(w.is_finite(), |all, value| all & value.is_finite());
    }
    if !finite {
        return Err(rejection::<N, K>(weights, &state, grads, &rule));
    }
    for i in 0..len {
        let (w, s) = rule(weights[i], state_at(&state, i), grads[i]);
        weights[i] = w;
        for (values, value) in state.iter_mut().zip(s) {
            values[i] = value;
        }
    }
    Ok(())
}

/// Why [`apply_checked`] rejected a step: the first non-finite gradient if there is one
/// (the cause), else the first parameter whose new value or state is not finite.
#[cold]
fn rejection<N: Network, const K: usize>(
    weights: &[N::Scalar],
    state: &[&mut [N::Scalar]; K],
    grads: &[N::Scalar],
    rule: &impl Fn(N::Scalar, [N::Scalar; K], N::Scalar) -> (N::Scalar, [N::Scalar; K]),
) -> Error {
    if let Some(index) = grads.iter().position(|g| !g.is_finite()) {
        return Error::NonFiniteGradient {
            parameter: N::name_of(index).unwrap_or("?"),
            value: grads[index].to_f64(),
        };
    }
    (0..weights.len())
        .find_map(|i| {
            let (w, s) = rule(weights[i], core::array::from_fn(|k| state[k][i]), grads[i]);
            core::iter::once(w)
                .chain(s)
                .find(|value| !value.is_finite())
                .map(|value| Error::NonFiniteParameter {
                    parameter: N::name_of(i).unwrap_or("?"),
                    value: value.to_f64(),
                })
        })
        .unwrap_or(Error::NonFiniteParameter {
            parameter: "?",
            value: f64::NAN,
        })
}
