//! A `precision fast` layer's `tanh` for several lanes (a batch chunk's forward pass in
//! lockstep) with AVX-512: sixteen values per register, by the rational function and the
//! reciprocal estimate of a stream's cells ([`super::stream`]), so no division (AVX2's
//! fused kernel divides, four `vdivps` for a layer of 32).

use core::arch::x86_64::{_mm512_mask_storeu_ps, _mm512_maskz_loadu_ps};

use super::stream::{block_mask, ratio};
use crate::fast::TANH;

/// `h = tanh z` for each lane `(h, z)`: with AVX-512 where the CPU has it and the layer has
/// sixteen values or more, otherwise lane by lane as a layer's fast `tanh` is computed.
#[inline(always)]
pub(crate) fn tanh_lanes<const N: usize, const L: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; N]); L],
) {
    if N >= 16 && super::has_avx512() {
        // SAFETY: the CPU has just been found to support AVX-512F, AVX2 and FMA.
        unsafe { tanh_lanes_avx512(lanes) };
        return;
    }
    crate::activation::fast::tanh_layer_lanes(lanes);
}

/// [`tanh_lanes`] with AVX-512, the values past the last sixteen of a lane masked.
///
/// # Safety
///
/// The CPU must support AVX-512F and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn tanh_lanes_avx512<const N: usize, const L: usize>(
    lanes: &mut [(&mut [f32; N], &[f32; N]); L],
) {
    for (h, z) in lanes.iter_mut() {
        for start in (0..N).step_by(16) {
            let mask = block_mask::<N>(start);
            // SAFETY: the caller's CPU has the features; the mask's lanes are values below
            // `N`, within `z[start..]` and `h[start..]`.
            unsafe {
                let x = _mm512_maskz_loadu_ps(mask, z[start..].as_ptr());
                _mm512_mask_storeu_ps(h[start..].as_mut_ptr(), mask, ratio(x, &TANH));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tanh_lanes;

    #[test]
    fn every_lane_is_the_fast_tanh_of_its_values() {
        // 37 values (two whole registers and a masked five), over and past saturation.
        let zs: [[f32; 37]; 3] = core::array::from_fn(|l| {
            core::array::from_fn(|j| (j as f32 - 18.0) * (0.05 + 0.6 * l as f32))
        });
        let mut hs = [[f32::NAN; 37]; 3];
        {
            let mut hs = hs.iter_mut();
            let mut lanes: [(&mut [f32; 37], &[f32; 37]); 3] =
                core::array::from_fn(|l| (hs.next().expect("one per lane"), &zs[l]));
            tanh_lanes(&mut lanes);
        }
        for (h, z) in hs.iter().zip(&zs) {
            for (&h, &z) in h.iter().zip(z) {
                let exact = f64::from(z).tanh();
                let error = (f64::from(h) - exact).abs();
                assert!(
                    error <= 4.1e-7 * exact.abs().max(1e-30) + 1e-45,
                    "tanh({z}) = {h}, not {exact}"
                );
            }
        }
    }
}
