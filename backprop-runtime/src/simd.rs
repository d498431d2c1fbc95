//! The dense kernels for `f32` on x86-64. `z += W x` is explicit SIMD: SSE (part of every
//! x86-64 CPU), or AVX2 with FMA chosen at run time where the CPU has them (with `std`,
//! which can ask; without it the SSE kernel), and AVX-512 for rows of whole sixteens, 32 or
//! more. `dx += W^T dz` and `g += dz x^T`, whose row-by-row axpys the compiler vectorizes
//! well, are compiled a second time for AVX2 and FMA and chosen the same way; for rows of 32
//! or more on AVX-512 they are written with intrinsics (LLVM vectorizes to 256 bits at
//! most), and the outer product summed over a batch ([`outer_acc_batch`]) adds blocks of
//! rows so that each load of a sample feeds several rows.
//!
//! Why `z += W x` by hand: written as scalar loops, the product of a small layer is
//! vectorized by LLVM *across rows*, four rows at a time, gathering each row's elements one
//! by one (`movss` + `unpcklps`); a 48x16 product then costs about 1,900 instructions. Here
//! rows are read along their length into one accumulator each, four (or with AVX2, for rows
//! of whole eights, eight) at a time, and reduced together: a 4x4 transpose, or horizontal
//! adds. A 48x16 product is about 750 instructions with SSE and 240 with AVX2.
//!
//! The sums are grouped differently from [`crate::dense::dot`] (per lane, then across),
//! so results may differ from it in the last bits.
//!
//! The dispatching functions are always inlined: each is a feature check and a call, and
//! out of line it was a second call per kernel (the sine `precision fast` step measured
//! 1.17-1.20x its hand-written twin with them out of line, 1.12-1.13x inlined, alternating
//! runs).

mod columns;
#[cfg(feature = "std")]
pub(crate) mod stream;
#[cfg(feature = "std")]
mod tanh;
mod transpose;

pub(crate) use columns::{matvec_columns_acc, matvec_columns_acc_lanes};
#[cfg(feature = "std")]
pub(crate) use tanh::tanh_lanes;
pub(crate) use transpose::transpose_into;

use core::arch::x86_64::{
    __m128, _mm_add_ps, _mm_loadu_ps, _mm_movehl_ps, _mm_movelh_ps, _mm_mul_ps, _mm_setzero_ps,
    _mm_storeu_ps, _mm_unpackhi_ps, _mm_unpacklo_ps,
};

/// Whether the CPU has AVX2 and FMA.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn has_avx2_fma() -> bool {
    level() >= Level::Avx2Fma as u8
}

/// Whether the CPU has AVX-512F (and with it AVX2 and FMA).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn has_avx512() -> bool {
    level() == Level::Avx512 as u8
}

/// The instruction sets the kernels choose between, in order.
#[cfg(feature = "std")]
#[derive(Clone, Copy)]
#[repr(u8)]
enum Level {
    Unknown = 0,
    Sse = 1,
    Avx2Fma = 2,
    Avx512 = 3,
}

/// The CPU's [`Level`], found once: one byte of our own, where the standard library's
/// cache answers one feature per check (a load, a test and a branch for the cache's
/// initialization each, twice for AVX2 and FMA). A fused step compiled for AVX2 checks
/// half a dozen times, once per kernel it calls.
#[cfg(feature = "std")]
static LEVEL: core::sync::atomic::AtomicU8 =
    core::sync::atomic::AtomicU8::new(Level::Unknown as u8);

/// [`LEVEL`], detected on first use.
#[cfg(feature = "std")]
#[inline(always)]
fn level() -> u8 {
    let level = LEVEL.load(core::sync::atomic::Ordering::Relaxed);
    if level == Level::Unknown as u8 {
        return detect_level();
    }
    level
}

/// Asks the standard library, and records the answer in [`LEVEL`] (every thread finds the
/// same, so a race only repeats the question).
#[cfg(feature = "std")]
#[cold]
#[inline(never)]
fn detect_level() -> u8 {
    let avx2_fma = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    let level = match (avx2_fma, std::is_x86_feature_detected!("avx512f")) {
        (true, true) => Level::Avx512,
        (true, false) => Level::Avx2Fma,
        (false, _) => Level::Sse,
    } as u8;
    LEVEL.store(level, core::sync::atomic::Ordering::Relaxed);
    level
}

/// `z += W x`: AVX2 and FMA when the CPU has them, SSE otherwise.
#[inline(always)]
pub(crate) fn matvec_acc<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
) {
    // Rows shorter than a vector, or fewer than four of them: nothing to gain, and a call
    // and a check to lose.
    if M < 4 || N < 4 {
        for (z, row) in z.iter_mut().zip(w) {
            *z += crate::dense::dot(row, x);
        }
        return;
    }
    // AVX-512 only for rows of 32 or more: for rows of 16 (a sine or GRU-16 step) it
    // measured no faster, and per-sample steps mixing it with SSE code ran 10-20% slower
    // (the core lowers its clock for 512-bit work; BENCHMARKS.md).
    #[cfg(feature = "std")]
    if uses_avx512::<M, N>() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA.
        unsafe { matvec_acc_avx512(z, w, x) };
        return;
    }
    #[cfg(feature = "std")]
    if has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { matvec_acc_avx2(z, w, x) };
        return;
    }
    matvec_acc_sse(z, w, x);
}

/// `z += W x` for several lanes (`lanes[l] = (z, x)`): the same bits as [`matvec_acc`] lane
/// by lane. Where that takes [`matvec_acc_avx512`], four lanes at a time share each load of
/// a row ([`matvec_acc_lanes_avx512`]); elsewhere lane by lane.
#[inline(always)]
pub(crate) fn matvec_acc_lanes<const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; M]); L],
    w: &[[f32; M]; N],
) {
    #[cfg(feature = "std")]
    if uses_avx512::<M, N>() {
        by_quads(
            lanes,
            // SAFETY: `uses_avx512` found the CPU to support AVX-512F, AVX2 and FMA, and
            // `M % 16 == 0`.
            |quad| unsafe { matvec_acc_lanes_avx512(quad, w) },
            |(z, x)| matvec_acc(z, w, x),
        );
        return;
    }
    for (z, x) in lanes.iter_mut() {
        matvec_acc(z, w, x);
    }
}

/// `four` on each group of four lanes in turn, then `one` on each lane left over: how the
/// lanes kernels share each load among four lanes.
#[cfg(feature = "std")]
#[inline(always)]
fn by_quads<P, const L: usize>(
    lanes: &mut [P; L],
    mut four: impl FnMut(&mut [P; 4]),
    mut one: impl FnMut(&mut P),
) {
    let mut quads = lanes.chunks_exact_mut(4);
    for quad in &mut quads {
        four(quad.try_into().expect("chunks of four"));
    }
    for lane in quads.into_remainder() {
        one(lane);
    }
}

