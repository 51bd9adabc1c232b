//! Command-line parsing and dispatch. Each command lives in its own module; only
//! this layer reads and writes files.

mod check;
mod compare;
mod explain;
mod generate;
mod inputs;
mod matching;
mod output;
mod rematch;
mod serve;
mod validate;
mod whatif;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// Match mentees with mentors for a mentoring programme, optimally.
#[derive(Parser)]
#[command(name = "mentorflow", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Match a programme: registrations in, the best matching and mailing lists out.
    Match(matching::MatchArgs),
    /// After the matches were sent: re-match the current registrations, keeping
    /// every previous pair still allowed, and write what changed.
    Rematch(rematch::RematchArgs),
    /// Check the inputs: every error and warning in one pass, nothing written.
    Validate(validate::ValidateArgs),
    /// Re-verify a matching against every hard rule and capacity.
    Check(check::CheckArgs),
    /// Several models on the same registrations, side by side.
    Compare(compare::CompareArgs),
    /// Explain one mentee's or mentor's matches: the eligibility funnel, each
    /// match's score, and why they have no more, with proof.
    Explain(explain::ExplainArgs),
    /// Write realistic synthetic registrations, for trying the tool and benchmarks.
    Generate(generate::GenerateArgs),
    /// What if capacity or rules changed? Coverage per scenario, aggregates only.
    Whatif(whatif::WhatIfArgs),
    /// The web app for organisers: upload, check, match, review and download in
    /// the browser, on this computer only (127.0.0.1).
    Serve(serve::ServeArgs),
}

/// The registration files and model every command that reads a programme takes.
#[derive(Args, Clone, Debug)]
pub struct ProgrammeArgs {
    /// Mentors' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    pub mentors: PathBuf,
    /// Mentees' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    pub mentees: PathBuf,
    /// Model file (JSON), or the name of a model in models/ (coverage, quality,
    /// identity-first, profession-first, balanced, fair-organisations, priority);
    /// civil-service when not given.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Earlier pairs (CSV with mentee_email, mentor_email), none of which is made
    /// again; a row without a mentor (or `priority` yes) names a mentee unmatched
    /// or short last time, whom the priority model puts first.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The organisers' pins and bans (CSV with action (pin or ban), mentee email,
    /// mentor email, and an optional note).
    #[arg(long, value_name = "FILE")]
    pub adjust: Option<PathBuf>,
    /// Spellings that are one organisation (CSV with name, same as), as
    /// `validate --write-organisations` writes them.
    #[arg(long, value_name = "FILE")]
    pub organisations: Option<PathBuf>,
}

/// What a command reports on failure: bad input (exit 1) or a usage or system
/// error (exit 2).
pub enum Failure {
    Input(String),
    /// Bad input the command has already reported (exit 1).
    Reported,
    System(String),
}

pub fn main() -> ExitCode {
    // `--vary`'s help lists the parameters from their one table.
    let command = Cli::command().mut_subcommand("whatif", |c| c.mut_arg("vary", |a| a.long_help(whatif::vary_help())));
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Match(args) => matching::run(args),
        Command::Rematch(args) => rematch::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Check(args) => check::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Whatif(args) => whatif::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::System(message)) => {
            eprintln!("mentorflow: {message}");
            ExitCode::from(2)
        }
    }
}

/// A time limit in seconds: a positive number, fractions allowed.
pub(crate) fn seconds(text: &str) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 1e9 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!("\"{text}\" is not a number of seconds above 0")),
    }
}
