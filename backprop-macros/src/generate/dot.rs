//! A Graphviz description of the network: inputs as boxes, neurons as ellipses labelled
//! with their activation (and bias), outputs doubly circled, edges labelled with their
//! weights. Node names are quoted, so a neuron may be called `node` or `edge`.

use std::fmt::Write;

use crate::model::{text, Model, Role};

/// The DOT text, computed while the macro runs and emitted as a string constant.
pub(crate) fn dot(model: &Model) -> String {
    let name = text(&model.name);
    let mut text = String::new();
    let _ = writeln!(text, "digraph {name} {{");
    let _ = writeln!(text, "  rankdir=LR;");
    let _ = writeln!(text, "  label=\"{name} (loss: {})\";", model.loss.name());
    let _ = writeln!(text, "  labelloc=t;");
    let _ = writeln!(text, "  node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(text, "  edge [fontname=\"Helvetica\", fontsize=10];");
    let sized = |name: String, width: Option<usize>| match width {
        Some(width) => format!("{name}[{width}]"),
        None => name,
    };
    for input in &model.inputs {
        let _ = writeln!(
            text,
            "  \"{}\" [shape=box, style=rounded, label=\"{}\\ninput\"];",
            input.text(),
            sized(input.text(), input.width)
        );
    }
    for neuron in &model.neurons {
        let bias = neuron
            .bias
            .as_ref()
            .map(|bias| format!("\\n+ {}", bias.text()))
            .unwrap_or_default();
        let peripheries = match neuron.role {
            Role::Output => ", peripheries=2",
            Role::Hidden => "",
        };
        let _ = writeln!(
            text,
            "  \"{}\" [shape=ellipse{peripheries}, label=\"{}\\n{}{bias}\"];",
            neuron.text(),
            sized(neuron.text(), neuron.width),
            neuron.activation.name
        );
    }
    for neuron in &model.neurons {
        for edge in &neuron.edges {
            let source = model.node_text(edge.source);
            let label = match (edge.index, edge.delayed) {
                (Some(index), None) => format!("{} ({source}[{index}])", edge.weight.text()),
                (Some(index), Some(_)) => {
                    format!("{} ({source}[{index}].prev)", edge.weight.text())
                }
                (None, Some(_)) => format!("{} (.prev)", edge.weight.text()),
                (None, None) => edge.weight.text(),
            };
            // An edge through time is dashed: it reads the previous step.
            let style = if edge.delayed.is_some() {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "  \"{source}\" -> \"{}\" [label=\"{label}\"{style}];",
                neuron.text()
            );
        }
        if let Some(cell) = &neuron.cell {
            let h = neuron.text();
            let _ = writeln!(
                text,
                "  \"{h}\" -> \"{h}\" [label=\"{} (.prev)\", style=dashed];",
                cell.weight_hh.text()
            );
        }
    }
    text.push_str("}\n");
    text
}
