use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2], e;
        layer h[3] = gru(Wi * x + We * e + Wh * h.prev + bi + bh);
        output y = identity(v * h);
        loss half_squared_error;
    }
}

fn main() {}
