//! Priority across years: the history names mentees who went unmatched or
//! short last time, and the `priority-mentees-with-at-least` term puts them
//! first. The flow (whole network and priced) reaches brute force's best on tiny
//! programmes and the integer program's on small ones; the checker passes every
//! matching; a priority mentee the coverage model leaves out is matched.

use crate::common;
use crate::ilp::{alone, build, holds, model_with, Traits};

use common::{assert_valid, brute_force_best, mentees_csv, mentors_csv, Person};
use mentorflow::eligibility::Eligibility;
use mentorflow::matching::Matching;
use mentorflow::model::{Constraint, Group, Model, Term};
use mentorflow::pipeline::{read_inputs, run_match, MatchOptions, Registrations};
use mentorflow::registration::{read_history, read_pairs, History, Programme, Source};
use mentorflow::solve::ilp::{solve_ilp, solve_ilp_with, Backend};
use mentorflow::solve::{self, flow_can_solve, SolveError, SolveOptions};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn source<'a>(name: &'a str, text: &'a str) -> Source<'a> {
    Source {
        name,
        bytes: text.as_bytes(),
    }
}

/// People whose grades fall in a window where most pairs are eligible and the
/// mentors' places are few, so mentees compete for them: grades by index into
/// the tests' ladder (EO, HEO for mentees; SEO, Grade 7 for mentors).
fn competing(
    max: usize,
    grades: [usize; 2],
    places: std::ops::RangeInclusive<u32>,
) -> impl Strategy<Value = Vec<Traits>> {
    prop::collection::vec(
        (
            prop::sample::select(grades.to_vec()),
            0..3usize,
            0..2usize,
            0..3usize,
            places,
        ),
        1..=max,
    )
}

/// Priority mentees with at least `k` matches, counted from the matching's
/// pairs and the flags alone (not through `Matching::objective_values`).
fn priority_with_at_least(p: &Programme, matching: &Matching, k: usize) -> i64 {
    (0..p.mentees.len())
        .filter(|&e| p.mentees[e].priority)
        .filter(|&e| matching.pairs.iter().filter(|pair| pair.mentee as usize == e).count() >= k)
        .count() as i64
}

/// Mark the mentees whose bit is set in `mask` as priority, through a history.
fn mark(p: &mut Programme, mask: u32) -> History {
    let mut history = History::default();
    for (e, mentee) in p.mentees.iter().enumerate() {
        if mask & (1 << e) != 0 {
            history.insert_priority(&mentee.person.email);
        }
    }
    history.mark_priority(p);
    history
}

/// Objectives with the priority term that a flow holds, and one as the
/// shipped model has it.
fn flow_objectives() -> Vec<Vec<Term>> {
    vec![
        Model::built_in("priority").unwrap().objective,
        vec![
            Term::mentees_with_at_least(1),
            Term::priority_mentees_with_at_least(1),
            Term::priority_mentees_with_at_least(2),
            Term::mentees_with_at_least(2),
            Term::total_score(),
        ],
        vec![
            Term::WeightedSum {
                terms: vec![
                    Term::PriorityMenteesWithAtLeast { matches: 1, weight: 3 },
                    Term::MenteesWithAtLeast { matches: 1, weight: 2 },
                    Term::MenteesWithAtLeast { matches: 2, weight: 1 },
                ],
            },
            Term::total_score(),
        ],
        vec![Term::priority_mentees_with_at_least(1), Term::total_score()],
    ]
}

#[test]
fn a_history_row_without_a_mentor_or_with_priority_yes_names_a_priority_mentee() {
    let text = "mentee_email,mentor_email,priority\n\
                a@x.uk,m1@x.uk,\n\
                b@x.uk,,\n\
                c@x.uk,m2@x.uk,yes\n\
                d@x.uk,,no\n";
    let history = read_history(source("history.csv", text)).unwrap();
    assert!(history.contains("a@x.uk", "m1@x.uk") && history.contains("c@x.uk", "m2@x.uk"));
    assert_eq!(history.len(), 2, "a row without a mentor is no pair");
    assert!(!history.is_priority("a@x.uk"), "matched last time, no priority said");
    assert!(history.is_priority("b@x.uk"), "no match last time");
    assert!(
        history.is_priority("C@X.UK".to_lowercase().as_str()),
        "short last time: priority yes"
    );
    assert!(!history.is_priority("d@x.uk"), "the organisers said no");
    assert_eq!(history.priority_len(), 2);

    // An earlier matches.csv, without a priority column, is a history as it is.
    let plain = read_history(source("matches.csv", "mentee_email,mentor_email\na@x.uk,m1@x.uk\n")).unwrap();
    assert_eq!((plain.len(), plain.priority_len()), (1, 0));
}

