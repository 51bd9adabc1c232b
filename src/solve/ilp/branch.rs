//! Side constraints under any objective a flow can hold, decided by branch and
//! bound on flows: every node is one network (the coverage gadget of
//! [`super::super::CoverageGadget`], solved by pricing), and the few decisions
//! a network cannot hold are branched on. What follows is one coverage floor;
//! floors over the other grouping and identity floors are relaxed and
//! branched on as [`branch_on_constraints`] says.
//!
//! The floor (over one grouping, at `K` percent) says each group `g` of `n_g`
//! mentees (of `n` in all) has `c_g >= K n_g C / (100 n)` covered, where `C`
//! is the number covered in all. For a range `a <= C <= b` it implies
//! `c_g >= lo_g(a) = ceil(K n_g a / (100 n))`, which the gadget holds as a
//! lower bound, and the range itself is held by a node all first units pass:
//! at least `a` (forced like the groups' bounds) and at most `b`. A node also
//! holds some mentees uncovered (no units at all) and some covered (their
//! first unit forced). Every matching that meets the floor with `C` in the
//! range and keeps the node's mentees as held is a flow of that network, with
//! the same objective values, so the network's optimum bounds the node from
//! above, level by level.
//!
//! The network can do one thing no matching does: give a mentee later units
//! without a first one, which escapes the bound `b` (and earns what later
//! units earn). Its values then count that mentee as the network does (not
//! covered, its units from the second on), which is still a bound. So a
//! node's optimum `x` is one of:
//! - not possible (a forced arc is not full): no matching in the node;
//! - a matching with no such mentee that meets the floor: the node's best
//!   (its values are its bound);
//! - a matching with no such mentee that breaks the floor: `C(x) > a` (at
//!   `a` the bounds are the floor's), so the node splits into `[a, C(x) - 1]`
//!   and `[C(x), b]`, neither of which has `x`;
//! - a flow with such a mentee `e`: a node whose range has more than one
//!   total splits into its halves (each with its floor's bounds at its own
//!   least, which holds the network nearer what a matching there can do);
//!   a node of one total splits into `e` uncovered and `e` covered, neither
//!   of which has `x`.
//!
//! Nodes are taken best bound first; each optimum, made to meet the floor by
//! dropping the most covered groups' mentees (`floors::repair_floors`),
//! may be a better incumbent, and a node whose bound is no better than the
//! incumbent's values is closed. Where a floor over the other grouping is
//! broken as well, which dropping cannot repair at the same number covered,
//! a few optima per search also start [`cover_both_floors`]: mentees chosen
//! so that every group of both groupings has its share, covered exactly.
//! After 16 networks, 32, 64 and so on, the neighbourhood where the best
//! matching and the node's optimum agree (each mentee both cover held
//! covered, each both leave out held uncovered, and so for identity
//! requests; every pair free) is searched the same way, for a while, for a
//! better matching: the classic heuristic of integer programming that
//! looks between the incumbent and the relaxation (the more mentees the two
//! differ on, the larger; one not searched to the end is halved next time).
//! When no node is open, the incumbent is the lexicographic optimum: every
//! matching that meets the floor is in some closed node, whose bound it
//! cannot beat. A limit on nodes or time stops
//! the search with the incumbent and the best open bound, which the caller
//! hands to the integer program (or reports as the gap).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::rc::Rc;
use std::time::Instant;

use super::super::capped::Pricer;
use super::super::lagrange::{relaxed_model, Multiplier};
use super::super::objective::ArcCosts;
use super::super::{counted_values, flow_can_solve, with_counted_twice, CoverageGadget, Link, Solution, SolveStats};
use super::constraints::{constraint_met, group_of};
use super::floors::{repair_floors, FloorRepair};
use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::{Constraint, Group, Model, Term};
use crate::registration::Programme;

/// Networks solved before the search may stop and leave the rest to the
/// program: it stops once it has solved this many and done
/// [`SEARCH_WORK`] (in proportion, for a shorter search).
pub(super) const MAX_NODES: usize = 400;

/// The least work (see [`Pricer::work`]; about 2 s) the search does before
/// handing over to the program, so that a small programme, whose networks
/// take microseconds, is searched to the end (thousands of networks in well
/// under a second) rather than handed to a program that can take minutes on
/// it. Counted in work, not time, so that a run is repeatable.
const SEARCH_WORK: u64 = 2_000_000;

/// Networks the search solves before it first searches a neighbourhood of
/// its best matching (then after twice as many, and so on).
const NEIGHBOURHOOD_FROM: usize = 16;

/// The most work (see [`Pricer::work`]; about 3 s) a neighbourhood's
/// search does; otherwise as much as the search has done so far (so that
/// neighbourhoods take at most about half of it), but at least
/// [`NEIGHBOURHOOD_LEAST`] (about a quarter of a second).
const NEIGHBOURHOOD_WORK: u64 = 3_000_000;
const NEIGHBOURHOOD_LEAST: u64 = 250_000;

/// What the search found.
pub(super) enum Searched {
    /// The optimum, proven by the search.
    Optimal(Solution),
    /// Stopped (at the node or time limit) with the best matching found that
    /// meets every constraint, the first level on which it may not be
    /// optimal, and no matching has more there than `bound`.
    Stopped { best: Matching, level: usize, bound: i64 },
    /// Every node closed with no matching that meets the constraints: there
    /// is none.
    Infeasible,
}

/// A node's network solved: its optimum, read as the search reads it.
struct Solved {
    solution: Solution,
    counts: Vec<u32>,
    uncounted: Vec<u32>,
    /// Mentees whose profession request the network counts twice.
    twice: Vec<u32>,
    bound: Vec<i64>,
}

/// One node: the range of the number covered, and the mentees held.
struct Node {
    least: u32,
    most: u32,
    dropped: Vec<u32>,
    forced: Vec<u32>,
    /// Mentees whose identity request is held met, and held unmet.
    request_met: Vec<u32>,
    request_unmet: Vec<u32>,
    /// Mentees held to a pair meeting both their requests, and to none
    /// (where the network counts both kinds; see `counted_twice`).
    both_met: Vec<u32>,
    both_unmet: Vec<u32>,
    /// The parent's bound: no matching in the node has better values.
    bound: Vec<i64>,
    /// The parent's optimum, when it is in this node too (a branch that
    /// keeps it): then it is this node's optimum as well, and no network is
    /// solved.
    solved: Option<Rc<Solved>>,
    /// The link multipliers the parent ended with (see [`tighten`]): the
    /// node's rounds start from them.
    link: Rc<BTreeMap<(u32, u32), f64>>,
    /// The identity multiplier `num / den` the node's network starts from,
    /// where it is mixed into a level: the one its parent's bound was best
    /// at (see [`next_ratio`]).
    ratio: (u64, u64),
}

impl Node {
    fn held(&self) -> usize {
        self.dropped.len()
            + self.forced.len()
            + self.request_met.len()
            + self.request_unmet.len()
            + self.both_met.len()
            + self.both_unmet.len()
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Node {
    /// Best bound first; among equal bounds, one already solved (free), the
    /// one that may cover fewest (where the objective does not count
    /// coverage first, the best matching often covers fewer than the
    /// network's optimum, and a search down from the most covered dives
    /// through branches on one mentee at a time there), then the deeper one.
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .cmp(&other.bound)
            .then(self.solved.is_some().cmp(&other.solved.is_some()))
            .then(other.least.cmp(&self.least))
            .then(self.held().cmp(&other.held()))
            .then(self.forced.len().cmp(&other.forced.len()))
    }
}

/// The floors and the identity floor of a model, as the search holds them.
struct Side {
    /// The floor the network holds: its grouping and (highest) percent; 0
    /// when the model has no coverage floor (then it holds nothing).
    held: (Group, u32),
    /// A floor over the other grouping, checked and branched on.
    other: Option<(Group, u32)>,
    /// Identity requests that must be met, when the model has a floor on them.
    identity: Option<u64>,
    organisation_cap: Option<u32>,
}

impl Side {
    fn of(programme: &Programme, model: &Model) -> Option<Side> {
        let mut floors: Vec<(Group, u32)> = Vec::new();
        let mut identity: Option<u64> = None;
        let mut organisation_cap: Option<u32> = None;
        let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
        for constraint in &model.constraints {
            match *constraint {
                // Floors over the same groups: the highest holds the others.
                Constraint::CoverageFloor { by, percent } => match floors.iter_mut().find(|(g, _)| *g == by) {
                    Some(floor) => floor.1 = floor.1.max(percent),
                    None => floors.push((by, percent)),
                },
                Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                    organisation_cap = Some(organisation_cap.map_or(mentees, |c| c.min(mentees)))
                }
                Constraint::IdentityRequestsMetAtLeast { percent } => {
                    let n = (u64::from(percent) * asked).div_ceil(100);
                    identity = Some(identity.map_or(n, |m| m.max(n)));
                }
            }
        }
        if floors.is_empty() && identity.is_none() {
            return None;
        }
        Some(Side {
            held: floors.first().copied().unwrap_or((Group::Grade, 0)),
            other: floors.get(1).copied(),
            identity,
            organisation_cap,
        })
    }
}

/// The best matching under the model's objective and constraints (coverage
/// floors over one grouping or both, floors on identity requests met, caps on
/// mentees from one organisation), when the objective is one a flow can
/// hold; none when the model is not of that kind or a network fails.
///
/// The network holds one grouping's floor (as in the module's text), the cap,
/// and the mentees held; the other grouping's floor and the identity floor are
/// relaxed (a network without them bounds every matching that meets them) and
/// branched on where a node's optimum breaks them:
/// - a group short of its floor with a mentee the optimum leaves uncovered:
///   that mentee covered, or held uncovered; with none, every matching in
///   the node that meets the floor covers fewer in all than the optimum does;
/// - too few identity requests met: a mentee whose request the optimum leaves
///   unmet has it met (the first unit through their request layer forced), or
///   held unmet (the layer closed); with none, no matching in the node meets
///   more requests than the optimum does, so the node has none that meets
///   the floor.
///
/// The branch that keeps the optimum has it as its own optimum, so only the
/// other takes a network. Identity requests enter the network as a last level
/// of the objective (so each mentee has a request layer to hold), which
/// changes no earlier level's optimum. `incumbents`, each repaired to meet
/// every constraint, start the search; `upper`, when given, bounds every
/// matching that meets the constraints; `most`, when given, is the most
/// mentees any matching that meets the held floor covers.
#[allow(clippy::too_many_arguments)]
pub(super) fn branch_on_constraints(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    incumbents: Vec<Matching>,
    upper: Option<Vec<i64>>,
    most: Option<u32>,
    multiplier: Option<Multiplier>,
    deadline: Option<Instant>,
) -> Option<Searched> {
    let task = Task {
        upper,
        most,
        multiplier,
        ..Task::from(incumbents, deadline)
    };
    search(programme, model, pricer, task)
}

