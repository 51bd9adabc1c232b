//! `mentorflow match`: registrations in, the best matching and mailing lists out.

use std::path::PathBuf;

use clap::Args;

use mentorflow::pipeline::{run_match, MatchOptions, Progress, RunError};
use mentorflow::solve::choose::{SolverChoice, SolverKind};
use mentorflow::solve::ilp::Backend;
use mentorflow::solve::SolveError;

use super::inputs::read_inputs;
use super::output::{refuse_inputs, write_all};
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct MatchArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
    /// Folder to write the matches, mailing lists and summary into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the outputs of an earlier run in --out: only the files mentorflow
    /// wrote there (listed in its .mentorflow-manifest); nothing else is touched.
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
}

pub fn run(args: MatchArgs) -> Result<(), Failure> {
    let p = &args.programme;
    let mut input_paths = vec![p.mentors.as_path(), p.mentees.as_path()];
    input_paths.extend(
        p.model
            .as_deref()
            .into_iter()
            .chain(p.history.as_deref())
            .chain(p.adjust.as_deref()),
    );
    refuse_inputs(&args.out, &input_paths).map_err(|e| Failure::Input(format!("{e}\nnothing was written")))?;
    let inputs = read_inputs(&args.programme)?;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let options = MatchOptions {
        solver: SolverChoice {
            solver: args.solver,
            backend: args.ilp_backend,
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
    write_all(&args.out, &run.files, args.force, &input_paths)
        .map_err(|e| Failure::System(format!("{e}\nnothing was written")))?;
    println!("{}", run.summary);
    println!("wrote {} files to {}", run.files.len(), args.out.display());
    Ok(())
}
