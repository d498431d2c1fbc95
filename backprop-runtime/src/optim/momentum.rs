//! Gradient descent with momentum.

use core::fmt;

use num_traits::{One, Zero};

use super::{apply_checked, check_setting, Optimizer};
use crate::heap::{filled_buffer, Buffer};
use crate::train::check_learning_rate;
use crate::{Error, Network, Parameters, Scalar};

/// SGD with momentum, as PyTorch's `SGD(momentum = mu)` without dampening:
/// `v = mu v + g`, then `w = w - learning_rate * v`. The velocity starts at zero.
#[derive(Clone)]
pub struct Momentum<N: Network> {
    /// The step size: finite and not negative.
    pub learning_rate: N::Scalar,
    /// How much of the previous velocity is kept, usually 0.9: in `[0, 1)`.
    pub momentum: N::Scalar,
    velocity: Buffer<N::Grads>,
}

impl<N: Network> Momentum<N> {
    /// Momentum with the given step size and momentum coefficient.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLearningRate`] or [`Error::InvalidSetting`] if a setting is out of
    /// its range (see the fields).
    pub fn new(learning_rate: N::Scalar, momentum: N::Scalar) -> Result<Self, Error> {
        let optimizer = Momentum {
            learning_rate,
            momentum,
            velocity: filled_buffer(N::Scalar::zero()),
        };
        optimizer.validate()?;
        Ok(optimizer)
    }

    /// The current velocity of every parameter.
    pub fn velocity(&self) -> &N::Grads {
        &self.velocity
    }

    fn validate(&self) -> Result<(), Error> {
        check_learning_rate(self.learning_rate)?;
        let momentum = self.momentum;
        check_setting(
            "momentum",
            momentum,
            momentum >= N::Scalar::zero() && momentum < N::Scalar::one(),
            "in [0, 1)",
        )
    }
}

impl<N: Network> Optimizer<N> for Momentum<N> {
    fn learning_rate_mut(&mut self) -> Option<&mut N::Scalar> {
        Some(&mut self.learning_rate)
    }

    fn step(&mut self, network: &mut N, grads: &N::Grads) -> Result<(), Error> {
        self.validate()?;
        let (learning_rate, momentum) = (self.learning_rate, self.momentum);
        apply_checked(
            network,
            [self.velocity.as_mut_slice()],
            grads,
            |w, [v], g| {
                let v = momentum * v + g;
                (w - learning_rate * v, [v])
            },
        )
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

#[cfg(feature = "alloc")]
impl<N: Network> super::Checkpoint<N> for Momentum<N> {
    const NAMES: super::StateNames = super::StateNames {
        optimizer: "Momentum",
        settings: &["learning_rate", "momentum"],
        counts_steps: false,
        buffers: &["velocity"],
    };

    fn settings(&self) -> alloc::vec::Vec<f64> {
        [self.learning_rate, self.momentum]
            .map(Scalar::to_f64)
            .to_vec()
    }

    fn buffers(&self) -> alloc::vec::Vec<&N::Grads> {
        alloc::vec![&*self.velocity]
    }

    fn from_parts(
        settings: &[f64],
        _steps: i32,
        buffers: alloc::vec::Vec<alloc::boxed::Box<N::Grads>>,
    ) -> Result<Self, Error> {
        let [learning_rate, momentum] = super::checkpoint::exactly("setting", settings.to_vec())?;
        let [velocity] = super::checkpoint::exactly("buffer", buffers)?;
        let optimizer = Momentum {
            learning_rate: N::Scalar::from_f64(learning_rate),
            momentum: N::Scalar::from_f64(momentum),
            velocity,
        };
        optimizer.validate()?;
        Ok(optimizer)
    }
}

/// Settings, step count and buffers: a checkpoint to resume from exactly.
#[cfg(feature = "serde")]
impl<N: Network> serde::Serialize for Momentum<N>
where
    N::Grads: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::state::serialize_checkpoint::<N, Self, S>(self, serializer)
    }
}

/// Reads what `Serialize` wrote; the settings are checked as the constructor checks them.
#[cfg(feature = "serde")]
impl<'de, N: Network> serde::Deserialize<'de> for Momentum<N>
where
    N::Grads: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::state::deserialize_checkpoint::<N, Self, D>(deserializer)
    }
}
