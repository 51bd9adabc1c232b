//! The organisers' adjustments: pairs they pin (must be made) and ban (must not).
//!
//! An adjustments file is a CSV with columns `action` (`pin` or `ban`),
//! `mentee email`, `mentor email` and an optional `note`. A ban is a hard rule
//! ([`crate::rules::Rule::Banned`]); a pin forces its pair into every matching,
//! using a place on both sides, even when it breaks a hard rule (the organiser's
//! override, warned about). Adjustments travel with the [`Programme`] so every
//! stage, the checker included, sees the same ones.

use std::collections::HashMap;
use std::fmt;

use crate::model::text::email_key;
use crate::problem::{Problem, Problems};

use super::table::{ColumnSpec, Table};
use super::{Programme, Source};

/// Pin or ban.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The pair must be made.
    Pin,
    /// The pair must not be made.
    Ban,
    /// A pair of the previous matching kept by `rematch`: made, as a pin is.
    Keep,
    /// A pair of the previous matching `rematch --allow-moves` may drop: made
    /// again when the objective is no worse for it.
    Previous,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Pin => "pin",
            Action::Ban => "ban",
            Action::Keep => "kept previous pair",
            Action::Previous => "previous pair",
        })
    }
}

/// One row of an adjustments file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Adjustment {
    /// What the organisers asked for: pin, ban or previous pair.
    pub action: Action,
    /// The mentee's email as written.
    pub mentee_email: String,
    /// The mentor's email as written.
    pub mentor_email: String,
    /// The organiser's note, as written.
    pub note: String,
    /// Line of the row in its file, for messages.
    pub line: u64,
}

impl Adjustment {
    /// "pin on line 4 (a@x with b@y)", for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} on line {} ({} with {})",
            self.action, self.line, self.mentee_email, self.mentor_email
        )
    }

    /// Whether the row names this person (by email key), on either side.
    pub fn names(&self, email_key: &str) -> bool {
        let (mentee, mentor) = self.keys();
        mentee == email_key || mentor == email_key
    }

    /// The pair, as (mentee email key, mentor email key).
    pub fn keys(&self) -> (String, String) {
        (email_key(&self.mentee_email), email_key(&self.mentor_email))
    }
}

/// Every adjustment of a programme, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Adjustments {
    /// Every row, in file order.
    pub rows: Vec<Adjustment>,
}

impl Adjustments {
    /// Whether there are no adjustments.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The pins, and the previous pairs `rematch` keeps, in file order.
    pub fn pins(&self) -> impl Iterator<Item = &Adjustment> {
        self.rows
            .iter()
            .filter(|a| matches!(a.action, Action::Pin | Action::Keep))
    }

    /// The previous pairs the objective may prefer to keep.
    pub fn previous(&self) -> impl Iterator<Item = &Adjustment> {
        self.rows.iter().filter(|a| a.action == Action::Previous)
    }

    /// The organisers' own pins and bans: the rows whose price is reported.
    pub fn overrides(&self) -> impl Iterator<Item = (usize, &Adjustment)> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.action, Action::Pin | Action::Ban))
    }

    /// The bans, in file order.
    pub fn bans(&self) -> impl Iterator<Item = &Adjustment> {
        self.rows.iter().filter(|a| a.action == Action::Ban)
    }

    /// The same adjustments without row `index` (for the price of one override).
    pub fn without(&self, index: usize) -> Adjustments {
        let mut rows = self.rows.clone();
        rows.remove(index);
        Adjustments { rows }
    }
}

/// The columns of an adjustments file, in the order they are written.
pub const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec {
        heading: "action",
        keys: &["action"],
        required: true,
    },
    ColumnSpec {
        heading: "mentee email",
        keys: &["menteeemail", "menteeemailaddress"],
        required: true,
    },
    ColumnSpec {
        heading: "mentor email",
        keys: &["mentoremail", "mentoremailaddress"],
        required: true,
    },
    ColumnSpec {
        heading: "note",
        keys: &["note", "notes", "reason"],
        required: false,
    },
];

