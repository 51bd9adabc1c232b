//! Registrations changed after the export: people who withdrew taken out,
//! late registrations added. The result is a registrations file like the one
//! exported, so it is read and checked exactly as the first one was, and the
//! organisers can keep it for the next run (or give it to `rematch`).

use std::collections::HashSet;

use crate::model::text::{email_key, heading_key};
use crate::model::Model;
use crate::problem::{Problem, Problems};

use super::read::{MENTEE_COLUMNS, MENTOR_COLUMNS, PERSON_COLUMNS};
use super::table::Table;
use super::Source;

/// The headings of a registrations file, as written (for a form with one
/// field a column).
pub fn headings(source: Source) -> Result<Vec<String>, Problems> {
    Ok(Table::read(source)?.headings)
}

/// The registrations file `file` with the rows of the people in `withdrawn`
/// (emails, compared as emails are) left out and the rows of each file in
/// `late` added at its end, as UTF-8 CSV with `file`'s headings. Late rows are
/// placed by their headings (`file`'s, in any order, or others the reader
/// reads as the same column, such as "email" for "email address"; a column
/// they lack is left empty). Under `model`, whose `columns` may name the
/// email column.
///
/// A file with errors is not amended (a row that could not be read would be
/// lost): the errors are returned, as the check reports them. So is a late
/// file's heading that `file` does not have (R022).
pub fn amend(file: Source, model: &Model, withdrawn: &[String], late: &[Source]) -> Result<Vec<u8>, Problems> {
    let mut table = Table::read(file)?;
    let mut problems = std::mem::take(&mut table.problems);
    let email = table.columns_mapped(&PERSON_COLUMNS[2..3], &model.columns, &mut problems)[0];
    let Some(email) = email.filter(|_| !problems.has_errors()) else {
        return Err(problems);
    };
    let keys: Vec<String> = table.headings.iter().map(|h| heading_key(h)).collect();
    // The column a heading is, as the reader sees it: so "email" in late rows
    // goes under "email address" in the file.
    let column_of = |key: &str| -> Option<&'static str> {
        let mapped = model.columns.iter().find(|(_, h)| heading_key(h) == key);
        let spec = |heading: &str| {
            PERSON_COLUMNS
                .iter()
                .chain(&MENTOR_COLUMNS)
                .chain(&MENTEE_COLUMNS)
                .find(|s| s.heading == heading)
        };
        match mapped {
            Some((column, _)) => spec(column).map(|s| s.heading),
            None => PERSON_COLUMNS
                .iter()
                .chain(&MENTOR_COLUMNS)
                .chain(&MENTEE_COLUMNS)
                .find(|s| s.keys.contains(&key))
                .map(|s| s.heading),
        }
    };
    let columns: Vec<Option<&str>> = keys.iter().map(|k| column_of(k)).collect();
    let mut late_tables = Vec::new();
    for source in late {
        let mut rows = Table::read(*source)?;
        problems.extend(std::mem::take(&mut rows.problems));
        // Where each of the late file's columns goes in `file`.
        let mut places = Vec::new();
        for (i, heading) in rows.headings.iter().enumerate() {
            let key = heading_key(heading);
            let same_column = || column_of(&key).and_then(|column| columns.iter().position(|c| *c == Some(column)));
            match keys.iter().position(|k| *k == key).or_else(same_column) {
                Some(place) => places.push(Some(place)),
                None if key.is_empty() => places.push(None),
                None => {
                    problems.push(
                        Problem::error(
                            "R022",
                            rows.file,
                            format!("the column \"{}\" is not in {}", heading.trim(), table.file),
                        )
                        .at_line(1)
                        .in_column(i + 1, heading.trim())
                        .fix(format!(
                            "give late registrations the headings of {}: {}",
                            table.file,
                            table.headings_found()
                        )),
                    );
                    places.push(None);
                }
            }
        }
        late_tables.push((rows, places));
    }
    if problems.has_errors() {
        return Err(problems);
    }

    let withdrawn: HashSet<String> = withdrawn.iter().map(|e| email_key(e)).collect();
    let width = table.headings.len();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = "writing CSV to memory cannot fail";
    writer.write_record(&table.headings).expect(written);
    for row in &table.rows {
        if withdrawn.contains(&email_key(row.get(Some(email)))) {
            continue;
        }
        writer
            .write_record((0..width).map(|i| row.field(i).unwrap_or_default()))
            .expect(written);
    }
    for (rows, places) in &late_tables {
        for row in &rows.rows {
            let mut fields = vec![""; width];
            for (i, place) in places.iter().enumerate() {
                if let Some(place) = place {
                    fields[*place] = row.field(i).unwrap_or_default();
                }
            }
            writer.write_record(&fields).expect(written);
        }
    }
    Ok(writer.into_inner().expect(written))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source<'a>(name: &'a str, text: &'a str) -> Source<'a> {
        Source {
            name,
            bytes: text.as_bytes(),
        }
    }

    #[test]
    fn withdraws_by_email_and_adds_late_rows_by_heading() {
        let file = "first name,email address,grade\nAda,ADA@x.gov.uk,G7\nBo,bo@x.gov.uk,\"SEO\"\n";
        let late = "grade,first name,email\nHEO,Cy,cy@x.gov.uk\n";
        let amended = amend(
            source("mentees.csv", file),
            &Model::civil_service(),
            &[" ada@x.gov.uk".into()],
            &[source("late.csv", late)],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(amended).unwrap(),
            "first name,email address,grade\nBo,bo@x.gov.uk,SEO\nCy,cy@x.gov.uk,HEO\n"
        );
    }

    #[test]
    fn a_late_column_the_file_lacks_is_named() {
        let file = "first name,email address,grade\nAda,ada@x.gov.uk,G7\n";
        let late = "first name,email address,shoe size\nCy,cy@x.gov.uk,9\n";
        let problems = amend(
            source("mentees.csv", file),
            &Model::civil_service(),
            &[],
            &[source("late.csv", late)],
        )
        .unwrap_err();
        let text = problems.to_string();
        assert!(text.contains("R022") && text.contains("shoe size"), "{text}");
        assert!(text.contains("\"email address\""), "{text}");
    }

    #[test]
    fn a_file_with_errors_is_not_amended() {
        let file = "first name,email address,grade\nAda,ada@x.gov.uk\n";
        assert!(amend(source("mentees.csv", file), &Model::civil_service(), &[], &[]).is_err());
    }
}
