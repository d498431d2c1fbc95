//! Gradients of many topologies against central finite differences (f64), and every f32
//! network against its f64 twin.

mod common;

use backprop_runtime::network;
use common::{assert_gradients_match, assert_twins_agree};

/// Declares a network twice, over f64 and f32, from one body.
macro_rules! twins {
    ($wide:ident, $narrow:ident { $($body:tt)* }) => {
        network! {
            /// The f64 network under test.
            pub struct $wide<f64> { $($body)* }
        }
        network! {
            /// The f32 twin of the network under test.
            pub struct $narrow<f32> { $($body)* }
        }
    };
}

/// Declares the twins and one test that checks both.
macro_rules! topology_test {
    ($test:ident, $wide:ident, $narrow:ident { $($body:tt)* }) => {
        twins!($wide, $narrow { $($body)* });

        #[test]
        fn $test() {
            assert_gradients_match::<$wide>(0xB4C4_0000 ^ line!() as u64, 40);
            assert_twins_agree::<$wide, $narrow>(0x7E57 ^ line!() as u64, 40);
        }
    };
}

topology_test!(deep_chain_of_eight, Chain8, Chain8F32 {
    input x;
    neuron h1 = tanh(a1 * x + b1);
    neuron h2 = sigmoid(a2 * h1 + b2);
    neuron h3 = sin(a3 * h2);
    neuron h4 = softplus(a4 * h3 + b4);
    neuron h5 = identity(a5 * h4);
    neuron h6 = cos(a6 * h5 + b6);
    neuron h7 = leaky_relu(a7 * h6 + b7);
    neuron h8 = exp(a8 * h7);
    output o = identity(a9 * h8 + b9);
    loss half_squared_error;
});

topology_test!(one_neuron_fans_out_to_six, FanOut6, FanOut6F32 {
    input x1, x2;
    neuron hub = tanh(w1 * x1 + w2 * x2 + b);
    neuron a = sigmoid(va * hub);
    neuron b_ = exp(vb * hub);
    neuron c = sin(vc * hub);
    neuron d = half_square(vd * hub);
    neuron e = double(ve * hub);
    neuron f = square(vf * hub);
    output o = identity(ua * a + ub * b_ + uc * c + ud * d + ue * e + uf * f);
    loss half_squared_error;
});

topology_test!(skip_connections, Skip, SkipF32 {
    input x1, x2;
    neuron h = tanh(w1 * x1 + w2 * x2 + bh);
    neuron g = sigmoid(v1 * h + v2 * x2);
    output o = identity(u1 * g + u2 * h + u3 * x1 + u4 * x2 + bo);
    loss half_squared_error;
});

topology_test!(diamond, Diamond, DiamondF32 {
    input x;
    neuron top = softplus(w * x + b);
    neuron left = tanh(wl * top);
    neuron right = cos(wr * top);
    neuron bottom = sigmoid(ul * left + ur * right);
    output o = identity(v * bottom);
    loss half_squared_error;
});

topology_test!(three_path_lengths, ThreePaths, ThreePathsF32 {
    input x;
    neuron h = tanh(w * x);
    neuron a = sigmoid(wa * h);
    neuron b = sin(wb * a);
    // h reaches o directly, through a, and through a then b.
    output o = identity(u0 * h + u1 * a + u2 * b);
    loss half_squared_error;
});

topology_test!(two_outputs, TwoOutputs, TwoOutputsF32 {
    input x1, x2, x3;
    neuron h1 = relu(w11 * x1 + w21 * x2 + w31 * x3 + b1);
    neuron h2 = tanh(w12 * x1 + w22 * x2 + w32 * x3 + b2);
    output o1 = sigmoid(u11 * h1 + u21 * h2 + c1);
    output o2 = identity(u12 * h1 + u22 * h2 + c2);
    loss half_squared_error;
});

topology_test!(three_outputs_mean_squared_error, ThreeOutputs, ThreeOutputsF32 {
    input x1, x2;
    neuron h = tanh(w1 * x1 + w2 * x2 + b);
    output o1 = identity(u1 * h);
    output o2 = sin(u2 * h + x2w * x2);
    output o3 = exp(u3 * h);
    loss mean_squared_error;
});

