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

//!
//! The module's files, one job each: `backend` names the solver libraries,
//! `microlp` and `highs` run the program through each (behind good_lp's
//! traits), `formulation` writes the program, `floors` lets flows decide
//! first, `branch` decides coverage floors, identity floors and caps together
//! under any objective a flow holds by branch and bound on flows (where the
//! halving in `floors` and the Lagrangian relaxation cannot), and
//! `constraints` checks a matching against the side constraints.
//!
//! When flows leave a level open, the matching they found reaches the optimum
//! on every level before it (their proof), so the program holds those levels
//! at that matching's values without solving them, and starts at the open
//! level with the flows' bound.

mod backend;
mod branch;
mod constraints;
mod floors;
mod formulation;
#[cfg(feature = "highs")]
mod highs;
mod microlp;

use std::time::{Duration, Instant};

use good_lp::{Constraint as Row, ResolutionError};

use super::capped::Pricer;
use super::lagrange::Undecided;
use super::{Optimality, Solution, SolveError, SolveStats};
use crate::eligibility::Eligibility;
use crate::matching::Matching;
use crate::model::{Constraint, Term};
pub use backend::{Backend, HIGHS_NOT_BUILT};
use branch::{branch_on_constraints, start_without_professions, Searched};
pub use constraints::constraint_met;
pub use floors::pairs_at_least_as_good;
use floors::{flow_with_coverage_floor, flow_with_identity_floor, flow_without_constraints, Left};
use formulation::{which_constraint_fails, Program};

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
    /// The defaults with this backend: the flows' help, no time limit.
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
    solve_ilp_from(eligibility, options, None)
}

