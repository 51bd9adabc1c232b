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
//! An arc can also be fixed ([`NetworkSimplex::fix`]): held full, out of the
//! tree, never entering. Its flow is then a given of the problem (as if its
//! ends' supplies were changed), so its cost moves no price and the optimality
//! conditions below are over the other arcs; a warm re-solve holds a pin that
//! way once its arc carries the pin's flow.
//!
//! At the end every arc outside the tree has reduced cost `cost + p[u] - p[v]`
//! of at least 0 if it carries no flow and at most 0 if it is full, and tree
//! arcs have 0: the prices prove the flow optimal, and price any arc not in the
//! network the same way.

use super::flow::FlowError;

const UNLIMITED: i64 = i64::MAX / 4;
/// The artificial root's internal node number; input node `v` is `v + 1`.
const ROOT: usize = 0;

/// Where a non-tree arc sits, or that it is in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No flow; may enter when its reduced cost is negative.
    Lower,
    /// Full; may enter when its reduced cost is positive.
    Upper,
    Tree,
    /// An artificial arc that left the tree (it can never carry flow, so it
    /// never comes back), or an arc closed by [`NetworkSimplex::close`].
    Gone,
    /// Full and held there by [`NetworkSimplex::fix`]: never enters, and being
    /// out of the tree is on no pivot's cycle, so its flow cannot change and
    /// its cost moves no price.
    Fixed,
}

/// A network solved by the network simplex method, to which nodes and arcs can
/// be added, and whose costs can change, between solves: each solve starts
/// from the last one's tree, so a changed network that the old flow still fits
/// (a relaxation) is solved warm.
pub struct NetworkSimplex {
    /// Internal nodes, the root included.
    nodes: usize,
    from: Vec<u32>,
    to: Vec<u32>,
    capacity: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<State>,
    /// The sign an arc's reduced cost is multiplied by when looking for an
    /// entering arc: 1 for an arc with room at its lower bound, -1 for a full
    /// one, 0 for the rest. Kept beside `state` so the scan, which is most of
    /// the work, reads one byte and no branch per arc.
    direction: Vec<i8>,
    /// Input arcs, in the order added; the sink-source arc and the artificial
    /// arcs are kept apart from them.
    input_arcs: Vec<u32>,
    // The spanning tree, per internal node.
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
    built: bool,
    /// Costs changed since the prices were last computed.
    prices_stale: bool,
    /// Scratch space for walking a subtree.
    stack: Vec<u32>,
    /// Artificial arcs that left the tree, to be used again (see
    /// [`NetworkSimplex::hang_from_root`]) rather than add arcs for ever.
    spare: Vec<u32>,
    /// The arcs at each internal node (artificial arcs left out: they never
    /// enter), for [`NetworkSimplex::solve_listed`]; built on first use and
    /// extended as arcs are added.
    incident: Vec<Vec<u32>>,
    /// Arcs recorded in `incident` so far.
    indexed: usize,
    /// Arcs that may enter, for [`NetworkSimplex::solve_listed`]: every arc
    /// found violated since it was last checked, possibly no longer.
    candidates: Vec<u32>,
    /// Whether each arc is in `candidates`.
    listed: Vec<bool>,
    /// Where the next look through `candidates` starts.
    next_candidate: usize,
    /// Whether pivots add the arcs around the nodes they move to the candidates.
    listing: bool,
    /// The nodes the last pivot moved (its subtree), while listing.
    moved: Vec<u32>,
    source: usize,
    sink: usize,
    /// The sink-source arc, once built.
    circulation: usize,
    /// Whether anything but adding arcs changed the network (a cost, a
    /// state, the prices) since the last solve ended.
    touched: bool,
    /// Arcs when the last solve ended.
    solved_arcs: usize,
    /// The largest cost of any arc but an artificial one when the last solve
    /// began (see [`NetworkSimplex::prepare`]).
    largest_cost: u64,
    pivots: u64,
}

