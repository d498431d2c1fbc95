//! A 1-16-16-1 tanh regressor fits sin(x) on [-pi, pi], then draws the target, the fit
//! and the loss curve to `sine.png`.
//!
//! Run with `cargo run --release --example sine` (the picture goes to the current
//! directory, or to the path given as the first argument).

use std::f64::consts::PI;

use std::ops::ControlFlow;

use backprop_runtime::data::mean_loss;
use backprop_runtime::optim::Sgd;
use backprop_runtime::{network, Dataset, Fit, Schedule};
use backprop_tests::SplitMix;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

network! {
    /// 1 -> 16 tanh -> 16 tanh -> 1.
    pub struct Sine<f32> {
        input x;
        layer h1[16] = tanh(W1 * x + b1);
        layer h2[16] = tanh(W2 * h1 + b2);
        output y = identity(w3 * h2 + b3);
        loss mean_squared_error;
    }
}

const SAMPLES: usize = 256;
const EPOCHS: usize = 2_000;
const BATCH: usize = 16;
/// The learning rate starts here and falls along half a cosine to 2% of it, which smooths
/// the end of training.
const LEARNING_RATE: f32 = 0.1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sine.png".to_owned());
    let xs: Vec<[f32; 1]> = (0..SAMPLES)
        .map(|i| [(-PI + 2.0 * PI * i as f64 / (SAMPLES - 1) as f64) as f32])
        .collect();
    let ys: Vec<[f32; 1]> = xs.iter().map(|[x]| [x.sin()]).collect();

    let mut net = initialise(7);
    let data = Dataset::new(&xs, &ys)?;
    let mut losses = Vec::with_capacity(EPOCHS);
    Fit::new(EPOCHS)
        .batch_size(BATCH)
        .seed(7)
        .schedule(Schedule::Cosine {
            warmup: 0,
            floor: 0.02,
        })
        .run(
            &mut net,
            &mut Sgd::new(LEARNING_RATE)?,
            data,
            None,
            |epoch, net| {
                let loss = mean_loss(net, &data).unwrap_or(f64::NAN) as f32;
                losses.push(loss);
                if epoch.epoch % 500 == 0 {
                    println!("epoch {:>5}: mean squared error {loss:.6}", epoch.epoch);
                }
                ControlFlow::Continue(())
            },
        )?;
    let fit: Vec<f32> = xs.iter().map(|x| net.predict(x)[0]).collect();
    plot(&path, &xs, &ys, &fit, &losses)?;
    println!("wrote {path}");
    Ok(())
}

/// Weights uniform in `+-sqrt(6 / (fan_in + fan_out))` (Glorot), biases zero.
fn initialise(seed: u64) -> Sine {
    let mut random = SplitMix::new(seed);
    let mut uniform = |fan_in: usize, fan_out: usize| {
        let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
        random.uniform(-limit, limit) as f32
    };
    let mut net = Sine::default();
    net.W1.iter_mut().for_each(|w| *w = uniform(1, 16));
    net.W2
        .iter_mut()
        .flatten()
        .for_each(|w| *w = uniform(16, 16));
    net.w3.iter_mut().for_each(|w| *w = uniform(16, 1));
    net
}

/// Two panels: target and fit over x, and the loss per epoch on a log scale.
fn plot(
    path: &str,
    xs: &[[f32; 1]],
    ys: &[[f32; 1]],
    fit: &[f32],
    losses: &[f32],
) -> Result<(), Box<dyn std::error::Error>> {
    register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded font did not load")?;
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(620);

    let mut chart = ChartBuilder::on(&left)
        .caption("sin(x) and the network's fit", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(-PI as f32..PI as f32, -1.2_f32..1.2_f32)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("x")
        .y_desc("y")
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            xs.iter().zip(ys).map(|(x, y)| (x[0], y[0])),
            BLUE.stroke_width(3),
        ))?
        .label("sin(x)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(
            xs.iter().zip(fit).map(|(x, &y)| (x[0], y)),
            RED.stroke_width(2),
        ))?
        .label("network")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;

    let lowest = losses
        .iter()
        .copied()
        .fold(f32::INFINITY, f32::min)
        .max(1e-8);
    let highest = losses
        .iter()
        .copied()
        .fold(0.0, f32::max)
        .max(lowest * 10.0);
    let mut curve = ChartBuilder::on(&right)
        .caption("mean squared error per epoch", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(1..losses.len(), (lowest * 0.5..highest * 2.0).log_scale())?;
    curve
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("epoch")
        .y_desc("loss")
        .draw()?;
    curve.draw_series(LineSeries::new(
        losses
            .iter()
            .enumerate()
            .map(|(epoch, &loss)| (epoch + 1, loss)),
        BLACK.stroke_width(2),
    ))?;
    root.present()?;
    Ok(())
}
