//! Generated networks against their hand-written twins (`src/twins.rs`), in one run.
//!
//! `cargo bench --bench steps`; the figures and the machine are in BENCHMARKS.md.
//! Inputs (by value, the same way for both sides of a comparison) and the learning rate go
//! through `black_box`; the learning rate is tiny so that the weights stay where they started
//! over millions of steps.

use std::hint::black_box;
use std::time::Duration;

use backprop_runtime::activation::fast;
use backprop_runtime::{init, ClassTarget};
use backprop_tests::digits;
use backprop_tests::nets::{Digits, DigitsFast, SeedNet, Sine, SineFast, Xor241, XorLayer};
use backprop_tests::twins::{DigitsExpertTwin, SeedTwin, XorTwin};
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

const LEARNING_RATE: f32 = 1e-6;

// Each per-sample step is one out-of-line function, the same way for the generated network
// and its twin, so that inlining into criterion's closures cannot favour one side.

#[inline(never)]
fn seed_train_step(net: &mut SeedNet, x: [f64; 2], t: f64, lr: f64) -> f64 {
    net.train_step(&x, &[t], lr).unwrap_or(f64::NAN)
}

#[inline(never)]
fn seed_step(net: &mut SeedNet, x: [f64; 2], t: f64, lr: f64) {
    let grads = net.backward(&net.forward(&x), &[t]);
    net.sgd_step(&grads, lr);
}

#[inline(never)]
fn seed_twin_checked_step(twin: &mut SeedTwin, x: [f64; 2], t: f64, lr: f64) -> f64 {
    twin.checked_step(x, t, lr).unwrap_or(f64::NAN)
}

#[inline(never)]
fn seed_twin_step(twin: &mut SeedTwin, x: [f64; 2], t: f64, lr: f64) {
    twin.step(x, t, lr);
}

#[inline(never)]
fn xor_train_step(net: &mut Xor241, x: [f32; 2], t: f32, lr: f32) -> f32 {
    net.train_step(&x, &[t], lr).unwrap_or(f32::NAN)
}

#[inline(never)]
fn xor_step(net: &mut Xor241, x: [f32; 2], t: f32, lr: f32) {
    let grads = net.backward(&net.forward(&x), &[t]);
    net.sgd_step(&grads, lr);
}

#[inline(never)]
fn xor_layer_train_step(net: &mut XorLayer, x: [f32; 2], t: f32, lr: f32) -> f32 {
    net.train_step(&x, &[t], lr).unwrap_or(f32::NAN)
}

#[inline(never)]
fn xor_layer_step(net: &mut XorLayer, x: [f32; 2], t: f32, lr: f32) {
    let grads = net.backward(&net.forward(&x), &[t]);
    net.sgd_step(&grads, lr);
}

#[inline(never)]
fn xor_twin_step(twin: &mut XorTwin, x: [f32; 2], t: f32, lr: f32) {
    twin.step(x, t, lr);
}

fn seed(c: &mut Criterion) {
    let mut net = SeedNet::NONZERO;
    let mut twin = net.twin();
    let samples = [([0.5, 1.0], 0.25), ([0.0, 1.0], 0.0), ([-0.3, 0.8], 0.5)];
    let lr = f64::from(LEARNING_RATE);
    let mut group = c.benchmark_group("seed f64 per-sample step");
    let mut i = 0;
    let mut sample = || {
        i += 1;
        black_box(samples[i % 3])
    };
    group.bench_function("generated train_step", |b| {
        b.iter(|| {
            let (x, t) = sample();
            seed_train_step(&mut net, x, t, black_box(lr))
        })
    });
    group.bench_function("hand-written checked step", |b| {
        b.iter(|| {
            let (x, t) = sample();
            seed_twin_checked_step(&mut twin, x, t, black_box(lr))
        })
    });
    group.bench_function("generated forward+backward+sgd", |b| {
        b.iter(|| {
            let (x, t) = sample();
            seed_step(&mut net, x, t, black_box(lr));
        })
    });
    group.bench_function("hand-written step", |b| {
        b.iter(|| {
            let (x, t) = sample();
            seed_twin_step(&mut twin, x, t, black_box(lr));
        })
    });
    group.finish();
}

fn xor(c: &mut Criterion) {
    let mut net = Xor241::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(1));
    let mut twin = net.twin();
    let samples = [
        ([0.0, 0.0], 0.0),
        ([0.0, 1.0], 1.0),
        ([1.0, 0.0], 1.0),
        ([1.0, 1.0], 0.0),
    ];
    let mut group = c.benchmark_group("xor 2-4-1 f32 per-sample step");
    let mut i = 0;
    let mut sample = || {
        i += 1;
        black_box(samples[i % 4])
    };
    group.bench_function("generated train_step", |b| {
        b.iter(|| {
            let (x, t) = sample();
            xor_train_step(&mut net, x, t, black_box(LEARNING_RATE))
        })
    });
    group.bench_function("generated", |b| {
        b.iter(|| {
            let (x, t) = sample();
            xor_step(&mut net, x, t, black_box(LEARNING_RATE));
        })
    });
    group.bench_function("hand-written", |b| {
        b.iter(|| {
            let (x, t) = sample();
            xor_twin_step(&mut twin, x, t, black_box(LEARNING_RATE));
        })
    });
    // The same network and weights declared as `layer h[4]`.
    let mut layered = XorLayer {
        W: twin.w1,
        b: twin.b1,
        v: twin.w2,
        c: twin.b2,
    };
    group.bench_function("generated train_step, layer h[4]", |b| {
        b.iter(|| {
            let (x, t) = sample();
            xor_layer_train_step(&mut layered, x, t, black_box(LEARNING_RATE))
        })
    });
    group.bench_function("generated, layer h[4]", |b| {
        b.iter(|| {
            let (x, t) = sample();
            xor_layer_step(&mut layered, x, t, black_box(LEARNING_RATE));
        })
    });
    group.finish();
}

