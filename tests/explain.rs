//! `explain` writes the notes' derivation with the numbers the network computes.

use backprop_runtime::{network, ClassTarget};
use backprop_tests::nets::SeedNet;

const NET: SeedNet = SeedNet::NONZERO;

#[test]
fn seed_explanation_shows_each_link_with_its_numbers() {
    let mut text = String::new();
    NET.explain(&[0.5, 1.0], &[0.25], 0.1, &mut text).unwrap();

    // The chain rule by hand, as in the notes.
    let h1: f64 = 0.1 * 0.5 - 0.2 * 1.0;
    let z2: f64 = 0.3 * 0.5 + 0.4 * 1.0;
    let h2 = z2 * z2 / 2.0;
    let h3 = 2.0 * 0.5 * h1;
    let h4 = (-0.6 * h1 + 0.7 * h2).exp();
    let zo = 0.8 * h3 + 0.9 * h4;
    let o = zo.sin();
    let dj_dz_o = (o - 0.25) * zo.cos();
    let dj_dz_h3 = dj_dz_o * 0.8 * 2.0;
    let dj_dz_h4 = dj_dz_o * 0.9 * h4;
    let dj_dh1 = dj_dz_h3 * 0.5 + dj_dz_h4 * -0.6;

    let expected_lines = [
        format!("  o = sin(z_o) = {o:.6}"),
        format!("  J = half_squared_error = {:.6}", 0.5 * (o - 0.25) * (o - 0.25)),
        format!("  dJ/do = o - t = {o:.6} - 0.250000 = {:.6}", o - 0.25),
        format!(
            "  dJ/dh1 = dJ/dz_h3 * v11 + dJ/dz_h4 * v12 = {dj_dz_h3:.6} * 0.500000 + {dj_dz_h4:.6} * -0.600000 = {dj_dh1:.6}   <- h1 feeds h3, h4: the fan-out sum"
        ),
        format!("  dJ/dw11 = dJ/dz_h1 * x1 = {dj_dh1:.6} * 0.500000 = {:.6}", dj_dh1 * 0.5),
        format!("  w11 = 0.100000 - 0.1 * {:.6} = {:.6}", dj_dh1 * 0.5, 0.1 - 0.1 * dj_dh1 * 0.5),
        "  (the inputs get no gradient: nothing adjusts them)".to_owned(),
    ];
    for line in &expected_lines {
        assert!(
            text.lines().any(|l| l == line),
            "missing line:\n{line}\nin:\n{text}"
        );
    }
    // No line mentions a gradient of an input.
    assert!(!text.contains("dJ/dx1") && !text.contains("dJ/dx2"));
    // The updated weights are the ones a training step makes.
    let mut trained = NET;
    trained.train_step(&[0.5, 1.0], &[0.25], 0.1).unwrap();
    assert!(text.contains(&format!("= {:.6}\n", trained.u2)));
}

network! {
    /// Layers, a fused loss and single neurons together.
    pub struct Classifier<f32> {
        input x[3], out;
        layer h[4] = tanh(W * x + b);
        neuron n = sigmoid(v * h + s * out);
        output logits[2] = identity(U * h + c * n);
        loss softmax_cross_entropy;
    }
}

#[test]
fn layered_networks_explain_arrays() {
    let net = Classifier {
        W: [[0.1; 3]; 4],
        U: [[0.2; 4]; 2],
        ..Classifier::default()
    };
    let mut text = String::new();
    net.explain(
        &[1.0, 2.0, 3.0, 0.5],
        &ClassTarget::Index(1),
        0.5,
        &mut text,
    )
    .unwrap();
    for needle in [
        "  z_h = W x + b = [",
        "  dJ/dz of the outputs = softmax(outputs) - target = [",
        "  dJ/dW = dJ/dz_h x^T",
        "  W = W - 0.5 * dJ/dW (12 values)",
        "  s = 0.000000 - 0.5 * ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

network! {
    /// A neuron that reads its own previous value.
    pub struct Echo<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev);
        output y = identity(v * h);
        loss half_squared_error;
    }
}

