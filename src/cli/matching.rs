//! `mentorflow match`: registrations in, the best matching and mailing lists out.

use std::path::{Path, PathBuf};

use clap::Args;

use mentorflow::pipeline::{run_match, MatchOptions, Progress, RunError};
use mentorflow::report::OutputFile;
use mentorflow::solve::choose::{SolverChoice, SolverKind};
use mentorflow::solve::ilp::Backend;
use mentorflow::solve::SolveError;

use super::inputs::read_inputs;
use super::output::{refuse_inputs, write_all};
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub programme: ProgrammeArgs,
    /// Folder to write the matches, mailing lists and summary into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
    let input_paths = args.input_paths(&[]);
    refuse_inputs(&args.out, &input_paths).map_err(|e| Failure::Input(format!("{e}\nnothing was written")))?;
    let inputs = read_inputs(&args.programme)?;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let run = run_match(&inputs, args.options(), &mut print_notes).map_err(|e| args.failure(e))?;
    args.write(&run.files, &input_paths)?;
    println!("{}", run.summary);
    println!("wrote {} files to {}", run.files.len(), args.out.display());
    Ok(())
}

/// Notes the model's choice of solver prints, on standard error.
pub fn print_notes(stage: Progress) {
    if let Progress::Chosen { note: Some(note), .. } = stage {
        eprintln!("{note}");
    }
}

impl MatchArgs {
    /// Every input file named, and `extra`: none may be in `--out`.
    pub fn input_paths<'a>(&'a self, extra: &[&'a Path]) -> Vec<&'a Path> {
        let p = &self.programme;
        let mut paths = vec![p.mentors.as_path(), p.mentees.as_path()];
        paths.extend(
            p.model
                .as_deref()
                .into_iter()
                .chain(p.history.as_deref())
                .chain(p.adjust.as_deref()),
        );
        paths.extend(extra);
        paths
    }

    pub fn options(&self) -> MatchOptions {
        MatchOptions {
            solver: SolverChoice {
                solver: self.solver,
                backend: self.ilp_backend,
            },
        }
    }

    /// A failed run as the organiser sees it: what to change, and that nothing
    /// was written.
    pub fn failure(&self, e: RunError) -> Failure {
        match e {
            RunError::Solve(e) => {
                let hint = match (&e, self.solver) {
                    (SolveError::NotFlowExpressible(_), Some(SolverKind::Flow)) => {
                        "\nuse --solver ilp, or leave --solver out to let the model choose"
                    }
                    _ => "",
                };
                Failure::Input(format!("{e}{hint}\nnothing was written"))
            }
            e @ RunError::BrokenRule(_) => Failure::System(format!("{e}\nnothing was written")),
        }
    }

    pub fn write(&self, files: &[OutputFile], input_paths: &[&Path]) -> Result<(), Failure> {
        write_all(&self.out, files, self.force, input_paths)
            .map_err(|e| Failure::System(format!("{e}\nnothing was written")))
    }
}
