//! Exact minimum-cost flow of any value by the network simplex method, with
//! warm starts.
//!
//! The matching networks are dense (a third of all mentee-mentor pairs can be
//! eligible) and their lexicographic costs give many distinct path lengths, so
//! a primal-dual solver ([`super::mincost`]) needs many phases, each a pass over
//! every arc. The network simplex keeps a spanning tree of arcs whose reduced
//! costs are 0 and moves flow around one cycle at a time (a pivot), touching
//! only a block of arcs to choose the next one, the cycle, and the subtree that
//! moves. It is also naturally warm: arcs added later simply join as candidates
//! for the next pivots, which is what pricing ([`super::solve_eligible`]) needs.
//!
//! "Any value" becomes a circulation with one arc from sink to source of cost 0
//! and unlimited capacity. An artificial root joins every node by an arc into
//! the root of cost 0 and unlimited capacity; since the root has no arc out, no
//! cycle passes through it and those arcs never carry flow: they only make the
//! first tree. The tree is kept strongly feasible (the leaving arc is the last
//! blocking one met going round the cycle from its apex), which rules out
//! cycling through degenerate pivots.
//!
//! At the end every arc outside the tree has reduced cost `cost + p[u] - p[v]`
//! of at least 0 if it carries no flow and at most 0 if it is full, and tree
//! arcs have 0: the prices prove the flow optimal, and price any arc not in the
//! network the same way.

use super::mincost::FlowError;

const UNLIMITED: i64 = i64::MAX / 4;

/// Where a non-tree arc sits, or that it is in the tree.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// No flow; may enter when its reduced cost is negative.
    Lower,
    /// Full; may enter when its reduced cost is positive.
    Upper,
    Tree,
    /// An artificial arc that left the tree: it can never carry flow, so it
    /// never comes back.
    Gone,
}

/// A network solved by the network simplex method, to which arcs can be added
/// before solving again.
pub struct NetworkSimplex {
    nodes: usize,
    root: usize,
    from: Vec<u32>,
    to: Vec<u32>,
    capacity: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<State>,
    /// Input arcs are `0..inputs` plus those added later (see `input_arcs`);
    /// the sink-source arc and the artificial arcs are kept apart from them.
    input_arcs: Vec<u32>,
    // The spanning tree, per node (the root included).
    parent: Vec<u32>,
    /// The tree arc joining a node to its parent.
    pred: Vec<u32>,
    depth: Vec<u32>,
    price: Vec<i64>,
    children: Vec<Vec<u32>>,
    /// Position of a node in its parent's `children`.
    position: Vec<u32>,
    /// Where the next search for an entering arc starts.
    next_arc: usize,
    /// The artificial arcs, joining each node to the root.
    artificial: std::ops::Range<usize>,
    built: bool,
    /// Scratch space for walking a subtree.
    stack: Vec<u32>,
    source: usize,
    sink: usize,
    pivots: u64,
}

impl NetworkSimplex {
    /// An empty network on `nodes` nodes, to carry flow from `source` to `sink`.
    pub fn new(nodes: usize, source: usize, sink: usize) -> Result<NetworkSimplex, FlowError> {
        if source == sink {
            return Err(FlowError::SourceIsSink);
        }
        if source >= nodes || sink >= nodes {
            return Err(FlowError::InvalidInput("source or sink is not a node".into()));
        }
        Ok(NetworkSimplex {
            nodes,
            root: nodes,
            from: Vec::new(),
            to: Vec::new(),
            capacity: Vec::new(),
            cost: Vec::new(),
            flow: Vec::new(),
            state: Vec::new(),
            input_arcs: Vec::new(),
            parent: Vec::new(),
            pred: Vec::new(),
            depth: Vec::new(),
            price: Vec::new(),
            children: Vec::new(),
            position: Vec::new(),
            next_arc: 0,
            artificial: 0..0,
            built: false,
            stack: Vec::new(),
            source,
            sink,
            pivots: 0,
        })
    }

    fn push_arc(&mut self, from: usize, to: usize, capacity: i64, cost: i64, state: State) -> usize {
        self.from.push(from as u32);
        self.to.push(to as u32);
        self.capacity.push(capacity);
        self.cost.push(cost);
        self.flow.push(0);
        self.state.push(state);
        self.from.len() - 1
    }

    /// Add an arc with no flow; returns its number for [`NetworkSimplex::flow`].
    pub fn add_arc(&mut self, from: usize, to: usize, capacity: u32, cost: i64) -> usize {
        let arc = self.push_arc(from, to, i64::from(capacity), cost, State::Lower);
        self.input_arcs.push(arc as u32);
        self.input_arcs.len() - 1
    }

