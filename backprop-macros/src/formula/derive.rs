//! Symbolic differentiation with respect to the variable, by the textbook rules.

use super::{Formula, Primitive};

fn boxed(formula: Formula) -> Box<Formula> {
    Box::new(formula)
}

fn call(primitive: Primitive, argument: &Formula) -> Formula {
    Formula::Call(primitive, boxed(argument.clone()))
}

/// `d formula / dz`, unsimplified (run [`super::simplify`] on the result).
///
/// Forward formulas never contain `Output` (the parser admits `h` only in explicit
/// derivatives), so it is treated as a constant here.
pub(crate) fn derivative(formula: &Formula) -> Formula {
    use Formula::{Add, Const, Div, Mul, Neg, Output, Powi, Sub, Var};
    match formula {
        Const(_) | Output => Const(0.0),
        Var => Const(1.0),
        Neg(a) => Neg(boxed(derivative(a))),
        Add(a, b) => Add(boxed(derivative(a)), boxed(derivative(b))),
        Sub(a, b) => Sub(boxed(derivative(a)), boxed(derivative(b))),
        // (ab)' = a'b + ab'
        Mul(a, b) => Add(
            boxed(Mul(boxed(derivative(a)), b.clone())),
            boxed(Mul(a.clone(), boxed(derivative(b)))),
        ),
        // (a/b)' = (a'b - ab') / b^2
        Div(a, b) => Div(
            boxed(Sub(
                boxed(Mul(boxed(derivative(a)), b.clone())),
                boxed(Mul(a.clone(), boxed(derivative(b)))),
            )),
            boxed(Powi(b.clone(), 2)),
        ),
        // (a^n)' = n a^(n-1) a'
        Powi(a, n) => Mul(
            boxed(Mul(
                boxed(Const(f64::from(*n))),
                boxed(Powi(a.clone(), n - 1)),
            )),
            boxed(derivative(a)),
        ),
        // f(a)' = f'(a) a'
        Formula::Call(primitive, a) => {
            Mul(boxed(outer_derivative(*primitive, a)), boxed(derivative(a)))
        }
    }
}

/// `f'(a)` for a primitive `f`.
fn outer_derivative(primitive: Primitive, a: &Formula) -> Formula {
    use Formula::{Const, Div, Mul, Neg, Powi, Sub};
    match primitive {
        // Formulas are differentiated before the fast kernels are put in.
        Primitive::Fast(fast) => outer_derivative(fast.exact(), a),
        Primitive::Exp => call(Primitive::Exp, a),
        Primitive::Ln => Div(boxed(Const(1.0)), boxed(a.clone())),
        Primitive::Sin => call(Primitive::Cos, a),
        Primitive::Cos => Neg(boxed(call(Primitive::Sin, a))),
        Primitive::Tanh => Sub(
            boxed(Const(1.0)),
            boxed(Powi(boxed(call(Primitive::Tanh, a)), 2)),
        ),
        Primitive::Sqrt => Div(boxed(Const(0.5)), boxed(call(Primitive::Sqrt, a))),
        Primitive::Abs => call(Primitive::Sign, a),
        Primitive::Sigmoid => Mul(
            boxed(call(Primitive::Sigmoid, a)),
            boxed(Sub(boxed(Const(1.0)), boxed(call(Primitive::Sigmoid, a)))),
        ),
        Primitive::Relu => call(Primitive::ReluDerivative, a),
        Primitive::LeakyRelu => call(Primitive::LeakyReluDerivative, a),
        Primitive::Softplus => call(Primitive::Sigmoid, a),
        // Piecewise constant: zero almost everywhere.
        Primitive::Sign | Primitive::ReluDerivative | Primitive::LeakyReluDerivative => Const(0.0),
    }
}
