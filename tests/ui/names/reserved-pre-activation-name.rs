use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x);
        neuron z_h = tanh(v * h);
        output o = identity(u * z_h);
        loss half_squared_error;
    }
}

fn main() {}
