//! The integer program's solver libraries, by name: which are built in, and
//! parsing a choice. Each one runs the program in its own file, behind
//! good_lp's traits ([`solve_model`]).

use std::fmt;
use std::str::FromStr;

use good_lp::{
    Constraint as Row, Expression, ResolutionError, Solution as _, SolutionStatus, SolverModel, Variable,
    WithInitialSolution,
};

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
    /// Every backend, built in or not, in the order help lists them.
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

/// What every backend is given besides its configured model: the rows to add,
/// a start, the pair variables to read back, and the objective to evaluate.
pub(super) struct Chosen<'a, I> {
    pub rows: I,
    pub start: Option<Vec<(Variable, f64)>>,
    pub pair: &'a [Variable],
    pub objective: &'a Expression,
}

/// Add the rows, start from `start`, solve, and read which pairs are made:
/// whether each pair is made, the solver's value of the objective, and whether
/// the time limit stopped it. Any backend behind good_lp's traits runs here.
pub(super) fn solve_model<M, I>(mut model: M, chosen: Chosen<'_, I>) -> Result<(Vec<bool>, f64, bool), ResolutionError>
where
    M: SolverModel<Error = ResolutionError> + WithInitialSolution,
    I: Iterator<Item = Row>,
{
    let Chosen {
        rows,
        start,
        pair,
        objective,
    } = chosen;
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
