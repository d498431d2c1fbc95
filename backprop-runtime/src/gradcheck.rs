//! Checking a backward pass against central finite differences.

use core::fmt;

use num_traits::{Float, One};

use crate::{Network, Parameters, Scalar};

/// Gradients smaller than this count as this large when errors are made relative, so that
/// the rounding noise of a finite difference on a near-zero gradient is not reported as a
/// large relative error.
pub const RELATIVE_ERROR_FLOOR: f64 = 1e-4;

/// The outcome of [`gradcheck`]: the parameter whose analytic gradient disagrees most with
/// its central finite difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// `|analytic - numeric| / max(|analytic|, |numeric|, RELATIVE_ERROR_FLOOR)` at the worst
    /// parameter; `0` for a network without parameters.
    pub worst_relative_error: f64,
    /// The name of the worst parameter, as written in `network!`.
    pub parameter: &'static str,
    /// Its index in the flat parameter view.
    pub index: usize,
    /// The gradient computed by the network's backward pass.
    pub analytic: f64,
    /// The central finite difference closest to `analytic` (see [`gradcheck`]).
    pub numeric: f64,
    /// The largest `worst_relative_error` that [`GradCheck::passes`] accepts for the
    /// network's scalar type: [`TOLERANCE_F64`] or [`TOLERANCE_F32`].
    pub tolerance: f64,
}

/// What a correct backward pass reaches in `f64`: our own tests see about `1e-10` on smooth
/// networks, and `1e-6` leaves room for kinks and large weights.
pub const TOLERANCE_F64: f64 = 1e-6;

/// What a correct backward pass reaches in `f32` on smooth networks (measured: below `2.2e-2`
/// over fifty random tanh classifiers, from the rounding of `J` in `f32` divided by a step of
/// about `5e-3`). Coarse: an `f32` check finds a wrong formula, not a small error, and a
/// `relu` whose pre-activation lies within a step of 0 can fail it though correct. For a
/// precise verdict, check the same declaration in `f64`.
pub const TOLERANCE_F32: f64 = 5e-2;

/// What a correct `f32` backward pass reaches against `f64` finite differences
/// ([`gradcheck_in`]): its own rounding, a few `f32` ulps, with room for long sums.
pub const TOLERANCE_WIDE: f64 = 1e-4;

impl GradCheck {
    /// Whether the worst relative error is within the tolerance of the network's scalar
    /// type (a NaN error never passes).
    #[must_use]
    pub fn passes(&self) -> bool {
        self.worst_relative_error <= self.tolerance
    }
}

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passes() { "passes" } else { "FAILS" };
        write!(
            f,
            "{verdict}: worst relative error {:.3e} (tolerance {:.0e}) at `{}` (flat index {}): backward {:e}, finite difference {:e}",
            self.worst_relative_error,
            self.tolerance,
            self.parameter,
            self.index,
            self.analytic,
            self.numeric
        )
    }
}

/// Compares `network.backward` with central finite differences of `J` at one sample,
/// parameter by parameter, and reports the worst disagreement.
///
/// Two central differences are taken per parameter: the second-order one
/// `(J(w + h) - J(w - h)) / 2h` with `h = cbrt(epsilon) * max(1, |w|)`, reliable next to a
/// kink such as `relu` at 0, and the fourth-order one
/// `(J(w - 2h) - 8 J(w - h) + 8 J(w + h) - J(w + 2h)) / 12h` with
/// `h = epsilon^(1/5) * max(1, |w|)`, which rounds far less on smooth functions. The one
/// closer to the backward pass is reported: a wrong gradient disagrees with both.
/// [`GradCheck::passes`] judges the result against [`TOLERANCE_F64`] or [`TOLERANCE_F32`]:
/// in `f64` expect relative errors around `1e-10`; checking in `f32` is much coarser (see
/// [`TOLERANCE_F32`]).
///
/// The network itself is not changed (the differences are taken on a copy).
pub fn gradcheck<N: Network>(network: &N, input: &N::Input, target: &N::Target) -> GradCheck {
    let analytic = network.backward(&network.forward(input), target);
    let analytic = |index: usize| analytic.as_slice()[index].to_f64();
    compare(
        network.clone(),
        input,
        target,
        analytic,
        tolerance::<N::Scalar>(),
    )
}

