//! The worked example of the backprop notes, checked against values derived by hand.

mod common;

use backprop_runtime::gradcheck;
use backprop_tests::nets::{SeedNet, SeedNetGrads};

/// The notes' exercise: `(x1, x2, t) = (0, 1, 0)` with every weight 0.
///
/// By hand: every sum is 0, so h1 = 0, h2 = 0^2/2 = 0, h3 = 2*0 = 0, h4 = e^0 = 1,
/// z_o = u1*h3 + u2*h4 = 0*0 + 0*1 = 0 and o = sin 0 = 0. J = 1/2 (0 - 0)^2 = 0, so
/// dJ/do = o - t = 0 and every gradient, a product that contains dJ/do, is 0. The update
/// leaves every weight at 0.
#[test]
fn notes_exercise_with_zero_weights() {
    let mut net = SeedNet::default();
    let trace = net.forward(&[0.0, 1.0]);
    assert_eq!(trace.h1, 0.0);
    assert_eq!(trace.h2, 0.0);
    assert_eq!(trace.h3, 0.0);
    assert_eq!(trace.h4, 1.0);
    assert_eq!(trace.z_o, 0.0);
    assert_eq!(trace.o, 0.0);
    assert_eq!(trace.loss(&[0.0]), 0.0);

    let grads = net.backward(&trace, &[0.0]);
    assert!(grads.as_slice().iter().all(|&g| g == 0.0), "{grads:?}");
    assert_eq!(grads.as_slice().len(), 9);

    let loss = net.train_step(&[0.0, 1.0], &[0.0], 0.1).unwrap();
    assert_eq!(loss, 0.0);
    assert_eq!(net, SeedNet::default());
}

/// The same exercise with a non-zero target, so that gradient does flow: t = 1.
///
/// By hand: o = 0 as above, dJ/do = o - t = -1, dJ/dz_o = -1 * cos 0 = -1.
/// dJ/du1 = dJ/dz_o * h3 = 0; dJ/du2 = dJ/dz_o * h4 = -1.
/// dJ/dh4 = dJ/dz_o * u2 = 0 (u2 = 0), dJ/dh3 = dJ/dz_o * u1 = 0, so every weight below the
/// output layer gets 0. After one step with lr = 0.5: u2 = 0 - 0.5 * (-1) = 0.5.
#[test]
fn notes_exercise_with_target_one() {
    let mut net = SeedNet::default();
    let grads = net.backward(&net.forward(&[0.0, 1.0]), &[1.0]);
    let expected = SeedNetGrads {
        u2: -1.0,
        ..SeedNetGrads::default()
    };
    assert_eq!(grads, expected);
    let loss = net.train_step(&[0.0, 1.0], &[1.0], 0.5).unwrap();
    assert_eq!(loss, 0.5); // 1/2 (0 - 1)^2
    assert_eq!(
        net,
        SeedNet {
            u2: 0.5,
            ..SeedNet::default()
        }
    );
}

/// Every forward value and gradient from the closed-form chain rule of the notes, written
/// independently of the generated code.
#[test]
fn nonzero_weights_against_the_chain_rule() {
    let net = SeedNet::NONZERO;
    let SeedNet {
        w11,
        w21,
        w12,
        w22,
        v11,
        v12,
        v22,
        u1,
        u2,
    } = net;
    let (x1, x2, t) = (0.5, 1.0, 0.25);

    let z1 = w11 * x1 + w21 * x2;
    let h1 = z1;
    let z2 = w12 * x1 + w22 * x2;
    let h2 = z2 * z2 / 2.0;
    let h3 = 2.0 * v11 * h1;
    let z4 = v12 * h1 + v22 * h2;
    let h4 = z4.exp();
    let zo = u1 * h3 + u2 * h4;
    let o = zo.sin();

    let trace = net.forward(&[x1, x2]);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * b.abs().max(1.0);
    for (value, expected) in [
        (trace.h1, h1),
        (trace.h2, h2),
        (trace.h3, h3),
        (trace.h4, h4),
        (trace.o, o),
    ] {
        assert!(close(value, expected), "{value} != {expected}");
    }
    assert!(close(trace.loss(&[t]), 0.5 * (o - t) * (o - t)));

    // delta_o = dJ/dz_o; h1 reaches o along two paths, through h3 and through h4, and the
    // notes' formula for dJ/dw11 sums them.
    let delta_o = (o - t) * zo.cos();
    let dj_dh1 = delta_o * (u1 * 2.0 * v11 + u2 * h4 * v12);
    let dj_dz2 = delta_o * u2 * h4 * v22 * z2;
    let expected = SeedNetGrads {
        w11: dj_dh1 * x1,
        w21: dj_dh1 * x2,
        w12: dj_dz2 * x1,
        w22: dj_dz2 * x2,
        v11: delta_o * u1 * 2.0 * h1,
        v12: delta_o * u2 * h4 * h1,
        v22: delta_o * u2 * h4 * h2,
        u1: delta_o * h3,
        u2: delta_o * h4,
    };
    let grads = net.backward(&trace, &[t]);
    for (index, (g, e)) in grads.as_slice().iter().zip(expected.as_slice()).enumerate() {
        assert!(close(*g, *e), "parameter {index}: {g} != {e}");
    }

    // Both paths matter: neither alone gives dJ/dw11.
    let through_h3 = delta_o * u1 * 2.0 * v11 * x1;
    let through_h4 = delta_o * u2 * h4 * v12 * x1;
    assert!((grads.w11 - through_h3).abs() > 1e-3);
    assert!((grads.w11 - through_h4).abs() > 1e-3);

    // One SGD step moves each weight by -lr * gradient.
    let learning_rate = 0.1;
    let mut trained = net;
    trained.train_step(&[x1, x2], &[t], learning_rate).unwrap();
    for ((after, before), g) in trained
        .as_slice()
        .iter()
        .zip(net.as_slice())
        .zip(expected.as_slice())
    {
        assert!(close(*after, before - learning_rate * g));
    }
}

#[test]
fn nonzero_weights_against_finite_differences() {
    let check = gradcheck(&SeedNet::NONZERO, &[0.5, 1.0], &[0.25]);
    assert!(
        check.worst_relative_error < common::FINITE_DIFFERENCE_TOLERANCE,
        "{check}"
    );
    common::assert_gradients_match::<SeedNet>(7, 50);
}
