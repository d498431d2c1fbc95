//! Hand-written twins of the benchmarked networks: what an expert writes without the macro,
//! with the same weights, the same arithmetic (the same activation functions) and the same
//! semantics as the generated code. `tests/twins.rs` checks that each twin computes what its
//! generated network computes; `benches/` races them.

// Index loops are how such code is written by hand, and what the twins are meant to be.
#![allow(clippy::needless_range_loop)]

use backprop_runtime::activation::{fast, sigmoid, sin, tanh};

/// The notes' network, written out by hand (f64).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeedTwin {
    /// The nine weights, in the order `w11 w21 w12 w22 v11 v12 v22 u1 u2`.
    pub w: [f64; 9],
}

impl SeedTwin {
    /// The loss and `dJ/dw` at one sample.
    #[inline]
    pub fn gradients(&self, x: [f64; 2], t: f64) -> (f64, [f64; 9]) {
        let [w11, w21, w12, w22, v11, v12, v22, u1, u2] = self.w;
        let [x1, x2] = x;
        let h1 = w11 * x1 + w21 * x2;
        let z2 = w12 * x1 + w22 * x2;
        let h2 = 0.5 * z2 * z2;
        let h3 = 2.0 * (v11 * h1);
        let h4 = (v12 * h1 + v22 * h2).exp();
        let zo = u1 * h3 + u2 * h4;
        let o = sin(zo);
        let e = o - t;
        let d_o = e * zo.cos();
        let d_h4 = d_o * u2 * h4;
        let d_h3 = d_o * u1 * 2.0;
        let d_h2 = d_h4 * v22 * z2;
        let d_h1 = d_h3 * v11 + d_h4 * v12;
        let loss = 0.5 * e * e;
        let grads = [
            d_h1 * x1,
            d_h1 * x2,
            d_h2 * x1,
            d_h2 * x2,
            d_h3 * h1,
            d_h4 * h1,
            d_h4 * h2,
            d_o * h3,
            d_o * h4,
        ];
        (loss, grads)
    }

    /// One SGD step, no checks.
    #[inline]
    pub fn step(&mut self, x: [f64; 2], t: f64, learning_rate: f64) {
        let (_, grads) = self.gradients(x, t);
        for (w, g) in self.w.iter_mut().zip(grads) {
            *w -= learning_rate * g;
        }
    }

    /// One SGD step that, like `train_step`, refuses a bad learning rate or a non-finite
    /// loss or gradient and then changes nothing. Returns the loss.
    #[inline]
    pub fn checked_step(&mut self, x: [f64; 2], t: f64, learning_rate: f64) -> Option<f64> {
        if !(learning_rate.is_finite() && learning_rate >= 0.0) {
            return None;
        }
        let (loss, grads) = self.gradients(x, t);
        if !loss.is_finite() || !grads.iter().all(|g| g.is_finite()) {
            return None;
        }
        for (w, g) in self.w.iter_mut().zip(grads) {
            *w -= learning_rate * g;
        }
        Some(loss)
    }
}

/// XOR 2-4-1 with sigmoids, by hand (f32).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct XorTwin {
    /// Weights into the hidden neurons: `w1[j] = [from x1, from x2]`.
    pub w1: [[f32; 2]; 4],
    /// Biases of the hidden neurons.
    pub b1: [f32; 4],
    /// Weights into the output.
    pub w2: [f32; 4],
    /// Bias of the output.
    pub b2: f32,
}

