//! `mentorflow match`: registrations in, the best matching and mailing lists out.

use std::path::PathBuf;

use clap::Args;

use mentorflow::pipeline::{run_match, MatchOptions, Progress, RunError};
use mentorflow::solve::choose::{SolverChoice, SolverKind};
use mentorflow::solve::ilp::Backend;
use mentorflow::solve::SolveError;

use super::inputs::read_inputs;
use super::output::write_all;
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct MatchArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
    /// Folder to write the matches, mailing lists and summary into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the contents of a non-empty --out folder.
    #[arg(long)]
    force: bool,
    /// Solver: flow (min-cost flow, fast) or ilp (integer program, for side
    /// constraints and objectives a flow cannot hold). When not given: flow, or
    /// ilp when the model needs it.
    #[arg(long, value_name = "flow|ilp")]
    solver: Option<SolverKind>,
    /// Integer program backend: microlp (built in) or highs (with the cargo
    /// feature `highs`).
    #[arg(long, value_name = "microlp|highs", default_value_t = Backend::Microlp)]
    ilp_backend: Backend,
    /// For models with side constraints: stop after this many seconds with the
    /// best matching found, and say how far from optimal it can be. Without it
    /// the solve runs until the optimum is proven.
    #[arg(long, value_name = "SECONDS", value_parser = super::seconds)]
    time_limit: Option<std::time::Duration>,
}

pub fn run(args: MatchArgs) -> Result<(), Failure> {
    let inputs = read_inputs(&args.programme)?;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let options = MatchOptions {
        solver: SolverChoice {
            solver: args.solver,
            backend: args.ilp_backend,
            time_limit: args.time_limit,
        },
    };
    let mut progress = |stage: Progress| {
        if let Progress::Chosen { note: Some(note), .. } = stage {
            eprintln!("{note}");
        }
    };
    let run = run_match(&inputs, options, &mut progress).map_err(|e| match e {
        RunError::Solve(e) => {
            let hint = match (&e, args.solver) {
                (SolveError::NotFlowExpressible(_), Some(SolverKind::Flow)) => {
                    "\nuse --solver ilp, or leave --solver out to let the model choose"
                }
                _ => "",
            };
            Failure::Input(format!("{e}{hint}\nnothing was written"))
        }
        e @ RunError::BrokenRule(_) => Failure::System(format!("{e}\nnothing was written")),
    })?;
    write_all(&args.out, &run.files, args.force).map_err(|e| Failure::System(format!("{e}\nnothing was written")))?;
    println!("{}", run.summary);
    println!("wrote {} files to {}", run.files.len(), args.out.display());
    Ok(())
}
