//! Activation formulas: a small expression language over one variable `z` (and, in a
//! derivative, the activation's own value `h`), differentiated symbolically at compile time.
//!
//! Built-in activations are formulas too, so a user-defined activation and `tanh` go through
//! the same code: parse -> differentiate -> simplify -> emit.

mod builtin;
mod derive;
mod emit;
mod parse;
mod simplify;

#[cfg(test)]
mod tests;

pub(crate) use builtin::{builtins, Builtin};
pub(crate) use parse::{parse_formula, Scope};

/// A primitive function the runtime provides (`act::exp`, `act::sigmoid`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primitive {
    Exp,
    Ln,
    Sin,
    Cos,
    Tanh,
    Sqrt,
    Abs,
    /// -1, 0 or 1: the derivative of `abs`.
    Sign,
    Sigmoid,
    Relu,
    /// The derivative of `relu`: 1 for z > 0, else 0.
    ReluDerivative,
    LeakyRelu,
    /// The derivative of `leaky_relu`: 1 for z > 0, else 0.01.
    LeakyReluDerivative,
    Softplus,
    /// The vectorizable kernels of `precision fast`: the same functions, approximated.
    Fast(FastPrimitive),
}

/// The primitives with a fast, vectorizable kernel in `act::fast`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FastPrimitive {
    Exp,
    Tanh,
    /// `tanh` by fused multiply-adds, for code compiled with FMA (`act::fast::tanh_fused`).
    TanhFused,
    Sigmoid,
    Softplus,
}

impl Primitive {
    /// The primitives a formula may call by name, beside the activations.
    pub(crate) const CALLABLE: [(&'static str, Primitive); 4] = [
        ("ln", Primitive::Ln),
        ("sqrt", Primitive::Sqrt),
        ("abs", Primitive::Abs),
        ("sign", Primitive::Sign),
    ];

    /// The path of the runtime function below `backprop_runtime::activation`.
    pub(crate) fn runtime_path(self) -> proc_macro2::TokenStream {
        let name = quote::format_ident!("{}", self.runtime_name());
        match self {
            Primitive::Fast(_) => quote::quote!(fast::#name),
            _ => quote::quote!(#name),
        }
    }

    /// The runtime function's name (in `act::fast` for the fast kernels).
    fn runtime_name(self) -> &'static str {
        match self {
            Primitive::Fast(FastPrimitive::TanhFused) => "tanh_fused",
            Primitive::Fast(fast) => fast.exact().runtime_name(),
            Primitive::Exp => "exp",
            Primitive::Ln => "ln",
            Primitive::Sin => "sin",
            Primitive::Cos => "cos",
            Primitive::Tanh => "tanh",
            Primitive::Sqrt => "sqrt",
            Primitive::Abs => "abs",
            Primitive::Sign => "sign",
            Primitive::Sigmoid => "sigmoid",
            Primitive::Relu => "relu",
            Primitive::ReluDerivative => "relu_derivative",
            Primitive::LeakyRelu => "leaky_relu",
            Primitive::LeakyReluDerivative => "leaky_relu_derivative",
            Primitive::Softplus => "softplus",
        }
    }
}

/// An expression in the activation's variable.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Formula {
    Const(f64),
    /// The activation's argument, `z`.
    Var,
    /// The activation's value, `h = f(z)`: only in derivatives, where it saves recomputing.
    Output,
    Neg(Box<Formula>),
    Add(Box<Formula>, Box<Formula>),
    Sub(Box<Formula>, Box<Formula>),
    Mul(Box<Formula>, Box<Formula>),
    Div(Box<Formula>, Box<Formula>),
    Powi(Box<Formula>, i32),
    Call(Primitive, Box<Formula>),
}

/// An activation: `h = forward(z)` and `dh/dz = derivative(z, h)`.
#[derive(Clone, Debug)]
pub(crate) struct ActivationDef {
    pub(crate) name: String,
    /// Which built-in it is; `None` for one the network declares.
    pub(crate) builtin: Option<Builtin>,
    pub(crate) forward: Formula,
    pub(crate) derivative: Formula,
}

impl Formula {
    /// The same node with each child replaced by `f(child)`; leaves are cloned. Fails with
    /// the first error of `f`.
    pub(crate) fn try_map_children<E>(
        &self,
        mut f: impl FnMut(&Formula) -> Result<Formula, E>,
    ) -> Result<Formula, E> {
        let mut child = |formula: &Formula| f(formula).map(Box::new);
        Ok(match self {
            Formula::Const(_) | Formula::Var | Formula::Output => self.clone(),
            Formula::Neg(a) => Formula::Neg(child(a)?),
            Formula::Add(a, b) => Formula::Add(child(a)?, child(b)?),
            Formula::Sub(a, b) => Formula::Sub(child(a)?, child(b)?),
            Formula::Mul(a, b) => Formula::Mul(child(a)?, child(b)?),
            Formula::Div(a, b) => Formula::Div(child(a)?, child(b)?),
            Formula::Powi(a, n) => Formula::Powi(child(a)?, *n),
            Formula::Call(primitive, a) => Formula::Call(*primitive, child(a)?),
        })
    }

    /// The same node with each child replaced by `f(child)`; leaves are cloned.
    pub(crate) fn map_children(&self, mut f: impl FnMut(&Formula) -> Formula) -> Formula {
        match self.try_map_children(|child| Ok::<_, core::convert::Infallible>(f(child))) {
            Ok(formula) => formula,
            Err(never) => match never {},
        }
    }