topology_test!(output_read_by_another_output, ChainedOutputs, ChainedOutputsF32 {
    input x;
    output first = tanh(w * x + b);
    output second = sigmoid(v * first + c);
    loss half_squared_error;
});

topology_test!(declared_out_of_order, OutOfOrder, OutOfOrderF32 {
    output o = identity(u1 * h2 + u2 * h1);
    neuron h2 = sigmoid(v * h1 + x2w * x2);
    neuron h1 = tanh(w * x1);
    input x1, x2;
    loss half_squared_error;
});

topology_test!(dense_three_four_two, Dense342, Dense342F32 {
    input x1, x2, x3;
    neuron h1 = tanh(a11 * x1 + a21 * x2 + a31 * x3 + b1);
    neuron h2 = tanh(a12 * x1 + a22 * x2 + a32 * x3 + b2);
    neuron h3 = tanh(a13 * x1 + a23 * x2 + a33 * x3 + b3);
    neuron h4 = tanh(a14 * x1 + a24 * x2 + a34 * x3 + b4);
    output o1 = sigmoid(c11 * h1 + c21 * h2 + c31 * h3 + c41 * h4 + d1);
    output o2 = sigmoid(c12 * h1 + c22 * h2 + c32 * h3 + c42 * h4 + d2);
    loss half_squared_error;
});

topology_test!(every_activation_first_set, ZooA, ZooAF32 {
    input x1, x2;
    neuron a = identity(w1 * x1 + w2 * x2);
    neuron b = half_square(w3 * a + w4 * x1);
    neuron c = double(w5 * b);
    neuron d = square(w6 * c + w7 * x2);
    neuron e = exp(w8 * d);
    neuron f = sin(w9 * e + w10 * a);
    output o = identity(u * f);
    loss half_squared_error;
});

topology_test!(every_activation_second_set, ZooB, ZooBF32 {
    input x1, x2;
    neuron a = cos(w1 * x1 + w2 * x2);
    neuron b = sigmoid(w3 * a + bb);
    neuron c = tanh(w4 * b + w5 * x1);
    neuron d = relu(w6 * c + w7 * x2 + bd);
    neuron e = leaky_relu(w8 * d + w9 * a + be);
    neuron f = softplus(w10 * e);
    output o = identity(u * f + v * d);
    loss half_squared_error;
});

topology_test!(single_neuron, Single, SingleF32 {
    input x;
    output o = sigmoid(w * x + b);
    loss half_squared_error;
});

topology_test!(wide_sum_of_activations, Wide, WideF32 {
    input x1, x2;
    neuron p = square(w1 * x1);
    neuron q = half_square(w2 * x2);
    neuron r = relu(w3 * x1 + w4 * x2 + br);
    neuron s = leaky_relu(w5 * x1 + bs);
    neuron t = double(w6 * x2);
    neuron u = exp(w7 * x1);
    output o = tanh(a * p + b * q + c * r + d * s + e * t + f * u);
    loss mean_squared_error;
});

network! {
    /// A relu neuron whose pre-activation can be set to exactly 0.
    pub struct ReluAtZero<f64> {
        input x;
        neuron h = relu(w * x + b);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

/// relu' is defined as 0 at z = 0: no gradient flows into a neuron sitting on the kink.
#[test]
fn relu_has_zero_derivative_exactly_at_zero() {
    let net = ReluAtZero {
        w: 1.0,
        b: -2.0,
        u: 3.0,
    };
    let trace = net.forward(&[2.0]);
    assert_eq!(trace.z_h, 0.0);
    assert_eq!(trace.h, 0.0);
    let grads = net.backward(&trace, &[1.0]);
    assert_eq!(grads.w, 0.0);
    assert_eq!(grads.b, 0.0);
    // dJ/du = (o - t) h = (0 - 1) * 0 = 0, and just above the kink gradient does flow.
    assert_eq!(grads.u, 0.0);
    let above = net.backward(&net.forward(&[2.5]), &[1.0]);
    assert!(above.w != 0.0 && above.b != 0.0);
}
