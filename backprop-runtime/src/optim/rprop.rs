//! Resilient backpropagation.

use core::fmt;

use num_traits::{Float, Zero};

use super::Optimizer;
use crate::{Network, Parameters, Scalar};

/// iRPROP- (Igel & Huesken, 2000), the variant FANN trains with by default: each weight has
/// its own step size, which grows by `increase` while the gradient keeps its sign and
/// shrinks by `decrease` when it flips; the weight moves by the step against the sign of its
/// gradient. After a flip the gradient is forgotten and the weight rests for one step.
///
/// RPROP uses only the sign of the gradient, so it needs the gradient of the whole training
/// set (or a large batch): pair it with [`crate::batch_gradient`].
pub struct Rprop<N: Network> {
    /// The factor a step grows by, usually 1.2.
    pub increase: N::Scalar,
    /// The factor a step shrinks by, usually 0.5.
    pub decrease: N::Scalar,
    /// The smallest step, usually 1e-6.
    pub min_step: N::Scalar,
    /// The largest step, usually 50.
    pub max_step: N::Scalar,
    step_sizes: N::Grads,
    previous: N::Grads,
}

impl<N: Network> Rprop<N> {
    /// iRPROP- with FANN's defaults: initial step 0.1, increase 1.2, decrease 0.5, steps
    /// between 1e-6 and 50.
    pub fn new() -> Self {
        Self::with_initial_step(N::Scalar::from_f64(0.1))
    }

    /// iRPROP- whose steps all start at `initial_step`.
    pub fn with_initial_step(initial_step: N::Scalar) -> Self {
        let mut step_sizes = N::Grads::default();
        step_sizes.as_mut_slice().fill(initial_step);
        Rprop {
            increase: N::Scalar::from_f64(1.2),
            decrease: N::Scalar::from_f64(0.5),
            min_step: N::Scalar::from_f64(1e-6),
            max_step: N::Scalar::from_f64(50.0),
            step_sizes,
            previous: N::Grads::default(),
        }
    }

    /// The current step size of every parameter.
    pub fn step_sizes(&self) -> &N::Grads {
        &self.step_sizes
    }
}

impl<N: Network> Default for Rprop<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: Network> Optimizer<N> for Rprop<N> {
    fn step(&mut self, network: &mut N, grads: &N::Grads) {
        let zero = N::Scalar::zero();
        let updates = network
            .as_mut_slice()
            .iter_mut()
            .zip(self.step_sizes.as_mut_slice())
            .zip(self.previous.as_mut_slice())
            .zip(grads.as_slice());
        for (((w, step), previous), &g) in updates {
            let agreement = *previous * g;
            if agreement > zero {
                *step = (*step * self.increase).min(self.max_step);
            } else if agreement < zero {
                *step = (*step * self.decrease).max(self.min_step);
                *previous = zero;
                continue;
            }
            if g > zero {
                *w = *w - *step;
            } else if g < zero {
                *w = *w + *step;
            }
            *previous = g;
        }
    }
}

impl<N: Network> fmt::Debug for Rprop<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rprop")
            .field("increase", &self.increase.to_f64())
            .field("decrease", &self.decrease.to_f64())
            .field("min_step", &self.min_step.to_f64())
            .field("max_step", &self.max_step.to_f64())
            .finish_non_exhaustive()
    }
}
