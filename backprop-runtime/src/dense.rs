//! The array kernels of dense layers: generated code calls these for every edge between
//! array-valued nodes, so `cargo expand` shows one line per edge (`z_h += W1 x`) and the
//! loops live here, written once.
//!
//! A weight matrix `W` from a node of `M` elements into one of `N` elements is `[[T; M]; N]`:
//! row `j` holds the weights into element `j` (the layout of PyTorch's `Linear.weight`).

use crate::Scalar;

/// `a . b`, summed in [`DOT_LANES`] independent partial sums: one running sum would make
/// every addition wait for the one before, and the compiler may not reorder float
/// additions on its own; independent lanes fill SIMD registers instead.
#[inline]
pub fn dot<T: Scalar, const M: usize>(a: &[T; M], b: &[T; M]) -> T {
    // The sums start at -0.0, the identity of addition (`-0.0 + v` is `v` for every `v`,
    // `+0.0 + -0.0` is not): so the compiler drops each first addition, and a sum of
    // products that are all -0.0 keeps its sign, as if written out term by term.
    let mut lanes = [T::neg_zero(); DOT_LANES];
    let mut a_chunks = a.chunks_exact(DOT_LANES);
    let mut b_chunks = b.chunks_exact(DOT_LANES);
    for (a, b) in (&mut a_chunks).zip(&mut b_chunks) {
        for ((lane, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
            *lane = *lane + a * b;
        }
    }
    // The products past the last whole chunk join the first lanes, so that a short product
    // (4 terms: a 2-4-1 network's output) is a tree of depth 2, not a chain of 3.
    let tail = a_chunks.remainder().iter().zip(b_chunks.remainder());
    for (lane, (&a, &b)) in lanes.iter_mut().zip(tail) {
        *lane = *lane + a * b;
    }
    // Pairwise, so the lanes meet in a balanced tree.
    let mut width = DOT_LANES;
    while width > 1 {
        width /= 2;
        for lane in 0..width {
            lanes[lane] = lanes[lane] + lanes[lane + width];
        }
    }
    lanes[0]
}

/// How many partial sums [`dot`] keeps: two SIMD registers of `f32` on x86-64.
pub const DOT_LANES: usize = 8;

/// `z += W x`: the forward pass of a dense edge.
#[inline]
pub fn matvec_acc<T: Scalar, const M: usize, const N: usize>(
    z: &mut [T; N],
    w: &[[T; M]; N],
    x: &[T; M],
) {
    // By the scalar type: `f32` on x86-64 has explicit SIMD kernels (see `simd.rs`).
    T::matvec_acc(z, w, x);
}

/// `z += W x` for several lanes (`lanes[l] = (z, x)`) with one matrix: the same numbers as
/// [`matvec_acc`] lane by lane, to the bit, but with each row of `W` read once for all the
/// lanes where a kernel can (`f32` with AVX-512: a matrix larger than the first-level
/// cache then streams from the second level once, not once per lane).
#[inline]
pub fn matvec_acc_lanes<T: Scalar, const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [T; N], &[T; M]); L],
    w: &[[T; M]; N],
) {
    T::matvec_acc_lanes(lanes, w);
}

/// `dx += W^T dz`: the gradient that a dense edge sends back to its source.
#[inline]
pub fn matvec_transpose_acc<T: Scalar, const M: usize, const N: usize>(
    dx: &mut [T; M],
    w: &[[T; M]; N],
    dz: &[T; N],
) {
    T::matvec_transpose_acc(dx, w, dz);
}

/// `W^T dz` into a fresh array: the same bits as [`matvec_transpose_acc`] into zeros, but
/// with the sums started in registers where a kernel can, not loaded from zeros the caller
/// has just stored (narrower stores than the kernel's loads, which then wait for them).
#[inline]
#[must_use]
pub fn matvec_transpose<T: Scalar, const M: usize, const N: usize>(
    w: &[[T; M]; N],
    dz: &[T; N],
) -> [T; M] {
    T::matvec_transpose(w, dz)
}

/// `dx += W^T dz` for several lanes (`lanes[l] = (dx, dz)`) with one matrix: the same
/// numbers as [`matvec_transpose_acc`] lane by lane, to the bit, with each row of `W` read
/// once for all the lanes where a kernel can (`f32` with AVX-512, rows of 32 or more).
#[inline]
pub fn matvec_transpose_acc_lanes<T: Scalar, const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [T; M], &[T; N]); L],
    w: &[[T; M]; N],
) {
    T::matvec_transpose_acc_lanes(lanes, w);
}

