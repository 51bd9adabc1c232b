//! `mentorflow validate`: every problem in the inputs, in one pass, and nothing written.

use std::io::Write;

use clap::Args;

use super::inputs::gather;
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
}

/// Prints every error and warning, one a line, then the count; fails (exit 1)
/// when any is an error.
pub fn run(args: ValidateArgs) -> Result<(), Failure> {
    let (inputs, problems) = gather(&args.programme);
    let (verdict, result) = match &inputs {
        Some(inputs) if !problems.has_errors() => {
            let programme = &inputs.reading.programme;
            let verdict = format!(
                "{} mentors and {} mentees can be matched",
                programme.mentors.len(),
                programme.mentees.len()
            );
            (verdict, Ok(()))
        }
        _ => ("fix the errors and run again".to_string(), Err(Failure::Reported)),
    };
    // `Problems` prints one problem a line, then the count. A closed pipe (as
    // with `| head`) is no fault of the inputs: the exit code still tells.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{problems}; {verdict}");
    result
}
