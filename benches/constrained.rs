//! Models with side constraints, on generated programmes of 300 + 300,
//! 1,000 + 1,000 and 1,500 + 300 (scarce mentors), by the default build's path
//! (`solve_with`, the choice `match` makes: flows with the Lagrangian
//! relaxation, the integer program only where flows cannot decide): each
//! constraint type on the coverage objective, the identity floor on the
//! quality objective, coverage floors under objectives that do not put
//! coverage first and a 100% floor the halving cannot settle (both by branch
//! and bound on flows), and the shipped fair-organisations model; `compare` of
//! every shipped model on 1,000 + 1,000. The table also has constraints of
//! different kinds combined (floors over both groupings, an identity floor
//! with a floor, all four together, profession requests counted with an
//! identity floor), decided by branch and bound on flows or
//! left with a gap; every row of the table is stopped at 20 s.
//!
//! With `--features highs`, HiGHS solving the same integer program alone
//! (without the flows' help) runs alongside on 300 + 300; set
//! `MENTORFLOW_BENCH_HIGHS_ALL=1` for every size (minutes per iteration).
//!
//! Run: `cargo bench --bench constrained` (add `--features highs` for HiGHS).
//!
//! The README's side-by-side table: `MENTORFLOW_BENCH_TABLE=1 cargo bench
//! --features highs --bench constrained -- table`, which times each model and
//! size once by the default path and once by HiGHS alone on the same integer
//! program (stopped at 120 s, shown as "> 120 s"; `MENTORFLOW_BENCH_HIGHS_LIMIT`
//! sets another limit), and prints a Markdown table.
//! `MENTORFLOW_BENCH_SEED` takes the table on other generated programmes
//! (seed 7 when not set).

use criterion::{criterion_group, criterion_main, Criterion};
use mentorflow::eligibility::Eligibility;
use mentorflow::model::{Constraint, Group, Model, BUILT_IN};
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::{History, Programme};
use mentorflow::solve::choose::{solve_with, SolverChoice};

const SIZES: [(usize, usize); 3] = [(300, 300), (1_000, 1_000), (1_500, 300)];

/// The generator's seed: `MENTORFLOW_BENCH_SEED`, or 7 (the README's
/// figures), so that the table can be taken on other programmes too.
fn seed() -> u64 {
    std::env::var("MENTORFLOW_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7)
}

/// Generated registrations (`generate --seed 7`, or the seed [`seed`] gives), read under `model`.
fn programme(mentees: usize, mentors: usize, model: &Model) -> Programme {
    generate(&GenerateSpec {
        mentees,
        mentors,
        seed: seed(),
    })
    .read(model)
    .unwrap()
    .programme
}

/// A shipped model's objective with these constraints.
fn with(base: &str, name: &str, constraints: Vec<Constraint>) -> Model {
    let mut file = Model::built_in(base).unwrap().to_file().clone();
    file.name = name.into();
    file.constraints = constraints;
    Model::from_file("bench.json", file).unwrap()
}

/// Each constraint type alone, one combined, and the shipped constrained model.
fn models() -> Vec<Model> {
    vec![
        with(
            "coverage",
            "identity-95",
            vec![Constraint::IdentityRequestsMetAtLeast { percent: 95 }],
        ),
        with(
            "quality",
            "quality-identity-95",
            vec![Constraint::IdentityRequestsMetAtLeast { percent: 95 }],
        ),
        with(
            "coverage",
            "coverage-floor-grade-90",
            vec![Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 90,
            }],
        ),
        with(
            "coverage",
            "coverage-floor-organisation-80",
            vec![Constraint::CoverageFloor {
                by: Group::Organisation,
                percent: 80,
            }],
        ),
        with(
            "coverage",
            "one-per-organisation",
            vec![Constraint::MaxMenteesFromOneOrganisation { mentees: 1 }],
        ),
        with(
            "coverage",
            "identity-95-one-per-organisation",
            vec![
                Constraint::IdentityRequestsMetAtLeast { percent: 95 },
                Constraint::MaxMenteesFromOneOrganisation { mentees: 1 },
            ],
        ),
        Model::built_in("fair-organisations").unwrap(),
        // Decided by branch and bound on flows (`solve::ilp`'s `branch`).
        with(
            "quality",
            "quality-coverage-floor-grade-90",
            vec![Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 90,
            }],
        ),
        with(
            "quality",
            "quality-coverage-floor-organisation-80",
            vec![Constraint::CoverageFloor {
                by: Group::Organisation,
                percent: 80,
            }],
        ),
        with(
            "balanced",
            "balanced-coverage-floor-grade-90",
            vec![Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 90,
            }],
        ),
        with(
            "coverage",
            "coverage-floor-grade-100",
            vec![Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 100,
            }],
        ),
    ]
}

