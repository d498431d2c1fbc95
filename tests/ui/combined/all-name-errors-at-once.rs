use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x, x;
        neuron h = tahn(w * x + v * y);
        output o = identity(u * h);
        loss mse;
    }
}

fn main() {}