impl XorTwin {
    /// One SGD step on one sample, no checks.
    #[inline]
    pub fn step(&mut self, x: [f32; 2], t: f32, learning_rate: f32) {
        let mut h = [0.0; 4];
        for j in 0..4 {
            h[j] = sigmoid(self.w1[j][0] * x[0] + self.w1[j][1] * x[1] + self.b1[j]);
        }
        let zo =
            self.w2[0] * h[0] + self.w2[1] * h[1] + self.w2[2] * h[2] + self.w2[3] * h[3] + self.b2;
        let o = sigmoid(zo);
        let d_o = (o - t) * (o * (1.0 - o));
        for j in 0..4 {
            let d_h = d_o * self.w2[j] * (h[j] * (1.0 - h[j]));
            self.w2[j] -= learning_rate * d_o * h[j];
            self.w1[j][0] -= learning_rate * d_h * x[0];
            self.w1[j][1] -= learning_rate * d_h * x[1];
            self.b1[j] -= learning_rate * d_h;
        }
        self.b2 -= learning_rate * d_o;
    }
}

/// The 1-16-16-1 tanh regressor, by hand (f32).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SineTwin {
    /// Weights from the input into the first layer.
    pub w1: [f32; 16],
    /// Biases of the first layer.
    pub b1: [f32; 16],
    /// Weights of the second layer, `w2[j][i]` from `h1[i]` into `h2[j]`.
    pub w2: [[f32; 16]; 16],
    /// Biases of the second layer.
    pub b2: [f32; 16],
    /// Weights into the output.
    pub w3: [f32; 16],
    /// Bias of the output.
    pub b3: f32,
}

impl SineTwin {
    /// One SGD step on one sample with `J = (y - t)^2` (mean squared error of one output), no
    /// checks.
    #[inline]
    pub fn step(&mut self, x: f32, t: f32, learning_rate: f32) {
        self.step_with(x, t, learning_rate, tanh);
    }

    /// [`Self::step`] with the rational `tanh` of `precision fast`
    /// (`activation::fast::tanh`), the expert's choice for f32.
    #[inline]
    pub fn step_fast(&mut self, x: f32, t: f32, learning_rate: f32) {
        self.step_with(x, t, learning_rate, fast::tanh);
    }

    /// [`Self::step_fast`] compiled for AVX2 and FMA where the CPU has them (the expert's
    /// build for the machine it runs on), with the fused-multiply-add `tanh`; elsewhere
    /// [`Self::step_fast`].
    #[inline]
    pub fn step_fast_native(&mut self, x: f32, t: f32, learning_rate: f32) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            #[target_feature(enable = "avx2,fma")]
            unsafe fn native(twin: &mut SineTwin, x: f32, t: f32, learning_rate: f32) {
                twin.step_with(x, t, learning_rate, fast::tanh_fused);
            }
            // SAFETY: the CPU has just been found to support AVX2 and FMA.
            unsafe { native(self, x, t, learning_rate) };
            return;
        }
        self.step_fast(x, t, learning_rate);
    }

    /// The step with a given `tanh`: forward, every delta with the old weights, then each
    /// weight updated in place.
    #[inline(always)]
    fn step_with(&mut self, x: f32, t: f32, learning_rate: f32, tanh: impl Fn(f32) -> f32) {
        let mut h1 = [0.0; 16];
        for i in 0..16 {
            h1[i] = tanh(self.w1[i] * x + self.b1[i]);
        }
        let mut h2 = [0.0; 16];
        for j in 0..16 {
            let mut z = self.b2[j];
            for i in 0..16 {
                z += self.w2[j][i] * h1[i];
            }
            h2[j] = tanh(z);
        }
        let mut y = self.b3;
        for j in 0..16 {
            y += self.w3[j] * h2[j];
        }
        let d_y = 2.0 * (y - t);
        let mut d_z2 = [0.0; 16];
        for j in 0..16 {
            d_z2[j] = d_y * self.w3[j] * (1.0 - h2[j] * h2[j]);
        }
        let mut d_h1 = [0.0; 16];
        for j in 0..16 {
            for i in 0..16 {
                d_h1[i] += self.w2[j][i] * d_z2[j];
            }
        }
        for j in 0..16 {
            self.w3[j] -= learning_rate * d_y * h2[j];
            for i in 0..16 {
                self.w2[j][i] -= learning_rate * d_z2[j] * h1[i];
            }
            self.b2[j] -= learning_rate * d_z2[j];
        }
        self.b3 -= learning_rate * d_y;
        for i in 0..16 {
            let d_z1 = d_h1[i] * (1.0 - h1[i] * h1[i]);
            self.w1[i] -= learning_rate * d_z1 * x;
            self.b1[i] -= learning_rate * d_z1;
        }
    }
}

