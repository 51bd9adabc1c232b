//! Solving every scenario of a sweep, exactly, and reducing each matching to
//! aggregates at once: the matchings themselves never leave this file.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::apply::check_extra_grade;
use super::plan::warm_starts;
use super::{apply, apply_to_model, Scenario, WhatIfError, MAX_REPEAT};
use crate::eligibility::Eligibility;
use crate::matching::{Matching, Request};
use crate::model::Model;
use crate::registration::{History, Programme};
use crate::solve::choose::{solve_from, SolverChoice, Start};
use crate::solve::ilp::Backend;
use crate::solve::{Optimality, SolveOptions};

/// The runs of a sweep ready to solve, and whether any is still being solved
/// (it may make more ready).
struct Queue {
    /// By run number, so runs are taken in order, lowest first; each with the
    /// network or matching it starts from, if it has one.
    ready: BTreeMap<usize, Option<Start>>,
    running: usize,
    stopped: bool,
}

/// How a sweep runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Runs of each scenario with a random part (drop-out); others run once.
    pub repeat: u32,
    /// Run r of a scenario uses seed `seed + r`.
    pub seed: u64,
    /// Scenarios solved at once; each is solved on one thread.
    pub threads: usize,
    /// The integer program's backend, for a model with side constraints.
    pub ilp_backend: Backend,
    /// For a model with side constraints: each run stops after this long
    /// with the best matching found (then marked not proven); none runs
    /// each until its optimum is proven.
    pub time_limit: Option<Duration>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            repeat: 5,
            seed: 1,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ilp_backend: Backend::default(),
            time_limit: None,
        }
    }
}

/// The aggregates of one run of one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measures {
    /// Mentors registered in the scenario (after drop-out and extra mentors).
    pub mentors: i64,
    /// Mentees with exactly 0, 1 and 2 matches, and with 3 or more.
    pub mentees_by_matches: [i64; 4],
    /// Mentees with at least 1, 2 and 3 matches.
    pub mentees_with_at_least: [i64; 3],
    /// Mentors with at least one mentee.
    pub mentors_used: i64,
    /// Mentees who asked to share an identity and have a mentor who shares it.
    pub identity_requests_met: i64,
    /// Mentees who named a profession and have a mentor in it.
    pub profession_requests_met: i64,
    /// Mentees with fewer matches than they can take, by grade (ladder order).
    pub short_by_grade: Vec<i64>,
    /// The matching's value for each term of the scenario's objective.
    pub objective: Vec<i64>,
    /// Mentee-mentor pairs the hard rules allow.
    pub eligible_pairs: i64,
    /// Organisations whose mentees may have mentors from them too.
    pub organisations_matching_within: i64,
    /// Whether the matching is proven optimal (a run stopped at the time
    /// limit is not: its figures are the best matching found).
    pub proven: bool,
}

impl Measures {
    /// Read the aggregates off one scenario's matching.
    pub fn new(programme: &Programme, model: &Model, matching: &Matching, eligible_pairs: usize) -> Measures {
        let counts = matching.mentee_counts(programme);
        let at_least = |k: u32| counts.iter().filter(|&&c| c >= k).count() as i64;
        let exactly = |k: u32| counts.iter().filter(|&&c| c == k).count() as i64;
        let mut short_by_grade = vec![0; model.ladder.len()];
        for (mentee, &c) in programme.mentees.iter().zip(&counts) {
            if c < mentee.person.capacity {
                short_by_grade[mentee.person.grade.0 as usize] += 1;
            }
        }
        Measures {
            mentors: programme.mentors.len() as i64,
            mentees_by_matches: [exactly(0), exactly(1), exactly(2), at_least(3)],
            mentees_with_at_least: [at_least(1), at_least(2), at_least(3)],
            mentors_used: matching.mentor_counts(programme).iter().filter(|&&c| c > 0).count() as i64,
            identity_requests_met: matching.requests(programme, Request::Identity).met as i64,
            profession_requests_met: matching.requests(programme, Request::Profession).met as i64,
            short_by_grade,
            objective: matching.objective_values(programme, &model.objective),
            eligible_pairs: eligible_pairs as i64,
            organisations_matching_within: programme
                .own_organisation_allowed(model)
                .into_iter()
                .zip(programme.organisation_sizes())
                .filter(|&(allowed, size)| allowed && size > 0)
                .count() as i64,
            proven: true,
        }
    }
}

/// A count over the runs of a scenario: its mean and range (all three equal
/// when the scenario ran once).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The mean over the runs.
    pub mean: f64,
    /// The smallest value of any run.
    pub min: i64,
    /// The largest value of any run.
    pub max: i64,
}