/// A matching that meets every constraint of a model with an identity
/// floor, looked for where repairs found none: the search without the
/// identity floor, under the objective with identity requests met as a
/// first level, stopped as soon as its best matching meets the `needed`
/// requests (or after half the search's networks and time); run to the end,
/// its best matching meets the most requests the floors allow, so it meets
/// the identity floor too whenever any does.
fn meeting_identity_first(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    incumbents: Vec<Matching>,
    needed: u64,
    deadline: Option<Instant>,
) -> Option<Matching> {
    let mut first = model.clone();
    first
        .constraints
        .retain(|c| !matches!(c, Constraint::IdentityRequestsMetAtLeast { .. }));
    first.objective.insert(0, Term::IdentityRequestsMet { weight: 1 });
    let task = Task {
        max_nodes: MAX_NODES / 2,
        enough: Some(i64::try_from(needed).unwrap_or(i64::MAX)),
        ..Task::from(incumbents, deadline)
    };
    let found = match search(programme, &first, pricer, task)? {
        Searched::Optimal(solution) => solution.matching,
        Searched::Stopped { best, .. } => best,
        Searched::Infeasible => return None,
    };
    model
        .constraints
        .iter()
        .all(|c| constraint_met(programme, &found, c))
        .then_some(found)
}

/// What flows find for a model whose objective counts profession requests
/// and whose constraints include an identity floor: a network cannot count
/// both kinds of request (each needs its own layer of the mentee's pairs,
/// and the two overlap), so the search cannot hold the model itself. The same
/// constraints under the objective without its profession terms are decided
/// by flows (the Lagrangian relaxation, or the search when there are coverage
/// floors): whether any matching meets them, and if one does, a matching
/// that does, which starts the integer program. `None` when flows cannot
/// tell; `Some(None)` when no matching meets the constraints.
///
/// A second start keeps the professions: the optimum without the
/// constraints (`flow`), solved again with every mentee whose request it
/// leaves unmet, and who can have it met, given only pairs that meet it
/// (a network the profession layer still holds), then made to meet the
/// floors; the better of the two is the start.
pub(super) fn start_without_professions(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    flow: &Matching,
    deadline: Option<Instant>,
) -> Option<Option<Matching>> {
    let counts_professions = |t: &Term| matches!(t, Term::ProfessionRequestsMet { .. });
    let identity_floor = |c: &Constraint| matches!(c, Constraint::IdentityRequestsMetAtLeast { .. });
    if !model.constraints.iter().any(identity_floor)
        || !model
            .objective
            .iter()
            .any(|t| t.parts().iter().any(|(p, _)| counts_professions(p)))
    {
        return None;
    }
    // Each profession request term becomes the total score, which a pair
    // that meets the request raises: a start that still leans to them.
    let swap = |t: &Term| match t {
        Term::ProfessionRequestsMet { weight } => Term::TotalScore { weight: *weight },
        t => t.clone(),
    };
    let mut plain = model.clone();
    plain.objective = model
        .objective
        .iter()
        .map(|term| match term {
            Term::WeightedSum { terms } => Term::WeightedSum {
                terms: terms.iter().map(swap).collect(),
            },
            t => swap(t),
        })
        .collect();
    let found = if plain
        .constraints
        .iter()
        .any(|c| matches!(c, Constraint::CoverageFloor { .. }))
    {
        let task = Task {
            max_nodes: MAX_NODES / 4,
            ..Task::from(Vec::new(), deadline)
        };
        match search(programme, &plain, pricer, task)? {
            Searched::Optimal(solution) => solution.matching,
            Searched::Stopped { best, .. } => best,
            Searched::Infeasible => return Some(None),
        }
    } else {
        match super::floors::flow_with_identity_floor(programme, &plain, pricer.pairs())? {
            Ok((solution, ..)) => solution.matching,
            Err(super::floors::Left::Undecided(undecided)) => undecided.best,
            Err(super::floors::Left::Error(super::super::SolveError::Infeasible { .. })) => return Some(None),
            Err(super::floors::Left::Error(_)) => return None,
        }
    };
    let meets = |m: &Matching| model.constraints.iter().all(|c| constraint_met(programme, m, c));
    let mut starts: Vec<Matching> = Vec::new();
    if meets(&found) {
        starts.push(found);
    }
    let mentees = programme.mentees.len();
    let mut met = vec![false; mentees];
    for pair in flow.pairs.iter().filter(|p| p.identity_matched) {
        met[pair.mentee as usize] = true;
    }
    let mut can_meet = vec![false; mentees];
    for pair in pricer.pairs().iter().filter(|p| p.identity_matched) {
        can_meet[pair.mentee as usize] = true;
    }
    // The first tries narrow as many as the floor is short of, those with a
    // pair that meets both requests first (narrowing them costs no
    // profession); each try that falls short narrows twice as many, and the
    // last every mentee who can have their request met.
    let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
    let needed = model
        .constraints
        .iter()
        .filter_map(|c| match *c {
            Constraint::IdentityRequestsMetAtLeast { percent } => Some((u64::from(percent) * asked).div_ceil(100)),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut both = vec![false; mentees];
    for pair in pricer
        .pairs()
        .iter()
        .filter(|p| p.identity_matched && p.profession_matched)
    {
        both[pair.mentee as usize] = true;
    }
    let mut order: Vec<usize> = (0..mentees)
        .filter(|&e| programme.mentees[e].asks_for_identity() && !met[e] && can_meet[e])
        .collect();
    order.sort_by_key(|&e| (!both[e], e));
    let short = needed.saturating_sub(met.iter().filter(|&&m| m).count() as u64) as usize;
    let mut count = short.max(1);
    for last in [false, false, false, false, true] {
        let mut narrowed = vec![false; mentees];
        if last {
            for e in (0..mentees).filter(|&e| programme.mentees[e].asks_for_identity() && can_meet[e]) {
                narrowed[e] = true;
            }
        } else {
            for &e in order.iter().take(count) {
                narrowed[e] = true;
            }
        }
        let narrow: Vec<Pair> = pricer
            .pairs()
            .iter()
            .filter(|p| p.identity_matched || p.pinned || !narrowed[p.mentee as usize])
            .copied()
            .collect();
        let mut narrow_pricer = Pricer::new(programme, &narrow);
        let Some(solution) = super::floors::flow_without_constraints(programme, model, &mut narrow_pricer) else {
            break;
        };
        let m = solution.matching;
        let m = if meets(&m) {
            Some(m)
        } else {
            repair_floors(programme, model, pricer.pairs(), m)
        };
        if let Some(m) = m {
            starts.push(m);
            break;
        }
        if count >= order.len() || deadline.is_some_and(|d| Instant::now() >= d) {
            if last {
                break;
            }
            count = order.len();
        }
        count *= 2;
    }
    Some(
        starts
            .into_iter()
            .max_by_key(|m| m.objective_values(programme, &model.objective)),
    )
}

/// What one search starts from, and how far it goes.
struct Task {
    /// Matchings offered before any network: the best that meets every
    /// constraint (repaired where it can be) is the first incumbent.
    incumbents: Vec<Matching>,
    /// Values no matching that meets the constraints exceeds, where known.
    upper: Option<Vec<i64>>,
    /// The most mentees such a matching covers, where known.
    most: Option<u32>,
    /// Where identity requests enter the networks, where known.
    multiplier: Option<Multiplier>,
    deadline: Option<Instant>,
    /// The pricer's work (see [`Pricer::work`]) at which the search stops,
    /// for a neighbourhood's.
    work_limit: Option<u64>,
    /// Networks solved before the search may hand over (see [`MAX_NODES`]).
    max_nodes: usize,
    /// Stop as soon as the best matching's first level reaches this.
    enough: Option<i64>,
    /// A neighbourhood's search: the mentees its first node holds.
    root: Option<Held>,
}

impl Task {
    /// A whole search from `incumbents`, until `deadline` and the usual networks.
    fn from(incumbents: Vec<Matching>, deadline: Option<Instant>) -> Task {
        Task {
            incumbents,
            upper: None,
            most: None,
            multiplier: None,
            deadline,
            work_limit: None,
            max_nodes: MAX_NODES,
            enough: None,
            root: None,
        }
    }
}

fn search(programme: &Programme, model: &Model, pricer: &mut Pricer, task: Task) -> Option<Searched> {
    let Task {
        incumbents,
        upper,
        most,
        multiplier,
        deadline,
        work_limit,
        max_nodes,
        enough,
        root,
    } = task;
    let start = Instant::now();
    let work_at_start = pricer.work();
    // A search of a neighbourhood (see `Held`) only looks for a better
    // matching there: no dives, and no neighbourhoods of its own.
    let whole = root.is_none();
    let root = root.unwrap_or_default();
    let side = Side::of(programme, model)?;
    let (by, percent) = side.held;
    let organisation_cap = side.organisation_cap;
    let levels = model.objective.len();
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let participants = programme.mentees.len() + programme.mentors.len();
    let costs = flow_can_solve(&relaxed, participants).ok()?;
    // Where identity requests are mixed into a level, `(level, num, den)`.
    let mut mixed: Option<(usize, u64, u64)> = None;
    // An objective counting profession requests, with identity requests
    // entered for their floor: the networks count both, overlapping (a
    // relaxation; see `ArcCosts::overlapping`), and a node whose optimum
    // counts some mentee's profession request twice is branched on that
    // mentee: held to a pair meeting both requests, or to none.
    let overlap = side.identity.is_some() && costs.profession_met != 0;
    if side.identity.is_some() {
        match multiplier.and_then(|m| Some((m, relaxed_model(model, m)?))) {
            Some((Multiplier::Mixed { level, num, den }, mixed_model)) if den > 0 => {
                relaxed = mixed_model;
                mixed = Some((level, num, den));
            }
            _ => relaxed.objective.push(Term::IdentityRequestsMet { weight: 1 }),
        }
        if !overlap {
            flow_can_solve(&relaxed, participants).ok()?;
        }
    }
    // What `counted_twice` reads of the layout: which mentees split their requests.
    let layout = match overlap {
        true => ArcCosts::overlapping(&relaxed, participants, None).ok()?,
        false => costs,
    };
    let needed = side.identity.unwrap_or(0);
    // The model's values a node's network bounds, from the network's (its
    // relaxed objective's) values, the requests its optimum meets, and
    // whether its values are its matching's. Mixed at level p, every matching
    // y in the node that meets the floor and ties the optimum x before p has
    // den L_p(y) + num N <= den L_p(y) + num I(y) <= den L_p(x) + num I(x);
    // when I(x) = N, one that ties at p too ties on the relaxed level, so
    // the later levels are the optimum's. `ratio` is the node's multiplier,
    // `num / den` (see `Node::ratio`).
    let model_bound = |network: &[i64], met: u64, exact: bool, ratio: (u64, u64)| -> Vec<i64> {
        match mixed {
            None => network[..levels].to_vec(),
            Some((p, ..)) => (0..levels)
                .map(|l| match l.cmp(&p) {
                    Ordering::Less => network[l],
                    Ordering::Equal => {
                        let (num, den) = ratio;
                        let b =
                            (i128::from(network[p]) - i128::from(num) * i128::from(needed)).div_euclid(i128::from(den));
                        i64::try_from(b).unwrap_or(i64::MAX)
                    }
                    Ordering::Greater if exact && met == needed => network[l],
                    Ordering::Greater => i64::MAX,
                })
                .collect(),
        }
    };

    // The objective a node's network holds at its multiplier: the search's
    // own where it is the one the search started with.
    let first_ratio = mixed.map(|(_, num, den)| (num, den));
    let at_ratio = |ratio: (u64, u64)| -> Option<std::borrow::Cow<'_, Model>> {
        match mixed {
            Some((level, ..)) if Some(ratio) != first_ratio => {
                let (num, den) = ratio;
                relaxed_model(model, Multiplier::Mixed { level, num, den }).map(std::borrow::Cow::Owned)
            }
            _ => Some(std::borrow::Cow::Borrowed(&relaxed)),
        }
    };

    // Groups as the constraint counts them: mentees who can take a match.
    let groups_by = |by: Group| -> (Vec<u32>, Vec<u64>) {
        let mut ids: HashMap<u32, u32> = HashMap::new();
        let group: Vec<u32> = (0..programme.mentees.len())
            .map(|e| {
                if programme.mentees[e].person.capacity == 0 {
                    return u32::MAX;
                }
                let next = ids.len() as u32;
                *ids.entry(group_of(programme, e, by)).or_insert(next)
            })
            .collect();
        let mut sizes = vec![0u64; ids.len()];
        for &g in group.iter().filter(|&&g| g != u32::MAX) {
            sizes[g as usize] += 1;
        }
        (group, sizes)
    };
    let (group, sizes) = groups_by(by);
    let all: u64 = sizes.iter().sum();
    let lower = |total: u32| -> Vec<u32> {
        shares(&sizes, percent, u64::from(total), all)
            .into_iter()
            .map(|l| l as u32)
            .collect()
    };
    // Mentees with an eligible pair, and with one that meets their identity request.
    let mut reachable = vec![false; programme.mentees.len()];
    let mut can_meet = vec![false; programme.mentees.len()];
    let mut best_score = vec![0u32; programme.mentees.len()];
    let mut best_identity_score = vec![0u32; programme.mentees.len()];
    for pair in pricer.pairs() {
        let e = pair.mentee as usize;
        reachable[e] = true;
        best_score[e] = best_score[e].max(pair.score);
        if pair.identity_matched {
            can_meet[e] = true;
            best_identity_score[e] = best_identity_score[e].max(pair.score);
        }
    }
    let mut coverable = vec![0u64; sizes.len()];
    for (e, &g) in group.iter().enumerate() {
        if g != u32::MAX && reachable[e] {
            coverable[g as usize] += 1;
        }
    }
    // Totals some matching can have exactly: the groups' bounds fit in them.
    // A group with nobody who can be matched leaves only the total 0. (Each
    // group's bound could also be held to the mentees in it who can be
    // matched, but ranges cut that way make the total's bound bind, which the
    // network holds less well: the search then takes far more networks.)
    let nobody = percent > 0 && coverable.contains(&0);
    let fits: Vec<bool> = (0..=all as u32)
        .map(|total| {
            lower(total).iter().map(|&l| u64::from(l)).sum::<u64>() <= u64::from(total) && (total == 0 || !nobody)
        })
        .collect();
    let held_floor = Constraint::CoverageFloor { by, percent };
    let other = side.other.map(|(by, percent)| {
        let (group, sizes) = groups_by(by);
        (Constraint::CoverageFloor { by, percent }, percent, group, sizes)
    });
    let meets = |m: &Matching| model.constraints.iter().all(|c| constraint_met(programme, m, c));
    let values = |m: &Matching| m.objective_values(programme, &model.objective);

    // Pinned pairs are in every matching: their mentees are held covered.
    let mut pinned: Vec<u32> = Vec::new();
    for pair in pricer.pairs().iter().filter(|p| p.pinned) {
        if group[pair.mentee as usize] != u32::MAX {
            pinned.push(pair.mentee);
        }
    }
    pinned.sort_unstable();
    pinned.dedup();

    let mut best: Option<(Vec<i64>, Matching)> = None;
    // Made once: the search repairs every matching it is offered.
    let repair = FloorRepair::new(programme, model, pricer.pairs());
    let offer = |best: &mut Option<(Vec<i64>, Matching)>, m: Matching| {
        let m = if meets(&m) { Some(m) } else { repair.repair(m) };
        if let Some(m) = m {
            let v = values(&m);
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                *best = Some((v, m));
            }
        }
    };
    let starts = incumbents.clone();
    // The dive starts from the flow's optimum; under an identity floor, from
    // the best start that meets it (the floor's own optimum, where known),
    // whose met requests the dive then holds met.
    let requests_met = |m: &Matching| m.mentees_with(programme, |p| p.identity_matched) as u64;
    // Under an identity floor, every such start of the best values (the
    // floor's optima found different ways lead different dives), the last
    // first.
    let dive_from: Vec<Matching> = match side.identity {
        Some(needed) => {
            let meeting: Vec<&Matching> = incumbents.iter().filter(|m| requests_met(m) >= needed).collect();
            let top = meeting.iter().map(|m| values(m)).max();
            let mut starts: Vec<Matching> = Vec::new();
            for m in meeting.into_iter().rev().filter(|m| Some(values(m)) == top) {
                if starts.iter().all(|s| s.pairs != m.pairs) {
                    starts.push(m.clone());
                }
            }
            starts
        }
        None => incumbents.first().cloned().into_iter().collect(),
    };
    for m in incumbents {
        offer(&mut best, m);
    }
    // The pins alone cover the fewest mentees any matching can: a start.
    offer(
        &mut best,
        Matching::new(pricer.pairs().iter().filter(|p| p.pinned).copied().collect()),
    );
    if let (None, Some(needed)) = (&best, side.identity) {
        if let Some(m) = meeting_identity_first(programme, model, pricer, starts, needed, deadline) {
            offer(&mut best, m);
        }
    }
    // A group covers at most its mentees with an eligible pair, k_g; a
    // matching that meets a floor then covers at most 100 n k_g / (K n_g) in
    // all. Held only where it is 0 (a group of the other grouping nobody in
    // it can be matched with): an upper bound on the total that binds makes
    // the network give later matches without a first, and the search far
    // longer (as `fits` says of the held grouping).
    let mut within = all;
    let floors = other
        .iter()
        .map(|(_, percent, group, sizes)| (group.as_slice(), sizes.as_slice(), *percent));
    for (group, sizes, percent) in floors.filter(|f| f.2 > 0) {
        let n: u64 = sizes.iter().sum();
        let mut coverable = vec![0u64; sizes.len()];
        for (e, &g) in group.iter().enumerate() {
            if g != u32::MAX && reachable[e] {
                coverable[g as usize] += 1;
            }
        }
        for (g, &size) in sizes.iter().enumerate() {
            within = within.min(100 * n * coverable[g] / (u64::from(percent) * size));
        }
    }
    // A dive from the flow's optimum towards the held floor: where the best
    // matching loses to the flow's bound only by the floor's repair, a
    // matching with the short groups' mentees covered (places moved to them
    // at no cost, where the objective does not count coverage) often meets
    // the floor at no loss.
    let mut dived = 0;
    // The held floor, for the dives and the searches for both floors.
    let dive_floor = DiveFloor {
        group: &group,
        sizes: &sizes,
        percent,
        reachable: &reachable,
        request_forced: Vec::new(),
        overlap,
    };
    // Not where only the empty matching meets the floors (nobody to cover
    // in some group): the search settles that at once.
    if percent > 0 && !nobody && within > 0 && whole {
        for start in dive_from {
            let held = dive_floor.holding_requests_of(&start, side.identity.is_some());
            // With the requests held, the model's own objective (requests
            // met as a last level, for their layer): the multiplier would
            // trade score for requests the floor no longer needs.
            let mut plain = model.clone();
            plain.constraints.clear();
            if side.identity.is_some() {
                plain.objective.push(Term::IdentityRequestsMet { weight: 1 });
            }
            // The short groups covered with the fewest more, from the
            // start and from the dive's end, a few rounds each.
            let mut covered = Vec::new();
            for from in [Some(start.clone()), None] {
                let mut m = match from {
                    Some(m) => m,
                    None => {
                        let (found, networks) = dive_to_floor(
                            programme,
                            &plain,
                            pricer,
                            organisation_cap,
                            &held,
                            start.clone(),
                            deadline,
                        );
                        dived += networks;
                        match found {
                            Some(m) => m,
                            None => break,
                        }
                    }
                };
                for _ in 0..SHORT_ROUNDS {
                    let Some(next) =
                        cover_short_groups(programme, &plain, pricer, organisation_cap, &held, &m, deadline)
                    else {
                        break;
                    };
                    dived += 1;
                    covered.push(std::mem::replace(&mut m, next));
                }
                covered.push(m);
            }
            for m in covered {
                offer(&mut best, m);
            }
        }
    }
    // Where the first level counts the mentees covered (with its weight),
    // a node's matchings cover at most its `most`; once the best matching
    // covers that many, a better one in the node covers exactly as many.
    let covered_weight = match model.objective.first() {
        Some(Term::MenteesWithAtLeast { matches: 1, weight }) if *weight > 0 => Some(i64::from(*weight)),
        _ => None,
    };
    // What was known before the search: set aside to compare the root's bound with.
    let known = upper.clone();
    // Whether the root's network bounds every matching less tightly than
    // what was known, at or before the level the best matching leaves open:
    // the search then has a weaker bound to close before it can add
    // anything (as where the networks count many mentees' requests twice),
    // so it hands over after a few networks, not after its full time.
    let mut weaker = false;
    let mut open = BinaryHeap::new();
    open.push(Node {
        // Each identity request met is a mentee covered: a matching that
        // meets the identity floor covers at least as many as it needs.
        least: needed.min(all) as u32,
        most: if within == 0 {
            0
        } else {
            most.map_or(all as u32, |m| m.min(all as u32))
        },
        dropped: root.dropped.clone(),
        forced: {
            let mut forced = root.forced.clone();
            forced.extend(pinned.iter().filter(|e| !root.forced.contains(e)));
            forced
        },
        request_met: root.request_met.clone(),
        request_unmet: root.request_unmet.clone(),
        both_met: Vec::new(),
        both_unmet: Vec::new(),
        bound: upper.unwrap_or_else(|| vec![i64::MAX; levels]),
        solved: None,
        link: Rc::new(BTreeMap::new()),
        ratio: mixed.map_or((0, 1), |(_, num, den)| (num, den)),
    });
    // The level the link's multipliers are counted in: the last, which
    // the search's bounds leave open longest (and the identity floor's
    // multiplier, when mixed in, shares).
    let link_level = (levels > 0 && mixed.is_none_or(|(p, ..)| p == levels - 1)).then(|| levels - 1);
    let mut nodes = 0;
    let mut solves = 0;
    // Networks solved for the link's bound (see `tighten`).
    let mut linked = 0;
    // Networks spent looking for a matching that meets both groupings' floors.
    let mut both_tried = 0;
    // When the next neighbourhood of the best matching is searched.
    let mut next_neighbourhood = NEIGHBOURHOOD_FROM;
    let most_covered = most;
    // The neighbourhood's mentees left free: the `turn`th of `parts` slices.
    let (mut turn, mut parts) = (0usize, 1usize);
    while let Some(node) = open.pop() {
        // A caller looking for any matching that good has one.
        if enough.is_some_and(|e| best.as_ref().is_some_and(|(v, _)| v.first().is_some_and(|&f| f >= e))) {
            open.push(node);
            break;
        }
        if best.as_ref().is_some_and(|(v, _)| node.bound <= *v) {
            continue;
        }
        // Only totals the groups' bounds fit in: the range's ends move in to them.
        let from = match (&best, covered_weight) {
            (Some((v, _)), Some(w)) if v[0] >= w * i64::from(node.most) => node.most.max(node.least),
            _ => node.least,
        };
        let Some(least) = (from..=node.most).find(|&t| fits[t as usize]) else {
            continue;
        };
        let Some(most) = (least..=node.most).rev().find(|&t| fits[t as usize]) else {
            continue;
        };
        let moved = (least, most) != (node.least, node.most);
        let node = Node {
            least,
            most,
            // A narrower range may not have the parent's optimum.
            solved: node.solved.filter(|_| !moved),
            ..node
        };
        let spent = match weaker {
            true => solves >= max_nodes / 8,
            false => {
                solves >= max_nodes
                    && pricer.work() - work_at_start >= SEARCH_WORK * max_nodes as u64 / MAX_NODES as u64
            }
        };
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        let out_of_work = work_limit.is_some_and(|w| pricer.work() >= w);
        if node.solved.is_none() && solves > 0 && (spent || out_of_time || out_of_work) {
            open.push(node);
            break;
        }
        nodes += 1;
        let mentees = programme.mentees.len();
        let marks = |list: &[u32]| {
            let mut marked = vec![false; mentees];
            for &e in list {
                marked[e as usize] = true;
            }
            marked
        };
        let gadget = CoverageGadget {
            group_of: group.clone(),
            lower: lower(node.least),
            total: Some((node.least, node.most)),
            dropped: marks(&node.dropped),
            forced: marks(&node.forced),
            request_forced: marks(&node.request_met),
            request_banned: marks(&node.request_unmet),
            link: None,
            overlap,
            both_forced: marks(&node.both_met),
            both_banned: marks(&node.both_unmet),
            identity_against: Vec::new(),
        };
        let (solved, link, ratio) = match node.solved.clone() {
            Some(solved) => (solved, node.link.clone(), node.ratio),
            None => {
                // The node's network under the multiplier `ratio`: its
                // optimum, read as the search reads it; `None` where no
                // matching is in the node.
                let evaluate = |pricer: &mut Pricer, relaxed: &Model, ratio: (u64, u64)| {
                    let (solution, flows) = pricer.solve_gadget(relaxed, organisation_cap, &gadget).ok()?;
                    if flows.short {
                        return Some(None);
                    }
                    let counts = solution.matching.mentee_counts(programme);
                    let uncounted =
                        counted_first(&group, &gadget, node.most, &flows.first_unit, flows.uncounted(&counts));
                    let met = solution.matching.mentees_with(programme, |p| p.identity_matched) as u64;
                    let twice = match overlap {
                        true => gadget.counted_twice(programme, &layout, &solution.matching),
                        false => Vec::new(),
                    };
                    let network = counted_values(programme, relaxed, &solution, &counts, &uncounted);
                    let network = with_counted_twice(relaxed, network, twice.len());
                    let bound = model_bound(&network, met, uncounted.is_empty() && twice.is_empty(), ratio);
                    Some(Some((
                        Solved {
                            solution,
                            counts,
                            uncounted,
                            twice,
                            bound,
                        },
                        met,
                    )))
                };
                solves += 1;
                let node_relaxed = at_ratio(node.ratio)?;
                let Some((mut evaluated, mut met)) = evaluate(pricer, &node_relaxed, node.ratio)? else {
                    continue; // no matching in this node
                };
                // A matching that meets every constraint, from this optimum.
                offer(&mut best, evaluated.solution.matching.clone());
                // A matching that meets both floors, from this optimum: a few
                // networks per search.
                if let Some((_, other_percent, other_group, other_sizes)) = other.as_ref().filter(|_| {
                    // (Only from a node the best matching does not close,
                    // and under an identity floor, from an optimum that
                    // meets it: its met requests are held.)
                    let matching = &evaluated.solution.matching;
                    whole
                        && both_tried < BOTH_SEARCHES
                        && !meets(matching)
                        && best.as_ref().is_none_or(|(v, _)| evaluated.bound > *v)
                        && side.identity.is_none_or(|needed| requests_met(matching) >= needed)
                }) {
                    both_tried += 1;
                    let held = dive_floor.holding_requests_of(&evaluated.solution.matching, side.identity.is_some());
                    // From the optimum, then (while that improves the
                    // best) from the best: its groups' shares held, the
                    // rest of its places free.
                    let mut from = evaluated.solution.matching.clone();
                    // A matching that meets every constraint at the node's
                    // bound closes it: no need to look further.
                    let closes = |m: &Matching| meets(m) && values(m) >= evaluated.bound;
                    for _ in 0..=BOTH_IMPROVEMENTS {
                        let before = best.as_ref().map(|(v, _)| v.clone());
                        let (found, networks) = cover_both_floors(
                            programme,
                            &relaxed,
                            pricer,
                            organisation_cap,
                            &held,
                            (other_group, other_sizes, *other_percent),
                            &from,
                            &closes,
                            &pinned,
                            deadline,
                        );
                        dived += networks;
                        for m in found {
                            offer(&mut best, m);
                        }
                        // Again while it improves, and the node is open.
                        match &best {
                            Some((v, m)) if before.as_ref().is_none_or(|b| v > b) && evaluated.bound > *v => {
                                from = m.clone()
                            }
                            _ => break,
                        }
                    }
                }

                let mut ratio = node.ratio;
                let mut node_relaxed = node_relaxed;
                // The identity multiplier, moved for this node: every one
                // bounds it (the argument of `model_bound`), and the root's
                // (right for the programme without the floors) can be far
                // from the node's best, leaving a gap of the floor's slack.
                if let Some((p, ..)) = mixed {
                    let mut tried: Vec<(f64, i64, i64)> = Vec::new(); // (ratio, bound at p, requests met - needed)
                    let as_f64 = |(num, den): (u64, u64)| num as f64 / den as f64;
                    tried.push((as_f64(ratio), evaluated.bound[p], met as i64 - needed as i64));
                    for _ in 0..RATIO_STEPS {
                        let Some((v, _)) = &best else { break };
                        let bound = &evaluated.bound;
                        // Only where the multiplier's level decides the node.
                        if bound[..p] != v[..p] || bound[p] <= v[p] || met == needed {
                            break;
                        }
                        let Some(next) = next_ratio(&tried, v[p]) else { break };
                        let Some(next_relaxed) = at_ratio(next).filter(|m| flow_can_solve(m, participants).is_ok())
                        else {
                            break;
                        };
                        solves += 1;
                        let Some((candidate, candidate_met)) = evaluate(pricer, &next_relaxed, next)? else {
                            break;
                        };
                        offer(&mut best, candidate.solution.matching.clone());
                        tried.push((as_f64(next), candidate.bound[p], candidate_met as i64 - needed as i64));
                        if candidate.bound < evaluated.bound
                            || (candidate.bound == evaluated.bound && candidate_met == needed)
                        {
                            (evaluated, met, ratio, node_relaxed) = (candidate, candidate_met, next, next_relaxed);
                        }
                    }
                }
                let Solved {
                    solution,
                    counts,
                    uncounted,
                    twice,
                    mut bound,
                } = evaluated;
                let mut link = node.link.clone();
                // Only near the incumbent (where a few points close a
                // node), and at most as many networks as the search's own:
                // where the link's bound closes nothing, it costs no more
                // than half the time.
                let near = |level: usize| {
                    best.as_ref().is_some_and(|(v, _)| {
                        v[..level] == bound[..level]
                            && (bound[level] - v[level]).saturating_mul(NEAR) <= bound[level].saturating_abs()
                    })
                };
                // (Not where requests overlap: the link's values do not
                // count a mentee's request twice.)
                let spare = linked <= solves - linked && !overlap;
                if let Some(level) = link_level.filter(|&l| !uncounted.is_empty() && spare && near(l)) {
                    let incumbent = best.as_ref().map(|(v, _)| v.clone());
                    let tightened = tighten(
                        &Tighten {
                            programme,
                            model: &node_relaxed,
                            organisation_cap,
                            gadget: &gadget,
                            level,
                            rounds: LINK_ROUNDS,
                            scale: mixed.map_or(1.0, |_| ratio.1 as f64),
                            deadline,
                        },
                        pricer,
                        (*link).clone(),
                        bound,
                        incumbent,
                        &mut |m: Matching| {
                            offer(&mut best, m);
                            best.as_ref().map(|(v, _)| v.clone())
                        },
                        &|network: &[i64]| model_bound(network, 0, false, ratio)[level],
                    );
                    solves += tightened.networks;
                    linked += tightened.networks;
                    bound = tightened.bound;
                    link = Rc::new(tightened.multipliers);
                }
                if solves == 1 {
                    if let (Some(known), Some((v, _))) = (&known, &best) {
                        let open = (0..levels).find(|&l| v[l] != known[l]).unwrap_or(levels);
                        let differs = (0..levels).find(|&l| bound[l] != known[l]).unwrap_or(levels);
                        weaker = differs <= open && differs < levels && bound[differs] > known[differs];
                    }
                }
                let solved = Rc::new(Solved {
                    solution,
                    counts,
                    uncounted,
                    twice,
                    bound,
                });
                (solved, link, ratio)
            }
        };
        let bound = solved.bound.clone();
        if best.as_ref().is_some_and(|(v, _)| bound <= *v) {
            continue;
        }
        let matching = &solved.solution.matching;
        // Now and then, the neighbourhood where the best matching and this
        // node's optimum agree, searched for a better matching.
        if whole && solves >= next_neighbourhood {
            next_neighbourhood = solves * 2;
            if let Some((_, incumbent)) = &best {
                let held = agreeing(programme, incumbent, matching, side.identity.is_some(), (turn, parts));
                turn += 1;
                let spent = pricer.work() - work_at_start;
                let task = Task {
                    upper: known.clone(),
                    most: most_covered,
                    multiplier,
                    work_limit: Some(pricer.work() + spent.clamp(NEIGHBOURHOOD_LEAST, NEIGHBOURHOOD_WORK)),
                    root: Some(held),
                    ..Task::from(vec![incumbent.clone()], deadline)
                };
                let found = search(programme, model, pricer, task);
                // A neighbourhood searched to the end can grow; one that was
                // not, shrinks.
                match found {
                    Some(Searched::Optimal(solution)) => {
                        parts = (parts / 2).max(1);
                        offer(&mut best, solution.matching)
                    }
                    Some(Searched::Stopped { best: found, .. }) => {
                        parts *= 2;
                        offer(&mut best, found)
                    }
                    _ => parts *= 2,
                }
                if best.as_ref().is_some_and(|(v, _)| bound <= *v) {
                    continue;
                }
            }
        }
        let counts = &solved.counts;
        let uncounted = &solved.uncounted;
        if uncounted.is_empty() && solved.twice.is_empty() && meets(matching) && mixed.is_none() {
            continue; // the node's best: its values are its bound
        }
        let child = |node: &Node| Node {
            least: node.least,
            most: node.most,
            dropped: node.dropped.clone(),
            forced: node.forced.clone(),
            request_met: node.request_met.clone(),
            request_unmet: node.request_unmet.clone(),
            both_met: node.both_met.clone(),
            both_unmet: node.both_unmet.clone(),
            bound: bound.clone(),
            solved: None,
            link: link.clone(),
            ratio,
        };
        if !uncounted.is_empty() && node.most > node.least {
            // The network gives later units without a first one to mentees
            // the bound on the number covered does not count: in halves of
            // the range, each with its floor's bounds at its own least, the
            // bound binds nearer the totals a matching there can have, and
            // closes more than holding one mentee at a time does.
            let middle = node.least + (node.most - node.least) / 2;
            for (least, most) in [(node.least, middle), (middle + 1, node.most)] {
                let mut next = child(&node);
                (next.least, next.most) = (least, most);
                open.push(next);
            }
        } else if !uncounted.is_empty() && node.forced.len() as u32 >= node.most {
            // The held mentees fill the total: nobody else can be covered.
            let held = marks(&node.forced);
            let mut next = child(&node);
            next.dropped = (0..mentees as u32).filter(|&e| !held[e as usize]).collect();
            open.push(next);
        } else if let Some(&e) = uncounted
            .iter()
            .max_by_key(|&&e| (counts[e as usize], std::cmp::Reverse(e)))
        {
            // The network counts e as not covered but gives it units (the
            // one with the most, whose units the bound overcounts most).
            let mut without = child(&node);
            without.dropped.push(e);
            let mut with = child(&node);
            with.forced.push(e);
            if !node.request_met.contains(&e) && !node.both_met.contains(&e) {
                open.push(without);
            }
            open.push(with);
        } else if let Some(&e) = solved.twice.first() {
            // The network counts e's profession request twice: e has a pair
            // meeting both requests (which meets the identity request too),
            // or none. Neither branch has this optimum at this value.
            let mut with = child(&node);
            with.both_met.push(e);
            if !with.request_met.contains(&e) {
                with.request_met.push(e);
            }
            if !node.request_unmet.contains(&e) {
                open.push(with);
            }
            let mut without = child(&node);
            without.both_unmet.push(e);
            open.push(without);
        } else if !constraint_met(programme, matching, &held_floor) {
            // Every count is the matching's, and the floor is broken at C:
            // [least, C - 1] halved (so that a search down from C takes
            // halving steps, not one step per total), and [C, most].
            let covered = counts.iter().filter(|&&c| c > 0).count() as u32;
            debug_assert!(covered > node.least && covered <= node.most);
            let middle = node.least + (covered - node.least) / 2;
            for (least, most) in [(node.least, middle.saturating_sub(1)), (middle, covered - 1)] {
                if least <= most && least < covered {
                    let mut next = child(&node);
                    (next.least, next.most) = (least, most);
                    open.push(next);
                }
            }
            let mut next = child(&node);
            next.least = covered;
            open.push(next);
        } else if let Some((floor, percent, other_group, other_sizes)) = other
            .as_ref()
            .filter(|(floor, ..)| !constraint_met(programme, matching, floor))
        {
            let _ = floor;
            // The group furthest below its floor, as whole numbers:
            // K n_g C - 100 n c_g.
            let all_other: u64 = other_sizes.iter().sum();
            let covered = counts.iter().filter(|&&c| c > 0).count() as u64;
            let mut have = vec![0u64; other_sizes.len()];
            for (e, &g) in other_group.iter().enumerate() {
                if g != u32::MAX && counts[e] > 0 {
                    have[g as usize] += 1;
                }
            }
            let short = (0..other_sizes.len())
                .max_by_key(|&g| {
                    (
                        i128::from(*percent) * i128::from(other_sizes[g]) * i128::from(covered)
                            - 100 * i128::from(all_other) * i128::from(have[g]),
                        std::cmp::Reverse(g),
                    )
                })
                .unwrap_or(0) as u32;
            let dropped = marks(&node.dropped);
            // Its uncovered mentee with the best pair: the likeliest to be covered.
            let candidate = (0..mentees)
                .filter(|&e| other_group[e] == short && counts[e] == 0 && reachable[e] && !dropped[e])
                .max_by_key(|&e| (best_score[e], std::cmp::Reverse(e)));
            match candidate {
                Some(e) => {
                    let mut with = child(&node);
                    with.forced.push(e as u32);
                    open.push(with);
                    let mut without = child(&node);
                    without.dropped.push(e as u32);
                    without.solved = Some(solved.clone());
                    open.push(without);
                }
                None => {
                    // The group covers all it can here (c), so a matching
                    // that meets the floor covers at most 100 n c / (K n_g)
                    // in all, fewer than this optimum does.
                    let g = short as usize;
                    let most = (100 * all_other * have[g] / (u64::from(*percent) * other_sizes[g])).min(covered - 1);
                    if covered > 0 && most >= u64::from(node.least) {
                        let mut next = child(&node);
                        next.most = most as u32;
                        open.push(next);
                    }
                }
            }
        } else if let Some(needed) = side.identity {
            let mut met = vec![false; mentees];
            for pair in matching.pairs.iter().filter(|p| p.identity_matched) {
                met[pair.mentee as usize] = true;
            }
            if met.iter().filter(|&&m| m).count() as u64 >= needed {
                // Every constraint is met, and the optimum meets more
                // requests than the floor asks: the multiplier's slack is
                // the gap. A mentee whose request it meets (the one whose
                // best such pair scores least) has it held unmet, or met.
                let held = marks(&node.request_met);
                let candidate = (0..mentees)
                    .filter(|&e| met[e] && !held[e])
                    .min_by_key(|&e| (best_identity_score[e], e));
                if let Some(e) = candidate {
                    let mut without = child(&node);
                    without.request_unmet.push(e as u32);
                    open.push(without);
                    let mut with = child(&node);
                    with.request_met.push(e as u32);
                    with.solved = Some(solved.clone());
                    open.push(with);
                }
                // With none, every matching in the node meets every request
                // this optimum does, so none is better (the bound's argument
                // with I(y) >= I(x)): the node is closed.
                continue;
            }
            let dropped = marks(&node.dropped);
            let unmet = marks(&node.request_unmet);
            let candidate = (0..mentees)
                .filter(|&e| {
                    programme.mentees[e].asks_for_identity() && !met[e] && can_meet[e] && !dropped[e] && !unmet[e]
                })
                .max_by_key(|&e| (best_identity_score[e], std::cmp::Reverse(e)));
            if let Some(e) = candidate {
                let mut with = child(&node);
                with.request_met.push(e as u32);
                open.push(with);
                let mut without = child(&node);
                without.request_unmet.push(e as u32);
                without.solved = Some(solved.clone());
                open.push(without);
            }
            // With none, no matching in the node meets more requests than
            // this optimum: none meets the floor.
        }
    }
    let Some((value, matching)) = best else {
        return Some(if open.is_empty() {
            Searched::Infeasible
        } else {
            // Stopped before any matching that meets the constraints was found.
            return None;
        });
    };
    // The best bound still open, if any beats the incumbent.
    let top = open.into_iter().map(|n| n.bound).filter(|b| *b > value).max();
    match top {
        None => {
            let stats = SolveStats {
                rounds: solves + dived,
                eligible_pairs: pricer.pairs().len(),
                time: start.elapsed(),
                certificate: Some(if nodes == 0 {
                    // Closed before any node: a start reached the bound.
                    format!(
                        "a matching that meets {} reaches the optimum without {}{}",
                        these(model),
                        if model.constraints.len() == 1 { "it" } else { "them" },
                        match solves + dived {
                            0 => String::new(),
                            1 => " (1 network)".to_string(),
                            n => format!(" ({n} networks)"),
                        }
                    )
                } else {
                    format!(
                        "branch and bound over {nodes} nodes ({} networks): every matching that meets {} \
                         is in a node whose network's optimum is no better",
                        solves + dived,
                        these(model),
                    )
                }),
                ..SolveStats::default()
            };
            Some(Searched::Optimal(Solution::new(
                programme,
                model,
                matching.pairs,
                stats,
            )))
        }
        Some(top) => {
            let level = (0..value.len()).find(|&l| top[l] != value[l]).unwrap_or(0);
            Some(Searched::Stopped {
                best: matching,
                level,
                bound: top[level],
            })
        }
    }
}

