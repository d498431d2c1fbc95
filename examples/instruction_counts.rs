//! Workloads for counting instructions, which unlike wall time do not move with the load of a
//! shared machine: `scripts/instruction-counts.sh` runs each under valgrind's callgrind and
//! prints instructions per call. Run one by hand with
//! `cargo run --release --example instruction_counts -- sine-step`.

use std::hint::black_box;

use backprop_runtime::{sgd_update, ClassTarget, Network, Recurrent};
use backprop_tests::cell_twins::{GruTwin, LstmTwin};
use backprop_tests::nets::{
    Digits, DigitsFast, Gru16, Gru16Fast, Gru64Fast, Lstm16, Lstm16Fast, SeedNet, Sine, SineFast,
};

/// How many calls each workload makes: enough that start-up is noise.
const CALLS: usize = 100_000;

/// How many batches `gru64-fast-bptt` trains on: 6,144 sequence steps.
const GRU64_BATCHES: usize = 3;

fn main() {
    let workload = std::env::args().nth(1).unwrap_or_default();
    let result = match workload.as_str() {
        "seed-step" => seed_step(),
        "sine-step" => f64::from(sine_step::<Sine>()),
        "sine-fast-step" => f64::from(sine_step::<SineFast>()),
        "digits-forward" => f64::from(digits_forward()),
        "digits-step" => f64::from(digits_step()),
        "sine-train-step" => f64::from(sine_train_step::<Sine>()),
        "sine-fast-train-step" => f64::from(sine_train_step::<SineFast>()),
        "sine-fast-general-train-step" => f64::from(sine_general_train_step::<SineFast>()),
        "seed-train-step" => seed_train_step(false),
        "seed-general-train-step" => seed_train_step(true),
        "sine-twin-step" => f64::from(sine_twin_step(false)),
        "sine-twin-fast-step" => f64::from(sine_twin_step(true)),
        "digits-train-batch" => f64::from(digits_train_batch::<Digits>()),
        "digits-fast-train-batch" => f64::from(digits_train_batch::<DigitsFast>()),
        "gru16-step" => f64::from(streaming_step::<Gru16>()),
        "gru16-fast-step" => f64::from(streaming_step::<Gru16Fast>()),
        "lstm16-fast-step" => f64::from(streaming_step::<Lstm16Fast>()),
        "gru16-twin-step" => f64::from(gru_twin_step::<false>()),
        "gru16-twin-fast-step" => f64::from(gru_twin_step::<true>()),
        "lstm16-twin-fast-step" => f64::from(lstm_twin_step()),
        "gru64-fast-bptt" => f64::from(gru64_bptt()),
        _ => {
            eprintln!(
                "usage: instruction_counts <seed-step | sine-step | sine-fast-step | digits-forward | digits-step | sine-train-step | sine-fast-train-step | sine-fast-general-train-step | seed-train-step | seed-general-train-step | sine-twin-step | sine-twin-fast-step | digits-train-batch | digits-fast-train-batch | gru16-step | gru16-fast-step | lstm16-fast-step | gru16-twin-step | gru16-twin-fast-step | lstm16-twin-fast-step | gru64-fast-bptt>"
            );
            std::process::exit(2);
        }
    };
    println!("{workload}: {CALLS} calls, result {result}");
}

/// Distinct, deterministic parameter values for a flat view.
fn fill(values: &mut [f32]) {
    for (index, value) in values.iter_mut().enumerate() {
        *value = (index as f32 * 0.37).sin() * 0.3;
    }
}

fn seed_step() -> f64 {
    let mut net = SeedNet::NONZERO;
    for call in 0..CALLS {
        let x = [black_box((call % 7) as f64 * 0.1), 0.5];
        let grads = net.backward(&net.forward(&x), &[0.3]);
        net.sgd_step(&grads, black_box(1e-6));
    }
    net.u1
}

