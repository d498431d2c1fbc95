//! The gated recurrent cells `network!` generates for `gru(...)` and `lstm(...)` layers: one
//! time step forward and backward, with PyTorch's equations, gate order and parameter
//! layout (`weight_ih [G*H, I]`, `weight_hh [G*H, H]`, `bias_ih [G*H]`, `bias_hh [G*H]`).
//!
//! Generated code computes the input side `z = weight_ih x + bias_ih` (and its gradients)
//! as for any layer; these kernels do the rest of the step: the recurrent side, the gates,
//! the new state, and on the way back `dJ/dz`, the recurrent parameters' gradients and what
//! is carried to the step before. `fast` chooses the vectorizable `tanh` and sigmoid of
//! `precision fast`.
//!
//! GRU, with `*` element-wise and `h` the previous state:
//!
//! ```text
//! r  = sigmoid(z_r + W_hr h + b_hr)
//! u  = sigmoid(z_z + W_hz h + b_hz)            (PyTorch's z, the update gate)
//! n  = tanh(z_n + r * (W_hn h + b_hn))
//! h' = (1 - u) * n + u * h
//! ```
//!
//! LSTM, with `h`, `c` the previous state:
//!
//! ```text
//! i = sigmoid(z_i + W_hi h + b_hi)    f = sigmoid(z_f + W_hf h + b_hf)
//! g = tanh(z_g + W_hg h + b_hg)       o = sigmoid(z_o + W_ho h + b_ho)
//! c' = f * c + i * g                  h' = o * tanh(c')
//! ```

use crate::activation::{fast, sigmoid, tanh};
use crate::dense;
use crate::Scalar;

/// Which activation kernels a gate pass runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kernels {
    /// The standard library's (`precision exact`).
    Exact,
    /// The vectorizable ones of `precision fast`, the same bits on every CPU.
    Fast,
    /// A prepared stream's under `precision fast` on a CPU with FMA (AVX2's sixteen
    /// registers of eight `f32`): `tanh` as `Fast` but by fused multiply-adds, the sigmoid
    /// from it (`(1 + tanh(x / 2)) / 2`), the sums of the gates folded into fewer
    /// operations: the shortest chain of dependent operations, which is what a streaming
    /// step waits on.
    #[cfg_attr(
        not(all(feature = "std", target_arch = "x86_64")),
        allow(dead_code) // chosen only where the CPU can be asked for FMA
    )]
    Fused,
    /// [`Kernels::Fused`] with AVX-512's thirty-two registers of sixteen, which hold twice
    /// the accumulators: the recurrent product in four chains, not two.
    #[cfg_attr(
        not(all(feature = "std", target_arch = "x86_64")),
        allow(dead_code) // chosen only where the CPU can be asked for AVX-512
    )]
    FusedWide,
}

impl Kernels {
    /// Whether these are the fused kernels of a prepared stream.
    #[inline(always)]
    fn fused(self) -> bool {
        matches!(self, Kernels::Fused | Kernels::FusedWide)
    }
}

/// `sigmoid` by `kernels`.
#[inline(always)]
fn sigma<T: Scalar>(x: T, kernels: Kernels) -> T {
    match kernels {
        Kernels::Exact => sigmoid(x),
        Kernels::Fast => fast::sigmoid(x),
        Kernels::Fused | Kernels::FusedWide => x.fused_sigmoid(),
    }
}

/// `tanh` by `kernels`.
#[inline(always)]
fn hyperbolic<T: Scalar>(x: T, kernels: Kernels) -> T {
    match kernels {
        Kernels::Exact => tanh(x),
        Kernels::Fast => fast::tanh(x),
        Kernels::Fused | Kernels::FusedWide => x.fused_tanh(),
    }
}

/// Runs a gate pass: with the fast kernels, inlined into a function compiled for AVX2 and
/// FMA where the CPU has them (with `std`, which can ask): twice the lanes of the default
/// target's SSE. Otherwise as compiled for the default target (the exact kernels are calls
/// into the standard library, which gain nothing from it).
#[inline(always)]
fn gate_pass(fast_kernels: bool, pass: impl FnOnce(Kernels)) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if fast_kernels && crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { with_avx2(pass) };
        return;
    }
    pass(if fast_kernels {
        Kernels::Fast
    } else {
        Kernels::Exact
    });
}

/// A prepared stream's cell step: the recurrent side and the gates, by `kernels`.
trait StreamPass {
    /// Runs the step. Always inlined, also into the functions [`stream_pass`] compiles for
    /// AVX-512 and AVX2: a closure as large, passed to such a function, was not inlined
    /// into it, so it ran as compiled for the default target, its `mul_add` a library call
    /// per element (twenty times slower).
    fn pass(self, kernels: Kernels);
}

/// Runs a prepared stream's step under `precision fast` in one function compiled for
/// AVX-512 where the CPU has it (a gate block of 16 units is then one register), else for
/// AVX2 and FMA, with [`Kernels::Fused`]; without FMA as [`gate_pass`] chooses. One
/// function, so the recurrent side stays in registers between the product and the gates,
/// and the step is one chain of dependent operations from one state to the next.
#[inline(always)]
fn stream_pass(fast_kernels: bool, step: impl StreamPass) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if fast_kernels && crate::simd::has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA.
        unsafe { fused_avx512(step) };
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if fast_kernels && crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { fused_avx2(step) };
        return;
    }
    gate_pass(fast_kernels, |kernels| step.pass(kernels));
}

/// `step` with [`Kernels::FusedWide`], compiled for AVX-512.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX2 and FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
unsafe fn fused_avx512(step: impl StreamPass) {
    step.pass(Kernels::FusedWide);
}

/// `step` with [`Kernels::Fused`], compiled for AVX2 and FMA.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn fused_avx2(step: impl StreamPass) {
    step.pass(Kernels::Fused);
}

/// Calls `pass` with [`Kernels::Fast`], inlined and so compiled for AVX2 and FMA. (The
/// dense kernels in `simd.rs` keep explicit `#[target_feature]` copies instead: routed
/// through a trampoline like this one, their loops were not inlined into it, their
/// `mul_add` became library calls, and the sine step doubled in instructions. The fast
/// kernels have no `mul_add`, and these passes measured within 1% of explicit copies; a
/// prepared stream's larger pass goes through [`StreamPass`] for that reason.)
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn with_avx2(pass: impl FnOnce(Kernels)) {
    pass(Kernels::Fast);
}

