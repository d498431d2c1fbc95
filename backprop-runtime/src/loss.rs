//! Loss functions over a network's outputs.
//!
//! Generated code calls these to evaluate `J` (an element-wise loss through
//! [`sum_of_elements`] or [`mean_of_elements`], with its element written inline); the gradient
//! `dJ/do` of each output is written inline in the generated backward pass, where
//! `cargo expand` shows it.

use crate::Scalar;

/// `J = sum over outputs of element(o, t)`: the value of any element-wise loss, which
/// generated code evaluates with the loss's element written inline.
#[inline]
pub fn sum_of_elements<T: Scalar, const N: usize>(
    outputs: &[T; N],
    targets: &[T; N],
    element: impl Fn(T, T) -> T,
) -> T {
    outputs
        .iter()
        .zip(targets)
        // From -0.0, the identity of addition, so that the first addition folds away.
        .fold(T::neg_zero(), |sum, (&o, &t)| sum + element(o, t))
}

/// `J = 1/N sum over outputs of element(o, t)`: [`sum_of_elements`] divided by `N`. When
/// only the sum overflows, the elements are divided by `N` before they are added, so a mean
/// that fits the scalar type is returned as such rather than as infinity.
#[inline]
pub fn mean_of_elements<T: Scalar, const N: usize>(
    outputs: &[T; N],
    targets: &[T; N],
    element: impl Fn(T, T) -> T,
) -> T {
    let count = T::from_f64(N as f64);
    let mean = sum_of_elements(outputs, targets, &element) / count;
    if mean.is_finite() {
        return mean;
    }
    sum_of_elements(outputs, targets, |o, t| element(o, t) / count)
}

/// `J = sum over outputs of 1/2 (o - t)^2`, whose gradient is `dJ/do = o - t`.
#[inline]
pub fn half_squared_error<T: Scalar, const N: usize>(outputs: &[T; N], targets: &[T; N]) -> T {
    let half = T::from_f64(0.5);
    outputs
        .iter()
        .zip(targets)
        .fold(T::neg_zero(), |sum, (&o, &t)| {
            sum + half * (o - t) * (o - t)
        })
}

