//! A GRU of 8 units learns an audio effect: a one-pole low-pass filter followed by soft
//! clipping (a crude amplifier), from a synthetic signal of swept sines and noise at
//! varying drive. Training is backpropagation through time on short windows of the signal;
//! the trained network then runs as a stream, one sample at a time, as a real-time audio
//! thread would call it. Target against prediction goes to `amp.png`.
//!
//! Run with `cargo run --release --example amp` (the picture goes to the current directory,
//! or to the path given as the first argument).

use std::time::Instant;

use backprop_runtime::optim::Adam;
use backprop_runtime::recurrent::{self, Horizon, Sequence, Targets};
use backprop_runtime::stream::Stream;
use backprop_runtime::Network;
use backprop_tests::nets::{Amp, AmpState};
use backprop_tests::SplitMix;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

const SAMPLE_RATE: f64 = 8_000.0;
/// Seconds of signal to learn from, and of signal held out to measure the error on.
const TRAIN_SECONDS: f64 = 4.0;
const TEST_SECONDS: f64 = 1.0;
/// Each update: the mean gradient of this many windows of this many samples.
const WINDOWS: usize = 16;
const WINDOW: usize = 48;
const UPDATES: usize = 3_000;
const LEARNING_RATE: f32 = 0.01;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "amp.png".to_owned());
    let mut random = SplitMix::new(2026);
    let train_input = signal((TRAIN_SECONDS * SAMPLE_RATE) as usize, &mut random);
    let test_input = signal((TEST_SECONDS * SAMPLE_RATE) as usize, &mut random);
    let (train_target, test_target) = (effect(&train_input), effect(&test_input));

    let mut net = initialise(11);
    let mut adam = Adam::new(LEARNING_RATE)?;
    let mut traces = vec![<Amp as Network>::Trace::default(); WINDOW];
    let mut starts = [0_usize; WINDOWS];
    println!(
        "update  error on held-out audio (RMS, target RMS {:.3})",
        rms(&test_target)
    );
    for update in 0..=UPDATES {
        if update % 500 == 0 {
            let error = stream_error(&net, &test_input, &test_target);
            println!("{update:>6}  {error:.4}");
        }
        if update == UPDATES {
            break;
        }
        // The step size falls linearly to a tenth: large steps find the effect, small ones
        // settle on it.
        let progress = update as f32 / UPDATES as f32;
        adam.learning_rate = LEARNING_RATE * (1.0 - 0.9 * progress);
        for start in &mut starts {
            *start = (random.next_u64() % (train_input.len() - WINDOW) as u64) as usize;
        }
        let batch = starts.map(|start| Sequence::<Amp> {
            inputs: &train_input[start..start + WINDOW],
            targets: Targets::EveryStep(&train_target[start..start + WINDOW]),
        });
        recurrent::train_sequences_with(&mut net, &mut adam, &batch, Horizon::Full, &mut traces)?;
    }

    // As a stream: the matrices copied once by columns (`Stream`), then one call per
    // sample, state kept between calls.
    let stream = Stream::new(net);
    let mut state = stream.initial_state();
    let began = Instant::now();
    let prediction: Vec<f32> = test_input
        .iter()
        .map(|x| stream.step(&mut state, x)[0])
        .collect();
    let per_sample = began.elapsed().as_secs_f64() / test_input.len() as f64;
    println!(
        "streaming: {:.0} ns per sample, {:.0}x faster than real time at {} Hz",
        per_sample * 1e9,
        1.0 / (per_sample * SAMPLE_RATE),
        SAMPLE_RATE
    );
    plot(&path, &test_input, &test_target, &prediction)?;
    println!("wrote {path}");
    Ok(())
}

