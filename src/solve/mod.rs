//! Solvers: turn eligible pairs into the best matching under a model's objective.
//!
//! [`network`] builds a flow network with petgraph (source -> mentees -> mentors
//! -> sink, one arc per eligible pair) whose arc costs encode the objective
//! exactly ([`objective`]); the network simplex ([`simplex`]) solves it as a
//! min-cost flow. [`solve_eligible`] prices: it solves on a few candidate pairs
//! per mentee and adds any eligible pair the simplex's prices say could still
//! help, until they certify every pair. The primal-dual solver ([`mincost`]) is
//! kept as an independent check in the tests and for the coverage certificate.

pub mod choose;
pub mod ilp;
pub mod mincost;
pub mod objective;
pub mod simplex;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::eligibility::{Eligibility, Pair};
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::Programme;
use mincost::{FlowArc, FlowError};
use objective::ArcCosts;
use simplex::{min_cost_flow_simplex, NetworkSimplex};

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
    /// No matching meets this side constraint (with those named, when it can be
    /// met alone).
    #[error("{}", infeasible_message(constraint, together_with))]
    Infeasible {
        constraint: String,
        together_with: Vec<String>,
    },
    #[error("the integer program failed: {0}")]
    IntegerProgram(String),
}

fn infeasible_message(constraint: &str, together_with: &[String]) -> String {
    let mut message = format!("no matching meets the constraint \"{constraint}\"");
    if !together_with.is_empty() {
        let earlier: Vec<String> = together_with.iter().map(|c| format!("\"{c}\"")).collect();
        message += &format!(" together with {}", earlier.join(" and "));
    }
    message + ": loosen it in the model file"
}

/// A node of the flow network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Source,
    Sink,
    Mentee(u32),
    Mentor(u32),
    /// A mentee's request layer: the pairs that meet what they asked for.
    Request(u32),
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
    /// Networks solved: 1, or more when pricing added pairs.
    pub rounds: usize,
    pub eligible_pairs: usize,
    pub time: Duration,
}

/// The flow network of a programme: petgraph's graph, and where its pair arcs start.
pub struct Network {
    pub graph: DiGraph<Node, FlowArc, u32>,
    pub source: NodeIndex<u32>,
    pub sink: NodeIndex<u32>,
    /// Edge index of the first pair arc; pair i is edge `first_pair_arc + i`.
    pub first_pair_arc: usize,
    /// Node each pair arc leaves from, by pair: the mentee's own node, or its
    /// request layer for pairs that meet the request the objective counts.
    pub pair_tails: Vec<NodeIndex<u32>>,
}

/// Where a mentee's pair arcs leave from.
#[derive(Clone, Copy)]
struct MenteeNodes {
    own: NodeIndex<u32>,
    /// Pairs meeting the counted request (identity or profession) leave from here,
    /// so the first unit through it can be rewarded once.
    request: Option<NodeIndex<u32>>,
}

/// Build the flow network for `pairs` under the model's objective.
///
/// source -> mentee (one arc per run of equally rewarded capacity units) ->
/// [request layer] -> mentor (one arc per pair, capacity 1) -> sink (per unit).
pub fn network(programme: &Programme, costs: &ArcCosts, pairs: &[Pair]) -> Network {
    let nodes = 2 + 2 * programme.mentees.len() + programme.mentors.len();
    let mut graph = DiGraph::with_capacity(nodes, pairs.len() + 4 * nodes);
    let source = graph.add_node(Node::Source);
    let sink = graph.add_node(Node::Sink);
    let mentee_nodes: Vec<MenteeNodes> = (0..programme.mentees.len() as u32)
        .map(|i| MenteeNodes {
            own: graph.add_node(Node::Mentee(i)),
            request: None,
        })
        .collect();
    let mentor_nodes: Vec<_> = (0..programme.mentors.len() as u32)
        .map(|i| graph.add_node(Node::Mentor(i)))
        .collect();
    let mut mentee_nodes = mentee_nodes;
    for (i, (mentee, nodes)) in programme.mentees.iter().zip(mentee_nodes.iter_mut()).enumerate() {
        if has_request_layer(mentee, costs) {
            nodes.request = Some(graph.add_node(Node::Request(i as u32)));
        }
    }

    let first_pair_arc = graph.edge_count();
    let mut pair_tails = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let nodes = mentee_nodes[pair.mentee as usize];
        let meets = (costs.identity_met != 0 && pair.identity_matched)
            || (costs.profession_met != 0 && pair.profession_matched);
        let tail = match nodes.request {
            Some(request) if meets => request,
            _ => nodes.own,
        };
        pair_tails.push(tail);
        graph.add_edge(
            tail,
            mentor_nodes[pair.mentor as usize],
            FlowArc {
                capacity: 1,
                cost: costs.pair(pair.score),
            },
        );
    }
    let request_cost = costs.identity_met + costs.profession_met; // at most one is set
    for (mentee, nodes) in programme.mentees.iter().zip(&mentee_nodes) {
        for (capacity, cost) in unit_arcs(&costs.mentee_unit, mentee.person.capacity) {
            graph.add_edge(source, nodes.own, FlowArc { capacity, cost });
        }
        if let Some(request) = nodes.request {
            let capacity = mentee.person.capacity;
            graph.add_edge(
                nodes.own,
                request,
                FlowArc {
                    capacity: 1,
                    cost: request_cost,
                },
            );
            if capacity > 1 {
                graph.add_edge(
                    nodes.own,
                    request,
                    FlowArc {
                        capacity: capacity - 1,
                        cost: 0,
                    },
                );
            }
        }
    }
    for (mentor, &node) in programme.mentors.iter().zip(&mentor_nodes) {
        for (capacity, cost) in unit_arcs(&costs.mentor_unit, mentor.person.capacity) {
            graph.add_edge(node, sink, FlowArc { capacity, cost });
        }
    }
    Network {
        graph,
        source,
        sink,
        first_pair_arc,
        pair_tails,
    }
}