/// Constraints of different kinds combined (floors over both groupings, an
/// identity floor with a floor, all four together), decided by branch and
/// bound on flows or left with a gap: in the table only, each under
/// [`OPEN_LIMIT`], where the row says whether the answer was proven.
fn open_models() -> Vec<Model> {
    let identity = Constraint::IdentityRequestsMetAtLeast { percent: 95 };
    let grade = Constraint::CoverageFloor {
        by: Group::Grade,
        percent: 90,
    };
    let organisation = Constraint::CoverageFloor {
        by: Group::Organisation,
        percent: 80,
    };
    let cap = Constraint::MaxMenteesFromOneOrganisation { mentees: 1 };
    vec![
        with(
            "quality",
            "quality-identity-95-coverage-floor-grade-90",
            vec![identity.clone(), grade.clone()],
        ),
        with(
            "quality",
            "quality-coverage-floors-grade-90-and-organisation-80",
            vec![grade.clone(), organisation.clone()],
        ),
        with(
            "quality",
            "quality-identity-95-coverage-floor-organisation-80",
            vec![identity.clone(), organisation.clone()],
        ),
        with(
            "quality",
            "quality-all-four",
            vec![identity.clone(), grade.clone(), organisation.clone(), cap.clone()],
        ),
        with(
            "coverage",
            "identity-95-coverage-floor-organisation-80",
            vec![identity.clone(), organisation.clone()],
        ),
        with(
            "coverage",
            "coverage-all-four",
            vec![identity, grade, organisation, cap],
        ),
        with(
            "coverage",
            "coverage-floors-grade-90-and-organisation-80",
            vec![
                Constraint::CoverageFloor {
                    by: Group::Grade,
                    percent: 90,
                },
                Constraint::CoverageFloor {
                    by: Group::Organisation,
                    percent: 80,
                },
            ],
        ),
        with(
            "coverage",
            "identity-95-coverage-floor-grade-90",
            vec![
                Constraint::IdentityRequestsMetAtLeast { percent: 95 },
                Constraint::CoverageFloor {
                    by: Group::Grade,
                    percent: 90,
                },
            ],
        ),
        // Profession requests counted with an identity floor: flows give
        // the program its start (a network cannot count both).
        with(
            "profession-first",
            "profession-first-identity-95",
            vec![Constraint::IdentityRequestsMetAtLeast { percent: 95 }],
        ),
        with(
            "profession-first",
            "profession-first-identity-95-coverage-floor-grade-90",
            vec![
                Constraint::IdentityRequestsMetAtLeast { percent: 95 },
                Constraint::CoverageFloor {
                    by: Group::Grade,
                    percent: 90,
                },
            ],
        ),
    ]
}

/// The time limit on every row of the table (a row the flows leave open
/// says NOT proven).
const OPEN_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

fn constrained(c: &mut Criterion) {
    let mut group = c.benchmark_group("constrained");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(3));
    for model in models() {
        for (mentees, mentors) in SIZES {
            let p = programme(mentees, mentors, &model);
            let history = History::default();
            let eligibility = Eligibility::new(&p, &model, &history);
            let id = format!("{}/{mentees}+{mentors}", model.name);
            // Infeasible is an answer too (the error names the constraint).
            group.bench_function(&id, |b| {
                b.iter(|| solve_with(&eligibility, SolverChoice::default()).ok())
            });
            #[cfg(feature = "highs")]
            if mentees == 300 || std::env::var_os("MENTORFLOW_BENCH_HIGHS_ALL").is_some() {
                use mentorflow::solve::ilp::{solve_ilp_with, Backend, IlpOptions};
                let alone = IlpOptions {
                    backend: Backend::Highs,
                    use_flow: false,
                    time_limit: None,
                };
                group.bench_function(format!("{id}/highs-alone"), |b| {
                    b.iter(|| solve_ilp_with(&eligibility, alone).ok())
                });
            }
        }
    }
    group.finish();
}

