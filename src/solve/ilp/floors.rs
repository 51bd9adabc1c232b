//! Flows decide first: the optimum without the side constraints (an
//! organisation cap held by the network), a coverage floor total by total, and
//! identity floors by the Lagrangian relaxation; each either answers with its
//! proof or leaves the program a start and a bound.

use std::collections::{BTreeMap, HashMap};

use super::super::capped::Pricer;
use super::super::lagrange::{Decided, Multiplier, Undecided};
use super::super::{flow_can_solve, CoverageGadget, Covered, Solution, SolveError, SolveStats};
use super::constraints::{constraint_met, coverage_by_group, floor_met, group_of};
use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::{Constraint, Group, Model, Term};
use crate::registration::Programme;

/// The flow's optimum of the model without its side constraints (but for a cap
/// on mentees from one organisation, which a flow holds), when the flow can
/// express the objective; by pricing over `pricer`'s pairs.
pub(super) fn flow_without_constraints(programme: &Programme, model: &Model, pricer: &mut Pricer) -> Option<Solution> {
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let participants = programme.mentees.len() + programme.mentors.len();
    flow_can_solve(&relaxed, participants).ok()?;
    // A cap on each mentor's mentees from one organisation is a network of its
    // own: held by the flow, it makes a tighter relaxation, and often the answer.
    pricer.solve_capped(&relaxed, organisation_cap_of(model)).ok()
}

/// The tightest cap on each mentor's mentees from one organisation, if any.
fn organisation_cap_of(model: &Model) -> Option<u32> {
    model
        .constraints
        .iter()
        .filter_map(|c| match *c {
            Constraint::MaxMenteesFromOneOrganisation { mentees } => Some(mentees),
            _ => None,
        })
        .min()
}

/// The eligible pairs every matching that meets the constraints and is at
/// least as good as `best` can use, by reduced-cost fixing (see
/// [`Pricer::reduced_costs`]); none when flows cannot tell, or no pair is set
/// aside. `best` meets the constraints and reaches the optimum without them
/// on each level before `level`, so every matching at least as good does
/// too; under the objective cut after `level`, such a matching's cost exceeds
/// the flow's optimum by at most what `best` falls short of it on `level`,
/// times that level's weight.
pub fn pairs_at_least_as_good(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    best: &Matching,
    level: usize,
) -> Option<Vec<Pair>> {
    let mut cut = model.clone();
    cut.objective.truncate(level + 1);
    cut.constraints.clear();
    // People as the pricer weighs them: with the cap, each mentee twice.
    let cap = organisation_cap_of(model);
    let people = programme.mentees.len() * if cap.is_some() { 2 } else { 1 } + programme.mentors.len();
    let weight = flow_can_solve(&cut, people).ok()?.weights[level];
    let values = best.objective_values(programme, &cut.objective);
    let (optimum, reduced) = pricer.reduced_costs(&cut, cap).ok()?;
    if optimum.objective_values[..level] != values[..level] {
        return None;
    }
    let slack = optimum.objective_values[level]
        .checked_sub(values[level])?
        .checked_mul(weight)?;
    let kept: Vec<Pair> = pricer
        .pairs()
        .iter()
        .zip(&reduced)
        .filter(|&(_, &r)| r <= slack)
        .map(|(p, _)| *p)
        .collect();
    (kept.len() < reduced.len()).then_some(kept)
}

