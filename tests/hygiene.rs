//! Generated code is hygienic: user items named like the standard items it uses cannot
//! break it, because it names everything by absolute path.

#![allow(
    non_camel_case_types,
    dead_code,
    unused_imports,
    unused_macros,
    clippy::float_cmp
)]

mod shadowing {
    // Every name below would capture a relative path in generated code.
    pub struct Result;
    pub struct Option;
    pub struct Box;
    pub struct f64;
    pub struct f32;
    pub struct usize;
    pub struct str;
    pub struct Clone;
    pub struct Copy;
    pub struct Debug;
    pub struct Default;
    pub struct PartialEq;
    pub struct Network;
    pub struct Parameters;
    pub struct Error;
    pub struct Ok;
    pub struct Err;
    pub struct act;
    pub mod core {}
    pub mod std {}
    pub mod backprop_runtime {}
    macro_rules! assert {
        ($($tokens:tt)*) => {
            compile_error!("generated code used the user's `assert!`")
        };
    }
    pub(crate) use assert;

    ::backprop_runtime::network! {
        /// Declared where every name above is in scope.
        pub struct Shadowed<f64> {
            input x;
            neuron h = tanh(w * x + b);
            output o = exp(u * h);
            loss half_squared_error;
        }
    }

    pub fn train() -> ::core::primitive::f64 {
        let mut net = Shadowed {
            w: 0.5,
            b: 0.1,
            u: -0.3,
        };
        let first = net.train_step(&[1.0], &[2.0], 0.1).unwrap();
        let grads = net.backward(&net.forward(&[1.0]), &[2.0]);
        net.sgd_step(&grads, 0.1);
        first - net.loss(&[1.0], &[2.0])
    }
}

#[test]
fn shadowed_names_do_not_leak_into_generated_code() {
    assert!(shadowing::train() > 0.0, "training lowered the loss");
}

/// Nodes named like the generated functions' parameters and helpers still work.
mod awkward_names {
    backprop_runtime::network! {
        /// Node and weight names that are also names generated code uses.
        pub struct Awkward<f64> {
            input input, target;
            neuron trace = sigmoid(act * input + learning_rate * target);
            output grads = identity(self_ * trace + z);
            loss half_squared_error;
        }
    }
}

#[test]
fn node_names_that_match_generated_locals() {
    let net = awkward_names::Awkward {
        act: 1.0,
        learning_rate: 2.0,
        self_: 3.0,
        z: 0.5,
    };
    let trace = net.forward(&[0.0, 0.0]);
    assert_eq!(trace.trace, 0.5); // sigmoid(0)
    assert_eq!(trace.grads, 2.0); // 3 * 0.5 + 0.5
    let grads = net.backward(&trace, &[1.0]);
    assert_eq!(grads.z, 1.0); // dJ/dz = o - t
}

/// Generated code needs nothing from the prelude: no trait method is called by method
/// syntax, no prelude item named.
mod without_prelude {
    #![no_implicit_prelude]

    ::backprop_runtime::network! {
        /// Layers, single neurons and a classifier's loss, where no prelude exists.
        pub struct Bare<f64> {
            input x[3], y;
            layer h[4] = tanh(W * x + v * y + b);
            neuron n = sigmoid(u * h + c);
            output o[2] = identity(V * h + s * n);
            loss softmax_cross_entropy;
        }
    }

    ::backprop_runtime::network! {
        /// A GRU and an Elman layer through time, where no prelude exists.
        pub struct BareRecurrent<f64> {
            input x[3];
            layer g[2] = gru(Wi * x + Wh * g.prev + bi + bh);
            layer e[2] = tanh(A * g + R * e.prev + c);
            output o = identity(v * e);
            loss half_squared_error;
        }
    }
}

#[test]
fn networks_compile_without_the_prelude() {
    let mut net = without_prelude::Bare::default();
    for (index, value) in net.as_mut_slice().iter_mut().enumerate() {
        *value = (index as f64).sin() * 0.5;
    }
    let target = backprop_runtime::ClassTarget::Index(1);
    let before = net.loss(&[0.5, -0.5, 1.0, 2.0], &target);
    net.train_step(&[0.5, -0.5, 1.0, 2.0], &target, 0.1)
        .unwrap();
    assert!(net.loss(&[0.5, -0.5, 1.0, 2.0], &target) < before);
    assert!(format!("{net:?}").starts_with("Bare { W: [["));

    use backprop_runtime::recurrent::{train_sequences_with, Horizon, Sequence, Targets};
    let mut recurrent = without_prelude::BareRecurrent::default();
    for (index, value) in recurrent.as_mut_slice().iter_mut().enumerate() {
        *value = (index as f64).cos() * 0.5;
    }
    let inputs: Vec<[f64; 3]> = (0..12).map(|t| [t as f64 * 0.1, 0.5, -0.25]).collect();
    let targets: Vec<[f64; 1]> = (0..12).map(|t| [(t as f64 * 0.3).sin()]).collect();
    let batch = [Sequence {
        inputs: &inputs,
        targets: Targets::EveryStep(&targets),
    }];
    let mut traces = vec![recurrent.forward(&inputs[0]); inputs.len()];
    let mut sgd = backprop_runtime::optim::Sgd::new(0.05).unwrap();
    let first =
        train_sequences_with(&mut recurrent, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap();
    let second =
        train_sequences_with(&mut recurrent, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap();
    assert!(second < first, "{second} after {first}");
}

/// The runtime named by an explicit path, as a crate that renamed the dependency does
/// (`checks/renamed-runtime` builds one for real).
mod explicit_runtime_path {
    pub mod reexport {
        pub use ::backprop_runtime as runtime;
    }

    ::backprop_runtime::network! {
        /// Reaches the runtime only through `#[backprop(crate = ...)]`.
        #[backprop(crate = crate::explicit_runtime_path::reexport::runtime)]
        pub struct ThroughPath<f32> {
            input x;
            neuron h = tanh(w * x + b);
            output o = identity(u * h);
            loss half_squared_error;
        }
    }
}

#[test]
fn the_runtime_through_an_explicit_path() {
    let mut net = explicit_runtime_path::ThroughPath {
        w: 0.5,
        b: 0.0,
        u: 1.0,
    };
    let first = net.train_step(&[1.0], &[2.0], 0.1).unwrap();
    assert!(net.loss(&[1.0], &[2.0]) < first);
}
