//! Solving by pricing, and solving again, warm, after the programme changes.
//!
//! A dense programme has far more eligible pairs than a matching can use, so
//! [`solve_eligible`] solves on a few candidate pairs per mentee and adds any
//! eligible pair the simplex's prices say could still help, until the prices
//! certify every pair (column generation).
//!
//! The solved network is kept as a [`WarmStart`]. A changed programme (a
//! what-if scenario; pins, bans, withdrawals and late registrations) is solved
//! from the old tree, people found again by email: what is new joins the
//! network, and what must go is closed, or, while it still carries flow, has
//! its flow taken off along a path from the source to the sink (or, where no
//! such path can give it back, is drained: its cost raised until the simplex
//! moves the flow elsewhere). A pin
//! whose arc already carries its flow is fixed there at the pair's ordinary
//! cost rather than rewarded, so it moves no price. Only
//! the changes are pivoted in, and pricing certifies every eligible pair as
//! after a solve from scratch, so the answer is exact either way.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::objective::ArcCosts;
use super::simplex::{with_room, NetworkSimplex};
use super::{
    flow_can_solve, has_request_layer, meets_counted_request, network, solve, Node, Solution, SolveError, SolveOptions,
    SolveStats,
};
use crate::eligibility::{Eligibility, Pair};
use crate::registration::Programme;

/// Arcs for a run of a person's capacity units that cost the same: units
/// `first..first + units`.
#[derive(Clone, Copy, Debug)]
struct Run {
    first: u32,
    units: u32,
    arc: usize,
}

/// A candidate pair's arc, between a mentee's slot and a mentor's.
#[derive(Clone, Copy, Debug)]
struct PairArc {
    mentee: u32,
    mentor: u32,
    /// The node it leaves from: the mentee's own, or their request layer.
    tail: usize,
    arc: usize,
    /// The pair in the programme last fitted, if it is one of its pairs.
    pair: Option<Pair>,
}

/// A mentee's place in the kept network, found again by email in the next
/// programme.
#[derive(Clone, Debug)]
struct MenteeSlot {
    node: usize,
    /// Their request layer node, once they have one.
    request: Option<usize>,
    /// Source to mentee.
    runs: Vec<Run>,
    /// Mentee to request layer: the first unit earns the request's reward.
    request_runs: Vec<Run>,
}

/// A mentor's place in the kept network: a node and arcs to the sink.
#[derive(Clone, Debug)]
struct MentorSlot {
    node: usize,
    runs: Vec<Run>,
}

/// The simplex, and the arcs taken out of it since the last solve.
///
/// An arc that carries flow or is in the tree cannot simply be closed (the
/// flow would no longer balance, or the tree would not span). Its flow is
/// taken off along a path (see [`Arcs::cancel_drained`]), or, where that
/// cannot be done, it is drained: its cost is raised above anything a path
/// through it could gain, so the next solve moves its flow elsewhere, the
/// primal simplex staying feasible throughout; once empty, it is closed.
#[derive(Clone)]
struct Arcs {
    simplex: NetworkSimplex,
    /// The cost of a drained arc.
    drain: i64,
    /// Arcs at the drain cost, to close once they carry no flow.
    drained: Vec<usize>,
    /// Arcs that belong to no person or pair any more (a capacity run that was
    /// split, a pair arc moved to another tail), drained until they can close.
    orphans: Vec<usize>,
}

impl Arcs {
    /// Take an arc out: closed at once when it can be (out of the tree with
    /// no flow), else drained.
    fn retire(&mut self, arc: usize) {
        self.simplex.unfix(arc);
        self.simplex.leave_tree(arc);
        if !self.simplex.close(arc) {
            self.simplex.set_cost(arc, self.drain);
            self.drained.push(arc);
        }
    }

    /// Put an arc (back) in with this cost.
    fn keep(&mut self, arc: usize, cost: i64) {
        self.simplex.set_cost(arc, cost);
        self.simplex.open(arc);
    }

    /// Put a pair's arc (back) in. A pin whose arc already carries its unit
    /// is fixed there (see [`NetworkSimplex::fix`]) at the pair's ordinary
    /// cost: it holds the pin without the pin's reward, whose cost would move
    /// every price and have the solve pivot them all back. A pin with no flow
    /// yet earns the reward; an arc no longer pinned is let go.
    fn keep_pair(&mut self, arc: usize, pair: &Pair, costs: &ArcCosts) {
        if pair.pinned && (self.simplex.is_fixed(arc) || self.simplex.fix(arc)) {
            let ordinary = Pair { pinned: false, ..*pair };
            self.simplex.set_cost(arc, costs.pair_cost(&ordinary));
        } else {
            self.simplex.unfix(arc);
            self.keep(arc, costs.pair_cost(pair));
        }
    }

