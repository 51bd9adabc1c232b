//! A floor on identity requests met, decided by flows: a lexicographic
//! Lagrangian relaxation with the network simplex as its subproblem, and a walk
//! on the optimal face to close the gap.
//!
//! The constraint is `I(x) >= N`, where `I` counts mentees who asked to share an
//! identity and have a match who does. `I` is a flow quantity: a request layer
//! per mentee rewards the first unit through it. So the relaxed objective
//! `Λ = (L_1, .., L_{p-1}, den·L_p + num·I, L_{p+1}, .., L_k)` (the multiplier
//! `num/den` placed at level `p`; or `I` as a level of its own before level
//! `p`) is an objective the flow solves exactly, with any cap on mentees from
//! one organisation held by the network too.
//!
//! **The proof.** If a flow `x` is lexicographically optimal for such a `Λ`
//! with `num > 0` (or `I` as a level of its own) and `I(x) = N`, then `x` is the
//! lexicographic optimum of `(L_1, .., L_k)` among matchings with `I >= N`. For
//! any such matching `y`: on levels before `p` `x` is at least as good; where
//! they tie, `den·L_p(x) + num·N >= den·L_p(y) + num·I(y) >= den·L_p(y) + num·N`,
//! so `L_p(x) >= L_p(y)`, and where that ties too `I(y) = N`, so every later
//! level of `Λ` is a level of the objective, on which `x` is optimal. That is
//! the answer's certificate: the multiplier, and `I = N`.
//!
//! **The search.** `I` of the optimal flow rises with the multiplier (ordered:
//! a level of its own earlier beats one later; at one level, larger `num/den`).
//! First the level: the last `p` at which `I` as its own level before `L_p`
//! still reaches `N`. Then the ratio at level `p`, by the breakpoint (Newton)
//! search between a flow below the floor and one above: the ratio at which
//! both are worth the same, solved; a better flow there replaces one end, else
//! the ratio is the breakpoint. Each step is one network solve.
//!
//! **The gap.** At the breakpoint the optimal flows of `Λ` are one face of the
//! flow polytope, on which `I` is spread on both sides of `N`. Any of them
//! with `I = N` is the answer (the certificate above), so the method walks on
//! that face: with the simplex's prices, arcs of reduced cost 0 are free, and a
//! cycle of such arcs through exactly one request arc moves `I` by one without
//! changing the relaxed objective. When no such cycle is left the method says
//! it cannot decide, and the caller falls back on the integer program.

use std::collections::VecDeque;

use super::SolveError;
use std::time::Instant;

use super::capped::Pricer;
use super::flow::FlowSolution;
use super::simplex::NetworkSimplex;
use super::{flow_can_solve, network_capped, solve_network, Network, Node, Solution, SolveStats};
use crate::eligibility::Pair;
use crate::model::{Constraint, Model, Term};
use crate::registration::Programme;

/// Where identity requests enter the relaxed objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiplier {
    /// As a level of their own, before objective level `level` (0-based; the
    /// number of levels for "after every level").
    Before(usize),
    /// Mixed into objective level `level` as `den x level + num x requests met`.
    Mixed {
        /// The objective level, 0-based.
        level: usize,
        /// Weight of identity requests met.
        num: u64,
        /// Weight of the level's own value.
        den: u64,
    },
}

impl Multiplier {
    /// A one-line statement of the certificate, for reports.
    pub fn describe(&self, model: &Model) -> String {
        let label = |l: usize| {
            model
                .objective
                .get(l)
                .map_or_else(|| "the last level".to_string(), |t| format!("\"{}\"", t.label()))
        };
        match *self {
            Multiplier::Before(l) if l >= model.objective.len() => {
                "identity requests met as a last level of its own".to_string()
            }
            Multiplier::Before(l) => format!("identity requests met as a level of its own before {}", label(l)),
            Multiplier::Mixed { level, num, den } => format!(
                "level {} as {den} x {} + {num} x identity requests met",
                level + 1,
                label(level)
            ),
        }
    }
}

