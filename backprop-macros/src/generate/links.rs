//! The chain-rule links of a backward pass, as data: which quantity each link computes and
//! from what, in the order the pass computes them (from the outputs back). `backward`
//! renders each link as code and `explain` as code followed by the line that explains it;
//! both read this one list.

use crate::model::{Cell, Edge, Model, Neuron, NodeRef, Parameter};

/// One link of the chain rule.
pub(crate) enum Link<'a> {
    /// `softmax(outputs) - target`: `dJ/dz` of every output of a softmax classifier at once.
    SoftmaxGradient,
    /// A recurrent network's loss gradient of every output at once (`dJ/dz` for a fused
    /// loss), zero at a time step without a target: `output_gradient`.
    OutputGradient,
    /// `dJ/dz` of an output under a fused loss, at `offset` in the flat outputs.
    FusedOutput { neuron: &'a Neuron, offset: usize },
    /// `dJ/dh`: the loss term if the neuron is an output (at `output_offset`), plus the share
    /// of each neuron that reads it, through the edge it reads it by: the fan-out sum; plus,
    /// when `carried`, the share of the next time step (`carry.h`).
    FanIn {
        neuron: &'a Neuron,
        output_offset: Option<usize>,
        readers: Vec<(&'a Neuron, &'a Edge)>,
        carried: bool,
    },
    /// `dJ/d(h.prev)`: the share of each neuron that reads `h` one step earlier, handed to
    /// the backward pass of the previous step through `carry.h`.
    Carry {
        neuron: &'a Neuron,
        readers: Vec<(&'a Neuron, &'a Edge)>,
    },
    /// `dJ/dz = dJ/dh * f'(z)`, the local derivative.
    Local { neuron: &'a Neuron },
    /// A cell's backward step: `dJ/dz` of its input side from `dJ/dh`, its recurrent
    /// parameters' gradients, and what it carries to the step before.
    Cell { neuron: &'a Neuron, cell: &'a Cell },
    /// `dJ/dw` of the weight on `edge` into `neuron`, added to the gradients.
    Weight { neuron: &'a Neuron, edge: &'a Edge },
    /// `dJ/db` of the bias of `neuron`, added to the gradients.
    Bias {
        neuron: &'a Neuron,
        bias: &'a Parameter,
    },
}

/// Every link of the backward pass of `model`, whose neurons are in topological `order`.
pub(crate) fn links<'a>(model: &'a Model, order: &[usize]) -> Vec<Link<'a>> {
    let readers = readers(model, false);
    let delayed_readers = readers_through_time(model);
    let output_offsets = output_offsets(model);
    let mut links = Vec::new();
    if model.is_recurrent() {
        links.push(Link::OutputGradient);
    } else if model.loss.is_categorical() {
        links.push(Link::SoftmaxGradient);
    }
    for &index in order.iter().rev() {
        let neuron = &model.neurons[index];
        match output_offsets[index] {
            Some(offset) if model.loss.is_fused() => {
                links.push(Link::FusedOutput { neuron, offset });
            }
            output_offset => {
                links.push(Link::FanIn {
                    neuron,
                    output_offset,
                    readers: readers[index].clone(),
                    carried: !delayed_readers[index].is_empty() || neuron.cell.is_some(),
                });
                links.push(match &neuron.cell {
                    Some(cell) => Link::Cell { neuron, cell },
                    None => Link::Local { neuron },
                });
            }
        }
        links.extend(
            neuron
                .edges
                .iter()
                .map(|edge| Link::Weight { neuron, edge }),
        );
        links.extend(neuron.bias.iter().map(|bias| Link::Bias { neuron, bias }));
    }
    // Last, once every `carry.h` has been read: the shares for the step before.
    for (index, readers) in delayed_readers.into_iter().enumerate() {
        if !readers.is_empty() {
            let neuron = &model.neurons[index];
            links.push(Link::Carry { neuron, readers });
        }
    }
    links
}

/// For each neuron that is an output, its offset in the flat output array.
fn output_offsets(model: &Model) -> Vec<Option<usize>> {
    let widths = model.outputs().map(|index| model.neurons[index].width);
    let offsets = super::types::offsets(widths);
    let mut by_neuron = vec![None; model.neurons.len()];
    for (index, offset) in model.outputs().zip(offsets) {
        by_neuron[index] = Some(offset);
    }
    by_neuron
}

/// For each neuron, the neurons that read it at the same time step (or, when `delayed`,
/// one step later), with the edge they read it through, in declaration order of the readers.
fn readers(model: &Model, delayed: bool) -> Vec<Vec<(&Neuron, &Edge)>> {
    let mut readers = vec![Vec::new(); model.neurons.len()];
    for reader in &model.neurons {
        for edge in &reader.edges {
            if let NodeRef::Neuron(source) = edge.source {
                if edge.delayed.is_some() == delayed {
                    readers[source].push((reader, edge));
                }
            }
        }
    }
    readers
}

/// For each neuron, the neurons that read it one time step later.
fn readers_through_time(model: &Model) -> Vec<Vec<(&Neuron, &Edge)>> {
    readers(model, true)
}
