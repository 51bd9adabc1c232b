//! Exact minimum-cost flow of any value, by a primal-dual algorithm.
//!
//! petgraph has no min-cost flow, so this module provides one tuned for the
//! matching networks of this crate (source -> mentees -> mentors -> sink).
//!
//! # Problem
//!
//! [`min_cost_flow`] returns, among all feasible source-sink flows of *any*
//! value (zero included), one of least total cost. Arcs may have negative
//! costs, which is how preferences are rewarded: the solver keeps sending flow
//! while that lowers the cost, so it stops before the maximum flow when extra
//! units would only cost more.
//!
//! # Algorithm
//!
//! 1. The input is copied into a compact CSR residual network (per-node arc
//!    offsets, then per-arc head, residual capacity, cost and reverse-arc
//!    index), one forward and one reverse arc per input edge. Edges with zero
//!    capacity and self-loops can never carry flow in an optimum and are left
//!    out (a self-loop of negative cost is reported as a negative cycle).
//! 2. Initial potentials (dual prices). If the positive-capacity arcs form a
//!    DAG (the usual case) shortest distances from the source are computed in
//!    topological order in O(V + E); otherwise a FIFO Bellman-Ford (SPFA) is
//!    used, which detects negative cycles. Nodes that the source cannot reach
//!    never become reachable (flow only creates reverse arcs between reachable
//!    nodes), but the potentials must still certify *every* residual arc, so
//!    they get distances from a virtual root inside their own part, shifted up
//!    by one constant until their arcs into the reachable part are also
//!    non-negative. "Just use a huge value" is not enough: that breaks arcs of
//!    negative cost between two unreachable nodes.
//! 3. Phases. Each phase runs Dijkstra with reduced costs (binary heap) from
//!    the source and stops as soon as the sink is settled. If the sink is
//!    unreachable, or the true cost of the shortest path is `>= 0`, the solver
//!    stops. Otherwise every potential grows by `min(dist, dist_sink)`, which
//!    keeps all reduced costs non-negative and makes every shortest path
//!    consist of zero-reduced-cost ("admissible") arcs. A Dinic-style blocking
//!    flow (iterative DFS with current-arc pointers, so deep graphs cannot
//!    overflow the stack) then saturates the shortest paths of this length
//!    all at once, so the number of phases is the number of distinct
//!    shortest-path lengths rather than the number of units sent.
//!
//! # Potentials (sign convention)
//!
//! `potential[v]` is a price at node `v` measured like a distance from the
//! source: `potential[source] == 0`, and every arc with residual capacity has
//! reduced cost `cost(u, v) + potential[u] - potential[v] >= 0` (for the
//! reverse of an input arc that means `-cost + potential[v] - potential[u]`
//! is non-negative whenever the arc carries flow). At the end also
//! `potential[sink] == 0` if any flow was sent and `potential[sink] >= 0`
//! otherwise. Together this proves optimality: any change to the flow is a
//! sum of residual cycles and residual source-sink paths (or the reverse of
//! sink-source paths if value is removed), and each of those costs the sum of
//! its reduced costs plus a potential difference that is `>= 0`.
//!
//! # Complexity
//!
//! With `V` nodes, `E` edges and `P` phases: initial potentials take
//! `O(V + E)` for a DAG and `O(V E)` in the worst case otherwise. Each phase
//! costs `O(E log V)` for Dijkstra plus the blocking flow, which is `O(E)` per
//! DFS round on unit-capacity networks like the matching graphs and `O(V E)`
//! in the worst case. `P` is at most the number of distinct shortest-path
//! lengths, and at most the flow value plus one. Memory is `O(V + E)`.
//!
//! All arithmetic is overflow-free: costs are checked up front so that every
//! path length and potential fits in `i64` with room to spare, flow values are
//! `u64`, and the total cost is `i128`. The result is deterministic: the same
//! graph (same node and edge order) always yields the same flow.

use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

pub use super::flow::{FlowArc, FlowError, FlowSolution};

/// Distance of a node Dijkstra has not reached.
const UNREACHED: i64 = i64::MAX;

/// Every path length and potential is at most about `10 * V * max|cost|` in
/// magnitude (see `check_costs`); this factor leaves room for that.
const COST_HEADROOM: u128 = 16;

