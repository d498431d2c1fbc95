//! Graph algorithms over a model's neurons: topological order, cycles, reachability.
//!
//! Only neurons take part: inputs have no incoming edges, so they can be neither in a cycle
//! nor out of order. The graph of one time step leaves out the edges that read the previous
//! step (`h.prev`); the graph through time keeps them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::model::{Model, NodeRef};

/// The neuron-to-neuron edges of a model, both ways, by neuron index.
pub(crate) struct Graph {
    /// `reads[n]`: the neurons that `n` reads (with repeats removed).
    reads: Vec<Vec<usize>>,
    /// `read_by[n]`: the neurons that read `n`.
    read_by: Vec<Vec<usize>>,
}

impl Graph {
    /// The graph of one time step: what must be computed before what.
    pub(crate) fn new(model: &Model) -> Self {
        Self::with_edges(model, false)
    }

    /// The graph through time, delayed edges included: what influences what.
    pub(crate) fn through_time(model: &Model) -> Self {
        Self::with_edges(model, true)
    }

    fn with_edges(model: &Model, delayed: bool) -> Self {
        let count = model.neurons.len();
        let mut reads = vec![Vec::new(); count];
        let mut read_by = vec![Vec::new(); count];
        for (consumer, neuron) in model.neurons.iter().enumerate() {
            for edge in neuron
                .edges
                .iter()
                .filter(|edge| delayed || edge.delayed.is_none())
            {
                if let NodeRef::Neuron(source) = edge.source {
                    reads[consumer].push(source);
                    read_by[source].push(consumer);
                }
            }
        }
        Graph { reads, read_by }
    }

    /// Every neuron after all the neurons it reads; among neurons that are ready together,
    /// declaration order. `Err` holds the neurons that lie on or after a cycle.
    pub(crate) fn topological_order(&self) -> Result<Vec<usize>, Vec<usize>> {
        let count = self.reads.len();
        let mut waiting_for: Vec<usize> = self.reads.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..count)
            .filter(|&n| waiting_for[n] == 0)
            .map(Reverse)
            .collect();
        let mut order = Vec::with_capacity(count);
        while let Some(Reverse(neuron)) = ready.pop() {
            order.push(neuron);
            for &consumer in &self.read_by[neuron] {
                waiting_for[consumer] -= 1;
                if waiting_for[consumer] == 0 {
                    ready.push(Reverse(consumer));
                }
            }
        }
        if order.len() == count {
            Ok(order)
        } else {
            Err((0..count).filter(|&n| waiting_for[n] > 0).collect())
        }
    }

    /// One shortest cycle through each strongly connected tangle, each as the list of
    /// neurons along the data flow, starting at the earliest declared one.
    pub(crate) fn cycles(&self) -> Vec<Vec<usize>> {
        let unsorted = match self.topological_order() {
            Ok(_) => return Vec::new(),
            Err(unsorted) => unsorted,
        };
        let mut covered = vec![false; self.reads.len()];
        let mut cycles = Vec::new();
        for start in unsorted {
            if covered[start] {
                continue;
            }
            let Some(cycle) = self.shortest_cycle_through(start) else {
                continue;
            };
            // Everything both reachable from `start` and reaching it shares its cycle(s).
            let forward = self.reachable(start, &self.read_by);
            let backward = self.reachable(start, &self.reads);
            for neuron in 0..covered.len() {
                covered[neuron] |= forward[neuron] && backward[neuron];
            }
            cycles.push(cycle);
        }
        cycles
    }

    /// Breadth-first search along the data flow from `start` back to itself.
    fn shortest_cycle_through(&self, start: usize) -> Option<Vec<usize>> {
        let mut came_from: Vec<Option<usize>> = vec![None; self.reads.len()];
        let mut queue = VecDeque::from([start]);
        while let Some(neuron) = queue.pop_front() {
            for &next in &self.read_by[neuron] {
                if next == start {
                    // Walk back to `start`, the only visited neuron without a predecessor.
                    let mut path = vec![neuron];
                    while let Some(previous) = came_from[path[path.len() - 1]] {
                        path.push(previous);
                    }
                    path.reverse();
                    return Some(path);
                }
                if came_from[next].is_none() && next != start {
                    came_from[next] = Some(neuron);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// The neurons reachable from `start` (itself included) along `edges`.
    fn reachable(&self, start: usize, edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; edges.len()];
        seen[start] = true;
        let mut stack = vec![start];
        while let Some(neuron) = stack.pop() {
            for &next in &edges[neuron] {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    }

    /// For each neuron, whether some neuron of `targets` reads it, directly or through
    /// others (the targets themselves count as reached).
    pub(crate) fn reaches_any(&self, targets: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let mut reached = vec![false; self.reads.len()];
        let mut stack: Vec<usize> = targets.into_iter().collect();
        for &target in &stack {
            reached[target] = true;
        }
        while let Some(neuron) = stack.pop() {
            for &source in &self.reads[neuron] {
                if !reached[source] {
                    reached[source] = true;
                    stack.push(source);
                }
            }
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proc_macro2::TokenStream;

    use super::Graph;
    use crate::errors::Errors;
    use crate::model::Model;

    /// The model of a network body that resolves cleanly.
    fn model(body: &str) -> Model {
        let source = format!("struct Net<f64> {{ {body} loss half_squared_error; }}");
        let mut errors = Errors::default();
        let def = crate::parse::parse(TokenStream::from_str(&source).unwrap(), &mut errors);
        let model = crate::model::resolve(def.unwrap(), &mut errors);
        assert!(errors.is_empty());
        model.unwrap()
    }

    fn names(model: &Model, neurons: &[usize]) -> Vec<String> {
        neurons
            .iter()
            .map(|&n| model.neurons[n].name.to_string())
            .collect()
    }

    #[test]
    fn topological_order_keeps_declaration_order_among_ready_neurons() {
        let model = model(
            "input x; output o = identity(u * c + v * b); neuron c = tanh(w * a); \
             neuron b = tanh(y * x); neuron a = tanh(z * x);",
        );
        let order = Graph::new(&model).topological_order().unwrap();
        // b and a are ready first; b is declared before a. c needs a; o needs b and c.
        assert_eq!(names(&model, &order), ["b", "a", "c", "o"]);
    }

    #[test]
    fn one_cycle_per_tangle_starting_at_the_earliest_neuron() {
        let model = model(
            "input x; neuron a = tanh(p * x + q * c); neuron b = tanh(r * a + s * c); \
             neuron c = tanh(t * b); neuron d = tanh(u * x + v * e); neuron e = tanh(w * d); \
             neuron f = tanh(y * f); output o = identity(z * e);",
        );
        let graph = Graph::new(&model);
        let cycles: Vec<Vec<String>> = graph.cycles().iter().map(|c| names(&model, c)).collect();
        // a, b, c form one tangle (a -> b -> c -> a and b -> c -> b): reported once, from a.
        assert_eq!(cycles, [vec!["a", "b", "c"], vec!["d", "e"], vec!["f"]]);
        assert!(graph.topological_order().is_err());
    }

    #[test]
    fn reachability_follows_edges_backwards_from_the_targets() {
        let model = model(
            "input x; neuron a = tanh(p * x); neuron dead = tanh(q * a); \
             output o = identity(r * a);",
        );
        let reached = Graph::new(&model).reaches_any(model.outputs());
        assert_eq!(reached, [true, false, true]);
    }
}
