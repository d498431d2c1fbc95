use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev);
        output y = identity(u * h);
        loss half_squared_error;
        initial h h0;
    }
}

fn main() {}
