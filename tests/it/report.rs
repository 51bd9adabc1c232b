//! `report.html`: self-contained, escaped, free of identity data and small
//! counts by organisation, the same every run, and rendered by a real browser.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{cli, programme, Person};
use mentorflow::eligibility::eligible_pairs;
use mentorflow::explain::coverage_certificate;
use mentorflow::model::Model;
use mentorflow::registration::History;
use mentorflow::report::{report_file, Summary, Timing};
use mentorflow::solve;

fn at(email: &str, grade: &str, organisation: &str) -> Person {
    Person {
        email: email.into(),
        grade: grade.into(),
        organisation: organisation.into(),
        ..Person::default()
    }
}

fn report() -> String {
    let model = Model::civil_service();
    let hostile = "<script>alert(1)</script> & Co";
    let mut mentees: Vec<Person> = (0..6)
        .map(|i| Person {
            identity: "Transgender".into(),
            wants_identity: true,
            profession: "Digital, Data and Technology".into(),
            ..at(&format!("e{i}@x.uk"), "HEO", "Big Department")
        })
        .collect();
    mentees.push(at("lonely@x.uk", "SCS4", hostile)); // no grade above: no mentor
    let mentors = [
        Person {
            identity: "Transgender".into(),
            capacity: Some(2),
            ..at("m1@x.uk", "SEO", hostile)
        },
        at("m2@x.uk", "Grade 7", "Other Department"),
    ];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let pairs = eligible_pairs(&p, &model, &history);
    let matching = solve::solve(&p, &model, &pairs).unwrap().matching;
    let summary = Summary::new(&p, &model, pairs.len(), &matching, Timing::default())
        .with_certificate(coverage_certificate(&p, &model, &history, &matching));
    let file = report_file(&p, &model, &history, &matching, &summary);
    assert_eq!(file.name, "report.html");
    String::from_utf8(file.bytes).unwrap()
}

#[test]
fn the_page_is_self_contained_escaped_and_private() {
    let page = report();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<svg").count(), 4, "four charts");
    // Nothing to run, nothing to fetch: the only URL is SVG's namespace name.
    assert!(!page.contains("<script"), "unescaped markup");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    assert!(!page.contains("src="));
    assert_eq!(
        page.matches("://").count(),
        page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(page.contains("Content-Security-Policy"));
    // Identity never shows; only counts of requests.
    assert!(!page.to_lowercase().contains("transgender"));
    // Counts by organisation under 5 are hidden: the hostile organisation has 1 mentee.
    assert!(page.contains("<td class=\"n\">&lt;5</td>"));
    assert!(page.contains("1 organisations with fewer than 5 mentees"));
    // The certificate, the bottleneck and the mentee with no mentor, with reasons.
    assert!(page.contains("id=\"certificate\""));
    assert!(
        page.contains("6 HEO mentees want Digital, Data and Technology"),
        "{page}"
    );
    assert!(page.contains("lonely@x.uk"));
    assert!(page.contains("no eligible mentor: the grade window left nobody"));
    // The same page every run.
    assert_eq!(page, report());
}

/// Runs when Debian's chromium is installed (`.ci/browser-check` installs it);
/// otherwise says so and passes.
#[test]
fn the_page_renders_in_headless_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("skipped: /usr/bin/chromium is not installed (run .ci/browser-check to install it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = cli("match").on_sample().out(&out).run();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let output = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    let (dom, log) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "the page logged: {console:?}");
    assert_eq!(dom.matches("<svg").count(), 4, "{dom}");
    for id in [
        "chart-mentee-matches",
        "chart-mentor-matches",
        "chart-grade-coverage",
        "chart-organisation-coverage",
        "certificate",
        "under-matched",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "#{id} missing");
    }
    assert!(dom.contains("<rect"));
}