/// The 64-32-10 digits classifier, by hand (f32): tanh hidden layer, softmax cross-entropy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DigitsTwin {
    /// `w1[j][i]` from pixel `i` into hidden neuron `j`.
    pub w1: [[f32; 64]; 32],
    /// Hidden biases.
    pub b1: [f32; 32],
    /// `w2[k][j]` from hidden neuron `j` into logit `k`.
    pub w2: [[f32; 32]; 10],
    /// Logit biases.
    pub b2: [f32; 10],
}

impl Default for DigitsTwin {
    fn default() -> Self {
        DigitsTwin {
            w1: [[0.0; 64]; 32],
            b1: [0.0; 32],
            w2: [[0.0; 32]; 10],
            b2: [0.0; 10],
        }
    }
}

impl DigitsTwin {
    /// The hidden layer and the logits of one image.
    #[inline]
    pub fn forward(&self, x: &[f32; 64]) -> ([f32; 32], [f32; 10]) {
        self.forward_with(x, tanh)
    }

    /// As [`Self::forward`], with the hidden activation given.
    #[inline]
    pub fn forward_with(
        &self,
        x: &[f32; 64],
        activation: impl Fn(f32) -> f32,
    ) -> ([f32; 32], [f32; 10]) {
        let mut h = [0.0; 32];
        for j in 0..32 {
            h[j] = activation(self.b1[j] + dot(&self.w1[j], x));
        }
        let mut logits = [0.0; 10];
        for k in 0..10 {
            logits[k] = self.b2[k] + dot(&self.w2[k], &h);
        }
        (h, logits)
    }

    /// Every parameter, as the four arrays.
    fn parts(&mut self) -> [&mut [f32]; 4] {
        [
            self.w1.as_flattened_mut(),
            &mut self.b1,
            self.w2.as_flattened_mut(),
            &mut self.b2,
        ]
    }

    /// One mini-batch step: the mean gradient over the batch, then one update. Like
    /// `train_batch`, it refuses an invalid class or a non-finite loss or gradient and then
    /// changes nothing. Returns the mean loss.
    pub fn batch_step(
        &mut self,
        images: &[[f32; 64]],
        labels: &[usize],
        learning_rate: f32,
    ) -> Option<f32> {
        self.batch_step_with(images, labels, learning_rate, tanh)
    }

    /// As [`Self::batch_step`], with the hidden activation given (its derivative is taken
    /// as `1 - h^2`, so it must be a `tanh`).
    pub fn batch_step_with(
        &mut self,
        images: &[[f32; 64]],
        labels: &[usize],
        learning_rate: f32,
        tanh: impl Fn(f32) -> f32 + Copy,
    ) -> Option<f32> {
        if images.len() != labels.len() || images.is_empty() || labels.iter().any(|&l| l >= 10) {
            return None;
        }
        let mut g = DigitsTwin::default();
        let mut loss = 0.0;
        for (x, &label) in images.iter().zip(labels) {
            let (h, logits) = self.forward_with(x, tanh);
            let max = logits.iter().fold(f32::NEG_INFINITY, |m, &z| m.max(z));
            let sum: f32 = logits.iter().map(|&z| (z - max).exp()).sum();
            let log_sum = max + sum.ln();
            loss += log_sum - logits[label];
            let mut d_logits = [0.0; 10];
            for k in 0..10 {
                d_logits[k] = (logits[k] - log_sum).exp() - if k == label { 1.0 } else { 0.0 };
            }
            let mut d_h = [0.0; 32];
            for k in 0..10 {
                for j in 0..32 {
                    g.w2[k][j] += d_logits[k] * h[j];
                    d_h[j] += self.w2[k][j] * d_logits[k];
                }
                g.b2[k] += d_logits[k];
            }
            for j in 0..32 {
                let d_z = d_h[j] * (1.0 - h[j] * h[j]);
                for i in 0..64 {
                    g.w1[j][i] += d_z * x[i];
                }
                g.b1[j] += d_z;
            }
        }
        let scale = 1.0 / images.len() as f32;
        let loss = loss * scale;
        let mut finite = loss.is_finite();
        for part in g.parts() {
            for v in part.iter_mut() {
                *v *= scale;
                finite &= v.is_finite();
            }
        }
        if !finite {
            return None;
        }
        for (w, g) in self.parts().into_iter().zip(g.parts()) {
            for (w, g) in w.iter_mut().zip(g.iter()) {
                *w -= learning_rate * g;
            }
        }
        Some(loss)
    }
}

