use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev);
        neuron prev_h = tanh(p * x);
        output o = identity(u * h + v * prev_h);
        loss half_squared_error;
    }
}

fn main() {}