/// Mentees a search's first node holds: a neighbourhood of the best
/// matching, where it and a node's optimum agree.
#[derive(Default)]
struct Held {
    dropped: Vec<u32>,
    forced: Vec<u32>,
    request_met: Vec<u32>,
    request_unmet: Vec<u32>,
}

/// The neighbourhood where a matching and a node's optimum agree: each
/// mentee both cover held covered, each both leave out held uncovered, and
/// under an identity floor each request both meet (or both leave unmet)
/// held so. Of the mentees they differ on, only `free` (the `turn`th such
/// slice of them) are left free, the rest held as in `best`; every pair is
/// left free.
fn agreeing(programme: &Programme, best: &Matching, optimum: &Matching, identity: bool, free: (usize, usize)) -> Held {
    let mentees = programme.mentees.len();
    let (a, b) = (best.mentee_counts(programme), optimum.mentee_counts(programme));
    let met = |m: &Matching| {
        let mut met = vec![false; mentees];
        for pair in m.pairs.iter().filter(|p| p.identity_matched) {
            met[pair.mentee as usize] = true;
        }
        met
    };
    let (ma, mb) = (met(best), met(optimum));
    let differ: Vec<usize> = (0..mentees)
        .filter(|&e| programme.mentees[e].person.capacity > 0)
        .filter(|&e| (a[e] > 0) != (b[e] > 0) || (identity && ma[e] != mb[e]))
        .collect();
    let (turn, parts) = free;
    let mut left = vec![false; mentees];
    for (i, &e) in differ.iter().enumerate() {
        left[e] = i * parts / differ.len().max(1) == turn % parts;
    }
    let mut held = Held::default();
    for e in (0..mentees).filter(|&e| programme.mentees[e].person.capacity > 0 && !left[e]) {
        let (covered, request) = match (a[e] > 0) == (b[e] > 0) {
            true => (a[e] > 0, (ma[e] == mb[e]).then_some(ma[e])),
            false => (a[e] > 0, Some(ma[e])),
        };
        match covered {
            true => held.forced.push(e as u32),
            false => held.dropped.push(e as u32),
        }
        if identity && programme.mentees[e].asks_for_identity() {
            match request {
                Some(true) => held.request_met.push(e as u32),
                Some(false) => held.request_unmet.push(e as u32),
                None => {}
            }
        }
    }
    held
}

