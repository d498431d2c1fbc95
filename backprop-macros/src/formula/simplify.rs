//! Algebraic clean-up of generated formulas: constant folding and the identities that a
//! derivative produces in bulk (`x * 1`, `x + 0`, `0 * x`, `--x`).
//!
//! `0 * x = 0` and `0 / x = 0` are not IEEE-exact when `x` is infinite or zero; like every
//! symbolic differentiator we accept that, since a non-finite value is caught by the training
//! step anyway. Constants are folded only when the result is finite: a fold to NaN or
//! infinity is left as written, to be computed at run time as IEEE says (the parser has
//! already rejected such constants where the user wrote them).

/// `value` as a constant if it is finite, else `otherwise` (the unfolded formula).
fn finite_or(value: f64, otherwise: impl FnOnce() -> Formula) -> Formula {
    if value.is_finite() {
        Formula::Const(value)
    } else {
        otherwise()
    }
}

use super::{Formula, Primitive};

/// `formula` simplified bottom-up.
pub(crate) fn simplify(formula: &Formula) -> Formula {
    use Formula::{Add, Call, Const, Div, Mul, Neg, Output, Powi, Sub, Var};
    let boxed = Box::new;
    match formula {
        Const(_) | Var | Output => formula.clone(),
        Neg(a) => match simplify(a) {
            Const(c) => Const(-c),
            Neg(inner) => *inner,
            a => Neg(boxed(a)),
        },
        Add(a, b) => match (simplify(a), simplify(b)) {
            (Const(x), Const(y)) => finite_or(x + y, || Add(boxed(Const(x)), boxed(Const(y)))),
            (Const(zero), other) | (other, Const(zero)) if zero == 0.0 => other,
            (a, Neg(b)) => Sub(boxed(a), b),
            (a, b) => Add(boxed(a), boxed(b)),
        },
        Sub(a, b) => match (simplify(a), simplify(b)) {
            (Const(x), Const(y)) => finite_or(x - y, || Sub(boxed(Const(x)), boxed(Const(y)))),
            (a, Const(0.0)) => a,
            (Const(0.0), b) => simplify(&Neg(boxed(b))),
            (a, Neg(b)) => Add(boxed(a), b),
            (a, b) => Sub(boxed(a), boxed(b)),
        },
        Mul(a, b) => match (simplify(a), simplify(b)) {
            (Const(x), Const(y)) => finite_or(x * y, || Mul(boxed(Const(x)), boxed(Const(y)))),
            (Const(zero), _) | (_, Const(zero)) if zero == 0.0 => Const(0.0),
            (Const(one), other) | (other, Const(one)) if one == 1.0 => other,
            (Const(minus_one), other) | (other, Const(minus_one)) if minus_one == -1.0 => {
                simplify(&Neg(boxed(other)))
            }
            // Constants gather at the front: `2.0 * (3.0 * z)` is `6.0 * z`.
            (Const(x), Mul(inner, rest)) => match *inner {
                Const(y) if (x * y).is_finite() => simplify(&Mul(boxed(Const(x * y)), rest)),
                inner => Mul(boxed(Const(x)), boxed(Mul(boxed(inner), rest))),
            },
            (Neg(a), Neg(b)) => Mul(a, b),
            // Constants first: `2.0 * z` reads better than `z * 2.0`.
            (other, Const(c)) => Mul(boxed(Const(c)), boxed(other)),
            (a, b) => Mul(boxed(a), boxed(b)),
        },
        Div(a, b) => match (simplify(a), simplify(b)) {
            (Const(x), Const(y)) => finite_or(x / y, || Div(boxed(Const(x)), boxed(Const(y)))),
            (Const(0.0), _) => Const(0.0),
            (a, Const(1.0)) => a,
            (a, b) => Div(boxed(a), boxed(b)),
        },
        Powi(a, n) => match (simplify(a), *n) {
            (_, 0) => Const(1.0),
            (a, 1) => a,
            (Const(c), n) if c.powi(n).is_finite() => Const(c.powi(n)),
            (a, n) => Powi(boxed(a), n),
        },
        Call(primitive, a) => match simplify(a) {
            Const(c) => match evaluate_primitive(*primitive, c) {
                Some(value) => Const(value),
                None => Call(*primitive, boxed(Const(c))),
            },
            a => Call(*primitive, boxed(a)),
        },
    }
}

/// The primitive at a constant, when the result is finite (a non-finite constant cannot be
/// written as a Rust literal, so it stays a call).
fn evaluate_primitive(primitive: Primitive, x: f64) -> Option<f64> {
    let value = apply_primitive(primitive, x);
    value.is_finite().then_some(value)
}

/// The primitive's value at `x`, as the runtime computes it in `f64`.
pub(crate) fn apply_primitive(primitive: Primitive, x: f64) -> f64 {
    match primitive {
        Primitive::Fast(fast) => apply_primitive(fast.exact(), x),
        Primitive::Exp => x.exp(),
        Primitive::Ln => x.ln(),
        Primitive::Sin => x.sin(),
        Primitive::Cos => x.cos(),
        Primitive::Tanh => x.tanh(),
        Primitive::Sqrt => x.sqrt(),
        Primitive::Abs => x.abs(),
        Primitive::Sign => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
        Primitive::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Primitive::Relu => x.max(0.0),
        Primitive::ReluDerivative => f64::from(u8::from(x > 0.0)),
        Primitive::LeakyRelu => {
            if x > 0.0 {
                x
            } else {
                0.01 * x
            }
        }
        Primitive::LeakyReluDerivative => {
            if x > 0.0 {
                1.0
            } else {
                0.01
            }
        }
        Primitive::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
    }
}
