use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[4];
        neuron n = tanh(w * x[4]);
        output o = identity(u * n + v * x);
        loss half_squared_error;
    }
}

fn main() {}
