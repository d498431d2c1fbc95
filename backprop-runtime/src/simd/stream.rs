//! A prepared stream's GRU and LSTM steps under `precision fast` for `f32` with AVX-512,
//! written with intrinsics: what a real-time thread waits on is the chain of dependent
//! operations from one state to the next, and this shortens it.
//!
//! - The reciprocal by `vrcp14ps` and one Newton step folded into the product
//!   (`y = y0 + y0 (1 - q r0)`, `y0 = x P r0`), in place of a division, whose latency on
//!   512-bit registers is several multiply-adds.
//! - The sigmoid as `1/2 + t` with `t = tanh(x / 2) / 2`, the `1/2` folded into the
//!   operations that use the gate where that saves one on the chain.
//!
//! Each block of sixteen units is one pass: its gates' sums (the recurrent product in
//! several chains of accumulators), the gates and the new state, kept in registers from
//! the product to the store. Units past the last whole sixteen are masked.
//!
//! The numbers are those of the portable fused kernels to within a few ulps: the same
//! rational function, with the reciprocal's rounding in place of the division's.

use core::arch::x86_64::{
    __m512, __mmask16, _mm512_add_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_mask_storeu_ps,
    _mm512_maskz_loadu_ps, _mm512_max_ps, _mm512_min_ps, _mm512_mul_ps, _mm512_rcp14_ps,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_sub_ps,
};

use crate::cell::{Recurrence, StreamInput};
use crate::fast::{Rational, HALF_TANH_HALF, TANH};

/// The units of one block: one register of `f32`.
const BLOCK: usize = 16;

/// Chains of accumulators for the recurrent product, per gate: four chains of four gates
/// fill half of AVX-512's thirty-two registers. (Eight for the GRU's three gates shorten
/// the chain by one multiply-add but add twelve sums to a step whose sixteen units'
/// multiply-adds already keep both vector ports busy: no faster on GRU-16.)
const RECURRENT_CHAINS: usize = 4;

/// Chains for the input side's product, which no state waits on.
const INPUT_CHAINS: usize = 2;

/// The mask of the units of the block starting at `unit`, of `H`.
#[inline(always)]
pub(super) fn block_mask<const H: usize>(unit: usize) -> __mmask16 {
    let len = (H - unit).min(BLOCK);
    if len == BLOCK {
        u16::MAX
    } else {
        (1 << len) - 1
    }
}

/// The block of `row` from `start`, masked.
///
/// # Safety
///
/// The CPU must support AVX-512F; the lanes of `mask` must lie within `row[start..]`.
#[inline(always)]
unsafe fn load(row: &[f32], start: usize, mask: __mmask16) -> __m512 {
    // SAFETY: `start < row.len()` by the slice index; masked lanes are not read, and the
    // caller keeps the others within the row.
    unsafe { _mm512_maskz_loadu_ps(mask, row[start..].as_ptr()) }
}

/// Gate `k`'s block of `row` (`K` gates of `H` units each) for the units from `unit`.
///
/// # Safety
///
/// As [`load`], with `row` at least `K * H` long.
#[inline(always)]
unsafe fn gate_block<const K: usize, const H: usize>(
    row: &[f32],
    unit: usize,
    mask: __mmask16,
) -> [__m512; K] {
    // SAFETY: the mask's lanes are units below `H`, so within gate `k`'s `H` values.
    core::array::from_fn(|k| unsafe { load(row, k * H + unit, mask) })
}

/// `start + W x` for the `K` gates' blocks from `unit`, with `W` by columns (`w_t[j]`: the
/// `K * H` weights on input `j`), in `CHAINS` chains of accumulators summed pairwise.
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA; `G == K * H`.
#[inline(always)]
unsafe fn gate_sums<
    const K: usize,
    const CHAINS: usize,
    const M: usize,
    const H: usize,
    const G: usize,
