//! Pins and bans: every solver makes every pin and no ban, and is otherwise
//! optimal (brute force on tiny programmes, the integer program on small ones);
//! each override's price equals solving with and without it; bad adjustment
//! files are refused with nothing written.

use crate::common::{assert_valid, brute_force_best_with, cli, programme, Person};
use crate::optimality::{people, person};

use mentorflow::eligibility::{eligible_pairs, Eligibility};
use mentorflow::match_programme;
use mentorflow::model::{Model, BUILT_IN};
use mentorflow::overrides::override_prices;
use mentorflow::registration::{Action, Adjustment, Adjustments, History, Programme};
use mentorflow::solve::choose::SolverChoice;
use mentorflow::solve::ilp::{solve_ilp, Backend};
use mentorflow::solve::{self, SolveOptions};
use proptest::prelude::*;

/// The programme with these (mentee, mentor) index pairs pinned and banned;
/// pins that do not fit a person's places are left out, as the reader refuses them.
fn adjusted(p: &Programme, pins: &[(usize, usize)], bans: &[(usize, usize)]) -> Programme {
    let mut p = p.clone();
    let mut rows = Vec::new();
    let mut mentee_pins = vec![0u32; p.mentees.len()];
    let mut mentor_pins = vec![0u32; p.mentors.len()];
    let mut seen = std::collections::HashSet::new();
    let mut push = |action: Action, e: usize, m: usize, rows: &mut Vec<Adjustment>| {
        let (e, m) = (e % p.mentees.len(), m % p.mentors.len());
        if p.mentees[e].person.email_key == p.mentors[m].person.email_key || !seen.insert((e, m)) {
            return;
        }
        if action == Action::Pin {
            if mentee_pins[e] >= p.mentees[e].person.capacity || mentor_pins[m] >= p.mentors[m].person.capacity {
                return;
            }
            mentee_pins[e] += 1;
            mentor_pins[m] += 1;
        }
        rows.push(Adjustment {
            action,
            mentee_email: p.mentees[e].person.email.clone(),
            mentor_email: p.mentors[m].person.email.clone(),
            note: String::new(),
            line: rows.len() as u64 + 2,
        });
    };
    for &(e, m) in pins {
        push(Action::Pin, e, m, &mut rows);
    }
    for &(e, m) in bans {
        push(Action::Ban, e, m, &mut rows);
    }
    p.adjustments = Adjustments { rows };
    p
}

fn index_pairs(p: &Programme, action: Action) -> Vec<(u32, u32)> {
    p.adjustments
        .rows
        .iter()
        .filter(|a| a.action == action)
        .map(|a| {
            (
                p.mentee_by_email(&a.mentee_email).unwrap() as u32,
                p.mentor_by_email(&a.mentor_email).unwrap() as u32,
            )
        })
        .collect()
}

fn index_pair_strategy() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((0usize..8, 0usize..8), 0..=2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The flow (whole network and priced) makes every pin and no ban, and
    /// reaches the best objective values of every matching that does, found by
    /// trying them all; the checker passes.
    #[test]
    fn pins_and_bans_equal_brute_force(
        mentors in people(4),
        mentees in people(4),
        pins in index_pair_strategy(),
        bans in index_pair_strategy(),
        which in 0..BUILT_IN.len(),
    ) {
        let model = Model::built_in(BUILT_IN[which].0).unwrap();
        prop_assume!(model.constraints.is_empty());
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let plain = programme(&mentors, &mentees, &model);
        let p = adjusted(&plain, &pins, &bans);
        let (pinned, banned) = (index_pairs(&p, Action::Pin), index_pairs(&p, Action::Ban));
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        // The oracle's pairs: the rules' pairs without adjustments, less bans,
        // plus every pin whatever rule it breaks.
        let mut oracle: Vec<_> = eligible_pairs(&plain, &model, &history)
            .into_iter()
            .filter(|pair| !banned.contains(&(pair.mentee, pair.mentor)) && !pinned.contains(&(pair.mentee, pair.mentor)))
            .collect();
        oracle.extend(pinned.iter().map(|&(e, m)| eligibility.pair(e, m).expect("a pin is always a pair")));
        prop_assume!(oracle.len() <= 14);
        let best = brute_force_best_with(&p, &model, &oracle, &pinned);

        let whole = solve::solve(&p, &model, &eligibility.pairs()).unwrap();
        let priced = solve::solve_eligible(&eligibility, SolveOptions { whole_network_up_to: 0, candidates_per_mentee: 1, threads: 1 }).unwrap();
        for solution in [&whole, &priced] {
            assert_valid(&p, &model, &history, &solution.matching);
            for pin in &pinned {
                prop_assert!(solution.matching.pairs.iter().any(|q| (q.mentee, q.mentor) == *pin), "pin {pin:?} missing");
            }
            for ban in &banned {
                prop_assert!(!solution.matching.pairs.iter().any(|q| (q.mentee, q.mentor) == *ban), "ban {ban:?} made");
            }
            prop_assert_eq!(&solution.objective_values, &best);
        }
    }

    /// Each override's price is exactly the difference between solving with
    /// and without it, each from scratch.
    #[test]
    fn override_prices_equal_solving_with_and_without(
        mentors in people(8),
        mentees in people(8),
        pins in index_pair_strategy(),
        bans in index_pair_strategy(),
    ) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = adjusted(&programme(&mentors, &mentees, &model), &pins, &bans);
        let history = History::default();
        let with = match_programme(&p, &model, &history).unwrap().solution;
        let prices = override_prices(&p, &model, &history, SolverChoice::default(), &with.matching).unwrap();
        prop_assert_eq!(prices.len(), p.adjustments.rows.len());
        for (i, price) in prices.iter().enumerate() {
            let mut without = p.clone();
            without.adjustments = p.adjustments.without(i);
            let alone = match_programme(&without, &model, &history).unwrap().solution;
            let differs: Vec<(i64, i64)> = with
                .objective_values
                .iter()
                .zip(&alone.objective_values)
                .filter(|(a, b)| a != b)
                .map(|(&a, &b)| (a, b))
                .collect();
            let reported: Vec<(i64, i64)> = price.changes.iter().map(|c| (c.with, c.without)).collect();
            prop_assert_eq!(reported, differs);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// The integer program makes every pin and no ban, with the flow's values.
    #[test]
    fn the_integer_program_holds_pins_and_bans(
        mentors in people(5),
        mentees in people(5),
        pins in index_pair_strategy(),
        bans in index_pair_strategy(),
    ) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = adjusted(&programme(&mentors, &mentees, &model), &pins, &bans);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let flow = solve::solve(&p, &model, &eligibility.pairs()).unwrap();
        let ilp = solve_ilp(&eligibility, Backend::Microlp).unwrap();
        assert_valid(&p, &model, &history, &ilp.matching);
        prop_assert_eq!(ilp.objective_values, flow.objective_values);
    }
}

