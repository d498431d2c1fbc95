// `EchoColumns` would collide with the matrices by columns of a recurrent network `Echo`.
use backprop_runtime::network;

network! {
    pub struct EchoColumns<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