/// The seed network's checked `train_step`: the generated fused step, or the runtime's
/// general one (forward, backward into a gradient struct, the optimizer's checked update).
fn seed_train_step(general: bool) -> f64 {
    let mut net = SeedNet::NONZERO;
    for call in 0..CALLS {
        let x = [black_box((call % 7) as f64 * 0.1), 0.5];
        let _ = black_box(if general {
            backprop_runtime::train_step(&mut net, &x, &[0.3], black_box(1e-6))
        } else {
            net.train_step(&x, &[0.3], black_box(1e-6))
        });
    }
    net.u1
}

/// [`sine_train_step`] through the runtime's general step instead of the fused one.
fn sine_general_train_step<N>() -> f32
where
    N: Network<Scalar = f32, Input = [f32; 1], Target = [f32; 1]> + Default,
{
    let mut net = N::default();
    fill(net.as_mut_slice());
    for call in 0..CALLS {
        let x = black_box(-3.0 + (call % 64) as f32 * 0.1);
        let _ = black_box(backprop_runtime::train_step(
            &mut net,
            &[x],
            &[x.sin()],
            black_box(1e-6),
        ));
    }
    net.as_slice()[N::LEN - 1]
}

/// The sine benchmark's per-sample step, for either precision of the same topology.
fn sine_step<N>() -> f32
where
    N: Network<Scalar = f32, Input = [f32; 1], Target = [f32; 1]> + Default,
{
    let mut net = N::default();
    fill(net.as_mut_slice());
    for call in 0..CALLS {
        let x = black_box(-3.0 + (call % 64) as f32 * 0.1);
        let grads = net.backward(&net.forward(&[x]), &[x.sin()]);
        sgd_update(&mut net, &grads, black_box(1e-6));
    }
    net.as_slice()[N::LEN - 1]
}

/// One streaming step of a recurrent network of 16 inputs, the state kept between calls.
fn streaming_step<N>() -> f32
where
    N: Recurrent<Scalar = f32, Input = [f32; 16], Output = [f32; 1]> + Default,
{
    let mut net = N::default();
    fill(net.as_mut_slice());
    let mut state = N::State::default();
    let mut sum = 0.0;
    for call in 0..CALLS {
        sum += net.step(&mut state, black_box(&streaming_input(call)))[0];
    }
    sum
}

/// Training a GRU of 64 through time: [`GRU64_BATCHES`] of the benchmark's batches (32
/// sequences of 64 steps, one SGD update each). Valgrind runs this about 50 times slower
/// than the hardware, hence few batches; the script divides by the steps.
fn gru64_bptt() -> f32 {
    use backprop_runtime::optim::Sgd;
    use backprop_runtime::recurrent::{train_sequences_with, Horizon, Sequence, Targets};
    const STEPS: usize = 64;
    const SEQUENCES: usize = 32;
    let mut net = Gru64Fast::default();
    fill(net.as_mut_slice());
    let signal = |seed: usize| -> Vec<[f32; 32]> {
        (0..STEPS)
            .map(|t| std::array::from_fn(|i| ((seed * 7 + t * 32 + i) % 31) as f32 * 0.06 - 0.9))
            .collect()
    };
    let inputs: Vec<Vec<[f32; 32]>> = (0..SEQUENCES).map(signal).collect();
    let targets: Vec<Vec<[f32; 32]>> = (0..SEQUENCES).map(|s| signal(s + 100)).collect();
    let batch: Vec<Sequence<'_, Gru64Fast>> = inputs
        .iter()
        .zip(&targets)
        .map(|(inputs, targets)| Sequence {
            inputs,
            targets: Targets::EveryStep(targets),
        })
        .collect();
    let mut traces = vec![net.forward(&inputs[0][0]); STEPS];
    let mut sgd = Sgd::new(1e-6).unwrap();
    let mut loss = 0.0;
    for _ in 0..GRU64_BATCHES {
        loss += train_sequences_with(
            &mut net,
            &mut sgd,
            black_box(&batch),
            Horizon::Full,
            &mut traces,
        )
        .unwrap();
    }
    loss
}

