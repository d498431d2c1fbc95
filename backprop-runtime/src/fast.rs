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

/// Beyond this magnitude `tanh` is 1 to within half an `f32` ulp, and [`tanh_f32`] clamps
/// its argument here.
const TANH_CLAMP: f32 = 9.0;

/// `P(s)` of `tanh x = x P(x^2) / Q(x^2)` on `[0, 9]`: our own minimax fit of the relative
/// error (6.9e-9 in exact arithmetic), by iteratively reweighted linearized least squares in
/// f64 (Loeb's method with Lawson's weights). `scripts/fit_tanh.py` recomputes it.
const TANH_NUMERATOR: [f64; 7] = [
    0.999_999_993_048_303_8,
    0.130_833_323_395_253_83,
    0.003_103_197_480_244_957_8,
    1.114_630_949_943_710_2e-5,
    -2.019_232_573_009_949_7e-8,
    5.261_841_591_249_382e-11,
    -8.446_672_068_512_115e-14,
];

/// `Q(s)` of the same fit, with `Q(0) = 1`.
const TANH_DENOMINATOR: [f64; 4] = [
    1.0,
    0.464_166_592_936_523_24,
    0.024_492_161_800_584_836,
    0.000_254_503_690_375_549_4,
];

/// `tanh x` for `f32`: one rational function, `x P(x^2) / Q(x^2)` (odd degree 13 over even
/// degree 6, the form Eigen and XLA use), with its own coefficients. Evaluated in f32, over
/// every `f32` from 1e-3 to 9.5, its largest relative error is 4.09e-7 (Eigen's coefficients,
/// evaluated the same way: 4.10e-7); BENCHMARKS.md has the full sweep. No exponential and no branch: a loop over a layer is about a dozen
/// vector instructions per vector of values. Clamping the argument keeps the polynomials in
/// their range; clamping the result keeps `|tanh x| <= 1`, which rounding near 1 would
/// otherwise exceed by an ulp (and `1 - tanh^2`, the derivative, would turn negative).
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    // `clamp` keeps NaN: a NaN input gives a NaN output.
    let x = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let s = x * x;
    let ratio = x * horner(&TANH_NUMERATOR, s) / horner(&TANH_DENOMINATOR, s);
    ratio.clamp(-1.0, 1.0)
}

/// [`tanh_f32`] for code compiled with FMA (elsewhere `mul_add` is a library call), with
/// the shortest chain of dependent operations, which a streaming step waits on twice: the
/// polynomials by fused multiply-adds, the numerator by Estrin's scheme, and one clamp of
/// `x^2` in place of two of `x` (beyond `|x| = 9` the ratio, `x tanh(9) / 9`, is at least
/// one to rounding, and the result's clamp makes it exactly one). It may differ from
/// [`tanh_f32`] in the last bit.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn tanh_f32_fused(x: f32) -> f32 {
    const NUMERATOR: [f32; 7] = scaled(&TANH_NUMERATOR, 1.0, 1.0);
    const DENOMINATOR: [f32; 4] = scaled(&TANH_DENOMINATOR, 1.0, 1.0);
    rational_fused(x, TANH_CLAMP * TANH_CLAMP, &NUMERATOR, &DENOMINATOR).clamp(-1.0, 1.0)
}

/// The logistic function as `(1 + tanh(x / 2)) / 2`, by [`tanh_f32_fused`]'s rational
/// function with the halvings folded into its coefficients (`P(s / 4) / 4 / Q(s / 4)`,
/// powers of two, so exactly): no exponential, a third of the chain of `1 / (1 + e^-x)`.
/// Its error is absolute (below 1.6e-7, about two ulps of a value near 1), not relative:
/// where the sigmoid is below about 1e-7 the result is not small in relative terms. Fine
/// for a gate, which multiplies values of order one; the activation `sigmoid` keeps the
/// exponential.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn sigmoid_f32_fused(x: f32) -> f32 {
    const NUMERATOR: [f32; 7] = scaled(&TANH_NUMERATOR, 0.25, 0.25);
    const DENOMINATOR: [f32; 4] = scaled(&TANH_DENOMINATOR, 0.25, 1.0);
    const LIMIT: f32 = 4.0 * TANH_CLAMP * TANH_CLAMP;
    rational_fused(x, LIMIT, &NUMERATOR, &DENOMINATOR).clamp(-0.5, 0.5) + 0.5
}

