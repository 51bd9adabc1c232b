//! The fuzz targets' checks on every `cargo test`: the committed seed corpus, each
//! input the fuzzer found a fault with (fixed since), and a random stand-in for
//! the fuzzer (random and mutated bytes) so the checks run without a nightly
//! toolchain. The README's "Fuzzing" section says how to run the real fuzzer.

#[path = "../fuzz_checks/mod.rs"]
mod fuzz_checks;

use std::path::Path;

use fuzz_checks::{check_model_bytes, check_registration_bytes, registration_input};
use proptest::prelude::*;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn registration_seeds_hold() {
    for (name, bytes) in seeds("registration") {
        println!("{name}");
        check_registration_bytes(&bytes);
    }
}

#[test]
fn model_seeds_hold() {
    for (name, bytes) in seeds("model") {
        println!("{name}");
        check_model_bytes(&bytes);
    }
}

/// Replace, insert or delete bytes of a seed, as the fuzzer does.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, byte, kind) in edits {
        let at = if bytes.is_empty() { 0 } else { at % (bytes.len() + 1) };
        match kind % 4 {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            // Splice in one of the bytes CSV and JSON readers care about.
            _ => bytes.insert(at, b",\"\n\r;\t{}[]:@\xC3\xE9\x00\xFF"[byte as usize % 16]),
        }
    }
    bytes
}

proptest! {
    // PROPTEST_CASES=100000 for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn registration_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_registration_bytes(&data);
    }

    #[test]
    fn registration_mutated_seeds(
        seed in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..24),
    ) {
        let seeds = seeds("registration");
        let (_, bytes) = seed.get(&seeds);
        check_registration_bytes(&mutate(bytes, &edits));
    }

    #[test]
    fn registration_mutated_rows(
        mentor_edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..12),
        mentee_edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..12),
    ) {
        // Mutating each file on its own keeps the cut between them where it is.
        let mentors = mutate(&fuzz_checks::MENTORS_CSV.as_bytes()[..1500], &mentor_edits);
        let mentees = mutate(&fuzz_checks::MENTEES_CSV.as_bytes()[..1500], &mentee_edits);
        check_registration_bytes(&registration_input(&mentors, &mentees));
    }

    #[test]
    fn model_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_model_bytes(&data);
    }

    #[test]
    fn model_mutated_seeds(
        seed in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12),
    ) {
        let seeds = seeds("model");
        let (_, bytes) = seed.get(&seeds);
        check_model_bytes(&mutate(bytes, &edits));
    }
}

/// Inputs the fuzzer found a fault with, each fixed since, in
/// `tests/fuzz_findings/<target>/`, replayed through the same checks.
#[test]
fn fuzz_findings_hold() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_findings");
    for (target, check) in [
        ("registration", check_registration_bytes as fn(&[u8])),
        ("model", check_model_bytes),
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            println!("{}", path.display());
            check(&std::fs::read(&path).unwrap());
        }
    }
}

/// Found by the registration fuzzer: after a heading row ending in CR alone (as
/// old Mac Excel saves CSV), the first registration was said to be on line 1.
#[test]
fn finding_cr_line_endings_give_the_right_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_findings/registration");
    let data = std::fs::read(dir.join("cr-line-endings-line-1")).unwrap();
    let (mentors, _) = fuzz_checks::split_registration_input(&data);
    assert!(mentors.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n'));
    check_registration_bytes(&data);

    let mentors = "first name,email address,grade,organisation\rA,a@x.gov.uk,Grade 7,Org A\rB,b@x.gov.uk,SEO,Org B\r";
    let mentees = "first name,email address,grade,organisation\nC,c@x.gov.uk,HEO,Org C\n";
    let reading = mentorflow::registration::read_programme(
        mentorflow::registration::Source {
            name: "mentors.csv",
            bytes: mentors.as_bytes(),
        },
        mentorflow::registration::Source {
            name: "mentees.csv",
            bytes: mentees.as_bytes(),
        },
        &mentorflow::model::Model::civil_service(),
    )
    .unwrap();
    let lines: Vec<u64> = reading.programme.mentors.iter().map(|m| m.person.line).collect();
    assert_eq!(lines, [2, 3]);
}