/// The floor a dive works towards: each mentee's group (`u32::MAX`: none),
/// the groups' sizes, and the percent; the mentees with an eligible pair;
/// and the mentees whose identity request every round holds met (so that an
/// identity floor the start meets stays met).
struct DiveFloor<'a> {
    group: &'a [u32],
    sizes: &'a [u64],
    percent: u32,
    reachable: &'a [bool],
    request_forced: Vec<bool>,
    /// Whether the networks count both kinds of request (see `search`).
    overlap: bool,
}

impl<'a> DiveFloor<'a> {
    /// The same floor from `start`: under an identity floor (`identity`),
    /// with the requests `start` meets held met.
    fn holding_requests_of(&self, start: &Matching, identity: bool) -> DiveFloor<'a> {
        let mut request_forced = vec![false; self.group.len()];
        if identity {
            for pair in start.pairs.iter().filter(|p| p.identity_matched) {
                request_forced[pair.mentee as usize] = true;
            }
        }
        DiveFloor {
            request_forced,
            ..*self
        }
    }
}

/// Rounds of the link's multipliers at a node (from its parent's
/// multipliers): each one network.
const LINK_ROUNDS: usize = 4;

/// The link's rounds run at a node whose bound is within 1/`NEAR` of the
/// incumbent's value at the link's level (and ties it before).
const NEAR: i64 = 100;

