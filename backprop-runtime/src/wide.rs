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