    /// Raise the cost of every drained arc that still carries flow; false
    /// when none does. A drain's cost is meant to empty its arc in one solve;
    /// this keeps the answer exact even where it did not.
    fn drain_harder(&mut self) -> Result<bool, SolveError> {
        let mut raised = false;
        for &arc in &self.drained {
            if self.simplex.flow(arc) > 0 {
                let cost = self.simplex.cost(arc).checked_mul(4).ok_or(SolveError::TooLarge {
                    participants: self.simplex.node_count(),
                })?;
                self.simplex.set_cost(arc, cost);
                raised = true;
            }
        }
        Ok(raised)
    }

    /// Take the flow off drained arcs directly, where it can be (see
    /// [`NetworkSimplex::cancel_flow`]), and close them: what is left to
    /// drain is only what has no path to give back.
    fn cancel_drained(&mut self) {
        let drained = std::mem::take(&mut self.drained);
        for arc in drained {
            if self.simplex.cancel_flow(arc) {
                self.simplex.leave_tree(arc);
                if self.simplex.close(arc) {
                    continue;
                }
            }
            self.drained.push(arc);
        }
    }

    /// Close the drained arcs that left the tree; the rest stay at the drain
    /// cost (carrying no flow, which is the same as closed) until the next
    /// change. Orphans that closed are forgotten.
    fn close_drained(&mut self) {
        let simplex = &mut self.simplex;
        for &arc in &self.drained {
            debug_assert_eq!(simplex.flow(arc), 0, "a drained arc carries no flow after the solve");
            simplex.close(arc);
        }
        self.drained.clear();
        self.orphans.retain(|&arc| !simplex.is_closed(arc));
    }

    /// Fit a person's capacity arcs to a new capacity and unit costs: runs
    /// inside the capacity take the new cost, runs beyond it are taken out,
    /// units beyond the runs get new arcs. A run the capacity or the costs
    /// split is taken out with every run after it, and its units get new arcs.
    fn fit_runs(
        &mut self,
        runs: &mut Vec<Run>,
        capacity: u32,
        unit_cost: impl Fn(usize) -> i64,
        (tail, head): (usize, usize),
    ) {
        let mut split = runs.len();
        for (i, run) in runs.iter().enumerate() {
            let end = run.first + run.units;
            let cost = unit_cost(run.first as usize);
            if run.first >= capacity {
                self.retire(run.arc);
            } else if end <= capacity && (run.first..end).all(|k| unit_cost(k as usize) == cost) {
                self.keep(run.arc, cost);
            } else {
                split = i;
                break;
            }
        }
        for run in runs.drain(split..) {
            self.retire(run.arc);
            self.orphans.push(run.arc);
        }
        let mut k = runs.last().map_or(0, |r| r.first + r.units);
        while k < capacity {
            let cost = unit_cost(k as usize);
            let mut units = 1;
            while k + units < capacity && unit_cost((k + units) as usize) == cost {
                units += 1;
            }
            let arc = self.simplex.add_arc(tail, head, units, cost);
            runs.push(Run { first: k, units, arc });
            k += units;
        }
    }
}

/// A programme's network, solved by pricing, kept so a changed programme can be
/// solved from it.
pub struct WarmStart {
    arcs: Arcs,
    source: usize,
    sink: usize,
    /// Whether identity and profession requests are counted: which pairs leave
    /// from a request layer.
    requests_counted: (bool, bool),
    /// The number of people the costs' weights are made for.
    participants: usize,
    /// Mentees and mentors by email key, each with a slot.
    mentee_keys: Keys,
    mentees: Vec<MenteeSlot>,
    mentor_keys: Keys,
    mentors: Vec<MentorSlot>,
    pairs: Vec<PairArc>,
    /// (mentee slot, mentor slot) of every pair arc.
    known: SlotSet,
}

/// People's email keys and their slots, both ways.
#[derive(Clone, Default)]
struct Keys {
    /// The first slot of each key.
    slot_of: HashMap<String, u32>,
    /// The key of each slot.
    key_of: Vec<String>,
}

impl Keys {
    /// Slots numbered as `keys` are.
    fn in_order<'p>(keys: impl Iterator<Item = &'p String>) -> Keys {
        let mut made = Keys::default();
        for (i, key) in keys.enumerate() {
            made.slot_of.entry(key.clone()).or_insert(i as u32);
            made.key_of.push(key.clone());
        }
        made
    }
}

