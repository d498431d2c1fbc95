use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        output h[3] = gru(Wi * x + Wh * h.prev + bi + bh);
        loss half_squared_error;
    }
}

fn main() {}