/// [`solve_ilp_with`], starting from a matching known to be good (a what-if
/// sweep's run before this one): where it meets every rule and constraint,
/// the search and the program start from it, and it is the answer when it
/// reaches the flow's bound. One that breaks a rule (a pair not eligible, a
/// place over capacity, a pin missing) is set aside.
pub fn solve_ilp_from(
    eligibility: &Eligibility,
    options: IlpOptions,
    known: Option<&Matching>,
) -> Result<Solution, SolveError> {
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
            Some(Ok((mut solution, _, _))) => {
                solution.stats.time = start.elapsed();
                solution.stats.eligible_pairs = pairs.len();
                return Ok(solution);
            }
            Some(Err(Left::Error(e))) => return Err(e),
            Some(Err(Left::Undecided(undecided))) => lagrangian = Some(undecided),
            None => {}
        }
    }
    // Flows over every eligible pair, by pricing: the pairs one solve needed
    // start the next.
    let mut pricer = Pricer::new(programme, &pairs);
    let flow = if options.use_flow {
        flow_without_constraints(programme, model, &mut pricer)
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
                    certificate: Some(
                        if model
                            .constraints
                            .iter()
                            .any(|c| matches!(c, Constraint::MaxMenteesFromOneOrganisation { .. }))
                        {
                            "the optimum with the organisation cap held by the network meets every constraint"
                        } else {
                            "the optimum without the constraints meets every one"
                        }
                        .to_string(),
                    ),
                    ..SolveStats::default()
                },
                ..flow.clone()
            });
        }
    }

    let deadline = options.time_limit.map(|limit| start + limit);

    // A coverage floor (with at most a cap besides) can be held by flows, one
    // total coverage at a time (see `flow_with_coverage_floor`).
    if let Some(flow) = &flow {
        match flow_with_coverage_floor(programme, model, &mut pricer, flow.objective_values[0]) {
            Some(Ok(mut covered)) => {
                covered.stats.time = start.elapsed();
                covered.stats.eligible_pairs = pairs.len();
                return Ok(covered);
            }
            Some(Err(undecided)) => lagrangian = Some(undecided),
            None => {}
        }
        // Every matching that meets the constraints is one the flow without
        // them weighed: its values bound them all.
        let mut upper = flow.objective_values.clone();
        let mut incumbents = vec![flow.matching.clone()];
        let known = known
            .filter(|m| keeps_every_rule(programme, &pairs, m))
            .filter(|m| model.constraints.iter().all(|c| constraint_met(programme, m, c)));
        if let Some(known) = known {
            incumbents.push(known.clone());
        }
        if let Some(u) = &lagrangian {
            upper = upper.min(bound_of(programme, model, u));
            incumbents.push(u.best.clone());
        }
        // An objective counting profession requests with an identity floor:
        // flows find a start under the objective without professions, one
        // more incumbent (and the program's start, should flows stop).
        let professions_start = start_without_professions(programme, model, &mut pricer, &flow.matching, deadline);
        match &professions_start {
            Some(None) => {
                return Err(which_fails_by_flows(programme, model, &pairs).unwrap_or_else(|| {
                    which_constraint_fails(&Program::new(programme, model, &pairs), options.backend)
                }))
            }
            Some(Some(start)) => incumbents.push(start.clone()),
            None => {}
        }
        // An identity floor with coverage floors: the identity floor alone
        // (with the cap) is decided by the Lagrangian relaxation; its optimum
        // bounds the model's, and is the model's when it meets the floors too.
        let floors = |c: &Constraint| matches!(c, Constraint::CoverageFloor { .. });
        // Where identity requests enter the search's networks (see `branch`).
        let mut multiplier = lagrangian.as_ref().and_then(|u| u.multiplier);
        if model.constraints.iter().any(floors) {
            let mut identity_alone = model.clone();
            identity_alone.constraints.retain(|c| !floors(c));
            match flow_with_identity_floor(programme, &identity_alone, &pairs) {
                Some(Ok((mut solution, m, others))) => {
                    multiplier = Some(m);
                    // Of the optima found, one that meets the floors too.
                    let meets = |m: &Matching| model.constraints.iter().all(|c| constraint_met(programme, m, c));
                    if !meets(&solution.matching) {
                        if let Some(other) = others.iter().find(|m| meets(m)) {
                            incumbents.push(std::mem::replace(&mut solution.matching, other.clone()));
                        }
                    }
                    if meets(&solution.matching) {
                        solution.stats.time = start.elapsed();
                        solution.stats.eligible_pairs = pairs.len();
                        solution.stats.certificate = Some(format!(
                            "the optimum under the identity floor alone ({}) meets every constraint",
                            solution
                                .stats
                                .certificate
                                .as_deref()
                                .unwrap_or("by the Lagrangian relaxation")
                        ));
                        return Ok(solution);
                    }
                    upper = upper.min(solution.objective_values.clone());
                    // The walk's optimum last: the dive starts from the last of equals.
                    incumbents.extend(others);
                    incumbents.push(solution.matching);
                }
                // No matching meets the identity floor (with the cap): none
                // meets every constraint; named among all of them.
                Some(Err(Left::Error(SolveError::Infeasible { .. }))) => {
                    return Err(which_fails_by_flows(programme, model, &pairs).unwrap_or_else(|| {
                        which_constraint_fails(&Program::new(programme, model, &pairs), options.backend)
                    }))
                }
                Some(Err(Left::Error(e))) => return Err(e),
                Some(Err(Left::Undecided(u))) => {
                    multiplier = u.multiplier;
                    upper = upper.min(bound_of(programme, model, &u));
                    incumbents.push(u.best);
                }
                None => {}
            }
        }
        // Where that cannot decide (an objective that does not put coverage
        // first, a flow covering more than the floor allows, floors over both
        // groupings, an identity floor with floors): branch and bound on
        // flows (see `branch`).
        // The halving's bound on the number covered, where its level counts them.
        let most = lagrangian
            .as_ref()
            .filter(|u| u.level == 0)
            .filter(|_| matches!(model.objective[0], Term::MenteesWithAtLeast { matches: 1, weight: 1 }))
            .map(|u| u.bound as u32);
        match branch_on_constraints(
            programme,
            model,
            &mut pricer,
            incumbents,
            Some(upper),
            most,
            multiplier,
            deadline,
        ) {
            Some(Searched::Optimal(mut solution)) => {
                solution.stats.time = start.elapsed();
                return Ok(solution);
            }
            Some(Searched::Infeasible) => {
                return Err(which_fails_by_flows(programme, model, &pairs).unwrap_or_else(|| {
                    which_constraint_fails(&Program::new(programme, model, &pairs), options.backend)
                }))
            }
            Some(Searched::Stopped { best, level, bound, .. }) => {
                // The search's bound, where it is tighter than what is known.
                let tighter = lagrangian
                    .as_ref()
                    .is_none_or(|u| (level, -bound) > (u.level, -u.bound));
                lagrangian = Some(if tighter {
                    Undecided {
                        best,
                        level,
                        bound,
                        multiplier: None,
                    }
                } else {
                    Undecided {
                        best,
                        ..lagrangian.take().unwrap()
                    }
                });
            }
            None => {}
        }
        // An objective counting profession requests with an identity floor:
        // flows find a start under the objective without professions (or
        // the matching known beforehand is one), and the program closes the
        // gap to the flow's bound from there.
        if lagrangian.is_none() {
            let found = professions_start.flatten();
            // The better of that and the matching known beforehand.
            let better = found
                .into_iter()
                .chain(known.cloned())
                .max_by_key(|m| m.objective_values(programme, &model.objective));
            if let Some(best) = better {
                let values = best.objective_values(programme, &model.objective);
                match (0..values.len()).find(|&l| values[l] != flow.objective_values[l]) {
                    // It reaches the bound of every matching on every level.
                    None => {
                        let stats = SolveStats {
                            eligible_pairs: pairs.len(),
                            time: start.elapsed(),
                            certificate: Some(
                                "a matching that meets the constraints reaches the optimum without them".into(),
                            ),
                            ..SolveStats::default()
                        };
                        return Ok(Solution::new(programme, model, best.pairs, stats));
                    }
                    Some(level) => {
                        lagrangian = Some(Undecided {
                            best,
                            level,
                            bound: flow.objective_values[level],
                            multiplier: None,
                        })
                    }
                }
            }
        }
    }

    // Reduced-cost fixing: where flows left a gap, only pairs a matching at
    // least as good as the best found can use go into the program.
    let kept = match (&flow, &lagrangian) {
        (Some(_), Some(u)) => pairs_at_least_as_good(programme, model, &mut pricer, &u.best, u.level),
        _ => None,
    };
    let program = Program::new(programme, model, kept.as_deref().unwrap_or(&pairs));
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
        // Levels before the one flows left open are proven: the matching
        // they gave reaches the optimum there.
        let lagrangian_bound = lagrangian.as_ref().and_then(|u| match level.cmp(&u.level) {
            std::cmp::Ordering::Less => Some(u.best.objective_values(programme, &model.objective[level..=level])[0]),
            // i64::MAX: the search knew no bound there.
            std::cmp::Ordering::Equal => Some(u.bound).filter(|&b| b != i64::MAX),
            std::cmp::Ordering::Greater => None,
        });
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
                    "the time limit passed before any matching that meets the constraints was found; \
                     allow longer (--time-limit), or loosen the constraints in the model file"
                        .into(),
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

