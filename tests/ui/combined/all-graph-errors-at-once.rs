use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x, unused;
        neuron a = tanh(w1 * x + v1 * b);
        neuron b = tanh(v2 * a);
        neuron dead = tanh(w2 * x);
        output o = identity(u * b);
        loss half_squared_error;
    }
}

fn main() {}