/// `bias_hh + weight_hh h`: the recurrent side of every gate.
#[inline(always)]
fn recurrent_side<T: Scalar, const H: usize, const G: usize>(
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous: &[T; H],
) -> [T; G] {
    let mut side = *bias_hh;
    dense::matvec_acc(&mut side, weight_hh, previous);
    side
}

/// [`recurrent_side`] with `weight_hh` stored by columns (a prepared stream's).
#[inline(always)]
fn recurrent_side_by_columns<T: Scalar, const H: usize, const G: usize>(
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous: &[T; H],
) -> [T; G] {
    let mut side = *bias_hh;
    dense::matvec_columns_acc(&mut side, weight_hh_t, previous);
    side
}

/// `sums += W x` with `W` by columns (`w_t`), by `kernels`: for the fused kernels inlined
/// into the function compiled for their registers, in as many chains of accumulators as
/// those registers hold (blocks of 64 `f32` or 32 `f64`: four vectors of AVX-512 in four
/// chains, eight of AVX2 in two); otherwise [`dense::matvec_columns_acc`].
#[inline(always)]
fn add_product_by_columns<T: Scalar, const M: usize, const G: usize>(
    sums: &mut [T; G],
    w_t: &[[T; G]; M],
    x: &[T; M],
    kernels: Kernels,
) {
    let single = core::mem::size_of::<T>() == 4;
    match (kernels, single) {
        (Kernels::FusedWide, true) => {
            dense::matvec_columns_acc_in_registers::<T, M, G, 64, 4>(sums, w_t, x);
        }
        (Kernels::FusedWide, false) => {
            dense::matvec_columns_acc_in_registers::<T, M, G, 32, 4>(sums, w_t, x);
        }
        (Kernels::Fused, true) => {
            dense::matvec_columns_acc_in_registers::<T, M, G, 48, 2>(sums, w_t, x);
        }
        (Kernels::Fused, false) => {
            dense::matvec_columns_acc_in_registers::<T, M, G, 24, 2>(sums, w_t, x);
        }
        (Kernels::Exact | Kernels::Fast, _) => dense::matvec_columns_acc(sums, w_t, x),
    }
}

/// A prepared stream's cell input side, for a kernel of [`Scalar`]'s own: the sum given, or
/// one matrix product (by columns) and its bias for the kernel to sum. Not part of the API.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum StreamInput<'a, T, const I: usize, const G: usize> {
    /// `z`, summed by generated code.
    Given(&'a [T; G]),
    /// `z = bias_ih + weight_ih x`, with `weight_ih_t` by columns.
    Product {
        /// `weight_ih` by columns.
        weight_ih_t: &'a [[T; G]; I],
        /// `bias_ih`.
        bias_ih: &'a [T; G],
        /// The layer's input.
        x: &'a [T; I],
    },
}

impl<T: Scalar, const I: usize, const G: usize> StreamInput<'_, T, I, G> {
    /// `z`: given, or `bias_ih + weight_ih x` summed for the exact and fast kernels as
    /// generated code sums it (so the same bits as a cell given that sum), for the fused
    /// kernels in registers, with the recurrent side's product beside it.
    #[inline(always)]
    fn sum(&self, kernels: Kernels) -> [T; G] {
        match *self {
            StreamInput::Given(z) => *z,
            StreamInput::Product {
                weight_ih_t,
                bias_ih,
                x,
            } => {
                let mut z = *bias_ih;
                add_product_by_columns(&mut z, weight_ih_t, x, kernels);
                z
            }
        }
    }
}

impl<'a, T: Scalar, const I: usize, const G: usize> StreamInput<'a, T, I, G> {
    /// This input reading the values a step computes (`z`, or `x`) from a copy in `z_copy`
    /// or `x_copy`; the weights and biases are read in place.
    #[inline(always)]
    fn local_copy<'b>(
        self,
        z_copy: &'b mut [T; G],
        x_copy: &'b mut [T; I],
    ) -> StreamInput<'b, T, I, G>
    where
        'a: 'b,
    {
        match self {
            StreamInput::Given(z) => {
                *z_copy = *z;
                StreamInput::Given(z_copy)
            }
            StreamInput::Product {
                weight_ih_t,
                bias_ih,
                x,
            } => {
                *x_copy = *x;
                StreamInput::Product {
                    weight_ih_t,
                    bias_ih,
                    x: x_copy,
                }
            }
        }
    }
}

/// A prepared stream's cell recurrent side, for a kernel of [`Scalar`]'s own. Not part of
/// the API.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Recurrence<'a, T, const H: usize, const G: usize> {
    /// `weight_hh` by columns.
    pub weight_hh_t: &'a [[T; G]; H],
    /// `bias_hh`.
    pub bias_hh: &'a [T; G],
    /// The previous `h`.
    pub previous_h: &'a [T; H],
}

/// One GRU step: from the input side `z` (`3H`) and the previous state, the new state `h`
/// and the trace's `gates` (`4H`: r, u, n and `W_hn h + b_hn`, which the backward pass reads).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gru<T: Scalar, const H: usize, const G: usize, const K: usize>(
    gates: &mut [T; K],
    h: &mut [T; H],
    z: &[T; G],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous: &[T; H],
    fast_kernels: bool,
) {
    const { assert!(G == 3 * H && K == 4 * H) };
    let side = recurrent_side(weight_hh, bias_hh, previous);
    gate_pass(fast_kernels, |kernels| {
        gru_gates(gates, h, z, &side, previous, kernels)
    });
}

/// The recurrent sides `bias_hh + weight_hh h` of several lanes, by
/// [`dense::matvec_acc_lanes`]: each lane's the same bits as [`recurrent_side`].
#[inline(always)]
fn recurrent_sides<T: Scalar, const H: usize, const G: usize, const L: usize>(
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous: [&[T; H]; L],
) -> [[T; G]; L] {
    sides_from(bias_hh, previous, |products| {
        dense::matvec_acc_lanes(products, weight_hh);
    })
}

/// The recurrent sides of several lanes with `weight_hh` by columns, by
/// [`dense::matvec_columns_acc_lanes`].
#[inline(always)]
fn recurrent_sides_by_columns<T: Scalar, const H: usize, const G: usize, const L: usize>(
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous: [&[T; H]; L],
) -> [[T; G]; L] {
    sides_from(bias_hh, previous, |products| {
        dense::matvec_columns_acc_lanes(products, weight_hh_t);
    })
}

