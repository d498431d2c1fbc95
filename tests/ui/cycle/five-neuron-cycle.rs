use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron a = tanh(w * x + v5 * e);
        neuron b = tanh(v1 * a);
        neuron c = tanh(v2 * b);
        neuron d = tanh(v3 * c);
        neuron e = tanh(v4 * d);
        output o = identity(u * e);
        loss half_squared_error;
    }
}

fn main() {}
