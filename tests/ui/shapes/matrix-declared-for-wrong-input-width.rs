use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[64];
        layer h[32] = tanh(W1[32, 63] * x + b1);
        output o[10] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

fn main() {}