/// Minimum-cost flow of ANY value from `source` to `sink`: among all feasible
/// flows (any amount, zero included) the one with the least total cost.
///
/// Arcs may have negative costs; the graph must have no cycle of negative
/// cost made of arcs with positive capacity (anywhere in the graph, since the
/// returned potentials certify every arc), else [`FlowError::NegativeCycle`].
/// Equivalently: keep augmenting along shortest paths while the shortest
/// source-sink path has negative cost, then stop.
///
/// Complexity: `O(V + E)` set-up for a DAG (`O(V E)` otherwise) plus, per
/// phase, `O(E log V)` for Dijkstra and a blocking flow (`O(E)` per DFS round
/// on unit-capacity matching networks). The number of phases is at most the
/// number of distinct shortest-path lengths met. See the module docs.
///
/// Zero-capacity edges and self-loops get flow 0 (a self-loop with positive
/// capacity and negative cost is a negative cycle).
pub fn min_cost_flow<N>(
    graph: &DiGraph<N, FlowArc, u32>,
    source: NodeIndex<u32>,
    sink: NodeIndex<u32>,
) -> Result<FlowSolution, FlowError> {
    let n = graph.node_count();
    for (what, node) in [("source", source), ("sink", sink)] {
        if node.index() >= n {
            return Err(FlowError::InvalidInput(format!(
                "{what} {} is not a node of a graph with {n} nodes",
                node.index()
            )));
        }
    }
    if source == sink {
        return Err(FlowError::SourceIsSink);
    }
    check_costs(graph)?;

    let (mut net, fwd) = Residual::build(graph)?;
    let s = source.index();
    let t = sink.index();
    let mut potential = net.initial_potentials(s)?;

    let mut work = Workspace::new(n);
    let mut phases = 0usize;
    let mut value = 0u64;
    loop {
        phases += 1;
        let dist_sink = net.dijkstra(s, t, &potential, &mut work);
        // potential[s] stays 0 (s is settled first at distance 0), so the true
        // length of the shortest path is its reduced length plus potential[t].
        let improving = dist_sink.filter(|&d| d + potential[t] < 0);
        let Some(d_t) = improving else {
            // Final update, capped so that potential[t] becomes 0 (or stays
            // >= 0): that extra condition certifies "no better flow value".
            // Every node closer than the cap was settled, because the cap is
            // at most the reduced sink distance.
            let cap = (-potential[t]).max(0);
            raise_potentials(&mut potential, &work.dist, cap);
            break;
        };
        raise_potentials(&mut potential, &work.dist, d_t);
        let sent = net.blocking_flow(s, t, &potential, &mut work);
        if sent == 0 {
            // Cannot happen (Dijkstra just found an admissible path); guard
            // against looping forever should an invariant ever break.
            debug_assert!(false, "blocking flow sent nothing");
            break;
        }
        value += sent;
    }

    let mut flow = vec![0u32; graph.edge_count()];
    let mut cost = 0i128;
    for (e, edge) in graph.raw_edges().iter().enumerate() {
        if let Some(a) = fwd[e] {
            let f = net.cap[net.rev[a as usize] as usize];
            flow[e] = f;
            cost += i128::from(f) * i128::from(edge.weight.cost);
        }
    }
    Ok(FlowSolution {
        flow,
        cost,
        value,
        potential,
        phases,
    })
}

/// Rejects costs so large that path lengths or potentials could overflow.
///
/// Bound: with `C = max|cost|`, shortest-path distances lie in
/// `[-(V-1) C, (V-1) C]`, initial potentials of unreachable nodes in
/// `[-(V-1) C, 2 V C]`, and potentials only grow during the phases by at most
/// `2 V C` in total (the sink's potential telescopes). Reduced costs and
/// tentative Dijkstra distances then stay below `10 (V + 1) C`.
fn check_costs<N>(graph: &DiGraph<N, FlowArc, u32>) -> Result<(), FlowError> {
    let max_cost = graph
        .raw_edges()
        .iter()
        .filter(|e| e.weight.capacity > 0 && e.source() != e.target())
        .map(|e| e.weight.cost.unsigned_abs())
        .max()
        .unwrap_or(0);
    let nodes = graph.node_count() as u128 + 1;
    let bound = u128::from(max_cost) * nodes * COST_HEADROOM;
    if bound > i64::MAX as u128 {
        return Err(FlowError::CostTooLarge(format!(
            "max |cost| {max_cost} with {} nodes needs |cost| * (nodes + 1) * {COST_HEADROOM} <= {}",
            graph.node_count(),
            i64::MAX
        )));
    }
    Ok(())
}