/// Hashes a pair of slot numbers with a multiplication each, far cheaper than
/// the default SipHash: `known` is asked about every pair pricing looks at,
/// and slot numbers are not chosen by anyone who could aim at collisions,
/// which is what SipHash guards against.
#[derive(Clone, Copy, Default)]
struct SlotHasher(u64);

impl std::hash::Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A set of (mentee slot, mentor slot) pairs.
type SlotSet = HashSet<(u32, u32), std::hash::BuildHasherDefault<SlotHasher>>;

/// A clone is made to be solved again, which adds pair arcs: room for some is
/// made now (see [`NetworkSimplex`]'s clone).
impl Clone for WarmStart {
    fn clone(&self) -> WarmStart {
        WarmStart {
            arcs: self.arcs.clone(),
            source: self.source,
            sink: self.sink,
            requests_counted: self.requests_counted,
            participants: self.participants,
            mentee_keys: self.mentee_keys.clone(),
            mentees: self.mentees.clone(),
            mentor_keys: self.mentor_keys.clone(),
            mentors: self.mentors.clone(),
            pairs: with_room(&self.pairs, self.pairs.len() / 8 + 16),
            known: self.known.clone(),
        }
    }
}

/// Where the current programme's people sit among the slots.
struct Slots {
    /// Slot of each mentee, by index into the programme's mentees.
    of_mentee: Vec<u32>,
    /// The mentee in each slot, if they are in this programme.
    mentee_of: Vec<Option<u32>>,
    of_mentor: Vec<u32>,
    mentor_of: Vec<Option<u32>>,
}

impl Slots {
    /// Slots numbered as the programme numbers its people.
    fn same_as(programme: &Programme) -> Slots {
        let (mentees, mentors) = (programme.mentees.len() as u32, programme.mentors.len() as u32);
        Slots {
            of_mentee: (0..mentees).collect(),
            mentee_of: (0..mentees).map(Some).collect(),
            of_mentor: (0..mentors).collect(),
            mentor_of: (0..mentors).map(Some).collect(),
        }
    }
}

/// Each person's slot, by email key: a person seen before keeps theirs (one
/// with their key), a new one gets a slot from `make`. Two people with one key
/// (which validation refuses) get one slot each. Returns the slot of each
/// person, and the person in each slot.
fn assign<'p>(
    slots: &mut Keys,
    keys: impl Iterator<Item = &'p String>,
    mut make: impl FnMut() -> u32,
) -> (Vec<u32>, Vec<Option<u32>>) {
    let mut person_of: Vec<Option<u32>> = vec![None; slots.key_of.len()];
    let mut of_person = Vec::new();
    // People mostly come in the order they came before, so the slot after the
    // last one found is tried first: a comparison instead of a hash.
    let mut next = 0;
    for (i, key) in keys.enumerate() {
        let free = |slot: usize| person_of.get(slot) == Some(&None);
        let slot = if free(next) && slots.key_of[next] == *key {
            next as u32
        } else {
            match slots.slot_of.get(key) {
                Some(&slot) if free(slot as usize) => slot,
                found => {
                    let slot = make();
                    debug_assert_eq!(slot as usize, slots.key_of.len());
                    if found.is_none() {
                        slots.slot_of.insert(key.clone(), slot);
                    }
                    slots.key_of.push(key.clone());
                    person_of.push(None);
                    slot
                }
            }
        };
        person_of[slot as usize] = Some(i as u32);
        of_person.push(slot);
        next = slot as usize + 1;
    }
    (of_person, person_of)
}

/// The best matching of every eligible pair under the model's objective, exactly.
///
/// Small programmes are solved on the whole network. Large ones (tens of millions
/// of pairs) are solved by pricing, as in column generation: solve on a few
/// promising pairs per mentee, then check every other eligible pair against the
/// solver's dual prices; a pair with negative reduced cost could improve the
/// matching, so it joins the network and the network is solved again. When no
/// pair has negative reduced cost the prices certify the whole network, so the
/// matching is optimal over all eligible pairs, not just the candidates.
pub fn solve_eligible(eligibility: &Eligibility, options: SolveOptions) -> Result<Solution, SolveError> {
    let start = Instant::now();
    if eligibility.count() <= options.whole_network_up_to {
        let mut solution = solve(eligibility.programme(), eligibility.model(), &eligibility.pairs())?;
        solution.stats.time = start.elapsed();
        return Ok(solution);
    }
    WarmStart::solve(eligibility, options).map(|(solution, _)| solution)
}

