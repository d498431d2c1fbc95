//! No step leaves a network unusable: optimizers check their settings when built and at
//! every step, and a step that would make any parameter or optimizer state NaN or infinite
//! is rejected whole, changing nothing, whatever the learning rate.

use backprop_runtime::optim::{Adam, Momentum, Optimizer, Rprop, Sgd};
use backprop_runtime::{
    network, train_batch, train_batch_with, train_step_with, ClassTarget, Error, Network,
};
use backprop_tests::nets::{Xor231, XOR_INPUTS, XOR_TARGETS};

network! {
    /// A small classifier in f32, where overflow is near.
    pub struct Classifier<f32> {
        input x[3];
        layer h[4] = relu(W1 * x + b1);
        output logits[2] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

fn classifier() -> Classifier {
    let mut net = Classifier::default();
    for (k, w) in net.as_mut_slice().iter_mut().enumerate() {
        *w = ((k * 7 % 11) as f32 - 5.0) * 0.1;
    }
    net
}

const SAMPLE: [f32; 3] = [1.0, -2.0, 0.5];

fn label() -> ClassTarget<f32, 2> {
    ClassTarget::Index(1)
}

#[test]
fn a_huge_finite_learning_rate_is_rejected_and_changes_nothing() {
    let mut net = classifier();
    let before = net;
    let large = SAMPLE.map(|x| x * 100.0);
    let error = net.train_step(&large, &label(), f32::MAX).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteParameter { value, .. } if value.is_infinite()),
        "{error:?}"
    );
    assert_eq!(net, before);
    assert!(error
        .to_string()
        .contains("is the learning rate too large?"));

    // The network can still be trained.
    let loss = net.train_step(&SAMPLE, &label(), 0.1).unwrap();
    assert!(net.loss(&SAMPLE, &label()) < loss);

    let batch = [large, [0.0, 100.0, 200.0]];
    let labels = [label(), ClassTarget::Index(0)];
    let mut net = classifier();
    let before = net;
    let error = train_batch(&mut net, &batch, &labels, f32::MAX).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteParameter { .. }),
        "{error:?}"
    );
    assert_eq!(net, before);
}

/// Whether `optimizer` rejects a step that would overflow, leaving both the network and
/// its own state as they were: the next good step must equal that of a twin optimizer that
/// never saw the bad step.
fn assert_rejects_overflow<O: Optimizer<Classifier> + std::fmt::Debug>(
    make: impl Fn() -> O,
    bad_grads: <Classifier as Network>::Grads,
) {
    let mut net = classifier();
    let mut optimizer = make();
    let mut twin_net = classifier();
    let mut twin = make();
    // One good step for both, so that the state is not at its start.
    train_step_with(&mut net, &mut optimizer, &SAMPLE, &label()).unwrap();
    train_step_with(&mut twin_net, &mut twin, &SAMPLE, &label()).unwrap();

    let before = net;
    let error = optimizer.step(&mut net, &bad_grads).unwrap_err();
    assert!(
        matches!(
            error,
            Error::NonFiniteParameter { .. } | Error::NonFiniteGradient { .. }
        ),
        "{optimizer:?}: {error:?}"
    );
    assert_eq!(net, before, "{optimizer:?} changed the network");

    train_step_with(&mut net, &mut optimizer, &SAMPLE, &label()).unwrap();
    train_step_with(&mut twin_net, &mut twin, &SAMPLE, &label()).unwrap();
    assert_eq!(net, twin_net, "{optimizer:?} changed its state");
}

/// Gradients every one of which is `value`.
fn grads_of(value: f32) -> <Classifier as Network>::Grads {
    let mut grads = <Classifier as Network>::Grads::default();
    grads.as_mut_slice().fill(value);
    grads
}

#[test]
fn every_optimizer_rejects_an_overflowing_step_whole() {
    // SGD and momentum: w - lr g overflows.
    assert_rejects_overflow(|| Sgd::new(2.0).unwrap(), grads_of(f32::MAX));
    assert_rejects_overflow(|| Momentum::new(2.0, 0.5).unwrap(), grads_of(f32::MAX));
    // Adam: g^2 overflows the second moment (the weights alone would stay finite).
    assert_rejects_overflow(|| Adam::new(0.01).unwrap(), grads_of(1e30));
    // A NaN gradient, for each.
    assert_rejects_overflow(|| Sgd::new(0.1).unwrap(), grads_of(f32::NAN));
    assert_rejects_overflow(|| Adam::new(0.01).unwrap(), grads_of(f32::NAN));
    assert_rejects_overflow(|| Momentum::new(0.1, 0.5).unwrap(), grads_of(f32::NAN));

    let mut net = Xor231::start();
    let mut rprop = Rprop::new();
    let before = net;
    let error = rprop
        .step(&mut net, &<Xor231 as Network>::Grads::default().map_nan())
        .unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteGradient { .. }),
        "{error:?}"
    );
    assert_eq!(net, before);
    train_batch_with(&mut net, &mut rprop, &XOR_INPUTS, &XOR_TARGETS).unwrap();
}