>(
    start: [__m512; K],
    w_t: &[[f32; G]; M],
    x: &[f32; M],
    unit: usize,
    mask: __mmask16,
) -> [__m512; K] {
    // SAFETY: the caller's CPU has the features, and `G == K * H`.
    unsafe {
        let mut chains = [[_mm512_setzero_ps(); K]; CHAINS];
        chains[0] = start;
        let rounds = M / CHAINS;
        for round in 0..rounds {
            for (chain, sums) in chains.iter_mut().enumerate() {
                let j = round * CHAINS + chain;
                let value = _mm512_set1_ps(x[j]);
                let weights = gate_block::<K, H>(&w_t[j], unit, mask);
                for (sum, w) in sums.iter_mut().zip(weights) {
                    *sum = _mm512_fmadd_ps(w, value, *sum);
                }
            }
        }
        for j in rounds * CHAINS..M {
            let value = _mm512_set1_ps(x[j]);
            let weights = gate_block::<K, H>(&w_t[j], unit, mask);
            for (sum, w) in chains[0].iter_mut().zip(weights) {
                *sum = _mm512_fmadd_ps(w, value, *sum);
            }
        }
        let mut width = CHAINS;
        while width > 1 {
            width /= 2;
            let (low, high) = chains.split_at_mut(width);
            for (sums, others) in low.iter_mut().zip(high.iter()) {
                for (sum, other) in sums.iter_mut().zip(others) {
                    *sum = _mm512_add_ps(*sum, *other);
                }
            }
        }
        chains[0]
    }
}

/// The input side `bias_ih + weight_ih x` (or the given sum) of the `K` gates' blocks.
///
/// # Safety
///
/// As [`gate_sums`].
#[inline(always)]
unsafe fn input_side<const K: usize, const I: usize, const H: usize, const G: usize>(
    input: &StreamInput<'_, f32, I, G>,
    unit: usize,
    mask: __mmask16,
) -> [__m512; K] {
    // SAFETY: `G == K * H`, as the caller promises.
    unsafe {
        match *input {
            StreamInput::Given(z) => gate_block::<K, H>(z, unit, mask),
            StreamInput::Product {
                weight_ih_t,
                bias_ih,
                x,
            } => {
                let start = gate_block::<K, H>(bias_ih, unit, mask);
                gate_sums::<K, INPUT_CHAINS, I, H, G>(start, weight_ih_t, x, unit, mask)
            }
        }
    }
}

/// `x P(x^2) / Q(x^2)` of `rational` with `|x|` limited to `rational.limit`, the division
/// by a reciprocal estimate and one Newton step, the result clamped to `±rational.bound`
/// (beyond the limit the ratio grows with `x`; near it, rounding passes the bound by a
/// few ulps). NaN stays NaN.
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA.
#[inline(always)]
pub(super) unsafe fn ratio(x: __m512, rational: &Rational) -> __m512 {
    let (c, d) = (&rational.numerator, &rational.denominator);
    // SAFETY: the caller's CPU has the features.
    unsafe {
        // `vminps` and `vmaxps` give their second operand where either is NaN: a NaN `x`
        // stays NaN. `x` itself limited (beside `x^2`, not before it) keeps an infinite one
        // out of the numerator.
        let limit = _mm512_set1_ps(rational.limit);
        let s = _mm512_min_ps(_mm512_mul_ps(limit, limit), _mm512_mul_ps(x, x));
        let x = _mm512_max_ps(
            _mm512_sub_ps(_mm512_setzero_ps(), limit),
            _mm512_min_ps(limit, x),
        );
        let s2 = _mm512_mul_ps(s, s);
        let low = _mm512_fmadd_ps(_mm512_set1_ps(c[1]), s, _mm512_set1_ps(c[0]));
        let middle = _mm512_fmadd_ps(_mm512_set1_ps(c[3]), s, _mm512_set1_ps(c[2]));
        let high = _mm512_fmadd_ps(
            _mm512_set1_ps(c[6]),
            s2,
            _mm512_fmadd_ps(_mm512_set1_ps(c[5]), s, _mm512_set1_ps(c[4])),
        );
        let p = _mm512_fmadd_ps(
            high,
            _mm512_mul_ps(s2, s2),
            _mm512_fmadd_ps(middle, s2, low),
        );
        let q = _mm512_fmadd_ps(_mm512_set1_ps(d[3]), s, _mm512_set1_ps(d[2]));
        let q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(d[1]));
        let q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(d[0]));
        let estimate = _mm512_rcp14_ps(q);
        let first = _mm512_mul_ps(_mm512_mul_ps(x, p), estimate);
        let error = _mm512_fnmadd_ps(q, estimate, _mm512_set1_ps(1.0));
        let y = _mm512_fmadd_ps(first, error, first);
        // NaN stays NaN, as above.
        let y = _mm512_max_ps(_mm512_set1_ps(-rational.bound), y);
        _mm512_min_ps(_mm512_set1_ps(rational.bound), y)
    }
}

