use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[4];
        output o = identity(w * x);
        loss softmax_cross_entropy;
    }
}

fn main() {}