/// Whether [`matvec_acc`] takes [`matvec_acc_avx512`] for this shape on this CPU.
#[cfg(feature = "std")]
#[inline(always)]
fn uses_avx512<const M: usize, const N: usize>() -> bool {
    M.is_multiple_of(16) && M >= 32 && N >= 16 && has_avx512()
}

/// [`matvec_acc_avx512`] for four lanes at once: rows in blocks of four, each block's
/// sixteen accumulators (four rows by four lanes) summed over the columns exactly as
/// [`matvec_acc_avx512`] sums each row's, and reduced by the same [`sum_sixteen_rows`]
/// (which treats its sixteen vectors alike), so the same bits; each load of a row serves
/// the four lanes. The rows past the last sixteen as there, one lane at a time.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn matvec_acc_lanes_avx512<const M: usize, const N: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; M]); 4],
    w: &[[f32; M]; N],
) {
    use core::arch::x86_64::{
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };
    let whole = N - N % 16;
    for block in 0..whole / 4 {
        let rows = &w[4 * block..4 * block + 4];
        // SAFETY: the caller's CPU has AVX-512F; loads read columns `c .. c + 16` with
        // `c + 16 <= M` (a multiple of 16), of a row or of a lane's `x`.
        let sums = unsafe {
            let mut a = [_mm512_setzero_ps(); 16];
            for c in (0..M).step_by(16) {
                let xs: [_; 4] =
                    core::array::from_fn(|l| _mm512_loadu_ps(lanes[l].1.as_ptr().add(c)));
                for (r, row) in rows.iter().enumerate() {
                    let wv = _mm512_loadu_ps(row.as_ptr().add(c));
                    for (l, &xv) in xs.iter().enumerate() {
                        a[4 * l + r] = _mm512_fmadd_ps(wv, xv, a[4 * l + r]);
                    }
                }
            }
            let mut sums = [0.0_f32; 16];
            _mm512_storeu_ps(sums.as_mut_ptr(), sum_sixteen_rows(a));
            sums
        };
        for (l, (z, _)) in lanes.iter_mut().enumerate() {
            for r in 0..4 {
                z[4 * block + r] += sums[4 * l + r];
            }
        }
    }
    if whole < N {
        for (z, x) in lanes.iter_mut() {
            // SAFETY: the caller's CPU has AVX-512F, and `M % 16 == 0`.
            unsafe { matvec_acc_avx512_rows(z, w, x, whole) };
        }
    }
}

/// `z += W x` with AVX-512 for rows of whole sixteens: sixteen rows at a time, each read
/// along its length into one accumulator, the sixteen reduced together into one vector of
/// sums (a transpose by shuffles, [`sum_sixteen_rows`]); the rows past the last sixteen one
/// at a time.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn matvec_acc_avx512<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
) {
    use core::arch::x86_64::{
        _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };
    for block in 0..N / 16 {
        let rows = &w[16 * block..16 * block + 16];
        // SAFETY: the caller's CPU has AVX-512F; loads read columns `c .. c + 16` with
        // `c + 16 <= M` (a multiple of 16), and `z` is touched at `16 * block ..
        // 16 * block + 16 <= N`.
        unsafe {
            let mut a = [_mm512_setzero_ps(); 16];
            for c in (0..M).step_by(16) {
                let xv = _mm512_loadu_ps(x.as_ptr().add(c));
                for (acc, row) in a.iter_mut().zip(rows) {
                    *acc = _mm512_fmadd_ps(_mm512_loadu_ps(row.as_ptr().add(c)), xv, *acc);
                }
            }
            let out = z.as_mut_ptr().add(16 * block);
            _mm512_storeu_ps(
                out,
                _mm512_add_ps(_mm512_loadu_ps(out), sum_sixteen_rows(a)),
            );
        }
    }
    // SAFETY: as above.
    unsafe { matvec_acc_avx512_rows(z, w, x, N - N % 16) };
}

/// Rows `first..` of [`matvec_acc_avx512`] one at a time, each reduced on its own.
///
/// # Safety
///
/// The CPU must support AVX-512F, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f")]
unsafe fn matvec_acc_avx512_rows<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
    first: usize,
) {
    use core::arch::x86_64::{
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_reduce_add_ps, _mm512_setzero_ps,
    };
    for row in first..N {
        // SAFETY: the caller's CPU has AVX-512F; columns `c .. c + 16` of one row and of
        // `x`, with `c + 16 <= M` (a multiple of 16).
        unsafe {
            let mut acc = _mm512_setzero_ps();
            for c in (0..M).step_by(16) {
                let xv = _mm512_loadu_ps(x.as_ptr().add(c));
                acc = _mm512_fmadd_ps(_mm512_loadu_ps(w[row].as_ptr().add(c)), xv, acc);
            }
            z[row] += _mm512_reduce_add_ps(acc);
        }
    }
}

/// The sixteen sums of sixteen accumulators, one per row, as one vector (lane `k` the sum
/// of `a[k]`): pairs of rows, then fours, combined by unpacks and shuffles within 128-bit
/// lanes, then across them, each level halving the vectors with one addition per pair. 45
/// instructions for sixteen rows, where one horizontal sum per row would take about 8 each.
#[cfg(any(feature = "std", test))]
#[inline]
#[target_feature(enable = "avx512f")]
fn sum_sixteen_rows(a: [core::arch::x86_64::__m512; 16]) -> core::arch::x86_64::__m512 {
    use core::arch::x86_64::{
        _mm512_add_ps, _mm512_shuffle_f32x4, _mm512_shuffle_ps, _mm512_unpackhi_ps,
        _mm512_unpacklo_ps,
    };
    // In each 128-bit lane of `pairs[i]`: [a 0+2, b 0+2, a 1+3, b 1+3] for rows 2i, 2i+1.
    let pairs: [_; 8] = core::array::from_fn(|i| {
        let (a, b) = (a[2 * i], a[2 * i + 1]);
        _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b))
    });
    // In each 128-bit lane of `fours[i]`: one partial sum of each of rows 4i .. 4i+4.
    let fours: [_; 4] = core::array::from_fn(|i| {
        let (p, q) = (pairs[2 * i], pairs[2 * i + 1]);
        _mm512_add_ps(
            _mm512_shuffle_ps::<0x44>(p, q),
            _mm512_shuffle_ps::<0xEE>(p, q),
        )
    });
    // Lanes [0-3: 2 partials, 0-3: 2 partials, 4-7: .., 4-7: ..], and rows 8-15.
    let halves: [_; 2] = core::array::from_fn(|i| {
        let (p, q) = (fours[2 * i], fours[2 * i + 1]);
        _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(p, q),
            _mm512_shuffle_f32x4::<0xDD>(p, q),
        )
    });
    _mm512_add_ps(
        _mm512_shuffle_f32x4::<0x88>(halves[0], halves[1]),
        _mm512_shuffle_f32x4::<0xDD>(halves[0], halves[1]),
    )
}

