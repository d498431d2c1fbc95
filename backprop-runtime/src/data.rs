//! Training data: a data set as borrowed pairs of inputs and targets (no copy), a seeded
//! shuffle that gives the same order on every machine, and evaluation over a whole set.

use core::fmt;

use crate::{Classifier, Error, Network, Scalar};

/// Paired inputs and targets, borrowed from the caller's slices: nothing is copied.
pub struct Dataset<'a, N: Network> {
    inputs: &'a [N::Input],
    targets: &'a [N::Target],
}

impl<'a, N: Network> Dataset<'a, N> {
    /// The samples `(inputs[i], targets[i])`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the slices differ in length.
    pub fn new(inputs: &'a [N::Input], targets: &'a [N::Target]) -> Result<Self, Error> {
        if inputs.len() != targets.len() {
            return Err(Error::LengthMismatch {
                what: "target",
                expected: inputs.len(),
                found: targets.len(),
            });
        }
        Ok(Dataset { inputs, targets })
    }

    /// How many samples the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether the set holds no sample.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// The inputs, in order.
    #[must_use]
    pub fn inputs(&self) -> &'a [N::Input] {
        self.inputs
    }

    /// The targets, in order.
    #[must_use]
    pub fn targets(&self) -> &'a [N::Target] {
        self.targets
    }

    /// The samples before `at` and the samples from `at` on (`at` past the end keeps every
    /// sample in the first part): a training and a validation set.
    #[must_use]
    pub fn split_at(&self, at: usize) -> (Self, Self) {
        let at = at.min(self.len());
        let (inputs_a, inputs_b) = self.inputs.split_at(at);
        let (targets_a, targets_b) = self.targets.split_at(at);
        (
            Dataset {
                inputs: inputs_a,
                targets: targets_a,
            },
            Dataset {
                inputs: inputs_b,
                targets: targets_b,
            },
        )
    }
}

impl<N: Network> Clone for Dataset<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N: Network> Copy for Dataset<'_, N> {}

impl<N: Network> fmt::Debug for Dataset<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("network", &N::NAME)
            .field("samples", &self.len())
            .finish()
    }
}

/// A seeded source of random orders: Fisher-Yates driven by SplitMix64, so a seed gives the
/// same order on every machine and with every feature set (no `rand` needed).
#[derive(Debug, Clone)]
pub struct Shuffle {
    state: u64,
}

impl Shuffle {
    /// A shuffle whose orders follow from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Shuffle { state: seed }
    }

    /// The next 64 random bits (SplitMix64).
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`, by the multiply-shift method (its bias, below
    /// `bound / 2^64`, is far beneath anything a training order could show).
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }

    /// Puts `items` in a new random order.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            items.swap(last, self.below(last + 1));
        }
    }
}

/// One mini-batch: its inputs and targets, side by side.
pub type Batch<'a, N> = (&'a [<N as Network>::Input], &'a [<N as Network>::Target]);

/// Buffers that gather one mini-batch at a time from a data set, in any order of its
/// samples (with the `alloc` feature): made once, reused for every batch, so a training
/// loop of your own allocates nothing per step. [`crate::Fit`] uses it.
///
/// ```
/// use backprop_runtime::data::BatchBuffer;
/// use backprop_runtime::{network, Dataset, Shuffle};
///
/// network! {
///     /// y = w x
///     pub struct Line<f64> {
///         input x;
///         output y = identity(w * x);
///         loss half_squared_error;
///     }
/// }
///
/// let inputs: Vec<[f64; 1]> = (0..10).map(|i| [i as f64]).collect();
/// let targets: Vec<[f64; 1]> = inputs.iter().map(|[x]| [3.0 * x]).collect();
/// let data = Dataset::<Line>::new(&inputs, &targets)?;
/// let mut order: Vec<usize> = (0..data.len()).collect();
/// let mut batch = BatchBuffer::with_capacity(4);
/// let mut line = Line::default();
/// for _ in 0..100 {
///     Shuffle::new(1).shuffle(&mut order);
///     for indices in order.chunks(4) {
///         let (x, t) = batch.gather(&data, indices)?;
///         line.train_batch(x, t, 0.01)?;
///     }
/// }
/// assert!((line.w - 3.0).abs() < 1e-6);
/// # Ok::<(), backprop_runtime::Error>(())
/// ```
#[cfg(feature = "alloc")]
pub struct BatchBuffer<N: Network> {
    inputs: alloc::vec::Vec<N::Input>,
    targets: alloc::vec::Vec<N::Target>,
}

