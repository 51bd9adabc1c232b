//! `mentorflow rematch`: after the matches were sent, the current registrations
//! re-matched with the least disruption.

use std::path::PathBuf;

use clap::Args;

use mentorflow::pipeline::{rematch, RematchOptions};
use mentorflow::registration::{swapped_pairs, Source};
use mentorflow::rematch::{history_holds_previous, read_previous};

use super::inputs::{read_file, read_inputs};
use super::matching::{print_notes, MatchArgs};
use super::output::refuse_inputs;
use super::Failure;

#[derive(Args)]
pub struct RematchArgs {
    #[command(flatten)]
    matching: MatchArgs,
    /// The matches.csv that was sent.
    #[arg(long, value_name = "MATCHES.csv")]
    previous: PathBuf,
    /// Before the emails go out: previous pairs may be dropped where that
    /// improves the objective (the fewest possible are changed).
    #[arg(long)]
    allow_moves: bool,
}

pub fn run(args: RematchArgs) -> Result<(), Failure> {
    let m = &args.matching;
    let input_paths = m.input_paths(&[args.previous.as_path()]);
    refuse_inputs(&m.out, &input_paths).map_err(|e| Failure::Input(format!("{e}\nnothing was written")))?;
    let inputs = read_inputs(&m.programme)?;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    let name = args.previous.display().to_string();
    let bytes = read_file(&args.previous).map_err(|p| Failure::Input(format!("{p}\nnothing was written")))?;
    let previous = read_previous(Source {
        name: &name,
        bytes: &bytes,
    })
    .map_err(|p| Failure::Input(format!("{p}\nnothing was written")))?;
    let pairs = previous.iter().map(|p| (&p.mentee_email, &p.mentor_email));
    if let Some(swapped) = swapped_pairs(&name, pairs, &inputs.reading.programme) {
        return Err(Failure::Input(format!("{swapped}\nnothing was written")));
    }
    if let Some(history) = &m.programme.history {
        let history_name = history.display().to_string();
        if let Some(held) = history_holds_previous(&history_name, &inputs.history, &name, &previous) {
            return Err(Failure::Input(format!("{held}\nnothing was written")));
        }
    }
    let options = RematchOptions {
        solver: m.options().solver,
        allow_moves: args.allow_moves,
    };
    let result = rematch(&inputs, &previous, options, &mut print_notes).map_err(|e| m.failure(e))?;
    if let Some(changes) = &result.run.summary.changes {
        for email in &changes.not_registered {
            eprintln!("note: {email} is in {name} but not registered now: treated as withdrawn");
        }
    }
    m.write(&result.run.files, &input_paths)?;
    println!("{}", result.run.summary);
    println!("wrote {} files to {}", result.run.files.len(), m.out.display());
    Ok(())
}
