//! The organisations file: spellings organisers say are one organisation.
//!
//! A CSV with columns `name` and `same as`: each row says the organisation
//! written `name` in the registrations is the one written `same as`. A row
//! with `same as` empty keeps `name` as it is. `validate --write-organisations`
//! writes one with its suggestions (the V001 warnings), for organisers to check
//! and pass back with `--organisations`, without editing the model's JSON.

use crate::problem::{Problem, Problems};

use super::table::{ColumnSpec, Table};
use super::Source;

/// The columns of an organisations file, in the order they are written.
pub const COLUMNS: [ColumnSpec; 2] = [
    ColumnSpec {
        heading: "name",
        keys: &["name", "organisation", "organization"],
        required: true,
    },
    ColumnSpec {
        heading: "same as",
        keys: &["sameas", "mergeinto", "canonical"],
        required: true,
    },
];

/// Read an organisations file: (name, same as) for each row that merges.
pub fn read_organisations(source: Source) -> Result<Vec<(String, String)>, Problems> {
    let mut table = Table::read(source)?;
    let mut problems = std::mem::take(&mut table.problems);
    let columns = table.columns(&COLUMNS, &mut problems);
    let mut merges = Vec::new();
    if let [Some(name), Some(same_as)] = columns[..] {
        for row in &table.rows {
            let (from, to) = (row.get(Some(name)).trim(), row.get(Some(same_as)).trim());
            if from.is_empty() && !to.is_empty() {
                problems.push(
                    Problem::error("O001", table.file, "the name is empty")
                        .at_line(row.line)
                        .in_column(name + 1, "name")
                        .with_value(from)
                        .fix("write the spelling used in the registrations, or remove the row"),
                );
            } else if !to.is_empty() {
                merges.push((from.to_string(), to.to_string()));
            }
        }
    }
    problems.into_result()?;
    Ok(merges)
}

/// An organisations file with these rows, as `validate --write-organisations`
/// writes it.
pub fn organisations_csv(merges: &[(String, String)]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let headings: Vec<&str> = COLUMNS.iter().map(|c| c.heading).collect();
    writer
        .write_record(&headings)
        .expect("writing CSV to memory cannot fail");
    for (name, same_as) in merges {
        writer
            .write_record([name, same_as])
            .expect("writing CSV to memory cannot fail");
    }
    writer.into_inner().expect("writing CSV to memory cannot fail")
}