#[test]
fn bad_history_rows_are_errors_naming_file_line_column_value_and_fix() {
    let text = "mentee_email,mentor_email,priority\nb@x.uk,,maybe\nnobody,m@x.uk,\n";
    let problems = read_history(source("history.csv", text)).unwrap_err();
    let all = problems.to_string();
    assert!(
        all.contains("error[H002] history.csv, line 2, column 3 (priority)")
            && all.contains("\"maybe\"")
            && all.contains("Fix: write yes"),
        "{all}"
    );
    assert!(
        all.contains("error[H001] history.csv, line 3, column 1 (mentee_email)") && all.contains("\"nobody\""),
        "{all}"
    );
    // A file of pairs that is not a history (`check --matches`, `rematch
    // --previous`) still needs both emails.
    let pairs = read_pairs(source("matches.csv", "mentee_email,mentor_email\nb@x.uk,\n")).unwrap_err();
    assert!(pairs.to_string().contains("error[H001]"), "{pairs}");
}

#[test]
fn the_weights_stay_strictly_lexicographic_with_the_priority_term() {
    let model = Model::built_in("priority").unwrap();
    let costs = flow_can_solve(&model, 1_000).unwrap();
    // A simple cycle changes at most two mentees' counts, so each of the first
    // four levels changes by at most 2; the score by at most 1,002 x max score.
    let d = [2, 2, 2, 2, 2, 1_002 * model.weights.max_score() as i64];
    for l in 0..costs.weights.len() {
        let later: i64 = (l + 1..costs.weights.len()).map(|j| costs.weights[j] * d[j]).sum();
        assert!(costs.weights[l] > later, "level {l}");
    }
    // Rewarding a priority mentee's second match above their first is refused.
    let second_first = model_with(
        vec![Term::priority_mentees_with_at_least(2), Term::mentees_with_at_least(1)],
        vec![],
    );
    assert!(matches!(
        flow_can_solve(&second_first, 10),
        Err(SolveError::NotFlowExpressible(_))
    ));
}