/// The people of a programme, mentees and mentors: what its costs' weights
/// are made for.
fn participants(eligibility: &Eligibility) -> usize {
    let programme = eligibility.programme();
    programme.mentees.len() + programme.mentors.len()
}

/// The costs of a programme's arcs under its model.
fn costs_of(eligibility: &Eligibility) -> Result<ArcCosts, SolveError> {
    flow_can_solve(eligibility.model(), participants(eligibility))
}

impl WarmStart {
    /// Solve from scratch by pricing; the network is kept for [`WarmStart::resolve`].
    pub fn solve(eligibility: &Eligibility, options: SolveOptions) -> Result<(Solution, WarmStart), SolveError> {
        WarmStart::solve_cold(eligibility, options, Instant::now())
    }

    fn solve_cold(
        eligibility: &Eligibility,
        options: SolveOptions,
        start: Instant,
    ) -> Result<(Solution, WarmStart), SolveError> {
        let costs = &costs_of(eligibility)?;
        let mut state = WarmStart::cold(eligibility, options, costs)?;
        let slots = Slots::same_as(eligibility.programme());
        let solution = state.optimise(eligibility, options, costs, &slots, start, false)?;
        Ok((solution, state))
    }

    /// Solve a changed programme starting from this one's tree: only the
    /// changes are pivoted in. People are recognised by email: a mentee or
    /// mentor who withdrew has their arcs taken out (drained of flow first),
    /// a late registration gets new ones, and pins, bans, rules, capacities
    /// and weights may all change. A model that counts a different kind of
    /// request is solved from scratch. Either way the answer is exact.
    pub fn resolve(
        mut self,
        eligibility: &Eligibility,
        options: SolveOptions,
    ) -> Result<(Solution, WarmStart), SolveError> {
        let start = Instant::now();
        // The weights are kept while the programme is no larger than the one
        // they were made for (any larger count is as exact): new weights would
        // move every price, and the solve would pivot them all back. A larger
        // programme gets room to grow.
        let exact = participants(eligibility);
        let room = if exact <= self.participants {
            self.participants
        } else {
            exact + exact / 8
        };
        let (costs, participants) = match flow_can_solve(eligibility.model(), room) {
            Ok(costs) => (costs, room),
            Err(_) => (costs_of(eligibility)?, exact),
        };
        if (costs.identity_met != 0, costs.profession_met != 0) != self.requests_counted {
            return WarmStart::solve_cold(eligibility, options, start);
        }
        self.participants = participants;
        let warm = self
            .fit(eligibility, &costs)
            .and_then(|slots| self.optimise(eligibility, options, &costs, &slots, start, true));
        match warm {
            Ok(solution) => Ok((solution, self)),
            // Costs too large for the drains: nothing is lost by starting again.
            Err(_) => WarmStart::solve_cold(eligibility, options, start),
        }
    }

