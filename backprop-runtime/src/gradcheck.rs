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
    /// The central finite difference `(J(w + h) - J(w - h)) / 2h`.
    pub numeric: f64,
}

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "worst relative error {:.3e} at `{}` (flat index {}): backward {:e}, finite difference {:e}",
            self.worst_relative_error, self.parameter, self.index, self.analytic, self.numeric
        )
    }
}

/// Compares `network.backward` with central finite differences of `J` at one sample,
/// parameter by parameter, and reports the worst disagreement.
///
/// The step for parameter `w` is `cbrt(epsilon) * max(1, |w|)`, which balances the
/// truncation error of the central difference against rounding; in `f64` expect relative
/// errors around `1e-9` for smooth activations. Checking in `f32` is much coarser: compare
/// an `f32` network with an `f64` twin instead.
///
/// The network itself is not changed (the differences are taken on a copy).
pub fn gradcheck<N: Network>(network: &N, input: &N::Input, target: &N::Target) -> GradCheck {
    let analytic = network.backward(&network.forward(input), target);
    let mut probe = network.clone();
    let step_scale = N::Scalar::epsilon().cbrt();
    let mut worst = GradCheck {
        worst_relative_error: 0.0,
        parameter: "",
        index: 0,
        analytic: 0.0,
        numeric: 0.0,
    };
    for (index, &gradient) in analytic.as_slice().iter().enumerate() {
        let original = probe.as_slice()[index];
        let step = step_scale * original.abs().max(N::Scalar::one());
        let loss_at = |probe: &mut N, value: N::Scalar| {
            probe.as_mut_slice()[index] = value;
            N::loss(&probe.forward(input), target).to_f64()
        };
        let above = loss_at(&mut probe, original + step);
        let below = loss_at(&mut probe, original - step);
        probe.as_mut_slice()[index] = original;
        // The step actually taken, after rounding `original ± step` to the scalar type.
        let taken = ((original + step) - (original - step)).to_f64();
        let numeric = (above - below) / taken;
        let analytic = gradient.to_f64();
        let scale = analytic.abs().max(numeric.abs()).max(RELATIVE_ERROR_FLOOR);
        let relative = (analytic - numeric).abs() / scale;
        // A NaN error is the worst there is: it replaces anything and nothing replaces it.
        let worse = relative.is_nan() || relative > worst.worst_relative_error;
        let first = worst.parameter.is_empty();
        if first || (worse && !worst.worst_relative_error.is_nan()) {
            worst = GradCheck {
                worst_relative_error: relative,
                parameter: N::name_of(index).unwrap_or("?"),
                index,
                analytic,
                numeric,
            };
        }
    }
    worst
}
