//! What-if analysis: coverage never falls when capacity rises or a rule is
//! relaxed, the base scenario is exactly `match`, and no output names anyone.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{programme, read, Person};
use mentorflow::eligibility::Eligibility;
use mentorflow::match_programme;
use mentorflow::model::Model;
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::{History, Programme};
use mentorflow::report::whatif::WhatIf;
use mentorflow::solve::{self, SolveOptions, WarmStart};
use mentorflow::whatif::{self, apply, Parameter, RunOptions, Scenario, ScenarioResult, Setting, Vary};
use proptest::prelude::*;

fn sample(model: &Model) -> Programme {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/peer-small");
    read(
        &std::fs::read(dir.join("mentors.csv")).unwrap(),
        &std::fs::read(dir.join("mentees.csv")).unwrap(),
        model,
    )
}

fn generated(size: usize, seed: u64, model: &Model) -> Programme {
    common::generated(size, size, seed, model)
}

fn vary(text: &str) -> Vary {
    Vary::parse(text, Some("SEO")).unwrap()
}

fn sweep(programme: &Programme, model: &Model, vary_texts: &[&str]) -> Vec<ScenarioResult> {
    let vary: Vec<Vary> = vary_texts.iter().map(|t| self::vary(t)).collect();
    whatif::check_sweep(&vary).unwrap();
    let options = RunOptions {
        repeat: 3,
        ..RunOptions::default()
    };
    whatif::run(
        programme,
        model,
        &History::default(),
        &whatif::scenarios(&vary),
        options,
        &|_, _| {},
    )
    .unwrap()
}

fn objective(result: &ScenarioResult) -> Vec<i64> {
    assert_eq!(result.runs, 1, "a scenario without drop-out runs once");
    result.objective.iter().map(|f| f.min).collect()
}

/// Along each single-parameter sweep, mentees with at least one match never
/// fall and the objective never gets worse.
fn assert_never_worse(programme: &Programme, model: &Model, vary_text: &str) {
    let results = sweep(programme, model, &[vary_text]);
    for pair in results.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        assert!(
            after.mentees_with_at_least[0].min >= before.mentees_with_at_least[0].min,
            "{}: coverage fell from {} ({}) to {} ({})",
            vary_text,
            before.mentees_with_at_least[0].min,
            before.scenario.label(),
            after.mentees_with_at_least[0].min,
            after.scenario.label()
        );
        assert!(
            objective(after) >= objective(before),
            "{vary_text}: objective got worse from {:?} ({}) to {:?} ({})",
            objective(before),
            before.scenario.label(),
            objective(after),
            after.scenario.label()
        );
    }
}

#[test]
fn coverage_and_objective_never_fall_as_capacity_rises_or_rules_relax() {
    let model = Model::civil_service();
    for programme in [sample(&model), generated(120, 3, &model)] {
        for vary_text in [
            "mentor-capacity=0..6",
            "mentee-capacity=0..5",
            "grade-gap-max=1..4",
            "same-organisation=off,on",
            // Allowing it in ever smaller organisations.
            "same-organisation-from=60,30,10,5,1",
            "extra-mentors=0..20/5",
        ] {
            assert_never_worse(&programme, &model, vary_text);
        }
    }
}

