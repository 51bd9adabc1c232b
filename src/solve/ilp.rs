//! The integer program: the same model as the flow, solved through good_lp, so that
//! objectives and side constraints a flow cannot hold are solved exactly too.
//!
//! Only what the model uses becomes a variable:
//! - `pair[p]`, binary, one per eligible pair: the pair is made.
//! - `mentee_tiers[e][k - 1]`, binary: mentee e has at least k matches, for k up
//!   to the largest `mentees-with-at-least` of the objective (1 for a coverage
//!   floor), and never above what the mentee can have. Tiers fall with k, and
//!   their sum is at most the mentee's matches. Mentors' tiers alike.
//! - `identity_met[e]`, `profession_met[e]`, from 0 to 1: at most the number of
//!   e's pairs that meet the request.
//!
//! Every indicator is held only from above, which is enough where the program
//! wants it large. A coverage floor also counts covered mentees against it, so
//! there a mentee's first tier is also held from below: its capacity row becomes
//! `matches <= capacity x first tier`.
//!
//! The objective's levels are solved in turn: maximise level l, then hold level l
//! at its optimum and go on. Values are whole numbers, so the solvers are told a
//! gap below 1 is optimal; every value is then taken from the matching itself.
//!
//! The flow helps where it can express the objective. Its matching is the
//! lexicographic optimum without the side constraints: if it meets them all it is
//! the optimum with them too, and is the answer. Otherwise, as long as the
//! program's optima equal the flow's, the flow's value of the next level bounds it
//! from above. Each level starts from the previous level's matching, which is
//! feasible for it.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use good_lp::{
    variable, Constraint as Row, Expression, IntoAffineExpression, ProblemVariables, ResolutionError, Solution as _,
    SolutionStatus, SolverModel, Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
};

use super::lagrange::{Decided, Undecided};
use super::{
    flow_can_solve, solve_capped, solve_covered, CoverageGadget, Covered, Optimality, Solution, SolveError, SolveStats,
};
use crate::eligibility::{Eligibility, Pair};
use crate::matching::Matching;
use crate::model::{Constraint, Group, Model, Term};
use crate::registration::Programme;

/// Which solver library solves the integer program. Both are always named so a
/// choice can be written down; HiGHS is only built in with the cargo feature
/// `highs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// microlp: pure Rust, builds with no system packages; slow on large programmes.
    #[default]
    Microlp,
    /// HiGHS: much faster; needs cmake and libclang-dev to build.
    Highs,
}

/// What to do when HiGHS is asked for but not built in.
pub const HIGHS_NOT_BUILT: &str = "HiGHS is not built into this program: install cmake and libclang-dev, then \
     build with `cargo build --release --features highs`; or use --ilp-backend microlp";

impl Backend {
    /// Every backend, built in or not.
    pub const ALL: [Backend; 2] = [Backend::Microlp, Backend::Highs];

    /// The backend's name, as `--ilp-backend` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Highs => "highs",
        }
    }

    /// Whether this backend is built into this program.
    pub fn is_built_in(self) -> bool {
        match self {
            Backend::Microlp => true,
            Backend::Highs => cfg!(feature = "highs"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    /// A backend by name; HiGHS only when it is built in, so the mistake shows
    /// before any work is done.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let backend = Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("unknown integer program backend \"{name}\": use microlp or highs"))?;
        if backend.is_built_in() {
            Ok(backend)
        } else {
            Err(HIGHS_NOT_BUILT.into())
        }
    }
}

/// How [`solve_ilp_with`] works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IlpOptions {
    /// The integer program's solver.
    pub backend: Backend,
    /// Use the flow's optimum as an upper bound and its matching as a start
    /// where the flow can express the objective. Off, the program stands alone
    /// (tests compare the two that way).
    pub use_flow: bool,
    /// Stop after this long with the best matching found and its gap (see
    /// [`super::Optimality`]) instead of running on.
    pub time_limit: Option<Duration>,
}

impl IlpOptions {
    /// Options for `backend`: the flow used, no time limit.
    pub fn new(backend: Backend) -> Self {
        IlpOptions {
            backend,
            use_flow: true,
            time_limit: None,
        }
    }
}

/// The best matching of every eligible pair under the model's objective and
/// constraints, as an integer program.
pub fn solve_ilp(eligibility: &Eligibility, backend: Backend) -> Result<Solution, SolveError> {
    solve_ilp_with(eligibility, IlpOptions::new(backend))
}

/// The most eligible pairs the integer program takes (one variable each).
pub const MAX_PAIRS: usize = 2_000_000;

