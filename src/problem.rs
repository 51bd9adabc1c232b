//! Problems found in input files: each one names the file, line and column, the
//! value, and how to fix it, so a bad spreadsheet is fixed in one pass.

use std::fmt;

/// Whether a problem stops the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be used as it is; nothing is written.
    Error,
    /// The input can be used, but an organiser should look.
    Warning,
}

/// One problem in one place of one input file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Stable code, listed in the README's table of error codes.
    pub code: &'static str,
    /// Whether the problem stops the run (error) or is reported only (warning).
    pub severity: Severity,
    /// The file as the user named it.
    pub file: String,
    /// 1-based line in the file, where there is one.
    pub line: Option<u64>,
    /// The record's row as a spreadsheet shows it (1 for the headings, 2 for
    /// the first record), where it differs from counting lines: a field with a
    /// line break makes a record take several lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column: its 1-based number and heading, where there is one.
    pub column: Option<Column>,
    /// The offending value, as read.
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// A column of a CSV file, by number and heading.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Column {
    /// 1-based column number.
    pub number: usize,
    /// The column's heading, as the file gives it.
    pub heading: String,
}

impl Problem {
    /// A new error in `file`; add the place and value with the builder methods.
    pub fn error(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Problem {
            code,
            severity: Severity::Error,
            file: file.to_string(),
            line: None,
            row: None,
            column: None,
            value: None,
            message: message.into(),
            fix: String::new(),
        }
    }

    /// A new warning in `file`.
    pub fn warning(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, file, message)
        }
    }

    /// The 1-based line of the file where the problem is.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// The spreadsheet row of the record (see [`Problem::row`]).
    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    /// The column where the problem is, by number and heading.
    pub fn in_column(mut self, number: usize, heading: &str) -> Self {
        self.column = Some(Column {
            number,
            heading: heading.to_string(),
        });
        self
    }

    /// The offending value, as read.
    pub fn with_value(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }

    /// What to do about it, in the user's words.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    /// Whether the problem stops the run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether a character must never reach a terminal as it is: a control
/// character (C0, DEL, C1), which can start an escape sequence.
pub fn is_control(c: char) -> bool {
    c.is_control()
}

/// `text` with every control character written as `\u{..}`, so that nothing
/// printed to a terminal carries an escape sequence or a line break from a file.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Where a record is, for a message that names another record: "line 7", or
/// "line 9 (spreadsheet row 7)" when a line break in a field moved the lines.
pub fn place((line, row): (u64, u64)) -> String {
    if row == 0 || row == line {
        format!("line {line}")
    } else {
        format!("line {line} (spreadsheet row {row})")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}[{}] {}", self.code, printable(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
            if let Some(row) = self.row.filter(|&row| row != line) {
                write!(f, " (spreadsheet row {row})")?;
            }
        } else if let Some(row) = self.row {
            write!(f, ", spreadsheet row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {} ({})", column.number, printable(&column.heading))?;
        }
        write!(f, ": {}", printable(&self.message))?;
        if let Some(value) = &self.value {
            // Debug quoting escapes every control character.
            write!(f, " (value: {value:?})")?;
        }
        if !self.fix.is_empty() {
            write!(f, ". Fix: {}", printable(&self.fix))?;
        }
        Ok(())
    }
}

/// Every problem found in one pass over the inputs. Returned as an error when at
/// least one of them is an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Adds one problem.
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Problem::is_error)
    }

    /// The errors, in the order found.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.is_error())
    }

    /// The warnings, in the order found.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| !p.is_error())
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `Err(self)` if any problem is an error, else the warnings.
    pub fn into_result(self) -> Result<Problems, Problems> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let warnings = self.len() - errors;
        for problem in &self.0 {
            writeln!(f, "{problem}")?;
        }
        write!(f, "{errors} error(s), {warnings} warning(s)")
    }
}