/// Whether a mentee gets a request layer node: they can take a match, and asked
/// for what the objective counts.
fn has_request_layer(mentee: &crate::registration::Mentee, costs: &ArcCosts) -> bool {
    let asks = (costs.identity_met != 0 && mentee.asks_for_identity())
        || (costs.profession_met != 0 && !mentee.person.profession_key.is_empty());
    asks && mentee.person.capacity > 0
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

/// Why the flow solver cannot take this model, if it cannot.
pub fn flow_can_solve(model: &Model, participants: usize) -> Result<ArcCosts, SolveError> {
    if let Some(constraint) = model.constraints.first() {
        return Err(SolveError::NotFlowExpressible(format!(
            "the model has the constraint \"{}\", which only the integer program can hold",
            constraint.label()
        )));
    }
    ArcCosts::new(model, participants)
}

/// The best matching of exactly these `pairs` under the model's objective.
///
/// Ties between equally good matchings are broken by the order of `pairs`,
/// which [`crate::eligibility::eligible_pairs`] fixes by email, never by file rows.
pub fn solve(programme: &Programme, model: &Model, pairs: &[Pair]) -> Result<Solution, SolveError> {
    let start = Instant::now();
    let costs = flow_can_solve(model, programme.mentees.len() + programme.mentors.len())?;
    let network = network(programme, &costs, pairs);
    let flow = min_cost_flow_simplex(&network.graph, network.source, network.sink)?;
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
            rounds: 1,
            eligible_pairs: pairs.len(),
            time: start.elapsed(),
        },
    })
}

/// How [`solve_eligible`] works on a programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveOptions {
    /// Programmes with at most this many eligible pairs are solved on the whole
    /// network in one go; larger ones by pricing.
    pub whole_network_up_to: usize,
    /// Pairs per mentee in the first candidate network, and the most added per
    /// mentee in each pricing round.
    pub candidates_per_mentee: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            whole_network_up_to: 0,
            candidates_per_mentee: 16,
        }
    }
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
    let programme = eligibility.programme();
    let model = eligibility.model();
    let eligible = eligibility.count();
    if eligible <= options.whole_network_up_to {
        let mut solution = solve(programme, model, &eligibility.pairs())?;
        solution.stats.time = start.elapsed();
        return Ok(solution);
    }
    let costs = flow_can_solve(model, programme.mentees.len() + programme.mentors.len())?;
    let per_mentee = options.candidates_per_mentee.max(1);
    let mut candidates = first_candidates(eligibility, per_mentee);
    let mut known: HashSet<(u32, u32)> = candidates.iter().map(|p| (p.mentee, p.mentor)).collect();
    let network = network(programme, &costs, &candidates);
    let mut simplex = NetworkSimplex::new(network.graph.node_count(), network.source.index(), network.sink.index())?;
    for edge in network.graph.raw_edges() {
        simplex.add_arc(
            edge.source().index(),
            edge.target().index(),
            edge.weight.capacity,
            edge.weight.cost,
        );
    }
    // The simplex's arc number of each candidate pair, in `candidates` order.
    let mut pair_arcs: Vec<usize> = (0..candidates.len()).map(|i| network.first_pair_arc + i).collect();
    let pair_tails = network.pair_tails.iter().map(|t| t.index()).collect::<Vec<_>>();
    let (nodes, arcs) = (network.graph.node_count(), network.graph.edge_count());
    drop(network);
    simplex.solve()?;
    let layout = Layout::new(programme, &costs);
    debug_assert!(candidates
        .iter()
        .zip(&pair_tails)
        .all(|(p, &t)| layout.ends(p, &costs).0 == t));
    let mut rounds = 1;
    let mut added_arcs = 0;
    loop {
        let added = price(eligibility, &costs, &layout, &known, simplex.prices(), per_mentee);
        if added.is_empty() {
            break;
        }
        rounds += 1;
        for pair in added {
            let (tail, head) = layout.ends(&pair, &costs);
            pair_arcs.push(simplex.add_arc(tail, head, 1, costs.pair(pair.score)));
            known.insert((pair.mentee, pair.mentor));
            candidates.push(pair);
            added_arcs += 1;
        }
        // The tree so far is the start: only the new arcs can move it.
        simplex.solve()?;
    }
    let chosen = candidates
        .iter()
        .zip(&pair_arcs)
        .filter(|(_, &arc)| simplex.flow(arc) > 0)
        .map(|(pair, _)| *pair)
        .collect();
    let matching = Matching::new(chosen);
    Ok(Solution {
        objective_values: matching.objective_values(programme, &model.objective),
        matching,
        stats: SolveStats {
            network_nodes: nodes,
            network_arcs: arcs + added_arcs,
            phases: simplex.pivots() as usize,
            rounds,
            eligible_pairs: eligible,
            time: start.elapsed(),
        },
    })
}