/// `compare` of every shipped model on 1,000 + 1,000: eligibility and solve per
/// model (reading is shared here).
fn compare_all_shipped(c: &mut Criterion) {
    let models: Vec<Model> = BUILT_IN
        .iter()
        .map(|(name, _)| Model::built_in(name).unwrap())
        .collect();
    let p = programme(1_000, 1_000, &models[0]);
    let mut group = c.benchmark_group("compare-shipped");
    group.sample_size(10);
    group.bench_function("all shipped models, 1000+1000", |b| {
        b.iter(|| {
            for model in &models {
                let history = History::default();
                let eligibility = Eligibility::new(&p, model, &history);
                solve_with(&eligibility, SolverChoice::default()).unwrap();
            }
        })
    });
    group.finish();
}

/// Seconds HiGHS alone may take per row of the table:
/// `MENTORFLOW_BENCH_HIGHS_LIMIT`, or 120.
#[cfg(feature = "highs")]
fn highs_limit() -> u64 {
    std::env::var("MENTORFLOW_BENCH_HIGHS_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120)
}

/// The side-by-side table (see the module's documentation): one timed run per
/// cell, not a statistic; run only when `MENTORFLOW_BENCH_TABLE` is set.
fn table(_: &mut Criterion) {
    use std::time::Instant;
    if std::env::var_os("MENTORFLOW_BENCH_TABLE").is_none() {
        return;
    }
    println!("| model | size | default build (flows) | result | HiGHS alone |");
    println!("|---|---|---|---|---|");
    let rows = models()
        .into_iter()
        .map(|m| (m, Some(OPEN_LIMIT)))
        .chain(open_models().into_iter().map(|m| (m, Some(OPEN_LIMIT))));
    for (model, time_limit) in rows {
        for (mentees, mentors) in SIZES {
            let p = programme(mentees, mentors, &model);
            let history = History::default();
            let eligibility = Eligibility::new(&p, &model, &history);
            let start = Instant::now();
            let choice = SolverChoice {
                time_limit,
                ..SolverChoice::default()
            };
            let result = solve_with(&eligibility, choice);
            let ours = start.elapsed();
            #[cfg(feature = "highs")]
            let values = result.as_ref().ok().map(|s| s.objective_values.clone());
            let result = match &result {
                Ok(s) => format!(
                    "{:?}{}",
                    s.objective_values,
                    match (&s.stats.optimality, &s.stats.certificate) {
                        (mentorflow::solve::Optimality::Proven, Some(_)) => " (flows)",
                        (mentorflow::solve::Optimality::Proven, None) => " (integer program)",
                        _ => " (NOT proven)",
                    }
                ),
                Err(e) => format!("{e}").chars().take(60).collect(),
            };
            #[cfg(not(feature = "highs"))]
            let highs = "(not built)";
            #[cfg(feature = "highs")]
            let highs = {
                use mentorflow::solve::ilp::{solve_ilp_with, Backend, IlpOptions};
                use mentorflow::solve::Optimality;
                let limit = highs_limit();
                let alone = IlpOptions {
                    backend: Backend::Highs,
                    use_flow: false,
                    time_limit: Some(std::time::Duration::from_secs(limit)),
                };
                let start = Instant::now();
                let solved = solve_ilp_with(&eligibility, alone);
                let took = start.elapsed();
                match solved {
                    // Both proven: the same optimum, or the table says so.
                    Ok(s) if s.stats.optimality == Optimality::Proven => format!(
                        "{:.2} s{}",
                        took.as_secs_f64(),
                        if Some(&s.objective_values) == values.as_ref() {
                            ""
                        } else {
                            " (DIFFERENT values)"
                        }
                    ),
                    Ok(_) => format!("> {limit} s"),
                    Err(_) if took.as_secs() >= limit => format!("> {limit} s"),
                    Err(_) => format!("{:.2} s (no matching)", took.as_secs_f64()),
                }
            };
            println!(
                "| {} | {mentees} + {mentors} | {:.2} s | {result} | {highs} |",
                model.name,
                ours.as_secs_f64()
            );
        }
    }
    let models: Vec<Model> = BUILT_IN
        .iter()
        .map(|(name, _)| Model::built_in(name).unwrap())
        .collect();
    let p = programme(1_000, 1_000, &models[0]);
    let start = Instant::now();
    for model in &models {
        let history = History::default();
        let eligibility = Eligibility::new(&p, model, &history);
        solve_with(&eligibility, SolverChoice::default()).unwrap();
    }
    println!(
        "\n`compare` of all {} shipped models, 1000 + 1000: {:.2} s",
        models.len(),
        start.elapsed().as_secs_f64()
    );
}

criterion_group!(benches, table, constrained, compare_all_shipped);
criterion_main!(benches);
