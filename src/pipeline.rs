//! The whole pipeline, registrations to every output, as plain data.
//!
//! Registrations are read and validated into a programme ([`read_inputs`]); the
//! hard rules give the eligible pairs; the model's solver gives the matching;
//! the independent checker confirms it; the certificate, the summary and the
//! output files read it ([`run_match`]). `match`, `compare`, `explain`, the
//! benchmarks and the web app all run these functions, so they run the same
//! stages; the command line only reads files, calls them and writes the result.

use std::time::{Duration, Instant};

use crate::check::{check_matching, Violation};
use crate::eligibility::Eligibility;
use crate::explain::{coverage_certificate, solve_priced, Explainer, Explanation};
use crate::matching::Matching;
use crate::model::Model;
use crate::overrides::override_prices_from;
use crate::problem::Problems;
use crate::registration::{
    pin_warnings, read_adjustments, read_history, read_organisations, read_programme, swapped_pairs, validate, Files,
    History, Reading, Source,
};
use crate::rematch::{changes, prepare, sort_previous, ChangeSummary, PairChange, PreviousPair};
use crate::report::compare::{pair_keys, Comparison};
use crate::report::export::{change_lists, changes_csv, matches_csv};
use crate::report::{history_next_time_file, output_files, report_file, OutputFile, Summary, Timing};
use crate::solve::choose::{choose, solve_warm, solve_with, SolverChoice, SolverKind};
use crate::solve::{self, Optimality, Solution, SolveError, SolveOptions, WarmStart};

/// The registration files of a programme, as bytes with the names to report
/// them by: what the command line reads from disk and the web app from uploads.
#[derive(Clone, Copy, Debug)]
pub struct Registrations<'a> {
    /// The mentors file.
    pub mentors: Source<'a>,
    /// The mentees file.
    pub mentees: Source<'a>,
    /// Earlier years' pairs, none of which is made again, and the mentees who
    /// went unmatched or short (see [`crate::registration::read_history`]).
    pub history: Option<Source<'a>>,
    /// The organisers' pins and bans (see [`crate::registration::read_adjustments`]).
    pub adjust: Option<Source<'a>>,
    /// Spellings that are one organisation (see
    /// [`crate::registration::read_organisations`]).
    pub organisations: Option<Source<'a>>,
}

/// A programme read and validated under one model, ready to match.
#[derive(Debug)]
pub struct Inputs {
    /// The model the programme was read under.
    pub model: Model,
    /// The programme, and every warning about it: reading and validation.
    pub reading: Reading,
    /// Earlier years' pairs, read from the history file (empty without one).
    pub history: History,
    /// How long reading and validating took.
    pub read_time: Duration,
    /// The names of the files read, for the report's title.
    pub files: Vec<String>,
}

/// Read and check the registrations under a model (or the problems that stopped
/// the model being read), as `validate` and the start of every command do: the
/// inputs when there is no error, and every problem found in any file either way.
pub fn read_inputs(model: Result<Model, Problems>, registrations: Registrations) -> (Option<Inputs>, Problems) {
    let start = Instant::now();
    let mut problems = Problems::default();
    let mut model = model.map_err(|p| problems.extend(p)).ok();
    if let Some(source) = registrations.organisations {
        match read_organisations(source) {
            Ok(merges) => {
                model = model.and_then(|m| {
                    m.with_organisation_aliases(&merges, source.name)
                        .map_err(|p| problems.extend(p))
                        .ok()
                })
            }
            Err(p) => problems.extend(p),
        }
    }
    let history = registrations
        .history
        .and_then(|source| read_history(source).map_err(|p| problems.extend(p)).ok());
    let reading = model.as_ref().and_then(|model| {
        read_programme(registrations.mentors, registrations.mentees, model)
            .map_err(|p| problems.extend(p))
            .ok()
    });
    match (model, reading) {
        (Some(model), Some(mut reading)) if !problems.has_errors() => {
            let history = history.unwrap_or_default();
            history.mark_priority(&mut reading.programme);
            if let Some(source) = registrations.history {
                if let Some(swapped) = swapped_pairs(source.name, history.pairs(), &reading.programme) {
                    problems.push(swapped);
                    return (None, problems);
                }
            }
            if let Some(source) = registrations.adjust {
                match read_adjustments(source, &reading.programme) {
                    Ok(adjustments) => reading.programme.adjustments = adjustments,
                    Err(p) => {
                        problems.extend(p);
                        return (None, problems);
                    }
                }
            }
            let files = Files {
                mentors: registrations.mentors.name,
                mentees: registrations.mentees.name,
            };
            let found = validate(&reading.programme, &model, &history, files);
            reading.warnings.0.extend(found);
            if let Some(source) = registrations.adjust {
                reading
                    .warnings
                    .0
                    .extend(pin_warnings(&reading.programme, &model, &history, source.name));
            }
            problems.extend(reading.warnings.clone());
            let inputs = Inputs {
                model,
                reading,
                history,
                read_time: start.elapsed(),
                files: [
                    Some(registrations.mentors),
                    Some(registrations.mentees),
                    registrations.history,
                ]
                .into_iter()
                .flatten()
                .map(|source| source.name.to_string())
                .collect(),
            };
            (Some(inputs), problems)
        }
        _ => (None, problems),
    }
}

