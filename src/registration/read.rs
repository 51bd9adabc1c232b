//! Reading the two registration files (the earlier tool's format, unchanged) into
//! a checked [`Programme`].

use std::collections::{BTreeMap, HashMap};

use crate::model::text::{email_key, heading_key, list_keys, organisation_key, profession_key, words_key};
use crate::model::{Model, MAX_CAPACITY};
use crate::problem::{place, Problem, Problems};

use super::table::{too_many_problems, ColumnSpec, Row, Table, MAX_PROBLEMS};
use super::validate::{organisation_warnings, Files, MAX_LISTED};
use super::{IdentityMentions, LeftOut, Mentee, Mentor, OrganisationId, Person, Programme, Source};

/// A programme read from its files, with the warnings an organiser should see.
#[derive(Debug)]
pub struct Reading {
    /// The mentees and mentors, checked and sorted.
    pub programme: Programme,
    /// Problems found that do not stop the run.
    pub warnings: Problems,
}

// Column order in these lists is the order of `Col` below.
pub(super) const PERSON_COLUMNS: [ColumnSpec; 9] = [
    ColumnSpec {
        heading: "first name",
        keys: &["firstname", "forename", "givenname"],
        required: true,
    },
    ColumnSpec {
        heading: "last name",
        keys: &["lastname", "surname", "familyname"],
        required: false,
    },
    ColumnSpec {
        heading: "email address",
        keys: &["emailaddress", "email"],
        required: true,
    },
    ColumnSpec {
        heading: "job title",
        keys: &["jobtitle", "role"],
        required: false,
    },
    ColumnSpec {
        heading: "grade",
        keys: &["grade"],
        required: true,
    },
    ColumnSpec {
        heading: "organisation",
        keys: &["organisation", "organization", "department"],
        required: true,
    },
    ColumnSpec {
        heading: "profession",
        keys: &["profession"],
        required: false,
    },
    ColumnSpec {
        heading: "biography",
        keys: &["biography", "bio"],
        required: false,
    },
    ColumnSpec {
        heading: "max matches",
        keys: &["maxmatches", "capacity", "maxmentees", "maxmentors", "matches"],
        required: false,
    },
];
pub(super) const MENTOR_COLUMNS: [ColumnSpec; 1] = [ColumnSpec {
    heading: "characteristics",
    keys: &["characteristics", "identity", "identities"],
    required: false,
}];
pub(super) const MENTEE_COLUMNS: [ColumnSpec; 2] = [
    ColumnSpec {
        heading: "match with similar identity",
        keys: &["matchwithsimilaridentity"],
        required: false,
    },
    ColumnSpec {
        heading: "identity to match",
        keys: &["identitytomatch"],
        required: false,
    },
];

/// Heading of the earlier tool's column saying someone registered on both
/// sides; the reader does not need it (the two files say it).
pub const BOTH_HEADING: &str = "both mentor and mentee";

/// Heading of the optional column of places a person offers or wants.
pub const MAX_MATCHES_HEADING: &str = PERSON_COLUMNS[8].heading;

/// Headings of the mentors file, as the earlier tool (mentor-match) writes them
/// (an optional `max matches` column may follow).
pub const MENTOR_HEADINGS: [&str; 10] = [
    PERSON_COLUMNS[0].heading,
    PERSON_COLUMNS[1].heading,
    PERSON_COLUMNS[2].heading,
    BOTH_HEADING,
    PERSON_COLUMNS[3].heading,
    PERSON_COLUMNS[4].heading,
    PERSON_COLUMNS[5].heading,
    PERSON_COLUMNS[6].heading,
    MENTOR_COLUMNS[0].heading,
    PERSON_COLUMNS[7].heading,
];

/// Headings of the mentees file, as the earlier tool (mentor-match) writes them
/// (an optional `max matches` column may follow).
pub const MENTEE_HEADINGS: [&str; 11] = [
    PERSON_COLUMNS[0].heading,
    PERSON_COLUMNS[1].heading,
    PERSON_COLUMNS[2].heading,
    BOTH_HEADING,
    PERSON_COLUMNS[3].heading,
    PERSON_COLUMNS[4].heading,
    PERSON_COLUMNS[5].heading,
    PERSON_COLUMNS[6].heading,
    MENTEE_COLUMNS[0].heading,
    MENTEE_COLUMNS[1].heading,
    PERSON_COLUMNS[7].heading,
];

