//! Earlier years' pairs, none of which may be made again.

use std::collections::HashSet;

use crate::model::text::email_key;
use crate::problem::{Problem, Problems};

use super::table::{too_many_problems, ColumnSpec, Table, MAX_PROBLEMS};
use super::Source;

/// Pairs made before, as (mentee email key, mentor email key).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pairs: HashSet<(String, String)>,
}

impl History {
    /// Whether this mentee and mentor were matched before.
    pub fn contains(&self, mentee_email_key: &str, mentor_email_key: &str) -> bool {
        !self.pairs.is_empty()
            && self
                .pairs
                .contains(&(mentee_email_key.to_string(), mentor_email_key.to_string()))
    }

    /// Record a pair made before.
    pub fn insert(&mut self, mentee_email: &str, mentor_email: &str) {
        self.pairs.insert((email_key(mentee_email), email_key(mentor_email)));
    }

    /// Every pair, as (mentee email key, mentor email key), in no fixed order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    /// How many distinct pairs the history holds.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the history holds no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// The columns of a file of pairs: the emails, and (in `matches.csv`) the names.
const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec {
        heading: "mentee_email",
        keys: &["menteeemail", "menteeemailaddress"],
        required: true,
    },
    ColumnSpec {
        heading: "mentor_email",
        keys: &["mentoremail", "mentoremailaddress"],
        required: true,
    },
    ColumnSpec {
        heading: "mentee_name",
        keys: &["menteename"],
        required: false,
    },
    ColumnSpec {
        heading: "mentor_name",
        keys: &["mentorname"],
        required: false,
    },
];

/// One pair named by emails, with the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailPair {
    /// 1-based line of the file the pair is on.
    pub line: u64,
    /// The mentee's email, as written.
    pub mentee_email: String,
    /// The mentor's email, as written.
    pub mentor_email: String,
}

/// Read a file of pairs with columns `mentee_email` and `mentor_email` (a
/// `matches.csv` has them); other columns are ignored.
pub fn read_pairs(source: Source) -> Result<Vec<EmailPair>, Problems> {
    Ok(read_named_pairs(source)?.into_iter().map(|named| named.pair).collect())
}

/// A pair with the names a `matches.csv` gives (empty when the file has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPair {
    /// The pair's emails and line.
    pub pair: EmailPair,
    /// The mentee's name, as written.
    pub mentee_name: String,
    /// The mentor's name, as written.
    pub mentor_name: String,
}

/// Read a file of pairs as [`read_pairs`] does, with the `mentee_name` and
/// `mentor_name` columns when it has them.
pub fn read_named_pairs(source: Source) -> Result<Vec<NamedPair>, Problems> {
    let mut table = Table::read(source)?;
    let mut problems = std::mem::take(&mut table.problems);
    let columns = table.columns(&COLUMNS, &mut problems);
    let mut pairs = Vec::with_capacity(table.rows.len());
    if let [Some(mentee), Some(mentor), mentee_name, mentor_name] = columns[..] {
        // Only errors are pushed in this loop; like a registration file's, they
        // stop at MAX_PROBLEMS (R017).
        let before = problems.len();
        for row in &table.rows {
            if problems.len() - before >= MAX_PROBLEMS {
                problems.push(too_many_problems(table.file, row.line));
                break;
            }
            let (mentee_email, mentor_email) = (row.get(Some(mentee)), row.get(Some(mentor)));
            for (value, column, heading) in [
                (mentee_email, mentee, "mentee_email"),
                (mentor_email, mentor, "mentor_email"),
            ] {
                if !value.contains('@') {
                    problems.push(
                        Problem::error("H001", table.file, "not an email address")
                            .at_line(row.line)
                            .in_column(column + 1, heading)
                            .with_value(value)
                            .fix("write the mentee's and the mentor's email address"),
                    );
                }
            }
            pairs.push(NamedPair {
                pair: EmailPair {
                    line: row.line,
                    mentee_email: mentee_email.to_string(),
                    mentor_email: mentor_email.to_string(),
                },
                mentee_name: mentee_name.map(|c| row.get(Some(c)).to_string()).unwrap_or_default(),
                mentor_name: mentor_name.map(|c| row.get(Some(c)).to_string()).unwrap_or_default(),
            });
        }
    }
    problems.into_result()?;
    Ok(pairs)
}

/// Read a history file: earlier pairs, as [`read_pairs`] reads them.
pub fn read_history(source: Source) -> Result<History, Problems> {
    let mut history = History::default();
    for pair in read_pairs(source)? {
        history.insert(&pair.mentee_email, &pair.mentor_email);
    }
    Ok(history)
}
