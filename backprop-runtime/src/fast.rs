//! Branch-free `exp` and `ln(1 + t)` kernels that the compiler can vectorize in loops over
//! arrays, for the `fast` precision of generated networks.
//!
//! Both reduce their argument with exact float tricks (no `floor`, which is a library call
//! on baseline x86-64) and evaluate a fixed polynomial, so a loop over them compiles to
//! straight-line SIMD code. The polynomials are Taylor series (`e^r`) and the `atanh`
//! series (`ln`), evaluated by Horner's rule.

/// `1 / k!` for `k = 0..=13`.
const INVERSE_FACTORIALS: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `1 / (2k + 1)` for `k = 0..=16`: the coefficients of `atanh(s) / s` in `s^2`.
const INVERSE_ODDS: [f64; 17] = [
    1.0,
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
    1.0 / 17.0,
    1.0 / 19.0,
    1.0 / 21.0,
    1.0 / 23.0,
    1.0 / 25.0,
    1.0 / 27.0,
    1.0 / 29.0,
    1.0 / 31.0,
    1.0 / 33.0,
];

/// `c[0] + x (c[1] + x (c[2] + ...))`, starting from the last coefficient (starting from
/// zero would cost a multiplication the compiler may not remove).
#[inline(always)]
fn horner<T: crate::Scalar>(coefficients: &[f64], x: T) -> T {
    let (&last, rest) = coefficients.split_last().unwrap_or((&0.0, &[]));
    rest.iter()
        .rev()
        .fold(T::from_f64(last), |p, &c| p * x + T::from_f64(c))
}

/// `e^x` for `f32`: `2^n e^r` with `n = round(x log2 e)` and `|r| <= ln 2 / 2`, `e^r` by its
/// Taylor polynomial to degree 7. Inputs are clamped to `[-87.3, 88.37]`: below, the result
/// is about `1.2e-38` instead of a subnormal or zero; above, about `2.5e38` instead of
/// infinity.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // ln 2 in two parts, so that `n * LN2_HIGH` is exact for every n that occurs.
    const LN2_HIGH: f32 = 0.693_145_75;
    const LN2_LOW: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer in f32 arithmetic.
    const ROUND: f32 = 12_582_912.0;
    // No float-to-int `as` below: it saturates, which compiles to scalar code and would
    // keep a loop over a layer from vectorizing.
    let x = x.clamp(-87.3, 88.37);
    let shifted = x * core::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HIGH) - n * LN2_LOW;
    let p = horner(&INVERSE_FACTORIALS[..8], r);
    // The low bits of `shifted` hold n: 2^n is built from them with integer arithmetic.
    let exponent = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127);
    p * f32::from_bits(exponent << 23)
}

/// `e^x` for `f64`, as [`exp_f32`] with the Taylor polynomial to degree 13 and inputs
/// clamped to `[-708, 709]`.
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    const LN2_HIGH: f64 = 0.693_147_180_369_123_8;
    const LN2_LOW: f64 = 1.908_214_929_270_587_7e-10;
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 709.0);
    let shifted = x * core::f64::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HIGH) - n * LN2_LOW;
    let p = horner(&INVERSE_FACTORIALS, r);
    let exponent = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(1023);
    p * f64::from_bits(exponent << 52)
}

/// Below this magnitude [`tanh_f32`] uses its odd polynomial, above it `1 - 2 / (e^2x + 1)`:
/// there `tanh` is at least 0.76 and the term with `e^2x` at most 0.24, so the rounding of
/// `e^2x` reaches the result scaled down by three.
const TANH_SMALL: f32 = 1.0;

/// `tanh x / x` on `[0, TANH_SMALL]` as a polynomial in `x^2`: our own minimax fit of the
/// relative error (4.2e-9, a fourteenth of an f32 ulp), by iteratively reweighted least
/// squares (Lawson's algorithm) in f64.
const TANH_SMALL_COEFFICIENTS: [f64; 8] = [
    0.9999999957996011,
    -0.33333278748161405,
    0.1333216039873766,
    -0.053870943280679394,
    0.021464884760948908,
    -0.007917515505900327,
    0.00228226769573499,
    -0.00035335321850924335,
];

/// `tanh x` for `f32` with a small relative error everywhere (about one ulp, measured in
/// BENCHMARKS.md): the odd polynomial near zero, where `1 - 2 / (e^2x + 1)` would cancel
/// to a few correct bits, and that formula elsewhere. Both are computed and one is
/// selected, so a loop over a layer stays branch-free and vectorizes.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let small = x * horner(&TANH_SMALL_COEFFICIENTS, x * x);
    let large = 1.0 - 2.0 / (exp_f32(x + x) + 1.0);
    // |x| by clearing the sign bit: it vectorizes, and needs no `std`.
    if f32::from_bits(x.to_bits() & 0x7fff_ffff) < TANH_SMALL {
        small
    } else {
        large
    }
}

/// `ln(1 + t)` for `f32` and `t` in `[0, 1]`: `2 atanh(s)` with `s = t / (2 + t)` in
/// `[0, 1/3]`, the series to `s^13`.
#[inline(always)]
pub(crate) fn ln_1p_unit_f32(t: f32) -> f32 {
    let s = t / (2.0 + t);
    let s2 = s * s;
    let series = horner(&INVERSE_ODDS[..7], s2);
    2.0 * s * series
}

/// `ln(1 + t)` for `f64` and `t` in `[0, 1]`, as [`ln_1p_unit_f32`] with the series to
/// `s^33`.
#[inline(always)]
pub(crate) fn ln_1p_unit_f64(t: f64) -> f64 {
    let s = t / (2.0 + t);
    let s2 = s * s;
    let series = horner(&INVERSE_ODDS, s2);
    2.0 * s * series
}

#[cfg(test)]
mod tests {
    use super::tanh_f32;

    #[test]
    fn tanh_f32_is_accurate_relative_to_its_value_everywhere() {
        // A million log-spaced magnitudes from 1e-30 to 20, both signs, against tanh in f64
        // (exact to f32 precision). The full sweep is `examples/activation_errors.rs`.
        let mut worst: f64 = 0.0;
        for k in 0..1_000_000 {
            let magnitude = (-69.0 + 72.0 * f64::from(k) / 1e6).exp() as f32;
            for x in [magnitude, -magnitude] {
                let exact = f64::from(x).tanh();
                let error = (f64::from(tanh_f32(x)) - exact).abs() / exact.abs();
                worst = worst.max(error);
            }
        }
        assert!(worst < 2.5e-7, "largest relative error {worst:e}");
    }

    #[test]
    fn tanh_f32_keeps_signs_limits_and_nan() {
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(tanh_f32(1e-30), 1e-30);
        assert_eq!(tanh_f32(20.0), 1.0);
        assert_eq!(tanh_f32(-1e30), -1.0);
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
        for x in [1e-3_f32, 0.3, 0.99] {
            assert_eq!(tanh_f32(-x), -tanh_f32(x));
        }
    }
}
