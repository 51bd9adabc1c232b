//! Defects found by trying the released command line with hostile inputs, each
//! reproduced as it was found.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{cli, csv_records, example};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The sample's `matches.csv`, with its two email columns swapped (the headings
/// kept): the file an organiser gets by pasting the columns the wrong way round.
fn reversed_matches(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("first");
    let output = cli("match").on_sample().out(&out).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = fs::read_to_string(out.join("matches.csv")).unwrap();
    let mut reversed = String::from("mentee_email,mentor_email\n");
    for record in csv_records(&text).iter().skip(1) {
        reversed.push_str(&format!("{},{}\n", record[3], record[0]));
    }
    let path = dir.join("reversed.csv");
    fs::write(&path, reversed).unwrap();
    path
}

#[test]
fn a_history_with_its_columns_swapped_is_refused() {
    // Read as it was, it kept no earlier pair apart: every pair was made again.
    let dir = tempfile::tempdir().unwrap();
    let history = reversed_matches(dir.path());
    let output = cli("validate").on_sample().opt("--history", &history).run();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("error[H003]"), "{}", stdout(&output));
    assert!(stdout(&output).contains("swap the headings mentee_email and mentor_email"));
    let out = dir.path().join("out");
    let output = cli("match").on_sample().opt("--history", &history).out(&out).run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("error[H003]"), "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_previous_matching_with_its_columns_swapped_is_refused() {
    // Read as it was, every previous pair "withdrew" and every participant was
    // listed in the match-ended mailing lists.
    let dir = tempfile::tempdir().unwrap();
    let previous = reversed_matches(dir.path());
    let out = dir.path().join("out");
    let output = cli("rematch").on_sample().opt("--previous", &previous).out(&out).run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("error[H003]"), "{}", stderr(&output));
    assert!(stderr(&output).contains("nothing was written"));
    assert!(!out.exists(), "nothing is written");
}

#[cfg(unix)]
#[test]
fn whatif_chart_never_replaces_a_device_or_a_pipe() {
    // `--chart /dev/null --force` put a file where /dev/null was.
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe.svg");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let output = cli("whatif")
        .on_sample()
        .opt("--vary", "mentor-capacity=1..2")
        .opt("--chart", &pipe)
        .arg("--force")
        .run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("is not a file"), "{}", stderr(&output));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::symlink_metadata(&pipe).unwrap().file_type().is_fifo(),
        "the pipe is still there"
    );
}

/// The sample's files with `edit` applied to the text of the mentors file.
fn sample_with_mentors(dir: &Path, edit: impl Fn(&str) -> String) -> (String, String) {
    let mentors = dir.join("mentors.csv");
    fs::write(&mentors, edit(&fs::read_to_string(example("mentors.csv")).unwrap())).unwrap();
    (mentors.display().to_string(), example("mentees.csv"))
}

