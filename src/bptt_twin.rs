//! The GRU-64 training batch of `benches/recurrent.rs` by hand, as an expert writes it for
//! one core: the 32 sequences in lockstep, so every product is a matrix-matrix product that
//! reads each weight once per step for the whole batch (not once per sequence), with
//! activations stored feature-major (`[feature][sequence]`, 32 sequences in two AVX-512
//! registers) and, for the weight gradients, batch-major copies, so that no product needs
//! a horizontal sum. The kernels are plain loops over fixed-size arrays, inlined into one
//! function compiled for AVX-512 (or AVX2) where the CPU has it, chosen at run time.
//!
//! It computes what `train_sequences_with` computes for `nets::Gru64` (PyTorch's GRU, a
//! linear readout at every step, half the squared error summed over the steps, the mean
//! over the batch, one SGD step), up to the order of its sums.

use crate::cell_twins::{hyperbolic, sigma};
use crate::nets::Gru64;

/// Sequences per batch.
pub const BATCH: usize = 32;
const INPUTS: usize = 32;
const HIDDEN: usize = 64;
const GATES: usize = 3 * HIDDEN;
const OUTPUTS: usize = 32;

/// A feature-major block: `[feature][sequence]`.
type Block<const N: usize> = [[f32; BATCH]; N];

/// What the forward pass keeps of one step for the backward pass.
#[derive(Clone)]
struct Step {
    /// The inputs, feature-major and batch-major.
    x: Block<INPUTS>,
    x_t: [[f32; INPUTS]; BATCH],
    /// The gates r, u, n and `W_hn h + b_hn`.
    r: Block<HIDDEN>,
    u: Block<HIDDEN>,
    n: Block<HIDDEN>,
    side_n: Block<HIDDEN>,
    /// The new state, feature-major and batch-major.
    h: Block<HIDDEN>,
    h_t: [[f32; HIDDEN]; BATCH],
    /// `dJ/dy`: the readout minus the target.
    dy: Block<OUTPUTS>,
}

impl Step {
    fn zeroed() -> Box<Self> {
        Box::new(Step {
            x: [[0.0; BATCH]; INPUTS],
            x_t: [[0.0; INPUTS]; BATCH],
            r: [[0.0; BATCH]; HIDDEN],
            u: [[0.0; BATCH]; HIDDEN],
            n: [[0.0; BATCH]; HIDDEN],
            side_n: [[0.0; BATCH]; HIDDEN],
            h: [[0.0; BATCH]; HIDDEN],
            h_t: [[0.0; HIDDEN]; BATCH],
            dy: [[0.0; BATCH]; OUTPUTS],
        })
    }
}

/// The parameters, in PyTorch's layout, and their gradients.
#[derive(Clone)]
struct Parameters {
    w_ih: [[f32; INPUTS]; GATES],
    w_hh: [[f32; HIDDEN]; GATES],
    b_ih: [f32; GATES],
    b_hh: [f32; GATES],
    v: [[f32; HIDDEN]; OUTPUTS],
    c: [f32; OUTPUTS],
}

/// The GRU-64 batch trainer by hand. `FAST` chooses the runtime's vectorizable `tanh` and
/// sigmoid, as `precision fast` does.
pub struct Gru64BatchTwin<const FAST: bool> {
    parameters: Box<Parameters>,
    grads: Box<Parameters>,
    steps: Vec<Box<Step>>,
}

impl<const FAST: bool> From<&Gru64> for Gru64BatchTwin<FAST> {
    fn from(net: &Gru64) -> Self {
        let parameters = Box::new(Parameters {
            w_ih: net.weight_ih,
            w_hh: net.weight_hh,
            b_ih: net.bias_ih,
            b_hh: net.bias_hh,
            v: net.V,
            c: net.c,
        });
        let grads = parameters.clone();
        Gru64BatchTwin {
            parameters,
            grads,
            steps: Vec::new(),
        }
    }
}

impl<const FAST: bool> Gru64BatchTwin<FAST> {
    /// Writes the parameters back into a network (to compare with the generated one).
    pub fn write_to(&self, net: &mut Gru64) {
        let p = &self.parameters;
        (
            net.weight_ih,
            net.weight_hh,
            net.bias_ih,
            net.bias_hh,
            net.V,
            net.c,
        ) = (p.w_ih, p.w_hh, p.b_ih, p.b_hh, p.v, p.c);
    }

