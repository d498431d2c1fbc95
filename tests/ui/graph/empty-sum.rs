use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron h = tanh();
        output o = identity(u * h + v * x);
        loss half_squared_error;
    }
}

fn main() {}
