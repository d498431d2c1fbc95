//! Plain stochastic gradient descent.

use super::Optimizer;
use crate::{sgd_update, Network};

/// `w = w - learning_rate * g`: the update of the backprop notes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd<T> {
    /// The step size.
    pub learning_rate: T,
}

impl<T> Sgd<T> {
    /// Plain gradient descent with the given step size.
    pub fn new(learning_rate: T) -> Self {
        Sgd { learning_rate }
    }
}

impl<N: Network> Optimizer<N> for Sgd<N::Scalar> {
    fn step(&mut self, network: &mut N, grads: &N::Grads) {
        sgd_update(network, grads, self.learning_rate);
    }
}