/// Each lane's `bias_hh`, with `add_products` adding each lane's product with its previous
/// state.
#[inline(always)]
fn sides_from<T: Scalar, const H: usize, const G: usize, const L: usize>(
    bias_hh: &[T; G],
    previous: [&[T; H]; L],
    add_products: impl FnOnce(&mut [(&mut [T; G], &[T; H]); L]),
) -> [[T; G]; L] {
    let mut sides = [*bias_hh; L];
    let mut each = sides.iter_mut().zip(previous);
    let mut products: [(&mut [T; G], &[T; H]); L] =
        core::array::from_fn(|_| each.next().expect("a side per lane"));
    add_products(&mut products);
    sides
}

/// [`gru`] for several sequences at the same step (`lanes[l] = (gates, h, z, previous)`):
/// the same bits as [`gru`] lane by lane, with `weight_hh` read once for all of them where
/// the kernel can ([`dense::matvec_acc_lanes`]).
#[inline]
#[allow(clippy::type_complexity)]
pub fn gru_lanes<T: Scalar, const H: usize, const G: usize, const K: usize, const L: usize>(
    lanes: [(&mut [T; K], &mut [T; H], &[T; G], &[T; H]); L],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    fast_kernels: bool,
) {
    const { assert!(G == 3 * H && K == 4 * H) };
    let sides = recurrent_sides(weight_hh, bias_hh, lanes.each_ref().map(|lane| lane.3));
    gru_lanes_from_sides(lanes, &sides, fast_kernels);
}

/// [`gru_lanes`] with `weight_hh` stored by columns (`weight_hh_t[j]`: the `3H` weights on
/// `h[j]`), read once for all the lanes where the kernel can
/// ([`dense::matvec_columns_acc_lanes`]): the same as [`gru`] lane by lane to rounding (the
/// recurrent product's sums are grouped otherwise).
#[inline]
#[allow(clippy::type_complexity)]
pub fn gru_lanes_by_columns<
    T: Scalar,
    const H: usize,
    const G: usize,
    const K: usize,
    const L: usize,
>(
    lanes: [(&mut [T; K], &mut [T; H], &[T; G], &[T; H]); L],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    fast_kernels: bool,
) {
    const { assert!(G == 3 * H && K == 4 * H) };
    let previous = lanes.each_ref().map(|lane| lane.3);
    let sides = recurrent_sides_by_columns(weight_hh_t, bias_hh, previous);
    gru_lanes_from_sides(lanes, &sides, fast_kernels);
}

/// The gates and new states of [`gru_lanes`] from each lane's recurrent side.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn gru_lanes_from_sides<
    T: Scalar,
    const H: usize,
    const G: usize,
    const K: usize,
    const L: usize,
>(
    lanes: [(&mut [T; K], &mut [T; H], &[T; G], &[T; H]); L],
    sides: &[[T; G]; L],
    fast_kernels: bool,
) {
    for ((gates, h, z, previous), side) in lanes.into_iter().zip(sides) {
        gate_pass(fast_kernels, |kernels| {
            gru_gates(gates, h, z, side, previous, kernels)
        });
    }
}

/// The GRU's gates and new state from both sides, in passes over contiguous blocks, each a
/// plain map the compiler vectorizes: r and u together, then n, then the new state.
#[inline(always)]
fn gru_gates<T: Scalar, const H: usize, const G: usize, const K: usize>(
    gates: &mut [T; K],
    h: &mut [T; H],
    z: &[T; G],
    side: &[T; G],
    previous: &[T; H],
    kernels: Kernels,
) {
    for k in 0..2 * H {
        gates[k] = sigma(z[k] + side[k], kernels);
    }
    for j in 0..H {
        gates[3 * H + j] = side[2 * H + j];
        gates[2 * H + j] = hyperbolic(z[2 * H + j] + gates[j] * side[2 * H + j], kernels);
    }
    for j in 0..H {
        let (u, n) = (gates[H + j], gates[2 * H + j]);
        h[j] = n + u * (previous[j] - n);
    }
}

/// One GRU step of a stream: the new state `h` only, from the input side `z` and the
/// previous state, with no trace for a backward pass. The same arithmetic as [`gru`], so
/// the same numbers to the last bit.
#[inline]
pub fn gru_step<T: Scalar, const H: usize, const G: usize>(
    h: &mut [T; H],
    z: &[T; G],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous: &[T; H],
    fast_kernels: bool,
) {
    const { assert!(G == 3 * H) };
    let side = recurrent_side(weight_hh, bias_hh, previous);
    gate_pass(fast_kernels, |kernels| {
        gru_state(h, z, &side, previous, kernels)
    });
}

/// [`gru_step`] with `weight_hh` stored by columns (`weight_hh_t[j]`: the `3H` weights on
/// unit `j` of the previous state), as a [`crate::stream::Stream`] keeps it. The same
/// numbers as [`gru_step`] up to rounding: the recurrent side is summed in another order,
/// and under `precision fast` on a CPU with FMA the gates are a prepared stream's fused
/// kernels (for `f32` on AVX-512 written with intrinsics, `crate::simd::stream`; otherwise
/// one function with the recurrent side, compiled for AVX-512 or AVX2).
///
/// Always inlined, as are the three below: `fast_kernels`, a literal in generated code,
/// then chooses the path at compile time. (Left to the compiler, the benchmark binary, which
/// streams the same cell in both precisions, kept one copy with every path behind a call,
/// and the GRU-16 step took 130 ns where it takes 70.)
#[inline(always)]
pub fn gru_step_by_columns<T: Scalar, const H: usize, const G: usize>(
    h: &mut [T; H],
    z: &[T; G],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous: &[T; H],
    fast_kernels: bool,
) {
    let recurrence = Recurrence {
        weight_hh_t,
        bias_hh,
        previous_h: previous,
    };
    let input = StreamInput::<T, 0, G>::Given(z);
    gru_stream(
        fast_kernels,
        GruStream {
            h,
            input,
            recurrence,
        },
    );
}

/// [`gru_step_by_columns`] for a layer whose input side is one matrix product and its bias,
/// `z = bias_ih + weight_ih x` (`weight_ih_t` by columns), computed here: under the fused
/// kernels in the same function as the rest of the step, so `z` never leaves registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn gru_step_by_columns_from<T: Scalar, const I: usize, const H: usize, const G: usize>(
    h: &mut [T; H],
    weight_ih_t: &[[T; G]; I],
    bias_ih: &[T; G],
    x: &[T; I],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous: &[T; H],
    fast_kernels: bool,
) {
    let input = StreamInput::Product {
        weight_ih_t,
        bias_ih,
        x,
    };
    let recurrence = Recurrence {
        weight_hh_t,
        bias_hh,
        previous_h: previous,
    };
    gru_stream(
        fast_kernels,
        GruStream {
            h,
            input,
            recurrence,
        },
    );
}

