//! Messages an organiser can act on, and inputs that must never switch a
//! safeguard off without a word: identity columns under headings the reader
//! does not know, control characters, swapped files, spreadsheet rows,
//! organisation spellings.

use std::path::PathBuf;

use mentorflow::registration::{MAX_MATCHES_HEADING, MENTEE_HEADINGS, MENTOR_HEADINGS};
use tempfile::TempDir;

use crate::common::mentorflow;

/// Rows in the reader's own column order (see `MENTOR_HEADINGS`, `MENTEE_HEADINGS`).
const MENTORS: [&str; 2] = [
    "A,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,",
    "B,Mentor,m2@x.gov.uk,no,Lead,Grade 7,Home Office,Policy,,Bio,",
];
const MENTEES: [&str; 2] = [
    "D,Mentee,e1@x.gov.uk,no,Officer,HEO,Ministry of Justice,Policy,yes,Gay,Bio,",
    "E,Mentee,e2@x.gov.uk,no,Officer,HEO,Department for Education,Policy,no,,Bio,",
];

fn heading_row(headings: &[&str]) -> String {
    format!("{},{MAX_MATCHES_HEADING}", headings.join(","))
}

fn file(headings: &str, rows: &[&str]) -> String {
    let mut text = format!("{headings}\n");
    for row in rows {
        text += row;
        text += "\n";
    }
    text
}

struct Run {
    dir: TempDir,
}