/// How to run a programme: which solver (the model chooses when none is given).
#[derive(Clone, Copy, Debug, Default)]
pub struct MatchOptions {
    /// Flow or integer program; by default the model decides.
    pub solver: SolverChoice,
}

/// A stage of [`run_match`], reported to its progress hook as it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The solver is chosen; the note says why when the model chose the
    /// integer program.
    Chosen {
        /// The solver that will run.
        solver: SolverKind,
        /// Why the model chose it, when it chose the integer program.
        note: Option<String>,
    },
    /// Working out the eligible pairs.
    Eligibility,
    /// Finding the best matching.
    Solve,
    /// Checking the matching with the independent checker.
    Check,
    /// The price of each pin and ban (only with adjustments).
    Prices,
    /// The coverage certificate: the most mentees any matching could reach.
    Certificate,
    /// Making the output files' bytes (the caller writes them).
    Outputs,
}

/// Why a run produced no outputs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The model cannot be solved as asked (see [`SolveError`]).
    #[error("{0}")]
    Solve(#[from] SolveError),
    /// The independent checker refused the solver's matching: a bug, never bad input.
    #[error("internal error: the matching breaks a rule, please report this:\n{}", list(.0))]
    BrokenRule(Vec<Violation>),
}

fn list(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything a run of `match` produces.
#[derive(Clone, Debug)]
pub struct MatchRun {
    /// The matching found, with how it was found.
    pub solution: Solution,
    /// What `summary.json` and the report show.
    pub summary: Summary,
    /// Every output file, in the order `match` writes them.
    pub files: Vec<OutputFile>,
}

/// Match a programme and produce every output: the matching, checked by the
/// independent checker, the coverage certificate, the summary, `matches.csv`,
/// the mailing lists, `summary.json` and `report.html`.
pub fn run_match(
    inputs: &Inputs,
    options: MatchOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<MatchRun, RunError> {
    run_kept(inputs, options, progress, None)
}

/// [`run_match`], going on from the network in `kept` (when there is one)
/// and leaving this run's network there, when given.
fn run_kept(
    inputs: &Inputs,
    options: MatchOptions,
    progress: &mut dyn FnMut(Progress),
    mut kept: Option<&mut Option<WarmStart>>,
) -> Result<MatchRun, RunError> {
    let start = Instant::now();
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    let participants = programme.mentees.len() + programme.mentors.len();
    let chosen = choose(model, participants, options.solver)?;
    progress(Progress::Chosen {
        solver: chosen.solver,
        note: chosen.note,
    });
    progress(Progress::Eligibility);
    let eligibility = Eligibility::new(programme, model, history);
    let eligible = start.elapsed();
    progress(Progress::Solve);
    // With pins or bans, the flow keeps its network: each override's price
    // goes on from it; so does the next run, when the caller keeps it.
    let (solution, warm) = if kept.is_some() || programme.adjustments.overrides().next().is_some() {
        let from = kept.as_mut().and_then(|kept| kept.take());
        solve_warm(&eligibility, options.solver, SolveOptions::default(), from)?
    } else {
        (solve_with(&eligibility, options.solver)?, None)
    };
    let solved = start.elapsed();

    // The solver is trusted only as far as the independent check confirms.
    progress(Progress::Check);
    let violations = check_matching(programme, model, history, &solution.matching);
    if !violations.is_empty() {
        return Err(RunError::BrokenRule(violations));
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let timing = Timing {
        read_ms: ms(inputs.read_time),
        eligibility_ms: ms(eligible),
        solve_ms: ms(solved - eligible),
        total_ms: ms(inputs.read_time + start.elapsed()),
    };
    let overrides = if programme.adjustments.overrides().next().is_none() {
        Vec::new()
    } else {
        progress(Progress::Prices);
        override_prices_from(
            programme,
            model,
            history,
            options.solver,
            &solution.matching,
            warm.as_ref(),
        )?
    };
    if let Some(kept) = kept {
        *kept = warm;
    }
    // The certificate comes from its own max flow, apart from the solve.
    progress(Progress::Certificate);
    let certificate = coverage_certificate(programme, model, history, &solution.matching);
    let mut summary = Summary::new(
        programme,
        model,
        solution.stats.eligible_pairs,
        &solution.matching,
        timing,
    )
    .with_certificate(certificate);
    summary.overrides = overrides;
    summary.files = inputs.files.clone();
    let summary = with_optimality(summary, chosen.solver, model, &solution.stats);
    progress(Progress::Outputs);
    let mut files = output_files(programme, model, &solution.matching, &summary);
    files.push(history_next_time_file(programme, history, &solution.matching));
    files.push(report_file(programme, model, history, &solution.matching, &summary));
    Ok(MatchRun {
        solution,
        summary,
        files,
    })
}

/// How to re-match: the solver, and whether previous pairs may be dropped for
/// a better matching (before the emails go out).
#[derive(Clone, Copy, Debug, Default)]
pub struct RematchOptions {
    /// Flow or integer program; by default the model decides.
    pub solver: SolverChoice,
    /// Whether previous pairs may be dropped for a better matching.
    pub allow_moves: bool,
}

/// Everything a re-match produces: the run (its `files` are `matches.csv`,
/// `changes.csv`, the mailing lists of the people whose matches changed,
/// `summary.json` and `report.html`) and every pair added or removed.
#[derive(Clone, Debug)]
pub struct RematchRun {
    /// The re-match's run, as `match` makes it.
    pub run: MatchRun,
    /// Every pair added or removed.
    pub changes: Vec<PairChange>,
}

/// Re-match a programme against the matching that was sent (see
/// [`crate::rematch`]): the current registrations in `inputs`, the previous
/// `matches.csv` in `previous`.
pub fn rematch(
    inputs: &Inputs,
    previous: &[PreviousPair],
    options: RematchOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<RematchRun, RunError> {
    rematch_kept(inputs, previous, options, progress, None)
}

/// [`rematch`], going on from the network in `kept` as [`run_kept`] does.
fn rematch_kept(
    inputs: &Inputs,
    previous: &[PreviousPair],
    options: RematchOptions,
    progress: &mut dyn FnMut(Progress),
    kept: Option<&mut Option<WarmStart>>,
) -> Result<RematchRun, RunError> {
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    let sorted = sort_previous(programme, model, history, previous);
    let (programme, model) = prepare(programme, model, &sorted, options.allow_moves);
    let prepared = Inputs {
        model,
        reading: Reading {
            programme,
            warnings: inputs.reading.warnings.clone(),
        },
        history: inputs.history.clone(),
        read_time: inputs.read_time,
        files: inputs.files.clone(),
    };
    let mut run = run_kept(&prepared, MatchOptions { solver: options.solver }, progress, kept)?;
    let (programme, model) = (&prepared.reading.programme, &prepared.model);
    let changes = changes(programme, &run.solution.matching, previous, &sorted);
    run.summary.changes = Some(ChangeSummary::new(programme, previous, &changes, options.allow_moves));
    // Mailing lists for the people whose matches changed only: the full lists
    // would send everyone their matches again.
    let mut files = vec![OutputFile {
        name: "matches.csv".into(),
        bytes: matches_csv(programme, model, &run.solution.matching),
    }];
    files.push(OutputFile {
        name: "changes.csv".into(),
        bytes: changes_csv(&changes),
    });
    files.extend(
        change_lists(programme, model, &run.solution.matching, &changes)
            .into_iter()
            .map(|list| OutputFile {
                name: list.file_name.into(),
                bytes: list.csv,
            }),
    );
    files.push(OutputFile {
        name: "summary.json".into(),
        bytes: run.summary.to_json().into_bytes(),
    });
    files.push(history_next_time_file(programme, history, &run.solution.matching));
    files.push(report_file(
        programme,
        model,
        history,
        &run.solution.matching,
        &run.summary,
    ));
    run.files = files;
    Ok(RematchRun { run, changes })
}

/// A programme's solved network, kept between runs so the next run after a
/// change is solved warm (see [`WarmStart::resolve`]): a pin, a ban, a
/// withdrawal, a late registration, capacities, or the matches marked as sent
/// and re-matched with the previous pairs kept. Each run gives exactly what
/// [`run_match`] or [`rematch`] gives (the same optimum; among equally good
/// matchings, possibly another). What the web app's review step and repeated
/// re-matches call; models only the integer program can hold are solved from
/// scratch each time.
#[derive(Clone, Default)]
pub struct Resolver {
    kept: Option<WarmStart>,
}

impl Resolver {
    /// No network yet: the first run solves from scratch.
    pub fn new() -> Resolver {
        Resolver::default()
    }

    /// [`run_match`], from the last run's network.
    pub fn run_match(
        &mut self,
        inputs: &Inputs,
        options: MatchOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<MatchRun, RunError> {
        run_kept(inputs, options, progress, Some(&mut self.kept))
    }

    /// [`rematch`], from the last run's network.
    pub fn rematch(
        &mut self,
        inputs: &Inputs,
        previous: &[PreviousPair],
        options: RematchOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<RematchRun, RunError> {
        rematch_kept(inputs, previous, options, progress, Some(&mut self.kept))
    }

    /// Whether a network is kept: the next run of the flow will be warm.
    pub fn is_warm(&self) -> bool {
        self.kept.is_some()
    }

    /// Forget the network (when the data is cleared).
    pub fn clear(&mut self) {
        self.kept = None;
    }
}

/// One model's column of a comparison.
#[derive(Clone, Debug)]
pub struct CompareRun {
    /// The model's summary, as `match` writes it.
    pub summary: Summary,
    /// The matching found, with how it was found.
    pub solution: Solution,
    /// The solver that ran, as the comparison shows it ("flow", "ilp (microlp)").
    pub solver: String,
    /// Time to find the matching, in milliseconds.
    pub solve_ms: f64,
}

/// The summary with how its matching was proven optimal (or the gap left),
/// where the integer program's path ran; the flow's matching needs no word.
fn with_optimality(summary: Summary, solver: SolverKind, model: &Model, stats: &crate::solve::SolveStats) -> Summary {
    match solver {
        SolverKind::Ilp => summary.with_optimality(model, stats),
        SolverKind::Flow => summary,
    }
}

/// Solve one programme for a comparison: the same choice of solver as
/// [`run_match`], with the summary the comparison reads.
pub fn compare_run(inputs: &Inputs, options: MatchOptions) -> Result<CompareRun, RunError> {
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    let start = Instant::now();
    let eligibility = Eligibility::new(programme, model, history);
    let participants = programme.mentees.len() + programme.mentors.len();
    let chosen = choose(model, participants, options.solver)?;
    let solution = solve_with(&eligibility, options.solver)?;
    let solve_ms = start.elapsed().as_secs_f64() * 1000.0;
    let summary = Summary::new(
        programme,
        model,
        solution.stats.eligible_pairs,
        &solution.matching,
        Timing::default(),
    );
    let summary = with_optimality(summary, chosen.solver, model, &solution.stats);
    let solver = match (chosen.solver, &solution.stats.optimality) {
        (SolverKind::Flow, _) => "flow".to_string(),
        (SolverKind::Ilp, Optimality::Proven) => format!("ilp ({})", chosen.backend),
        (SolverKind::Ilp, Optimality::Stopped { level, value, bound }) => format!(
            "ilp ({}), NOT proven optimal: \"{}\" at {value}{}",
            chosen.backend,
            model.objective[*level].label(),
            bound.map_or_else(String::new, |b| format!(", bound {b}"))
        ),
    };
    Ok(CompareRun {
        summary,
        solution,
        solver,
        solve_ms,
    })
}

/// Several models' runs side by side, each compared with the first.
pub fn comparison(runs: &[(&Inputs, CompareRun)]) -> Comparison {
    Comparison::new(
        runs.iter()
            .map(|(inputs, run)| {
                (
                    run.summary.clone(),
                    pair_keys(&inputs.reading.programme, &run.solution.matching),
                    run.solver.clone(),
                    run.solve_ms,
                )
            })
            .collect(),
    )
}

/// One person to explain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Person {
    /// By index into the programme's mentees.
    Mentee(usize),
    /// By index into the programme's mentors.
    Mentor(usize),
}

/// The matching `explain` explains, with whether the solver's prices were
/// checked to prove it optimal: small programmes are solved with prices checked
/// independently; large ones by pricing, which ends only when the prices
/// certify every eligible pair.
pub fn explained_matching(inputs: &Inputs) -> Result<(Matching, bool), RunError> {
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    let eligibility = Eligibility::new(programme, model, history);
    let options = SolveOptions::default();
    let (matching, proven_optimal) = if eligibility.count() <= options.whole_network_up_to {
        let priced = solve_priced(programme, model, &eligibility.pairs())?;
        (priced.matching, priced.proven_optimal)
    } else {
        let solution = solve::solve_eligible(&eligibility, options)?;
        (solution.matching, true)
    };
    let violations = check_matching(programme, model, history, &matching);
    if !violations.is_empty() {
        return Err(RunError::BrokenRule(violations));
    }
    Ok((matching, proven_optimal))
}

/// Explain one person's matches in a matching of the programme (see
/// [`explained_matching`]).
pub fn explain(inputs: &Inputs, matching: &Matching, proven_optimal: bool, person: Person) -> Explanation {
    let explainer = Explainer::new(
        &inputs.reading.programme,
        &inputs.model,
        &inputs.history,
        matching,
        proven_optimal,
    );
    match person {
        Person::Mentee(i) => explainer.mentee(i),
        Person::Mentor(i) => explainer.mentor(i),
    }
}