    /// The network of the first candidate pairs, unsolved.
    fn cold(eligibility: &Eligibility, options: SolveOptions, costs: &ArcCosts) -> Result<WarmStart, SolveError> {
        let programme = eligibility.programme();
        let candidates = first_candidates(eligibility, options.candidates_per_mentee.max(1), options.threads);
        let network = network(programme, costs, &candidates);
        let graph = &network.graph;
        let (source, sink) = (network.source.index(), network.sink.index());
        let mut simplex = NetworkSimplex::new(graph.node_count(), source, sink)?;
        let mut state = WarmStart {
            source,
            sink,
            requests_counted: (costs.identity_met != 0, costs.profession_met != 0),
            participants: programme.mentees.len() + programme.mentors.len(),
            mentee_keys: Keys::in_order(programme.mentees.iter().map(|m| &m.person.email_key)),
            mentees: network
                .mentee_nodes
                .iter()
                .map(|nodes| MenteeSlot {
                    node: nodes.own.index(),
                    request: nodes.request.map(|r| r.index()),
                    runs: Vec::new(),
                    request_runs: Vec::new(),
                })
                .collect(),
            mentor_keys: Keys::in_order(programme.mentors.iter().map(|m| &m.person.email_key)),
            mentors: network
                .mentor_nodes
                .iter()
                .map(|node| MentorSlot {
                    node: node.index(),
                    runs: Vec::new(),
                })
                .collect(),
            pairs: Vec::with_capacity(candidates.len()),
            known: candidates.iter().map(|p| (p.mentee, p.mentor)).collect(),
            // Replaced by the network below, once its arcs are recorded.
            arcs: Arcs {
                simplex: NetworkSimplex::new(2, 0, 1)?,
                drain: drain_cost(eligibility, costs)?,
                drained: Vec::new(),
                orphans: Vec::new(),
            },
        };
        // Record what each arc of the network is, so the next programme's
        // network can be fitted onto it.
        let record = |runs: &mut Vec<Run>, units: u32, arc: usize| {
            let first = runs.last().map_or(0, |r: &Run| r.first + r.units);
            runs.push(Run { first, units, arc });
        };
        for (i, edge) in graph.raw_edges().iter().enumerate() {
            let (tail, head) = (edge.source(), edge.target());
            let arc = simplex.add_arc(tail.index(), head.index(), edge.weight.capacity, edge.weight.cost);
            match (graph[tail], graph[head]) {
                (Node::Source, Node::Mentee(e)) => {
                    record(&mut state.mentees[e as usize].runs, edge.weight.capacity, arc)
                }
                (Node::Mentee(e), Node::Request(_)) => {
                    record(&mut state.mentees[e as usize].request_runs, edge.weight.capacity, arc)
                }
                (Node::Mentor(m), Node::Sink) => record(&mut state.mentors[m as usize].runs, edge.weight.capacity, arc),
                (_, Node::Mentor(_)) => {
                    let pair = candidates[i - network.first_pair_arc];
                    state.pairs.push(PairArc {
                        mentee: pair.mentee,
                        mentor: pair.mentor,
                        tail: tail.index(),
                        arc,
                        pair: Some(pair),
                    });
                }
                _ => unreachable!("the network has no other kind of arc"),
            }
        }
        simplex.start_from(&network.first_tree());
        state.arcs.simplex = simplex;
        Ok(state)
    }

    /// Change the network to the new programme's people, capacities, pairs and
    /// costs, keeping the flow: what must go is taken out (see [`Arcs`]), what
    /// is new is added. Returns where the programme's people sit.
    fn fit(&mut self, eligibility: &Eligibility, costs: &ArcCosts) -> Result<Slots, SolveError> {
        let programme = eligibility.programme();
        self.arcs.drain = drain_cost(eligibility, costs)?;
        let slots = self.slots_for(programme);
        for &arc in &self.arcs.orphans {
            if !self.arcs.simplex.is_closed(arc) {
                self.arcs.simplex.set_cost(arc, self.arcs.drain);
                self.arcs.drained.push(arc);
            }
        }
        let request_cost = costs.identity_met + costs.profession_met;
        for (slot, state) in self.mentees.iter_mut().enumerate() {
            let mentee = slots.mentee_of[slot].map(|e| &programme.mentees[e as usize]);
            let capacity = mentee.map_or(0, |m| m.person.capacity);
            let own = state.node;
            self.arcs.fit_runs(
                &mut state.runs,
                capacity,
                |k| mentee.map_or(costs.mentee_unit[k], |m| costs.mentee_unit_cost(m, k)),
                (self.source, own),
            );
            let layered = mentee.is_some_and(|m| has_request_layer(m, costs));
            if state.request.is_none() && layered {
                state.request = Some(self.arcs.simplex.add_node());
            }
            if let Some(request) = state.request {
                let unit = |k: usize| if k == 0 { request_cost } else { 0 };
                let capacity = if layered { capacity } else { 0 };
                self.arcs
                    .fit_runs(&mut state.request_runs, capacity, unit, (own, request));
            }
        }
        for (slot, state) in self.mentors.iter_mut().enumerate() {
            let capacity = slots.mentor_of[slot].map_or(0, |m| programme.mentors[m as usize].person.capacity);
            self.arcs.fit_runs(
                &mut state.runs,
                capacity,
                |k| costs.mentor_unit[k],
                (state.node, self.sink),
            );
        }
        // Each mentee's lists are looked up once.
        let mut pairs_of: Vec<Option<_>> = (0..programme.mentees.len()).map(|_| None).collect();
        for i in 0..self.pairs.len() {
            let old = self.pairs[i];
            let pair = match (
                slots.mentee_of[old.mentee as usize],
                slots.mentor_of[old.mentor as usize],
            ) {
                (Some(e), Some(m)) => pairs_of[e as usize].get_or_insert_with(|| eligibility.pairs_of(e))(m),
                _ => None,
            };
            self.pairs[i].pair = pair;
            let Some(pair) = pair else {
                self.arcs.retire(old.arc);
                continue;
            };
            let (tail, head) = self.ends(&pair, old.mentee, old.mentor);
            if tail == old.tail {
                self.arcs.keep_pair(old.arc, &pair, costs);
            } else {
                // The pair now meets a request it did not (or no longer does):
                // its arc leaves from the other node.
                self.arcs.retire(old.arc);
                self.arcs.orphans.push(old.arc);
                self.pairs[i].arc = self.arcs.simplex.add_arc(tail, head, 1, costs.pair_cost(&pair));
                self.pairs[i].tail = tail;
            }
        }
        // Pins are made whatever the prices say, so their arcs are there from
        // the start: those not in the network yet join it.
        for (e, m) in eligibility.rules().pinned_pairs() {
            let (mentee, mentor) = (slots.of_mentee[e as usize], slots.of_mentor[m as usize]);
            if self.known.contains(&(mentee, mentor)) {
                continue;
            }
            if let Some(pair) = eligibility.pair(e, m) {
                self.known.insert((mentee, mentor));
                self.add_pair(&pair, mentee, mentor, costs);
            }
        }
        self.arcs.cancel_drained();
        Ok(slots)
    }

