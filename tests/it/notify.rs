//! The mailing lists as GOV.UK Notify checks them (the rules of its own code,
//! `notifications_utils/recipients.py`, as `NOTIFY.md` sums them up): every
//! ((placeholder)) of the shipped template for each list is a column of the
//! list, and no row leaves one empty. Biographies are sent whole or withheld
//! whole, never rewritten in part.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::{cli, example, mentees_csv, mentorflow, mentors_csv, Person};

const LISTS: [&str; 4] = [
    "mentees-with-matches",
    "mentees-without-matches",
    "mentors-with-matches",
    "mentors-without-matches",
];

/// A heading or placeholder as Notify compares them: ignoring case, spaces,
/// `_` and `-`.
fn notify_key(heading: &str) -> String {
    heading
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A cell as Notify reads it: invisible characters dropped, trimmed.
fn notify_cell(cell: &str) -> String {
    cell.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{180E}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The placeholders of a template: `((name))`, and `((name??text))` by its name.
fn placeholders(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("((") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("))") else { break };
        let inner = &after[..end];
        if inner.contains(['(', ')']) {
            // As Notify's pattern does, try again from the next bracket.
            rest = &rest[start + 1..];
            continue;
        }
        found.push(inner.split("??").next().unwrap().to_string());
        rest = &after[end + 2..];
    }
    found
}

fn template(list: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("templates/notify/{list}.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headings = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headings, rows)
}

/// Check every list in `out` as Notify would with its shipped template, and
/// that every column is filled on every row (a repeated heading: at least one
/// of its cells). `emails` are the addresses as registered. Returns the rows
/// of each list.
fn assert_notify_accepts(out: &Path, emails: &[String]) -> HashMap<&'static str, usize> {
    let mut counts = HashMap::new();
    for list in LISTS {
        let text = template(list);
        assert!(
            text.starts_with("Subject: "),
            "{list}: the template starts with its subject"
        );
        let (headings, rows) = read_csv(&out.join(format!("{list}.csv")));
        let keys: Vec<String> = headings.iter().map(|h| notify_key(h)).collect();
        assert_eq!(
            keys.iter().filter(|k| *k == "emailaddress").count(),
            1,
            "{list}: one email address column: {headings:?}"
        );
        for column in [
            "email address",
            "first name",
            "last name",
            "number of matches",
            "match details",
        ] {
            assert!(
                headings.iter().any(|h| h == column),
                "{list} lacks {column}: {headings:?}"
            );
        }
        let placeholders = placeholders(&text);
        assert!(placeholders.iter().any(|p| notify_key(p) == "firstname"), "{list}");
        for placeholder in &placeholders {
            assert!(
                keys.contains(&notify_key(placeholder)),
                "{list}: the template's ((placeholder)) {placeholder} is not a column: {headings:?}"
            );
        }
        for (r, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), headings.len(), "{list} row {r}");
            let email = &row[keys.iter().position(|k| k == "emailaddress").unwrap()];
            assert!(
                emails.contains(email),
                "{list} row {r}: {email:?} is not an address as registered"
            );
            // Every column (every distinct heading) has a filled cell.
            let mut distinct: Vec<&String> = keys.iter().collect();
            distinct.dedup();
            for key in distinct {
                let filled = keys
                    .iter()
                    .zip(row)
                    .any(|(k, cell)| k == key && !notify_cell(cell).is_empty());
                assert!(filled, "{list} row {r}: column {key} is empty: {row:?}");
            }
            // A column headed once is never empty.
            for (k, cell) in keys.iter().zip(row) {
                if keys.iter().filter(|other| *other == k).count() == 1 {
                    assert!(!notify_cell(cell).is_empty(), "{list} row {r}: {k} is empty");
                }
            }
            let matches: usize = row[keys.iter().position(|k| k == "numberofmatches").unwrap()]
                .parse()
                .unwrap();
            assert_eq!(matches == 0, list.contains("without"), "{list} row {r}");
            let repeated = keys
                .iter()
                .zip(row)
                .filter(|(k, cell)| (*k == "mentor" || *k == "mentee") && !cell.is_empty());
            assert_eq!(repeated.count(), matches, "{list} row {r}: one cell per match");
        }
        counts.insert(list, rows.len());
    }
    counts
}

