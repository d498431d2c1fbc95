use backprop_runtime::network;

network! {
    pub struct Net<f32> {
        activation steep(z) = 1e30 * 1e30 * z;
        input x;
        output o = steep(w * x);
        loss half_squared_error;
    }
}

fn main() {}
