use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh(w * x + b);
        output o = identity(u * h + b);
        loss half_squared_error;
    }
}

fn main() {}
