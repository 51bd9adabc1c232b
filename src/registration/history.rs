//! Earlier years: the pairs made, none of which may be made again, and the
//! mentees who went unmatched or short, whom a model may put first.

use std::collections::HashSet;

use crate::model::text::email_key;
use crate::problem::{Problem, Problems};

use super::table::{too_many_problems, ColumnSpec, Table, MAX_FIELD_CHARS, MAX_PROBLEMS};
use super::{Programme, Source};

/// What earlier years left: pairs made before, as (mentee email key, mentor
/// email key), and priority mentees (unmatched or short last time), by email key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pairs: HashSet<(String, String)>,
    priority: HashSet<String>,
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

    /// How many pairs were made before.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair was made before (priority mentees aside).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Record a mentee who went unmatched or short last time.
    pub fn insert_priority(&mut self, mentee_email: &str) {
        self.priority.insert(email_key(mentee_email));
    }

    /// Whether this mentee went unmatched or short last time.
    pub fn is_priority(&self, mentee_email_key: &str) -> bool {
        self.priority.contains(mentee_email_key)
    }

    /// How many mentees the history names as priority, registered this time or not.
    pub fn priority_len(&self) -> usize {
        self.priority.len()
    }

    /// Mark the programme's priority mentees ([`super::Mentee::priority`]), so
    /// every stage after reading sees them; returns how many are registered.
    pub fn mark_priority(&self, programme: &mut Programme) -> usize {
        let mut marked = 0;
        for mentee in &mut programme.mentees {
            mentee.priority = self.is_priority(&mentee.person.email_key);
            marked += usize::from(mentee.priority);
        }
        marked
    }
}

/// The columns of a file of pairs: the emails, and (in `matches.csv`) the names;
/// a history file may also say who goes first (`priority`).
const COLUMNS: [ColumnSpec; 5] = [
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
    ColumnSpec {
        heading: "priority",
        keys: &["priority"],
        required: false,
    },
];

/// One pair named by emails, with the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailPair {
    /// The line the pair is on, for messages.
    pub line: u64,
    /// The mentee's email as written.
    pub mentee_email: String,
    /// The mentor's email as written.
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
    /// The two emails and the line.
    pub pair: EmailPair,
    /// The mentee's name, if the file gives it.
    pub mentee_name: String,
    /// The mentor's name, if the file gives it.
    pub mentor_name: String,
}

/// Read a file of pairs as [`read_pairs`] does, with the `mentee_name` and
/// `mentor_name` columns when it has them.
pub fn read_named_pairs(source: Source) -> Result<Vec<NamedPair>, Problems> {
    Ok(read_rows(source, false)?.into_iter().map(|row| row.named).collect())
}

/// One row of a file of pairs; in a history, the mentor's email may be empty.
struct PairRow {
    named: NamedPair,
    /// The row's mentee goes first this time.
    priority: bool,
}

