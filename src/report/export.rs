//! CSV exports: `matches.csv` for organisers, and mailing lists ready for GOV.UK
//! Notify bulk sending, one per email template.
//!
//! Mailing lists go to participants, so they carry only what a match may see:
//! name, email, grade, organisation, profession and biography. Never anyone's
//! identity, identity preference or characteristics.

use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::Model;
use crate::registration::{Person, Programme};

/// A cell a spreadsheet would run as a formula, made inert with a leading quote.
pub fn safe_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
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
    pub file_name: &'static str,
    pub people: usize,
    pub csv: Vec<u8>,
}

/// The four mailing lists: mentees with matches and without, mentors with and
/// without. Each row has `email address`, `first name`, `number of matches` and,
/// per match, `<role> N name/email/grade/organisation/profession/biography`.
pub fn mailing_lists(programme: &Programme, model: &Model, matching: &Matching) -> Vec<MailingList> {
    let mut mentors_of: Vec<Vec<&Person>> = vec![Vec::new(); programme.mentees.len()];
    let mut mentees_of: Vec<Vec<&Person>> = vec![Vec::new(); programme.mentors.len()];
    for pair in &matching.pairs {
        mentors_of[pair.mentee as usize].push(&programme.mentors[pair.mentor as usize].person);
        mentees_of[pair.mentor as usize].push(&programme.mentees[pair.mentee as usize].person);
    }
    let mentees: Vec<(&Person, &[&Person])> = programme
        .mentees
        .iter()
        .map(|m| &m.person)
        .zip(mentors_of.iter().map(Vec::as_slice))
        .collect();
    let mentors: Vec<(&Person, &[&Person])> = programme
        .mentors
        .iter()
        .map(|m| &m.person)
        .zip(mentees_of.iter().map(Vec::as_slice))
        .collect();
    vec![
        list(
            "mentees-with-matches.csv",
            "mentor",
            programme,
            model,
            mentees.iter().filter(|(_, m)| !m.is_empty()),
        ),
        list(
            "mentees-without-matches.csv",
            "mentor",
            programme,
            model,
            mentees.iter().filter(|(_, m)| m.is_empty()),
        ),
        list(
            "mentors-with-matches.csv",
            "mentee",
            programme,
            model,
            mentors.iter().filter(|(_, m)| !m.is_empty()),
        ),
        list(
            "mentors-without-matches.csv",
            "mentee",
            programme,
            model,
            mentors.iter().filter(|(_, m)| m.is_empty()),
        ),
    ]
}

/// Identity words that are also ordinary words, never taken out of a biography.
const ORDINARY_WORDS: [&str; 8] = [
    "other",
    "none",
    "n/a",
    "na",
    "yes",
    "no",
    "prefer not to say",
    "not sure",
];

/// Every identity and characteristic named anywhere in the registrations,
/// lowercase, longest first (so "bisexual or pansexual" goes before "bisexual").
pub fn identity_terms(programme: &Programme) -> Vec<String> {
    let mut terms: Vec<String> = programme
        .mentees
        .iter()
        .flat_map(|m| m.identities.iter())
        .chain(programme.mentors.iter().flat_map(|m| m.characteristics.iter()))
        .map(|t| t.to_ascii_lowercase())
        .filter(|t| t.chars().count() >= 3 && !ORDINARY_WORDS.contains(&t.as_str()))
        .collect();
    terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    terms.dedup();
    terms
}

/// A biography with every identity term (whole words, any case) replaced by
/// `"[removed]"`: participants sometimes name their identity in their biography,
/// and a mailing list must never tell a match someone's identity.
pub fn without_identities(text: &str, terms: &[String]) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_word(bytes[i - 1]);
        let found = at_word_start
            .then(|| {
                terms
                    .iter()
                    .find(|t| lower[i..].starts_with(t.as_str()) && bytes.get(i + t.len()).is_none_or(|&b| !is_word(b)))
            })
            .flatten();
        match found {
            Some(term) => {
                out.push_str(&text[copied..i]);
                out.push_str("[removed]");
                i += term.len();
                copied = i;
            }
            None => {
                i += 1;
                while i < bytes.len() && !text.is_char_boundary(i) {
                    i += 1;
                }
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn list<'a>(
    file_name: &'static str,
    match_role: &str,
    programme: &Programme,
    model: &Model,
    people: impl Iterator<Item = &'a (&'a Person, &'a [&'a Person])>,
) -> MailingList {
    let people: Vec<_> = people.collect();
    let identities = identity_terms(programme);
    let with_matches = !file_name.contains("without");
    // Notify needs every placeholder in every row: at least 3 match slots.
    let slots = if with_matches {
        people.iter().map(|(_, m)| m.len()).max().unwrap_or(0).max(3)
    } else {
        0
    };
    let mut headings: Vec<String> = vec!["email address".into(), "first name".into(), "number of matches".into()];
    for n in 1..=slots {
        for field in ["name", "email", "grade", "organisation", "profession", "biography"] {
            headings.push(format!("{match_role} {n} {field}"));
        }
    }
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|(person, matches)| {
            let mut row = vec![
                person.email.clone(),
                person.first_name.clone(),
                matches.len().to_string(),
            ];
            for n in 0..slots {
                match matches.get(n) {
                    Some(other) => row.extend([
                        other.full_name(),
                        other.email.clone(),
                        model.ladder.name(other.grade).to_string(),
                        programme.organisation_name(other.organisation).to_string(),
                        other.profession.clone(),
                        without_identities(&other.biography, &identities),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 6)),
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_taken_out_of_biographies() {
        let terms: Vec<String> = ["bisexual or pansexual", "bisexual", "gay", "trans"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            without_identities("I am Gay and Bisexual or pansexual; transport policy, GAY.", &terms),
            "I am [removed] and [removed]; transport policy, [removed]."
        );
        assert_eq!(without_identities("Zoë, gaydar-free", &terms), "Zoë, gaydar-free");
        assert_eq!(without_identities("", &terms), "");
    }

    #[test]
    fn formulas_are_made_inert() {
        for cell in ["=1+1", "+44", "-x", "@SUM(A1)"] {
            assert_eq!(safe_cell(cell), format!("'{cell}"));
        }
        assert_eq!(safe_cell("plain"), "plain");
        assert_eq!(safe_cell(""), "");
    }
}
