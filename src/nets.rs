//! The benchmarked networks, as `network!` declares them; `twins` has them by hand.

use backprop_runtime::network;

use crate::twins::{DigitsTwin, SeedTwin, SineTwin, XorTwin};

network! {
    /// The notes' network.
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

network! {
    /// XOR 2-4-1, every neuron written out.
    pub struct Xor241<f32> {
        input x1, x2;
        neuron h1 = sigmoid(a1 * x1 + b1 * x2 + c1);
        neuron h2 = sigmoid(a2 * x1 + b2 * x2 + c2);
        neuron h3 = sigmoid(a3 * x1 + b3 * x2 + c3);
        neuron h4 = sigmoid(a4 * x1 + b4 * x2 + c4);
        output o = sigmoid(u1 * h1 + u2 * h2 + u3 * h3 + u4 * h4 + d);
        loss half_squared_error;
    }
}

network! {
    /// XOR 2-4-1 with its hidden neurons as one layer: the same network as [`Xor241`],
    /// written the way the expert benchmark declares it.
    pub struct XorLayer<f32> {
        input x[2];
        layer h[4] = sigmoid(W * x + b);
        output o = sigmoid(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// 1 -> 16 tanh -> 16 tanh -> 1.
    #[backprop(variant(SineFast, precision = fast))]
    pub struct Sine<f32> {
        input x;
        layer h1[16] = tanh(W1 * x + b1);
        layer h2[16] = tanh(W2 * h1 + b2);
        output y = identity(w3 * h2 + b3);
        loss mean_squared_error;
    }
}

network! {
    /// A guitar-amp-sized model: one sample in, a GRU of 8 units, one sample out.
    #[backprop(variant(AmpFast, precision = fast))]
    pub struct Amp<f32> {
        input x;
        layer h[8] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// A GRU of 16 units over 16 inputs, read out to one value: a real-time audio model's
    /// size.
    #[backprop(variant(Gru16Fast, precision = fast))]
    pub struct Gru16<f32> {
        input x[16];
        layer h[16] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// An LSTM of 16 units over 16 inputs, read out to one value.
    #[backprop(variant(Lstm16Fast, precision = fast))]
    pub struct Lstm16<f32> {
        input x[16];
        layer h[16] = lstm(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// A GRU of 64 units over 32 inputs, read out to 32 values at every step.
    #[backprop(variant(Gru64Fast, precision = fast))]
    pub struct Gru64<f32> {
        input x[32];
        layer h[64] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y[32] = identity(V * h + c);
        loss half_squared_error;
    }
}

network! {
    /// 64 pixels -> 32 tanh -> 10 logits.
    #[backprop(variant(DigitsFast, precision = fast))]
    pub struct Digits<f32> {
        input pixels[64];
        layer hidden[32] = tanh(W1 * pixels + b1);
        output logits[10] = identity(W2 * hidden + b2);
        loss softmax_cross_entropy;
    }
}

network! {
    /// XOR 2-3-1 with sigmoids and biases, for the training tests.
    pub struct Xor231<f64> {
        input x1, x2;
        neuron h1 = sigmoid(w11 * x1 + w21 * x2 + b1);
        neuron h2 = sigmoid(w12 * x1 + w22 * x2 + b2);
        neuron h3 = sigmoid(w13 * x1 + w23 * x2 + b3);
        output o = sigmoid(u1 * h1 + u2 * h2 + u3 * h3 + c);
        loss half_squared_error;
    }
}

/// The four XOR samples.
pub const XOR_INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

/// Their targets.
pub const XOR_TARGETS: [[f64; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

impl Xor231 {
    /// A fixed, asymmetric start: symmetric weights would keep the hidden neurons identical.
    pub fn start() -> Self {
        let mut net = Xor231::default();
        net.as_mut_slice().copy_from_slice(&[
            0.5, -0.4, 0.1, -0.3, 0.8, -0.2, 0.7, 0.6, -0.5, 0.3, -0.6, 0.4, 0.0,
        ]);
        net
    }

    /// Whether every sample's output is on the right side of 0.5.
    pub fn solves_xor(&self) -> bool {
        XOR_INPUTS
            .iter()
            .zip(XOR_TARGETS)
            .all(|(input, [target])| (self.predict(input)[0] > 0.5) == (target > 0.5))
    }
}

network! {
    /// XOR, neuron by neuron, in f32 with binary cross-entropy: the declaration that
    /// `no-std-check` (which cannot depend on this crate) repeats, so that the trained
    /// parameters `examples/bake.rs` bakes for it compile there and in `tests/bake.rs`.
    pub struct Xor<f32> {
        input x1, x2;
        neuron h1 = sigmoid(w11 * x1 + w21 * x2 + b1);
        neuron h2 = sigmoid(w12 * x1 + w22 * x2 + b2);
        output o = sigmoid(u1 * h1 + u2 * h2 + c);
        loss binary_cross_entropy;
    }
}

network! {
    /// A matrix, two vectors and a single value: the shapes saving and loading must keep.
    #[backprop(variant(Saved64, scalar = f64))]
    pub struct Saved<f32> {
        input x[3];
        layer h[2] = tanh(W * x + b);
        output o = identity(u * h + c);
        loss half_squared_error;
    }
}

impl Saved {
    /// Parameters whose values are exact in both f32 and f64.
    pub const SAMPLE: Saved = Saved {
        W: [[0.5, -1.0, 2.0], [0.25, 0.0, -0.125]],
        b: [1.0, -1.0],
        u: [3.0, 4.0],
        c: -0.5,
    };
}

impl Saved64 {
    /// [`Saved::SAMPLE`] in f64.
    pub const SAMPLE: Saved64 = Saved64 {
        W: [[0.5, -1.0, 2.0], [0.25, 0.0, -0.125]],
        b: [1.0, -1.0],
        u: [3.0, 4.0],
        c: -0.5,
    };
}

impl SeedNet {
    /// Non-zero weights for the notes' network, where the numbers mean something:
    /// `w11 w21 w12 w22 v11 v12 v22 u1 u2 = 0.1 -0.2 0.3 0.4 0.5 -0.6 0.7 0.8 0.9`.
    pub const NONZERO: SeedNet = SeedNet {
        w11: 0.1,
        w21: -0.2,
        w12: 0.3,
        w22: 0.4,
        v11: 0.5,
        v12: -0.6,
        v22: 0.7,
        u1: 0.8,
        u2: 0.9,
    };

    /// The twin with the same weights.
    pub fn twin(&self) -> SeedTwin {
        SeedTwin {
            w: [
                self.w11, self.w21, self.w12, self.w22, self.v11, self.v12, self.v22, self.u1,
                self.u2,
            ],
        }
    }
}

impl Xor241 {
    /// The twin with the same weights.
    pub fn twin(&self) -> XorTwin {
        XorTwin {
            w1: [
                [self.a1, self.b1],
                [self.a2, self.b2],
                [self.a3, self.b3],
                [self.a4, self.b4],
            ],
            b1: [self.c1, self.c2, self.c3, self.c4],
            w2: [self.u1, self.u2, self.u3, self.u4],
            b2: self.d,
        }
    }
}

impl XorLayer {
    /// The twin with the same weights.
    pub fn twin(&self) -> XorTwin {
        XorTwin {
            w1: self.W,
            b1: self.b,
            w2: self.v,
            b2: self.c,
        }
    }
}

impl Sine {
    /// The twin with the same weights.
    pub fn twin(&self) -> SineTwin {
        SineTwin {
            w1: self.W1,
            b1: self.b1,
            w2: self.W2,
            b2: self.b2,
            w3: self.w3,
            b3: self.b3,
        }
    }
}

impl Digits {
    /// The twin with the same weights.
    pub fn twin(&self) -> DigitsTwin {
        DigitsTwin {
            w1: self.W1,
            b1: self.b1,
            w2: self.W2,
            b2: self.b2,
        }
    }
}
