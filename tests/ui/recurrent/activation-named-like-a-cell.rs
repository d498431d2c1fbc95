use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation lstm(z) = tanh(z);
        input x;
        output y = identity(v * x);
        loss half_squared_error;
    }
}

fn main() {}