/// Two mentees can take the one mentor; the coverage model gives it to the
/// mentee whose pair scores more, the priority model to last year's unmatched.
#[test]
fn a_priority_mentee_left_out_under_coverage_is_matched_under_the_priority_model() {
    let mentor = Person {
        email: "mentor@x.uk".into(),
        grade: "Grade 7".into(),
        organisation: "Org B".into(),
        capacity: Some(1),
        ..Person::default()
    };
    let mentees = [
        // Two grades below: the higher score.
        Person {
            email: "first@x.uk".into(),
            grade: "HEO".into(),
            capacity: Some(1),
            ..Person::default()
        },
        Person {
            email: "second@x.uk".into(),
            grade: "SEO".into(),
            capacity: Some(1),
            ..Person::default()
        },
    ];
    let (mentors, mentees) = (mentors_csv(&[mentor]), mentees_csv(&mentees));
    let history = "mentee_email,mentor_email\nsecond@x.uk,\n";
    let matched = |model: &str| {
        let registrations = Registrations {
            mentors: source("mentors.csv", &mentors),
            mentees: source("mentees.csv", &mentees),
            history: Some(source("history.csv", history)),
            adjust: None,
            organisations: None,
        };
        let (inputs, problems) = read_inputs(Ok(Model::built_in(model).unwrap()), registrations);
        let inputs = inputs.unwrap_or_else(|| panic!("{problems}"));
        let run = run_match(&inputs, MatchOptions::default(), &mut |_| {}).unwrap();
        let p = &inputs.reading.programme;
        assert_valid(p, &inputs.model, &inputs.history, &run.solution.matching);
        let pairs: Vec<String> = run
            .solution
            .matching
            .pairs
            .iter()
            .map(|pair| p.mentees[pair.mentee as usize].person.email.clone())
            .collect();
        (pairs, run.summary)
    };
    let (coverage, summary) = matched("coverage");
    assert_eq!(coverage, ["first@x.uk"]);
    let counts = summary.priority_mentees.expect("a priority mentee is registered");
    assert_eq!((counts.registered.as_str(), counts.with_a_match.as_str()), ("<5", "<5"));
    let (priority, summary) = matched("priority");
    assert_eq!(priority, ["second@x.uk"]);
    assert_eq!(summary.objective[0].value, 1, "the priority mentee has a match");
    assert!(
        summary.to_string().contains("priority <5 mentees the history names"),
        "{summary}"
    );
    assert!(summary.to_json().contains("\"priority_mentees\""));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    /// On tiny programmes with priority mentees, the flow (whole network and
    /// priced) reaches brute force's best under every priority objective, the
    /// checker passes, and the term counts what it says.
    #[test]
    fn the_flow_reaches_brute_force_best_with_priority_mentees(
        mentors in competing(4, [3, 4], 0..=2),
        mentees in competing(4, [1, 2], 1..=3),
        mask in 0u32..16,
        which in 0..4usize,
    ) {
        let model = model_with(flow_objectives()[which].clone(), vec![]);
        let mut p = build(&model, mentors, mentees);
        let history = mark(&mut p, mask);
        let eligibility = Eligibility::new(&p, &model, &history);
        let pairs = eligibility.pairs();
        let best = brute_force_best(&p, &model, &pairs);
        let whole = solve::solve(&p, &model, &pairs).unwrap();
        let priced = solve::solve_eligible(&eligibility, SolveOptions::default()).unwrap();
        for solution in [&whole, &priced] {
            assert_valid(&p, &model, &history, &solution.matching);
            prop_assert_eq!(&solution.objective_values, &best);
        }
        let direct = priority_with_at_least(&p, &whole.matching, 1);
        let counted = whole.matching.objective_values(&p, &[Term::priority_mentees_with_at_least(1)]);
        prop_assert_eq!(counted, vec![direct]);
    }

    /// On small programmes the integer program, alone and helped by flows,
    /// reaches the flow's values with priority mentees; with a side constraint
    /// the helped program (flows first) and the program alone agree.
    #[test]
    fn the_integer_program_agrees_with_priority_mentees(
        mentors in competing(7, [3, 4], 0..=2),
        mentees in competing(7, [1, 2], 0..=3),
        mask in 0u32..256,
        which in 0..4usize,
        constraint in 0..4usize,
    ) {
        let objective = flow_objectives()[which].clone();
        let constraints = match constraint {
            0 => vec![],
            1 => vec![Constraint::MaxMenteesFromOneOrganisation { mentees: 1 }],
            2 => vec![Constraint::IdentityRequestsMetAtLeast { percent: 50 }],
            _ => vec![Constraint::CoverageFloor { by: Group::Organisation, percent: 80 }],
        };
        let model = model_with(objective, constraints);
        let mut p = build(&model, mentors, mentees);
        let history = mark(&mut p, mask);
        let eligibility = Eligibility::new(&p, &model, &history);
        let program = solve_ilp_with(&eligibility, alone());
        let helped = solve_ilp(&eligibility, Backend::Microlp);
        match (program, helped) {
            (Ok(program), Ok(helped)) => {
                for solution in [&program, &helped] {
                    assert_valid(&p, &model, &history, &solution.matching);
                    for c in &model.constraints {
                        prop_assert!(holds(&p, &solution.matching, c), "{} broken", c.label());
                    }
                }
                prop_assert_eq!(&program.objective_values, &helped.objective_values);
                if model.constraints.is_empty() {
                    let flow = solve::solve(&p, &model, &eligibility.pairs()).unwrap();
                    prop_assert_eq!(&flow.objective_values, &program.objective_values);
                }
            }
            (Err(SolveError::Infeasible { .. }), Err(SolveError::Infeasible { .. })) => {}
            (program, helped) => prop_assert!(
                false,
                "program {:?}, helped {:?}",
                program.map(|s| s.objective_values),
                helped.map(|s| s.objective_values)
            ),
        }
    }

    /// Putting priority mentees' first match first costs no other mentee a
    /// first match: mentees who can each get one form a matroid, so the most
    /// priority mentees with a match extend to the most mentees with one.
    #[test]
    fn priority_first_keeps_the_most_mentees_with_a_match(
        mentors in competing(8, [3, 4], 0..=2),
        mentees in competing(8, [1, 2], 0..=3),
        mask in 0u32..256,
    ) {
        let priority = Model::built_in("priority").unwrap();
        let coverage = Model::built_in("coverage").unwrap();
        let mut p = build(&priority, mentors, mentees);
        let history = mark(&mut p, mask);
        let solve_with = |model: &Model| {
            let eligibility = Eligibility::new(&p, model, &history);
            let solution = solve::solve_eligible(&eligibility, SolveOptions::default()).unwrap();
            assert_valid(&p, model, &history, &solution.matching);
            solution
        };
        let (first, plain) = (solve_with(&priority), solve_with(&coverage));
        prop_assert_eq!(first.objective_values[1], plain.objective_values[0]);
        prop_assert!(first.objective_values[0] >= priority_with_at_least(&p, &plain.matching, 1));
    }
}

