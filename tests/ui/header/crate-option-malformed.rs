// `#[backprop(crate = path)]` takes a path, once.
use backprop_runtime::network;

network! {
    #[backprop(krate = ::backprop_runtime)]
    pub struct Misspelled<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(crate = "backprop_runtime")]
    pub struct StringPath<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(crate = ::backprop_runtime)]
    #[backprop(crate = ::backprop_runtime)]
    pub struct Twice<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