fn registered_emails(files: &[&Path]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            let (headings, rows) = read_csv(f);
            let at = headings.iter().position(|h| h == "email address").unwrap();
            rows.into_iter().map(move |r| r[at].trim().to_string())
        })
        .collect()
}

fn run_match(mentors: &Path, mentees: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["match".into(), "--mentors".into()];
    args.push(mentors.display().to_string());
    args.extend(["--mentees".into(), mentees.display().to_string()]);
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = mentorflow(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

#[test]
fn templates_use_only_columns_of_their_list() {
    for list in LISTS {
        let found = placeholders(&template(list));
        assert!(!found.is_empty(), "{list}");
    }
    assert_eq!(
        placeholders("a ((First_Name)) b ((x??y)) (((z)))"),
        ["First_Name", "x", "z"]
    );
}

#[test]
fn notify_accepts_every_list_of_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (mentors, mentees) = (
        PathBuf::from(example("mentors.csv")),
        PathBuf::from(example("mentees.csv")),
    );
    let out = dir.path().join("out");
    run_match(&mentors, &mentees, &out, &[]);
    let counts = assert_notify_accepts(&out, &registered_emails(&[&mentors, &mentees]));
    assert_eq!(counts["mentees-with-matches"] + counts["mentees-without-matches"], 50);
    assert_eq!(counts["mentors-with-matches"] + counts["mentors-without-matches"], 50);
}

#[test]
fn notify_accepts_every_list_of_generated_programmes() {
    // Balanced, scarce mentors (most mentees get nobody), and scarce mentees.
    for (mentees, mentors, seed) in [(300, 300, 1), (400, 40, 2), (40, 300, 3)] {
        let dir = tempfile::tempdir().unwrap();
        let data = mentorflow::registration::generate::generate(&mentorflow::registration::generate::GenerateSpec {
            mentees,
            mentors,
            seed,
        });
        let (m, e) = (dir.path().join("mentors.csv"), dir.path().join("mentees.csv"));
        std::fs::write(&m, &data.mentors_csv).unwrap();
        std::fs::write(&e, &data.mentees_csv).unwrap();
        let out = dir.path().join("out");
        run_match(&m, &e, &out, &[]);
        let counts = assert_notify_accepts(&out, &registered_emails(&[&m, &e]));
        assert_eq!(
            counts["mentees-with-matches"] + counts["mentees-without-matches"],
            read_csv(&e).1.len(),
            "{mentees} x {mentors}"
        );
        if mentors < mentees {
            assert!(
                counts["mentees-without-matches"] > 0,
                "scarce mentors leave mentees without"
            );
        } else if mentees < mentors {
            assert!(
                counts["mentors-without-matches"] > 0,
                "scarce mentees leave mentors without"
            );
        }
    }
}

// ---- Biographies ----

/// Biographies that mention an identity: each must be withheld whole.
const WITHHELD: [&str; 12] = [
    "I'm a trans woman working in digital.",
    "As a gay man in policy, I chair the network.",
    "I'm pansexual and a keen runner.",
    "Two lesbians run our team.",
    "Bi",
    "nonbinary, and a data scientist",
    "Fier d'être GAY à Paris.",
    "Ｇａｙ and proud.",
    "an ace negotiator",
    "Proud gay mum of two.",
    "I'm omnisexual and love hiking.",
    "Soy TRANSGÉNERO y abogada.",
];

/// A biography without identity terms, with everything CSV and spreadsheets
/// make hard: it must reach matches byte for byte.
const CLEAN: &str = "Zoë \u{2014} \"Head of Transport\", loves\nbi-weekly pan-government work; 50% = fine";

fn csv_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// 13 mentors at Grade 7 and 13 mentees at SEO, in different organisations,
/// so everyone is matched; biography `i` of each side is `bios[i]`.
fn programme_with_biographies(dir: &Path, bios: &[&str]) -> (PathBuf, PathBuf) {
    let n = bios.len();
    let mentors: Vec<Person> = (0..n)
        .map(|i| Person {
            email: format!("mentor{i}@x.gov.uk"),
            grade: "Grade 7".into(),
            organisation: format!("Org M{i}"),
            // Identities from the registrations: split into their parts.
            identity: ["Bisexual or omnisexual", "Transgénero", "Gay"][i % 3].into(),
            ..Person::default()
        })
        .collect();
    let mentees: Vec<Person> = (0..n)
        .map(|i| Person {
            email: format!("mentee{i}@x.gov.uk"),
            grade: "SEO".into(),
            organisation: format!("Org E{i}"),
            ..Person::default()
        })
        .collect();
    let mut mentors_text = mentors_csv(&mentors);
    let mut mentees_text = mentees_csv(&mentees);
    for (i, bio) in bios.iter().enumerate() {
        mentors_text = mentors_text.replace(&format!(",Bio of mentor {i},"), &format!(",{},", csv_quoted(bio)));
        mentees_text = mentees_text.replace(&format!(",Bio of mentee {i},"), &format!(",{},", csv_quoted(bio)));
    }
    let (m, e) = (dir.join("mentors.csv"), dir.join("mentees.csv"));
    std::fs::write(&m, mentors_text).unwrap();
    std::fs::write(&e, mentees_text).unwrap();
    (m, e)
}

fn model_with(dir: &Path, biographies: serde_json::Value) -> PathBuf {
    let mut model: serde_json::Value = serde_json::from_str(mentorflow::model::CIVIL_SERVICE_JSON).unwrap();
    model["biographies"] = biographies;
    let path = dir.join("model.json");
    std::fs::write(&path, serde_json::to_string_pretty(&model).unwrap()).unwrap();
    path
}

fn all_lists(out: &Path) -> String {
    LISTS
        .iter()
        .map(|l| std::fs::read_to_string(out.join(format!("{l}.csv"))).unwrap())
        .collect()
}

/// The biographies sent, from the `match details` cells of the lists with matches.
fn sent_biographies(out: &Path) -> Vec<String> {
    let mut sent = Vec::new();
    for list in ["mentees-with-matches", "mentors-with-matches"] {
        let (headings, rows) = read_csv(&out.join(format!("{list}.csv")));
        let at = headings.iter().position(|h| h == "match details").unwrap();
        for row in rows {
            for part in row[at].split("\nAbout them: ").skip(1) {
                // A match's paragraph ends at the blank line before the next.
                sent.push(
                    part.split("\n\nMentor ")
                        .next()
                        .unwrap()
                        .split("\n\nMentee ")
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }
        }
    }
    sent
}

#[test]
fn biographies_that_mention_an_identity_are_withheld_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut bios: Vec<&str> = WITHHELD.to_vec();
    bios.push(CLEAN);
    let (m, e) = programme_with_biographies(dir.path(), &bios);
    let out = dir.path().join("out");
    let output = run_match(&m, &e, &out, &[]);
    let lists = all_lists(&out);
    assert!(!lists.contains("[removed]"), "nothing is rewritten in part");
    for bio in WITHHELD {
        for word in [
            "trans",
            "gay",
            "pansexual",
            "lesbians",
            "nonbinary",
            "ace",
            "omnisexual",
            "transgénero",
        ] {
            assert!(
                !lists.to_lowercase().contains(&format!(" {word} ")),
                "{word} reached a list"
            );
        }
        assert!(!lists.contains(bio), "{bio:?} reached a list");
    }
    // The clean biography reaches every match of its writers, byte for byte.
    let sent = sent_biographies(&out);
    assert_eq!(sent.len(), 6, "mentor and mentee 12 each have 3 matches: {sent:?}");
    assert!(sent.iter().all(|s| s == CLEAN), "{sent:?}");
    let counts = assert_notify_accepts(&out, &registered_emails(&[&m, &e]));
    assert_eq!(counts["mentors-with-matches"], 13, "every mentor is matched");

    // Listed for the organisers: summary.json, with the person and the term.
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let withheld = summary["biographies"]["withheld"].as_array().unwrap();
    assert_eq!(summary["biographies"]["policy"], "withhold-if-identity");
    assert_eq!(withheld.len(), 2 * WITHHELD.len(), "{withheld:?}");
    let found = |email: &str| {
        withheld
            .iter()
            .find(|w| w["email"] == email)
            .unwrap_or_else(|| panic!("{email} not listed"))["found"]
            .clone()
    };
    assert_eq!(found("mentor0@x.gov.uk")["term"], "trans-woman");
    assert_eq!(found("mentee2@x.gov.uk")["term"], "pansexual");
    assert_eq!(found("mentee8@x.gov.uk")["term"], "ace");
    assert_eq!(found("mentee7@x.gov.uk")["term"], "gay");
    // From the identity columns only: named by position, never printed.
    assert_eq!(found("mentee10@x.gov.uk")["registered_identity"]["word"], 2);
    assert_eq!(found("mentee11@x.gov.uk")["registered_identity"]["word"], 2);
    let everything = std::fs::read_to_string(out.join("summary.json")).unwrap()
        + &std::fs::read_to_string(out.join("report.html")).unwrap()
        + &String::from_utf8_lossy(&output.stdout)
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!everything.to_lowercase().contains("omnisexual"));
    assert!(everything.contains("mentee8@x.gov.uk"), "report.html lists them");

    // validate warns, person by person, with the fix.
    let validate = cli("validate").on(&m, &e).run();
    let stdout = String::from_utf8_lossy(&validate.stdout);
    assert!(validate.status.success(), "{stdout}");
    assert_eq!(stdout.matches("warning[V003]").count(), 2 * WITHHELD.len(), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("\"mentee8@x.gov.uk\"")).unwrap();
    assert!(
        line.contains("mentions \"ace\"") && line.contains("biographies.release"),
        "{line}"
    );
}

