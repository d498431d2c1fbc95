//! Parameters round-trip through safetensors, and a file that does not match the network
//! is an error naming the first mismatch: missing, extra, mis-shaped or of another dtype.

use backprop_runtime::safetensors::{from_bytes, to_bytes, LoadError};
use backprop_runtime::Parameters;
use backprop_tests::nets::{Saved as Net, Saved64 as Net64};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

#[test]
fn round_trip_keeps_names_shapes_and_values() {
    let bytes = to_bytes(&Net::SAMPLE).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(names, ["W", "b", "c", "u"]);
    let w = file.tensor("W").unwrap();
    assert_eq!((w.dtype(), w.shape()), (Dtype::F32, &[2, 3][..]));
    assert_eq!(&w.data()[..4], &0.5_f32.to_le_bytes());
    assert_eq!(file.tensor("c").unwrap().shape(), &[] as &[usize]);
    assert_eq!(from_bytes::<Net>(&bytes).unwrap(), Net::SAMPLE);

    let mut wide = Net64::default();
    wide.copy_from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
        .unwrap();
    assert_eq!(
        from_bytes::<Net64>(&to_bytes(&wide).unwrap()).unwrap(),
        wide
    );
}

/// A file written tensor by tensor, as another framework would.
fn file(tensors: &[(&str, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors.iter().zip(&bytes).map(|((name, shape, _), bytes)| {
        (
            *name,
            TensorView::new(Dtype::F32, shape.clone(), bytes).unwrap(),
        )
    });
    safetensors::serialize(views, None).unwrap()
}

fn complete() -> Vec<(&'static str, Vec<usize>, Vec<f32>)> {
    vec![
        ("W", vec![2, 3], vec![0.0; 6]),
        ("b", vec![2], vec![0.0; 2]),
        ("u", vec![2], vec![0.0; 2]),
        ("c", vec![], vec![0.0]),
    ]
}

#[test]
fn mismatches_are_errors_naming_the_tensor() {
    assert!(from_bytes::<Net>(&file(&complete())).is_ok());

    let mut missing = complete();
    missing.remove(1);
    let error = from_bytes::<Net>(&file(&missing)).unwrap_err();
    assert_eq!(error, LoadError::Missing { name: "b" });
    assert_eq!(error.to_string(), "the file has no tensor `b`");

    let mut extra = complete();
    extra.push(("W_extra", vec![1], vec![0.0]));
    assert_eq!(
        from_bytes::<Net>(&file(&extra)).unwrap_err().to_string(),
        "the file has a tensor `W_extra` that the network does not have"
    );

    let mut misshaped = complete();
    misshaped[0] = ("W", vec![3, 2], vec![0.0; 6]);
    assert_eq!(
        from_bytes::<Net>(&file(&misshaped))
            .unwrap_err()
            .to_string(),
        "tensor `W` has shape [3, 2], but the network's `W` has shape [2, 3]"
    );

    assert_eq!(
        from_bytes::<Net64>(&file(&complete()))
            .unwrap_err()
            .to_string(),
        "tensor `W` is F32, but the network computes in F64"
    );

    assert!(matches!(
        from_bytes::<Net>(b"not a safetensors file"),
        Err(LoadError::Format(_))
    ));
}

#[test]
fn a_missing_an_extra_and_a_misshaped_tensor_report_the_first_in_network_order() {
    let mut bad = complete();
    bad.remove(3); // c missing
    bad[0] = ("W", vec![6], vec![0.0; 6]); // W mis-shaped
    bad.push(("zzz", vec![1], vec![0.0])); // extra
    assert_eq!(
        from_bytes::<Net>(&file(&bad)).unwrap_err(),
        LoadError::Shape {
            name: "W",
            expected: vec![2, 3],
            found: vec![6]
        }
    );
}

#[test]
fn non_finite_values_are_refused_when_saving_and_loading() {
    // Saving: a network that can never be trained back is not written.
    let mut broken = Net::SAMPLE;
    broken.b[1] = f32::NAN;
    assert!(matches!(
        to_bytes(&broken),
        Err(LoadError::NonFinite { name: "b", value }) if value.is_nan()
    ));

    // Loading: infinity in the file, named by tensor.
    let mut tensors = complete();
    tensors[2].2[0] = f32::INFINITY;
    let error = from_bytes::<Net>(&file(&tensors)).unwrap_err();
    assert_eq!(
        error,
        LoadError::NonFinite {
            name: tensors[2].0,
            value: f64::INFINITY
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "tensor `{}` holds inf, which is not a finite number",
            tensors[2].0
        )
    );
}

#[test]
fn loading_into_a_network_is_all_or_nothing_and_non_finite_values_are_an_opt_in() {
    use backprop_runtime::safetensors::{load_into, NonFinite};

    let mut net = Net::SAMPLE;
    // Every check fails late (after tensors that would load) and changes nothing.
    let mut late_nan = complete();
    late_nan[3].2[0] = f32::NAN;
    let mut late_shape = complete();
    late_shape[3] = ("c", vec![2], vec![0.5, 0.5]);
    let mut extra = complete();
    extra.push(("zzz", vec![], vec![1.0]));
    for bad in [late_nan.clone(), late_shape, extra] {
        assert!(load_into(&mut net, &file(&bad), NonFinite::Reject).is_err());
        assert_eq!(net, Net::SAMPLE);
    }

    // The caller may ask for the values as they are.
    load_into(&mut net, &file(&late_nan), NonFinite::Allow).unwrap();
    assert!(net.c.is_nan());
    assert_eq!(net.W, [[0.0; 3]; 2]);

    // A network too large for the stack loads into its boxed parameters.
    let mut boxed = Net::boxed();
    load_into(
        &mut *boxed,
        &to_bytes(&Net::SAMPLE).unwrap(),
        NonFinite::default(),
    )
    .unwrap();
    assert_eq!(*boxed, Net::SAMPLE);
}
