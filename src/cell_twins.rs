//! The recurrent benchmark networks by hand, as an expert writes a cell for a real-time
//! thread: PyTorch's gates fused in one contiguous block per side, the weights stored
//! transposed so that both matrix-vector products are axpys over contiguous 48- or 64-wide
//! rows (no horizontal sums), no allocation. `FAST` chooses the runtime's vectorizable
//! `tanh` and sigmoid, as `precision fast` does.

use backprop_runtime::activation::{fast, sigmoid, tanh};

use crate::nets::{Gru16, Lstm16};

/// The sigmoid of the exact kernels, or of the fast ones.
#[inline(always)]
pub(crate) fn sigma<const FAST: bool>(x: f32) -> f32 {
    if FAST {
        fast::sigmoid(x)
    } else {
        sigmoid(x)
    }
}

/// `tanh` of the exact kernels, or of the fast ones.
#[inline(always)]
pub(crate) fn hyperbolic<const FAST: bool>(x: f32) -> f32 {
    if FAST {
        fast::tanh(x)
    } else {
        tanh(x)
    }
}

/// `out += w_t^T v`, with `w_t[i]` the column of input `i`: one contiguous axpy per input.
#[inline(always)]
fn accumulate_columns<const R: usize, const C: usize>(
    out: &mut [f32; R],
    w_t: &[[f32; R]; C],
    v: &[f32; C],
) {
    for (column, &value) in w_t.iter().zip(v) {
        for (o, &w) in out.iter_mut().zip(column) {
            *o += w * value;
        }
    }
}

/// `w` (rows x columns) transposed.
fn transpose<const R: usize, const C: usize>(w: &[[f32; C]; R]) -> [[f32; R]; C] {
    std::array::from_fn(|i| std::array::from_fn(|r| w[r][i]))
}

/// A GRU of 16 units over 16 inputs with a linear readout, by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct GruTwin<const FAST: bool> {
    /// `weight_ih` transposed: `w_ih_t[i]` holds the 48 gate rows' weights on input `i`.
    pub w_ih_t: [[f32; 48]; 16],
    /// `weight_hh` transposed.
    pub w_hh_t: [[f32; 48]; 16],
    /// `bias_ih`.
    pub b_ih: [f32; 48],
    /// `bias_hh`.
    pub b_hh: [f32; 48],
    /// The readout's weights.
    pub v: [f32; 16],
    /// The readout's bias.
    pub c: f32,
}

impl<const FAST: bool> From<&Gru16> for GruTwin<FAST> {
    fn from(net: &Gru16) -> Self {
        GruTwin {
            w_ih_t: transpose(&net.weight_ih),
            w_hh_t: transpose(&net.weight_hh),
            b_ih: net.bias_ih,
            b_hh: net.bias_hh,
            v: net.v,
            c: net.c,
        }
    }
}

impl<const FAST: bool> GruTwin<FAST> {
    /// One streaming step: `h` moves on, the readout is returned.
    #[inline]
    pub fn step(&self, h: &mut [f32; 16], x: &[f32; 16]) -> f32 {
        let mut input_side = self.b_ih;
        accumulate_columns(&mut input_side, &self.w_ih_t, x);
        let mut hidden_side = self.b_hh;
        accumulate_columns(&mut hidden_side, &self.w_hh_t, h);
        // Gates in passes over contiguous blocks (each one vectorizes), then the readout.
        let mut gates = [0.0; 32];
        for k in 0..32 {
            gates[k] = sigma::<FAST>(input_side[k] + hidden_side[k]);
        }
        let mut n = [0.0; 16];
        for j in 0..16 {
            n[j] = hyperbolic::<FAST>(input_side[32 + j] + gates[j] * hidden_side[32 + j]);
        }
        for j in 0..16 {
            h[j] = n[j] + gates[16 + j] * (h[j] - n[j]);
        }
        let mut y = [0.0; 4];
        for j in 0..16 {
            y[j % 4] += self.v[j] * h[j];
        }
        self.c + (y[0] + y[2]) + (y[1] + y[3])
    }
}

/// An LSTM of 16 units over 16 inputs with a linear readout, by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmTwin<const FAST: bool> {
    /// `weight_ih` transposed: `w_ih_t[i]` holds the 64 gate rows' weights on input `i`.
    pub w_ih_t: [[f32; 64]; 16],
    /// `weight_hh` transposed.
    pub w_hh_t: [[f32; 64]; 16],
    /// `bias_ih + bias_hh`, folded once: they are only ever added together.
    pub b: [f32; 64],
    /// The readout's weights.
    pub v: [f32; 16],
    /// The readout's bias.
    pub c: f32,
}

impl<const FAST: bool> From<&Lstm16> for LstmTwin<FAST> {
    fn from(net: &Lstm16) -> Self {
        LstmTwin {
            w_ih_t: transpose(&net.weight_ih),
            w_hh_t: transpose(&net.weight_hh),
            b: std::array::from_fn(|r| net.bias_ih[r] + net.bias_hh[r]),
            v: net.v,
            c: net.c,
        }
    }
}

impl<const FAST: bool> LstmTwin<FAST> {
    /// One streaming step: `h` and `c` move on, the readout is returned.
    #[inline]
    pub fn step(&self, h: &mut [f32; 16], c: &mut [f32; 16], x: &[f32; 16]) -> f32 {
        let mut gates = self.b;
        accumulate_columns(&mut gates, &self.w_ih_t, x);
        accumulate_columns(&mut gates, &self.w_hh_t, h);
        // Gates in passes over contiguous blocks (each one vectorizes), then the readout.
        let (if_gates, go_gates) = gates.split_at_mut(32);
        for gate in if_gates.iter_mut().chain(&mut go_gates[16..]) {
            *gate = sigma::<FAST>(*gate);
        }
        for gate in &mut gates[32..48] {
            *gate = hyperbolic::<FAST>(*gate);
        }
        for j in 0..16 {
            c[j] = gates[16 + j] * c[j] + gates[j] * gates[32 + j];
            h[j] = gates[48 + j] * hyperbolic::<FAST>(c[j]);
        }
        let mut y = [0.0; 4];
        for j in 0..16 {
            y[j % 4] += self.v[j] * h[j];
        }
        self.c + (y[0] + y[2]) + (y[1] + y[3])
    }
}
