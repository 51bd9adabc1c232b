//! A what-if sweep of 25 scenarios (mentor capacity 1 to 5, by 0 to 200 extra
//! SEO mentors) on generated registrations of 2,000 + 2,000, read once.
//! Run: `cargo bench --bench whatif`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mentorflow::model::Model;
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::History;
use mentorflow::whatif::{self, RunOptions, Vary};

fn sweep(c: &mut Criterion) {
    let model = Model::civil_service();
    let data = generate(&GenerateSpec {
        mentees: 2_000,
        mentors: 2_000,
        seed: 1,
    });
    let programme = data.read(&model).unwrap().programme;
    let vary = [
        Vary::parse("mentor-capacity=1..5", None).unwrap(),
        Vary::parse("extra-mentors=0..200/50", Some("SEO")).unwrap(),
    ];
    let scenarios = whatif::scenarios(&vary);
    assert_eq!(scenarios.len(), 25);
    let history = History::default();

    let mut group = c.benchmark_group("whatif");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("25 scenarios, 2000 + 2000", |b| {
        b.iter(|| {
            whatif::run(
                &programme,
                &model,
                &history,
                &scenarios,
                RunOptions::default(),
                &|_, _| {},
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