/// `dx += W^T dz`: one axpy per row of `W`, compiled for AVX2 and FMA when the CPU has them
/// (the compiler vectorizes the axpys along the rows either way).
#[inline(always)]
pub(crate) fn matvec_transpose_acc<const M: usize, const N: usize>(
    dx: &mut [f32; M],
    w: &[[f32; M]; N],
    dz: &[f32; N],
) {
    // Rows shorter than an AVX vector gain nothing from it; AVX-512 as for `matvec_acc`.
    // Both add the rows in order with fused multiply-adds, so they round alike.
    #[cfg(feature = "std")]
    if M.is_multiple_of(16) && M >= 32 && has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA, and
        // `M % 16 == 0`.
        unsafe { matvec_transpose_acc_avx512(dx, w, dz) };
        return;
    }
    #[cfg(feature = "std")]
    if M >= 8 && has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { matvec_transpose_acc_avx2(dx, w, dz) };
        return;
    }
    for (row, &dz) in w.iter().zip(dz) {
        for (dx, &w) in dx.iter_mut().zip(row) {
            *dx += w * dz;
        }
    }
}

/// `W^T dz` into a fresh array: [`matvec_transpose_acc`] into zeros, by the same kernels,
/// with the zeros written inside them (in registers, or in stores as wide as their loads).
#[inline(always)]
pub(crate) fn matvec_transpose<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    dz: &[f32; N],
) -> [f32; M] {
    #[cfg(feature = "std")]
    if M.is_multiple_of(16) && M >= 32 && has_avx512() {
        // SAFETY: as in `matvec_transpose_acc`.
        return unsafe { matvec_transpose_avx512(w, dz) };
    }
    #[cfg(feature = "std")]
    if M >= 8 && has_avx2_fma() {
        // SAFETY: as in `matvec_transpose_acc`.
        return unsafe { matvec_transpose_avx2(w, dz) };
    }
    let mut dx = [0.0; M];
    matvec_transpose_acc(&mut dx, w, dz);
    dx
}

/// [`matvec_transpose`] by [`matvec_transpose_acc_avx2`].
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(feature = "std")]
#[target_feature(enable = "avx2,fma")]
unsafe fn matvec_transpose_avx2<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    dz: &[f32; N],
) -> [f32; M] {
    let mut dx = [0.0; M];
    // SAFETY: the caller's promise.
    unsafe { matvec_transpose_acc_avx2(&mut dx, w, dz) };
    dx
}

/// [`matvec_transpose`] by [`matvec_transpose_acc_avx512`].
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(feature = "std")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn matvec_transpose_avx512<const M: usize, const N: usize>(
    w: &[[f32; M]; N],
    dz: &[f32; N],
) -> [f32; M] {
    let mut dx = [0.0; M];
    // SAFETY: the caller's promise.
    unsafe { matvec_transpose_acc_avx512(&mut dx, w, dz) };
    dx
}

/// [`matvec_transpose_acc`] compiled for AVX2 and FMA.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(feature = "std")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn matvec_transpose_acc_avx2<const M: usize, const N: usize>(
    dx: &mut [f32; M],
    w: &[[f32; M]; N],
    dz: &[f32; N],
) {
    for (row, &dz) in w.iter().zip(dz) {
        for (dx, &w) in dx.iter_mut().zip(row) {
            *dx = w.mul_add(dz, *dx);
        }
    }
}

/// `dx += W^T dz` for several lanes (`lanes[l] = (dx, dz)`): the same bits as
/// [`matvec_transpose_acc`] lane by lane. Where that takes [`matvec_transpose_acc_avx512`],
/// four lanes at a time share each load of a row ([`matvec_transpose_acc_lanes_avx512`]);
/// elsewhere lane by lane.
#[inline(always)]
pub(crate) fn matvec_transpose_acc_lanes<const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [f32; M], &[f32; N]); L],
    w: &[[f32; M]; N],
) {
    #[cfg(feature = "std")]
    if M.is_multiple_of(16) && M >= 32 && has_avx512() {
        by_quads(
            lanes,
            // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA, and
            // `M % 16 == 0`.
            |quad| unsafe { matvec_transpose_acc_lanes_avx512(quad, w) },
            |(dx, dz)| matvec_transpose_acc(dx, w, dz),
        );
        return;
    }
    for (dx, dz) in lanes.iter_mut() {
        matvec_transpose_acc(dx, w, dz);
    }
}

/// [`matvec_transpose_acc_avx512`] for four lanes at once: each lane's `dx` in registers
/// (blocks of 64 columns, four registers a lane), every row loaded once and fused into all
/// four in order, so each lane rounds exactly as on its own.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn matvec_transpose_acc_lanes_avx512<const M: usize, const N: usize>(
    lanes: &mut [(&mut [f32; M], &[f32; N]); 4],
    w: &[[f32; M]; N],
) {
    /// Columns `column .. column + 16 * V` of every lane's `dx`, every row added in.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn columns<const V: usize, const M: usize, const N: usize>(
        lanes: &mut [(&mut [f32; M], &[f32; N]); 4],
        w: &[[f32; M]; N],
        column: usize,
    ) {
        use core::arch::x86_64::{
            _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_storeu_ps,
        };
        debug_assert!(column + 16 * V <= M);
        // SAFETY: the caller's CPU has AVX-512F; every load and store touches columns
        // `column .. column + 16 * V <= M` of a lane's `dx` or of a row of `w`.
        unsafe {
            let mut sums: [[_; V]; 4] = core::array::from_fn(|l| {
                let out = lanes[l].0.as_ptr().add(column);
                core::array::from_fn(|k| _mm512_loadu_ps(out.add(16 * k)))
            });
            for (r, row) in w.iter().enumerate() {
                let row = row.as_ptr().add(column);
                let ws: [_; V] = core::array::from_fn(|k| _mm512_loadu_ps(row.add(16 * k)));
                for (sums, lane) in sums.iter_mut().zip(lanes.iter()) {
                    let dz = _mm512_set1_ps(lane.1[r]);
                    for (sum, &w) in sums.iter_mut().zip(&ws) {
                        *sum = _mm512_fmadd_ps(w, dz, *sum);
                    }
                }
            }
            for (sums, lane) in sums.into_iter().zip(lanes.iter_mut()) {
                let out = lane.0.as_mut_ptr().add(column);
                for (k, sum) in sums.into_iter().enumerate() {
                    _mm512_storeu_ps(out.add(16 * k), sum);
                }
            }
        }
    }
    let mut column = 0;
    // SAFETY (all three): the caller's CPU has AVX-512F, and each block ends at or before
    // `M`, a multiple of 16.
    while column + 64 <= M {
        unsafe { columns::<4, M, N>(lanes, w, column) };
        column += 64;
    }
    while column + 32 <= M {
        unsafe { columns::<2, M, N>(lanes, w, column) };
        column += 32;
    }
    while column < M {
        unsafe { columns::<1, M, N>(lanes, w, column) };
        column += 16;
    }
}

