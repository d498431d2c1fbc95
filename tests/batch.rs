//! Mini-batches: the mean of the per-sample gradients, one update, no change on error, and
//! the parallel split agreeing with the sequential sum.

mod common;

use backprop_runtime::optim::{Optimizer, Sgd};
use backprop_runtime::{
    batch_gradient, batch_gradient_parallel, network, sgd_update, train_batch_parallel,
    train_batch_with, Error, Network,
};
use common::{random_network, SplitMix};

network! {
    /// A small regressor.
    pub struct Regressor<f64> {
        input x[4];
        layer h[5] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

fn batch(random: &mut SplitMix, size: usize) -> (Vec<[f64; 4]>, Vec<[f64; 2]>) {
    let inputs = (0..size)
        .map(|_| Regressor::input_from_slice(&random.values(4, -1.0, 1.0)).unwrap())
        .collect();
    let targets = (0..size)
        .map(|_| {
            let t = random.values(2, -1.0, 1.0);
            [t[0], t[1]]
        })
        .collect();
    (inputs, targets)
}

#[test]
fn batch_gradient_is_the_mean_of_sample_gradients() {
    let mut random = SplitMix::new(11);
    let net: Regressor = random_network(&mut random);
    let (inputs, targets) = batch(&mut random, 7);

    let mut expected = vec![0.0; Regressor::PARAMS];
    let mut expected_loss = 0.0;
    for (x, t) in inputs.iter().zip(&targets) {
        let trace = net.forward(x);
        expected_loss += trace.loss(t) / 7.0;
        for (e, g) in expected.iter_mut().zip(net.backward(&trace, t).as_slice()) {
            *e += g / 7.0;
        }
    }
    let mut grads = RegressorGrads::default();
    let loss = batch_gradient(&net, &inputs, &targets, &mut grads).unwrap();
    assert!((loss - expected_loss).abs() < 1e-14);
    for (g, e) in grads.as_slice().iter().zip(&expected) {
        assert!((g - e).abs() < 1e-14, "{g} vs {e}");
    }

    // One update with the mean gradient.
    let mut trained = net;
    trained.train_batch(&inputs, &targets, 0.5).unwrap();
    for ((after, before), g) in trained.as_slice().iter().zip(net.as_slice()).zip(&expected) {
        assert!((after - (before - 0.5 * g)).abs() < 1e-14);
    }
}

#[test]
fn train_batch_is_sgd_on_the_mean_gradient_bit_for_bit() {
    let mut random = SplitMix::new(13);
    let net: Regressor = random_network(&mut random);
    for size in [1, 5, 19, 40] {
        let (inputs, targets) = batch(&mut random, size);
        let mut fused = net;
        let loss = fused.train_batch(&inputs, &targets, 0.3).unwrap();
        // The definition: the mean gradient, then `w - learning_rate * mean`.
        let mut plain = net;
        let mut mean = RegressorGrads::default();
        let plain_loss = batch_gradient(&plain, &inputs, &targets, &mut mean).unwrap();
        sgd_update(&mut plain, &mean, 0.3);
        assert_eq!(loss.to_bits(), plain_loss.to_bits(), "{size} samples");
        for (index, (a, b)) in fused.as_slice().iter().zip(plain.as_slice()).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{size} samples, parameter {index}"
            );
        }
    }
}

#[test]
fn any_optimizer_steps_on_the_mean_of_a_batch_bit_for_bit() {
    use backprop_runtime::optim::Adam;
    let mut random = SplitMix::new(15);
    let net: Regressor = random_network(&mut random);
    let (inputs, targets) = batch(&mut random, 13);
    // `train_batch_with` hands the summed gradients to `Optimizer::step_on_sum`, whose
    // default forms the mean and calls `step`: the same as the mean, then `step`.
    let (mut by_sums, mut adam) = (net, Adam::new(0.01).unwrap());
    let (mut by_mean, mut reference) = (net, Adam::new(0.01).unwrap());
    for _ in 0..3 {
        let loss = train_batch_with(&mut by_sums, &mut adam, &inputs, &targets).unwrap();
        let mut mean = RegressorGrads::default();
        let mean_loss = batch_gradient(&by_mean, &inputs, &targets, &mut mean).unwrap();
        reference.step(&mut by_mean, &mean).unwrap();
        assert_eq!(loss.to_bits(), mean_loss.to_bits());
        for (a, b) in by_sums.as_slice().iter().zip(by_mean.as_slice()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}

#[test]
fn an_overflowing_batch_step_is_refused_and_named() {
    let mut random = SplitMix::new(14);
    let mut net: Regressor = random_network(&mut random);
    let before = net;
    let (inputs, mut targets) = batch(&mut random, 4);
    // Targets far off make gradients in the hundreds: finite, but a step of 1e306 times
    // one overflows.
    for target in &mut targets {
        *target = target.map(|t| 1e3 * t);
    }
    let error = net.train_batch(&inputs, &targets, 1e306).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteParameter { value, .. } if value.is_infinite()),
        "{error}"
    );
    assert_eq!(net, before);
    // The same error as the optimizer's own step on the mean gradient.
    let mut mean = RegressorGrads::default();
    batch_gradient(&net, &inputs, &targets, &mut mean).unwrap();
    assert_eq!(Sgd::new(1e306).unwrap().step(&mut net, &mean), Err(error));
}

#[test]
fn bad_batches_are_errors_and_change_nothing() {
    let mut random = SplitMix::new(12);
    let mut net: Regressor = random_network(&mut random);
    let before = net;
    let (inputs, targets) = batch(&mut random, 3);
    assert_eq!(
        net.train_batch(&inputs, &targets[..2], 0.1),
        Err(Error::LengthMismatch {
            what: "target",
            expected: 3,
            found: 2
        })
    );
    assert_eq!(net.train_batch(&[], &[], 0.1), Err(Error::EmptyBatch));
    let mut poisoned = targets.clone();
    poisoned[1][0] = f64::NAN;
    assert!(matches!(
        net.train_batch(&inputs, &poisoned, 0.1),
        Err(Error::NonFiniteLoss { .. })
    ));
    assert!(matches!(
        net.train_batch(&inputs, &targets, -1.0),
        Err(Error::InvalidLearningRate { .. })
    ));
    assert_eq!(net, before);
}

#[test]
fn parallel_batches_equal_sequential_ones() {
    let mut random = SplitMix::new(13);
    let net: Regressor = random_network(&mut random);
    let (inputs, targets) = batch(&mut random, 101);
    let mut sequential = RegressorGrads::default();
    let mut parallel = RegressorGrads::default();
    let loss = batch_gradient(&net, &inputs, &targets, &mut sequential).unwrap();
    let parallel_loss = batch_gradient_parallel(&net, &inputs, &targets, &mut parallel).unwrap();
    assert!((loss - parallel_loss).abs() <= 1e-12 * loss.abs());
    for (s, p) in sequential.as_slice().iter().zip(parallel.as_slice()) {
        assert!((s - p).abs() <= 1e-12 * s.abs().max(1e-300), "{s} vs {p}");
    }

    let mut a = net;
    let mut b = net;
    a.train_batch(&inputs, &targets, 0.1).unwrap();
    train_batch_parallel(&mut b, &inputs, &targets, 0.1).unwrap();
    for (a, b) in a.as_slice().iter().zip(b.as_slice()) {
        assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0));
    }
}
