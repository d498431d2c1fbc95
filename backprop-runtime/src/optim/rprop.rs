//! Resilient backpropagation.

use core::fmt;

use num_traits::{Float, One, Zero};

use super::{apply_checked, check_setting, Optimizer};
use crate::heap::{filled_buffer, Buffer};
use crate::{Error, Network, Parameters, Scalar};

/// iRPROP- (Igel & Huesken, 2000), the variant FANN trains with by default: each weight has
/// its own step size, which grows by `increase` while the gradient keeps its sign and
/// shrinks by `decrease` when it flips; the weight moves by the step against the sign of its
/// gradient. After a flip the gradient is forgotten and the weight rests for one step.
///
/// RPROP uses only the sign of the gradient, so it needs the gradient of the whole training
/// set (or a large batch): pair it with [`crate::batch_gradient`].
#[derive(Clone)]
pub struct Rprop<N: Network> {
    /// The factor a step grows by, usually 1.2: finite and at least 1.
    pub increase: N::Scalar,
    /// The factor a step shrinks by, usually 0.5: in `(0, 1]`.
    pub decrease: N::Scalar,
    /// The smallest step, usually 1e-6: finite and not negative.
    pub min_step: N::Scalar,
    /// The largest step, usually 50: finite and at least `min_step`.
    pub max_step: N::Scalar,
    step_sizes: Buffer<N::Grads>,
    previous: Buffer<N::Grads>,
}

impl<N: Network> Rprop<N> {
    /// iRPROP- with FANN's defaults: initial step 0.1, increase 1.2, decrease 0.5, steps
    /// between 1e-6 and 50.
    pub fn new() -> Self {
        Self::filled(N::Scalar::from_f64(0.1))
    }

    /// iRPROP- whose steps all start at `initial_step`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless `initial_step` is between `min_step` (1e-6) and
    /// `max_step` (50).
    pub fn with_initial_step(initial_step: N::Scalar) -> Result<Self, Error> {
        let rprop = Self::filled(initial_step);
        rprop.validate()?;
        check_setting(
            "initial_step",
            initial_step,
            initial_step >= rprop.min_step && initial_step <= rprop.max_step,
            "between min_step and max_step",
        )?;
        Ok(rprop)
    }

    fn filled(initial_step: N::Scalar) -> Self {
        Rprop {
            increase: N::Scalar::from_f64(1.2),
            decrease: N::Scalar::from_f64(0.5),
            min_step: N::Scalar::from_f64(1e-6),
            max_step: N::Scalar::from_f64(50.0),
            step_sizes: filled_buffer(initial_step),
            previous: filled_buffer(N::Scalar::zero()),
        }
    }

    fn validate(&self) -> Result<(), Error> {
        let (zero, one) = (N::Scalar::zero(), N::Scalar::one());
        let Rprop {
            increase,
            decrease,
            min_step,
            max_step,
            ..
        } = *self;
        check_setting(
            "increase",
            increase,
            increase >= one && increase.is_finite(),
            "finite and at least 1",
        )?;
        check_setting(
            "decrease",
            decrease,
            decrease > zero && decrease <= one,
            "in (0, 1]",
        )?;
        check_setting(
            "min_step",
            min_step,
            min_step >= zero && min_step.is_finite(),
            "finite and not negative",
        )?;
        check_setting(
            "max_step",
            max_step,
            max_step >= min_step && max_step.is_finite(),
            "finite and at least min_step",
        )
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
    fn step(&mut self, network: &mut N, grads: &N::Grads) -> Result<(), Error> {
        self.validate()?;
        let zero = N::Scalar::zero();
        let Rprop {
            increase,
            decrease,
            min_step,
            max_step,
            ..
        } = *self;
        apply_checked(
            network,
            [self.step_sizes.as_mut_slice(), self.previous.as_mut_slice()],
            grads,
            |w, [step, previous], g| {
                let agreement = previous * g;
                if agreement < zero {
                    // The sign flipped: shrink the step, forget the gradient, rest.
                    return (w, [(step * decrease).max(min_step), zero]);
                }
                let step = if agreement > zero {
                    (step * increase).min(max_step)
                } else {
                    step
                };
                let w = if g > zero {
                    w - step
                } else if g < zero {
                    w + step
                } else {
                    w
                };
                (w, [step, g])
            },
        )
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

#[cfg(feature = "alloc")]
impl<N: Network> super::Checkpoint<N> for Rprop<N> {
    const NAMES: super::StateNames = super::StateNames {
        optimizer: "Rprop",
        settings: &["increase", "decrease", "min_step", "max_step"],
        counts_steps: false,
        buffers: &["step_sizes", "previous"],
    };

    fn settings(&self) -> alloc::vec::Vec<f64> {
        [self.increase, self.decrease, self.min_step, self.max_step]
            .map(Scalar::to_f64)
            .to_vec()
    }

    fn buffers(&self) -> alloc::vec::Vec<&N::Grads> {
        alloc::vec![&*self.step_sizes, &*self.previous]
    }

    fn from_parts(
        settings: &[f64],
        _steps: i32,
        buffers: alloc::vec::Vec<alloc::boxed::Box<N::Grads>>,
    ) -> Result<Self, Error> {
        let [increase, decrease, min_step, max_step] =
            super::checkpoint::exactly("setting", settings.to_vec())?;
        let [step_sizes, previous] = super::checkpoint::exactly("buffer", buffers)?;
        let rprop = Rprop {
            increase: N::Scalar::from_f64(increase),
            decrease: N::Scalar::from_f64(decrease),
            min_step: N::Scalar::from_f64(min_step),
            max_step: N::Scalar::from_f64(max_step),
            step_sizes,
            previous,
        };
        rprop.validate()?;
        Ok(rprop)
    }
}

/// Settings, step count and buffers: a checkpoint to resume from exactly.
#[cfg(feature = "serde")]
impl<N: Network> serde::Serialize for Rprop<N>
where
    N::Grads: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::state::serialize_checkpoint::<N, Self, S>(self, serializer)
    }
}

/// Reads what `Serialize` wrote; the settings are checked as the constructor checks them.
#[cfg(feature = "serde")]
impl<'de, N: Network> serde::Deserialize<'de> for Rprop<N>
where
    N::Grads: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::state::deserialize_checkpoint::<N, Self, D>(deserializer)
    }
}
