//! mentorflow: optimal mentee-mentor matching for mentoring programmes.
//!
//! The data's way through the crate, one module a stage:
//! registrations are read and checked into a [`registration::Programme`] under a
//! [`model::Model`]; [`eligibility`] turns the programme into eligible pairs with
//! scores; [`solve`] finds the best matching as a min-cost flow; [`check`]
//! re-verifies any matching independently; [`report`] summarises and exports it;
//! [`whatif`] re-solves changed copies of a programme to show what changes coverage.
//! The hard rules live in [`rules`]; [`pipeline`] runs every stage, as `match`,
//! `rematch`, `compare` and `explain` do; [`overrides`] prices the organisers' pins
//! and bans and [`rematch`] re-matches with the least disruption;
//! [`registration::generate`] writes synthetic registrations for tests, benches
//! and demonstrations. Only the binary touches files.
//!
//! # Example
//!
//! The bundled sample (50 mentees, 50 mentors), matched under the default model,
//! exactly as `mentorflow match` does it:
//!
//! ```
//! use mentorflow::model::Model;
//! use mentorflow::pipeline::{read_inputs, run_match, MatchOptions, Registrations};
//! use mentorflow::registration::Source;
//!
//! let registrations = Registrations {
//!     mentors: Source { name: "mentors.csv", bytes: include_bytes!("../examples/peer-small/mentors.csv") },
//!     mentees: Source { name: "mentees.csv", bytes: include_bytes!("../examples/peer-small/mentees.csv") },
//!     history: None,
//!     adjust: None,
//!     organisations: None,
//! };
//! // Every problem in every file at once; warnings do not stop the run.
//! let (inputs, problems) = read_inputs(Ok(Model::civil_service()), registrations);
//! assert!(!problems.has_errors());
//! let inputs = inputs.unwrap();
//!
//! let run = run_match(&inputs, MatchOptions::default(), &mut |_progress| {}).unwrap();
//! // Every mentee has a mentor, and the independent bound proves no matching has more.
//! let certificate = run.summary.certificate.unwrap();
//! assert_eq!(certificate.mentees_with_a_match, 50);
//! assert!(certificate.reached());
//! // matches.csv, the four mailing lists, summary.json, history-next-time.csv
//! // and report.html, as bytes.
//! assert_eq!(run.files.len(), 8);
//! ```

#![warn(missing_docs)]

pub mod check;
pub mod eligibility;
pub mod explain;
pub mod matching;
pub mod model;
pub mod overrides;
pub mod pipeline;
pub mod problem;
pub mod registration;
pub mod rematch;
pub mod report;
pub mod rules;
pub mod solve;
pub mod web;
pub mod whatif;

use model::Model;
use registration::{History, Programme};
use solve::{Solution, SolveError};

/// The result of matching a programme: how many pairs were eligible, and the
/// best matching.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Mentee-mentor pairs the hard rules allow.
    pub eligible_pairs: usize,
    /// The best matching and how it was found.
    pub solution: Solution,
}

/// Match a programme end to end: eligible pairs under the model, then the exact
/// optimum of its objective, by the flow or, when the model needs it, the integer
/// program.
pub fn match_programme(programme: &Programme, model: &Model, history: &History) -> Result<Outcome, SolveError> {
    let eligibility = eligibility::Eligibility::new(programme, model, history);
    let solution = solve::choose::solve_with(&eligibility, solve::choose::SolverChoice::default())?;
    Ok(Outcome {
        eligible_pairs: solution.stats.eligible_pairs,
        solution,
    })
}
