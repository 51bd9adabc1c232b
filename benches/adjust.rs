//! Adjusting after matching: `rematch` after 5% of mentors withdraw on 2,000 +
//! 2,000, from scratch and warm from the solved network, beside `match` from
//! scratch on the same registrations; a warm re-solve after one pin and after
//! one ban on 1,000 + 1,000; and the price of 20 overrides (10 pins, 10 bans)
//! on 1,000 + 1,000. Each as the solve alone and as the whole pipeline.
//! Run: `cargo bench --bench adjust`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mentorflow::eligibility::Eligibility;
use mentorflow::model::Model;
use mentorflow::overrides::override_prices;
use mentorflow::pipeline::{
    read_inputs, rematch, run_match, Inputs, MatchOptions, Registrations, RematchOptions, Resolver,
};
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::{Action, Adjustment, Adjustments, Programme, Reading, Source};
use mentorflow::rematch::{prepare, sort_previous, PreviousPair};
use mentorflow::solve::choose::SolverChoice;
use mentorflow::solve::{SolveOptions, WarmStart};

fn inputs(mentors: &[u8], mentees: &[u8]) -> Inputs {
    let registrations = Registrations {
        mentors: Source {
            name: "mentors.csv",
            bytes: mentors,
        },
        mentees: Source {
            name: "mentees.csv",
            bytes: mentees,
        },
        history: None,
        adjust: None,
        organisations: None,
    };
    read_inputs(Ok(Model::civil_service()), registrations).0.unwrap()
}

/// The mentors file without every twentieth mentor.
fn without_five_percent(mentors_csv: &str) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(mentors_csv.as_bytes());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(reader.headers().unwrap()).unwrap();
    for (i, row) in reader.records().enumerate() {
        if i % 20 != 0 {
            writer.write_record(&row.unwrap()).unwrap();
        }
    }
    writer.into_inner().unwrap()
}

