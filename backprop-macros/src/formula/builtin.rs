//! The built-in activations as formulas, with hand-written derivatives that reuse `h`.

use super::{ActivationDef, Formula, Primitive};

fn call(primitive: Primitive) -> Formula {
    Formula::Call(primitive, Box::new(Formula::Var))
}

fn constant(value: f64) -> Box<Formula> {
    Box::new(Formula::Const(value))
}

/// Every built-in activation, in the order the documentation lists them.
pub(crate) fn builtins() -> Vec<ActivationDef> {
    use Formula::{Mul, Neg, Output, Sub, Var};
    let h = || Box::new(Output);
    let z = || Box::new(Var);
    let table = [
        ("identity", Var, Formula::Const(1.0)),
        (
            "half_square",
            Mul(Box::new(Mul(constant(0.5), z())), z()),
            Var,
        ),
        ("double", Mul(constant(2.0), z()), Formula::Const(2.0)),
        ("square", Mul(z(), z()), Mul(constant(2.0), z())),
        ("exp", call(Primitive::Exp), Output),
        ("sin", call(Primitive::Sin), call(Primitive::Cos)),
        (
            "cos",
            call(Primitive::Cos),
            Neg(Box::new(call(Primitive::Sin))),
        ),
        (
            "sigmoid",
            call(Primitive::Sigmoid),
            Mul(h(), Box::new(Sub(constant(1.0), h()))),
        ),
        (
            "tanh",
            call(Primitive::Tanh),
            Sub(constant(1.0), Box::new(Mul(h(), h()))),
        ),
        (
            "relu",
            call(Primitive::Relu),
            call(Primitive::ReluDerivative),
        ),
        (
            "leaky_relu",
            call(Primitive::LeakyRelu),
            call(Primitive::LeakyReluDerivative),
        ),
        (
            "softplus",
            call(Primitive::Softplus),
            call(Primitive::Sigmoid),
        ),
    ];
    table
        .into_iter()
        .map(|(name, forward, derivative)| ActivationDef {
            name: name.to_owned(),
            forward,
            derivative,
        })
        .collect()
}