/// Node numbers as [`network`] lays them out, for pricing pairs not in it.
struct Layout {
    mentees: usize,
    /// Each mentee's request layer node, if it has one.
    request: Vec<Option<usize>>,
}

impl Layout {
    fn new(programme: &Programme, costs: &ArcCosts) -> Layout {
        let mut next = 2 + programme.mentees.len() + programme.mentors.len();
        let request = programme
            .mentees
            .iter()
            .map(|mentee| {
                has_request_layer(mentee, costs).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        Layout {
            mentees: programme.mentees.len(),
            request,
        }
    }

    /// The nodes a pair's arc leaves from and goes to.
    fn ends(&self, pair: &Pair, costs: &ArcCosts) -> (usize, usize) {
        let meets = (costs.identity_met != 0 && pair.identity_matched)
            || (costs.profession_met != 0 && pair.profession_matched);
        let tail = match self.request[pair.mentee as usize] {
            Some(node) if meets => node,
            _ => 2 + pair.mentee as usize,
        };
        (tail, 2 + self.mentees + pair.mentor as usize)
    }
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
fn first_candidates(eligibility: &Eligibility, per_mentee: usize) -> Vec<Pair> {
    let programme = eligibility.programme();
    let per_mentor = per_mentee.div_ceil(3);
    // Each mentor's best so far, worst first: (rank key, pair). Lower key is better.
    let mut best_for_mentor: Vec<Vec<((u32, u64), Pair)>> = vec![Vec::new(); programme.mentors.len()];
    let mut candidates = Vec::new();
    let mut mine: Vec<((u32, u64), Pair)> = Vec::new();
    for e in 0..programme.mentees.len() as u32 {
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
    candidates.extend(best_for_mentor.into_iter().flatten().map(|(_, p)| p));
    candidates.sort_unstable_by_key(|p| (p.mentee, p.mentor));
    candidates.dedup_by_key(|p| (p.mentee, p.mentor));
    candidates
}

/// Eligible pairs outside `candidates` whose reduced cost under `potential` is
/// negative: up to `per_mentee` per mentee, most negative first. Empty means the
/// potentials certify the whole network.
fn price(
    eligibility: &Eligibility,
    costs: &ArcCosts,
    layout: &Layout,
    known: &HashSet<(u32, u32)>,
    potential: &[i64],
    per_mentee: usize,
) -> Vec<Pair> {
    // Each grade's mentors from the highest price down: a pair can only
    // improve the flow if its mentor's price exceeds the mentee's side by more
    // than the pair's cost, so the walk stops at the first mentor too cheap
    // for even the best-scoring pair.
    let mentor_node = |m: u32| 2 + layout.mentees + m as usize;
    let by_grade: Vec<Vec<u32>> = eligibility
        .mentors_by_grade()
        .iter()
        .map(|mentors| {
            let mut sorted = mentors.clone();
            sorted.sort_by_key(|&m| std::cmp::Reverse(potential[mentor_node(m)]));
            sorted
        })
        .collect();
    let cheapest_pair = costs.pair(eligibility.model().weights.max_score()).min(costs.pair(0));
    let mut added = Vec::new();
    let mut found: Vec<(i64, Pair)> = Vec::new();
    for e in 0..layout.mentees as u32 {
        found.clear();
        let own = potential[2 + e as usize];
        let lowest_tail = layout.request[e as usize].map_or(own, |r| own.min(potential[r]));
        eligibility.for_mentee_in(e, &by_grade, |pair| {
            let head = mentor_node(pair.mentor);
            if cheapest_pair + lowest_tail - potential[head] >= 0 {
                return false;
            }
            let (tail, _) = layout.ends(&pair, costs);
            let reduced = costs.pair(pair.score) + potential[tail] - potential[head];
            if reduced < 0 && !known.contains(&(pair.mentee, pair.mentor)) {
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
}