/// Swept sines (50 Hz to 2 kHz) and bursts of noise, with a drive that wanders between
/// quiet and loud, so that the clipping is sometimes soft and sometimes hard.
fn signal(samples: usize, random: &mut SplitMix) -> Vec<[f32; 1]> {
    let mut phase = 0.0_f64;
    let mut drive = 0.5_f64;
    (0..samples)
        .map(|n| {
            let t = n as f64 / SAMPLE_RATE;
            // A sweep every half second, up in frequency, exponentially.
            let sweep = (t * 2.0).fract();
            let frequency = 50.0 * 40.0_f64.powf(sweep);
            phase += std::f64::consts::TAU * frequency / SAMPLE_RATE;
            let tone = phase.sin();
            let noise = random.uniform(-1.0, 1.0);
            // Noise in one quarter of every second.
            let value = if (t * 4.0) as usize % 4 == 3 {
                noise
            } else {
                tone
            };
            drive = (drive + random.uniform(-0.002, 0.002)).clamp(0.2, 1.0);
            [(drive * value) as f32]
        })
        .collect()
}

/// The effect to learn: a one-pole low-pass `l[n] = l[n-1] + 0.3 (x[n] - l[n-1])` into a
/// soft clipper `y[n] = 2/3 tanh(3 l[n])`.
fn effect(input: &[[f32; 1]]) -> Vec<[f32; 1]> {
    let mut low_pass = 0.0_f32;
    input
        .iter()
        .map(|[x]| {
            low_pass += 0.3 * (x - low_pass);
            [(3.0 * low_pass).tanh() / 3.0 * 2.0]
        })
        .collect()
}

/// The root-mean-square error of the network streamed over `input` from the zero state.
fn stream_error(net: &Amp, input: &[[f32; 1]], target: &[[f32; 1]]) -> f64 {
    let mut state = AmpState::default();
    let squares: f64 = input
        .iter()
        .zip(target)
        .map(|(x, [t])| f64::from(net.step(&mut state, x)[0] - t).powi(2))
        .sum();
    (squares / input.len() as f64).sqrt()
}

/// The root mean square of a signal.
fn rms(signal: &[[f32; 1]]) -> f64 {
    let squares: f64 = signal.iter().map(|[x]| f64::from(*x).powi(2)).sum();
    (squares / signal.len() as f64).sqrt()
}

/// Every parameter uniform in `+-1/sqrt(8)`, as PyTorch starts a GRU of 8 units.
fn initialise(seed: u64) -> Amp {
    let mut random = SplitMix::new(seed);
    let bound = 1.0 / 8.0_f64.sqrt();
    let mut net = Amp::default();
    for w in net.as_mut_slice() {
        *w = random.uniform(-bound, bound) as f32;
    }
    net
}

/// 20 ms of the held-out signal at the start of a noise burst and of a sweep: input, target
/// and the network's prediction.
fn plot(
    path: &str,
    input: &[[f32; 1]],
    target: &[[f32; 1]],
    prediction: &[f32],
) -> Result<(), Box<dyn std::error::Error>> {
    register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded font did not load")?;
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let span = (0.02 * SAMPLE_RATE) as usize;
    let noise_start = (0.75 * SAMPLE_RATE) as usize - span / 2;
    let sweep_start = (0.35 * SAMPLE_RATE) as usize;
    for (panel, (start, title)) in panels.iter().zip([
        (sweep_start, "a sweep: target and network"),
        (noise_start, "into noise: target and network"),
    ]) {
        let range = start..start + span;
        let milliseconds = |n: usize| (n - start) as f32 / SAMPLE_RATE as f32 * 1000.0;
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0_f32..20.0_f32, -1.1_f32..1.1_f32)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("ms")
            .draw()?;
        let series = [
            (
                "input",
                range.clone().map(|n| input[n][0]).collect::<Vec<_>>(),
                RGBColor(170, 170, 170),
                1,
            ),
            (
                "target",
                range.clone().map(|n| target[n][0]).collect(),
                BLUE,
                3,
            ),
            (
                "network",
                range.clone().map(|n| prediction[n]).collect(),
                RED,
                2,
            ),
        ];
        for (label, values, color, width) in series {
            chart
                .draw_series(LineSeries::new(
                    range.clone().zip(values).map(|(n, y)| (milliseconds(n), y)),
                    color.stroke_width(width),
                ))?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
