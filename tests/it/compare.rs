//! `compare` as an organiser runs it: the shipped models side by side on the sample.

use crate::common::{cli, example, mentorflow};

fn compare(format: &str, models: &[&str]) -> String {
    let mut args = vec![
        "compare".to_string(),
        "--mentors".into(),
        example("mentors.csv"),
        "--mentees".into(),
        example("mentees.csv"),
        "--format".into(),
        format.into(),
    ];
    for model in models {
        args.push("--model".into());
        args.push(model.to_string());
    }
    let output = mentorflow(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

const MODELS: [&str; 5] = ["coverage", "quality", "identity-first", "profession-first", "balanced"];

#[test]
fn each_model_wins_on_what_it_puts_first() {
    let json: serde_json::Value = serde_json::from_str(&compare("json", &MODELS)).unwrap();
    let models = json.as_array().unwrap();
    assert_eq!(models.len(), 5);
    let get = |i: usize, path: &[&str]| -> u64 {
        let mut v = &models[i];
        for key in path {
            v = &v[key];
        }
        v.as_u64().unwrap_or_else(|| panic!("{path:?} in {}", models[i]))
    };
    let names: Vec<&str> = models.iter().map(|m| m["model"].as_str().unwrap()).collect();
    assert_eq!(names, MODELS);
    // The first model shares all its pairs with itself.
    assert_eq!(get(0, &["pairs_shared_with_first"]), get(0, &["pairs"]));
    for i in 1..5 {
        assert!(get(i, &["pairs_shared_with_first"]) <= get(i, &["pairs"]));
    }
    // Quality has the highest total score of all.
    for i in 0..5 {
        assert!(get(1, &["total_score"]) >= get(i, &["total_score"]));
    }
    // Coverage, identity-first and profession-first all put mentees with at least 1 first.
    for i in [0, 2, 3] {
        assert_eq!(get(i, &["mentees", "at_least_1"]), get(0, &["mentees", "at_least_1"]));
        assert!(get(i, &["mentees", "at_least_1"]) >= get(1, &["mentees", "at_least_1"]));
    }
    // Identity-first meets the most identity requests among those, profession-first the most professions.
    for i in [0, 1, 3] {
        assert!(get(2, &["identity_requests", "met"]) >= get(i, &["identity_requests", "met"]));
    }
    for i in [0, 1, 2] {
        assert!(get(3, &["profession_requests", "met"]) >= get(i, &["profession_requests", "met"]));
    }
    // Coverage has the most mentees with 3 matches among models that cover the same mentees.
    assert!(get(0, &["mentees", "at_least_2"]) >= get(2, &["mentees", "at_least_2"]));
}

#[test]
fn table_and_csv_show_every_measure_and_no_personal_data() {
    let table = compare("table", &MODELS[..2]);
    let csv = compare("csv", &MODELS[..2]);
    for text in [&table, &csv] {
        assert!(!text.contains('@'), "{text}");
        for measure in [
            "mentees with 0 matches",
            "mentees with 3 matches",
            "mentors with 0 mentees",
            "identity requests met",
            "profession requests met",
            "pairs shared with coverage",
            "total score",
            "solve time (ms)",
        ] {
            assert!(text.contains(measure), "{measure} missing from\n{text}");
        }
    }
    assert!(csv.starts_with("measure,coverage,quality\n"), "{csv}");
    // Differences from the first model are shown in the table.
    assert!(table.contains("(+") || table.contains("(-"), "{table}");
}

#[test]
fn an_unknown_model_is_refused() {
    let output = cli("compare").on_sample().opt("--model", "no-such-model").run();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-model"));
}

#[test]
fn the_integer_program_reaches_the_flows_values() {
    let flow: serde_json::Value = serde_json::from_str(&compare("json", &["coverage", "quality"])).unwrap();
    let output = cli("compare")
        .on_sample()
        .opt("--format", "json")
        .opt("--solver", "ilp")
        .opt("--model", "coverage")
        .opt("--model", "quality")
        .run();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let ilp: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for i in 0..2 {
        assert_eq!(ilp[i]["solver"], "ilp (microlp)");
        assert_eq!(flow[i]["solver"], "flow");
        assert_eq!(ilp[i]["objective"], flow[i]["objective"], "model {i}");
    }
}

#[test]
fn a_broken_later_model_stops_the_run_before_anything_is_printed() {
    let output = cli("compare")
        .on_sample()
        .opt("--model", "coverage")
        .opt("--model", "no-such-model")
        .run();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-model"));
}
