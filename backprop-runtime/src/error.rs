//! The errors of the runtime API.

use core::fmt;

/// What went wrong in a training step or at a slice-taking entry point.
///
/// A failed training step never changes the network's parameters or an optimizer's state.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The loss of the sample was NaN or infinite, so no update was made.
    NonFiniteLoss {
        /// The loss as computed, converted to `f64`.
        loss: f64,
    },
    /// A gradient was NaN or infinite, so no update was made.
    NonFiniteGradient {
        /// The parameter whose gradient is not finite, as named in `network!`.
        parameter: &'static str,
        /// The gradient as computed, converted to `f64`.
        value: f64,
    },
    /// The update would have made a parameter NaN or infinite (a learning rate too large
    /// for the gradient, for example), so no update was made.
    NonFiniteParameter {
        /// The first parameter the update would have broken, as named in `network!`.
        parameter: &'static str,
        /// The value it would have taken, converted to `f64`.
        value: f64,
    },
    /// An optimizer setting was out of its range.
    InvalidSetting {
        /// The setting, as the optimizer's field is named (`beta1`, `momentum`, ...).
        setting: &'static str,
        /// Its value, converted to `f64`.
        value: f64,
        /// The range it must be in, as a sentence fragment (`in [0, 1)`).
        expected: &'static str,
    },
    /// The learning rate was negative, NaN or infinite.
    InvalidLearningRate {
        /// The learning rate as given, converted to `f64`.
        learning_rate: f64,
    },
    /// A class index was not below the number of classes.
    InvalidClass {
        /// The index given.
        class: usize,
        /// How many classes the network has.
        classes: usize,
    },
    /// A target distribution had a negative or non-finite entry.
    InvalidDistribution,
    /// A batch had no samples.
    EmptyBatch,
    /// A sample index was past the end of a data set.
    SampleOutOfRange {
        /// The index given.
        index: usize,
        /// How many samples the data set holds.
        samples: usize,
    },
    /// A slice had the wrong number of elements.
    LengthMismatch {
        /// What the slice was meant to hold (`"input"`, `"target"`, `"parameters"`, ...).
        what: &'static str,
        /// The length the network needs.
        expected: usize,
        /// The length that was given.
        found: usize,
    },
    /// A sequence had no time steps.
    EmptySequence,
    /// Something given with a sequence did not match its number of time steps.
    SequenceLength {
        /// What did not match, as the end of the message (`"targets were given"`).
        what: &'static str,
        /// How many time steps the sequence has.
        steps: usize,
        /// How many were given.
        found: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonFiniteLoss { loss } => write!(
                f,
                "the loss is not finite ({loss}); the parameters were left unchanged"
            ),
            Error::NonFiniteGradient { parameter, value } => write!(
                f,
                "the gradient of `{parameter}` is not finite ({value}); the parameters were left unchanged"
            ),
            Error::NonFiniteParameter { parameter, value } => write!(
                f,
                "the update would make `{parameter}` {value} (is the learning rate too large?); the parameters were left unchanged"
            ),
            Error::InvalidSetting {
                setting,
                value,
                expected,
            } => write!(f, "`{setting}` must be {expected}, but it is {value}"),
            Error::InvalidLearningRate { learning_rate } => write!(
                f,
                "the learning rate must be finite and not negative, but it is {learning_rate}"
            ),
            Error::InvalidClass { class, classes } => write!(
                f,
                "class {class} does not exist: the network has {classes} classes (0 to {})",
                classes.saturating_sub(1)
            ),
            Error::InvalidDistribution => f.write_str(
                "a target distribution must be finite and not negative in every class",
            ),
            Error::EmptyBatch => f.write_str("a batch needs at least one sample"),
            Error::SampleOutOfRange { index, samples } => write!(
                f,
                "sample {index} does not exist: the data set has {samples} samples"
            ),
            Error::LengthMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "expected {expected} {what} values, but the slice has {found}"
            ),
            Error::EmptySequence => f.write_str("a sequence needs at least one time step"),
            Error::SequenceLength { what, steps, found } => write!(
                f,
                "the sequence has {steps} time steps, but {found} {what}"
            ),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use std::string::ToString;

    #[test]
    fn messages_say_what_happened_and_what_was_kept() {
        assert_eq!(
            Error::NonFiniteLoss {
                loss: f64::INFINITY
            }
            .to_string(),
            "the loss is not finite (inf); the parameters were left unchanged"
        );
        assert_eq!(
            Error::NonFiniteGradient {
                parameter: "w11",
                value: f64::NAN
            }
            .to_string(),
            "the gradient of `w11` is not finite (NaN); the parameters were left unchanged"
        );
        assert_eq!(
            Error::NonFiniteParameter {
                parameter: "W1",
                value: f64::NEG_INFINITY
            }
            .to_string(),
            "the update would make `W1` -inf (is the learning rate too large?); the parameters were left unchanged"
        );
        assert_eq!(
            Error::InvalidSetting {
                setting: "beta1",
                value: 1.0,
                expected: "in [0, 1)"
            }
            .to_string(),
            "`beta1` must be in [0, 1), but it is 1"
        );
        assert_eq!(
            Error::InvalidClass {
                class: 10,
                classes: 10
            }
            .to_string(),
            "class 10 does not exist: the network has 10 classes (0 to 9)"
        );
        assert_eq!(
            Error::EmptyBatch.to_string(),
            "a batch needs at least one sample"
        );
        assert_eq!(
            Error::SampleOutOfRange {
                index: 12,
                samples: 10
            }
            .to_string(),
            "sample 12 does not exist: the data set has 10 samples"
        );
        assert_eq!(
            Error::LengthMismatch {
                what: "input",
                expected: 2,
                found: 3
            }
            .to_string(),
            "expected 2 input values, but the slice has 3"
        );
        assert_eq!(
            Error::InvalidLearningRate {
                learning_rate: -0.5
            }
            .to_string(),
            "the learning rate must be finite and not negative, but it is -0.5"
        );
    }
}