    /// Slots for the current programme's people, new ones made for people not
    /// seen before.
    fn slots_for(&mut self, programme: &Programme) -> Slots {
        let simplex = &mut self.arcs.simplex;
        let mentees = &mut self.mentees;
        let (of_mentee, mentee_of) = assign(
            &mut self.mentee_keys,
            programme.mentees.iter().map(|m| &m.person.email_key),
            || {
                mentees.push(MenteeSlot {
                    node: simplex.add_node(),
                    request: None,
                    runs: Vec::new(),
                    request_runs: Vec::new(),
                });
                mentees.len() as u32 - 1
            },
        );
        let mentors = &mut self.mentors;
        let (of_mentor, mentor_of) = assign(
            &mut self.mentor_keys,
            programme.mentors.iter().map(|m| &m.person.email_key),
            || {
                mentors.push(MentorSlot {
                    node: simplex.add_node(),
                    runs: Vec::new(),
                });
                mentors.len() as u32 - 1
            },
        );
        Slots {
            of_mentee,
            mentee_of,
            of_mentor,
            mentor_of,
        }
    }

    /// Add a pair's arc between two slots.
    fn add_pair(&mut self, pair: &Pair, mentee: u32, mentor: u32, costs: &ArcCosts) {
        let (tail, head) = self.ends(pair, mentee, mentor);
        let arc = self.arcs.simplex.add_arc(tail, head, 1, costs.pair_cost(pair));
        self.pairs.push(PairArc {
            mentee,
            mentor,
            tail,
            arc,
            pair: Some(*pair),
        });
    }

    /// Solve, price, and repeat until the prices certify every eligible pair
    /// and every drained arc is empty.
    fn optimise(
        &mut self,
        eligibility: &Eligibility,
        options: SolveOptions,
        costs: &ArcCosts,
        slots: &Slots,
        start: Instant,
        warm: bool,
    ) -> Result<Solution, SolveError> {
        let programme = eligibility.programme();
        let model = eligibility.model();
        let per_mentee = options.candidates_per_mentee.max(1);
        // A warm re-solve's rounds of pricing find few pairs, each a fraction
        // of a millisecond on thousands of mentees: less than starting threads
        // (and, on a busy machine, waiting for them) costs. Results never
        // depend on the number of threads.
        let threads = if warm {
            options.threads.min(programme.mentees.len().div_ceil(10_000)).max(1)
        } else {
            options.threads
        };
        let pivots_before = self.arcs.simplex.pivots();
        let mut rounds = 1;
        if warm {
            self.arcs.simplex.solve_listed()?;
        } else {
            self.arcs.simplex.solve()?;
        }
        loop {
            let added = self.price(eligibility, costs, slots, per_mentee, threads);
            if added.is_empty() && !self.arcs.drain_harder()? {
                break;
            }
            rounds += 1;
            for pair in added {
                let (mentee, mentor) = (
                    slots.of_mentee[pair.mentee as usize],
                    slots.of_mentor[pair.mentor as usize],
                );
                self.add_pair(&pair, mentee, mentor, costs);
                self.known.insert((mentee, mentor));
            }
            // The tree so far is the start: only the new arcs can move it.
            if warm {
                self.arcs.simplex.solve_listed()?;
            } else {
                self.arcs.simplex.solve()?;
            }
        }
        self.arcs.close_drained();
        let chosen = self
            .pairs
            .iter()
            .filter(|p| self.arcs.simplex.flow(p.arc) > 0)
            .map(|p| p.pair.expect("flow only on pairs of this programme"))
            .collect();
        Ok(Solution::new(
            programme,
            model,
            chosen,
            SolveStats {
                network_nodes: self.arcs.simplex.node_count(),
                network_arcs: self.arcs.simplex.arc_count(),
                phases: (self.arcs.simplex.pivots() - pivots_before) as usize,
                rounds,
                eligible_pairs: eligibility.count(),
                time: start.elapsed(),
                warm,
                certificate: None,
                optimality: Default::default(),
            },
        ))
    }

