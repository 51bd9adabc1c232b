//! The generated files' shape, checked by reading them back.

use super::*;
use std::collections::{HashMap, HashSet};

fn spec(mentees: usize, mentors: usize, seed: u64) -> GenerateSpec {
    GenerateSpec { mentees, mentors, seed }
}

/// Rows of a generated file, parsed back as CSV, heading row first.
fn rows(csv_text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .expect("generated CSV parses")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The default model, read once for every lookup below.
static DEFAULT: std::sync::LazyLock<Model> = std::sync::LazyLock::new(Model::civil_service);

/// A grade spelling's place on the ladder, as the default model reads it.
fn ladder_place(spelling: &str) -> usize {
    let grade = DEFAULT.ladder.grade(spelling);
    grade.unwrap_or_else(|| panic!("unknown grade spelling {spelling:?}")).0 as usize
}

fn organisation_key(name: &str) -> String {
    name.replace('&', " and ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn files_have_the_requested_rows_and_exact_headings() {
    for (mentees, mentors) in [
        (0, 0),
        (1, 0),
        (0, 1),
        (1, 1),
        (7, 3),
        (50, 50),
        (1000, 400),
        (300, 900),
    ] {
        let generated = generate(&spec(mentees, mentors, 11));
        let (mentee_rows, mentor_rows) = (rows(&generated.mentees_csv), rows(&generated.mentors_csv));
        assert_eq!(mentee_rows.len(), mentees + 1, "{mentees} mentees");
        assert_eq!(mentor_rows.len(), mentors + 1, "{mentors} mentors");
        assert!(generated.mentees_csv.starts_with(&(MENTEE_HEADINGS.join(",") + "\n")));
        assert!(generated.mentors_csv.starts_with(&(MENTOR_HEADINGS.join(",") + "\n")));
        assert!(mentee_rows.iter().all(|row| row.len() == MENTEE_HEADINGS.len()));
        assert!(mentor_rows.iter().all(|row| row.len() == MENTOR_HEADINGS.len()));
    }
}

#[test]
fn same_spec_gives_identical_files_and_other_seeds_differ() {
    let a = generate(&spec(500, 500, 42));
    assert_eq!(a, generate(&spec(500, 500, 42)));
    let b = generate(&spec(500, 500, 43));
    assert_ne!(a.mentees_csv, b.mentees_csv);
    assert_ne!(a.mentors_csv, b.mentors_csv);
}

#[test]
fn people_on_both_sides_match_and_emails_are_unique() {
    let s = spec(1000, 1000, 7);
    let generated = generate(&s);
    let mentors = rows(&generated.mentors_csv);
    let mentees = rows(&generated.mentees_csv);
    let by_email: HashMap<&str, &Vec<String>> = mentors[1..].iter().map(|row| (row[2].as_str(), row)).collect();
    assert_eq!(by_email.len(), 1000, "mentor emails are unique");
    let mentee_emails: HashSet<&str> = mentees[1..].iter().map(|row| row[2].as_str()).collect();
    assert_eq!(mentee_emails.len(), 1000, "mentee emails are unique");

    let mut both = 0;
    for mentee in &mentees[1..] {
        match by_email.get(mentee[2].as_str()) {
            Some(mentor) => {
                both += 1;
                assert_eq!(mentee[3], "yes");
                assert_eq!(mentor[3], "yes");
                // first name, last name, email, both, job title, grade, organisation
                assert_eq!(mentee[..7], mentor[..7]);
                assert_eq!(mentee[10], mentor[9], "one biography per person");
                assert!(ladder_place(&mentee[5]) >= 1, "people who mentor are AO or above");
            }
            None => assert_eq!(mentee[3], "no"),
        }
    }
    assert_eq!(both, s.both());
    let mentors_yes = mentors[1..].iter().filter(|row| row[3] == "yes").count();
    assert_eq!(mentors_yes, both);
    // About 15% of distinct people.
    let share = both as f64 / s.people() as f64;
    assert!((0.13..0.17).contains(&share), "{share}");

    for email in by_email.keys().chain(mentee_emails.iter()) {
        assert!(email.ends_with("@example.gov.uk"), "{email}");
        assert_eq!(*email, email.to_lowercase());
        assert!(
            email.is_ascii() && !email.contains(' ') && !email.contains('\''),
            "{email}"
        );
    }
}

#[test]
fn grades_are_junior_for_mentees_and_senior_for_mentors() {
    let generated = generate(&spec(2000, 2000, 3));
    let mentee_grades: Vec<usize> = rows(&generated.mentees_csv)[1..]
        .iter()
        .map(|r| ladder_place(&r[5]))
        .collect();
    let mentor_grades: Vec<usize> = rows(&generated.mentors_csv)[1..]
        .iter()
        .map(|r| ladder_place(&r[5]))
        .collect();
    let share = |grades: &[usize], test: &dyn Fn(usize) -> bool| {
        grades.iter().filter(|&&g| test(g)).count() as f64 / grades.len() as f64
    };
    assert!(
        share(&mentee_grades, &|g| (2..=4).contains(&g)) > 0.6,
        "mentees mostly EO to SEO"
    );
    assert!(share(&mentee_grades, &|g| g >= 7) < 0.03, "SCS mentees are very rare");
    assert!(
        share(&mentor_grades, &|g| g >= 5) > 0.6,
        "mentors mostly Grade 7 and above"
    );
    assert!(share(&mentor_grades, &|g| g >= 7) > 0.15, "a good share of SCS mentors");
    assert!(mentor_grades.iter().all(|&g| g >= 1), "no AA mentors");
    assert!(mentee_grades.contains(&0), "a few AA mentees");
}

#[test]
fn some_grades_and_organisations_are_spelled_differently() {
    let generated = generate(&spec(2000, 2000, 5));
    let rows: Vec<Vec<String>> = rows(&generated.mentees_csv).into_iter().skip(1).collect();
    let ladder = &DEFAULT.ladder;
    let variant = rows
        .iter()
        .filter(|r| !ladder.grades().any(|g| ladder.name(g) == r[5]))
        .count() as f64
        / rows.len() as f64;
    assert!((0.03..0.08).contains(&variant), "{variant}");
    let names = organisation_names();
    let untidy = rows.iter().filter(|r| !names.contains(&r[6])).count();
    assert!(untidy > 20 && untidy < 200, "{untidy}");
    let keys: HashSet<String> = names.iter().map(|n| organisation_key(n)).collect();
    assert!(
        rows.iter().all(|r| keys.contains(&organisation_key(&r[6]))),
        "every spelling names a known organisation"
    );
}

#[test]
fn organisations_are_many_and_heavy_tailed() {
    let s = spec(580, 580, 9);
    assert!((980..1020).contains(&s.people()), "{}", s.people());
    let generated = generate(&s);
    let mut sizes: HashMap<String, HashSet<String>> = HashMap::new();
    for text in [&generated.mentees_csv, &generated.mentors_csv] {
        for row in &rows(text)[1..] {
            sizes
                .entry(organisation_key(&row[6]))
                .or_default()
                .insert(row[2].clone());
        }
    }
    assert!((75..=95).contains(&sizes.len()), "{} organisations", sizes.len());
    let mut counts: Vec<usize> = sizes.values().map(HashSet::len).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let people: usize = counts.iter().sum();
    assert_eq!(people, s.people());
    let top5: usize = counts[..5].iter().sum();
    assert!(top5 * 100 > people * 35, "the five largest hold {top5} of {people}");
    assert!(counts[counts.len() - 1] <= 3, "small organisations too");

    let names = organisation_names();
    assert_eq!(
        names.iter().collect::<HashSet<_>>().len(),
        names.len(),
        "names are unique"
    );
    assert_eq!(organisation_count(1000), 85);
    assert_eq!(organisation_count(1_000_000), names.len());
}

#[test]
fn about_half_of_mentees_ask_for_a_shared_identity() {
    let generated = generate(&spec(2000, 2000, 21));
    let known: HashSet<&str> = IDENTITIES.iter().map(|(name, _)| *name).collect();
    let mentees = rows(&generated.mentees_csv);
    let asking: Vec<&Vec<String>> = mentees[1..].iter().filter(|r| r[8] == "yes").collect();
    let share = asking.len() as f64 / 2000.0;
    assert!((0.45..0.55).contains(&share), "{share}");
    assert!(mentees[1..].iter().all(|r| r[8] == "yes" || r[8] == "no"));
    assert!(
        asking.iter().all(|r| !r[9].is_empty()),
        "those asking say which identity"
    );
    assert!(asking.iter().any(|r| r[9].contains(", ")), "a few ask for two");
    assert!(mentees[1..].iter().any(|r| r[8] == "no" && !r[9].is_empty()));
    for row in &mentees[1..] {
        assert!(
            row[9].split(", ").filter(|s| !s.is_empty()).all(|i| known.contains(i)),
            "{}",
            row[9]
        );
    }

    let mentors = rows(&generated.mentors_csv);
    let counts: Vec<usize> = mentors[1..]
        .iter()
        .map(|r| r[8].split(", ").filter(|s| !s.is_empty()).count())
        .collect();
    assert!(counts.contains(&0) && counts.contains(&1) && counts.contains(&3));
    for row in &mentors[1..] {
        assert!(
            row[8].split(", ").filter(|s| !s.is_empty()).all(|i| known.contains(i)),
            "{}",
            row[8]
        );
    }
}

#[test]
fn biographies_exercise_quoting_and_formula_escaping() {
    let generated = generate(&spec(2000, 2000, 1));
    let bios: Vec<String> = rows(&generated.mentees_csv)[1..]
        .iter()
        .map(|r| r[10].clone())
        .collect();
    assert!(bios.iter().any(|b| b.contains('\n')));
    assert!(bios.iter().any(|b| b.contains(',')));
    assert!(bios.iter().any(|b| b.contains('"')));
    assert!(bios.iter().any(|b| b.starts_with('-')));
    assert!(bios.iter().any(|b| b.starts_with('=')));
    assert!(bios.iter().any(String::is_empty));
    let professions: HashSet<&str> = PROFESSIONS.iter().map(|p| p.name).collect();
    for row in &rows(&generated.mentors_csv)[1..] {
        assert!(professions.contains(row[7].as_str()));
        assert!(!row[4].is_empty(), "everyone has a job title");
    }
}

#[test]
fn the_crate_reads_generated_files_under_the_default_model() {
    use crate::registration::{read_programme, Source};
    let s = spec(600, 500, 8);
    let generated = generate(&s);
    let mentors = Source {
        name: "mentors.csv",
        bytes: generated.mentors_csv.as_bytes(),
    };
    let mentees = Source {
        name: "mentees.csv",
        bytes: generated.mentees_csv.as_bytes(),
    };
    let reading = read_programme(mentors, mentees, &DEFAULT).expect("no errors");
    assert!(reading.warnings.is_empty(), "{:?}", reading.warnings);
    let programme = reading.programme;
    assert_eq!((programme.mentees.len(), programme.mentors.len()), (600, 500));
    // Untidy spellings fold into the organisations they name.
    assert!(programme.organisations.len() <= organisation_count(s.people()));
}

#[test]
fn large_programmes_are_generated() {
    let generated = generate(&spec(20_000, 20_000, 99));
    assert_eq!(generated.mentees_csv.matches("@example.gov.uk").count(), 20_000);
    assert_eq!(generated.mentors_csv.matches("@example.gov.uk").count(), 20_000);
}

#[test]
fn mentors_are_drawn_at_or_above_the_lowest_mentor_grade() {
    let lowest = DEFAULT.lowest_mentor_grade.0 as usize;
    assert!(MENTOR_GRADE_WEIGHTS[..lowest].iter().all(|&w| w == 0));
    assert!(BOTH_GRADE_WEIGHTS[..lowest].iter().all(|&w| w == 0));
}
