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
