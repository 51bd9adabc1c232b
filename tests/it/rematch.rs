//! Re-matching: previous pairs still allowed are all kept, the rest is optimal
//! (brute force on tiny programmes); with moves allowed, the objective is the
//! model's and no matching as good changes fewer previous pairs (brute force);
//! the mailing lists name only people whose matches changed.

use std::collections::HashSet;

use crate::common::{assert_valid, brute_force_best, brute_force_best_with, cli, example, programme, Person};
use crate::optimality::{people, person};

use mentorflow::eligibility::Eligibility;
use mentorflow::match_programme;
use mentorflow::model::{Model, Term};
use mentorflow::pipeline::{read_inputs, rematch, Inputs, Registrations, RematchOptions};
use mentorflow::registration::{History, Programme, Source};
use mentorflow::rematch::{prepare, sort_previous, PreviousPair};
use proptest::prelude::*;

/// The previous pairs of a matching, as `matches.csv` would give them.
pub(crate) fn previous_of(p: &Programme, pairs: &[(u32, u32)]) -> Vec<PreviousPair> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, &(e, m))| PreviousPair {
            mentee_email: p.mentees[e as usize].person.email.clone(),
            mentee_name: String::new(),
            mentor_email: p.mentors[m as usize].person.email.clone(),
            mentor_name: String::new(),
            line: i as u64 + 2,
        })
        .collect()
}

