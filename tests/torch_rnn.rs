//! A `torch.nn.GRU` and a `torch.nn.LSTM`, each read out by an `nn.Linear`, saved by
//! `safetensors.torch.save_file` (`scripts/torch_rnn_fixture.py`), load by name into the
//! same cells declared with `network!`; over PyTorch's sequence our networks give
//! PyTorch's outputs, loss, and gradients from backpropagation through time (PyTorch's
//! autograd is the independent reference).

use backprop_runtime::recurrent::{forward_sequence, sequence_gradient, Horizon, Targets};
use backprop_runtime::safetensors::{load_named, Names, NonFinite};
use backprop_runtime::{network, Parameters, Recurrent};

network! {
    /// `GRU(2, 3)` then `Linear(3, 2)`, with PyTorch's own parameter names.
    pub struct TorchGru<f64> {
        input x[2];
        layer h[3] = gru(weight_ih_l0 * x + weight_hh_l0 * h.prev + bias_ih_l0 + bias_hh_l0);
        output y[2] = identity(head_weight * h + head_bias);
        loss half_squared_error;
    }
}

network! {
    /// `LSTM(2, 3)` then `Linear(3, 2)`.
    pub struct TorchLstm<f64> {
        input x[2];
        layer h[3] = lstm(weight_ih_l0 * x + weight_hh_l0 * h.prev + bias_ih_l0 + bias_hh_l0);
        output y[2] = identity(head_weight * h + head_bias);
        loss half_squared_error;
    }
}

/// `rnn.weight_ih_l0` -> `weight_ih_l0`, `head.weight` -> `head_weight`.
const NAMES: [(&str, &str); 6] = [
    ("rnn.weight_ih_l0", "weight_ih_l0"),
    ("rnn.weight_hh_l0", "weight_hh_l0"),
    ("rnn.bias_ih_l0", "bias_ih_l0"),
    ("rnn.bias_hh_l0", "bias_hh_l0"),
    ("head.weight", "head_weight"),
    ("head.bias", "head_bias"),
];

fn pairs(value: &serde_json::Value) -> Vec<[f64; 2]> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| [row[0].as_f64().unwrap(), row[1].as_f64().unwrap()])
        .collect()
}

/// Loads the fixture into `N` and compares outputs, loss and every gradient.
fn agrees_with_pytorch<N>(file: &[u8], json: &str)
where
    N: Recurrent<Scalar = f64, Input = [f64; 2], Output = [f64; 2], Target = [f64; 2]>,
{
    let record: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut net = N::default();
    load_named(&mut net, file, Names::Map(&NAMES), NonFinite::Reject).unwrap();
    let inputs = pairs(&record["inputs"]);
    let targets = pairs(&record["targets"]);
    let expected = pairs(&record["outputs"]);

    let mut traces = vec![net.forward(&inputs[0]); inputs.len()];
    forward_sequence(&net, &N::State::default(), &inputs, &mut traces).unwrap();
    for (trace, wanted) in traces.iter().zip(&expected) {
        let output = N::output(trace);
        for k in 0..2 {
            assert!(
                (output[k] - wanted[k]).abs() < 1e-12,
                "{output:?} vs {wanted:?}"
            );
        }
    }

    let mut grads = N::Grads::default();
    let loss = sequence_gradient(
        &net,
        &inputs,
        Targets::EveryStep(&targets),
        Horizon::Full,
        &mut traces,
        &mut grads,
    )
    .unwrap();
    let torch_loss = record["loss"].as_f64().unwrap();
    assert!((loss - torch_loss).abs() < 1e-12, "{loss} vs {torch_loss}");
    for (file_name, field) in NAMES {
        let wanted: Vec<f64> = record["gradients"][file_name]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_f64().unwrap())
            .collect();
        let (range, _) = N::Grads::LAYOUT
            .iter()
            .scan(0, |start, info| {
                let range = *start..*start + info.len();
                *start = range.end;
                Some((range, info.name))
            })
            .find(|(_, name)| *name == field)
            .unwrap();
        let ours = &grads.as_slice()[range];
        assert_eq!(ours.len(), wanted.len(), "{field}");
        for (a, b) in ours.iter().zip(&wanted) {
            assert!(
                (a - b).abs() < 1e-12 * b.abs().max(1.0),
                "{field}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn a_pytorch_gru_loads_by_name_and_gives_pytorchs_outputs_and_gradients() {
    agrees_with_pytorch::<TorchGru>(
        include_bytes!("fixtures/torch_gru.safetensors"),
        include_str!("fixtures/torch_gru.json"),
    );
}

#[test]
fn a_pytorch_lstm_loads_by_name_and_gives_pytorchs_outputs_and_gradients() {
    agrees_with_pytorch::<TorchLstm>(
        include_bytes!("fixtures/torch_lstm.safetensors"),
        include_str!("fixtures/torch_lstm.json"),
    );
}
