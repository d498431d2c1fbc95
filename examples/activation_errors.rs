//! Measures the largest error of the `precision fast` activation kernels against the
//! standard library, over the whole range of their inputs.
//!
//! `cargo run --release --example activation_errors` (about two minutes on one core). `f32`: every
//! third finite `f32` bit pattern in each range (about 700 million inputs per function, all
//! exponents and mantissa patterns); `f64`: 50 million inputs, log-uniform over the range.
//! The figures are recorded in BENCHMARKS.md.

use backprop_runtime::activation::{self, fast};
use backprop_tests::SplitMix;

/// The largest error seen, and where.
#[derive(Default, Clone, Copy)]
struct Worst {
    error: f64,
    at: f64,
}

impl Worst {
    fn record(&mut self, error: f64, at: f64) {
        if error > self.error || error.is_nan() {
            *self = Worst { error, at };
        }
    }
}

/// Every third finite f32 between `low` and `high`.
fn f32_inputs(low: f32, high: f32) -> impl Iterator<Item = f32> {
    let positive = (0..0x7f80_0000_u32).step_by(3).map(f32::from_bits);
    let negative = (1..0x7f80_0000_u32)
        .step_by(3)
        .map(|bits| -f32::from_bits(bits));
    positive
        .chain(negative)
        .filter(move |x| (low..=high).contains(x))
}

/// `count` f64 inputs log-uniform in magnitude from `1e-300` to `high`, both signs, within
/// `[low, high]`.
fn f64_inputs(low: f64, high: f64, count: usize) -> impl Iterator<Item = f64> {
    let mut random = SplitMix::new(1);
    let top = high.abs().max(low.abs()).ln();
    (0..count).filter_map(move |_| {
        let magnitude = random.uniform(-690.0, top).exp();
        let x = if random.next_u64().is_multiple_of(2) {
            magnitude
        } else {
            -magnitude
        };
        (low..=high).contains(&x).then_some(x)
    })
}

fn relative(fast: f64, exact: f64) -> f64 {
    if fast == exact {
        0.0
    } else {
        (fast - exact).abs() / exact.abs()
    }
}

fn main() {
    println!("function  type  measure   largest error  at input");
    let report = |name: &str, ty: &str, measure: &str, worst: Worst| {
        println!(
            "{name:<9} {ty:<5} {measure:<9} {:>13.3e}  {:e}",
            worst.error, worst.at
        );
    };

    // f32, against the standard library's f32 functions.
    let [mut exp, mut tanh, mut sigmoid, mut softplus] = [Worst::default(); 4];
    let mut tanh_relative = Worst::default();
    for x in f32_inputs(-87.0, 88.0) {
        let at = f64::from(x);
        record_relative(&mut exp, fast::exp(x), x.exp(), at);
        record_relative(
            &mut softplus,
            fast::softplus(x),
            activation::softplus(x),
            at,
        );
    }
    report("exp", "f32", "relative", exp);
    report("softplus", "f32", "relative", softplus);
    for x in f32_inputs(f32::MIN, f32::MAX) {
        let at = f64::from(x);
        tanh.record(f64::from((fast::tanh(x) - x.tanh()).abs()), at);
        // Against tanh in f64, so that the reference itself is exact to f32 precision.
        record_relative(&mut tanh_relative, f64::from(fast::tanh(x)), at.tanh(), at);
        sigmoid.record(
            f64::from((fast::sigmoid(x) - activation::sigmoid(x)).abs()),
            at,
        );
    }
    report("tanh", "f32", "absolute", tanh);
    report("tanh", "f32", "relative", tanh_relative);
    report("sigmoid", "f32", "absolute", sigmoid);

    // f64, against the standard library's f64 functions.
    let [mut exp, mut tanh, mut sigmoid, mut softplus] = [Worst::default(); 4];
    for x in f64_inputs(-707.0, 709.0, 50_000_000) {
        record_relative(&mut exp, fast::exp(x), x.exp(), x);
        record_relative(&mut softplus, fast::softplus(x), activation::softplus(x), x);
        tanh.record((fast::tanh(x) - x.tanh()).abs(), x);
        sigmoid.record((fast::sigmoid(x) - activation::sigmoid(x)).abs(), x);
    }
    report("exp", "f64", "relative", exp);
    report("softplus", "f64", "relative", softplus);
    report("tanh", "f64", "absolute", tanh);
    report("sigmoid", "f64", "absolute", sigmoid);
}

fn record_relative<T: Into<f64>>(worst: &mut Worst, fast: T, exact: T, at: f64) {
    worst.record(relative(fast.into(), exact.into()), at);
}