/// `match --model priority --history` on the sample: the terminal, summary.json
/// and report.html count the priority mentees, and `check` accepts the pairs
/// with the same history; a bad `priority` value stops the run with H002.
#[test]
fn the_command_line_matches_priority_mentees_first_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let mentees = std::fs::read_to_string(common::example("mentees.csv")).unwrap();
    let records = common::csv_records(&mentees);
    let email = records[0].iter().position(|h| h == "email address").unwrap();
    let mut history = String::from("mentee_email,mentor_email,priority\n");
    for record in &records[1..8] {
        history += &format!("{},,\n", record[email]);
    }
    let history_path = dir.path().join("history.csv");
    std::fs::write(&history_path, &history).unwrap();
    let out = dir.path().join("out");
    let (mentors_arg, mentees_arg) = (common::example("mentors.csv"), common::example("mentees.csv"));
    let run = |extra: &[&str]| {
        let mut args = vec!["match", "--mentors", &mentors_arg, "--mentees", &mentees_arg];
        args.extend_from_slice(extra);
        common::mentorflow(args)
    };
    let history_arg = history_path.to_str().unwrap();
    let output = run(&[
        "--model",
        "priority",
        "--history",
        history_arg,
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("priority 7 mentees the history names"), "{stdout}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"priority_mentees\"") && summary.contains("priority-mentees-with-at-least"));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Priority mentees with at least 1 match"));
    let matches = out.join("matches.csv");
    let checked = common::mentorflow([
        "check",
        "--mentors",
        &mentors_arg,
        "--mentees",
        &mentees_arg,
        "--model",
        "priority",
        "--history",
        history_arg,
        "--matches",
        matches.to_str().unwrap(),
    ]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));

    std::fs::write(&history_path, format!("{history}x@y.uk,,perhaps\n")).unwrap();
    let refused = run(&[
        "--history",
        history_arg,
        "--out",
        dir.path().join("none").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("error[H002]"), "{stderr}");
    assert!(!dir.path().join("none").exists(), "nothing is written");
}

/// The priority model without a history naming a registered mentee warns
/// (V004): its first term would count nobody. With one, no warning.
#[test]
fn the_priority_model_without_priority_mentees_warns() {
    let mentors = mentors_csv(&[Person {
        email: "mentor@x.uk".into(),
        grade: "Grade 7".into(),
        organisation: "Org B".into(),
        ..Person::default()
    }]);
    let mentees = mentees_csv(&[Person {
        email: "mentee@x.uk".into(),
        ..Person::default()
    }]);
    let warnings = |history: Option<&str>| {
        let registrations = Registrations {
            mentors: source("mentors.csv", &mentors),
            mentees: source("mentees.csv", &mentees),
            history: history.map(|text| source("history.csv", text)),
            adjust: None,
            organisations: None,
        };
        let (inputs, problems) = read_inputs(Ok(Model::built_in("priority").unwrap()), registrations);
        assert!(inputs.is_some(), "{problems}");
        problems.to_string()
    };
    let none = warnings(None);
    assert!(
        none.contains("warning[V004] mentees.csv") && none.contains("Fix: give --history"),
        "{none}"
    );
    let elsewhere = warnings(Some("mentee_email,mentor_email\nsomeone.else@x.uk,\n"));
    assert!(elsewhere.contains("warning[V004]"), "{elsewhere}");
    assert!(!warnings(Some("mentee_email,mentor_email\nMentee@x.uk,\n")).contains("V004"));
}

