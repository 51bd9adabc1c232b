//! Solving by pricing, and solving again, warm, after the programme changes.
//!
//! A dense programme has far more eligible pairs than a matching can use, so
//! [`solve_eligible`] solves on a few candidate pairs per mentee and adds any
//! eligible pair the simplex's prices say could still help, until the prices
//! certify every pair (column generation).
//!
//! The solved network is kept as a [`WarmStart`]. A what-if scenario changes
//! capacities, rules, weights or mentors a little; when the old flow still fits
//! the changed programme (more capacity, a wider window, extra mentors, new
//! weights), the old tree is the start and only the changes are pivoted in.
//! When it does not (flow on a pair the new rules forbid), the programme is
//! solved from scratch. Either way the answer is exact.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::objective::ArcCosts;
use super::simplex::NetworkSimplex;
use super::{flow_can_solve, has_request_layer, network, solve, Node, Solution, SolveError, SolveOptions, SolveStats};
use crate::eligibility::{Eligibility, Pair};

/// Source and sink, as [`network`] numbers them; mentee `e` is node `2 + e`.
const SOURCE: usize = 0;
const SINK: usize = 1;

fn mentee_node(mentee: u32) -> usize {
    2 + mentee as usize
}

/// Arcs for a run of a person's capacity units that cost the same: units
/// `first..first + units`.
#[derive(Clone, Copy, Debug)]
struct Run {
    first: u32,
    units: u32,
    arc: usize,
}

/// A candidate pair's arc. Mentors are named by slot, which outlives their
/// place in any one programme's list.
#[derive(Clone, Copy, Debug)]
struct PairArc {
    mentee: u32,
    slot: u32,
    arc: usize,
}

/// A programme's network, solved by pricing, kept so a changed programme can be
/// solved from it.
#[derive(Clone)]
pub struct WarmStart {
    simplex: NetworkSimplex,
    /// Whether identity and profession requests are counted: which pairs leave
    /// from a request layer.
    requests_counted: (bool, bool),
    mentee_keys: Vec<String>,
    /// Each mentee's request layer node, once they have one.
    request: Vec<Option<usize>>,
    /// Source to mentee, by mentee.
    mentee_runs: Vec<Vec<Run>>,
    /// Mentee to request layer: the first unit earns the request's reward.
    request_runs: Vec<Vec<Run>>,
    /// Mentors by email key, each with a slot: a node and arcs to the sink.
    slot_of_key: HashMap<String, u32>,
    slot_node: Vec<usize>,
    slot_runs: Vec<Vec<Run>>,
    pairs: Vec<PairArc>,
    known: HashSet<(u32, u32)>,
}

/// Where the current programme's mentors sit among the slots.
struct Slots {
    of_mentor: Vec<u32>,
    mentor_of: Vec<Option<u32>>,
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

impl WarmStart {
    /// Solve from scratch by pricing; the network is kept for [`WarmStart::resolve`].
    pub fn solve(eligibility: &Eligibility, options: SolveOptions) -> Result<(Solution, WarmStart), SolveError> {
        let start = Instant::now();
        let mut state = WarmStart::cold(eligibility, options)?;
        let solution = state.optimise(eligibility, options, start, false)?;
        Ok((solution, state))
    }

    /// Solve a changed programme, starting from this one's tree when its flow
    /// still fits the change, else from scratch. Mentees must be the same
    /// people for a warm start; mentors are recognised by email.
    pub fn resolve(
        mut self,
        eligibility: &Eligibility,
        options: SolveOptions,
    ) -> Result<(Solution, WarmStart), SolveError> {
        let start = Instant::now();
        let costs = flow_can_solve(
            eligibility.model(),
            eligibility.programme().mentees.len() + eligibility.programme().mentors.len(),
        )?;
        if !self.fit(eligibility, &costs) {
            return WarmStart::solve(eligibility, options);
        }
        let solution = self.optimise(eligibility, options, start, true)?;
        Ok((solution, self))
    }

