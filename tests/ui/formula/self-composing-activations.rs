// Activations that each square the previous one double in size at every step: stopped at
// the limit, with the call that crosses it named.
use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        activation s0(z) = z * z;
        activation s1(z) = s0(z) * s0(z);
        activation s2(z) = s1(z) * s1(z);
        activation s3(z) = s2(z) * s2(z);
        activation s4(z) = s3(z) * s3(z);
        activation s5(z) = s4(z) * s4(z);
        activation s6(z) = s5(z) * s5(z);
        activation s7(z) = s6(z) * s6(z);
        activation s8(z) = s7(z) * s7(z);
        activation s9(z) = s8(z) * s8(z);
        activation s10(z) = s9(z) * s9(z);
        activation s11(z) = s10(z) * s10(z);
        activation s12(z) = s11(z) * s11(z);
        activation s13(z) = s12(z) * s12(z);
        input x;
        output o = s13(w * x);
        loss half_squared_error;
    }
}

fn main() {}
