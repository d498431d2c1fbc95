//! Adam.

use core::fmt;

use num_traits::{Float, One};

use super::Optimizer;
use crate::{Network, Parameters, Scalar};

/// Adam (Kingma & Ba, 2015): with `t` the step count from 1,
/// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.
pub struct Adam<N: Network> {
    /// The step size, `lr`.
    pub learning_rate: N::Scalar,
    /// The decay of the first moment, `b1`, usually 0.9.
    pub beta1: N::Scalar,
    /// The decay of the second moment, `b2`, usually 0.999.
    pub beta2: N::Scalar,
    /// Added to the denominator, `eps`, usually 1e-8.
    pub epsilon: N::Scalar,
    first_moment: N::Grads,
    second_moment: N::Grads,
    steps: i32,
}

impl<N: Network> Adam<N> {
    /// Adam with the given step size and the paper's defaults: `b1 = 0.9`, `b2 = 0.999`,
    /// `eps = 1e-8`.
    pub fn new(learning_rate: N::Scalar) -> Self {
        Adam {
            learning_rate,
            beta1: N::Scalar::from_f64(0.9),
            beta2: N::Scalar::from_f64(0.999),
            epsilon: N::Scalar::from_f64(1e-8),
            first_moment: N::Grads::default(),
            second_moment: N::Grads::default(),
            steps: 0,
        }
    }

    /// How many steps have been taken.
    pub fn steps(&self) -> i32 {
        self.steps
    }
}

impl<N: Network> Optimizer<N> for Adam<N> {
    fn step(&mut self, network: &mut N, grads: &N::Grads) {
        self.steps = self.steps.saturating_add(1);
        let one = N::Scalar::one();
        let first_correction = one - self.beta1.powi(self.steps);
        let second_correction = one - self.beta2.powi(self.steps);
        let updates = network
            .as_mut_slice()
            .iter_mut()
            .zip(self.first_moment.as_mut_slice())
            .zip(self.second_moment.as_mut_slice())
            .zip(grads.as_slice());
        for (((w, m), v), &g) in updates {
            *m = self.beta1 * *m + (one - self.beta1) * g;
            *v = self.beta2 * *v + (one - self.beta2) * g * g;
            let m_hat = *m / first_correction;
            let v_hat = *v / second_correction;
            *w = *w - self.learning_rate * m_hat / (v_hat.sqrt() + self.epsilon);
        }
    }
}

impl<N: Network> fmt::Debug for Adam<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adam")
            .field("learning_rate", &self.learning_rate.to_f64())
            .field("beta1", &self.beta1.to_f64())
            .field("beta2", &self.beta2.to_f64())
            .field("epsilon", &self.epsilon.to_f64())
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}