impl Run {
    fn new() -> Run {
        Run {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.path(name).display().to_string()
    }

    /// A copy of the default model with `extra` (JSON members) added.
    fn model(&self, extra: &str) -> String {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/civil-service.json")).unwrap();
        let text = text.trim_end().strip_suffix('}').unwrap().to_string() + "," + extra + "}";
        self.write("model.json", &text)
    }

    /// `command` on the two files (and any extra arguments): exit code and
    /// everything printed.
    fn run(&self, command: &str, mentors: &str, mentees: &str, extra: &[&str]) -> (Option<i32>, String) {
        let (m, e) = (self.write("mentors.csv", mentors), self.write("mentees.csv", mentees));
        let mut args: Vec<String> = vec![command.into(), "--mentors".into(), m, "--mentees".into(), e];
        args.extend(extra.iter().map(|s| s.to_string()));
        let output = mentorflow(&args);
        let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
        (output.status.code(), text)
    }

    /// `match` into `out`, and whether the mentee who asked for a shared
    /// identity got it.
    fn identity_met(&self, mentors: &str, mentees: &str, extra: &[&str]) -> (String, bool) {
        let out = self.path("out");
        let mut args = vec!["--out", out.to_str().unwrap()];
        args.extend(extra);
        let (code, text) = self.run("match", mentors, mentees, &args);
        assert_eq!(code, Some(0), "{text}");
        let matches = std::fs::read_to_string(out.join("matches.csv")).unwrap();
        let met = matches
            .lines()
            .any(|l| l.starts_with("e1@x.gov.uk,") && l.ends_with(",yes"));
        std::fs::remove_dir_all(&out).unwrap();
        (text, met)
    }
}

fn mentors_headed(headings: &str) -> String {
    file(headings, &MENTORS)
}

fn mentees_headed(headings: &str) -> String {
    file(headings, &MENTEES)
}

#[test]
fn identity_headings_with_a_form_note_or_a_byte_order_mark_are_recognised() {
    let run = Run::new();
    let mentors =
        mentors_headed(&heading_row(&MENTOR_HEADINGS).replace("characteristics", "Characteristics (optional)"));
    let mentees =
        mentees_headed(&heading_row(&MENTEE_HEADINGS).replace("identity to match", "\u{FEFF}identity to match *"));
    let (text, met) = run.identity_met(&mentors, &mentees, &[]);
    assert!(met, "identity matching stayed on:\n{text}");
    assert!(!text.contains("R020"), "{text}");
}

#[test]
fn an_identity_column_under_a_question_is_reported_and_can_be_mapped() {
    let run = Run::new();
    let question = "Which identity would you like to share?";
    let mentees = mentees_headed(&heading_row(&MENTEE_HEADINGS).replace("identity to match", question));
    let mentors = mentors_headed(&heading_row(&MENTOR_HEADINGS));
    let (code, text) = run.run("validate", &mentors, &mentees, &[]);
    assert_eq!(code, Some(0), "a warning, not an error:\n{text}");
    let warning = text
        .lines()
        .find(|l| l.contains("warning[R020]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(warning.contains("mentees.csv, line 1, column 10"), "{warning}");
    assert!(warning.contains(question), "names the heading: {warning}");
    assert!(
        warning.contains("\"identity to match\""),
        "names the column missing: {warning}"
    );
    assert!(
        warning.contains("1 \"first name\""),
        "lists the headings found: {warning}"
    );
    assert!(warning.contains("\"columns\""), "says how to map it: {warning}");
    let (_, met) = run.identity_met(&mentors, &mentees, &[]);
    assert!(!met, "without a mapping the column is not used");

    let model = run.model(&format!("\"columns\": {{\"identity to match\": \"{question}\"}}"));
    let (text, met) = run.identity_met(&mentors, &mentees, &["--model", &model]);
    assert!(met, "the model's mapping is used:\n{text}");
    assert!(!text.contains("R020"), "{text}");
}

#[test]
fn any_column_can_be_mapped_and_a_wrong_mapping_is_named() {
    let run = Run::new();
    let mentors = mentors_headed(&heading_row(&MENTOR_HEADINGS).replace("grade", "Pay band"));
    let mentees = mentees_headed(&heading_row(&MENTEE_HEADINGS).replace("grade", "Pay band"));
    let model = run.model("\"columns\": {\"grade\": \"Pay band\"}");
    let (code, text) = run.run("validate", &mentors, &mentees, &["--model", &model]);
    assert_eq!(code, Some(0), "{text}");

    let model = run.model("\"columns\": {\"grade\": \"Band\"}");
    let (code, text) = run.run("validate", &mentors, &mentees, &["--model", &model]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("error[R001]") && text.contains("\"Band\""), "{text}");

    let model = run.model("\"columns\": {\"shoe size\": \"Size\"}");
    let (code, text) = run.run("validate", &mentors, &mentees, &["--model", &model]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error[M002]") && text.contains("columns.shoe size"),
        "{text}"
    );
}

#[test]
fn a_missing_column_lists_the_headings_found() {
    let run = Run::new();
    let mentees = mentees_headed(&heading_row(&MENTEE_HEADINGS).replace("grade", "level"));
    let (code, text) = run.run(
        "validate",
        &mentors_headed(&heading_row(&MENTOR_HEADINGS)),
        &mentees,
        &[],
    );
    assert_eq!(code, Some(1), "{text}");
    let error = text
        .lines()
        .find(|l| l.contains("error[R001]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(error.contains("the column \"grade\" is missing"), "{error}");
    assert!(error.contains("6 \"level\""), "{error}");
}

fn mentors_file() -> String {
    mentors_headed(&heading_row(&MENTOR_HEADINGS))
}

fn mentees_file() -> String {
    mentees_headed(&heading_row(&MENTEE_HEADINGS))
}

#[test]
fn control_characters_are_refused_in_every_field_and_never_printed() {
    let run = Run::new();
    let escape = "\u{1b}[31m";
    // A name, a biography, an organisation and a column the reader does not use.
    for (column, row) in [
        (
            1,
            format!("A{escape},Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,"),
        ),
        (
            10,
            format!("A,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,\"Bio\n{escape}red\","),
        ),
        (
            7,
            format!("A,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet{escape} Office,Policy,Gay,Bio,"),
        ),
        (
            4,
            "A,Mentor,m1@x.gov.uk,no\u{7},Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,".to_string(),
        ),
    ] {
        let mentors = file(&heading_row(&MENTOR_HEADINGS), &[MENTORS[0], &row]);
        let (code, text) = run.run("validate", &mentors, &mentees_file(), &[]);
        assert_eq!(code, Some(1), "{text}");
        let error = text
            .lines()
            .find(|l| l.contains("error[R002]"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            error.contains(&format!("mentors.csv, line 3, column {column}")),
            "{error}"
        );
        assert!(error.contains("control character"), "{error}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "raw control character printed: {text:?}"
        );
        let (code, text) = run.run(
            "match",
            &mentors,
            &mentees_file(),
            &["--out", run.path("out").to_str().unwrap()],
        );
        assert_eq!(code, Some(1), "{text}");
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
    // In a heading too.
    let mentors = file(
        &heading_row(&MENTOR_HEADINGS).replace("job title", "job\u{1b}[2J title"),
        &MENTORS,
    );
    let (code, text) = run.run("validate", &mentors, &mentees_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("error[R002] ") && !text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn positions_give_the_spreadsheet_row_when_a_field_spans_lines() {
    let run = Run::new();
    let long = "A,Mentor,m9@x.gov.uk,no,Lead,Grade 7,Home Office,Policy,,\"line one\nline two\nline three\",";
    let bad = "C,Mentor,m3@x.gov.uk,no,Lead,HE0,Home Office,Policy,,Bio,";
    let mentors = file(&heading_row(&MENTOR_HEADINGS), &[MENTORS[0], long, MENTORS[1], bad]);
    let (code, text) = run.run("validate", &mentors, &mentees_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    // Headings row 1, then records at rows 2, 3, 4, 5; the long one takes 3 lines.
    assert!(
        text.contains("mentors.csv, line 7 (spreadsheet row 5), column 6 (grade)"),
        "{text}"
    );
}

#[test]
fn messages_naming_another_record_give_its_spreadsheet_row_too() {
    let run = Run::new();
    let long = "A,Mentor,m9@x.gov.uk,no,Lead,Grade 7,Home Office,Policy,,\"line one\nline two\nline three\",";
    let both = "C,Mentor,both@x.gov.uk,no,Lead,Grade 7,Home Office,Policy,,Bio,";
    let mentors = file(&heading_row(&MENTOR_HEADINGS), &[MENTORS[0], long, MENTORS[1], both]);
    // The same person as a mentee, at another grade and after a long biography.
    let mentees = file(
        &heading_row(&MENTEE_HEADINGS),
        &[
            MENTEES[0],
            "F,Mentee,e3@x.gov.uk,no,Officer,HEO,Ministry of Justice,Policy,no,,\"two\nlines\",",
            "C,Mentor,both@x.gov.uk,no,Lead,SEO,Home Office,Policy,no,,Bio,",
            MENTEES[1],
            "C,Mentor,both@x.gov.uk,no,Lead,SEO,Home Office,Policy,no,,Bio,",
        ],
    );
    let (code, text) = run.run("validate", &mentors, &mentees, &[]);
    assert_eq!(code, Some(1), "{text}");
    // R014 names the mentor's record in the other file by line and row, and
    // places itself at the mentee's row.
    assert!(
        text.contains(
            "mentees.csv, line 5 (spreadsheet row 4): this person is also a mentor (line 7 (spreadsheet row 5) of "
        ),
        "{text}"
    );
    // A repeated email names the first registration by line and row.
    assert!(
        text.contains("mentees.csv, line 7 (spreadsheet row 6), column 3 (email address): this email is already registered on line 5 (spreadsheet row 4)"),
        "{text}"
    );
}

#[test]
fn an_empty_email_names_the_person() {
    let run = Run::new();
    let mentors = file(
        &heading_row(&MENTOR_HEADINGS),
        &[MENTORS[0], "Sam,Jones,,no,Lead,Grade 7,Home Office,Policy,,Bio,"],
    );
    let (code, text) = run.run("validate", &mentors, &mentees_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the email address of Sam Jones is empty"), "{text}");
}

#[test]
fn files_given_the_wrong_way_round_are_named_as_swapped() {
    let run = Run::new();
    let (code, text) = run.run("validate", &mentees_file(), &mentors_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error[R021]") && text.contains("wrong way round"),
        "{text}"
    );
    assert!(text.contains("Fix: swap them: --mentors "), "{text}");
    assert!(
        text.contains("1 error(s)"),
        "only the one error, not every row's: {text}"
    );

    let (code, text) = run.run("validate", &mentees_file(), &mentees_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error[R021]") && text.contains("given as the mentors"),
        "{text}"
    );
}

#[test]
fn r014_shows_both_organisations() {
    let run = Run::new();
    let mentors = file(
        &heading_row(&MENTOR_HEADINGS),
        &[
            MENTORS[0],
            MENTORS[1],
            "E,Both,e2@x.gov.uk,yes,Lead,HEO,Home Office,Policy,,Bio,",
        ],
    );
    let (code, text) = run.run("validate", &mentors, &mentees_file(), &[]);
    assert_eq!(code, Some(1), "{text}");
    let error = text
        .lines()
        .find(|l| l.contains("error[R014]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        error.contains("\"Home Office\" in") && error.contains("\"Department for Education\" here"),
        "{error}"
    );
}
