//! Registrations: the people who signed up, read and checked into a [`Programme`].
//!
//! The library never opens files: callers hand over each file's bytes with the
//! name to use in messages (a [`Source`]).

mod adjust;
mod amend;
pub mod biography;
mod encoding;
pub mod generate;
mod history;
mod organisations;
mod read;
mod table;
pub mod validate;

pub use adjust::{pin_warnings, read_adjustments, Action, Adjustment, Adjustments};
pub use amend::{amend, headings};
pub use biography::{Biographies, IdentityMentions, Withheld};
pub use history::{read_history, read_named_pairs, read_pairs, swapped_pairs, EmailPair, History, NamedPair};
pub use organisations::{organisations_csv, read_organisations};
pub use read::{
    read_programme, unmapped_columns, Reading, Unmapped, BOTH_HEADING, COLUMN_HEADINGS, MAX_MATCHES_HEADING,
    MENTEE_HEADINGS, MENTOR_HEADINGS,
};
pub use table::{MAX_COLUMNS, MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_PROBLEMS, MAX_ROWS};
pub use validate::{eligible_mentor_counts, validate, Files};

use crate::model::Grade;

/// One input file: its name, for messages, and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The file's name as the user gave it, for messages.
    pub name: &'a str,
    /// The file's whole contents.
    pub bytes: &'a [u8],
}

/// Index of an organisation in [`Programme::organisations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct OrganisationId(pub u32);

/// What mentors and mentees both register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// As registered, trimmed.
    pub email: String,
    /// What emails are compared by: trimmed and lower-case.
    pub email_key: String,
    /// First name, as registered.
    pub first_name: String,
    /// Last name, as registered.
    pub last_name: String,
    /// Job title, as registered.
    pub job_title: String,
    /// Grade, on the model's ladder.
    pub grade: Grade,
    /// Organisation, aliases and untidy spellings folded together.
    pub organisation: OrganisationId,
    /// A mentor's profession; for a mentee, the profession they want to be matched on.
    pub profession: String,
    /// What professions are compared by.
    pub profession_key: String,
    /// Their own words about themselves, sent to their matches under the model's biography policy.
    pub biography: String,
    /// Most matches this person takes.
    pub capacity: u32,
    /// Whether the registration set its own capacity; if not, `capacity` is the
    /// model's default, and a what-if change of that default applies to them.
    pub capacity_given: bool,
    /// Line of the registration in its file, for messages.
    pub line: u64,
    /// The registration's row as a spreadsheet shows it: it differs from
    /// `line` after a field with a line break (a multi-line biography).
    pub row: u64,
}

impl Person {
    /// First and last name, for mailing lists.
    pub fn full_name(&self) -> String {
        match (self.first_name.is_empty(), self.last_name.is_empty()) {
            (false, false) => format!("{} {}", self.first_name, self.last_name),
            (false, true) => self.first_name.clone(),
            _ => self.last_name.clone(),
        }
    }
}

/// Someone who wants mentors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mentee {
    /// What every registration has.
    pub person: Person,
    /// Whether they asked to share an identity with their mentors.
    pub wants_identity_match: bool,
    /// The identities they want to share, as keys. Special-category data: used
    /// for matching only, never written to any output.
    pub identities: Vec<String>,
    /// Named by the history (`--history`) as unmatched or short last time: the
    /// `priority-mentees-with-at-least` term counts them. Set by
    /// [`History::mark_priority`], false until then.
    pub priority: bool,
}

impl Mentee {
    /// Asked for a shared identity and said which.
    pub fn asks_for_identity(&self) -> bool {
        self.wants_identity_match && !self.identities.is_empty()
    }
}

/// Someone who offers to mentor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mentor {
    /// What every registration has.
    pub person: Person,
    /// Their identities, as keys. Special-category data: used for matching only.
    pub characteristics: Vec<String>,
}

/// A validated programme: every mentee and mentor, sorted by email so that the
/// order of rows in the files never changes a result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Programme {
    /// Every mentee, sorted by email.
    pub mentees: Vec<Mentee>,
    /// Every mentor, sorted by email.
    pub mentors: Vec<Mentor>,
    /// Display name of each organisation, by [`OrganisationId`].
    pub organisations: Vec<String>,
    /// The organisers' pins and bans. They travel with the programme so every
    /// stage, the independent checker included, sees the same ones.
    pub adjustments: Adjustments,
    /// Mentors registered below the model's lowest mentor grade (R006): left
    /// out as mentors, listed for the organisers. Sorted by email.
    pub left_out_mentors: Vec<LeftOut>,
    /// The identity term each biography mentions, found once when read (see
    /// [`IdentityMentions`]).
    pub identity_mentions: IdentityMentions,
}

/// A mentor left out of the matching, for the organisers' lists.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// Email, as registered.
    pub email: String,
    /// Full name, as registered.
    pub name: String,
    /// The grade as registered.
    pub grade: String,
    /// Line of the registration in its file.
    #[serde(skip)]
    pub line: u64,
}

impl Programme {
    /// Display name of an organisation.
    pub fn organisation_name(&self, id: OrganisationId) -> &str {
        &self.organisations[id.0 as usize]
    }

    /// People registered from each organisation, by id: mentors and mentees,
    /// each person once.
    pub fn organisation_sizes(&self) -> Vec<usize> {
        let mut people: Vec<(u32, &str)> = self
            .mentees
            .iter()
            .map(|m| &m.person)
            .chain(self.mentors.iter().map(|m| &m.person))
            .map(|p| (p.organisation.0, p.email_key.as_str()))
            .collect();
        people.sort_unstable();
        people.dedup();
        let mut sizes = vec![0; self.organisations.len()];
        for (organisation, _) in people {
            sizes[organisation as usize] += 1;
        }
        sizes
    }

    /// Whether each organisation, by id, may match its mentees with its own
    /// mentors under `model`: always, never, or when it is large enough.
    pub fn own_organisation_allowed(&self, model: &crate::model::Model) -> Vec<bool> {
        self.organisation_sizes()
            .into_iter()
            .map(|size| model.allows_same_organisation(size))
            .collect()
    }

    /// The index of the mentee with this email, if registered.
    pub fn mentee_by_email(&self, email: &str) -> Option<usize> {
        let key = crate::model::text::email_key(email);
        self.mentees
            .binary_search_by(|m| m.person.email_key.as_str().cmp(&key))
            .ok()
    }

    /// The mentor with this email, if registered.
    pub fn mentor_by_email(&self, email: &str) -> Option<usize> {
        let key = crate::model::text::email_key(email);
        self.mentors
            .binary_search_by(|m| m.person.email_key.as_str().cmp(&key))
            .ok()
    }
}
