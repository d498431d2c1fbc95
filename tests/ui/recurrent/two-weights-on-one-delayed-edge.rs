use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        // `h` and `h.prev` are two edges; `h.prev` twice is one edge weighed twice.
        neuron h = tanh(w * x + r * h.prev + s * h.prev);
        output o = identity(u * h + v * o.prev);
        loss half_squared_error;
    }
}

fn main() {}
