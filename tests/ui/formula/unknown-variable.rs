use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation scaled(z) = alpha * z;
        input x;
        output o = scaled(w * x);
        loss half_squared_error;
    }
}

fn main() {}
