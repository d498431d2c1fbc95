use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation odd(z) = h * z;
        input x;
        output o = odd(w * x);
        loss half_squared_error;
    }
}

fn main() {}
