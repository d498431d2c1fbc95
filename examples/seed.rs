use backprop_runtime::network;

network! {
    /// The worked example of the backprop notes.
    pub struct SeedNet<f64> {
        input x1, x2;
        neuron h1 = identity(w11 * x1 + w21 * x2);
        neuron h2 = half_square(w12 * x1 + w22 * x2);
        neuron h3 = double(v11 * h1);
        neuron h4 = exp(v12 * h1 + v22 * h2);
        output o  = sin(u1 * h3 + u2 * h4);
        loss half_squared_error;
    }
}

fn main() {
    let mut net = SeedNet { w11: 0.1, w21: -0.2, w12: 0.3, w22: 0.4, v11: 0.5, v12: -0.6, v22: 0.7, u1: 0.8, u2: 0.9 };
    let trace = net.forward(&[0.5, 1.0]);
    println!("{trace:#?}");
    let g = net.backward(&trace, &[0.25]);
    println!("{g:#?}");
    println!("{:?}", net.train_step(&[0.5, 1.0], &[0.25], 0.1));
    println!("{:?}", backprop_runtime::gradcheck(&net, &[0.5, 1.0], &[0.25]));
}