/// A prepared stream's GRU step: by the scalar type's own kernel where it has one for this
/// CPU under `precision fast`, else by [`stream_pass`]. Either reads and writes copies, so
/// that no reference into the caller's trace leaves the inlined step for a kernel out of
/// line: the trace stays local to the generated step, and the compiler drops its zeroing of
/// what a stream never writes (650 bytes for GRU-16).
#[inline(always)]
fn gru_stream<T: Scalar, const I: usize, const H: usize, const G: usize>(
    fast_kernels: bool,
    step: GruStream<'_, T, I, H, G>,
) {
    const { assert!(G == 3 * H) };
    let GruStream {
        h,
        input,
        recurrence,
    } = step;
    let (mut z_copy, mut x_copy) = ([T::zero(); G], [T::zero(); I]);
    let input = input.local_copy(&mut z_copy, &mut x_copy);
    let mut new = [T::zero(); H];
    if !(fast_kernels && T::gru_stream_kernel(&mut new, input, recurrence)) {
        let step = GruStream {
            h: &mut new,
            input,
            recurrence,
        };
        stream_pass(fast_kernels, step);
    }
    *h = new;
}

/// The arguments of a prepared stream's GRU step.
struct GruStream<'a, T, const I: usize, const H: usize, const G: usize> {
    h: &'a mut [T; H],
    input: StreamInput<'a, T, I, G>,
    recurrence: Recurrence<'a, T, H, G>,
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> StreamPass
    for GruStream<'_, T, I, H, G>
{
    #[inline(always)]
    fn pass(self, kernels: Kernels) {
        let GruStream {
            h,
            input,
            recurrence:
                Recurrence {
                    weight_hh_t,
                    bias_hh,
                    previous_h: previous,
                },
        } = self;
        let z = input.sum(kernels);
        if !kernels.fused() {
            let side = recurrent_side_by_columns(weight_hh_t, bias_hh, previous);
            gru_state(h, &z, &side, previous, kernels);
            return;
        }
        // The chain from one state to the next, shortened: r's and u's input side starts
        // their sums (n's cannot: r scales only its recurrent side), and the new state is
        // one multiply-add after n, `(1 - u) n + u h`, the rest computed while n is.
        let mut sums = *bias_hh;
        for k in 0..2 * H {
            sums[k] = sums[k] + z[k];
        }
        add_product_by_columns(&mut sums, weight_hh_t, previous, kernels);
        for j in 0..H {
            let r = sigma(sums[j], kernels);
            let u = sigma(sums[H + j], kernels);
            let n = hyperbolic(r.mul_add(sums[2 * H + j], z[2 * H + j]), kernels);
            h[j] = (T::one() - u).mul_add(n, u * previous[j]);
        }
    }
}

/// The GRU's new state from both sides, one unit at a time in one pass (which vectorizes
/// across units): [`gru_gates`] without storing the gates.
#[inline(always)]
fn gru_state<T: Scalar, const H: usize, const G: usize>(
    h: &mut [T; H],
    z: &[T; G],
    side: &[T; G],
    previous: &[T; H],
    kernels: Kernels,
) {
    for j in 0..H {
        let r = sigma(z[j] + side[j], kernels);
        let u = sigma(z[H + j] + side[H + j], kernels);
        let n = hyperbolic(z[2 * H + j] + r * side[2 * H + j], kernels);
        h[j] = n + u * (previous[j] - n);
    }
}

/// The backward pass of one GRU step, given `dJ/dh` of its new state: writes `dJ/dz` of the
/// input side (which generated code takes on to `weight_ih`, `bias_ih` and the input), adds
/// the gradients of `weight_hh` and `bias_hh`, and sets `carry` to `dJ/d(previous state)`
/// through this cell.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gru_backward<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous: &[T; H],
    weight_hh: &[[T; H]; G],
    grad_weight_hh: &mut [[T; H]; G],
    grad_bias_hh: &mut [T; G],
    carry: &mut [T; H],
) {
    let dj_dside = gru_backward_gates(
        dj_dz,
        dj_dh,
        gates,
        previous,
        weight_hh,
        grad_bias_hh,
        carry,
    );
    dense::outer_acc(grad_weight_hh, &dj_dside, previous);
}

/// [`gru_backward`] but for the gradient of `weight_hh`: returns `dJ/d` of the recurrent
/// side, whose outer product with the previous state is that gradient, for a pass over
/// several steps to add for all of them at once (`dense::outer_acc_batch`).
#[inline]
pub fn gru_backward_gates<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous: &[T; H],
    weight_hh: &[[T; H]; G],
    grad_bias_hh: &mut [T; G],
    carry: &mut [T; H],
) -> [T; G] {
    let dj_dside = gru_backward_gates_deferred(dj_dz, dj_dh, gates, previous, grad_bias_hh, carry);
    dense::matvec_transpose_acc(carry, weight_hh, &dj_dside);
    dj_dside
}

/// [`gru_backward_gates`] but for the recurrent product: `carry` gets only the share that
/// reaches the previous state directly (`dJ/dh u`), and the caller adds
/// `weight_hh^T dj_dside` (the returned value), which a pass over several sequences in
/// lockstep does for all of them at once, reading `weight_hh` once
/// (`dense::matvec_transpose_acc_lanes`).
#[inline]
pub fn gru_backward_gates_deferred<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous: &[T; H],
    grad_bias_hh: &mut [T; G],
    carry: &mut [T; H],
) -> [T; G] {
    const { assert!(G == 3 * H && K == 4 * H) };
    let one = T::one();
    let mut dj_dside = [T::zero(); G];
    for j in 0..H {
        let (r, u, n, hidden_n) = (gates[j], gates[H + j], gates[2 * H + j], gates[3 * H + j]);
        let dh = dj_dh[j];
        let dj_dn = dh * (one - u);
        let dj_du = dh * (previous[j] - n);
        let dj_dz_n = dj_dn * (one - n * n);
        let dj_dz_r = dj_dz_n * hidden_n * r * (one - r);
        let dj_dz_u = dj_du * u * (one - u);
        dj_dz[j] = dj_dz_r;
        dj_dz[H + j] = dj_dz_u;
        dj_dz[2 * H + j] = dj_dz_n;
        dj_dside[j] = dj_dz_r;
        dj_dside[H + j] = dj_dz_u;
        dj_dside[2 * H + j] = dj_dz_n * r;
        carry[j] = dh * u;
    }
    dense::add_assign(grad_bias_hh, &dj_dside);
    dj_dside
}