fn rematch_after_withdrawals(c: &mut Criterion) {
    let data = generate(&GenerateSpec {
        mentees: 2_000,
        mentors: 2_000,
        seed: 1,
    });
    let first = inputs(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes());
    // The matching sent, with its network kept for the warm re-match.
    let mut resolver = Resolver::new();
    let sent = resolver
        .run_match(&first, MatchOptions::default(), &mut |_| {})
        .unwrap();
    let programme = &first.reading.programme;
    let previous: Vec<PreviousPair> = sent
        .solution
        .matching
        .pairs
        .iter()
        .enumerate()
        .map(|(i, p)| PreviousPair {
            mentee_email: programme.mentees[p.mentee as usize].person.email.clone(),
            mentee_name: String::new(),
            mentor_email: programme.mentors[p.mentor as usize].person.email.clone(),
            mentor_name: String::new(),
            line: i as u64 + 2,
        })
        .collect();
    let now = inputs(&without_five_percent(&data.mentors_csv), data.mentees_csv.as_bytes());
    let mut group = c.benchmark_group("rematch");
    group.sample_size(10);
    group.bench_function("5% of mentors withdraw, 2000", |b| {
        b.iter(|| rematch(&now, &previous, RematchOptions::default(), &mut |_| {}).unwrap())
    });
    group.bench_function("5% of mentors withdraw, warm, 2000", |b| {
        b.iter_batched(
            || resolver.clone(),
            |mut resolver| {
                resolver
                    .rematch(&now, &previous, RematchOptions::default(), &mut |_| {})
                    .unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("match from scratch, 2000", |b| {
        b.iter(|| run_match(&now, MatchOptions::default(), &mut |_| {}).unwrap())
    });
    group.finish();

    // The solve alone: the programme to re-match (previous pairs kept as
    // pins), from scratch and from the sent matching's network.
    let (model, history) = (&now.model, &now.history);
    let sorted = sort_previous(&now.reading.programme, model, history, &previous);
    let (programme, model) = prepare(&now.reading.programme, model, &sorted, false);
    let eligibility = Eligibility::new(&programme, &model, history);
    let options = SolveOptions::default();
    let (_, kept) = WarmStart::solve(
        &Eligibility::new(&first.reading.programme, &first.model, history),
        options,
    )
    .unwrap();
    let mut group = c.benchmark_group("rematch-solve");
    group.sample_size(10);
    group.bench_function("5% of mentors withdraw, from scratch, 2000", |b| {
        b.iter(|| WarmStart::solve(&eligibility, options).unwrap())
    });
    group.bench_function("5% of mentors withdraw, warm, 2000", |b| {
        b.iter_batched(
            || kept.clone(),
            |kept| {
                let (solution, _) = kept.resolve(&eligibility, options).unwrap();
                assert!(solution.stats.warm);
                solution
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The same registrations with one more adjustment row.
fn with_row(base: &Inputs, row: Adjustment) -> Inputs {
    let mut programme: Programme = base.reading.programme.clone();
    programme.adjustments.rows.push(row);
    Inputs {
        model: base.model.clone(),
        reading: Reading {
            programme,
            warnings: base.reading.warnings.clone(),
        },
        history: base.history.clone(),
        read_time: base.read_time,
        files: base.files.clone(),
    }
}

/// A re-solve after one pin and after one ban on 1,000 + 1,000, from the
/// solved network: the web app's review step.
fn one_pin_or_ban(c: &mut Criterion) {
    let data = generate(&GenerateSpec {
        mentees: 1_000,
        mentors: 1_000,
        seed: 1,
    });
    let base = inputs(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes());
    let mut resolver = Resolver::new();
    let solved = resolver.run_match(&base, MatchOptions::default(), &mut |_| {}).unwrap();
    let programme = &base.reading.programme;
    let pairs = &solved.solution.matching.pairs;
    let row = |action, mentee: u32, mentor: u32| Adjustment {
        action,
        mentee_email: programme.mentees[mentee as usize].person.email.clone(),
        mentor_email: programme.mentors[mentor as usize].person.email.clone(),
        note: String::new(),
        line: 2,
    };
    // A mentee pinned to another mentee's mentor; a pair that was made, banned.
    let pinned = with_row(&base, row(Action::Pin, pairs[0].mentee, pairs[pairs.len() / 2].mentor));
    let banned = with_row(
        &base,
        row(
            Action::Ban,
            pairs[pairs.len() / 3].mentee,
            pairs[pairs.len() / 3].mentor,
        ),
    );
    let options = SolveOptions::default();
    let (_, kept) = WarmStart::solve(&Eligibility::new(programme, &base.model, &base.history), options).unwrap();
    let mut group = c.benchmark_group("one-override");
    group.sample_size(10);
    for (name, changed) in [("pin", &pinned), ("ban", &banned)] {
        let eligibility = Eligibility::new(&changed.reading.programme, &changed.model, &changed.history);
        group.bench_function(format!("solve after one {name}, warm, 1000"), |b| {
            b.iter_batched(
                || kept.clone(),
                |kept| {
                    let (solution, _) = kept.resolve(&eligibility, options).unwrap();
                    assert!(solution.stats.warm);
                    solution
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(format!("solve after one {name}, from scratch, 1000"), |b| {
            b.iter(|| WarmStart::solve(&eligibility, options).unwrap())
        });
        // The whole run, its price included, as the web app runs it.
        group.bench_function(format!("match after one {name}, warm, 1000"), |b| {
            b.iter_batched(
                || resolver.clone(),
                |mut resolver| {
                    resolver
                        .run_match(changed, MatchOptions::default(), &mut |_| {})
                        .unwrap()
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(format!("match after one {name}, from scratch, 1000"), |b| {
            b.iter(|| run_match(changed, MatchOptions::default(), &mut |_| {}).unwrap())
        });
    }
    group.finish();
}

fn prices_of_twenty_overrides(c: &mut Criterion) {
    let data = generate(&GenerateSpec {
        mentees: 1_000,
        mentors: 1_000,
        seed: 1,
    });
    let base = inputs(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes());
    let sent = run_match(&base, MatchOptions::default(), &mut |_| {}).unwrap();
    let mut programme = base.reading.programme.clone();
    let pairs = &sent.solution.matching.pairs;
    let email = |p: &mentorflow::eligibility::Pair| {
        (
            programme.mentees[p.mentee as usize].person.email.clone(),
            programme.mentors[p.mentor as usize].person.email.clone(),
        )
    };
    // Ten bans of pairs made, ten pins moving a mentee to another's mentor.
    let mut rows = Vec::new();
    for (i, p) in pairs.iter().step_by(pairs.len() / 10).take(10).enumerate() {
        let (mentee, mentor) = email(p);
        rows.push(Adjustment {
            action: Action::Ban,
            mentee_email: mentee,
            mentor_email: mentor,
            note: String::new(),
            line: i as u64 + 2,
        });
    }
    for (i, p) in pairs.iter().skip(5).step_by(pairs.len() / 10).take(10).enumerate() {
        let other = &pairs[(pairs.len() / 2 + i * 7) % pairs.len()];
        let (mentee, _) = email(p);
        let (_, mentor) = email(other);
        if rows
            .iter()
            .any(|r: &Adjustment| r.mentee_email == mentee && r.mentor_email == mentor)
        {
            continue;
        }
        rows.push(Adjustment {
            action: Action::Pin,
            mentee_email: mentee,
            mentor_email: mentor,
            note: String::new(),
            line: i as u64 + 12,
        });
    }
    programme.adjustments = Adjustments { rows };
    let with = mentorflow::match_programme(&programme, &base.model, &base.history)
        .unwrap()
        .solution;
    let mut group = c.benchmark_group("override-prices");
    group.sample_size(10);
    group.bench_function("20 overrides, 1000", |b| {
        b.iter(|| {
            override_prices(
                &programme,
                &base.model,
                &base.history,
                SolverChoice::default(),
                &with.matching,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    rematch_after_withdrawals,
    one_pin_or_ban,
    prices_of_twenty_overrides
);
criterion_main!(benches);