/// `z += W x` for `W` stored by columns, `w_t = W^T` (`w_t[j]`: the weights on input `j`):
/// the product of a prepared stream ([`crate::stream::Stream`]), one contiguous
/// multiply-add per input and no horizontal sums. The sums are grouped differently from
/// [`matvec_acc`], so the two may differ in the last bits.
#[inline]
pub fn matvec_columns_acc<T: Scalar, const M: usize, const N: usize>(
    z: &mut [T; N],
    w_t: &[[T; N]; M],
    x: &[T; M],
) {
    T::matvec_columns_acc(z, w_t, x);
}

/// `z += W x` for several lanes (`lanes[l] = (z, x)`) with `W` stored by columns (`w_t`, as
/// for [`matvec_columns_acc`]): each column read once for all the lanes where a kernel can
/// (`f32` with AVX-512, 16 outputs or more). The sums are grouped as the kernel groups them,
/// which may differ from [`matvec_columns_acc`] lane by lane in the last bits.
#[inline]
pub fn matvec_columns_acc_lanes<T: Scalar, const M: usize, const N: usize, const L: usize>(
    lanes: &mut [(&mut [T; N], &[T; M]); L],
    w_t: &[[T; N]; M],
) {
    T::matvec_columns_acc_lanes(lanes, w_t);
}

/// `z += W x` for several lanes with `W` by columns ([`matvec_columns_acc_lanes`]), written
/// like [`matvec_columns_acc_in_registers`] for code compiled with FMA: blocks of `BLOCK`
/// outputs, one set of accumulators per lane (`BLOCK * L` values must fit in the register
/// file), each output summed from its start through the inputs in order by fused
/// multiply-adds. Each column's block is loaded once for the `L` lanes.
#[cfg(all(target_arch = "x86_64", any(feature = "std", test)))]
#[inline(always)]
pub(crate) fn matvec_columns_acc_lanes_in_registers<
    T: Scalar,
    const M: usize,
    const N: usize,
    const BLOCK: usize,
    const L: usize,
>(
    lanes: &mut [(&mut [T; N], &[T; M]); L],
    w_t: &[[T; N]; M],
) {
    const { assert!(BLOCK > 0) };
    let mut row = 0;
    while row < N {
        let len = BLOCK.min(N - row);
        let mut sums = [[T::zero(); BLOCK]; L];
        for (sums, (z, _)) in sums.iter_mut().zip(lanes.iter()) {
            sums[..len].copy_from_slice(&z[row..row + len]);
        }
        for (j, column) in w_t.iter().enumerate() {
            let column = &column[row..row + len];
            for (sums, (_, x)) in sums.iter_mut().zip(lanes.iter()) {
                let value = x[j];
                for k in 0..len {
                    sums[k] = column[k].mul_add(value, sums[k]);
                }
            }
        }
        for (sums, (z, _)) in sums.iter().zip(lanes.iter_mut()) {
            z[row..row + len].copy_from_slice(&sums[..len]);
        }
        row += BLOCK;
    }
}

/// `z += W x` for `W` stored by columns, written for code compiled with FMA for a known
/// register file (a function with `#[target_feature]`, into which this is inlined): plain
/// loops the compiler vectorizes, over blocks of `BLOCK` outputs whose accumulators stay in
/// registers through all the inputs, with the inputs dealt round-robin to `SETS` sets of
/// accumulators summed pairwise at the end. More sets shorten the chain of dependent
/// multiply-adds (what a recurrent step waits on) but take more registers: `BLOCK * SETS`
/// values must fit in the register file. Each input is loaded on its own. (Written with
/// intrinsics, broadcasts of two neighbouring inputs became one 8-byte load split by a
/// shuffle; when the input had just been copied in 16-byte pieces, as generated code
/// copies a network's input, a load across two of them cannot be served from the store
/// buffer and waits for both to reach the cache: a fifth of a GRU-16 stream step.)
#[inline(always)]
pub(crate) fn matvec_columns_acc_in_registers<
    T: Scalar,
    const M: usize,
    const N: usize,
    const BLOCK: usize,
    const SETS: usize,
>(
    z: &mut [T; N],
    w_t: &[[T; N]; M],
    x: &[T; M],
) {
    const { assert!(SETS.is_power_of_two() && BLOCK > 0) };
    let mut row = 0;
    while row < N {
        let len = BLOCK.min(N - row);
        let mut sets = [[T::zero(); BLOCK]; SETS];
        sets[0][..len].copy_from_slice(&z[row..row + len]);
        let rounds = M / SETS;
        for round in 0..rounds {
            for (set, sums) in sets.iter_mut().enumerate() {
                let j = round * SETS + set;
                let (column, value) = (&w_t[j][row..row + len], x[j]);
                for k in 0..len {
                    sums[k] = column[k].mul_add(value, sums[k]);
                }
            }
        }
        for j in rounds * SETS..M {
            let (column, value) = (&w_t[j][row..row + len], x[j]);
            for k in 0..len {
                sets[0][k] = column[k].mul_add(value, sets[0][k]);
            }
        }
        let mut width = SETS;
        while width > 1 {
            width /= 2;
            let (low, high) = sets.split_at_mut(width);
            for (sums, others) in low.iter_mut().zip(high.iter()) {
                for k in 0..len {
                    sums[k] = sums[k] + others[k];
                }
            }
        }
        z[row..row + len].copy_from_slice(&sets[0][..len]);
        row += BLOCK;
    }
}

