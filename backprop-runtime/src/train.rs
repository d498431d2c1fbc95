//! One training step, generic over every network.

use num_traits::{Float, Zero};

use crate::{Error, Network, Parameters, Scalar};

/// Plain gradient descent: `w = w - learning_rate * dJ/dw` for every parameter.
///
/// The types pair a network with its own gradients, so the two flat views always have the
/// same length.
#[inline]
pub fn sgd_update<N: Network>(network: &mut N, grads: &N::Grads, learning_rate: N::Scalar) {
    for (w, &g) in network.as_mut_slice().iter_mut().zip(grads.as_slice()) {
        *w = *w - learning_rate * g;
    }
}

/// The first gradient that is NaN or infinite, as an error naming its parameter.
///
/// # Errors
///
/// [`Error::NonFiniteGradient`] for the first non-finite entry in flat order.
pub fn check_finite<G: Parameters>(grads: &G) -> Result<(), Error> {
    match grads.as_slice().iter().position(|g| !g.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFiniteGradient {
            parameter: G::name_of(index).unwrap_or("?"),
            value: grads.as_slice()[index].to_f64(),
        }),
    }
}

/// A learning rate must be finite and not negative.
pub(crate) fn check_learning_rate<T: Scalar>(learning_rate: T) -> Result<(), Error> {
    if learning_rate.is_finite() && learning_rate >= T::zero() {
        Ok(())
    } else {
        Err(Error::InvalidLearningRate {
            learning_rate: learning_rate.to_f64(),
        })
    }
}

/// One step of stochastic gradient descent on one sample: forward, loss, backward, update.
/// Returns the loss before the update.
///
/// # Errors
///
/// - [`Error::InvalidLearningRate`] if `learning_rate` is negative or not finite;
/// - the error of [`Network::validate_target`] for an invalid target (a class that does
///   not exist);
/// - [`Error::NonFiniteLoss`] if the loss is NaN or infinite;
/// - [`Error::NonFiniteGradient`] if any gradient is NaN or infinite;
/// - [`Error::NonFiniteParameter`] if the update would make a parameter NaN or infinite.
///
/// In every error case the parameters are left exactly as they were.
#[inline]
pub fn train_step<N: Network>(
    network: &mut N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: N::Scalar,
) -> Result<N::Scalar, Error> {
    train_step_with(
        network,
        &mut crate::optim::Sgd::new(learning_rate)?,
        input,
        target,
    )
}

/// One step on one sample with any optimizer: forward, loss, backward, then
/// `optimizer.step`. Returns the loss before the update.
///
/// The gradient lives on the stack, or on the heap for a network whose gradients are
/// larger than [`crate::STACK_BUFFER_LIMIT`] (allocated per call: to train a large network
/// without allocating, keep a `NetGrads::boxed()` and call `backward_accumulate` and
/// `optimizer.step` yourself).
///
/// # Errors
///
/// As [`train_step`] (but the learning rate is the optimizer's own); on any error neither
/// the parameters nor the optimizer's state change.
pub fn train_step_with<N: Network, O: crate::optim::Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    input: &N::Input,
    target: &N::Target,
) -> Result<N::Scalar, Error> {
    N::validate_target(target)?;
    let trace = network.forward(input);
    let loss = N::trace_loss(&trace, target);
    if !loss.is_finite() {
        return Err(Error::NonFiniteLoss {
            loss: loss.to_f64(),
        });
    }
    if crate::heap::is_large::<N::Grads>() {
        crate::heap::with_buffer(|grads: &mut N::Grads| {
            // -0.0, the neutral start of a sum, as in `Network::backward`.
            grads.as_mut_slice().fill(-N::Scalar::zero());
            network.backward_accumulate(&trace, target, grads);
            optimizer.step(network, grads)
        })?;
    } else {
        // Its own function, so that an unoptimised build does not reserve stack for these
        // gradients when the branch above is the one taken.
        backward_on_stack(network, optimizer, &trace, target)?;
    }
    Ok(loss)
}

/// The backward pass into gradients on the stack, then the optimizer's step.
#[inline]
fn backward_on_stack<N: Network, O: crate::optim::Optimizer<N>>(
    network: &mut N,
    optimizer: &mut O,
    trace: &N::Trace,
    target: &N::Target,
) -> Result<(), Error> {
    let grads = network.backward(trace, target);
    optimizer.step(network, &grads)
}
