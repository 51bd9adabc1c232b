//! `mentorflow match`: registrations in, the best matching and mailing lists out.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use mentorflow::check::check_matching;
use mentorflow::eligibility::Eligibility;
use mentorflow::explain::coverage_certificate;
use mentorflow::report::{output_files, report_file, Summary, Timing};
use mentorflow::solve::choose::{choose, solve_with, SolverChoice, SolverKind};
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
    let start = Instant::now();
    let p = &args.programme;
    let mut input_paths = vec![p.mentors.as_path(), p.mentees.as_path()];
    input_paths.extend(p.model.as_deref().into_iter().chain(p.history.as_deref()));
    refuse_inputs(&args.out, &input_paths).map_err(|e| Failure::Input(format!("{e}\nnothing was written")))?;
    let inputs = read_inputs(&args.programme)?;
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let read = start.elapsed();

    let choice = SolverChoice {
        solver: args.solver,
        backend: args.ilp_backend,
    };
    let nothing_written = |e: SolveError| {
        let hint = match (&e, args.solver) {
            (SolveError::NotFlowExpressible(_), Some(SolverKind::Flow)) => {
                "\nuse --solver ilp, or leave --solver out to let the model choose"
            }
            _ => "",
        };
        Failure::Input(format!("{e}{hint}\nnothing was written"))
    };
    let participants = programme.mentees.len() + programme.mentors.len();
    if let Some(note) = choose(model, participants, choice).map_err(nothing_written)?.note {
        eprintln!("{note}");
    }
    let eligibility = Eligibility::new(programme, model, history);
    let eligible = start.elapsed();
    let solution = solve_with(&eligibility, choice).map_err(nothing_written)?;
    let solved = start.elapsed();

    // The solver is trusted only as far as the independent check confirms.
    let violations = check_matching(programme, model, history, &solution.matching);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(Failure::System(format!(
            "internal error: the matching breaks a rule, please report this:\n{}\nnothing was written",
            list.join("\n")
        )));
    }

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let timing = Timing {
        read_ms: ms(read),
        eligibility_ms: ms(eligible - read),
        solve_ms: ms(solved - eligible),
        total_ms: ms(start.elapsed()),
    };
    // The certificate comes from its own max flow, apart from the solve.
    let certificate = coverage_certificate(programme, model, history, &solution.matching);
    let summary = Summary::new(
        programme,
        model,
        solution.stats.eligible_pairs,
        &solution.matching,
        timing,
    )
    .with_certificate(certificate);
    let mut files = output_files(programme, model, &solution.matching, &summary);
    files.push(report_file(programme, model, history, &solution.matching, &summary));
    write_all(&args.out, &files, args.force, &input_paths)
        .map_err(|e| Failure::System(format!("{e}\nnothing was written")))?;
    println!("{summary}");
    println!("wrote {} files to {}", files.len(), args.out.display());
    Ok(())
}