/// Every column the reader looks for, by the heading it names it by: the keys
/// of the model's `columns`.
pub const COLUMN_HEADINGS: [&str; 12] = [
    PERSON_COLUMNS[0].heading,
    PERSON_COLUMNS[1].heading,
    PERSON_COLUMNS[2].heading,
    PERSON_COLUMNS[3].heading,
    PERSON_COLUMNS[4].heading,
    PERSON_COLUMNS[5].heading,
    PERSON_COLUMNS[6].heading,
    PERSON_COLUMNS[7].heading,
    PERSON_COLUMNS[8].heading,
    MENTOR_COLUMNS[0].heading,
    MENTEE_COLUMNS[0].heading,
    MENTEE_COLUMNS[1].heading,
];

/// A column the reader needs and did not find in a registrations file, with
/// the file's headings it does not recognise: what the model's `columns` could
/// map it to. Found for the required columns (R001) and for the identity
/// columns when a heading looks like one (R020).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmapped {
    /// The file's name.
    pub file: String,
    /// The column's own heading: a key of the model's `columns`.
    pub column: &'static str,
    /// Whether the file cannot be read without it.
    pub required: bool,
    /// The file's headings the reader does not recognise, as written.
    pub headings: Vec<String>,
    /// The heading that looks like this column, if one does.
    pub likely: Option<String>,
}

/// Every column of the two files that the model's `columns` could map to a
/// heading the reader does not recognise (see [`Unmapped`]).
pub fn unmapped_columns(mentors: Source, mentees: Source, model: &Model) -> Vec<Unmapped> {
    let mapped: Vec<String> = model.columns.values().map(|h| heading_key(h)).collect();
    let recognised = |key: &str| {
        PERSON_COLUMNS
            .iter()
            .chain(&MENTOR_COLUMNS)
            .chain(&MENTEE_COLUMNS)
            .any(|spec| spec.keys.contains(&key))
            || mapped.iter().any(|m| m == key)
            || key == heading_key(BOTH_HEADING)
    };
    let mut found = Vec::new();
    for (source, side) in [(mentors, &MENTOR_COLUMNS[..]), (mentees, &MENTEE_COLUMNS[..])] {
        let Ok(table) = Table::read(source) else {
            continue;
        };
        let headings: Vec<String> = table
            .headings
            .iter()
            .filter(|h| !h.trim().is_empty() && !recognised(&heading_key(h)))
            .map(|h| h.trim().to_string())
            .collect();
        if headings.is_empty() {
            continue;
        }
        let identity_like = headings
            .iter()
            .find(|h| IDENTITY_HINTS.iter().any(|hint| heading_key(h).contains(hint)))
            .cloned();
        let mut scratch = Problems::default();
        let person = table.columns_mapped(&PERSON_COLUMNS, &model.columns, &mut scratch);
        let own = table.columns_mapped(side, &model.columns, &mut scratch);
        for (spec, at) in PERSON_COLUMNS.iter().zip(person) {
            if spec.required && at.is_none() {
                found.push(Unmapped {
                    file: source.name.to_string(),
                    column: spec.heading,
                    required: true,
                    headings: headings.clone(),
                    likely: None,
                });
            }
        }
        if identity_like.is_some() {
            for (spec, at) in side.iter().zip(own) {
                if at.is_none() {
                    found.push(Unmapped {
                        file: source.name.to_string(),
                        column: spec.heading,
                        required: false,
                        headings: headings.clone(),
                        likely: identity_like.clone(),
                    });
                }
            }
        }
    }
    found
}

/// Parts of a heading key that suggest a column about identity.
const IDENTITY_HINTS: [&str; 6] = ["identit", "characteristic", "lgbt", "sexual", "gender", "orientation"];

