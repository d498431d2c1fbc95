//! User-defined activations: formulas differentiated by the macro, explicit derivatives, and
//! activations built from earlier ones, checked against finite differences.

mod common;

use backprop_runtime::network;
use common::{assert_gradients_match, assert_twins_agree};

macro_rules! custom {
    ($name:ident, $scalar:ty) => {
        network! {
            /// Custom activations in single neurons and in a layer.
            pub struct $name<$scalar> {
                activation softsign(z) = z / (1.0 + abs(z));
                activation swish(z) = z * sigmoid(z);
                activation gauss(z) = exp(-z * z), derivative = -2.0 * z * h;
                activation cube_root_ish(z) = z / sqrt(1.0 + z * z);
                activation poly(z) = 0.5 * powi(z, 3) - z + 2.0;
                activation soft_swish(z) = softsign(swish(z)) + ln(1.0 + z * z);
                input x[3];
                layer a[4] = softsign(A * x + ab);
                neuron g = gauss(v * a + vb);
                neuron s = swish(w * a[1] + y * x[2]);
                neuron c = cube_root_ish(p * g + q * s);
                neuron q3 = poly(r * c);
                output o = soft_swish(u1 * q3 + u2 * g + u3 * a);
                loss half_squared_error;
            }
        }
    };
}

custom!(Custom, f64);
custom!(CustomF32, f32);

#[test]
fn custom_activations_against_finite_differences() {
    assert_gradients_match::<Custom>(21, 60);
    assert_twins_agree::<Custom, CustomF32>(22, 40);
}

#[test]
fn formulas_compute_what_they_say() {
    let net = Custom {
        A: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0; 3]],
        ..Custom::default()
    };
    let trace = net.forward(&[3.0, -1.0, 0.5]);
    // softsign(z) = z / (1 + |z|)
    assert_eq!(trace.a, [0.75, -0.5, 0.5 / 1.5, 0.0]);
    // gauss(0) = 1, swish(0) = 0, poly(0) = 2.
    assert_eq!(trace.g, 1.0);
    assert_eq!(trace.s, 0.0);
    assert_eq!(trace.q3, 2.0);
}
