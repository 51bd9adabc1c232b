//! `mentorflow generate`: realistic synthetic registrations.

use std::path::PathBuf;

use clap::Args;

use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::MAX_ROWS;
use mentorflow::report::OutputFile;

use super::output::write_all;
use super::Failure;

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of mentees.
    #[arg(long)]
    mentees: usize,
    /// Number of mentors.
    #[arg(long)]
    mentors: usize,
    /// Seed: the same seed always gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write mentors.csv and mentees.csv into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the files of an earlier run in --out: only the files mentorflow
    /// wrote there (listed in its .mentorflow-manifest); nothing else is touched.
    #[arg(long)]
    force: bool,
}

pub fn run(args: GenerateArgs) -> Result<(), Failure> {
    // More rows than a registration file may hold would make files every other
    // command refuses (R012), after holding them all in memory.
    for (option, count) in [("--mentees", args.mentees), ("--mentors", args.mentors)] {
        if count > MAX_ROWS {
            return Err(Failure::Input(format!(
                "{option} {count}: at most {MAX_ROWS}, the most registrations a file may hold\nnothing was written"
            )));
        }
    }
    let generated = generate(&GenerateSpec {
        mentees: args.mentees,
        mentors: args.mentors,
        seed: args.seed,
    });
    let files = [
        OutputFile {
            name: "mentors.csv".into(),
            bytes: generated.mentors_csv.into_bytes(),
        },
        OutputFile {
            name: "mentees.csv".into(),
            bytes: generated.mentees_csv.into_bytes(),
        },
    ];
    write_all(&args.out, &files, args.force, &[]).map_err(Failure::System)?;
    println!(
        "wrote {} mentors and {} mentees to {}",
        args.mentors,
        args.mentees,
        args.out.display()
    );
    Ok(())
}