/// The optimum of a model whose objective puts mentees with at least one match
/// first and whose constraints are coverage floors over one grouping (the
/// highest holds the rest) and any caps on mentees from one organisation, by
/// flows alone; none when flows cannot tell.
///
/// For a total T, the floor says how many covered mentees each group needs at
/// least (`ceil(percent x group size x T / (100 x all))`), and a flow holds
/// that while covering as many mentees as it can ([`Pricer::solve_covered`]). Every
/// matching that meets the floor and covers T or more is such a flow, so:
/// - if no flow holds the bounds for T, no matching that meets the floor covers
///   T or more;
/// - if the best such flow covers fewer than T, again none does;
/// - if it covers T or more and its matching meets the floor, it is the best
///   coverage, and best on every later level among matchings that cover as many.
///
/// Whether the best flow covers T or more falls as T rises (the bounds only
/// tighten), so halving finds the largest such T1, after trying `upper` (the
/// coverage without the floor) first; no matching that meets the floor covers
/// more than T1. If that flow meets the floor it is the optimum; with T1 = 0,
/// the empty matching is. A flow that covers more than T1 but breaks the floor
/// leaves the question open, and the search in `branch` answers it (the
/// program where that search stops).
pub(super) fn flow_with_coverage_floor(
    programme: &Programme,
    model: &Model,
    pricer: &mut Pricer,
    upper: i64,
) -> Option<Result<Solution, Undecided>> {
    if !matches!(
        model.objective.first(),
        Some(Term::MenteesWithAtLeast { matches: 1, .. })
    ) {
        return None;
    }
    let mut floor = None;
    let mut organisation_cap: Option<u32> = None;
    for constraint in &model.constraints {
        match *constraint {
            Constraint::CoverageFloor { by, percent } => match floor {
                None => floor = Some((by, percent)),
                // Floors over the same groups: the highest holds the others.
                Some((same, higher)) if same == by => floor = Some((by, percent.max(higher))),
                Some(_) => return None,
            },
            Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                organisation_cap = Some(organisation_cap.map_or(mentees, |c| c.min(mentees)))
            }
            _ => return None,
        }
    }
    let (by, percent) = floor?;
    // Groups as the constraint counts them: mentees who can take a match.
    let mut ids: HashMap<u32, u32> = HashMap::new();
    let group_of: Vec<u32> = programme
        .mentees
        .iter()
        .enumerate()
        .map(|(e, mentee)| {
            if mentee.person.capacity == 0 {
                return u32::MAX;
            }
            let next = ids.len() as u32;
            *ids.entry(group_of(programme, e, by)).or_insert(next)
        })
        .collect();
    let mut sizes = vec![0u64; ids.len()];
    for &g in group_of.iter().filter(|&&g| g != u32::MAX) {
        sizes[g as usize] += 1;
    }
    let all: u64 = sizes.iter().sum();
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let meets = |m: &Matching| model.constraints.iter().all(|c| constraint_met(programme, m, c));
    // Each group's share of `total` covered mentees under the floor.
    let lower = |total: u64| -> Vec<u32> {
        sizes
            .iter()
            .map(|&n| (u64::from(percent) * n * total).div_ceil(100 * all.max(1)) as u32)
            .collect()
    };
    // The best flow holding the bounds for `total`, when it covers `total` or
    // more; Err when flows cannot tell.
    let covered = |pricer: &mut Pricer, total: u64| -> Result<Option<Solution>, ()> {
        let gadget = CoverageGadget {
            group_of: group_of.clone(),
            lower: lower(total),
            ..CoverageGadget::default()
        };
        match pricer
            .solve_covered(&relaxed, organisation_cap, &gadget)
            .map_err(|_| ())?
        {
            Covered::Infeasible => Ok(None),
            Covered::Unsure => Err(()),
            Covered::Solved(solution) => Ok((solution.objective_values[0] >= total as i64).then_some(solution)),
        }
    };
    // The best flow for T covers T or more for every T up to some T1 and for
    // none above it (the bounds only tighten as T grows): find T1 by halving.
    // No matching that meets the floor covers more than T1.
    // Most often the floor costs nothing, or a few mentees: try the top first.
    let upper = upper.max(0) as u64;
    let (mut reach, mut beyond, mut at_reach) = match covered(pricer, upper).ok()? {
        Some(solution) => (upper, upper + 1, Some(solution)),
        None => (0, upper, None),
    };
    while beyond - reach > 1 {
        let mid = reach + (beyond - reach) / 2;
        match covered(pricer, mid).ok()? {
            Some(solution) => (reach, at_reach) = (mid, Some(solution)),
            None => beyond = mid,
        }
    }
    match at_reach {
        // The flow covers T1 or more; it is the optimum when it meets the floor.
        Some(mut solution) if meets(&solution.matching) => {
            // Halving showed no matching that meets the floor covers more.
            solution.stats.certificate = Some(format!(
                "no matching that meets the coverage floor covers more than {reach} mentees, and the best \
                 flow holding each group's share of {reach} meets the floor"
            ));
            Some(Ok(solution))
        }
        // Else T1 bounds the coverage, and a matching that meets the floor
        // starts the search: the flow with each group's share of T1 and at
        // most T1 covered in all, or the flow's matching repaired (dropping
        // the most covered groups' mentees until the floor holds), the better.
        Some(solution) => {
            let values = |m: &Matching| m.objective_values(programme, &model.objective);
            let repaired = repair_floors(programme, model, pricer.pairs(), solution.matching);
            let held = covering_at_most(
                programme,
                &relaxed,
                pricer,
                organisation_cap,
                &group_of,
                lower(reach),
                reach,
            )
            .filter(|m| meets(m));
            let best = [repaired, held].into_iter().flatten().max_by_key(values)?;
            Some(Err(Undecided {
                best,
                level: 0,
                bound: reach as i64,
                multiplier: None,
            }))
        }
        // No matching that meets the floor covers anyone (a group nobody in it
        // can be matched with, say): the empty matching is the optimum.
        None => {
            let mut empty = Solution::new(programme, model, Vec::new(), SolveStats::default());
            empty.stats.certificate =
                Some("no flow holding each group's share of even 1 covered mentee covers one".to_string());
            meets(&empty.matching).then_some(Ok(empty))
        }
    }
}

