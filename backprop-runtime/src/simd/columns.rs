//! `z += W x` with `W` stored by columns (`w_t[j]`: the weights on input `j`), the product
//! of a prepared stream ([`crate::stream::Stream`]). Each input's column is one contiguous
//! multiply-add into accumulators held in registers, so there are no horizontal sums: row by
//! row, a 48x16 product spends more than half of its 240 AVX2 instructions reducing eight
//! partial sums per row; by columns it is 16 broadcasts and 96 fused multiply-adds (48
//! with AVX-512).
//!
//! The inputs alternate between two sets of accumulators, summed at the end: in a recurrent
//! step the product of the previous state is on the critical path, and one set would chain
//! all `M` multiply-adds of an output one after the other.

/// `z += sum_j w_t[j] * x[j]`: AVX-512 where the CPU has it and there are 16 outputs or
/// more, AVX2 and FMA for eight or more, plain loops (which the compiler vectorizes for
/// SSE) otherwise.
#[inline(always)]
pub(crate) fn matvec_columns_acc<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
) {
    #[cfg(feature = "std")]
    if N >= 16 && super::has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA.
        unsafe { columns_avx512(z, w_t, x) };
        return;
    }
    #[cfg(feature = "std")]
    if N >= 8 && super::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { columns_avx2(z, w_t, x) };
        return;
    }
    crate::dense::matvec_columns_acc_plain(z, w_t, x);
}

/// `z += W x` for several lanes with `W` by columns: with AVX-512 and 8 outputs or more,
/// four lanes at a time share each load of a column ([`columns_lanes_avx512`], or for
/// fewer than sixteen outputs [`columns_lanes_narrow_avx512`]); the other lanes, and other
/// CPUs, one lane at a time by [`matvec_columns_acc`].
#[inline(always)]
pub(crate) fn matvec_columns_acc_lanes<const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; M]); L],
    w_t: &[[f32; N]; M],
) {
    #[cfg(feature = "std")]
    if N >= 8 && super::has_avx512() {
        super::by_quads(
            lanes,
            // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA; the
            // narrow kernel takes fewer than sixteen outputs.
            |quad| unsafe {
                if N >= 16 {
                    columns_lanes_avx512(quad, w_t);
                } else {
                    columns_lanes_narrow_avx512(quad, w_t);
                }
            },
            |(z, x)| matvec_columns_acc(z, w_t, x),
        );
        return;
    }
    for (z, x) in lanes.iter_mut() {
        matvec_columns_acc(z, w_t, x);
    }
}

/// [`matvec_columns_acc_lanes`] for four lanes with AVX-512: the outputs in blocks of 64,
/// so sixteen registers of accumulators (four per lane), each column's block loaded once
/// for the four.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn columns_lanes_avx512<const M: usize, const N: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; M]); 4],
    w_t: &[[f32; N]; M],
) {
    crate::dense::matvec_columns_acc_lanes_in_registers::<f32, M, N, 64, 4>(lanes, w_t);
}

/// [`matvec_columns_acc_lanes`] for four lanes of fewer than sixteen outputs (a classifier's
/// ten logits) with AVX-512: each lane's outputs one masked register (a loop over them
/// would leave the outputs past the last eight to scalar code), each column one masked
/// load for the four. One chain per lane, input by input, the four chains independent
/// (one lane of a plain loop used to take the whole chain alone).
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA, and `N < 16`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn columns_lanes_narrow_avx512<const M: usize, const N: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; M]); 4],
    w_t: &[[f32; N]; M],
) {
    use core::arch::x86_64::{
        __m512, _mm512_fmadd_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps,
    };
    let mask: u16 = (1 << N) - 1;
    // SAFETY: the caller's CPU has AVX-512F and FMA; every load and store is masked to the
    // first `N` values of a row of `N`.
    unsafe {
        let mut sums: [__m512; 4] =
            core::array::from_fn(|l| _mm512_maskz_loadu_ps(mask, lanes[l].0.as_ptr()));
        for (j, column) in w_t.iter().enumerate() {
            let weights = _mm512_maskz_loadu_ps(mask, column.as_ptr());
            for (sum, (_, x)) in sums.iter_mut().zip(lanes.iter()) {
                *sum = _mm512_fmadd_ps(weights, _mm512_set1_ps(x[j]), *sum);
            }
        }
        for (sum, (z, _)) in sums.into_iter().zip(lanes.iter_mut()) {
            _mm512_mask_storeu_ps(z.as_mut_ptr(), mask, sum);
        }
    }
}

/// [`matvec_columns_acc`] with AVX2 and FMA: the outputs in blocks of 48 (six registers,
/// twelve with both sets of accumulators).
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx2,fma")]
unsafe fn columns_avx2<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
) {
    crate::dense::matvec_columns_acc_in_registers::<f32, M, N, 48, 2>(z, w_t, x);
}

