//! Adam.

use core::fmt;

use num_traits::{Float, One, Zero};

use super::{apply_checked, check_setting, Optimizer};
use crate::heap::{filled_buffer, Buffer};
use crate::train::check_learning_rate;
use crate::{Error, Network, Parameters, Scalar};

/// Adam (Kingma & Ba, 2015): with `t` the step count from 1,
/// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.
#[derive(Clone)]
pub struct Adam<N: Network> {
    /// The step size, `lr`: finite and not negative.
    pub learning_rate: N::Scalar,
    /// The decay of the first moment, `b1`, usually 0.9: in `[0, 1)`.
    pub beta1: N::Scalar,
    /// The decay of the second moment, `b2`, usually 0.999: in `[0, 1)`.
    pub beta2: N::Scalar,
    /// Added to the denominator, `eps`, usually 1e-8: finite and positive.
    pub epsilon: N::Scalar,
    first_moment: Buffer<N::Grads>,
    second_moment: Buffer<N::Grads>,
    steps: i32,
}

impl<N: Network> Adam<N> {
    /// Adam with the given step size and the paper's defaults: `b1 = 0.9`, `b2 = 0.999`,
    /// `eps = 1e-8`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLearningRate`] if `learning_rate` is negative, NaN or infinite.
    pub fn new(learning_rate: N::Scalar) -> Result<Self, Error> {
        Self::with_settings(
            learning_rate,
            N::Scalar::from_f64(0.9),
            N::Scalar::from_f64(0.999),
            N::Scalar::from_f64(1e-8),
        )
    }

    /// Adam with every setting given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLearningRate`] or [`Error::InvalidSetting`] if a setting is out of
    /// its range (see the fields).
    pub fn with_settings(
        learning_rate: N::Scalar,
        beta1: N::Scalar,
        beta2: N::Scalar,
        epsilon: N::Scalar,
    ) -> Result<Self, Error> {
        let adam = Adam {
            learning_rate,
            beta1,
            beta2,
            epsilon,
            first_moment: filled_buffer(N::Scalar::zero()),
            second_moment: filled_buffer(N::Scalar::zero()),
            steps: 0,
        };
        adam.validate()?;
        Ok(adam)
    }

    fn validate(&self) -> Result<(), Error> {
        check_learning_rate(self.learning_rate)?;
        let (zero, one) = (N::Scalar::zero(), N::Scalar::one());
        let decay = |value: N::Scalar| value >= zero && value < one;
        check_setting("beta1", self.beta1, decay(self.beta1), "in [0, 1)")?;
        check_setting("beta2", self.beta2, decay(self.beta2), "in [0, 1)")?;
        let epsilon = self.epsilon;
        check_setting(
            "epsilon",
            epsilon,
            epsilon > zero && epsilon.is_finite(),
            "finite and positive",
        )
    }

    /// How many steps have been taken.
    pub fn steps(&self) -> i32 {
        self.steps
    }
}

impl<N: Network> Optimizer<N> for Adam<N> {
    fn learning_rate_mut(&mut self) -> Option<&mut N::Scalar> {
        Some(&mut self.learning_rate)
    }

    fn step(&mut self, network: &mut N, grads: &N::Grads) -> Result<(), Error> {
        self.validate()?;
        let steps = self.steps.saturating_add(1);
        let one = N::Scalar::one();
        let Adam {
            learning_rate,
            beta1,
            beta2,
            epsilon,
            ..
        } = *self;
        let first_correction = one - beta1.powi(steps);
        let second_correction = one - beta2.powi(steps);
        apply_checked(
            network,
            [
                self.first_moment.as_mut_slice(),
                self.second_moment.as_mut_slice(),
            ],
            grads,
            |w, [m, v], g| {
                let m = beta1 * m + (one - beta1) * g;
                let v = beta2 * v + (one - beta2) * g * g;
                let m_hat = m / first_correction;
                let v_hat = v / second_correction;
                (w - learning_rate * m_hat / (v_hat.sqrt() + epsilon), [m, v])
            },
        )?;
        self.steps = steps;
        Ok(())
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

#[cfg(feature = "alloc")]
impl<N: Network> super::Checkpoint<N> for Adam<N> {
    const NAMES: super::StateNames = super::StateNames {
        optimizer: "Adam",
        settings: &["learning_rate", "beta1", "beta2", "epsilon"],
        counts_steps: true,
        buffers: &["first_moment", "second_moment"],
    };

    fn settings(&self) -> alloc::vec::Vec<f64> {
        [self.learning_rate, self.beta1, self.beta2, self.epsilon]
            .map(Scalar::to_f64)
            .to_vec()
    }

    fn steps(&self) -> i32 {
        self.steps
    }

    fn buffers(&self) -> alloc::vec::Vec<&N::Grads> {
        alloc::vec![&*self.first_moment, &*self.second_moment]
    }

    fn from_parts(
        settings: &[f64],
        steps: i32,
        buffers: alloc::vec::Vec<alloc::boxed::Box<N::Grads>>,
    ) -> Result<Self, Error> {
        let [learning_rate, beta1, beta2, epsilon] =
            super::checkpoint::exactly("setting", settings.to_vec())?;
        let [first_moment, second_moment] = super::checkpoint::exactly("buffer", buffers)?;
        let adam = Adam {
            learning_rate: N::Scalar::from_f64(learning_rate),
            beta1: N::Scalar::from_f64(beta1),
            beta2: N::Scalar::from_f64(beta2),
            epsilon: N::Scalar::from_f64(epsilon),
            first_moment,
            second_moment,
            steps,
        };
        adam.validate()?;
        Ok(adam)
    }
}

/// Settings, step count and buffers: a checkpoint to resume from exactly.
#[cfg(feature = "serde")]
impl<N: Network> serde::Serialize for Adam<N>
where
    N::Grads: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::state::serialize_checkpoint::<N, Self, S>(self, serializer)
    }
}

/// Reads what `Serialize` wrote; the settings are checked as the constructor checks them.
#[cfg(feature = "serde")]
impl<'de, N: Network> serde::Deserialize<'de> for Adam<N>
where
    N::Grads: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::state::deserialize_checkpoint::<N, Self, D>(deserializer)
    }
}