fn sine(c: &mut Criterion) {
    let mut net = Sine::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(2));
    let mut twin = net.twin();
    let xs: Vec<f32> = (0..64).map(|i| -3.0 + 6.0 * i as f32 / 63.0).collect();
    let mut group = c.benchmark_group("sine 1-16-16-1 f32 per-sample step");
    let mut i = 0;
    group.bench_function("generated", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            let grads = net.backward(&net.forward(&[x]), &[x.sin()]);
            net.sgd_step(&grads, black_box(LEARNING_RATE));
        })
    });
    group.bench_function("hand-written", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            twin.step(x, x.sin(), black_box(LEARNING_RATE));
        })
    });
    let mut checked = net;
    group.bench_function("generated train_step (checked)", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            checked
                .train_step(&[x], &[x.sin()], black_box(LEARNING_RATE))
                .unwrap_or(f32::NAN)
        })
    });
    let mut fast_net = SineFast {
        W1: net.W1,
        b1: net.b1,
        W2: net.W2,
        b2: net.b2,
        w3: net.w3,
        b3: net.b3,
    };
    group.bench_function("generated, precision fast", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            let grads = fast_net.backward(&fast_net.forward(&[x]), &[x.sin()]);
            fast_net.sgd_step(&grads, black_box(LEARNING_RATE));
        })
    });
    group.bench_function(
        "generated train_step (checked, fused), precision fast",
        |b| {
            b.iter(|| {
                let x = black_box(xs[i % 64]);
                i += 1;
                fast_net
                    .train_step(&[x], &[x.sin()], black_box(LEARNING_RATE))
                    .unwrap_or(f32::NAN)
            })
        },
    );
    let mut fast_twin = twin;
    group.bench_function("hand-written, fast tanh", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            fast_twin.step_fast(x, x.sin(), black_box(LEARNING_RATE));
        })
    });
    let mut native_twin = twin;
    group.bench_function("hand-written, fast tanh, AVX2 build", |b| {
        b.iter(|| {
            let x = black_box(xs[i % 64]);
            i += 1;
            native_twin.step_fast_native(x, x.sin(), black_box(LEARNING_RATE));
        })
    });
    group.finish();
}

fn digits(c: &mut Criterion) {
    let data = digits::load().expect("the shipped digits load");
    let mut net = Digits::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(3));
    let mut twin = net.twin();
    let batches = data.len() / 32;
    let targets: Vec<ClassTarget<f32, 10>> = data.labels.iter().map(|&l| l.into()).collect();
    let batch = |i: usize| i % batches * 32..i % batches * 32 + 32;

    let mut group = c.benchmark_group("digits 64-32-10 f32 32-sample batch");
    let mut i = 0;
    group.bench_function("generated train_batch", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            net.train_batch(
                black_box(&data.images[range.clone()]),
                black_box(&targets[range]),
                black_box(LEARNING_RATE),
            )
        })
    });
    group.bench_function("hand-written batch step", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            twin.batch_step(
                black_box(&data.images[range.clone()]),
                black_box(&data.labels[range]),
                black_box(LEARNING_RATE),
            )
        })
    });
    let mut fast_net = DigitsFast {
        W1: net.W1,
        b1: net.b1,
        W2: net.W2,
        b2: net.b2,
    };
    let mut fast_twin = net.twin();
    group.bench_function("generated train_batch, precision fast", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            fast_net.train_batch(
                black_box(&data.images[range.clone()]),
                black_box(&targets[range]),
                black_box(LEARNING_RATE),
            )
        })
    });
    group.bench_function("hand-written batch step, fast tanh", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            fast_twin.batch_step_with(
                black_box(&data.images[range.clone()]),
                black_box(&data.labels[range]),
                black_box(LEARNING_RATE),
                fast::tanh::<f32>,
            )
        })
    });
    // The expert's batch structure: deltas of the whole batch first, each weight row's
    // gradient summed over the batch in registers and written once.
    let mut expert = DigitsExpertTwin::from(&net.twin());
    group.bench_function("expert batch step", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            expert.batch_step_with(
                black_box(&data.images[range.clone()]),
                black_box(&data.labels[range]),
                black_box(LEARNING_RATE),
                backprop_runtime::activation::tanh::<f32>,
            )
        })
    });
    let mut fast_expert = DigitsExpertTwin::from(&net.twin());
    group.bench_function("expert batch step, fast tanh", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            fast_expert.batch_step_with(
                black_box(&data.images[range.clone()]),
                black_box(&data.labels[range]),
                black_box(LEARNING_RATE),
                fast::tanh::<f32>,
            )
        })
    });
    group.bench_function("generated forward only", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            for image in black_box(&data.images[range]) {
                black_box(net.predict(image));
            }
        })
    });
    group.bench_function("hand-written forward only", |b| {
        b.iter(|| {
            let range = batch(i);
            i += 1;
            for image in black_box(&data.images[range]) {
                black_box(twin.forward(image).1);
            }
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = steps;
    config = config();
    targets = seed, xor, sine, digits
}
criterion_main!(steps);
