use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x1, x2;
        output o = identity(w * x1 + w * x2);
        loss half_squared_error;
    }
}

fn main() {}
