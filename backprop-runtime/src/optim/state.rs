//! Optimizers as checkpoints (feature `serde`): every optimizer serializes as one map of its
//! settings (numbers), its step count where it has one, and its gradient-shaped state
//! buffers (each as the network's gradients serialize), so that saving a network and its
//! optimizer and loading both resumes training exactly where it stopped.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::checkpoint::{Checkpoint, StateNames};
use crate::Network;

/// [`Checkpoint`]'s parts as one map.
pub(crate) fn serialize_checkpoint<N, O, S>(optimizer: &O, serializer: S) -> Result<S::Ok, S::Error>
where
    N: Network,
    N::Grads: Serialize,
    O: Checkpoint<N>,
    S: Serializer,
{
    serialize(
        serializer,
        &O::NAMES,
        &optimizer.settings(),
        optimizer.steps(),
        &optimizer.buffers(),
    )
}

/// Settings alone as one map, for an optimizer without buffers or a step count.
pub(crate) fn serialize_settings<S: Serializer>(
    serializer: S,
    names: &StateNames,
    settings: &[f64],
) -> Result<S::Ok, S::Error> {
    serialize::<S, ()>(serializer, names, settings, 0, &[])
}

/// What [`serialize_settings`] writes.
pub(crate) fn deserialize_settings<'de, D: Deserializer<'de>>(
    deserializer: D,
    names: &StateNames,
) -> Result<Vec<f64>, D::Error> {
    deserialize::<D, ()>(deserializer, names).map(|loaded| loaded.settings)
}

/// An optimizer from the map [`serialize_checkpoint`] writes, its settings checked.
pub(crate) fn deserialize_checkpoint<'de, N, O, D>(deserializer: D) -> Result<O, D::Error>
where
    N: Network,
    N::Grads: Deserialize<'de>,
    O: Checkpoint<N>,
    D: Deserializer<'de>,
{
    let loaded = deserialize::<D, N::Grads>(deserializer, &O::NAMES)?;
    O::from_parts(&loaded.settings, loaded.steps, loaded.buffers).map_err(de::Error::custom)
}

/// An optimizer's state as read back: settings and buffers in [`StateNames`] order.
struct Loaded<G> {
    settings: Vec<f64>,
    steps: i32,
    buffers: Vec<Box<G>>,
}

/// Writes settings, step count and buffers as one map.
fn serialize<S: Serializer, G: Serialize>(
    serializer: S,
    layout: &StateNames,
    settings: &[f64],
    steps: i32,
    buffers: &[&G],
) -> Result<S::Ok, S::Error> {
    let entries = settings.len() + usize::from(layout.counts_steps) + buffers.len();
    let mut map = serializer.serialize_map(Some(entries))?;
    for (name, value) in layout.settings.iter().zip(settings) {
        map.serialize_entry(name, value)?;
    }
    if layout.counts_steps {
        map.serialize_entry("steps", &steps)?;
    }
    for (name, buffer) in layout.buffers.iter().zip(buffers) {
        map.serialize_entry(name, buffer)?;
    }
    map.end()
}

/// Reads what [`serialize`] wrote, checking that every name is known, none repeats and
/// none is missing.
fn deserialize<'de, D, G>(deserializer: D, layout: &StateNames) -> Result<Loaded<G>, D::Error>
where
    D: Deserializer<'de>,
    G: Deserialize<'de>,
{
    deserializer.deserialize_map(StateVisitor {
        layout,
        buffers: PhantomData,
    })
}

struct StateVisitor<'l, G> {
    layout: &'l StateNames,
    buffers: PhantomData<G>,
}

/// Which entry of the layout a key names.
enum Key {
    Setting(usize),
    Steps,
    Buffer(usize),
}

impl<'de, G: Deserialize<'de>> Visitor<'de> for StateVisitor<'_, G> {
    type Value = Loaded<G>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the state of {} as a map", self.layout.optimizer)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loaded<G>, A::Error> {
        let layout = self.layout;
        let mut settings: Vec<Option<f64>> = layout.settings.iter().map(|_| None).collect();
        let mut buffers: Vec<Option<Box<G>>> = layout.buffers.iter().map(|_| None).collect();
        let mut steps = None;
        while let Some(key) = map.next_key_seed(KeySeed(layout))? {
            let repeated = match key {
                Key::Setting(index) => settings[index].replace(map.next_value()?).is_some(),
                Key::Steps => steps.replace(map.next_value::<i32>()?).is_some(),
                Key::Buffer(index) => buffers[index]
                    .replace(Box::new(map.next_value()?))
                    .is_some(),
            };
            if repeated {
                return Err(de::Error::custom(format_args!(
                    "{}: an entry appears twice",
                    layout.optimizer
                )));
            }
        }
        let missing =
            |name: &str| de::Error::custom(format_args!("{}: missing `{name}`", layout.optimizer));
        let settings = settings
            .into_iter()
            .zip(layout.settings)
            .map(|(value, name)| value.ok_or_else(|| missing(name)))
            .collect::<Result<Vec<_>, _>>()?;
        let buffers = buffers
            .into_iter()
            .zip(layout.buffers)
            .map(|(value, name)| value.ok_or_else(|| missing(name)))
            .collect::<Result<Vec<_>, _>>()?;
        let steps = match (layout.counts_steps, steps) {
            (true, None) => return Err(missing("steps")),
            (_, steps) => steps.unwrap_or(0),
        };
        Ok(Loaded {
            settings,
            steps,
            buffers,
        })
    }
}

/// Reads a key as its place in the layout.
struct KeySeed<'l>(&'l StateNames);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a field of {}", self.0.optimizer)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        let layout = self.0;
        if let Some(index) = layout.settings.iter().position(|name| *name == key) {
            Ok(Key::Setting(index))
        } else if let Some(index) = layout.buffers.iter().position(|name| *name == key) {
            Ok(Key::Buffer(index))
        } else if layout.counts_steps && key == "steps" {
            Ok(Key::Steps)
        } else {
            Err(E::custom(format_args!(
                "{}: unknown field `{key}`",
                layout.optimizer
            )))
        }
    }
}