/// Read a file of pairs; `history` allows a row without a mentor (a mentee who
/// got no match) and reads the `priority` column.
fn read_rows(source: Source, history: bool) -> Result<Vec<PairRow>, Problems> {
    // A `matches.csv` joins a first and a last name (each up to the limit) with
    // a space into one name, with a `'` before one a spreadsheet would run, so
    // its fields may be twice as long as a registration's.
    let mut table = Table::read_with_field_limit(source, 2 * MAX_FIELD_CHARS + 2)?;
    let mut problems = std::mem::take(&mut table.problems);
    let columns = table.columns(&COLUMNS, &mut problems);
    let mut rows = Vec::with_capacity(table.rows.len());
    if let [Some(mentee), Some(mentor), mentee_name, mentor_name, priority] = columns[..] {
        let priority = priority.filter(|_| history);
        let fix = if history {
            "write the mentee's and the mentor's email address, or leave the mentor's empty for a mentee who got no match"
        } else {
            "write the mentee's and the mentor's email address"
        };
        // Only errors are pushed in this loop; like a registration file's, they
        // stop at MAX_PROBLEMS (R017).
        let before = problems.len();
        for row in &table.rows {
            if problems.len() - before >= MAX_PROBLEMS {
                problems.push(too_many_problems(table.file, row.line));
                break;
            }
            let (mentee_email, mentor_email) = (row.get(Some(mentee)), row.get(Some(mentor)));
            // In a history, an empty mentor says this mentee got no match.
            let unmatched = history && mentor_email.trim().is_empty();
            for (value, column, heading) in [
                (mentee_email, mentee, "mentee_email"),
                (mentor_email, mentor, "mentor_email"),
            ] {
                let allowed = value.contains('@') || (unmatched && column == mentor);
                if !allowed {
                    problems.push(
                        Problem::error("H001", table.file, "not an email address")
                            .at_line(row.line)
                            .at_row(row.row)
                            .in_column(column + 1, heading)
                            .with_value(value)
                            .fix(fix),
                    );
                }
            }
            // The `priority` cell decides; empty (or no column), a row without a
            // mentor is a priority mentee and a pair is not.
            let said = priority
                .map(|c| (c, row.get(Some(c))))
                .filter(|(_, v)| !v.trim().is_empty());
            let first = match said {
                None => unmatched,
                Some((column, value)) => super::read::yes_no(value).unwrap_or_else(|| {
                    problems.push(
                        Problem::error("H002", table.file, "priority is not yes or no")
                            .at_line(row.line)
                            .at_row(row.row)
                            .in_column(column + 1, "priority")
                            .with_value(value)
                            .fix("write yes to put this mentee first (unmatched or short last time), no, or leave it empty"),
                    );
                    false
                }),
            };
            rows.push(PairRow {
                named: NamedPair {
                    pair: EmailPair {
                        line: row.line,
                        mentee_email: mentee_email.to_string(),
                        mentor_email: mentor_email.to_string(),
                    },
                    mentee_name: mentee_name.map(|c| row.get(Some(c)).to_string()).unwrap_or_default(),
                    mentor_name: mentor_name.map(|c| row.get(Some(c)).to_string()).unwrap_or_default(),
                },
                priority: first,
            });
        }
    }
    problems.into_result()?;
    Ok(rows)
}

/// Read a history file: earlier pairs, as [`read_pairs`] reads them, and
/// priority mentees. A row whose `mentor_email` is empty names a mentee who got
/// no match last time; the optional `priority` column (yes or no) says whether
/// the row's mentee goes first this time (empty: yes for a row without a
/// mentor, no otherwise), so a mentee who was short gets `yes` on one of their
/// rows. A `matches.csv` of an earlier year is a history as it is.
pub fn read_history(source: Source) -> Result<History, Problems> {
    let mut history = History::default();
    for row in read_rows(source, true)? {
        let pair = &row.named.pair;
        if !pair.mentor_email.trim().is_empty() {
            history.insert(&pair.mentee_email, &pair.mentor_email);
        }
        if row.priority {
            history.insert_priority(&pair.mentee_email);
        }
    }
    Ok(history)
}

/// A file of pairs given with its two email columns the wrong way round, told
/// by who is registered: more of its pairs name a registered mentor (who is not
/// also a mentee) under `mentee_email` and a registered mentee (not also a
/// mentor) under `mentor_email` than name a registered mentee and mentor the
/// right way round. Read as it is, such a history would keep no earlier pair
/// apart, and such a previous matching would end every pair it holds, so it is
/// an error (H003) naming the columns to swap.
pub fn swapped_pairs<A, B>(
    file: &str,
    pairs: impl IntoIterator<Item = (A, B)>,
    programme: &Programme,
) -> Option<Problem>
where
    A: AsRef<str>,
    B: AsRef<str>,
{
    let mentees: HashSet<&str> = programme.mentees.iter().map(|m| m.person.email_key.as_str()).collect();
    let mentors: HashSet<&str> = programme.mentors.iter().map(|m| m.person.email_key.as_str()).collect();
    let (mut right, mut swapped) = (0usize, 0usize);
    for (mentee, mentor) in pairs {
        let (mentee, mentor) = (email_key(mentee.as_ref()), email_key(mentor.as_ref()));
        let (mentee, mentor) = (mentee.as_str(), mentor.as_str());
        if mentees.contains(mentee) && mentors.contains(mentor) {
            right += 1;
        } else if mentors.contains(mentee)
            && !mentees.contains(mentee)
            && mentees.contains(mentor)
            && !mentors.contains(mentor)
        {
            swapped += 1;
        }
    }
    (swapped > right).then(|| {
        Problem::error(
            "H003",
            file,
            format!(
                "the columns mentee_email and mentor_email are the wrong way round: {swapped} pair(s) name a registered mentor under mentee_email and a registered mentee under mentor_email, and {right} the right way round"
            ),
        )
        .at_line(1)
        .fix("swap the headings mentee_email and mentor_email, so that each pair's mentee is under mentee_email, and run again")
    })
}