/// The optimum and its certificate.
pub struct Certified {
    /// The optimum found.
    pub solution: Solution,
    /// The multiplier whose relaxation it is optimal for.
    pub multiplier: Multiplier,
    /// Network solves spent.
    pub solves: usize,
}

/// Most breakpoint steps before giving up (each one network solve).
const MAX_STEPS: usize = 60;

/// The model's objective with identity requests entered at `m`; none when the
/// weights would not fit.
pub(crate) fn relaxed_model(model: &Model, m: Multiplier) -> Option<Model> {
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let identity = |weight: u32| Term::IdentityRequestsMet { weight };
    match m {
        Multiplier::Before(level) => relaxed.objective.insert(level.min(model.objective.len()), identity(1)),
        Multiplier::Mixed { level, num, den } => {
            let den = u32::try_from(den).ok()?;
            let num = u32::try_from(num).ok()?;
            let mut terms = Vec::new();
            for (part, weight) in model.objective.get(level)?.parts() {
                let mut part = part.clone();
                let scaled = weight.checked_mul(den)?;
                match &mut part {
                    Term::MenteesWithAtLeast { weight, .. }
                    | Term::PriorityMenteesWithAtLeast { weight, .. }
                    | Term::MentorsWithAtLeast { weight, .. }
                    | Term::IdentityRequestsMet { weight }
                    | Term::ProfessionRequestsMet { weight }
                    | Term::TotalScore { weight }
                    | Term::Pairs { weight }
                    | Term::PreviousPairsKept { weight } => *weight = scaled,
                    Term::WeightedSum { .. } => return None,
                }
                terms.push(part);
            }
            terms.push(identity(num));
            relaxed.objective[level] = Term::WeightedSum { terms };
        }
    }
    Some(relaxed)
}

/// One relaxed solve: the matching, its `I`, and its original objective values.
struct Point {
    solution: Solution,
    met: u64,
    values: Vec<i64>,
}

struct Search<'a> {
    programme: &'a Programme,
    model: &'a Model,
    pairs: &'a [Pair],
    organisation_cap: Option<u32>,
    solves: usize,
    /// Relaxations by pricing, each starting from the pairs earlier ones needed.
    pricer: Pricer<'a>,
    /// The network simplex of the last relaxation, which the next one goes on
    /// from: every relaxation has the same network, only its costs change.
    warm: Option<NetworkSimplex>,
}