/// [`solve_ilp`] with every option.
pub fn solve_ilp_with(eligibility: &Eligibility, options: IlpOptions) -> Result<Solution, SolveError> {
    let start = Instant::now();
    if !options.backend.is_built_in() {
        return Err(SolveError::IntegerProgram(HIGHS_NOT_BUILT.into()));
    }
    let programme = eligibility.programme();
    let model = eligibility.model();
    // One variable per eligible pair: past this the program would not fit in
    // memory or finish in a working day, so say so instead of trying.
    let eligible = eligibility.count();
    if eligible > MAX_PAIRS {
        return Err(SolveError::IntegerProgram(format!(
            "{eligible} eligible pairs are too many for the integer program (at most {MAX_PAIRS}); \
             use a model without constraints so the flow can solve it, or match a smaller programme"
        )));
    }
    let pairs = eligibility.pairs();
    if pairs.is_empty() {
        // Nothing to choose (and some backends refuse an empty program).
        let matching = Matching::default();
        if let Some(broken) = model
            .constraints
            .iter()
            .find(|c| !constraint_met(programme, &matching, c))
        {
            return Err(SolveError::Infeasible {
                constraint: broken.label(),
                together_with: Vec::new(),
            });
        }
        return Ok(Solution {
            objective_values: matching.objective_values(programme, &model.objective),
            matching,
            stats: SolveStats {
                time: start.elapsed(),
                ..SolveStats::default()
            },
        });
    }
    // What flows leave undecided: a matching that meets the constraints and
    // reaches the optimum on the levels before `level`, and a bound there.
    let mut lagrangian: Option<Undecided> = None;
    // Identity floors (with at most a cap besides): the Lagrangian relaxation
    // on flows, certified (see `lagrange`). Its first relaxation is the
    // optimum without the floors, so it goes first.
    if options.use_flow {
        match flow_with_identity_floor(programme, model, &pairs) {
            Some(Ok(mut solution)) => {
                solution.stats.time = start.elapsed();
                solution.stats.eligible_pairs = pairs.len();
                return Ok(solution);
            }
            Some(Err(Left::Error(e))) => return Err(e),
            Some(Err(Left::Undecided(undecided))) => lagrangian = Some(undecided),
            None => {}
        }
    }
    let flow = if options.use_flow {
        flow_without_constraints(programme, model, &pairs)
    } else {
        None
    };

    // The flow's matching is the lexicographic optimum without the side
    // constraints; if it meets them all, it is the optimum with them too, and
    // nothing is left for the program to find.
    if let Some(flow) = &flow {
        if model
            .constraints
            .iter()
            .all(|c| constraint_met(programme, &flow.matching, c))
        {
            return Ok(Solution {
                stats: SolveStats {
                    rounds: 0,
                    eligible_pairs: pairs.len(),
                    time: start.elapsed(),
                    ..SolveStats::default()
                },
                ..flow.clone()
            });
        }
    }

    // A coverage floor (with at most a cap besides) can be held by flows, one
    // total coverage at a time (see `flow_with_coverage_floor`).
    if let Some(flow) = &flow {
        match flow_with_coverage_floor(programme, model, &pairs, flow.objective_values[0]) {
            Some(Ok(mut covered)) => {
                covered.stats.time = start.elapsed();
                covered.stats.eligible_pairs = pairs.len();
                return Ok(covered);
            }
            Some(Err(undecided)) => lagrangian = Some(undecided),
            None => {}
        }
    }

    let deadline = options.time_limit.map(|limit| start + limit);

    let program = Program::new(programme, model, &pairs);
    let mut held: Vec<Row> = Vec::new(); // earlier levels at their optima
    let mut optima: Vec<i64> = Vec::new();
    let mut best: Option<Matching> = lagrangian.as_ref().map(|u| u.best.clone());
    let mut optimality = Optimality::Proven;
    // The flow bounds the next level only while every earlier optimum equals its value.
    let mut flow_bounds = flow.is_some();
    for (level, expression) in program.levels.iter().enumerate() {
        let mut rows: Vec<Row> = program
            .side
            .iter()
            .flatten()
            .cloned()
            .chain(held.iter().cloned())
            .collect();
        // While every optimum so far equals the flow's, the flow's value bounds
        // this level (its matching breaks a constraint, so it is no start).
        let bound = flow
            .as_ref()
            .filter(|_| flow_bounds)
            .map(|flow| flow.objective_values[level]);
        if let Some(bound) = bound {
            rows.push(expression.clone().leq(bound as f64));
        }
        // The Lagrangian bound, where flows left the gap.
        let lagrangian_bound = lagrangian.as_ref().filter(|u| u.level == level).map(|u| u.bound);
        if let Some(bound) = lagrangian_bound {
            rows.push(expression.clone().leq(bound as f64));
        }
        let bound = match (bound, lagrangian_bound) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The previous level's matching reaches every optimum so far: a feasible
        // start, and the optimum itself if it reaches the bound already.
        let reached = best
            .as_ref()
            .filter(|m| Some(m.objective_values(programme, &model.objective[level..=level])[0]) == bound);
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let (matching, solver_value, stopped) = match reached {
            Some(matching) => (matching.clone(), bound.unwrap_or_default() as f64, false),
            None if left == Some(Duration::ZERO) => (Matching::default(), 0.0, true),
            None => match program.run(
                options.backend,
                expression,
                &rows,
                best.as_ref().map(|m| program.values_of(m)),
                left,
            ) {
                Ok(found) => found,
                Err(ResolutionError::Infeasible) if level == 0 => {
                    return Err(which_constraint_fails(&program, options.backend))
                }
                Err(_) if deadline.is_some_and(|d| Instant::now() >= d) => (Matching::default(), 0.0, true),
                Err(e) => return Err(SolveError::IntegerProgram(e.to_string())),
            },
        };
        if stopped && deadline.is_none() {
            return Err(SolveError::IntegerProgram(
                "the solver stopped before proving the optimum".into(),
            ));
        }
        if stopped {
            // The better of the solver's incumbent and the last level's matching,
            // among those that keep every constraint and every level held.
            let keeps = |m: &Matching| {
                model.constraints.iter().all(|c| constraint_met(programme, m, c))
                    && m.objective_values(programme, &model.objective[..level]) == optima
            };
            let value_of = |m: &Matching| m.objective_values(programme, &model.objective[level..=level])[0];
            let found = [Some(matching), best.take()]
                .into_iter()
                .flatten()
                .filter(|m| keeps(m))
                .max_by_key(|m| value_of(m));
            let Some(found) = found else {
                return Err(SolveError::IntegerProgram(
                    "the time limit passed before any matching that meets the constraints was found".into(),
                ));
            };
            optimality = Optimality::Stopped {
                level,
                value: value_of(&found),
                bound,
            };
            best = Some(found);
            break;
        }
        let value = matching.objective_values(programme, &model.objective[level..=level])[0];
        // The indicators are exact at an optimum: a gap here is a bug in the program.
        if (solver_value - value as f64).abs() > 0.5 {
            return Err(SolveError::IntegerProgram(format!(
                "level {} (\"{}\"): the solver reports {solver_value} but the matching has {value}",
                level + 1,
                model.objective[level].label()
            )));
        }
        if let Some(flow) = &flow {
            flow_bounds &= value == flow.objective_values[level];
        }
        // Held exactly: a slack would let the relaxation trade it for fractions
        // of later levels, which the search would then have to rule out.
        held.push(expression.clone().geq(value as f64));
        optima.push(value);
        best = Some(matching);
    }

    let matching = best.unwrap_or_default();
    let objective_values = matching.objective_values(programme, &model.objective);
    if optimality == Optimality::Proven && objective_values != optima {
        return Err(SolveError::IntegerProgram(format!(
            "the matching's objective values {objective_values:?} differ from the optima found {optima:?}"
        )));
    }
    // Solvers compare with tolerances; the constraints are checked exactly.
    if let Some(broken) = model
        .constraints
        .iter()
        .find(|c| !constraint_met(programme, &matching, c))
    {
        return Err(SolveError::IntegerProgram(format!(
            "the solver's matching breaks the constraint \"{}\"",
            broken.label()
        )));
    }
    Ok(Solution {
        matching,
        objective_values,
        stats: SolveStats {
            rounds: model.objective.len(),
            eligible_pairs: pairs.len(),
            time: start.elapsed(),
            optimality,
            ..SolveStats::default()
        },
    })
}

