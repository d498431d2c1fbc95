use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        output o = identity(w * x[0]);
        loss half_squared_error;
    }
}

fn main() {}
