//! Which solver takes a model: the flow when asked for or when it can, the integer
//! program when asked for or when the model needs it. `match`, `compare`,
//! `whatif` and the web app all choose here, so they choose alike.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::ilp::{solve_ilp_from, solve_ilp_with, Backend, IlpOptions, HIGHS_NOT_BUILT};
use super::{flow_can_solve, solve_eligible, Solution, SolveError, SolveOptions, WarmStart};
use crate::eligibility::Eligibility;
use crate::matching::Matching;
use crate::model::Model;

/// The two ways to solve a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SolverKind {
    /// Min-cost flow: exact and fast, for objectives a flow can hold and no side
    /// constraints.
    Flow,
    /// Integer program: any objective and the side constraints; slower.
    Ilp,
}

impl SolverKind {
    /// The solver's name, as `--solver` takes it.
    pub fn name(self) -> &'static str {
        match self {
            SolverKind::Flow => "flow",
            SolverKind::Ilp => "ilp",
        }
    }
}

impl fmt::Display for SolverKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SolverKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [SolverKind::Flow, SolverKind::Ilp]
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("unknown solver \"{name}\": use flow or ilp"))
    }
}

/// What the caller asked for: a solver or none (the model decides), and the
/// integer program's backend should it run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SolverChoice {
    /// The solver asked for; none lets the model decide.
    pub solver: Option<SolverKind>,
    /// The integer program's backend, should it run.
    pub backend: Backend,
    /// For models with side constraints: stop after this long with the best
    /// matching found and its proven gap ([`super::Optimality`]). The flow
    /// always finishes, and needs none.
    pub time_limit: Option<Duration>,
}

/// The solver that will run, and a one-line note when the model chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    /// The solver that will run.
    pub solver: SolverKind,
    /// The integer program's backend, should it run.
    pub backend: Backend,
    /// Why the model chose this solver, when no solver was asked for.
    pub note: Option<String>,
}

/// Decide which solver runs a model for a programme of `participants` people.
///
/// Asking for the flow with a model it cannot hold is an error saying why; asking
/// for nothing picks the integer program for such a model, with a note saying why.
pub fn choose(model: &Model, participants: usize, choice: SolverChoice) -> Result<Chosen, SolveError> {
    let ilp = |note: Option<String>| {
        if choice.backend.is_built_in() {
            Ok(Chosen {
                solver: SolverKind::Ilp,
                backend: choice.backend,
                note,
            })
        } else {
            Err(SolveError::IntegerProgram(HIGHS_NOT_BUILT.into()))
        }
    };
    let flow = Chosen {
        solver: SolverKind::Flow,
        backend: choice.backend,
        note: None,
    };
    match choice.solver {
        Some(SolverKind::Ilp) => ilp(None),
        Some(SolverKind::Flow) => flow_can_solve(model, participants).map(|_| flow),
        None => match flow_can_solve(model, participants) {
            Ok(_) => Ok(flow),
            // Side constraints: flows decide first, the program only what they leave.
            Err(SolveError::NotFlowExpressible(_)) if !model.constraints.is_empty() => ilp(Some(format!(
                "note: the model has the constraint \"{}\", which the plain flow cannot hold; flows try first \
                 (an organisation cap held by the network, coverage and identity floors by branch and bound on flows \
                 and the Lagrangian relaxation, each with its proof), and the integer program ({}) closes only what \
                 they leave, which can take minutes (--time-limit bounds it and keeps the best matching found{})",
                model.constraints[0].label(),
                choice.backend,
                match choice.backend {
                    Backend::Microlp => "; HiGHS is much faster: --ilp-backend highs, see the README",
                    Backend::Highs => "",
                }
            ))),
            Err(SolveError::NotFlowExpressible(why)) => ilp(Some(format!(
                "note: solving as an integer program ({}), since {why}; {}",
                choice.backend,
                match choice.backend {
                    Backend::Microlp => "flows decide identity floors, organisation caps and most coverage floors in seconds; where they cannot, the program can take minutes for a few hundred participants (--time-limit bounds it; HiGHS is much faster: --ilp-backend highs, see the README)",
                    Backend::Highs => "flows decide identity floors, organisation caps and most coverage floors in seconds; where they cannot, the program can take minutes for a thousand participants (--time-limit bounds it)",
                }
            ))),
            Err(e) => Err(e),
        },
    }
}

fn ilp_options(backend: Backend, choice: SolverChoice) -> IlpOptions {
    IlpOptions {
        time_limit: choice.time_limit,
        ..IlpOptions::new(backend)
    }
}

