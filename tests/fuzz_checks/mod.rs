//! What the fuzz targets check, shared with the tests that replay their findings
//! and with the random stand-in that runs on every `cargo test`: any bytes may go
//! in; nothing may panic, and what comes out must hold together.
#![allow(dead_code)]

use mentorflow::eligibility::eligible_pairs;
use mentorflow::model::Model;
use mentorflow::problem::{Problem, Problems};
use mentorflow::registration::{
    eligible_mentor_counts, read_history, read_programme, validate, Files, History, Programme, Source, MAX_PROBLEMS,
};

pub const MENTORS_CSV: &str = include_str!("../../examples/peer-small/mentors.csv");
pub const MENTEES_CSV: &str = include_str!("../../examples/peer-small/mentees.csv");

/// Every code a problem may have.
const CODES: [&str; 30] = [
    "R001", "R002", "R003", "R004", "R005", "R006", "R007", "R008", "R009", "R010", "R011", "R012", "R013", "R014",
    "R015", "R016", "R017", "R018", "R019", "R020", "R021", "H001", "M001", "M002", "F001", "V001", "V002", "V003",
    "V004", "V005",
];

/// The fuzz input for the registration target: two bytes saying where to cut,
/// then the mentors file and the mentees file, back to back.
pub fn registration_input(mentors: &[u8], mentees: &[u8]) -> Vec<u8> {
    let cut = u16::try_from(mentors.len()).expect("seed files are small");
    let mut data = cut.to_le_bytes().to_vec();
    data.extend_from_slice(mentors);
    data.extend_from_slice(mentees);
    data
}

/// Split a registration fuzz input into the mentors and mentees files.
pub fn split_registration_input(data: &[u8]) -> (&[u8], &[u8]) {
    let (cut, rest) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) as usize, rest),
        _ => (0, data),
    };
    rest.split_at(cut.min(rest.len()))
}

/// Read arbitrary bytes as the two registration files under the built-in model,
/// and the mentees bytes as a history file too.
pub fn check_registration_bytes(data: &[u8]) {
    // Read once: the built-in model is the same for every input.
    static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    let (mentors, mentees) = split_registration_input(data);
    check_programme(mentors, mentees, MODEL.get_or_init(Model::civil_service));
    match read_history(Source {
        name: "history.csv",
        bytes: mentees,
    }) {
        Ok(history) => assert!(history.len() <= mentees.len()),
        Err(problems) => check_refusal(&problems),
    }
}

/// Read arbitrary bytes as a model; a model that reads must read back the same
/// from its own file and must read and validate the sample programme.
pub fn check_model_bytes(data: &[u8]) {
    match Model::from_json_bytes("model.json", data) {
        Err(problems) => {
            check_refusal(&problems);
            assert!(problems.0.iter().all(|p| p.code.starts_with('M')), "{problems}");
        }
        Ok(model) => {
            let text = serde_json::to_string(model.to_file()).expect("a model file serialises");
            let again = Model::from_json("model.json", &text).expect("a model's own file reads");
            assert_eq!(again, model);
            check_programme(MENTORS_CSV.as_bytes(), MENTEES_CSV.as_bytes(), &model);
        }
    }
}

/// Read and validate two registration files under `model`, checking every outcome.
pub fn check_programme(mentors: &[u8], mentees: &[u8], model: &Model) {
    let files = Files {
        mentors: "mentors.csv",
        mentees: "mentees.csv",
    };
    let result = read_programme(
        Source {
            name: files.mentors,
            bytes: mentors,
        },
        Source {
            name: files.mentees,
            bytes: mentees,
        },
        model,
    );
    match result {
        Err(problems) => check_refusal(&problems),
        Ok(reading) => {
            for warning in &reading.warnings.0 {
                check_problem(warning);
                assert!(!warning.is_error(), "{warning}");
            }
            let programme = &reading.programme;
            check_programme_shape(programme, model);
            let warnings = validate(programme, model, &History::default(), files);
            for warning in &warnings {
                check_problem(warning);
                assert!(!warning.is_error(), "{warning}");
                assert!(warning.code.starts_with('V'), "{warning}");
            }
            assert_eq!(
                warnings,
                validate(programme, model, &History::default(), files),
                "deterministic"
            );
            check_counts(programme, model);
        }
    }
}

/// A refusal: at least one error, every problem well formed, and few enough that
/// a hostile file cannot fill memory with them.
pub fn check_refusal(problems: &Problems) {
    assert!(problems.has_errors(), "refused without an error: {problems}");
    assert!(problems.len() <= 4 * MAX_PROBLEMS + 20, "{} problems", problems.len());
    for problem in &problems.0 {
        check_problem(problem);
    }
    let _ = problems.to_string();
}

fn check_problem(problem: &Problem) {
    assert!(CODES.contains(&problem.code), "unknown code: {problem}");
    assert!(!problem.message.is_empty(), "{problem}");
    assert!(!problem.fix.is_empty(), "no fix: {problem}");
    if let Some(line) = problem.line {
        assert!(line >= 1, "{problem}");
    }
    let _ = problem.to_string();
}

fn check_programme_shape(programme: &Programme, model: &Model) {
    for people in [
        programme.mentors.iter().map(|m| &m.person).collect::<Vec<_>>(),
        programme.mentees.iter().map(|m| &m.person).collect::<Vec<_>>(),
    ] {
        // Sorted by email, each email once.
        assert!(people.windows(2).all(|w| w[0].email_key < w[1].email_key));
        for person in people {
            assert!((person.organisation.0 as usize) < programme.organisations.len());
            assert!((person.grade.0 as usize) < model.ladder.len());
            assert!(person.line >= 2);
            assert!(person.email_key.contains('@'));
        }
    }
    for mentor in &programme.mentors {
        assert!(mentor.person.grade >= model.lowest_mentor_grade);
    }
}

/// The counts of eligible mentors, made without listing pairs, agree with the
/// pairs eligibility lists.
fn check_counts(programme: &Programme, model: &Model) {
    let counts = eligible_mentor_counts(programme, model, &History::default());
    let mut listed = vec![0u32; programme.mentees.len()];
    for pair in eligible_pairs(programme, model, &History::default()) {
        listed[pair.mentee as usize] += 1;
    }
    for (e, mentee) in programme.mentees.iter().enumerate() {
        if mentee.person.capacity > 0 {
            assert_eq!(counts[e], listed[e], "mentee {}", mentee.person.email);
        }
    }
}
