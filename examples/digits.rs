//! A 64-32-10 classifier of the 8x8 handwritten digits shipped in `data/`, trained by
//! mini-batch gradient descent on a fixed-seed 80/20 split.
//!
//! Run with `cargo run --release --example digits`.

use std::ops::ControlFlow;
use std::time::Instant;

use backprop_runtime::data::accuracy;
use backprop_runtime::fit::Progress;
use backprop_runtime::optim::Sgd;
use backprop_runtime::{network, ClassTarget, Dataset, Fit};
use backprop_tests::{digits, SplitMix};

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
    let train_targets: Vec<ClassTarget<f32, 10>> =
        train.labels.iter().map(|&label| label.into()).collect();
    let test_targets: Vec<ClassTarget<f32, 10>> =
        test.labels.iter().map(|&label| label.into()).collect();
    let train_set = Dataset::new(&train.images, &train_targets)?;
    let test_set = Dataset::new(&test.images, &test_targets)?;

    let start = Instant::now();
    let progress = Progress::new(EPOCHS);
    let summary = Fit::new(EPOCHS).batch_size(BATCH).seed(SEED).run(
        &mut net,
        &mut Sgd::new(LEARNING_RATE)?,
        train_set,
        None,
        |epoch, net| {
            progress.update(epoch);
            if epoch.epoch % 10 == 0 {
                let accuracy = accuracy(net, &test_set).unwrap_or(0.0);
                progress.println(&format!(
                    "epoch {:>3}: training loss {:.4}, test accuracy {:.1}%",
                    epoch.epoch,
                    epoch.train_loss,
                    100.0 * accuracy
                ));
            }
            ControlFlow::Continue(())
        },
    )?;
    progress.finish();

    let seconds = start.elapsed().as_secs_f64();
    println!("trained {} epochs in {seconds:.2} s", summary.epochs);
    println!(
        "training accuracy {:.1}%",
        100.0 * accuracy(&net, &train_set)?
    );
    println!(
        "test accuracy     {:.1}%",
        100.0 * accuracy(&net, &test_set)?
    );
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
