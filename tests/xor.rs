//! Training works: a 2-3-1 sigmoid network learns XOR from a fixed initialisation.

use backprop_runtime::network;

network! {
    /// 2-3-1, sigmoid everywhere, biases on every neuron.
    pub struct Xor<f64> {
        input x1, x2;
        neuron h1 = sigmoid(w11 * x1 + w21 * x2 + b1);
        neuron h2 = sigmoid(w12 * x1 + w22 * x2 + b2);
        neuron h3 = sigmoid(w13 * x1 + w23 * x2 + b3);
        output o = sigmoid(u1 * h1 + u2 * h2 + u3 * h3 + c);
        loss half_squared_error;
    }
}

const SAMPLES: [([f64; 2], [f64; 1]); 4] = [
    ([0.0, 0.0], [0.0]),
    ([0.0, 1.0], [1.0]),
    ([1.0, 0.0], [1.0]),
    ([1.0, 1.0], [0.0]),
];

#[test]
fn learns_xor() {
    let mut net = Xor::default();
    // A fixed, asymmetric start: symmetric weights would keep the hidden neurons identical.
    net.as_mut_slice().copy_from_slice(&[
        0.5, -0.4, 0.1, -0.3, 0.8, -0.2, 0.7, 0.6, -0.5, 0.3, -0.6, 0.4, 0.0,
    ]);
    let initial: f64 = SAMPLES.iter().map(|(x, t)| net.loss(x, t)).sum();
    let mut total = f64::INFINITY;
    for _ in 0..10_000 {
        total = 0.0;
        for (input, target) in &SAMPLES {
            total += net.train_step(input, target, 0.5).unwrap();
        }
    }
    let total_after: f64 = SAMPLES.iter().map(|(x, t)| net.loss(x, t)).sum();
    assert!(total_after < total, "the last epoch still lowered the loss");
    assert!(
        total_after < 0.01,
        "loss {total_after} (started at {initial})"
    );
    for (input, target) in &SAMPLES {
        let [o] = net.predict(input);
        assert_eq!(o > 0.5, target[0] > 0.5, "{input:?} -> {o}");
    }
}
