use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x1, x2;
        neuron h = tanh(w1 * x1 + w2 * x3);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
