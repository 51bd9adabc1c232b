//! The integer program itself: its variables, rows and objective levels (see
//! the module's documentation), and running it through a backend.

use std::collections::HashMap;
use std::time::Duration;

use good_lp::{variable, Constraint as Row, Expression, ProblemVariables, ResolutionError, Variable};

use super::super::SolveError;
use super::backend::{Backend, Chosen};
use super::constraints::group_of;
use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::{Constraint, Model, Term};
use crate::registration::Programme;

/// The first constraint that cannot be met with those before it, in the model's
/// order; one that cannot be met on its own is named alone.
pub(super) fn which_constraint_fails(program: &Program, backend: Backend) -> SolveError {
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
pub(super) struct Program<'a> {
    pub(super) programme: &'a Programme,
    pub(super) model: &'a Model,
    pub(super) pairs: &'a [Pair],
    pub(super) variables: ProblemVariables,
    /// One per eligible pair.
    pub(super) pair: Vec<Variable>,
    pub(super) mentee_tiers: Vec<Vec<Variable>>,
    pub(super) mentor_tiers: Vec<Vec<Variable>>,
    pub(super) identity_met: Vec<Option<Variable>>,
    pub(super) profession_met: Vec<Option<Variable>>,
    /// Capacities and the links between indicators and pairs.
    pub(super) rows: Vec<Row>,
    /// The rows of each side constraint, in the model's order.
    pub(super) side: Vec<Vec<Row>>,
    /// Each objective level as an expression, in the model's order.
    pub(super) levels: Vec<Expression>,
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
    pub(super) fn new(programme: &'a Programme, model: &'a Model, pairs: &'a [Pair]) -> Self {
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
    pub(super) fn level(&self, term: &Term) -> Expression {
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
    pub(super) fn side_rows(&self, constraint: &Constraint) -> Vec<Row> {
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
    pub(super) fn values_of(&self, matching: &Matching) -> Vec<(Variable, f64)> {
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
    pub(super) fn run(
        &self,
        backend: Backend,
        objective: &Expression,
        extra: &[Row],
        start: Option<Vec<(Variable, f64)>>,
        time_limit: Option<Duration>,
    ) -> Result<(Matching, f64, bool), ResolutionError> {
        let problem = self.variables.clone().maximise(objective.clone());
        let rows = self.rows.iter().cloned().chain(extra.iter().cloned());
        let chosen = Chosen {
            rows,
            start,
            pair: &self.pair,
            objective,
        };
        let (chosen, value, stopped) = match backend {
            Backend::Microlp => super::microlp::solve(problem, chosen, time_limit)?,
            #[cfg(feature = "highs")]
            Backend::Highs => super::highs::solve(problem, chosen, time_limit)?,
            #[cfg(not(feature = "highs"))]
            Backend::Highs => return Err(ResolutionError::Str(super::HIGHS_NOT_BUILT.into())),
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
