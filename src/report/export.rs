//! CSV exports: `matches.csv` for organisers, and mailing lists ready for GOV.UK
//! Notify bulk sending, one per email template.
//!
//! Mailing lists go to participants, so they carry only what a match may see:
//! name, email, grade, organisation, profession and biography (whole, or not at
//! all). Never anyone's identity, identity preference or characteristics.

use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::{Biographies, History, Person, Programme};
use crate::rematch::PairChange;

/// Whether a spreadsheet would run this cell as a formula: it starts with `=`,
/// `+`, `-` or `@` (or their full-width forms `＝ ＋ － ＠`, which some
/// spreadsheets read alike), a tab or a carriage return, possibly after
/// invisible characters (zero-width spaces and joiners, a byte-order mark).
pub fn is_formula_like(value: &str) -> bool {
    let mut chars = value
        .chars()
        .skip_while(|&c| matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'));
    matches!(
        chars.next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}')
    )
}

/// A cell a spreadsheet would run as a formula, made inert with a leading quote.
pub fn safe_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(value) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// Write rows as CSV, every cell made inert.
fn to_csv(headings: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |writer: &mut csv::Writer<Vec<u8>>, row: &[String]| {
        writer
            .write_record(row.iter().map(|cell| safe_cell(cell).into_owned()))
            .expect("writing CSV to memory cannot fail");
    };
    write(&mut writer, headings);
    for row in rows {
        write(&mut writer, row);
    }
    writer.into_inner().expect("writing CSV to memory cannot fail")
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// `matches.csv`: one row per pair, with its score and why.
pub fn matches_csv(programme: &Programme, model: &Model, matching: &Matching) -> Vec<u8> {
    let headings: Vec<String> = [
        "mentee_email",
        "mentee_name",
        "mentee_grade",
        "mentor_email",
        "mentor_name",
        "mentor_grade",
        "score",
        "grade_gap",
        "profession_matched",
        "identity_matched",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = matching
        .pairs
        .iter()
        .map(|pair: &Pair| {
            let mentee = &programme.mentees[pair.mentee as usize].person;
            let mentor = &programme.mentors[pair.mentor as usize].person;
            vec![
                mentee.email.clone(),
                mentee.full_name(),
                model.ladder.name(mentee.grade).to_string(),
                mentor.email.clone(),
                mentor.full_name(),
                model.ladder.name(mentor.grade).to_string(),
                pair.score.to_string(),
                pair.grade_gap.to_string(),
                yes_no(pair.profession_matched),
                yes_no(pair.identity_matched),
            ]
        })
        .collect();
    to_csv(&headings, &rows)
}

/// One mailing list: a file name and its CSV bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailingList {
    /// The file's name in the output folder.
    pub file_name: &'static str,
    /// People listed.
    pub people: usize,
    /// The list as CSV bytes.
    pub csv: Vec<u8>,
}

/// The columns every mailing list has, in order: the earlier tool's, so
/// organisers' existing templates keep working.
pub const COMMON_COLUMNS: [&str; 5] = [
    "email address",
    "first name",
    "last name",
    "number of matches",
    "match details",
];

/// The four mailing lists: mentees with matches and without, mentors with and
/// without, one GOV.UK Notify template each.
///
/// Every row fills every column Notify sees: `email address`, `first name`,
/// `last name`, `number of matches`, `match details` (every match as text, one
/// paragraph each) and, in the lists with matches, one `mentor` (or `mentee`)
/// column per match, all with the same heading, which Notify merges into a
/// bulleted list (dropping the empty cells of people with fewer matches).
/// Biographies are sent whole or not at all, as the model's
/// `biographies.policy` says (see [`Biographies`]).
pub fn mailing_lists(programme: &Programme, model: &Model, matching: &Matching) -> Vec<MailingList> {
    let biographies = Biographies::new(programme, model);
    let mut mentors_of: Vec<Vec<usize>> = vec![Vec::new(); programme.mentees.len()];
    let mut mentees_of: Vec<Vec<usize>> = vec![Vec::new(); programme.mentors.len()];
    for pair in &matching.pairs {
        mentors_of[pair.mentee as usize].push(pair.mentor as usize);
        mentees_of[pair.mentor as usize].push(pair.mentee as usize);
    }
    let match_text = |role: Role, index: usize| -> Match {
        let (person, biography) = match role {
            Role::Mentor => (&programme.mentors[index].person, biographies.mentor(programme, index)),
            Role::Mentee => (&programme.mentees[index].person, biographies.mentee(programme, index)),
        };
        Match::new(person, biography, programme, model)
    };
    let mentees: Vec<(&Person, Vec<Match>)> = programme
        .mentees
        .iter()
        .zip(&mentors_of)
        .map(|(m, of)| (&m.person, of.iter().map(|&i| match_text(Role::Mentor, i)).collect()))
        .collect();
    let mentors: Vec<(&Person, Vec<Match>)> = programme
        .mentors
        .iter()
        .zip(&mentees_of)
        .map(|(m, of)| (&m.person, of.iter().map(|&i| match_text(Role::Mentee, i)).collect()))
        .collect();
    vec![
        list(
            "mentees-with-matches.csv",
            Some("mentor"),
            mentees.iter().filter(|(_, m)| !m.is_empty()),
        ),
        // Someone who asked for no matches (`max matches` 0: withdrawn) is told
        // nothing: the lists without matches say none could be found.
        list(
            "mentees-without-matches.csv",
            None,
            mentees.iter().filter(|(p, m)| m.is_empty() && p.capacity > 0),
        ),
        list(
            "mentors-with-matches.csv",
            Some("mentee"),
            mentors.iter().filter(|(_, m)| !m.is_empty()),
        ),
        list(
            "mentors-without-matches.csv",
            None,
            mentors.iter().filter(|(p, m)| m.is_empty() && p.capacity > 0),
        ),
    ]
}

#[derive(Clone, Copy)]
enum Role {
    Mentor,
    Mentee,
}

/// One match as a mailing list writes it.
struct Match {
    /// One line: name, email, grade, organisation, profession.
    line: String,
    /// The line's parts on lines of their own, then the biography if sent.
    details: String,
}

impl Match {
    fn new(person: &Person, biography: &str, programme: &Programme, model: &Model) -> Match {
        let name = match person.full_name() {
            name if name.trim().is_empty() => person.email.clone(),
            name => name,
        };
        let mut role = vec![
            model.ladder.name(person.grade).to_string(),
            programme.organisation_name(person.organisation).to_string(),
        ];
        if !person.profession.trim().is_empty() {
            role.push(person.profession.clone());
        }
        let role = role.join(", ");
        let line = format!("{name} ({}), {role}", person.email);
        let mut details = format!("{name}\nEmail: {}\n{role}", person.email);
        if !biography.trim().is_empty() {
            details.push_str("\nAbout them: ");
            details.push_str(biography);
        }
        Match { line, details }
    }
}

/// A name cell that is never empty: a person registered without a first (or
/// last) name gets the other, or their email's part before the `@`.
fn name_or(own: &str, other: &str, email: &str) -> String {
    [own, other, email.split('@').next().unwrap_or(email), email]
        .into_iter()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or("")
        .to_string()
}

fn list<'a>(
    file_name: &'static str,
    match_role: Option<&str>,
    people: impl Iterator<Item = &'a (&'a Person, Vec<Match>)>,
) -> MailingList {
    let people: Vec<_> = people.collect();
    // One column per match, all headed alike; at least one so the heading is
    // there for the template even when the list is empty.
    let slots = match match_role {
        Some(_) => people.iter().map(|(_, m)| m.len()).max().unwrap_or(0).max(1),
        None => 0,
    };
    let mut headings: Vec<String> = COMMON_COLUMNS.map(String::from).to_vec();
    if let Some(role) = match_role {
        headings.extend(std::iter::repeat_n(role.to_string(), slots));
    }
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|(person, matches)| {
            let details = if matches.is_empty() {
                "no matches this time".to_string()
            } else {
                matches
                    .iter()
                    .map(|m| m.details.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            let mut row = vec![
                person.email.clone(),
                name_or(&person.first_name, &person.last_name, &person.email),
                name_or(&person.last_name, &person.first_name, &person.email),
                matches.len().to_string(),
                details,
            ];
            for n in 0..slots {
                row.push(matches.get(n).map(|m| m.line.clone()).unwrap_or_default());
            }
            row
        })
        .collect();
    MailingList {
        file_name,
        people: rows.len(),
        csv: to_csv(&headings, &rows),
    }
}

/// The file of [`HISTORY_NEXT_TIME`]: what to pass as `--history` next time. Every
/// pair of the history given and of this matching, so no one is matched with
/// the same person again; and this time's priority mentees: each mentee who
/// got no match (a row without a mentor) and each who got fewer than they
/// asked for (`priority` yes on their rows). Emails only: for organisers.
pub fn history_next_time_csv(programme: &Programme, history: &History, matching: &Matching) -> Vec<u8> {
    let headings = ["mentee_email", "mentor_email", "priority"].map(String::from);
    let yes_no = |short: bool| if short { "yes" } else { "no" }.to_string();
    let mut earlier: Vec<(&str, &str)> = history.pairs().collect();
    earlier.sort_unstable();
    let mut rows: Vec<Vec<String>> = earlier
        .into_iter()
        .map(|(mentee, mentor)| vec![mentee.to_string(), mentor.to_string(), yes_no(false)])
        .collect();
    let counts = matching.mentee_counts(programme);
    let mut mentors_of: Vec<Vec<&str>> = vec![Vec::new(); programme.mentees.len()];
    for pair in &matching.pairs {
        mentors_of[pair.mentee as usize].push(&programme.mentors[pair.mentor as usize].person.email);
    }
    for ((mentee, count), mentors) in programme.mentees.iter().zip(counts).zip(&mut mentors_of) {
        let short = count < mentee.person.capacity;
        if mentors.is_empty() && short {
            rows.push(vec![mentee.person.email.clone(), String::new(), yes_no(true)]);
        }
        mentors.sort_unstable();
        for mentor in mentors.iter() {
            rows.push(vec![mentee.person.email.clone(), mentor.to_string(), yes_no(short)]);
        }
    }
    to_csv(&headings, &rows)
}

/// The name of the history file for next time.
pub const HISTORY_NEXT_TIME: &str = "history-next-time.csv";

/// `changes.csv` after a re-match: one row per pair added or removed, and why.
pub fn changes_csv(changes: &[PairChange]) -> Vec<u8> {
    let headings: Vec<String> = [
        "change",
        "mentee_email",
        "mentee_name",
        "mentor_email",
        "mentor_name",
        "why",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                if c.added { "added" } else { "removed" }.to_string(),
                c.mentee_email.clone(),
                c.mentee_name.clone(),
                c.mentor_email.clone(),
                c.mentor_name.clone(),
                c.why.words(),
            ]
        })
        .collect();
    to_csv(&headings, &rows)
}

