//! An optimizer's state as named parts, what checkpoints save and load (with `serde` in any
//! serde format, with `safetensors` as tensors): its settings, its step count, and its
//! gradient-shaped buffers.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::{Error, Network};

/// The names under which an optimizer's state is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateNames {
    /// The optimizer (`"Adam"`), checked when a file is loaded.
    pub optimizer: &'static str,
    /// Its settings, in the order of [`Checkpoint::settings`].
    pub settings: &'static [&'static str],
    /// Whether it counts its steps (saved as `steps`).
    pub counts_steps: bool,
    /// Its buffers, in the order of [`Checkpoint::buffers`].
    pub buffers: &'static [&'static str],
}

/// An optimizer whose state can be taken apart and put back together exactly: saving a
/// network and its optimizer and loading both resumes training as if it never stopped.
pub trait Checkpoint<N: Network>: Sized {
    /// The names its parts are saved under.
    const NAMES: StateNames;

    /// Its settings as `f64` (exact for `f32` and `f64`), in the order of `NAMES.settings`.
    fn settings(&self) -> Vec<f64>;

    /// How many steps it has taken (0 for an optimizer that does not count them).
    fn steps(&self) -> i32 {
        0
    }

    /// Its buffers, in the order of `NAMES.buffers`.
    fn buffers(&self) -> Vec<&N::Grads>;

    /// The optimizer with these settings, step count and buffers, in the orders of
    /// `NAMES`, its settings checked as its constructor checks them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] or [`Error::InvalidLearningRate`] for a setting out of its
    /// range, [`Error::LengthMismatch`] for the wrong number of settings or buffers.
    fn from_parts(settings: &[f64], steps: i32, buffers: Vec<Box<N::Grads>>)
        -> Result<Self, Error>;
}

/// `values` as an array of `K`, or the error saying how many were expected.
pub(crate) fn exactly<T, const K: usize>(
    what: &'static str,
    values: Vec<T>,
) -> Result<[T; K], Error> {
    let found = values.len();
    <[T; K]>::try_from(values).map_err(|_| Error::LengthMismatch {
        what,
        expected: K,
        found,
    })
}
