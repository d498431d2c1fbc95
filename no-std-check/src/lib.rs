//! Networks declared and trained without `std` or `alloc`.
#![no_std]
#![deny(warnings, missing_docs)]

use backprop_runtime::optim::{Adam, Optimizer};
use backprop_runtime::{batch_gradient, network, train_step, Error};

network! {
    /// XOR, neuron by neuron.
    pub struct Xor<f32> {
        input x1, x2;
        neuron h1 = sigmoid(w11 * x1 + w21 * x2 + b1);
        neuron h2 = sigmoid(w12 * x1 + w22 * x2 + b2);
        output o = sigmoid(u1 * h1 + u2 * h2 + c);
        loss binary_cross_entropy;
    }
}

network! {
    /// A small layered regressor with a user-defined activation.
    pub struct Layered<f64> {
        activation softsign(z) = z / (1.0 + abs(z));
        input x[4];
        layer h[8] = softsign(W * x + b);
        output o[2] = identity(V * h + c);
        loss mean_squared_error;
    }
}

// Written by `cargo run --example bake -- no-std-check/src/trained_xor.rs`: a model trained
// elsewhere, compiled into this binary.
include!("trained_xor.rs");

/// The trained XOR's answer for `a XOR b`, from the baked parameters: no file, no loading.
#[must_use]
pub fn trained_xor(a: bool, b: bool) -> bool {
    let input = [f32::from(u8::from(a)), f32::from(u8::from(b))];
    TRAINED_XOR.predict(&input)[0] > 0.5
}

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const TARGETS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

/// Trains XOR by per-sample SGD and returns the last epoch's summed loss.
///
/// # Errors
///
/// If a step is not finite.
pub fn train_xor(net: &mut Xor, epochs: usize) -> Result<f32, Error> {
    let mut total = 0.0;
    for _ in 0..epochs {
        total = 0.0;
        for (input, target) in INPUTS.iter().zip(&TARGETS) {
            total += train_step(net, input, target, 0.5)?;
        }
    }
    Ok(total)
}

/// One Adam step on a batch, with the gradient buffer on the stack.
///
/// # Errors
///
/// If the batch is empty or not finite, or the step would make a parameter non-finite.
pub fn adam_batch_step(
    net: &mut Layered,
    adam: &mut Adam<Layered>,
    inputs: &[[f64; 4]],
    targets: &[[f64; 2]],
) -> Result<f64, Error> {
    let mut grads = LayeredGrads::default();
    let loss = batch_gradient(net, inputs, targets, &mut grads)?;
    adam.step(net, &grads)?;
    Ok(loss)
}

network! {
    /// A GRU read out every step: a streaming audio model on a target without an allocator.
    pub struct Streaming<f32> {
        input x;
        layer h[8] = gru(Wi * x + Wh * h.prev + bi + bh);
        output y = identity(v * h + c);
        loss half_squared_error;
        precision fast;
    }
}

/// Streams `signal` through the network in place: one `step` per sample, the state kept
/// between calls, no allocation.
pub fn stream(net: &Streaming, state: &mut StreamingState, signal: &mut [f32]) {
    for sample in signal {
        *sample = net.step(state, &[*sample])[0];
    }
}

/// One step of backpropagation through time over a window of 16 samples, with the trace
/// buffer on the stack.
///
/// # Errors
///
/// If the loss or an update is not finite.
pub fn train_window(
    net: &mut Streaming,
    inputs: &[[f32; 1]; 16],
    targets: &[[f32; 1]; 16],
) -> Result<f32, Error> {
    use backprop_runtime::recurrent::{train_sequence, Horizon, Targets};
    let mut traces = [StreamingTrace::ZERO; 16];
    train_sequence(
        net,
        inputs,
        Targets::EveryStep(targets),
        Horizon::Full,
        0.01,
        &mut traces,
    )
}