fn adjust_file(dir: &std::path::Path, rows: &str) -> String {
    let path = dir.join("adjust.csv");
    std::fs::write(&path, format!("action,mentee email,mentor email,note\n{rows}")).unwrap();
    path.display().to_string()
}

fn run_with(adjust: &str, out: &std::path::Path) -> std::process::Output {
    cli("match").on_sample().opt("--adjust", adjust).out(out).run()
}

#[test]
fn the_cli_makes_pins_refuses_bans_and_prices_both() {
    let dir = tempfile::tempdir().unwrap();
    let adjust = adjust_file(
        dir.path(),
        "ban,mentee.00@gov.uk,mentor.05@gov.uk,line manager\npin,mentee.00@gov.uk,mentor.00@gov.uk,asked for\n",
    );
    let out = dir.path().join("out");
    let output = run_with(&adjust, &out);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The pin breaks the grade window: kept, with a warning naming the rule.
    assert!(
        stderr.contains("warning[A003]") && stderr.contains("grade-window"),
        "{stderr}"
    );
    assert!(stdout.contains("override the ban on line 2"), "{stdout}");
    assert!(stdout.contains("override the pin on line 3"), "{stdout}");
    let matches = std::fs::read_to_string(out.join("matches.csv")).unwrap();
    assert!(matches.contains("mentee.00@gov.uk,mentee 00,HEO,mentor.00@gov.uk"));
    assert!(!matches.contains("mentee.00@gov.uk,mentee 00,HEO,mentor.05@gov.uk"));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Pins and bans"));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["overrides"].as_array().unwrap().len(), 2);

    // check: the matching with the adjustments passes; without the pin it fails.
    let check = |matches: &std::path::Path| {
        cli("check")
            .on_sample()
            .opt("--adjust", &adjust)
            .opt("--matches", matches)
            .run()
    };
    assert!(check(&out.join("matches.csv")).status.success());
    let plain = dir.path().join("plain");
    let output = cli("match").on_sample().out(&plain).run();
    assert!(output.status.success());
    let refused = check(&plain.join("matches.csv"));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("error[C006] pin-missing"), "{stderr}");
}

#[test]
fn bad_adjustments_are_refused_with_nothing_written() {
    for (rows, expect) in [
        ("pin,nobody@gov.uk,mentor.00@gov.uk,\n", "no mentee is registered with this email"),
        ("tie,mentee.00@gov.uk,mentor.00@gov.uk,\n", "not pin or ban"),
        (
            "pin,mentee.00@gov.uk,mentor.00@gov.uk,\nban,mentee.00@gov.uk,mentor.00@gov.uk,\n",
            "they contradict",
        ),
        (
            "pin,mentee.00@gov.uk,mentor.00@gov.uk,\npin,mentee.00@gov.uk,mentor.01@gov.uk,\npin,mentee.00@gov.uk,mentor.02@gov.uk,\npin,mentee.00@gov.uk,mentor.03@gov.uk,\n",
            "error[A002]",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let adjust = adjust_file(dir.path(), rows);
        let out = dir.path().join("out");
        let output = run_with(&adjust, &out);
        assert_eq!(output.status.code(), Some(1), "{rows}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expect), "{rows}: {stderr}");
        assert!(stderr.contains("adjust.csv, line"), "{stderr}");
        assert!(!out.exists(), "nothing is written");
    }
}

#[test]
fn the_same_person_in_one_row_is_refused() {
    // A mentee also registered as a mentor, named on both sides.
    let model = Model::civil_service();
    let both = Person {
        email: "both@x.uk".into(),
        grade: "SEO".into(),
        ..Person::default()
    };
    let p = programme(std::slice::from_ref(&both), std::slice::from_ref(&both), &model);
    let csv = "action,mentee email,mentor email\npin,both@x.uk,BOTH@x.uk\n";
    let found = mentorflow::registration::read_adjustments(
        mentorflow::registration::Source {
            name: "adjust.csv",
            bytes: csv.as_bytes(),
        },
        &p,
    )
    .unwrap_err();
    assert!(found.to_string().contains("the same person"), "{found}");
}
