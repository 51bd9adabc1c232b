//! Reports and exports: everything read off a matching, as plain data or bytes.
//! Writing them to disk is the caller's job.

pub mod compare;
pub mod export;
pub mod summary;
pub mod whatif;

pub use export::{mailing_lists, matches_csv, safe_cell, MailingList};
pub use summary::{Summary, Timing};

use crate::matching::Matching;
use crate::model::Model;
use crate::registration::Programme;

/// One output file: its name in the output folder and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file `match` writes: `matches.csv`, the four mailing lists and
/// `summary.json`.
pub fn output_files(programme: &Programme, model: &Model, matching: &Matching, summary: &Summary) -> Vec<OutputFile> {
    let mut files = vec![OutputFile {
        name: "matches.csv".into(),
        bytes: matches_csv(programme, model, matching),
    }];
    files.extend(
        mailing_lists(programme, model, matching)
            .into_iter()
            .map(|list| OutputFile {
                name: list.file_name.into(),
                bytes: list.csv,
            }),
    );
    files.push(OutputFile {
        name: "summary.json".into(),
        bytes: summary.to_json().into_bytes(),
    });
    files
}
