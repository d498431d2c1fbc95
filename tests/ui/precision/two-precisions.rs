use backprop_runtime::network;

network! {
    pub struct Net<f32> {
        precision fast;
        precision exact;
        input x;
        output o = tanh(w * x);
        loss half_squared_error;
    }
}

fn main() {}
