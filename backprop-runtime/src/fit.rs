//! The training loop: epochs of shuffled mini-batches with any optimizer, a learning-rate
//! schedule, a report after every epoch, and early stopping that keeps the best parameters.
//!
//! ```
//! use core::ops::ControlFlow;
//! use backprop_runtime::{network, optim::Adam, Dataset, Fit, Schedule};
//!
//! network! {
//!     /// y = w x + b
//!     pub struct Line<f64> {
//!         input x;
//!         output y = identity(w * x + b);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let inputs: Vec<[f64; 1]> = (0..40).map(|i| [i as f64 / 10.0]).collect();
//! let targets: Vec<[f64; 1]> = inputs.iter().map(|[x]| [2.0 * x + 1.0]).collect();
//! let data = Dataset::<Line>::new(&inputs, &targets)?;
//! let (train, validation) = data.split_at(32);
//!
//! let mut line = Line::default();
//! let mut adam = Adam::new(0.05)?;
//! let summary = Fit::new(300)
//!     .batch_size(8)
//!     .seed(7)
//!     .schedule(Schedule::Cosine { warmup: 5, floor: 0.01 })
//!     .early_stopping(30)
//!     .run(&mut line, &mut adam, train, Some(validation), |epoch, _| {
//!         if epoch.epoch % 100 == 0 {
//!             println!("epoch {}: loss {:.2e}", epoch.epoch, epoch.train_loss);
//!         }
//!         ControlFlow::Continue(())
//!     })?;
//! assert!(summary.best_loss.unwrap() < 1e-5);
//! assert!((line.w - 2.0).abs() < 1e-2 && (line.b - 1.0).abs() < 1e-2);
//! # Ok::<(), backprop_runtime::Error>(())
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ops::ControlFlow;

use num_traits::Float;

use crate::data::{mean_loss, BatchBuffer, Dataset, Shuffle};
use crate::optim::Optimizer;
use crate::{train_batch_with, zeroed_box, Error, Network, Scalar};

/// How the learning rate changes over the epochs: each epoch's rate is the optimizer's
/// rate at the start of [`Fit::run`] times [`Schedule::factor`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Schedule {
    /// The same rate every epoch.
    #[default]
    Constant,
    /// Multiplied by `factor` after every `every` epochs (PyTorch's `StepLR`).
    Step {
        /// Epochs between two changes (0 acts as 1).
        every: usize,
        /// What the rate is multiplied by at each change.
        factor: f64,
    },
    /// Multiplied by `factor` after every epoch (`ExponentialLR`).
    Exponential {
        /// What the rate is multiplied by after each epoch.
        factor: f64,
    },
    /// A linear warm-up over `warmup` epochs, then half a cosine from the full rate down to
    /// `floor` times it at the last epoch (`CosineAnnealingLR` after a warm-up).
    Cosine {
        /// Epochs of linear warm-up, from `1 / warmup` of the rate to all of it.
        warmup: usize,
        /// The fraction of the rate reached at the last epoch.
        floor: f64,
    },
}

impl Schedule {
    /// The factor of epoch `epoch` (counted from 0) of `epochs`.
    #[must_use]
    pub fn factor(&self, epoch: usize, epochs: usize) -> f64 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Step { every, factor } => Float::powi(factor, power(epoch / every.max(1))),
            Schedule::Exponential { factor } => Float::powi(factor, power(epoch)),
            Schedule::Cosine { warmup, floor } => {
                if epoch < warmup {
                    return (epoch + 1) as f64 / warmup as f64;
                }
                let span = epochs.saturating_sub(warmup + 1).max(1);
                let progress = ((epoch - warmup) as f64 / span as f64).min(1.0);
                floor + (1.0 - floor) * 0.5 * (1.0 + Float::cos(core::f64::consts::PI * progress))
            }
        }
    }
}

/// An exponent for `powi`, saturating (a factor to the billionth power is 0 or infinite
/// either way).
fn power(count: usize) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// What one epoch did, for the caller to print, log or act on.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Epoch {
    /// The epoch, counted from 1.
    pub epoch: usize,
    /// The learning rate it used (`None` for an optimizer without one).
    pub learning_rate: Option<f64>,
    /// The mean training loss over its mini-batches, before each batch's update.
    pub train_loss: f64,
    /// The mean loss over the validation set after the epoch, if one was given.
    pub validation_loss: Option<f64>,
    /// Whether this epoch's parameters are the best so far (by validation loss, or by
    /// training loss without a validation set).
    pub improved: bool,
}

