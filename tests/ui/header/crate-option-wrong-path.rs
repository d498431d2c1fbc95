// A path that names no runtime is rustc's error, at the path the user wrote.
use backprop_runtime::network;

network! {
    #[backprop(crate = ::not_the_runtime)]
    pub struct Net<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
