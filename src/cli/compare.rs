//! `mentorflow compare`: several models on the same registrations, side by side.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use mentorflow::pipeline::{compare_run, comparison, MatchOptions, RunError};
use mentorflow::solve::choose::{SolverChoice, SolverKind};
use mentorflow::solve::ilp::Backend;

use super::inputs::read_inputs;
use super::{Failure, ProgrammeArgs};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Mentors' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    mentors: PathBuf,
    /// Mentees' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    mentees: PathBuf,
    /// A model file or the name of a shipped model; give it once per model. The
    /// first is the one the others are compared with.
    #[arg(long = "model", value_name = "FILE", required = true)]
    models: Vec<PathBuf>,
    /// Earlier pairs (CSV with mentee_email, mentor_email), none of which is made again.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// The organisers' pins and bans (CSV: action, mentee email, mentor email, note).
    #[arg(long, value_name = "FILE")]
    adjust: Option<PathBuf>,
    /// Spellings that are one organisation (CSV with name, same as).
    #[arg(long, value_name = "FILE")]
    organisations: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Solver for every model: flow or ilp. When not given: flow, or ilp for a
    /// model that needs it.
    #[arg(long, value_name = "flow|ilp")]
    solver: Option<SolverKind>,
    /// Integer program backend: microlp (built in) or highs (cargo feature `highs`).
    #[arg(long, value_name = "microlp|highs", default_value_t = Backend::Microlp)]
    ilp_backend: Backend,
    /// For models with side constraints: stop after this many seconds with the
    /// best matching found, and say how far from optimal it can be. Without it
    /// the solve runs until the optimum is proven.
    #[arg(long, value_name = "SECONDS", value_parser = super::seconds)]
    time_limit: Option<std::time::Duration>,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let options = MatchOptions {
        solver: SolverChoice {
            solver: args.solver,
            backend: args.ilp_backend,
            time_limit: args.time_limit,
        },
    };
    // Each model reads the registrations itself (models may spell grades and
    // organisations differently), and every model is read before any is solved,
    // so a mistake in the last model stops the run at once, not minutes later.
    let read: Vec<_> = args
        .models
        .iter()
        .map(|model| {
            read_inputs(&ProgrammeArgs {
                mentors: args.mentors.clone(),
                mentees: args.mentees.clone(),
                model: Some(model.clone()),
                history: args.history.clone(),
                adjust: args.adjust.clone(),
                organisations: args.organisations.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut runs = Vec::new();
    for inputs in read {
        let run = compare_run(&inputs, options).map_err(|e| match e {
            RunError::Solve(e) => Failure::Input(format!("model {}: {e}", inputs.model.name)),
            e @ RunError::BrokenRule(_) => Failure::System(e.to_string()),
        })?;
        runs.push((inputs, run));
    }
    let runs: Vec<_> = runs.iter().map(|(inputs, run)| (inputs, run.clone())).collect();
    let comparison = comparison(&runs);
    print!(
        "{}",
        match args.format {
            Format::Table => comparison.table(),
            Format::Json => comparison.json(),
            Format::Csv => comparison.csv(),
        }
    );
    Ok(())
}
