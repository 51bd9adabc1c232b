//! A CSV file as spreadsheets export it, read into headings and rows: UTF-8 with
//! or without a byte-order mark (Windows-1252 and UTF-16 read with a warning),
//! CRLF, LF or CR, quoted fields holding commas and line breaks, commas, semicolons
//! or tabs between fields.
//!
//! Limits keep a huge or hostile file from exhausting memory or time: the file's
//! size, rows, columns, field length and problems reported are all bounded, and
//! a row is stored as one string, so a table takes about the memory of its file.

use crate::model::text::heading_key;
use crate::problem::{Problem, Problems};

use super::encoding::{decode, line_breaks};
use super::Source;

/// Largest input file read.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Most rows read from one file.
pub const MAX_ROWS: usize = 200_000;
/// Longest field read, in characters.
pub const MAX_FIELD_CHARS: usize = 10_000;
/// Most columns a file may have.
pub const MAX_COLUMNS: usize = 500;
/// Most errors reported for one file: past this the file is plainly the wrong
/// one, and listing more would only use memory.
pub const MAX_PROBLEMS: usize = 1_000;

/// A field of more bytes than this has more than `max_chars` characters (a
/// character is at most 4 bytes), so the field buffer never grows.
const fn max_field_bytes(max_chars: usize) -> usize {
    4 * max_chars + 4
}

/// One row of a table, with the line it starts on.
#[derive(Debug)]
pub struct Row {
    /// 1-based line of the file the row starts on.
    pub line: u64,
    /// The record's row as a spreadsheet shows it: 1 is the headings, 2 the
    /// first record. It differs from `line` once a field holds a line break.
    pub row: u64,
    /// The fields, each followed by a NUL: no field holds one, as files with
    /// NULs are refused. One allocation a row, a byte a field.
    text: Box<str>,
    /// Where each field's NUL is in `text`, so a field is found without
    /// scanning the ones before it (a row's fields are each read once or more).
    ends: Box<[u32]>,
}

/// What ends each field in [`Row::text`].
const END: char = '\0';

/// A CSV file's headings and rows.
#[derive(Debug)]
pub struct Table<'a> {
    /// The file's name, for messages.
    pub file: &'a str,
    /// The heading row, as written.
    pub headings: Vec<String>,
    /// The rows that could be read. A row that could not (wrong number of
    /// fields, a field too long) is left out, with an error in `problems`.
    pub rows: Vec<Row>,
    /// Warnings about the file (such as its encoding) and errors about its rows:
    /// the caller reports them with its own, so one run shows every problem.
    pub problems: Problems,
}

/// A column the reader looks for, by the keys of the headings it may have.
pub struct ColumnSpec {
    /// The heading to name in messages.
    pub heading: &'static str,
    /// Heading keys (see [`heading_key`]) that mean this column, most specific first.
    pub keys: &'static [&'static str],
    /// Whether a file without the column is an error.
    pub required: bool,
}

