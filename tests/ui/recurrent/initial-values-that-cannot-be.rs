use backprop_runtime::network;

network! {
    pub struct Net<f64> {
        input x[2];
        layer h[3] = tanh(W * x + R * h.prev);
        neuron m = tanh(p * x[0] + q * m.prev);
        neuron n = tanh(v * h + s * m);
        output y = identity(u * n);
        loss half_squared_error;
        initial x = x0;          // an input
        initial n = n0;          // never read with `.prev`
        initial k = k0;          // no such node
        initial h = h0[2];       // the wrong shape
        initial h = h1;          // a second one
        initial m = W;           // a weight's name
    }
}

fn main() {}
