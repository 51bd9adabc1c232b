//! Every error and warning code, as an organiser meets it: `mentorflow validate`
//! names the code, file, line and column and exits 1 on any error; `match` refuses
//! the same input and writes nothing; warnings never stop a run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::LazyLock;

use mentorflow::registration;

use tempfile::TempDir;

/// The reader's own headings, with the optional `max matches` column.
static MENTOR_HEADINGS: LazyLock<String> = LazyLock::new(|| {
    let mut headings = registration::MENTOR_HEADINGS.to_vec();
    headings.push(registration::MAX_MATCHES_HEADING);
    headings.join(",")
});
static MENTEE_HEADINGS: LazyLock<String> = LazyLock::new(|| {
    let mut headings = registration::MENTEE_HEADINGS.to_vec();
    headings.push(registration::MAX_MATCHES_HEADING);
    headings.join(",")
});

/// Three mentors (lines 2 to 4) and three mentees (lines 2 to 4), each mentee
/// with at least one eligible mentor.
const MENTORS: [&str; 3] = [
    "A,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,",
    "B,Mentor,m2@x.gov.uk,no,Lead,SEO,Home Office,Digital,,Bio,",
    "C,Mentor,m3@x.gov.uk,no,Lead,Grade 6,Ministry of Justice,Policy,Lesbian,Bio,",
];
const MENTEES: [&str; 3] = [
    "D,Mentee,e1@x.gov.uk,no,Officer,HEO,Ministry of Justice,Policy,yes,Gay,Bio,",
    "E,Mentee,e2@x.gov.uk,no,Officer,SEO,Cabinet Office,Policy,no,,Bio,",
    "F,Mentee,e3@x.gov.uk,no,Officer,EO,Department for Education,Digital,no,,Bio,",
];

fn csv(headings: &str, rows: &[&str]) -> Vec<u8> {
    let mut text = format!("{headings}\n");
    for row in rows {
        text += row;
        text += "\n";
    }
    text.into_bytes()
}

fn mentors_with(rows: &[&str]) -> Vec<u8> {
    csv(&MENTOR_HEADINGS, rows)
}

fn mentees_with(rows: &[&str]) -> Vec<u8> {
    csv(&MENTEE_HEADINGS, rows)
}

/// A folder holding the input files of one case.
struct Case {
    dir: TempDir,
    args: Vec<String>,
}

impl Case {
    fn new(mentors: &[u8], mentees: &[u8]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let case = Case { dir, args: Vec::new() };
        let (m, e) = (case.write("mentors.csv", mentors), case.write("mentees.csv", mentees));
        Case {
            args: vec!["--mentors".into(), m, "--mentees".into(), e],
            ..case
        }
    }