/// The mailing lists of a re-match: only the people whose matches changed,
/// still registered and still taking part (not `max matches` 0). `mentees-new-matches.csv` and `mentors-new-matches.csv`:
/// everyone with a new match (a repeated `new match` column, one per new
/// match); `mentees-match-ended.csv` and `mentors-match-ended.csv`: everyone
/// who lost one, with the `ended match` and why. Both carry the common columns
/// (every current match in `match details`), so one template serves each list.
pub fn change_lists(
    programme: &Programme,
    model: &Model,
    matching: &Matching,
    changes: &[PairChange],
) -> Vec<MailingList> {
    let biographies = Biographies::new(programme, model);
    let mut mentors_of: Vec<Vec<usize>> = vec![Vec::new(); programme.mentees.len()];
    let mut mentees_of: Vec<Vec<usize>> = vec![Vec::new(); programme.mentors.len()];
    for pair in &matching.pairs {
        mentors_of[pair.mentee as usize].push(pair.mentor as usize);
        mentees_of[pair.mentor as usize].push(pair.mentee as usize);
    }
    // Per person still registered: their new matches, and the matches that ended.
    type Changed = (Vec<String>, Vec<String>);
    let mut mentee_changes: std::collections::BTreeMap<usize, Changed> = Default::default();
    let mut mentor_changes: std::collections::BTreeMap<usize, Changed> = Default::default();
    for change in changes {
        let line = |name: &str, email: &str| {
            let name = if name.trim().is_empty() { email } else { name };
            if change.added {
                format!("{name} ({email})")
            } else {
                format!("{name} ({email}): {}", change.why.words())
            }
        };
        if let Some(e) = programme.mentee_by_email(&change.mentee_email) {
            let entry = mentee_changes.entry(e).or_default();
            let text = line(&change.mentor_name, &change.mentor_email);
            if change.added {
                entry.0.push(text)
            } else {
                entry.1.push(text)
            }
        }
        if let Some(m) = programme.mentor_by_email(&change.mentor_email) {
            let entry = mentor_changes.entry(m).or_default();
            let text = line(&change.mentee_name, &change.mentee_email);
            if change.added {
                entry.0.push(text)
            } else {
                entry.1.push(text)
            }
        }
    }
    let details = |role: Role, of: &[usize]| -> String {
        if of.is_empty() {
            return "no matches at the moment".to_string();
        }
        of.iter()
            .map(|&i| {
                let (person, biography) = match role {
                    Role::Mentor => (&programme.mentors[i].person, biographies.mentor(programme, i)),
                    Role::Mentee => (&programme.mentees[i].person, biographies.mentee(programme, i)),
                };
                Match::new(person, biography, programme, model).details
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let build =
        |file_name: &'static str, heading: &str, people: Vec<(&Person, Vec<String>, String, usize)>| -> MailingList {
            let slots = people.iter().map(|p| p.1.len()).max().unwrap_or(0).max(1);
            let mut headings: Vec<String> = COMMON_COLUMNS.map(String::from).to_vec();
            headings.extend(std::iter::repeat_n(heading.to_string(), slots));
            let rows: Vec<Vec<String>> = people
                .iter()
                .map(|(person, changed, details, count)| {
                    let mut row = vec![
                        person.email.clone(),
                        name_or(&person.first_name, &person.last_name, &person.email),
                        name_or(&person.last_name, &person.first_name, &person.email),
                        count.to_string(),
                        details.clone(),
                    ];
                    for n in 0..slots {
                        row.push(changed.get(n).cloned().unwrap_or_default());
                    }
                    row
                })
                .collect();
            MailingList {
                file_name,
                people: rows.len(),
                csv: to_csv(&headings, &rows),
            }
        };
    let side = |changed: &std::collections::BTreeMap<usize, Changed>, added: bool, role: Role| {
        changed
            .iter()
            .filter(|(_, (new, ended))| if added { !new.is_empty() } else { !ended.is_empty() })
            .map(|(&i, (new, ended))| {
                let (person, of) = match role {
                    Role::Mentor => (&programme.mentees[i].person, &mentors_of[i]),
                    Role::Mentee => (&programme.mentors[i].person, &mentees_of[i]),
                };
                (
                    person,
                    if added { new.clone() } else { ended.clone() },
                    details(role, of),
                    of.len(),
                )
            })
            // Someone who now asks for no matches (`max matches` 0) withdrew:
            // their ended matches are their own doing, and nothing is sent.
            .filter(|(person, ..)| person.capacity > 0)
            .collect::<Vec<_>>()
    };
    vec![
        build(
            "mentees-new-matches.csv",
            "new match",
            side(&mentee_changes, true, Role::Mentor),
        ),
        build(
            "mentees-match-ended.csv",
            "ended match",
            side(&mentee_changes, false, Role::Mentor),
        ),
        build(
            "mentors-new-matches.csv",
            "new match",
            side(&mentor_changes, true, Role::Mentee),
        ),
        build(
            "mentors-match-ended.csv",
            "ended match",
            side(&mentor_changes, false, Role::Mentee),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert() {
        for cell in [
            "=1+1",
            "+44",
            "-x",
            "@SUM(A1)",
            "\u{FF1D}1+1",
            "\u{FF0B}44",
            "\u{FF0D}x",
            "\u{FF20}SUM(A1)",
            "\u{200B}=1+1",
            "\u{FEFF}\u{200D}+44",
        ] {
            assert_eq!(safe_cell(cell), format!("'{cell}"));
        }
        assert_eq!(safe_cell("plain"), "plain");
        assert_eq!(safe_cell("\u{200B}plain"), "\u{200B}plain");
        assert_eq!(safe_cell("a=b"), "a=b");
        assert_eq!(safe_cell(""), "");
    }
}
