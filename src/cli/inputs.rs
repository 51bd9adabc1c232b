//! Reading the input files a command names.

use std::path::Path;

use mentorflow::model::Model;
use mentorflow::problem::{Problem, Problems};
use mentorflow::registration::{
    read_history, read_programme, validate, Files, History, Reading, Source, MAX_FILE_BYTES,
};

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

/// Everything a programme command reads: the model, the registrations and the
/// history, with every problem in all of them reported together.
pub struct Inputs {
    pub model: Model,
    /// The programme, and every warning about it: reading and validation.
    pub reading: Reading,
    pub history: History,
}

/// The inputs, or the errors (with every warning) that stop them being used.
pub fn read_inputs(args: &ProgrammeArgs) -> Result<Inputs, Failure> {
    match gather(args) {
        (Some(inputs), _) => Ok(inputs),
        (None, problems) => Err(Failure::Input(format!("{problems}\nnothing was written"))),
    }
}

/// Read and check every input, as `validate` and the start of every command do:
/// the inputs when there is no error, and every problem found either way.
pub fn gather(args: &ProgrammeArgs) -> (Option<Inputs>, Problems) {
    let mut problems = Problems::default();
    let model = read_model(args.model.as_deref()).map_err(|p| problems.extend(p)).ok();
    let mentors = read_file(&args.mentors).map_err(|p| problems.extend(p)).ok();
    let mentees = read_file(&args.mentees).map_err(|p| problems.extend(p)).ok();
    let history = args.history.as_deref().and_then(|path| {
        let name = path.display().to_string();
        let bytes = read_file(path).map_err(|p| problems.extend(p)).ok()?;
        read_history(Source {
            name: &name,
            bytes: &bytes,
        })
        .map_err(|p| problems.extend(p))
        .ok()
    });
    let (mentor_name, mentee_name) = (args.mentors.display().to_string(), args.mentees.display().to_string());
    let reading = match (&model, &mentors, &mentees) {
        (Some(model), Some(mentors), Some(mentees)) => read_programme(
            Source {
                name: &mentor_name,
                bytes: mentors,
            },
            Source {
                name: &mentee_name,
                bytes: mentees,
            },
            model,
        )
        .map_err(|p| problems.extend(p))
        .ok(),
        _ => None,
    };
    match (model, reading) {
        (Some(model), Some(mut reading)) if !problems.has_errors() => {
            let history = history.unwrap_or_default();
            let files = Files {
                mentors: &mentor_name,
                mentees: &mentee_name,
            };
            let found = validate(&reading.programme, &model, &history, files);
            reading.warnings.0.extend(found);
            problems.extend(reading.warnings.clone());
            let inputs = Inputs {
                model,
                reading,
                history,
            };
            (Some(inputs), problems)
        }
        _ => (None, problems),
    }
}
