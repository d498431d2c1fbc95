//! Initial parameters: constants, and (with the `rand` feature) the seeded random schemes
//! of Glorot and He, scaled by each neuron's fan-in and fan-out.
//!
//! The random schemes draw 64-bit integers from the generator and turn them into floats
//! with exact arithmetic, so a generator with a fixed, portable stream (such as
//! `rand_chacha::ChaCha8Rng::seed_from_u64(seed)`) gives the same weights on every machine.

use crate::Parameters;
#[cfg(feature = "rand")]
use {crate::Scalar, num_traits::Zero};

/// Sets every parameter, weights and biases, to `value` (`0` gives the same as `Default`).
pub fn constant<P: Parameters>(parameters: &mut P, value: P::Scalar) {
    parameters.as_mut_slice().fill(value);
}

/// Calls `draw(info)` for each weight value, in flat order, and sets every bias to zero.
#[cfg(feature = "rand")]
fn for_each_weight<P: Parameters>(
    parameters: &mut P,
    mut draw: impl FnMut(&crate::ParameterInfo) -> P::Scalar,
) {
    for (info, values) in parameters.tensors_mut() {
        for value in values {
            *value = match info.kind {
                crate::ParameterKind::Weight => draw(info),
                crate::ParameterKind::Bias => P::Scalar::zero(),
            };
        }
    }
}

/// A float uniform in `[-1, 1)` from 53 random bits: exact, so the same on every machine.
#[cfg(feature = "rand")]
fn symmetric_unit(random: &mut impl rand::RngCore) -> f64 {
    let bits = random.next_u64() >> 11;
    (bits as f64 / (1u64 << 52) as f64) - 1.0
}

/// Glorot (Xavier) uniform: every weight uniform in `+-sqrt(6 / (fan_in + fan_out))` of its
/// neuron, every bias zero. Suits `tanh` and `sigmoid` layers.
#[cfg(feature = "rand")]
pub fn glorot_uniform<P: Parameters>(parameters: &mut P, random: &mut impl rand::RngCore) {
    for_each_weight(parameters, |info| {
        let limit = (6.0 / (info.fan_in + info.fan_out) as f64).sqrt();
        P::Scalar::from_f64(limit * symmetric_unit(random))
    });
}

/// He (Kaiming) uniform: every weight uniform in `+-sqrt(6 / fan_in)` of its neuron, every
/// bias zero. Suits `relu` layers.
#[cfg(feature = "rand")]
pub fn he_uniform<P: Parameters>(parameters: &mut P, random: &mut impl rand::RngCore) {
    for_each_weight(parameters, |info| {
        let limit = (6.0 / info.fan_in as f64).sqrt();
        P::Scalar::from_f64(limit * symmetric_unit(random))
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_fills_everything() {
        use crate::Parameters;
        struct Three([f64; 3]);
        impl Parameters for Three {
            type Scalar = f64;
            const LEN: usize = 3;
            const LAYOUT: &'static [crate::ParameterInfo] = &[];
            fn as_slice(&self) -> &[f64] {
                &self.0
            }
            fn as_mut_slice(&mut self) -> &mut [f64] {
                &mut self.0
            }
        }
        let mut three = Three([1.0, 2.0, 3.0]);
        super::constant(&mut three, 0.5);
        assert_eq!(three.0, [0.5; 3]);
    }
}