fn keys(p: &Programme, matching: &mentorflow::matching::Matching) -> HashSet<(String, String)> {
    matching
        .pairs
        .iter()
        .map(|q| {
            (
                p.mentees[q.mentee as usize].person.email_key.clone(),
                p.mentors[q.mentor as usize].person.email_key.clone(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Match, withdraw some mentors and change capacities, then re-match: every
    /// previous pair still allowed is kept, and the result is the best of
    /// every matching that keeps them (brute force).
    #[test]
    fn kept_pairs_are_kept_and_the_rest_is_optimal(
        mentors in people(4),
        mentees in people(4),
        withdraw in prop::collection::vec(any::<bool>(), 4),
    ) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let before = programme(&mentors, &mentees, &model);
        let history = History::default();
        let first = match_programme(&before, &model, &history).unwrap().solution.matching;
        let previous_pairs: Vec<(u32, u32)> = first.pairs.iter().map(|q| (q.mentee, q.mentor)).collect();
        let previous = previous_of(&before, &previous_pairs);
        // Some mentors withdraw (but not all: a programme needs one).
        let staying: Vec<Person> = mentors
            .iter()
            .zip(&withdraw)
            .filter(|(_, &w)| !w)
            .map(|(m, _)| m.clone())
            .collect();
        prop_assume!(!staying.is_empty());
        let now = programme(&staying, &mentees, &model);
        let sorted = sort_previous(&now, &model, &history, &previous);
        let (prepared, prepared_model) = prepare(&now, &model, &sorted, false);
        let result = match_programme(&prepared, &prepared_model, &history).unwrap().solution;
        assert_valid(&prepared, &prepared_model, &history, &result.matching);
        let made = keys(&now, &result.matching);
        let kept: Vec<(u32, u32)> = sorted
            .keep
            .iter()
            .map(|k| {
                let e = now.mentee_by_email(&k.mentee_email).unwrap() as u32;
                let m = now.mentor_by_email(&k.mentor_email).unwrap() as u32;
                prop_assert!(made.contains(&(now.mentees[e as usize].person.email_key.clone(), now.mentors[m as usize].person.email_key.clone())));
                Ok((e, m))
            })
            .collect::<Result<_, _>>()?;
        // Every previous pair whose people are still there is kept (the rules
        // and places are unchanged here).
        let still_there = previous.iter().filter(|p| now.mentor_by_email(&p.mentor_email).is_some()).count();
        prop_assert_eq!(sorted.keep.len(), still_there);
        let pairs = Eligibility::new(&prepared, &prepared_model, &history).pairs();
        prop_assume!(pairs.len() <= 14);
        prop_assert_eq!(result.objective_values, brute_force_best_with(&now, &model, &pairs, &kept));
    }

    /// With moves allowed: the model's objective is the best of all matchings
    /// (brute force), and among those, none keeps more previous pairs.
    #[test]
    fn moves_change_the_fewest_previous_pairs(
        mentors in people(4),
        mentees in people(4),
        previous_choice in prop::collection::vec((0u32..4, 0u32..4), 0..5),
    ) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = programme(&mentors, &mentees, &model);
        let history = History::default();
        // Any previous pairs at all, even ones a good matching would not make.
        let eligible: Vec<(u32, u32)> = Eligibility::new(&p, &model, &history).pairs().iter().map(|q| (q.mentee, q.mentor)).collect();
        let mut chosen: Vec<(u32, u32)> = previous_choice
            .into_iter()
            .filter_map(|(e, m)| eligible.get(((e * 4 + m) as usize) % eligible.len().max(1)).copied())
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        let previous = previous_of(&p, &chosen);
        let sorted = sort_previous(&p, &model, &history, &previous);
        let (prepared, prepared_model) = prepare(&p, &model, &sorted, true);
        prop_assert_eq!(prepared_model.objective.last(), Some(&Term::PreviousPairsKept { weight: 1 }));
        let result = match_programme(&prepared, &prepared_model, &history).unwrap().solution;
        assert_valid(&prepared, &prepared_model, &history, &result.matching);
        let pairs = Eligibility::new(&prepared, &prepared_model, &history).pairs();
        prop_assume!(pairs.len() <= 14);
        // Brute force under the extended objective: the model's terms first,
        // then previous pairs kept.
        prop_assert_eq!(&result.objective_values, &brute_force_best(&prepared, &prepared_model, &pairs));
        // And the model's own terms are as good as without any previous pairs.
        let n = model.objective.len();
        prop_assert_eq!(&result.objective_values[..n], &brute_force_best(&p, &model, &pairs)[..]);
    }
}

pub(crate) fn inputs(mentors: &[u8], mentees: &[u8]) -> Inputs {
    let (inputs, problems) = read_inputs(
        Ok(Model::civil_service()),
        Registrations {
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
        },
    );
    inputs.unwrap_or_else(|| panic!("{problems}"))
}

#[test]
fn a_withdrawal_on_a_generated_programme_tells_only_the_people_affected() {
    let data = mentorflow::registration::generate::generate(&mentorflow::registration::generate::GenerateSpec {
        mentees: 300,
        mentors: 200,
        seed: 5,
    });
    let first = inputs(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes());
    let run = mentorflow::pipeline::run_match(&first, Default::default(), &mut |_| {}).unwrap();
    let programme = &first.reading.programme;
    let previous_pairs: Vec<(u32, u32)> = run
        .solution
        .matching
        .pairs
        .iter()
        .map(|q| (q.mentee, q.mentor))
        .collect();
    let previous = previous_of(programme, &previous_pairs);
    // Every tenth mentor with mentees withdraws: their rows go.
    let busy: HashSet<String> = previous.iter().map(|p| p.mentor_email.to_lowercase()).collect();
    let mut gone = HashSet::new();
    let mut reader = csv::Reader::from_reader(data.mentors_csv.as_bytes());
    let headings = reader.headers().unwrap().clone();
    let email_column = headings.iter().position(|h| h == "email address").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headings).unwrap();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let email = row[email_column].to_lowercase();
        if i % 10 == 0 && busy.contains(&email) {
            gone.insert(email);
        } else {
            writer.write_record(&row).unwrap();
        }
    }
    let kept_rows = writer.into_inner().unwrap();
    assert!(!gone.is_empty());
    let now = inputs(&kept_rows, data.mentees_csv.as_bytes());
    let result = rematch(&now, &previous, RematchOptions::default(), &mut |_| {}).unwrap();
    let matching = &result.run.solution.matching;
    let made = keys(&now.reading.programme, matching);
    // Every pair of a mentor who stayed is kept.
    for p in &previous {
        if !gone.contains(&p.mentor_email.to_lowercase()) {
            assert!(made.contains(&(p.mentee_email.to_lowercase(), p.mentor_email.to_lowercase())));
        }
    }
    // The mailing lists name only people with a change.
    let changed: HashSet<String> = result
        .changes
        .iter()
        .flat_map(|c| [c.mentee_email.to_lowercase(), c.mentor_email.to_lowercase()])
        .collect();
    let mut listed = 0;
    for file in &result.run.files {
        if file.name.starts_with("mentees-") || file.name.starts_with("mentors-") {
            let text = String::from_utf8(file.bytes.clone()).unwrap();
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            for row in reader.records() {
                let email = row.unwrap()[0].to_lowercase();
                assert!(
                    changed.contains(&email),
                    "{} names {email}, whose matches did not change",
                    file.name
                );
                // A withdrawn mentor is never emailed as a mentor (some stay as mentees).
                assert!(
                    !(file.name.starts_with("mentors-") && gone.contains(&email)),
                    "a withdrawn mentor is emailed"
                );
                listed += 1;
            }
        }
    }
    assert!(listed > 0);
    let names: Vec<&str> = result.run.files.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"changes.csv") && names.contains(&"matches.csv"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"mentees-with-matches.csv"),
        "no list that would email everyone again"
    );
}

#[test]
fn the_cli_refuses_a_previous_file_that_is_not_a_matches_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = cli("rematch")
        .on_sample()
        .opt("--previous", example("mentors.csv"))
        .out(&out)
        .run();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("mentee_email") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(!out.exists());

    // A sent matches file for the sample, re-matched unchanged: nothing changes.
    let first = dir.path().join("first");
    assert!(cli("match").on_sample().out(&first).run().status.success());
    let output = cli("rematch")
        .on_sample()
        .opt("--previous", first.join("matches.csv"))
        .out(&out)
        .run();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert_eq!(changes.lines().count(), 1, "only the headings: {changes}");
    assert_eq!(
        std::fs::read(out.join("matches.csv")).unwrap(),
        std::fs::read(first.join("matches.csv")).unwrap()
    );
}
