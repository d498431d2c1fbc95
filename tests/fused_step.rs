//! The generated fused `train_step` at the edges of its guard: a step the guard cannot vouch
//! for is still taken exactly when it is finite, and one that would overflow is refused
//! whole. (That an ordinary fused step equals `backward` then `sgd_update` bit for bit is
//! checked on every topology of the gradient tests, `common::assert_train_step_is_backward_then_sgd`.)

mod common;

use backprop_runtime::{network, Error};
use common::assert_train_step_is_backward_then_sgd;

network! {
    /// y = w x + b, to put chosen numbers through one step.
    pub struct Line<f32> {
        input x;
        output y = identity(w * x + b);
        loss half_squared_error;
    }
}

network! {
    /// A layer, a single neuron reading it, and a layer reading single values: every kind of
    /// in-place update.
    pub struct Mixed<f32> {
        input x[3];
        input s;
        layer h[4] = tanh(W * x + V * s + c);
        neuron n = sigmoid(u * h + e);
        output y[2] = identity(A * h + B * n + d);
        loss mean_squared_error;
    }
}

#[test]
fn a_step_too_large_for_the_guard_is_taken_by_the_general_step() {
    // dJ/dw = (y - t) x = 1e35, times a learning rate of 1: past a quarter ulp of f32::MAX
    // (about 1e31), so the guard sends the step to the general one, which takes it.
    let net = Line { w: 0.0, b: 0.0 };
    assert_train_step_is_backward_then_sgd(&net, &[1e20], &[-1e15], 1.0);
    let mut stepped = net;
    stepped.train_step(&[1e20], &[-1e15], 1.0).unwrap();
    assert_eq!(stepped.w, -1e35);
}

network! {
    /// Two single neurons on two inputs, to give one a huge delta and the other a huge
    /// source.
    pub struct Pair<f32> {
        input x1, x2;
        neuron a = identity(p * x1);
        neuron b = identity(q * x2);
        output y = identity(r * a + s * b);
        loss half_squared_error;
    }
}

#[test]
fn a_step_past_the_single_neurons_bound_is_taken_by_the_general_step() {
    // The guard bounds single neurons' gradients by their largest delta (b's, 1e20) times
    // their largest source (x1, 1e30): 1e50 overflows, so it refuses. Every true gradient
    // is finite (p's 1e-20 * 1e30, q's 1e20 * 1e-3), so the general step takes it.
    let net = Pair {
        p: 0.0,
        q: 0.0,
        r: 1e-20,
        s: 1e20,
    };
    assert_train_step_is_backward_then_sgd(&net, &[1e30, 1e-3], &[-1.0], 1e-20);
    let mut stepped = net;
    assert_eq!(stepped.train_step(&[1e30, 1e-3], &[-1.0], 1e-20), Ok(0.5));
    let (lr, dz_a, dz_b) = (1e-20_f32, 1e-20_f32, 1e20_f32);
    assert_eq!(
        [stepped.p, stepped.q],
        [-(lr * (dz_a * 1e30)), -(lr * (dz_b * 1e-3))]
    );
}

#[test]
fn a_step_that_would_overflow_a_weight_changes_nothing() {
    let mut net = Line { w: 3e38, b: -3e38 };
    let before = net;
    // A finite loss (5e37) and gradient (1e19), but w - 1e20 * 1e19 overflows.
    let error = net.train_step(&[1.0], &[-1e19], 1e20).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteParameter { .. }),
        "{error:?}"
    );
    assert_eq!(net.as_slice(), before.as_slice());
}

#[test]
fn a_non_finite_input_is_reported_and_changes_nothing() {
    let mut net = Mixed::default();
    net.as_mut_slice()
        .iter_mut()
        .enumerate()
        .for_each(|(i, w)| *w = (i as f32 * 0.7).sin());
    let before = net;
    // NaN reaches the loss; an infinite input saturates tanh, so the loss is finite, but
    // its weights' gradients are `dz * inf`.
    let error = net
        .train_step(&[0.5, f32::NAN, -0.5, 1.0], &[0.1, 0.2], 0.1)
        .unwrap_err();
    assert!(matches!(error, Error::NonFiniteLoss { .. }), "{error:?}");
    assert_eq!(net.as_slice(), before.as_slice());
    let error = net
        .train_step(&[0.5, f32::INFINITY, -0.5, 1.0], &[0.1, 0.2], 0.1)
        .unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteGradient { parameter: "W", .. }),
        "{error:?}"
    );
    assert_eq!(net.as_slice(), before.as_slice());
}