/// [`matvec_transpose_acc`] with AVX-512 for rows of whole sixteens: `dx` in registers
/// (up to eight, in blocks of 128 columns) while every row's `dz * w` is fused in, in order.
/// LLVM's own vectorizer stops at 256 bits, which takes twice the loads of a row streamed
/// from the second-level cache.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline]
unsafe fn matvec_transpose_acc_avx512<const M: usize, const N: usize>(
    dx: &mut [f32; M],
    w: &[[f32; M]; N],
    dz: &[f32; N],
) {
    /// Columns `column .. column + 16 * V` of `dx`, every row added in.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn columns<const V: usize, const M: usize, const N: usize>(
        dx: &mut [f32; M],
        w: &[[f32; M]; N],
        dz: &[f32; N],
        column: usize,
    ) {
        use core::arch::x86_64::{
            _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_storeu_ps,
        };
        debug_assert!(column + 16 * V <= M);
        // SAFETY: the caller's CPU has AVX-512F; every load and store touches columns
        // `column .. column + 16 * V <= M` of `dx` or of a row of `w`.
        unsafe {
            let out = dx.as_mut_ptr().add(column);
            let mut sums: [_; V] = core::array::from_fn(|k| _mm512_loadu_ps(out.add(16 * k)));
            for (row, &dz) in w.iter().zip(dz) {
                let dz = _mm512_set1_ps(dz);
                let row = row.as_ptr().add(column);
                for (k, sum) in sums.iter_mut().enumerate() {
                    *sum = _mm512_fmadd_ps(_mm512_loadu_ps(row.add(16 * k)), dz, *sum);
                }
            }
            for (k, sum) in sums.into_iter().enumerate() {
                _mm512_storeu_ps(out.add(16 * k), sum);
            }
        }
    }
    let mut column = 0;
    // SAFETY (all three): the caller's CPU has AVX-512F, and each block ends at or before
    // `M`, a multiple of 16.
    while column + 128 <= M {
        unsafe { columns::<8, M, N>(dx, w, dz, column) };
        column += 128;
    }
    while column + 64 <= M {
        unsafe { columns::<4, M, N>(dx, w, dz, column) };
        column += 64;
    }
    while column + 32 <= M {
        unsafe { columns::<2, M, N>(dx, w, dz, column) };
        column += 32;
    }
    while column < M {
        unsafe { columns::<1, M, N>(dx, w, dz, column) };
        column += 16;
    }
}

/// `g += dz x^T`: one axpy per row of `g`, compiled for AVX2 and FMA when the CPU has them.
#[inline(always)]
pub(crate) fn outer_acc<const M: usize, const N: usize>(
    g: &mut [[f32; M]; N],
    dz: &[f32; N],
    x: &[f32; M],
) {
    // Rows shorter than an AVX vector gain nothing from it.
    #[cfg(feature = "std")]
    if M >= 8 && has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { outer_acc_avx2(g, dz, x) };
        return;
    }
    for (row, &dz) in g.iter_mut().zip(dz) {
        for (g, &x) in row.iter_mut().zip(x) {
            *g += x * dz;
        }
    }
}

/// [`outer_acc`] compiled for AVX2 and FMA.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(feature = "std")]
#[target_feature(enable = "avx2,fma")]
unsafe fn outer_acc_avx2<const M: usize, const N: usize>(
    g: &mut [[f32; M]; N],
    dz: &[f32; N],
    x: &[f32; M],
) {
    for (row, &dz) in g.iter_mut().zip(dz) {
        for (g, &x) in row.iter_mut().zip(x) {
            *g = x.mul_add(dz, *g);
        }
    }
}

/// `g += dz[0] x[0]^T + dz[1] x[1]^T + ...`, with `x[s] = source(&samples[s])`: each row
/// of `g` read and written once for all the samples, summed sample by sample in order with
/// the same fused multiply-adds as [`outer_acc`], so every element rounds exactly as one
/// [`outer_acc`] per sample rounds it.
#[inline(always)]
pub(crate) fn outer_acc_batch<S, const M: usize, const N: usize>(
    g: &mut [[f32; M]; N],
    dz: &[[f32; N]],
    samples: &[S],
    source: impl Fn(&S) -> &[f32; M],
) {
    // Fused multiply-adds wherever `outer_acc` uses them, so that the two round alike on
    // every CPU. AVX-512 only for rows of 32 or more, as for `matvec_acc`.
    #[cfg(feature = "std")]
    if M.is_multiple_of(16) && M >= 32 && has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA.
        unsafe { outer_acc_batch_avx512(g, dz, samples, source) };
        return;
    }
    #[cfg(feature = "std")]
    if M >= 8 && has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { outer_acc_batch_avx2(g, dz, samples, source) };
        return;
    }
    for (dz, sample) in dz.iter().zip(samples) {
        let x = source(sample);
        for (row, &dz) in g.iter_mut().zip(dz) {
            for (g, &x) in row.iter_mut().zip(x) {
                *g += x * dz;
            }
        }
    }
}

/// [`outer_acc_batch`] with AVX-512 for rows of whole sixteens: blocks of rows by 64
/// columns (four registers a row, four rows a block), then by 16, held while every sample
/// is added in; as [`outer_acc_batch_avx2`], a block spans several rows so that each load
/// of a sample's `x` feeds several rows.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA, and `M % 16 == 0`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn outer_acc_batch_avx512<S, const M: usize, const N: usize>(
    g: &mut [[f32; M]; N],
    dz: &[[f32; N]],
    samples: &[S],
    source: impl Fn(&S) -> &[f32; M],
) {
    let mut column = 0;
    // SAFETY (all three): the caller's CPU has AVX-512F, and each block ends at or before
    // `M`, a multiple of 16.
    while column + 64 <= M {
        unsafe { add_rows_avx512::<4, 4, S, M, N>(g, column, dz, samples, &source) };
        column += 64;
    }
    while column + 32 <= M {
        unsafe { add_rows_avx512::<8, 2, S, M, N>(g, column, dz, samples, &source) };
        column += 32;
    }
    while column < M {
        unsafe { add_rows_avx512::<8, 1, S, M, N>(g, column, dz, samples, &source) };
        column += 16;
    }
}

