//! Mini-batch training: the mean gradient of a batch and one update, without allocating.

use num_traits::{Float, One, Zero};

use crate::{check_finite, sgd_update, Error, Network, Parameters, Scalar};

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

/// Adds the gradients of every sample to `grads` and returns the summed loss.
fn accumulate<N: Network>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
    grads: &mut N::Grads,
) -> N::Scalar {
    let mut loss = N::Scalar::zero();
    for (input, target) in inputs.iter().zip(targets) {
        let trace = network.forward(input);
        loss = loss + N::loss(&trace, target);
        network.backward_accumulate(&trace, target, grads);
    }
    loss
}

/// Divides the summed loss and gradients by the batch size and checks that all are finite.
fn finish_mean<N: Network>(
    loss: N::Scalar,
    samples: usize,
    grads: &mut N::Grads,
) -> Result<N::Scalar, Error> {
    let scale = N::Scalar::one() / N::Scalar::from_f64(samples as f64);
    for g in grads.as_mut_slice() {
        *g = *g * scale;
    }
    let loss = loss * scale;
    if !loss.is_finite() {
        return Err(Error::NonFiniteLoss {
            loss: loss.to_f64(),
        });
    }
    check_finite(grads)?;
    Ok(loss)
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
    check_batch::<N>(inputs, targets)?;
    grads.as_mut_slice().fill(N::Scalar::zero());
    let loss = accumulate(network, inputs, targets, grads);
    finish_mean::<N>(loss, inputs.len(), grads)
}

/// One step of mini-batch gradient descent: the mean gradient of the batch, then
/// `w = w - learning_rate * mean dJ/dw`. Returns the mean loss before the update.
///
/// The gradient buffer lives on the stack: nothing is allocated.
///
/// # Errors
///
/// As [`batch_gradient`], and [`Error::InvalidLearningRate`]; on any error the parameters
/// are left unchanged.
pub fn train_batch<N: Network>(
    network: &mut N,
    inputs: &[N::Input],
    targets: &[N::Target],
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    sgd_on_batch_gradient(network, learning_rate, |network, grads| {
        batch_gradient(network, inputs, targets, grads)
    })
}

/// One SGD step from a batch gradient that `gradient` computes (sequentially or in
/// parallel): the learning rate checked first, the parameters changed only if both succeed.
fn sgd_on_batch_gradient<N: Network>(
    network: &mut N,
    learning_rate: N::Scalar,
    gradient: impl FnOnce(&N, &mut N::Grads) -> Result<N::Scalar, Error>,
) -> Result<N::Scalar, Error> {
    crate::train::check_learning_rate(learning_rate)?;
    let mut grads = N::Grads::default();
    let loss = gradient(network, &mut grads)?;
    sgd_update(network, &grads, learning_rate);
    Ok(loss)
}

/// One step of mini-batch training with any optimizer: the mean gradient of the batch,
/// then `optimizer.step`. Returns the mean loss before the update.
///
/// # Errors
///
/// As [`batch_gradient`]; on any error neither the parameters nor the optimizer's state
/// change.
pub fn train_batch_with<N: Network, O: crate::optim::Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    inputs: &[N::Input],
    targets: &[N::Target],
) -> Result<N::Scalar, Error> {
    let mut grads = N::Grads::default();
    let loss = batch_gradient(network, inputs, targets, &mut grads)?;
    optimizer.step(network, &grads);
    Ok(loss)
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
    let (loss, sum) = inputs
        .par_chunks(chunk)
        .zip(targets.par_chunks(chunk))
        .map(|(inputs, targets)| {
            let mut grads = N::Grads::default();
            let loss = accumulate(network, inputs, targets, &mut grads);
            (loss, grads)
        })
        .reduce(
            || (N::Scalar::zero(), N::Grads::default()),
            |(loss_a, mut grads_a), (loss_b, grads_b)| {
                for (a, &b) in grads_a.as_mut_slice().iter_mut().zip(grads_b.as_slice()) {
                    *a = *a + b;
                }
                (loss_a + loss_b, grads_a)
            },
        );
    *grads = sum;
    finish_mean::<N>(loss, inputs.len(), grads)
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
    sgd_on_batch_gradient(network, learning_rate, |network, grads| {
        batch_gradient_parallel(network, inputs, targets, grads)
    })
}