/// A node's network, for [`tighten`].
struct Tighten<'a> {
    programme: &'a Programme,
    /// The objective the network holds (the search's relaxed one).
    model: &'a Model,
    organisation_cap: Option<u32>,
    gadget: &'a CoverageGadget,
    /// The level the multipliers are counted in.
    level: usize,
    rounds: usize,
    /// Units of the network's level per unit of the model's there (the
    /// identity multiplier's denominator, when it is mixed in).
    scale: f64,
    deadline: Option<Instant>,
}

/// What [`tighten`] found.
struct Tightened {
    bound: Vec<i64>,
    multipliers: BTreeMap<(u32, u32), f64>,
    networks: usize,
}

/// A node's bound, tightened by the Lagrangian relaxation of the link the
/// network lacks (see [`super::super::Link`]): a few rounds of subgradient
/// steps on each pair's multiplier, from `multipliers`. A pair made while
/// its mentee has no first unit raises its multiplier; one with a
/// multiplier, not made while its mentee is covered, lowers it. Every
/// round's network optimum bounds the node
/// at the link's level, for matchings that tie `bound` before it (the
/// multipliers change nothing earlier), so the least is kept. The steps are
/// Polyak's, towards the incumbent's value; each round's matching is
/// offered as an incumbent (`offer` gives the incumbent's values after).
/// `level_bound` reads the model's bound at the level from the network's
/// values there.
#[allow(clippy::too_many_arguments)]
fn tighten(
    node: &Tighten,
    pricer: &mut Pricer,
    mut multipliers: BTreeMap<(u32, u32), f64>,
    mut bound: Vec<i64>,
    mut incumbent: Option<Vec<i64>>,
    offer: &mut dyn FnMut(Matching) -> Option<Vec<i64>>,
    level_bound: &dyn Fn(&[i64]) -> i64,
) -> Tightened {
    let programme = node.programme;
    let level = node.level;
    let mut theta = 1.0;
    let mut stale = 0;
    let mut networks = 0;
    for _ in 0..node.rounds {
        let Some(target) = incumbent.as_ref().filter(|v| bound > **v) else {
            break; // nothing to aim at, or the node is closed
        };
        if node.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let gap = (bound[level] - target[level]).max(1) as f64 * node.scale;
        let link = Link {
            level,
            multipliers: multipliers
                .iter()
                .map(|(&pair, &u)| (pair, (u * f64::from(Link::FRACTION)).round() as u32))
                .filter(|&(_, u)| u > 0)
                .collect(),
        };
        let gadget = CoverageGadget {
            link: Some(link.clone()),
            ..node.gadget.clone()
        };
        networks += 1;
        let Ok((solution, flows)) = pricer.solve_gadget(node.model, node.organisation_cap, &gadget) else {
            break;
        };
        if flows.short {
            break;
        }
        let z = level_bound(&flows.linked_values(programme, node.model, &solution, Some(&link)));
        if z < bound[level] {
            bound[level] = z;
            stale = 0;
        } else {
            stale += 1;
            if stale >= 6 {
                theta /= 2.0;
                stale = 0;
            }
        }
        incumbent = offer(solution.matching.clone());
        // The subgradient: each pair made less its mentee's first unit, on
        // the pairs with a multiplier and those made without a first unit.
        let mut subgradient: BTreeMap<(u32, u32), f64> = multipliers.keys().map(|&pair| (pair, 0.0)).collect();
        for pair in &solution.matching.pairs {
            subgradient.insert((pair.mentee, pair.mentor), 1.0);
        }
        for (&(mentee, _), g) in subgradient.iter_mut() {
            *g -= f64::from(u8::from(flows.first_unit[mentee as usize]));
        }
        // Projected: a multiplier at 0 that would fall stays, and adds nothing.
        subgradient.retain(|pair, g| *g > 0.0 || multipliers.get(pair).is_some_and(|&u| u > 0.0));
        let norm: f64 = subgradient.values().map(|g| g * g).sum();
        if norm == 0.0 {
            break;
        }
        let step = theta * gap / norm;
        for (pair, g) in subgradient {
            let u = multipliers.entry(pair).or_insert(0.0);
            *u = (*u + step * g).max(0.0);
        }
        multipliers.retain(|_, u| *u > 0.0);
    }
    Tightened {
        bound,
        multipliers,
        networks,
    }
}