/// [`outer_acc_batch`] with AVX2 and FMA: blocks of rows by up to 64 columns held in
/// registers while every sample is added in. A block spans as many rows as its
/// accumulators allow (eight registers of sixteen, four for the sample's row and the
/// broadcast), so that each load of a sample's `x` feeds several rows' fused multiply-adds:
/// with one row per block, the loads alone set the pace.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(feature = "std")]
#[target_feature(enable = "avx2,fma")]
unsafe fn outer_acc_batch_avx2<S, const M: usize, const N: usize>(
    g: &mut [[f32; M]; N],
    dz: &[[f32; N]],
    samples: &[S],
    source: impl Fn(&S) -> &[f32; M],
) {
    let whole = M - M % 8;
    let mut column = 0;
    // SAFETY (all three): the caller's CPU has AVX2 and FMA, and each block ends at or
    // before `whole <= M`.
    while column + 64 <= whole {
        unsafe { add_rows_avx2::<1, 8, S, M, N>(g, column, dz, samples, &source) };
        column += 64;
    }
    while column + 32 <= whole {
        unsafe { add_rows_avx2::<2, 4, S, M, N>(g, column, dz, samples, &source) };
        column += 32;
    }
    while column < whole {
        unsafe { add_rows_avx2::<4, 1, S, M, N>(g, column, dz, samples, &source) };
        column += 8;
    }
    for (row_index, row) in g.iter_mut().enumerate() {
        // Index ranges, not `skip` (see `columns_avx2`).
        #[allow(clippy::needless_range_loop)]
        for column in whole..M {
            for (dz, sample) in dz.iter().zip(samples) {
                row[column] = source(sample)[column].mul_add(dz[row_index], row[column]);
            }
        }
    }
}

/// `add_rows_*::<ROWS, VECTORS, ..>(g, column, dz, samples, source)`: columns
/// `column .. column + LANES * VECTORS` of every row of an outer product summed over a
/// batch, `ROWS` rows at a time (the rows past the last whole block one at a time), for one
/// instruction set: loaded into registers, every sample's `x * dz` fused in, in order,
/// stored back. The caller's CPU must have the instruction set, and the block must end at
/// or before `M`.
macro_rules! outer_rows {
    ($name:ident, $features:literal, $lanes:literal, $vector:ident, $load:ident, $store:ident,
     $set1:ident, $fmadd:ident, $zero:ident) => {
        #[cfg(any(feature = "std", test))]
        #[target_feature(enable = $features)]
        #[inline]
        unsafe fn $name<
            const ROWS: usize,
            const VECTORS: usize,
            S,
            const M: usize,
            const N: usize,
        >(
            g: &mut [[f32; M]; N],
            column: usize,
            dz: &[[f32; N]],
            samples: &[S],
            source: &impl Fn(&S) -> &[f32; M],
        ) {
            use core::arch::x86_64::{$fmadd, $load, $set1, $store, $vector, $zero};
            /// Rows `first .. first + R` of the block.
            #[target_feature(enable = $features)]
            #[inline]
            unsafe fn block<const R: usize, const V: usize, S, const M: usize, const N: usize>(
                g: &mut [[f32; M]; N],
                first: usize,
                column: usize,
                dz: &[[f32; N]],
                samples: &[S],
                source: &impl Fn(&S) -> &[f32; M],
            ) {
                debug_assert!(column + $lanes * V <= M && first + R <= N);
                // SAFETY: the caller's CPU has the instructions; every load and store
                // touches columns `column .. column + LANES * V <= M` of rows `first ..
                // first + R <= N` of `g` or of a sample's `x`.
                unsafe {
                    let mut sums = [[$zero(); V]; R];
                    for (r, sums) in sums.iter_mut().enumerate() {
                        let out = g[first + r].as_ptr().add(column);
                        for (k, sum) in sums.iter_mut().enumerate() {
                            *sum = $load(out.add($lanes * k));
                        }
                    }
                    for (dz, sample) in dz.iter().zip(samples) {
                        let x = source(sample).as_ptr().add(column);
                        let xs: [$vector; V] = core::array::from_fn(|k| $load(x.add($lanes * k)));
                        for (r, sums) in sums.iter_mut().enumerate() {
                            let dz = $set1(dz[first + r]);
                            for (sum, &x) in sums.iter_mut().zip(&xs) {
                                *sum = $fmadd(x, dz, *sum);
                            }
                        }
                    }
                    for (r, sums) in sums.into_iter().enumerate() {
                        let out = g[first + r].as_mut_ptr().add(column);
                        for (k, sum) in sums.into_iter().enumerate() {
                            $store(out.add($lanes * k), sum);
                        }
                    }
                }
            }
            let mut first = 0;
            // SAFETY (both): as the caller's; each block of rows ends at or before `N`.
            while first + ROWS <= N {
                unsafe { block::<ROWS, VECTORS, S, M, N>(g, first, column, dz, samples, source) };
                first += ROWS;
            }
            while first < N {
                unsafe { block::<1, VECTORS, S, M, N>(g, first, column, dz, samples, source) };
                first += 1;
            }
        }
    };
}

outer_rows!(
    add_rows_avx512,
    "avx512f",
    16,
    __m512,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
    _mm512_setzero_ps
);
outer_rows!(
    add_rows_avx2,
    "avx2,fma",
    8,
    __m256,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
    _mm256_setzero_ps
);

/// `w = w - learning_rate * (dz x^T)`, row by row, in a function of its own (compiled for
/// AVX2 where the CPU has it): inlined into a large fused step, LLVM vectorizes these loops
/// across rows, gathering each row's elements one by one, at three times the instructions.
/// A matrix of at most 16 weights (a 2-4-1 network's first layer) stays inline: a handful
/// of multiplications, where the call and the spills of live registers around it took 3
/// of an XOR step's 53 ns.
#[inline(always)]
pub(crate) fn sgd_outer<const M: usize, const N: usize>(
    w: &mut [[f32; M]; N],
    dz: &[f32; N],
    x: &[f32; M],
    learning_rate: f32,
) {
    if M * N <= 16 {
        for (row, &dz) in w.iter_mut().zip(dz) {
            crate::dense::sgd_axpy(row, x, dz, learning_rate);
        }
        return;
    }
    #[cfg(feature = "std")]
    if M >= 8 && has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { sgd_outer_avx2(w, dz, x, learning_rate) };
        return;
    }
    sgd_outer_rows(w, dz, x, learning_rate);
}

/// [`sgd_outer`] on the default target, kept out of line (see there).
#[inline(never)]
fn sgd_outer_rows<const M: usize, const N: usize>(
    w: &mut [[f32; M]; N],
    dz: &[f32; N],
    x: &[f32; M],
    learning_rate: f32,
) {
    for (row, &dz) in w.iter_mut().zip(dz) {
        crate::dense::sgd_axpy(row, x, dz, learning_rate);
    }
}

/// [`sgd_outer`] compiled for AVX2 (no fused multiply-adds: the rounding stays that of
/// the gradient, then the update).
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(feature = "std")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sgd_outer_avx2<const M: usize, const N: usize>(
    w: &mut [[f32; M]; N],
    dz: &[f32; N],
    x: &[f32; M],
    learning_rate: f32,
) {
    for (row, &dz) in w.iter_mut().zip(dz) {
        crate::dense::sgd_axpy(row, x, dz, learning_rate);
    }
}

