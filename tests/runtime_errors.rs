//! Bad input at run time is an error with a message, never a panic, and a failed training
//! step leaves every weight as it was.

use backprop_runtime::{network, Error, Network, Parameters};

network! {
    /// exp of a large sum overflows to infinity.
    pub struct Overflowing<f64> {
        input x;
        neuron h = exp(w * x);
        output o = sin(u * h);
        loss half_squared_error;
    }
}

#[test]
fn infinite_loss_leaves_weights_unchanged() {
    let mut net = Overflowing { w: 1000.0, u: 0.0 };
    let before = net;
    // exp(1000) = inf, u * inf = NaN with u = 0, and the loss is NaN.
    let error = net.train_step(&[1.0], &[0.0], 0.1).unwrap_err();
    assert!(
        matches!(error, Error::NonFiniteLoss { loss } if loss.is_nan()),
        "{error:?}"
    );
    assert_eq!(net, before);
    assert_eq!(
        error.to_string(),
        "the loss is not finite (NaN); the parameters were left unchanged"
    );
}

#[test]
fn infinite_gradient_with_finite_loss_leaves_weights_unchanged() {
    // w x = 709: h = e^709 ~ 8.2e307 is finite and so is o = sin(h), but
    // dJ/dw = dJ/dz_o * u * h * x overflows with x = 1000.
    let mut net = Overflowing { w: 0.709, u: 1.0 };
    let before = net;
    let trace = net.forward(&[1000.0]);
    assert!(trace.h.is_finite() && trace.loss(&[0.0]).is_finite());
    let error = net.train_step(&[1000.0], &[0.0], 0.1).unwrap_err();
    match error {
        Error::NonFiniteGradient { parameter, value } => {
            assert_eq!(parameter, "w");
            assert!(value.is_infinite());
        }
        other => panic!("expected a non-finite gradient, got {other:?}"),
    }
    assert_eq!(net, before);
    let message = error.to_string();
    assert!(
        message.starts_with("the gradient of `w` is not finite (")
            && message.ends_with("inf); the parameters were left unchanged"),
        "{message}"
    );
}

#[test]
fn invalid_learning_rates_are_rejected() {
    let mut net = Overflowing { w: 0.1, u: 0.2 };
    let before = net;
    for learning_rate in [-0.1, f64::NAN, f64::INFINITY] {
        let error = net.train_step(&[1.0], &[0.0], learning_rate).unwrap_err();
        assert!(
            matches!(error, Error::InvalidLearningRate { .. }),
            "{error:?}"
        );
    }
    assert_eq!(net, before);
    // A rate of zero is a valid (if pointless) step.
    assert!(net.train_step(&[1.0], &[0.0], 0.0).is_ok());
    assert_eq!(net, before);
}

#[test]
fn slices_of_the_wrong_length_are_errors() {
    let error = Overflowing::input_from_slice(&[1.0, 2.0]).unwrap_err();
    assert_eq!(
        error,
        Error::LengthMismatch {
            what: "input",
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        error.to_string(),
        "expected 1 input values, but the slice has 2"
    );
    assert_eq!(Overflowing::input_from_slice(&[3.0]), Ok([3.0]));

    let mut net = Overflowing { w: 0.1, u: 0.2 };
    let error = net.copy_from_slice(&[1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected 2 parameter values, but the slice has 3"
    );
    assert_eq!(net, Overflowing { w: 0.1, u: 0.2 });
    net.copy_from_slice(&[5.0, 6.0]).unwrap();
    assert_eq!(net, Overflowing { w: 5.0, u: 6.0 });
}

#[test]
fn parameter_names_follow_the_flat_layout() {
    assert_eq!(Overflowing::name_of(0), Some("w"));
    assert_eq!(Overflowing::name_of(1), Some("u"));
    assert_eq!(Overflowing::name_of(2), None);
}

mod relu_net {
    backprop_runtime::network! {
        /// A relu layer: NaN must reach the outputs, not be clamped to zero on the way.
        pub struct ReluNet<f64> {
            input x[2];
            layer h[3] = relu(W1 * x + b1);
            output o[2] = identity(W2 * h + b2);
            loss softmax_cross_entropy;
        }
    }
}

#[test]
fn a_nan_sample_gives_nan_outputs_through_relu() {
    let mut net = relu_net::ReluNet::default();
    for (index, value) in net.as_mut_slice().iter_mut().enumerate() {
        *value = (index as f64 * 0.7).sin();
    }
    let outputs = net.predict(&[f64::NAN, 1.0]);
    assert!(outputs.iter().all(|o| o.is_nan()), "{outputs:?}");
}