/// `J = 1/N sum over outputs of (o - t)^2`, whose gradient is `dJ/do = 2 (o - t) / N`.
#[inline]
pub fn mean_squared_error<T: Scalar, const N: usize>(outputs: &[T; N], targets: &[T; N]) -> T {
    mean_of_elements(outputs, targets, |o, t| (o - t) * (o - t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_that_fits_is_finite_even_when_the_sum_overflows() {
        // Each element is 1.96e38, under f32::MAX (3.4e38); their sum is not.
        let outputs = [1.4e19_f32, 1.4e19];
        let mean = mean_squared_error(&outputs, &[0.0, 0.0]);
        assert!(mean.is_finite(), "{mean}");
        assert!((mean / 1.96e38 - 1.0).abs() < 1e-6, "{mean}");
        // A mean that does not fit stays infinite.
        assert!(mean_squared_error(&[1e20_f32, 1e20], &[0.0, 0.0]).is_infinite());
        // In range, the result is the plain sum divided by N, bit for bit.
        let (o, t) = ([0.3_f64, -1.7, 2.2], [0.1, 0.4, -0.9]);
        let plain = o
            .iter()
            .zip(&t)
            .fold(0.0, |s, (o, t)| s + (o - t) * (o - t))
            / 3.0;
        assert_eq!(mean_squared_error(&o, &t).to_bits(), plain.to_bits());
    }

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

/// The target of a classifier: a class index, or a distribution over the classes (one-hot
/// or soft labels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassTarget<T, const N: usize> {
    /// The index of the true class, below `N`.
    Index(usize),
    /// A probability for each class; the entries should sum to 1.
    Distribution([T; N]),
}

impl<T, const N: usize> From<usize> for ClassTarget<T, N> {
    fn from(class: usize) -> Self {
        ClassTarget::Index(class)
    }
}

impl<T, const N: usize> From<[T; N]> for ClassTarget<T, N> {
    fn from(distribution: [T; N]) -> Self {
        ClassTarget::Distribution(distribution)
    }
}

impl<T: Scalar, const N: usize> ClassTarget<T, N> {
    /// Checks that an index names a class and that a distribution is finite and not
    /// negative.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidClass`] or [`crate::Error::InvalidDistribution`].
    pub fn validate(&self) -> Result<(), crate::Error> {
        match self {
            ClassTarget::Index(class) if *class >= N => Err(crate::Error::InvalidClass {
                class: *class,
                classes: N,
            }),
            ClassTarget::Distribution(p)
                if p.iter().any(|&p| !(p >= T::zero() && p.is_finite())) =>
            {
                Err(crate::Error::InvalidDistribution)
            }
            _ => Ok(()),
        }
    }

    /// The class with index `label`, from any unsigned integer type that converts to
    /// `usize` without loss (`u8` and `u16` labels, as data sets store them). A `From` impl
    /// per integer type would keep `(i % 10).into()` from inferring its integer type.
    #[must_use]
    pub fn from_label(label: impl Into<usize>) -> Self {
        ClassTarget::Index(label.into())
    }

    /// The class the target names: the index, or the most probable class of a distribution
    /// (`None` if it has a NaN).
    #[must_use]
    pub fn class(&self) -> Option<usize> {
        match self {
            ClassTarget::Index(class) => Some(*class),
            ClassTarget::Distribution(p) => argmax(p),
        }
    }

    /// The probability the target gives class `k` (1 or 0 for an index).
    #[inline]
    fn probability(&self, k: usize) -> T {
        match self {
            ClassTarget::Index(class) => {
                if *class == k {
                    T::one()
                } else {
                    T::zero()
                }
            }
            ClassTarget::Distribution(p) => p[k],
        }
    }

    /// The total probability: 1 for an index.
    #[inline]
    fn total(&self) -> T {
        match self {
            ClassTarget::Index(_) => T::one(),
            ClassTarget::Distribution(p) => p.iter().fold(T::zero(), |sum, &p| sum + p),
        }
    }
}

/// `e^(z - max z)` of every logit and their sum: shifted by the largest logit so that no
/// exponential overflows. The loss and its gradient both start here.
struct ShiftedExponentials<T, const N: usize> {
    max: T,
    exponentials: [T; N],
    sum: T,
}

impl<T: Scalar, const N: usize> ShiftedExponentials<T, N> {
    #[inline(always)]
    fn new(logits: &[T; N], exp: impl Fn(T) -> T) -> Self {
        let max = logits.iter().fold(T::neg_infinity(), |max, &z| max.max(z));
        let exponentials: [T; N] = core::array::from_fn(|k| exp(logits[k] - max));
        let sum = exponentials.iter().fold(T::neg_zero(), |sum, &e| sum + e);
        ShiftedExponentials {
            max,
            exponentials,
            sum,
        }
    }

    /// `ln sum e^z`.
    #[inline(always)]
    fn log_sum(&self) -> T {
        self.max + self.sum.ln()
    }

    /// `softmax(z)`.
    #[inline(always)]
    fn softmax(&self) -> [T; N] {
        core::array::from_fn(|k| self.exponentials[k] / self.sum)
    }
}

/// `softmax(z)_k = e^z_k / sum e^z`, computed without overflow: each exponential of the
/// logits shifted by the largest one, once (`N` exponentials, no logarithm), then divided
/// by their sum.
#[inline]
pub fn softmax<T: Scalar, const N: usize>(logits: &[T; N]) -> [T; N] {
    softmax_with(logits, T::exp)
}

/// [`softmax`] with the exponential `exp`.
#[inline(always)]
fn softmax_with<T: Scalar, const N: usize>(logits: &[T; N], exp: impl Fn(T) -> T) -> [T; N] {
    ShiftedExponentials::new(logits, exp).softmax()
}

/// Softmax cross-entropy on logits: `J = sum_k y_k (lse(z) - z_k)`, which for a class index
/// `c` is `lse(z) - z_c`. Stable for logits of any magnitude. An index out of range gives
/// NaN (a training step reports it as [`crate::Error::InvalidClass`] first).
#[inline]
pub fn softmax_cross_entropy<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> T {
    softmax_cross_entropy_with(logits, target, T::exp)
}

/// [`softmax_cross_entropy`] for `precision fast`: the exponentials by the fast kernel
/// (`activation::fast`), which vectorizes where the standard library's is a call each.
#[inline]
pub fn softmax_cross_entropy_fast<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> T {
    softmax_cross_entropy_with(logits, target, T::fast_exp)
}

/// [`softmax_cross_entropy`] with the exponential `exp`.
#[inline(always)]
fn softmax_cross_entropy_with<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
    exp: impl Fn(T) -> T,
) -> T {
    cross_entropy_of(
        logits,
        target,
        ShiftedExponentials::new(logits, exp).log_sum(),
    )
}

/// `sum_k y_k (lse(z) - z_k)` from `lse(z)`; NaN for a class index out of range.
#[inline(always)]
fn cross_entropy_of<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
    log_sum: T,
) -> T {
    match target {
        ClassTarget::Index(class) => logits.get(*class).map_or(T::nan(), |&z| log_sum - z),
        ClassTarget::Distribution(p) => logits
            .iter()
            .zip(p)
            .fold(T::zero(), |sum, (&z, &p)| sum + p * (log_sum - z)),
    }
}