/// Whether a matching keeps every hard rule over these eligible pairs: each
/// pair eligible (as given), nobody over their places, every pin made.
fn keeps_every_rule(
    programme: &crate::registration::Programme,
    pairs: &[crate::eligibility::Pair],
    m: &Matching,
) -> bool {
    use std::collections::HashSet;
    let eligible: HashSet<(u32, u32)> = pairs.iter().map(|p| (p.mentee, p.mentor)).collect();
    let made: HashSet<(u32, u32)> = m.pairs.iter().map(|p| (p.mentee, p.mentor)).collect();
    made.len() == m.pairs.len()
        && made.iter().all(|k| eligible.contains(k))
        && pairs
            .iter()
            .filter(|p| p.pinned)
            .all(|p| made.contains(&(p.mentee, p.mentor)))
        && m.mentee_counts(programme)
            .iter()
            .zip(&programme.mentees)
            .all(|(&c, e)| c <= e.person.capacity)
        && m.mentor_counts(programme)
            .iter()
            .zip(&programme.mentors)
            .all(|(&c, t)| c <= t.person.capacity)
}

/// What an undecided search proves, as a bound on every level: the best
/// matching's values before the open level, the bound there, and nothing
/// after it.
fn bound_of(programme: &crate::registration::Programme, model: &crate::model::Model, u: &Undecided) -> Vec<i64> {
    let mut bound = u.best.objective_values(programme, &model.objective);
    for (level, value) in bound.iter_mut().enumerate() {
        match level.cmp(&u.level) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => *value = u.bound,
            std::cmp::Ordering::Greater => *value = i64::MAX,
        }
    }
    bound
}

/// The first constraint no matching meets together with those before it (in
/// the model's order; alone when it cannot be met on its own), as the
/// program's `which_constraint_fails` names it, decided by flows; none when
/// flows cannot tell. Caps and coverage floors are met by the empty matching,
/// so only a set with an identity floor can fail: alone (with caps) by the
/// Lagrangian relaxation, with floors by the search.
fn which_fails_by_flows(
    programme: &crate::registration::Programme,
    model: &crate::model::Model,
    pairs: &[crate::eligibility::Pair],
) -> Option<SolveError> {
    let feasible = |which: &[usize]| -> Option<bool> {
        let mut part = model.clone();
        part.constraints = which.iter().map(|&i| model.constraints[i].clone()).collect();
        // Whether any matching meets them does not depend on the objective:
        // one every flow can hold.
        part.objective = vec![Term::mentees_with_at_least(1)];
        let identity = |c: &Constraint| matches!(c, Constraint::IdentityRequestsMetAtLeast { .. });
        let floor = |c: &Constraint| matches!(c, Constraint::CoverageFloor { .. });
        if !part.constraints.iter().any(identity) {
            return Some(true);
        }
        if !part.constraints.iter().any(floor) {
            return match flow_with_identity_floor(programme, &part, pairs)? {
                Err(Left::Error(SolveError::Infeasible { .. })) => Some(false),
                Err(Left::Error(_)) => None,
                _ => Some(true),
            };
        }
        let mut pricer = Pricer::new(programme, pairs);
        match branch_on_constraints(programme, &part, &mut pricer, Vec::new(), None, None, None, None)? {
            Searched::Infeasible => Some(false),
            _ => Some(true),
        }
    };
    SolveError::first_infeasible(&model.constraints, feasible)
}