/// `x P(s) / Q(s)` with `s = min(x^2, limit)` (NaN stays NaN), by fused multiply-adds, `P`
/// (degree 6) by Estrin's scheme: pairs of coefficients in parallel joined by `s^2` and
/// `s^4`, four dependent operations where Horner's rule has six; `Q` (degree 3, the
/// shorter chain) by Horner's.
#[cfg(feature = "std")]
#[inline(always)]
fn rational_fused(x: f32, limit: f32, numerator: &[f32; 7], denominator: &[f32; 4]) -> f32 {
    let s = x * x;
    // Not `min`: its NaN handling is more instructions, and a NaN `s` may pass.
    let s = if s > limit { limit } else { s };
    let c = numerator;
    let (s2, low, middle) = (s * s, c[1].mul_add(s, c[0]), c[3].mul_add(s, c[2]));
    let high = c[6].mul_add(s2, c[5].mul_add(s, c[4]));
    let p = high.mul_add(s2 * s2, middle.mul_add(s2, low));
    let q = denominator[3]
        .mul_add(s, denominator[2])
        .mul_add(s, denominator[1])
        .mul_add(s, denominator[0]);
    x * p / q
}

/// A rational function `x P(x^2) / Q(x^2)` with its coefficients in `f32`, for the vector
/// kernels of a prepared stream (`simd::stream`), which limit `|x|` to `limit` and the
/// result to `±bound`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) struct Rational {
    pub(crate) numerator: [f32; 7],
    pub(crate) denominator: [f32; 4],
    pub(crate) limit: f32,
    pub(crate) bound: f32,
}

/// `tanh x` as [`tanh_f32_fused`] computes it.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) const TANH: Rational = Rational {
    numerator: scaled(&TANH_NUMERATOR, 1.0, 1.0),
    denominator: scaled(&TANH_DENOMINATOR, 1.0, 1.0),
    limit: TANH_CLAMP,
    bound: 1.0,
};

/// `tanh(x / 2) / 2`, the logistic function less one half, as [`sigmoid_f32_fused`]
/// computes it before adding the half.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) const HALF_TANH_HALF: Rational = Rational {
    numerator: scaled(&TANH_NUMERATOR, 0.25, 0.25),
    denominator: scaled(&TANH_DENOMINATOR, 0.25, 1.0),
    limit: 2.0 * TANH_CLAMP,
    bound: 0.5,
};

/// `c[k] * base^k * factor` in `f32`, at compile time: with `base` and `factor` powers of
/// two, the coefficients of `P(base s) factor`, rounded once.
#[cfg(feature = "std")]
const fn scaled<const N: usize>(coefficients: &[f64; N], base: f64, factor: f64) -> [f32; N] {
    let mut out = [0.0; N];
    let (mut k, mut power) = (0, factor);
    while k < N {
        out[k] = (coefficients[k] * power) as f32;
        power *= base;
        k += 1;
    }
    out
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
        // On these inputs; over every f32 the largest is 4.09e-7 (BENCHMARKS.md).
        assert!(worst < 3.8e-7, "largest relative error {worst:e}");
    }

    #[cfg(feature = "std")]
    #[test]
    fn the_fused_tanh_and_sigmoid_are_as_accurate() {
        use super::{sigmoid_f32_fused, tanh_f32_fused};
        let (mut worst_tanh, mut worst_sigmoid): (f64, f64) = (0.0, 0.0);
        for k in 0..200_000 {
            let magnitude = (-30.0 + 33.0 * f64::from(k) / 2e5).exp() as f32;
            for x in [magnitude, -magnitude] {
                let exact = f64::from(x).tanh();
                let error = (f64::from(tanh_f32_fused(x)) - exact).abs() / exact.abs();
                worst_tanh = worst_tanh.max(error);
                let exact = 1.0 / (1.0 + (-f64::from(x)).exp());
                worst_sigmoid = worst_sigmoid.max((f64::from(sigmoid_f32_fused(x)) - exact).abs());
            }
        }
        assert!(
            worst_tanh < 4.2e-7,
            "tanh: largest relative error {worst_tanh:e}"
        );
        assert!(
            worst_sigmoid < 1.6e-7,
            "sigmoid: largest absolute error {worst_sigmoid:e}"
        );
        assert_eq!(sigmoid_f32_fused(f32::INFINITY), 1.0);
        assert_eq!(sigmoid_f32_fused(f32::NEG_INFINITY), 0.0);
        assert!(sigmoid_f32_fused(f32::NAN).is_nan());
        assert_eq!(tanh_f32_fused(-0.0).to_bits(), (-0.0_f32).to_bits());
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