    /// The first tree: every node hangs from the root by its artificial arc.
    fn build(&mut self) {
        let n = self.nodes;
        self.push_arc(self.sink, self.source, UNLIMITED, 0, State::Lower);
        self.parent = vec![self.root as u32; n + 1];
        self.pred = vec![u32::MAX; n + 1];
        self.depth = vec![1; n + 1];
        self.depth[self.root] = 0;
        self.price = vec![0; n + 1];
        self.children = vec![Vec::new(); n + 1];
        self.position = vec![0; n + 1];
        self.artificial = self.from.len()..self.from.len() + n;
        for v in 0..n {
            let arc = self.push_arc(v, self.root, UNLIMITED, 0, State::Tree);
            self.pred[v] = arc as u32;
            self.position[v] = v as u32;
            self.children[self.root].push(v as u32);
        }
        self.built = true;
    }

    fn reduced(&self, arc: usize) -> i64 {
        self.cost[arc] + self.price[self.from[arc] as usize] - self.price[self.to[arc] as usize]
    }

    /// Pivot until no arc can improve the flow. May be called again after
    /// adding arcs: the current tree is the start.
    pub fn solve(&mut self) -> Result<(), FlowError> {
        if !self.built {
            let largest = self.cost.iter().map(|c| c.unsigned_abs()).max().unwrap_or(0) as u128;
            if largest * (self.nodes as u128 + 2) * 4 > i64::MAX as u128 {
                return Err(FlowError::CostTooLarge(format!(
                    "cost {largest} on {} nodes could overflow prices",
                    self.nodes
                )));
            }
            self.build();
        }
        while let Some(entering) = self.find_entering() {
            self.pivot(entering);
            self.pivots += 1;
        }
        Ok(())
    }

    /// Block search: scan a block of arcs, take the most violating one in it;
    /// if the block has none, go on to the next, round the whole list once.
    fn find_entering(&mut self) -> Option<usize> {
        let m = self.from.len();
        let block = ((m as f64).sqrt() as usize).max(10);
        let mut best = 0i64;
        let mut chosen = None;
        let mut seen = 0;
        let mut in_block = 0;
        let mut a = self.next_arc % m;
        while seen < m {
            let violation = match self.state[a] {
                State::Lower if self.capacity[a] > 0 => self.reduced(a),
                State::Upper => -self.reduced(a),
                _ => 0,
            };
            if violation < best {
                best = violation;
                chosen = Some(a);
            }
            seen += 1;
            in_block += 1;
            a += 1;
            if a == m {
                a = 0;
            }
            if in_block == block {
                if chosen.is_some() {
                    break;
                }
                in_block = 0;
            }
        }
        self.next_arc = a;
        chosen
    }

    fn pivot(&mut self, entering: usize) {
        // Flow goes round the cycle first -> second along the entering arc,
        // second up to the apex, then down from the apex to first.
        let increase = self.state[entering] == State::Lower;
        let (first, second) = if increase {
            (self.from[entering] as usize, self.to[entering] as usize)
        } else {
            (self.to[entering] as usize, self.from[entering] as usize)
        };
        let apex = self.apex(first, second);

        // The largest amount that can go round, and the last arc that blocks it.
        let mut delta = if increase {
            self.capacity[entering] - self.flow[entering]
        } else {
            self.flow[entering]
        };
        let mut leaving_child: Option<usize> = None;
        let mut on_first_side = false;
        let mut u = first;
        while u != apex {
            // Traversed from parent down to u.
            let arc = self.pred[u] as usize;
            let room = if self.to[arc] as usize == u {
                self.capacity[arc] - self.flow[arc]
            } else {
                self.flow[arc]
            };
            if room < delta {
                delta = room;
                leaving_child = Some(u);
                on_first_side = true;
            }
            u = self.parent[u] as usize;
        }
        let mut u = second;
        while u != apex {
            // Traversed from u up to its parent.
            let arc = self.pred[u] as usize;
            let room = if self.from[arc] as usize == u {
                self.capacity[arc] - self.flow[arc]
            } else {
                self.flow[arc]
            };
            if room <= delta {
                delta = room;
                leaving_child = Some(u);
                on_first_side = false;
            }
            u = self.parent[u] as usize;
        }

        if delta > 0 {
            self.flow[entering] += if increase { delta } else { -delta };
            let mut u = first;
            while u != apex {
                let arc = self.pred[u] as usize;
                self.flow[arc] += if self.to[arc] as usize == u { delta } else { -delta };
                u = self.parent[u] as usize;
            }
            let mut u = second;
            while u != apex {
                let arc = self.pred[u] as usize;
                self.flow[arc] += if self.from[arc] as usize == u { delta } else { -delta };
                u = self.parent[u] as usize;
            }
        }

        let Some(out_child) = leaving_child else {
            // The entering arc itself blocks: it goes to its other bound.
            self.state[entering] = if increase { State::Upper } else { State::Lower };
            return;
        };
        let leaving = self.pred[out_child] as usize;
        self.state[leaving] = if self.artificial.contains(&leaving) {
            State::Gone
        } else if self.flow[leaving] == 0 {
            State::Lower
        } else {
            State::Upper
        };
        self.state[entering] = State::Tree;
        // Re-hang the subtree cut off at `out_child` from the entering arc's
        // end inside it, reversing the path between them.
        let (inside, outside) = if on_first_side {
            (first, second)
        } else {
            (second, first)
        };
        let mut child = inside;
        let mut new_parent = outside;
        let mut new_pred = entering as u32;
        loop {
            let old_parent = self.parent[child] as usize;
            let old_pred = self.pred[child];
            self.detach(child);
            self.attach(child, new_parent, new_pred);
            if child == out_child {
                break;
            }
            new_parent = child;
            new_pred = old_pred;
            child = old_parent;
        }
        self.update_subtree(inside);
    }

