use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        neuron h = gru(Wi * x + Wh * h.prev + bi + bh);
        output y = identity(v * h);
        loss half_squared_error;
    }
}

fn main() {}
