//! The macro works wherever an item can stand: in modules, twice in one module, with
//! restricted visibility, inside a function.

mod nested {
    pub mod deeper {
        backprop_runtime::network! {
            /// In a nested module.
            pub struct Inner<f64> {
                input x;
                output o = identity(w * x);
                loss half_squared_error;
            }
        }
    }
}

mod siblings {
    use backprop_runtime::network;

    network! {
        /// The first of two networks in one module.
        pub(crate) struct First<f64> {
            input x;
            output o = identity(w * x);
            loss half_squared_error;
        }
    }

    network! {
        /// The second, with the same node and weight names: nothing collides.
        pub(crate) struct Second<f32> {
            input x;
            output o = identity(w * x);
            loss mean_squared_error;
        }
    }
}

#[test]
fn nested_module() {
    let net = nested::deeper::Inner { w: 2.0 };
    assert_eq!(net.predict(&[3.0]), [6.0]);
}

#[test]
fn two_networks_in_one_module() {
    let first = siblings::First { w: 2.0 };
    let second = siblings::Second { w: 3.0 };
    assert_eq!(first.predict(&[1.0]), [2.0]);
    assert_eq!(second.predict(&[1.0]), [3.0]);
    // half_squared_error: 1/2 (2 - 0)^2; mean_squared_error: (3 - 0)^2 / 1.
    assert_eq!(first.loss(&[1.0], &[0.0]), 2.0);
    assert_eq!(second.loss(&[1.0], &[0.0]), 9.0);
}

#[test]
fn inside_a_function() {
    backprop_runtime::network! {
        /// Local to this test.
        struct Local<f64> {
            input x;
            output o = double(w * x);
            loss half_squared_error;
        }
    }
    let net = Local { w: 1.5 };
    assert_eq!(net.predict(&[2.0]), [6.0]);
}
