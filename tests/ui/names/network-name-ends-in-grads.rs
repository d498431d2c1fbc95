// `NetGrads` would collide with the gradients of the network `Net`.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    pub struct NetGrads<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    pub struct NetTrace<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
