//! `W^T` of an `f32` matrix, as a batch's lockstep forward pass copies its matrices by
//! columns once per call: element by element that copy was a twelfth of a digits batch
//! step (2,048 scalar loads and stores for its 32x64 layer); with AVX each block of eight
//! rows by eight columns is sixteen 16-byte loads (paired into eight registers on the way),
//! sixteen shuffles and eight stores.

#[cfg(feature = "std")]
use core::arch::x86_64::{
    __m256, _mm256_castps128_ps256, _mm256_insertf128_ps, _mm256_shuffle_ps, _mm256_storeu_ps,
    _mm256_unpackhi_ps, _mm256_unpacklo_ps, _mm_loadu_ps,
};

/// `w_t = w^T`: by blocks of eight by eight with AVX where the CPU has it (with `std`,
/// which can ask), element by element otherwise and for the rows and columns past the last
/// whole eight. The same values either way: a transpose only moves them.
#[inline(always)]
pub(crate) fn transpose_into<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    w_t: &mut [[f32; N]; M],
) {
    #[cfg(feature = "std")]
    if M >= 8 && N >= 8 && super::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 (and with it AVX).
        unsafe { transpose_avx(w, w_t) };
        return;
    }
    transpose_elements(w, w_t, 0, 0);
}

/// The elements of `w_t = w^T` outside the first `rows` rows by `columns` columns of `w`.
#[inline(always)]
fn transpose_elements<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    w_t: &mut [[f32; N]; M],
    rows: usize,
    columns: usize,
) {
    for (r, row) in w.iter().enumerate() {
        let first = if r < rows { columns } else { 0 };
        for (column, &value) in w_t[first..].iter_mut().zip(&row[first..]) {
            column[r] = value;
        }
    }
}

/// [`transpose_into`] by blocks of eight by eight.
///
/// # Safety
///
/// The CPU must support AVX.
#[cfg(feature = "std")]
#[target_feature(enable = "avx")]
unsafe fn transpose_avx<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    w_t: &mut [[f32; N]; M],
) {
    let (rows, columns) = (N - N % 8, M - M % 8);
    for r in (0..rows).step_by(8) {
        for c in (0..columns).step_by(8) {
            // SAFETY: the caller's CPU has AVX; rows `r..r + 8 <= N` are read at columns
            // `c..c + 8 <= M`, and columns `c..c + 8` of `w_t` written at rows `r..r + 8`.
            unsafe {
                // `halves[k]`, `halves[4 + k]`: four columns (the first four, then the last)
                // of row `k` in the lower half and of row `k + 4` in the upper, each half
                // one 16-byte load, so the halves need no shuffle of their own.
                let halves: [__m256; 8] = core::array::from_fn(|k| {
                    let (row, column) = (r + k % 4, c + 4 * (k / 4));
                    _mm256_insertf128_ps::<1>(
                        _mm256_castps128_ps256(_mm_loadu_ps(w[row][column..].as_ptr())),
                        _mm_loadu_ps(w[row + 4][column..].as_ptr()),
                    )
                });
                for (k, column) in transpose_halves(halves).into_iter().enumerate() {
                    _mm256_storeu_ps(w_t[c + k][r..].as_mut_ptr(), column);
                }
            }
        }
    }
    transpose_elements(w, w_t, rows, columns);
}

/// The eight columns of an eight by eight block from its rows' halves (as
/// `transpose_avx` loads them): in each 128-bit half, a four by four transpose, pairs of
/// rows interleaved, then fours.
#[cfg(feature = "std")]
#[inline]
#[target_feature(enable = "avx")]
fn transpose_halves(halves: [__m256; 8]) -> [__m256; 8] {
    core::array::from_fn(|k| {
        // Column `k` from the four registers of its half of the columns: rows interleaved
        // in pairs (`low`: the first two columns of the four, `high`: the last two), then
        // the pairs' halves joined.
        let group = &halves[4 * (k / 4)..4 * (k / 4) + 4];
        let column = k % 4;
        let (first, second) = if column < 2 {
            (
                _mm256_unpacklo_ps(group[0], group[1]),
                _mm256_unpacklo_ps(group[2], group[3]),
            )
        } else {
            (
                _mm256_unpackhi_ps(group[0], group[1]),
                _mm256_unpackhi_ps(group[2], group[3]),
            )
        };
        if column % 2 == 0 {
            _mm256_shuffle_ps::<0x44>(first, second)
        } else {
            _mm256_shuffle_ps::<0xEE>(first, second)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::transpose_into;

    /// `transpose_into` against the definition, for a shape of `M` columns and `N` rows.
    fn check<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] =
            core::array::from_fn(|r| core::array::from_fn(|c| (r * M + c) as f32));
        let mut w_t = [[f32::NAN; N]; M];
        transpose_into(&w, &mut w_t);
        for (r, row) in w.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                assert_eq!(
                    w_t[c][r].to_bits(),
                    value.to_bits(),
                    "{N}x{M}: row {r}, column {c}"
                );
            }
        }
    }

    #[test]
    fn every_element_lands_at_its_transposed_place() {
        // Whole blocks, ragged rows, ragged columns, both, and shapes below one block.
        check::<64, 32>();
        check::<32, 10>();
        check::<13, 24>();
        check::<19, 21>();
        check::<8, 8>();
        check::<3, 5>();
        check::<1, 16>();
    }
}