    /// The nodes a pair's arc leaves from and goes to, between these slots.
    fn ends(&self, pair: &Pair, mentee: u32, mentor: u32) -> (usize, usize) {
        let slot = &self.mentees[mentee as usize];
        let tail = match slot.request {
            Some(node) if meets_counted_request(self.requests_counted, pair) => node,
            _ => slot.node,
        };
        (tail, self.mentors[mentor as usize].node)
    }

    /// Eligible pairs outside the network whose reduced cost under the current
    /// prices is negative: up to `per_mentee` per mentee, most negative first.
    /// Empty means the prices certify the whole network.
    fn price(
        &self,
        eligibility: &Eligibility,
        costs: &ArcCosts,
        slots: &Slots,
        per_mentee: usize,
        threads: usize,
    ) -> Vec<Pair> {
        let potential = self.arcs.simplex.prices();
        // Each grade's mentors from the highest price down: a pair can only
        // improve the flow if its mentor's price exceeds the mentee's side by more
        // than the pair's cost, so the walk stops at the first mentor too cheap
        // for even the best-scoring pair.
        let mentor_node = |m: u32| self.mentors[slots.of_mentor[m as usize] as usize].node;
        let by_grade: Vec<Vec<u32>> = eligibility
            .mentors_by_grade()
            .iter()
            .map(|mentors| {
                let mut sorted = mentors.clone();
                sorted.sort_by_key(|&m| std::cmp::Reverse(potential[mentor_node(m)]));
                sorted
            })
            .collect();
        let weights = &eligibility.model().weights;
        let programme = eligibility.programme();
        // A previous pair costs less than its score says (pins are in the
        // network from the start, so the bound need not cover them).
        let previous = costs.previous_kept.min(0);
        let price_mentees = |mentees: std::ops::Range<u32>| {
            let mut added = Vec::new();
            let mut found: Vec<(i64, Pair)> = Vec::new();
            for e in mentees {
                found.clear();
                let mentee_slot = slots.of_mentee[e as usize];
                let slot = &self.mentees[mentee_slot as usize];
                let own = potential[slot.node];
                let lowest_tail = slot.request.map_or(own, |r| own.min(potential[r]));
                // The cheapest pair this mentee can have at each gap: what the
                // gap scores, plus what their requests could add.
                let mentee = &programme.mentees[e as usize];
                let could_add = if mentee.person.profession_key.is_empty() {
                    0
                } else {
                    weights.profession
                } + if mentee.asks_for_identity() {
                    weights.identity
                } else {
                    0
                };
                let (mut cheapest, mut cheapest_gap) = (i64::MIN, u8::MAX);
                eligibility.for_mentee_in(e, &by_grade, |pair| {
                    if pair.grade_gap != cheapest_gap {
                        let low = weights.grade_gap_score(pair.grade_gap);
                        cheapest = costs.pair(low).min(costs.pair(low + could_add)) + previous;
                        cheapest_gap = pair.grade_gap;
                    }
                    let head = mentor_node(pair.mentor);
                    if cheapest + lowest_tail - potential[head] >= 0 {
                        return false;
                    }
                    let mentor_slot = slots.of_mentor[pair.mentor as usize];
                    let (tail, _) = self.ends(&pair, mentee_slot, mentor_slot);
                    let reduced = costs.pair_cost(&pair) + potential[tail] - potential[head];
                    if reduced < 0 && !self.known.contains(&(mentee_slot, mentor_slot)) {
                        found.push((reduced, pair));
                    }
                    true
                });
                if found.len() > per_mentee {
                    found.select_nth_unstable_by_key(per_mentee - 1, |&(r, p)| (r, spread(&p)));
                    found.truncate(per_mentee);
                }
                added.extend(found.iter().map(|&(_, p)| p));
            }
            added
        };
        over_mentees(programme.mentees.len(), threads, price_mentees).concat()
    }
}

