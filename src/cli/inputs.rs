//! Reading the input files a command names.

use std::path::Path;

use mentorflow::model::Model;
use mentorflow::pipeline::{self, Inputs, Registrations};
use mentorflow::problem::{Problem, Problems};
use mentorflow::registration::{read_history, Source, MAX_FILE_BYTES};

use super::{Failure, ProgrammeArgs};

/// A file's bytes, or a problem naming it.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Problems> {
    let name = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| cannot_read(&name, e))?;
    if metadata.len() > MAX_FILE_BYTES as u64 {
        return Err(Problems(vec![Problem::error(
            "R012",
            &name,
            format!("the file is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)),
        )
        .fix("check this is the right file")]));
    }
    std::fs::read(path).map_err(|e| cannot_read(&name, e))
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
    }
    let bytes = read_file(path)?;
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
    let (mentor_name, mentee_name) = (args.mentors.display().to_string(), args.mentees.display().to_string());
    let history_source = match &history {
        Some((name, Ok(bytes))) => Some(Source { name, bytes }),
        _ => None,
    };
    let (inputs, mut problems) = match (&mentors, &mentees) {
        (Ok(mentors), Ok(mentees)) => pipeline::read_inputs(
            model,
            Registrations {
                mentors: Source {
                    name: &mentor_name,
                    bytes: mentors,
                },
                mentees: Source {
                    name: &mentee_name,
                    bytes: mentees,
                },
                history: history_source,
            },
        ),
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
    if let Some((_, Err(p))) = history {
        problems.extend(p);
        return (None, problems);
    }
    (inputs, problems)
}