/// One LSTM step: from the input side `z` (`4H`) and the previous state `(h, c)`, the new
/// cell state `c`, the new `h`, and the trace's `gates` (`5H`: i, f, g, o and `tanh c`).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn lstm<T: Scalar, const H: usize, const G: usize, const K: usize>(
    gates: &mut [T; K],
    c: &mut [T; H],
    h: &mut [T; H],
    z: &[T; G],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous_h: &[T; H],
    previous_c: &[T; H],
    fast_kernels: bool,
) {
    const { assert!(G == 4 * H && K == 5 * H) };
    let side = recurrent_side(weight_hh, bias_hh, previous_h);
    gate_pass(fast_kernels, |kernels| {
        lstm_gates(gates, c, h, z, &side, previous_c, kernels);
    });
}

/// [`lstm`] for several sequences at the same step (`lanes[l] = (gates, c, h, z,
/// previous_h, previous_c)`): the same bits as [`lstm`] lane by lane, with `weight_hh` read
/// once for all of them where the kernel can ([`dense::matvec_acc_lanes`]).
#[inline]
#[allow(clippy::type_complexity)]
pub fn lstm_lanes<T: Scalar, const H: usize, const G: usize, const K: usize, const L: usize>(
    lanes: [(
        &mut [T; K],
        &mut [T; H],
        &mut [T; H],
        &[T; G],
        &[T; H],
        &[T; H],
    ); L],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    fast_kernels: bool,
) {
    const { assert!(G == 4 * H && K == 5 * H) };
    let sides = recurrent_sides(weight_hh, bias_hh, lanes.each_ref().map(|lane| lane.4));
    lstm_lanes_from_sides(lanes, &sides, fast_kernels);
}

/// [`lstm_lanes`] with `weight_hh` stored by columns (`weight_hh_t[j]`: the `4H` weights
/// on `h[j]`), as [`gru_lanes_by_columns`]: the same as [`lstm`] lane by lane to rounding.
#[inline]
#[allow(clippy::type_complexity)]
pub fn lstm_lanes_by_columns<
    T: Scalar,
    const H: usize,
    const G: usize,
    const K: usize,
    const L: usize,
>(
    lanes: [(
        &mut [T; K],
        &mut [T; H],
        &mut [T; H],
        &[T; G],
        &[T; H],
        &[T; H],
    ); L],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    fast_kernels: bool,
) {
    const { assert!(G == 4 * H && K == 5 * H) };
    let previous = lanes.each_ref().map(|lane| lane.4);
    let sides = recurrent_sides_by_columns(weight_hh_t, bias_hh, previous);
    lstm_lanes_from_sides(lanes, &sides, fast_kernels);
}

/// The gates and new states of [`lstm_lanes`] from each lane's recurrent side.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn lstm_lanes_from_sides<
    T: Scalar,
    const H: usize,
    const G: usize,
    const K: usize,
    const L: usize,
>(
    lanes: [(
        &mut [T; K],
        &mut [T; H],
        &mut [T; H],
        &[T; G],
        &[T; H],
        &[T; H],
    ); L],
    sides: &[[T; G]; L],
    fast_kernels: bool,
) {
    for ((gates, c, h, z, _, previous_c), side) in lanes.into_iter().zip(sides) {
        gate_pass(fast_kernels, |kernels| {
            lstm_gates(gates, c, h, z, side, previous_c, kernels);
        });
    }
}

/// The LSTM's gates and new state from both sides, in passes over contiguous blocks as for
/// the GRU: i and f, g, o, then the cell state, its tanh, and h.
#[inline(always)]
fn lstm_gates<T: Scalar, const H: usize, const G: usize, const K: usize>(
    gates: &mut [T; K],
    c: &mut [T; H],
    h: &mut [T; H],
    z: &[T; G],
    side: &[T; G],
    previous_c: &[T; H],
    kernels: Kernels,
) {
    for k in 0..2 * H {
        gates[k] = sigma(z[k] + side[k], kernels);
    }
    for k in 2 * H..3 * H {
        gates[k] = hyperbolic(z[k] + side[k], kernels);
    }
    for k in 3 * H..4 * H {
        gates[k] = sigma(z[k] + side[k], kernels);
    }
    for j in 0..H {
        c[j] = gates[H + j] * previous_c[j] + gates[j] * gates[2 * H + j];
    }
    for j in 0..H {
        gates[4 * H + j] = hyperbolic(c[j], kernels);
    }
    for j in 0..H {
        h[j] = gates[3 * H + j] * gates[4 * H + j];
    }
}

/// One LSTM step of a stream: the new `c` and `h` only, with no trace for a backward
/// pass. The same arithmetic as [`lstm`], so the same numbers to the last bit.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn lstm_step<T: Scalar, const H: usize, const G: usize>(
    c: &mut [T; H],
    h: &mut [T; H],
    z: &[T; G],
    weight_hh: &[[T; H]; G],
    bias_hh: &[T; G],
    previous_h: &[T; H],
    previous_c: &[T; H],
    fast_kernels: bool,
) {
    const { assert!(G == 4 * H) };
    let side = recurrent_side(weight_hh, bias_hh, previous_h);
    gate_pass(fast_kernels, |kernels| {
        lstm_state(c, h, z, &side, previous_c, kernels);
    });
}

/// [`lstm_step`] with `weight_hh` stored by columns (`weight_hh_t[j]`: the `4H` weights on
/// unit `j` of the previous `h`), as [`gru_step_by_columns`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn lstm_step_by_columns<T: Scalar, const H: usize, const G: usize>(
    c: &mut [T; H],
    h: &mut [T; H],
    z: &[T; G],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous_h: &[T; H],
    previous_c: &[T; H],
    fast_kernels: bool,
) {
    let recurrence = Recurrence {
        weight_hh_t,
        bias_hh,
        previous_h,
    };
    let input = StreamInput::<T, 0, G>::Given(z);
    let step = LstmStream {
        c,
        h,
        previous_c,
        input,
        recurrence,
    };
    lstm_stream(fast_kernels, step);
}

