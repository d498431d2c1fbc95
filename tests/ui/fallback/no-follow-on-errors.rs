use backprop_runtime::{network, Network};

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

/// What users call on a network: each resolves against the stand-in.
pub fn uses() -> Result<f64, backprop_runtime::Error> {
    let mut net = Net::default();
    let trace: NetTrace = net.forward(&[1.0]);
    let grads: NetGrads = net.backward(&trace, &[0.5]);
    net.sgd_step(&grads, 0.1);
    let first = net.predict(&[1.0])[0];
    let loss = net.train_step(&[1.0], &[0.5], 0.1)? + net.loss(&[1.0], &[0.5]);
    let batch = net.train_batch(&[[1.0]], &[[0.5]], 0.1)?;
    let flat = net.as_slice().len() + grads.as_slice().len() + Net::PARAMS + Net::INPUTS;
    Ok(first + loss + batch + flat as f64 + generic(&net))
}

fn generic<N: Network>(network: &N) -> f64 {
    (N::LEN + N::OUTPUTS + network.as_slice().len()) as f64
}

fn main() {}
