//! Checkpoints: a network and its optimizer saved mid-training and loaded again train on
//! bit for bit as if they had never stopped; optimizers clone and check what they load.

use backprop_runtime::optim::{Adam, Checkpoint, Momentum, Optimizer, Rprop, Sgd};
use backprop_runtime::{network, train_batch_with, ClassTarget};
use backprop_tests::SplitMix;
use serde::de::DeserializeOwned;
use serde::Serialize;

network! {
    /// A small classifier in f32, whose every value must survive the round trip.
    pub struct Classifier<f32> {
        input x[3];
        layer h[5] = tanh(W1 * x + b1);
        output logits[4] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

fn data() -> (Vec<[f32; 3]>, Vec<ClassTarget<f32, 4>>) {
    let mut random = SplitMix::new(8);
    (0..24)
        .map(|_| {
            let x = [0, 1, 2].map(|_| random.uniform(-1.0, 1.0) as f32);
            (x, ClassTarget::Index(random.below(4)))
        })
        .unzip()
}

fn start() -> Classifier {
    let mut net = Classifier::default();
    let mut random = SplitMix::new(5);
    for w in net.as_mut_slice() {
        *w = random.uniform(-0.8, 0.8) as f32;
    }
    net
}

/// Trains `steps` batches of 8.
fn train<O: Optimizer<Classifier>>(net: &mut Classifier, optimizer: &mut O, steps: usize) {
    let (inputs, targets) = data();
    for step in 0..steps {
        let range = step % 3 * 8..step % 3 * 8 + 8;
        train_batch_with(net, optimizer, &inputs[range.clone()], &targets[range]).unwrap();
    }
}

/// Trains 5 steps, checkpoints through JSON, trains 5 more from the checkpoint and from the
/// original, and compares.
fn assert_resumes_exactly<O>(mut optimizer: O)
where
    O: Optimizer<Classifier> + Serialize + DeserializeOwned + Clone,
{
    let mut net = start();
    train(&mut net, &mut optimizer, 5);

    let saved_net = serde_json::to_string(&net).unwrap();
    let saved_optimizer = serde_json::to_string(&optimizer).unwrap();
    let mut resumed_net: Classifier = serde_json::from_str(&saved_net).unwrap();
    let mut resumed: O = serde_json::from_str(&saved_optimizer).unwrap();
    let mut cloned_net = net;
    let mut cloned = optimizer.clone();

    train(&mut net, &mut optimizer, 5);
    train(&mut resumed_net, &mut resumed, 5);
    train(&mut cloned_net, &mut cloned, 5);
    assert_eq!(resumed_net, net);
    assert_eq!(cloned_net, net);
    assert_eq!(
        serde_json::to_string(&resumed).unwrap(),
        serde_json::to_string(&optimizer).unwrap()
    );
    assert_ne!(net, start(), "training moved the network");
}

#[test]
fn every_optimizer_resumes_bit_for_bit_from_a_checkpoint() {
    assert_resumes_exactly(Sgd::new(0.3_f32).unwrap());
    assert_resumes_exactly(Momentum::new(0.1, 0.9).unwrap());
    assert_resumes_exactly(Adam::new(0.01).unwrap());
    assert_resumes_exactly(Rprop::new());
}

#[test]
fn a_checkpoint_reads_like_the_optimizer() {
    let mut adam = Adam::<Classifier>::new(0.01).unwrap();
    let mut net = start();
    train(&mut net, &mut adam, 2);
    let json: serde_json::Value = serde_json::to_value(&adam).unwrap();
    assert_eq!(json["steps"], 2);
    assert_eq!(json["learning_rate"].as_f64(), Some(f64::from(0.01_f32)));
    assert_eq!(json["beta2"].as_f64(), Some(f64::from(0.999_f32)));
    assert_eq!(
        json["first_moment"]["W1"].as_array().map(Vec::len),
        Some(5),
        "{json}"
    );
}

#[test]
fn bad_checkpoints_are_errors_naming_what_is_wrong() {
    let adam = Adam::<Classifier>::new(0.01).unwrap();
    let good: serde_json::Value = serde_json::to_value(&adam).unwrap();
    let load = |value: &serde_json::Value| {
        serde_json::from_value::<Adam<Classifier>>(value.clone())
            .map(drop)
            .unwrap_err()
            .to_string()
    };

    let mut bad = good.clone();
    bad["beta1"] = 1.0.into();
    assert!(
        load(&bad).contains("`beta1` must be in [0, 1), but it is 1"),
        "{}",
        load(&bad)
    );

    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("second_moment");
    assert!(
        load(&bad).contains("Adam: missing `second_moment`"),
        "{}",
        load(&bad)
    );

    let mut bad = good.clone();
    bad["velocity"] = good["first_moment"].clone();
    assert!(
        load(&bad).contains("Adam: unknown field `velocity`"),
        "{}",
        load(&bad)
    );

    let mut bad = good.clone();
    bad["first_moment"]["b2"] = serde_json::json!([0.0, 0.0]);
    assert!(load(&bad).contains("parameter `b2`"), "{}", load(&bad));

    let sgd = serde_json::from_str::<Sgd<f32>>(r#"{"learning_rate": -1.0}"#).unwrap_err();
    assert!(sgd.to_string().contains("learning rate"), "{sgd}");
}

/// As [`assert_resumes_exactly`], through safetensors files: the network's and the
/// optimizer's.
fn assert_resumes_exactly_from_files<O>(mut optimizer: O)
where
    O: Optimizer<Classifier> + Checkpoint<Classifier>,
{
    use backprop_runtime::safetensors;

    let mut net = start();
    train(&mut net, &mut optimizer, 5);
    let net_file = safetensors::to_bytes(&net).unwrap();
    let optimizer_file = safetensors::optimizer_to_bytes(&optimizer).unwrap();
    let mut resumed_net: Classifier = safetensors::from_bytes(&net_file).unwrap();
    let mut resumed: O = safetensors::optimizer_from_bytes(&optimizer_file).unwrap();

    train(&mut net, &mut optimizer, 5);
    train(&mut resumed_net, &mut resumed, 5);
    assert_eq!(resumed_net, net);
    assert_eq!(resumed.settings(), optimizer.settings());
    assert_eq!(resumed.steps(), optimizer.steps());
}

#[test]
fn every_optimizer_resumes_bit_for_bit_from_safetensors_files() {
    assert_resumes_exactly_from_files(Sgd::new(0.3_f32).unwrap());
    assert_resumes_exactly_from_files(Momentum::new(0.1, 0.9).unwrap());
    assert_resumes_exactly_from_files(Adam::new(0.01).unwrap());
    assert_resumes_exactly_from_files(Rprop::new());
}

#[test]
fn an_optimizer_file_of_the_wrong_kind_or_out_of_range_is_refused() {
    use backprop_runtime::safetensors::{self, LoadError};

    let mut adam = Adam::<Classifier>::new(0.01).unwrap();
    let mut net = start();
    train(&mut net, &mut adam, 2);
    let file = safetensors::optimizer_to_bytes(&adam).unwrap();
    let names = ::safetensors::SafeTensors::deserialize(&file)
        .unwrap()
        .names()
        .len();
    assert_eq!(
        names,
        2 * 4,
        "first_moment.* and second_moment.* for W1, b1, W2, b2"
    );

    let error = safetensors::optimizer_from_bytes::<Classifier, Momentum<Classifier>>(&file)
        .map(drop)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "not a valid optimizer state: the file holds the state of Adam, not of Momentum"
    );

    let mut bad = adam.clone();
    bad.beta1 = 1.0;
    let file = safetensors::optimizer_to_bytes(&bad).unwrap();
    let error = safetensors::optimizer_from_bytes::<Classifier, Adam<Classifier>>(&file)
        .map(drop)
        .unwrap_err();
    assert!(
        matches!(error, LoadError::Optimizer(ref message) if message.contains("beta1")),
        "{error}"
    );

    // A network's own file is not an optimizer's.
    let error = safetensors::optimizer_from_bytes::<Classifier, Adam<Classifier>>(
        &safetensors::to_bytes(&net).unwrap(),
    )
    .map(drop)
    .unwrap_err();
    assert!(
        error.to_string().contains("holds the state of nothing"),
        "{error}"
    );
}