impl Search<'_> {
    fn point(&self, solution: Solution) -> Point {
        let met = solution.matching.mentees_with(self.programme, |p| p.identity_matched) as u64;
        let values = solution
            .matching
            .objective_values(self.programme, &self.model.objective);
        Point { solution, met, values }
    }

    /// One relaxation by pricing over the eligible pairs: enough where only
    /// its optimum's values are read (with requests as a level of their own,
    /// every optimum meets as many), not the flow itself.
    fn solve(&mut self, m: Multiplier) -> Option<Point> {
        let relaxed = relaxed_model(self.model, m)?;
        self.solves += 1;
        let solution = self.pricer.solve_capped(&relaxed, self.organisation_cap).ok()?;
        Some(self.point(solution))
    }

    /// One relaxation, from the last one's tree: its optimum, network and flow.
    fn solve_warm(&mut self, m: Multiplier) -> Option<(Point, Network, FlowSolution)> {
        let start = Instant::now();
        let relaxed = relaxed_model(self.model, m)?;
        let (programme, pairs, cap) = (self.programme, self.pairs, self.organisation_cap);
        // As `solve_network` counts the people a cycle can pass.
        let people = match cap {
            None => programme.mentees.len() + programme.mentors.len(),
            Some(_) => 2 * programme.mentees.len() + programme.mentors.len(),
        };
        let costs = flow_can_solve(&relaxed, people).ok()?;
        let network = network_capped(programme, &costs, pairs, cap, None);
        let edges = network.graph.raw_edges();
        let simplex = match &mut self.warm {
            Some(simplex) if simplex.arc_count() == edges.len() => {
                for (i, e) in edges.iter().enumerate() {
                    simplex.set_cost(i, e.weight.cost);
                }
                simplex
            }
            slot => {
                let mut simplex =
                    NetworkSimplex::new(network.graph.node_count(), network.source.index(), network.sink.index())
                        .ok()?;
                for e in edges {
                    simplex.add_arc(e.source().index(), e.target().index(), e.weight.capacity, e.weight.cost);
                }
                simplex.start_from(&network.first_tree());
                slot.insert(simplex)
            }
        };
        let pivots = simplex.pivots();
        simplex.solve().ok()?;
        let flow = simplex.solution(edges.iter().map(|e| e.weight.cost));
        self.solves += 1;
        let chosen = pairs
            .iter()
            .enumerate()
            .filter(|(i, _)| flow.flow[network.first_pair_arc + i] > 0)
            .map(|(_, p)| *p)
            .collect();
        let stats = SolveStats {
            network_nodes: network.graph.node_count(),
            network_arcs: edges.len(),
            phases: (simplex.pivots() - pivots) as usize,
            rounds: 1,
            eligible_pairs: pairs.len(),
            time: start.elapsed(),
            warm: true,
            ..SolveStats::default()
        };
        let point = self.point(Solution::new(programme, &relaxed, chosen, stats));
        Some((point, network, flow))
    }

    fn solve_capped(&mut self, m: Multiplier, organisation_cap: Option<u32>) -> Option<Point> {
        let relaxed = relaxed_model(self.model, m)?;
        self.solves += 1;
        let (_, _, solution) = solve_network(self.programme, &relaxed, self.pairs, organisation_cap, None).ok()?;
        Some(self.point(solution))
    }

    /// The first constraint that cannot be met with those before it, in the
    /// model's order (alone when it cannot be met on its own), as
    /// [`SolveError::Infeasible`]: a set of floors and caps can be met when the
    /// most requests a flow can meet under its tightest cap reach its highest floor.
    fn which_fails(&mut self) -> Option<SolveError> {
        let constraints = &self.model.constraints;
        let asked = self.programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
        let mut most: Vec<(Option<u32>, u64)> = Vec::new();
        let mut feasible = |search: &mut Self, which: &[usize]| -> Option<bool> {
            let mut needed = 0;
            let mut cap: Option<u32> = None;
            for &i in which {
                match constraints[i] {
                    Constraint::IdentityRequestsMetAtLeast { percent } => {
                        needed = needed.max((u64::from(percent) * asked).div_ceil(100))
                    }
                    Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                        cap = Some(cap.map_or(mentees, |c| c.min(mentees)))
                    }
                    Constraint::CoverageFloor { .. } => return None,
                }
            }
            if needed == 0 {
                return Some(true);
            }
            let met = match most.iter().find(|(c, _)| *c == cap) {
                Some(&(_, met)) => met,
                None => {
                    let met = search.solve_capped(Multiplier::Before(0), cap)?.met;
                    most.push((cap, met));
                    met
                }
            };
            Some(met >= needed)
        };
        SolveError::first_infeasible(constraints, |which| feasible(self, which))
    }
}

/// What [`identity_floor`] found.
pub enum Decided {
    /// The optimum, with its certificate.
    Optimal(Certified),
    /// No matching meets the constraints; the error names which.
    Infeasible(SolveError),
    /// The gap is left open (see [`Undecided`]).
    Undecided(Undecided),
}

/// What the relaxation proves when it cannot close the gap.
pub struct Undecided {
    /// A matching that meets the floor (and cap) and reaches the optimum on
    /// every level before `level`.
    pub best: crate::matching::Matching,
    /// The level (0-based) left open.
    pub level: usize,
    /// No matching that meets the floor and reaches the optimum on the levels
    /// before `level` has more than this there.
    pub bound: i64,
    /// The last multiplier the relaxation tried, when it mixed requests into
    /// a level: a search can bound with it.
    pub multiplier: Option<Multiplier>,
}

