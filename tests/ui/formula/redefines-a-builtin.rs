use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation tanh(z) = z;
        input x;
        output o = tanh(w * x);
        loss half_squared_error;
    }
}

fn main() {}