/// Networks a node may solve at other identity multipliers than its
/// parent's (see [`next_ratio`]).
const RATIO_STEPS: usize = 6;

/// Denominator of the multipliers [`next_ratio`] tries.
const RATIO_DEN: u64 = 16;

/// The next identity multiplier to try at a node, from those tried: each
/// `(ratio, bound, requests met - needed)`, a line `bound + slack x (r -
/// ratio)` under the node's bound as a function of the multiplier `r`
/// (convex: the most of lines, one per flow). Between tries on both sides
/// of the floor, where the nearest two lines meet; from one side, towards
/// where its last line reaches `target` (the incumbent's value). In
/// [`RATIO_DEN`]ths, above 0; none where that was tried.
fn next_ratio(tried: &[(f64, i64, i64)], target: i64) -> Option<(u64, u64)> {
    let below = tried.iter().filter(|t| t.2 < 0).max_by(|a, b| a.0.total_cmp(&b.0));
    let above = tried.iter().filter(|t| t.2 > 0).min_by(|a, b| a.0.total_cmp(&b.0));
    let next = match (below, above) {
        (Some(&(ra, va, ga)), Some(&(rb, vb, gb))) if ra < rb => {
            let (ga, gb, va, vb) = (ga as f64, gb as f64, va as f64, vb as f64);
            let meet = (vb - va + ga * ra - gb * rb) / (ga - gb);
            if meet > ra && meet < rb {
                meet
            } else {
                (ra + rb) / 2.0
            }
        }
        (Some(&(r, v, g)), None) | (None, Some(&(r, v, g))) => {
            // Too few requests met: a higher multiplier; too many: lower.
            let step = ((v - target).max(1) as f64 / g.abs() as f64).min(r.max(1.0));
            if g < 0 {
                r + step
            } else {
                r - step
            }
        }
        _ => return None,
    };
    let num = (next * RATIO_DEN as f64).round().max(1.0) as u64;
    let divisor = gcd(num, RATIO_DEN);
    let ratio = (num / divisor, RATIO_DEN / divisor);
    let as_f64 = ratio.0 as f64 / ratio.1 as f64;
    tried.iter().all(|t| (t.0 - as_f64).abs() > 1e-9).then_some(ratio)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// "the constraint" or "the constraints", as the model has.
fn these(model: &Model) -> &'static str {
    if model.constraints.len() == 1 {
        "the constraint"
    } else {
        "the constraints"
    }
}

/// Rounds of a dive: each one network.
const DIVE_ROUNDS: usize = 12;

/// Rounds of covering short groups from one matching: each one network.
const SHORT_ROUNDS: usize = 3;

/// From a matching that breaks a coverage floor, a few networks towards one
/// that meets it: each round finds the total the short groups' coverage
/// allows, holds uncovered as many of the other groups' mentees with one
/// match (lowest score first) as cover more than that total needs, holds
/// the short groups at that total's floor, and solves again, so the places
/// set free go where the objective says (often to mentees already covered).
/// A heuristic: the matching it ends with, which may still break the floor
/// (the caller repairs it) or none when a network fails, and the networks
/// it solved.
fn dive_to_floor(
    programme: &Programme,
    relaxed: &Model,
    pricer: &mut Pricer,
    organisation_cap: Option<u32>,
    floor: &DiveFloor,
    start: Matching,
    deadline: Option<Instant>,
) -> (Option<Matching>, usize) {
    let mut networks = 0;
    let mentees = programme.mentees.len();
    let all: u64 = floor.sizes.iter().sum();
    let need = |total: u64| shares(floor.sizes, floor.percent, total, all);
    let mut matching = start;
    // A bound on the mentees covered, once holding the short groups at the
    // floor of the total reached has failed: first units are held to it
    // (later units can still escape it; the caller repairs what results).
    let mut most: Option<u64> = None;
    let mut ahead = 0;
    let mut short_before = usize::MAX;
    for _ in 0..DIVE_ROUNDS {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let counts = matching.mentee_counts(programme);
        let mut have = vec![0u64; floor.sizes.len()];
        for (e, &g) in floor.group.iter().enumerate() {
            if g != u32::MAX && counts[e] > 0 {
                have[g as usize] += 1;
            }
        }
        let covered: u64 = have.iter().sum();
        let needed = need(covered);
        let short = (0..have.len()).filter(|&g| have[g] < needed[g]).count();
        if short == 0 {
            break;
        }
        // No closer than the round before: first hold the groups at the
        // floor of a larger total (forcing them up raises the total, and
        // with it every group's floor), and once that cannot be met, hold
        // the total lower.
        let step = |t: u64| t.saturating_sub((t / 16).max(1));
        if short >= short_before {
            match most {
                None => ahead += (covered / 32).max(1),
                Some(t) => most = Some(step(t.min(covered))),
            }
        }
        short_before = short;
        let target = most.unwrap_or(covered + ahead);
        let gadget = CoverageGadget {
            group_of: floor.group.to_vec(),
            lower: need(target).iter().map(|&l| l as u32).collect(),
            total: most.map(|t| (0, t as u32)),
            dropped: vec![false; mentees],
            request_forced: floor.request_forced.clone(),
            overlap: floor.overlap,
            ..CoverageGadget::default()
        };
        networks += 1;
        let Ok((solution, flows)) = pricer.solve_gadget(relaxed, organisation_cap, &gadget) else {
            return (None, networks);
        };
        if flows.short {
            // The groups cannot reach that total's floor: hold it lower.
            most = Some(step(most.unwrap_or(covered).min(covered)));
            short_before = usize::MAX;
            continue;
        }
        matching = solution.matching;
    }
    (Some(matching), networks)
}

