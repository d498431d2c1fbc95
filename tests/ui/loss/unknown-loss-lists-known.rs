use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        output o = identity(w * x);
        loss hinge;
    }
}

fn main() {}