/// Read an adjustments file and check it against the programme: every row's
/// action and emails, people who are registered, no pair adjusted twice, and
/// pins that fit each person's places. Rows are checked in one pass and every
/// problem reported; nothing is kept unless all rows are good.
pub fn read_adjustments(source: Source, programme: &Programme) -> Result<Adjustments, Problems> {
    let mut table = Table::read(source)?;
    let mut problems = std::mem::take(&mut table.problems);
    let columns = table.columns(&COLUMNS, &mut problems);
    let mut rows = Vec::with_capacity(table.rows.len());
    if let [Some(action), Some(mentee), Some(mentor), note] = columns[..] {
        let mut seen: HashMap<(String, String), (Action, u64)> = HashMap::new();
        for row in &table.rows {
            let error = |column: usize, heading: &str, value: &str, message: &str, fix: &str| {
                Problem::error("A001", table.file, message)
                    .at_line(row.line)
                    .in_column(column + 1, heading)
                    .with_value(value)
                    .fix(fix)
            };
            let action_text = row.get(Some(action));
            let action_kind = match action_text.trim().to_lowercase().as_str() {
                "pin" => Action::Pin,
                "ban" => Action::Ban,
                _ => {
                    problems.push(error(
                        action,
                        "action",
                        action_text,
                        "the action is not pin or ban",
                        "write pin (the pair must be made) or ban (the pair must not be made)",
                    ));
                    continue;
                }
            };
            let (mentee_email, mentor_email) = (row.get(Some(mentee)), row.get(Some(mentor)));
            let mut known = true;
            if programme.mentee_by_email(mentee_email).is_none() {
                problems.push(error(
                    mentee,
                    "mentee email",
                    mentee_email,
                    "no mentee is registered with this email",
                    "check the address against the mentees file, or remove the row",
                ));
                known = false;
            }
            if programme.mentor_by_email(mentor_email).is_none() {
                problems.push(error(
                    mentor,
                    "mentor email",
                    mentor_email,
                    "no mentor is registered with this email",
                    "check the address against the mentors file, or remove the row",
                ));
                known = false;
            }
            if !known {
                continue;
            }
            let keys = (email_key(mentee_email), email_key(mentor_email));
            if keys.0 == keys.1 {
                problems.push(error(
                    mentor,
                    "mentor email",
                    mentor_email,
                    "the mentee and the mentor are the same person",
                    "name two different people, or remove the row",
                ));
                continue;
            }
            if let Some(&(earlier, line)) = seen.get(&keys) {
                let message = if earlier == action_kind {
                    format!("this pair is already {earlier}ned on line {line}")
                } else {
                    format!("this pair is {earlier}ned on line {line} and {action_kind}ned here: they contradict")
                };
                problems.push(error(
                    mentor,
                    "mentor email",
                    mentor_email,
                    &message,
                    "keep one row for each pair",
                ));
                continue;
            }
            seen.insert(keys, (action_kind, row.line));
            rows.push(Adjustment {
                action: action_kind,
                mentee_email: mentee_email.trim().to_string(),
                mentor_email: mentor_email.trim().to_string(),
                note: note.map(|n| row.get(Some(n)).to_string()).unwrap_or_default(),
                line: row.line,
            });
        }
        problems.0.extend(pins_over_places(table.file, programme, &rows));
    }
    problems.into_result()?;
    Ok(Adjustments { rows })
}

/// An error for each person whose pins exceed their places: such pins cannot
/// all be met.
fn pins_over_places(file: &str, programme: &Programme, rows: &[Adjustment]) -> Vec<Problem> {
    let mut mentee_pins: HashMap<usize, Vec<&Adjustment>> = HashMap::new();
    let mut mentor_pins: HashMap<usize, Vec<&Adjustment>> = HashMap::new();
    for pin in rows.iter().filter(|a| a.action == Action::Pin) {
        if let (Some(e), Some(m)) = (
            programme.mentee_by_email(&pin.mentee_email),
            programme.mentor_by_email(&pin.mentor_email),
        ) {
            mentee_pins.entry(e).or_default().push(pin);
            mentor_pins.entry(m).or_default().push(pin);
        }
    }
    let mut problems = Vec::new();
    let mut over = |role: &str, person: &super::Person, pins: &[&Adjustment]| {
        if pins.len() as u32 > person.capacity {
            let last = pins[pins.len() - 1];
            let lines: Vec<String> = pins.iter().map(|p| p.line.to_string()).collect();
            problems.push(
                Problem::error(
                    "A002",
                    file,
                    format!(
                        "the {role} {} has {} places but is pinned {} times (lines {})",
                        person.email,
                        person.capacity,
                        pins.len(),
                        lines.join(", ")
                    ),
                )
                .at_line(last.line)
                .with_value(&person.email)
                .fix(format!(
                    "remove pins for this {role} until they fit, or raise their max matches in the registrations"
                )),
            );
        }
    };
    let mut mentees: Vec<_> = mentee_pins.into_iter().collect();
    mentees.sort_by_key(|(e, _)| *e);
    for (e, pins) in mentees {
        over("mentee", &programme.mentees[e].person, &pins);
    }
    let mut mentors: Vec<_> = mentor_pins.into_iter().collect();
    mentors.sort_by_key(|(m, _)| *m);
    for (m, pins) in mentors {
        over("mentor", &programme.mentors[m].person, &pins);
    }
    problems
}

/// A warning for each pin that breaks a hard rule: it is kept, as the
/// organisers' override, and the warning names the rule so they can be sure.
pub fn pin_warnings(
    programme: &Programme,
    model: &crate::model::Model,
    history: &super::History,
    file: &str,
) -> Vec<Problem> {
    let rules = crate::rules::Rules::new(programme, model, history);
    let mut warnings = Vec::new();
    for pin in programme.adjustments.pins() {
        let (Some(e), Some(m)) = (
            programme.mentee_by_email(&pin.mentee_email),
            programme.mentor_by_email(&pin.mentor_email),
        ) else {
            continue;
        };
        let broken: Vec<String> = rules
            .broken(e as u32, m as u32)
            .iter()
            .map(|rule| format!("{} ({} {})", rule.title(), rule.code(), rule.name()))
            .collect();
        if !broken.is_empty() {
            warnings.push(
                Problem::warning(
                    "A003",
                    file,
                    format!(
                        "this pin breaks {}: it is kept as the organisers' override",
                        broken.join(" and ")
                    ),
                )
                .at_line(pin.line)
                .with_value(&format!("{} with {}", pin.mentee_email, pin.mentor_email))
                .fix("nothing, if the pair is meant; otherwise remove the pin"),
            );
        }
    }
    warnings
}
