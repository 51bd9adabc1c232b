//! Identity is special-category data: distinctive identity values written into the
//! registrations must appear in no file the tool writes.

use crate::common;

use common::{cli, mentees_csv, mentors_csv, Person};

const SECRETS: [&str; 3] = ["Qzxidentityalpha", "Vwyidentitybeta", "Jkqidentitygamma"];

#[test]
fn no_output_holds_an_identity_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut mentors = Vec::new();
    let mut mentees = Vec::new();
    for i in 0..30 {
        let grades = ["HEO", "SEO", "Grade 7", "Grade 6"];
        mentors.push(Person {
            email: format!("mentor{i}@x.uk"),
            grade: grades[i % 4].into(),
            organisation: format!("Org {}", i % 5),
            identity: format!("{}, {}", SECRETS[i % 3], SECRETS[(i + 1) % 3]),
            ..Person::default()
        });
        mentees.push(Person {
            email: format!("mentee{i}@x.uk"),
            grade: grades[i % 3].into(),
            organisation: format!("Org {}", (i + 2) % 5),
            identity: SECRETS[i % 3].into(),
            wants_identity: i % 2 == 0,
            ..Person::default()
        });
    }
    let (m, e) = (dir.path().join("mentors.csv"), dir.path().join("mentees.csv"));
    // Some participants name their identity in their biography too.
    let mut mentors_text = mentors_csv(&mentors);
    let mut mentees_text = mentees_csv(&mentees);
    for i in 0..30 {
        let secret = SECRETS[i % 3];
        mentors_text = mentors_text.replace(
            &format!("Bio of mentor {i},"),
            &format!("Bio of mentor {i} and proud to be {secret},"),
        );
        mentees_text = mentees_text.replace(
            &format!("Bio of mentee {i},"),
            &format!("Bio of mentee {i}: {} here,", secret.to_uppercase()),
        );
    }
    assert!(mentors_text.contains(SECRETS[0]) && mentees_text.contains(&SECRETS[1].to_uppercase()));
    std::fs::write(&m, mentors_text).unwrap();
    std::fs::write(&e, mentees_text).unwrap();
    let out = dir.path().join("out");
    let output = cli("match").on(&m, &e).out(&out).run();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let terminal = String::from_utf8_lossy(&output.stdout).to_lowercase()
        + &String::from_utf8_lossy(&output.stderr).to_lowercase();
    let mut scanned = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for secret in SECRETS {
            assert!(
                !text.contains(&secret.to_lowercase()),
                "{} holds an identity value",
                path.display()
            );
        }
        scanned += 1;
    }
    assert!(scanned >= 6);
    for secret in SECRETS {
        assert!(!terminal.contains(&secret.to_lowercase()));
    }
    // Identity requests were met, so the values were really used for matching.
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary["identity_requests"]["met"].as_u64().unwrap() > 0, "{summary}");
}
