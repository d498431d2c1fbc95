//! `#[backprop(variant(...))]`: one declaration, companions in another scalar type or
//! precision, conversions between them, and `f32` gradients checked in `f64`.

use backprop_runtime::gradcheck::{gradcheck_in, TOLERANCE_WIDE};
use backprop_runtime::{gradcheck, init, network, ClassTarget};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

network! {
    /// The sine regressor, declared once.
    #[backprop(variant(SineFast, precision = fast))]
    #[backprop(variant(Sine64, scalar = f64))]
    #[backprop(variant(Sine64Fast, scalar = f64, precision = fast))]
    pub struct Sine<f32> {
        input x;
        layer h[16] = tanh(W1 * x + b1);
        output y = identity(w2 * h + b2);
        loss mean_squared_error;
    }
}

network! {
    /// A relu classifier in f32, checked through its f64 variant.
    #[backprop(variant(ReluF64, scalar = f64))]
    pub struct Relu<f32> {
        input x[8];
        layer h[16] = relu(W1 * x + b1);
        output logits[4] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

network! {
    /// The f32 network with a wrong derivative (3z for z^2 / 2), and its f64 variant.
    #[backprop(variant(WrongF64, scalar = f64))]
    pub struct Wrong<f32> {
        activation square_half(z) = 0.5 * z * z, derivative = 3.0 * z;
        input x[3];
        layer h[4] = square_half(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss half_squared_error;
    }
}

fn sine() -> Sine {
    let mut net = Sine::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(3));
    net
}

#[test]
fn variants_share_the_topology_and_convert_both_ways() {
    let net = sine();
    let fast = SineFast::from(&net);
    let wide = Sine64::from(&net);
    let wide_fast = Sine64Fast::from(&fast);
    assert_eq!(SineFast::PARAMS, Sine::PARAMS);
    assert_eq!(fast.as_slice(), net.as_slice());
    let widened: Vec<f64> = net.as_slice().iter().map(|&w| f64::from(w)).collect();
    assert_eq!(wide.as_slice(), &widened[..]);
    assert_eq!(Sine::from(&wide), net);
    assert_eq!(Sine::from(&wide_fast), net);
    let _: f64 = wide.W1[0];

    for x in [-2.5_f32, -0.3, 0.0, 0.7, 3.0] {
        let exact = net.predict(&[x])[0];
        assert!((fast.predict(&[x])[0] - exact).abs() < 1e-5, "{x}");
        assert!((wide.predict(&[f64::from(x)])[0] - f64::from(exact)).abs() < 1e-5);
        assert!((wide_fast.predict(&[f64::from(x)])[0] - f64::from(exact)).abs() < 1e-5);
    }
}

#[test]
fn a_variant_trains_like_its_original() {
    let mut net = sine();
    let mut wide = Sine64::from(&net);
    for step in 0..200 {
        let x = -3.0 + 6.0 * (step % 50) as f32 / 49.0;
        net.train_step(&[x], &[x.sin()], 0.05).unwrap();
        wide.train_step(&[f64::from(x)], &[f64::from(x).sin()], 0.05)
            .unwrap();
    }
    let narrowed = Sine::from(&wide);
    for (a, b) in net.as_slice().iter().zip(narrowed.as_slice()) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
}

#[test]
fn f32_gradients_are_checked_precisely_in_f64() {
    for seed in 0..20 {
        let mut net = Relu::default();
        init::he_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(seed));
        let x: [f32; 8] = std::array::from_fn(|i| ((i as u64 * 7 + seed) % 11) as f32 / 5.0 - 1.0);
        let target = ClassTarget::Index(seed as usize % 4);
        let check = gradcheck_in::<ReluF64, _>(&net, &x, &target);
        assert_eq!(check.tolerance, TOLERANCE_WIDE);
        assert!(check.passes(), "seed {seed}: {check}");
        assert!(check.worst_relative_error < 1e-5, "seed {seed}: {check}");
    }

    let mut wrong = Wrong::default();
    init::glorot_uniform(&mut wrong, &mut ChaCha8Rng::seed_from_u64(1));
    let check = gradcheck_in::<WrongF64, _>(&wrong, &[0.5, -0.25, 1.0], &[0.1, -0.2]);
    assert!(!check.passes(), "{check}");
    // The f32 check alone is coarse; through f64 the same network is judged precisely.
    let coarse = gradcheck(&wrong, &[0.5, -0.25, 1.0], &[0.1, -0.2]);
    assert!(!coarse.passes(), "{coarse}");
}