#[test]
fn biographies_can_be_released_one_by_one_or_sent_as_written_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let bios = [WITHHELD[1], WITHHELD[8], CLEAN];
    let (m, e) = programme_with_biographies(dir.path(), &bios);

    let model = model_with(dir.path(), serde_json::json!({ "release": ["Mentor1@X.gov.uk"] }));
    let out = dir.path().join("released");
    run_match(&m, &e, &out, &["--model", model.to_str().unwrap()]);
    let mut sent = sent_biographies(&out);
    sent.sort();
    sent.dedup();
    assert_eq!(
        sent,
        [CLEAN, WITHHELD[8]],
        "only mentor 1's withheld biography is released"
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["biographies"]["released"],
        serde_json::json!(["mentor1@x.gov.uk"])
    );
    assert_eq!(summary["biographies"]["withheld"].as_array().unwrap().len(), 3);

    let model = model_with(dir.path(), serde_json::json!({ "policy": "as-written" }));
    let out = dir.path().join("as-written");
    run_match(&m, &e, &out, &["--model", model.to_str().unwrap()]);
    let mut sent = sent_biographies(&out);
    sent.sort();
    sent.dedup();
    let mut expected = bios.to_vec();
    expected.sort();
    assert_eq!(sent, expected, "every biography as written");

    let model = model_with(dir.path(), serde_json::json!({ "policy": "none" }));
    let out = dir.path().join("none");
    run_match(&m, &e, &out, &["--model", model.to_str().unwrap()]);
    assert!(sent_biographies(&out).is_empty());
    assert!(!all_lists(&out).contains("Transport"));

    // A release that is not an email, or an unknown policy, is a model error.
    for bad in [
        serde_json::json!({ "release": ["nobody"] }),
        serde_json::json!({ "policy": "redact" }),
    ] {
        let model = model_with(dir.path(), bad);
        let output = cli("validate").on(&m, &e).opt("--model", &model).run();
        assert!(!output.status.success());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("error[M00"), "{stdout}");
    }
}

