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
//!
//! **Later levels.** The breakpoint's face is that of every level, so where
//! `p` is not the last, the flows meeting the floor exactly may have been
//! left off it by a later level. Then the later levels narrow it one at a
//! time: level `l` gets a multiplier of its own, of either sign (requests
//! met count against a level where the face's optimum there meets too many),
//! found by the same breakpoint search. The certificate holds whatever the
//! signs: a matching that ties the answer before `p` and meets the floor
//! meets it exactly (the argument above), so at each later level the
//! multiplier's term is the same for both. At the last level, two optima on
//! either side of the floor are combined (`combine_sides`), or the face walked.
//!
//! **Profession requests.** An objective counting them too has networks that
//! count both kinds overlapping ([`ArcCosts::overlapping`]): values then bound
//! the matching's, and a point whose network counts some mentee twice is no
//! certificate; the level where it first differs is left open at the
//! network's value. Two steps do without the overlap. First, the optimum
//! without the floor (each request counted once, so its values bound every
//! matching) has equals: holding each mentee who asked for both to that
//! optimum's choice (a pair meeting both requests, or none), no one is
//! counted twice, and with requests met as a last level the network's
//! optimum has the same values and the most requests met among them; where
//! that meets the floor it is the answer. Where it falls a few requests
//! short, other optima may have made other choices: one mentee's choice is
//! turned over at a time, kept where the best among the equals meets more,
//! and any equal meeting the floor is the answer. Else, after the search above, the
//! same search under that hold finds the best matching there that meets the
//! floor: no certificate outside the hold, but every level where it ties
//! the optimum without the floor is proven, which often leaves only the
//! last level open.

use std::collections::VecDeque;

use petgraph::unionfind::UnionFind;

use super::SolveError;
use std::time::Instant;

use super::capped::Pricer;
use super::flow::FlowSolution;
use super::objective::ArcCosts;
use super::simplex::NetworkSimplex;
use super::{
    gadget_costs, network_capped, pair_tail, solve_network, splits_requests, with_counted_twice, CoverageGadget,
    GadgetFlows, Network, Node, Solution, SolveStats, Tail,
};
use crate::eligibility::Pair;
use crate::matching::Matching;
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
    /// Multipliers at later levels, of either sign, where the first one's
    /// optimal face had to be narrowed level by level (see the module).
    pub later: Vec<Weighed>,
    /// Other matchings with the same values, found on the way (one may
    /// meet a caller's other constraints where `solution` does not).
    pub others: Vec<Matching>,
    /// Network solves spent.
    pub solves: usize,
    /// Found among the equals of the optimum without the floor (see
    /// the module): its values are that optimum's, which bound
    /// every matching, so no multiplier was needed.
    pub among_equals: bool,
}

impl Certified {
    /// A one-line statement of the certificate, for reports.
    pub fn describe(&self, model: &Model) -> String {
        if self.among_equals {
            return "the optimum without the identity floor has an equal that meets it".to_string();
        }
        let mut certificate = self.multiplier.describe(model);
        for later in &self.later {
            certificate += &format!(", then {}", later.describe(model));
        }
        certificate
    }
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
            relaxed.objective[level] = mixed_term(model.objective.get(level)?, num, den)?;
        }
    }
    Some(relaxed)
}

/// `den x term + num x identity requests met`, as one level.
fn mixed_term(term: &Term, num: u64, den: u64) -> Option<Term> {
    let den = u32::try_from(den).ok()?;
    let num = u32::try_from(num).ok()?;
    let mut terms = Vec::new();
    for (part, weight) in term.parts() {
        let mut part = part.clone();
        *part.weight_mut()? = weight.checked_mul(den)?;
        terms.push(part);
    }
    terms.push(Term::IdentityRequestsMet { weight: num });
    Some(Term::WeightedSum { terms })
}

/// A multiplier of either sign on identity requests met at one level after
/// the first multiplier's: the level counts as `den x level + num x
/// requests met` (see the module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weighed {
    /// The objective level, 0-based.
    pub level: usize,
    /// Weight of identity requests met: below 0, each one met counts against.
    pub num: i64,
    /// Weight of the level's own value.
    pub den: u64,
}