/// A prepared stream's GRU step (see [`crate::cell`] for the equations).
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA; `G == 3 * H`.
#[target_feature(enable = "avx512f,fma")]
pub(crate) unsafe fn gru<const I: usize, const H: usize, const G: usize>(
    h: &mut [f32; H],
    input: StreamInput<'_, f32, I, G>,
    recurrence: Recurrence<'_, f32, H, G>,
) {
    let half = _mm512_set1_ps(0.5);
    for unit in (0..H).step_by(BLOCK) {
        let mask = block_mask::<H>(unit);
        // SAFETY: the CPU has the features, `G == 3 * H`, and every lane of `mask` is a unit
        // below `H`, within `h` and `previous`.
        unsafe {
            let [z_r, z_u, z_n] = input_side::<3, I, H, G>(&input, unit, mask);
            let [b_r, b_u, b_n] = gate_block::<3, H>(recurrence.bias_hh, unit, mask);
            // r's and u's input side starts their sums; n's cannot (r scales only its
            // recurrent side).
            let start = [_mm512_add_ps(z_r, b_r), _mm512_add_ps(z_u, b_u), b_n];
            let [r, u, n] = gate_sums::<3, RECURRENT_CHAINS, H, H, G>(
                start,
                recurrence.weight_hh_t,
                recurrence.previous_h,
                unit,
                mask,
            );
            // r = 1/2 + t_r, so z_n + r n = (z_n + n / 2) + t_r n: the first sum off the chain.
            let t_r = ratio(r, &HALF_TANH_HALF);
            let t_u = ratio(u, &HALF_TANH_HALF);
            let n = ratio(
                _mm512_fmadd_ps(t_r, n, _mm512_fmadd_ps(half, n, z_n)),
                &TANH,
            );
            // h' = (1 - u) n + u h, the product with h computed while n is.
            let previous = load(recurrence.previous_h, unit, mask);
            let u = _mm512_add_ps(half, t_u);
            let new = _mm512_fmadd_ps(_mm512_sub_ps(half, t_u), n, _mm512_mul_ps(u, previous));
            _mm512_mask_storeu_ps(h[unit..].as_mut_ptr(), mask, new);
        }
    }
}