/// A matching nearer a coverage floor, from `start`, that breaks it: the
/// groups short of the floor (and those that fall short as they cover more)
/// are opened, every other uncovered mentee is held uncovered, every group
/// is held at the floor of the total so reached, and one network places
/// everyone. The mentees `start` covers keep their places or give them up to
/// the short groups' mentees, so the total grows only by what the short
/// groups need, where a dive (covering more wherever the objective likes)
/// raises every group's floor with it. None when `start` meets the floor
/// already, no such total exists (a short group with nobody left to cover),
/// or the network has no flow.
fn cover_short_groups(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    organisation_cap: Option<u32>,
    floor: &DiveFloor,
    start: &Matching,
    deadline: Option<Instant>,
) -> Option<Matching> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return None;
    }
    let mentees = programme.mentees.len();
    let counts = start.mentee_counts(programme);
    let all: u64 = floor.sizes.iter().sum();
    let percent = u64::from(floor.percent);
    let mut have = vec![0u64; floor.sizes.len()];
    // Uncovered mentees each group could have covered.
    let mut uncovered = vec![0u64; have.len()];
    for (e, &g) in floor.group.iter().enumerate() {
        match g {
            u32::MAX => {}
            g if counts[e] > 0 => have[g as usize] += 1,
            g if floor.reachable[e] => uncovered[g as usize] += 1,
            _ => {}
        }
    }
    // Group g meets the floor at total t: 100 n c_g >= K n_g t.
    let meets = |g: usize, have: u64, total: u64| 100 * all * have >= percent * floor.sizes[g] * total;
    let mut total: u64 = have.iter().sum();
    let mut opened = vec![false; have.len()];
    let mut short = false;
    while let Some(g) = (0..have.len()).find(|&g| !meets(g, have[g], total)) {
        if uncovered[g] == 0 {
            return None;
        }
        short = true;
        uncovered[g] -= 1;
        opened[g] = true;
        have[g] += 1;
        total += 1;
    }
    if !short {
        return None;
    }
    let dropped = (0..mentees)
        .map(|e| counts[e] == 0 && floor.group[e] != u32::MAX && !opened[floor.group[e] as usize])
        .collect();
    let gadget = CoverageGadget {
        group_of: floor.group.to_vec(),
        lower: shares(floor.sizes, floor.percent, total, all)
            .into_iter()
            .map(|l| l as u32)
            .collect(),
        dropped,
        request_forced: floor.request_forced.clone(),
        overlap: floor.overlap,
        ..CoverageGadget::default()
    };
    let (solution, flows) = pricer.solve_gadget(model, organisation_cap, &gadget).ok()?;
    (!flows.short).then_some(solution.matching)
}

/// Of the mentees the network gave units without a first one, those whose
/// first unit it could not have given: on ties (where later units cost what
/// a first does) the network may take either, and a first unit through its
/// group is as good wherever the total's and the group's arcs have room, so
/// those are counted as covered (and need no branch). The room is shared, so
/// each one takes a place in order.
fn counted_first(
    group: &[u32],
    gadget: &CoverageGadget,
    most: u32,
    first_unit: &[bool],
    uncounted: Vec<u32>,
) -> Vec<u32> {
    let mut room_total = i64::from(most) - first_unit.iter().filter(|&&f| f).count() as i64;
    let mut room = vec![0i64; gadget.lower.len()];
    for (e, &g) in group.iter().enumerate() {
        if g != u32::MAX && !gadget.dropped[e] {
            room[g as usize] += if first_unit[e] { 0 } else { 1 };
        }
    }
    // A group's arcs hold max(members, lower) units: at least its members.
    uncounted
        .into_iter()
        .filter(|&e| {
            let g = group[e as usize] as usize;
            if room_total > 0 && room[g] > 0 {
                room_total -= 1;
                room[g] -= 1;
                false
            } else {
                true
            }
        })
        .collect()
}

/// Node optima per search that [`cover_both_floors`] starts from.
const BOTH_SEARCHES: usize = 6;

/// The mentees each group of `sizes` (of `all` in all) must have covered
/// under a floor of `percent` when `total` are covered.
fn shares(sizes: &[u64], percent: u32, total: u64, all: u64) -> Vec<u64> {
    sizes
        .iter()
        .map(|&n| (u64::from(percent) * n * total).div_ceil(100 * all.max(1)))
        .collect()
}

/// Rounds of [`cover_both_floors`] from the best matching, while each
/// improves it.
const BOTH_IMPROVEMENTS: usize = 8;

/// Networks [`cover_both_floors`] tries for its chosen mentees.
const EXACT_TRIES: usize = 3;

/// Totals below the start's that [`cover_both_floors`] tries.
const BOTH_TRIES: u32 = 3;

/// From a matching that breaks a floor of two groupings (`held`, which the
/// networks hold, and `other`: its mentees' groups, the groups' sizes and
/// the percent), matchings that meet both, each from one network:
/// - the mentees covered chosen first ([`choose_covered`]): the start's,
///   with swaps until no group of either grouping is short; then those
///   covered exactly (everyone else held uncovered), so only who has later
///   matches is left to the objective (mentees the network cannot cover so
///   are swapped out, and it tries again);
/// - each way round, at the number the start covers or a few fewer: one
///   grouping's floor held by the network at that total (its groups' first
///   matches forced, the total held at exactly it), and the other's shares
///   held covered (the mentees the start places best first, then those
///   with the most eligible pairs), so the objective decides who else is
///   covered.
///
/// Pinned mentees, and those whose request `held` holds met, are covered in
/// every one. It stops at the first matching `closes` accepts (one that
/// meets every constraint at the node's bound). With the networks solved.
#[allow(clippy::too_many_arguments)]
fn cover_both_floors(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    organisation_cap: Option<u32>,
    held: &DiveFloor,
    other: (&[u32], &[u64], u32),
    start: &Matching,
    closes: &dyn Fn(&Matching) -> bool,
    pinned: &[u32],
    deadline: Option<Instant>,
) -> (Vec<Matching>, usize) {
    let mentees = programme.mentees.len();
    let counts = start.mentee_counts(programme);
    // What each mentee's pairs score in the start: the best placed are
    // kept first.
    let mut scores = vec![0u64; mentees];
    for pair in &start.pairs {
        scores[pair.mentee as usize] += u64::from(pair.score);
    }
    let covered = (0..mentees)
        .filter(|&e| counts[e] > 0 && held.group[e] != u32::MAX)
        .count() as u64;
    let all: u64 = held.sizes.iter().sum();
    let need = |sizes: &[u64], percent: u32, total: u64| shares(sizes, percent, total, all);
    let mut options = vec![0u32; mentees];
    for pair in pricer.pairs() {
        options[pair.mentee as usize] += 1;
    }
    let mut found = Vec::new();
    let mut networks = 0;
    // Pinned mentees, and those whose request is held met, are covered in
    // every flow: kept, and counted in their groups' shares.
    let mut forced_pinned = held.request_forced.clone();
    forced_pinned.resize(mentees, false);
    for &e in pinned {
        forced_pinned[e as usize] = true;
    }
    // Mentees a network could not cover as chosen: not chosen again.
    let mut excluded = vec![false; mentees];
    let mut start_set: Vec<bool> = (0..mentees).map(|e| counts[e] > 0).collect();
    for _ in 0..EXACT_TRIES {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let Some(chosen) = choose_covered(
            held,
            other,
            &start_set,
            &scores,
            &options,
            &forced_pinned,
            &excluded,
            covered,
        ) else {
            break;
        };
        let gadget = CoverageGadget {
            group_of: held.group.to_vec(),
            lower: vec![0; held.sizes.len()],
            dropped: (0..mentees).map(|e| !chosen[e] && held.group[e] != u32::MAX).collect(),
            request_forced: (0..mentees).map(|e| chosen[e] && held.request_forced[e]).collect(),
            forced: chosen.clone(),
            overlap: held.overlap,
            ..CoverageGadget::default()
        };
        networks += 1;
        let Ok((solution, flows)) = pricer.solve_gadget(model, organisation_cap, &gadget) else {
            break;
        };
        if !flows.short {
            let done = closes(&solution.matching);
            found.push(solution.matching);
            if done {
                return (found, networks);
            }
            break;
        }
        // The chosen the flow could not cover make way for others.
        for e in (0..mentees).filter(|&e| chosen[e] && !flows.first_unit[e] && !forced_pinned[e]) {
            excluded[e] = true;
        }
        start_set = (0..mentees).map(|e| chosen[e] && !excluded[e]).collect();
    }
    // Each way round: one grouping's floor held by the network, the
    // other's shares held covered (the network holding the other grouping
    // frees other mentees).
    let (held_group, held_sizes, held_percent) = (held.group, held.sizes, held.percent);
    for (network_floor, kept_floor) in [
        ((held_group, held_sizes, held_percent), other),
        (other, (held_group, held_sizes, held_percent)),
    ] {
        let (kept_group, kept_sizes, kept_percent) = kept_floor;
        // Each group's mentees in the order they are held covered.
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); kept_sizes.len()];
        for e in 0..mentees {
            let g = kept_group[e];
            if g != u32::MAX && (counts[e] > 0 || (held.reachable[e] && options[e] > 0)) {
                order[g as usize].push(e);
            }
        }
        for list in &mut order {
            list.sort_by_key(|&e| (std::cmp::Reverse(scores[e]), std::cmp::Reverse(options[e]), e));
        }
        for total in (covered.saturating_sub(u64::from(BOTH_TRIES))..=covered).rev() {
            if total == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let mut forced = forced_pinned.clone();
            let needs = need(kept_sizes, kept_percent, total);
            let mut enough = true;
            for (list, &n) in order.iter().zip(&needs) {
                let already = list.iter().filter(|&&e| forced[e]).count() as u64;
                let more = n.saturating_sub(already) as usize;
                enough &= list.iter().filter(|&&e| !forced[e]).count() >= more;
                for &e in list.iter().filter(|&&e| !forced[e]).take(more).collect::<Vec<_>>() {
                    forced[e] = true;
                }
            }
            if !enough || forced.iter().filter(|&&f| f).count() as u64 > total {
                continue;
            }
            let (group, sizes, percent) = network_floor;
            let gadget = CoverageGadget {
                group_of: group.to_vec(),
                lower: need(sizes, percent, total).iter().map(|&l| l as u32).collect(),
                total: Some((total as u32, total as u32)),
                forced,
                request_forced: held.request_forced.clone(),
                overlap: held.overlap,
                ..CoverageGadget::default()
            };
            networks += 1;
            let Ok((solution, flows)) = pricer.solve_gadget(model, organisation_cap, &gadget) else {
                break;
            };
            if !flows.short {
                let done = closes(&solution.matching);
                found.push(solution.matching);
                if done {
                    return (found, networks);
                }
                break;
            }
        }
    }
    (found, networks)
}

