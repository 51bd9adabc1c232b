//! Reports and exports: everything read off a matching, as plain data or bytes.
//! Writing them to disk is the caller's job.

pub mod compare;
pub mod export;
pub mod html;
pub mod summary;
pub mod whatif;

pub use export::{mailing_lists, matches_csv, safe_cell, MailingList};
pub use summary::{Summary, Timing};

use crate::explain::{bottlenecks, Explainer};
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::{History, Programme};

/// Counts that could point to a few people (identity-related counts in
/// what-if results, counts by organisation in the report) below this are never
/// shown exactly: they show as [`small_text`], "<5".
pub const SMALL_COUNT: u32 = 5;

/// Whether a count is too small to show exactly.
pub fn is_small(count: f64) -> bool {
    count < f64::from(SMALL_COUNT)
}

/// What a small count shows instead: "<5".
pub fn small_text() -> String {
    format!("<{SMALL_COUNT}")
}

/// A count as shown: [`small_text`] when small, else the number.
pub fn shown(count: u64) -> String {
    if is_small(count as f64) {
        small_text()
    } else {
        count.to_string()
    }
}

/// One output file: its name in the output folder and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// The file's name in the output folder.
    pub name: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

/// The files `match` writes from a matching alone: `matches.csv`, the four
/// mailing lists and `summary.json`. `match` also writes [`report_file`].
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

/// `history-next-time.csv`: next time's `--history` (see
/// [`export::history_next_time_csv`]).
pub fn history_next_time_file(programme: &Programme, history: &History, matching: &Matching) -> OutputFile {
    OutputFile {
        name: export::HISTORY_NEXT_TIME.into(),
        bytes: export::history_next_time_csv(programme, history, matching),
    }
}

/// `report.html`: the organisers' page (see [`html`]), with the bottlenecks and
/// every under-matched mentee's reason. Works from counts and each under-matched
/// mentee's grade window, never from the list of eligible pairs.
pub fn report_file(
    programme: &Programme,
    model: &Model,
    history: &History,
    matching: &Matching,
    summary: &Summary,
) -> OutputFile {
    // Only the cheap reasons are read, which never rely on the optimality proof.
    let under_matched = Explainer::new(programme, model, history, matching, false).under_matched();
    let bottlenecks = bottlenecks(programme, model, matching);
    OutputFile {
        name: "report.html".into(),
        bytes: html::report_html(programme, model, matching, summary, &bottlenecks, &under_matched).into_bytes(),
    }
}