/// The flow's optimum of the model without its side constraints (but for a cap
/// on mentees from one organisation, which a flow holds), when the flow can
/// express the objective.
fn flow_without_constraints(programme: &Programme, model: &Model, pairs: &[Pair]) -> Option<Solution> {
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let participants = programme.mentees.len() + programme.mentors.len();
    flow_can_solve(&relaxed, participants).ok()?;
    // A cap on each mentor's mentees from one organisation is a network of its
    // own: held by the flow, it makes a tighter relaxation, and often the answer.
    let organisation_cap = model
        .constraints
        .iter()
        .filter_map(|c| match *c {
            Constraint::MaxMenteesFromOneOrganisation { mentees } => Some(mentees),
            _ => None,
        })
        .min();
    solve_capped(programme, &relaxed, pairs, organisation_cap).ok()
}

/// The optimum of a model whose objective puts mentees with at least one match
/// first and whose constraints are one coverage floor and any caps on mentees
/// from one organisation, by flows alone; none when flows cannot tell.
///
/// For a total T, the floor says how many covered mentees each group needs at
/// least (`ceil(percent x group size x T / (100 x all))`), and a flow holds
/// that while covering as many mentees as it can ([`solve_covered`]). Every
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
/// leaves the question open, and the program answers it.
fn flow_with_coverage_floor(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
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
            Constraint::CoverageFloor { by, percent } if floor.is_none() => floor = Some((by, percent)),
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
    let met = |solution: &Solution| {
        model
            .constraints
            .iter()
            .all(|c| constraint_met(programme, &solution.matching, c))
    };
    // The best flow holding the bounds for `total`, when it covers `total` or
    // more; Err when flows cannot tell.
    let covered = |total: u64| -> Result<Option<Solution>, ()> {
        let gadget = CoverageGadget {
            group_of: group_of.clone(),
            lower: sizes
                .iter()
                .map(|&n| (u64::from(percent) * n * total).div_ceil(100 * all.max(1)) as u32)
                .collect(),
        };
        match solve_covered(programme, &relaxed, pairs, organisation_cap, &gadget).map_err(|_| ())? {
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
    let (mut reach, mut beyond, mut at_reach) = match covered(upper).ok()? {
        Some(solution) => (upper, upper + 1, Some(solution)),
        None => (0, upper, None),
    };
    while beyond - reach > 1 {
        let mid = reach + (beyond - reach) / 2;
        match covered(mid).ok()? {
            Some(solution) => (reach, at_reach) = (mid, Some(solution)),
            None => beyond = mid,
        }
    }
    match at_reach {
        // The flow covers T1 or more; it is the optimum when it meets the floor.
        Some(solution) if met(&solution) => Some(Ok(solution)),
        // Else T1 bounds the coverage, and dropping the most covered groups'
        // mentees until the floor holds gives the program a start.
        Some(solution) => Some(Err(Undecided {
            best: repair_coverage_floor(programme, model, solution.matching, by)?,
            level: 0,
            bound: reach as i64,
        })),
        // No matching that meets the floor covers anyone (a group nobody in it
        // can be matched with, say): the empty matching is the optimum.
        None => {
            let empty = Solution::new(programme, model, Vec::new(), SolveStats::default());
            met(&empty).then_some(Ok(empty))
        }
    }
}

/// A matching that meets the model's constraints, made from `matching` (which
/// keeps its caps) by dropping, one at a time, every match of a mentee in the
/// group with the largest share covered; none if that does not get there.
fn repair_coverage_floor(programme: &Programme, model: &Model, matching: Matching, by: Group) -> Option<Matching> {
    let mut pairs = matching.pairs;
    for _ in 0..=programme.mentees.len() {
        let matching = Matching::new(pairs.clone());
        if model
            .constraints
            .iter()
            .all(|c| constraint_met(programme, &matching, c))
        {
            return Some(matching);
        }
        let counts = matching.mentee_counts(programme);
        let mut groups: HashMap<u32, (u64, u64)> = HashMap::new(); // group -> (mentees, covered)
        for (e, mentee) in programme.mentees.iter().enumerate() {
            if mentee.person.capacity > 0 {
                let entry = groups.entry(group_of(programme, e, by)).or_default();
                entry.0 += 1;
                entry.1 += u64::from(counts[e] > 0);
            }
        }
        // Among groups that still meet the floor with one mentee fewer covered,
        // the largest covered / mentees (as whole numbers; ties to the smaller id).
        let all: u64 = groups.values().map(|&(n, _)| n).sum();
        let total: u64 = groups.values().map(|&(_, c)| c).sum();
        let percent = model
            .constraints
            .iter()
            .find_map(|c| match *c {
                Constraint::CoverageFloor { percent, .. } => Some(u64::from(percent)),
                _ => None,
            })
            .unwrap_or(0);
        let (&most, _) = groups
            .iter()
            .filter(|(_, &(n, c))| c > 0 && 100 * all * (c - 1) >= percent * n * (total - 1))
            .max_by(|(a, &(n, c)), (b, &(m, d))| (c * m).cmp(&(d * n)).then(b.cmp(a)))?;
        // Its covered mentee with the fewest points of score to lose, the last by id on ties.
        let mut score = vec![0u64; programme.mentees.len()];
        for p in &pairs {
            score[p.mentee as usize] += u64::from(p.score);
        }
        // Pinned pairs are made in every matching: their mentees stay.
        let mut pinned = vec![false; programme.mentees.len()];
        for p in pairs.iter().filter(|p| p.pinned) {
            pinned[p.mentee as usize] = true;
        }
        let drop = (0..programme.mentees.len())
            .filter(|&e| counts[e] > 0 && !pinned[e] && group_of(programme, e, by) == most)
            .min_by_key(|&e| (score[e], std::cmp::Reverse(e)))? as u32;
        pairs.retain(|p| p.mentee != drop);
    }
    None
}

/// What flows could not finish: an error, or a gap for the program to close.
enum Left {
    Error(SolveError),
    Undecided(Undecided),
}

/// The optimum of a model whose constraints are floors on identity requests
/// met and caps on mentees from one organisation, by flows alone, with its
/// certificate ([`super::lagrange`]); none when flows cannot decide it.
fn flow_with_identity_floor(programme: &Programme, model: &Model, pairs: &[Pair]) -> Option<Result<Solution, Left>> {
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
    let certified = match super::lagrange::identity_floor(programme, model, pairs, organisation_cap, needed)? {
        Decided::Optimal(certified) => certified,
        Decided::Infeasible(e) => return Some(Err(Left::Error(e))),
        Decided::Undecided(undecided) => return Some(Err(Left::Undecided(undecided))),
    };
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
    solution.stats.certificate = Some(certified.multiplier.describe(model));
    Some(Ok(solution))
}

/// Whether a matching meets one side constraint, in exact whole numbers.
pub fn constraint_met(programme: &Programme, matching: &Matching, constraint: &Constraint) -> bool {
    match *constraint {
        Constraint::MaxMenteesFromOneOrganisation { mentees } => {
            let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
            for pair in &matching.pairs {
                let organisation = programme.mentees[pair.mentee as usize].person.organisation.0;
                *counts.entry((pair.mentor, organisation)).or_default() += 1;
            }
            counts.values().all(|&n| n <= mentees)
        }
        Constraint::IdentityRequestsMetAtLeast { percent } => {
            let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
            let met = matching.mentees_with(programme, |p| p.identity_matched) as u64;
            100 * met >= u64::from(percent) * asked
        }
        Constraint::CoverageFloor { by, percent } => {
            let counts = matching.mentee_counts(programme);
            let mut groups: HashMap<u32, (u64, u64)> = HashMap::new(); // group -> (mentees, covered)
            let (mut all, mut covered) = (0u64, 0u64);
            for (e, mentee) in programme.mentees.iter().enumerate() {
                if mentee.person.capacity == 0 {
                    continue;
                }
                let entry = groups.entry(group_of(programme, e, by)).or_default();
                entry.0 += 1;
                all += 1;
                if counts[e] > 0 {
                    entry.1 += 1;
                    covered += 1;
                }
            }
            // covered_g / n_g >= percent / 100 x covered / all, multiplied out.
            groups
                .values()
                .all(|&(n, c)| 100 * all * c >= u64::from(percent) * n * covered)
        }
    }
}

fn group_of(programme: &Programme, mentee: usize, by: Group) -> u32 {
    let person = &programme.mentees[mentee].person;
    match by {
        Group::Organisation => person.organisation.0,
        Group::Grade => u32::from(person.grade.0),
    }
}

/// The first constraint that cannot be met with those before it, in the model's
/// order; one that cannot be met on its own is named alone.
fn which_constraint_fails(program: &Program, backend: Backend) -> SolveError {
    let nothing = Expression::default();
    let feasible = |which: &[usize]| {
        let rows: Vec<Row> = which.iter().flat_map(|&c| program.side[c].iter().cloned()).collect();
        !matches!(
            program.run(backend, &nothing, &rows, None, None),
            Err(ResolutionError::Infeasible)
        )
    };
    let constraints = &program.model.constraints;
    for i in 0..constraints.len() {
        if !feasible(&(0..=i).collect::<Vec<_>>()) {
            let together_with = if i == 0 || !feasible(&[i]) {
                Vec::new()
            } else {
                constraints[..i].iter().map(Constraint::label).collect()
            };
            return SolveError::Infeasible {
                constraint: constraints[i].label(),
                together_with,
            };
        }
    }
    SolveError::IntegerProgram("the program is infeasible, but no single constraint makes it so".into())
}

/// The integer program of one programme under one model, ready to solve for any
/// objective level.
struct Program<'a> {
    programme: &'a Programme,
    model: &'a Model,
    pairs: &'a [Pair],
    variables: ProblemVariables,
    /// One per eligible pair.
    pair: Vec<Variable>,
    mentee_tiers: Vec<Vec<Variable>>,
    mentor_tiers: Vec<Vec<Variable>>,
    identity_met: Vec<Option<Variable>>,
    profession_met: Vec<Option<Variable>>,
    /// Capacities and the links between indicators and pairs.
    rows: Vec<Row>,
    /// The rows of each side constraint, in the model's order.
    side: Vec<Vec<Row>>,
    /// Each objective level as an expression, in the model's order.
    levels: Vec<Expression>,
}

/// The largest k any `... with at least k` term of the objective uses.
fn largest_tier(objective: &[Term], mentees: bool) -> u32 {
    objective
        .iter()
        .flat_map(Term::parts)
        .filter_map(|(part, _)| match part {
            Term::MenteesWithAtLeast { matches, .. } | Term::PriorityMenteesWithAtLeast { matches, .. } if mentees => {
                Some(*matches)
            }
            Term::MentorsWithAtLeast { matches, .. } if !mentees => Some(*matches),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

fn uses(objective: &[Term], wanted: fn(&Term) -> bool) -> bool {
    objective.iter().flat_map(Term::parts).any(|(part, _)| wanted(part))
}

/// Sum of variables, each with coefficient 1.
fn sum(variables: impl IntoIterator<Item = Variable>) -> Expression {
    let mut expression = Expression::default();
    for v in variables {
        expression.add_mul(1.0, v);
    }
    expression
}

impl<'a> Program<'a> {
    fn new(programme: &'a Programme, model: &'a Model, pairs: &'a [Pair]) -> Self {
        let objective = &model.objective;
        let mut variables = ProblemVariables::new();
        // A pinned pair is made: its variable is fixed at 1.
        let pair: Vec<Variable> = pairs
            .iter()
            .map(|p| {
                variables.add(if p.pinned {
                    variable().integer().min(1.0).max(1.0)
                } else {
                    variable().binary()
                })
            })
            .collect();
        let mut of_mentee: Vec<Vec<usize>> = vec![Vec::new(); programme.mentees.len()];
        let mut of_mentor: Vec<Vec<usize>> = vec![Vec::new(); programme.mentors.len()];
        for (i, p) in pairs.iter().enumerate() {
            of_mentee[p.mentee as usize].push(i);
            of_mentor[p.mentor as usize].push(i);
        }
        let exact_coverage = model
            .constraints
            .iter()
            .any(|c| matches!(c, Constraint::CoverageFloor { .. }));
        let mentee_tier = largest_tier(objective, true).max(u32::from(exact_coverage));
        let mentor_tier = largest_tier(objective, false);
        let mut rows = Vec::new();

        // Capacities and tiers; a person's reachable matches bound both.
        let tiers = |variables: &mut ProblemVariables,
                     rows: &mut Vec<Row>,
                     of: &[Vec<usize>],
                     capacity: &dyn Fn(usize) -> u32,
                     largest: u32,
                     exact_first: bool| {
            let mut all = Vec::with_capacity(of.len());
            for (person, own) in of.iter().enumerate() {
                let reachable = (capacity(person) as usize).min(own.len());
                let matches = sum(own.iter().map(|&i| pair[i]));
                let k = (largest as usize).min(reachable);
                let person_tiers: Vec<Variable> = (0..k).map(|_| variables.add(variable().binary())).collect();
                if exact_first && k > 0 {
                    // Held from below as well: no matches without the first tier.
                    let mut row = matches.clone();
                    row.add_mul(-(reachable as f64), person_tiers[0]);
                    rows.push(row.leq(0.0));
                } else if reachable < own.len() {
                    rows.push(matches.clone().leq(reachable as f64));
                }
                if k > 0 {
                    let mut row = sum(person_tiers.iter().copied());
                    row -= matches;
                    rows.push(row.leq(0.0));
                    for w in person_tiers.windows(2) {
                        rows.push((w[1] - w[0]).leq(0.0));
                    }
                }
                all.push(person_tiers);
            }
            all
        };
        let mentee_tiers = tiers(
            &mut variables,
            &mut rows,
            &of_mentee,
            &|e| programme.mentees[e].person.capacity,
            mentee_tier,
            exact_coverage,
        );
        let mentor_tiers = tiers(
            &mut variables,
            &mut rows,
            &of_mentor,
            &|m| programme.mentors[m].person.capacity,
            mentor_tier,
            false,
        );

        // Requests met: at most 1, at most the pairs that meet them.
        let requests = |variables: &mut ProblemVariables, rows: &mut Vec<Row>, meets: fn(&Pair) -> bool| {
            of_mentee
                .iter()
                .map(|own| {
                    let meeting: Vec<Variable> = own.iter().filter(|&&i| meets(&pairs[i])).map(|&i| pair[i]).collect();
                    if meeting.is_empty() {
                        return None;
                    }
                    let met = variables.add(variable().min(0.0).max(1.0));
                    rows.push((met - sum(meeting)).leq(0.0));
                    Some(met)
                })
                .collect::<Vec<_>>()
        };
        let identity_wanted = uses(objective, |t| matches!(t, Term::IdentityRequestsMet { .. }))
            || model
                .constraints
                .iter()
                .any(|c| matches!(c, Constraint::IdentityRequestsMetAtLeast { .. }));
        let identity_met = if identity_wanted {
            requests(&mut variables, &mut rows, |p| p.identity_matched)
        } else {
            vec![None; programme.mentees.len()]
        };
        let profession_met = if uses(objective, |t| matches!(t, Term::ProfessionRequestsMet { .. })) {
            requests(&mut variables, &mut rows, |p| p.profession_matched)
        } else {
            vec![None; programme.mentees.len()]
        };

        let mut program = Program {
            programme,
            model,
            pairs,
            variables,
            pair,
            mentee_tiers,
            mentor_tiers,
            identity_met,
            profession_met,
            rows,
            side: Vec::new(),
            levels: Vec::new(),
        };
        program.levels = objective.iter().map(|term| program.level(term)).collect();
        program.side = model.constraints.iter().map(|c| program.side_rows(c)).collect();
        program
    }

    /// One objective level as an expression over the program's variables.
    fn level(&self, term: &Term) -> Expression {
        let mut expression = Expression::default();
        let tier = |tiers: &[Vec<Variable>], k: u32| {
            sum(tiers.iter().filter_map(|person| person.get(k as usize - 1).copied()))
        };
        for (part, weight) in term.parts() {
            let weight = f64::from(weight);
            match part {
                Term::MenteesWithAtLeast { matches, .. } => {
                    expression.add_mul(weight, tier(&self.mentee_tiers, *matches))
                }
                Term::PriorityMenteesWithAtLeast { matches, .. } => {
                    let priority = self.programme.mentees.iter().map(|m| m.priority);
                    let tiers: Vec<_> = self
                        .mentee_tiers
                        .iter()
                        .zip(priority)
                        .filter(|(_, p)| *p)
                        .map(|(t, _)| t.clone())
                        .collect();
                    expression.add_mul(weight, tier(&tiers, *matches))
                }
                Term::MentorsWithAtLeast { matches, .. } => {
                    expression.add_mul(weight, tier(&self.mentor_tiers, *matches))
                }
                Term::IdentityRequestsMet { .. } => {
                    expression.add_mul(weight, sum(self.identity_met.iter().flatten().copied()))
                }
                Term::ProfessionRequestsMet { .. } => {
                    expression.add_mul(weight, sum(self.profession_met.iter().flatten().copied()))
                }
                Term::TotalScore { .. } => {
                    for (p, &x) in self.pairs.iter().zip(&self.pair) {
                        expression.add_mul(weight * f64::from(p.score), x);
                    }
                }
                Term::Pairs { .. } => expression.add_mul(weight, sum(self.pair.iter().copied())),
                Term::PreviousPairsKept { .. } => {
                    for (p, &x) in self.pairs.iter().zip(&self.pair) {
                        if p.previous {
                            expression.add_mul(weight, x);
                        }
                    }
                }
                Term::WeightedSum { .. } => {} // refused by the model's checks
            }
        }
        expression
    }

    /// The rows that hold one side constraint.
    fn side_rows(&self, constraint: &Constraint) -> Vec<Row> {
        let programme = self.programme;
        match *constraint {
            Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                let mut by_mentor_and_organisation: HashMap<(u32, u32), Vec<Variable>> = HashMap::new();
                for (p, &x) in self.pairs.iter().zip(&self.pair) {
                    let organisation = programme.mentees[p.mentee as usize].person.organisation.0;
                    by_mentor_and_organisation
                        .entry((p.mentor, organisation))
                        .or_default()
                        .push(x);
                }
                let mut groups: Vec<_> = by_mentor_and_organisation.into_iter().collect();
                groups.sort_unstable_by_key(|(key, _)| *key); // a fixed row order, for repeatable solves
                groups
                    .into_iter()
                    .filter(|((mentor, _), xs)| {
                        xs.len() > mentees as usize && programme.mentors[*mentor as usize].person.capacity > mentees
                    })
                    .map(|(_, xs)| sum(xs).leq(f64::from(mentees)))
                    .collect()
            }
            Constraint::IdentityRequestsMetAtLeast { percent } => {
                let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count();
                let needed = (u64::from(percent) * asked as u64).div_ceil(100);
                vec![sum(self.identity_met.iter().flatten().copied()).geq(needed as f64)]
            }
            Constraint::CoverageFloor { by, percent } => {
                let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
                for (e, mentee) in programme.mentees.iter().enumerate() {
                    if mentee.person.capacity > 0 {
                        members.entry(group_of(programme, e, by)).or_default().push(e);
                    }
                }
                let all: usize = members.values().map(Vec::len).sum();
                let covered = |people: &mut dyn Iterator<Item = usize>| {
                    sum(people.filter_map(|e| self.mentee_tiers[e].first().copied()))
                };
                let total = covered(&mut (0..programme.mentees.len()));
                let mut groups: Vec<_> = members.into_iter().collect();
                groups.sort_unstable();
                groups
                    .into_iter()
                    .map(|(_, people)| {
                        // 100 x all x covered_g >= percent x n_g x covered_total, in whole
                        // numbers so the solver's tolerances cannot bend it.
                        let share = f64::from(percent) * people.len() as f64;
                        let mut row = Expression::default();
                        row.add_mul(100.0 * all as f64, covered(&mut people.into_iter()));
                        row.add_mul(-share, total.clone());
                        row.geq(0.0)
                    })
                    .collect()
            }
        }
    }

    /// Every variable's value for a matching: a start for the solver.
    fn values_of(&self, matching: &Matching) -> Vec<(Variable, f64)> {
        let programme = self.programme;
        let made: std::collections::HashSet<(u32, u32)> = matching.pairs.iter().map(|p| (p.mentee, p.mentor)).collect();
        let mentees = matching.mentee_counts(programme);
        let mentors = matching.mentor_counts(programme);
        let met = |kind: fn(&Pair) -> bool| {
            let mut met = vec![false; programme.mentees.len()];
            for p in matching.pairs.iter().filter(|p| kind(p)) {
                met[p.mentee as usize] = true;
            }
            met
        };
        let one = |b: bool| if b { 1.0 } else { 0.0 };
        let mut values = Vec::with_capacity(self.variables.len());
        for (p, &x) in self.pairs.iter().zip(&self.pair) {
            values.push((x, one(made.contains(&(p.mentee, p.mentor)))));
        }
        for (tiers, counts) in [(&self.mentee_tiers, &mentees), (&self.mentor_tiers, &mentors)] {
            for (person, own) in tiers.iter().enumerate() {
                for (k, &y) in own.iter().enumerate() {
                    values.push((y, one(counts[person] > k as u32)));
                }
            }
        }
        for (indicators, met) in [
            (&self.identity_met, met(|p| p.identity_matched)),
            (&self.profession_met, met(|p| p.profession_matched)),
        ] {
            for (e, z) in indicators.iter().enumerate() {
                if let Some(z) = z {
                    values.push((*z, one(met[e])));
                }
            }
        }
        values
    }

    /// Maximise `objective` under the capacity and link rows and `extra` (side
    /// constraints and levels held); the matching found and the solver's value of
    /// the objective.
    fn run(
        &self,
        backend: Backend,
        objective: &Expression,
        extra: &[Row],
        start: Option<Vec<(Variable, f64)>>,
        time_limit: Option<Duration>,
    ) -> Result<(Matching, f64, bool), ResolutionError> {
        let problem = self.variables.clone().maximise(objective.clone());
        let rows = self.rows.iter().cloned().chain(extra.iter().cloned());
        let (chosen, value, stopped) = match backend {
            Backend::Microlp => {
                // microlp does not know the objective takes whole values; a relative
                // gap below 1 / (largest value) stops it once no better whole value
                // is left.
                let largest: f64 = objective.linear_coefficients().map(|(_, c)| c.max(0.0)).sum();
                let gap = (0.99 / largest.max(1.0)) as f32;
                let mut model = problem
                    .using(good_lp::microlp)
                    .with_mip_gap(gap)
                    .map_err(|e| ResolutionError::Str(e.to_string()))?;
                if let Some(limit) = time_limit {
                    model = model.with_time_limit(limit.as_secs_f64());
                }
                solve_model(model, rows, start, &self.pair, objective)?
            }
            #[cfg(feature = "highs")]
            Backend::Highs => {
                let model = problem.using(good_lp::highs); // quiet: good_lp leaves its log off
                                                           // Exact: objective values are whole numbers, so a gap below 1 proves optimality.
                let mut model = model
                    .set_mip_rel_gap(0.0)
                    .and_then(|m| m.set_mip_abs_gap(0.99))
                    .map_err(|e| ResolutionError::Str(e.to_string()))?;
                if let Some(limit) = time_limit {
                    model = model.with_time_limit(limit.as_secs_f64());
                }
                solve_model(model, rows, start, &self.pair, objective)?
            }
            #[cfg(not(feature = "highs"))]
            Backend::Highs => return Err(ResolutionError::Str(HIGHS_NOT_BUILT.into())),
        };
        let made = self
            .pairs
            .iter()
            .zip(chosen)
            .filter(|(_, made)| *made)
            .map(|(p, _)| *p)
            .collect();
        Ok((Matching::new(made), value, stopped))
    }
}

/// Add the rows, start from `start`, solve, and read which pairs are made.
fn solve_model<M>(
    mut model: M,
    rows: impl Iterator<Item = Row>,
    start: Option<Vec<(Variable, f64)>>,
    pair: &[Variable],
    objective: &Expression,
) -> Result<(Vec<bool>, f64, bool), ResolutionError>
where
    M: SolverModel<Error = ResolutionError> + WithInitialSolution,
{
    for row in rows {
        model.add_constraint(row);
    }
    if let Some(start) = start {
        model = model.with_initial_solution(start);
    }
    let solution = model.solve()?;
    // Stopped by the time limit: its incumbent, which the caller checks.
    let stopped = match solution.status() {
        SolutionStatus::Optimal | SolutionStatus::GapLimit => false,
        SolutionStatus::TimeLimit => true,
    };
    let chosen = pair.iter().map(|&x| solution.value(x) > 0.5).collect();
    Ok((chosen, objective.eval_with(&solution), stopped))
}