#[test]
fn addresses_gov_uk_notify_refuses_are_refused_at_validation() {
    // Each was accepted, and the mailing list holding it could not be sent:
    // Notify checks every row before it sends any.
    for (address, why) in [
        (
            "zo\u{eb}.smith@example.gov.uk",
            "the part before the @ holds \"\u{eb}\"",
        ),
        ("a..b@example.gov.uk", "two dots in a row"),
        ("mailto:alex@example.gov.uk", "the part before the @ holds \":\""),
        ("alex@example.123", "not a real top-level domain"),
        ("\u{202e}alex@example.gov.uk", "the character U+202E"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (mentors, mentees) = sample_with_mentors(dir.path(), |text| text.replace("mentor.03@gov.uk", address));
        let out = dir.path().join("out");
        let output = cli("match").on(&mentors, &mentees).out(&out).run();
        assert_eq!(output.status.code(), Some(1), "{address}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(
            err.contains("error[R003]") && err.contains("GOV.UK Notify can send to"),
            "{err}"
        );
        assert!(err.contains(why), "{address}: {err}");
        assert!(!out.exists(), "nothing is written");
    }
    // What Notify accepts still is.
    let dir = tempfile::tempdir().unwrap();
    let (mentors, mentees) = sample_with_mentors(dir.path(), |text| {
        text.replace("mentor.03@gov.uk", "o'brien+mentoring@ex\u{e1}mple-dept.gov.uk")
    });
    let output = cli("validate").on(&mentors, &mentees).run();
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn a_matching_of_people_with_the_longest_names_passes_check_and_rematch() {
    // A first and a last name of 10,000 characters each were accepted, but
    // matches.csv joins them into one name, which `check`, `--history` and
    // `rematch --previous` refused as too long (R011).
    let dir = tempfile::tempdir().unwrap();
    let long = format!("={}", "x".repeat(9_999));
    let (mentors, mentees) = sample_with_mentors(dir.path(), |text| {
        text.replace("mentor,03,", &format!("{long},{},", "y".repeat(10_000)))
    });
    let out = dir.path().join("out");
    let output = cli("match").on(&mentors, &mentees).out(&out).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let matches = out.join("matches.csv");
    assert!(
        fs::read_to_string(&matches).unwrap().contains(&long),
        "mentor 03 has a mentee"
    );
    let output = cli("check").on(&mentors, &mentees).opt("--matches", &matches).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = cli("validate").on(&mentors, &mentees).opt("--history", &matches).run();
    assert!(output.status.success(), "{}", stdout(&output));
    let again = dir.path().join("again");
    let output = cli("rematch")
        .on(&mentors, &mentees)
        .opt("--previous", &matches)
        .out(&again)
        .run();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn an_empty_grade_is_named_as_empty_and_no_grade_is_guessed() {
    // It said `not a grade of the model's ladder (value: ""). Fix: did you mean "AA"?`
    let dir = tempfile::tempdir().unwrap();
    let (mentors, mentees) = sample_with_mentors(dir.path(), |text| {
        text.replacen(
            "mentor.03@gov.uk,no,Some role,SEO,",
            "mentor.03@gov.uk,no,Some role,,",
            1,
        )
    });
    let output = cli("validate").on(&mentors, &mentees).run();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error[R005]") && out.contains("the grade is empty"),
        "{out}"
    );
    assert!(out.contains("one of the model's ladder: AA, AO, EO"), "{out}");
    assert!(!out.contains("did you mean"), "{out}");
}

#[test]
fn a_missing_column_of_a_history_or_adjustments_file_is_not_mapped_in_the_model() {
    // The fix said to map the heading in the model's "columns", which only
    // registration files read.
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    fs::write(&history, "mentee,mentor\nmentee.00@gov.uk,mentor.00@gov.uk\n").unwrap();
    let adjust = dir.path().join("adjust.csv");
    fs::write(
        &adjust,
        "mentee email,mentor email\nmentee.00@gov.uk,mentor.00@gov.uk\n",
    )
    .unwrap();
    for (option, file, column) in [("--history", &history, "mentee_email"), ("--adjust", &adjust, "action")] {
        let output = cli("validate").on_sample().opt(option, file).run();
        let out = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{out}");
        assert!(out.contains(&format!("rename it to \"{column}\"")), "{out}");
        assert!(!out.contains("\"columns\""), "{out}");
    }
}

#[test]
fn people_who_asked_for_no_matches_are_not_told_none_could_be_found() {
    // A mentee or mentor with max matches 0 (withdrawn) was in the lists
    // without matches, whose templates say no match could be found for them.
    let dir = tempfile::tempdir().unwrap();
    let with_max = |text: &str, email: &str| -> String {
        text.lines()
            .enumerate()
            .map(|(i, line)| match i {
                0 => format!("{line},max matches\n"),
                _ if line.contains(email) => format!("{line},0\n"),
                _ => format!("{line},\n"),
            })
            .collect()
    };
    let mentors = dir.path().join("mentors.csv");
    let mentees = dir.path().join("mentees.csv");
    let text = fs::read_to_string(example("mentors.csv")).unwrap();
    fs::write(&mentors, with_max(&text, "mentor.03@gov.uk")).unwrap();
    let text = fs::read_to_string(example("mentees.csv")).unwrap();
    fs::write(&mentees, with_max(&text, "mentee.04@gov.uk")).unwrap();
    let out = dir.path().join("out");
    let output = cli("match").on(&mentors, &mentees).out(&out).run();
    assert!(output.status.success(), "{}", stderr(&output));
    for list in [
        "mentees-with-matches.csv",
        "mentees-without-matches.csv",
        "mentors-with-matches.csv",
        "mentors-without-matches.csv",
    ] {
        let text = fs::read_to_string(out.join(list)).unwrap();
        for record in csv_records(&text).iter().skip(1) {
            assert!(
                record[0] != "mentor.03@gov.uk" && record[0] != "mentee.04@gov.uk",
                "{list} lists {}",
                record[0]
            );
        }
    }
}

#[test]
fn a_mentor_who_withdrew_is_not_told_their_matches_ended() {
    // Withdrawn by max matches 0 (as the README says), the mentor was in
    // mentors-match-ended.csv: "One of your matches has ended: ... the mentor
    // withdrew".
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let output = cli("match").on_sample().out(&first).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let matches = first.join("matches.csv");
    let pairs = csv_records(&fs::read_to_string(&matches).unwrap());
    let withdrawn = pairs[1][3].clone();
    let mentors = dir.path().join("mentors.csv");
    let text: String = fs::read_to_string(example("mentors.csv"))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => format!("{line},max matches\n"),
            _ if line.contains(&format!(",{withdrawn},")) => format!("{line},0\n"),
            _ => format!("{line},\n"),
        })
        .collect();
    fs::write(&mentors, text).unwrap();
    let out = dir.path().join("out");
    let output = cli("rematch")
        .on(&mentors, example("mentees.csv"))
        .opt("--previous", &matches)
        .out(&out)
        .run();
    assert!(output.status.success(), "{}", stderr(&output));
    let changes = fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(changes.contains("the mentor withdrew"), "{changes}");
    let ended = csv_records(&fs::read_to_string(out.join("mentors-match-ended.csv")).unwrap());
    assert!(ended.iter().skip(1).all(|r| r[0] != withdrawn), "{ended:?}");
    let ended = csv_records(&fs::read_to_string(out.join("mentees-match-ended.csv")).unwrap());
    assert!(ended.len() > 1, "their mentees are told");
}