/// A matching whose groups each have at least `lower` mentees covered and
/// which covers at most `most` in all, so it meets the floor `lower` was
/// made from for `most` (each group's share of any total up to `most` is no
/// more than its share of `most`): the best flow holding both, where the
/// network gives a mentee later matches without a first one (which the
/// total's bound does not count) those mentees held uncovered and the flow
/// solved again, a few times; then any such mentee left is dropped.
fn covering_at_most(
    programme: &Programme,
    relaxed: &Model,
    pricer: &mut Pricer,
    organisation_cap: Option<u32>,
    group_of: &[u32],
    lower: Vec<u32>,
    most: u64,
) -> Option<Matching> {
    let mut gadget = CoverageGadget {
        group_of: group_of.to_vec(),
        lower,
        total: Some((0, most as u32)),
        dropped: vec![false; programme.mentees.len()],
        ..CoverageGadget::default()
    };
    let values = |m: &Matching| m.objective_values(programme, &relaxed.objective);
    let mut best: Option<Matching> = None;
    for _ in 0..8 {
        let Ok((solution, flows)) = pricer.solve_gadget(relaxed, organisation_cap, &gadget) else {
            break;
        };
        if flows.short {
            break;
        }
        let uncounted = flows.uncounted(&solution.matching.mentee_counts(programme));
        // Without them, each group keeps its counted mentees and the total
        // its counted ones: the floor holds.
        let kept = Matching::new(
            solution
                .matching
                .pairs
                .iter()
                .filter(|p| !uncounted.contains(&p.mentee))
                .copied()
                .collect(),
        );
        if best.as_ref().is_none_or(|b| values(&kept) > values(b)) {
            best = Some(kept);
        }
        if uncounted.is_empty() {
            break;
        }
        for &e in &uncounted {
            gadget.dropped[e as usize] = true;
        }
    }
    best
}

/// A matching that meets the model's constraints, made from `matching` (which
/// keeps its caps and meets its identity floors) by dropping, one at a time,
/// every match of a mentee in the group with the largest share covered under
/// a floor that is broken; none if that does not get there. Dropping never
/// meets more identity requests, so among a group's mentees it drops first
/// one whose request is met by no match (or who asked none).
pub(super) fn repair_floors(
    programme: &Programme,
    model: &Model,
    eligible: &[Pair],
    matching: Matching,
) -> Option<Matching> {
    FloorRepair::new(programme, model, eligible).repair(matching)
}

/// What [`repair_floors`] reads besides the matching, made once for a
/// search that repairs thousands of matchings over the same eligible pairs.
pub(super) struct FloorRepair<'a> {
    programme: &'a Programme,
    model: &'a Model,
    /// Each grouping's highest floor, which holds the others over it.
    floors: Vec<(Group, u64)>,
    /// Each floor's groups, by group id: their mentees (where a drop is
    /// chosen) and their eligible pairs, best score first (where `cover_one`
    /// looks for a mentee to cover).
    groups: Vec<Vec<FloorGroup>>,
}

/// One group of a floor's grouping, as [`FloorRepair`] reads it.
#[derive(Clone, Default)]
struct FloorGroup {
    mentees: Vec<u32>,
    candidates: Vec<Pair>,
    /// Each mentor's places in `candidates`, in order: where few mentors
    /// can take a mentee, only theirs are looked at.
    by_mentor: Vec<Vec<u32>>,
}

