use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h[2] = tanh(W * x + r * x.prev[1]);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