/// [`gradcheck`] of an `f32` network whose finite differences are taken in `W`, its `f64`
/// variant (`#[backprop(variant(NetF64, scalar = f64))]`): the backward pass of `network`
/// itself is checked, against differences precise enough to judge it, with
/// [`TOLERANCE_WIDE`].
///
/// ```
/// use backprop_runtime::{gradcheck::gradcheck_in, network, ClassTarget};
///
/// network! {
///     /// A relu classifier in f32, with an f64 variant for checking.
///     #[backprop(variant(ClassifierF64, scalar = f64))]
///     pub struct Classifier<f32> {
///         input x[3];
///         layer h[8] = relu(W1 * x + b1);
///         output logits[3] = identity(W2 * h + b2);
///         loss softmax_cross_entropy;
///     }
/// }
///
/// let mut net = Classifier::default();
/// for (k, w) in net.as_mut_slice().iter_mut().enumerate() {
///     *w = ((k * 37 % 17) as f32 - 8.0) / 10.0;
/// }
/// let check = gradcheck_in::<ClassifierF64, _>(&net, &[0.3, -1.2, 0.8], &ClassTarget::Index(2));
/// assert!(check.passes(), "{check}");
/// ```
pub fn gradcheck_in<W, N>(network: &N, input: &N::Input, target: &N::Target) -> GradCheck
where
    N: Network,
    W: Network<Scalar = f64> + for<'a> From<&'a N>,
    N::Input: Cast<W::Input>,
    N::Target: Cast<W::Target>,
{
    let analytic = network.backward(&network.forward(input), target);
    let analytic = |index: usize| analytic.as_slice()[index].to_f64();
    compare(
        W::from(network),
        &input.cast(),
        &target.cast(),
        analytic,
        TOLERANCE_WIDE,
    )
}

/// Judges `analytic(index)`, the gradient of every parameter, against finite differences
/// of `probe`'s loss.
fn compare<W: Network>(
    probe: W,
    input: &W::Input,
    target: &W::Target,
    analytic: impl Fn(usize) -> f64,
    tolerance: f64,
) -> GradCheck {
    let loss = |network: &W| W::trace_loss(&network.forward(input), target).to_f64();
    compare_loss(probe, loss, analytic, tolerance)
}