impl<'a> FloorRepair<'a> {
    pub(super) fn new(programme: &'a Programme, model: &'a Model, eligible: &[Pair]) -> FloorRepair<'a> {
        let mut floors: Vec<(Group, u64)> = Vec::new();
        for constraint in &model.constraints {
            if let Constraint::CoverageFloor { by, percent } = *constraint {
                match floors.iter_mut().find(|(g, _)| *g == by) {
                    Some(floor) => floor.1 = floor.1.max(u64::from(percent)),
                    None => floors.push((by, u64::from(percent))),
                }
            }
        }
        let groups = floors
            .iter()
            .map(|&(by, _)| {
                let size = (0..programme.mentees.len())
                    .map(|e| group_of(programme, e, by) as usize + 1)
                    .max()
                    .unwrap_or(0);
                let mut groups = vec![FloorGroup::default(); size];
                for e in 0..programme.mentees.len() {
                    groups[group_of(programme, e, by) as usize].mentees.push(e as u32);
                }
                for p in eligible
                    .iter()
                    .filter(|p| programme.mentees[p.mentee as usize].person.capacity > 0)
                {
                    groups[group_of(programme, p.mentee as usize, by) as usize]
                        .candidates
                        .push(*p);
                }
                for group in &mut groups {
                    group
                        .candidates
                        .sort_by_key(|p| (std::cmp::Reverse(p.score), p.mentee, p.mentor));
                    group.by_mentor = vec![Vec::new(); programme.mentors.len()];
                    for (i, p) in group.candidates.iter().enumerate() {
                        group.by_mentor[p.mentor as usize].push(i as u32);
                    }
                }
                groups
            })
            .collect();
        FloorRepair {
            programme,
            model,
            floors,
            groups,
        }
    }

    /// [`repair_floors`] of `matching`, over the eligible pairs this was made with.
    pub(super) fn repair(&self, matching: Matching) -> Option<Matching> {
        let (programme, model) = (self.programme, self.model);
        let floors = &self.floors;
        let mut pairs = matching.pairs;
        // Covering only ever adds a covered mentee, dropping only takes one
        // away; covering for one floor can break another's, so after a round per
        // mentee only dropping is left, which ends at the pins alone at worst.
        // (Each move is counted in as it is made. A matching is made, and
        // sorted, only for the last check.)
        let mut tally = Tally::of(programme, &pairs, floors);
        for round in 0..=3 * programme.mentees.len() {
            // The first floor broken, and its groups.
            let short =
                floors
                    .iter()
                    .zip(&tally.coverage)
                    .enumerate()
                    .find_map(|(floor, (&(_, percent), coverage))| {
                        (!floor_met(coverage, percent as u32)).then(|| (floor, percent, groups_of(coverage)))
                    });
            // Every floor met: the matching, if it meets the rest too.
            let Some((floor, percent, groups)) = short else {
                let matching = Matching::new(pairs);
                let meets = model
                    .constraints
                    .iter()
                    .all(|c| constraint_met(programme, &matching, c));
                return meets.then_some(matching);
            };
            // First, a mentee of the group furthest below the floor covered, on
            // a mentor's free place or one taken from a mentee who keeps a match.
            let covering = round < programme.mentees.len();
            let more = covering
                .then(|| {
                    cover_one(
                        programme,
                        model,
                        &self.groups[floor],
                        &pairs,
                        &tally.counts,
                        &groups,
                        percent,
                    )
                })
                .flatten();
            if let Some(Cover { add, replaces }) = more {
                match replaces {
                    Some(i) => tally.give_up(std::mem::replace(&mut pairs[i], add)),
                    None => pairs.push(add),
                }
                tally.cover(programme, add, floors);
                continue;
            }
            // Among groups that still meet the floor with one mentee fewer covered,
            // the largest covered / mentees (as whole numbers; ties to the smaller id).
            let all: u64 = groups.values().map(|&(n, _)| n).sum();
            let total: u64 = groups.values().map(|&(_, c)| c).sum();
            // (With none, the largest share anyway: later rounds mend the rest.)
            let largest = |stays: bool| {
                groups
                    .iter()
                    .filter(|(_, &(n, c))| c > 0 && (!stays || 100 * all * (c - 1) >= percent * n * (total - 1)))
                    .max_by(|(a, &(n, c)), (b, &(m, d))| (c * m).cmp(&(d * n)).then(b.cmp(a)))
                    .map(|(&g, _)| g)
            };
            let most = largest(true).or_else(|| largest(false))?;
            // Its covered mentee with the fewest points of score to lose (and no
            // identity request met, first), the last by id on ties; pinned
            // pairs are made in every matching, so their mentees stay.
            let drop = self.groups[floor][most as usize]
                .mentees
                .iter()
                .map(|&e| e as usize)
                .filter(|&e| tally.counts[e] > 0 && !tally.pinned[e])
                .min_by_key(|&e| (tally.met[e], tally.score[e], std::cmp::Reverse(e)))?;
            pairs.retain(|p| p.mentee as usize != drop);
            tally.drop(programme, drop, floors);
        }
        None
    }
}