/// The cost of a drained arc: above anything a path through it could gain
/// (a pin's reward, which already outweighs every other change along a
/// cycle, plus the largest arc), so a solve moves every unit off it.
fn drain_cost(eligibility: &Eligibility, costs: &ArcCosts) -> Result<i64, SolveError> {
    let programme = eligibility.programme();
    costs
        .largest_arc_cost(i64::from(eligibility.model().weights.max_score()))
        .and_then(|largest| largest.checked_add(costs.pin_reward)?.checked_add(1))
        .ok_or(SolveError::TooLarge {
            participants: programme.mentees.len() + programme.mentors.len(),
        })
}

/// A deterministic scatter of equally scored pairs, so mentees do not all pick
/// the same mentors first (which would only cost pricing rounds).
fn spread(pair: &Pair) -> u64 {
    let mut x = (u64::from(pair.mentee) << 32 | u64::from(pair.mentor)).wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Each mentee's best-scoring pairs, `per_mentee` of them, and each mentor's
/// best-scoring mentees, a third as many (so every mentor can be used from the
/// start), without duplicates.
fn first_candidates(eligibility: &Eligibility, per_mentee: usize, threads: usize) -> Vec<Pair> {
    let programme = eligibility.programme();
    let per_mentor = per_mentee.div_ceil(3);
    let chunks = over_mentees(programme.mentees.len(), threads, |mentees| {
        // Each mentor's best so far, worst first: (rank key, pair). Lower key is better.
        let mut best_for_mentor: Vec<Vec<((u32, u64), Pair)>> = vec![Vec::new(); programme.mentors.len()];
        let mut candidates = Vec::new();
        let mut mine: Vec<((u32, u64), Pair)> = Vec::new();
        for e in mentees {
            mine.clear();
            eligibility.for_mentee(e, |pair| {
                let key = (u32::MAX - pair.score, spread(&pair));
                mine.push((key, pair));
                let list = &mut best_for_mentor[pair.mentor as usize];
                if list.len() < per_mentor {
                    list.push((key, pair));
                    list.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
                } else if key < list[0].0 {
                    list[0] = (key, pair);
                    list.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
                }
            });
            // Half the best-scoring, half scattered over the rest: the best-scoring
            // mentors are everyone's favourites, and coverage needs the others too.
            let best = per_mentee / 2;
            if mine.len() > per_mentee {
                mine.select_nth_unstable_by_key(best, |&(key, _)| key);
                let (_, rest) = mine.split_at_mut(best);
                rest.select_nth_unstable_by_key(per_mentee - best - 1, |&((_, spread), _)| spread);
                mine.truncate(per_mentee);
            }
            candidates.extend(mine.iter().map(|&(_, p)| p));
        }
        (candidates, best_for_mentor)
    });
    let mut candidates = Vec::new();
    let mut best_for_mentor: Vec<Vec<((u32, u64), Pair)>> = vec![Vec::new(); programme.mentors.len()];
    for (chunk, best) in chunks {
        candidates.extend(chunk);
        for (all, some) in best_for_mentor.iter_mut().zip(best) {
            all.extend(some);
        }
    }
    for list in &mut best_for_mentor {
        // Stable, so equal keys keep mentee order, as one thread would.
        list.sort_by_key(|entry| entry.0);
        list.truncate(per_mentor);
    }
    candidates.extend(best_for_mentor.into_iter().flatten().map(|(_, p)| p));
    // Pins are made whatever the prices say, so their arcs are there from the start.
    candidates.extend(eligibility.pinned());
    candidates.sort_unstable_by_key(|p| (p.mentee, p.mentor));
    candidates.dedup_by_key(|p| (p.mentee, p.mentor));
    candidates
}

/// `work` on the mentees split into `threads` runs of consecutive mentees,
/// each on its own thread; results in mentee order, so they never depend on
/// the number of threads.
fn over_mentees<T: Send>(mentees: usize, threads: usize, work: impl Fn(std::ops::Range<u32>) -> T + Sync) -> Vec<T> {
    // Small programmes are not worth a thread.
    let threads = threads.clamp(1, mentees.div_ceil(200).max(1));
    if threads == 1 {
        return vec![work(0..mentees as u32)];
    }
    let per = mentees.div_ceil(threads);
    let ranges: Vec<std::ops::Range<u32>> = (0..threads)
        .map(|t| (t * per).min(mentees) as u32..((t + 1) * per).min(mentees) as u32)
        .collect();
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|range| scope.spawn(move || work(range)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a pricing thread does not panic"))
            .collect()
    })
}
