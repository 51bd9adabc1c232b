//! Same inputs give byte-identical outputs, and the order of rows in the
//! registration files changes nothing.

use crate::common;

use std::path::Path;

use common::cli;
use mentorflow::registration::generate::{generate, GenerateSpec};
use rand::seq::SliceRandom;
use rand::SeedableRng;

fn run_match(mentors: &Path, mentees: &Path, out: &Path) {
    let output = cli("match").on(mentors, mentees).out(out).run();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The same CSV with its data rows in another order (fields with line breaks kept whole).
fn shuffled(csv_text: &str, seed: u64) -> String {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let headings = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    rows.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headings).unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn same_input_same_bytes_and_row_order_does_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(&GenerateSpec {
        mentees: 300,
        mentors: 300,
        seed: 7,
    });
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let mentors = write("mentors.csv", &data.mentors_csv);
    let mentees = write("mentees.csv", &data.mentees_csv);
    // The same file names in another folder: the report's title names the files.
    std::fs::create_dir(dir.path().join("shuffled")).unwrap();
    let mentors_shuffled = write("shuffled/mentors.csv", &shuffled(&data.mentors_csv, 1));
    let mentees_shuffled = write("shuffled/mentees.csv", &shuffled(&data.mentees_csv, 2));
    assert_ne!(data.mentees_csv, std::fs::read_to_string(&mentees_shuffled).unwrap());

    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run_match(&mentors, &mentees, &a);
    run_match(&mentors, &mentees, &b);
    run_match(&mentors_shuffled, &mentees_shuffled, &c);
    let first = files(&a);
    assert!(first.len() >= 6);
    assert_eq!(first, files(&b), "two runs on the same input differ");
    assert_eq!(first, files(&c), "shuffling the rows changed the outputs");
}

#[test]
fn the_matching_does_not_depend_on_the_number_of_threads() {
    use mentorflow::eligibility::Eligibility;
    use mentorflow::model::Model;
    use mentorflow::registration::History;
    use mentorflow::solve::{solve_eligible, SolveOptions};

    let model = Model::civil_service();
    let programme = common::generated(900, 700, 4, &model);
    let history = History::default();
    let eligibility = Eligibility::new(&programme, &model, &history);
    let solve = |threads: usize| {
        let options = SolveOptions {
            threads,
            ..SolveOptions::default()
        };
        solve_eligible(&eligibility, options).unwrap().matching
    };
    let one = solve(1);
    for threads in [2, 3, 5] {
        assert_eq!(solve(threads), one, "{threads} threads");
    }
}