/// `z += W x` for `W` stored by columns, for code compiled without fused multiply-adds:
/// blocks of sixteen outputs whose sums stay in registers through all the inputs. The same
/// bits as an axpy per column (each output summed input by input, `z + w x` rounded twice),
/// but an axpy per column reads and writes `z` once per input, a chain through memory that
/// made a 64-32 layer's product 1.6 times slower than the dot products of rows.
#[inline(always)]
pub(crate) fn matvec_columns_acc_plain<T: Scalar, const M: usize, const N: usize>(
    z: &mut [T; N],
    w_t: &[[T; N]; M],
    x: &[T; M],
) {
    const BLOCK: usize = 16;
    let mut row = 0;
    while row < N {
        let len = BLOCK.min(N - row);
        let mut sums = [T::zero(); BLOCK];
        sums[..len].copy_from_slice(&z[row..row + len]);
        for (column, &value) in w_t.iter().zip(x) {
            for (sum, &w) in sums[..len].iter_mut().zip(&column[row..row + len]) {
                *sum = *sum + w * value;
            }
        }
        z[row..row + len].copy_from_slice(&sums[..len]);
        row += BLOCK;
    }
}

/// `W^T`: a matrix of `N` rows of `M` turned into `M` rows of `N`, as
/// [`matvec_columns_acc`] reads it.
#[inline]
#[must_use]
pub fn transpose<T: Scalar, const M: usize, const N: usize>(w: &[[T; M]; N]) -> [[T; N]; M] {
    let mut w_t = [[T::zero(); N]; M];
    transpose_into(&mut w_t, w);
    w_t
}

/// `w_t = W^T`, written into `w_t` ([`transpose`] in place: a batch's copy of its matrices
/// by columns, filled where it lives).
#[inline]
pub fn transpose_into<T: Scalar, const M: usize, const N: usize>(
    w_t: &mut [[T; N]; M],
    w: &[[T; M]; N],
) {
    T::transpose_into(w, w_t);
}

/// `g += dz x^T`: the gradient of a dense edge's weight matrix.
#[inline]
pub fn outer_acc<T: Scalar, const M: usize, const N: usize>(
    g: &mut [[T; M]; N],
    dz: &[T; N],
    x: &[T; M],
) {
    T::outer_acc(g, dz, x);
}

/// `g += dz[0] x[0]^T + dz[1] x[1]^T + ...` with `x[s] = source(&samples[s])`: the gradient
/// of a dense edge's weight matrix summed over several samples (as many as the shorter of
/// `dz` and `samples`). Each row of `g` is read and written once for all of them instead of
/// once per sample, and every element is summed sample by sample in order, rounding exactly
/// as one [`outer_acc`] per sample would.
#[inline]
pub fn outer_acc_batch<T: Scalar, S, const M: usize, const N: usize>(
    g: &mut [[T; M]; N],
    dz: &[[T; N]],
    samples: &[S],
    source: impl Fn(&S) -> &[T; M],
) {
    T::outer_acc_batch(g, dz, samples, source);
}

/// `y += a * s`, element by element.
#[inline]
pub fn axpy<T: Scalar, const N: usize>(y: &mut [T; N], a: &[T; N], s: T) {
    for (y, &a) in y.iter_mut().zip(a) {
        *y = *y + a * s;
    }
}

/// `a s`, element by element: the first share of a gradient that a scalar sends back
/// through a vector of weights (the next ones are added by [`axpy`]).
#[inline]
pub fn scale<T: Scalar, const N: usize>(a: &[T; N], s: T) -> [T; N] {
    core::array::from_fn(|j| a[j] * s)
}

/// `y += a`, element by element.
#[inline]
pub fn add_assign<T: Scalar, const N: usize>(y: &mut [T; N], a: &[T; N]) {
    for (y, &a) in y.iter_mut().zip(a) {
        *y = *y + a;
    }
}

/// `w = w - learning_rate * (dz x^T)`: a dense edge's SGD update from its gradient, written
/// in place without the gradient matrix. Each element is rounded as the gradient and then
/// [`crate::sgd_update`] would round it, so the fused step takes the same step exactly.
#[inline]
pub fn sgd_outer<T: Scalar, const M: usize, const N: usize>(
    w: &mut [[T; M]; N],
    dz: &[T; N],
    x: &[T; M],
    learning_rate: T,
) {
    T::sgd_outer(w, dz, x, learning_rate);
}