#[test]
fn a_sequence_is_explained_through_time_with_the_carried_share() {
    use backprop_runtime::recurrent::{sequence_gradient, Horizon, Targets};

    let net = Echo {
        w: 0.7,
        r: -0.4,
        v: 1.3,
    };
    let (inputs, targets) = ([[0.5], [-0.2]], [[0.1], [0.3]]);
    let mut traces = [EchoTrace::ZERO; 2];
    let mut text = String::new();
    net.explain_sequence(
        &inputs,
        Targets::EveryStep(&targets),
        0.1,
        &mut traces,
        &mut text,
    )
    .unwrap();

    // By hand: h0 = tanh(0.7 x0), h1 = tanh(0.7 x1 - 0.4 h0), y = 1.3 h.
    let h0 = (0.7f64 * 0.5).tanh();
    let h1 = (0.7 * -0.2 - 0.4 * h0).tanh();
    let dj_dz_h1 = (1.3 * h1 - 0.3) * 1.3 * (1.0 - h1 * h1);
    let carried = dj_dz_h1 * -0.4; // dJ/dh0 through the recurrent edge
    let dj_dh0 = (1.3 * h0 - 0.1) * 1.3 + carried;
    let expected = [
        "forward, step 0".to_owned(),
        format!("  h = tanh(z_h) = {h0:.6}"),
        "forward, step 1".to_owned(),
        format!("  z_h = w x + r h.prev = 0.700000 * -0.200000 + -0.400000 * {h0:.6} = {:.6}", 0.7 * -0.2 - 0.4 * h0),
        "backward through time, from the last step".to_owned(),
        format!("  dJ/dh.prev = dJ/dz_h * r = {dj_dz_h1:.6} * -0.400000 = {carried:.6}"),
        format!(
            "  dJ/dh = dJ/dz_y * v + dJ/dh from the next step = {:.6} * 1.300000 + {carried:.6} = {dj_dh0:.6}",
            1.3 * h0 - 0.1
        ),
    ];
    for line in &expected {
        assert!(
            text.lines().any(|l| l == line),
            "missing line:\n{line}\nin:\n{text}"
        );
    }
    // Step 1 is explained before step 0 on the way back.
    let back = text.find("backward through time").unwrap();
    assert!(text[back..].find("step 1").unwrap() < text[back..].find("step 0").unwrap());
    // The update uses the gradient summed over time.
    let mut grads = EchoGrads::default();
    let mut buffer = [EchoTrace::ZERO; 2];
    sequence_gradient(
        &net,
        &inputs,
        Targets::EveryStep(&targets),
        Horizon::Full,
        &mut buffer,
        &mut grads,
    )
    .unwrap();
    assert!(text.contains(&format!(
        "  r = -0.400000 - 0.1 * {:.6} = {:.6}",
        grads.r,
        -0.4 - 0.1 * grads.r
    )));
    // A malformed sequence says why.
    let mut text = String::new();
    let error = net.explain_sequence(
        &inputs,
        Targets::EveryStep(&targets[..1]),
        0.1,
        &mut traces,
        &mut text,
    );
    assert!(error.is_err());
    assert_eq!(
        text,
        "cannot explain this sequence: the sequence has 2 time steps, but 1 targets were given\n"
    );
}

network! {
    /// A neuron with a trainable starting value.
    pub struct Started<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev);
        output y = identity(v * h);
        loss half_squared_error;
        initial h = h0;
    }
}

#[test]
fn a_trainable_initial_value_is_explained_with_its_gradient() {
    use backprop_runtime::recurrent::{sequence_gradient, Horizon, Targets};

    let net = Started {
        w: 0.7,
        r: -0.4,
        v: 1.3,
        h0: 0.25,
    };
    let (inputs, targets) = ([[0.5], [-0.2]], [[0.1], [0.3]]);
    let mut traces = [StartedTrace::ZERO; 2];
    let mut text = String::new();
    net.explain_sequence(
        &inputs,
        Targets::EveryStep(&targets),
        0.1,
        &mut traces,
        &mut text,
    )
    .unwrap();
    let mut grads = StartedGrads::default();
    let mut buffer = [StartedTrace::ZERO; 2];
    sequence_gradient(
        &net,
        &inputs,
        Targets::EveryStep(&targets),
        Horizon::Full,
        &mut buffer,
        &mut grads,
    )
    .unwrap();
    let line = format!("  dJ/dh0 = dJ/dh.prev at the first step = {:.4?}", grads.h0);
    assert!(
        text.lines().any(|l| l == line),
        "missing line:\n{line}\nin:\n{text}"
    );
    // The first step reads h0, not zero.
    assert!(text.contains("-0.400000 * 0.250000"));
    assert!(text.contains(&format!(
        "  h0 = 0.250000 - 0.1 * {:.6} = {:.6}",
        grads.h0,
        0.25 - 0.1 * grads.h0
    )));
}
