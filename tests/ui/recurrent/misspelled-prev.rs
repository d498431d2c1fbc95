use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x + r * h.previous);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
