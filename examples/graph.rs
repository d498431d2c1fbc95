//! Writes the seed network as a Graphviz graph.
//!
//! Run with `cargo run --example graph` (to `seed.dot`, or to the path given as the first
//! argument), then render it with `dot -Tsvg seed.dot -o seed.svg`.

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

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "seed.dot".to_owned());
    std::fs::write(&path, SeedNet::DOT)?;
    println!("wrote {path}; render it with `dot -Tsvg {path} -o seed.svg`");
    Ok(())
}
