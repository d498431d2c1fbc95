//! Parameters round-trip through serde (JSON here), and a file that does not match the
//! network is an error naming the first mismatch.

use backprop_tests::nets::{Saved64 as Net, Saved64Grads as NetGrads};

#[test]
fn json_reads_like_the_network() {
    let json = serde_json::to_string(&Net::SAMPLE).unwrap();
    assert_eq!(
        json,
        r#"{"W":[[0.5,-1.0,2.0],[0.25,0.0,-0.125]],"b":[1.0,-1.0],"u":[3.0,4.0],"c":-0.5}"#
    );
    let back: Net = serde_json::from_str(&json).unwrap();
    assert_eq!(back, Net::SAMPLE);
}

#[test]
fn gradients_serialize_too() {
    let net = Net::SAMPLE;
    let grads = net.backward(&net.forward(&[1.0, 2.0, 3.0]), &[0.0]);
    let json = serde_json::to_string(&grads).unwrap();
    let back: NetGrads = serde_json::from_str(&json).unwrap();
    assert_eq!(back, grads);
}

#[test]
fn mismatched_files_are_errors_naming_the_parameter() {
    let error = |json: &str| serde_json::from_str::<Net>(json).unwrap_err().to_string();
    assert!(error(r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0]}"#)
        .starts_with("missing parameter `c`"));
    assert!(
        error(r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0],"c":0,"d":1}"#)
            .starts_with("unknown parameter `d`")
    );
    assert!(error(r#"{"W":[[0,0,0],[0,0]],"b":[0,0],"u":[0,0],"c":0}"#)
        .starts_with("parameter `W`: expected 3 entries, found 2"));
    assert!(
        error(r#"{"W":[[0,0,0],[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0],"c":0}"#)
            .starts_with("parameter `W`: expected 2 entries, found more")
    );
    assert!(error(r#"{"c":0,"c":1}"#).starts_with("parameter `c` appears twice"));
    assert!(
        error(r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":3,"c":0}"#).starts_with(
            "invalid type: integer `3`, expected parameter `u` as a sequence of 2 entries"
        )
    );
}

#[test]
fn non_finite_values_are_refused_when_saving_and_loading() {
    let mut broken = Net::SAMPLE;
    broken.u[0] = f64::INFINITY;
    let error = serde_json::to_string(&broken).unwrap_err().to_string();
    assert!(
        error.starts_with("parameter `u` holds inf, which is not a finite number"),
        "{error}"
    );
    // 1e39 does not fit an f32: it would load as infinity. (With serde_json's
    // `float_roundtrip` feature, which another member of this workspace enables, serde_json
    // itself says "number out of range" first.)
    let json = r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0],"c":1e39}"#;
    let error = serde_json::from_str::<backprop_tests::nets::Saved>(json)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("parameter `c` holds inf: not a finite number")
            || error.starts_with("number out of range"),
        "{error}"
    );
    // The same file is fine for an f64 network.
    assert_eq!(serde_json::from_str::<Net>(json).unwrap().c, 1e39);
}

#[test]
fn non_finite_values_load_when_the_caller_opts_in() {
    use backprop_runtime::deserialize_allowing_non_finite;

    // 1e39 does not fit an f32: an infinity, unless serde_json refuses it first (see above).
    let json = r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0],"c":1e39}"#;
    let mut reader = serde_json::Deserializer::from_str(json);
    match deserialize_allowing_non_finite::<backprop_tests::nets::Saved, _>(&mut reader) {
        Ok(net) => assert_eq!(net.c, f32::INFINITY),
        Err(error) => assert!(error.to_string().starts_with("number out of range")),
    }
    // Names and shapes are checked as always.
    let json = r#"{"W":[[0,0,0],[0,0,0]],"b":[0,0],"u":[0,0,0],"c":1}"#;
    let mut reader = serde_json::Deserializer::from_str(json);
    let error = deserialize_allowing_non_finite::<Net, _>(&mut reader).unwrap_err();
    assert!(error.to_string().contains("parameter `u`"), "{error}");
}