#[test]
fn a_scenario_equal_to_the_base_model_gives_exactly_the_match_result() {
    for model in [Model::civil_service(), Model::built_in("quality").unwrap()] {
        for programme in [sample(&model), generated(150, 5, &model)] {
            let outcome = match_programme(&programme, &model, &History::default()).unwrap();
            let matching = &outcome.solution.matching;
            let counts = matching.mentee_counts(&programme);
            let exactly = |k: u32| counts.iter().filter(|&&c| c == k).count() as i64;
            let expected_by_matches = [
                exactly(0),
                exactly(1),
                exactly(2),
                counts.iter().filter(|&&c| c >= 3).count() as i64,
            ];
            let mentors_used = matching.mentor_counts(&programme).iter().filter(|&&c| c > 0).count() as i64;

            // The base itself, and settings that restate the base model's values.
            let base = &model;
            let restated = [
                vec![],
                vec![format!("mentor-capacity={}", base.capacity.mentor)],
                vec![format!("mentee-capacity={}", base.capacity.mentee)],
                vec![
                    format!("grade-gap-max={}", base.gap.max),
                    format!(
                        "same-organisation={}",
                        if base.same_organisation_allowed { "on" } else { "off" }
                    ),
                ],
                vec!["drop-out=0".to_string(), "extra-mentors=0".to_string()],
            ];
            for texts in restated {
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                let results = sweep(&programme, &model, &texts);
                assert_eq!(results.len(), 1);
                let r = &results[0];
                let label = r.scenario.label();
                assert_eq!(objective(r), outcome.solution.objective_values, "{label}");
                let by_matches: Vec<i64> = r.mentees_by_matches.iter().map(|f| f.min).collect();
                assert_eq!(by_matches, expected_by_matches, "{label}");
                assert_eq!(r.mentors_used.min, mentors_used, "{label}");
                assert_eq!(
                    r.identity_requests.met.min,
                    matching.mentees_with(&programme, |p| p.identity_matched) as i64,
                    "{label}"
                );
                assert_eq!(
                    r.profession_requests.met.min,
                    matching.mentees_with(&programme, |p| p.profession_matched) as i64,
                    "{label}"
                );
                assert_eq!(r.eligible_pairs.min, outcome.eligible_pairs as i64, "{label}");
            }
        }
    }
}

fn scenario(settings: &[(Parameter, u32)]) -> Scenario {
    Scenario {
        settings: settings
            .iter()
            .map(|(parameter, value)| Setting {
                parameter: parameter.clone(),
                value: *value,
            })
            .collect(),
    }
}

#[test]
fn capacity_changes_only_people_without_their_own() {
    let model = Model::civil_service();
    let mentors = [
        Person {
            email: "own@x.uk".into(),
            grade: "SEO".into(),
            capacity: Some(1),
            ..Person::default()
        },
        Person {
            email: "default@x.uk".into(),
            grade: "SEO".into(),
            ..Person::default()
        },
    ];
    let mentees = [Person {
        email: "e@x.uk".into(),
        organisation: "Org B".into(),
        ..Person::default()
    }];
    let p = programme(&mentors, &mentees, &model);
    let (changed, changed_model) = apply(
        &p,
        &model,
        &scenario(&[(Parameter::MentorCapacity, 5), (Parameter::MenteeCapacity, 4)]),
        1,
    )
    .unwrap();
    assert_eq!(changed_model.capacity.mentor, 5);
    let capacity = |email: &str| changed.mentors[changed.mentor_by_email(email).unwrap()].person.capacity;
    assert_eq!(capacity("own@x.uk"), 1);
    assert_eq!(capacity("default@x.uk"), 5);
    assert_eq!(changed.mentees[0].person.capacity, 4);
}

#[test]
fn drop_out_removes_a_seeded_share_and_repeats_give_mean_and_range() {
    let model = Model::civil_service();
    let p = generated(100, 2, &model);
    let ten = scenario(&[(Parameter::DropOut, 10)]);
    let (a, _) = apply(&p, &model, &ten, 7).unwrap();
    let (b, _) = apply(&p, &model, &ten, 7).unwrap();
    let (c, _) = apply(&p, &model, &ten, 8).unwrap();
    let n = p.mentors.len();
    assert_eq!(a.mentors.len(), n - (n * 10 + 50) / 100, "10% of the mentors, rounded");
    assert_eq!(a, b, "the same seed drops the same mentors");
    assert_ne!(a, c, "another seed drops others");
    assert_eq!(a.mentees, p.mentees, "mentees stay");

    let results = sweep(&p, &model, &["drop-out=0,30"]);
    assert_eq!(results[0].runs, 1, "no drop-out: nothing random, one run");
    assert_eq!(results[1].runs, 3);
    let covered = results[1].mentees_with_at_least[0];
    assert!(covered.min as f64 <= covered.mean && covered.mean <= covered.max as f64);
    assert_eq!(results[1].mentors.min as usize, n - (n * 30 + 50) / 100);
}

