//! Recurrent networks against hand-written twins (`src/cell_twins.rs`, `src/bptt_twin.rs`),
//! in one run: one streaming step of a GRU and an LSTM of 16 units (the size of real-time
//! audio models), and one training batch of a GRU of 64 units by backpropagation through
//! time.
//!
//! `cargo bench --bench recurrent`; the figures and the machine are in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use backprop_runtime::optim::Sgd;
use backprop_runtime::recurrent::{train_sequences_with, Horizon, Sequence, Targets, LANES};
use backprop_runtime::stream::Stream;
use backprop_runtime::{init, Network};
use backprop_tests::bptt_twin::Gru64BatchTwin;
use backprop_tests::cell_twins::{GruTwin, LstmTwin};
use backprop_tests::nets::{
    Gru16, Gru16Fast, Gru16FastState, Gru16State, Gru64, Gru64Fast, Lstm16, Lstm16Fast,
    Lstm16FastState, Lstm16State,
};
use backprop_tests::SplitMix;
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

// One out-of-line function per step, the same way for both sides.

#[inline(never)]
fn gru_step(net: &Gru16, state: &mut Gru16State, x: &[f32; 16]) -> f32 {
    net.step(state, x)[0]
}

#[inline(never)]
fn gru_fast_step(net: &Gru16Fast, state: &mut Gru16FastState, x: &[f32; 16]) -> f32 {
    net.step(state, x)[0]
}

#[inline(never)]
fn gru_stream_step(stream: &Stream<Gru16>, state: &mut Gru16State, x: &[f32; 16]) -> f32 {
    stream.step(state, x)[0]
}

#[inline(never)]
fn gru_fast_stream_step(
    stream: &Stream<Gru16Fast>,
    state: &mut Gru16FastState,
    x: &[f32; 16],
) -> f32 {
    stream.step(state, x)[0]
}

#[inline(never)]
fn gru_twin_step<const FAST: bool>(twin: &GruTwin<FAST>, h: &mut [f32; 16], x: &[f32; 16]) -> f32 {
    twin.step(h, x)
}

#[inline(never)]
fn lstm_step(net: &Lstm16, state: &mut Lstm16State, x: &[f32; 16]) -> f32 {
    net.step(state, x)[0]
}

#[inline(never)]
fn lstm_fast_step(net: &Lstm16Fast, state: &mut Lstm16FastState, x: &[f32; 16]) -> f32 {
    net.step(state, x)[0]
}

#[inline(never)]
fn lstm_stream_step(stream: &Stream<Lstm16>, state: &mut Lstm16State, x: &[f32; 16]) -> f32 {
    stream.step(state, x)[0]
}

#[inline(never)]
fn lstm_fast_stream_step(
    stream: &Stream<Lstm16Fast>,
    state: &mut Lstm16FastState,
    x: &[f32; 16],
) -> f32 {
    stream.step(state, x)[0]
}

#[inline(never)]
fn lstm_twin_step<const FAST: bool>(
    twin: &LstmTwin<FAST>,
    h: &mut [f32; 16],
    c: &mut [f32; 16],
    x: &[f32; 16],
) -> f32 {
    twin.step(h, c, x)
}

/// 64 input vectors uniform in [-1, 1), cycled through.
fn signal<const N: usize>(seed: u64, count: usize) -> Vec<[f32; N]> {
    let mut random = SplitMix::new(seed);
    (0..count)
        .map(|_| std::array::from_fn(|_| random.uniform(-1.0, 1.0) as f32))
        .collect()
}

