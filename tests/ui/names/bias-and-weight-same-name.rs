use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x + b);
        output o = identity(b * h);
        loss half_squared_error;
    }
}

fn main() {}
