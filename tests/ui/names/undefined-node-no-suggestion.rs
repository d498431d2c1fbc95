use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w1 * x + w2 * hidden_layer);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