/// Judges `analytic(index)`, the gradient of every parameter, against finite differences
/// of `loss`, a function of `probe`'s parameters.
fn compare_loss<W: Parameters>(
    mut probe: W,
    loss: impl Fn(&W) -> f64,
    analytic: impl Fn(usize) -> f64,
    tolerance: f64,
) -> GradCheck {
    let small = W::Scalar::epsilon().cbrt();
    let large = W::Scalar::epsilon().powf(W::Scalar::from_f64(0.2));
    let mut worst: Option<GradCheck> = None;
    for index in 0..probe.as_slice().len() {
        let original = probe.as_slice()[index];
        let scale = original.abs().max(W::Scalar::one());
        let mut loss_at = |step: W::Scalar, multiple: f64| {
            probe.as_mut_slice()[index] = original + step * scale * W::Scalar::from_f64(multiple);
            loss(&probe)
        };
        // Second order with a small step: robust next to a kink (relu at 0).
        let second_order =
            (loss_at(small, 1.0) - loss_at(small, -1.0)) / (2.0 * (small * scale).to_f64());
        // Fourth order with a larger step: far less rounding on smooth functions.
        let fourth_order = (loss_at(large, -2.0) - 8.0 * loss_at(large, -1.0)
            + 8.0 * loss_at(large, 1.0)
            - loss_at(large, 2.0))
            / (12.0 * (large * scale).to_f64());
        probe.as_mut_slice()[index] = original;
        // A wrong gradient disagrees with both estimates; the closer one is kept.
        let analytic = analytic(index);
        let numeric = if (second_order - analytic).abs() <= (fourth_order - analytic).abs() {
            second_order
        } else {
            fourth_order
        };
        let scale = analytic.abs().max(numeric.abs()).max(RELATIVE_ERROR_FLOOR);
        let relative = (analytic - numeric).abs() / scale;
        // A NaN error is the worst there is: it replaces anything and nothing replaces it.
        let replaces = worst.as_ref().is_none_or(|worst| {
            let so_far = worst.worst_relative_error;
            !so_far.is_nan() && (relative.is_nan() || relative > so_far)
        });
        if replaces {
            worst = Some(GradCheck {
                worst_relative_error: relative,
                parameter: W::name_of(index).unwrap_or("?"),
                index,
                analytic,
                numeric,
                tolerance,
            });
        }
    }
    // Every network has at least one weight, so `worst` is set; the fallback is never seen.
    worst.unwrap_or(GradCheck {
        worst_relative_error: 0.0,
        parameter: "?",
        index: 0,
        analytic: 0.0,
        numeric: 0.0,
        tolerance,
    })
}

/// [`gradcheck`] for a recurrent network on a whole sequence: the gradient of
/// backpropagation through time ([`crate::recurrent::sequence_gradient`], full horizon)
/// against central finite differences of the sequence's loss. `traces` is a buffer at least
/// as long as the sequence.
///
/// # Errors
///
/// The errors of [`crate::recurrent::sequence_gradient`] for a malformed sequence, or a
/// loss or gradient that is not finite at the network's own parameters.
pub fn gradcheck_sequence<N: crate::Recurrent>(
    network: &N,
    inputs: &[N::Input],
    targets: crate::recurrent::Targets<'_, N::Target>,
    traces: &mut [N::Trace],
) -> Result<GradCheck, crate::Error> {
    let loss = |network: &N| {
        crate::recurrent::sequence_loss(network, inputs, targets)
            .map_or(f64::NAN, |loss| loss.to_f64())
    };
    crate::heap::with_buffer(|grads: &mut N::Grads| {
        crate::recurrent::sequence_gradient(
            network,
            inputs,
            targets,
            crate::recurrent::Horizon::Full,
            traces,
            grads,
        )?;
        Ok(compare_loss(
            network.clone(),
            loss,
            |index| grads.as_slice()[index].to_f64(),
            tolerance::<N::Scalar>(),
        ))
    })
}

/// A value converted to another scalar type, element by element: inputs and targets of a
/// network, for its variant in another type.
pub trait Cast<To> {
    /// `self` in the other type (rounded to nearest when narrowing).
    fn cast(&self) -> To;
}

impl<A: Scalar, B: Scalar, const N: usize> Cast<[B; N]> for [A; N] {
    fn cast(&self) -> [B; N] {
        self.map(|value| B::from_f64(value.to_f64()))
    }
}

impl<A: Scalar, B: Scalar, const N: usize> Cast<crate::ClassTarget<B, N>>
    for crate::ClassTarget<A, N>
{
    fn cast(&self) -> crate::ClassTarget<B, N> {
        match self {
            crate::ClassTarget::Index(class) => crate::ClassTarget::Index(*class),
            crate::ClassTarget::Distribution(p) => crate::ClassTarget::Distribution(p.cast()),
        }
    }
}

/// The tolerance of a scalar type.
fn tolerance<T: Scalar>() -> f64 {
    match T::KIND {
        crate::ScalarKind::F32 => TOLERANCE_F32,
        crate::ScalarKind::F64 => TOLERANCE_F64,
    }
}
