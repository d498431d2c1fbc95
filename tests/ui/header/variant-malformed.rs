// `#[backprop(variant(Name, scalar = ..., precision = ...))]`: a new name and at least one
// change, each setting once, known settings and values only.
use backprop_runtime::network;

network! {
    #[backprop(variant(Same))]
    pub struct NoChange<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(Other, sclar = f32))]
    pub struct UnknownSetting<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(Twice, scalar = f32, scalar = f64))]
    pub struct RepeatedSetting<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(SelfNamed, scalar = f32))]
    pub struct SelfNamed<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(Fast, precision = fast))]
    #[backprop(variant(Fast, scalar = f32))]
    pub struct DuplicateVariant<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(Quick, precision = quick))]
    pub struct UnknownPrecision<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(variant(Half, scalar = f16))]
    pub struct UnknownScalar<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

network! {
    #[backprop(varient(Typo, scalar = f32))]
    pub struct MisspelledOption<f64> {
        input x;
        output o = identity(w * x);
        loss half_squared_error;
    }
}

fn main() {
    // The variants of a network with errors still exist, so uses report nothing more.
    let _ = Quick::default();
    let _ = Half::default();
}
