//! Nothing an organiser owns is deleted or overwritten, and no input can make a
//! run read without end: tried as a new user would, from the command line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{cli, example, mentorflow};

const MANIFEST: &str = ".mentorflow-manifest";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `match` on the sample, with `mentors` and `mentees` as given.
fn run_match(mentors: &str, mentees: &str, out: &Path, force: bool) -> Output {
    let mut args = vec![
        "match".to_string(),
        "--mentors".into(),
        mentors.into(),
        "--mentees".into(),
        mentees.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    if force {
        args.push("--force".into());
    }
    mentorflow(args)
}

fn match_sample(out: &Path, force: bool) -> Output {
    run_match(&example("mentors.csv"), &example("mentees.csv"), out, force)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn force_never_replaces_registrations_inside_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("programme");
    fs::create_dir(&out).unwrap();
    let (mentors, mentees) = (out.join("mentors.csv"), out.join("mentees.csv"));
    fs::copy(example("mentors.csv"), &mentors).unwrap();
    fs::copy(example("mentees.csv"), &mentees).unwrap();
    for force in [false, true] {
        let output = run_match(mentors.to_str().unwrap(), mentees.to_str().unwrap(), &out, force);
        assert_eq!(output.status.code(), Some(1), "refused");
        let message = stderr(&output);
        assert!(
            message.contains("holds the input file") && message.contains("mentors.csv") && message.contains("--out"),
            "{message}"
        );
        assert!(message.contains("nothing was written"), "{message}");
        assert_eq!(
            names(&out),
            ["mentees.csv", "mentors.csv"],
            "nothing written, nothing removed"
        );
        assert_eq!(fs::read(&mentors).unwrap(), fs::read(example("mentors.csv")).unwrap());
        assert_eq!(fs::read(&mentees).unwrap(), fs::read(example("mentees.csv")).unwrap());
    }
    // --out naming an input file itself is refused too, and the file kept.
    let output = run_match(mentors.to_str().unwrap(), mentees.to_str().unwrap(), &mentors, true);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("is the input file"), "{}", stderr(&output));
    assert_eq!(fs::read(&mentors).unwrap(), fs::read(example("mentors.csv")).unwrap());
}

#[test]
fn force_replaces_only_what_the_tool_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(match_sample(&out, false).status.success());
    let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
    assert!(manifest.lines().any(|l| l == "matches.csv"), "{manifest}");

    // A stranger's file and folder beside the outputs.
    fs::write(out.join("notes.txt"), "the organiser's own notes").unwrap();
    fs::create_dir(out.join("drafts")).unwrap();
    fs::write(out.join("drafts").join("letter.txt"), "a draft").unwrap();

    // Without --force a folder holding outputs is refused, naming the way on.
    let again = match_sample(&out, false);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert!(stderr(&again).contains("matches.csv"), "{}", stderr(&again));

    let forced = match_sample(&out, true);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "the organiser's own notes"
    );
    assert_eq!(
        fs::read_to_string(out.join("drafts").join("letter.txt")).unwrap(),
        "a draft"
    );
    assert!(out.join("matches.csv").is_file());
    // Nothing hidden is left but the manifest.
    let hidden: Vec<String> = names(&out).into_iter().filter(|n| n.starts_with('.')).collect();
    assert_eq!(hidden, [MANIFEST]);

    // A file of an output's name that the manifest does not list is the
    // organiser's: --force refuses rather than replace it.
    fs::remove_file(out.join(MANIFEST)).unwrap();
    fs::write(out.join("summary.json"), "mine").unwrap();
    let refused = match_sample(&out, true);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("summary.json") && message.contains(MANIFEST),
        "{message}"
    );
    assert_eq!(fs::read_to_string(out.join("summary.json")).unwrap(), "mine");
}

#[test]
fn outputs_go_into_a_folder_that_holds_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "keep").unwrap();
    let output = match_sample(&out, false);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
    assert!(out.join("report.html").is_file());
    #[cfg(unix)]
    for name in names(&out).iter().filter(|n| *n != "notes.txt") {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{name} is readable by others");
    }
}

