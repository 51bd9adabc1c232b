//! The integer program through HiGHS: much faster than microlp, built only
//! with the cargo feature `highs` (it needs cmake and libclang-dev).

use std::sync::mpsc;
use std::time::Duration;

use good_lp::{Constraint as Row, Expression, ResolutionError, Variable, WithTimeLimit};

use super::backend::{solve_model, Chosen};

/// How long past its time limit HiGHS is waited for before its answer is
/// given up: it checks its clock only now and then (in a large root
/// relaxation it has been seen to run minutes past the limit).
const GRACE: Duration = Duration::from_secs(2);

/// Solve `problem` with HiGHS, exactly on whole-number objectives. Under a
/// time limit HiGHS runs on a thread of its own, and if it has not returned
/// shortly after the limit, the answer is "stopped" with no matching: the
/// caller then keeps the best matching it already has. (The thread is left
/// to finish on its own; it holds nothing the caller reads.)
pub(super) fn solve<I: Iterator<Item = Row>>(
    problem: good_lp::variable::UnsolvedProblem,
    chosen: Chosen<'_, I>,
    time_limit: Option<Duration>,
) -> Result<(Vec<bool>, f64, bool), ResolutionError> {
    let Some(limit) = time_limit else {
        return solve_here(problem, chosen, None);
    };
    let pairs = chosen.pair.len();
    let owned = Owned {
        rows: chosen.rows.collect(),
        start: chosen.start,
        pair: chosen.pair.to_vec(),
        objective: chosen.objective.clone(),
    };
    let (answer, answered) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("highs".into()).spawn(move || {
        let Owned {
            rows,
            start,
            pair,
            objective,
        } = owned;
        let chosen = Chosen {
            rows: rows.into_iter(),
            start,
            pair: &pair,
            objective: &objective,
        };
        // The caller may have stopped waiting: then nobody reads this.
        let _ = answer.send(solve_here(problem, chosen, Some(limit)));
    });
    if let Err(e) = spawned {
        return Err(ResolutionError::Str(format!("could not start HiGHS: {e}")));
    }
    match answered.recv_timeout(limit + GRACE) {
        Ok(found) => found,
        Err(mpsc::RecvTimeoutError::Timeout) => Ok((vec![false; pairs], 0.0, true)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ResolutionError::Str("HiGHS stopped with no answer".into())),
    }
}

/// What [`Chosen`] borrows, owned, to move to HiGHS's thread.
struct Owned {
    rows: Vec<Row>,
    start: Option<Vec<(Variable, f64)>>,
    pair: Vec<Variable>,
    objective: Expression,
}

fn solve_here<I: Iterator<Item = Row>>(
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

#[cfg(test)]
mod tests {
    use good_lp::{variable, ProblemVariables};

    use super::*;

    /// The answer through HiGHS's own thread (under a limit) is the answer
    /// without one: the rows, the start and the pair variables all reach it.
    #[test]
    fn under_a_time_limit_the_answer_comes_back_from_its_thread() {
        let run = |limit: Option<Duration>| {
            let mut variables = ProblemVariables::new();
            let x: Vec<Variable> = (0..4).map(|_| variables.add(variable().binary())).collect();
            let objective: Expression = [3.0, 5.0, 4.0, 2.0].iter().zip(&x).map(|(c, &v)| *c * v).sum();
            let problem = variables.maximise(objective.clone());
            // At most two, and not both of the best two.
            let rows = vec![x.iter().copied().sum::<Expression>().leq(2.0), (x[1] + x[2]).leq(1.0)];
            let chosen = Chosen {
                rows: rows.into_iter(),
                start: Some(vec![(x[0], 1.0)]),
                pair: &x,
                objective: &objective,
            };
            solve(problem, chosen, limit).unwrap()
        };
        let expected = (vec![true, true, false, false], 8.0, false);
        assert_eq!(run(None), expected);
        assert_eq!(run(Some(Duration::from_secs(60))), expected);
    }
}
