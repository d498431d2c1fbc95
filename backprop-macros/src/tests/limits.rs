//! Large and deep inputs expand into code rustc can compile: long sums are split into
//! statements of at most 64 terms, big backward passes declare their locals up front, and
//! formulas too deep or too large are errors with a message rather than a crash.

use std::fmt::Write;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The most `+` signs in one statement anywhere in `tokens`, those inside its parentheses
/// included: how many terms the longest sum adds (a sum is written as a tree, its
/// subtrees in parentheses).
fn longest_sum(tokens: TokenStream) -> usize {
    statement_sums(tokens).0
}

/// The most `+` signs in one statement of `tokens`, and those after its last `;`.
fn statement_sums(tokens: TokenStream) -> (usize, usize) {
    let mut longest = 0;
    let mut current = 0;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '+' => current += 1,
            TokenTree::Punct(punct) if punct.as_char() == ';' => current = 0,
            TokenTree::Group(group) => {
                let (inner_longest, inner_open) = statement_sums(group.stream());
                longest = longest.max(inner_longest);
                if group.delimiter() == Delimiter::Parenthesis {
                    current += inner_open;
                }
            }
            _ => {}
        }
        longest = longest.max(current);
    }
    (longest, current)
}

/// `width` single neurons read from one input and summed by one output.
fn wide(width: usize) -> String {
    let mut body = String::from("input x;\n");
    for i in 0..width {
        let _ = writeln!(body, "neuron h{i} = tanh(w{i} * x + b{i});");
    }
    let terms: Vec<String> = (0..width).map(|i| format!("u{i} * h{i}")).collect();
    let _ = writeln!(body, "output o = identity({});", terms.join(" + "));
    format!("pub struct Wide<f64> {{ {body} loss half_squared_error; }}")
}

#[test]
fn a_sum_of_10000_neuron_terms_is_split_into_short_statements() {
    let expansion = crate::expand(TokenStream::from_str(&wide(10_000)).unwrap());
    let text = expansion.to_string();
    assert!(!text.contains("compile_error"), "the network expands");
    // 63 `+` join 64 terms; a continued chunk adds `trace.z_o + ` in front.
    assert_eq!(longest_sum(expansion), 64);
    assert!(text.contains("trace . z_o = trace . z_o + self . u64 * trace . h64"));
}

#[test]
fn small_sums_stay_one_expression() {
    let expansion = crate::expand(TokenStream::from_str(&wide(64)).unwrap());
    assert_eq!(longest_sum(expansion.clone()), 63);
    assert!(!expansion.to_string().contains("trace . z_o = trace . z_o"));
}

#[test]
fn big_backward_passes_declare_their_locals_up_front() {
    let small = crate::expand(TokenStream::from_str(&wide(400)).unwrap()).to_string();
    assert!(
        small.contains("let dj_dh0 = dj_dz_o * self . u0 ;"),
        "declared at use"
    );
    let big = crate::expand(TokenStream::from_str(&wide(600)).unwrap()).to_string();
    assert!(big.contains("dj_dh0 = dj_dz_o * self . u0 ;"));
    assert!(
        !big.contains("let dj_dh0 ="),
        "assigned, not declared, at use"
    );
    let lets = big.matches("let (").count();
    // 2 locals for each neuron and the output, in `backward_accumulate` (and in `explain`).
    let passes = if cfg!(feature = "explain") { 2 } else { 1 };
    assert_eq!(lets, passes * (2 * 601_usize).div_ceil(64));
}

/// The message of the only error of an expansion.
fn error_of(source: &str) -> String {
    let expansion = crate::expand(TokenStream::from_str(source).unwrap()).to_string();
    let start = expansion
        .find("compile_error ! {")
        .unwrap_or_else(|| panic!("no error in {expansion}"));
    let message = &expansion[start..];
    let open = message.find('"').unwrap();
    let close = message[open + 1..].find('"').unwrap();
    message[open + 1..open + 1 + close].to_owned()
}

#[test]
fn formulas_too_deep_or_too_large_are_errors() {
    let deep = format!(
        "struct N<f64> {{ activation a(z) = {}z; input x; output o = a(w * x); loss half_squared_error; }}",
        "- ".repeat(3_000)
    );
    assert!(error_of(&deep).starts_with("this formula nests more than 100 levels deep"));
    let nested = format!(
        "struct N<f64> {{ activation a(z) = {}z{}; input x; output o = a(w * x); loss half_squared_error; }}",
        "tanh(".repeat(1_000),
        ")".repeat(1_000)
    );
    assert!(error_of(&nested).starts_with("this formula nests more than 100 levels deep"));
    let mut squares = String::from("activation s0(z) = z * z;");
    for i in 1..40 {
        let _ = write!(
            squares,
            " activation s{i}(z) = s{}(z) * s{}(z);",
            i - 1,
            i - 1
        );
    }
    let composed = format!(
        "struct N<f64> {{ {squares} input x; output o = s39(w * x); loss half_squared_error; }}"
    );
    assert!(
        error_of(&composed).starts_with("the derivative of `s7` is 4095 operations"),
        "{}",
        error_of(&composed)
    );
}

#[test]
fn constants_that_fold_to_nan_or_infinity_are_errors() {
    for formula in [
        "z + 1e308 * 10.0 * 0.0",
        "z + 0.0 / 0.0",
        "z * ln(0.0)",
        "z * sqrt(-1.0)",
    ] {
        let source = format!(
            "struct N<f64> {{ activation a(z) = {formula}; input x; output o = a(w * x); loss half_squared_error; }}"
        );
        let message = error_of(&source);
        assert!(
            message.starts_with("this constant part of the formula evaluates to"),
            "{formula}: {message}"
        );
    }
    // Folding a finite constant is still done, and a product with a variable is not folded.
    let fine = "struct N<f64> { activation a(z) = z * (1e308 * 0.5) + 0.0 / z; input x; output o = a(w * x); loss half_squared_error; }";
    assert!(!crate::expand(TokenStream::from_str(fine).unwrap())
        .to_string()
        .contains("compile_error"));
}
