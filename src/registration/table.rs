//! A CSV file as spreadsheets export it, read into headings and rows: UTF-8 with
//! or without a byte-order mark, CRLF or LF, quoted fields holding commas and line
//! breaks. Limits keep a huge or hostile file from exhausting memory.

use crate::model::text::heading_key;
use crate::problem::{Problem, Problems};

use super::Source;

/// Largest input file read.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Most rows read from one file.
pub const MAX_ROWS: usize = 200_000;
/// Longest field read, in characters.
pub const MAX_FIELD_CHARS: usize = 10_000;

/// One row of a table, with the line it starts on.
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A CSV file's headings and rows.
#[derive(Debug)]
pub struct Table<'a> {
    pub file: &'a str,
    pub headings: Vec<String>,
    pub rows: Vec<Row>,
}

/// A column the reader looks for, by the keys of the headings it may have.
pub struct ColumnSpec {
    /// The heading to name in messages.
    pub heading: &'static str,
    /// Heading keys (see [`heading_key`]) that mean this column.
    pub keys: &'static [&'static str],
    pub required: bool,
}

impl<'a> Table<'a> {
    /// Read a file's bytes; every problem found is returned together.
    pub fn read(source: Source<'a>) -> Result<Table<'a>, Problems> {
        let file = source.name;
        let too_big = |what: String, fix: &str| Problems(vec![Problem::error("R012", file, what).fix(fix)]);
        if source.bytes.len() > MAX_FILE_BYTES {
            return Err(too_big(
                format!("the file is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)),
                "check this is the registration export; split very large programmes",
            ));
        }
        let bytes = source.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source.bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            return Err(Problems(vec![Problem::error(
                "R002",
                file,
                "the file is not UTF-8 text (older Excel saves CSV in Windows-1252)",
            )
            .at_line(line)
            .fix(
                "in Excel choose File > Save As > \"CSV UTF-8 (Comma delimited)\", or export the form as UTF-8",
            )]));
        }

        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut problems = Problems::default();
        let mut lines = LineCounter {
            bytes,
            offset: 0,
            line: 1,
        };
        let mut headings: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    problems.push(
                        Problem::error("R008", file, format!("the CSV cannot be read: {e}"))
                            .at_line(line)
                            .fix("check the quotes on this line: a quoted field must end with a quote"),
                    );
                    break;
                }
            };
            let line = record.position().map_or(0, |p| lines.line_at(p.byte() as usize));
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let fields: Vec<String> = record.iter().map(str::to_string).collect();
            for (i, field) in fields.iter().enumerate() {
                if field.chars().count() > MAX_FIELD_CHARS {
                    let heading = headings.as_ref().and_then(|h| h.get(i)).map_or("", |h| h.as_str());
                    problems.push(
                        Problem::error(
                            "R011",
                            file,
                            format!("a field is longer than {MAX_FIELD_CHARS} characters"),
                        )
                        .at_line(line)
                        .in_column(i + 1, heading)
                        .fix("shorten it; a stray quote can also make a field swallow the lines after it"),
                    );
                }
            }
            match &headings {
                None => headings = Some(fields),
                Some(h) => {
                    if fields.len() != h.len() {
                        problems.push(
                            Problem::error(
                                "R008",
                                file,
                                format!("this row has {} fields but the headings have {}", fields.len(), h.len()),
                            )
                            .at_line(line)
                            .fix("check for a missing or extra comma, or a field with a comma that is not in quotes"),
                        );
                    }
                    if rows.len() == MAX_ROWS {
                        problems.push(
                            Problem::error("R012", file, format!("more than {MAX_ROWS} registrations"))
                                .at_line(line)
                                .fix("check this is the registration export"),
                        );
                        break;
                    }
                    rows.push(Row { line, fields });
                }
            }
        }
        let Some(headings) = headings else {
            return Err(Problems(vec![
                Problem::error("R010", file, "the file is empty").fix("export the registrations with a heading row")
            ]));
        };
        if problems.has_errors() {
            return Err(problems);
        }
        Ok(Table { file, headings, rows })
    }

    /// Where each wanted column is, reporting required ones that are missing.
    pub fn columns(&self, specs: &[ColumnSpec], problems: &mut Problems) -> Vec<Option<usize>> {
        let keys: Vec<String> = self.headings.iter().map(|h| heading_key(h)).collect();
        specs
            .iter()
            .map(|spec| {
                let found = keys.iter().position(|k| spec.keys.contains(&k.as_str()));
                if found.is_none() && spec.required {
                    problems.push(
                        Problem::error("R001", self.file, format!("the column \"{}\" is missing", spec.heading))
                            .at_line(1)
                            .fix(format!(
                                "add a column headed \"{}\" (headings match ignoring case, spaces, _ and -)",
                                spec.heading
                            )),
                    );
                }
                found
            })
            .collect()
    }
}

/// Line numbers from byte offsets, counted here because the CSV reader's own
/// count can lag by one after a line break.
struct LineCounter<'b> {
    bytes: &'b [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line of the first character at or after `offset` that is not a line break.
    fn line_at(&mut self, mut offset: usize) -> u64 {
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        let offset = offset.min(self.bytes.len());
        if offset >= self.offset {
            self.line += self.bytes[self.offset..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

impl Row {
    /// The trimmed value in a column, or "" when the column is absent.
    pub fn get(&self, column: Option<usize>) -> &str {
        column.and_then(|c| self.fields.get(c)).map_or("", |f| f.trim())
    }
}