/// The fused gradient of [`softmax_cross_entropy`] with respect to the logits:
/// `softmax(z) * sum(y) - y`, which is `p - y` for a target that sums to 1.
#[inline]
pub fn softmax_cross_entropy_gradient<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> [T; N] {
    softmax_cross_entropy_gradient_with(logits, target, T::exp)
}

/// [`softmax_cross_entropy_gradient`] for `precision fast`, as
/// [`softmax_cross_entropy_fast`].
#[inline]
pub fn softmax_cross_entropy_gradient_fast<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> [T; N] {
    softmax_cross_entropy_gradient_with(logits, target, T::fast_exp)
}

/// [`softmax_cross_entropy_gradient`] with the exponential `exp`.
#[inline(always)]
fn softmax_cross_entropy_gradient_with<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
    exp: impl Fn(T) -> T,
) -> [T; N] {
    gradient_of(target, &ShiftedExponentials::new(logits, exp))
}

/// `softmax(z) * sum(y) - y`; NaN for a class index out of range.
#[inline(always)]
fn gradient_of<T: Scalar, const N: usize>(
    target: &ClassTarget<T, N>,
    shifted: &ShiftedExponentials<T, N>,
) -> [T; N] {
    if let ClassTarget::Index(class) = target {
        if *class >= N {
            return [T::nan(); N];
        }
    }
    let p = shifted.softmax();
    let total = target.total();
    core::array::from_fn(|k| p[k] * total - target.probability(k))
}

/// [`softmax_cross_entropy`] and [`softmax_cross_entropy_gradient`] together, from one set
/// of exponentials: what a training pass needs of a classifier's outputs, with the same
/// bits as the two functions (each sum is taken in the same order).
#[inline]
pub fn softmax_cross_entropy_and_gradient<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> (T, [T; N]) {
    softmax_cross_entropy_and_gradient_with(logits, target, T::exp)
}

/// [`softmax_cross_entropy_and_gradient`] for `precision fast`, as
/// [`softmax_cross_entropy_fast`].
#[inline]
pub fn softmax_cross_entropy_and_gradient_fast<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
) -> (T, [T; N]) {
    softmax_cross_entropy_and_gradient_with(logits, target, T::fast_exp)
}

/// [`softmax_cross_entropy_and_gradient`] with the exponential `exp`.
#[inline(always)]
fn softmax_cross_entropy_and_gradient_with<T: Scalar, const N: usize>(
    logits: &[T; N],
    target: &ClassTarget<T, N>,
    exp: impl Fn(T) -> T,
) -> (T, [T; N]) {
    let shifted = ShiftedExponentials::new(logits, exp);
    let loss = cross_entropy_of(logits, target, shifted.log_sum());
    (loss, gradient_of(target, &shifted))
}

/// Binary cross-entropy of sigmoid outputs, from their pre-activations `z`:
/// `J = sum max(z, 0) - z t + ln(1 + e^-|z|)`, the stable form of
/// `-t ln o - (1 - t) ln(1 - o)` with `o = sigmoid(z)`. Its gradient is `dJ/dz = o - t`.
#[inline]
pub fn binary_cross_entropy_with_logits<T: Scalar, const N: usize>(
    logits: &[T; N],
    targets: &[T; N],
) -> T {
    logits.iter().zip(targets).fold(T::zero(), |sum, (&z, &t)| {
        sum + z.max(T::zero()) - z * t + (-z.abs()).exp().ln_1p()
    })
}

/// The index of the largest value (the first one on ties), or `None` if any value is NaN
/// (a NaN output means the network has no answer: its input or parameters were not
/// finite) or the array is empty.
#[inline]
pub fn argmax<T: Scalar, const N: usize>(values: &[T; N]) -> Option<usize> {
    let mut best = 0;
    let mut any_nan = false;
    for (k, &value) in values.iter().enumerate() {
        any_nan |= value.is_nan();
        if value > values[best] {
            best = k;
        }
    }
    (N > 0 && !any_nan).then_some(best)
}

#[cfg(test)]
mod classification_tests {
    use super::*;

