//! Initialisation: constants, and seeded Glorot and He that give the same weights for the
//! same seed, scaled by each neuron's fan-in and fan-out.

use backprop_runtime::{init, network, ParameterKind, Parameters};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

network! {
    /// Layers and single neurons, so both kinds of fan-in appear.
    pub struct Net<f32> {
        input x[8], extra;
        layer h[4] = tanh(W * x + v * extra + b);
        neuron n = relu(u * h + c);
        output o = identity(p * n + q * extra);
        loss half_squared_error;
    }
}

#[test]
fn layout_reports_fan_in_and_fan_out() {
    let fans: Vec<_> = Net::LAYOUT
        .iter()
        .map(|p| (p.name, p.kind, p.fan_in, p.fan_out))
        .collect();
    assert_eq!(
        fans,
        [
            ("W", ParameterKind::Weight, 9, 4),
            ("v", ParameterKind::Weight, 9, 4),
            ("b", ParameterKind::Bias, 9, 4),
            ("u", ParameterKind::Weight, 4, 1),
            ("c", ParameterKind::Bias, 4, 1),
            ("p", ParameterKind::Weight, 2, 1),
            ("q", ParameterKind::Weight, 2, 1),
        ]
    );
}

#[test]
fn constant_sets_every_parameter() {
    let mut net = Net::default();
    init::constant(&mut net, 0.25);
    assert!(net.as_slice().iter().all(|&v| v == 0.25));
    assert_eq!(net.b, [0.25; 4]);
}

/// The documented recipe, applied here by hand: 53 random bits to [-1, 1), times the limit.
fn expected(seed: u64, limit_of: impl Fn(usize, usize) -> f64) -> Vec<f32> {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::new();
    for info in Net::LAYOUT {
        for _ in 0..info.len() {
            values.push(match info.kind {
                ParameterKind::Bias => 0.0,
                ParameterKind::Weight => {
                    let unit = (random.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
                    (limit_of(info.fan_in, info.fan_out) * unit) as f32
                }
            });
        }
    }
    values
}

#[test]
fn glorot_uniform_is_seeded_and_scaled() {
    let mut net = Net::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(42));
    let glorot = |fan_in: usize, fan_out: usize| (6.0 / (fan_in + fan_out) as f64).sqrt();
    assert_eq!(net.as_slice(), expected(42, glorot));
    // Biases are zero, weights within their limits and not all equal.
    assert_eq!(net.b, [0.0; 4]);
    let limit = glorot(9, 4) as f32;
    assert!(net.W.iter().flatten().all(|w| w.abs() <= limit));
    assert!(net.W[0][0] != net.W[0][1]);

    let mut again = Net::default();
    init::glorot_uniform(&mut again, &mut ChaCha8Rng::seed_from_u64(42));
    assert_eq!(net, again);
    let mut other = Net::default();
    init::glorot_uniform(&mut other, &mut ChaCha8Rng::seed_from_u64(43));
    assert_ne!(net, other);
}

#[test]
fn he_uniform_is_seeded_and_scaled() {
    let mut net = Net::default();
    init::he_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(7));
    assert_eq!(
        net.as_slice(),
        expected(7, |fan_in, _| (6.0 / fan_in as f64).sqrt())
    );
    assert_eq!(net.c, 0.0);
}