/// A clone is made to be solved again (a warm re-solve from a kept network),
/// which adds arcs: room for some is made now, so that the solve does not copy
/// every arc array to grow it.
impl Clone for NetworkSimplex {
    fn clone(&self) -> NetworkSimplex {
        let room = self.from.len() / 8 + 16;
        NetworkSimplex {
            nodes: self.nodes,
            from: with_room(&self.from, room),
            to: with_room(&self.to, room),
            capacity: with_room(&self.capacity, room),
            cost: with_room(&self.cost, room),
            flow: with_room(&self.flow, room),
            state: with_room(&self.state, room),
            direction: with_room(&self.direction, room),
            input_arcs: self.input_arcs.clone(),
            parent: self.parent.clone(),
            pred: self.pred.clone(),
            depth: self.depth.clone(),
            price: self.price.clone(),
            children: self.children.clone(),
            position: self.position.clone(),
            next_arc: self.next_arc,
            built: self.built,
            prices_stale: self.prices_stale,
            stack: self.stack.clone(),
            spare: self.spare.clone(),
            incident: self.incident.clone(),
            indexed: self.indexed,
            candidates: self.candidates.clone(),
            listed: with_room(&self.listed, room),
            next_candidate: self.next_candidate,
            listing: self.listing,
            moved: self.moved.clone(),
            source: self.source,
            sink: self.sink,
            circulation: self.circulation,
            touched: self.touched,
            solved_arcs: self.solved_arcs,
            largest_cost: self.largest_cost,
            pivots: self.pivots,
        }
    }
}

/// An arc's [`NetworkSimplex::direction`].
fn direction(state: State, capacity: i64) -> i8 {
    match state {
        State::Lower if capacity > 0 => 1,
        State::Upper => -1,
        _ => 0,
    }
}