#[test]
fn extra_mentors_are_like_the_registered_mentors_at_their_grade() {
    let model = Model::civil_service();
    let p = generated(200, 4, &model);
    let seo = model.ladder.grade("SEO").unwrap();
    let registered: Vec<_> = p.mentors.iter().filter(|m| m.person.grade == seo).collect();
    let organisations: BTreeSet<_> = registered.iter().map(|m| m.person.organisation).collect();
    let professions: BTreeSet<_> = registered.iter().map(|m| m.person.profession_key.clone()).collect();

    let extra = scenario(&[(Parameter::ExtraMentors { grade: "SEO".into() }, 25)]);
    let (changed, _) = apply(&p, &model, &extra, 1).unwrap();
    assert_eq!(changed.mentors.len(), p.mentors.len() + 25);
    let added: Vec<_> = changed
        .mentors
        .iter()
        .filter(|m| m.person.email.ends_with(&format!("@{}", whatif::EXTRA_MENTOR_DOMAIN)))
        .collect();
    assert_eq!(added.len(), 25);
    for mentor in &added {
        assert_eq!(mentor.person.grade, seo);
        assert!(organisations.contains(&mentor.person.organisation));
        assert!(professions.contains(&mentor.person.profession_key));
        assert!(mentor.person.first_name.is_empty() && mentor.person.biography.is_empty());
        assert_eq!(mentor.person.capacity, model.capacity.mentor);
    }
    // Fewer extra mentors than registered ones: each registered mentor is copied at most once.
    let distinct: BTreeSet<_> = added
        .iter()
        .map(|m| (m.person.organisation, m.person.profession_key.clone()))
        .collect();
    assert!(
        distinct.len() > 1,
        "the extra mentors spread over organisations and professions"
    );
    assert!(changed
        .mentors
        .windows(2)
        .all(|w| w[0].person.email_key < w[1].person.email_key));
    assert_eq!(
        apply(&p, &model, &extra, 1).unwrap().0,
        changed,
        "deterministic by seed"
    );

    let unknown = scenario(&[(
        Parameter::ExtraMentors {
            grade: "Grdae 7".into(),
        },
        5,
    )]);
    let message = apply(&p, &model, &unknown, 1).unwrap_err().to_string();
    assert!(message.contains("did you mean \"Grade 7\""), "{message}");
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let model = Model::civil_service();
    let p = generated(80, 6, &model);
    let vary = [vary("drop-out=0,20"), vary("mentor-capacity=2..3")];
    let run = |threads| {
        whatif::run(
            &p,
            &model,
            &History::default(),
            &whatif::scenarios(&vary),
            RunOptions {
                repeat: 3,
                seed: 9,
                threads,
                ..RunOptions::default()
            },
            &|_, _| {},
        )
        .unwrap()
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn an_impossible_scenario_is_refused_before_anything_is_solved() {
    let model = Model::civil_service();
    let p = sample(&model);
    let vary = [vary("grade-gap-min=1..3"), vary("grade-gap-max=2")];
    let called = std::sync::atomic::AtomicUsize::new(0);
    let error = whatif::run(
        &p,
        &model,
        &History::default(),
        &whatif::scenarios(&vary),
        RunOptions::default(),
        &|_, _| {
            called.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        },
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("grade-gap-min=3, grade-gap-max=2"), "{error}");
    assert_eq!(called.into_inner(), 0);
}

/// Every rendering of a sweep, the chart included.
fn renderings(results: &[ScenarioResult], model: &Model) -> Vec<(&'static str, String)> {
    let report = WhatIf {
        model: &model.name,
        repeat: 3,
        seed: 1,
        results,
    };
    vec![
        ("table", report.table()),
        ("csv", report.csv()),
        ("json", report.json()),
        ("chart", report.chart().unwrap()),
    ]
}

#[test]
fn no_output_holds_an_email_address_or_a_name() {
    let model = Model::civil_service();
    let data = generate(&GenerateSpec {
        mentees: 120,
        mentors: 120,
        seed: 11,
    });
    let p = read(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes(), &model);
    let mut names: BTreeSet<String> = BTreeSet::new();
    for person in p
        .mentees
        .iter()
        .map(|m| &m.person)
        .chain(p.mentors.iter().map(|m| &m.person))
    {
        for name in [&person.first_name, &person.last_name] {
            names.extend(
                name.split(|c: char| !c.is_alphabetic())
                    .filter(|w| w.len() > 2)
                    .map(String::from),
            );
        }
    }
    assert!(names.len() > 50, "the generated people have names to look for");
    for vary_texts in [
        &["drop-out=0,20", "extra-mentors=0,10"][..],
        &["mentor-capacity=1..3", "same-organisation=off,on"][..],
    ] {
        let results = sweep(&p, &model, vary_texts);
        for (format, text) in renderings(&results, &model) {
            assert!(!text.contains('@'), "{format} holds an email address:\n{text}");
            let words: BTreeSet<&str> = text.split(|c: char| !c.is_alphabetic()).collect();
            let found: Vec<&String> = names.iter().filter(|n| words.contains(n.as_str())).collect();
            assert!(found.is_empty(), "{format} holds names {found:?}");
        }
    }
}

#[test]
fn identity_counts_below_five_are_shown_as_less_than_five() {
    let model = Model::civil_service();
    // Three mentees ask to share an identity; each can have a mentor who does.
    let mentees: Vec<Person> = (0..3)
        .map(|i| Person {
            email: format!("e{i}@x.uk"),
            organisation: "Org B".into(),
            identity: "Gay".into(),
            wants_identity: true,
            ..Person::default()
        })
        .collect();
    let mentors: Vec<Person> = (0..3)
        .map(|i| Person {
            email: format!("m{i}@x.uk"),
            grade: "SEO".into(),
            identity: "Gay".into(),
            ..Person::default()
        })
        .collect();
    let p = programme(&mentors, &mentees, &model);
    let results = sweep(&p, &model, &["mentor-capacity=1..2", "drop-out=0,40"]);
    assert!(results.iter().any(|r| r.identity_requests.met.max == 3));
    for (format, text) in renderings(&results, &model) {
        if format == "chart" {
            continue; // the chart shows coverage only
        }
        assert!(text.contains("<5"), "{format}:\n{text}");
        match format {
            "json" => {
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(json["identity_requests_asked"], "<5");
                for s in json["scenarios"].as_array().unwrap() {
                    assert_eq!(s["identity_requests_met"], "<5", "{s}");
                    if let Some(range) = s.get("range") {
                        assert_eq!(range["identity_requests_met"], serde_json::json!(["<5", "<5"]));
                    }
                }
            }
            "csv" => {
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                let headings = reader.headers().unwrap().clone();
                for row in reader.records() {
                    let row = row.unwrap();
                    for (heading, cell) in headings.iter().zip(row.iter()) {
                        if heading.starts_with("identity") {
                            assert_eq!(cell, "<5", "{heading}");
                        }
                    }
                }
            }
            _ => {
                let rows = text.lines().skip_while(|l| !l.contains("identity met")).skip(1);
                for line in rows.take(results.len()) {
                    assert!(line.contains("<5"), "{line}");
                }
            }
        }
    }
}

use crate::common::{cli, mentorflow};

#[test]
fn cli_runs_every_shipped_scenario_file_on_the_sample() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "scenarios/ holds examples");
    for file in files {
        for format in ["table", "json", "csv"] {
            let output = mentorflow(["whatif", "--scenario", file.to_str().unwrap(), "--format", format]);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{}: {stderr}", file.display());
            assert!(!stdout.contains('@') && !stderr.contains('@'), "{stdout}{stderr}");
            if format == "json" {
                let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert!(!json["scenarios"].as_array().unwrap().is_empty());
            }
        }
    }
}