/// Warn when a file's identity columns are missing while some heading the
/// reader does not recognise looks like one: identity matching and the
/// withholding of biographies would otherwise be off without a word.
fn identity_column_warning(
    table: &Table,
    specs: &[ColumnSpec],
    found: &[Option<usize>],
    model: &Model,
    problems: &mut Problems,
) {
    let missing: Vec<&str> = specs
        .iter()
        .zip(found)
        .filter(|(_, f)| f.is_none())
        .map(|(spec, _)| spec.heading)
        .collect();
    if missing.is_empty() {
        return;
    }
    let mapped: Vec<String> = model.columns.values().map(|h| heading_key(h)).collect();
    let recognised = |key: &str| {
        PERSON_COLUMNS
            .iter()
            .chain(&MENTOR_COLUMNS)
            .chain(&MENTEE_COLUMNS)
            .any(|spec| spec.keys.contains(&key))
            || mapped.iter().any(|m| m == key)
    };
    let suspects: Vec<(usize, &str)> = table
        .headings
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            let key = heading_key(h);
            !recognised(&key) && IDENTITY_HINTS.iter().any(|hint| key.contains(hint))
        })
        .map(|(i, h)| (i, h.trim()))
        .collect();
    let Some(&(first, first_heading)) = suspects.first() else {
        return;
    };
    let listed: Vec<String> = suspects
        .iter()
        .map(|(i, h)| format!("column {} \"{}\"", i + 1, crate::problem::printable(h)))
        .collect();
    let missing_list: Vec<String> = missing.iter().map(|m| format!("\"{m}\"")).collect();
    problems.push(
        Problem::warning(
            "R020",
            table.file,
            format!(
                "no column {} was found, so identity matching and the withholding of biographies that mention an identity cannot use this file; {} look{} like an identity column but the heading is not one the reader knows. The headings found are {}",
                missing_list.join(" or "),
                listed.join(", "),
                if listed.len() == 1 { "s" } else { "" },
                table.headings_found()
            ),
        )
        .at_line(1)
        .in_column(first + 1, first_heading)
        .fix(format!(
            "if it is, map it in the model (--model): \"columns\": {{\"{}\": \"{}\"}}, or rename the heading to \"{}\"",
            missing[0],
            first_heading.replace('"', "\\\""),
            missing[0]
        )),
    );
}

enum Col {
    FirstName,
    LastName,
    Email,
    JobTitle,
    Grade,
    Organisation,
    Profession,
    Biography,
    Capacity,
}