    /// `self` with `Var` replaced by `value` and `Output` by `output`.
    pub(crate) fn substitute(&self, value: &Formula, output: &Formula) -> Formula {
        match self {
            Formula::Var => value.clone(),
            Formula::Output => output.clone(),
            _ => self.map_children(|child| child.substitute(value, output)),
        }
    }
}

/// How deeply a formula may nest as written (parentheses, calls, unary minus signs):
/// recursion in the macro and in rustc is bounded by it.
pub(crate) const MAX_WRITTEN_DEPTH: usize = 100;

/// How many operations an activation's formula, or its derivative, may hold once the
/// activations it calls are put in: self-composing activations grow exponentially, and
/// rustc has to compile the result.
pub(crate) const MAX_SIZE: usize = 2_000;

/// How deeply an activation's formula, or its derivative, may nest once the activations it
/// calls are put in.
pub(crate) const MAX_DEPTH: usize = 256;

impl Formula {
    /// How many operations, variables and constants the formula holds.
    pub(crate) fn size(&self) -> usize {
        match self {
            Formula::Const(_) | Formula::Var | Formula::Output => 1,
            Formula::Neg(a) | Formula::Powi(a, _) | Formula::Call(_, a) => 1 + a.size(),
            Formula::Add(a, b) | Formula::Sub(a, b) | Formula::Mul(a, b) | Formula::Div(a, b) => {
                1 + a.size() + b.size()
            }
        }
    }

    /// How deeply the formula nests: 1 for a leaf.
    pub(crate) fn depth(&self) -> usize {
        match self {
            Formula::Const(_) | Formula::Var | Formula::Output => 1,
            Formula::Neg(a) | Formula::Powi(a, _) | Formula::Call(_, a) => 1 + a.depth(),
            Formula::Add(a, b) | Formula::Sub(a, b) | Formula::Mul(a, b) | Formula::Div(a, b) => {
                1 + a.depth().max(b.depth())
            }
        }
    }

    /// How many times the variable `z` occurs.
    pub(crate) fn variable_count(&self) -> usize {
        match self {
            Formula::Var => 1,
            Formula::Const(_) | Formula::Output => 0,
            Formula::Neg(a) | Formula::Powi(a, _) | Formula::Call(_, a) => a.variable_count(),
            Formula::Add(a, b) | Formula::Sub(a, b) | Formula::Mul(a, b) | Formula::Div(a, b) => {
                a.variable_count() + b.variable_count()
            }
        }
    }

    /// The largest magnitude of any constant in the formula (0 for none).
    pub(crate) fn largest_constant(&self) -> f64 {
        match self {
            Formula::Const(c) => c.abs(),
            Formula::Var | Formula::Output => 0.0,
            Formula::Neg(a) | Formula::Powi(a, _) | Formula::Call(_, a) => a.largest_constant(),
            Formula::Add(a, b) | Formula::Sub(a, b) | Formula::Mul(a, b) | Formula::Div(a, b) => {
                a.largest_constant().max(b.largest_constant())
            }
        }
    }
}

impl FastPrimitive {
    /// The exact primitive this kernel approximates.
    pub(crate) fn exact(self) -> Primitive {
        match self {
            FastPrimitive::Exp => Primitive::Exp,
            FastPrimitive::Tanh | FastPrimitive::TanhFused => Primitive::Tanh,
            FastPrimitive::Sigmoid => Primitive::Sigmoid,
            FastPrimitive::Softplus => Primitive::Softplus,
        }
    }
}

impl Formula {
    /// `self` with every primitive that has a fast kernel replaced by it.
    pub(crate) fn with_fast_kernels(&self) -> Formula {
        let Formula::Call(primitive, argument) = self else {
            return self.map_children(Formula::with_fast_kernels);
        };
        let fast = match primitive {
            Primitive::Exp => Primitive::Fast(FastPrimitive::Exp),
            Primitive::Tanh => Primitive::Fast(FastPrimitive::Tanh),
            Primitive::Sigmoid => Primitive::Fast(FastPrimitive::Sigmoid),
            Primitive::Softplus => Primitive::Fast(FastPrimitive::Softplus),
            other => *other,
        };
        Formula::Call(fast, Box::new(argument.with_fast_kernels()))
    }
}

impl Formula {
    /// `self` for code compiled with FMA: every fast `tanh` by its fused kernel, or `None`
    /// if it has none (the fused kernel may differ in the last bit, so the code keeps both).
    pub(crate) fn with_fused_kernels(&self) -> Option<Formula> {
        fn replace(formula: &Formula, found: &mut bool) -> Formula {
            match formula {
                Formula::Call(Primitive::Fast(FastPrimitive::Tanh), argument) => {
                    *found = true;
                    Formula::Call(
                        Primitive::Fast(FastPrimitive::TanhFused),
                        Box::new(replace(argument, found)),
                    )
                }
                other => other.map_children(|child| replace(child, found)),
            }
        }
        let mut found = false;
        let fused = replace(self, &mut found);
        found.then_some(fused)
    }
}

impl ActivationDef {
    /// The activation with its transcendental functions computed by the fast kernels.
    pub(crate) fn with_fast_kernels(&self) -> ActivationDef {
        ActivationDef {
            name: self.name.clone(),
            builtin: self.builtin,
            forward: self.forward.with_fast_kernels(),
            derivative: self.derivative.with_fast_kernels(),
        }
    }

    /// The activation applied to `argument`: its forward formula with `z := argument`.
    pub(crate) fn apply_to(&self, argument: &Formula) -> Formula {
        self.forward.substitute(argument, &Formula::Output)
    }

    /// The size of [`Self::apply_to`]'s result, computed without building it.
    pub(crate) fn applied_size(&self, argument: &Formula) -> usize {
        let uses = self.forward.variable_count();
        self.forward.size() - uses + uses * argument.size()
    }
}

pub(crate) use derive::derivative;
pub(crate) use emit::{emit, emit_factor};
pub(crate) use simplify::simplify;