    /// One SGD step on a batch of [`BATCH`] sequences of equal length: backpropagation
    /// through time from a zero state, the mean gradient over the batch. Returns the mean
    /// loss before the update.
    ///
    /// # Panics
    ///
    /// If the batch does not hold [`BATCH`] sequences, or their lengths differ.
    pub fn train(
        &mut self,
        inputs: &[Vec<[f32; INPUTS]>],
        targets: &[Vec<[f32; OUTPUTS]>],
        learning_rate: f32,
    ) -> f32 {
        assert_eq!(inputs.len(), BATCH, "a batch of {BATCH} sequences");
        assert_eq!(targets.len(), BATCH, "a target sequence per sequence");
        let steps = inputs[0].len();
        assert!(
            inputs.iter().all(|s| s.len() == steps) && targets.iter().all(|s| s.len() == steps),
            "sequences and targets of one length"
        );
        while self.steps.len() < steps {
            self.steps.push(Step::zeroed());
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has just been found to support AVX-512F and FMA.
                return unsafe { self.train_avx512(inputs, targets, learning_rate) };
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has just been found to support AVX2 and FMA.
                return unsafe { self.train_avx2(inputs, targets, learning_rate) };
            }
        }
        self.train_inline(inputs, targets, learning_rate)
    }

    /// [`Self::train_inline`] compiled for AVX-512.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX-512F and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn train_avx512(
        &mut self,
        inputs: &[Vec<[f32; INPUTS]>],
        targets: &[Vec<[f32; OUTPUTS]>],
        learning_rate: f32,
    ) -> f32 {
        self.train_inline(inputs, targets, learning_rate)
    }

    /// [`Self::train_inline`] compiled for AVX2.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn train_avx2(
        &mut self,
        inputs: &[Vec<[f32; INPUTS]>],
        targets: &[Vec<[f32; OUTPUTS]>],
        learning_rate: f32,
    ) -> f32 {
        self.train_inline(inputs, targets, learning_rate)
    }

    #[inline(always)]
    fn train_inline(
        &mut self,
        inputs: &[Vec<[f32; INPUTS]>],
        targets: &[Vec<[f32; OUTPUTS]>],
        learning_rate: f32,
    ) -> f32 {
        let steps = inputs[0].len();
        let p = &*self.parameters;
        let mut loss = 0.0;
        // Forward, step by step for the whole batch.
        let mut previous: Block<HIDDEN> = [[0.0; BATCH]; HIDDEN];
        for t in 0..steps {
            let step = &mut *self.steps[t];
            for (s, sequence) in inputs.iter().enumerate() {
                step.x_t[s] = sequence[t];
                for (i, &value) in sequence[t].iter().enumerate() {
                    step.x[i][s] = value;
                }
            }
            let mut zi: Block<GATES> = [[0.0; BATCH]; GATES];
            broadcast_rows(&mut zi, &p.b_ih);
            product(&mut zi, &p.w_ih, &step.x);
            let mut zh: Block<GATES> = [[0.0; BATCH]; GATES];
            broadcast_rows(&mut zh, &p.b_hh);
            product(&mut zh, &p.w_hh, &previous);
            for j in 0..HIDDEN {
                for s in 0..BATCH {
                    let r = sigma::<FAST>(zi[j][s] + zh[j][s]);
                    let u = sigma::<FAST>(zi[HIDDEN + j][s] + zh[HIDDEN + j][s]);
                    let side_n = zh[2 * HIDDEN + j][s];
                    let n = hyperbolic::<FAST>(zi[2 * HIDDEN + j][s] + r * side_n);
                    let h = n + u * (previous[j][s] - n);
                    (step.r[j][s], step.u[j][s], step.n[j][s]) = (r, u, n);
                    step.side_n[j][s] = side_n;
                    step.h[j][s] = h;
                }
            }
            // Batch-major too, for the weight gradients (apart: the loop above vectorizes
            // along the batch only without it).
            for (s, row) in step.h_t.iter_mut().enumerate() {
                for (j, h) in row.iter_mut().enumerate() {
                    *h = step.h[j][s];
                }
            }
            previous = step.h;
            let mut y: Block<OUTPUTS> = [[0.0; BATCH]; OUTPUTS];
            broadcast_rows(&mut y, &p.c);
            product(&mut y, &p.v, &step.h);
            for o in 0..OUTPUTS {
                for (s, sequence) in targets.iter().enumerate() {
                    let dy = y[o][s] - sequence[t][o];
                    step.dy[o][s] = dy;
                    loss += 0.5 * dy * dy;
                }
            }
        }
        // Backward, from the last step, gradients summed over the batch in registers.
        let g = &mut *self.grads;
        zero(g);
        let mut carry: Block<HIDDEN> = [[0.0; BATCH]; HIDDEN];
        let zeros: [[f32; HIDDEN]; BATCH] = [[0.0; HIDDEN]; BATCH];
        let zero_block: Block<HIDDEN> = [[0.0; BATCH]; HIDDEN];
        for t in (0..steps).rev() {
            let step = &*self.steps[t];
            let (h_prev, h_prev_t) = match t {
                0 => (&zero_block, &zeros),
                _ => (&self.steps[t - 1].h, &self.steps[t - 1].h_t),
            };
            outer(&mut g.v, &step.dy, &step.h_t);
            row_sums(&mut g.c, &step.dy);
            let mut dh = carry;
            transposed_product(&mut dh, &p.v, &step.dy);
            let mut dz: Block<GATES> = [[0.0; BATCH]; GATES];
            let mut dside: Block<GATES> = [[0.0; BATCH]; GATES];
            for j in 0..HIDDEN {
                for s in 0..BATCH {
                    let (r, u, n) = (step.r[j][s], step.u[j][s], step.n[j][s]);
                    let d = dh[j][s];
                    let dn = d * (1.0 - u) * (1.0 - n * n);
                    let du = d * (h_prev[j][s] - n) * u * (1.0 - u);
                    let dr = dn * step.side_n[j][s] * r * (1.0 - r);
                    (dz[j][s], dz[HIDDEN + j][s], dz[2 * HIDDEN + j][s]) = (dr, du, dn);
                    (dside[j][s], dside[HIDDEN + j][s]) = (dr, du);
                    dside[2 * HIDDEN + j][s] = dn * r;
                    carry[j][s] = d * u;
                }
            }
            transposed_product(&mut carry, &p.w_hh, &dside);
            outer(&mut g.w_ih, &dz, &step.x_t);
            row_sums(&mut g.b_ih, &dz);
            outer(&mut g.w_hh, &dside, h_prev_t);
            row_sums(&mut g.b_hh, &dside);
        }
        // The mean gradient, one SGD step.
        let rate = learning_rate / BATCH as f32;
        let p = &mut *self.parameters;
        descend(p.w_ih.as_flattened_mut(), g.w_ih.as_flattened(), rate);
        descend(p.w_hh.as_flattened_mut(), g.w_hh.as_flattened(), rate);
        descend(&mut p.b_ih, &g.b_ih, rate);
        descend(&mut p.b_hh, &g.b_hh, rate);
        descend(p.v.as_flattened_mut(), g.v.as_flattened(), rate);
        descend(&mut p.c, &g.c, rate);
        loss / BATCH as f32
    }
}

