//! mentorflow: optimal mentee-mentor matching for mentoring programmes.
//!
//! The data's way through the crate, one module a stage:
//! registrations are read and checked into a [`registration::Programme`] under a
//! [`model::Model`]; [`eligibility`] turns the programme into eligible pairs with
//! scores; [`solve`] finds the best matching as a min-cost flow; [`check`]
//! re-verifies any matching independently; [`report`] summarises and exports it.
//! Only the binary touches files.

pub mod check;
pub mod eligibility;
pub mod explain;
pub mod generate;
pub mod matching;
pub mod model;
pub mod problem;
pub mod registration;
pub mod report;
pub mod solve;

use eligibility::Pair;
use model::Model;
use registration::{History, Programme};
use solve::{Solution, SolveError};

/// The result of matching a programme: its eligible pairs and the best matching.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub eligible_pairs: Vec<Pair>,
    pub solution: Solution,
}

/// Match a programme end to end: eligible pairs under the model, then the exact
/// optimum of its objective.
pub fn match_programme(programme: &Programme, model: &Model, history: &History) -> Result<Outcome, SolveError> {
    let eligible_pairs = eligibility::eligible_pairs(programme, model, history);
    let solution = solve::solve(programme, model, &eligible_pairs)?;
    Ok(Outcome {
        eligible_pairs,
        solution,
    })
}
