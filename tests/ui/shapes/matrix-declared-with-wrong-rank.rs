use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[4];
        layer h[3] = tanh(W[3] * x);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