#[test]
fn stale_staging_folders_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A run killed while creating the folder leaves a staging folder beside it.
    let beside = dir.path().join(".out.mentorflow-new-1-2");
    fs::create_dir(&beside).unwrap();
    fs::write(beside.join("matches.csv"), "personal data").unwrap();
    assert!(match_sample(&out, false).status.success());
    assert!(!beside.exists(), "the stale folder beside --out is removed");

    // A run killed while writing into the folder leaves one inside it.
    let inside = out.join(".mentorflow-staging-1-2");
    fs::create_dir(&inside).unwrap();
    fs::write(inside.join("matches.csv"), "personal data").unwrap();
    let forced = match_sample(&out, true);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!inside.exists(), "the stale folder inside --out is removed");
    assert_ne!(fs::read_to_string(out.join("matches.csv")).unwrap(), "personal data");
    assert_eq!(names(dir.path()), ["out"]);

    // One killed once its files were complete (its manifest written) is
    // finished: its files are the tool's, so the next --force replaces them.
    let complete = out.join(".mentorflow-staging-3-4");
    fs::create_dir(&complete).unwrap();
    fs::write(complete.join("old-list.csv"), "personal data").unwrap();
    fs::write(complete.join(MANIFEST), "# a killed run's\nold-list.csv\n").unwrap();
    fs::write(out.join("notes.txt"), "keep").unwrap();
    let forced = match_sample(&out, true);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!complete.exists());
    assert!(
        !out.join("old-list.csv").exists(),
        "an earlier output no longer written is removed"
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
    let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
    assert!(
        !manifest.contains("old-list.csv") && manifest.contains("report.html"),
        "{manifest}"
    );
}

#[test]
fn a_running_runs_staging_folder_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(match_sample(&out, false).status.success());
    // Another run, still writing, holds its staging folder's lock.
    let live = out.join(".mentorflow-staging-5-6");
    fs::create_dir(&live).unwrap();
    let lock = fs::File::create(live.join(".lock")).unwrap();
    lock.lock().unwrap();
    let forced = match_sample(&out, true);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(live.is_dir(), "a live run's folder is not taken for a stale one");
    drop(lock);
    assert!(match_sample(&out, true).status.success());
    assert!(!live.exists(), "once its run is over it is removed");
}

#[cfg(unix)]
#[test]
fn a_linked_out_folder_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("shared-drive");
    fs::create_dir(&target).unwrap();
    let link = dir.path().join("out");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for force in [false, true] {
        let output = match_sample(&link, force);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
            "the link stays a link"
        );
        assert!(target.join("matches.csv").is_file());
        assert!(target.join(MANIFEST).is_file());
    }
    assert_eq!(names(dir.path()), ["out", "shared-drive"], "no staging left beside");

    // A link to nothing is refused, naming the fix.
    let dangling = dir.path().join("gone");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let output = match_sample(&dangling, false);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("does not exist"), "{}", stderr(&output));
}

#[test]
fn generate_keeps_a_strangers_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let generate = |force: bool| {
        let mut args = vec![
            "generate",
            "--mentees",
            "5",
            "--mentors",
            "5",
            "--out",
            out.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        mentorflow(args)
    };
    assert!(generate(false).status.success());
    fs::write(out.join("notes.txt"), "keep").unwrap();
    assert!(!generate(false).status.success());
    assert!(generate(true).status.success());
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
}

#[cfg(unix)]
#[test]
fn dev_zero_as_an_input_stops_at_the_limit() {
    let start = std::time::Instant::now();
    let output = cli("validate").on("/dev/zero", example("mentees.csv")).run();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("error[R012] /dev/zero") && text.contains("64 MB"),
        "{text}"
    );
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());

    let model = cli("validate").on_sample().opt("--model", "/dev/zero").run();
    assert_eq!(model.status.code(), Some(1));
    assert!(stdout(&model).contains("error[M001] /dev/zero"), "{}", stdout(&model));
}