    /// The network of the first candidate pairs, unsolved.
    fn cold(eligibility: &Eligibility, options: SolveOptions) -> Result<WarmStart, SolveError> {
        let programme = eligibility.programme();
        let costs = flow_can_solve(eligibility.model(), programme.mentees.len() + programme.mentors.len())?;
        let candidates = first_candidates(eligibility, options.candidates_per_mentee.max(1), options.threads);
        let network = network(programme, &costs, &candidates);
        debug_assert!(network.source.index() == SOURCE && network.sink.index() == SINK);
        let graph = &network.graph;
        let mut simplex = NetworkSimplex::new(graph.node_count(), SOURCE, SINK)?;
        let mentees = programme.mentees.len();
        let mut state = WarmStart {
            requests_counted: (costs.identity_met != 0, costs.profession_met != 0),
            mentee_keys: programme.mentees.iter().map(|m| m.person.email_key.clone()).collect(),
            request: vec![None; mentees],
            mentee_runs: vec![Vec::new(); mentees],
            request_runs: vec![Vec::new(); mentees],
            slot_of_key: HashMap::with_capacity(programme.mentors.len()),
            slot_node: Vec::with_capacity(programme.mentors.len()),
            slot_runs: vec![Vec::new(); programme.mentors.len()],
            pairs: Vec::with_capacity(candidates.len()),
            known: candidates.iter().map(|p| (p.mentee, p.mentor)).collect(),
            // Replaced by the network below, once its arcs are recorded.
            simplex: NetworkSimplex::new(2, 0, 1)?,
        };
        for (i, mentor) in programme.mentors.iter().enumerate() {
            state.slot_of_key.insert(mentor.person.email_key.clone(), i as u32);
            state.slot_node.push(2 + mentees + i);
        }
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
                    record(&mut state.mentee_runs[e as usize], edge.weight.capacity, arc)
                }
                (Node::Mentee(e), Node::Request(_)) => {
                    state.request[e as usize] = Some(head.index());
                    record(&mut state.request_runs[e as usize], edge.weight.capacity, arc)
                }
                (Node::Mentor(m), Node::Sink) => record(&mut state.slot_runs[m as usize], edge.weight.capacity, arc),
                (_, Node::Mentor(_)) => {
                    let pair = candidates[i - network.first_pair_arc];
                    state.pairs.push(PairArc {
                        mentee: pair.mentee,
                        slot: pair.mentor,
                        arc,
                    });
                }
                _ => unreachable!("the network has no other kind of arc"),
            }
        }
        simplex.start_from(&network.first_tree());
        state.simplex = simplex;
        Ok(state)
    }

    /// Change the network to the new programme's capacities, pairs and costs,
    /// keeping the flow; false if the flow does not fit (then nothing useful is
    /// left of the network and it is solved from scratch).
    fn fit(&mut self, eligibility: &Eligibility, costs: &ArcCosts) -> bool {
        let programme = eligibility.programme();
        if (costs.identity_met != 0, costs.profession_met != 0) != self.requests_counted
            || programme.mentees.len() != self.mentee_keys.len()
            || programme
                .mentees
                .iter()
                .zip(&self.mentee_keys)
                .any(|(m, key)| &m.person.email_key != key)
        {
            return false;
        }
        let slots = self.slots_for(eligibility);
        let request_cost = costs.identity_met + costs.profession_met;
        for (e, mentee) in programme.mentees.iter().enumerate() {
            let capacity = mentee.person.capacity;
            let own = mentee_node(e as u32);
            if !fit_runs(
                &mut self.simplex,
                &mut self.mentee_runs[e],
                capacity,
                |k| costs.mentee_unit_cost(mentee, k),
                (SOURCE, own),
            ) {
                return false;
            }
            if self.request[e].is_none() && has_request_layer(mentee, costs) {
                self.request[e] = Some(self.simplex.add_node());
            }
            if let Some(request) = self.request[e] {
                let unit = |k: usize| if k == 0 { request_cost } else { 0 };
                if !fit_runs(
                    &mut self.simplex,
                    &mut self.request_runs[e],
                    capacity,
                    unit,
                    (own, request),
                ) {
                    return false;
                }
            }
        }
        for slot in 0..self.slot_node.len() {
            let capacity = slots.mentor_of[slot].map_or(0, |m| programme.mentors[m as usize].person.capacity);
            let node = self.slot_node[slot];
            if !fit_runs(
                &mut self.simplex,
                &mut self.slot_runs[slot],
                capacity,
                |k| costs.mentor_unit[k],
                (node, SINK),
            ) {
                return false;
            }
        }
        for pair_arc in &self.pairs {
            let pair = slots.mentor_of[pair_arc.slot as usize].and_then(|m| eligibility.pair(pair_arc.mentee, m));
            match pair {
                Some(pair) => {
                    self.simplex.set_cost(pair_arc.arc, costs.pair_cost(&pair));
                    self.simplex.open(pair_arc.arc);
                }
                None if self.simplex.close(pair_arc.arc) => {}
                None => return false,
            }
        }
        true
    }

    /// Slots for the current programme's mentors, new ones made for mentors
    /// not seen before.
    fn slots_for(&mut self, eligibility: &Eligibility) -> Slots {
        let programme = eligibility.programme();
        let mut of_mentor = Vec::with_capacity(programme.mentors.len());
        for mentor in &programme.mentors {
            let slot = match self.slot_of_key.get(&mentor.person.email_key) {
                Some(&slot) => slot,
                None => {
                    let slot = self.slot_node.len() as u32;
                    self.slot_of_key.insert(mentor.person.email_key.clone(), slot);
                    self.slot_node.push(self.simplex.add_node());
                    self.slot_runs.push(Vec::new());
                    slot
                }
            };
            of_mentor.push(slot);
        }
        let mut mentor_of = vec![None; self.slot_node.len()];
        for (m, &slot) in of_mentor.iter().enumerate() {
            mentor_of[slot as usize] = Some(m as u32);
        }
        Slots { of_mentor, mentor_of }
    }

    /// Solve, price, and repeat until the prices certify every eligible pair.
    fn optimise(
        &mut self,
        eligibility: &Eligibility,
        options: SolveOptions,
        start: Instant,
        warm: bool,
    ) -> Result<Solution, SolveError> {
        let programme = eligibility.programme();
        let model = eligibility.model();
        let costs = flow_can_solve(model, programme.mentees.len() + programme.mentors.len())?;
        let slots = self.slots_for(eligibility);
        let per_mentee = options.candidates_per_mentee.max(1);
        let pivots_before = self.simplex.pivots();
        let mut rounds = 1;
        self.simplex.solve()?;
        loop {
            let added = self.price(eligibility, &costs, &slots, per_mentee, options.threads);
            if added.is_empty() {
                break;
            }
            rounds += 1;
            for pair in added {
                let slot = slots.of_mentor[pair.mentor as usize];
                let (tail, head) = self.ends(&pair, slot);
                let arc = self.simplex.add_arc(tail, head, 1, costs.pair_cost(&pair));
                self.pairs.push(PairArc {
                    mentee: pair.mentee,
                    slot,
                    arc,
                });
                self.known.insert((pair.mentee, slot));
            }
            // The tree so far is the start: only the new arcs can move it.
            self.simplex.solve()?;
        }
        let chosen = self
            .pairs
            .iter()
            .filter(|p| self.simplex.flow(p.arc) > 0)
            .map(|p| {
                let mentor = slots.mentor_of[p.slot as usize].expect("flow only on pairs of this programme");
                eligibility.pair(p.mentee, mentor).expect("flow only on eligible pairs")
            })
            .collect();
        Ok(Solution::new(
            programme,
            model,
            chosen,
            SolveStats {
                network_nodes: self.simplex.node_count(),
                network_arcs: self.simplex.arc_count(),
                phases: (self.simplex.pivots() - pivots_before) as usize,
                rounds,
                eligible_pairs: eligibility.count(),
                time: start.elapsed(),
                warm,
                certificate: None,
                optimality: Default::default(),
            },
        ))
    }

    /// The nodes a pair's arc leaves from and goes to.
    fn ends(&self, pair: &Pair, slot: u32) -> (usize, usize) {
        let (identity, profession) = self.requests_counted;
        let meets = (identity && pair.identity_matched) || (profession && pair.profession_matched);
        let tail = match self.request[pair.mentee as usize] {
            Some(node) if meets => node,
            _ => mentee_node(pair.mentee),
        };
        (tail, self.slot_node[slot as usize])
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
        let potential = self.simplex.prices();
        // Each grade's mentors from the highest price down: a pair can only
        // improve the flow if its mentor's price exceeds the mentee's side by more
        // than the pair's cost, so the walk stops at the first mentor too cheap
        // for even the best-scoring pair.
        let mentor_node = |m: u32| self.slot_node[slots.of_mentor[m as usize] as usize];
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
        let price_mentees = |mentees: std::ops::Range<u32>| {
            let mut added = Vec::new();
            let mut found: Vec<(i64, Pair)> = Vec::new();
            for e in mentees {
                found.clear();
                let own = potential[mentee_node(e)];
                let lowest_tail = self.request[e as usize].map_or(own, |r| own.min(potential[r]));
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
                        cheapest = costs.pair(low).min(costs.pair(low + could_add));
                        cheapest_gap = pair.grade_gap;
                    }
                    let head = mentor_node(pair.mentor);
                    if cheapest + lowest_tail - potential[head] >= 0 {
                        return false;
                    }
                    let slot = slots.of_mentor[pair.mentor as usize];
                    let (tail, _) = self.ends(&pair, slot);
                    let reduced = costs.pair_cost(&pair) + potential[tail] - potential[head];
                    if reduced < 0 && !self.known.contains(&(pair.mentee, slot)) {
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
        over_mentees(self.mentee_keys.len(), threads, price_mentees).concat()
    }
}

/// Fit a person's capacity arcs to a new capacity and unit costs: runs inside
/// the capacity take the new cost, runs beyond it close, and units beyond the
/// runs get new arcs. False if a run cannot: it is split by the new capacity or
/// costs, or must close while carrying flow.
fn fit_runs(
    simplex: &mut NetworkSimplex,
    runs: &mut Vec<Run>,
    capacity: u32,
    unit_cost: impl Fn(usize) -> i64,
    (tail, head): (usize, usize),
) -> bool {
    let mut covered = 0;
    for run in runs.iter() {
        let end = run.first + run.units;
        covered = end;
        if end <= capacity {
            let cost = unit_cost(run.first as usize);
            if (run.first..end).any(|k| unit_cost(k as usize) != cost) {
                return false;
            }
            simplex.set_cost(run.arc, cost);
            simplex.open(run.arc);
        } else if run.first >= capacity {
            if !simplex.close(run.arc) {
                return false;
            }
        } else {
            return false;
        }
    }
    let mut k = covered;
    while k < capacity {
        let cost = unit_cost(k as usize);
        let mut units = 1;
        while k + units < capacity && unit_cost((k + units) as usize) == cost {
            units += 1;
        }
        let arc = simplex.add_arc(tail, head, units, cost);
        runs.push(Run { first: k, units, arc });
        k += units;
    }
    true
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