impl Figure {
    /// The mean and range of `values`; all 0 when there are none.
    pub fn of(values: impl IntoIterator<Item = i64>) -> Figure {
        let (mut n, mut sum, mut min, mut max) = (0i64, 0i128, i64::MAX, i64::MIN);
        for v in values {
            n += 1;
            sum += v as i128;
            min = min.min(v);
            max = max.max(v);
        }
        if n == 0 {
            return Figure {
                mean: 0.0,
                min: 0,
                max: 0,
            };
        }
        Figure {
            mean: sum as f64 / n as f64,
            min,
            max,
        }
    }

    /// Whether the runs differed.
    pub fn varies(&self) -> bool {
        self.min != self.max
    }
}

/// Requests of one kind over a scenario's runs: how many mentees asked, and how
/// many had one met.
pub type Requests = crate::matching::Requests<Figure>;

/// Everything a what-if output shows about one scenario: aggregates only.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioResult {
    /// The scenario, as planned.
    pub scenario: Scenario,
    /// How many times it ran (drop-out scenarios run several times).
    pub runs: usize,
    /// Mentees registered (no scenario changes them).
    pub mentees: usize,
    /// Mentors registered (after drop-out and extra mentors).
    pub mentors: Figure,
    /// Mentees with exactly 0, 1 and 2 matches, and with 3 or more.
    pub mentees_by_matches: [Figure; 4],
    /// Coverage: mentees with at least 1, 2 and 3 matches.
    pub mentees_with_at_least: [Figure; 3],
    /// Mentors with at least one mentee.
    pub mentors_used: Figure,
    /// Identity-related: every rendering shows counts below 5 as "<5".
    pub identity_requests: Requests,
    /// Mentees who named a profession, and those with a mentor in it.
    pub profession_requests: Requests,
    /// Mentees with fewer matches than they can take, for each grade that has
    /// mentees, in ladder order.
    pub short_by_grade: Vec<(String, Figure)>,
    /// The matching's value for each term of the scenario's objective.
    pub objective: Vec<Figure>,
    /// Mentee-mentor pairs the hard rules allow.
    pub eligible_pairs: Figure,
    /// Organisations whose mentees may have mentors from them too (the
    /// organisation rule, and which organisations are large enough for it).
    pub organisations_matching_within: Figure,
    /// Runs stopped at the time limit, not proven optimal: their figures are
    /// the best matching found.
    pub not_proven: usize,
}

impl ScenarioResult {
    fn new(scenario: Scenario, programme: &Programme, model: &Model, runs: &[Measures]) -> ScenarioResult {
        let figure = |f: &dyn Fn(&Measures) -> i64| Figure::of(runs.iter().map(f));
        let mut mentees_by_grade = vec![0usize; model.ladder.len()];
        for mentee in &programme.mentees {
            mentees_by_grade[mentee.person.grade.0 as usize] += 1;
        }
        let objective_terms = runs.first().map_or(0, |m| m.objective.len());
        ScenarioResult {
            scenario,
            runs: runs.len(),
            mentees: programme.mentees.len(),
            mentors: figure(&|m| m.mentors),
            mentees_by_matches: std::array::from_fn(|k| figure(&|m| m.mentees_by_matches[k])),
            mentees_with_at_least: std::array::from_fn(|k| figure(&|m| m.mentees_with_at_least[k])),
            mentors_used: figure(&|m| m.mentors_used),
            identity_requests: Requests {
                asked: Request::Identity.asked(programme),
                met: figure(&|m| m.identity_requests_met),
            },
            profession_requests: Requests {
                asked: Request::Profession.asked(programme),
                met: figure(&|m| m.profession_requests_met),
            },
            short_by_grade: model
                .ladder
                .grades()
                .filter(|g| mentees_by_grade[g.0 as usize] > 0)
                .map(|g| {
                    (
                        model.ladder.name(g).to_string(),
                        figure(&|m| m.short_by_grade[g.0 as usize]),
                    )
                })
                .collect(),
            objective: (0..objective_terms).map(|t| figure(&|m| m.objective[t])).collect(),
            eligible_pairs: figure(&|m| m.eligible_pairs),
            organisations_matching_within: figure(&|m| m.organisations_matching_within),
            not_proven: runs.iter().filter(|m| !m.proven).count(),
        }
    }

    /// The grade band that limits coverage most: the grade with the most mentees
    /// left short (on average), the lower grade on a tie; none if nobody is short.
    pub fn limits_coverage_most(&self) -> Option<(&str, Figure)> {
        let mut best: Option<(&str, Figure)> = None;
        for (grade, short) in &self.short_by_grade {
            if short.mean > 0.0 && best.is_none_or(|(_, b)| short.mean > b.mean) {
                best = Some((grade, *short));
            }
        }
        best
    }
}

