use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        hidden h = tanh(w * x);
        output o = identity(u * x);
        loss half_squared_error;
    }
}

fn main() {}
