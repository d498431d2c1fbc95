//! A 64-32-10 classifier of the 8x8 handwritten digits shipped in `data/`, trained by
//! mini-batch gradient descent on a fixed-seed 80/20 split.
//!
//! Run with `cargo run --release --example digits`.

use std::time::Instant;

use backprop_runtime::{network, ClassTarget};
use backprop_tests::{digits, SplitMix};
use indicatif::{ProgressBar, ProgressStyle};

network! {
    /// 64 pixels -> 32 tanh -> 10 logits, softmax cross-entropy.
    pub struct Digits<f32> {
        input pixels[64];
        layer hidden[32] = tanh(W1 * pixels + b1);
        output logits[10] = identity(W2 * hidden + b2);
        loss softmax_cross_entropy;
    }
}

const SEED: u64 = 2026;
const EPOCHS: usize = 40;
const BATCH: usize = 32;
const LEARNING_RATE: f32 = 0.2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = digits::load()?;
    let (train, test) = data.split(0.2, SEED);
    println!(
        "{} training and {} test images of 8x8 digits",
        train.len(),
        test.len()
    );

    let mut net = initialise(SEED);
    let targets: Vec<ClassTarget<f32, 10>> =
        train.labels.iter().map(|&label| label.into()).collect();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut random = SplitMix::new(SEED);
    let mut batch_inputs = [[0.0; 64]; BATCH];
    let mut batch_targets = [ClassTarget::Index(0); BATCH];

    let start = Instant::now();
    let bar = ProgressBar::new((EPOCHS * train.len().div_ceil(BATCH)) as u64);
    bar.set_style(ProgressStyle::with_template(
        "{prefix:>9} [{bar:32}] {pos}/{len} batches, loss {msg}",
    )?);
    for epoch in 1..=EPOCHS {
        bar.set_prefix(format!("epoch {epoch}"));
        random.shuffle(&mut order);
        let mut running = 0.0;
        for (step, chunk) in order.chunks(BATCH).enumerate() {
            for (slot, &index) in chunk.iter().enumerate() {
                batch_inputs[slot] = train.images[index];
                batch_targets[slot] = targets[index];
            }
            let size = chunk.len();
            let loss =
                net.train_batch(&batch_inputs[..size], &batch_targets[..size], LEARNING_RATE)?;
            running += (loss - running) / (step + 1) as f32;
            bar.set_message(format!("{running:.4}"));
            bar.inc(1);
        }
        if epoch % 10 == 0 {
            let accuracy = 100.0 * accuracy(&net, &test);
            bar.suspend(|| {
                println!(
                    "epoch {epoch:>3}: training loss {running:.4}, test accuracy {accuracy:.1}%"
                );
            });
        }
    }
    bar.finish_and_clear();

    let seconds = start.elapsed().as_secs_f64();
    println!("trained {EPOCHS} epochs in {seconds:.2} s");
    println!("training accuracy {:.1}%", 100.0 * accuracy(&net, &train));
    println!("test accuracy     {:.1}%", 100.0 * accuracy(&net, &test));
    Ok(())
}

/// Weights uniform in `+-sqrt(6 / (fan_in + fan_out))` (Glorot), biases zero.
fn initialise(seed: u64) -> Digits {
    let mut random = SplitMix::new(seed);
    let mut net = Digits::default();
    let mut fill = |weights: &mut [f32], fan_in: usize, fan_out: usize| {
        let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
        for w in weights {
            *w = random.uniform(-limit, limit) as f32;
        }
    };
    fill(net.W1.as_flattened_mut(), 64, 32);
    fill(net.W2.as_flattened_mut(), 32, 10);
    debug_assert_eq!(net.as_slice().len(), Digits::PARAMS);
    net
}

/// The fraction of images whose most probable class is their label.
fn accuracy(net: &Digits, data: &digits::Digits) -> f64 {
    let correct = data
        .images
        .iter()
        .zip(&data.labels)
        .filter(|(image, &label)| net.predict_class(image) == Some(label))
        .count();
    correct as f64 / data.len() as f64
}
