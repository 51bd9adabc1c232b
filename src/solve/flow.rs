//! The flow types every solver here shares: an arc's capacity and cost, a
//! solved flow with its prices, and why a network could not be solved. Kept
//! apart from the reference solver ([`super::mincost`]) so that the network
//! simplex, the networks and the Lagrangian relaxation do not depend on it.

use petgraph::graph::EdgeIndex;

/// Weight of one arc of the input network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowArc {
    /// Maximum number of units on the arc; `u32::MAX` acts as infinite.
    pub capacity: u32,
    /// Cost per unit of flow; may be negative.
    pub cost: i64,
}

/// A min-cost flow's answer, from the network simplex or the reference
/// [`super::mincost::min_cost_flow`].
#[derive(Clone, Debug)]
pub struct FlowSolution {
    /// Flow on each edge of the input graph, indexed by `EdgeIndex::index()`.
    pub flow: Vec<u32>,
    /// Total cost `sum(flow * cost)`, as `i128` so it cannot overflow.
    pub cost: i128,
    /// Units sent from source to sink.
    pub value: u64,
    /// Node potentials (dual prices) at the end, indexed by
    /// `NodeIndex::index()`. Every arc with residual capacity has reduced cost
    /// `cost(u, v) + potential[u] - potential[v] >= 0`; `potential[source]` is
    /// 0, and `potential[sink]` is 0 if `value > 0`, else `>= 0`. See the
    /// [`super::mincost`] module documentation for why this certifies optimality.
    pub potential: Vec<i64>,
    /// Number of Dijkstra phases run, including the last one that found no
    /// improving path (for benchmarks).
    pub phases: usize,
}

impl FlowSolution {
    /// Flow on one edge of the input graph (0 for an unknown edge).
    pub fn flow_on(&self, edge: EdgeIndex<u32>) -> u32 {
        self.flow.get(edge.index()).copied().unwrap_or(0)
    }
}

/// Why a min-cost flow solver could not solve a network.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FlowError {
    /// The source is the sink.
    #[error("source and sink are the same node")]
    SourceIsSink,
    /// A cycle of negative cost: costs fall without end.
    #[error("the network has a cycle of negative cost, so no minimum exists")]
    NegativeCycle,
    /// Costs so large that path lengths could overflow.
    #[error("cost magnitudes could overflow 64-bit path lengths: {0}")]
    CostTooLarge(String),
    /// The source or sink is not a node of the graph, or the graph has too
    /// many edges for 32-bit arc indices.
    #[error("invalid network: {0}")]
    InvalidInput(String),
}
