//! Plain stochastic gradient descent.

use super::{apply_checked, Optimizer};
use crate::train::check_learning_rate;
use crate::{Error, Network, Scalar};

/// `w = w - learning_rate * g`: the update of the backprop notes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd<T> {
    /// The step size: finite and not negative.
    pub learning_rate: T,
}

impl<T: Scalar> Sgd<T> {
    /// Plain gradient descent with the given step size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLearningRate`] if `learning_rate` is negative, NaN or infinite.
    pub fn new(learning_rate: T) -> Result<Self, Error> {
        check_learning_rate(learning_rate)?;
        Ok(Sgd { learning_rate })
    }
}

impl<N: Network> Optimizer<N> for Sgd<N::Scalar> {
    fn learning_rate_mut(&mut self) -> Option<&mut N::Scalar> {
        Some(&mut self.learning_rate)
    }

    #[inline]
    fn step(&mut self, network: &mut N, grads: &N::Grads) -> Result<(), Error> {
        let learning_rate = self.learning_rate;
        check_learning_rate(learning_rate)?;
        apply_checked(network, [], grads, |w, [], g| (w - learning_rate * g, []))
    }
}