/// What a repair round reads of its pairs: each mentee's matches, score,
/// whether one meets their identity request, whether one is pinned, and
/// each floor's groups as [`coverage_by_group`] counts them.
struct Tally {
    counts: Vec<u32>,
    score: Vec<u64>,
    met: Vec<bool>,
    pinned: Vec<bool>,
    coverage: Vec<Vec<(u64, u64)>>,
}

impl Tally {
    fn of(programme: &Programme, pairs: &[Pair], floors: &[(Group, u64)]) -> Tally {
        let mentees = programme.mentees.len();
        let mut tally = Tally {
            counts: vec![0; mentees],
            score: vec![0; mentees],
            met: vec![false; mentees],
            pinned: vec![false; mentees],
            coverage: Vec::new(),
        };
        for p in pairs {
            let e = p.mentee as usize;
            tally.counts[e] += 1;
            tally.score[e] += u64::from(p.score);
            tally.met[e] |= p.identity_matched;
            tally.pinned[e] |= p.pinned;
        }
        tally.coverage = floors
            .iter()
            .map(|&(by, _)| coverage_by_group(programme, &tally.counts, by))
            .collect();
        tally
    }

    /// A match of a mentee who keeps another (and any met identity request)
    /// given up.
    fn give_up(&mut self, pair: Pair) {
        let e = pair.mentee as usize;
        debug_assert!(self.counts[e] >= 2 && !pair.pinned);
        self.counts[e] -= 1;
        self.score[e] -= u64::from(pair.score);
    }

    /// An uncovered mentee's first match made.
    fn cover(&mut self, programme: &Programme, pair: Pair, floors: &[(Group, u64)]) {
        let e = pair.mentee as usize;
        debug_assert_eq!(self.counts[e], 0);
        if programme.mentees[e].person.capacity > 0 {
            for (coverage, &(by, _)) in self.coverage.iter_mut().zip(floors) {
                coverage[group_of(programme, e, by) as usize].1 += 1;
            }
        }
        self.counts[e] = 1;
        self.score[e] = u64::from(pair.score);
        self.met[e] = pair.identity_matched;
        self.pinned[e] = pair.pinned;
    }

    /// Every match of a covered mentee dropped.
    fn drop(&mut self, programme: &Programme, e: usize, floors: &[(Group, u64)]) {
        // (Only mentees who may be matched are counted; see `coverage_by_group`.)
        if programme.mentees[e].person.capacity > 0 {
            for (coverage, &(by, _)) in self.coverage.iter_mut().zip(floors) {
                coverage[group_of(programme, e, by) as usize].1 -= 1;
            }
        }
        (self.counts[e], self.score[e], self.met[e], self.pinned[e]) = (0, 0, false, false);
    }
}

/// Groups counted by [`coverage_by_group`], those with mentees who may be
/// matched, by id.
fn groups_of(coverage: &[(u64, u64)]) -> BTreeMap<u32, (u64, u64)> {
    coverage
        .iter()
        .enumerate()
        .filter(|&(_, &(n, _))| n > 0)
        .map(|(g, &counted)| (g as u32, counted))
        .collect()
}

/// A move that covers one more mentee: `add` made, in place of the pair at
/// `replaces` (of a mentee who keeps another match) or as well.
struct Cover {
    add: Pair,
    replaces: Option<usize>,
}

