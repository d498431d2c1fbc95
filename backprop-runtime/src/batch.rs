//! Mini-batch training: the mean gradient of a batch and one update, without allocating
//! (for networks whose gradients fit [`crate::STACK_BUFFER_LIMIT`], and for larger ones with
//! `std` after a thread's first step).

use num_traits::Zero;

use crate::heap::with_buffer;
#[cfg(feature = "rayon")]
use crate::heap::zeroed_box;
use crate::optim::{Optimizer, Sgd};
use crate::train::finite_loss;
use crate::{check_finite, Error, Network, Parameters, Scalar};

/// Validates a batch: as many targets as inputs, at least one sample, every target valid.
fn check_batch<N: Network>(inputs: &[N::Input], targets: &[N::Target]) -> Result<(), Error> {
    if inputs.len() != targets.len() {
        return Err(Error::LengthMismatch {
            what: "target",
            expected: inputs.len(),
            found: targets.len(),
        });
    }
    if inputs.is_empty() {
        return Err(Error::EmptyBatch);
    }
    targets.iter().try_for_each(N::validate_target)
}

/// `1 / samples`, what a sum over the batch is scaled by to make a mean.
fn mean_scale<T: Scalar>(samples: usize) -> T {
    T::one() / T::from_f64(samples as f64)
}

/// The mean loss of a batch, with the mean gradient written to `grads` (its previous
/// contents are discarded).
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `targets` and `inputs` differ in length,
/// [`Error::EmptyBatch`] for no samples, the target's error for an invalid target, and
/// [`Error::NonFiniteLoss`] or [`Error::NonFiniteGradient`] when the results are not finite.
pub fn batch_gradient<N: Network>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    grads.as_mut_slice().fill(N::Scalar::zero());
    let loss = mean_gradient(network, inputs, targets, grads)?;
    check_finite(grads)?;
    Ok(loss)
}

/// [`batch_gradient`] into gradients that are already zero, without checking them.
fn mean_gradient<N: Network>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    let (loss, scale) = summed_gradient(network, inputs, targets, grads)?;
    crate::optim::scale_in_place(grads, scale);
    Ok(loss)
}

/// The batch checked, every sample's gradient added to `sums` (zero on entry), and the mean
/// loss, checked to be finite, with the `scale` that makes the sums a mean. The gradients are
/// checked by the caller: [`batch_gradient`] does, while a training step leaves it to the
/// optimizer, whose step checks every new value anyway.
fn summed_gradient<N: Network>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
    sums: &mut N::Grads,
) -> Result<(N::Scalar, N::Scalar), Error> {
    check_batch::<N>(inputs, targets)?;
    let scale = mean_scale(inputs.len());
    let loss = finite_loss(network.accumulate_batch(inputs, targets, scale, sums))?;
    Ok((loss, scale))
}

/// One step of mini-batch gradient descent: the mean gradient of the batch, then
/// `w = w - learning_rate * mean dJ/dw`. Returns the mean loss before the update.
///
/// The gradient buffer lives on the stack, or on the heap for a network whose gradients are
/// larger than [`crate::STACK_BUFFER_LIMIT`]: with `std` a buffer each thread keeps and
/// reuses (allocated by its first step, grown for a larger network), without it one
/// allocated per call (to train a large network without allocating there, keep a
/// `NetGrads::boxed()` for [`batch_gradient`] and call the optimizer yourself).
///
/// # Errors
///
/// As [`batch_gradient`], [`Error::InvalidLearningRate`], and
/// [`Error::NonFiniteParameter`] if the update would make a parameter NaN or infinite; on
/// any error the parameters are left unchanged.
#[inline]
pub fn train_batch<N: Network>(
    network: &mut N,
    inputs: &[N::Input],
    targets: &[N::Target],
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    train_batch_with(network, &mut Sgd::new(learning_rate)?, inputs, targets)
}

/// One step of mini-batch training with any optimizer: the gradients of the batch summed
/// ([`Network::accumulate_batch`]), then [`Optimizer::step_on_sum`], the step on their mean.
/// Returns the mean loss before the update.
///
/// # Errors
///
/// As [`batch_gradient`] and [`Optimizer::step`]; on any error neither the parameters nor
/// the optimizer's state change.
pub fn train_batch_with<N: Network, O: Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    inputs: &[N::Input],
    targets: &[N::Target],
) -> Result<N::Scalar, Error> {
    with_buffer(|sums: &mut N::Grads| {
        let (loss, scale) = summed_gradient(network, inputs, targets, sums)?;
        optimizer.step_on_sum(network, sums, scale)?;
        Ok(loss)
    })
}

/// One optimizer step from a batch gradient that `gradient` computes in parallel, into a
/// buffer on the stack or, for large networks, the heap.
#[cfg(feature = "rayon")]
fn step_on_batch_gradient<N: Network, O: Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    gradient: impl FnOnce(&N, &mut N::Grads) -> Result<N::Scalar, Error>,
) -> Result<N::Scalar, Error> {
    with_buffer(|grads: &mut N::Grads| {
        let loss = gradient(network, grads)?;
        optimizer.step(network, grads)?;
        Ok(loss)
    })
}

/// [`batch_gradient`] with the batch split across rayon's threads: each thread sums the
/// gradients of its share, and the shares are added up. The result equals the sequential
/// one up to the order of the floating-point additions.
///
/// # Errors
///
/// As [`batch_gradient`].
#[cfg(feature = "rayon")]
pub fn batch_gradient_parallel<N>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error>
where
    N: Network + Sync,
    N::Input: Sync,
    N::Target: Sync,
    N::Grads: Send,
{
    use rayon::prelude::*;

    check_batch::<N>(inputs, targets)?;
    let threads = rayon::current_num_threads().max(1);
    let chunk = inputs.len().div_ceil(threads);
    let scale = mean_scale(inputs.len());
    // Each share's gradient is on the heap, whatever its size: a rayon thread has a 2 MiB
    // stack, and one allocation per thread is small beside the work a thread is given.
    let share = |inputs: &[N::Input], targets: &[N::Target]| {
        let mut grads = zeroed_box::<N::Grads>();
        let loss = network.accumulate_batch(inputs, targets, scale, &mut grads);
        (loss, grads)
    };
    let shares = inputs.par_chunks(chunk).zip(targets.par_chunks(chunk));
    let (loss, sum) = shares
        .map(|(inputs, targets)| share(inputs, targets))
        .reduce_with(|(loss_a, mut grads_a), (loss_b, grads_b)| {
            for (a, &b) in grads_a.as_mut_slice().iter_mut().zip(grads_b.as_slice()) {
                *a = *a + b;
            }
            (loss_a + loss_b, grads_a)
        })
        .unwrap_or_else(|| share(&[], &[]));
    grads.as_mut_slice().copy_from_slice(sum.as_slice());
    crate::optim::scale_in_place(grads, scale);
    let loss = finite_loss(loss)?;
    check_finite(grads)?;
    Ok(loss)
}

/// [`train_batch`] with the gradient computed by [`batch_gradient_parallel`].
///
/// # Errors
///
/// As [`train_batch`]; on any error the parameters are left unchanged.
#[cfg(feature = "rayon")]
pub fn train_batch_parallel<N>(
    network: &mut N,
    inputs: &[N::Input],
    targets: &[N::Target],
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error>
where
    N: Network + Sync,
    N::Input: Sync,
    N::Target: Sync,
    N::Grads: Send,
{
    step_on_batch_gradient(network, &mut Sgd::new(learning_rate)?, |network, grads| {
        batch_gradient_parallel(network, inputs, targets, grads)
    })
}
