//! Gradient descent with momentum.

use core::fmt;

use super::Optimizer;
use crate::{Network, Parameters, Scalar};

/// SGD with momentum, as PyTorch's `SGD(momentum = mu)` without dampening:
/// `v = mu v + g`, then `w = w - learning_rate * v`. The velocity starts at zero.
pub struct Momentum<N: Network> {
    /// The step size.
    pub learning_rate: N::Scalar,
    /// How much of the previous velocity is kept, usually 0.9.
    pub momentum: N::Scalar,
    velocity: N::Grads,
}

impl<N: Network> Momentum<N> {
    /// Momentum with the given step size and momentum coefficient.
    pub fn new(learning_rate: N::Scalar, momentum: N::Scalar) -> Self {
        Momentum {
            learning_rate,
            momentum,
            velocity: N::Grads::default(),
        }
    }

    /// The current velocity of every parameter.
    pub fn velocity(&self) -> &N::Grads {
        &self.velocity
    }
}

impl<N: Network> Optimizer<N> for Momentum<N> {
    fn step(&mut self, network: &mut N, grads: &N::Grads) {
        let updates = network
            .as_mut_slice()
            .iter_mut()
            .zip(self.velocity.as_mut_slice())
            .zip(grads.as_slice());
        for ((w, v), &g) in updates {
            *v = self.momentum * *v + g;
            *w = *w - self.learning_rate * *v;
        }
    }
}

impl<N: Network> fmt::Debug for Momentum<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Momentum")
            .field("learning_rate", &self.learning_rate.to_f64())
            .field("momentum", &self.momentum.to_f64())
            .finish_non_exhaustive()
    }
}
