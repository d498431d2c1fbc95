use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation cube(z) = powi(z, 1.5);
        input x;
        output o = cube(w * x);
        loss half_squared_error;
    }
}

fn main() {}
