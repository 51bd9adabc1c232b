//! Solvers: turn eligible pairs into the best matching under a model's objective.
//!
//! [`solve`] builds a flow network with petgraph (source -> mentees -> mentors ->
//! sink, one arc per eligible pair) whose arc costs encode the objective exactly
//! ([`objective`]), and solves it as a min-cost flow ([`mincost`]).

pub mod mincost;
pub mod objective;

use std::time::{Duration, Instant};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::Programme;
use mincost::{min_cost_flow, FlowArc, FlowError};
use objective::ArcCosts;

/// Why no matching was produced. Bad input is caught before solving; these are
/// limits of the method.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SolveError {
    #[error("the objective cannot be solved as a flow: {0}")]
    NotFlowExpressible(String),
    #[error("a programme of {participants} participants is too large for exact integer costs under this objective")]
    TooLarge { participants: usize },
    #[error("the flow solver failed: {0}")]
    Flow(#[from] FlowError),
}

/// A node of the flow network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Source,
    Sink,
    Mentee(u32),
    Mentor(u32),
}

/// The best matching and how it was found.
#[derive(Clone, Debug)]
pub struct Solution {
    pub matching: Matching,
    /// The matching's value for each objective term, in the model's order.
    pub objective_values: Vec<i64>,
    pub stats: SolveStats,
}

#[derive(Clone, Debug, Default)]
pub struct SolveStats {
    pub network_nodes: usize,
    pub network_arcs: usize,
    pub phases: usize,
    pub time: Duration,
}

/// The flow network of a programme: petgraph's graph, and where its pair arcs start.
pub struct Network {
    pub graph: DiGraph<Node, FlowArc, u32>,
    pub source: NodeIndex<u32>,
    pub sink: NodeIndex<u32>,
    /// Edge index of the first pair arc; pair i is edge `first_pair_arc + i`.
    pub first_pair_arc: usize,
}

/// Build the flow network for `pairs` under the model's objective.
pub fn network(programme: &Programme, model: &Model, pairs: &[Pair]) -> Result<Network, SolveError> {
    let costs = ArcCosts::new(model, programme.mentees.len() + programme.mentors.len())?;
    let nodes = 2 + programme.mentees.len() + programme.mentors.len();
    let mut graph = DiGraph::with_capacity(nodes, pairs.len() + 4 * nodes);
    let source = graph.add_node(Node::Source);
    let sink = graph.add_node(Node::Sink);
    let mentee_nodes: Vec<_> = (0..programme.mentees.len() as u32)
        .map(|i| graph.add_node(Node::Mentee(i)))
        .collect();
    let mentor_nodes: Vec<_> = (0..programme.mentors.len() as u32)
        .map(|i| graph.add_node(Node::Mentor(i)))
        .collect();

    let first_pair_arc = graph.edge_count();
    for pair in pairs {
        graph.add_edge(
            mentee_nodes[pair.mentee as usize],
            mentor_nodes[pair.mentor as usize],
            FlowArc {
                capacity: 1,
                cost: costs.pair(pair.score),
            },
        );
    }
    for (mentee, &node) in programme.mentees.iter().zip(&mentee_nodes) {
        for (capacity, cost) in unit_arcs(&costs.mentee_unit, mentee.person.capacity) {
            graph.add_edge(source, node, FlowArc { capacity, cost });
        }
    }
    for (mentor, &node) in programme.mentors.iter().zip(&mentor_nodes) {
        for (capacity, cost) in unit_arcs(&costs.mentor_unit, mentor.person.capacity) {
            graph.add_edge(node, sink, FlowArc { capacity, cost });
        }
    }
    Ok(Network {
        graph,
        source,
        sink,
        first_pair_arc,
    })
}

/// A person's capacity as parallel arcs, one per run of units that cost the same.
fn unit_arcs(unit_costs: &[i64], capacity: u32) -> Vec<(u32, i64)> {
    let mut arcs: Vec<(u32, i64)> = Vec::new();
    for &cost in unit_costs.iter().take(capacity as usize) {
        match arcs.last_mut() {
            Some((units, last)) if *last == cost => *units += 1,
            _ => arcs.push((1, cost)),
        }
    }
    arcs
}

/// The best matching of `pairs` under the model's objective, exactly.
///
/// Ties between equally good matchings are broken by the order of `pairs`,
/// which [`crate::eligibility::eligible_pairs`] fixes by email, never by file rows.
pub fn solve(programme: &Programme, model: &Model, pairs: &[Pair]) -> Result<Solution, SolveError> {
    let start = Instant::now();
    let network = network(programme, model, pairs)?;
    let flow = min_cost_flow(&network.graph, network.source, network.sink)?;
    let chosen = pairs
        .iter()
        .enumerate()
        .filter(|(i, _)| flow.flow[network.first_pair_arc + i] > 0)
        .map(|(_, pair)| *pair)
        .collect();
    let matching = Matching::new(chosen);
    Ok(Solution {
        objective_values: matching.objective_values(programme, &model.objective),
        matching,
        stats: SolveStats {
            network_nodes: network.graph.node_count(),
            network_arcs: network.graph.edge_count(),
            phases: flow.phases,
            time: start.elapsed(),
        },
    })
}