#[test]
fn cli_sweeps_a_grid_and_writes_a_private_chart() {
    let out = tempfile::tempdir().unwrap();
    let chart = out.path().join("coverage.svg");
    let output = cli("whatif")
        .on("examples/peer-small/mentors.csv", "examples/peer-small/mentees.csv")
        .opt("--vary", "mentor-capacity=1..3")
        .opt("--vary", "grade-gap-max=2..3")
        .opt("--format", "csv")
        .opt("--chart", &chart)
        .run();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1 + 6,
        "a heading and one row per scenario:\n{stdout}"
    );
    assert!(stdout.starts_with("mentor-capacity,grade-gap-max,runs,"), "{stdout}");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("mentees with at least 3 matches"));
    assert!(!svg.contains('@'));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&chart).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no staging file is left behind");
}

#[test]
fn cli_refuses_a_bad_sweep_with_a_clear_message() {
    let sample = [
        "--mentors",
        "examples/peer-small/mentors.csv",
        "--mentees",
        "examples/peer-small/mentees.csv",
    ];
    for (vary, expected) in [
        ("mentor-capacty=1..3", "did you mean mentor-capacity"),
        ("mentor-capacity=3..1", "backwards"),
        ("extra-mentors=5", "--extra-grade"),
    ] {
        let mut args = vec!["whatif"];
        args.extend(sample);
        args.extend(["--vary", vary]);
        let output = mentorflow(&args);
        assert_eq!(output.status.code(), Some(1), "{vary}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{vary}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    let output = mentorflow(["whatif", "--vary", "mentor-capacity=1..3"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--mentors"));
}