impl Weighed {
    /// A one-line statement, for reports (`den` 0: requests met as a level
    /// of their own before the level, most or fewest by the sign).
    pub fn describe(&self, model: &Model) -> String {
        let label = model.objective.get(self.level).map_or_else(String::new, Term::label);
        match (self.den, self.num >= 0) {
            (0, true) => format!("identity requests met as a level of their own before \"{label}\""),
            (0, false) => format!("identity requests met, fewest first, as a level before \"{label}\""),
            (den, _) => format!(
                "level {} as {den} x \"{label}\" {} {} x identity requests met",
                self.level + 1,
                if self.num >= 0 { "+" } else { "-" },
                self.num.unsigned_abs()
            ),
        }
    }
}

/// The relaxed objective of a first multiplier `first` (mixed in) and
/// later ones `weighed`, with `own` (a level, and whether it counts
/// against) identity requests met as a level of their own before that
/// level: the relaxed model, and its levels whose identity requests count
/// against (for [`CoverageGadget::identity_against`]).
fn relaxed_lexicographic(
    model: &Model,
    first: Multiplier,
    weighed: &[Weighed],
    own: Option<(usize, bool)>,
) -> Option<(Model, Vec<usize>)> {
    let mut relaxed = relaxed_model(model, first)?;
    let mut against = Vec::new();
    for w in weighed {
        relaxed.objective[w.level] = mixed_term(model.objective.get(w.level)?, w.num.unsigned_abs(), w.den)?;
        if w.num < 0 {
            against.push(w.level);
        }
    }
    if let Some((level, counts_against)) = own {
        relaxed.objective.insert(level, Term::IdentityRequestsMet { weight: 1 });
        for l in &mut against {
            *l += usize::from(*l >= level);
        }
        if counts_against {
            against.push(level);
        }
    }
    Some((relaxed, against))
}

/// One relaxed solve: the matching, its `I`, and its original objective
/// values as the network counts them (where requests overlap, each mentee
/// it counts twice adds a profession request met; see `Search::overlap`).
struct Point {
    solution: Solution,
    met: u64,
    values: Vec<i64>,
    /// Whether `values` are the matching's own (no mentee counted twice).
    exact: bool,
}

impl Point {
    /// The matching's own values.
    fn own_values(&self, programme: &Programme, model: &Model) -> Vec<i64> {
        self.solution.matching.objective_values(programme, &model.objective)
    }
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
    /// What every relaxation's network holds besides the objective: nothing,
    /// but where the objective counts profession requests, both kinds of
    /// request, overlapping (see [`ArcCosts::overlapping`]).
    gadget: CoverageGadget,
    /// The overlapping layout, when requests overlap (for `counted_twice`).
    layout: Option<ArcCosts>,
}

