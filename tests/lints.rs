//! A user crate with strict lints: generated code adds no warning of its own, and every
//! generated public item is documented.

#![deny(
    warnings,
    missing_docs,
    missing_debug_implementations,
    missing_copy_implementations,
    rust_2018_idioms,
    unused_qualifications,
    clippy::all,
    clippy::pedantic
)]
// The unsafe of the flat parameter view lives in generated code, yet a crate that forbids
// unsafe code can still declare networks: rustc does not lint unsafe from another crate's
// proc-macro expansion.
#![forbid(unsafe_code)]
#![allow(clippy::float_cmp)] // the assertions below compare exact values on purpose

use backprop_runtime::network;

network! {
    /// A documented network in a strictly linted crate.
    pub struct Strict<f32> {
        /// The only input.
        input x;
        /// A hidden neuron.
        neuron h = tanh(w * x + b);
        output o = sigmoid(u * h + c);
        loss mean_squared_error;
    }
}

network! {
    /// Formula constants that clippy would flag in hand-written code (`3.14159` is close to
    /// pi, `z - z` repeats an operand) are the user's choice: the expansion allows them.
    pub struct Constants<f32> {
        activation wave(z) = sin(3.14159 * z) + z - z + 0.333333333333333333 * z;
        /// The only input.
        input x;
        output o = wave(w * x);
        loss half_squared_error;
    }
}

network! {
    /// A private network of which only some methods are used: no dead-code warnings.
    struct PartlyUsed<f64> {
        input x1, x2;
        neuron WeirdCase = relu(W1 * x1 + W2 * x2);
        output o = identity(U * WeirdCase);
        loss half_squared_error;
    }
}

#[test]
fn strict_network_trains() {
    let mut net = Strict {
        w: 0.5,
        b: 0.0,
        u: 1.0,
        c: 0.0,
    };
    let before = net.loss(&[1.0], &[1.0]);
    for _ in 0..100 {
        net.train_step(&[1.0], &[1.0], 0.5).unwrap();
    }
    assert!(net.loss(&[1.0], &[1.0]) < before);
}

#[test]
fn partly_used_network_predicts() {
    let net = PartlyUsed {
        W1: 1.0,
        W2: -1.0,
        U: 2.0,
    };
    assert_eq!(net.predict(&[3.0, 1.0]), [4.0]);
}

#[test]
#[allow(clippy::approx_constant)] // the network's own constant, on purpose
fn constants_clippy_would_flag_are_kept() {
    let net = Constants { w: 1.0 };
    let expected = (3.14159_f32 * 0.5).sin() + 0.333_333_34 * 0.5;
    assert!((net.predict(&[0.5])[0] - expected).abs() < 1e-6);
}
