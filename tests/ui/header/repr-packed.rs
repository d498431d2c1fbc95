// The flat view of the parameters relies on the macro's own layout.
use backprop_runtime::network;

network! {
    #[repr(packed)]
    pub struct Net<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
