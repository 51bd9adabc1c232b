//! `mentorflow check`: re-verify any matching against every hard rule and capacity.

use std::path::PathBuf;

use clap::Args;

use mentorflow::check::check_pairs;
use mentorflow::registration::{read_pairs, Source};

use super::inputs::{read_file, read_inputs};
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
    /// The matching to check (CSV with mentee_email, mentor_email, as matches.csv has).
    #[arg(long, value_name = "FILE")]
    matches: PathBuf,
}

pub fn run(args: CheckArgs) -> Result<(), Failure> {
    let inputs = read_inputs(&args.programme)?;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let name = args.matches.display().to_string();
    let bytes = read_file(&args.matches).map_err(|p| Failure::Input(p.to_string()))?;
    let pairs = read_pairs(Source {
        name: &name,
        bytes: &bytes,
    })
    .map_err(|p| Failure::Input(p.to_string()))?;
    let violations = check_pairs(&inputs.reading.programme, &inputs.model, &inputs.history, &pairs);
    if violations.is_empty() {
        println!("{name}: {} pairs, every hard rule and capacity holds", pairs.len());
        Ok(())
    } else {
        let list: Vec<String> = violations.iter().map(|v| format!("{name}: {v}")).collect();
        Err(Failure::Input(format!(
            "{}\n{} rule(s) broken",
            list.join("\n"),
            violations.len()
        )))
    }
}
