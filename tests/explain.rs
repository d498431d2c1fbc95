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