/// [`matvec_columns_acc`] with AVX-512: the outputs in blocks of 64 (four registers, eight
/// with both sets of accumulators).
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn columns_avx512<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
) {
    crate::dense::matvec_columns_acc_in_registers::<f32, M, N, 64, 2>(z, w_t, x);
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    /// Every path against sums in `f64`, on shapes that reach each block size and tail.
    fn check<const M: usize, const N: usize>() {
        let w_t: [[f32; N]; M] = core::array::from_fn(|j| {
            core::array::from_fn(|r| ((r * 13 + j * 7) % 17) as f32 * 0.125 - 1.0)
        });
        let x: [f32; M] = core::array::from_fn(|j| (j % 5) as f32 * 0.5 - 1.0);
        let start: [f32; N] = core::array::from_fn(|r| r as f32 * 0.25 - 2.0);
        let want: [f64; N] = core::array::from_fn(|r| {
            f64::from(start[r])
                + (0..M)
                    .map(|j| f64::from(w_t[j][r]) * f64::from(x[j]))
                    .sum::<f64>()
        });
        let agrees = |name: &str, got: &[f32; N]| {
            for (r, (&got, &want)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{name} M={M} N={N} output {r}: {got} vs {want}"
                );
            }
        };
        let mut z = start;
        matvec_columns_acc(&mut z, &w_t, &x);
        agrees("dispatched", &z);
        if N >= 8 && std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            let mut z = start;
            // SAFETY: just checked.
            unsafe { columns_avx2(&mut z, &w_t, &x) };
            agrees("avx2", &z);
        }
        if std::is_x86_feature_detected!("avx512f") {
            let mut z = start;
            // SAFETY: just checked (AVX-512F implies AVX2 and FMA on every CPU that has it).
            unsafe { columns_avx512(&mut z, &w_t, &x) };
            agrees("avx512", &z);
        }
    }

    /// A kernel of four lanes by columns, as the AVX-512 ones are called.
    type QuadKernel<const M: usize, const N: usize> =
        unsafe fn(&mut [(&mut [f32; N], &[f32; M]); 4], &[[f32; N]; M]);

    /// Lanes against a plain loop of fused multiply-adds, input by input, lane by lane:
    /// equal bit for bit on the AVX-512 kernel, to rounding on every path.
    fn check_lanes<const M: usize, const N: usize>() {
        let w_t: [[f32; N]; M] = core::array::from_fn(|j| {
            core::array::from_fn(|r| ((r * 11 + j * 5) % 19) as f32 * 0.137 - 1.3)
        });
        let xs: [[f32; M]; 6] = core::array::from_fn(|l| {
            core::array::from_fn(|j| ((j * 3 + l * 7) % 11) as f32 * 0.29 - 1.4)
        });
        let starts: [[f32; N]; 6] =
            core::array::from_fn(|l| core::array::from_fn(|r| (r + 3 * l) as f32 * 0.05 - 1.0));
        let fused: [[f32; N]; 6] = core::array::from_fn(|l| {
            let mut z = starts[l];
            for (column, &x) in w_t.iter().zip(&xs[l]) {
                for (z, &w) in z.iter_mut().zip(column) {
                    *z = w.mul_add(x, *z);
                }
            }
            z
        });
        let mut zs = starts;
        let mut lanes: [(&mut [f32; N], &[f32; M]); 6] = {
            let mut zs = zs.iter_mut();
            core::array::from_fn(|l| (zs.next().expect("one per lane"), &xs[l]))
        };
        matvec_columns_acc_lanes(&mut lanes, &w_t);
        for l in 0..6 {
            for r in 0..N {
                let (got, want) = (f64::from(zs[l][r]), f64::from(fused[l][r]));
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "M={M} N={N} lane {l}"
                );
            }
        }
        if std::is_x86_feature_detected!("avx512f") {
            // Each four-lane kernel against the fused sums, bit for bit.
            let check_quad = |name: &str, kernel: QuadKernel<M, N>| {
                let mut quad: [[f32; N]; 4] = core::array::from_fn(|l| starts[l]);
                let mut lanes: [(&mut [f32; N], &[f32; M]); 4] = {
                    let mut quad = quad.iter_mut();
                    core::array::from_fn(|l| (quad.next().expect("one per lane"), &xs[l]))
                };
                // SAFETY: just checked (AVX-512F implies AVX2 and FMA on every CPU that has
                // it); the narrow kernel is only given fewer than sixteen outputs.
                unsafe { kernel(&mut lanes, &w_t) };
                for l in 0..4 {
                    assert_eq!(quad[l], fused[l], "{name} M={M} N={N} lane {l}");
                }
            };
            check_quad("avx512", columns_lanes_avx512::<M, N>);
            if N < 16 {
                check_quad("narrow avx512", columns_lanes_narrow_avx512::<M, N>);
            }
        }
    }

    #[test]
    fn lanes_match_fused_sums_input_by_input() {
        check_lanes::<64, 192>();
        check_lanes::<32, 192>();
        check_lanes::<16, 48>();
        check_lanes::<5, 112>();
        check_lanes::<3, 13>();
        check_lanes::<64, 20>();
        check_lanes::<32, 10>();
        check_lanes::<7, 8>();
        check_lanes::<19, 15>();
    }

    #[test]
    fn every_path_matches_sums_in_f64() {
        check::<16, 48>();
        check::<16, 64>();
        check::<17, 48>();
        check::<1, 16>();
        check::<32, 192>();
        check::<64, 256>();
        check::<5, 112>();
        check::<3, 13>();
        check::<4, 7>();
        check::<2, 8>();
        check::<0, 16>();
    }
}
