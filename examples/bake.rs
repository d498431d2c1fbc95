//! Train, save, load, bake: a network trained here ends up as a `const` in Rust source,
//! which a `no_std` program compiles into its binary and runs with no file system.
//!
//! `cargo run --release --example bake` prints the baked source;
//! `cargo run --release --example bake -- no-std-check/src/trained_xor.rs` writes the file
//! that `no-std-check` (built without `std` by CI) includes and runs.

use backprop_runtime::safetensors::{self, NonFinite};
use backprop_runtime::{bake, init, train_step};
use backprop_tests::nets::Xor;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A start from which XOR's gradient descent does not stall in a local minimum.
const SEED: u64 = 2;

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const TARGETS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Train.
    let mut net = Xor::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(SEED));
    for _ in 0..4_000 {
        for (input, target) in INPUTS.iter().zip(&TARGETS) {
            train_step(&mut net, input, target, 0.5)?;
        }
    }
    for input in &INPUTS {
        eprintln!("{input:?} -> {:.3}", net.predict(input)[0]);
    }

    // Save and load, as a trained model travels.
    let path = std::env::temp_dir().join("trained_xor.safetensors");
    std::fs::write(&path, safetensors::to_bytes(&net)?)?;
    let mut loaded = Xor::default();
    safetensors::load_into(&mut loaded, &std::fs::read(&path)?, NonFinite::Reject)?;
    assert_eq!(loaded, net);

    // Bake.
    let source = bake::to_rust_source(&loaded, "TRAINED_XOR")?;
    match std::env::args().nth(1) {
        Some(file) => {
            std::fs::write(&file, &source)?;
            eprintln!("wrote {file}");
        }
        None => print!("{source}"),
    }
    Ok(())
}