/// `a . b` as an expert writes it for speed: eight independent partial sums (so that the
/// additions need not wait for each other and fill SIMD registers), added pairwise.
#[inline]
fn dot<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f32 {
    let mut lanes = [0.0; 8];
    let full = N / 8 * 8;
    for i in (0..full).step_by(8) {
        for k in 0..8 {
            lanes[k] += a[i + k] * b[i + k];
        }
    }
    let mut tail = 0.0;
    for i in full..N {
        tail += a[i] * b[i];
    }
    let quads = [
        lanes[0] + lanes[4],
        lanes[1] + lanes[5],
        lanes[2] + lanes[6],
        lanes[3] + lanes[7],
    ];
    (quads[0] + quads[2]) + (quads[1] + quads[3]) + tail
}

/// The most samples [`DigitsExpertTwin::batch_step_with`] takes at once.
pub const EXPERT_MAX_BATCH: usize = 64;

/// The digits classifier as an expert writes a mini-batch step without BLAS: the batch's
/// forward passes and deltas first, into small batch buffers; then each weight row's gradient
/// summed over the batch in registers and written once (no per-sample read-modify-write of a
/// gradient matrix); the first layer stored transposed, so that its forward pass and its
/// gradient are both contiguous 32-wide axpys. The guard of `train_batch` (nothing changes
/// on a non-finite loss or gradient) is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DigitsExpertTwin {
    /// `w1t[i][j]` from pixel `i` into hidden neuron `j`: `W1` transposed.
    pub w1t: [[f32; 32]; 64],
    /// Hidden biases.
    pub b1: [f32; 32],
    /// `w2[k][j]` from hidden neuron `j` into logit `k`.
    pub w2: [[f32; 32]; 10],
    /// Logit biases.
    pub b2: [f32; 10],
}

impl From<&DigitsTwin> for DigitsExpertTwin {
    fn from(twin: &DigitsTwin) -> Self {
        DigitsExpertTwin {
            w1t: core::array::from_fn(|i| core::array::from_fn(|j| twin.w1[j][i])),
            b1: twin.b1,
            w2: twin.w2,
            b2: twin.b2,
        }
    }
}

impl DigitsExpertTwin {
    /// `W1` in the generated network's layout (`w1[j][i]`).
    #[must_use]
    pub fn w1(&self) -> [[f32; 64]; 32] {
        core::array::from_fn(|j| core::array::from_fn(|i| self.w1t[i][j]))
    }

