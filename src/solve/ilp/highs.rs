//! The integer program through HiGHS: much faster than microlp, built only
//! with the cargo feature `highs` (it needs cmake and libclang-dev).

use std::time::Duration;

use good_lp::{Constraint as Row, ResolutionError, WithTimeLimit};

use super::backend::{solve_model, Chosen};

/// Solve `problem` with HiGHS, exactly on whole-number objectives.
pub(super) fn solve<I: Iterator<Item = Row>>(
    problem: good_lp::variable::UnsolvedProblem,
    chosen: Chosen<'_, I>,
    time_limit: Option<Duration>,
) -> Result<(Vec<bool>, f64, bool), ResolutionError> {
    // Quiet: good_lp leaves HiGHS's log off. Exact: objective values are whole
    // numbers, so a gap below 1 proves optimality.
    let mut model = problem
        .using(good_lp::highs)
        .set_mip_rel_gap(0.0)
        .and_then(|m| m.set_mip_abs_gap(0.99))
        .map_err(|e| ResolutionError::Str(e.to_string()))?;
    if let Some(limit) = time_limit {
        model = model.with_time_limit(limit.as_secs_f64());
    }
    solve_model(model, chosen)
}