/// Every row of `block` set to its bias.
#[inline(always)]
fn broadcast_rows<const N: usize>(block: &mut Block<N>, bias: &[f32; N]) {
    for (row, &b) in block.iter_mut().zip(bias) {
        *row = [b; BATCH];
    }
}

/// `out += W x` for the whole batch: rows of `W` four at a time, each weight broadcast once
/// against a row of `x` (all the sequences), the four rows' sums in registers.
#[inline(always)]
fn product<const K: usize, const N: usize>(out: &mut Block<N>, w: &[[f32; K]; N], x: &Block<K>) {
    for (out, w) in out.chunks_exact_mut(4).zip(w.chunks_exact(4)) {
        let mut acc = [[0.0_f32; BATCH]; 4];
        for (acc, out) in acc.iter_mut().zip(out.iter()) {
            *acc = *out;
        }
        for k in 0..K {
            for i in 0..4 {
                let weight = w[i][k];
                for s in 0..BATCH {
                    acc[i][s] = weight.mul_add(x[k][s], acc[i][s]);
                }
            }
        }
        out.copy_from_slice(&acc);
    }
}

/// `out += W^T d` for the whole batch: the outputs four at a time in registers, every row
/// of `W` read once per four.
#[inline(always)]
fn transposed_product<const K: usize, const N: usize>(
    out: &mut Block<K>,
    w: &[[f32; K]; N],
    d: &Block<N>,
) {
    for (block, out) in out.chunks_exact_mut(4).enumerate() {
        let mut acc = [[0.0_f32; BATCH]; 4];
        for (acc, out) in acc.iter_mut().zip(out.iter()) {
            *acc = *out;
        }
        for r in 0..N {
            for i in 0..4 {
                let weight = w[r][4 * block + i];
                for s in 0..BATCH {
                    acc[i][s] = weight.mul_add(d[r][s], acc[i][s]);
                }
            }
        }
        out.copy_from_slice(&acc);
    }
}

/// `g += d a^T` summed over the batch: a row of `g` in registers while every sequence's
/// `d[r][s] a[s]` is added, `a` batch-major so each is one contiguous row.
#[inline(always)]
fn outer<const K: usize, const N: usize>(
    g: &mut [[f32; K]; N],
    d: &Block<N>,
    a: &[[f32; K]; BATCH],
) {
    for (g, d) in g.iter_mut().zip(d) {
        let mut acc = *g;
        for s in 0..BATCH {
            for k in 0..K {
                acc[k] = d[s].mul_add(a[s][k], acc[k]);
            }
        }
        *g = acc;
    }
}

/// `g[r] += sum over the batch of d[r]`.
#[inline(always)]
fn row_sums<const N: usize>(g: &mut [f32; N], d: &Block<N>) {
    for (g, d) in g.iter_mut().zip(d) {
        *g += d.iter().sum::<f32>();
    }
}

#[inline(always)]
fn descend(w: &mut [f32], g: &[f32], rate: f32) {
    for (w, &g) in w.iter_mut().zip(g) {
        *w -= rate * g;
    }
}

#[inline(always)]
fn zero(g: &mut Parameters) {
    g.w_ih = [[0.0; INPUTS]; GATES];
    g.w_hh = [[0.0; HIDDEN]; GATES];
    g.b_ih = [0.0; GATES];
    g.b_hh = [0.0; GATES];
    g.v = [[0.0; HIDDEN]; OUTPUTS];
    g.c = [0.0; OUTPUTS];
}
