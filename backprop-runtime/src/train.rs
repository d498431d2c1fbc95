//! One training step, generic over every network.

use num_traits::{Float, Zero};

use crate::{Error, Network, Parameters, Scalar};

/// Plain gradient descent: `w = w - learning_rate * dJ/dw` for every parameter.
///
/// The types pair a network with its own gradients, so the two flat views always have the
/// same length.
#[inline]
pub fn sgd_update<N: Network>(network: &mut N, grads: &N::Grads, learning_rate: N::Scalar) {
    for (w, &g) in network.as_mut_slice().iter_mut().zip(grads.as_slice()) {
        *w = *w - learning_rate * g;
    }
}

/// Whether a generated fused SGD step (`Net::train_step`) may take its fast path: a valid
/// target and learning rate. Everything else goes to [`train_step`], which names the error.
#[inline]
fn fused_step_applies<N: Network>(target: &N::Target, learning_rate: N::Scalar) -> bool {
    N::validate_target(target).is_ok() && check_learning_rate(learning_rate).is_ok()
}

/// A network whose `train_step` the macro writes fused: the forward pass, every `dJ/dz`
/// with the old weights, the guard ([`SgdGuard`]), then every parameter updated in place.
/// Implemented by generated code; a trait, not an inherent method, so that its name can
/// never meet a method of the user's own.
#[doc(hidden)]
pub trait FusedStep: Network {
    /// Whether the step has loops worth compiling for AVX2 (a layer at least one AVX
    /// register wide): the step is then compiled a second time for it, chosen at run time.
    /// For a network of single neurons or narrow layers the choice would cost more than it
    /// gains.
    const WIDE: bool;

    /// The fused step, for a valid target and learning rate: the loss once every parameter
    /// is updated, or `None`, with nothing changed, if the loss is not finite or the guard
    /// refuses the step.
    fn fused_step(
        &mut self,
        input: &Self::Input,
        target: &Self::Target,
        learning_rate: Self::Scalar,
    ) -> Option<Self::Scalar>;
}

/// A generated `train_step`: [`FusedStep::fused_step`] (compiled for AVX2 where the CPU has
/// it and the network is [`FusedStep::WIDE`]) when the target and learning rate are valid,
/// and [`train_step_refused`] for everything it does not take.
///
/// The step is an `#[inline(always)]` trait method called from a function of its own
/// compiled for AVX2 ([`fused_step_avx2`]), not a closure run by [`crate::wide::wide`]: a
/// closure this large, instantiated for both paths, is not inlined into the AVX2 function,
/// and its code then stays SSE (the sine step measured the same as without the AVX2 copy).
#[doc(hidden)]
#[inline(always)]
pub fn fused_train_step<N: FusedStep>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    if fused_step_applies::<N>(target, learning_rate) {
        if let Some(loss) = fused_step(network, input, target, learning_rate) {
            return Ok(loss);
        }
    }
    train_step_refused(network, input, target, learning_rate)
}

/// [`FusedStep::fused_step`], compiled for AVX2 and FMA if the network is
/// [`FusedStep::WIDE`] and the CPU has them.
#[inline(always)]
fn fused_step<N: FusedStep>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Option<N::Scalar> {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if N::WIDE && crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        return unsafe { fused_step_avx2(network, input, target, learning_rate) };
    }
    network.fused_step(input, target, learning_rate)
}

/// [`FusedStep::fused_step`] compiled for AVX2 and FMA.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn fused_step_avx2<N: FusedStep>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Option<N::Scalar> {
    network.fused_step(input, target, learning_rate)
}

/// The guard of a generated fused SGD step, which updates each weight in place as soon as
/// every `dJ/dz` is known, with no gradient struct and so nothing to roll back to. Before
/// the first update it is told, for each weighted edge, the deltas `dz` and the source
/// values `x` whose products are that edge's gradients (for a bias, the deltas alone), and
/// it allows the updates only if none can be NaN or infinite: every `dz` and `x` finite,
/// every product `|dz x|` at most the largest finite value (so every gradient is finite),
/// and `learning_rate * max |dz x|` below a quarter of an ulp of the largest finite value
/// relative to 1 (`MAX * EPSILON / 4`). Then `|w - lr g| < MAX + ulp(MAX) / 2` for any
/// finite `w`, which rounds to a finite value: no update can overflow, whatever the weights.
///
/// The test is exact for the gradients of an edge between arrays (the largest `|dz_i x_j|`
/// is the largest `|dz|` times the largest `|x|`), conservative for the single neurons'
/// scalar weights and biases, which the generated step notes as one edge (all their
/// deltas against all their sources and 1, so that each gradient is bounded by two short
/// passes instead of one note each), and conservative for the updates; a step it refuses
/// is taken, or reported, by [`train_step`], whose checks are exact. Cost: one pass over
/// the deltas and source values, not over the weights.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct SgdGuard<T> {
    learning_rate: T,
    /// The largest `|dz x|` seen so far, or an infinity or NaN once any was one
    /// ([`Scalar::largest_magnitude`] of it and each new note: for `f32` one integer
    /// maximum of the magnitudes' bits per note, with no separate check for NaN).
    largest: T,
    /// The largest `|dz|` of the layer being noted (infinity or NaN if any is one).
    layer_deltas: T,
}

