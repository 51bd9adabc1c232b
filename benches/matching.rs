//! The whole `match` pipeline in memory (read, validate, eligibility, solve, check,
//! certificate, summary, every output file: [`mentorflow::pipeline::run_match`])
//! on generated programmes of 500 + 500, 2,000 + 2,000 and 10,000 + 10,000, and
//! four models on 2,000 + 2,000 (`compare`); the fair-organisations model.
//! Run: `cargo bench --bench matching`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mentorflow::model::Model;
use mentorflow::pipeline::{read_inputs, run_match, MatchOptions, Registrations};
use mentorflow::registration::generate::{generate, GenerateSpec, GeneratedRegistrations};
use mentorflow::registration::{History, Programme, Source};

/// Generated registrations (`generate --seed 1`), read under `model`.
fn read(data: &GeneratedRegistrations, model: &Model) -> Programme {
    data.read(model).unwrap().programme
}

fn generated(mentees: usize, mentors: usize) -> GeneratedRegistrations {
    generate(&GenerateSpec {
        mentees,
        mentors,
        seed: 1,
    })
}

fn whole_match(c: &mut Criterion) {
    let mut group = c.benchmark_group("match");
    group.sample_size(10);
    for size in [500usize, 2_000, 10_000] {
        let data = generated(size, size);
        group.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, data| {
            b.iter(|| {
                // Exactly what `match` runs, from the files' bytes to every output's bytes.
                let registrations = Registrations {
                    mentors: Source {
                        name: "mentors.csv",
                        bytes: data.mentors_csv.as_bytes(),
                    },
                    mentees: Source {
                        name: "mentees.csv",
                        bytes: data.mentees_csv.as_bytes(),
                    },
                    history: None,
                    adjust: None,
                    organisations: None,
                };
                let (inputs, _) = read_inputs(Ok(Model::civil_service()), registrations);
                run_match(&inputs.unwrap(), MatchOptions::default(), &mut |_| {}).unwrap()
            })
        });
    }
    group.finish();
}

/// Four shipped models solved on the same 2,000 + 2,000 programme, as `compare`
/// does (eligibility and solve per model; reading is shared here).
fn compare_four_models(c: &mut Criterion) {
    let models: Vec<Model> = ["coverage", "quality", "identity-first", "profession-first"]
        .iter()
        .map(|name| Model::built_in(name).unwrap())
        .collect();
    let programme = read(&generated(2_000, 2_000), &models[0]);
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    group.bench_function("four models, 2000", |b| {
        b.iter(|| {
            for model in &models {
                let history = History::default();
                mentorflow::match_programme(&programme, model, &history).unwrap();
            }
        })
    });
    group.finish();
}

/// The shipped fair-organisations model (side constraints, so the integer
/// program's path) on 500 + 500 and 1,000 + 1,000: the flow holding the
/// organisation cap usually answers it.
fn fair_organisations(c: &mut Criterion) {
    let model = Model::built_in("fair-organisations").unwrap();
    let mut group = c.benchmark_group("fair-organisations");
    group.sample_size(10);
    for size in [500, 1_000] {
        let programme = read(&generated(size, size), &model);
        group.bench_function(size.to_string(), |b| {
            b.iter(|| mentorflow::match_programme(&programme, &model, &History::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, whole_match, compare_four_models, fair_organisations);
criterion_main!(benches);