/// The input of streaming call `call`.
fn streaming_input(call: usize) -> [f32; 16] {
    std::array::from_fn(|i| ((call * 16 + i) % 29) as f32 * 0.07 - 1.0)
}

/// [`streaming_step`] of the hand-written GRU twin, with the fast kernels or not.
fn gru_twin_step<const FAST: bool>() -> f32 {
    let mut net = Gru16::default();
    fill(net.as_mut_slice());
    let twin = GruTwin::<FAST>::from(&net);
    let mut h = [0.0; 16];
    let mut sum = 0.0;
    for call in 0..CALLS {
        sum += twin.step(&mut h, black_box(&streaming_input(call)));
    }
    sum
}

/// [`streaming_step`] of the hand-written LSTM twin, fast kernels.
fn lstm_twin_step() -> f32 {
    let mut net = Lstm16::default();
    fill(net.as_mut_slice());
    let twin = LstmTwin::<true>::from(&net);
    let (mut h, mut c) = ([0.0; 16], [0.0; 16]);
    let mut sum = 0.0;
    for call in 0..CALLS {
        sum += twin.step(&mut h, &mut c, black_box(&streaming_input(call)));
    }
    sum
}

fn digits_forward() -> f32 {
    let mut net = Digits::default();
    fill(net.as_mut_slice());
    let mut sum = 0.0;
    for call in 0..CALLS {
        let pixel = black_box((call % 16) as f32);
        sum += black_box(&net).forward(&[pixel; 64]).logits[0];
    }
    sum
}

fn digits_step() -> f32 {
    let mut net = Digits::default();
    fill(net.as_mut_slice());
    for call in 0..CALLS {
        let pixel = black_box((call % 16) as f32);
        let target = ClassTarget::Index(call % 10);
        let grads = net.backward(&net.forward(&[pixel; 64]), &target);
        net.sgd_step(&grads, black_box(1e-6));
    }
    net.b2[0]
}

/// [`sine_step`] through `train_step`: with the checks a training call makes (target, loss,
/// and an update that keeps every parameter finite).
fn sine_train_step<N>() -> f32
where
    N: Network<Scalar = f32, Input = [f32; 1], Target = [f32; 1]> + Default,
{
    let mut net = N::default();
    fill(net.as_mut_slice());
    for call in 0..CALLS {
        let x = black_box(-3.0 + (call % 64) as f32 * 0.1);
        let _ = black_box(net.train_step(&[x], &[x.sin()], black_box(1e-6)));
    }
    net.as_slice()[N::LEN - 1]
}

/// One `train_batch` of 32 digits per call (so per call, 32 samples).
fn digits_train_batch<N>() -> f32
where
    N: Network<Scalar = f32, Input = [f32; 64], Target = ClassTarget<f32, 10>> + Default,
{
    let mut net = N::default();
    fill(net.as_mut_slice());
    let images: Vec<[f32; 64]> = (0..32).map(|k| [(k % 16) as f32; 64]).collect();
    let labels: Vec<ClassTarget<f32, 10>> = (0..32).map(|k| ClassTarget::Index(k % 10)).collect();
    for _ in 0..CALLS / 32 {
        let _ = black_box(net.train_batch(black_box(&images), &labels, black_box(1e-6)));
    }
    net.as_slice()[N::LEN - 1]
}

/// [`sine_step`] by the hand-written twin in `src/twins.rs`, with the same weights.
fn sine_twin_step(fast: bool) -> f32 {
    let mut net = Sine::default();
    fill(net.as_mut_slice());
    let mut twin = net.twin();
    for call in 0..CALLS {
        let x = black_box(-3.0 + (call % 64) as f32 * 0.1);
        if fast {
            twin.step_fast(x, x.sin(), black_box(1e-6));
        } else {
            twin.step(x, x.sin(), black_box(1e-6));
        }
    }
    twin.b3
}