    fn apex(&self, mut a: usize, mut b: usize) -> usize {
        while a != b {
            if self.depth[a] >= self.depth[b] {
                a = self.parent[a] as usize;
            } else {
                b = self.parent[b] as usize;
            }
        }
        a
    }

    fn detach(&mut self, v: usize) {
        let p = self.parent[v] as usize;
        let at = self.position[v] as usize;
        self.children[p].swap_remove(at);
        if let Some(&moved) = self.children[p].get(at) {
            self.position[moved as usize] = at as u32;
        }
    }

    fn attach(&mut self, v: usize, p: usize, arc: u32) {
        self.parent[v] = p as u32;
        self.pred[v] = arc;
        self.position[v] = self.children[p].len() as u32;
        self.children[p].push(v as u32);
    }

    /// Depths and prices below a re-hung node, so tree arcs keep reduced cost 0.
    fn update_subtree(&mut self, top: usize) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push(top as u32);
        while let Some(v) = stack.pop() {
            let v = v as usize;
            let p = self.parent[v] as usize;
            let arc = self.pred[v] as usize;
            self.depth[v] = self.depth[p] + 1;
            self.price[v] = if self.from[arc] as usize == v {
                self.price[p] - self.cost[arc]
            } else {
                self.price[p] + self.cost[arc]
            };
            for &child in &self.children[v] {
                stack.push(child);
            }
        }
        self.stack = stack;
    }

    /// Flow on an arc, by the number [`NetworkSimplex::add_arc`] gave it.
    pub fn flow(&self, arc: usize) -> u32 {
        self.flow[self.input_arcs[arc] as usize] as u32
    }

    /// Node prices: every arc's reduced cost `cost + p[from] - p[to]` is at
    /// least 0 if it carries no flow, at most 0 if it is full.
    pub fn prices(&self) -> &[i64] {
        &self.price[..self.nodes]
    }

    /// Pivots made so far.
    pub fn pivots(&self) -> u64 {
        self.pivots
    }
}

/// [`super::mincost::min_cost_flow`]'s problem and answer, solved by the
/// network simplex: the flow on every edge of a petgraph network, and prices
/// shifted so the source's is 0.
pub fn min_cost_flow_simplex<N>(
    graph: &petgraph::graph::DiGraph<N, super::mincost::FlowArc, u32>,
    source: petgraph::graph::NodeIndex<u32>,
    sink: petgraph::graph::NodeIndex<u32>,
) -> Result<super::mincost::FlowSolution, FlowError> {
    let mut simplex = NetworkSimplex::new(graph.node_count(), source.index(), sink.index())?;
    for edge in graph.raw_edges() {
        simplex.add_arc(
            edge.source().index(),
            edge.target().index(),
            edge.weight.capacity,
            edge.weight.cost,
        );
    }
    simplex.solve()?;
    Ok(simplex.solution(graph.raw_edges().iter().map(|e| e.weight.cost)))
}

impl NetworkSimplex {
    /// The flow and prices in [`super::mincost::FlowSolution`]'s form; `costs`
    /// are the input arcs' costs, in order.
    pub fn solution(&self, costs: impl Iterator<Item = i64>) -> super::mincost::FlowSolution {
        let flow: Vec<u32> = (0..self.input_arcs.len()).map(|a| self.flow(a)).collect();
        let cost = flow
            .iter()
            .zip(costs)
            .map(|(&f, c)| i128::from(f) * i128::from(c))
            .sum();
        let shift = self.price[self.source];
        super::mincost::FlowSolution {
            value: (0..self.input_arcs.len())
                .map(|a| {
                    let arc = self.input_arcs[a] as usize;
                    let f = self.flow[arc];
                    let from_source = self.from[arc] as usize == self.source;
                    let to_source = self.to[arc] as usize == self.source;
                    match (from_source, to_source) {
                        (true, false) => f,
                        (false, true) => -f,
                        _ => 0,
                    }
                })
                .sum::<i64>()
                .max(0) as u64,
            flow,
            cost,
            potential: self.prices().iter().map(|p| p - shift).collect(),
            phases: self.pivots as usize,
        }
    }
}
