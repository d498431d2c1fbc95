use backprop_runtime::network;

network! {
    /// A network with a typo: only the typo is reported, not every use of `Net` below.
    pub struct Net<f64> {
        input x;
        output o = tahn(w * x);
        loss half_squared_error;
    }
}

pub fn takes(_network: &Net) {}

pub fn returns() -> Option<Net> {
    None
}

fn main() {}
