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

/// `z += sum_j w_t[j] * x[j]`: AVX-512 where the CPU has it and `N` is a multiple of 16,
/// AVX2 and FMA for outputs of eight or more, plain loops (which the compiler vectorizes
/// for SSE) otherwise.
#[inline(always)]
pub(crate) fn matvec_columns_acc<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
) {
    #[cfg(feature = "std")]
    if N.is_multiple_of(16) && super::has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA, and `N` is
        // a multiple of 16.
        unsafe { columns_avx512(z, w_t, x) };
        return;
    }
    #[cfg(feature = "std")]
    if N >= 8 && super::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { columns_avx2(z, w_t, x) };
        return;
    }
    for (column, &x) in w_t.iter().zip(x) {
        for (z, &w) in z.iter_mut().zip(column) {
            *z += w * x;
        }
    }
}

/// [`matvec_columns_acc`] with AVX2 and FMA: the outputs in blocks of up to 48 (six
/// registers, twelve with both sets of accumulators), the last `N % 8` one by one.
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
    let whole = N - N % 8;
    let mut row = 0;
    while row + 48 <= whole {
        block::<48, M, N>(z, w_t, x, row);
        row += 48;
    }
    while row + 32 <= whole {
        block::<32, M, N>(z, w_t, x, row);
        row += 32;
    }
    while row + 16 <= whole {
        block::<16, M, N>(z, w_t, x, row);
        row += 16;
    }
    if row < whole {
        block::<8, M, N>(z, w_t, x, row);
    }
    // Index ranges, not `skip`: an iterator skipped by a count the compiler does not see
    // as constant stays a call per column even when nothing is left (a quarter of a GRU-16
    // step's time when it was written that way).
    if whole < N {
        for (column, &x) in w_t.iter().zip(x) {
            #[allow(clippy::needless_range_loop)]
            for r in whole..N {
                z[r] = column[r].mul_add(x, z[r]);
            }
        }
    }
}

/// [`matvec_columns_acc`] with AVX-512: the outputs in blocks of up to 64 (four registers,
/// eight with both sets of accumulators), a last block of 48 in one go.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `N % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn columns_avx512<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
) {
    let mut row = 0;
    while row + 64 <= N {
        block::<64, M, N>(z, w_t, x, row);
        row += 64;
    }
    match (N - row) / 16 {
        3 => block::<48, M, N>(z, w_t, x, row),
        2 => block::<32, M, N>(z, w_t, x, row),
        1 => block::<16, M, N>(z, w_t, x, row),
        _ => {}
    }
}

/// Outputs `row .. row + B` of `z += sum_j w_t[j] * x[j]`, as plain loops over arrays of
/// `B` that the compiler vectorizes for the function this is inlined into ([`columns_avx2`]
/// or [`columns_avx512`]): the accumulators stay in registers, and each input is loaded on
/// its own. (Written with intrinsics, `_mm512_set1_ps` of two neighbouring inputs became
/// one 8-byte load split by a shuffle: when the input was just copied in 16-byte pieces, as
/// generated code copies a network's input, a load across two of them cannot be served
/// from the store buffer and waits for both to reach the cache, a fifth of a GRU-16 step.)
#[cfg(any(feature = "std", test))]
#[inline(always)]
fn block<const B: usize, const M: usize, const N: usize>(
    z: &mut [f32; N],
    w_t: &[[f32; N]; M],
    x: &[f32; M],
    row: usize,
) {
    let column = |j: usize| -> &[f32; B] {
        let column: &[f32] = &w_t[j][row..row + B];
        column.try_into().expect("a block lies inside the outputs")
    };
    let out: &mut [f32; B] = (&mut z[row..row + B])
        .try_into()
        .expect("a block lies inside the outputs");
    let (mut even, mut odd) = (*out, [0.0; B]);
    for pair in 0..M / 2 {
        let (first, second) = (column(2 * pair), column(2 * pair + 1));
        let (a, b) = (x[2 * pair], x[2 * pair + 1]);
        for k in 0..B {
            even[k] = first[k].mul_add(a, even[k]);
            odd[k] = second[k].mul_add(b, odd[k]);
        }
    }
    if M % 2 == 1 {
        let last = column(M - 1);
        for k in 0..B {
            even[k] = last[k].mul_add(x[M - 1], even[k]);
        }
    }
    for k in 0..B {
        out[k] = even[k] + odd[k];
    }
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
        if N.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
            let mut z = start;
            // SAFETY: just checked (AVX-512F implies AVX2 and FMA on every CPU that has it).
            unsafe { columns_avx512(&mut z, &w_t, &x) };
            agrees("avx512", &z);
        }
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