/// Read and check both registration files under `model`. Every problem in both
/// files is reported together; on any error no programme is returned.
pub fn read_programme(mentors: Source, mentees: Source, model: &Model) -> Result<Reading, Problems> {
    let mut problems = Problems::default();
    let files = Files {
        mentors: mentors.name,
        mentees: mentees.name,
    };
    // A file that cannot be read at all does not stop the other being checked.
    let mut table = |source| match Table::read(source) {
        Ok(mut table) => {
            problems.extend(std::mem::take(&mut table.problems));
            Some(table)
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    let (mentor_table, mentee_table) = (table(mentors), table(mentees));
    if let Some(swapped) = swapped_files(mentor_table.as_ref(), mentee_table.as_ref(), files) {
        problems.push(swapped);
        return Err(problems);
    }

    let mut organisations = Organisations::default();
    let mut mentor_rows = Vec::new();
    let mut mentee_rows = Vec::new();
    let mut left_out_mentors = Vec::new();
    if let Some(table) = &mentor_table {
        mentor_rows = read_people(
            table,
            model,
            Role::Mentor,
            &mut organisations,
            &mut problems,
            &mut left_out_mentors,
        );
    }
    if let Some(table) = &mentee_table {
        mentee_rows = read_people(
            table,
            model,
            Role::Mentee,
            &mut organisations,
            &mut problems,
            &mut Vec::new(),
        );
    }
    let mentor_extra = match &mentor_table {
        Some(table) => {
            let found = table.columns_mapped(&MENTOR_COLUMNS, &model.columns, &mut problems);
            identity_column_warning(table, &MENTOR_COLUMNS, &found, model, &mut problems);
            found
        }
        None => vec![None; MENTOR_COLUMNS.len()],
    };
    let mentee_extra = match &mentee_table {
        Some(table) => {
            let found = table.columns_mapped(&MENTEE_COLUMNS, &model.columns, &mut problems);
            identity_column_warning(table, &MENTEE_COLUMNS, &found, model, &mut problems);
            found
        }
        None => vec![None; MENTEE_COLUMNS.len()],
    };

    let mentors: Vec<Mentor> = mentor_rows
        .into_iter()
        .map(|(person, row)| Mentor {
            person,
            characteristics: list_keys(row.get(mentor_extra[0])),
        })
        .collect();
    // Every row's answer is checked, rows with other errors too.
    let mut bad_answers = 0;
    for row in mentee_table.iter().flat_map(|t| &t.rows) {
        let wants = row.get(mentee_extra[0]);
        if yes_no(wants).is_none() {
            problems.push(
                Problem::error("R009", files.mentees, "expected yes or no")
                    .at_line(row.line)
                    .at_row(row.row)
                    .in_column(mentee_extra[0].unwrap_or(0) + 1, "match with similar identity")
                    .with_value(wants)
                    .fix("write yes or no"),
            );
            bad_answers += 1;
            if bad_answers >= MAX_PROBLEMS {
                problems.push(too_many_problems(files.mentees, row.line));
                break;
            }
        }
    }
    let mut mentees = Vec::with_capacity(mentee_rows.len());
    let mut unmet_requests = 0;
    for (person, row) in mentee_rows {
        let identities = list_keys(row.get(mentee_extra[1]));
        let wants_identity_match = yes_no(row.get(mentee_extra[0])).unwrap_or(false);
        if wants_identity_match && identities.is_empty() {
            unmet_requests += 1;
        }
        if wants_identity_match && identities.is_empty() && unmet_requests <= MAX_LISTED {
            // The identity itself is special-category data: the message names the
            // column, never a value.
            let (column, heading) = match mentee_extra[..] {
                [_, Some(c)] => (c, "identity to match"),
                [Some(c), _] => (c, "match with similar identity"),
                _ => (0, "identity to match"),
            };
            problems.push(
                Problem::warning(
                    "R018",
                    files.mentees,
                    "this mentee asked to be matched on a shared identity but gave no identity to match, so the request cannot be met",
                )
                .at_line(row.line)
                .at_row(row.row)
                .in_column(column + 1, heading)
                .fix("ask the mentee which identity to match and add it to \"identity to match\", or leave it: they are matched without it"),
            );
        }
        mentees.push(Mentee {
            person,
            wants_identity_match,
            identities,
            priority: false,
        });
    }

    if unmet_requests > MAX_LISTED {
        problems.push(
            Problem::warning(
                "R018",
                files.mentees,
                format!(
                    "{} more mentees asked for a shared identity without giving one (not listed)",
                    unmet_requests - MAX_LISTED
                ),
            )
            .fix("check the \"identity to match\" column was exported"),
        );
    }

    let organisation_names = organisations.names();
    check_people_in_both(
        &mentors,
        &mentees,
        files.mentors,
        files.mentees,
        model,
        &organisation_names,
        &mut problems,
    );

    let mut programme = Programme {
        mentees,
        mentors,
        organisations: organisation_names,
        adjustments: Default::default(),
        left_out_mentors,
        identity_mentions: Default::default(),
    };
    programme
        .mentees
        .sort_by(|a, b| a.person.email_key.cmp(&b.person.email_key));
    programme
        .mentors
        .sort_by(|a, b| a.person.email_key.cmp(&b.person.email_key));
    programme.left_out_mentors.sort_by_key(|a| email_key(&a.email));
    // In the order of the files and their lines, as an organiser fixes them.
    let order = |p: &Problem| (p.file != files.mentors, p.line.unwrap_or(0));
    problems.0.sort_by_key(order);
    if problems.has_errors() {
        // Checked here too so one run shows them beside the errors; on success
        // `validate` reports them.
        problems.0.extend(organisation_warnings(&programme, model, files));
        return Err(problems);
    }
    programme.identity_mentions = IdentityMentions::find(&programme);
    Ok(Reading {
        programme,
        warnings: problems,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Mentor,
    Mentee,
}

/// The columns every person has, checked row by row.
fn read_people<'t>(
    table: &'t Table,
    model: &Model,
    role: Role,
    organisations: &mut Organisations,
    problems: &mut Problems,
    left_out: &mut Vec<LeftOut>,
) -> Vec<(Person, &'t Row)> {
    let columns = table.columns_mapped(&PERSON_COLUMNS, &model.columns, problems);
    if columns
        .iter()
        .zip(&PERSON_COLUMNS)
        .any(|(c, spec)| spec.required && c.is_none())
    {
        return Vec::new();
    }
    let mut warnings = Problems::default();
    let file = table.file;
    let at = |row: &Row, col: Col| {
        let index = col as usize;
        (
            row.line,
            columns[index].map_or(0, |c| c + 1),
            PERSON_COLUMNS[index].heading,
        )
    };
    let default_capacity = match role {
        Role::Mentor => model.capacity.mentor,
        Role::Mentee => model.capacity.mentee,
    };
    let mut seen: HashMap<String, (u64, u64)> = HashMap::new();
    let mut people = Vec::with_capacity(table.rows.len());
    // Only errors are pushed in this loop.
    let before = problems.len();
    for row in &table.rows {
        if problems.len() - before >= MAX_PROBLEMS {
            problems.push(too_many_problems(file, row.line));
            break;
        }
        let mut ok = true;
        let mut report = |col: Col, value: &str, message: &str, fix: String, code: &'static str| {
            let (line, number, heading) = at(row, col);
            problems.push(
                Problem::error(code, file, message)
                    .at_line(line)
                    .at_row(row.row)
                    .in_column(number, heading)
                    .with_value(value)
                    .fix(fix),
            );
        };

        let email = row.get(columns[Col::Email as usize]);
        let key = email_key(email);
        if let Some(problem) = unsafe_email(email) {
            report(
                Col::Email,
                email,
                &problem,
                "write the address exactly as the person's mailbox has it: an address cannot start with =, +, - or @ (or their full-width forms) or hold invisible characters; if it really does, ask the person for another address".into(),
                "R019",
            );
            ok = false;
        } else if key.is_empty() {
            let name = full_name(
                row.get(columns[Col::FirstName as usize]),
                row.get(columns[Col::LastName as usize]),
            );
            let message = if name.is_empty() {
                "the email address is empty (and so is the name)".to_string()
            } else {
                format!("the email address of {name} is empty")
            };
            report(
                Col::Email,
                email,
                &message,
                "write the person's email address, like name@example.gov.uk".into(),
                "R003",
            );
            ok = false;
        } else if let Some(why) = email_refusal(&key) {
            report(
                Col::Email,
                email,
                &format!("not an email address GOV.UK Notify can send to: {why}"),
                "write the person's email address, like name@example.gov.uk".into(),
                "R003",
            );
            ok = false;
        } else if let Some(first) = seen.insert(key.clone(), (row.line, row.row)) {
            report(
                Col::Email,
                email,
                &format!("this email is already registered on {}", place(first)),
                "keep one registration per person in this file".into(),
                "R004",
            );
            ok = false;
        }

        let grade_text = row.get(columns[Col::Grade as usize]);
        let grade = model.ladder.grade(grade_text);
        match grade {
            None if grade_text.trim().is_empty() => {
                let ladder: Vec<&str> = model.ladder.grades().map(|g| model.ladder.name(g)).collect();
                let fix = format!(
                    "write the person's grade, one of the model's ladder: {}",
                    ladder.join(", ")
                );
                report(Col::Grade, grade_text, "the grade is empty", fix, "R005");
                ok = false;
            }
            None => {
                let fix = match model.ladder.nearest(grade_text) {
                    Some(near) => format!("did you mean \"{near}\"? Use a grade of the model's ladder, or add an alias for it to the model"),
                    None => "use a grade of the model's ladder, or add an alias for it to the model".into(),
                };
                report(Col::Grade, grade_text, "not a grade of the model's ladder", fix, "R005");
                ok = false;
            }
            Some(g) if role == Role::Mentor && g < model.lowest_mentor_grade => {
                // Not an error: the run goes on without them as a mentor (they
                // take part as a mentee if they registered as one too).
                let (line, number, heading) = at(row, Col::Grade);
                let lowest = model.ladder.name(model.lowest_mentor_grade);
                warnings.push(
                    Problem::warning(
                        "R006",
                        file,
                        format!("below {lowest}, the lowest grade that may mentor: this person is left out as a mentor"),
                    )
                    .at_line(line)
                    .at_row(row.row)
                    .in_column(number, heading)
                    .with_value(grade_text)
                    .fix("nothing, if the grade is right: tell them they cannot mentor this time (they are still matched as a mentee if they registered as one); otherwise correct the grade and run again"),
                );
                left_out.push(LeftOut {
                    email: email.to_string(),
                    name: full_name(
                        row.get(columns[Col::FirstName as usize]),
                        row.get(columns[Col::LastName as usize]),
                    ),
                    grade: grade_text.to_string(),
                    line: row.line,
                });
                ok = false;
            }
            Some(_) => {}
        }

        let organisation_text = row.get(columns[Col::Organisation as usize]);
        if organisation_key(organisation_text).is_empty() {
            report(
                Col::Organisation,
                organisation_text,
                "the organisation is empty",
                "write the person's organisation".into(),
                "R007",
            );
            ok = false;
        }

        let capacity_text = row.get(columns[Col::Capacity as usize]);
        let capacity = if capacity_text.is_empty() {
            default_capacity
        } else {
            let parsed = capacity_text.parse::<u64>();
            match parsed {
                Ok(c) if c <= u64::from(MAX_CAPACITY) => c as u32,
                _ => {
                    let message = match parsed {
                        Ok(_) => format!("more than {MAX_CAPACITY} matches"),
                        Err(_) => "not a whole number of matches".into(),
                    };
                    report(
                        Col::Capacity,
                        capacity_text,
                        &message,
                        format!("write a whole number from 0 to {MAX_CAPACITY}, or leave it empty for the model's default ({default_capacity})"),
                        "R013",
                    );
                    ok = false;
                    0
                }
            }
        };

        if !ok {
            continue;
        }
        let profession = row.get(columns[Col::Profession as usize]).to_string();
        people.push((
            Person {
                email: email.to_string(),
                email_key: key,
                first_name: row.get(columns[Col::FirstName as usize]).to_string(),
                last_name: row.get(columns[Col::LastName as usize]).to_string(),
                job_title: row.get(columns[Col::JobTitle as usize]).to_string(),
                grade: grade.expect("checked above"),
                organisation: organisations.intern(model, organisation_text),
                profession_key: profession_key(&profession),
                profession,
                biography: row.get(columns[Col::Biography as usize]).to_string(),
                capacity,
                capacity_given: !capacity_text.is_empty(),
                line: row.line,
                row: row.row,
            },
            row,
        ));
    }
    let below = warnings.len();
    if below > MAX_LISTED {
        warnings.0.truncate(MAX_LISTED);
        warnings.push(
            Problem::warning(
                "R006",
                file,
                format!(
                    "{} more mentors are below the lowest grade that may mentor and are left out as mentors (not listed)",
                    below - MAX_LISTED
                ),
            )
            .fix("check the grade column is the right one"),
        );
    }
    problems.extend(warnings);
    people
}

/// First and last name as a person is addressed.
fn full_name(first: &str, last: &str) -> String {
    [first, last]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which format a file's headings are in: `Some(Role::Mentee)` when only the
/// mentees' identity columns are there, `Some(Role::Mentor)` when only the
/// mentors' `characteristics` is.
fn format_of(table: &Table) -> Option<Role> {
    let keys: Vec<String> = table.headings.iter().map(|h| heading_key(h)).collect();
    let has = |specs: &[ColumnSpec]| specs.iter().any(|s| s.keys.iter().any(|k| keys.iter().any(|h| h == k)));
    match (has(&MENTOR_COLUMNS), has(&MENTEE_COLUMNS)) {
        (true, false) => Some(Role::Mentor),
        (false, true) => Some(Role::Mentee),
        _ => None,
    }
}

/// The error for files given the wrong way round (or the same kind twice),
/// told by their headings.
fn swapped_files(mentors: Option<&Table>, mentees: Option<&Table>, files: Files) -> Option<Problem> {
    let as_mentors = mentors.and_then(format_of);
    let as_mentees = mentees.and_then(format_of);
    let problem = match (as_mentors, as_mentees) {
        (Some(Role::Mentee), Some(Role::Mentor)) => Problem::error(
            "R021",
            files.mentors,
            format!(
                "the two files are the wrong way round: {} has the mentees' headings (\"identity to match\", \"match with similar identity\") and {} the mentors' (\"characteristics\")",
                files.mentors, files.mentees
            ),
        )
        .fix(format!("swap them: --mentors {} --mentees {}", files.mentees, files.mentors)),
        (Some(Role::Mentee), _) => Problem::error(
            "R021",
            files.mentors,
            "this file, given as the mentors, has the mentees' headings (\"identity to match\", \"match with similar identity\")",
        )
        .fix("give the mentors file after --mentors and the mentees file after --mentees"),
        (_, Some(Role::Mentor)) => Problem::error(
            "R021",
            files.mentees,
            "this file, given as the mentees, has the mentors' heading \"characteristics\"",
        )
        .fix("give the mentors file after --mentors and the mentees file after --mentees"),
        _ => return None,
    };
    Some(problem.at_line(1))
}

/// Someone in both files is one person: their grade and organisation must agree.
fn check_people_in_both(
    mentors: &[Mentor],
    mentees: &[Mentee],
    mentor_file: &str,
    mentee_file: &str,
    model: &Model,
    organisation_names: &[String],
    problems: &mut Problems,
) {
    let by_email: HashMap<&str, &Person> = mentors
        .iter()
        .map(|m| (m.person.email_key.as_str(), &m.person))
        .collect();
    for mentee in mentees {
        let Some(mentor) = by_email.get(mentee.person.email_key.as_str()) else {
            continue;
        };
        let differs = if mentor.grade != mentee.person.grade {
            Some((
                "grade",
                model.ladder.name(mentor.grade).to_string(),
                model.ladder.name(mentee.person.grade).to_string(),
            ))
        } else if mentor.organisation != mentee.person.organisation {
            let name = |id: OrganisationId| organisation_names.get(id.0 as usize).cloned().unwrap_or_default();
            Some((
                "organisation",
                name(mentor.organisation),
                name(mentee.person.organisation),
            ))
        } else {
            None
        };
        if let Some((what, as_mentor, as_mentee)) = differs {
            let detail = if as_mentor.is_empty() {
                String::new()
            } else {
                format!(" (\"{as_mentor}\" in {mentor_file}, \"{as_mentee}\" here)")
            };
            problems.push(
                Problem::error(
                    "R014",
                    mentee_file,
                    format!(
                        "this person is also a mentor ({} of {mentor_file}) with a different {what}{detail}",
                        place((mentor.line, mentor.row))
                    ),
                )
                .at_line(mentee.person.line)
                .at_row(mentee.person.row)
                .with_value(&mentee.person.email)
                .fix(format!("make the {what} the same in both files")),
            );
        }
    }
}

/// Organisation keys interned to ids, with the spellings seen for each.
#[derive(Default)]
struct Organisations {
    ids: HashMap<String, OrganisationId>,
    spellings: Vec<BTreeMap<String, usize>>,
}

impl Organisations {
    fn intern(&mut self, model: &Model, name: &str) -> OrganisationId {
        let key = model.organisation_key(name);
        let next = OrganisationId(self.spellings.len() as u32);
        let id = *self.ids.entry(key).or_insert(next);
        if id == next {
            self.spellings.push(BTreeMap::new());
        }
        *self.spellings[id.0 as usize]
            .entry(words_key_preserving_case(name))
            .or_default() += 1;
        id
    }

    /// Each organisation's most common spelling (ties: the first in sorted order),
    /// so the name shown does not depend on row order.
    fn names(&self) -> Vec<String> {
        self.spellings
            .iter()
            .map(|spellings| {
                let mut best: Option<(&String, usize)> = None;
                for (spelling, &count) in spellings {
                    if best.is_none_or(|(_, c)| count > c) {
                        best = Some((spelling, count));
                    }
                }
                best.map(|(s, _)| s.clone()).unwrap_or_default()
            })
            .collect()
    }
}

/// Trimmed, with runs of spaces collapsed, case kept: how a name is shown.
fn words_key_preserving_case(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A yes/no answer as forms write it; `None` when it is neither.
pub(super) fn yes_no(text: &str) -> Option<bool> {
    let key = words_key(text);
    if key.is_empty() || key.starts_with('n') || key == "false" || key == "0" {
        Some(false)
    } else if key.starts_with('y') || key == "true" || key == "1" {
        Some(true)
    } else {
        None
    }
}

/// Why an email address would not survive a spreadsheet or GOV.UK Notify as
/// registered: a spreadsheet runs it as a formula (so the outputs would need a
/// `'` before it, and Notify could not send to that), or it holds an invisible
/// character (which Notify drops, so it sends to another address).
fn unsafe_email(email: &str) -> Option<String> {
    if crate::report::export::is_formula_like(email) {
        let first = email.chars().find(|c| !is_invisible(*c)).unwrap_or(' ');
        return Some(format!(
            "the email address starts with \"{first}\", so a spreadsheet would run it as a formula"
        ));
    }
    email.chars().find(|&c| is_invisible(c)).map(|c| {
        format!(
            "the email address holds an invisible character (U+{:04X}), which GOV.UK Notify drops",
            c as u32
        )
    })
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Why GOV.UK Notify would refuse this address (`key`: trimmed, lower case),
/// or `None` when it accepts it. Notify checks every row of a list before it
/// sends any, so one address it refuses blocks the whole mailing list. Its rules
/// (notifications-utils, `validate_email_address`): before the `@` only
/// `a`-`z`, digits and ``.!#$%&'*+/=?^_`{|}~-``; one `@`; no `..`; at most 320
/// characters; a domain of at least two parts, each letters and digits joined
/// by hyphens, at most 63 characters, ending in a real top-level domain (letters
/// only). A domain in other scripts is sent in its ASCII form, so its letters
/// may be any letters.
fn email_refusal(key: &str) -> Option<String> {
    let Some((local, domain)) = key.split_once('@') else {
        return Some("it has no @".into());
    };
    if local.is_empty() {
        return Some("nothing comes before the @".into());
    }
    if domain.contains('@') {
        return Some("it has more than one @".into());
    }
    if let Some(c) = key.chars().find(|c| c.is_whitespace() || matches!(c, ',' | ';')) {
        return Some(if c.is_whitespace() {
            "it holds a space".into()
        } else {
            format!("it holds \"{c}\": write one address per person")
        });
    }
    const LOCAL: &str = ".!#$%&'*+/=?^_`{|}~-";
    if let Some(c) = local
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || LOCAL.contains(*c)))
    {
        // An accent is shown; an invisible or direction-changing character by its number.
        let shown = if c.is_alphanumeric() || c.is_ascii_graphic() {
            format!("\"{c}\"")
        } else {
            format!("the character U+{:04X}", c as u32)
        };
        return Some(format!(
            "the part before the @ holds {shown}, which GOV.UK Notify does not accept there (only the letters a to z, digits and . ! # $ % & ' * + / = ? ^ _ ` {{ | }} ~ -)"
        ));
    }
    if key.chars().count() > 320 {
        return Some("it is longer than 320 characters, the most GOV.UK Notify accepts".into());
    }
    if key.contains("..") {
        return Some("it has two dots in a row".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return Some("the part after the @ is not a domain like example.gov.uk".into());
    }
    for label in &labels {
        let ascii = label.is_ascii();
        let fits = !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && !label.contains("---")
            && label.chars().all(|c| {
                c == '-'
                    || if ascii {
                        c.is_ascii_alphanumeric()
                    } else {
                        c.is_alphanumeric()
                    }
            });
        if !fits {
            return Some(format!(
                "the part after the @ has \"{}\", which is not a part of a domain (letters and digits joined by hyphens)",
                label.escape_debug()
            ));
        }
    }
    let last = labels[labels.len() - 1];
    if last.is_ascii() && !last.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(format!("it ends in \".{last}\", which is not a real top-level domain"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let is_email = |key: &str| email_refusal(key).is_none();
        assert!(is_email("a.b@gov.uk"));
        assert!(is_email("o'brien+tag@cabinet-office.gov.uk"));
        assert!(is_email("a@ex\u{e1}mple.gov.uk"));
        assert!(!is_email("a.b@gov"));
        assert!(!is_email("@gov.uk"));
        assert!(!is_email("a b@gov.uk"));
        assert!(!is_email(""));
        // What GOV.UK Notify refuses, so a list holding it could not be sent.
        assert!(!is_email("zo\u{eb}@example.gov.uk"));
        assert!(!is_email("a..b@example.gov.uk"));
        assert!(!is_email("mailto:a@example.gov.uk"));
        assert!(!is_email("a@example.123"));
        assert!(!is_email("a@-example.gov.uk"));
        assert!(!is_email("a@example.gov.uk."));
        assert!(!is_email("\u{202e}a@example.gov.uk"));
        assert!(!is_email(&format!("{}@example.gov.uk", "a".repeat(310))));
    }

    #[test]
    fn the_earlier_tools_format() {
        assert_eq!(
            MENTOR_HEADINGS.join(","),
            "first name,last name,email address,both mentor and mentee,job title,grade,organisation,profession,characteristics,biography"
        );
        assert_eq!(
            MENTEE_HEADINGS.join(","),
            "first name,last name,email address,both mentor and mentee,job title,grade,organisation,profession,match with similar identity,identity to match,biography"
        );
    }

    #[test]
    fn yes_and_no() {
        assert_eq!(yes_no("Yes"), Some(true));
        assert_eq!(yes_no(" no "), Some(false));
        assert_eq!(yes_no(""), Some(false));
        assert_eq!(yes_no("maybe"), None);
    }
}
