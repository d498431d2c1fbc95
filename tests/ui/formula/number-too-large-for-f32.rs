use backprop_runtime::network;

network! {
    pub struct Net<f32> {
        activation huge(z) = 1e50 * z;
        input x;
        output o = huge(w * x);
        loss half_squared_error;
    }
}

fn main() {}