impl<T: Scalar> SgdGuard<T> {
    /// A guard for steps of `learning_rate` (already checked to be finite and not negative).
    #[inline]
    #[must_use]
    pub fn new(learning_rate: T) -> Self {
        SgdGuard {
            learning_rate,
            largest: T::zero(),
            layer_deltas: T::zero(),
        }
    }

    /// Notes one gradient (of a single weight or bias), as computed.
    #[inline(always)]
    pub fn gradient(&mut self, gradient: T) {
        self.largest = T::largest_magnitude(&[self.largest, gradient]);
    }

    /// Notes an edge whose gradients are `dz_i x_j`.
    #[inline(always)]
    pub fn edge<const M: usize, const N: usize>(&mut self, deltas: &[T; M], sources: &[T; N]) {
        self.gradient(T::largest_magnitude(deltas) * T::largest_magnitude(sources));
    }

    /// Starts a layer: its deltas, whose largest magnitude [`Self::source`] and
    /// [`Self::bias`] then read, so it is found once per layer.
    #[inline(always)]
    pub fn layer<const N: usize>(&mut self, deltas: &[T; N]) {
        self.layer_deltas = T::largest_magnitude(deltas);
    }

    /// Notes an edge into the current layer from `sources` (gradients `dz_i x_j`).
    #[inline(always)]
    pub fn source<const N: usize>(&mut self, sources: &[T; N]) {
        self.gradient(self.layer_deltas * T::largest_magnitude(sources));
    }

    /// Notes the current layer's bias (gradients `dz_i`).
    #[inline(always)]
    pub fn bias(&mut self) {
        self.gradient(self.layer_deltas);
    }

    /// Whether every update is certain to be finite.
    #[inline(always)]
    #[must_use]
    pub fn allows(&self) -> bool {
        let quarter_ulp = T::max_value() * (T::epsilon() / T::from_f64(4.0));
        // NaN and infinity fail both comparisons. (A product of the largest delta and
        // source that is NaN, `0 * inf`, is a NaN noted like any other.)
        self.largest <= T::max_value() && self.learning_rate * self.largest < quarter_ulp
    }
}

/// The first gradient that is NaN or infinite, as an error naming its parameter.
///
/// # Errors
///
/// [`Error::NonFiniteGradient`] for the first non-finite entry in flat order.
pub fn check_finite<G: Parameters>(grads: &G) -> Result<(), Error> {
    match grads.as_slice().iter().position(|g| !g.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFiniteGradient {
            parameter: G::name_of(index).unwrap_or("?"),
            value: grads.as_slice()[index].to_f64(),
        }),
    }
}

/// A learning rate must be finite and not negative.
pub(crate) fn check_learning_rate<T: Scalar>(learning_rate: T) -> Result<(), Error> {
    if learning_rate.is_finite() && learning_rate >= T::zero() {
        Ok(())
    } else {
        Err(Error::InvalidLearningRate {
            learning_rate: learning_rate.to_f64(),
        })
    }
}

/// The loss, or [`Error::NonFiniteLoss`].
pub(crate) fn finite_loss<T: Scalar>(loss: T) -> Result<T, Error> {
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(Error::NonFiniteLoss {
            loss: loss.to_f64(),
        })
    }
}

