use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron a = tanh(w1 * x + v1 * b);
        neuron b = tanh(w2 * a);
        output o = identity(u * b);
        loss half_squared_error;
    }
}

fn main() {}
