//! A 2-3-1 sigmoid network learns XOR by plain stochastic gradient descent.
//!
//! Run with `cargo run --release --example xor`.

use backprop_runtime::network;

network! {
    /// 2-3-1, sigmoid everywhere, a bias on every neuron.
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

fn main() -> Result<(), backprop_runtime::Error> {
    let mut net = Xor::default();
    // A fixed, asymmetric start: symmetric weights would keep the hidden neurons identical.
    net.as_mut_slice().copy_from_slice(&[
        0.5, -0.4, 0.1, -0.3, 0.8, -0.2, 0.7, 0.6, -0.5, 0.3, -0.6, 0.4, 0.0,
    ]);
    for epoch in 0..=10_000 {
        let mut loss = 0.0;
        for (input, target) in &SAMPLES {
            loss += net.train_step(input, target, 0.5)?;
        }
        if epoch % 1_000 == 0 {
            println!("epoch {epoch:>6}: loss {loss:.6}");
        }
    }
    for (input, [target]) in &SAMPLES {
        let [output] = net.predict(input);
        println!("{input:?} -> {output:.4} (target {target})");
    }
    Ok(())
}
