use backprop_runtime::network;

network! {
    pub enum Net<f64> {
        input x;
    }
}

fn main() {}