/// How a [`Fit::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// How many epochs ran.
    pub epochs: usize,
    /// The epoch whose parameters the network holds at the end: the best one with early
    /// stopping, else the last.
    pub best_epoch: usize,
    /// That epoch's loss (validation, or training without a validation set); `None` if no
    /// epoch ran.
    pub best_loss: Option<f64>,
    /// Whether the run stopped before its last epoch: no improvement for `patience`
    /// epochs, or the callback said so.
    pub stopped_early: bool,
}

/// A training run's settings, built up by its methods; [`Fit::run`] trains.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    epochs: usize,
    batch_size: usize,
    seed: u64,
    schedule: Schedule,
    patience: Option<usize>,
}

impl Fit {
    /// `epochs` epochs of mini-batches of 32, shuffled from seed 0, at a constant rate,
    /// without early stopping.
    #[must_use]
    pub fn new(epochs: usize) -> Self {
        Fit {
            epochs,
            batch_size: 32,
            seed: 0,
            schedule: Schedule::Constant,
            patience: None,
        }
    }

    /// Samples per mini-batch (the last batch of an epoch may be smaller; 0 acts as 1).
    #[must_use]
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// The seed of the order the samples are visited in, a new order every epoch.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The learning-rate schedule.
    #[must_use]
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Stops after `patience` epochs without a better loss (validation loss if a
    /// validation set is given, else training loss), and leaves the network with the
    /// parameters of its best epoch.
    #[must_use]
    pub fn early_stopping(mut self, patience: usize) -> Self {
        self.patience = Some(patience);
        self
    }

    /// Trains `network` with `optimizer` on `train`, evaluating on `validation` after each
    /// epoch, and calls `on_epoch` with each epoch's [`Epoch`] and the network as it is then
    /// (for metrics of the caller's own, or a checkpoint): returning `ControlFlow::Break(())`
    /// stops the run there.
    ///
    /// Allocates once, before the first epoch (the sample order, one mini-batch, and a copy
    /// of the best parameters with early stopping); the steps themselves allocate only as
    /// [`train_batch_with`] does. The optimizer's learning rate is left at the last
    /// epoch's.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyBatch`] for an empty training or validation set, and the first error
    /// of a step ([`train_batch_with`]): that step changed nothing, earlier ones stand.
    pub fn run<N, O>(
        &self,
        network: &mut N,
        optimizer: &mut O,
        train: Dataset<N>,
        validation: Option<Dataset<N>>,
        mut on_epoch: impl FnMut(&Epoch, &N) -> ControlFlow<()>,
    ) -> Result<Summary, Error>
    where
        N: Network,
        O: Optimizer<N>,
    {
        if train.is_empty() || validation.is_some_and(|set| set.is_empty()) {
            return Err(Error::EmptyBatch);
        }
        let base_rate = optimizer.learning_rate_mut().map(|rate| *rate);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut shuffle = Shuffle::new(self.seed);
        let mut batch = BatchBuffer::<N>::with_capacity(self.batch_size.min(train.len()));
        let mut best = Best::<N>::new(self.patience.is_some());
        let mut last_score = None;
        let mut summary = Summary {
            epochs: 0,
            best_epoch: 0,
            best_loss: None,
            stopped_early: false,
        };

        for epoch in 0..self.epochs {
            let factor = self.schedule.factor(epoch, self.epochs);
            let learning_rate = match (base_rate, optimizer.learning_rate_mut()) {
                (Some(base), Some(rate)) => {
                    *rate = base * N::Scalar::from_f64(factor);
                    Some(rate.to_f64())
                }
                _ => None,
            };
            shuffle.shuffle(&mut order);
            let mut train_loss = 0.0;
            for indices in order.chunks(self.batch_size) {
                let (inputs, targets) = batch.gather(&train, indices)?;
                let loss = train_batch_with(network, optimizer, inputs, targets)?;
                train_loss += loss.to_f64() * (indices.len() as f64 / train.len() as f64);
            }
            let validation_loss = match &validation {
                Some(set) => Some(mean_loss(network, set)?),
                None => None,
            };
            let score = validation_loss.unwrap_or(train_loss);
            last_score = Some(score);
            let improved = best.offer(network, score);
            summary.epochs = epoch + 1;
            if improved {
                summary.best_epoch = epoch + 1;
                summary.best_loss = Some(score);
            }
            let report = Epoch {
                epoch: epoch + 1,
                learning_rate,
                train_loss,
                validation_loss,
                improved,
            };
            let patience_ran_out = self
                .patience
                .is_some_and(|patience| epoch + 1 - summary.best_epoch > patience);
            if on_epoch(&report, network).is_break() || patience_ran_out {
                summary.stopped_early = epoch + 1 < self.epochs;
                break;
            }
        }
        if !best.restore(network) {
            summary.best_epoch = summary.epochs;
            summary.best_loss = last_score;
        }
        Ok(summary)
    }
}

/// The best parameters so far, on the heap (a network of any size), when early stopping
/// keeps them; otherwise only the best score.
struct Best<N: Network> {
    parameters: Option<Box<N>>,
    score: f64,
    kept: bool,
}

impl<N: Network> Best<N> {
    fn new(keep: bool) -> Self {
        Best {
            parameters: keep.then(zeroed_box::<N>),
            score: f64::INFINITY,
            kept: false,
        }
    }

