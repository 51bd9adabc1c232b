//! The solver's dual prices, checked: a certificate that no matching is better
//! under the model's objective.
//!
//! [`solve_priced`] builds the same network as [`crate::solve::solve`] and runs the
//! same min-cost flow, so it finds the same matching, and keeps the node
//! potentials the flow solver returns. [`prices_prove_optimal`] then checks them
//! against the flow without trusting the solver: every arc that could carry
//! more flow has reduced cost `cost + p[from] - p[to] >= 0`, every arc that carries
//! flow has reduced cost `<= 0`, the flow is conserved, and the source's price is
//! 0 and the sink's is 0 (or, with no flow, at least 0). Any other matching
//! differs from this one by residual cycles and source-sink paths, whose costs
//! are sums of those reduced costs plus the sink's price, so none costs less;
//! and the arc costs encode the objective lexicographically
//! ([`crate::solve::objective`]), so no matching is better under the objective.

use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::Programme;
use crate::solve::flow::FlowSolution;
use crate::solve::{solve_network, Network, SolveError};

/// The solver's matching and whether its dual prices prove it optimal.
#[derive(Clone, Debug)]
pub struct PricedMatching {
    /// The matching found.
    pub matching: Matching,
    /// The dual prices passed [`prices_prove_optimal`].
    pub proven_optimal: bool,
}

/// The best matching of `pairs`, as [`crate::solve::solve`] finds it, with its
/// optimality checked from the solver's dual prices.
pub fn solve_priced(programme: &Programme, model: &Model, pairs: &[Pair]) -> Result<PricedMatching, SolveError> {
    let (network, flow, solution) = solve_network(programme, model, pairs, None, None)?;
    Ok(PricedMatching {
        matching: solution.matching,
        proven_optimal: prices_prove_optimal(&network, &flow),
    })
}

/// Whether the flow and potentials satisfy every optimality condition above.
pub fn prices_prove_optimal(network: &Network, flow: &FlowSolution) -> bool {
    let graph = &network.graph;
    let (p, (s, t)) = (&flow.potential, (network.source.index(), network.sink.index()));
    if p.len() != graph.node_count() || flow.flow.len() != graph.edge_count() {
        return false;
    }
    if p[s] != 0 || p[t] < 0 || (p[t] != 0 && flow.flow.iter().any(|&f| f > 0)) {
        return false;
    }
    let mut balance = vec![0i128; graph.node_count()];
    for (edge, &f) in graph.raw_edges().iter().zip(&flow.flow) {
        let (u, v) = (edge.source().index(), edge.target().index());
        if f > edge.weight.capacity {
            return false;
        }
        balance[u] -= f as i128;
        balance[v] += f as i128;
        let reduced = edge.weight.cost as i128 + p[u] as i128 - p[v] as i128;
        if (f < edge.weight.capacity && reduced < 0) || (f > 0 && reduced > 0) {
            return false;
        }
    }
    balance
        .iter()
        .enumerate()
        .all(|(node, &b)| node == s || node == t || b == 0)
}