/// Adds `min(dist[v], cap)` to every potential (unreached nodes count as
/// `cap`). Valid for any `cap >= 0` as long as every node with distance below
/// `cap` has its exact distance: reduced costs stay non-negative, and arcs on
/// shortest paths of length `<= cap` get reduced cost 0.
fn raise_potentials(potential: &mut [i64], dist: &[i64], cap: i64) {
    for (p, &d) in potential.iter_mut().zip(dist) {
        *p += d.min(cap);
    }
}

/// Scratch buffers reused across phases, so a phase allocates nothing.
struct Workspace {
    dist: Vec<i64>,
    settled: Vec<bool>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    cur: Vec<u32>,
    on_path: Vec<bool>,
    path: Vec<u32>,
    /// Arcs from the source to each node in the admissible graph (BFS), for
    /// Dinic's layering.
    level: Vec<u32>,
    queue: VecDeque<u32>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Workspace {
            dist: vec![UNREACHED; n],
            settled: vec![false; n],
            heap: BinaryHeap::new(),
            cur: vec![0; n],
            on_path: vec![false; n],
            path: Vec::new(),
            level: vec![u32::MAX; n],
            queue: VecDeque::new(),
        }
    }
}

/// Residual network in compressed sparse row form. The arcs of node `u` are
/// `first[u]..first[u + 1]`; `rev[a]` is the paired arc in the opposite
/// direction. Struct-of-arrays keeps the Dijkstra scan cache-friendly.
struct Residual {
    first: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i64>,
    rev: Vec<u32>,
}

impl Residual {
    /// Builds the residual network; also returns, per input edge, its forward
    /// arc (`None` for edges left out: zero capacity or self-loops).
    fn build<N>(graph: &DiGraph<N, FlowArc, u32>) -> Result<(Self, Vec<Option<u32>>), FlowError> {
        let n = graph.node_count();
        let edges = graph.raw_edges();
        let usable = |e: &petgraph::graph::Edge<FlowArc, u32>| e.weight.capacity > 0 && e.source() != e.target();
        let mut arcs = 0usize;
        let mut degree = vec![0u32; n + 1];
        for e in edges {
            if e.source() == e.target() && e.weight.capacity > 0 && e.weight.cost < 0 {
                return Err(FlowError::NegativeCycle);
            }
            if usable(e) {
                arcs += 2;
                degree[e.source().index()] += 1;
                degree[e.target().index()] += 1;
            }
        }
        if u32::try_from(arcs).is_err() {
            return Err(FlowError::InvalidInput(format!(
                "{arcs} residual arcs do not fit 32-bit arc indices"
            )));
        }
        // Prefix sums; arcs of a node stay in input edge order (determinism).
        let mut first = vec![0u32; n + 1];
        for u in 0..n {
            first[u + 1] = first[u] + degree[u];
        }
        let mut next: Vec<u32> = first[..n].to_vec();
        let mut head = vec![0u32; arcs];
        let mut cap = vec![0u32; arcs];
        let mut cost = vec![0i64; arcs];
        let mut rev = vec![0u32; arcs];
        let mut fwd = vec![None; edges.len()];
        for (i, e) in edges.iter().enumerate() {
            if !usable(e) {
                continue;
            }
            let (u, v) = (e.source().index(), e.target().index());
            let a = next[u];
            next[u] += 1;
            let b = next[v];
            next[v] += 1;
            let (ai, bi) = (a as usize, b as usize);
            head[ai] = v as u32;
            cap[ai] = e.weight.capacity;
            cost[ai] = e.weight.cost;
            rev[ai] = b;
            head[bi] = u as u32;
            cap[bi] = 0;
            // Cannot overflow: check_costs bounded |cost| well below i64::MAX.
            cost[bi] = -e.weight.cost;
            rev[bi] = a;
            fwd[i] = Some(a);
        }
        Ok((
            Residual {
                first,
                head,
                cap,
                cost,
                rev,
            },
            fwd,
        ))
    }

    fn node_count(&self) -> usize {
        self.first.len() - 1
    }

    fn arcs(&self, u: usize) -> std::ops::Range<usize> {
        self.first[u] as usize..self.first[u + 1] as usize
    }