/// Solve with the chosen solver (see [`choose`]).
pub fn solve_with(eligibility: &Eligibility, choice: SolverChoice) -> Result<Solution, SolveError> {
    let programme = eligibility.programme();
    let participants = programme.mentees.len() + programme.mentors.len();
    let chosen = choose(eligibility.model(), participants, choice)?;
    match chosen.solver {
        SolverKind::Flow => solve_eligible(eligibility, SolveOptions::default()),
        SolverKind::Ilp => solve_ilp_with(eligibility, ilp_options(chosen.backend, choice)),
    }
}

/// Solve with the chosen solver, the flow going on from `from` when given (see
/// [`WarmStart::resolve`]); returns the network later runs can start from, when
/// the flow ran. What-if sweeps solve here, so they choose as `match` does.
pub fn solve_warm(
    eligibility: &Eligibility,
    choice: SolverChoice,
    options: SolveOptions,
    from: Option<WarmStart>,
) -> Result<(Solution, Option<WarmStart>), SolveError> {
    let programme = eligibility.programme();
    let participants = programme.mentees.len() + programme.mentors.len();
    let chosen = choose(eligibility.model(), participants, choice)?;
    match chosen.solver {
        SolverKind::Flow => match from {
            Some(warm) => warm.resolve(eligibility, options),
            None => WarmStart::solve(eligibility, options),
        }
        .map(|(solution, warm)| (solution, Some(warm))),
        // Side constraints: the integer program, from scratch every time.
        SolverKind::Ilp => {
            solve_ilp_with(eligibility, ilp_options(chosen.backend, choice)).map(|solution| (solution, None))
        }
    }
}

/// What a later run of a sweep starts from: the flow's network, or, for a
/// model with side constraints, the matching found, pair by pair by the
/// people's email keys (so a run whose mentors dropped out or were added
/// finds the same people).
#[derive(Clone)]
pub enum Start {
    /// The flow's network ([`WarmStart::resolve`]), boxed as it is large.
    Network(Box<WarmStart>),
    /// (mentee, mentor) email keys of the pairs made.
    Pairs(Vec<(String, String)>),
}

/// [`solve_warm`] for a sweep: the flow goes on from the network, the
/// integer program's search starts from the matching (see
/// [`solve_ilp_from`]: a start that breaks a rule or constraint of this run
/// is set aside, so the answer is the same as from scratch, only sooner).
pub fn solve_from(
    eligibility: &Eligibility,
    choice: SolverChoice,
    options: SolveOptions,
    from: Option<Start>,
) -> Result<(Solution, Option<Start>), SolveError> {
    let programme = eligibility.programme();
    let participants = programme.mentees.len() + programme.mentors.len();
    let chosen = choose(eligibility.model(), participants, choice)?;
    match chosen.solver {
        SolverKind::Flow => {
            let network = match from {
                Some(Start::Network(warm)) => Some(*warm),
                _ => None,
            };
            solve_warm(eligibility, choice, options, network)
                .map(|(solution, warm)| (solution, warm.map(|w| Start::Network(Box::new(w)))))
        }
        SolverKind::Ilp => {
            let known = match &from {
                Some(Start::Pairs(keys)) => Some(matching_of(eligibility, keys)),
                _ => None,
            };
            let solution = solve_ilp_from(eligibility, ilp_options(chosen.backend, choice), known.as_ref())?;
            let keys = solution.matching.pair_keys(programme).collect();
            Ok((solution, Some(Start::Pairs(keys))))
        }
    }
}

/// The pairs of `keys` this programme's rules allow, as they are here.
fn matching_of(eligibility: &Eligibility, keys: &[(String, String)]) -> Matching {
    use std::collections::HashMap;
    let programme = eligibility.programme();
    let index = |people: &mut dyn Iterator<Item = &String>| -> HashMap<String, u32> {
        people.enumerate().map(|(i, k)| (k.clone(), i as u32)).collect()
    };
    let mentees = index(&mut programme.mentees.iter().map(|m| &m.person.email_key));
    let mentors = index(&mut programme.mentors.iter().map(|m| &m.person.email_key));
    let pairs = keys
        .iter()
        .filter_map(|(e, t)| {
            let (e, t) = (*mentees.get(e)?, *mentors.get(t)?);
            eligibility.pairs_of(e)(t)
        })
        .collect();
    Matching::new(pairs)
}