impl Search<'_> {
    fn point(&self, solution: Solution) -> Point {
        let met = solution.matching.mentees_with(self.programme, |p| p.identity_matched) as u64;
        let values = solution
            .matching
            .objective_values(self.programme, &self.model.objective);
        let twice = match &self.layout {
            Some(layout) => self
                .gadget
                .counted_twice(self.programme, layout, &solution.matching)
                .len(),
            None => 0,
        };
        Point {
            solution,
            met,
            values: with_counted_twice(self.model, values, twice),
            exact: twice == 0,
        }
    }

    /// The gadget for a relaxation whose levels `against` count identity
    /// requests against.
    fn gadget_against(&self, against: Vec<usize>) -> CoverageGadget {
        CoverageGadget {
            identity_against: against,
            ..self.gadget.clone()
        }
    }

    /// Where requests overlap: the optimum without the floor, each mentee's
    /// profession request counted once, and the gadget that holds each
    /// mentee who asked for both to its pair meeting both requests if that
    /// optimum has one (the profession-only node then earning nothing), and
    /// to none if not. No network with that gadget counts anyone twice, and
    /// the optimum is one of its flows.
    fn optimum_held(&mut self) -> Option<(Solution, CoverageGadget)> {
        let layout = self.layout.clone()?;
        let mut plain = self.model.clone();
        plain.constraints.clear();
        let exact = CoverageGadget {
            overlap: false,
            ..self.gadget.clone()
        };
        let (optimum, _) = self.pricer.solve_gadget(&plain, self.organisation_cap, &exact).ok()?;
        let mentees = &self.programme.mentees;
        let mut both = vec![false; mentees.len()];
        for pair in &optimum.matching.pairs {
            let mentee = &mentees[pair.mentee as usize];
            both[pair.mentee as usize] |= pair_tail(mentee, &layout, pair) == Tail::Both;
        }
        let split: Vec<bool> = mentees.iter().map(|m| splits_requests(m, &layout)).collect();
        let held = CoverageGadget {
            both_forced: (0..mentees.len()).map(|e| split[e] && both[e]).collect(),
            both_banned: (0..mentees.len()).map(|e| split[e] && !both[e]).collect(),
            ..self.gadget.clone()
        };
        Some((optimum, held))
    }

    /// Among the matchings `held` allows with the values of `optimum` (the
    /// optimum without the floor), the one with the most identity requests
    /// met (see [`Search::optimum_held`]). The optimum is one of them, so the
    /// best has its values, which bound every matching: where it meets the
    /// floor it is the answer. None where a network fails or the values
    /// differ (they cannot, but it is checked).
    fn among_equals(&mut self, optimum: &Solution, held: &CoverageGadget) -> Option<Point> {
        let overlapping = std::mem::replace(&mut self.gadget, held.clone());
        let point = self.solve(Multiplier::Before(self.model.objective.len()));
        self.gadget = overlapping;
        point.filter(|p| p.exact && p.values == optimum.objective_values)
    }

    /// [`Search::among_equals`], and where its best falls a few requests
    /// short of the floor, other holds: other optima of the same values
    /// make other choices, so one mentee at a time (who has a pair meeting
    /// both requests) has their choice turned over, kept where the best
    /// among the equals then meets more requests. Those held to no such
    /// pair whose request is unmet go first (such a pair meets it), then
    /// the others held to none, then those held to one, least scoring pair
    /// first (their pair's mentor is freed for someone else). Any equal
    /// that meets the floor is the answer, whichever hold found it.
    fn among_equals_turning(&mut self, optimum: &Solution, held: &CoverageGadget, needed: u64) -> Option<Point> {
        let work_at_start = self.pricer.work();
        let mut held = held.clone();
        let mut point = self.among_equals(optimum, &held)?;
        if point.met >= needed || needed - point.met > TURN_SHORT {
            return Some(point);
        }
        let mentees = self.programme.mentees.len();
        let mut best_both: Vec<Option<u32>> = vec![None; mentees];
        for pair in self.pairs.iter().filter(|p| p.identity_matched && p.profession_matched) {
            let e = pair.mentee as usize;
            best_both[e] = Some(best_both[e].map_or(pair.score, |s| s.max(pair.score)));
        }
        let mut met = vec![false; mentees];
        for pair in point.solution.matching.pairs.iter().filter(|p| p.identity_matched) {
            met[pair.mentee as usize] = true;
        }
        let mut order: Vec<usize> = (0..mentees)
            .filter(|&e| best_both[e].is_some() && (held.both_banned[e] || held.both_forced[e]))
            .collect();
        order.sort_by_key(|&e| (!held.both_banned[e] || met[e], held.both_forced[e], best_both[e], e));
        for e in order.into_iter().take(TURN_TRIES) {
            if point.met >= needed || self.pricer.work() - work_at_start >= TURN_WORK {
                break;
            }
            let turn =
                |h: &mut CoverageGadget| (h.both_banned[e], h.both_forced[e]) = (h.both_forced[e], h.both_banned[e]);
            turn(&mut held);
            match self.among_equals(optimum, &held) {
                Some(next) if next.met > point.met => point = next,
                _ => turn(&mut held),
            }
        }
        Some(point)
    }

    /// One relaxation by pricing over the eligible pairs: enough where only
    /// its optimum's values are read (with requests as a level of their own,
    /// every optimum meets as many), not the flow itself.
    fn solve(&mut self, m: Multiplier) -> Option<Point> {
        let (relaxed, against) = relaxed_lexicographic(self.model, m, &[], None)?;
        self.solve_relaxed(&relaxed, against)
    }

    fn solve_relaxed(&mut self, relaxed: &Model, against: Vec<usize>) -> Option<Point> {
        self.solves += 1;
        let gadget = self.gadget_against(against);
        let (solution, flows) = self.pricer.solve_gadget(relaxed, self.organisation_cap, &gadget).ok()?;
        (!flows.short).then(|| self.point(solution))
    }

    /// One relaxation, from the last one's tree: its optimum, network and flow.
    fn solve_warm(&mut self, relaxed: &Model, against: Vec<usize>) -> Option<(Point, Network, FlowSolution)> {
        let start = Instant::now();
        let (programme, pairs, cap) = (self.programme, self.pairs, self.organisation_cap);
        let gadget = self.gadget_against(against);
        let costs = gadget_costs(relaxed, programme, cap, Some(&gadget)).ok()?;
        let network = network_capped(programme, &costs, pairs, cap, Some(&gadget));
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
        let point = self.point(Solution::new(programme, relaxed, chosen, stats));
        Some((point, network, flow))
    }

    fn solve_capped(&mut self, m: Multiplier, organisation_cap: Option<u32>) -> Option<Point> {
        let (relaxed, against) = relaxed_lexicographic(self.model, m, &[], None)?;
        self.solves += 1;
        let gadget = self.gadget_against(against);
        let (network, flow, solution) =
            solve_network(self.programme, &relaxed, self.pairs, organisation_cap, Some(&gadget)).ok()?;
        let flows = GadgetFlows::read(&network.graph, |i| flow.flow[i], &gadget, self.programme.mentees.len());
        (!flows.short).then(|| self.point(solution))
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

/// How far short of the floor the best among the equals of one hold may be
/// for others to be tried, how many, and for how much work (see
/// [`Pricer::work`]; about a second): each is one network, and where the
/// optimum falls below the optimum without the floor no equal meets it, so
/// the tries are kept few.
const TURN_SHORT: u64 = 10;
const TURN_TRIES: usize = 40;
const TURN_WORK: u64 = 1_000_000;

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
    let new_search = || -> Option<Search> {
        let mut search = Search {
            programme,
            model,
            pairs,
            organisation_cap,
            solves: 0,
            pricer: Pricer::new(programme, pairs),
            warm: None,
            gadget: CoverageGadget {
                group_of: vec![u32::MAX; programme.mentees.len()],
                ..CoverageGadget::default()
            },
            layout: None,
        };
        let counts_professions = model.objective.iter().any(|t| {
            t.parts()
                .iter()
                .any(|(p, _)| matches!(p, Term::ProfessionRequestsMet { .. }))
        });
        if counts_professions {
            search.gadget.overlap = true;
            let relaxed = relaxed_model(model, Multiplier::Before(0))?;
            let people = super::cycle_people(programme, organisation_cap, true);
            search.layout = Some(ArcCosts::overlapping(&relaxed, people, None).ok()?);
        }
        Some(search)
    };
    let mut search = new_search()?;
    // Where requests overlap: an equal of the optimum without the floor
    // that meets it is the answer.
    let equals = search.optimum_held();
    if let Some((optimum, held)) = &equals {
        if let Some(point) = search
            .among_equals_turning(optimum, held, needed)
            .filter(|p| p.met >= needed)
        {
            let mut solution = point.solution;
            solution.objective_values = point.values;
            return Some(Decided::Optimal(Certified {
                solution,
                multiplier: Multiplier::Before(model.objective.len()),
                later: Vec::new(),
                others: Vec::new(),
                solves: search.solves,
                among_equals: true,
            }));
        }
    }
    let decided = decide(&mut search, needed)?;
    let (Decided::Undecided(undecided), Some((optimum, held))) = (&decided, equals) else {
        return Some(decided);
    };
    // Left open where requests overlap: the same search where `held` holds
    // (no one counted twice) finds a matching that meets the floor, the
    // best of those; its certificate holds only there, but where it ties
    // the optimum without the floor, that optimum's values prove it.
    let mut restricted = new_search()?;
    restricted.gadget = held;
    let found = match decide(&mut restricted, needed) {
        Some(Decided::Optimal(certified)) => Some(certified.solution.matching),
        Some(Decided::Undecided(open)) => Some(open.best),
        _ => None,
    };
    Some(sharpened(programme, model, undecided, found, &optimum.objective_values))
}