/// A move covering one more mentee, from the group (of the broken
/// floor's `floor_groups`) furthest below its floor: an uncovered mentee's
/// eligible pair (best score first) whose mentor has a free place, or whose
/// mentor's place is taken from a mentee with two matches or more who loses
/// no met identity request by it; every cap on mentees from one organisation
/// kept (`groups`: those groups as `counts` covers them). None when there is
/// no such move.
fn cover_one(
    programme: &Programme,
    model: &Model,
    floor_groups: &[FloorGroup],
    pairs: &[Pair],
    counts: &[u32],
    groups: &BTreeMap<u32, (u64, u64)>,
    percent: u64,
) -> Option<Cover> {
    let cap = model
        .constraints
        .iter()
        .filter_map(|c| match *c {
            Constraint::MaxMenteesFromOneOrganisation { mentees } => Some(mentees),
            _ => None,
        })
        .min();
    let organisation = |e: u32| programme.mentees[e as usize].person.organisation.0;
    let all: u64 = groups.values().map(|&(n, _)| n).sum();
    let total: u64 = groups.values().map(|&(_, c)| c).sum();
    // percent x n x total - 100 x all x covered: above 0 is short of the floor.
    let (&short, _) = groups
        .iter()
        .map(|(g, &(n, c))| (g, i128::from(percent * n * total) - i128::from(100 * all * c)))
        .filter(|&(_, d)| d > 0)
        .max_by(|(a, d), (b, e)| d.cmp(e).then(b.cmp(a)))?;
    let mut load = vec![0u32; programme.mentors.len()];
    let mut per_organisation: HashMap<(u32, u32), u32> = HashMap::new();
    let mut identity_pairs = vec![0u32; programme.mentees.len()];
    for p in pairs {
        load[p.mentor as usize] += 1;
        if cap.is_some() {
            *per_organisation.entry((p.mentor, organisation(p.mentee))).or_default() += 1;
        }
        identity_pairs[p.mentee as usize] += u32::from(p.identity_matched);
    }
    let room = |mentor: u32, o: u32, freed: Option<u32>| {
        cap.is_none_or(|cap| {
            let n = per_organisation.get(&(mentor, o)).copied().unwrap_or(0);
            n - u32::from(freed == Some(o)) < cap
        })
    };
    // Each mentor's pairs, in order: `by_mentor[first[m]..first[m + 1]]`
    // (one list, not a list per mentor: this is made on every cover).
    let mut first = vec![0usize; programme.mentors.len() + 1];
    for p in pairs {
        first[p.mentor as usize + 1] += 1;
    }
    for m in 0..programme.mentors.len() {
        first[m + 1] += first[m];
    }
    let mut by_mentor = vec![0usize; pairs.len()];
    let mut next = first.clone();
    for (i, p) in pairs.iter().enumerate() {
        by_mentor[next[p.mentor as usize]] = i;
        next[p.mentor as usize] += 1;
    }
    let of_mentor = |m: usize| &by_mentor[first[m]..first[m + 1]];
    // Whether a mentor has a free place, or a place a mentee who keeps a
    // match (and any met request) could give up, before the cap: a mentor
    // with neither takes nobody, so the candidates (thousands of pairs,
    // scanned every round of a repair) are looked at only where some
    // mentor could take one.
    let capacity = |m: usize| programme.mentors[m].person.capacity;
    let can_give_up = |p: &Pair| {
        !p.pinned && counts[p.mentee as usize] >= 2 && (!p.identity_matched || identity_pairs[p.mentee as usize] >= 2)
    };
    let open: Vec<bool> = (0..programme.mentors.len())
        .map(|m| load[m] < capacity(m) || of_mentor(m).iter().any(|&i| can_give_up(&pairs[i])))
        .collect();
    if !open.contains(&true) {
        return None;
    }
    let group = floor_groups.get(short as usize)?;
    // The move for one candidate: a free place, or one taken from a mentee
    // who keeps a match (and any met request).
    let cover = |add: &Pair| -> Option<Cover> {
        let mentor = add.mentor;
        let o = organisation(add.mentee);
        if load[mentor as usize] < capacity(mentor as usize) && room(mentor, o, None) {
            return Some(Cover {
                add: *add,
                replaces: None,
            });
        }
        let taken = of_mentor(mentor as usize).iter().copied().find(|&i| {
            let p = &pairs[i];
            can_give_up(p) && room(mentor, o, Some(organisation(p.mentee)))
        });
        taken.map(|i| Cover {
            add: *add,
            replaces: Some(i),
        })
    };
    let scan = open.iter().filter(|&&o| o).count() * 8 > open.len();
    let covered_by = |i: usize| {
        let add = &group.candidates[i];
        (counts[add.mentee as usize] == 0).then(|| cover(add)).flatten()
    };
    first_candidate(group, &open, scan, covered_by)
}