    /// One mini-batch step of at most [`EXPERT_MAX_BATCH`] samples with the hidden
    /// activation given (its derivative taken as `1 - h^2`: a `tanh`). Returns the mean loss,
    /// or `None` (and changes nothing) for a bad batch or a non-finite loss or gradient.
    pub fn batch_step_with(
        &mut self,
        images: &[[f32; 64]],
        labels: &[usize],
        learning_rate: f32,
        tanh: impl Fn(f32) -> f32 + Copy,
    ) -> Option<f32> {
        let n = images.len();
        if n != labels.len() || n == 0 || n > EXPERT_MAX_BATCH || labels.iter().any(|&l| l >= 10) {
            return None;
        }
        let mut h = [[0.0_f32; 32]; EXPERT_MAX_BATCH];
        let mut d1 = [[0.0_f32; 32]; EXPERT_MAX_BATCH];
        let mut d2 = [[0.0_f32; 10]; EXPERT_MAX_BATCH];
        let mut loss = 0.0;
        for b in 0..n {
            // Forward: the hidden layer as 64 contiguous axpys of 32.
            let mut z = self.b1;
            for (column, &x) in self.w1t.iter().zip(&images[b]) {
                for (z, &w) in z.iter_mut().zip(column) {
                    *z += w * x;
                }
            }
            for (h, &z) in h[b].iter_mut().zip(&z) {
                *h = tanh(z);
            }
            let mut logits = self.b2;
            for (logit, row) in logits.iter_mut().zip(&self.w2) {
                *logit += dot(row, &h[b]);
            }
            let max = logits.iter().fold(f32::NEG_INFINITY, |m, &z| m.max(z));
            let sum: f32 = logits.iter().map(|&z| (z - max).exp()).sum();
            let log_sum = max + sum.ln();
            loss += log_sum - logits[labels[b]];
            // Deltas: the logits', then the hidden layer's through W2.
            for k in 0..10 {
                d2[b][k] = (logits[k] - log_sum).exp() - if k == labels[b] { 1.0 } else { 0.0 };
            }
            let mut d_h = [0.0_f32; 32];
            for (row, &d) in self.w2.iter().zip(&d2[b]) {
                for (d_h, &w) in d_h.iter_mut().zip(row) {
                    *d_h += w * d;
                }
            }
            for j in 0..32 {
                d1[b][j] = d_h[j] * (1.0 - h[b][j] * h[b][j]);
            }
        }
        // Gradients, each row summed over the batch in registers and written once.
        let scale = 1.0 / n as f32;
        let mut g_w1t = [[0.0_f32; 32]; 64];
        for (i, row) in g_w1t.iter_mut().enumerate() {
            for b in 0..n {
                let x = images[b][i];
                for (g, &d) in row.iter_mut().zip(&d1[b]) {
                    *g += x * d;
                }
            }
        }
        let mut g_w2 = [[0.0_f32; 32]; 10];
        for (k, row) in g_w2.iter_mut().enumerate() {
            for b in 0..n {
                let d = d2[b][k];
                for (g, &h) in row.iter_mut().zip(&h[b]) {
                    *g += d * h;
                }
            }
        }
        let mut g_b1 = [0.0_f32; 32];
        let mut g_b2 = [0.0_f32; 10];
        for b in 0..n {
            for (g, &d) in g_b1.iter_mut().zip(&d1[b]) {
                *g += d;
            }
            for (g, &d) in g_b2.iter_mut().zip(&d2[b]) {
                *g += d;
            }
        }
        let loss = loss * scale;
        let finite = loss.is_finite()
            && g_w1t.as_flattened().iter().all(|g| g.is_finite())
            && g_w2.as_flattened().iter().all(|g| g.is_finite())
            && g_b1.iter().chain(&g_b2).all(|g| g.is_finite());
        if !finite {
            return None;
        }
        let step = learning_rate * scale;
        for (w, g) in self
            .w1t
            .as_flattened_mut()
            .iter_mut()
            .zip(g_w1t.as_flattened())
        {
            *w -= step * g;
        }
        for (w, g) in self
            .w2
            .as_flattened_mut()
            .iter_mut()
            .zip(g_w2.as_flattened())
        {
            *w -= step * g;
        }
        for (w, g) in self.b1.iter_mut().zip(&g_b1) {
            *w -= step * g;
        }
        for (w, g) in self.b2.iter_mut().zip(&g_b2) {
            *w -= step * g;
        }
        Some(loss)
    }
}
