use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        // `h` reaches the output one step later: fine. `dead` reaches nothing at all.
        neuron h = tanh(w * x);
        neuron dead = tanh(d * h.prev + e * dead.prev);
        output o = identity(u * h.prev);
        loss half_squared_error;
    }
}

fn main() {}
