//! Defects found by trying the released command line with hostile inputs, each
//! reproduced as it was found.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{cli, csv_records};

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