/// A prepared stream's LSTM step (see [`crate::cell`] for the equations).
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA; `G == 4 * H`.
#[target_feature(enable = "avx512f,fma")]
pub(crate) unsafe fn lstm<const I: usize, const H: usize, const G: usize>(
    c: &mut [f32; H],
    h: &mut [f32; H],
    previous_c: &[f32; H],
    input: StreamInput<'_, f32, I, G>,
    recurrence: Recurrence<'_, f32, H, G>,
) {
    let half = _mm512_set1_ps(0.5);
    for unit in (0..H).step_by(BLOCK) {
        let mask = block_mask::<H>(unit);
        // SAFETY: as in `gru`, with `G == 4 * H`.
        unsafe {
            let z = input_side::<4, I, H, G>(&input, unit, mask);
            let bias = gate_block::<4, H>(recurrence.bias_hh, unit, mask);
            let start = core::array::from_fn(|k| _mm512_add_ps(z[k], bias[k]));
            let [i, f, g, o] = gate_sums::<4, RECURRENT_CHAINS, H, H, G>(
                start,
                recurrence.weight_hh_t,
                recurrence.previous_h,
                unit,
                mask,
            );
            let i = _mm512_add_ps(half, ratio(i, &HALF_TANH_HALF));
            let f = _mm512_add_ps(half, ratio(f, &HALF_TANH_HALF));
            let g = ratio(g, &TANH);
            let o = _mm512_add_ps(half, ratio(o, &HALF_TANH_HALF));
            let previous = load(previous_c, unit, mask);
            let cell = _mm512_fmadd_ps(i, g, _mm512_mul_ps(f, previous));
            _mm512_mask_storeu_ps(c[unit..].as_mut_ptr(), mask, cell);
            let new = _mm512_mul_ps(o, ratio(cell, &TANH));
            _mm512_mask_storeu_ps(h[unit..].as_mut_ptr(), mask, new);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::vec::Vec;

    use super::{ratio, HALF_TANH_HALF, TANH};
    use crate::fast::Rational;
    use core::arch::x86_64::{_mm512_loadu_ps, _mm512_storeu_ps};

    /// `rational` at each of `xs`, sixteen at a time.
    fn evaluate(rational: &Rational, xs: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(xs.len());
        for chunk in xs.chunks(16) {
            let mut block = [0.0_f32; 16];
            block[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: the caller checked the CPU; the loads and stores are of 16 values.
            unsafe {
                let y = ratio(_mm512_loadu_ps(block.as_ptr()), rational);
                _mm512_storeu_ps(block.as_mut_ptr(), y);
            }
            out.extend_from_slice(&block[..chunk.len()]);
        }
        out
    }

    /// Every `f32` from `low` to `high`, one in `stride`.
    fn every(low: f32, high: f32, stride: u32) -> Vec<f32> {
        (low.to_bits()..=high.to_bits())
            .step_by(stride as usize)
            .map(f32::from_bits)
            .collect()
    }

    /// That `rational` stays within `±bound` at every `f32` from `low` to `high` (near
    /// saturation, where rounding could carry past it).
    fn assert_bounded(rational: &Rational, low: f32, high: f32) {
        let xs = every(low, high, 1);
        for (&x, &y) in xs.iter().zip(&evaluate(rational, &xs)) {
            assert!(y <= rational.bound, "{x} gives {y}");
        }
    }

    /// The largest `error(x, rational(x))` over `xs` and their negatives.
    fn largest_error(rational: &Rational, xs: &[f32], error: impl Fn(f32, f32) -> f64) -> f64 {
        let xs: Vec<f32> = xs.iter().flat_map(|&x| [x, -x]).collect();
        let ys = evaluate(rational, &xs);
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| error(x, y))
            .fold(0.0, f64::max)
    }

    #[test]
    fn tanh_is_within_a_few_ulps_and_never_past_one() {
        if !crate::simd::has_avx512() {
            return;
        }
        assert_bounded(&TANH, 7.0, 9.5);
        let relative = |x: f32, y: f32| {
            let want = f64::from(x).tanh();
            (f64::from(y) - want).abs() / want.abs()
        };
        let worst = largest_error(&TANH, &every(1e-3, 9.5, 97), relative);
        assert!(worst < 5e-7, "relative error {worst:e}");
        let xs = every(1e-3, 9.5, 97);
        let odd: Vec<f32> = xs.iter().map(|x| -x).collect();
        for (y, minus) in evaluate(&TANH, &xs).iter().zip(evaluate(&TANH, &odd)) {
            assert_eq!(-y, minus);
        }
    }

    #[test]
    fn the_sigmoid_is_within_2e_7_and_never_past_one() {
        if !crate::simd::has_avx512() {
            return;
        }
        assert_bounded(&HALF_TANH_HALF, 14.0, 19.0);
        let absolute = |x: f32, t: f32| {
            let want = 1.0 / (1.0 + (-f64::from(x)).exp());
            (f64::from(t + 0.5) - want).abs()
        };
        let worst = largest_error(&HALF_TANH_HALF, &every(1e-3, 19.0, 97), absolute);
        assert!(worst < 1.9e-7, "absolute error {worst:e}");
    }

    #[test]
    fn the_limits_are_one_and_nan_stays_nan() {
        if !crate::simd::has_avx512() {
            return;
        }
        let xs = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            -1e30,
            f32::NAN,
            0.0,
            -0.0,
        ];
        let tanh = evaluate(&TANH, &xs);
        assert_eq!(&tanh[..4], &[1.0, -1.0, 1.0, -1.0]);
        assert!(tanh[4].is_nan());
        assert_eq!(tanh[5].to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh[6].to_bits(), (-0.0_f32).to_bits());
        let half = evaluate(&HALF_TANH_HALF, &xs);
        assert_eq!(&half[..4], &[0.5, -0.5, 0.5, -0.5]);
        assert!(half[4].is_nan());
    }
}