/// `w = w - learning_rate * (a s)`, element by element: the SGD update of a weight vector
/// whose gradient is `a s` (see [`sgd_outer`]).
#[inline]
pub fn sgd_axpy<T: Scalar, const N: usize>(w: &mut [T; N], a: &[T; N], s: T, learning_rate: T) {
    for (w, &a) in w.iter_mut().zip(a) {
        *w = *w - learning_rate * (a * s);
    }
}

/// `w = w - learning_rate * g`, element by element: the SGD update of a bias vector.
#[inline]
pub fn sgd_sub<T: Scalar, const N: usize>(w: &mut [T; N], g: &[T; N], learning_rate: T) {
    for (w, &g) in w.iter_mut().zip(g) {
        *w = *w - learning_rate * g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: [[f64; 3]; 2] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];

    /// [`matvec_columns_acc_plain`] against an axpy per column, bit for bit, on `N` outputs.
    fn check_plain_columns<const M: usize, const N: usize>() {
        let w_t: [[f64; N]; M] = core::array::from_fn(|j| {
            core::array::from_fn(|r| ((r * 7 + j * 3) % 13) as f64 * 0.37 - 2.1)
        });
        let x: [f64; M] = core::array::from_fn(|j| (j as f64 * 0.61).sin());
        let start: [f64; N] = core::array::from_fn(|r| r as f64 * 0.1 - 1.0);
        let mut by_axpy = start;
        for (column, &value) in w_t.iter().zip(&x) {
            axpy(&mut by_axpy, column, value);
        }
        let mut plain = start;
        matvec_columns_acc_plain(&mut plain, &w_t, &x);
        for (r, (a, b)) in plain.iter().zip(&by_axpy).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "M={M} N={N} output {r}");
        }
    }

    #[test]
    fn the_plain_product_by_columns_is_an_axpy_per_column() {
        check_plain_columns::<5, 37>();
        check_plain_columns::<64, 32>();
        check_plain_columns::<3, 16>();
        check_plain_columns::<7, 1>();
        check_plain_columns::<0, 9>();
    }

    /// A dot product is its terms added one by one, signed zeros included: a sum of terms
    /// that are all -0.0 is -0.0 (it would be +0.0 from a start at +0.0), in the lanes'
    /// sums and in the tail alike.
    #[test]
    fn a_dot_product_of_negative_zeros_is_negative_zero() {
        let short = dot(&[0.0_f32, -0.0], &[-1.0, 2.0]);
        assert_eq!(short.to_bits(), (-0.0_f32).to_bits());
        let long = dot(&[0.0_f64; 19], &[-1.0; 19]);
        assert_eq!(long.to_bits(), (-0.0_f64).to_bits());
        assert_eq!(
            dot(&[0.0_f32, 1.0], &[-1.0, -0.0]).to_bits(),
            (-0.0_f32).to_bits()
        );
        assert_eq!(
            dot(&[0.0_f32, 1.0], &[-1.0, 0.0]).to_bits(),
            0.0_f32.to_bits()
        );
    }

    #[test]
    fn kernels_match_the_textbook_definitions() {
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);

        let mut z = [1.0, -1.0];
        matvec_acc(&mut z, &W, &[1.0, 0.0, -1.0]);
        assert_eq!(z, [1.0 - 2.0, -1.0 - 2.0]);

        let mut dx = [0.0; 3];
        matvec_transpose_acc(&mut dx, &W, &[1.0, 2.0]);
        assert_eq!(dx, [9.0, 12.0, 15.0]);

        let w_t = [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]];
        assert_eq!(transpose(&W), w_t);
        let mut into = [[f64::NAN; 2]; 3];
        transpose_into(&mut into, &W);
        assert_eq!(into, w_t);

        let mut g = [[0.0; 3]; 2];
        outer_acc(&mut g, &[1.0, 2.0], &[3.0, 4.0, 5.0]);
        assert_eq!(g, [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]);

        let mut batch = [[0.0; 3]; 2];
        let samples = [[3.0, 4.0, 5.0], [1.0, 0.0, -1.0]];
        outer_acc_batch(&mut batch, &[[1.0, 2.0], [2.0, -1.0]], &samples, |x| x);
        assert_eq!(batch, [[5.0, 4.0, 3.0], [5.0, 8.0, 11.0]]);

        assert_eq!(scale(&[2.0, -3.0], 2.0), [4.0, -6.0]);
        let mut y = [1.0, 1.0];
        axpy(&mut y, &[2.0, 3.0], 2.0);
        assert_eq!(y, [5.0, 7.0]);
        add_assign(&mut y, &[1.0, -7.0]);
        assert_eq!(y, [6.0, 0.0]);
    }
}