/// An open answer sharpened by `found` (a matching that meets the floor,
/// if any) and `optimum` (the values of the optimum without the floor,
/// which bound every matching): the better matching, open at the first
/// level where it falls short of what is proven. Where it ties `optimum`
/// on every level, it is the answer.
fn sharpened(
    programme: &Programme,
    model: &Model,
    undecided: &Undecided,
    found: Option<Matching>,
    optimum: &[i64],
) -> Decided {
    let values = |m: &Matching| m.objective_values(programme, &model.objective);
    let (mut best, mut best_values) = (undecided.best.clone(), values(&undecided.best));
    if let Some(found) = found {
        let found_values = values(&found);
        if found_values > best_values {
            (best, best_values) = (found, found_values);
        }
    }
    let ties = (0..optimum.len())
        .find(|&l| best_values[l] != optimum[l])
        .unwrap_or(optimum.len());
    if ties == optimum.len() {
        return Decided::Optimal(Certified {
            solution: Solution::new(programme, model, best.pairs, SolveStats::default()),
            multiplier: Multiplier::Before(optimum.len()),
            later: Vec::new(),
            others: Vec::new(),
            solves: 0,
            among_equals: true,
        });
    }
    // Levels before `ties` are at `optimum`'s, so proven; before the open
    // one the better matching is at the optimum too.
    let (level, bound) = match ties.cmp(&undecided.level) {
        std::cmp::Ordering::Greater => (ties, optimum[ties]),
        std::cmp::Ordering::Equal => (ties, undecided.bound.min(optimum[ties])),
        std::cmp::Ordering::Less => (undecided.level, undecided.bound),
    };
    Decided::Undecided(Undecided {
        best,
        level,
        bound,
        multiplier: undecided.multiplier,
    })
}