    /// Records `network` if `score` beats the best so far; says whether it did.
    fn offer(&mut self, network: &N, score: f64) -> bool {
        // A NaN score is never better.
        let better = score < self.score;
        if !better {
            return false;
        }
        self.score = score;
        if let Some(best) = &mut self.parameters {
            best.as_mut_slice().copy_from_slice(network.as_slice());
            self.kept = true;
        }
        true
    }

    /// Puts the best parameters back into `network`; says whether there were any.
    fn restore(&self, network: &mut N) -> bool {
        match &self.parameters {
            Some(best) if self.kept => {
                network.as_mut_slice().copy_from_slice(best.as_slice());
                true
            }
            _ => false,
        }
    }
}

/// A terminal progress bar over the epochs of a [`Fit::run`] (feature `progress`), showing
/// the epoch, the training loss and, if there is one, the validation loss. Call
/// [`Progress::update`] from the run's callback and [`Progress::println`] to print above
/// the bar.
#[cfg(feature = "progress")]
#[derive(Debug, Clone)]
pub struct Progress {
    bar: indicatif::ProgressBar,
}

#[cfg(feature = "progress")]
impl Progress {
    /// A bar of `epochs` steps, drawn on standard error when it is a terminal.
    #[must_use]
    pub fn new(epochs: usize) -> Self {
        Self::with_bar(indicatif::ProgressBar::new(epochs as u64))
    }

    /// A bar that is counted but never drawn (for tests and logs).
    #[must_use]
    pub fn hidden(epochs: usize) -> Self {
        Self::with_bar(
            indicatif::ProgressBar::hidden()
                .with_position(0)
                .with_message(""),
        )
        .with_length(epochs)
    }

    fn with_bar(bar: indicatif::ProgressBar) -> Self {
        let style = indicatif::ProgressStyle::with_template("[{bar:32}] epoch {pos}/{len}, {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Progress { bar }
    }

    fn with_length(self, epochs: usize) -> Self {
        self.bar.set_length(epochs as u64);
        self
    }

    /// Moves the bar to `epoch` and shows its losses.
    pub fn update(&self, epoch: &Epoch) {
        let message = match epoch.validation_loss {
            Some(validation) => {
                alloc::format!("loss {:.4}, validation {validation:.4}", epoch.train_loss)
            }
            None => alloc::format!("loss {:.4}", epoch.train_loss),
        };
        self.bar.set_message(message);
        self.bar.set_position(epoch.epoch as u64);
    }

    /// Prints a line above the bar without tearing it.
    pub fn println(&self, line: &str) {
        self.bar.suspend(|| std::println!("{line}"));
    }

    /// The last epoch shown.
    #[must_use]
    pub fn position(&self) -> usize {
        usize::try_from(self.bar.position()).unwrap_or(usize::MAX)
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