/// Solve every scenario exactly under its model's objective, `repeat` times for
/// scenarios with a random part, on `threads` threads. `on_progress(done, total)`
/// is called after each run, from any thread.
///
/// Every scenario's model and extra-mentor grade is checked before anything is
/// solved, so a bad scenario fails at once. Results come in scenario order and
/// do not depend on the number of threads: each run is solved on its own.
pub fn run(
    programme: &Programme,
    model: &Model,
    history: &History,
    scenarios: &[Scenario],
    options: RunOptions,
    on_progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<ScenarioResult>, WhatIfError> {
    if options.repeat == 0 || options.repeat > MAX_REPEAT {
        return Err(WhatIfError::BadRepeat(options.repeat));
    }
    let mut grades_checked: Vec<&str> = Vec::new();
    for scenario in scenarios {
        apply_to_model(model, scenario)?;
        for setting in &scenario.settings {
            if let super::Parameter::ExtraMentors { grade } = &setting.parameter {
                if !grades_checked.contains(&grade.as_str()) {
                    check_extra_grade(programme, model, grade)?;
                    grades_checked.push(grade);
                }
            }
        }
    }

    let jobs: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let runs = if s.is_random() { options.repeat } else { 1 };
            (0..runs as u64).map(move |r| (i, options.seed.wrapping_add(r)))
        })
        .collect();
    let total = jobs.len();
    let starts = warm_starts(scenarios, &jobs, model);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); total];
    for (j, start) in starts.iter().enumerate() {
        if let Some(i) = *start {
            children[i].push(j);
        }
    }
    // Runs share the threads; a run gets more only when there are fewer runs.
    let solve_options = SolveOptions {
        threads: (options.threads / total.max(1)).max(1),
        ..SolveOptions::default()
    };
    let solve_job = |j: usize, from: Option<Start>| -> Result<(Measures, Option<Start>), WhatIfError> {
        let (i, seed) = jobs[j];
        let scenario = &scenarios[i];
        let (changed, changed_model) = apply(programme, model, scenario, seed)?;
        let eligibility = Eligibility::new(&changed, &changed_model, history);
        let choice = SolverChoice {
            solver: None,
            backend: options.ilp_backend,
            time_limit: options.time_limit,
        };
        let solved = solve_from(&eligibility, choice, solve_options, from);
        let (solution, warm) = solved.map_err(|error| WhatIfError::Solve {
            scenario: scenario.label(),
            error,
        })?;
        let measures = Measures {
            proven: solution.stats.optimality == Optimality::Proven,
            ..Measures::new(
                &changed,
                &changed_model,
                &solution.matching,
                solution.stats.eligible_pairs,
            )
        };
        Ok((measures, warm))
    };

    // Runs ready to solve, each with the network (or matching) it starts from.
    let queue = Mutex::new(Queue {
        ready: (0..total).filter(|&j| starts[j].is_none()).map(|j| (j, None)).collect(),
        running: 0,
        stopped: false,
    });
    let wake = Condvar::new();
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Measures, WhatIfError>>>> = Mutex::new((0..total).map(|_| None).collect());
    let work = || loop {
        let (j, from) = {
            let mut q = queue.lock().expect("no worker panics while holding the lock");
            loop {
                if q.stopped {
                    return;
                }
                if let Some((j, from)) = q.ready.pop_first() {
                    q.running += 1;
                    break (j, from);
                }
                if q.running == 0 {
                    return;
                }
                q = wake.wait(q).expect("no worker panics while holding the lock");
            }
        };
        let result = solve_job(j, from);
        let mut q = queue.lock().expect("no worker panics while holding the lock");
        q.running -= 1;
        let result = match result {
            Ok((measures, warm)) => {
                // Each run that starts from this one gets its own copy of its start.
                if let Some((&last, rest)) = children[j].split_last() {
                    for &child in rest {
                        q.ready.insert(child, warm.clone());
                    }
                    q.ready.insert(last, warm);
                }
                Ok(measures)
            }
            Err(error) => {
                // Stop handing out work: the sweep fails anyway.
                q.stopped = true;
                Err(error)
            }
        };
        drop(q);
        wake.notify_all();
        results.lock().expect("no worker panics while holding the lock")[j] = Some(result);
        on_progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
    };
    let threads = options.threads.clamp(1, total.max(1));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(work);
            }
        });
    }

    // In job order, so the first failure reported is the first scenario's;
    // runs skipped after a failure are missing, and that failure comes first.
    let measures: Vec<Measures> = results
        .into_inner()
        .expect("workers have finished")
        .into_iter()
        .flatten()
        .collect::<Result<_, _>>()?;
    let mut measures = measures.into_iter();
    let mut out = Vec::with_capacity(scenarios.len());
    for (i, scenario) in scenarios.iter().enumerate() {
        let count = jobs.iter().filter(|(j, _)| *j == i).count();
        let runs: Vec<Measures> = measures.by_ref().take(count).collect();
        out.push(ScenarioResult::new(scenario.clone(), programme, model, &runs));
    }
    Ok(out)
}
