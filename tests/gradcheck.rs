//! `gradcheck` says whether a backward pass is right, with a tolerance for each scalar type.

use backprop_runtime::gradcheck::{TOLERANCE_F32, TOLERANCE_F64};
use backprop_runtime::{gradcheck, init, network, ClassTarget};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

network! {
    /// A correct network in f64.
    pub struct Right<f64> {
        input x[3];
        layer h[4] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

network! {
    /// The same with a wrong derivative: the user says 3z where z^2 / 2 has z.
    pub struct Wrong<f64> {
        activation square_half(z) = 0.5 * z * z, derivative = 3.0 * z;
        input x[3];
        layer h[4] = square_half(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

network! {
    /// A smooth f32 classifier.
    pub struct Coarse<f32> {
        input x[8];
        layer h[16] = tanh(W1 * x + b1);
        output logits[4] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

#[test]
fn a_right_backward_pass_passes_and_a_wrong_one_fails_with_the_verdict_said() {
    let mut right = Right::default();
    init::glorot_uniform(&mut right, &mut ChaCha8Rng::seed_from_u64(1));
    let check = gradcheck(&right, &[0.5, -0.25, 1.0], &[0.1, -0.2]);
    assert!(check.passes(), "{check}");
    assert_eq!(check.tolerance, TOLERANCE_F64);
    assert!(
        check
            .to_string()
            .starts_with("passes: worst relative error"),
        "{check}"
    );

    let mut wrong = Wrong::default();
    wrong.as_mut_slice().copy_from_slice(right.as_slice());
    let check = gradcheck(&wrong, &[0.5, -0.25, 1.0], &[0.1, -0.2]);
    assert!(!check.passes(), "{check}");
    assert!(
        check.to_string().starts_with("FAILS: worst relative error"),
        "{check}"
    );
}

#[test]
fn f32_networks_are_judged_by_the_f32_tolerance() {
    for seed in 0..20 {
        let mut net = Coarse::default();
        init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(seed));
        let x: [f32; 8] = std::array::from_fn(|i| ((i as u64 * 7 + seed) % 11) as f32 / 5.0 - 1.0);
        let check = gradcheck(&net, &x, &ClassTarget::Index(seed as usize % 4));
        assert_eq!(check.tolerance, TOLERANCE_F32);
        assert!(check.passes(), "seed {seed}: {check}");
    }
}
