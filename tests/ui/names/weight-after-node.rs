use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        output o = identity(x * w);
        loss half_squared_error;
    }
}

fn main() {}
