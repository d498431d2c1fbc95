//! The built-in activations as formulas, with hand-written derivatives that reuse `h`.

use super::{ActivationDef, Formula, Primitive};

fn call(primitive: Primitive) -> Formula {
    Formula::Call(primitive, Box::new(Formula::Var))
}

fn constant(value: f64) -> Box<Formula> {
    Box::new(Formula::Const(value))
}

/// A built-in activation: its identity, whatever a user names their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Identity,
    HalfSquare,
    Double,
    Square,
    Exp,
    Sin,
    Cos,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Softplus,
}

impl Builtin {
    /// The name it is written as.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Builtin::Identity => "identity",
            Builtin::HalfSquare => "half_square",
            Builtin::Double => "double",
            Builtin::Square => "square",
            Builtin::Exp => "exp",
            Builtin::Sin => "sin",
            Builtin::Cos => "cos",
            Builtin::Sigmoid => "sigmoid",
            Builtin::Tanh => "tanh",
            Builtin::Relu => "relu",
            Builtin::LeakyRelu => "leaky_relu",
            Builtin::Softplus => "softplus",
        }
    }
}

/// Every built-in activation, in the order the documentation lists them.
pub(crate) fn builtins() -> Vec<ActivationDef> {
    use Formula::{Mul, Neg, Output, Sub, Var};
    let h = || Box::new(Output);
    let z = || Box::new(Var);
    let table = [
        (Builtin::Identity, Var, Formula::Const(1.0)),
        (
            Builtin::HalfSquare,
            Mul(Box::new(Mul(constant(0.5), z())), z()),
            Var,
        ),
        (
            Builtin::Double,
            Mul(constant(2.0), z()),
            Formula::Const(2.0),
        ),
        (Builtin::Square, Mul(z(), z()), Mul(constant(2.0), z())),
        (Builtin::Exp, call(Primitive::Exp), Output),
        (Builtin::Sin, call(Primitive::Sin), call(Primitive::Cos)),
        (
            Builtin::Cos,
            call(Primitive::Cos),
            Neg(Box::new(call(Primitive::Sin))),
        ),
        (
            Builtin::Sigmoid,
            call(Primitive::Sigmoid),
            Mul(h(), Box::new(Sub(constant(1.0), h()))),
        ),
        (
            Builtin::Tanh,
            call(Primitive::Tanh),
            Sub(constant(1.0), Box::new(Mul(h(), h()))),
        ),
        (
            Builtin::Relu,
            call(Primitive::Relu),
            call(Primitive::ReluDerivative),
        ),
        (
            Builtin::LeakyRelu,
            call(Primitive::LeakyRelu),
            call(Primitive::LeakyReluDerivative),
        ),
        (
            Builtin::Softplus,
            call(Primitive::Softplus),
            call(Primitive::Sigmoid),
        ),
    ];
    table
        .into_iter()
        .map(|(builtin, forward, derivative)| ActivationDef {
            name: builtin.name().to_owned(),
            builtin: Some(builtin),
            forward,
            derivative,
        })
        .collect()
}
