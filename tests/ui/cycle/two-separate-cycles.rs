use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron a = tanh(w1 * x + v1 * b);
        neuron b = tanh(v2 * a);
        neuron c = tanh(w2 * x + v3 * d);
        neuron d = tanh(v4 * c);
        output o = identity(u1 * b + u2 * d);
        loss half_squared_error;
    }
}

fn main() {}
