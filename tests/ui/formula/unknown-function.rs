use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation gelu(z) = z * erf(z / 1.41);
        input x;
        output o = gelu(w * x);
        loss half_squared_error;
    }
}

fn main() {}