/// The mentees [`cover_both_floors`] covers first: `total` of them, from
/// `start` (topped up from short groups first, then by the most eligible
/// pairs), with swaps until every group of both groupings has its floor's
/// share at that total: a short group's mentee (one in short groups of
/// both groupings first, then the most eligible pairs) in for a chosen one
/// whose groups are above their floors, or share the other grouping's
/// group (added ones first, then the least placed by `scores`). Never one
/// `excluded`, and every `pinned` one kept. None when a short group has
/// nobody left to swap in or nobody to swap out.
#[allow(clippy::too_many_arguments)]
fn choose_covered(
    held: &DiveFloor,
    other: (&[u32], &[u64], u32),
    start: &[bool],
    scores: &[u64],
    options: &[u32],
    pinned: &[bool],
    excluded: &[bool],
    total: u64,
) -> Option<Vec<bool>> {
    let mentees = start.len();
    let all: u64 = held.sizes.iter().sum();
    let need = |sizes: &[u64], percent: u32, total: u64| shares(sizes, percent, total, all);
    let (other_group, other_sizes, other_percent) = other;
    let groupings = [
        (held.group, need(held.sizes, held.percent, total)),
        (other_group, need(other_sizes, other_percent, total)),
    ];
    let mut chosen: Vec<bool> = (0..mentees)
        .map(|e| (start[e] || pinned[e]) && held.group[e] != u32::MAX)
        .collect();
    let mut have: Vec<Vec<u64>> = groupings.iter().map(|(_, n)| vec![0; n.len()]).collect();
    let add = |have: &mut Vec<Vec<u64>>, e: usize, by: i64| {
        for (k, (group, _)) in groupings.iter().enumerate() {
            let h = &mut have[k][group[e] as usize];
            *h = h.saturating_add_signed(by);
        }
    };
    for e in (0..mentees).filter(|&e| chosen[e]) {
        add(&mut have, e, 1);
    }
    let candidate = |chosen: &[bool], e: usize| {
        !chosen[e] && !excluded[e] && held.reachable[e] && options[e] > 0 && held.group[e] != u32::MAX
    };
    // How many short groups a mentee is in.
    let shortness = |have: &[Vec<u64>], e: usize| {
        groupings
            .iter()
            .enumerate()
            .filter(|(k, (group, needs))| have[*k][group[e] as usize] < needs[group[e] as usize])
            .count()
    };
    let mut count = chosen.iter().filter(|&&c| c).count() as u64;
    while count < total {
        let e = (0..mentees)
            .filter(|&e| candidate(&chosen, e))
            .max_by_key(|&e| (shortness(&have, e), options[e], std::cmp::Reverse(e)))?;
        chosen[e] = true;
        add(&mut have, e, 1);
        count += 1;
    }
    // Whether swapping `f` out for `e` (who fills a short group of
    // grouping `short`) keeps every group `f` is in at its floor: above it,
    // or (in the other grouping) the group `e` comes into.
    let surplus = |have: &[Vec<u64>], short: usize, e: usize, f: usize| {
        groupings.iter().enumerate().all(|(k, (group, needs))| {
            let g = group[f] as usize;
            have[k][g] > needs[g] || (k != short && group[e] as usize == g)
        })
    };
    for _ in 0..mentees {
        // The first short group, the other grouping's first.
        let Some((k, g)) = [1, 0]
            .into_iter()
            .flat_map(|k| (0..groupings[k].1.len()).map(move |g| (k, g)))
            .find(|&(k, g)| have[k][g] < groupings[k].1[g])
        else {
            return Some(chosen);
        };
        let e = (0..mentees)
            .filter(|&e| candidate(&chosen, e) && groupings[k].0[e] as usize == g)
            .max_by_key(|&e| (shortness(&have, e), options[e], std::cmp::Reverse(e)))?;
        let f = (0..mentees)
            .filter(|&f| chosen[f] && !pinned[f] && surplus(&have, k, e, f))
            .min_by_key(|&f| (start[f], scores[f], options[f], f))?;
        add(&mut have, e, 1);
        add(&mut have, f, -1);
        chosen[e] = true;
        chosen[f] = false;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{agreeing, next_ratio};
    use crate::eligibility::eligible_pairs;
    use crate::matching::Matching;
    use crate::model::Model;
    use crate::registration::generate::{generate, GenerateSpec};
    use crate::registration::History;
    use proptest::prelude::*;

    /// A `generate` programme read under `model`.
    fn generated(mentees: usize, mentors: usize, seed: u64, model: &Model) -> crate::registration::Programme {
        generate(&GenerateSpec { mentees, mentors, seed })
            .read(model)
            .unwrap()
            .programme
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The neighbourhood always holds the best matching (so its search
        /// can only improve on it), holds each mentee once, and leaves free
        /// only mentees the two matchings differ on, a `parts`th of them.
        #[test]
        fn a_neighbourhood_holds_the_best_matching_and_frees_only_differences(
            seed in 0u64..1_000,
            best_picks in proptest::collection::vec(any::<bool>(), 400),
            optimum_picks in proptest::collection::vec(any::<bool>(), 400),
            turn in 0usize..4,
            parts in 1usize..4,
            identity in any::<bool>(),
        ) {
            let model = Model::built_in("quality").unwrap();
            let programme = generated(30, 12, seed, &model);
            let pairs = eligible_pairs(&programme, &model, &History::default());
            let pick = |picks: &[bool]| {
                Matching::new(pairs.iter().zip(picks.iter().cycle()).filter(|(_, &p)| p).map(|(p, _)| *p).collect())
            };
            let (best, optimum) = (pick(&best_picks), pick(&optimum_picks));
            let held = agreeing(&programme, &best, &optimum, identity, (turn, parts));

            let mentees = programme.mentees.len();
            let (a, b) = (best.mentee_counts(&programme), optimum.mentee_counts(&programme));
            let met = |m: &Matching, e: usize| m.pairs.iter().any(|p| p.mentee as usize == e && p.identity_matched);
            let mut times = vec![0; mentees];
            for &e in held.forced.iter().chain(&held.dropped) {
                times[e as usize] += 1;
            }
            for &e in &held.forced {
                prop_assert!(a[e as usize] > 0, "mentee {e} held covered, uncovered in the best");
            }
            for &e in &held.dropped {
                prop_assert!(a[e as usize] == 0, "mentee {e} held uncovered, covered in the best");
            }
            for &e in &held.request_met {
                prop_assert!(identity && met(&best, e as usize));
            }
            for &e in &held.request_unmet {
                prop_assert!(identity && !met(&best, e as usize));
            }
            let differ = |e: usize| (a[e] > 0) != (b[e] > 0) || (identity && met(&best, e) != met(&optimum, e));
            let mut free = 0;
            let mut differing = 0;
            for e in (0..mentees).filter(|&e| programme.mentees[e].person.capacity > 0) {
                prop_assert!(times[e] <= 1, "mentee {e} held twice");
                differing += usize::from(differ(e));
                if times[e] == 0 {
                    prop_assert!(differ(e), "mentee {e} left free, though both matchings agree on them");
                    free += 1;
                }
            }
            prop_assert!(free <= differing.div_ceil(parts));
            if parts == 1 {
                prop_assert_eq!(free, differing);
            }
        }
    }

    /// Mentees chosen for both floors (coverage + grade 90% + organisation
    /// 80% on scarce mentors, `generate` 300 + 60 seed 3): asked to stop at
    /// the first matching that closes the node, the search for them gives
    /// that one matching, after no more networks than the whole search.
    #[test]
    fn covering_both_floors_stops_at_the_first_matching_that_closes_the_node() {
        use super::super::super::capped::Pricer;
        use super::super::constraints::group_of;
        use super::{cover_both_floors, DiveFloor};
        use crate::model::Group;

        let model = Model::built_in("coverage").unwrap();
        let programme = generated(300, 60, 3, &model);
        let pairs = eligible_pairs(&programme, &model, &History::default());
        let mentees = programme.mentees.len();
        // Each grouping's groups numbered from 0, as the search numbers them.
        let groups = |by: Group| {
            let mut ids = std::collections::HashMap::new();
            let group: Vec<u32> = (0..mentees)
                .map(|e| {
                    let next = ids.len() as u32;
                    *ids.entry(group_of(&programme, e, by)).or_insert(next)
                })
                .collect();
            let mut sizes = vec![0u64; ids.len()];
            for &g in &group {
                sizes[g as usize] += 1;
            }
            (group, sizes)
        };
        let (grades, grade_sizes) = groups(Group::Grade);
        let (organisations, organisation_sizes) = groups(Group::Organisation);
        let reachable = vec![true; mentees];
        let held = DiveFloor {
            group: &grades,
            sizes: &grade_sizes,
            percent: 90,
            reachable: &reachable,
            request_forced: vec![false; mentees],
            overlap: false,
        };
        let start = Pricer::new(&programme, &pairs)
            .solve_capped(&model, None)
            .unwrap()
            .matching;
        // Each from a new pricer, so that both solve the same networks.
        let search = |closes: &dyn Fn(&Matching) -> bool| {
            let other = (&organisations[..], &organisation_sizes[..], 80);
            let mut pricer = Pricer::new(&programme, &pairs);
            cover_both_floors(
                &programme,
                &model,
                &mut pricer,
                None,
                &held,
                other,
                &start,
                closes,
                &[],
                None,
            )
        };
        let (all, all_networks) = search(&|_| false);
        let (first, first_networks) = search(&|_| true);
        assert!(all.len() >= 2, "the whole search found {} matchings", all.len());
        assert_eq!(first.len(), 1);
        assert!(first[0].pairs == all[0].pairs, "the first matching differs");
        assert!(
            first_networks < all_networks,
            "{first_networks} networks, {all_networks} for all"
        );
    }

    #[test]
    fn the_next_multiplier_steps_from_one_side_and_meets_between_two() {
        // Too few requests met at 10: higher, by the line's reach to the target.
        assert_eq!(next_ratio(&[(10.0, 100, -5)], 90), Some((12, 1)));
        // Too many: lower, at most halving.
        assert_eq!(next_ratio(&[(4.0, 100, 50)], 0), Some((2, 1)));
        // Both sides: where the two lines meet, 10.25.
        assert_eq!(next_ratio(&[(10.0, 100, -5), (12.0, 104, 3)], 90), Some((41, 4)));
        // Nothing new to try.
        assert_eq!(next_ratio(&[(10.0, 100, -5), (10.0625, 99, 3)], 90), None);
        assert_eq!(next_ratio(&[(10.0, 100, 0)], 90), None);
    }
}