fn streaming(c: &mut Criterion) {
    let inputs = signal::<16>(1, 64);
    let mut i = 0;
    let mut next = || {
        i = (i + 1) % inputs.len();
        black_box(&inputs[i])
    };

    let mut gru = Gru16::default();
    init::glorot_uniform(&mut gru, &mut ChaCha8Rng::seed_from_u64(1));
    let gru_fast = Gru16Fast::from(&gru);
    let (twin, twin_fast) = (GruTwin::<false>::from(&gru), GruTwin::<true>::from(&gru));
    let mut group = c.benchmark_group("GRU 16 in, 16 units: one streaming step");
    let mut state = Gru16State::default();
    group.bench_function("generated, exact", |b| {
        b.iter(|| gru_step(&gru, &mut state, next()))
    });
    let mut h = [0.0; 16];
    let (stream, fast_stream) = (Stream::new(gru), Stream::new(gru_fast));
    group.bench_function("generated Stream, exact", |b| {
        b.iter(|| gru_stream_step(&stream, &mut state, next()))
    });
    group.bench_function("hand-written, exact", |b| {
        b.iter(|| gru_twin_step(&twin, &mut h, next()))
    });
    let mut state = Gru16FastState::default();
    group.bench_function("generated, precision fast", |b| {
        b.iter(|| gru_fast_step(&gru_fast, &mut state, next()))
    });
    let mut h = [0.0; 16];
    group.bench_function("generated Stream, precision fast", |b| {
        b.iter(|| gru_fast_stream_step(&fast_stream, &mut state, next()))
    });
    group.bench_function("hand-written, fast kernels", |b| {
        b.iter(|| gru_twin_step(&twin_fast, &mut h, next()))
    });
    group.finish();

    let mut lstm = Lstm16::default();
    init::glorot_uniform(&mut lstm, &mut ChaCha8Rng::seed_from_u64(2));
    let lstm_fast = Lstm16Fast::from(&lstm);
    let (twin, twin_fast) = (
        LstmTwin::<false>::from(&lstm),
        LstmTwin::<true>::from(&lstm),
    );
    let mut group = c.benchmark_group("LSTM 16 in, 16 units: one streaming step");
    let mut state = Lstm16State::default();
    group.bench_function("generated, exact", |b| {
        b.iter(|| lstm_step(&lstm, &mut state, next()))
    });
    let (mut h, mut cell) = ([0.0; 16], [0.0; 16]);
    let (stream, fast_stream) = (Stream::new(lstm), Stream::new(lstm_fast));
    group.bench_function("generated Stream, exact", |b| {
        b.iter(|| lstm_stream_step(&stream, &mut state, next()))
    });
    group.bench_function("hand-written, exact", |b| {
        b.iter(|| lstm_twin_step(&twin, &mut h, &mut cell, next()))
    });
    let mut state = Lstm16FastState::default();
    group.bench_function("generated, precision fast", |b| {
        b.iter(|| lstm_fast_step(&lstm_fast, &mut state, next()))
    });
    let (mut h, mut cell) = ([0.0; 16], [0.0; 16]);
    group.bench_function("generated Stream, precision fast", |b| {
        b.iter(|| lstm_fast_stream_step(&fast_stream, &mut state, next()))
    });
    group.bench_function("hand-written, fast kernels", |b| {
        b.iter(|| lstm_twin_step(&twin_fast, &mut h, &mut cell, next()))
    });
    group.finish();
}

fn training(c: &mut Criterion) {
    const STEPS: usize = 64;
    const SEQUENCES: usize = 32;
    let inputs: Vec<Vec<[f32; 32]>> = (0..SEQUENCES)
        .map(|s| signal(10 + s as u64, STEPS))
        .collect();
    let targets: Vec<Vec<[f32; 32]>> = (0..SEQUENCES)
        .map(|s| signal(100 + s as u64, STEPS))
        .collect();
    let batch: Vec<Sequence<'_, Gru64>> = inputs
        .iter()
        .zip(&targets)
        .map(|(inputs, targets)| Sequence {
            inputs,
            targets: Targets::EveryStep(targets),
        })
        .collect();
    let fast_batch: Vec<Sequence<'_, Gru64Fast>> = inputs
        .iter()
        .zip(&targets)
        .map(|(inputs, targets)| Sequence {
            inputs,
            targets: Targets::EveryStep(targets),
        })
        .collect();
    let mut net = Gru64::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(3));
    let mut fast_net = Gru64Fast::from(&net);
    // Room for `LANES` sequences: runs of them step forward together.
    let mut traces = vec![<Gru64 as Network>::Trace::default(); LANES * STEPS];
    let mut fast_traces = vec![<Gru64Fast as Network>::Trace::default(); LANES * STEPS];
    let mut sgd = Sgd::new(1e-6).unwrap();
    let mut fast_sgd = Sgd::new(1e-6).unwrap();
    let mut group = c.benchmark_group(
        "GRU 64 units, 32 in, readout to 32 every step: BPTT over 64 steps, 32 sequences, one SGD update",
    );
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("generated, exact", |b| {
        b.iter(|| {
            train_sequences_with(&mut net, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap()
        })
    });
    group.bench_function("generated, precision fast", |b| {
        b.iter(|| {
            train_sequences_with(
                &mut fast_net,
                &mut fast_sgd,
                &fast_batch,
                Horizon::Full,
                &mut fast_traces,
            )
            .unwrap()
        })
    });
    let mut twin = Gru64BatchTwin::<false>::from(&net);
    group.bench_function("hand-written, the batch in lockstep, exact", |b| {
        b.iter(|| twin.train(&inputs, &targets, 1e-6))
    });
    let mut fast_twin = Gru64BatchTwin::<true>::from(&net);
    group.bench_function("hand-written, the batch in lockstep, fast kernels", |b| {
        b.iter(|| fast_twin.train(&inputs, &targets, 1e-6))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = streaming, training
}
criterion_main!(benches);