#[test]
fn every_kind_of_update_is_the_plain_step() {
    let mut net = Mixed::default();
    net.as_mut_slice()
        .iter_mut()
        .enumerate()
        .for_each(|(i, w)| *w = (i as f32 * 1.3).cos() * 0.8);
    for k in 0..20 {
        let t = k as f32 * 0.1;
        let input = [t.sin(), t.cos(), -t, 0.5 - t];
        let target = [t, -t];
        assert_train_step_is_backward_then_sgd(&net, &input, &target, 0.05);
        net.train_step(&input, &target, 0.05).unwrap();
    }
}

network! {
    /// A layer as wide as an AVX register: its fused step is the copy compiled for AVX2 and
    /// FMA where the CPU has them (`FusedStep::WIDE`), guard and all.
    pub struct Wide<f32> {
        input x[3];
        layer h[8] = tanh(W * x + c);
        output y = identity(v * h + d);
        loss half_squared_error;
    }
}

fn wide() -> Wide {
    let mut net = Wide::default();
    net.as_mut_slice()
        .iter_mut()
        .enumerate()
        .for_each(|(i, w)| *w = (i as f32 * 0.9).sin() * 0.7);
    net
}

#[test]
fn the_wide_step_is_the_plain_step() {
    let mut net = wide();
    for k in 0..20 {
        let t = k as f32 * 0.15;
        let input = [t.cos(), -t, 0.25 * t];
        assert_train_step_is_backward_then_sgd(&net, &input, &[t.sin()], 0.05);
        net.train_step(&input, &[t.sin()], 0.05).unwrap();
    }
}

#[test]
fn the_wide_step_refuses_what_would_not_be_finite_and_changes_nothing() {
    let mut net = wide();
    let before = net;
    // An infinite input saturates tanh: a finite loss, but `W`'s gradients are `dz * inf`.
    let error = net
        .train_step(&[0.5, f32::INFINITY, -0.5], &[0.1], 0.1)
        .unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteGradient { parameter: "W", .. }),
        "{error:?}"
    );
    assert_eq!(net.as_slice(), before.as_slice());
    // Finite gradients (about 1e19 for `d`), but `d - 1e20 * 1e19` overflows.
    let error = net.train_step(&[0.0; 3], &[-1e19], 1e20).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteParameter { .. }),
        "{error:?}"
    );
    assert_eq!(net.as_slice(), before.as_slice());
    // Large but finite gradients: the step is taken, exactly as the plain step takes it.
    assert_train_step_is_backward_then_sgd(&net, &[1e18, 0.0, 0.0], &[-1e19], 1e-10);
}

network! {
    /// A network named as the hidden trait of the fused step, with layers, weights and an
    /// output named as its constant, its method, its parameters and its locals, wide enough
    /// to take the AVX2 copy.
    pub struct FusedStep<f32> {
        input input[3];
        layer guard[8] = tanh(WIDE * input + fused_step);
        layer loss[8] = tanh(learning_rate * guard + target);
        output Some = identity(None * loss + Option);
        loss half_squared_error;
    }
}

#[test]
fn no_user_name_reaches_the_fused_step() {
    let mut net = FusedStep::default();
    net.as_mut_slice()
        .iter_mut()
        .enumerate()
        .for_each(|(i, w)| *w = (i as f32 * 0.3).sin() * 0.5);
    for k in 0..10 {
        let t = k as f32 * 0.2;
        let input = [t.cos(), 0.5 - t, 0.1 * t];
        assert_train_step_is_backward_then_sgd(&net, &input, &[t.sin()], 0.1);
        net.train_step(&input, &[t.sin()], 0.1).unwrap();
    }
}
