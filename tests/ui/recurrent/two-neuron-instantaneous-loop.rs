use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        // A loop within one time step: one of the edges must read `.prev`.
        neuron a = tanh(w * x + p * b);
        neuron b = tanh(q * a + s * b.prev);
        output o = identity(u * b);
        loss half_squared_error;
    }
}

fn main() {}
