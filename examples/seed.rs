//! The worked example of the backprop notes, step by step.
//!
//! Run with `cargo run --release --example seed`.

use backprop_runtime::{network, Parameters};

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

fn main() -> Result<(), backprop_runtime::Error> {
    println!("== The notes' exercise: (x1, x2, t) = (0, 1, 0), every weight 0 ==");
    walk_through(SeedNet::default(), [0.0, 1.0], 0.0)?;

    println!();
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
    walk_through(net, [0.5, 1.0], 0.25)
}

fn walk_through(
    mut net: SeedNet,
    input: [f64; 2],
    target: f64,
) -> Result<(), backprop_runtime::Error> {
    let t = &net.forward(&input);
    println!("forward:");
    println!("  h1 = identity(w11 x1 + w21 x2)   = {:.6}", t.h1);
    println!("  h2 = half_square(w12 x1 + w22 x2) = {:.6}", t.h2);
    println!("  h3 = double(v11 h1)               = {:.6}", t.h3);
    println!("  h4 = exp(v12 h1 + v22 h2)         = {:.6}", t.h4);
    println!("  o  = sin(u1 h3 + u2 h4)           = {:.6}", t.o);
    println!(
        "  J  = 1/2 (o - t)^2                = {:.6}",
        t.loss(&[target])
    );

    let g = net.backward(t, &[target]);
    // The chain-rule links, recomputed here from the trace to show where each number comes
    // from; the generated backward pass computes the same products once each.
    let dj_do = t.o - target;
    let dj_dz_o = dj_do * t.z_o.cos();
    let dj_dz_h4 = dj_dz_o * net.u2 * t.h4;
    let dj_dz_h3 = dj_dz_o * net.u1 * 2.0;
    println!("backward:");
    println!("  dJ/do    = o - t                  = {dj_do:.6}");
    println!("  dJ/dz_o  = dJ/do * cos(z_o)       = {dj_dz_o:.6}");
    println!("  dJ/du1   = dJ/dz_o * h3           = {:.6}", g.u1);
    println!("  dJ/du2   = dJ/dz_o * h4           = {:.6}", g.u2);
    println!("  dJ/dz_h4 = dJ/dz_o * u2 * h4      = {dj_dz_h4:.6}   (exp' = h4)");
    println!("  dJ/dz_h3 = dJ/dz_o * u1 * 2       = {dj_dz_h3:.6}   (double' = 2)");
    println!("  dJ/dv11  = dJ/dz_h3 * h1          = {:.6}", g.v11);
    println!("  dJ/dv12  = dJ/dz_h4 * h1          = {:.6}", g.v12);
    println!("  dJ/dv22  = dJ/dz_h4 * h2          = {:.6}", g.v22);
    println!(
        "  dJ/dh1   = dJ/dz_h3 * v11 + dJ/dz_h4 * v12   (h1 feeds h3 and h4: the fan-out sum)"
    );
    println!(
        "           = {:.6} * {} + {:.6} * {} = {:.6}",
        dj_dz_h3,
        net.v11,
        dj_dz_h4,
        net.v12,
        dj_dz_h3 * net.v11 + dj_dz_h4 * net.v12
    );
    println!("  dJ/dw11  = dJ/dh1 * x1            = {:.6}", g.w11);
    println!("  dJ/dw21  = dJ/dh1 * x2            = {:.6}", g.w21);
    println!(
        "  dJ/dz_h2 = dJ/dz_h4 * v22 * z_h2  = {:.6}   (half_square' = z)",
        dj_dz_h4 * net.v22 * t.z_h2
    );
    println!("  dJ/dw12  = dJ/dz_h2 * x1          = {:.6}", g.w12);
    println!("  dJ/dw22  = dJ/dz_h2 * x2          = {:.6}", g.w22);
    println!("  (x1 and x2 are inputs: nothing adjusts them, so they get no gradient)");

    let before = net;
    net.train_step(&input, &[target], LEARNING_RATE)?;
    println!("update, w = w - {LEARNING_RATE} * dJ/dw:");
    let names = SeedNet::LAYOUT.iter().map(|parameter| parameter.name);
    for ((name, old), new) in names.zip(before.as_slice()).zip(net.as_slice()) {
        println!("  {name:<4} {old:>9.6} -> {new:>9.6}");
    }
    println!("  J after the step: {:.6}", net.loss(&input, &[target]));
    Ok(())
}
