//! Every network describes itself as a Graphviz graph.

use backprop_runtime::{network, Network};

network! {
    /// Inputs of both kinds, a layer, an indexed edge, biases and an output.
    pub struct Small<f64> {
        input x[3], node;
        layer h[2] = tanh(W * x + b);
        neuron edge = sigmoid(v * h[1] + s * node);
        output o = identity(u * h + c * edge);
        loss half_squared_error;
    }
}

#[test]
fn dot_lists_every_node_and_weighted_edge() {
    let dot = <Small as Network>::DOT;
    assert_eq!(dot, Small::DOT);
    assert!(dot.starts_with("digraph Small {\n"));
    assert!(dot.ends_with("}\n"));
    for line in [
        r#"  label="Small (loss: half_squared_error)";"#,
        r#"  "x" [shape=box, style=rounded, label="x[3]\ninput"];"#,
        r#"  "node" [shape=box, style=rounded, label="node\ninput"];"#,
        r#"  "h" [shape=ellipse, label="h[2]\ntanh\n+ b"];"#,
        r#"  "o" [shape=ellipse, peripheries=2, label="o\nidentity"];"#,
        r#"  "x" -> "h" [label="W"];"#,
        r#"  "h" -> "edge" [label="v (h[1])"];"#,
        r#"  "edge" -> "o" [label="c"];"#,
    ] {
        assert!(dot.lines().any(|l| l == line), "missing {line}\n{dot}");
    }
    // One line per edge: W, v, s, u, c.
    assert_eq!(dot.lines().filter(|l| l.contains("->")).count(), 5);
}