// ---- Email addresses and formula-like cells ----

#[test]
fn r019_an_email_a_spreadsheet_would_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mentors: Vec<Person> = (0..3)
        .map(|i| Person {
            email: format!("mentor{i}@x.gov.uk"),
            grade: "Grade 7".into(),
            organisation: format!("Org M{i}"),
            ..Person::default()
        })
        .collect();
    let bad = [
        "=e0@x.gov.uk",
        "+e1@x.gov.uk",
        "-e2@x.gov.uk",
        "\u{FF1D}e3@x.gov.uk",
        "\u{200B}=e4@x.gov.uk",
        "e\u{200B}5@x.gov.uk",
        "\u{FF20}e6@x.gov.uk",
    ];
    let mentees: Vec<Person> = bad
        .iter()
        .map(|email| Person {
            email: email.to_string(),
            grade: "SEO".into(),
            ..Person::default()
        })
        .collect();
    let (m, e) = (dir.path().join("mentors.csv"), dir.path().join("mentees.csv"));
    std::fs::write(&m, mentors_csv(&mentors)).unwrap();
    std::fs::write(&e, mentees_csv(&mentees)).unwrap();
    let output = cli("validate").on(&m, &e).run();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert_eq!(stdout.matches("error[R019]").count(), bad.len(), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("line 2,")).unwrap();
    assert!(
        line.contains("column 3 (email address)") && line.contains("starts with \"=\"") && line.contains("Fix: "),
        "{line}"
    );
    assert!(stdout.contains("invisible character (U+200B)"), "{stdout}");
}