/// One step of stochastic gradient descent on one sample: forward, loss, backward, update.
/// Returns the loss before the update.
///
/// # Errors
///
/// - [`Error::InvalidLearningRate`] if `learning_rate` is negative or not finite;
/// - the error of [`Network::validate_target`] for an invalid target (a class that does
///   not exist);
/// - [`Error::NonFiniteLoss`] if the loss is NaN or infinite;
/// - [`Error::NonFiniteGradient`] if any gradient is NaN or infinite;
/// - [`Error::NonFiniteParameter`] if the update would make a parameter NaN or infinite.
///
/// In every error case the parameters are left exactly as they were.
#[inline]
pub fn train_step<N: Network>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    train_step_with(
        network,
        &mut crate::optim::Sgd::new(learning_rate)?,
        input,
        target,
    )
}

/// [`train_step`] out of line and marked cold: where a generated fused step sends what its
/// guard refuses, so that the general step's code is not inlined into the fused one (which
/// it would double in size, for a path taken only on bad input).
#[cold]
#[inline(never)]
fn train_step_refused<N: Network>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    train_step(network, input, target, learning_rate)
}

/// One step on one sample with any optimizer: forward, loss, backward, then
/// `optimizer.step`. Returns the loss before the update.
///
/// The gradient lives on the stack, or on the heap for a network whose gradients are
/// larger than [`crate::STACK_BUFFER_LIMIT`]: with `std` a buffer each thread keeps and
/// reuses (allocated by its first step), without it one allocated per call (to train a
/// large network without allocating there, keep a `NetGrads::boxed()` and call
/// `backward_accumulate` and `optimizer.step` yourself).
///
/// # Errors
///
/// As [`train_step`] (but the learning rate is the optimizer's own); on any error neither
/// the parameters nor the optimizer's state change.
pub fn train_step_with<N: Network, O: crate::optim::Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    input: &N::Input,
    target: &N::Target,
) -> Result<N::Scalar, Error> {
    N::validate_target(target)?;
    let trace = network.forward(input);
    let loss = N::trace_loss(&trace, target);
    if !loss.is_finite() {
        return Err(Error::NonFiniteLoss {
            loss: loss.to_f64(),
        });
    }
    if crate::heap::is_large::<N::Grads>() {
        crate::heap::with_buffer(|grads: &mut N::Grads| {
            // -0.0, the neutral start of a sum, as in `Network::backward`.
            grads.as_mut_slice().fill(-N::Scalar::zero());
            network.backward_accumulate(&trace, target, grads);
            optimizer.step(network, grads)
        })?;
    } else {
        // Its own function, so that an unoptimised build does not reserve stack for these
        // gradients when the branch above is the one taken.
        backward_on_stack(network, optimizer, &trace, target)?;
    }
    Ok(loss)
}

/// The backward pass into gradients on the stack, then the optimizer's step.
#[inline]
fn backward_on_stack<N: Network, O: crate::optim::Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    trace: &N::Trace,
    target: &N::Target,
) -> Result<(), Error> {
    let grads = network.backward(trace, target);
    optimizer.step(network, &grads)
}

#[cfg(test)]
mod tests {
    use super::SgdGuard;

    #[test]
    fn the_guard_allows_finite_steps_and_refuses_the_rest() {
        let allows = |deltas: [f32; 3], sources: [f32; 2], learning_rate: f32| {
            let mut guard = SgdGuard::new(learning_rate);
            guard.layer(&deltas);
            guard.source(&sources);
            guard.bias();
            guard.allows()
        };
        assert!(allows([0.5, -2.0, 0.0], [3.0, -1.0], 0.1));
        assert!(allows([0.0; 3], [0.0; 2], 0.0));
        // Any NaN or infinity, even against zeros (`0 * inf` is NaN).
        assert!(!allows([0.5, f32::NAN, 0.0], [3.0, -1.0], 0.1));
        assert!(!allows([0.0; 3], [f32::INFINITY, 1.0], 0.1));
        assert!(!allows([f32::NEG_INFINITY, 0.0, 0.0], [0.0; 2], 0.1));
        // A product past the largest value; a step past a quarter ulp of it (about 1e31),
        // and one below.
        assert!(!allows([1e30, 0.0, 0.0], [1e10, 0.0], 1e-30));
        assert!(!allows([1e30, 0.0, 0.0], [1e5, 0.0], 1e-3));
        assert!(allows([1e30, 0.0, 0.0], [1e5, 0.0], 1e-5));
    }

    #[test]
    fn a_non_finite_note_stays_noted() {
        let mut guard = SgdGuard::new(0.1_f64);
        guard.edge(&[f64::NAN], &[1.0]);
        guard.edge(&[1.0, 2.0], &[f64::INFINITY]);
        guard.edge(&[1.0], &[1.0]);
        assert!(!guard.allows());
    }
}