impl<'a> Table<'a> {
    /// Read a file's bytes. Problems that stop the whole file being read (its
    /// encoding, its size, no headings) are an `Err`; problems with rows are in
    /// [`Table::problems`].
    pub fn read(source: Source<'a>) -> Result<Table<'a>, Problems> {
        Table::read_with_field_limit(source, MAX_FIELD_CHARS)
    }

    /// [`Table::read`], with fields of up to `max_field_chars` characters: a
    /// file this tool wrote may join two fields of a registration into one (a
    /// `matches.csv` gives a first and a last name as one name).
    pub fn read_with_field_limit(source: Source<'a>, max_field_chars: usize) -> Result<Table<'a>, Problems> {
        let file = source.name;
        if source.bytes.len() > MAX_FILE_BYTES {
            return Err(Problems(vec![Problem::error(
                "R012",
                file,
                format!("the file is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)),
            )
            .fix("check this is the right file; split very large programmes")]));
        }
        let decoded = decode(file, source.bytes)?;
        let mut problems = Problems(decoded.warning.into_iter().collect());
        let text: &str = &decoded.text;
        let (delimiter, start) = delimiter(text);
        let records = Records::new(file, text.as_bytes(), delimiter, start, max_field_chars).read();
        problems.extend(records.problems);
        match records.headings {
            Some(headings) if !records.stopped => Ok(Table {
                file,
                headings,
                rows: records.rows,
                problems,
            }),
            Some(_) => Err(problems),
            None => {
                if !problems.has_errors() {
                    problems.push(
                        Problem::error("R010", file, "the file is empty")
                            .fix("export the registrations with a heading row"),
                    );
                }
                Err(problems)
            }
        }
    }

    /// Where each wanted column is, reporting required ones that are missing and
    /// warning when several columns could be the same one.
    pub fn columns(&self, specs: &[ColumnSpec], problems: &mut Problems) -> Vec<Option<usize>> {
        self.find_columns(specs, None, problems)
    }

    /// The headings found, quoted and numbered, for messages (at most 40).
    pub fn headings_found(&self) -> String {
        let mut found: Vec<String> = self
            .headings
            .iter()
            .take(40)
            .enumerate()
            .map(|(i, h)| format!("{} \"{}\"", i + 1, crate::problem::printable(h.trim())))
            .collect();
        if self.headings.len() > 40 {
            found.push(format!("and {} more", self.headings.len() - 40));
        }
        found.join(", ")
    }

    /// [`Table::columns`], where `mapped` gives, by a column's heading (as in
    /// [`ColumnSpec::heading`]), the heading it has in this file (the model's
    /// `columns` key).
    pub fn columns_mapped(
        &self,
        specs: &[ColumnSpec],
        mapped: &std::collections::BTreeMap<String, String>,
        problems: &mut Problems,
    ) -> Vec<Option<usize>> {
        self.find_columns(specs, Some(mapped), problems)
    }

    /// The columns, with the model's `columns` for a registration file (`None`
    /// for the other files, whose headings the model cannot map).
    fn find_columns(
        &self,
        specs: &[ColumnSpec],
        mapped: Option<&std::collections::BTreeMap<String, String>>,
        problems: &mut Problems,
    ) -> Vec<Option<usize>> {
        let keys: Vec<String> = self.headings.iter().map(|h| heading_key(h)).collect();
        specs
            .iter()
            .map(|spec| {
                if let Some(heading) = mapped.and_then(|m| m.get(spec.heading)) {
                    let wanted = heading_key(heading);
                    let found = keys.iter().position(|k| *k == wanted);
                    if found.is_none() {
                        problems.push(
                            Problem::error(
                                "R001",
                                self.file,
                                format!(
                                    "the model's \"columns\" says the column \"{}\" is headed \"{}\", but no column has that heading; the headings found are {}",
                                    spec.heading,
                                    heading,
                                    self.headings_found()
                                ),
                            )
                            .at_line(1)
                            .fix("correct the heading in the model's \"columns\" to one of the headings found"),
                        );
                    }
                    return found;
                }
                let found = spec.keys.iter().find_map(|key| keys.iter().position(|k| k == key));
                if found.is_none() && spec.required {
                    problems.push(
                        Problem::error(
                            "R001",
                            self.file,
                            format!(
                                "the column \"{}\" is missing; the headings found are {}",
                                spec.heading,
                                self.headings_found()
                            ),
                        )
                        .at_line(1)
                        .fix(if mapped.is_some() {
                            format!(
                                "add a column headed \"{}\" (headings match ignoring case, spaces, _ and -), or if one of the headings found is this column, map it in the model: \"columns\": {{\"{}\": \"its heading\"}}",
                                spec.heading, spec.heading
                            )
                        } else {
                            format!(
                                "add a column headed \"{}\" (headings match ignoring case, spaces, _ and -), or if one of the headings found is this column, rename it to \"{}\"",
                                spec.heading, spec.heading
                            )
                        }),
                    );
                }
                if let Some(used) = found {
                    let others: Vec<String> = (0..keys.len())
                        .filter(|&i| i != used && spec.keys.contains(&keys[i].as_str()))
                        .map(|i| format!("{} ({})", i + 1, self.headings[i].trim()))
                        .collect();
                    if !others.is_empty() {
                        problems.push(
                            Problem::warning(
                                "R016",
                                self.file,
                                format!(
                                    "several columns could be \"{}\": column {} is used, column {} is ignored",
                                    spec.heading,
                                    used + 1,
                                    others.join(", column ")
                                ),
                            )
                            .at_line(1)
                            .in_column(used + 1, self.headings[used].trim())
                            .fix("rename or remove the columns that are not this one"),
                        );
                    }
                }
                found
            })
            .collect()
    }
}

/// The field delimiter, and where the CSV starts. Excel writes commas, but in some
/// settings semicolons, and "Unicode Text" has tabs; the heading row always has
/// several fields, so the delimiter is the one it has. A first line `sep=;` (which
/// Excel understands) names the delimiter.
fn delimiter(text: &str) -> (u8, usize) {
    let first_line = text.split(['\r', '\n']).next().unwrap_or("");
    let sep = first_line
        .strip_prefix("sep=")
        .or_else(|| first_line.strip_prefix("SEP="));
    if let Some(&[b]) = sep.map(str::as_bytes) {
        if matches!(b, b',' | b';' | b'\t' | b'|') {
            let rest = &text[first_line.len()..];
            let end = rest
                .strip_prefix("\r\n")
                .or_else(|| rest.strip_prefix(['\r', '\n']))
                .unwrap_or(rest);
            return (b, text.len() - end.len());
        }
    }
    let heading_line = text.split(['\r', '\n']).find(|l| !l.trim().is_empty()).unwrap_or("");
    if heading_line.contains(',') {
        (b',', 0)
    } else if heading_line.contains('\t') {
        (b'\t', 0)
    } else if heading_line.contains(';') {
        (b';', 0)
    } else {
        (b',', 0)
    }
}

/// The reading of one file's records, field by field, so no row, field or
/// count of fields can grow past its limit.
struct Records<'b> {
    file: &'b str,
    bytes: &'b [u8],
    offset: usize,
    reader: csv_core::Reader,
    /// The longest field read, in characters.
    max_chars: usize,
    lines: LineCounter<'b>,
    problems: Problems,
}

impl<'b> Records<'b> {
    fn new(file: &'b str, bytes: &'b [u8], delimiter: u8, start: usize, max_chars: usize) -> Self {
        Records {
            file,
            bytes,
            offset: start,
            reader: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            max_chars,
            lines: LineCounter {
                bytes,
                offset: 0,
                line: 1,
            },
            problems: Problems::default(),
        }
    }

    fn read(mut self) -> ReadRecords {
        let mut stopped = false;
        let mut headings: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        let mut field = vec![0u8; max_field_bytes(self.max_chars)];
        let mut text = String::new();
        let mut ends: Vec<u32> = Vec::new();
        let mut too_long: Vec<usize> = Vec::new();
        loop {
            // One record.
            let record_start = self.offset;
            let keep = headings.as_ref().map_or(MAX_COLUMNS, Vec::len);
            text.clear();
            ends.clear();
            too_long.clear();
            let mut fields = 0usize;
            let mut never_closed_at = None;
            let mut blank = true;
            let mut end_of_input = false;
            let mut control: Option<(usize, char)> = None;
            loop {
                // One field.
                let field_start = self.offset;
                let mut len = 0;
                let mut overflow = false;
                let record_end = loop {
                    let (result, nin, nout) = self.reader.read_field(&self.bytes[self.offset..], &mut field[len..]);
                    let input_was_empty = self.offset == self.bytes.len();
                    self.offset += nin;
                    len += nout;
                    match result {
                        csv_core::ReadFieldResult::InputEmpty if input_was_empty => break None,
                        csv_core::ReadFieldResult::InputEmpty => {}
                        csv_core::ReadFieldResult::OutputFull => {
                            // Too long: keep reading to its end, keeping none of it.
                            overflow = true;
                            len = 0;
                        }
                        csv_core::ReadFieldResult::Field { record_end } => break Some(record_end),
                        csv_core::ReadFieldResult::End => break None,
                    }
                };
                let Some(record_end) = record_end else {
                    end_of_input = true;
                    break;
                };
                // Fields split only at ASCII bytes of valid UTF-8, so they are UTF-8.
                let value = String::from_utf8_lossy(&field[..len]);
                // A field of no more bytes than the limit has no more characters.
                if overflow || (len > self.max_chars && value.chars().count() > self.max_chars) {
                    too_long.push(fields);
                }
                if self.offset == self.bytes.len() && never_closed(&self.bytes[field_start..]) {
                    never_closed_at = Some((field_start, fields));
                }
                if control.is_none() && !overflow {
                    if let Some(c) = value.chars().find(|&c| is_control_in_field(c)) {
                        control = Some((fields, c));
                    }
                }
                if fields < keep {
                    let value = if overflow { "" } else { value.as_ref() };
                    blank &= value.trim().is_empty();
                    // `decode` refuses NULs; this keeps a row's fields apart regardless.
                    if value.contains(END) {
                        text.push_str(&value.replace(END, "\u{FFFD}"));
                    } else {
                        text.push_str(value);
                    }
                    // Inputs are capped at 64 MB, so offsets fit.
                    ends.push(text.len() as u32);
                    text.push(END);
                } else {
                    blank &= value.trim().is_empty();
                }
                fields += 1;
                if record_end {
                    break;
                }
            }
            if end_of_input && fields == 0 {
                break;
            }
            if blank && too_long.is_empty() {
                if end_of_input {
                    break;
                }
                continue;
            }
            let line = self.lines.line_at(record_start);
            let record = rows.len() as u64 + if headings.is_some() { 2 } else { 1 };
            let errors_before = self.problems.len();
            if let Some((i, c)) = control {
                let value = split(&text).nth(i).unwrap_or("");
                self.problems.push(
                    Problem::error(
                        "R002",
                        self.file,
                        format!(
                            "the field holds a control character (U+{:04X}), which is not text and could change what a terminal shows; the row is left out",
                            c as u32
                        ),
                    )
                    .at_line(line)
                    .at_row(record)
                    .in_column(i + 1, heading_of(&headings, i))
                    .with_value(value)
                    .fix("remove the control character (often pasted from another program) and save the file again"),
                );
            }
            if let Some((offset, i)) = never_closed_at {
                let line = self.lines.line_at(offset);
                self.problems.push(
                    Problem::error(
                        "R008",
                        self.file,
                        "a quoted field starting on this line is never closed",
                    )
                    .at_line(line)
                    .in_column(i + 1, heading_of(&headings, i))
                    .fix("add the closing quote, or remove the stray quote at the start of the field"),
                );
            }
            for &i in &too_long {
                self.problems.push(
                    Problem::error(
                        "R011",
                        self.file,
                        format!("a field is longer than {} characters", self.max_chars),
                    )
                    .at_line(line)
                    .at_row(record)
                    .in_column(i + 1, heading_of(&headings, i))
                    .fix("shorten it; a stray quote can also make a field swallow the lines after it"),
                );
            }
            match &headings {
                None => {
                    if fields > MAX_COLUMNS {
                        self.problems.push(
                            Problem::error("R012", self.file, format!("more than {MAX_COLUMNS} columns"))
                                .at_line(line)
                                .fix("check this is the right file"),
                        );
                        stopped = true;
                        break;
                    }
                    if control.is_some() {
                        stopped = true;
                        break;
                    }
                    headings = Some(split(&text).map(str::to_string).collect());
                }
                Some(h) => {
                    // An unclosed quote explains the count of fields.
                    if fields != h.len() && never_closed_at.is_none() {
                        self.problems.push(
                            Problem::error(
                                "R008",
                                self.file,
                                format!("this row has {fields} fields but the headings have {}", h.len()),
                            )
                            .at_line(line)
                            .at_row(record)
                            .fix("check for a missing or extra comma, or a field with a comma that is not in quotes"),
                        );
                    }
                    if rows.len() == MAX_ROWS {
                        self.problems.push(
                            Problem::error("R012", self.file, format!("more than {MAX_ROWS} registrations"))
                                .at_line(line)
                                .fix("check this is the right file; split very large programmes"),
                        );
                        stopped = true;
                        break;
                    }
                    // A row that cannot be read whole is reported, not checked further.
                    if self.problems.len() == errors_before {
                        rows.push(Row {
                            line,
                            row: record,
                            text: text.as_str().into(),
                            ends: ends.as_slice().into(),
                        });
                    }
                }
            }
            if self.problems.len() >= MAX_PROBLEMS {
                self.problems.push(too_many_problems(self.file, line));
                stopped = true;
                break;
            }
            if end_of_input {
                break;
            }
        }
        ReadRecords {
            headings,
            rows,
            problems: self.problems,
            stopped,
        }
    }
}

/// What reading the records found.
struct ReadRecords {
    headings: Option<Vec<String>>,
    rows: Vec<Row>,
    problems: Problems,
    /// A limit was reached and the rest of the file not read.
    stopped: bool,
}

/// The error that ends the checking of a file with [`MAX_PROBLEMS`] errors.
pub fn too_many_problems(file: &str, line: u64) -> Problem {
    Problem::error(
        "R017",
        file,
        format!("more than {MAX_PROBLEMS} problems: checking stopped here"),
    )
    .at_line(line)
    .fix("fix the problems above (often one cause, such as the wrong file or a shifted column) and run again")
}

fn heading_of(headings: &Option<Vec<String>>, i: usize) -> &str {
    headings.as_ref().and_then(|h| h.get(i)).map_or("", |h| h.trim())
}

/// A control character a field may not hold: any but tab and line breaks
/// (which quoted fields may hold), as an escape sequence would reach the
/// organiser's terminal and the mailing lists.
fn is_control_in_field(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The fields of a row's text.
fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split_terminator(END)
}

/// Whether the field whose raw text (through the end of the file) is `raw`
/// opens a quote it never closes: an odd number of quotes, counting the opening one.
fn never_closed(raw: &[u8]) -> bool {
    let start = raw
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(raw.len());
    let raw = &raw[start..];
    raw.first() == Some(&b'"') && raw.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

/// Line numbers from byte offsets.
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
            self.line += line_breaks(self.bytes, self.offset, offset);
            self.offset = offset;
        }
        self.line
    }
}