    fn valid() -> Case {
        Case::new(&mentors_with(&MENTORS), &mentees_with(&MENTEES))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    fn with(mut self, option: &str, name: &str, bytes: &[u8]) -> Case {
        let path = self.write(name, bytes);
        self.args.extend([option.to_string(), path]);
        self
    }

    fn run(&self, command: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mentorflow"))
            .arg(command)
            .args(&self.args)
            .args(extra)
            .output()
            .expect("the binary runs")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// `validate` exits 1 listing every expected problem; `match` refuses with
    /// the same problems and leaves only the input files.
    fn refused(&self, expected: &[(&str, &str)]) -> String {
        let before = self.files();
        let validate = self.run("validate", &[]);
        let stdout = String::from_utf8_lossy(&validate.stdout).to_string();
        assert_eq!(validate.status.code(), Some(1), "{stdout}");
        assert!(stdout.trim_end().ends_with("fix the errors and run again"), "{stdout}");
        let matched = self.run("match", &["--out", self.out().to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&matched.stderr).to_string();
        assert_eq!(matched.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(!self.out().exists());
        assert_eq!(self.files(), before, "match wrote something");
        for (code, place) in expected {
            for output in [&stdout, &stderr] {
                assert!(
                    output.lines().any(|l| l.contains(code) && l.contains(place)),
                    "no {code} at {place:?} in:\n{output}"
                );
            }
        }
        stdout
    }

    /// `validate` exits 0 listing the expected warnings; `match` succeeds,
    /// shows them and writes its files.
    fn warned(&self, expected: &[(&str, &str)]) -> String {
        let validate = self.run("validate", &[]);
        let stdout = String::from_utf8_lossy(&validate.stdout).to_string();
        assert_eq!(validate.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains("0 error(s)"), "{stdout}");
        let matched = self.run("match", &["--out", self.out().to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&matched.stderr).to_string();
        assert!(matched.status.success(), "{stderr}");
        assert!(self.out().join("matches.csv").exists());
        for (code, place) in expected {
            for output in [&stdout, &stderr] {
                assert!(
                    output.lines().any(|l| l.contains(code) && l.contains(place)),
                    "no {code} at {place:?} in:\n{output}"
                );
            }
        }
        stdout
    }
}

fn line_with<'a>(output: &'a str, code: &str) -> &'a str {
    output
        .lines()
        .find(|l| l.contains(code))
        .unwrap_or_else(|| panic!("no {code} in {output}"))
}

#[test]
fn valid_files_validate_cleanly() {
    let case = Case::valid();
    let output = case.run("validate", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(
        stdout.trim(),
        "0 error(s), 0 warning(s); 3 mentors and 3 mentees can be matched"
    );
    assert_eq!(case.files(), ["mentees.csv", "mentors.csv"], "validate writes nothing");
}

#[test]
fn r001_missing_column() {
    let mentees = String::from_utf8(mentees_with(&MENTEES))
        .unwrap()
        .replacen("grade,", "level,", 1);
    let case = Case::new(&mentors_with(&MENTORS), mentees.as_bytes());
    case.refused(&[("error[R001]", "mentees.csv, line 1: the column \"grade\" is missing")]);
}

#[test]
fn r002_unreadable_encoding() {
    let mut mentors = mentors_with(&MENTORS);
    mentors.extend(b"G,Mentor,m4@x.gov.uk,no,Lead,Grade 7,Caf\x81,Policy,,Bio,\n");
    let stdout = Case::new(&mentors, &mentees_with(&MENTEES)).refused(&[("error[R002]", "mentors.csv, line 5")]);
    assert!(line_with(&stdout, "R002").contains("CSV UTF-8"), "{stdout}");
}

#[test]
fn r003_email_missing_or_malformed() {
    let mut rows = MENTEES.to_vec();
    rows[1] = "E,Mentee,e2@x,no,Officer,SEO,Cabinet Office,Policy,no,,Bio,";
    rows[2] = "F,Mentee,,no,Officer,EO,Department for Education,Digital,no,,Bio,";
    let stdout = Case::new(&mentors_with(&MENTORS), &mentees_with(&rows)).refused(&[
        ("error[R003]", "mentees.csv, line 3, column 3 (email address)"),
        ("error[R003]", "mentees.csv, line 4, column 3 (email address)"),
    ]);
    assert!(
        line_with(&stdout, "line 3, column 3").contains("(value: \"e2@x\")"),
        "{stdout}"
    );
}

#[test]
fn r004_same_email_twice_in_a_file() {
    let mut rows = MENTORS.to_vec();
    rows.push("G,Mentor,M1@X.gov.uk ,no,Lead,Grade 6,Home Office,Policy,,Bio,");
    let stdout = Case::new(&mentors_with(&rows), &mentees_with(&MENTEES))
        .refused(&[("error[R004]", "mentors.csv, line 5, column 3 (email address)")]);
    assert!(
        line_with(&stdout, "R004").contains("already registered on line 2"),
        "{stdout}"
    );
}

#[test]
fn r005_grade_not_on_the_ladder_suggests_the_nearest() {
    let mut rows = MENTEES.to_vec();
    rows[0] = "D,Mentee,e1@x.gov.uk,no,Officer,HE0,Ministry of Justice,Policy,yes,Gay,Bio,";
    let stdout = Case::new(&mentors_with(&MENTORS), &mentees_with(&rows))
        .refused(&[("error[R005]", "mentees.csv, line 2, column 6 (grade)")]);
    assert!(line_with(&stdout, "R005").contains("did you mean \"HEO\"?"), "{stdout}");
}

#[test]
fn r006_mentor_below_the_lowest_mentor_grade_is_left_out_as_a_mentor() {
    let mut rows = MENTORS.to_vec();
    rows.push("G,Mentor,m4@x.gov.uk,no,Lead,AA,Home Office,Policy,,Bio,");
    rows.push("H,Mentor,m5@x.gov.uk,no,Lead,EO,Cabinet Office,Policy,,Bio,");
    // Registered as a mentee too: they are still matched as one.
    let mut mentees = MENTEES.to_vec();
    mentees.push("G,Mentor,m4@x.gov.uk,no,Lead,AA,Home Office,Policy,no,,Bio,");
    let case = Case::new(&mentors_with(&rows), &mentees_with(&mentees));
    let stdout = case.warned(&[("warning[R006]", "mentors.csv, line 5, column 6 (grade)")]);
    assert!(line_with(&stdout, "R006").contains("below AO"), "{stdout}");
    assert!(line_with(&stdout, "R006").contains("left out as a mentor"), "{stdout}");
    let summary = std::fs::read_to_string(case.out().join("summary.json")).unwrap();
    assert!(summary.contains("\"mentors_left_out\""), "{summary}");
    assert!(summary.contains("m4@x.gov.uk"), "{summary}");
    let report = std::fs::read_to_string(case.out().join("report.html")).unwrap();
    assert!(report.contains("Mentors left out"), "listed for the organisers");
    let matches = std::fs::read_to_string(case.out().join("matches.csv")).unwrap();
    let as_mentor = matches
        .lines()
        .skip(1)
        .any(|l| l.split(',').nth(3) == Some("m4@x.gov.uk"));
    assert!(!as_mentor, "never matched as a mentor:\n{matches}");
    assert!(
        matches.lines().any(|l| l.starts_with("m4@x.gov.uk,")),
        "still matched as a mentee:\n{matches}"
    );
}

#[test]
fn r007_empty_organisation() {
    let mut rows = MENTORS.to_vec();
    rows[2] = "C,Mentor,m3@x.gov.uk,no,Lead,Grade 6,  ,Policy,Lesbian,Bio,";
    Case::new(&mentors_with(&rows), &mentees_with(&MENTEES))
        .refused(&[("error[R007]", "mentors.csv, line 4, column 7 (organisation)")]);
}

#[test]
fn r008_rows_that_do_not_fit_the_headings() {
    let mut rows = MENTORS.to_vec();
    rows.push("G,Mentor,m4@x.gov.uk,no,Lead,Grade 6,Home Office,Policy");
    Case::new(&mentors_with(&rows), &mentees_with(&MENTEES)).refused(&[(
        "error[R008]",
        "mentors.csv, line 5: this row has 8 fields but the headings have 11",
    )]);

    let mut rows = MENTEES.to_vec();
    rows.push("G,Mentee,e4@x.gov.uk,no,Officer,EO,Department for Education,\"Digital,no,,Bio,");
    Case::new(&mentors_with(&MENTORS), &mentees_with(&rows)).refused(&[(
        "error[R008]",
        "mentees.csv, line 5, column 8 (profession): a quoted field",
    )]);
}

#[test]
fn r009_not_yes_or_no() {
    let mut rows = MENTEES.to_vec();
    rows[1] = "E,Mentee,e2@x.gov.uk,no,Officer,SEO,Cabinet Office,Policy,perhaps,,Bio,";
    Case::new(&mentors_with(&MENTORS), &mentees_with(&rows)).refused(&[(
        "error[R009]",
        "mentees.csv, line 3, column 9 (match with similar identity)",
    )]);
}

#[test]
fn r010_empty_file() {
    Case::new(b"\xEF\xBB\xBF\r\n\r\n", &mentees_with(&MENTEES))
        .refused(&[("error[R010]", "mentors.csv: the file is empty")]);
}

#[test]
fn r011_field_too_long() {
    let biography = "a".repeat(10_001);
    let row = format!("G,Mentor,m4@x.gov.uk,no,Lead,Grade 6,Home Office,Policy,,{biography},");
    let mut rows = MENTORS.to_vec();
    rows.push(&row);
    Case::new(&mentors_with(&rows), &mentees_with(&MENTEES))
        .refused(&[("error[R011]", "mentors.csv, line 5, column 10 (biography)")]);
}

#[test]
fn r012_too_many_columns() {
    let headings = format!("{}{}", *MENTOR_HEADINGS, ",extra".repeat(500));
    Case::new(&csv(&headings, &[]), &mentees_with(&MENTEES))
        .refused(&[("error[R012]", "mentors.csv, line 1: more than 500 columns")]);
}

#[test]
fn r013_capacity_not_a_whole_number_in_range() {
    let mut rows = MENTORS.to_vec();
    rows[0] = "A,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,51";
    rows[1] = "B,Mentor,m2@x.gov.uk,no,Lead,SEO,Home Office,Digital,,Bio,2.5";
    Case::new(&mentors_with(&rows), &mentees_with(&MENTEES)).refused(&[
        ("error[R013]", "mentors.csv, line 2, column 11 (max matches)"),
        ("error[R013]", "mentors.csv, line 3, column 11 (max matches)"),
    ]);
}

#[test]
fn r014_person_in_both_files_differs() {
    let mut mentors = MENTORS.to_vec();
    mentors.push("E,Mentee,e2@x.gov.uk,yes,Officer,Grade 7,Cabinet Office,Policy,,Bio,");
    mentors.push("D,Mentee,e1@x.gov.uk,yes,Officer,HEO,Home Office,Policy,,Bio,");
    let stdout = Case::new(&mentors_with(&mentors), &mentees_with(&MENTEES)).refused(&[
        (
            "error[R014]",
            "mentees.csv, line 3: this person is also a mentor (line 5",
        ),
        (
            "error[R014]",
            "mentees.csv, line 2: this person is also a mentor (line 6",
        ),
    ]);
    assert!(
        line_with(&stdout, "line 3: this person").contains("different grade"),
        "{stdout}"
    );
    assert!(
        line_with(&stdout, "line 2: this person").contains("different organisation"),
        "{stdout}"
    );
}

#[test]
fn r015_windows_1252_is_read_with_a_warning_and_names_come_out_right() {
    let encode = |text: &[u8]| {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(std::str::from_utf8(text).unwrap());
        assert!(!unmappable);
        bytes.into_owned()
    };
    let mut mentors = MENTORS.to_vec();
    mentors[0] = "Zoë,Mentor,m1@x.gov.uk,no,Lead,Grade 7,Cabinet Office,Policy,Gay,Bio,";
    mentors[1] = "José,Mentor,m2@x.gov.uk,no,Lead,SEO,Home Office,Digital,,Bio,";
    let mut mentees = MENTEES.to_vec();
    mentees[0] = "Siân,Mentee,e1@x.gov.uk,no,Officer,HEO,Ministry of Justice,Policy,yes,Gay,Bio,";
    let case = Case::new(&encode(&mentors_with(&mentors)), &encode(&mentees_with(&mentees)));
    let stdout = case.warned(&[
        ("warning[R015]", "mentors.csv, line 2"),
        ("warning[R015]", "mentees.csv, line 2"),
    ]);
    assert!(
        line_with(&stdout, "mentors.csv, line 2").contains("(value: \"Zoë\")"),
        "{stdout}"
    );
    assert!(line_with(&stdout, "R015").contains("CSV UTF-8"), "{stdout}");

    // The outputs are UTF-8 with every name as registered.
    let list = std::fs::read_to_string(case.out().join("mentees-with-matches.csv")).unwrap();
    for name in ["Siân", "Zoë Mentor", "José Mentor"] {
        assert!(list.contains(name), "{name} missing from {list}");
    }
}

#[test]
fn r015_utf16_from_excel_unicode_text_is_read() {
    let utf16 = |text: Vec<u8>| {
        let text = String::from_utf8(text).unwrap().replace(',', "\t");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    let case = Case::new(&utf16(mentors_with(&MENTORS)), &mentees_with(&MENTEES));
    case.warned(&[("warning[R015]", "mentors.csv: the file is UTF-16LE")]);
}

#[test]
fn r016_several_columns_for_one_heading() {
    let headings = MENTEE_HEADINGS.replacen("job title,", "Email,", 1);
    let case = Case::new(&mentors_with(&MENTORS), &csv(&headings, &MENTEES));
    let stdout = case.warned(&[("warning[R016]", "mentees.csv, line 1, column 3 (email address)")]);
    assert!(
        line_with(&stdout, "R016").contains("column 5 (Email) is ignored"),
        "{stdout}"
    );
}

#[test]
fn r017_checking_stops_after_too_many_problems() {
    let rows: Vec<String> = (0..1_100)
        .map(|i| format!("G,Mentor,m{i}@x.gov.uk,no,Lead,Grade 99,Home Office,Policy,,Bio,"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let stdout = Case::new(&mentors_with(&rows), &mentees_with(&MENTEES))
        .refused(&[("error[R017]", "mentors.csv, line 1002: more than 1000 problems")]);
    assert_eq!(stdout.lines().filter(|l| l.contains("R005")).count(), 1_000);
}

#[test]
fn r018_identity_asked_for_but_not_given() {
    let mut rows = MENTEES.to_vec();
    rows[1] = "E,Mentee,e2@x.gov.uk,no,Officer,SEO,Cabinet Office,Policy,Yes,,Bio,";
    Case::new(&mentors_with(&MENTORS), &mentees_with(&rows))
        .warned(&[("warning[R018]", "mentees.csv, line 3, column 10 (identity to match)")]);
}

#[test]
fn v001_organisations_that_are_probably_one() {
    let mut mentors = MENTORS.to_vec();
    mentors.push("G,Mentor,m4@x.gov.uk,no,Lead,Grade 6,Home-Office,Policy,,Bio,");
    mentors.push("H,Mentor,m5@x.gov.uk,no,Lead,Grade 7,Government Legal Department,Legal,,Bio,");
    let mut mentees = MENTEES.to_vec();
    mentees.push("I,Mentee,e4@x.gov.uk,no,Officer,HEO,GLD,Legal,no,,Bio,");
    mentees.push("J,Mentee,e5@x.gov.uk,no,Officer,HEO,Home Office,Digital,no,,Bio,");
    let case = Case::new(&mentors_with(&mentors), &mentees_with(&mentees));
    let stdout = case.warned(&[
        ("warning[V001]", "mentors.csv, line 5"),
        ("warning[V001]", "mentees.csv, line 5"),
    ]);
    let home = line_with(&stdout, "\"Home-Office\"");
    assert!(
        home.contains("\"Home Office\" (2 rows), \"Home-Office\" (1 row)"),
        "{home}"
    );
    assert!(
        home.contains("add \"Home-Office\": \"Home Office\" to \"organisations.aliases\""),
        "{home}"
    );
    let legal = line_with(&stdout, "\"GLD\"");
    assert!(legal.contains("\"GLD\": \"Government Legal Department\""), "{legal}");
    // In order of the suggested name, every run.
    assert!(stdout.find("GLD").unwrap() < stdout.find("Home-Office").unwrap());
    assert_eq!(stdout, String::from_utf8_lossy(&case.run("validate", &[]).stdout));

    // The alias suggested merges them: no warning once it is in the model.
    let mut model: serde_json::Value = serde_json::from_str(mentorflow::model::CIVIL_SERVICE_JSON).unwrap();
    model["organisations"]["aliases"]["Home-Office"] = "Home Office".into();
    model["organisations"]["aliases"]["GLD"] = "Government Legal Department".into();
    let case = case.with("--model", "model.json", model.to_string().as_bytes());
    let output = case.run("validate", &[]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "0 error(s), 0 warning(s); 5 mentors and 5 mentees can be matched"
    );
}

#[test]
fn v002_mentee_with_no_eligible_mentor() {
    let mut rows = MENTEES.to_vec();
    // The only mentor at HEO or SEO is in the Home Office.
    rows.push("G,Mentee,e4@x.gov.uk,no,Officer,EO,Home Office,Digital,no,,Bio,");
    rows.push("H,Mentee,e5@x.gov.uk,no,Officer,SCS4,Home Office,Digital,no,,Bio,");
    rows.push("I,Mentee,e6@x.gov.uk,no,Officer,SCS4,Home Office,Digital,no,,Bio,0");
    let stdout = Case::new(&mentors_with(&MENTORS), &mentees_with(&rows)).warned(&[
        ("warning[V002]", "mentees.csv, line 5: no mentor is eligible"),
        ("warning[V002]", "mentees.csv, line 6: no mentor is eligible"),
    ]);
    assert!(
        line_with(&stdout, "line 5:").contains("in the mentee's own organisation, Home Office"),
        "{stdout}"
    );
    assert!(
        line_with(&stdout, "line 6:").contains("no grade of the model's ladder"),
        "{stdout}"
    );
    // Someone who wants no matches is not warned about.
    assert!(!stdout.contains("line 7"), "{stdout}");
    assert!(stdout.contains("0 error(s), 2 warning(s)"), "{stdout}");
}

/// A file of headings alone is a warning naming it (V005), not a silent
/// empty matching; a file with registrations is not warned about.
#[test]
fn v005_a_file_with_headings_but_no_registrations() {
    let stdout = Case::new(&mentors_with(&MENTORS), &mentees_with(&[])).warned(&[(
        "warning[V005]",
        "mentees.csv: this file has its headings but no registrations",
    )]);
    assert!(!stdout.contains("mentors.csv: this file has its headings"), "{stdout}");
}

#[test]
fn v002_counts_history() {
    let mut rows = MENTEES.to_vec();
    rows[2] = "F,Mentee,e3@x.gov.uk,no,Officer,EO,Department for Education,Digital,no,,Bio,";
    let case = Case::new(&mentors_with(&MENTORS), &mentees_with(&rows)).with(
        "--history",
        "history.csv",
        b"mentee_email,mentor_email\ne3@x.gov.uk,m2@x.gov.uk\n",
    );
    let stdout = case.warned(&[("warning[V002]", "mentees.csv, line 4")]);
    assert!(
        line_with(&stdout, "V002").contains("earlier pairs (--history)"),
        "{stdout}"
    );
}

#[test]
fn h001_history_pair_without_an_email() {
    Case::valid()
        .with(
            "--history",
            "history.csv",
            b"mentee_email,mentor_email\ne1@x.gov.uk,nobody\n",
        )
        .refused(&[("error[H001]", "history.csv, line 2, column 2 (mentor_email)")]);
}

#[test]
fn m001_model_not_readable() {
    Case::valid()
        .with("--model", "model.json", b"{\n  \"name\": \"x\",\n  \"grades\": [\n")
        .refused(&[("error[M001]", "model.json, line 4")]);
    Case::valid()
        .with("--model", "model.json", b"{\"name\": \"caf\xE9\"}")
        .refused(&[("error[M001]", "model.json, line 1: the model is not UTF-8")]);
}

#[test]
fn m002_impossible_model_value() {
    let text = mentorflow::model::CIVIL_SERVICE_JSON.replace("\"min\": 1, \"max\": 2", "\"min\": 3, \"max\": 2");
    Case::valid()
        .with("--model", "model.json", text.as_bytes())
        .refused(&[("error[M002]", "model.json: `grades.gap`")]);
}

#[test]
fn f001_file_cannot_be_read() {
    let mut case = Case::valid();
    let missing = Path::new(&case.args[1]).with_file_name("missing.csv");
    case.args[1] = missing.display().to_string();
    case.refused(&[("error[F001]", "missing.csv: cannot read the file")]);
}

#[test]
fn every_problem_in_one_pass_in_file_order() {
    let mut mentors = MENTORS.to_vec();
    mentors.push("G,Mentor,m4@x.gov.uk,no,Lead,AA,Home Office,Policy,,Bio,");
    mentors.push("H,Mentor,M1@x.gov.uk,no,Lead,Grade 6,Home Office,Policy,,Bio,");
    mentors.push("I,Mentor,m5@x.gov.uk,no,Lead,Grade 6,  ,Policy,,Bio,2.5");
    mentors.push("J,Mentor,m6@x.gov.uk,no,Lead,Grade 6,Home Office,Policy");
    mentors.push("E,Mentee,e2@x.gov.uk,yes,Officer,Grade 7,Cabinet Office,Policy,,Bio,");
    let mut mentees = MENTEES.to_vec();
    mentees[0] = "D,Mentee,e1@x,no,Officer,HE0,Ministry of Justice,Policy,perhaps,Gay,Bio,";
    mentees.push("K,Mentee,e9@x.gov.uk,no,Officer,EO,Home Office,\"Digital,no,,Bio,");
    let stdout = Case::new(&mentors_with(&mentors), &mentees_with(&mentees)).refused(&[
        ("warning[R006]", "mentors.csv, line 5, column 6 (grade)"),
        ("error[R004]", "mentors.csv, line 6, column 3 (email address)"),
        ("error[R007]", "mentors.csv, line 7, column 7 (organisation)"),
        ("error[R013]", "mentors.csv, line 7, column 11 (max matches)"),
        ("error[R008]", "mentors.csv, line 8: this row has 8 fields"),
        ("error[R003]", "mentees.csv, line 2, column 3 (email address)"),
        ("error[R005]", "mentees.csv, line 2, column 6 (grade)"),
        (
            "error[R009]",
            "mentees.csv, line 2, column 9 (match with similar identity)",
        ),
        (
            "error[R014]",
            "mentees.csv, line 3: this person is also a mentor (line 9",
        ),
        ("error[R008]", "mentees.csv, line 5, column 8 (profession)"),
    ]);
    let codes: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("error[")?.get(..4))
        .collect();
    assert_eq!(
        codes,
        ["R004", "R007", "R013", "R008", "R003", "R005", "R009", "R014", "R008"]
    );
    assert!(stdout.contains("9 error(s), 1 warning(s)"), "{stdout}");
}

/// Every code the source uses is in the table of codes, and no other.
#[test]
fn docs_list_every_code() {
    fn codes_in(path: &Path, codes: &mut Vec<String>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                codes_in(&entry.unwrap().path(), codes);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(path).unwrap();
            let bytes = text.as_bytes();
            for i in 0..bytes.len().saturating_sub(5) {
                let code = &bytes[i + 1..i + 5];
                if bytes[i] == b'"'
                    && bytes[i + 5] == b'"'
                    && b"RHMFVECAO".contains(&code[0])
                    && code[1..].iter().all(u8::is_ascii_digit)
                {
                    codes.push(String::from_utf8(code.to_vec()).unwrap());
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = Vec::new();
    codes_in(&root.join("src"), &mut used);
    used.sort();
    used.dedup();
    let docs = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let mut listed: Vec<String> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.split(' ').next().map(String::from))
        .filter(|c| c.len() == 4 && c[1..].bytes().all(|b| b.is_ascii_digit()))
        .collect();
    listed.sort();
    assert_eq!(used, listed);
    assert!(used.len() >= 24, "{used:?}");
}

#[test]
fn a_file_that_cannot_be_read_does_not_hide_the_other_files_problems() {
    let mut rows = MENTEES.to_vec();
    rows[0] = "D,Mentee,e1@x.gov.uk,no,Officer,HE0,Ministry of Justice,Policy,yes,Gay,Bio,";
    Case::new(b"first name,email address\x00\n", &mentees_with(&rows)).refused(&[
        ("error[R002]", "mentors.csv, line 1"),
        ("error[R005]", "mentees.csv, line 2, column 6 (grade)"),
    ]);
}

#[test]
fn v001_keeps_the_name_the_model_knows_and_its_suggestion_is_a_valid_model() {
    // The typo is more common, but the model's aliases name the correct spelling
    // ("MOJ" -> "Ministry of Justice"), so the typo is the alias.
    let mut mentors = MENTORS.to_vec();
    mentors.push("G,Mentor,m4@x.gov.uk,no,Lead,Grade 7,Minstry of Justice,Policy,,Bio,");
    mentors.push("H,Mentor,m5@x.gov.uk,no,Lead,Grade 7,Minstry of Justice,Policy,,Bio,");
    let case = Case::new(&mentors_with(&mentors), &mentees_with(&MENTEES));
    let stdout = case.warned(&[("warning[V001]", "mentors.csv, line 5")]);
    let warning = line_with(&stdout, "V001");
    assert!(
        warning.contains("add \"Minstry of Justice\": \"Ministry of Justice\""),
        "{warning}"
    );

    let mut model: serde_json::Value = serde_json::from_str(mentorflow::model::CIVIL_SERVICE_JSON).unwrap();
    model["organisations"]["aliases"]["Minstry of Justice"] = "Ministry of Justice".into();
    let case = case.with("--model", "model.json", model.to_string().as_bytes());
    let output = case.run("validate", &[]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "0 error(s), 0 warning(s); 5 mentors and 3 mentees can be matched"
    );

    // Two organisations the model names apart stay apart, however alike.
    let mut model: serde_json::Value = serde_json::from_str(mentorflow::model::CIVIL_SERVICE_JSON).unwrap();
    model["organisations"]["aliases"]["OT"] = "Office of Tax".into();
    model["organisations"]["aliases"]["OFT"] = "Office for Tax".into();
    let mut mentors = MENTORS.to_vec();
    mentors.push("G,Mentor,m4@x.gov.uk,no,Lead,Grade 7,Office of Tax,Policy,,Bio,");
    mentors.push("H,Mentor,m5@x.gov.uk,no,Lead,Grade 7,Office for Tax,Policy,,Bio,");
    let case = Case::new(&mentors_with(&mentors), &mentees_with(&MENTEES)).with(
        "--model",
        "model.json",
        model.to_string().as_bytes(),
    );
    let output = case.run("validate", &[]);
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("0 error(s), 0 warning(s)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Spellings of one organisation: `validate --write-organisations` writes the
/// suggestions, and `--organisations` merges them, without editing the model.
#[test]
fn an_organisations_file_merges_spellings_without_editing_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate::common::example("mentors.csv")).unwrap();
    let mentors = dir.path().join("mentors.csv");
    std::fs::write(&mentors, text.replace("Department of Joy", "Dept of Joy")).unwrap();
    let mentees = crate::common::example("mentees.csv");
    let file = dir.path().join("organisations.csv");
    let args = |extra: &[&str]| {
        let mut all = vec![
            "validate".to_string(),
            "--mentors".into(),
            mentors.display().to_string(),
            "--mentees".into(),
            mentees.clone(),
        ];
        all.extend(extra.iter().map(|s| s.to_string()));
        crate::common::mentorflow(all)
    };
    let before = args(&["--write-organisations", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&before.stdout);
    assert!(
        stdout.contains("warning[V001]") && stdout.contains("Dept of Joy"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, "name,same as\nDept of Joy,Department of Joy\n");
    // Never overwrites a file the organiser has.
    let again = args(&["--write-organisations", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    let after = args(&["--organisations", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert!(after.status.success() && !stdout.contains("V001"), "{stdout}");
}