/// A copy of `items` with room for `room` more.
pub(crate) fn with_room<T: Clone>(items: &[T], room: usize) -> Vec<T> {
    let mut copy = Vec::with_capacity(items.len() + room);
    copy.extend_from_slice(items);
    copy
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
            nodes: nodes + 1,
            from: Vec::new(),
            to: Vec::new(),
            capacity: Vec::new(),
            cost: Vec::new(),
            flow: Vec::new(),
            state: Vec::new(),
            direction: Vec::new(),
            input_arcs: Vec::new(),
            parent: Vec::new(),
            pred: Vec::new(),
            depth: Vec::new(),
            price: Vec::new(),
            children: Vec::new(),
            position: Vec::new(),
            next_arc: 0,
            built: false,
            prices_stale: false,
            stack: Vec::new(),
            spare: Vec::new(),
            incident: Vec::new(),
            indexed: 0,
            candidates: Vec::new(),
            listed: Vec::new(),
            next_candidate: 0,
            listing: false,
            moved: Vec::new(),
            circulation: usize::MAX,
            touched: true,
            solved_arcs: 0,
            largest_cost: 0,
            source: source + 1,
            sink: sink + 1,
            pivots: 0,
        })
    }

    /// Nodes of the network, as numbered by the caller.
    pub fn node_count(&self) -> usize {
        self.nodes - 1
    }

    fn push_arc(&mut self, from: usize, to: usize, capacity: i64, cost: i64, state: State) -> usize {
        self.from.push(from as u32);
        self.to.push(to as u32);
        self.capacity.push(capacity);
        self.cost.push(cost);
        self.flow.push(0);
        self.state.push(state);
        self.direction.push(direction(state, capacity));
        self.from.len() - 1
    }

    fn set_state(&mut self, arc: usize, state: State) {
        self.state[arc] = state;
        self.direction[arc] = direction(state, self.capacity[arc]);
        self.touched = true;
    }

    /// Add a node with no arcs; returns its number.
    pub fn add_node(&mut self) -> usize {
        let v = self.nodes;
        self.nodes += 1;
        if self.built {
            // It hangs from the root like every node of the first tree.
            self.parent.push(ROOT as u32);
            self.pred.push(u32::MAX);
            self.depth.push(1);
            self.price.push(0);
            self.children.push(Vec::new());
            self.position.push(0);
            self.hang_from_root(v);
            self.prices_stale = true;
        }
        v - 1
    }

    /// Join `v` to the root by an artificial arc, as a child of the root.
    fn hang_from_root(&mut self, v: usize) {
        let arc = self.artificial(v, 0);
        self.attach(v, ROOT, arc as u32);
    }

    /// An artificial arc from `v` to the root, in the tree: a spare one when
    /// there is one.
    fn artificial(&mut self, v: usize, cost: i64) -> usize {
        let Some(arc) = self.spare.pop() else {
            return self.push_arc(v, ROOT, UNLIMITED, cost, State::Tree);
        };
        let arc = arc as usize;
        debug_assert_eq!(self.to[arc] as usize, ROOT);
        debug_assert_eq!(self.flow[arc], 0, "artificial arcs never carry flow");
        self.from[arc] = v as u32;
        self.cost[arc] = cost;
        self.set_state(arc, State::Tree);
        arc
    }

    /// Add an arc with no flow; returns its number for [`NetworkSimplex::flow`].
    pub fn add_arc(&mut self, from: usize, to: usize, capacity: u32, cost: i64) -> usize {
        debug_assert!(from + 1 < self.nodes && to + 1 < self.nodes);
        let arc = self.push_arc(from + 1, to + 1, i64::from(capacity), cost, State::Lower);
        self.input_arcs.push(arc as u32);
        self.input_arcs.len() - 1
    }

    /// Change an input arc's cost. The flow stays feasible, so the next solve
    /// goes on from the current tree.
    pub fn set_cost(&mut self, arc: usize, cost: i64) {
        let arc = self.input_arcs[arc] as usize;
        if self.cost[arc] != cost {
            self.cost[arc] = cost;
            self.prices_stale = true;
            self.touched = true;
        }
    }

    /// Take an input arc out of the network, if it carries no flow and is not
    /// in the tree; returns whether it could be.
    pub fn close(&mut self, arc: usize) -> bool {
        let arc = self.input_arcs[arc] as usize;
        match self.state[arc] {
            State::Lower | State::Gone => {
                self.set_state(arc, State::Gone);
                true
            }
            State::Upper | State::Tree | State::Fixed => false,
        }
    }

    /// Hold a full input arc at its upper bound: it never enters and is on no
    /// pivot's cycle, so its flow stays whatever the costs, and its cost (out
    /// of the tree) moves no price. An arc in the tree leaves it first (see
    /// [`NetworkSimplex::leave_tree`]). Returns whether it is now fixed: false
    /// when it is not full, or could not leave the tree.
    pub fn fix(&mut self, arc: usize) -> bool {
        let a = self.input_arcs[arc] as usize;
        if self.flow[a] == 0 || self.flow[a] != self.capacity[a] {
            return false;
        }
        self.leave_tree(arc);
        match self.state[a] {
            State::Upper | State::Fixed => {
                self.set_state(a, State::Fixed);
                true
            }
            _ => false,
        }
    }

    /// Let an arc held by [`NetworkSimplex::fix`] go: it is full again at its
    /// upper bound, free to enter like any other.
    pub fn unfix(&mut self, arc: usize) {
        let a = self.input_arcs[arc] as usize;
        if self.state[a] == State::Fixed {
            self.set_state(a, State::Upper);
        }
    }

    /// Whether an input arc is held by [`NetworkSimplex::fix`].
    pub fn is_fixed(&self, arc: usize) -> bool {
        self.state[self.input_arcs[arc] as usize] == State::Fixed
    }

    /// Take an input arc out of the tree when it is in it with no flow or
    /// full, so that it can be closed, or its cost raised (a drain) without
    /// moving any other node's price: the nodes below it are hung from the
    /// root by a new artificial arc whose cost keeps their prices.
    pub fn leave_tree(&mut self, arc: usize) {
        let a = self.input_arcs[arc] as usize;
        let flow = self.flow[a];
        if self.state[a] != State::Tree || (flow != 0 && flow != self.capacity[a]) {
            return;
        }
        self.cut(a);
        self.set_state(a, if flow == 0 { State::Lower } else { State::Upper });
    }

    /// Take a tree arc out of the tree: the nodes below it hang from the root
    /// by a new artificial arc whose cost keeps their prices. The caller sets
    /// the arc's state.
    fn cut(&mut self, a: usize) {
        let (u, v) = (self.from[a] as usize, self.to[a] as usize);
        let below = if self.pred[u] as usize == a { u } else { v };
        self.detach(below);
        // Artificial arcs never carry flow (the root has no arc out), so their
        // cost is free to choose.
        let artificial = self.artificial(below, -self.price[below]);
        self.attach(below, ROOT, artificial as u32);
        // Depths below it changed.
        self.prices_stale = true;
    }

    /// Take the flow off an input arc without moving any price, as if it had
    /// never been sent: each unit goes back along a path of arcs carrying
    /// flow from the source through the arc to the sink, and round by the
    /// sink-source arc, so the flow stays feasible. At each node the path
    /// takes the costliest arc that can give the unit back (the least
    /// valuable unit there), an arc in the tree or one outside it with that
    /// unit alone; a fixed arc never. Tree arcs left unable to carry flow up
    /// towards the root leave the tree (see [`NetworkSimplex::leave_tree`]),
    /// so the tree stays strongly feasible.
    ///
    /// Taking a withdrawn person's flow off this way, rather than raising
    /// its cost until the simplex moves it (which moves every price in a
    /// subtree by that cost, and has the solve pivot them back one by one),
    /// leaves the next solve only the real change: placing the units given
    /// back. Returns whether the arc is left with no flow; when some unit has
    /// no such path, nothing changes.
    pub fn cancel_flow(&mut self, arc: usize) -> bool {
        let a = self.input_arcs[arc] as usize;
        if self.flow[a] == 0 {
            return true;
        }
        if !self.built || !matches!(self.state[a], State::Tree | State::Upper) {
            return false;
        }
        self.index_incidence();
        // Every unit taken off an arc, to give back if some unit has no path.
        let mut taken = Vec::new();
        while self.flow[a] > 0 {
            if self.cancel_unit(a, &mut taken).is_none() {
                for b in taken {
                    self.flow[b] += 1;
                }
                return false;
            }
        }
        taken.sort_unstable();
        taken.dedup();
        for b in taken {
            match self.state[b] {
                State::Upper => {
                    debug_assert!(
                        b == a || self.flow[b] == 0,
                        "an arc out of the tree gave back its one unit"
                    );
                    self.set_state(b, State::Lower);
                }
                // A tree arc leading down to a node must carry flow for the
                // node to send flow up it.
                State::Tree if self.flow[b] == 0 && self.pred[self.to[b] as usize] as usize == b => {
                    self.cut(b);
                    self.set_state(b, State::Lower);
                }
                _ => {}
            }
        }
        true
    }

    /// One unit of [`NetworkSimplex::cancel_flow`]: taken off `a`, a path
    /// from the source to it and from it to the sink, and the sink-source
    /// arc, each arc recorded in `taken`. None, with what was taken recorded,
    /// when no path can give the unit back.
    fn cancel_unit(&mut self, a: usize, taken: &mut Vec<usize>) -> Option<()> {
        let gives_back = |s: &Self, b: usize| match s.state[b] {
            State::Tree => s.flow[b] > 0,
            State::Upper => s.flow[b] == 1,
            _ => false,
        };
        if !gives_back(self, self.circulation) {
            return None;
        }
        for forward in [false, true] {
            let (mut node, end) = if forward {
                (self.to[a] as usize, self.sink)
            } else {
                (self.from[a] as usize, self.source)
            };
            let mut steps = 0;
            while node != end {
                steps += 1;
                if steps > self.nodes {
                    return None;
                }
                let b = self.incident[node]
                    .iter()
                    .map(|&b| b as usize)
                    .filter(|&b| {
                        let leaves = if forward { self.from[b] } else { self.to[b] } as usize == node;
                        leaves && b != a && b != self.circulation && gives_back(self, b)
                    })
                    .max_by_key(|&b| (self.cost[b], std::cmp::Reverse(b)))?;
                self.flow[b] -= 1;
                taken.push(b);
                node = if forward { self.to[b] } else { self.from[b] } as usize;
            }
        }
        for b in [a, self.circulation] {
            self.flow[b] -= 1;
            taken.push(b);
        }
        Some(())
    }

    /// Whether an input arc is out of the network (see [`NetworkSimplex::close`]).
    pub fn is_closed(&self, arc: usize) -> bool {
        self.state[self.input_arcs[arc] as usize] == State::Gone
    }

    /// Put back an input arc taken out by [`NetworkSimplex::close`]; it starts
    /// with no flow.
    pub fn open(&mut self, arc: usize) {
        let arc = self.input_arcs[arc] as usize;
        if self.state[arc] == State::Gone {
            self.set_state(arc, State::Lower);
        }
    }

    /// Input arcs added so far.
    pub fn arc_count(&self) -> usize {
        self.input_arcs.len()
    }

    /// An input arc's cost.
    pub fn cost(&self, arc: usize) -> i64 {
        self.cost[self.input_arcs[arc] as usize]
    }

    /// The first tree: every node hangs from the root by its artificial arc.
    fn build(&mut self) {
        let n = self.nodes;
        self.circulation = self.push_arc(self.sink, self.source, UNLIMITED, 0, State::Lower);
        self.parent = vec![ROOT as u32; n];
        self.pred = vec![u32::MAX; n];
        self.depth = vec![1; n];
        self.depth[ROOT] = 0;
        self.price = vec![0; n];
        self.children = vec![Vec::new(); n];
        self.position = vec![0; n];
        for v in 1..n {
            self.hang_from_root(v);
        }
        self.built = true;
    }

    /// Start from a tree of real arcs with no flow instead of the artificial
    /// star: `hang[i] = (node, arc)` hangs `node` from the arc's other end.
    /// Each arc must lead from its node towards the root's side (so flow could
    /// go up it: the tree stays strongly feasible), and the nodes must form a
    /// forest whose roots hang from the artificial root. Costs then give the
    /// first prices, which is the point: a good first tree saves pivots.
    pub fn start_from(&mut self, hang: &[(usize, usize)]) {
        if !self.built {
            self.build();
        }
        for &(node, arc) in hang {
            let v = node + 1;
            let arc = self.input_arcs[arc] as usize;
            debug_assert_eq!(self.from[arc] as usize, v, "the arc leads up from the node");
            let artificial = self.pred[v] as usize;
            self.detach(v);
            self.set_state(artificial, State::Gone);
            self.spare.push(artificial as u32);
            self.attach(v, self.to[arc] as usize, arc as u32);
            self.set_state(arc, State::Tree);
        }
        self.prices_stale = true;
    }

    /// Prices from the tree after costs changed: every tree arc's reduced cost 0.
    fn refresh_prices(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.extend_from_slice(&self.children[ROOT]);
        while let Some(v) = stack.pop() {
            self.set_price(v as usize);
            // A loop, not extend_from_slice: most nodes have a child or two,
            // too few for a copy call to pay.
            for &child in &self.children[v as usize] {
                stack.push(child);
            }
        }
        self.stack = stack;
        self.prices_stale = false;
    }

    fn set_price(&mut self, v: usize) {
        let p = self.parent[v] as usize;
        let arc = self.pred[v] as usize;
        self.depth[v] = self.depth[p] + 1;
        self.price[v] = if self.from[arc] as usize == v {
            self.price[p] - self.cost[arc]
        } else {
            self.price[p] + self.cost[arc]
        };
    }

    /// Pivot until no arc can improve the flow. May be called again after
    /// adding nodes and arcs or changing costs: the current tree is the start.
    pub fn solve(&mut self) -> Result<(), FlowError> {
        self.prepare()?;
        while let Some(entering) = self.find_entering() {
            self.pivot(entering);
            self.pivots += 1;
        }
        self.solved();
        Ok(())
    }

    /// A solve ended: what changes from now on is what the next one starts from.
    fn solved(&mut self) {
        self.touched = false;
        self.solved_arcs = self.from.len();
    }

    /// [`NetworkSimplex::solve`] for a network near its optimum (solved
    /// before, then changed a little), whose pivots each move the prices of a
    /// few nodes, so that a search through blocks of every arc for each pivot
    /// would be most of the work. A pass over every arc lists the violated ones;
    /// entering arcs are chosen from that list, and each pivot adds the
    /// violated arcs at the nodes whose prices it moved (only their arcs'
    /// reduced costs change). When the list runs out, another pass over every
    /// arc lists what was missed; the solve ends when a whole pass finds no
    /// violated arc, so the answer is proven exactly as by
    /// [`NetworkSimplex::solve`] whatever the list held.
    pub fn solve_listed(&mut self) -> Result<(), FlowError> {
        // When only arcs were added since the last solve (a round of pricing),
        // only they can be violated: the list starts from them, not from a
        // pass over every arc. The last pass is over every arc all the same.
        let only_added = self.built && !self.touched && !self.prices_stale;
        let added = self.solved_arcs..self.from.len();
        self.prepare()?;
        self.index_incidence();
        self.listed.resize(self.from.len(), false);
        for &arc in &self.candidates {
            self.listed[arc as usize] = false;
        }
        self.candidates.clear();
        if only_added {
            for arc in added {
                if self.violation(arc) < 0 {
                    self.listed[arc] = true;
                    self.candidates.push(arc as u32);
                }
            }
        }
        self.listing = true;
        let mut listed = only_added;
        loop {
            if !std::mem::take(&mut listed) {
                self.list_violated();
                if self.candidates.is_empty() {
                    break;
                }
            }
            while let Some(entering) = self.next_listed() {
                self.pivot(entering);
                self.pivots += 1;
                self.list_moved();
            }
        }
        self.listing = false;
        self.solved();
        Ok(())
    }

    /// Record the arcs added since the last call in `incident`.
    fn index_incidence(&mut self) {
        self.incident.resize_with(self.nodes, Vec::new);
        for arc in self.indexed..self.from.len() {
            let (u, v) = (self.from[arc] as usize, self.to[arc] as usize);
            if v != ROOT {
                self.incident[u].push(arc as u32);
                self.incident[v].push(arc as u32);
            }
        }
        self.indexed = self.from.len();
    }

    /// How much an arc violates the optimality conditions: negative when it
    /// could enter.
    #[inline]
    fn violation(&self, arc: usize) -> i64 {
        let (u, v) = (self.from[arc] as usize, self.to[arc] as usize);
        i64::from(self.direction[arc]) * (self.cost[arc] + self.price[u] - self.price[v])
    }

    /// The full pass: list every violated arc not listed yet.
    fn list_violated(&mut self) {
        let m = self.from.len();
        let (from, to, cost, direction) = (&self.from[..m], &self.to[..m], &self.cost[..m], &self.direction[..m]);
        let price = &self.price[..];
        for (a, (((&u, &v), &c), &d)) in from.iter().zip(to).zip(cost).zip(direction).enumerate() {
            let violation = i64::from(d) * (c + price[u as usize] - price[v as usize]);
            if violation < 0 && !self.listed[a] {
                self.listed[a] = true;
                self.candidates.push(a as u32);
            }
        }
    }

    /// After a pivot: list the violated arcs at the nodes it moved.
    fn list_moved(&mut self) {
        let moved = std::mem::take(&mut self.moved);
        for &v in &moved {
            for &arc in &self.incident[v as usize] {
                let arc = arc as usize;
                if !self.listed[arc] && self.violation(arc) < 0 {
                    self.listed[arc] = true;
                    self.candidates.push(arc as u32);
                }
            }
        }
        self.moved = moved;
        self.moved.clear();
    }

    /// The most violated arc of the next block of listed ones, dropping those
    /// no longer violated; None when none is.
    fn next_listed(&mut self) -> Option<usize> {
        let block = ((self.candidates.len() as f64).sqrt() as usize).max(10);
        let mut best = 0i64;
        let mut chosen = None;
        let mut looked = 0;
        let mut i = self.next_candidate;
        while !self.candidates.is_empty() && looked < block.min(self.candidates.len()) {
            if i >= self.candidates.len() {
                i = 0;
            }
            let arc = self.candidates[i] as usize;
            let violation = self.violation(arc);
            if violation >= 0 {
                self.listed[arc] = false;
                self.candidates.swap_remove(i);
                continue;
            }
            if violation < best {
                best = violation;
                chosen = Some(arc);
            }
            looked += 1;
            i += 1;
        }
        self.next_candidate = i;
        chosen
    }

    /// Checks before pivoting, and the first tree and prices.
    fn prepare(&mut self) -> Result<(), FlowError> {
        // Artificial arcs' costs are prices the tree already had (see
        // `leave_tree`), bounded as every price is. No cost changed since the
        // last solve unless the network was touched: then only the arcs
        // added since are looked at.
        let first = if self.built && !self.touched {
            self.solved_arcs
        } else {
            self.largest_cost = 0;
            0
        };
        let added = (self.cost[first..].iter().zip(&self.to[first..]))
            .filter(|&(_, &to)| to as usize != ROOT)
            .map(|(c, _)| c.unsigned_abs())
            .max()
            .unwrap_or(0);
        self.largest_cost = self.largest_cost.max(added);
        let largest = u128::from(self.largest_cost);
        if largest * (self.nodes as u128 + 2) * 4 > i64::MAX as u128 {
            return Err(FlowError::CostTooLarge(format!(
                "cost {largest} on {} nodes could overflow prices",
                self.nodes - 1
            )));
        }
        if !self.built {
            self.build();
        }
        if self.prices_stale {
            self.refresh_prices();
        }
        Ok(())
    }

    /// Block search: scan a block of arcs, take the most violating one in it;
    /// if the block has none, go on to the next, round the whole list once.
    fn find_entering(&mut self) -> Option<usize> {
        let m = self.from.len();
        let block = ((m as f64).sqrt() as usize).max(10);
        let (from, to, cost, direction) = (&self.from[..m], &self.to[..m], &self.cost[..m], &self.direction[..m]);
        let price = &self.price[..];
        let mut start = self.next_arc % m;
        let mut scanned = 0;
        while scanned < m {
            let end = (start + block).min(m);
            let mut best = 0i64;
            let mut chosen = usize::MAX;
            for (a, (((&u, &v), &c), &d)) in from[start..end]
                .iter()
                .zip(&to[start..end])
                .zip(&cost[start..end])
                .zip(&direction[start..end])
                .enumerate()
            {
                let violation = i64::from(d) * (c + price[u as usize] - price[v as usize]);
                if violation < best {
                    best = violation;
                    chosen = start + a;
                }
            }
            scanned += end - start;
            start = if end == m { 0 } else { end };
            if chosen != usize::MAX {
                self.next_arc = start;
                return Some(chosen);
            }
        }
        self.next_arc = start;
        None
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
            self.set_state(entering, if increase { State::Upper } else { State::Lower });
            return;
        };
        let leaving = self.pred[out_child] as usize;
        let leaving_state = if self.to[leaving] as usize == ROOT {
            State::Gone
        } else if self.flow[leaving] == 0 {
            State::Lower
        } else {
            State::Upper
        };
        self.set_state(leaving, leaving_state);
        if leaving_state == State::Gone {
            self.spare.push(leaving as u32);
        }
        self.set_state(entering, State::Tree);
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
            self.set_price(v as usize);
            if self.listing {
                self.moved.push(v);
            }
            // A loop, not extend_from_slice: most nodes have a child or two,
            // too few for a copy call to pay.
            for &child in &self.children[v as usize] {
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
        &self.price[1..]
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
    graph: &petgraph::graph::DiGraph<N, super::flow::FlowArc, u32>,
    source: petgraph::graph::NodeIndex<u32>,
    sink: petgraph::graph::NodeIndex<u32>,
) -> Result<super::flow::FlowSolution, FlowError> {
    min_cost_flow_simplex_from(graph, source, sink, &[])
}