/// The four sums of four accumulators, one per row, as one vector: a 4x4 transpose and
/// adds.
#[inline(always)]
fn sum_rows(a: [__m128; 4]) -> __m128 {
    // SAFETY: SSE is part of the x86-64 baseline; these touch registers only.
    unsafe {
        let low01 = _mm_unpacklo_ps(a[0], a[1]);
        let high01 = _mm_unpackhi_ps(a[0], a[1]);
        let low23 = _mm_unpacklo_ps(a[2], a[3]);
        let high23 = _mm_unpackhi_ps(a[2], a[3]);
        let half01 = _mm_add_ps(low01, high01);
        let half23 = _mm_add_ps(low23, high23);
        _mm_add_ps(_mm_movelh_ps(half01, half23), _mm_movehl_ps(half23, half01))
    }
}

/// `z[4 * block .. 4 * block + 4] += sums` (plus each row's columns past `columns`): one
/// vector addition when the rows have no such tail.
#[inline(always)]
fn add_block<const M: usize, const N: usize>(
    z: &mut [f32; N],
    block: usize,
    rows: &[[f32; M]],
    x: &[f32; M],
    columns: usize,
    sums: __m128,
) {
    let z = &mut z[4 * block..4 * block + 4];
    if columns == M {
        // SAFETY: SSE is part of the x86-64 baseline; `z` is four floats.
        unsafe { _mm_storeu_ps(z.as_mut_ptr(), _mm_add_ps(_mm_loadu_ps(z.as_ptr()), sums)) };
        return;
    }
    let mut lanes = [0.0_f32; 4];
    // SAFETY: as above; `lanes` is four floats.
    unsafe { _mm_storeu_ps(lanes.as_mut_ptr(), sums) };
    for ((z, sum), row) in z.iter_mut().zip(lanes).zip(rows) {
        *z += sum + tail(row, x, columns);
    }
}

/// What is left of a row after its columns by fours (or eights): summed one by one.
#[inline(always)]
fn tail<const M: usize>(row: &[f32; M], x: &[f32; M], from: usize) -> f32 {
    row[from..]
        .iter()
        .zip(&x[from..])
        .fold(0.0, |sum, (&w, &x)| sum + w * x)
}

/// Rows past the last whole block of four, one dot product each.
#[inline(always)]
fn remaining_rows<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
) {
    for row in N - N % 4..N {
        z[row] += crate::dense::dot(&w[row], x);
    }
}

/// `z += W x` with SSE: four rows at a time, four columns at a time.
#[inline]
pub(crate) fn matvec_acc_sse<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
) {
    let columns = M - M % 4;
    for block in 0..N / 4 {
        let rows = &w[4 * block..4 * block + 4];
        // SAFETY: SSE is part of the x86-64 baseline. Every load reads four floats at
        // column `c` with `c + 4 <= columns <= M`, of a row of `M` floats or of `x`; the
        // load and store of `z` cover elements `4 * block .. 4 * block + 4`, and
        // `4 * block + 4 <= N`.
        unsafe {
            let mut a = [_mm_setzero_ps(); 4];
            for c in (0..columns).step_by(4) {
                let xv = _mm_loadu_ps(x.as_ptr().add(c));
                for (acc, row) in a.iter_mut().zip(rows) {
                    *acc = _mm_add_ps(*acc, _mm_mul_ps(_mm_loadu_ps(row.as_ptr().add(c)), xv));
                }
            }
            add_block(z, block, rows, x, columns, sum_rows(a));
        }
    }
    remaining_rows(z, w, x);
}

/// `z += W x` with AVX2 and FMA: four rows at a time, eight columns at a time (a last
/// four with SSE).
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx2,fma")]
unsafe fn matvec_acc_avx2<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
) {
    use core::arch::x86_64::{
        _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_setzero_ps, _mm_fmadd_ps,
    };
    let wide = M - M % 8;
    let columns = M - M % 4;
    // Rows of whole eights go eight at a time, reduced together by three rounds of
    // horizontal adds: about half the instructions per row of the four-row blocks below.
    let mut first_block = 0;
    if M.is_multiple_of(8) {
        let eights = N / 8;
        for block in 0..eights {
            // SAFETY: the caller's CPU has AVX2 and FMA; see `eight_rows`.
            unsafe { eight_rows(z, w, x, block) };
        }
        first_block = 2 * eights;
    }
    for block in first_block..N / 4 {
        let rows = &w[4 * block..4 * block + 4];
        // SAFETY: the caller's CPU has AVX2 and FMA. Loads of eight read columns `c .. c + 8`
        // with `c + 8 <= wide <= M`, the load of four columns `wide .. wide + 4` only when
        // `wide + 4 <= columns <= M`; `z` is touched at `4 * block .. 4 * block + 4 <= N`.
        unsafe {
            let mut a = [_mm256_setzero_ps(); 4];
            for c in (0..wide).step_by(8) {
                let xv = _mm256_loadu_ps(x.as_ptr().add(c));
                for (acc, row) in a.iter_mut().zip(rows) {
                    *acc = _mm256_fmadd_ps(_mm256_loadu_ps(row.as_ptr().add(c)), xv, *acc);
                }
            }
            let mut halves = [_mm_setzero_ps(); 4];
            for (half, acc) in halves.iter_mut().zip(a) {
                *half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
            }
            if columns > wide {
                let xv = _mm_loadu_ps(x.as_ptr().add(wide));
                for (half, row) in halves.iter_mut().zip(rows) {
                    *half = _mm_fmadd_ps(_mm_loadu_ps(row.as_ptr().add(wide)), xv, *half);
                }
            }
            add_block(z, block, rows, x, columns, sum_rows(halves));
        }
    }
    remaining_rows(z, w, x);
}

