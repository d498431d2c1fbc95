use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h[3] = lstm(Wi * x + bi);
        output y = identity(v * h);
        loss half_squared_error;
    }
}

fn main() {}
