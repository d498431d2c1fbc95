use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x, y, x;
        output o = identity(w1 * x + w2 * y);
        loss half_squared_error;
    }
}

fn main() {}
