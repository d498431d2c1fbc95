//! Code compiled for the CPU it runs on, chosen at run time: a closure inlined into a
//! function compiled for AVX2 and FMA where the CPU has them (with `std`, which can ask),
//! and as compiled for the default target (SSE2 on x86-64) everywhere else.
//!
//! For passes of plain element-wise arithmetic (an update of every parameter) this doubles
//! the lanes at the cost of one check. (The cells' gate passes have a trampoline of their
//! own, taking the kernels' choice as an argument: through this one the GRU-16 stream step
//! measured 2.6% more instructions, its step no longer inlined.) The dense kernels in `simd.rs` keep
//! explicit `#[target_feature]` copies instead: routed through a closure like this, their
//! loops were not inlined into it, their `mul_add` became library calls, and the sine step
//! doubled in instructions.

/// Runs `work`, compiled for AVX2 and FMA if the CPU has them.
#[doc(hidden)]
#[inline(always)]
pub fn wide<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        return unsafe { with_avx2(work) };
    }
    work()
}

/// `*out = work()`, with `work` compiled for AVX2 and FMA if the CPU has them ([`wide`]).
/// The result is stored from inside that function, in its vectors: returned instead and
/// copied by the caller in narrower pieces, a wider load of it right after (the next
/// layer's product) cannot be forwarded from those stores and waits for them.
#[doc(hidden)]
#[inline(always)]
pub fn wide_into<R>(out: &mut R, work: impl FnOnce() -> R) {
    wide(|| *out = work());
}

/// `*out = fused()` compiled for AVX2 and FMA if the CPU has them, `*out = plain()`
/// otherwise, stored as [`wide_into`] stores: for work written twice, once with `mul_add`
/// (a single instruction with FMA, a library call without it), once without.
#[doc(hidden)]
#[inline(always)]
pub fn wide_or_into<R>(out: &mut R, fused: impl FnOnce() -> R, plain: impl FnOnce() -> R) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has just been found to support AVX2 and FMA.
        unsafe { with_avx2(|| *out = fused()) };
        return;
    }
    let _ = fused;
    *out = plain();
}

/// Calls `work`, inlined and so compiled for AVX2 and FMA.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
mod tests {
    use super::wide_or_into;

    #[test]
    fn the_fused_work_runs_exactly_where_the_cpu_fuses() {
        let fuses = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let mut ran = "";
        wide_or_into(&mut ran, || "fused", || "plain");
        assert_eq!(ran, if fuses { "fused" } else { "plain" });
        // Either way, the kernel it ran is `tanh` to the accuracy of `f32`.
        let x = 0.3_f32;
        let mut value = 0.0;
        wide_or_into(
            &mut value,
            || crate::activation::fast::tanh_fused(x),
            || crate::activation::fast::tanh(x),
        );
        assert!((f64::from(value) - 0.3_f64.tanh()).abs() < 1e-6);
    }
}
