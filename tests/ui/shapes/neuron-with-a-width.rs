use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        neuron h[3] = tanh(W * x);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
