//! A coverage floor under any objective a flow can hold, decided by branch and
//! bound on flows: every node is one network (the coverage gadget of
//! [`super::super::CoverageGadget`], solved by pricing), and the few decisions
//! a network cannot hold are branched on.
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
//! - a flow with such a mentee `e`: the node splits into `e` uncovered and
//!   `e` covered, neither of which has `x`.
//!
//! Nodes are taken best bound first; each optimum, made to meet the floor by
//! dropping the most covered groups' mentees (`floors::repair_coverage_floor`),
//! may be a better incumbent, and a node whose bound is no better than the
//! incumbent's values is closed. When no node is open, the incumbent is the
//! lexicographic optimum: every matching that meets the floor is in some
//! closed node, whose bound it cannot beat. A limit on nodes or time stops
//! the search with the incumbent and the best open bound, which the caller
//! hands to the integer program (or reports as the gap).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use super::super::capped::Pricer;
use super::super::{flow_can_solve, CoverageGadget, Solution, SolveStats};
use super::constraints::{constraint_met, group_of};
use super::floors::repair_coverage_floor;
use crate::matching::Matching;
use crate::model::{Constraint, Group, Model, Term};
use crate::registration::Programme;

/// Most nodes before the search stops and leaves the rest to the program.
pub(super) const MAX_NODES: usize = 400;

/// What the search found.
pub(super) enum Searched {
    /// The optimum, proven by the search.
    Optimal(Solution),
    /// Stopped (at the node or time limit) with the best matching found that
    /// meets every constraint, the first level on which it may not be
    /// optimal, and no matching has more there than `bound`.
    Stopped { best: Matching, level: usize, bound: i64 },
}

/// One node: the range of the number covered, and the mentees held.
struct Node {
    least: u32,
    most: u32,
    dropped: Vec<u32>,
    forced: Vec<u32>,
    /// The parent's bound: no matching in the node has better values.
    bound: Vec<i64>,
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
    /// Best bound first; among equal bounds, the one covering more (its
    /// optimum is a matching more often), then the deeper one.
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .cmp(&other.bound)
            .then(self.least.cmp(&other.least))
            .then((self.dropped.len() + self.forced.len()).cmp(&(other.dropped.len() + other.forced.len())))
            .then(self.forced.len().cmp(&other.forced.len()))
    }
}

