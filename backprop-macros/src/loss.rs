//! The built-in losses: each one's value, its gradient, and what it asks of the outputs.

use proc_macro2::TokenStream;
use quote::quote;

use crate::formula::Builtin;
use crate::model::Precision;

/// How the elements of an element-wise loss combine into `J`.
enum Reduction {
    Sum,
    Mean,
}

/// A loss `J(outputs, target)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loss {
    /// `J = sum 1/2 (o - t)^2`, the notes' loss.
    HalfSquaredError,
    /// `J = 1/N sum (o - t)^2`.
    MeanSquaredError,
    /// Softmax over the outputs (logits), then cross-entropy; `dJ/dz = p - y`.
    SoftmaxCrossEntropy,
    /// Cross-entropy of sigmoid outputs, from their pre-activations; `dJ/dz = o - t`.
    BinaryCrossEntropy,
}

impl Loss {
    /// Every built-in loss with the name it is written as.
    pub(crate) const ALL: [(&'static str, Loss); 4] = [
        ("half_squared_error", Loss::HalfSquaredError),
        ("mean_squared_error", Loss::MeanSquaredError),
        ("softmax_cross_entropy", Loss::SoftmaxCrossEntropy),
        ("binary_cross_entropy", Loss::BinaryCrossEntropy),
    ];

    /// The loss written as `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|&(_, loss)| loss)
    }

    /// The name the loss is written as.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, loss)| *loss == self)
            .map_or("", |&(name, _)| name)
    }

    /// The activation every output must have when the loss's gradient is fused with it
    /// (computed with respect to `z` directly, which is what makes it stable).
    pub(crate) fn required_output_activation(self) -> Option<Builtin> {
        match self {
            Loss::HalfSquaredError | Loss::MeanSquaredError => None,
            Loss::SoftmaxCrossEntropy => Some(Builtin::Identity),
            Loss::BinaryCrossEntropy => Some(Builtin::Sigmoid),
        }
    }

    /// Whether the loss gives `dJ/dz` of the outputs directly, fused with their activation.
    pub(crate) fn is_fused(self) -> bool {
        self.required_output_activation().is_some()
    }

    /// Whether the loss is a classification loss over classes (its target is a
    /// `ClassTarget`, and the network predicts a class).
    pub(crate) fn is_categorical(self) -> bool {
        self == Loss::SoftmaxCrossEntropy
    }

    /// The type of the target, for `outputs` output values.
    pub(crate) fn target_type(
        self,
        private: &TokenStream,
        scalar: &TokenStream,
        outputs: &TokenStream,
    ) -> TokenStream {
        if self.is_categorical() {
            quote!(#private::ClassTarget<#scalar, #outputs>)
        } else {
            quote!([#scalar; #outputs])
        }
    }

    /// The expression of `J`, given the flat outputs and (for fused losses) the flat
    /// pre-activations of the outputs.
    pub(crate) fn value(
        self,
        private: &TokenStream,
        outputs: &TokenStream,
        logits: &TokenStream,
        precision: Precision,
    ) -> TokenStream {
        let loss = quote!(#private::loss);
        match self {
            Loss::HalfSquaredError | Loss::MeanSquaredError => {
                let (element, reduce) = self.element_value();
                let reduce = match reduce {
                    Reduction::Sum => quote!(sum_of_elements),
                    Reduction::Mean => quote!(mean_of_elements),
                };
                quote!(#loss::#reduce(&#outputs, target, |output, target| #element))
            }
            Loss::SoftmaxCrossEntropy => {
                let function = softmax_function("softmax_cross_entropy", precision);
                quote!(#loss::#function(&#outputs, target))
            }
            Loss::BinaryCrossEntropy => {
                quote!(#loss::binary_cross_entropy_with_logits(&#logits, target))
            }
        }
    }

    /// For an element-wise loss, the loss of one output value `output` against its target
    /// value `target`, and how the elements combine into `J`.
    fn element_value(self) -> (TokenStream, Reduction) {
        match self {
            Loss::MeanSquaredError => (
                quote!((output - target) * (output - target)),
                Reduction::Mean,
            ),
            _ => (
                quote!(0.5 * (output - target) * (output - target)),
                Reduction::Sum,
            ),
        }
    }

    /// [`Self::element_gradient`] as text, with `o` and `t` written as given.
    pub(crate) fn element_gradient_text(self, o: &str, t: &str, outputs: usize) -> String {
        match self {
            Loss::MeanSquaredError if outputs == 1 => format!("2 ({o} - {t})"),
            Loss::MeanSquaredError if outputs > 2 => format!("2 ({o} - {t}) / {outputs}"),
            _ => format!("{o} - {t}"),
        }
    }

    /// The gradient for one output value `o` with target `t`, among `outputs` values: `dJ/do`
    /// for the squared errors, `dJ/dz` for binary cross-entropy. An expression that can
    /// stand first in a sum without parentheses. Not for softmax cross-entropy, whose
    /// gradient couples all outputs.
    pub(crate) fn element_gradient(
        self,
        o: &TokenStream,
        t: &TokenStream,
        outputs: usize,
    ) -> TokenStream {
        match self {
            Loss::HalfSquaredError | Loss::BinaryCrossEntropy | Loss::SoftmaxCrossEntropy => {
                quote!(#o - #t)
            }
            // 2 (o - t) / N, without the factors that cancel for one or two outputs.
            Loss::MeanSquaredError => match outputs {
                1 => quote!(2.0 * (#o - #t)),
                2 => quote!(#o - #t),
                _ => {
                    let outputs = proc_macro2::Literal::f64_unsuffixed(outputs as f64);
                    quote!(2.0 * (#o - #t) / #outputs)
                }
            },
        }
    }
}

/// The runtime's softmax function `name` for a network's precision: `name`, or under
/// `precision fast` `name_fast`, whose exponentials are the fast kernel's.
pub(crate) fn softmax_function(name: &str, precision: Precision) -> proc_macro2::Ident {
    let name = match precision {
        Precision::Exact => name.to_owned(),
        Precision::Fast => format!("{name}_fast"),
    };
    proc_macro2::Ident::new(&name, proc_macro2::Span::call_site())
}