    #[test]
    fn the_loss_and_gradient_together_are_the_two_apart_bit_for_bit() {
        let targets = [
            ClassTarget::Index(2),
            ClassTarget::Index(7),
            ClassTarget::Distribution([0.1, 0.2, 0.3, 0.25, 0.15]),
        ];
        for scale in [0.01_f32, 1.0, 30.0, 1e4] {
            let logits: [f32; 5] = core::array::from_fn(|k| ((k * 7 % 5) as f32 - 2.1) * scale);
            for target in &targets {
                let bits = |(loss, gradient): (f32, [f32; 5])| {
                    (loss.to_bits(), gradient.map(f32::to_bits))
                };
                assert_eq!(
                    bits(softmax_cross_entropy_and_gradient(&logits, target)),
                    bits((
                        softmax_cross_entropy(&logits, target),
                        softmax_cross_entropy_gradient(&logits, target)
                    )),
                    "{logits:?} {target:?}"
                );
                assert_eq!(
                    bits(softmax_cross_entropy_and_gradient_fast(&logits, target)),
                    bits((
                        softmax_cross_entropy_fast(&logits, target),
                        softmax_cross_entropy_gradient_fast(&logits, target)
                    )),
                    "{logits:?} {target:?}"
                );
            }
        }
    }

    #[test]
    fn the_fast_softmax_agrees_with_the_exact_one() {
        // Logits small and large (the shift by the largest keeps every exponent <= 0),
        // a class index and a distribution; f32 against f32.
        let targets = [
            ClassTarget::Index(2),
            ClassTarget::Distribution([0.1, 0.2, 0.3, 0.25, 0.15]),
        ];
        for scale in [0.01_f32, 1.0, 30.0, 1e4] {
            let logits: [f32; 5] = core::array::from_fn(|k| ((k * 7 % 5) as f32 - 2.1) * scale);
            for target in &targets {
                let (exact, fast) = (
                    softmax_cross_entropy(&logits, target),
                    softmax_cross_entropy_fast(&logits, target),
                );
                assert!(
                    (exact - fast).abs() <= 1e-6 * exact.abs().max(1.0),
                    "{exact} vs {fast}"
                );
                let exact = softmax_cross_entropy_gradient(&logits, target);
                let fast = softmax_cross_entropy_gradient_fast(&logits, target);
                for (e, f) in exact.iter().zip(&fast) {
                    assert!((e - f).abs() <= 1e-6, "{exact:?} vs {fast:?}");
                }
            }
        }
        assert!(
            softmax_cross_entropy_gradient_fast(&[0.0_f32; 3], &ClassTarget::Index(3))[0].is_nan()
        );
    }

    #[test]
    fn softmax_cross_entropy_of_an_index_and_its_one_hot_agree() {
        let logits = [1.0_f64, 2.0, 0.5];
        let by_index = softmax_cross_entropy(&logits, &ClassTarget::Index(1));
        let one_hot = softmax_cross_entropy(&logits, &ClassTarget::Distribution([0.0, 1.0, 0.0]));
        let expected = (1.0_f64.exp() + 2.0_f64.exp() + 0.5_f64.exp()).ln() - 2.0;
        assert!((by_index - expected).abs() < 1e-15);
        assert!((one_hot - expected).abs() < 1e-15);
    }

    #[test]
    fn huge_logits_stay_finite() {
        let logits = [50.0_f32, -50.0, 1000.0];
        let loss = softmax_cross_entropy(&logits, &ClassTarget::Index(0));
        assert_eq!(loss, 950.0);
        let gradient = softmax_cross_entropy_gradient(&logits, &ClassTarget::Index(0));
        assert_eq!(gradient, [-1.0, 0.0, 1.0]);
        let bce = binary_cross_entropy_with_logits(&[800.0_f64, -800.0], &[0.0, 0.0]);
        assert_eq!(bce, 800.0);
    }

    #[test]
    fn invalid_targets_are_reported_not_panicked_on() {
        let logits = [0.0_f64; 3];
        assert!(softmax_cross_entropy(&logits, &ClassTarget::Index(3)).is_nan());
        assert!(softmax_cross_entropy_gradient(&logits, &ClassTarget::Index(7))[0].is_nan());
        assert_eq!(
            ClassTarget::<f64, 3>::Index(3).validate(),
            Err(crate::Error::InvalidClass {
                class: 3,
                classes: 3
            })
        );
        assert_eq!(
            ClassTarget::Distribution([0.5, f64::NAN, 0.5]).validate(),
            Err(crate::Error::InvalidDistribution)
        );
        assert_eq!(ClassTarget::<f64, 3>::from(2).validate(), Ok(()));
    }

    #[test]
    fn argmax_prefers_the_first_maximum_and_has_no_answer_for_nan() {
        assert_eq!(argmax(&[1.0_f64, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax(&[f64::NEG_INFINITY, f64::INFINITY]), Some(1));
        assert_eq!(argmax(&[f64::NAN, 1.0, 0.0]), None);
        assert_eq!(argmax(&[1.0, 0.0, f64::NAN]), None);
        assert_eq!(argmax::<f64, 0>(&[]), None);
    }
}