/// The first of `group`'s candidates (best score first) whose mentor is one
/// of the `open` mentors and that `covered_by` finds a move for: by
/// scanning them all, or (where few mentors are open) by taking each open
/// mentor's first and the earliest of those. The same either way.
fn first_candidate<T>(
    group: &FloorGroup,
    open: &[bool],
    scan: bool,
    covered_by: impl Fn(usize) -> Option<T>,
) -> Option<T> {
    if scan {
        return (0..group.candidates.len())
            .filter(|&i| open[group.candidates[i].mentor as usize])
            .find_map(&covered_by);
    }
    let mut first: Option<(usize, T)> = None;
    for m in (0..open.len()).filter(|&m| open[m]) {
        for i in group.by_mentor[m].iter().map(|&i| i as usize) {
            if first.as_ref().is_some_and(|(j, _)| i >= *j) {
                break;
            }
            if let Some(found) = covered_by(i) {
                first = Some((i, found));
                break;
            }
        }
    }
    first.map(|(_, found)| found)
}

/// What flows could not finish: an error, or a gap for the program to close.
pub(super) enum Left {
    Error(SolveError),
    Undecided(Undecided),
}

/// What [`flow_with_identity_floor`] proves: the optimum, the multiplier
/// it is certified by, and other matchings with the same values.
pub(super) type IdentityFloorOptimum = (Solution, Multiplier, Vec<Matching>);

/// The optimum of a model whose constraints are floors on identity requests
/// met and caps on mentees from one organisation, by flows alone, with its
/// certificate ([`super::super::lagrange`]), and other matchings with the
/// same values found on the way; none when flows cannot decide it.
pub(super) fn flow_with_identity_floor(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
) -> Option<Result<IdentityFloorOptimum, Left>> {
    let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
    let mut needed = None;
    let mut organisation_cap: Option<u32> = None;
    for constraint in &model.constraints {
        match *constraint {
            Constraint::IdentityRequestsMetAtLeast { percent } => {
                let n = (u64::from(percent) * asked).div_ceil(100);
                needed = Some(needed.map_or(n, |m: u64| m.max(n)));
            }
            Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                organisation_cap = Some(organisation_cap.map_or(mentees, |c| c.min(mentees)))
            }
            Constraint::CoverageFloor { .. } => return None,
        }
    }
    let needed = needed?;
    let certified = match super::super::lagrange::identity_floor(programme, model, pairs, organisation_cap, needed)? {
        Decided::Optimal(certified) => certified,
        Decided::Infeasible(e) => return Some(Err(Left::Error(e))),
        Decided::Undecided(undecided) => return Some(Err(Left::Undecided(undecided))),
    };
    let certificate = certified.describe(model);
    let mut solution = certified.solution;
    // Checked exactly, as every answer is.
    if !model
        .constraints
        .iter()
        .all(|c| constraint_met(programme, &solution.matching, c))
    {
        return None;
    }
    solution.stats.rounds = certified.solves;
    solution.stats.certificate = Some(certificate);
    Some(Ok((solution, certified.multiplier, certified.others)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Looking among the open mentors' own candidates finds the
        /// candidate a scan of all of them finds.
        #[test]
        fn each_open_mentors_first_is_the_scans_first(
            mentors in prop::collection::vec(0u32..12, 0..60),
            open in prop::collection::vec(any::<bool>(), 12),
            covers in prop::collection::vec(any::<bool>(), 60),
        ) {
            let mut group = FloorGroup { by_mentor: vec![Vec::new(); 12], ..FloorGroup::default() };
            for (i, &mentor) in mentors.iter().enumerate() {
                group.candidates.push(Pair {
                    mentee: i as u32,
                    mentor,
                    score: 0,
                    grade_gap: 1,
                    profession_matched: false,
                    identity_matched: false,
                    pinned: false,
                    previous: false,
                });
                group.by_mentor[mentor as usize].push(i as u32);
            }
            let covered_by = |i: usize| covers[i].then_some(i);
            prop_assert_eq!(
                first_candidate(&group, &open, true, covered_by),
                first_candidate(&group, &open, false, covered_by)
            );
        }
    }
}
