use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h[3] = tanh(W * x + R * logits.prev);
        output logits[3] = identity(V * h);
        loss softmax_cross_entropy;
    }
}

fn main() {}