#[test]
fn common_variants_of_identity_terms_withhold_a_biography() {
    // "trans-man here", "bi-curious", "lesbianism", "bisexuality", "asexuality"
    // and "queerness" were sent to the writer's matches as written.
    let withheld = [
        "trans-man here",
        "I am a trans-woman",
        "bi-curious",
        "lesbianism studies",
        "bisexuality research",
        "asexuality advocate",
        "queerness matters",
        "Proud T-girl",
    ];
    let sent = [
        "bi-weekly calls suit me",
        "I work on trans-Pennine rail",
        "a pan-government role",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("first name,last name,email address,grade,organisation,profession,biography\n");
    for (i, bio) in withheld.iter().chain(&sent).enumerate() {
        text.push_str(&format!("M,{i},m{i}@a.gov.uk,Grade 7,Org A,Policy,{bio}\n"));
    }
    let mentors = dir.path().join("mentors.csv");
    fs::write(&mentors, text).unwrap();
    let mentees = dir.path().join("mentees.csv");
    fs::write(
        &mentees,
        "first name,last name,email address,grade,organisation,profession,max matches\nE,1,e1@b.gov.uk,HEO,Org B,Policy,20\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = cli("match")
        .on(&mentors, &mentees)
        .opt("--model", "quality")
        .out(&out)
        .run();
    assert!(output.status.success(), "{}", stderr(&output));
    let list = fs::read_to_string(out.join("mentees-with-matches.csv")).unwrap();
    assert_eq!(list.matches("Email: m").count(), withheld.len() + sent.len(), "{list}");
    for bio in withheld {
        assert!(!list.contains(bio), "{bio} was sent: {list}");
    }
    for bio in sent {
        assert!(list.contains(bio), "{bio} was withheld: {list}");
    }
}

#[test]
fn check_says_a_mentor_below_the_mentee_is_below() {
    // It said "the mentor is -2 grade(s) above the mentee".
    let dir = tempfile::tempdir().unwrap();
    let matches = dir.path().join("matches.csv");
    // mentee.00 is an HEO; a mentor below that grade.
    let mentors = fs::read_to_string(example("mentors.csv")).unwrap();
    let below = csv_records(&mentors)
        .into_iter()
        .skip(1)
        .find(|r| r[5] == "EO" || r[5] == "AO")
        .expect("the sample has a mentor below HEO");
    fs::write(
        &matches,
        format!("mentee_email,mentor_email\nmentee.00@gov.uk,{}\n", below[2]),
    )
    .unwrap();
    let output = cli("check").on_sample().opt("--matches", &matches).run();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("grade(s) below the mentee (HEO)"), "{err}");
    assert!(!err.contains("is -"), "no negative gap: {err}");
}

#[test]
fn a_model_mapping_two_columns_to_one_heading_is_refused() {
    // Accepted, it read every grade as an email address: 500 R003 errors.
    let dir = tempfile::tempdir().unwrap();
    let model = |columns: &str| {
        let mut model: serde_json::Value =
            serde_json::from_str(&fs::read_to_string("models/civil-service.json").unwrap()).unwrap();
        model["columns"] = serde_json::from_str(columns).unwrap();
        let path = dir.path().join(format!("model{}.json", columns.len()));
        fs::write(&path, model.to_string()).unwrap();
        path
    };
    let clash = model(r#"{"email address": "grade", "grade": "grade"}"#);
    let output = cli("validate").on_sample().opt("--model", &clash).run();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error[M002]") && out.contains("are both mapped to this heading"),
        "{out}"
    );
    assert!(!out.contains("R003"), "{out}");
    // The mentors' and the mentees' identity columns are in different files.
    let shared = model(r#"{"characteristics": "characteristics", "identity to match": "characteristics"}"#);
    let output = cli("validate").on_sample().opt("--model", &shared).run();
    assert!(!stdout(&output).contains("both mapped"), "{}", stdout(&output));
}

#[test]
fn a_model_that_is_neither_a_file_nor_shipped_names_the_shipped_ones() {
    // A typo for a shipped model ("coverge") said only "cannot read the file:
    // No such file or directory".
    let output = cli("validate").on_sample().opt("--model", "coverge").run();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error[F001] coverge: there is no such file, and no shipped model has this name"),
        "{out}"
    );
    assert!(out.contains("civil-service, coverage, quality"), "{out}");
}

#[test]
fn generate_never_writes_more_rows_than_a_file_may_hold() {
    // --mentees 1000000000 tried to build the files in memory; anything past
    // 200,000 rows made files every other command refuses (R012).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = cli("generate")
        .opt("--mentees", "1000000000")
        .opt("--mentors", "5")
        .out(&out)
        .run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--mentees 1000000000: at most 200000"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
}

#[test]
fn an_organisations_file_may_merge_a_name_the_model_has_aliases_for() {
    // "Home Office,Cabinet Office" failed with "`organisations.aliases.HO`: the
    // alias names another alias": the shipped model's alias HO (for Home
    // Office), not a line of the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("organisations.csv");
    fs::write(
        &file,
        "name,same as\nHome Office,Cabinet Office\nDepartment of Joy,Department of Fun\nDepartment of Fun,Department of Joy\n",
    )
    .unwrap();
    let output = cli("validate").on_sample().opt("--organisations", &file).run();
    assert!(output.status.success(), "{}", stdout(&output));
    let out = dir.path().join("out");
    let output = cli("match").on_sample().opt("--organisations", &file).out(&out).run();
    assert!(output.status.success(), "{}", stderr(&output));
    // Joy and Fun are one organisation: no pair within it.
    let mentees = csv_records(&fs::read_to_string(example("mentees.csv")).unwrap());
    let mentors = csv_records(&fs::read_to_string(example("mentors.csv")).unwrap());
    let organisation = |rows: &[Vec<String>], email: &str| -> String {
        let org = rows.iter().find(|r| r[2] == email).unwrap()[6].clone();
        if org == "Department of Fun" {
            "Department of Joy".into()
        } else {
            org
        }
    };
    for pair in csv_records(&fs::read_to_string(out.join("matches.csv")).unwrap())
        .iter()
        .skip(1)
    {
        assert_ne!(
            organisation(&mentees, &pair[0]),
            organisation(&mentors, &pair[3]),
            "{pair:?}"
        );
    }
}

#[test]
fn rematch_with_a_pin_for_someone_full_with_previous_pairs_gives_way() {
    // A pin for a mentee whose places were all held by previous pairs ended in
    // "internal error: the matching breaks a rule: error[C006] pin-missing".
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let output = cli("match").on_sample().out(&first).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let matches = first.join("matches.csv");
    let pairs = csv_records(&fs::read_to_string(&matches).unwrap());
    let count = |email: &str| pairs.iter().filter(|r| r[0] == email).count();
    let full = pairs
        .iter()
        .skip(1)
        .find(|r| count(&r[0]) == 3)
        .expect("a mentee with 3 matches")[0]
        .clone();
    let mentor = pairs
        .iter()
        .skip(1)
        .find(|r| r[0] != full && !pairs.iter().any(|p| p[0] == full && p[3] == r[3]))
        .unwrap()[3]
        .clone();
    let adjust = dir.path().join("adjust.csv");
    fs::write(
        &adjust,
        format!("action,mentee email,mentor email,note\npin,{full},{mentor},asked\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = cli("rematch")
        .on_sample()
        .opt("--previous", &matches)
        .opt("--adjust", &adjust)
        .out(&out)
        .run();
    assert!(output.status.success(), "{}", stderr(&output));
    let new = fs::read_to_string(out.join("matches.csv")).unwrap();
    assert!(new.contains(&format!("{full},")) && new.lines().any(|l| l.starts_with(&full) && l.contains(&mentor)));
    let changes = fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(
        changes.contains("gave way to a pair the organisers pinned"),
        "{changes}"
    );
    let output = cli("check")
        .on_sample()
        .opt("--adjust", &adjust)
        .opt("--matches", out.join("matches.csv"))
        .run();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn rematch_refuses_this_runs_history_for_next_time_as_its_history() {
    // Given with --history, the history-next-time.csv written beside the sent
    // matches.csv ended every sent pair as "matched in an earlier year", and
    // every participant was in the match-ended lists.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let output = cli("match").on_sample().out(&first).run();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = dir.path().join("out");
    let output = cli("rematch")
        .on_sample()
        .opt("--previous", first.join("matches.csv"))
        .opt("--history", first.join("history-next-time.csv"))
        .out(&out)
        .run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("error[H004]"), "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written");
}
