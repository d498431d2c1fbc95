use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[4];
        output o[2] = tanh(W * x);
        loss binary_cross_entropy;
    }
}

fn main() {}
