//! Array-valued nodes: dense layers, vector inputs and outputs, and nets mixing them with
//! single neurons, checked against central finite differences; the classification losses
//! at extreme logits.

mod common;

use backprop_runtime::{network, ClassTarget, Parameters};
use common::{assert_gradients_match, assert_gradients_match_with, assert_twins_agree, SplitMix};

network! {
    /// A 3-4-2 perceptron written with layers.
    pub struct Mlp<f64> {
        input x[3];
        layer h[4] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

network! {
    /// Its f32 twin.
    pub struct MlpF32<f32> {
        input x[3];
        layer h[4] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

#[test]
fn dense_layers_against_finite_differences() {
    assert_gradients_match::<Mlp>(1, 40);
    assert_twins_agree::<Mlp, MlpF32>(2, 40);
}

#[test]
fn dense_shapes_and_layout() {
    assert_eq!(Mlp::INPUTS, 3);
    assert_eq!(Mlp::OUTPUTS, 2);
    assert_eq!(Mlp::PARAMS, 4 * 3 + 4 + 2 * 4 + 2);
    let names: Vec<_> = Mlp::LAYOUT.iter().map(|p| (p.name, p.shape)).collect();
    assert_eq!(
        names,
        [
            ("W1", &[4, 3][..]),
            ("b1", &[4][..]),
            ("W2", &[2, 4][..]),
            ("b2", &[2][..])
        ]
    );
    let mut net = Mlp::default();
    net.W1[1][2] = 5.0;
    // Row-major: W1[1][2] is flat element 1 * 3 + 2.
    assert_eq!(net.as_slice()[5], 5.0);
}

/// A layer computes what the same net written neuron by neuron computes.
#[test]
fn a_layer_equals_its_neurons_written_out() {
    network! {
        /// Two tanh neurons and a sum, written out.
        pub struct ByHand<f64> {
            input x1, x2;
            neuron h1 = tanh(a11 * x1 + a12 * x2 + c1);
            neuron h2 = tanh(a21 * x1 + a22 * x2 + c2);
            output o = identity(u1 * h1 + u2 * h2);
            loss half_squared_error;
        }
    }
    network! {
        /// The same with a layer.
        pub struct ByLayer<f64> {
            input x[2];
            layer h[2] = tanh(A * x + c);
            output o = identity(u * h);
            loss half_squared_error;
        }
    }
    let mut random = SplitMix::new(3);
    let values = random.values(ByLayer::PARAMS, -1.0, 1.0);
    let mut layer = ByLayer::default();
    layer.copy_from_slice(&values).unwrap();
    let hand = ByHand {
        a11: layer.A[0][0],
        a12: layer.A[0][1],
        c1: layer.c[0],
        a21: layer.A[1][0],
        a22: layer.A[1][1],
        c2: layer.c[1],
        u1: layer.u[0],
        u2: layer.u[1],
    };
    let (x, t) = ([0.3, -0.8], [0.5]);
    let by_layer = layer.backward(&layer.forward(&x), &t);
    let by_hand = hand.backward(&hand.forward(&x), &t);
    assert_eq!(layer.predict(&x), hand.predict(&x));
    let pairs = [
        (by_layer.A[0][0], by_hand.a11),
        (by_layer.A[0][1], by_hand.a12),
        (by_layer.c[0], by_hand.c1),
        (by_layer.A[1][1], by_hand.a22),
        (by_layer.u[1], by_hand.u2),
    ];
    for (layer, hand) in pairs {
        assert!((layer - hand).abs() < 1e-15, "{layer} vs {hand}");
    }
}

network! {
    /// Every way single neurons and arrays can meet: a neuron reading a whole layer (a dot
    /// product) and one of its elements, a layer reading single neurons and an element of
    /// another layer, and two outputs of different kinds.
    pub struct Mixed<f64> {
        input x[4], bias_input;
        layer a[3] = sigmoid(A * x + Ab);
        neuron n = tanh(v * a + s * bias_input + nb);
        neuron pick = softplus(p * a[2] + q * x[0]);
        layer b[2] = tanh(B * a + c * n + d * pick + e * x[1] + bb);
        output o = identity(w * b + m * n);
        output r[2] = sin(R * b + rb);
        loss mean_squared_error;
    }
}

network! {
    /// Its f32 twin.
    pub struct MixedF32<f32> {
        input x[4], bias_input;
        layer a[3] = sigmoid(A * x + Ab);
        neuron n = tanh(v * a + s * bias_input + nb);
        neuron pick = softplus(p * a[2] + q * x[0]);
        layer b[2] = tanh(B * a + c * n + d * pick + e * x[1] + bb);
        output o = identity(w * b + m * n);
        output r[2] = sin(R * b + rb);
        loss mean_squared_error;
    }
}

#[test]
fn mixed_dense_and_neuron_level_parts() {
    assert_eq!(Mixed::INPUTS, 5);
    assert_eq!(Mixed::OUTPUTS, 3);
    assert_gradients_match::<Mixed>(4, 40);
    assert_twins_agree::<Mixed, MixedF32>(5, 40);
}

network! {
    /// A small softmax classifier.
    pub struct Classifier<f64> {
        input x[5];
        layer h[6] = relu(W1 * x + b1);
        output logits[4] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

#[test]
fn softmax_cross_entropy_against_finite_differences() {
    // Class indices and soft distributions both.
    assert_gradients_match_with::<Classifier>(6, 30, |random| {
        ClassTarget::Index((random.next_u64() % 4) as usize)
    });
    assert_gradients_match_with::<Classifier>(7, 30, |random| {
        let raw = random.values(4, 0.0, 1.0);
        let total: f64 = raw.iter().sum();
        ClassTarget::Distribution([
            raw[0] / total,
            raw[1] / total,
            raw[2] / total,
            raw[3] / total,
        ])
    });
}

#[test]
fn softmax_gradient_is_p_minus_y_and_finite_at_logits_of_fifty() {
    // Weights that put logits at about +-50.
    let mut net = Classifier {
        b1: [1.0; 6],
        ..Classifier::default()
    };
    net.W2[0][0] = 50.0;
    net.W2[1][0] = -50.0;
    net.W2[2][1] = 50.0;
    let x = [0.0; 5];
    let trace = net.forward(&x);
    assert_eq!(trace.logits, [50.0, -50.0, 50.0, 0.0]);
    for class in 0..4 {
        let target = ClassTarget::Index(class);
        let loss = trace.loss(&target);
        assert!(loss.is_finite(), "loss {loss}");
        let grads = net.backward(&trace, &target);
        assert!(grads.as_slice().iter().all(|g| g.is_finite()));
        // dJ/db2 = p - y.
        let p = net.probabilities(&x);
        for (k, (gradient, p)) in grads.b2.iter().zip(p).enumerate() {
            let y = if k == class { 1.0 } else { 0.0 };
            assert!((gradient - (p - y)).abs() < 1e-15);
        }
    }
    assert_eq!(net.predict_class(&x), Some(0));
}

#[test]
fn invalid_class_is_an_error_and_changes_nothing() {
    let mut net = Classifier::default();
    let before = net;
    let error = net
        .train_step(&[0.0; 5], &ClassTarget::Index(4), 0.1)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "class 4 does not exist: the network has 4 classes (0 to 3)"
    );
    assert_eq!(net, before);
}

network! {
    /// Independent yes/no outputs: binary cross-entropy on sigmoids.
    pub struct MultiLabel<f64> {
        input x[3];
        layer h[4] = tanh(W1 * x + b1);
        output o[3] = sigmoid(W2 * h + b2);
        loss binary_cross_entropy;
    }
}

#[test]
fn binary_cross_entropy_against_finite_differences() {
    assert_gradients_match_with::<MultiLabel>(8, 40, |random| {
        let t = random.values(3, 0.0, 1.0);
        [t[0], t[1], t[2]]
    });
}

#[test]
fn binary_cross_entropy_is_finite_at_logits_of_fifty() {
    let net = MultiLabel {
        b2: [50.0, -50.0, 800.0],
        ..MultiLabel::default()
    };
    let trace = net.forward(&[0.0; 3]);
    for target in [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]] {
        let loss = trace.loss(&target);
        assert!(loss.is_finite() && loss >= 0.0, "{loss}");
        let grads = net.backward(&trace, &target);
        assert!(grads.as_slice().iter().all(|g| g.is_finite()));
        // The fused gradient dJ/dz = o - t.
        for ((gradient, o), t) in grads.b2.iter().zip(trace.o).zip(target) {
            assert_eq!(*gradient, o - t);
        }
    }
    // Wrong by 800 with certainty: the loss is 800 for that output, not infinity.
    let loss = trace.loss(&[1.0, 0.0, 0.0]);
    assert!(
        (loss - (800.0 + 50.0_f64.exp().recip().ln_1p() * 2.0)).abs() < 1e-9,
        "{loss}"
    );
}

#[test]
fn debug_shows_named_fields_in_their_shapes() {
    let net = Mlp {
        W1: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0; 3], [0.5; 3]],
        b2: [7.0, 8.0],
        ..Mlp::default()
    };
    assert_eq!(
        format!("{net:?}"),
        "Mlp { W1: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]], \
         b1: [0.0, 0.0, 0.0, 0.0], W2: [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], b2: [7.0, 8.0] }"
    );
    let trace = net.forward(&[1.0, 0.0, 0.0]);
    let shown = format!("{trace:?}");
    assert!(
        shown.starts_with("MlpTrace { x: [1.0, 0.0, 0.0], z_h: [1.0, 4.0, 0.0, 0.5], h: ["),
        "{shown}"
    );
    assert_eq!(trace, trace);
    assert_ne!(net, Mlp::default());
}
