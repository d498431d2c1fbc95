//! The expansion is part of the interface: these snapshots pin it, and a reviewer reads them
//! as the derivation of backpropagation for each network.

use quote::quote;

use super::expand_pretty;

#[test]
fn seed_network() {
    insta::assert_snapshot!(expand_pretty(quote! {
        /// The worked example of the backprop notes.
        pub struct SeedNet<f64> {
            input x1, x2;
            neuron h1 = identity(w11 * x1 + w21 * x2);
            neuron h2 = half_square(w12 * x1 + w22 * x2);
            neuron h3 = double(v11 * h1);
            neuron h4 = exp(v12 * h1 + v22 * h2);
            output o  = sin(u1 * h3 + u2 * h4);
            loss half_squared_error;
        }
    }));
}

#[test]
fn two_outputs_with_biases_and_mean_squared_error() {
    insta::assert_snapshot!(expand_pretty(quote! {
        /// A 2-2-2 network: biases, a skip connection and two outputs.
        pub(crate) struct TwoOutputs<f32> {
            input x1, x2;
            neuron h1 = tanh(a11 * x1 + a21 * x2 + b1);
            neuron h2 = sigmoid(a12 * x1 + a22 * x2 + b2);
            output o1 = identity(c11 * h1 + c21 * h2 + d1);
            output o2 = softplus(c12 * h1 + c22 * h2 + skip * x2);
            loss mean_squared_error;
        }
    }));
}

#[test]
fn output_feeding_an_output_declared_out_of_order() {
    insta::assert_snapshot!(expand_pretty(quote! {
        struct Chained<f64> {
            output second = relu(v * first + c);
            /// The first output, also read by the second.
            output first = leaky_relu(w * x);
            input x;
            loss half_squared_error;
        }
    }));
}

#[test]
fn errors_expand_to_compile_errors_and_a_stub() {
    insta::assert_snapshot!(expand_pretty(quote! {
        pub struct Broken<f64> {
            input x, x;
            output o = tahn(w * y);
            loss half_squared_error;
        }
    }));
}

#[test]
fn digits_classifier_with_dense_layers() {
    let expansion = expand_pretty(quote! {
        /// The 64-32-10 digits classifier.
        pub struct Digits<f32> {
            input pixels[64];
            layer hidden[32] = tanh(W1 * pixels + b1);
            output logits[10] = identity(W2 * hidden + b2);
            loss softmax_cross_entropy;
        }
    });
    // Dense blocks are loops in the runtime, not one line per edge: 2,410 parameters
    // expand to a few hundred lines (the fused `train_step` and the batch pass among them).
    let lines = expansion.lines().count();
    assert!(lines < 800, "{lines} lines");
    insta::assert_snapshot!(expansion);
}

#[test]
fn a_fast_tanh_layer_written_for_both_kinds_of_cpu() {
    let expansion = expand_pretty(quote! {
        /// A `precision fast` layer: its `tanh` by fused multiply-adds where the CPU has
        /// them, by the plain kernel elsewhere; a single neuron's by the plain kernel.
        pub struct FastLayer<f32> {
            input x[2];
            layer h[4] = tanh(W * x + b);
            neuron n = tanh(u * x[0]);
            output y = identity(v * h + s * n + c);
            loss half_squared_error;
            precision fast;
        }
    });
    assert!(expansion.contains("act::fast::tanh_fused(trace.z_h[j])"));
    assert!(expansion.contains("act::fast::tanh(trace.z_h[j])"));
    assert!(!expansion.contains("tanh_fused(trace.z_n)"));
    insta::assert_snapshot!(expansion);
}

#[test]
fn mixed_layers_neurons_and_custom_activations() {
    insta::assert_snapshot!(expand_pretty(quote! {
        struct Mixed<f64> {
            activation softsign(z) = z / (1.0 + abs(z));
            input x[4], extra;
            layer a[3] = softsign(A * x + ab);
            neuron n = tanh(v * a + s * extra);
            neuron pick = sigmoid(p * a[2]);
            layer b[2] = relu(B * a + c * n + d * pick + e * x[1]);
            output o = identity(w * b + m * n);
            output r[2] = sin(R * b + rb);
            loss mean_squared_error;
        }
    }));
}

#[cfg(feature = "explain")]
#[test]
fn seed_network_explain() {
    insta::assert_snapshot!(super::expand_explain(quote! {
        /// The worked example of the backprop notes.
        pub struct SeedNet<f64> {
            input x1, x2;
            neuron h1 = identity(w11 * x1 + w21 * x2);
            neuron h2 = half_square(w12 * x1 + w22 * x2);
            neuron h3 = double(v11 * h1);
            neuron h4 = exp(v12 * h1 + v22 * h2);
            output o  = sin(u1 * h3 + u2 * h4);
            loss half_squared_error;
        }
    }));
}

#[test]
fn a_variant_in_another_scalar_type_and_its_conversions() {
    insta::assert_snapshot!(expand_pretty(quote! {
        /// y = tanh(w x + b), with an f64 companion.
        #[backprop(variant(LineF64, scalar = f64))]
        pub struct Line<f32> {
            input x;
            output y = tanh(w * x + b);
            loss half_squared_error;
        }
    }));
}

#[test]
fn a_recurrent_neuron_through_time() {
    insta::assert_snapshot!(expand_pretty(quote! {
        /// A neuron that remembers: the notes' rules through time.
        pub struct Echo<f64> {
            input x;
            neuron h = tanh(w * x + r * h.prev + b);
            output y = identity(v * h + u * x.prev + c);
            loss half_squared_error;
            initial h = h0;
        }
    }));
}

#[test]
fn a_gru_cell_and_an_lstm_cell() {
    insta::assert_snapshot!(expand_pretty(quote! {
        /// Cells with PyTorch's parameters: the runtime's kernels do the gates.
        pub struct Cells<f32> {
            input x[2];
            layer a[2] = gru(Wa * x + Ua * a.prev + ba + ca);
            layer b[2] = lstm(Wb * a + Ub * b.prev + bb + cb);
            output y = identity(v * b + u * a.prev);
            loss half_squared_error;
            precision fast;
        }
    }));
}