/// The best matching with at least `needed` identity requests met (and the
/// organisation cap, if any), with its certificate, or which constraint no
/// matching meets; none when this method cannot decide (the caller then asks
/// the integer program).
pub fn identity_floor(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
    needed: u64,
) -> Option<Decided> {
    let levels = model.objective.len();
    let mut search = Search {
        programme,
        model,
        pairs,
        organisation_cap,
        solves: 0,
        pricer: Pricer::new(programme, pairs),
        warm: None,
    };
    let done = |search: &Search, point: Point, multiplier: Multiplier| {
        let mut solution = point.solution;
        solution.objective_values = point.values; // the model's levels, not the relaxation's
        Some(Decided::Optimal(Certified {
            solution,
            multiplier,
            solves: search.solves,
        }))
    };
    // The level: the last p at which requests as a level before L_p reach the floor.
    let mut above: Option<(usize, Point)> = None;
    let mut below: Option<Point> = None;
    for p in (0..=levels).rev() {
        let point = search.solve(Multiplier::Before(p))?;
        if point.met >= needed {
            if point.met == needed || p == levels {
                // At p = levels every level is at the unconstrained optimum.
                return done(&search, point, Multiplier::Before(p));
            }
            above = Some((p, point));
            break;
        }
        below = Some(point);
    }
    let Some((level, mut high)) = above else {
        // Not even with requests first: no matching meets the floor.
        return search.which_fails().map(Decided::Infeasible);
    };
    let mut low = below?;
    // Every matching that meets the floor and reaches the optimum on the levels
    // before `level` has at most `low`'s value there (requests come after it).
    let mut bound = low.values[level];
    let mut last = None;
    // The ratio at `level`, between `low` (below the floor) and `high`.
    for _ in 0..MAX_STEPS {
        let gain = low.values[level] - high.values[level];
        let Some(cost) = high.met.checked_sub(low.met) else {
            break;
        };
        if gain <= 0 || cost == 0 {
            break; // not the shape the search expects
        }
        let (num, den) = reduced(gain as u64, cost);
        let multiplier = Multiplier::Mixed { level, num, den };
        last = Some(multiplier);
        let worth =
            |p: &Point| i128::from(den as i64) * i128::from(p.values[level]) + i128::from(num) * i128::from(p.met);
        let tie = worth(&low);
        let Some((point, network, flow)) = search.solve_warm(multiplier) else {
            break;
        };
        if point.met == needed {
            return done(&search, point, multiplier);
        }
        // The relaxation's bound: den x L + num x N <= worth(point) for every
        // matching that meets the floor and ties on the earlier levels.
        let relaxed_bound = (worth(&point) - i128::from(num) * i128::from(needed)).div_euclid(i128::from(den));
        bound = bound.min(i64::try_from(relaxed_bound).unwrap_or(i64::MAX));
        if worth(&point) > tie {
            if point.met > needed {
                high = point;
            } else {
                low = point;
            }
            continue;
        }
        // The breakpoint: walk on the optimal face to exactly the floor.
        if let Some(chosen) = walk_to(programme, pairs, &network, &flow, needed) {
            let walked = search.point(Solution::new(programme, model, chosen, point.solution.stats.clone()));
            if walked.met == needed && worth(&walked) == tie && walked.values[..level] == point.values[..level] {
                return done(&search, walked, multiplier);
            }
        }
        break;
    }
    Some(Decided::Undecided(Undecided {
        best: high.solution.matching,
        level,
        bound,
        multiplier: last,
    }))
}

fn reduced(a: u64, b: u64) -> (u64, u64) {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    (a / x, b / x)
}

