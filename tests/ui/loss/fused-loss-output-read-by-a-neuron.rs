use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[4];
        output first = sigmoid(w * x);
        output second = sigmoid(v * first);
        loss binary_cross_entropy;
    }
}

fn main() {}
