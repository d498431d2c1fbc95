use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h = tanh(w * x);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
