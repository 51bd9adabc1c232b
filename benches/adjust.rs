//! Adjusting after matching: `rematch` after 5% of mentors withdraw on 2,000 +
//! 2,000, beside `match` from scratch on the same registrations; and the price
//! of 20 overrides (10 pins, 10 bans) on 1,000 + 1,000.
//! Run: `cargo bench --bench adjust`.

use criterion::{criterion_group, criterion_main, Criterion};
use mentorflow::model::Model;
use mentorflow::overrides::override_prices;
use mentorflow::pipeline::{read_inputs, rematch, run_match, Inputs, MatchOptions, Registrations, RematchOptions};
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::{Action, Adjustment, Adjustments, Source};
use mentorflow::rematch::PreviousPair;
use mentorflow::solve::choose::SolverChoice;

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
    let sent = run_match(&first, MatchOptions::default(), &mut |_| {}).unwrap();
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
    group.bench_function("match from scratch, 2000", |b| {
        b.iter(|| run_match(&now, MatchOptions::default(), &mut |_| {}).unwrap())
    });
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

criterion_group!(benches, rematch_after_withdrawals, prices_of_twenty_overrides);
criterion_main!(benches);