#[cfg(feature = "alloc")]
impl<N: Network> BatchBuffer<N> {
    /// Buffers for batches of up to `capacity` samples.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        BatchBuffer {
            inputs: alloc::vec::Vec::with_capacity(capacity),
            targets: alloc::vec::Vec::with_capacity(capacity),
        }
    }

    /// The samples of `data` at `indices`, copied into the buffers (which grow only if
    /// `indices` is longer than any batch before).
    ///
    /// # Errors
    ///
    /// [`Error::SampleOutOfRange`] for an index not below `data.len()`; the buffers are
    /// then empty.
    pub fn gather(&mut self, data: &Dataset<N>, indices: &[usize]) -> Result<Batch<'_, N>, Error> {
        self.inputs.clear();
        self.targets.clear();
        for &index in indices {
            match (data.inputs.get(index), data.targets.get(index)) {
                (Some(&input), Some(&target)) => {
                    self.inputs.push(input);
                    self.targets.push(target);
                }
                _ => {
                    self.inputs.clear();
                    self.targets.clear();
                    return Err(Error::SampleOutOfRange {
                        index,
                        samples: data.len(),
                    });
                }
            }
        }
        Ok((&self.inputs, &self.targets))
    }
}

#[cfg(feature = "alloc")]
impl<N: Network> core::fmt::Debug for BatchBuffer<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchBuffer")
            .field("samples", &self.inputs.len())
            .field("capacity", &self.inputs.capacity())
            .finish()
    }
}

/// The mean loss of `network` over a data set, each sample's loss scaled before it is
/// summed (so a mean that fits the scalar type never overflows). Allocates nothing.
///
/// # Errors
///
/// [`Error::EmptyBatch`] for an empty set; the target's error for an invalid target.
pub fn mean_loss<N: Network>(network: &N, data: &Dataset<N>) -> Result<f64, Error> {
    if data.is_empty() {
        return Err(Error::EmptyBatch);
    }
    let scale = 1.0 / data.len() as f64;
    let mut mean = 0.0;
    for (input, target) in data.inputs.iter().zip(data.targets) {
        N::validate_target(target)?;
        mean += network.loss(input, target).to_f64() * scale;
    }
    Ok(mean)
}

/// The fraction of samples whose most probable class is the target's class. A sample whose
/// outputs hold a NaN counts as wrong.
///
/// # Errors
///
/// [`Error::EmptyBatch`] for an empty set.
pub fn accuracy<N: Classifier>(network: &N, data: &Dataset<N>) -> Result<f64, Error> {
    if data.is_empty() {
        return Err(Error::EmptyBatch);
    }
    let correct = data
        .inputs
        .iter()
        .zip(data.targets)
        .filter(|(input, target)| {
            let predicted = network.predict_class(input);
            predicted.is_some() && predicted == N::target_class(target)
        })
        .count();
    Ok(correct as f64 / data.len() as f64)
}

/// `counts[true class][predicted class]` over a data set, for a classifier of `K` classes.
/// A sample whose outputs or target distribution hold a NaN has no class and is counted in
/// no cell.
pub fn confusion_matrix<N: Classifier, const K: usize>(
    network: &N,
    data: &Dataset<N>,
) -> [[usize; K]; K] {
    let mut counts = [[0; K]; K];
    for (input, target) in data.inputs.iter().zip(data.targets) {
        let classes = (N::target_class(target), network.predict_class(input));
        if let (Some(truth), Some(predicted)) = classes {
            if let Some(cell) = counts.get_mut(truth).and_then(|row| row.get_mut(predicted)) {
                *cell += 1;
            }
        }
    }
    counts
}

/// The outputs for many inputs, written into the caller's buffer. Allocates nothing.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `outputs` is not as long as `inputs`; nothing is written.
pub fn predict_into<N: Network>(
    network: &N,
    inputs: &[N::Input],
    outputs: &mut [N::Output],
) -> Result<(), Error> {
    if inputs.len() != outputs.len() {
        return Err(Error::LengthMismatch {
            what: "output",
            expected: inputs.len(),
            found: outputs.len(),
        });
    }
    for (input, output) in inputs.iter().zip(outputs) {
        *output = network.predict(input);
    }
    Ok(())
}
