//! Every supported function differentiated symbolically and checked against central finite
//! differences, plus the simplifier and the emitter on their own.

use quote::quote;
use syn::parse::Parser;

use super::parse::Scope;
use super::simplify::apply_primitive;
use super::*;

/// The formula's value at `z`, with `h` standing for the activation's value.
fn evaluate(formula: &Formula, z: f64, h: f64) -> f64 {
    let at = |formula: &Formula| evaluate(formula, z, h);
    match formula {
        Formula::Const(c) => *c,
        Formula::Var => z,
        Formula::Output => h,
        Formula::Neg(a) => -at(a),
        Formula::Add(a, b) => at(a) + at(b),
        Formula::Sub(a, b) => at(a) - at(b),
        Formula::Mul(a, b) => at(a) * at(b),
        Formula::Div(a, b) => at(a) / at(b),
        Formula::Powi(a, n) => at(a).powi(*n),
        Formula::Call(primitive, a) => apply_primitive(*primitive, at(a)),
    }
}

fn parse(source: &str, output_allowed: bool) -> syn::Result<Formula> {
    let builtins = builtins();
    let variable = Ident::new("z", proc_macro2::Span::call_site());
    let scope = Scope {
        variable: &variable,
        output_allowed,
        activations: &builtins,
        declared_later: &[],
        largest: f64::MAX,
        scalar: "f64",
    };
    (|input: syn::parse::ParseStream| parse_formula(input, &scope)).parse_str(source)
}

use proc_macro2::Ident;

/// The symbolic derivative of `source` agrees with a central finite difference at `points`.
fn assert_derivative(source: &str, points: &[f64]) {
    let forward = parse(source, false).unwrap();
    let symbolic = simplify(&derivative(&forward));
    for &z in points {
        let step = 1e-6 * z.abs().max(1.0);
        let numeric =
            (evaluate(&forward, z + step, 0.0) - evaluate(&forward, z - step, 0.0)) / (2.0 * step);
        let exact = evaluate(&symbolic, z, 0.0);
        let error = (exact - numeric).abs() / exact.abs().max(numeric.abs()).max(1e-3);
        assert!(
            error < 1e-6,
            "d/dz {source} at z = {z}: symbolic {exact} ({symbolic:?}), finite difference {numeric}"
        );
    }
}

const POINTS: &[f64] = &[-2.3, -0.7, -0.1, 0.3, 1.1, 2.9];
const POSITIVE: &[f64] = &[0.2, 0.9, 1.7, 4.2];

#[test]
fn arithmetic() {
    for source in [
        "z + 3.0",
        "z - 3.0",
        "2.5 * z",
        "z * z * z",
        "1.0 / z",
        "z / (1.0 + z * z)",
        "-z",
        "-(z * z) + 4.0 * z - 1.0",
        "(z - 1.0) / (z + 5.0)",
        "3",
    ] {
        assert_derivative(source, &[-2.3, -0.7, 0.3, 1.1, 2.9]);
    }
}

#[test]
fn every_math_function() {
    for source in [
        "exp(z)",
        "sin(z)",
        "cos(z)",
        "tanh(z)",
        "exp(-z * z)",
        "sin(2.0 * z) * cos(z)",
    ] {
        assert_derivative(source, POINTS);
    }
    for source in ["ln(z)", "sqrt(z)", "ln(1.0 + z * z)", "sqrt(z) * ln(z)"] {
        assert_derivative(source, POSITIVE);
    }
    // abs and sign away from their kink at 0.
    for source in ["abs(z)", "z / (1.0 + abs(z))", "abs(z) * sign(z)"] {
        assert_derivative(source, POINTS);
    }
}

#[test]
fn powi_with_positive_zero_and_negative_powers() {
    for source in [
        "powi(z, 3)",
        "powi(z, 0)",
        "powi(z, 1)",
        "powi(z, -2)",
        "powi(1.0 + z * z, -1)",
    ] {
        assert_derivative(source, &[-2.3, -0.7, 0.3, 1.1, 2.9]);
    }
}

#[test]
fn every_builtin_activation_inside_a_formula() {
    for activation in builtins() {
        let name = &activation.name;
        // z = 0 is a kink of relu and leaky_relu; the points avoid it.
        assert_derivative(&format!("{name}(z)"), POINTS);
        assert_derivative(&format!("{name}(0.5 * z + 0.25)"), POINTS);
    }
}

