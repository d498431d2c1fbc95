use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
    pub struct Other<f64> {}
}

fn main() {}