/// [`identity_floor`] in `search`'s networks: decided with a certificate,
/// or left open.
fn decide(search: &mut Search, needed: u64) -> Option<Decided> {
    let (programme, model, pairs) = (search.programme, search.model, search.pairs);
    let levels = model.objective.len();
    // A point optimal for its relaxation, whose values before `level` are the
    // optimum's and whose `I` is the floor's (or above it at a level after
    // the last): the certified optimum when its values are its matching's;
    // where requests overlap and they are not, the level where they first
    // differ is left open, bounded by the network's value.
    let done = |search: &Search, point: Point, multiplier: Multiplier, later: Vec<Weighed>, others: Vec<Matching>| {
        if point.values != point.own_values(programme, model) {
            return Some(Decided::Undecided(open_where_counted_twice(
                programme,
                model,
                point,
                usize::MAX,
                i64::MAX,
                Some(multiplier),
            )));
        }
        let mut solution = point.solution;
        solution.objective_values = point.values; // the model's levels, not the relaxation's
        Some(Decided::Optimal(Certified {
            solution,
            multiplier,
            later,
            others,
            solves: search.solves,
            among_equals: false,
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
                return done(search, point, Multiplier::Before(p), Vec::new(), Vec::new());
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
        let (relaxed, against) = relaxed_lexicographic(model, multiplier, &[], None)?;
        let Some((point, network, flow)) = search.solve_warm(&relaxed, against) else {
            break;
        };
        if point.met == needed {
            return done(search, point, multiplier, Vec::new(), Vec::new());
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
        let walked = walk_to(programme, pairs, &network, &flow, needed)
            .map(|chosen| search.point(Solution::new(programme, model, chosen, point.solution.stats.clone())))
            .filter(|walked| {
                walked.met == needed
                    && walked.exact
                    && worth(walked) == tie
                    && walked.values[..level] == point.values[..level]
            });
        // At the last level, `low` and `high` are optimal too (they tie
        // here, and earlier): combine them to the floor, another optimum
        // (one of them may meet a caller's other constraints).
        let combined = (level + 1 == levels)
            .then(|| {
                let (below, above) = if point.met < needed {
                    (&point, &high)
                } else {
                    (&low, &point)
                };
                combine_sides(search, below, above, needed)
            })
            .flatten();
        match (walked, combined) {
            (Some(walked), combined) => {
                let others = combined.map(|c| c.solution.matching).into_iter().collect();
                return done(search, walked, multiplier, Vec::new(), others);
            }
            (None, Some(combined)) => return done(search, combined, multiplier, Vec::new(), Vec::new()),
            (None, None) => {}
        }
        // The face of the later levels may have none with exactly the
        // floor's requests met where this one's has: narrow it level by
        // level, and walk on the last.
        match later_levels(search, multiplier, needed) {
            Later::Found(point, later) => return done(search, point, multiplier, later, Vec::new()),
            Later::Face(later, sides) => {
                if let Some(found) = sides.and_then(|sides| combine_sides(search, &sides.0, &sides.1, needed)) {
                    return done(search, found, multiplier, later, Vec::new());
                }
                let (relaxed, against) = relaxed_lexicographic(model, multiplier, &later, None)?;
                if let Some((point, network, flow)) = search.solve_warm(&relaxed, against) {
                    if point.met == needed {
                        return done(search, point, multiplier, later, Vec::new());
                    }
                    if let Some(chosen) = walk_to(programme, pairs, &network, &flow, needed) {
                        let walked =
                            search.point(Solution::new(programme, model, chosen, point.solution.stats.clone()));
                        // The walk keeps the relaxed cost: optimal for it still.
                        if walked.met == needed {
                            return done(search, walked, multiplier, later, Vec::new());
                        }
                    }
                }
            }
            Later::Stuck => {}
        }
        break;
    }
    Some(Decided::Undecided(open_where_counted_twice(
        programme, model, high, level, bound, last,
    )))
}

/// What [`later_levels`] found.
enum Later {
    /// A relaxation's optimum with exactly the floor's requests met: the
    /// answer, with the later multipliers.
    Found(Point, Vec<Weighed>),
    /// Multipliers at every later level whose relaxation's optimal face
    /// still has optima on both sides of the floor, two of them (below the
    /// floor, above it) when the face was narrowed: combine them, or walk.
    Face(Vec<Weighed>, Option<Box<(Point, Point)>>),
    /// Neither (a breakpoint search out of shape, or a network failed).
    Stuck,
}

/// After the breakpoint at the first multiplier's level `p`, whose optimal
/// face has matchings on both sides of the floor (`N` requests met) but
/// whose face over every level has none with exactly `N`: the later levels
/// narrowed one at a time. At level `l`, the face's optimum for `L_l` alone
/// meets `N` (no multiplier needed), or falls on one side; then the face's
/// extreme on the other side (requests met, most or fewest, as a level of
/// their own before `L_l`) and the breakpoint search between the two, with
/// a multiplier of that sign, as at `p`.
///
/// Why it certifies: a matching `y` that meets the floor and ties the
/// answer `x` before `p` has `I(y) = N` wherever it ties at `p` too (the
/// first multiplier's argument), so at each later level `l`, where they tie
/// before it, `den L_l(x) + num N >= den L_l(y) + num N`, whatever the
/// sign of `num`.
fn later_levels(search: &mut Search, first: Multiplier, needed: u64) -> Later {
    let Multiplier::Mixed { level: p, .. } = first else {
        return Later::Stuck;
    };
    let model = search.model;
    let mut weighed: Vec<Weighed> = Vec::new();
    // Two optima of the relaxation so far, below the floor and above it.
    let mut sides: Option<Box<(Point, Point)>> = None;
    for l in p + 1..model.objective.len() {
        let solve = |search: &mut Search, weighed: &[Weighed], own: Option<(usize, bool)>| {
            let (relaxed, against) = relaxed_lexicographic(model, first, weighed, own)?;
            search.solve_relaxed(&relaxed, against)
        };
        let Some(plain) = solve(search, &weighed, None) else {
            return Later::Stuck;
        };
        if plain.met == needed {
            return Later::Found(plain, weighed);
        }
        // Requests must go up (a multiplier above 0) or down (below).
        let up = plain.met < needed;
        let Some(other) = solve(search, &weighed, Some((l, !up))) else {
            return Later::Stuck;
        };
        let right_side = |p: &Point| if up { p.met > needed } else { p.met < needed };
        if other.met == needed {
            // The face's extreme is `N` itself: with requests as a level
            // of their own there, `other` is the answer.
            let own = Weighed {
                level: l,
                num: if up { 1 } else { -1 },
                den: 0,
            };
            weighed.push(own);
            return Later::Found(other, weighed);
        }
        if !right_side(&other) {
            return Later::Stuck; // the face has no matching with `N`
        }
        let (mut near, mut far) = (plain, other);
        let mut settled = false;
        for _ in 0..MAX_STEPS {
            let gain = near.values[l] - far.values[l];
            let cost = far.met.abs_diff(near.met);
            if gain == 0 {
                settled = true; // both on L_l's own face: no multiplier needed here
                sides = Some(Box::new((near, far)));
                break;
            }
            if gain < 0 || cost == 0 {
                return Later::Stuck;
            }
            let (num, den) = reduced(gain as u64, cost);
            let num = if up { num as i64 } else { -(num as i64) };
            let w = Weighed { level: l, num, den };
            let worth = |p: &Point| i128::from(den) * i128::from(p.values[l]) + i128::from(num) * i128::from(p.met);
            let tie = worth(&near);
            let mut next = weighed.clone();
            next.push(w);
            let Some(point) = solve(search, &next, None) else {
                return Later::Stuck;
            };
            if point.met == needed {
                return Later::Found(point, next);
            }
            if worth(&point) > tie {
                if right_side(&point) {
                    far = point;
                } else {
                    near = point;
                }
                continue;
            }
            weighed = next;
            settled = true;
            // The breakpoint: `point`, `near` and `far` are all optimal.
            if right_side(&point) {
                far = point;
            } else {
                near = point;
            }
            sides = Some(Box::new(if up { (near, far) } else { (far, near) }));
            break;
        }
        if !settled {
            return Later::Stuck;
        }
    }
    Later::Face(weighed, sides)
}

/// A matching with exactly `needed` identity requests met, from two optima
/// of one relaxation, `below` the floor and `above` it. Their pairs differ
/// on some people; each connected group of those differences (people
/// joined by a pair one has and the other not) can be taken from either
/// side alone, every person's pairs then being one side's, and each
/// objective level and the requests met add up over the groups. Both being
/// optimal, no group changes the relaxation's value (one that raised it
/// would beat `below`, and they sum to none), so any choice of groups is
/// optimal too: the groups whose requests met sum to what `below` lacks
/// (a subset sum) give the answer.
fn combine_sides(search: &Search, below: &Point, above: &Point, needed: u64) -> Option<Point> {
    let programme = search.programme;
    let mentees = programme.mentees.len();
    let short = needed.checked_sub(below.met)? as i64;
    let key = |p: &Pair| (p.mentee, p.mentor);
    let mine: std::collections::BTreeSet<(u32, u32)> = below.solution.matching.pairs.iter().map(key).collect();
    let theirs: std::collections::BTreeSet<(u32, u32)> = above.solution.matching.pairs.iter().map(key).collect();
    let differ: Vec<(u32, u32)> = mine.symmetric_difference(&theirs).copied().collect();
    // Groups of people, mentees first then mentors.
    let mut people = UnionFind::<usize>::new(mentees + programme.mentors.len());
    for &(mentee, mentor) in &differ {
        people.union(mentee as usize, mentees + mentor as usize);
    }
    let mut groups: Vec<usize> = differ.iter().map(|&(e, _)| people.find_mut(e as usize)).collect();
    groups.sort_unstable();
    groups.dedup();
    // Each group's change in requests met, taken from `above`.
    let met = |pairs: &mut dyn Iterator<Item = &Pair>| {
        let mut met = vec![false; mentees];
        for p in pairs.filter(|p| p.identity_matched) {
            met[p.mentee as usize] = true;
        }
        met
    };
    let (met_below, met_above) = (
        met(&mut below.solution.matching.pairs.iter()),
        met(&mut above.solution.matching.pairs.iter()),
    );
    let mut change = vec![0i64; groups.len()];
    for e in 0..mentees {
        if met_below[e] != met_above[e] {
            let g = groups.binary_search(&people.find_mut(e)).ok()?;
            change[g] += i64::from(met_above[e]) - i64::from(met_below[e]);
        }
    }
    // Subset sum over the groups' changes: sums reached, with the group
    // that first reached each.
    let mut reached: std::collections::BTreeMap<i64, Option<(usize, i64)>> = [(0, None)].into();
    for (g, &d) in change.iter().enumerate().filter(|(_, &d)| d != 0) {
        let sums: Vec<i64> = reached.keys().copied().collect();
        for sum in sums {
            reached.entry(sum + d).or_insert(Some((g, sum)));
        }
        if reached.contains_key(&short) {
            break;
        }
    }
    let mut chosen = vec![false; groups.len()];
    let mut at = short;
    while let Some((g, from)) = *reached.get(&at)? {
        chosen[g] = true;
        at = from;
    }
    // Each mentee's group, chosen or not (mentees outside every group keep
    // `below`'s pairs, which are `above`'s too).
    let from_above: Vec<bool> = (0..mentees)
        .map(|e| {
            let r = people.find_mut(e);
            groups.binary_search(&r).is_ok_and(|g| chosen[g])
        })
        .collect();
    let mut pairs: Vec<Pair> = below
        .solution
        .matching
        .pairs
        .iter()
        .filter(|p| !from_above[p.mentee as usize])
        .chain(
            above
                .solution
                .matching
                .pairs
                .iter()
                .filter(|p| from_above[p.mentee as usize]),
        )
        .copied()
        .collect();
    pairs.sort_unstable_by_key(key);
    let combined = search.point(Solution::new(
        programme,
        search.model,
        pairs,
        below.solution.stats.clone(),
    ));
    (combined.met == needed && combined.exact).then_some(combined)
}

/// What is left open at `point` (a matching that meets the floor, optimal
/// for its relaxation) with `level` open at `bound`: where requests overlap
/// and its values before `level` are not its matching's, the first level
/// where they differ instead, bounded there by the network's value (every
/// earlier level of the relaxation is the model's, so the network's
/// optimum bounds every matching there).
fn open_where_counted_twice(
    programme: &Programme,
    model: &Model,
    point: Point,
    level: usize,
    bound: i64,
    multiplier: Option<Multiplier>,
) -> Undecided {
    let own = point.own_values(programme, model);
    let (level, bound) = match (0..own.len().min(level)).find(|&l| own[l] != point.values[l]) {
        Some(l) => (l, point.values[l]),
        None => (level, bound),
    };
    Undecided {
        best: point.solution.matching,
        level,
        bound,
        multiplier,
    }
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
    // The first-unit request arc of each mentee whose request layer counts
    // their identity request (where the objective counts profession
    // requests too, the layers of mentees who asked for nothing else count
    // those, and a step there would not move `I`).
    let mut request_arc: Vec<Option<usize>> = vec![None; programme.mentees.len()];
    let mut is_request = vec![false; edges.len()];
    for (i, e) in edges.iter().enumerate() {
        if let (Node::Mentee(m), Node::Request(_)) = (graph[e.source()], graph[e.target()]) {
            if request_arc[m as usize].is_none() && programme.mentees[m as usize].asks_for_identity() {
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
