//! The floating-point types a network can be declared over.

use core::fmt::{Debug, Display};

use num_traits::Float;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The two scalar types, as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

/// A floating-point type a network computes in: `f32` or `f64`.
///
/// The trait is sealed: `network!` accepts exactly these two types, and generated code
/// relies on them being plain IEEE floats laid out without padding.
pub trait Scalar:
    Float + Default + Debug + Display + Send + Sync + 'static + sealed::Sealed
{
    /// The type's name as written in Rust source (`"f32"` or `"f64"`).
    const NAME: &'static str;

    /// Which of the two types it is, for code that must choose (a file's dtype).
    const KIND: ScalarKind;

    /// Converts from `f64`, rounding to the nearest representable value.
    fn from_f64(value: f64) -> Self;

    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;

    /// `e^x` by a branch-free kernel that vectorizes; see [`crate::activation::fast`].
    fn fast_exp(self) -> Self;

    /// The largest `|v|` of `values`, or an infinity or NaN if any `v` is one (zero for
    /// none): the training guard's pass over a layer's deltas or sources. For `f32` by the
    /// integer maximum of the magnitudes' bits, which orders finite magnitudes as their
    /// values and puts infinity and NaN above them all: an associative maximum with no NaN
    /// rules, which the compiler vectorizes (a floating-point one it may not reorder).
    #[doc(hidden)]
    fn largest_magnitude<const N: usize>(values: &[Self; N]) -> Self;

    /// `ln(1 + t)` for `t` in `[0, 1]` by a branch-free kernel that vectorizes.
    fn fast_ln_1p_unit(self) -> Self;

    /// `tanh x` by a branch-free kernel that vectorizes; see [`crate::activation::fast`].
    fn fast_tanh(self) -> Self;

    /// `tanh x` as [`Scalar::fast_tanh`], by fused multiply-adds for `f32`: for code
    /// compiled with FMA (a prepared stream's gates).
    #[doc(hidden)]
    #[inline(always)]
    fn fused_tanh(self) -> Self {
        self.fast_tanh()
    }

    /// The logistic function from [`Scalar::fused_tanh`] for `f32`: for code compiled with
    /// FMA (a prepared stream's gates).
    #[doc(hidden)]
    #[inline(always)]
    fn fused_sigmoid(self) -> Self {
        crate::activation::fast::sigmoid(self)
    }

    /// A prepared stream's GRU step under `precision fast` by this type's own kernel for
    /// the CPU it runs on (`f32` with AVX-512); `false`, with nothing written, where there
    /// is none. See [`crate::cell::gru_step_by_columns`].
    #[doc(hidden)]
    #[inline(always)]
    fn gru_stream_kernel<const I: usize, const H: usize, const G: usize>(
        h: &mut [Self; H],
        input: crate::cell::StreamInput<'_, Self, I, G>,
        recurrence: crate::cell::Recurrence<'_, Self, H, G>,
    ) -> bool {
        let _ = (h, input, recurrence);
        false
    }

    /// [`Scalar::gru_stream_kernel`] for an LSTM step.
    #[doc(hidden)]
    #[inline(always)]
    fn lstm_stream_kernel<const I: usize, const H: usize, const G: usize>(
        c: &mut [Self; H],
        h: &mut [Self; H],
        previous_c: &[Self; H],
        input: crate::cell::StreamInput<'_, Self, I, G>,
        recurrence: crate::cell::Recurrence<'_, Self, H, G>,
    ) -> bool {
        let _ = (c, h, previous_c, input, recurrence);
        false
    }

    /// `z += W x` ([`crate::dense::matvec_acc`]): for `f32` on x86-64 by explicit SIMD.
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_acc<const M: usize, const N: usize>(
        z: &mut [Self; N],
        w: &[[Self; M]; N],
        x: &[Self; M],
    ) {
        for (z, row) in z.iter_mut().zip(w) {
            *z = *z + crate::dense::dot(row, x);
        }
    }

    /// `z += W x` lane by lane ([`crate::dense::matvec_acc_lanes`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; M]); L],
        w: &[[Self; M]; N],
    ) {
        for (z, x) in lanes.iter_mut() {
            Self::matvec_acc(z, w, x);
        }
    }

    /// `dx += W^T dz` ([`crate::dense::matvec_transpose_acc`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_transpose_acc<const M: usize, const N: usize>(
        dx: &mut [Self; M],
        w: &[[Self; M]; N],
        dz: &[Self; N],
    ) {
        for (row, &dz) in w.iter().zip(dz) {
            crate::dense::axpy(dx, row, dz);
        }
    }

    /// `W^T dz` into a fresh array ([`crate::dense::matvec_transpose`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_transpose<const M: usize, const N: usize>(
        w: &[[Self; M]; N],
        dz: &[Self; N],
    ) -> [Self; M] {
        let mut dx = [Self::zero(); M];
        Self::matvec_transpose_acc(&mut dx, w, dz);
        dx
    }

    /// `dx += W^T dz` lane by lane ([`crate::dense::matvec_transpose_acc_lanes`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_transpose_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; M], &[Self; N]); L],
        w: &[[Self; M]; N],
    ) {
        for (dx, dz) in lanes.iter_mut() {
            Self::matvec_transpose_acc(dx, w, dz);
        }
    }

    /// `z += W x` with `W` stored by columns ([`crate::dense::matvec_columns_acc`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_columns_acc<const M: usize, const N: usize>(
        z: &mut [Self; N],
        w_t: &[[Self; N]; M],
        x: &[Self; M],
    ) {
        crate::dense::matvec_columns_acc_plain(z, w_t, x);
    }

    /// `z += W x` lane by lane with `W` by columns
    /// ([`crate::dense::matvec_columns_acc_lanes`]).
    #[doc(hidden)]
    #[inline(always)]
    fn matvec_columns_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; M]); L],
        w_t: &[[Self; N]; M],
    ) {
        for (z, x) in lanes.iter_mut() {
            Self::matvec_columns_acc(z, w_t, x);
        }
    }

    /// `h = tanh z` by the fast kernel for each lane `(h, z)`
    /// ([`crate::activation::fast::tanh_lanes`]).
    #[doc(hidden)]
    #[inline(always)]
    fn fast_tanh_lanes<const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; N]); L],
    ) {
        crate::activation::fast::tanh_layer_lanes(lanes);
    }

    /// `w_t = w^T` ([`crate::dense::transpose`]).
    #[doc(hidden)]
    #[inline(always)]
    fn transpose_into<const M: usize, const N: usize>(
        w: &[[Self; M]; N],
        w_t: &mut [[Self; N]; M],
    ) {
        for (r, row) in w.iter().enumerate() {
            for (column, &value) in w_t.iter_mut().zip(row) {
                column[r] = value;
            }
        }
    }

    /// `g += dz x^T` ([`crate::dense::outer_acc`]).
    #[doc(hidden)]
    #[inline(always)]
    fn outer_acc<const M: usize, const N: usize>(
        g: &mut [[Self; M]; N],
        dz: &[Self; N],
        x: &[Self; M],
    ) {
        for (row, &dz) in g.iter_mut().zip(dz) {
            crate::dense::axpy(row, x, dz);
        }
    }

    /// `g += dz[0] x[0]^T + ...` over samples ([`crate::dense::outer_acc_batch`]).
    #[doc(hidden)]
    #[inline(always)]
    fn outer_acc_batch<S, const M: usize, const N: usize>(
        g: &mut [[Self; M]; N],
        dz: &[[Self; N]],
        samples: &[S],
        source: impl Fn(&S) -> &[Self; M],
    ) {
        for (dz, sample) in dz.iter().zip(samples) {
            Self::outer_acc(g, dz, source(sample));
        }
    }

    /// `w = w - learning_rate * (dz x^T)` ([`crate::dense::sgd_outer`]).
    #[doc(hidden)]
    #[inline(always)]
    fn sgd_outer<const M: usize, const N: usize>(
        w: &mut [[Self; M]; N],
        dz: &[Self; N],
        x: &[Self; M],
        learning_rate: Self,
    ) {
        for (row, &dz) in w.iter_mut().zip(dz) {
            crate::dense::sgd_axpy(row, x, dz, learning_rate);
        }
    }
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    const KIND: ScalarKind = ScalarKind::F32;

    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn fast_exp(self) -> Self {
        crate::fast::exp_f32(self)
    }

    #[inline(always)]
    fn largest_magnitude<const N: usize>(values: &[f32; N]) -> f32 {
        let bits = values
            .iter()
            .fold(0, |largest: u32, v| largest.max(v.to_bits() & !(1 << 31)));
        f32::from_bits(bits)
    }

    #[inline(always)]
    fn fast_ln_1p_unit(self) -> Self {
        crate::fast::ln_1p_unit_f32(self)
    }

    #[inline(always)]
    fn fast_tanh(self) -> Self {
        crate::fast::tanh_f32(self)
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn fused_tanh(self) -> Self {
        crate::fast::tanh_f32_fused(self)
    }

    #[cfg(feature = "std")]
    #[inline(always)]
    fn fused_sigmoid(self) -> Self {
        crate::fast::sigmoid_f32_fused(self)
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn gru_stream_kernel<const I: usize, const H: usize, const G: usize>(
        h: &mut [Self; H],
        input: crate::cell::StreamInput<'_, Self, I, G>,
        recurrence: crate::cell::Recurrence<'_, Self, H, G>,
    ) -> bool {
        if !crate::simd::has_avx512() {
            return false;
        }
        const { assert!(G == 3 * H) };
        // SAFETY: the CPU has just been found to have the features; `G == 3 * H`.
        unsafe { crate::simd::stream::gru(h, input, recurrence) };
        true
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn lstm_stream_kernel<const I: usize, const H: usize, const G: usize>(
        c: &mut [Self; H],
        h: &mut [Self; H],
        previous_c: &[Self; H],
        input: crate::cell::StreamInput<'_, Self, I, G>,
        recurrence: crate::cell::Recurrence<'_, Self, H, G>,
    ) -> bool {
        if !crate::simd::has_avx512() {
            return false;
        }
        const { assert!(G == 4 * H) };
        // SAFETY: the CPU has just been found to have the features; `G == 4 * H`.
        unsafe { crate::simd::stream::lstm(c, h, previous_c, input, recurrence) };
        true
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_acc<const M: usize, const N: usize>(
        z: &mut [Self; N],
        w: &[[Self; M]; N],
        x: &[Self; M],
    ) {
        crate::simd::matvec_acc(z, w, x);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; M]); L],
        w: &[[Self; M]; N],
    ) {
        crate::simd::matvec_acc_lanes(lanes, w);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_transpose_acc<const M: usize, const N: usize>(
        dx: &mut [Self; M],
        w: &[[Self; M]; N],
        dz: &[Self; N],
    ) {
        crate::simd::matvec_transpose_acc(dx, w, dz);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_transpose<const M: usize, const N: usize>(
        w: &[[Self; M]; N],
        dz: &[Self; N],
    ) -> [Self; M] {
        crate::simd::matvec_transpose(w, dz)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_transpose_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; M], &[Self; N]); L],
        w: &[[Self; M]; N],
    ) {
        crate::simd::matvec_transpose_acc_lanes(lanes, w);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_columns_acc<const M: usize, const N: usize>(
        z: &mut [Self; N],
        w_t: &[[Self; N]; M],
        x: &[Self; M],
    ) {
        crate::simd::matvec_columns_acc(z, w_t, x);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn matvec_columns_acc_lanes<const M: usize, const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; M]); L],
        w_t: &[[Self; N]; M],
    ) {
        crate::simd::matvec_columns_acc_lanes(lanes, w_t);
    }

    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    #[inline(always)]
    fn fast_tanh_lanes<const N: usize, const L: usize>(
        lanes: &mut [(&mut [Self; N], &[Self; N]); L],
    ) {
        crate::simd::tanh_lanes(lanes);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn transpose_into<const M: usize, const N: usize>(
        w: &[[Self; M]; N],
        w_t: &mut [[Self; N]; M],
    ) {
        crate::simd::transpose_into(w, w_t);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn outer_acc<const M: usize, const N: usize>(
        g: &mut [[Self; M]; N],
        dz: &[Self; N],
        x: &[Self; M],
    ) {
        crate::simd::outer_acc(g, dz, x);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn outer_acc_batch<S, const M: usize, const N: usize>(
        g: &mut [[Self; M]; N],
        dz: &[[Self; N]],
        samples: &[S],
        source: impl Fn(&S) -> &[Self; M],
    ) {
        crate::simd::outer_acc_batch(g, dz, samples, source);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn sgd_outer<const M: usize, const N: usize>(
        w: &mut [[Self; M]; N],
        dz: &[Self; N],
        x: &[Self; M],
        learning_rate: Self,
    ) {
        crate::simd::sgd_outer(w, dz, x, learning_rate);
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    const KIND: ScalarKind = ScalarKind::F64;

    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn fast_exp(self) -> Self {
        crate::fast::exp_f64(self)
    }

    #[inline(always)]
    fn largest_magnitude<const N: usize>(values: &[f64; N]) -> f64 {
        // Not by the bits, as `f32`: SSE2 has no 64-bit integer maximum (nor comparison),
        // and its emulation cost more than this comparison and select per value, plus a
        // sum of `v * 0` that is NaN once any `v` is NaN or infinite.
        let (largest, poison) = values.iter().fold((0.0, 0.0), |(largest, poison), &v| {
            let magnitude = v.abs();
            let largest = if magnitude > largest {
                magnitude
            } else {
                largest
            };
            (largest, poison + v * 0.0)
        });
        largest + poison
    }

    #[inline(always)]
    fn fast_ln_1p_unit(self) -> Self {
        crate::fast::ln_1p_unit_f64(self)
    }

    #[inline(always)]
    fn fast_tanh(self) -> Self {
        // `1 - 2 / (e^2x + 1)`: absolutely accurate to about one f64 ulp of 1, which is
        // what f64 networks need; near zero its relative error grows (BENCHMARKS.md).
        1.0 - 2.0 / ((self + self).fast_exp() + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Scalar;

    #[test]
    fn the_largest_magnitude_is_the_largest_absolute_value() {
        assert_eq!(f32::largest_magnitude(&[]), 0.0);
        assert_eq!(f32::largest_magnitude(&[-0.0, 0.0]).to_bits(), 0);
        assert_eq!(f32::largest_magnitude(&[0.5, -3.25, 3.0, 1e-40]), 3.25);
        assert_eq!(f32::largest_magnitude(&[1e-45, -2e-45]), 2e-45);
        assert_eq!(f32::largest_magnitude(&[-f32::MAX, 1.0]), f32::MAX);
        assert_eq!(f64::largest_magnitude(&[0.5, -7.5, 7.0]), 7.5);
        assert_eq!(
            f64::largest_magnitude(&[f64::MIN_POSITIVE, -1e-300]),
            1e-300
        );
    }

    #[test]
    fn any_infinity_or_nan_makes_the_largest_magnitude_not_finite() {
        let cases: [[f32; 3]; 4] = [
            [1.0, f32::INFINITY, -2.0],
            [f32::NEG_INFINITY, 1.0, 2.0],
            [1.0, 2.0, f32::NAN],
            [-f32::NAN, f32::INFINITY, 3.0],
        ];
        for values in cases {
            assert!(!f32::largest_magnitude(&values).is_finite(), "{values:?}");
            let wide = values.map(f64::from);
            assert!(!f64::largest_magnitude(&wide).is_finite(), "{wide:?}");
        }
        // A NaN is found wherever it is, before or after an infinity.
        assert!(f32::largest_magnitude(&[f32::NAN, f32::INFINITY]).is_nan());
        assert!(f64::largest_magnitude(&[f64::INFINITY, f64::NAN]).is_nan());
    }
}
