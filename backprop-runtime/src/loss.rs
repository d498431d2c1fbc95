//! Loss functions over a network's outputs.
//!
//! Generated code calls these to evaluate `J`; the gradient `dJ/do` of each output is written
//! inline in the generated backward pass, where `cargo expand` shows it.

use crate::Scalar;

/// `J = sum over outputs of 1/2 (o - t)^2`, whose gradient is `dJ/do = o - t`.
#[inline]
pub fn half_squared_error<T: Scalar, const N: usize>(outputs: &[T; N], targets: &[T; N]) -> T {
    let half = T::from_f64(0.5);
    outputs
        .iter()
        .zip(targets)
        .fold(T::zero(), |sum, (&o, &t)| sum + half * (o - t) * (o - t))
}

/// `J = 1/N sum over outputs of (o - t)^2`, whose gradient is `dJ/do = 2 (o - t) / N`.
#[inline]
pub fn mean_squared_error<T: Scalar, const N: usize>(outputs: &[T; N], targets: &[T; N]) -> T {
    let sum = outputs
        .iter()
        .zip(targets)
        .fold(T::zero(), |sum, (&o, &t)| sum + (o - t) * (o - t));
    sum / T::from_f64(N as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_squared_error_sums_halves() {
        // 1/2 (1 - 0)^2 + 1/2 (2 - 4)^2 = 0.5 + 2
        assert_eq!(half_squared_error(&[1.0_f64, 2.0], &[0.0, 4.0]), 2.5);
    }

    #[test]
    fn mean_squared_error_averages() {
        // ((1 - 0)^2 + (2 - 4)^2) / 2 = 5 / 2
        assert_eq!(mean_squared_error(&[1.0_f32, 2.0], &[0.0, 4.0]), 2.5);
    }
}