/// [`min_cost_flow_simplex`] from a first tree of real arcs (see
/// [`NetworkSimplex::start_from`]; arcs by edge index).
pub fn min_cost_flow_simplex_from<N>(
    graph: &petgraph::graph::DiGraph<N, super::flow::FlowArc, u32>,
    source: petgraph::graph::NodeIndex<u32>,
    sink: petgraph::graph::NodeIndex<u32>,
    first_tree: &[(usize, usize)],
) -> Result<super::flow::FlowSolution, FlowError> {
    let mut simplex = NetworkSimplex::new(graph.node_count(), source.index(), sink.index())?;
    for edge in graph.raw_edges() {
        simplex.add_arc(
            edge.source().index(),
            edge.target().index(),
            edge.weight.capacity,
            edge.weight.cost,
        );
    }
    if !first_tree.is_empty() {
        simplex.start_from(first_tree);
    }
    simplex.solve()?;
    Ok(simplex.solution(graph.raw_edges().iter().map(|e| e.weight.cost)))
}

impl NetworkSimplex {
    /// The flow and prices in [`super::flow::FlowSolution`]'s form; `costs`
    /// are the input arcs' costs, in order.
    pub fn solution(&self, costs: impl Iterator<Item = i64>) -> super::flow::FlowSolution {
        let flow: Vec<u32> = (0..self.input_arcs.len()).map(|a| self.flow(a)).collect();
        let cost = flow
            .iter()
            .zip(costs)
            .map(|(&f, c)| i128::from(f) * i128::from(c))
            .sum();
        let shift = self.price[self.source];
        super::flow::FlowSolution {
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
