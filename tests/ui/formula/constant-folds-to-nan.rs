// Constants must be finite: the operation that makes NaN or infinity is reported.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation overflow(z) = z + 1e308 * 10.0 * 0.0;
        activation nan(z) = z + 0.0 / 0.0;
        activation log_of_zero(z) = z * ln(0.0);
        activation minus_infinity(z) = z + (1e308 * 10.0 - 1e308 * 10.0);
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {}