/// The hand-written derivatives of the built-ins (which reuse `h`) match the derivative of
/// their forward formula.
#[test]
fn builtin_derivatives_match_their_formulas() {
    for activation in builtins() {
        let symbolic = simplify(&derivative(&activation.forward));
        for &z in POINTS {
            let h = evaluate(&activation.forward, z, f64::NAN);
            let written = evaluate(&activation.derivative, z, h);
            let derived = evaluate(&symbolic, z, h);
            assert!(
                (written - derived).abs() <= 1e-12 * written.abs().max(1.0),
                "{}: {written} vs {derived} at {z}",
                activation.name
            );
        }
    }
}

#[test]
fn simplifier_removes_neutral_elements_and_folds_constants() {
    let simplified = |source: &str| simplify(&parse(source, false).unwrap());
    assert_eq!(simplified("z * 1.0 + 0.0"), Formula::Var);
    assert_eq!(simplified("0.0 * exp(z) + z"), Formula::Var);
    assert_eq!(simplified("--z"), Formula::Var);
    assert_eq!(simplified("2.0 * 3.0 - 1.0"), Formula::Const(5.0));
    assert_eq!(simplified("exp(0.0) * z"), Formula::Var);
    assert_eq!(
        simplified("2.0 * (3.0 * z)"),
        Formula::Mul(Box::new(Formula::Const(6.0)), Box::new(Formula::Var))
    );
    assert_eq!(simplified("powi(z, 1) / 1.0"), Formula::Var);
    // The parser rejects a constant that folds to NaN or infinity where it is written.
    assert!(parse("ln(0.0) * z", false).is_err());
    assert!(parse("z + 0.0 / 0.0", false).is_err());
}

#[test]
fn simplifier_never_folds_to_a_non_finite_constant() {
    use Formula::{Call, Const, Div, Mul, Var};
    // Such constants can still arise from differentiation; they stay as written and are
    // computed at run time as IEEE says, never folded to a wrong value or a panic.
    let ln_zero = Call(Primitive::Ln, Box::new(Const(0.0)));
    assert_eq!(simplify(&ln_zero), ln_zero);
    let zero_by_zero = Div(Box::new(Const(0.0)), Box::new(Const(0.0)));
    assert_eq!(simplify(&zero_by_zero), zero_by_zero);
    let huge = Mul(
        Box::new(Const(1e200)),
        Box::new(Mul(Box::new(Const(1e200)), Box::new(Var))),
    );
    assert_eq!(simplify(&huge), huge);
    let tokens = emit(&zero_by_zero, &quote!(z), &quote!(h)).to_string();
    assert_eq!(tokens, "0.0 / 0.0");
}

#[test]
fn derivative_of_softsign_is_emitted_without_neutral_factors() {
    let forward = parse("z / (1.0 + abs(z))", false).unwrap();
    let tokens = emit(&simplify(&derivative(&forward)), &quote!(z), &quote!(h)).to_string();
    assert!(
        !tokens.contains("* 1.0") && !tokens.contains("1.0 *"),
        "{tokens}"
    );
    assert!(
        !tokens.contains("+ 0.0") && !tokens.contains("0.0 +"),
        "{tokens}"
    );
    assert_eq!(
        tokens,
        "(1.0 + act :: abs (z) - z * act :: sign (z)) / act :: powi (1.0 + act :: abs (z) , 2)"
    );
}

#[test]
fn emitter_keeps_only_needed_parentheses() {
    let text =
        |source: &str| emit(&parse(source, false).unwrap(), &quote!(z), &quote!(h)).to_string();
    assert_eq!(text("z - (z + 1.0)"), "z - (z + 1.0)");
    assert_eq!(text("(z - z) + 1.0"), "z - z + 1.0");
    assert_eq!(text("z / (z * z)"), "z / (z * z)");
    assert_eq!(text("(z * z) / z"), "z * z / z");
    assert_eq!(text("-(z + 1.0)"), "- (z + 1.0)");
    assert_eq!(text("2.0 * -z"), "2.0 * - z");
}

#[test]
fn errors_point_at_the_offending_token() {
    let message = |source: &str, output| parse(source, output).unwrap_err().to_string();
    assert_eq!(
        message("z * y", false),
        "unknown variable `y`: this formula can use `z`"
    );
    assert!(message("z + h", false).starts_with("unknown variable `h`"));
    assert!(parse("z + h", true).is_ok());
    assert!(message("gelu(z)", false)
        .starts_with("unknown function `gelu` in a formula; did you mean `relu`?"));
    assert!(message("log(z)", false).starts_with("unknown function `log` in a formula;"));
    assert_eq!(
        message("powi(z)", false),
        "`powi` takes a base and an integer power: `powi(z, 3)`"
    );
    assert_eq!(
        message("powi(z, 0.5)", false),
        "`powi` needs an integer power, as in `powi(z, 3)`"
    );
    assert_eq!(
        message("1e400 * z", false),
        "this number is too large for `f64`"
    );
}
