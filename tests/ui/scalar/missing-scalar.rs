use backprop_runtime::network;

network! {
    pub struct Net {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
