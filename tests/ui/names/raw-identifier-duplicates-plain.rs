// `r#x` and `x` are one name: the macro reports the duplicate, not rustc.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input r#x, x;
        neuron h = tanh(r#w * r#x + w * x);
        output o = identity(u * h);
        loss half_squared_error;
    }
}

fn main() {}