#[test]
fn emails_are_written_as_registered_and_other_formula_cells_made_inert() {
    let dir = tempfile::tempdir().unwrap();
    let (m, e) = programme_with_biographies(dir.path(), &[CLEAN, CLEAN]);
    // Names a spreadsheet would run, in full-width and after a zero-width space.
    let mentors = std::fs::read_to_string(&m)
        .unwrap()
        .replacen("Mentor,0,", "\u{FF1D}HYPERLINK(1),0,", 1)
        .replacen("Mentor,1,", "\u{200B}=SUM(1),1,", 1);
    std::fs::write(&m, mentors).unwrap();
    let out = dir.path().join("out");
    run_match(&m, &e, &out, &[]);
    let (headings, rows) = read_csv(&out.join("mentors-with-matches.csv"));
    let first = headings.iter().position(|h| h == "first name").unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r[first].as_str()).collect();
    assert!(names.contains(&"'\u{FF1D}HYPERLINK(1)"), "{names:?}");
    assert!(names.contains(&"'\u{200B}=SUM(1)"), "{names:?}");
    for row in &rows {
        assert!(!row[0].starts_with('\''), "{row:?}");
    }
}

/// After a re-match, the lists of people whose matches changed: every
/// placeholder of their templates is a column, every column is filled on every
/// row, and emails are as registered.
#[test]
fn notify_accepts_every_list_of_a_rematch() {
    let dir = tempfile::tempdir().unwrap();
    let (mentors, mentees) = (
        PathBuf::from(example("mentors.csv")),
        PathBuf::from(example("mentees.csv")),
    );
    let first = dir.path().join("first");
    run_match(&mentors, &mentees, &first, &[]);
    // Two mentors with mentees withdraw.
    let text = std::fs::read_to_string(&mentors).unwrap();
    let now: String = text
        .lines()
        .filter(|l| !l.contains("mentor.05@gov.uk") && !l.contains("mentor.49@gov.uk"))
        .map(|l| format!("{l}\n"))
        .collect();
    let now_mentors = dir.path().join("mentors-now.csv");
    std::fs::write(&now_mentors, now).unwrap();
    let out = dir.path().join("out");
    let output = crate::common::mentorflow([
        "rematch",
        "--mentors",
        now_mentors.to_str().unwrap(),
        "--mentees",
        mentees.to_str().unwrap(),
        "--previous",
        first.join("matches.csv").to_str().unwrap(),
        "--allow-moves",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let emails = registered_emails(&[&now_mentors, &mentees]);
    let mut rows_seen = 0;
    for list in [
        "mentees-new-matches",
        "mentees-match-ended",
        "mentors-new-matches",
        "mentors-match-ended",
    ] {
        let text = template(list);
        assert!(text.starts_with("Subject: "), "{list}");
        let (headings, rows) = read_csv(&out.join(format!("{list}.csv")));
        let keys: Vec<String> = headings.iter().map(|h| notify_key(h)).collect();
        for placeholder in placeholders(&text) {
            assert!(
                keys.contains(&notify_key(&placeholder)),
                "{list}: {placeholder} is not a column"
            );
        }
        for row in &rows {
            assert!(emails.contains(&row[0]), "{list}: {} is not registered", row[0]);
            let mut distinct: Vec<&String> = keys.iter().collect();
            distinct.dedup();
            for key in distinct {
                let filled = keys
                    .iter()
                    .zip(row)
                    .any(|(k, cell)| k == key && !notify_cell(cell).is_empty());
                assert!(filled, "{list}: column {key} is empty: {row:?}");
            }
            rows_seen += 1;
        }
    }
    assert!(rows_seen > 0);
}