    /// Feasible potentials for the initial residual network (only forward
    /// arcs have capacity): shortest distances from `s` on the part `R`
    /// reachable from `s`; on the rest `U`, distances from a virtual root
    /// within `U`, shifted up so that arcs from `U` into `R` are fine too.
    /// (Arcs from `R` into `U` cannot have capacity, by definition of `R`.)
    fn initial_potentials(&self, s: usize) -> Result<Vec<i64>, FlowError> {
        let n = self.node_count();
        let mut reach = vec![false; n];
        reach[s] = true;
        let mut stack = vec![s];
        while let Some(u) = stack.pop() {
            for a in self.arcs(u) {
                let v = self.head[a] as usize;
                if self.cap[a] > 0 && !reach[v] {
                    reach[v] = true;
                    stack.push(v);
                }
            }
        }

        // Relaxations only follow arcs within R or within U, so U's virtual
        // root cannot leak into R's distances.
        let mut dist: Vec<i64> = reach
            .iter()
            .enumerate()
            .map(|(v, &r)| if !r || v == s { 0 } else { UNREACHED })
            .collect();
        match self.topological_order() {
            Some(order) => {
                for u in order {
                    let du = dist[u];
                    if du == UNREACHED {
                        continue;
                    }
                    for a in self.arcs(u) {
                        let v = self.head[a] as usize;
                        if self.cap[a] > 0 && reach[u] == reach[v] {
                            dist[v] = dist[v].min(du + self.cost[a]);
                        }
                    }
                }
            }
            None => self.bellman_ford(s, &reach, &mut dist)?,
        }

        let mut shift = 0i64;
        for u in (0..n).filter(|&u| !reach[u]) {
            for a in self.arcs(u) {
                let v = self.head[a] as usize;
                if self.cap[a] > 0 && reach[v] {
                    // Need cost + p[u] - p[v] >= 0 after p[u] += shift.
                    shift = shift.max(dist[v] - self.cost[a] - dist[u]);
                }
            }
        }
        for (d, &r) in dist.iter_mut().zip(&reach) {
            if !r {
                *d += shift;
            }
        }
        Ok(dist)
    }

    /// Kahn's algorithm over arcs with capacity; `None` if there is a cycle.
    fn topological_order(&self) -> Option<Vec<usize>> {
        let n = self.node_count();
        let mut indegree = vec![0u32; n];
        for (a, &v) in self.head.iter().enumerate() {
            if self.cap[a] > 0 {
                indegree[v as usize] += 1;
            }
        }
        let mut order: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
        let mut i = 0;
        while i < order.len() {
            let u = order[i];
            i += 1;
            for a in self.arcs(u) {
                if self.cap[a] > 0 {
                    let v = self.head[a] as usize;
                    indegree[v] -= 1;
                    if indegree[v] == 0 {
                        order.push(v);
                    }
                }
            }
        }
        (order.len() == n).then_some(order)
    }

    /// FIFO Bellman-Ford from every node with a finite start distance.
    /// `hops[v]` counts the arcs of the walk behind `dist[v]`; a walk of `n`
    /// arcs repeats a node, and since each update strictly lowers a distance,
    /// the repeated stretch must be a negative cycle.
    fn bellman_ford(&self, s: usize, reach: &[bool], dist: &mut [i64]) -> Result<(), FlowError> {
        let n = self.node_count();
        let mut hops = vec![0usize; n];
        let mut queued = vec![false; n];
        let mut queue: VecDeque<usize> = (0..n).filter(|&v| v == s || !reach[v]).collect();
        for &v in &queue {
            queued[v] = true;
        }
        while let Some(u) = queue.pop_front() {
            queued[u] = false;
            let du = dist[u];
            for a in self.arcs(u) {
                let v = self.head[a] as usize;
                if self.cap[a] == 0 || reach[u] != reach[v] {
                    continue;
                }
                let dv = du + self.cost[a];
                if dv < dist[v] {
                    dist[v] = dv;
                    hops[v] = hops[u] + 1;
                    if hops[v] >= n {
                        return Err(FlowError::NegativeCycle);
                    }
                    if !queued[v] {
                        queued[v] = true;
                        queue.push_back(v);
                    }
                }
            }
        }
        Ok(())
    }

    /// Dijkstra on reduced costs from `s`, stopping once `t` is settled.
    /// Returns the reduced distance of `t`, or `None` if it is unreachable.
    /// Afterwards `work.dist` is exact for every node closer than `t`, and
    /// at least the sink's distance for every other node.
    fn dijkstra(&self, s: usize, t: usize, potential: &[i64], work: &mut Workspace) -> Option<i64> {
        work.dist.fill(UNREACHED);
        work.settled.fill(false);
        work.heap.clear();
        work.dist[s] = 0;
        work.heap.push(Reverse((0, s as u32)));
        while let Some(Reverse((d, u))) = work.heap.pop() {
            let u = u as usize;
            if work.settled[u] {
                continue;
            }
            work.settled[u] = true;
            if u == t {
                return Some(d);
            }
            let pu = potential[u];
            for a in self.arcs(u) {
                if self.cap[a] == 0 {
                    continue;
                }
                let v = self.head[a] as usize;
                if work.settled[v] {
                    continue;
                }
                let reduced = self.cost[a] + pu - potential[v];
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let dv = d + reduced;
                if dv < work.dist[v] {
                    work.dist[v] = dv;
                    work.heap.push(Reverse((dv, v as u32)));
                }
            }
        }
        None
    }

