use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation outer(z) = inner(z) * 2.0;
        activation inner(z) = z * z;
        input x;
        output o = outer(w * x);
        loss half_squared_error;
    }
}

fn main() {}