/// From an optimal flow, move along cycles of zero reduced cost, each through
/// exactly one first-unit request arc, until `needed` mentees have their request
/// met; the pairs of that flow, or none when no such cycle is left.
fn walk_to(
    programme: &Programme,
    pairs: &[Pair],
    network: &super::Network,
    flow: &FlowSolution,
    needed: u64,
) -> Option<Vec<Pair>> {
    let graph = &network.graph;
    let n = graph.node_count();
    let edges = graph.raw_edges();
    let mut units: Vec<u32> = flow.flow.clone();
    let reduced = |i: usize| {
        let e = &edges[i];
        e.weight.cost + flow.potential[e.source().index()] - flow.potential[e.target().index()]
    };
    // The first-unit request arc of each mentee with a request layer.
    let mut request_arc: Vec<Option<usize>> = vec![None; programme.mentees.len()];
    let mut is_request = vec![false; edges.len()];
    for (i, e) in edges.iter().enumerate() {
        if let (Node::Mentee(m), Node::Request(_)) = (graph[e.source()], graph[e.target()]) {
            if request_arc[m as usize].is_none() {
                request_arc[m as usize] = Some(i);
                is_request[i] = true;
            }
        }
    }
    let tight: Vec<bool> = (0..edges.len()).map(|i| reduced(i) == 0).collect();
    // The way back from sink to source is free when their prices agree.
    let (source, sink) = (network.source.index(), network.sink.index());
    let free_return = flow.potential[source] == flow.potential[sink];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if tight[i] && !is_request[i] {
            outgoing[e.source().index()].push(i);
            incoming[e.target().index()].push(i);
        }
    }
    let mut value: u64 = flow.value;
    let met = |units: &[u32]| request_arc.iter().flatten().filter(|&&a| units[a] > 0).count() as u64;
    let mut current = met(&units);
    // A path in the tight residual graph, without request arcs, from `from` to `to`.
    #[derive(Clone, Copy)]
    enum Step {
        Forward(usize),
        Backward(usize),
        Return(bool), // sink -> source (true) or back (false)
    }
    let path = |units: &[u32], value: u64, from: usize, to: usize| -> Option<Vec<Step>> {
        let mut came: Vec<Option<(usize, Step)>> = vec![None; n];
        let mut seen = vec![false; n];
        seen[from] = true;
        let mut queue = VecDeque::from([from]);
        while let Some(v) = queue.pop_front() {
            if v == to {
                let mut steps = Vec::new();
                let mut at = to;
                while at != from {
                    let (prev, step) = came[at]?;
                    steps.push(step);
                    at = prev;
                }
                return Some(steps);
            }
            let mut next: Vec<(usize, Step)> = Vec::new();
            for &i in &outgoing[v] {
                if units[i] < edges[i].weight.capacity {
                    next.push((edges[i].target().index(), Step::Forward(i)));
                }
            }
            for &i in &incoming[v] {
                if units[i] > 0 {
                    next.push((edges[i].source().index(), Step::Backward(i)));
                }
            }
            if free_return && v == sink {
                next.push((source, Step::Return(true)));
            }
            if free_return && v == source && value > 0 {
                next.push((sink, Step::Return(false)));
            }
            for (w, step) in next {
                if !seen[w] {
                    seen[w] = true;
                    came[w] = Some((v, step));
                    queue.push_back(w);
                }
            }
        }
        None
    };
    while current != needed {
        let down = current > needed;
        let mut moved = false;
        for arc in request_arc.iter().flatten().copied() {
            let e = &edges[arc];
            if !tight[arc] || (down && units[arc] == 0) || (!down && units[arc] >= e.weight.capacity) {
                continue;
            }
            let (own, request) = (e.source().index(), e.target().index());
            // Down: back along the arc, then own -> request. Up: along it, then back.
            let (from, to) = if down { (own, request) } else { (request, own) };
            let Some(steps) = path(&units, value, from, to) else {
                continue;
            };
            if down {
                units[arc] -= 1;
            } else {
                units[arc] += 1;
            }
            for step in steps {
                match step {
                    Step::Forward(i) => units[i] += 1,
                    Step::Backward(i) => units[i] -= 1,
                    Step::Return(true) => value += 1,
                    Step::Return(false) => value -= 1,
                }
            }
            moved = true;
            break;
        }
        if !moved {
            return None;
        }
        let now = met(&units);
        if now.abs_diff(current) != 1 {
            return None;
        }
        current = now;
    }
    // Only arcs of reduced cost 0 moved: the relaxed objective is unchanged.
    let cost: i128 = units
        .iter()
        .zip(edges)
        .map(|(&f, e)| i128::from(f) * i128::from(e.weight.cost))
        .sum();
    if cost != flow.cost {
        return None;
    }
    Some(
        pairs
            .iter()
            .enumerate()
            .filter(|(i, _)| units[network.first_pair_arc + i] > 0)
            .map(|(_, p)| *p)
            .collect(),
    )
}