/// `z[8 * block .. 8 * block + 8] += W[8 * block ..][..] x` for rows of a whole number of
/// eights: eight accumulators, then `hadd` twice within 128-bit lanes and one swap of
/// lanes give the eight sums in one vector.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA; `M % 8 == 0` and `8 * block + 8 <= N`.
#[cfg(any(feature = "std", test))]
#[target_feature(enable = "avx2,fma")]
unsafe fn eight_rows<const M: usize, const N: usize>(
    z: &mut [f32; N],
    w: &[[f32; M]; N],
    x: &[f32; M],
    block: usize,
) {
    use core::arch::x86_64::{
        _mm256_add_ps, _mm256_fmadd_ps, _mm256_hadd_ps, _mm256_loadu_ps, _mm256_permute2f128_ps,
        _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let rows = &w[8 * block..8 * block + 8];
    // SAFETY: the caller's CPU has AVX2 and FMA; loads read columns `c .. c + 8` with
    // `c + 8 <= M` (M is a multiple of 8), and `z` is touched at `8 * block .. 8 * block + 8`,
    // within `N` by the caller's contract.
    unsafe {
        let mut a = [_mm256_setzero_ps(); 8];
        for c in (0..M).step_by(8) {
            let xv = _mm256_loadu_ps(x.as_ptr().add(c));
            for (acc, row) in a.iter_mut().zip(rows) {
                *acc = _mm256_fmadd_ps(_mm256_loadu_ps(row.as_ptr().add(c)), xv, *acc);
            }
        }
        // [r0 01, r0 23, r1 01, r1 23 | r0 45, r0 67, r1 45, r1 67], and so on.
        let pairs = [
            _mm256_hadd_ps(a[0], a[1]),
            _mm256_hadd_ps(a[2], a[3]),
            _mm256_hadd_ps(a[4], a[5]),
            _mm256_hadd_ps(a[6], a[7]),
        ];
        // [r0 0-3, r1 0-3, r2 0-3, r3 0-3 | r0 4-7, r1 4-7, r2 4-7, r3 4-7], and rows 4-7.
        let low = _mm256_hadd_ps(pairs[0], pairs[1]);
        let high = _mm256_hadd_ps(pairs[2], pairs[3]);
        let sums = _mm256_add_ps(
            _mm256_permute2f128_ps(low, high, 0x20),
            _mm256_permute2f128_ps(low, high, 0x31),
        );
        let out = z.as_mut_ptr().add(8 * block);
        _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), sums));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `z += W x` summed in `f64`, the reference.
    fn reference<const M: usize, const N: usize>(
        z: &[f32; N],
        w: &[[f32; M]; N],
        x: &[f32; M],
    ) -> [f64; N] {
        core::array::from_fn(|r| {
            f64::from(z[r])
                + w[r]
                    .iter()
                    .zip(x)
                    .map(|(&w, &x)| f64::from(w) * f64::from(x))
                    .sum::<f64>()
        })
    }

    /// A kernel under test.
    type Kernel<const M: usize, const N: usize> = fn(&mut [f32; N], &[[f32; M]; N], &[f32; M]);

    fn check<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 31 + c * 7) % 13) as f32 * 0.25 - 1.5)
        });
        let x: [f32; M] = core::array::from_fn(|c| (c % 5) as f32 * 0.5 - 1.0);
        let start: [f32; N] = core::array::from_fn(|r| r as f32 * 0.125);
        let expected = reference(&start, &w, &x);
        let kernels: [(&str, Kernel<M, N>); 2] =
            [("sse", matvec_acc_sse), ("dispatched", matvec_acc)];
        for (name, kernel) in kernels {
            let mut z = start;
            kernel(&mut z, &w, &x);
            for (r, (&got, &want)) in z.iter().zip(&expected).enumerate() {
                assert!(
                    (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{name} M={M} N={N} row {r}: {got} vs {want}"
                );
            }
        }
        if M.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
            let mut z = start;
            // SAFETY: just checked (AVX-512F implies AVX2 and FMA on every CPU that has it).
            unsafe { matvec_acc_avx512(&mut z, &w, &x) };
            for (r, (&got, &want)) in z.iter().zip(&expected).enumerate() {
                assert!(
                    (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "avx512 M={M} N={N} row {r}: {got} vs {want}"
                );
            }
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            let mut z = start;
            // SAFETY: just checked.
            unsafe { matvec_acc_avx2(&mut z, &w, &x) };
            for (&got, &want) in z.iter().zip(&expected) {
                assert!((f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0));
            }
        }
    }

    extern crate std;

    /// The transposed product and the outer product against sums in `f64`.
    fn check_backward<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 17 + c * 5) % 11) as f32 * 0.5 - 2.0)
        });
        let dz: [f32; N] = core::array::from_fn(|r| (r % 7) as f32 * 0.25 - 0.75);
        let x: [f32; M] = core::array::from_fn(|c| (c % 3) as f32 - 1.0);
        let mut dx = [1.0_f32; M];
        matvec_transpose_acc(&mut dx, &w, &dz);
        for (c, &got) in dx.iter().enumerate() {
            let want: f64 = 1.0
                + (0..N)
                    .map(|r| f64::from(w[r][c]) * f64::from(dz[r]))
                    .sum::<f64>();
            assert!(
                (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0),
                "M={M} N={N}"
            );
        }
        // Where the CPU fuses, every path adds the rows in order with fused multiply-adds.
        let mut rows = [1.0_f32; M];
        for (row, &dz) in w.iter().zip(&dz) {
            for (dx, &w) in rows.iter_mut().zip(row) {
                *dx = w.mul_add(dz, *dx);
            }
        }
        let fused = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        if fused && M >= 8 {
            assert_eq!(dx, rows, "M={M} N={N}");
        }
        if M.is_multiple_of(16) && fused && std::is_x86_feature_detected!("avx512f") {
            let mut wide = [1.0_f32; M];
            // SAFETY: just checked; `M` is a multiple of 16.
            unsafe { matvec_transpose_acc_avx512(&mut wide, &w, &dz) };
            assert_eq!(wide, rows, "avx512 M={M} N={N}");
        }
        let mut g = w;
        outer_acc(&mut g, &dz, &x);
        for r in 0..N {
            for c in 0..M {
                let want = f64::from(w[r][c]) + f64::from(dz[r]) * f64::from(x[c]);
                assert!((f64::from(g[r][c]) - want).abs() <= 1e-6 * want.abs().max(1.0));
            }
        }
    }

    /// The batched outer product against one outer product per sample: equal bit for bit,
    /// for every count of samples.
    fn check_batch<const M: usize, const N: usize>() {
        let start: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 13 + c * 3) % 9) as f32 * 0.37 - 1.1)
        });
        let dz: [[f32; N]; 9] = core::array::from_fn(|s| {
            core::array::from_fn(|r| ((r * 5 + s * 11) % 7) as f32 * 0.31 - 0.9)
        });
        let xs: [[f32; M]; 9] = core::array::from_fn(|s| {
            core::array::from_fn(|c| ((c * 7 + s * 3) % 5) as f32 * 0.43 - 0.8)
        });
        for samples in 0..=9 {
            let mut one_by_one = start;
            for (dz, x) in dz.iter().zip(&xs).take(samples) {
                outer_acc(&mut one_by_one, dz, x);
            }
            let mut batched = start;
            outer_acc_batch(&mut batched, &dz[..samples], &xs[..samples], |x| x);
            assert_eq!(batched, one_by_one, "M={M} N={N} samples={samples}");
            let fused =
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
            if M.is_multiple_of(16) && fused && std::is_x86_feature_detected!("avx512f") {
                let mut wide = start;
                // SAFETY: just checked; `M` is a multiple of 16.
                unsafe { outer_acc_batch_avx512(&mut wide, &dz[..samples], &xs[..samples], |x| x) };
                assert_eq!(wide, one_by_one, "avx512 M={M} N={N} samples={samples}");
            }
        }
    }

    /// Lanes against [`matvec_acc`] lane by lane: equal bit for bit, with 1 to 6 lanes (a
    /// whole group of four and a remainder), on the AVX-512 shapes and others.
    fn check_lanes<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 29 + c * 11) % 23) as f32 * 0.173 - 1.9)
        });
        let xs: [[f32; M]; 6] = core::array::from_fn(|l| {
            core::array::from_fn(|c| ((c * 7 + l * 5) % 13) as f32 * 0.311 - 1.7)
        });
        let starts: [[f32; N]; 6] =
            core::array::from_fn(|l| core::array::from_fn(|r| (r + l) as f32 * 0.0625 - 1.0));
        fn run<const M: usize, const N: usize, const L: usize>(
            w: &[[f32; M]; N],
            xs: &[[f32; M]; 6],
            starts: &[[f32; N]; 6],
        ) {
            let mut zs: [[f32; N]; L] = core::array::from_fn(|l| starts[l]);
            let mut lanes: [(&mut [f32; N], &[f32; M]); L] = {
                let mut zs = zs.iter_mut();
                core::array::from_fn(|l| (zs.next().expect("one per lane"), &xs[l]))
            };
            matvec_acc_lanes(&mut lanes, w);
            for l in 0..L {
                let mut want = starts[l];
                matvec_acc(&mut want, w, &xs[l]);
                assert_eq!(*lanes[l].0, want, "M={M} N={N} lanes={L} lane {l}");
            }
        }
        run::<M, N, 1>(&w, &xs, &starts);
        run::<M, N, 3>(&w, &xs, &starts);
        run::<M, N, 4>(&w, &xs, &starts);
        run::<M, N, 6>(&w, &xs, &starts);
    }

    #[test]
    fn lanes_sum_what_one_lane_at_a_time_sums_to_the_bit() {
        check_lanes::<64, 192>();
        check_lanes::<64, 32>();
        check_lanes::<64, 20>();
        check_lanes::<128, 17>();
        check_lanes::<32, 192>();
        check_lanes::<64, 8>();
        check_lanes::<13, 7>();
    }

    #[test]
    fn the_batched_outer_product_rounds_as_one_per_sample() {
        check_batch::<64, 32>();
        check_batch::<112, 5>();
        check_batch::<32, 10>();
        check_batch::<100, 3>();
        check_batch::<13, 7>();
        check_batch::<8, 2>();
        check_batch::<3, 4>();
        check_batch::<200, 2>();
    }

    /// The transposed product of several lanes against one lane at a time: equal bit for
    /// bit, with 1 to 6 lanes.
    fn check_transpose_lanes<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 19 + c * 7) % 17) as f32 * 0.211 - 1.7)
        });
        let dzs: [[f32; N]; 6] = core::array::from_fn(|l| {
            core::array::from_fn(|r| ((r * 3 + l * 5) % 11) as f32 * 0.37 - 1.8)
        });
        let starts: [[f32; M]; 6] =
            core::array::from_fn(|l| core::array::from_fn(|c| (c + 2 * l) as f32 * 0.03 - 0.5));
        fn run<const M: usize, const N: usize, const L: usize>(
            w: &[[f32; M]; N],
            dzs: &[[f32; N]; 6],
            starts: &[[f32; M]; 6],
        ) {
            let mut dxs: [[f32; M]; L] = core::array::from_fn(|l| starts[l]);
            let mut lanes: [(&mut [f32; M], &[f32; N]); L] = {
                let mut dxs = dxs.iter_mut();
                core::array::from_fn(|l| (dxs.next().expect("one per lane"), &dzs[l]))
            };
            matvec_transpose_acc_lanes(&mut lanes, w);
            for l in 0..L {
                let mut one = starts[l];
                matvec_transpose_acc(&mut one, w, &dzs[l]);
                assert_eq!(dxs[l], one, "M={M} N={N} lanes={L} lane={l}");
            }
        }
        run::<M, N, 1>(&w, &dzs, &starts);
        run::<M, N, 4>(&w, &dzs, &starts);
        run::<M, N, 6>(&w, &dzs, &starts);
    }

    /// The transposed product into a fresh array against the one added into zeros: equal
    /// bit for bit (negative zeros included) on the AVX-512, AVX2 and SSE shapes.
    fn check_fresh_transpose<const M: usize, const N: usize>() {
        let w: [[f32; M]; N] = core::array::from_fn(|r| {
            core::array::from_fn(|c| ((r * 17 + c * 5) % 13) as f32 * 0.257 - 1.5)
        });
        let dz: [f32; N] = core::array::from_fn(|r| ((r * 7) % 9) as f32 * 0.41 - 1.6);
        let mut into_zeros = [0.0; M];
        matvec_transpose_acc(&mut into_zeros, &w, &dz);
        let fresh = matvec_transpose(&w, &dz);
        let bits = |v: &[f32; M]| v.map(f32::to_bits);
        assert_eq!(bits(&fresh), bits(&into_zeros), "M={M} N={N}");
        // A product of exact zeros with negative factors: +0.0 either way.
        let negative = matvec_transpose(&[[-1.0; M]; N], &[0.0; N]);
        assert!(negative.iter().all(|x| x.to_bits() == 0), "M={M} N={N}");
    }

    #[test]
    fn a_fresh_transposed_product_is_the_one_added_into_zeros() {
        check_fresh_transpose::<64, 192>();
        check_fresh_transpose::<32, 10>();
        check_fresh_transpose::<16, 16>();
        check_fresh_transpose::<24, 5>();
        check_fresh_transpose::<13, 7>();
        check_fresh_transpose::<4, 3>();
    }

    #[test]
    fn transposed_lanes_sum_what_one_lane_at_a_time_sums_to_the_bit() {
        check_transpose_lanes::<64, 192>();
        check_transpose_lanes::<32, 10>();
        check_transpose_lanes::<112, 7>();
        check_transpose_lanes::<16, 5>();
        check_transpose_lanes::<13, 7>();
    }

    #[test]
    fn backward_kernels_sum_what_the_reference_sums() {
        check_backward::<64, 192>();
        check_backward::<32, 10>();
        check_backward::<16, 5>();
        check_backward::<208, 9>();
        check_backward::<13, 7>();
        check_backward::<1, 3>();
        check_backward::<784, 2>();
    }

    #[test]
    fn every_shape_sums_what_the_reference_sums() {
        // Whole blocks, ragged rows and columns, eights and a last four, tiny rows.
        check::<16, 48>();
        check::<16, 64>();
        check::<64, 32>();
        check::<32, 10>();
        check::<13, 7>();
        check::<12, 5>();
        check::<8, 4>();
        check::<3, 9>();
        check::<1, 1>();
        check::<5, 3>();
        check::<784, 12>();
        check::<16, 20>();
        check::<24, 8>();
        check::<64, 10>();
        check::<16, 16>();
        check::<32, 33>();
        check::<48, 17>();
    }
}
