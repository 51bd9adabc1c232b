//! `mentorflow validate`: every problem in the inputs, in one pass, and nothing written.

use std::io::Write;

use clap::Args;

use mentorflow::registration::organisations_csv;
use mentorflow::registration::validate::organisation_suggestions;

use super::inputs::gather;
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
    /// Write the organisation spellings that are probably one organisation
    /// (the V001 warnings) to this new file (CSV with name, same as), to check
    /// and pass back with --organisations.
    #[arg(long, value_name = "FILE")]
    write_organisations: Option<std::path::PathBuf>,
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
    if let (Some(path), Some(inputs)) = (&args.write_organisations, &inputs) {
        let merges = organisation_suggestions(&inputs.reading.programme, &inputs.model);
        // A new file only: never overwrite one the organiser has.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut file| file.write_all(&organisations_csv(&merges)));
        match written {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "wrote {} suggested merges to {}: check each row, then pass it with --organisations {}",
                    merges.len(),
                    path.display(),
                    path.display()
                );
            }
            Err(e) => {
                return Err(Failure::System(format!(
                    "{}: cannot write the organisations file: {e}; give a new file name",
                    path.display()
                )))
            }
        }
    }
    result
}