/// `match` writes `history-next-time.csv`: given back as `--history` on the
/// same registrations, it makes none of this time's or the earlier history's
/// pairs again and names exactly the mentees left short as priority mentees,
/// whom `compare` counts and `explain` names as such.
#[test]
fn the_history_for_next_time_carries_every_pair_and_the_short_mentees() {
    let dir = tempfile::tempdir().unwrap();
    let (mentors, mentees) = (common::example("mentors.csv"), common::example("mentees.csv"));
    let out = dir.path().join("first");
    let first = common::mentorflow([
        "match",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let text = std::fs::read_to_string(out.join("history-next-time.csv")).unwrap();
    let rows = common::csv_records(&text);
    assert_eq!(rows[0], ["mentee_email", "mentor_email", "priority"]);
    let matches = common::csv_records(&std::fs::read_to_string(out.join("matches.csv")).unwrap());
    let pairs: BTreeSet<(String, String)> = matches[1..].iter().map(|r| (r[0].clone(), r[3].clone())).collect();
    let written: BTreeSet<(String, String)> = rows[1..]
        .iter()
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(written, pairs, "every pair of the matching, and no other");
    // Mentees with fewer matches than asked: on the sample all ask for the
    // default model's 3.
    let capacity = 3;
    let mut count: BTreeMap<&str, u64> = BTreeMap::new();
    for (mentee, _) in &pairs {
        *count.entry(mentee).or_default() += 1;
    }
    let records = common::csv_records(&std::fs::read_to_string(&mentees).unwrap());
    let email = records[0].iter().position(|h| h == "email address").unwrap();
    let short: BTreeSet<String> = records[1..]
        .iter()
        .map(|r| r[email].clone())
        .filter(|e| count.get(e.as_str()).copied().unwrap_or(0) < capacity)
        .collect();
    let priority: BTreeSet<String> = rows[1..]
        .iter()
        .filter(|r| r[2] == "yes")
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(priority, short);
    assert!(rows[1..].iter().all(|r| r[2] == "yes" || r[2] == "no"));

    // Next time: none of those pairs again, the short mentees first; and the
    // history after that still holds the first time's pairs.
    let history = out.join("history-next-time.csv");
    let second = dir.path().join("second");
    let run = common::mentorflow([
        "match",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--model",
        "priority",
        "--history",
        history.to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let again = common::csv_records(&std::fs::read_to_string(second.join("matches.csv")).unwrap());
    assert!(
        again[1..]
            .iter()
            .all(|r| !pairs.contains(&(r[0].clone(), r[3].clone()))),
        "no pair made twice"
    );
    let next = common::csv_records(&std::fs::read_to_string(second.join("history-next-time.csv")).unwrap());
    let carried: BTreeSet<(String, String)> = next[1..].iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert!(pairs.iter().all(|p| carried.contains(p)), "earlier pairs carried on");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains(&format!("priority {} mentees the history names", short.len())),
        "{stdout}"
    );

    let compared = common::mentorflow([
        "compare",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--history",
        history.to_str().unwrap(),
        "--model",
        "coverage",
        "--model",
        "priority",
    ]);
    let table = String::from_utf8_lossy(&compared.stdout);
    assert!(
        compared.status.success(),
        "{}",
        String::from_utf8_lossy(&compared.stderr)
    );
    assert!(table.contains("priority mentees with a match"), "{table}");
    let without = common::mentorflow([
        "compare",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--model",
        "coverage",
    ]);
    assert!(!String::from_utf8_lossy(&without.stdout).contains("priority mentees"));

    let one = short.iter().next().expect("the sample leaves someone short");
    let explained = common::mentorflow([
        "explain",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--model",
        "priority",
        "--history",
        history.to_str().unwrap(),
        "--mentee",
        one,
    ]);
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        text.contains("Priority mentee: the history names them") && text.contains("puts priority mentees first"),
        "{text}"
    );
    let participant = common::mentorflow([
        "explain",
        "--mentors",
        &mentors,
        "--mentees",
        &mentees,
        "--history",
        history.to_str().unwrap(),
        "--mentee",
        one,
        "--participant",
    ]);
    assert!(!String::from_utf8_lossy(&participant.stdout).contains("riority"));
}