    /// Sends flow along admissible arcs (residual capacity, reduced cost 0)
    /// until no admissible source-sink path is left, and returns the amount.
    ///
    /// Dinic's method on the admissible graph: a BFS numbers nodes by arcs from
    /// the source, and the DFS only follows arcs one level up. Ties in cost make
    /// the admissible graph full of zero-cost cycles; the levels make each round
    /// acyclic, so a round is O(E + total path length) and never skips a path.
    fn blocking_flow(&mut self, s: usize, t: usize, potential: &[i64], work: &mut Workspace) -> u64 {
        let mut total = 0u64;
        while self.admissible_levels(s, t, potential, work) {
            let (sent, _) = self.dfs_round(s, t, potential, work);
            total += sent;
            if sent == 0 {
                break;
            }
        }
        total
    }

    /// BFS levels over admissible arcs; true if the sink is reached.
    fn admissible_levels(&self, s: usize, t: usize, potential: &[i64], work: &mut Workspace) -> bool {
        work.level.fill(u32::MAX);
        work.queue.clear();
        work.level[s] = 0;
        work.queue.push_back(s as u32);
        while let Some(u) = work.queue.pop_front() {
            let u = u as usize;
            // Only the shortest paths (in arcs) are used this round: nothing at
            // the sink's level or beyond can lead to it.
            if work.level[u] >= work.level[t] {
                break;
            }
            let pu = potential[u];
            let next = work.level[u] + 1;
            for a in self.first[u] as usize..self.first[u + 1] as usize {
                let v = self.head[a] as usize;
                if self.cap[a] > 0 && work.level[v] == u32::MAX && self.cost[a] + pu == potential[v] {
                    work.level[v] = next;
                    work.queue.push_back(v as u32);
                }
            }
        }
        work.level[t] != u32::MAX
    }

    fn dfs_round(&mut self, s: usize, t: usize, potential: &[i64], work: &mut Workspace) -> (u64, bool) {
        let n = self.node_count();
        work.cur.copy_from_slice(&self.first[..n]);
        work.on_path.fill(false);
        work.path.clear();
        work.on_path[s] = true;
        let mut sent = 0u64;
        let mut skipped_cycle = false;
        loop {
            let u = work.path.last().map_or(s, |&a| self.head[a as usize] as usize);
            if u == t {
                // Bottleneck; retreat to the tail of its first saturated arc.
                let mut bottleneck = u32::MAX;
                let mut keep = 0;
                for (i, &a) in work.path.iter().enumerate() {
                    let c = self.cap[a as usize];
                    if c < bottleneck {
                        bottleneck = c;
                        keep = i;
                    }
                }
                for &a in &work.path {
                    // Forward and reverse capacities sum to the edge's
                    // capacity, so neither side can overflow.
                    self.cap[a as usize] -= bottleneck;
                    self.cap[self.rev[a as usize] as usize] += bottleneck;
                }
                sent += u64::from(bottleneck);
                for &a in &work.path[keep..] {
                    work.on_path[self.head[a as usize] as usize] = false;
                }
                work.path.truncate(keep);
                continue;
            }

            let end = self.first[u + 1];
            let pu = potential[u];
            let mut next = None;
            while work.cur[u] < end {
                let a = work.cur[u] as usize;
                let v = self.head[a] as usize;
                let dead = v != t && work.cur[v] == self.first[v + 1];
                let layered = work.level[v] == work.level[u].wrapping_add(1);
                if self.cap[a] > 0 && layered && !dead && self.cost[a] + pu == potential[v] {
                    if !work.on_path[v] {
                        next = Some(a as u32);
                        break;
                    }
                    skipped_cycle = true;
                }
                work.cur[u] += 1;
            }
            match next {
                Some(a) => {
                    work.on_path[self.head[a as usize] as usize] = true;
                    work.path.push(a);
                }
                None => {
                    // u is a dead end now (its pointer is at the end).
                    work.on_path[u] = false;
                    if work.path.pop().is_none() {
                        return (sent, skipped_cycle);
                    }
                    let tail = work.path.last().map_or(s, |&a| self.head[a as usize] as usize);
                    work.cur[tail] += 1;
                }
            }
        }
    }
}