impl Row {
    /// The trimmed value in a column, or "" when the column is absent.
    pub fn get(&self, column: Option<usize>) -> &str {
        column.and_then(|c| self.field(c)).map_or("", str::trim)
    }

    /// Field `i` as read, untrimmed.
    pub fn field(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize + 1,
        };
        Some(&self.text[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<Table<'static>, Problems> {
        let bytes: &'static [u8] = Box::leak(text.to_vec().into_boxed_slice());
        Table::read(Source { name: "t.csv", bytes })
    }

    fn fields(row: &Row) -> Vec<&str> {
        (0..).map_while(|i| row.field(i)).collect()
    }

    #[test]
    fn reads_quotes_line_breaks_and_blank_lines() {
        let table = read(b"\xEF\xBB\xBFa,b\r\n\r\n1,\"x, \"\"y\"\"\nz\"\r\n\n2,3").unwrap();
        assert_eq!(table.headings, ["a", "b"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(fields(&table.rows[0]), ["1", "x, \"y\"\nz"]);
        assert_eq!(table.rows[0].line, 3);
        assert_eq!(fields(&table.rows[1]), ["2", "3"]);
        assert_eq!(table.rows[1].line, 6);
    }

    #[test]
    fn lines_end_in_lf_crlf_or_cr() {
        for text in ["a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r"] {
            let table = read(text.as_bytes()).unwrap();
            let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{text:?}");
        }
    }

    #[test]
    fn delimiters_are_found() {
        for text in [
            "a;b\n1;2\n",
            "a\tb\n1\t2\n",
            "sep=;\na;b\n1;2\n",
            "sep=\t\r\na\tb\r\n1\t2\r\n",
            "sep=;\ra;b\r1;2",
            "a,b\n1,2",
        ] {
            let table = read(text.as_bytes()).unwrap();
            assert_eq!(table.headings, ["a", "b"], "{text:?}");
            assert_eq!(fields(&table.rows[0]), ["1", "2"], "{text:?}");
        }
        let table = read(b"sep=;\na;b\n1;2\n").unwrap();
        assert_eq!(table.rows[0].line, 3);
    }

    #[test]
    fn an_unclosed_quote_is_named() {
        let table = read(b"a,b\n1,2\n3,\"four\n5,6\n").unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.problems.len(), 1);
        let problem = table.problems.errors().next().unwrap();
        assert_eq!((problem.code, problem.line), ("R008", Some(3)));
        assert_eq!(problem.column.as_ref().unwrap().number, 2);
        assert!(problem.message.contains("never closed"), "{problem}");
        // A closed quote at the very end is fine.
        assert!(read(b"a,b\n1,\"two\"").is_ok());
    }

    #[test]
    fn limits_hold() {
        let mut long = b"a,b\n1,".to_vec();
        long.extend(std::iter::repeat_n(b'x', max_field_bytes(MAX_FIELD_CHARS) * 2));
        long.extend(b"\n2,3\n");
        let table = read(&long).unwrap();
        let problem = table.problems.errors().next().unwrap();
        assert_eq!((problem.code, problem.line), ("R011", Some(2)));
        assert_eq!(table.rows.len(), 1, "the row with the long field is left out");
        assert_eq!(table.rows[0].line, 3);
        assert_eq!(problem.column.as_ref().unwrap().heading, "b");

        let wide = ",".repeat(MAX_COLUMNS + 1);
        let err = read(format!("a{wide}\n").as_bytes()).unwrap_err();
        assert_eq!(err.0[0].code, "R012");

        // A row of a million fields is counted, not stored.
        let table = read(format!("a,b\nx{}\n", ",".repeat(1_000_000)).as_bytes()).unwrap();
        assert!(
            table.problems.0[0].message.contains("1000001 fields"),
            "{:?}",
            table.problems
        );
        assert!(table.rows.is_empty());

        let many = "a,b\n".to_string() + &"1\n".repeat(MAX_PROBLEMS + 10);
        let err = read(many.as_bytes()).unwrap_err();
        assert_eq!(err.len(), MAX_PROBLEMS + 1);
        assert_eq!(err.0.last().unwrap().code, "R017");
    }

    #[test]
    fn ambiguous_columns_warn() {
        let table = read(b"Email,Name,Email address\nx,y,z\n").unwrap();
        let mut problems = Problems::default();
        let spec = ColumnSpec {
            heading: "email address",
            keys: &["emailaddress", "email"],
            required: true,
        };
        assert_eq!(table.columns(&[spec], &mut problems), [Some(2)]);
        let warning = &problems.0[0];
        assert_eq!((warning.code, warning.is_error()), ("R016", false));
        assert!(warning.message.contains("column 1 (Email) is ignored"), "{warning}");
    }

    #[test]
    fn empty_files_are_refused() {
        for text in ["", "\n\n", " , \n"] {
            let err = read(text.as_bytes()).unwrap_err();
            assert_eq!(err.0[0].code, "R010", "{text:?}");
        }
    }
}