/// [`lstm_step_by_columns`] for a layer whose input side is one matrix product and its
/// bias, computed here, as [`gru_step_by_columns_from`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn lstm_step_by_columns_from<T: Scalar, const I: usize, const H: usize, const G: usize>(
    c: &mut [T; H],
    h: &mut [T; H],
    weight_ih_t: &[[T; G]; I],
    bias_ih: &[T; G],
    x: &[T; I],
    weight_hh_t: &[[T; G]; H],
    bias_hh: &[T; G],
    previous_h: &[T; H],
    previous_c: &[T; H],
    fast_kernels: bool,
) {
    let input = StreamInput::Product {
        weight_ih_t,
        bias_ih,
        x,
    };
    let recurrence = Recurrence {
        weight_hh_t,
        bias_hh,
        previous_h,
    };
    let step = LstmStream {
        c,
        h,
        previous_c,
        input,
        recurrence,
    };
    lstm_stream(fast_kernels, step);
}

/// A prepared stream's LSTM step, as [`gru_stream`].
#[inline(always)]
fn lstm_stream<T: Scalar, const I: usize, const H: usize, const G: usize>(
    fast_kernels: bool,
    step: LstmStream<'_, T, I, H, G>,
) {
    const { assert!(G == 4 * H) };
    let LstmStream {
        c,
        h,
        previous_c,
        input,
        recurrence,
    } = step;
    let (mut z_copy, mut x_copy) = ([T::zero(); G], [T::zero(); I]);
    let input = input.local_copy(&mut z_copy, &mut x_copy);
    let (mut new_c, mut new_h) = ([T::zero(); H], [T::zero(); H]);
    let (c_new, h_new) = (&mut new_c, &mut new_h);
    if !(fast_kernels && T::lstm_stream_kernel(c_new, h_new, previous_c, input, recurrence)) {
        let step = LstmStream {
            c: c_new,
            h: h_new,
            previous_c,
            input,
            recurrence,
        };
        stream_pass(fast_kernels, step);
    }
    *h = new_h;
    for (to, from) in c.iter_mut().zip(new_c) {
        *to = from;
    }
}

/// The arguments of a prepared stream's LSTM step.
struct LstmStream<'a, T, const I: usize, const H: usize, const G: usize> {
    c: &'a mut [T; H],
    h: &'a mut [T; H],
    previous_c: &'a [T; H],
    input: StreamInput<'a, T, I, G>,
    recurrence: Recurrence<'a, T, H, G>,
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> StreamPass
    for LstmStream<'_, T, I, H, G>
{
    #[inline(always)]
    fn pass(self, kernels: Kernels) {
        let LstmStream {
            c,
            h,
            previous_c,
            input,
            recurrence:
                Recurrence {
                    weight_hh_t,
                    bias_hh,
                    previous_h,
                },
        } = self;
        let z = input.sum(kernels);
        if !kernels.fused() {
            let side = recurrent_side_by_columns(weight_hh_t, bias_hh, previous_h);
            lstm_state(c, h, &z, &side, previous_c, kernels);
            return;
        }
        // The chain from one state to the next, shortened: the input side starts every
        // gate's sum, and the new cell state is one multiply-add after `i` and `g`.
        let mut sums = *bias_hh;
        for k in 0..G {
            sums[k] = sums[k] + z[k];
        }
        add_product_by_columns(&mut sums, weight_hh_t, previous_h, kernels);
        for j in 0..H {
            let i = sigma(sums[j], kernels);
            let f = sigma(sums[H + j], kernels);
            let g = hyperbolic(sums[2 * H + j], kernels);
            let o = sigma(sums[3 * H + j], kernels);
            c[j] = i.mul_add(g, f * previous_c[j]);
            h[j] = o * hyperbolic(c[j], kernels);
        }
    }
}

/// The LSTM's new state from both sides in one pass over the units: [`lstm_gates`]
/// without storing the gates.
#[inline(always)]
fn lstm_state<T: Scalar, const H: usize, const G: usize>(
    c: &mut [T; H],
    h: &mut [T; H],
    z: &[T; G],
    side: &[T; G],
    previous_c: &[T; H],
    kernels: Kernels,
) {
    for j in 0..H {
        let i = sigma(z[j] + side[j], kernels);
        let f = sigma(z[H + j] + side[H + j], kernels);
        let g = hyperbolic(z[2 * H + j] + side[2 * H + j], kernels);
        let o = sigma(z[3 * H + j] + side[3 * H + j], kernels);
        c[j] = f * previous_c[j] + i * g;
        h[j] = o * hyperbolic(c[j], kernels);
    }
}

/// The backward pass of one LSTM step, given `dJ/dh` of its new `h` and, in `carry_c`,
/// `dJ/dc` of its new cell state from the later steps: writes `dJ/dz` of the input side
/// (the same as of the recurrent side), adds the gradients of `weight_hh` and `bias_hh`,
/// and sets `carry_h` and `carry_c` to `dJ/d` of the previous `h` and `c`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous_h: &[T; H],
    previous_c: &[T; H],
    weight_hh: &[[T; H]; G],
    grad_weight_hh: &mut [[T; H]; G],
    grad_bias_hh: &mut [T; G],
    carry_h: &mut [T; H],
    carry_c: &mut [T; H],
) {
    lstm_backward_gates(
        dj_dz,
        dj_dh,
        gates,
        previous_c,
        weight_hh,
        grad_bias_hh,
        carry_h,
        carry_c,
    );
    dense::outer_acc(grad_weight_hh, dj_dz, previous_h);
}

/// [`lstm_backward`] but for the gradient of `weight_hh`, the outer product of `dj_dz`
/// with the previous `h`, for a pass over several steps to add for all of them at once
/// (`dense::outer_acc_batch`).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward_gates<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous_c: &[T; H],
    weight_hh: &[[T; H]; G],
    grad_bias_hh: &mut [T; G],
    carry_h: &mut [T; H],
    carry_c: &mut [T; H],
) {
    lstm_backward_gates_deferred(
        dj_dz,
        dj_dh,
        gates,
        previous_c,
        grad_bias_hh,
        carry_h,
        carry_c,
    );
    dense::matvec_transpose_acc(carry_h, weight_hh, dj_dz);
}

