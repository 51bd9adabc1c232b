//! The integer program through microlp: pure Rust, in every build.

use std::time::Duration;

use good_lp::{Constraint as Row, Expression, IntoAffineExpression, ResolutionError, WithMipGap, WithTimeLimit};

use super::backend::{solve_model, Chosen};

/// Solve `problem` with microlp, exactly on whole-number objectives.
pub(super) fn solve<I: Iterator<Item = Row>>(
    problem: good_lp::variable::UnsolvedProblem,
    chosen: Chosen<'_, I>,
    time_limit: Option<Duration>,
) -> Result<(Vec<bool>, f64, bool), ResolutionError> {
    // microlp does not know the objective takes whole values; a relative
    // gap below 1 / (largest value) stops it once no better whole value
    // is left.
    let objective: &Expression = chosen.objective;
    let largest: f64 = objective.linear_coefficients().map(|(_, c)| c.max(0.0)).sum();
    let gap = (0.99 / largest.max(1.0)) as f32;
    let mut model = problem
        .using(good_lp::microlp)
        .with_mip_gap(gap)
        .map_err(|e| ResolutionError::Str(e.to_string()))?;
    if let Some(limit) = time_limit {
        model = model.with_time_limit(limit.as_secs_f64());
    }
    solve_model(model, chosen)
}