/// The best matching under the model's objective and constraints, when they
/// are coverage floors over one grouping (the highest holds the rest) and
/// caps on mentees from one organisation, and the objective is one a flow can
/// hold; none when the model is not of that kind or a network fails.
/// `incumbent`, when given, must meet every constraint; `most`, when given,
/// is the most mentees any matching that meets the floor covers (the
/// halving's bound), and the search starts from it.
pub(super) fn branch_on_coverage(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    incumbent: Option<Matching>,
    most: Option<u32>,
    deadline: Option<Instant>,
) -> Option<Searched> {
    let start = Instant::now();
    let mut floor: Option<(Group, u32)> = None;
    let mut organisation_cap: Option<u32> = None;
    for constraint in &model.constraints {
        match *constraint {
            Constraint::CoverageFloor { by, percent } => match floor {
                None => floor = Some((by, percent)),
                Some((same, higher)) if same == by => floor = Some((by, percent.max(higher))),
                Some(_) => return None,
            },
            Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                organisation_cap = Some(organisation_cap.map_or(mentees, |c| c.min(mentees)))
            }
            Constraint::IdentityRequestsMetAtLeast { .. } => return None,
        }
    }
    let (by, percent) = floor?;
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let participants = programme.mentees.len() + programme.mentors.len();
    flow_can_solve(&relaxed, participants).ok()?;

    // Groups as the constraint counts them: mentees who can take a match.
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
    let all: u64 = sizes.iter().sum();
    let lower = |total: u32| -> Vec<u32> {
        sizes
            .iter()
            .map(|&n| (u64::from(percent) * n * u64::from(total)).div_ceil(100 * all.max(1)) as u32)
            .collect()
    };
    // Mentees with an eligible pair, by group: no group covers more.
    let mut reachable = vec![false; programme.mentees.len()];
    for pair in pricer.pairs() {
        reachable[pair.mentee as usize] = true;
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
    let nobody = coverable.contains(&0);
    let fits: Vec<bool> = (0..=all as u32)
        .map(|total| {
            lower(total).iter().map(|&l| u64::from(l)).sum::<u64>() <= u64::from(total) && (total == 0 || !nobody)
        })
        .collect();
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

    let mut best: Option<(Vec<i64>, Matching)> = incumbent.filter(|m| meets(m)).map(|m| (values(&m), m));
    // The pins alone cover the fewest mentees any matching can: a start.
    let pins = Matching::new(pricer.pairs().iter().filter(|p| p.pinned).copied().collect());
    if meets(&pins) && best.as_ref().is_none_or(|(v, _)| values(&pins) > *v) {
        best = Some((values(&pins), pins));
    }
    let mut open = BinaryHeap::new();
    open.push(Node {
        least: 0,
        most: most.map_or(all as u32, |m| m.min(all as u32)),
        dropped: Vec::new(),
        forced: pinned,
        bound: vec![i64::MAX; model.objective.len()],
    });
    let mut nodes = 0;
    let mut solves = 0;
    while let Some(node) = open.pop() {
        if best.as_ref().is_some_and(|(v, _)| node.bound <= *v) {
            continue;
        }
        // Only totals the groups' bounds fit in: the range's ends move in to them.
        let Some(least) = (node.least..=node.most).find(|&t| fits[t as usize]) else {
            continue;
        };
        let Some(most) = (least..=node.most).rev().find(|&t| fits[t as usize]) else {
            continue;
        };
        let node = Node { least, most, ..node };
        if nodes >= MAX_NODES || deadline.is_some_and(|d| Instant::now() >= d) {
            open.push(node);
            break;
        }
        nodes += 1;
        let mut held = vec![false; programme.mentees.len()];
        let mut dropped = held.clone();
        for &e in &node.forced {
            held[e as usize] = true;
        }
        for &e in &node.dropped {
            dropped[e as usize] = true;
        }
        let gadget = CoverageGadget {
            group_of: group.clone(),
            lower: lower(node.least),
            total: Some((node.least, node.most)),
            dropped,
            forced: held,
        };
        solves += 1;
        let (solution, flows) = pricer.solve_gadget(&relaxed, organisation_cap, &gadget).ok()?;
        if flows.short {
            continue; // no matching in this node
        }
        let counts = solution.matching.mentee_counts(programme);
        let uncounted = counted_first(&group, &gadget, node.most, &flows.first_unit, flows.uncounted(&counts));
        let bound = counted_values(programme, model, &solution, &counts, &uncounted);
        if best.as_ref().is_some_and(|(v, _)| bound <= *v) {
            continue;
        }
        // A matching that meets the floor, from this optimum.
        let candidate = if meets(&solution.matching) {
            Some(solution.matching.clone())
        } else {
            repair_coverage_floor(programme, model, solution.matching.clone(), by)
        };
        if let Some(m) = candidate {
            let v = values(&m);
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, m));
            }
        }
        if uncounted.is_empty() && meets(&solution.matching) {
            continue; // the node's best: its values are its bound
        }
        if !uncounted.is_empty() && node.forced.len() as u32 >= node.most {
            // The held mentees fill the total: nobody else can be covered.
            let mut held = vec![false; programme.mentees.len()];
            for &e in &node.forced {
                held[e as usize] = true;
            }
            open.push(Node {
                dropped: (0..programme.mentees.len() as u32)
                    .filter(|&e| !held[e as usize])
                    .collect(),
                bound,
                ..node
            });
        } else if let Some(&e) = uncounted
            .iter()
            .max_by_key(|&&e| (counts[e as usize], std::cmp::Reverse(e)))
        {
            // The network counts e as not covered but gives it units (the
            // one with the most, whose units the bound overcounts most).
            let mut without = node.dropped.clone();
            without.push(e);
            let mut with = node.forced.clone();
            with.push(e);
            open.push(Node {
                dropped: without,
                forced: node.forced.clone(),
                bound: bound.clone(),
                ..node
            });
            open.push(Node {
                dropped: node.dropped,
                forced: with,
                bound,
                least: node.least,
                most: node.most,
            });
        } else {
            // Every count is the matching's, and the floor is broken at C:
            // [least, C - 1] halved (so that a search down from C takes
            // halving steps, not one step per total), and [C, most].
            let covered = counts.iter().filter(|&&c| c > 0).count() as u32;
            debug_assert!(covered > node.least && covered <= node.most);
            let middle = node.least + (covered - node.least) / 2;
            for (least, most) in [(node.least, middle.saturating_sub(1)), (middle, covered - 1)] {
                if least <= most && least < covered {
                    open.push(Node {
                        least,
                        most,
                        dropped: node.dropped.clone(),
                        forced: node.forced.clone(),
                        bound: bound.clone(),
                    });
                }
            }
            open.push(Node {
                least: covered,
                most: node.most,
                dropped: node.dropped,
                forced: node.forced,
                bound,
            });
        }
    }
    let (value, matching) = best?;
    // The best bound still open, if any beats the incumbent.
    let top = open.into_iter().map(|n| n.bound).filter(|b| *b > value).max();
    match top {
        None => {
            let stats = SolveStats {
                rounds: solves,
                eligible_pairs: pricer.pairs().len(),
                time: start.elapsed(),
                certificate: Some(format!(
                    "branch and bound over {nodes} networks: every matching that meets the coverage floor \
                     is in a network whose optimum is no better"
                )),
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

/// The network's values of its optimum: the matching's, but for each mentee
/// given units without a first one, counted as the network counts them (not
/// covered, its `k` units as its second to `k + 1`-th).
fn counted_values(
    programme: &Programme,
    model: &Model,
    solution: &Solution,
    counts: &[u32],
    uncounted: &[u32],
) -> Vec<i64> {
    let mut values = solution.objective_values.clone();
    for (level, term) in model.objective.iter().enumerate() {
        for (part, weight) in term.parts() {
            let (matches, priority_only) = match *part {
                Term::MenteesWithAtLeast { matches, .. } => (matches, false),
                Term::PriorityMenteesWithAtLeast { matches, .. } => (matches, true),
                _ => continue,
            };
            for &e in uncounted {
                if priority_only && !programme.mentees[e as usize].priority {
                    continue;
                }
                let k = counts[e as usize];
                let change = if matches == 1 { -1 } else { i64::from(k == matches - 1) };
                values[level] += i64::from(weight) * change;
            }
        }
    }
    values
}