/// [`lstm_backward_gates`] but for the recurrent product: `carry_h` is set to zero, and the
/// caller adds `weight_hh^T dj_dz`, which a pass over several sequences in lockstep does for
/// all of them at once, reading `weight_hh` once (`dense::matvec_transpose_acc_lanes`).
#[inline]
pub fn lstm_backward_gates_deferred<T: Scalar, const H: usize, const G: usize, const K: usize>(
    dj_dz: &mut [T; G],
    dj_dh: &[T; H],
    gates: &[T; K],
    previous_c: &[T; H],
    grad_bias_hh: &mut [T; G],
    carry_h: &mut [T; H],
    carry_c: &mut [T; H],
) {
    const { assert!(G == 4 * H && K == 5 * H) };
    let one = T::one();
    for j in 0..H {
        let (i, f, g, o, tanh_c) = (
            gates[j],
            gates[H + j],
            gates[2 * H + j],
            gates[3 * H + j],
            gates[4 * H + j],
        );
        let dh = dj_dh[j];
        // c reaches J through h now and through the next step's c.
        let dj_dc = dh * o * (one - tanh_c * tanh_c) + carry_c[j];
        dj_dz[j] = dj_dc * g * i * (one - i);
        dj_dz[H + j] = dj_dc * previous_c[j] * f * (one - f);
        dj_dz[2 * H + j] = dj_dc * i * (one - g * g);
        dj_dz[3 * H + j] = dh * tanh_c * o * (one - o);
        carry_c[j] = dj_dc * f;
        carry_h[j] = T::zero();
    }
    dense::add_assign(grad_bias_hh, dj_dz);
}

#[cfg(test)]
mod tests {
    use super::{GruStream, Kernels, LstmStream, Recurrence, StreamInput, StreamPass};
    use crate::Scalar;

    /// The functions a prepared stream's step can run in.
    #[derive(Clone, Copy, Debug)]
    enum Path {
        Exact,
        Fast,
        #[cfg(target_arch = "x86_64")]
        FusedAvx512,
        #[cfg(target_arch = "x86_64")]
        FusedAvx2,
        /// `f32`'s own kernel, with AVX-512 intrinsics.
        #[cfg(target_arch = "x86_64")]
        Avx512Intrinsics,
    }

