use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[0];
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
