//! Activation functions and the local derivatives that are not plain arithmetic.
//!
//! Generated code calls these for the forward pass of a neuron and, where a derivative
//! cannot be written from the neuron's own output, for its backward pass. Derivatives that
//! reuse the forward value (`exp' = h`, `sigmoid' = h (1 - h)`, `tanh' = 1 - h^2`) are written
//! inline by the macro instead, so `cargo expand` shows them.
//!
//! Every function is generic over [`Scalar`] and `#[inline]`, so a network over `f32`
//! computes in `f32` throughout.

use crate::Scalar;

/// `e^z`.
#[inline]
pub fn exp<T: Scalar>(z: T) -> T {
    z.exp()
}

/// `ln z`.
#[inline]
pub fn ln<T: Scalar>(z: T) -> T {
    z.ln()
}

/// `sqrt z`.
#[inline]
pub fn sqrt<T: Scalar>(z: T) -> T {
    z.sqrt()
}

/// `|z|`.
#[inline]
pub fn abs<T: Scalar>(z: T) -> T {
    z.abs()
}

/// The sign of `z`: `-1`, `0` (at zero, unlike `f64::signum`) or `1`; the derivative of
/// [`abs`].
#[inline]
pub fn sign<T: Scalar>(z: T) -> T {
    if z > T::zero() {
        T::one()
    } else if z < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// `z^n` for an integer `n`.
#[inline]
pub fn powi<T: Scalar>(z: T, n: i32) -> T {
    z.powi(n)
}

/// `sin z`.
#[inline]
pub fn sin<T: Scalar>(z: T) -> T {
    z.sin()
}

/// `cos z`.
#[inline]
pub fn cos<T: Scalar>(z: T) -> T {
    z.cos()
}

/// `tanh z`.
#[inline]
pub fn tanh<T: Scalar>(z: T) -> T {
    z.tanh()
}

/// The logistic function `1 / (1 + e^-z)`, evaluated without overflow for any `z`.
#[inline]
pub fn sigmoid<T: Scalar>(z: T) -> T {
    // e^-|z| never overflows; the two branches are the same function rearranged.
    let e = (-z.abs()).exp();
    if z >= T::zero() {
        T::one() / (T::one() + e)
    } else {
        e / (T::one() + e)
    }
}

/// `max(z, 0)`.
#[inline]
pub fn relu<T: Scalar>(z: T) -> T {
    // Written so that NaN falls through to `z`: a NaN input gives a NaN output, not a
    // confident zero.
    if z <= T::zero() {
        T::zero()
    } else {
        z
    }
}

/// The derivative of [`relu`]: `1` for `z > 0`, else `0` (so `0` exactly at `z = 0`).
#[inline]
pub fn relu_derivative<T: Scalar>(z: T) -> T {
    if z > T::zero() {
        T::one()
    } else {
        T::zero()
    }
}

/// The slope of [`leaky_relu`] for negative inputs.
pub const LEAKY_RELU_SLOPE: f64 = 0.01;

/// `z` for `z > 0`, else `0.01 z`.
#[inline]
pub fn leaky_relu<T: Scalar>(z: T) -> T {
    if z > T::zero() {
        z
    } else {
        T::from_f64(LEAKY_RELU_SLOPE) * z
    }
}

/// The derivative of [`leaky_relu`]: `1` for `z > 0`, else `0.01`.
#[inline]
pub fn leaky_relu_derivative<T: Scalar>(z: T) -> T {
    if z > T::zero() {
        T::one()
    } else {
        T::from_f64(LEAKY_RELU_SLOPE)
    }
}

/// `ln(1 + e^z)`, evaluated without overflow for any `z`.
///
/// Its derivative is [`sigmoid`].
#[inline]
pub fn softplus<T: Scalar>(z: T) -> T {
    // ln(1 + e^z) = max(z, 0) + ln(1 + e^-|z|); the second term never overflows.
    relu(z) + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_and_leaky_relu_propagate_nan() {
        assert!(relu(f64::NAN).is_nan());
        assert!(relu(f32::NAN).is_nan());
        assert!(leaky_relu(f64::NAN).is_nan());
        assert_eq!(relu(-2.0_f64), 0.0);
        assert_eq!(relu(0.0_f64).to_bits(), 0.0_f64.to_bits());
        assert_eq!(relu(-0.0_f64).to_bits(), 0.0_f64.to_bits());
        assert_eq!(relu(1.5_f32), 1.5);
    }

    #[test]
    fn sigmoid_is_finite_and_exact_at_extremes() {
        assert_eq!(sigmoid(0.0_f64), 0.5);
        assert_eq!(sigmoid(800.0_f64), 1.0);
        assert_eq!(sigmoid(-800.0_f64), 0.0);
        assert!((sigmoid(2.0_f64) - 1.0 / (1.0 + (-2.0_f64).exp())).abs() < 1e-16);
        assert!((sigmoid(-3.0_f32) - 1.0 / (1.0 + 3.0_f32.exp())).abs() < 1e-7);
    }

    #[test]
    fn softplus_matches_definition_and_does_not_overflow() {
        for z in [-5.0_f64, -0.5, 0.0, 0.5, 5.0] {
            assert!((softplus(z) - (1.0 + z.exp()).ln()).abs() < 1e-15);
        }
        assert_eq!(softplus(1000.0_f64), 1000.0);
        assert_eq!(softplus(-1000.0_f64), 0.0);
    }

    #[test]
    fn relu_family_at_zero() {
        assert_eq!(relu(0.0_f64), 0.0);
        assert_eq!(relu_derivative(0.0_f64), 0.0);
        assert_eq!(relu_derivative(1e-300_f64), 1.0);
        assert_eq!(leaky_relu(-2.0_f64), -0.02);
        assert_eq!(leaky_relu_derivative(0.0_f64), 0.01);
        assert_eq!(leaky_relu_derivative(3.0_f32), 1.0);
    }
}

/// Fast, vectorizable versions of the transcendental activations, for networks declared
/// with `precision fast;`. Branch-free, so that a loop over a layer compiles to SIMD code;
/// their largest errors against the standard library, measured over the whole range by
/// `cargo run --release --example activation_errors`, are listed in BENCHMARKS.md.
pub mod fast {
    use crate::Scalar;

    /// `e^x`, saturating instead of overflowing: about `2.5e38` (`f32`) or `8.2e307`
    /// (`f64`) at most, about `1.2e-38` or `3.3e-308` at least.
    #[inline(always)]
    pub fn exp<T: Scalar>(x: T) -> T {
        x.fast_exp()
    }

    /// `tanh x`: `1 - 2 / (e^(2x) + 1)`, and for `f32` near zero an odd polynomial, so
    /// that its error is small relative to the result everywhere.
    #[inline(always)]
    pub fn tanh<T: Scalar>(x: T) -> T {
        x.fast_tanh()
    }

    /// [`tanh`] by fused multiply-adds for `f32`, with a shorter chain of dependent
    /// operations (the same error bound; it may differ in the last bit): for code compiled
    /// with FMA, where the generated code of a `precision fast` layer calls it (elsewhere
    /// `mul_add` would be a library call, and the layer calls [`tanh`]).
    #[doc(hidden)]
    #[inline(always)]
    pub fn tanh_fused<T: Scalar>(x: T) -> T {
        x.fused_tanh()
    }

    /// `h = tanh z` for each lane `(h, z)` of a forward pass in lockstep, as a `precision
    /// fast` layer computes it: for `f32` with AVX-512, sixteen values per register and the
    /// division by a reciprocal estimate and one Newton step (within 3.3e-7 relative,
    /// BENCHMARKS.md); elsewhere lane by lane as [`tanh_layer_lanes`].
    #[doc(hidden)]
    #[inline(always)]
    pub fn tanh_lanes<T: Scalar, const N: usize, const L: usize>(
        lanes: &mut [(&mut [T; N], &[T; N]); L],
    ) {
        T::fast_tanh_lanes(lanes);
    }

    /// [`tanh_lanes`] one lane at a time, each lane as a layer's `tanh` in a pass for one
    /// sample: [`tanh_fused`] compiled for AVX2 and FMA where the CPU has them, [`tanh`]
    /// otherwise.
    #[doc(hidden)]
    #[inline(always)]
    pub fn tanh_layer_lanes<T: Scalar, const N: usize, const L: usize>(
        lanes: &mut [(&mut [T; N], &[T; N]); L],
    ) {
        for (h, z) in lanes.iter_mut() {
            crate::wide::wide_or_into(
                *h,
                || core::array::from_fn(|j| tanh_fused(z[j])),
                || core::array::from_fn(|j| tanh(z[j])),
            );
        }
    }

    /// The logistic function `1 / (1 + e^-x)`.
    #[inline(always)]
    pub fn sigmoid<T: Scalar>(x: T) -> T {
        T::one() / (T::one() + (-x).fast_exp())
    }

    /// `ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)`.
    #[inline(always)]
    pub fn softplus<T: Scalar>(x: T) -> T {
        x.max(T::zero()) + (-x.abs()).fast_exp().fast_ln_1p_unit()
    }
}
