// `r#h` is `h`, whose pre-activation is the trace field `z_h`.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        neuron r#h = tanh(w * x);
        neuron z_h = tanh(v * x);
        output o = identity(u * h + s * z_h);
        loss half_squared_error;
    }
}

fn main() {}
