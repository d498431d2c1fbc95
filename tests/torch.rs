//! A PyTorch model's weights, saved by `safetensors.torch.save_file` from an `nn.Sequential`
//! of `Linear` layers (`scripts/torch_fixture.py`), load by name map and by module order,
//! and our network then predicts what PyTorch computed; saving back gives PyTorch's names
//! and shapes.

use backprop_runtime::network;
use backprop_runtime::safetensors::{load_named, to_bytes_named, LoadError, Names, NonFinite};

network! {
    /// `Sequential(Linear(4, 8), Tanh(), Linear(8, 8), ReLU(), Linear(8, 1))`.
    pub struct Mlp<f32> {
        input x[4];
        layer h1[8] = tanh(W1 * x + b1);
        layer h2[8] = relu(W2 * h1 + b2);
        output y = identity(w3 * h2 + b3);
        loss half_squared_error;
    }
}

const FILE: &[u8] = include_bytes!("fixtures/torch_mlp.safetensors");

const NAME_MAP: [(&str, &str); 6] = [
    ("0.weight", "W1"),
    ("0.bias", "b1"),
    ("2.weight", "W2"),
    ("2.bias", "b2"),
    ("4.weight", "w3"),
    ("4.bias", "b3"),
];

/// PyTorch's inputs and outputs, as the fixture script wrote them.
fn expected() -> (Vec<[f32; 4]>, Vec<f32>) {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/torch_mlp.json")).unwrap();
    let number = |value: &serde_json::Value| value.as_f64().unwrap() as f32;
    let inputs = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let row = row.as_array().unwrap();
            std::array::from_fn(|i| number(&row[i]))
        })
        .collect();
    let outputs = json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| number(&row[0]))
        .collect();
    (inputs, outputs)
}

fn assert_predicts_like_torch(net: &Mlp) {
    let (inputs, outputs) = expected();
    assert_eq!(inputs.len(), 5);
    for (input, torch) in inputs.iter().zip(outputs) {
        let ours = net.predict(input)[0];
        assert!(
            (ours - torch).abs() <= 1e-6 * torch.abs().max(1.0),
            "{input:?}: ours {ours}, PyTorch {torch}"
        );
    }
}

#[test]
fn a_torch_state_dict_loads_by_name_map_and_by_module_order() {
    let mut by_map = Mlp::default();
    load_named(&mut by_map, FILE, Names::Map(&NAME_MAP), NonFinite::Reject).unwrap();
    assert_predicts_like_torch(&by_map);

    let mut by_order = Mlp::default();
    load_named(&mut by_order, FILE, Names::PyTorchOrder, NonFinite::Reject).unwrap();
    assert_eq!(by_order, by_map);
}

#[test]
fn saving_back_gives_torch_names_and_shapes() {
    let mut net = Mlp::default();
    load_named(&mut net, FILE, Names::Map(&NAME_MAP), NonFinite::Reject).unwrap();
    let layout: Vec<(&str, &str, &[usize])> = vec![
        ("0.weight", "W1", &[8, 4]),
        ("0.bias", "b1", &[8]),
        ("2.weight", "W2", &[8, 8]),
        ("2.bias", "b2", &[8]),
        ("4.weight", "w3", &[1, 8]),
        ("4.bias", "b3", &[1]),
    ];
    let bytes = to_bytes_named(&net, &layout).unwrap();
    let ours = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let theirs = safetensors::SafeTensors::deserialize(FILE).unwrap();
    let mut names = ours.names();
    names.sort_unstable();
    let mut torch_names = theirs.names();
    torch_names.sort_unstable();
    assert_eq!(names, torch_names);
    for name in names {
        let (a, b) = (ours.tensor(name).unwrap(), theirs.tensor(name).unwrap());
        assert_eq!(a.shape(), b.shape(), "{name}");
        assert_eq!(a.data(), b.data(), "{name}");
    }

    // A shape that does not fit the parameter is refused.
    let mut wrong = layout.clone();
    wrong[4].2 = &[2, 4];
    assert!(matches!(
        to_bytes_named(&net, &wrong),
        Err(LoadError::Shape { name: "w3", .. })
    ));
    assert!(matches!(
        to_bytes_named(&net, &layout[..5]),
        Err(LoadError::Missing { name: "b3" })
    ));
}

#[test]
fn a_map_that_misses_or_misnames_is_an_error_and_loads_nothing() {
    let mut net = Mlp::default();
    let missing = &NAME_MAP[..5];
    assert_eq!(
        load_named(&mut net, FILE, Names::Map(missing), NonFinite::Reject),
        Err(LoadError::Missing { name: "b3" })
    );
    let mut swapped = NAME_MAP;
    swapped[0].1 = "W2";
    swapped[2].1 = "W1";
    assert!(matches!(
        load_named(&mut net, FILE, Names::Map(&swapped), NonFinite::Reject),
        Err(LoadError::Shape { name: "W1", .. })
    ));
    // By the network's own names the file has none of them.
    assert_eq!(
        load_named(&mut net, FILE, Names::Same, NonFinite::Reject),
        Err(LoadError::Missing { name: "W1" })
    );
    assert_eq!(net, Mlp::default());
}
