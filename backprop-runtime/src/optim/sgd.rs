//! Plain stochastic gradient descent.

use num_traits::Float;

use super::{apply_checked, Optimizer};
use crate::train::check_learning_rate;
use crate::{Error, Network, Parameters, Scalar};

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

    #[inline]
    fn step_on_sum(
        &mut self,
        network: &mut N,
        sums: &mut N::Grads,
        scale: N::Scalar,
    ) -> Result<(), Error> {
        check_learning_rate(self.learning_rate)?;
        if step_on_sum_if_finite(network, sums, self.learning_rate, scale) {
            return Ok(());
        }
        // Rejected: the step on the mean names the cause, and writes nothing.
        super::scale_in_place(sums, scale);
        self.step(network, sums)
    }
}

/// `w = w - learning_rate * (sum * scale)` for every parameter, from gradients summed over
/// a batch: SGD on the mean gradient, each mean taken on the way (rounded as scaling the
/// sums first and then stepping rounds it), in two passes over the parameters where scaling
/// first and then [`Optimizer::step`] take three. The first pass computes every new value
/// and checks it; only if all are finite does the second write them. Returns whether it
/// wrote. Both passes run compiled for AVX2 where the CPU has it (`crate::wide`).
#[inline]
fn step_on_sum_if_finite<N: Network>(
    network: &mut N,
    sums: &N::Grads,
    learning_rate: N::Scalar,
    scale: N::Scalar,
) -> bool {
    let weights = network.as_mut_slice();
    // Equal lengths (one type's flat views), so the loops need no bounds checks.
    let sums = &sums.as_slice()[..weights.len()];
    // By value: captured by reference, the factors are reloaded after every store.
    let update = move |w: N::Scalar, sum: N::Scalar| w - learning_rate * (sum * scale);
    crate::wide::wide(move || {
        let finite = weights.iter().zip(sums).fold(true, |finite, (&w, &sum)| {
            finite & update(w, sum).is_finite()
        });
        if finite {
            for (w, &sum) in weights.iter_mut().zip(sums) {
                *w = update(*w, sum);
            }
        }
        finite
    })
}

/// The names [`Sgd`] saves its learning rate under.
#[cfg(feature = "alloc")]
const NAMES: super::StateNames = super::StateNames {
    optimizer: "Sgd",
    settings: &["learning_rate"],
    counts_steps: false,
    buffers: &[],
};

#[cfg(feature = "alloc")]
impl<N: Network> super::Checkpoint<N> for Sgd<N::Scalar> {
    const NAMES: super::StateNames = NAMES;

    fn settings(&self) -> alloc::vec::Vec<f64> {
        alloc::vec![self.learning_rate.to_f64()]
    }

    fn buffers(&self) -> alloc::vec::Vec<&N::Grads> {
        alloc::vec::Vec::new()
    }

    fn from_parts(
        settings: &[f64],
        _steps: i32,
        buffers: alloc::vec::Vec<alloc::boxed::Box<N::Grads>>,
    ) -> Result<Self, Error> {
        let [learning_rate] = super::checkpoint::exactly("setting", settings.to_vec())?;
        let [] = super::checkpoint::exactly("buffer", buffers)?;
        Sgd::new(N::Scalar::from_f64(learning_rate))
    }
}

/// The learning rate, as the other optimizers write their settings.
#[cfg(feature = "serde")]
impl<T: Scalar> serde::Serialize for Sgd<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::state::serialize_settings(serializer, &NAMES, &[self.learning_rate.to_f64()])
    }
}

/// Reads what `Serialize` wrote; the learning rate is checked as [`Sgd::new`] does.
#[cfg(feature = "serde")]
impl<'de, T: Scalar> serde::Deserialize<'de> for Sgd<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let settings = super::state::deserialize_settings(deserializer, &NAMES)?;
        let [learning_rate] =
            super::checkpoint::exactly("setting", settings).map_err(D::Error::custom)?;
        Sgd::new(T::from_f64(learning_rate)).map_err(D::Error::custom)
    }
}
