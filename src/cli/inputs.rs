//! Reading the input files a command names.

use std::path::Path;

use mentorflow::model::{Model, MAX_MODEL_BYTES};
use mentorflow::pipeline::{self, Inputs, Registrations};
use mentorflow::problem::{Problem, Problems};
use mentorflow::registration::{read_history, Source, MAX_FILE_BYTES};

use super::{Failure, ProgrammeArgs};

/// A file's bytes, or a problem naming it: at most [`MAX_FILE_BYTES`], read
/// through a cap rather than trusting the size the file system reports, so
/// `/dev/zero`, a FIFO or `<(...)` stops at the limit (R012).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Problems> {
    read_file_within(
        path,
        MAX_FILE_BYTES,
        "check this is the right file (not a device or an endless stream); split very large programmes",
    )
}

/// A file's bytes if it holds at most `limit`, or R012 with `fix`.
pub fn read_file_within(path: &Path, limit: usize, fix: &str) -> Result<Vec<u8>, Problems> {
    let bytes = read_capped(path, limit)?;
    if bytes.len() <= limit {
        return Ok(bytes);
    }
    let size = if limit >= 1024 * 1024 {
        format!("{} MB", limit / (1024 * 1024))
    } else {
        format!("{limit} bytes")
    };
    Err(Problems(vec![Problem::error(
        "R012",
        &path.display().to_string(),
        format!("the file is larger than {size}: reading stopped there"),
    )
    .fix(fix)]))
}

/// A file's first `limit + 1` bytes: more than `limit` means the file is too
/// large. Never reads more, whatever the file is.
pub fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>, Problems> {
    use std::io::Read;
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| cannot_read(&name, e))?;
    // The size the system reports only reserves memory; the cap is what stops reading.
    let hint = file.metadata().map_or(0, |m| m.len()).min(limit as u64 + 1);
    let mut bytes = Vec::with_capacity(hint as usize);
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot_read(&name, e))?;
    Ok(bytes)
}

fn cannot_read(name: &str, e: std::io::Error) -> Problems {
    Problems(vec![Problem::error("F001", name, format!("cannot read the file: {e}"))
        .fix("check the path and that you may read it")])
}

/// The model a command names (a file, or the name of a model shipped in
/// `models/` when no such file exists), or the built-in default.
pub fn read_model(path: Option<&Path>) -> Result<Model, Problems> {
    let Some(path) = path else {
        return Ok(Model::civil_service());
    };
    if !path.exists() {
        if let Some(model) = path.to_str().and_then(Model::built_in) {
            return Ok(model);
        }
        // Neither a file nor a shipped model: say both, and name the shipped ones.
        let name = path.display().to_string();
        let shipped: Vec<&str> = mentorflow::model::BUILT_IN.iter().map(|(n, _)| *n).collect();
        return Err(Problems(vec![Problem::error(
            "F001",
            &name,
            "there is no such file, and no shipped model has this name",
        )
        .fix(format!(
            "check the path of the model file, or name a shipped model: {}",
            shipped.join(", ")
        ))]));
    }
    // One byte past the limit is enough for the model's own size check (M001).
    let bytes = read_capped(path, MAX_MODEL_BYTES)?;
    Model::from_json_bytes(&path.display().to_string(), &bytes)
}

/// The inputs, or the errors (with every warning) that stop them being used.
pub fn read_inputs(args: &ProgrammeArgs) -> Result<Inputs, Failure> {
    match gather(args) {
        (Some(inputs), _) => Ok(inputs),
        (None, problems) => Err(Failure::Input(format!("{problems}\nnothing was written"))),
    }
}

/// Read and check every input, as `validate` and the start of every command do:
/// the inputs when there is no error, and every problem found either way. The
/// files are read here; everything after is the library's [`pipeline::read_inputs`].
pub fn gather(args: &ProgrammeArgs) -> (Option<Inputs>, Problems) {
    let model = read_model(args.model.as_deref());
    let mentors = read_file(&args.mentors);
    let mentees = read_file(&args.mentees);
    let history = args
        .history
        .as_deref()
        .map(|path| (path.display().to_string(), read_file(path)));
    let adjust = args
        .adjust
        .as_deref()
        .map(|path| (path.display().to_string(), read_file(path)));
    let organisations = args
        .organisations
        .as_deref()
        .map(|path| (path.display().to_string(), read_file(path)));
    let organisations_source = match &organisations {
        Some((name, Ok(bytes))) => Some(Source { name, bytes }),
        _ => None,
    };
    let adjust_source = match &adjust {
        Some((name, Ok(bytes))) => Some(Source { name, bytes }),
        _ => None,
    };
    let (mentor_name, mentee_name) = (args.mentors.display().to_string(), args.mentees.display().to_string());
    let history_source = match &history {
        Some((name, Ok(bytes))) => Some(Source { name, bytes }),
        _ => None,
    };
    let (inputs, mut problems) = match (&mentors, &mentees) {
        (Ok(mentors), Ok(mentees)) => {
            let registrations = Registrations {
                mentors: Source {
                    name: &mentor_name,
                    bytes: mentors,
                },
                mentees: Source {
                    name: &mentee_name,
                    bytes: mentees,
                },
                history: history_source,
                adjust: adjust_source,
                organisations: organisations_source,
            };
            match (model, &args.model) {
                // A bad model must not hide the registrations' errors: they are
                // read with the default model's ladder, columns and capacities
                // instead, and the output says so.
                (Err(mut problems), Some(path)) => {
                    let fallback = Model::civil_service();
                    problems.push(
                        Problem::warning(
                            "M003",
                            &path.display().to_string(),
                            format!(
                                "the model has errors, so the registrations below were checked with the default model ({}) instead",
                                fallback.name
                            ),
                        )
                        .fix("fix the model's errors and run again to check the registrations against it; grades that only this model names may show as R005 until then"),
                    );
                    problems.extend(pipeline::read_inputs(Ok(fallback), registrations).1);
                    (None, problems)
                }
                (model, _) => pipeline::read_inputs(model, registrations),
            }
        }
        _ => {
            // A registration file cannot be opened: report it with what the other files say.
            let mut problems = Problems::default();
            if let Err(p) = model {
                problems.extend(p);
            }
            for result in [&mentors, &mentees] {
                if let Err(p) = result {
                    problems.extend(p.clone());
                }
            }
            if let Some(source) = history_source {
                if let Err(p) = read_history(source) {
                    problems.extend(p);
                }
            }
            (None, problems)
        }
    };
    for file in [history, adjust, organisations].into_iter().flatten() {
        if let (_, Err(p)) = file {
            problems.extend(p);
            return (None, problems);
        }
    }
    (inputs, problems)
}