/// A gradient with a NaN in its last entry.
trait MapNan {
    fn map_nan(self) -> Self;
}

impl MapNan for <Xor231 as Network>::Grads {
    fn map_nan(mut self) -> Self {
        *self.as_mut_slice().last_mut().unwrap() = f64::NAN;
        self
    }
}

#[test]
fn settings_out_of_range_are_errors_when_built() {
    let setting = |result: Result<(), Error>| match result.unwrap_err() {
        Error::InvalidSetting { setting, .. } => setting,
        Error::InvalidLearningRate { .. } => "learning_rate",
        other => panic!("{other:?}"),
    };
    for learning_rate in [-1.0, f32::NAN, f32::INFINITY] {
        assert_eq!(setting(Sgd::new(learning_rate).map(drop)), "learning_rate");
        assert_eq!(
            setting(Adam::<Classifier>::new(learning_rate).map(drop)),
            "learning_rate"
        );
        assert_eq!(
            setting(Momentum::<Classifier>::new(learning_rate, 0.9).map(drop)),
            "learning_rate"
        );
    }
    let adam = |b1, b2, eps| Adam::<Classifier>::with_settings(0.01, b1, b2, eps).map(drop);
    assert_eq!(setting(adam(1.0, 0.999, 1e-8)), "beta1");
    assert_eq!(setting(adam(-0.1, 0.999, 1e-8)), "beta1");
    assert_eq!(setting(adam(0.9, f32::NAN, 1e-8)), "beta2");
    assert_eq!(setting(adam(0.9, 0.999, 0.0)), "epsilon");
    assert_eq!(setting(adam(0.9, 0.999, f32::INFINITY)), "epsilon");
    assert!(adam(0.0, 0.0, 1e-8).is_ok());
    for momentum in [1.0, -0.5, f32::NAN] {
        assert_eq!(
            setting(Momentum::<Classifier>::new(0.1, momentum).map(drop)),
            "momentum"
        );
    }
    assert_eq!(
        setting(Rprop::<Classifier>::with_initial_step(100.0).map(drop)),
        "initial_step"
    );
}

#[test]
fn settings_changed_after_building_are_checked_at_every_step() {
    let mut net = classifier();
    let before = net;
    let grads = grads_of(0.5);

    let mut adam = Adam::new(0.01).unwrap();
    adam.beta1 = 1.0;
    assert!(matches!(
        adam.step(&mut net, &grads),
        Err(Error::InvalidSetting {
            setting: "beta1",
            ..
        })
    ));
    assert_eq!(adam.steps(), 0);
    adam.beta1 = 0.9;
    adam.learning_rate = -0.01;
    assert!(matches!(
        adam.step(&mut net, &grads),
        Err(Error::InvalidLearningRate { .. })
    ));

    let mut sgd = Sgd::new(0.1).unwrap();
    sgd.learning_rate = f32::NAN;
    assert!(matches!(
        sgd.step(&mut net, &grads),
        Err(Error::InvalidLearningRate { .. })
    ));

    let mut momentum = Momentum::new(0.1, 0.9).unwrap();
    momentum.momentum = 1.5;
    assert!(momentum.step(&mut net, &grads).is_err());

    let mut rprop = Rprop::new();
    rprop.decrease = 0.0;
    assert!(matches!(
        rprop.step(&mut net, &grads),
        Err(Error::InvalidSetting {
            setting: "decrease",
            ..
        })
    ));
    rprop.decrease = 0.5;
    rprop.max_step = 1e-9;
    assert!(matches!(
        rprop.step(&mut net, &grads),
        Err(Error::InvalidSetting {
            setting: "max_step",
            ..
        })
    ));
    assert_eq!(net, before);
}

#[test]
fn a_nan_sample_has_no_predicted_class() {
    let net = classifier();
    assert_eq!(net.predict_class(&[f32::NAN, 0.0, 0.0]), None);
    assert!(net
        .predict(&[f32::NAN, 0.0, 0.0])
        .iter()
        .all(|o| o.is_nan()));
    assert!(net.predict_class(&SAMPLE).is_some());
}

#[test]
fn a_batch_mean_is_finite_when_only_its_sum_overflows() {
    network! {
        /// o = w x: a loss of 1/2 (w x - t)^2 near the largest f32.
        pub struct Big<f32> {
            input x;
            output o = identity(w * x);
            loss half_squared_error;
        }
    }
    let net = Big { w: 2.5e19 };
    // Each loss is 1/2 (2.5e19)^2 = 3.1e38, below f32::MAX = 3.4e38; their sum is not.
    let inputs = [[1.0], [1.0]];
    let targets = [[0.0], [0.0]];
    let mut grads = BigGrads::default();
    let loss = backprop_runtime::batch_gradient(&net, &inputs, &targets, &mut grads).unwrap();
    assert!(loss.is_finite());
    assert!((loss / 3.125e38 - 1.0).abs() < 1e-6, "{loss}");
}
