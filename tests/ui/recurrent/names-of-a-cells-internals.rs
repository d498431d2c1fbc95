use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h[3] = lstm(Wi * x + Wh * h.prev + bi + bh);
        layer gates_h[2] = tanh(A * x);
        output y = identity(v * h + c_h * gates_h);
        loss half_squared_error;
    }
}

fn main() {}
