//! What each of the organisers' pins and bans costs, exactly.
//!
//! An override's price is how the objective changes without it: the programme
//! is solved again with that one row of the adjustments left out, and the two
//! optima are compared term by term in the objective's order. For the flow,
//! each re-solve goes on from the network of the solve with every override
//! ([`WarmStart::resolve`]), so twenty overrides cost little more than one
//! solve; models the flow cannot hold are solved again from scratch.

use serde::Serialize;

use crate::eligibility::Eligibility;
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::{Adjustment, History, Programme};
use crate::solve::choose::{choose, solve_warm, SolverChoice, SolverKind};
use crate::solve::{SolveError, SolveOptions, WarmStart};

/// One objective term whose value the override changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermChange {
    /// The term, as the summary names it.
    pub term: String,
    /// Its value with every override.
    pub with: i64,
    /// Its value without this one.
    pub without: i64,
}

/// The price of one override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverridePrice {
    /// The pin or ban priced.
    pub adjustment: Adjustment,
    /// Every term the override changes, in the objective's order. Empty when an
    /// equally good matching exists without it: the override costs nothing.
    pub changes: Vec<TermChange>,
}

impl OverridePrice {
    /// The price in organisers' words, e.g. "the pin on line 4 (a with b) costs
    /// 1 of mentees with >= 1 (50 without it, 49 with it)".
    pub fn words(&self) -> String {
        let what = self.adjustment.describe();
        let Some(first) = self.changes.first() else {
            return format!("the {what} costs nothing: a matching as good exists without it");
        };
        let (verb, amount) = if first.without > first.with {
            ("costs", first.without - first.with)
        } else {
            ("gains", first.with - first.without)
        };
        let mut text = format!(
            "the {what} {verb} {amount} of {} ({} without it, {} with it)",
            first.term, first.without, first.with
        );
        if self.changes.len() > 1 {
            let later: Vec<String> = self.changes[1..]
                .iter()
                .map(|c| format!("{} {:+}", c.term, c.with - c.without))
                .collect();
            text.push_str(&format!("; then {}", later.join(", ")));
        }
        text
    }
}

/// The price of every override of the programme, in the adjustments file's
/// order; `with_all` is the optimum with all of them.
pub fn override_prices(
    programme: &Programme,
    model: &Model,
    history: &History,
    choice: SolverChoice,
    with_all: &Matching,
) -> Result<Vec<OverridePrice>, SolveError> {
    override_prices_from(programme, model, history, choice, with_all, None)
}

/// [`override_prices`], the flow's re-solves going on from `warm`: the network
/// of the solve with every override, when the caller has it (as `run_match`
/// does), so it is not solved twice.
pub fn override_prices_from(
    programme: &Programme,
    model: &Model,
    history: &History,
    choice: SolverChoice,
    with_all: &Matching,
    warm: Option<&WarmStart>,
) -> Result<Vec<OverridePrice>, SolveError> {
    let rows: Vec<(usize, &Adjustment)> = programme.adjustments.overrides().collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let participants = programme.mentees.len() + programme.mentors.len();
    let flow = choose(model, participants, choice)?.solver == SolverKind::Flow;
    let options = SolveOptions::default();
    // The network with every override, for the flow's warm re-solves.
    let warm: Option<WarmStart> = match warm {
        Some(warm) if flow => Some(warm.clone()),
        _ if flow => {
            let eligibility = Eligibility::new(programme, model, history);
            Some(WarmStart::solve(&eligibility, options)?.1)
        }
        _ => None,
    };
    let with = with_all.objective_values(programme, &model.objective);
    let mut prices = Vec::with_capacity(rows.len());
    for &(i, adjustment) in &rows {
        let mut without_programme = programme.clone();
        without_programme.adjustments = programme.adjustments.without(i);
        let eligibility = Eligibility::new(&without_programme, model, history);
        let (solution, _) = solve_warm(&eligibility, choice, options, warm.clone())?;
        let without = solution.matching.objective_values(&without_programme, &model.objective);
        let changes = model
            .objective
            .iter()
            .zip(with.iter().zip(&without))
            .filter(|(_, (a, b))| a != b)
            .map(|(term, (&with, &without))| TermChange {
                term: term.label(),
                with,
                without,
            })
            .collect();
        prices.push(OverridePrice {
            adjustment: adjustment.clone(),
            changes,
        });
    }
    Ok(prices)
}