#[cfg(unix)]
#[test]
fn a_fifo_as_an_input_stops_at_the_limit() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("history.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    // A writer with more than the limit to give: 80 MB of one heading row's
    // worth of pairs, then it stops.
    let (sent, done) = std::sync::mpsc::channel();
    let path: PathBuf = fifo.clone();
    std::thread::spawn(move || {
        let result = (|| {
            let mut pipe = fs::OpenOptions::new().write(true).open(&path)?;
            pipe.write_all(b"mentee_email,mentor_email\n")?;
            let chunk = b"a@x.gov.uk,b@x.gov.uk\n".repeat(1 << 15);
            let mut written = 0usize;
            while written < 80 << 20 {
                pipe.write_all(&chunk)?;
                written += chunk.len();
            }
            Ok::<usize, std::io::Error>(written)
        })();
        let _ = sent.send(result);
    });
    let output = cli("validate").on_sample().opt("--history", &fifo).run();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("error[R012]") && text.contains("history.csv"), "{text}");
    let writer = done
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the writer ends");
    let error = writer.expect_err("the reader stopped before the end");
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
}

#[test]
fn history_errors_are_capped_like_registration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    fs::write(
        &history,
        "mentee_email,mentor_email\n".to_string() + &"nobody,nobody\n".repeat(3000),
    )
    .unwrap();
    let output = cli("validate").on_sample().opt("--history", &history).run();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let errors = text.lines().filter(|l| l.starts_with("error[H001]")).count();
    assert!((1000..=1001).contains(&errors), "{errors} errors");
    assert!(text.contains("error[R017]"), "{text}");
}

#[test]
fn whatif_chart_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let mentors = dir.path().join("mentors.csv");
    fs::copy(example("mentors.csv"), &mentors).unwrap();
    let chart = dir.path().join("coverage.svg");
    fs::write(&chart, "the organiser's file").unwrap();
    let whatif = |chart: &Path, force: bool| {
        let mut args = vec![
            "whatif".to_string(),
            "--mentors".into(),
            mentors.display().to_string(),
            "--mentees".into(),
            example("mentees.csv"),
            "--vary".into(),
            "mentor-capacity=1..2".into(),
            "--chart".into(),
            chart.display().to_string(),
        ];
        if force {
            args.push("--force".into());
        }
        mentorflow(args)
    };
    let refused = whatif(&chart, false);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("coverage.svg") && message.contains("--force"),
        "{message}"
    );
    assert_eq!(fs::read_to_string(&chart).unwrap(), "the organiser's file");

    let forced = whatif(&chart, true);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(fs::read_to_string(&chart).unwrap().starts_with("<svg"));

    // An input is never a chart, even with --force.
    for force in [false, true] {
        let onto_input = whatif(&mentors, force);
        assert_eq!(onto_input.status.code(), Some(1));
        assert!(
            stderr(&onto_input).contains("is the input file"),
            "{}",
            stderr(&onto_input)
        );
        assert_eq!(fs::read(&mentors).unwrap(), fs::read(example("mentors.csv")).unwrap());
    }
}

#[test]
fn validate_reports_a_bad_model_and_bad_registrations_together() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    fs::write(&model, r#"{"grades": 3}"#).unwrap();
    let mentors = dir.path().join("mentors.csv");
    let sample = fs::read_to_string(example("mentors.csv")).unwrap();
    let (heading, rest) = sample.split_once('\n').unwrap();
    let email_column = heading.split(',').position(|h| h == "email address").unwrap();
    let mut first_row: Vec<&str> = rest.lines().next().unwrap().split(',').collect();
    first_row[email_column] = "not-an-email";
    fs::write(&mentors, format!("{heading}\n{}\n", first_row.join(","))).unwrap();
    let output = cli("validate")
        .on(&mentors, example("mentees.csv"))
        .opt("--model", &model)
        .run();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("error[M001]"), "{text}");
    assert!(
        text.contains("warning[M003]") && text.contains("default model"),
        "{text}"
    );
    assert!(text.contains("error[R003]") && text.contains("not-an-email"), "{text}");
}