/// A random scenario: each parameter left alone or set within a small range,
/// tightening as often as loosening.
fn any_scenario() -> impl Strategy<Value = Scenario> {
    (
        proptest::option::of(0u32..5),
        proptest::option::of(1u32..5),
        proptest::option::of(1u32..3),
        proptest::option::of(1u32..4),
        proptest::option::of(0u32..2),
        proptest::option::of(0u32..40),
        proptest::option::of(0u32..30),
        proptest::option::of(0u32..30),
        proptest::option::of(1u32..30),
    )
        .prop_map(
            |(mentor_capacity, mentee_capacity, gap_min, gap_max, same, profession, extra, drop, from)| {
                let settings = [
                    (Parameter::MentorCapacity, mentor_capacity),
                    (Parameter::MenteeCapacity, mentee_capacity),
                    (Parameter::GradeGapMin, gap_min),
                    (Parameter::GradeGapMax, gap_max.map(|g| g + gap_min.unwrap_or(1))),
                    (Parameter::SameOrganisation, same),
                    (Parameter::WeightProfession, profession),
                    (Parameter::ExtraMentors { grade: "SEO".into() }, extra),
                    (Parameter::DropOut, drop),
                    (Parameter::SameOrganisationFrom, from),
                ];
                Scenario {
                    settings: settings
                        .into_iter()
                        .filter_map(|(parameter, value)| value.map(|value| Setting { parameter, value }))
                        .collect(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A network kept from one scenario and fitted to the next (warm, when its
    /// flow still fits; from scratch when not) reaches exactly the objective a
    /// fresh solve does, and its matching keeps every hard rule.
    #[test]
    fn solving_from_the_last_scenario_equals_solving_afresh(
        size in 20usize..60,
        seed in 0u64..1000,
        which in 0..3usize,
        chain in proptest::collection::vec(any_scenario(), 2..6),
    ) {
        let model = Model::built_in(["civil-service", "quality", "identity-first"][which]).unwrap();
        let registered = generated(size, seed, &model);
        let history = History::default();
        let options = SolveOptions { whole_network_up_to: 0, candidates_per_mentee: 3, threads: 1 + size % 3 };
        let mut kept: Option<WarmStart> = None;
        for scenario in &chain {
            let Ok((programme, changed)) = apply(&registered, &model, scenario, seed) else {
                continue; // a window the model refuses
            };
            let eligibility = Eligibility::new(&programme, &changed, &history);
            let (warm, next) = match kept.take() {
                Some(from) => from.resolve(&eligibility, options).unwrap(),
                None => WarmStart::solve(&eligibility, options).unwrap(),
            };
            let fresh = solve::solve(&programme, &changed, &eligibility.pairs()).unwrap();
            common::assert_valid(&programme, &changed, &history, &warm.matching);
            prop_assert_eq!(&warm.objective_values, &fresh.objective_values, "{}", scenario.label());
            kept = Some(next);
        }
    }
}

#[test]
fn a_loosened_scenario_is_solved_warm() {
    let model = Model::civil_service();
    let registered = generated(120, 3, &model);
    let history = History::default();
    let mut kept: Option<WarmStart> = None;
    let steps = [
        scenario(&[(Parameter::MentorCapacity, 1)]),
        scenario(&[(Parameter::MentorCapacity, 2)]),
        scenario(&[(Parameter::MentorCapacity, 2), (Parameter::GradeGapMax, 3)]),
        scenario(&[
            (Parameter::MentorCapacity, 2),
            (Parameter::GradeGapMax, 3),
            (Parameter::ExtraMentors { grade: "SEO".into() }, 10),
        ]),
        scenario(&[
            (Parameter::MentorCapacity, 2),
            (Parameter::GradeGapMax, 3),
            (Parameter::ExtraMentors { grade: "SEO".into() }, 10),
            (Parameter::WeightProfession, 0),
        ]),
    ];
    for (i, step) in steps.iter().enumerate() {
        let (programme, changed) = apply(&registered, &model, step, 1).unwrap();
        let eligibility = Eligibility::new(&programme, &changed, &history);
        let (solution, next) = match kept.take() {
            Some(from) => from.resolve(&eligibility, SolveOptions::default()).unwrap(),
            None => WarmStart::solve(&eligibility, SolveOptions::default()).unwrap(),
        };
        assert_eq!(solution.stats.warm, i > 0, "{}", step.label());
        kept = Some(next);
    }
}

/// Scenarios that each loosen the one before: more capacity, a wider window,
/// more extra mentors, fewer drop-outs; weights change freely.
fn loosening_chain() -> impl Strategy<Value = Vec<Scenario>> {
    (2usize..6).prop_flat_map(|n| {
        let sorted = |range: std::ops::Range<u32>| {
            proptest::collection::vec(range, n).prop_map(|mut v| {
                v.sort_unstable();
                v
            })
        };
        (
            sorted(0..5),
            sorted(1..5),
            sorted(1..4),
            sorted(0..30),
            sorted(0..30),
            sorted(1..30),
            proptest::collection::vec(0u32..40, n),
        )
            .prop_map(move |(mentor, mentee, gap_max, extra, drop, from, weight)| {
                (0..n)
                    .map(|k| {
                        scenario(&[
                            (Parameter::MentorCapacity, mentor[k]),
                            (Parameter::MenteeCapacity, mentee[k]),
                            (Parameter::GradeGapMax, gap_max[k]),
                            (Parameter::ExtraMentors { grade: "SEO".into() }, extra[k]),
                            (Parameter::DropOut, drop[n - 1 - k]),
                            (Parameter::SameOrganisationFrom, from[n - 1 - k]),
                            (Parameter::WeightIdentity, weight[k]),
                        ])
                    })
                    .collect()
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Along a loosening chain every step after the first is solved warm, and
    /// exactly.
    #[test]
    fn loosening_steps_are_solved_warm_and_exactly(
        size in 20usize..60,
        seed in 0u64..1000,
        chain in loosening_chain(),
    ) {
        let model = Model::civil_service();
        let registered = generated(size, seed, &model);
        // Extra mentors are copies of registered SEO mentors: a small programme may have none.
        let seo = model.ladder.grade("SEO").unwrap();
        prop_assume!(registered.mentors.iter().any(|m| m.person.grade == seo));
        let history = History::default();
        let options = SolveOptions { whole_network_up_to: 0, candidates_per_mentee: 3, threads: 1 + size % 3 };
        let mut kept: Option<WarmStart> = None;
        for (k, scenario) in chain.iter().enumerate() {
            let (programme, changed) = apply(&registered, &model, scenario, seed).unwrap();
            let eligibility = Eligibility::new(&programme, &changed, &history);
            let (warm, next) = match kept.take() {
                Some(from) => from.resolve(&eligibility, options).unwrap(),
                None => WarmStart::solve(&eligibility, options).unwrap(),
            };
            prop_assert_eq!(warm.stats.warm, k > 0, "{}", scenario.label());
            let fresh = solve::solve(&programme, &changed, &eligibility.pairs()).unwrap();
            common::assert_valid(&programme, &changed, &history, &warm.matching);
            prop_assert_eq!(&warm.objective_values, &fresh.objective_values, "{}", scenario.label());
            kept = Some(next);
        }
    }
}

#[test]
fn a_model_with_side_constraints_is_swept_with_the_integer_program() {
    let model = Model::built_in("fair-organisations").unwrap();
    assert!(!model.constraints.is_empty());
    let registered = sample(&model);
    let results = sweep(&registered, &model, &["mentor-capacity=1..3"]);
    assert_eq!(results.len(), 3);
    for result in &results {
        let (programme, changed) = apply(&registered, &model, &result.scenario, 1).unwrap();
        let outcome = match_programme(&programme, &changed, &History::default()).unwrap();
        assert_eq!(
            objective(result),
            outcome.solution.objective_values,
            "{}",
            result.scenario.label()
        );
    }
}

/// Models with side constraints of every kind, for sweeps through the
/// integer program's path.
fn constrained_models() -> Vec<Model> {
    use mentorflow::model::{Constraint, Group};
    // Through the model file, which a scenario's model is made from.
    let with = |base: &str, constraints: Vec<Constraint>| {
        let mut file = Model::built_in(base).unwrap().to_file().clone();
        file.constraints = constraints;
        Model::from_file("constrained.json", file).unwrap()
    };
    vec![
        Model::built_in("fair-organisations").unwrap(),
        with(
            "quality",
            vec![
                Constraint::IdentityRequestsMetAtLeast { percent: 95 },
                Constraint::CoverageFloor {
                    by: Group::Organisation,
                    percent: 80,
                },
            ],
        ),
        with(
            "profession-first",
            vec![Constraint::IdentityRequestsMetAtLeast { percent: 90 }],
        ),
        with(
            "quality",
            vec![Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 90,
            }],
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Under side constraints a run starts from the matching of the run
    /// before it (`solve_from`): the same optimum as solving afresh, every
    /// rule and constraint kept, or the same constraint named when none can
    /// be met.
    #[test]
    fn constrained_runs_started_from_the_last_equal_solving_afresh(
        size in 12usize..30,
        seed in 0u64..1000,
        which in 0..4usize,
        chain in proptest::collection::vec(any_scenario(), 2..5),
    ) {
        use mentorflow::solve::choose::{solve_from, solve_with, SolverChoice};
        use mentorflow::solve::ilp::constraint_met;
        let model = constrained_models().swap_remove(which);
        let registered = generated(size, seed, &model);
        let history = History::default();
        let mut kept = None;
        for scenario in &chain {
            let Ok((programme, changed)) = apply(&registered, &model, scenario, seed) else {
                continue; // a window the model refuses
            };
            let eligibility = Eligibility::new(&programme, &changed, &history);
            // microlp can take minutes on a rare small case: such runs stop
            // and are compared only where both are proven.
            let choice = SolverChoice {
                time_limit: Some(std::time::Duration::from_secs(2)),
                ..SolverChoice::default()
            };
            let from = solve_from(&eligibility, choice, SolveOptions::default(), kept.take());
            let fresh = solve_with(&eligibility, choice);
            match (from, fresh) {
                (Ok((started, next)), Ok(fresh)) => {
                    common::assert_valid(&programme, &changed, &history, &started.matching);
                    for c in &changed.constraints {
                        prop_assert!(constraint_met(&programme, &started.matching, c), "{}", c.label());
                    }
                    let proven = |s: &mentorflow::solve::Solution| s.stats.optimality == mentorflow::solve::Optimality::Proven;
                    if proven(&started) && proven(&fresh) {
                        prop_assert_eq!(&started.objective_values, &fresh.objective_values, "{}", scenario.label());
                    }
                    kept = next;
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "started {:?}, fresh {:?}", a.map(|s| s.0.objective_values), b.map(|s| s.objective_values)),
            }
        }
    }
}

/// A sweep under side constraints with a time limit: runs stopped there are
/// marked not proven in every rendering, and a sweep without one proves
/// every run.
#[test]
fn a_time_limit_on_a_constrained_sweep_marks_runs_not_proven() {
    let model = constrained_models().swap_remove(1);
    let programme = common::generated(400, 400, 7, &model);
    let vary = [self::vary("mentor-capacity=1..2")];
    let run = |time_limit| {
        whatif::run(
            &programme,
            &model,
            &History::default(),
            &whatif::scenarios(&vary),
            RunOptions {
                time_limit,
                ..RunOptions::default()
            },
            &|_, _| {},
        )
        .unwrap()
    };
    let stopped = run(Some(std::time::Duration::from_millis(1)));
    assert!(stopped.iter().any(|r| r.not_proven > 0));
    let report = WhatIf {
        model: &model.name,
        repeat: 1,
        seed: 1,
        results: &stopped,
    };
    assert!(
        report.table().contains("NOT proven: mentor-capacity="),
        "{}",
        report.table()
    );
    assert!(
        report.csv().lines().skip(1).any(|l| l.ends_with(",no")),
        "{}",
        report.csv()
    );
    assert!(report.json().contains("\"proven\": false"));

    // A cap per organisation can always be met, so every run is decided.
    let capped = constrained_models().swap_remove(0);
    let small = generated(20, 3, &capped);
    let proven = whatif::run(
        &small,
        &capped,
        &History::default(),
        &whatif::scenarios(&vary),
        RunOptions::default(),
        &|_, _| {},
    )
    .unwrap();
    assert!(proven.iter().all(|r| r.not_proven == 0));
    let report = WhatIf {
        model: &capped.name,
        repeat: 1,
        seed: 1,
        results: &proven,
    };
    assert!(!report.table().contains("NOT proven"));
}

/// Small what-if programmes the search once handed to the program after 400
/// networks, where microlp ran for minutes (found by the property test
/// above): the search now runs on for its first two seconds, and under a
/// coverage-first objective holds every node at the number covered once the
/// best matching covers the node's most, so flows prove both.
#[test]
fn small_constrained_scenarios_are_proven_by_flows() {
    use mentorflow::solve::choose::{solve_with, SolverChoice};
    use mentorflow::solve::ilp::constraint_met;
    let setting = |parameter, value| Setting { parameter, value };
    let cases = [
        // fair-organisations (coverage first, organisation floor and cap).
        (
            0,
            18,
            254,
            vec![
                setting(Parameter::MentorCapacity, 2),
                setting(Parameter::MenteeCapacity, 2),
                setting(Parameter::GradeGapMin, 1),
                setting(Parameter::WeightProfession, 8),
                setting(Parameter::ExtraMentors { grade: "SEO".into() }, 26),
            ],
        ),
        // quality with a grade floor of 90%.
        (
            3,
            28,
            468,
            vec![
                setting(Parameter::MentorCapacity, 3),
                setting(Parameter::GradeGapMin, 1),
                setting(Parameter::GradeGapMax, 2),
                setting(Parameter::DropOut, 27),
            ],
        ),
    ];
    for (which, size, seed, settings) in cases {
        let model = constrained_models().swap_remove(which);
        let registered = generated(size, seed, &model);
        let (programme, changed) = apply(&registered, &model, &Scenario { settings }, seed).unwrap();
        let eligibility = Eligibility::new(&programme, &changed, &History::default());
        let choice = SolverChoice {
            time_limit: Some(std::time::Duration::from_secs(60)),
            ..SolverChoice::default()
        };
        let solution = solve_with(&eligibility, choice).unwrap();
        common::assert_valid(&programme, &changed, &History::default(), &solution.matching);
        for c in &changed.constraints {
            assert!(constraint_met(&programme, &solution.matching, c), "{}", c.label());
        }
        assert_eq!(solution.stats.optimality, solve::Optimality::Proven, "{}", changed.name);
        let certificate = solution.stats.certificate.unwrap_or_default();
        assert!(certificate.contains("branch and bound"), "{certificate}");
    }
}
