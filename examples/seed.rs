//! The worked example of the backprop notes, step by step: the generated `explain` method
//! (feature `explain` of `backprop-runtime`) writes every forward value, every chain-rule
//! link with its numbers, the fan-out sum at h1, and the updated weights.
//!
//! Run with `cargo run --release --example seed`.

use backprop_runtime::network;

network! {
    /// The worked example of the backprop notes.
    pub struct SeedNet<f64> {
        input x1, x2;
        neuron h1 = identity(w11 * x1 + w21 * x2);
        neuron h2 = half_square(w12 * x1 + w22 * x2);
        neuron h3 = double(v11 * h1);
        neuron h4 = exp(v12 * h1 + v22 * h2);
        output o  = sin(u1 * h3 + u2 * h4);
        loss half_squared_error;
    }
}

const LEARNING_RATE: f64 = 0.1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("== The notes' exercise: (x1, x2, t) = (0, 1, 0), every weight 0 ==");
    let mut text = String::new();
    SeedNet::default().explain(&[0.0, 1.0], &[0.0], LEARNING_RATE, &mut text)?;
    println!("{text}");

    println!("== Non-zero weights, (x1, x2, t) = (0.5, 1, 0.25) ==");
    let net = SeedNet {
        w11: 0.1,
        w21: -0.2,
        w12: 0.3,
        w22: 0.4,
        v11: 0.5,
        v12: -0.6,
        v22: 0.7,
        u1: 0.8,
        u2: 0.9,
    };
    let mut text = String::new();
    net.explain(&[0.5, 1.0], &[0.25], LEARNING_RATE, &mut text)?;
    println!("{text}");

    // The same step for real: the weights `explain` printed are the weights it makes.
    let mut trained = net;
    let loss = trained.train_step(&[0.5, 1.0], &[0.25], LEARNING_RATE)?;
    println!(
        "train_step: J was {loss:.6}, now {:.6}",
        trained.loss(&[0.5, 1.0], &[0.25])
    );
    Ok(())
}