    /// Every path this CPU can run: the fused kernels only where it has the instructions.
    fn paths() -> Vec<Path> {
        let mut paths = vec![Path::Exact, Path::Fast];
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::has_avx512() {
                paths.push(Path::FusedAvx512);
            }
            if crate::simd::has_avx2_fma() {
                paths.push(Path::FusedAvx2);
            }
            if crate::simd::has_avx512() {
                paths.push(Path::Avx512Intrinsics);
            }
        }
        paths
    }

    fn run(step: impl StreamPass, path: Path) {
        match path {
            Path::Exact => step.pass(Kernels::Exact),
            Path::Fast => step.pass(Kernels::Fast),
            // SAFETY: `paths` offers these only on CPUs with the instructions.
            #[cfg(target_arch = "x86_64")]
            Path::FusedAvx512 => unsafe { super::fused_avx512(step) },
            #[cfg(target_arch = "x86_64")]
            Path::FusedAvx2 => unsafe { super::fused_avx2(step) },
            #[cfg(target_arch = "x86_64")]
            Path::Avx512Intrinsics => unreachable!("run by `gru` and `lstm`"),
        }
    }

    fn gru<const I: usize, const H: usize, const G: usize>(
        step: GruStream<'_, f32, I, H, G>,
        path: Path,
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Path::Avx512Intrinsics = path {
            assert!(f32::gru_stream_kernel(step.h, step.input, step.recurrence));
            return;
        }
        run(step, path);
    }

    fn lstm<const I: usize, const H: usize, const G: usize>(
        step: LstmStream<'_, f32, I, H, G>,
        path: Path,
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Path::Avx512Intrinsics = path {
            let LstmStream {
                c,
                h,
                previous_c,
                input,
                recurrence,
            } = step;
            assert!(f32::lstm_stream_kernel(c, h, previous_c, input, recurrence));
            return;
        }
        run(step, path);
    }

    /// A seeded value in `[-scale, scale)`.
    fn value(seed: &mut u64, scale: f32) -> f32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        scale * ((*seed >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
    }

    fn filled<const N: usize>(seed: &mut u64, scale: f32) -> [f32; N] {
        core::array::from_fn(|_| value(seed, scale))
    }

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// A cell's inputs: the input side, `bias_hh`, `weight_hh` by columns, the previous
    /// state(s), and `bias_hh + weight_hh h` in `f64`.
    struct Sides<const H: usize, const G: usize> {
        z: [f32; G],
        bias_hh: [f32; G],
        weight_hh_t: [[f32; G]; H],
        previous: [f32; H],
        previous_c: [f32; H],
    }

    impl<const H: usize, const G: usize> Sides<H, G> {
        fn new(mut seed: u64) -> Self {
            Sides {
                z: filled(&mut seed, 3.0),
                bias_hh: filled(&mut seed, 0.5),
                weight_hh_t: core::array::from_fn(|_| filled(&mut seed, 0.6)),
                previous: filled(&mut seed, 1.0),
                previous_c: filled(&mut seed, 2.0),
            }
        }

        fn recurrence(&self) -> Recurrence<'_, f32, H, G> {
            Recurrence {
                weight_hh_t: &self.weight_hh_t,
                bias_hh: &self.bias_hh,
                previous_h: &self.previous,
            }
        }

        /// `z + bias_hh + weight_hh h` of gate row `k`, `r` times the recurrent side.
        fn gate(&self, k: usize, r: f64) -> f64 {
            let side: f64 = (0..H)
                .map(|j| f64::from(self.weight_hh_t[j][k]) * f64::from(self.previous[j]))
                .sum();
            f64::from(self.z[k]) + r * (f64::from(self.bias_hh[k]) + side)
        }
    }

    fn assert_close<const H: usize>(cell: &str, path: Path, got: &[f32; H], want: &[f64; H]) {
        for j in 0..H {
            let error = (f64::from(got[j]) - want[j]).abs();
            assert!(
                error < 2e-6,
                "{cell}-{H}, {path:?}, unit {j}: off by {error:e}"
            );
        }
    }

    /// A GRU step on every path against PyTorch's equations in `f64`.
    fn gru_agrees<const H: usize, const G: usize>(seed: u64) {
        let sides = Sides::<H, G>::new(seed);
        let want: [f64; H] = core::array::from_fn(|j| {
            let r = sigmoid(sides.gate(j, 1.0));
            let u = sigmoid(sides.gate(H + j, 1.0));
            let n = sides.gate(2 * H + j, r).tanh();
            (1.0 - u) * n + u * f64::from(sides.previous[j])
        });
        for path in paths() {
            let mut h = [f32::NAN; H];
            let step = GruStream::<'_, f32, 0, H, G> {
                h: &mut h,
                input: StreamInput::Given(&sides.z),
                recurrence: sides.recurrence(),
            };
            gru(step, path);
            assert_close("GRU", path, &h, &want);
        }
    }

    /// An LSTM step on every path against PyTorch's equations in `f64`.
    fn lstm_agrees<const H: usize, const G: usize>(seed: u64) {
        let sides = Sides::<H, G>::new(seed);
        let want_c: [f64; H] = core::array::from_fn(|j| {
            let (i, f) = (sigmoid(sides.gate(j, 1.0)), sigmoid(sides.gate(H + j, 1.0)));
            f * f64::from(sides.previous_c[j]) + i * sides.gate(2 * H + j, 1.0).tanh()
        });
        let want_h: [f64; H] =
            core::array::from_fn(|j| sigmoid(sides.gate(3 * H + j, 1.0)) * want_c[j].tanh());
        for path in paths() {
            let (mut c, mut h) = ([f32::NAN; H], [f32::NAN; H]);
            let step = LstmStream::<'_, f32, 0, H, G> {
                c: &mut c,
                h: &mut h,
                previous_c: &sides.previous_c,
                input: StreamInput::Given(&sides.z),
                recurrence: sides.recurrence(),
            };
            lstm(step, path);
            assert_close("LSTM c", path, &c, &want_c);
            assert_close("LSTM h", path, &h, &want_h);
        }
    }

    /// A cell's input side `bias_ih + weight_ih x`, seeded, and that sum as generated code
    /// computes it (the exact kernels' path).
    struct Input<const I: usize, const G: usize> {
        weight_ih_t: [[f32; G]; I],
        bias_ih: [f32; G],
        x: [f32; I],
    }

    impl<const I: usize, const G: usize> Input<I, G> {
        fn new(mut seed: u64) -> Self {
            Input {
                weight_ih_t: core::array::from_fn(|_| filled(&mut seed, 0.5)),
                bias_ih: filled(&mut seed, 0.5),
                x: filled(&mut seed, 1.0),
            }
        }

        fn side(&self) -> StreamInput<'_, f32, I, G> {
            StreamInput::Product {
                weight_ih_t: &self.weight_ih_t,
                bias_ih: &self.bias_ih,
                x: &self.x,
            }
        }
    }

    /// What a cell that sums its own input side (`*_step_by_columns_from`) gives, against
    /// the same cell given that sum: to the bit on the exact and fast paths (which sum it as
    /// generated code does), to rounding on the fused ones (which sum it in registers).
    fn assert_same<const H: usize>(cell: &str, path: Path, from: &[f32; H], given: &[f32; H]) {
        let exact = matches!(path, Path::Exact | Path::Fast);
        for j in 0..H {
            let (got, want) = (from[j], given[j]);
            let same = if exact {
                got.to_bits() == want.to_bits()
            } else {
                (got - want).abs() < 2e-6
            };
            assert!(
                same,
                "{cell}-{H} from its input, {path:?}, unit {j}: {got} vs {want}"
            );
        }
    }

    fn gru_from_input_agrees<const I: usize, const H: usize, const G: usize>(seed: u64) {
        let (sides, input) = (Sides::<H, G>::new(seed), Input::<I, G>::new(seed + 1));
        let z = input.side().sum(Kernels::Exact);
        for path in paths() {
            let (mut from, mut given) = ([f32::NAN; H], [f32::NAN; H]);
            let step = GruStream {
                h: &mut from,
                input: input.side(),
                recurrence: sides.recurrence(),
            };
            gru(step, path);
            let step = GruStream::<'_, f32, 0, H, G> {
                h: &mut given,
                input: StreamInput::Given(&z),
                recurrence: sides.recurrence(),
            };
            gru(step, path);
            assert_same("GRU", path, &from, &given);
        }
    }

    fn lstm_from_input_agrees<const I: usize, const H: usize, const G: usize>(seed: u64) {
        let (sides, input) = (Sides::<H, G>::new(seed), Input::<I, G>::new(seed + 1));
        let z = input.side().sum(Kernels::Exact);
        for path in paths() {
            let mut from = ([f32::NAN; H], [f32::NAN; H]);
            let mut given = from;
            let step = LstmStream {
                c: &mut from.0,
                h: &mut from.1,
                previous_c: &sides.previous_c,
                input: input.side(),
                recurrence: sides.recurrence(),
            };
            lstm(step, path);
            let step = LstmStream::<'_, f32, 0, H, G> {
                c: &mut given.0,
                h: &mut given.1,
                previous_c: &sides.previous_c,
                input: StreamInput::Given(&z),
                recurrence: sides.recurrence(),
            };
            lstm(step, path);
            assert_same("LSTM c", path, &from.0, &given.0);
            assert_same("LSTM h", path, &from.1, &given.1);
        }
    }

    #[test]
    fn a_cell_summing_its_own_input_side_agrees_with_one_given_it() {
        gru_from_input_agrees::<5, 3, 9>(11);
        gru_from_input_agrees::<16, 16, 48>(12);
        gru_from_input_agrees::<7, 21, 63>(13);
        lstm_from_input_agrees::<1, 2, 8>(14);
        lstm_from_input_agrees::<16, 16, 64>(15);
        lstm_from_input_agrees::<9, 19, 76>(16);
        gru_from_input_agrees::<3, 40, 120>(19);
        lstm_from_input_agrees::<17, 48, 192>(20);
    }

    // Sizes for every shape of the vector loops: fewer units than a vector, whole vectors
    // of eight and sixteen, and ragged ones; an odd count for the odd last column.

    #[test]
    fn the_gru_stream_step_agrees_with_the_equations_on_every_path() {
        gru_agrees::<1, 3>(1);
        gru_agrees::<3, 9>(2);
        gru_agrees::<8, 24>(3);
        gru_agrees::<16, 48>(4);
        gru_agrees::<21, 63>(5);
        gru_agrees::<33, 99>(17);
    }

    #[test]
    fn the_lstm_stream_step_agrees_with_the_equations_on_every_path() {
        lstm_agrees::<1, 4>(6);
        lstm_agrees::<5, 20>(7);
        lstm_agrees::<8, 32>(8);
        lstm_agrees::<16, 64>(9);
        lstm_agrees::<19, 76>(10);
        lstm_agrees::<35, 140>(18);
    }
}
