// Formulas nest at most 100 levels deep; the macro stops before its own stack would.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation negated(z) = - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - z;
        input x;
        output o = negated(w * x);
        loss half_squared_error;
    }
}

fn main() {}
