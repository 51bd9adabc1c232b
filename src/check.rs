//! An independent check of any matching against every hard rule and capacity.
//!
//! Written apart from [`crate::eligibility`] and the solver, from the model's rules
//! directly, so that a bug in either cannot hide itself. The `check` command and
//! every test that produces a matching run it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::matching::Matching;
use crate::model::text::email_key;
use crate::model::Model;
use crate::registration::{Action, Adjustment, EmailPair, History, OrganisationId, Programme};
use crate::rules::Rule as HardRule;

/// Which rule a pair or person breaks: a hard rule, by the code and name every
/// output uses ([`crate::rules::Rule`]), or one of a matching's own (people
/// registered, pairs once, places).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A hard rule of the model.
    Hard(crate::rules::Rule),
    /// The pair's mentee is not registered.
    UnknownMentee,
    /// The pair's mentor is not registered.
    UnknownMentor,
    /// The pair is listed more than once.
    PairRepeated,
    /// A mentee has more matches than they asked for.
    MenteeOverCapacity,
    /// A mentor has more mentees than they offered.
    MentorOverCapacity,
    /// A pair the organisers pinned is not made.
    PinMissing,
}

impl Rule {
    /// The stable code (see docs/errors.md).
    pub fn code(self) -> &'static str {
        match self {
            Rule::Hard(rule) => rule.code(),
            Rule::UnknownMentee => "C001",
            Rule::UnknownMentor => "C002",
            Rule::PairRepeated => "C003",
            Rule::MenteeOverCapacity => "C004",
            Rule::MentorOverCapacity => "C005",
            Rule::PinMissing => "C006",
        }
    }

    /// The rule's name in files.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Hard(rule) => rule.name(),
            Rule::UnknownMentee => "unknown-mentee",
            Rule::UnknownMentor => "unknown-mentor",
            Rule::PairRepeated => "pair-repeated",
            Rule::MenteeOverCapacity => "mentee-over-capacity",
            Rule::MentorOverCapacity => "mentor-over-capacity",
            Rule::PinMissing => "pin-missing",
        }
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// Line in the matches file, when checking a file.
    pub line: Option<u64>,
    /// Who and what, in words.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "error[{}] {}: {}", self.rule.code(), self.rule.name(), self.detail)
    }
}

/// Check pairs named by email; returns every violation, none when the matching
/// is valid.
pub fn check_pairs(programme: &Programme, model: &Model, history: &History, pairs: &[EmailPair]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut mentee_counts = vec![0u32; programme.mentees.len()];
    let mut mentor_counts = vec![0u32; programme.mentors.len()];
    let mut seen = HashSet::new();
    // The organisers' pins and bans, by email, read here apart from the rules.
    let by_keys = |action: Action| -> HashMap<(String, String), &Adjustment> {
        programme
            .adjustments
            .rows
            .iter()
            .filter(|a| a.action == action)
            .map(|a| ((email_key(&a.mentee_email), email_key(&a.mentor_email)), a))
            .collect()
    };
    let (mut pins, bans) = (by_keys(Action::Pin), by_keys(Action::Ban));
    pins.extend(by_keys(Action::Keep));
    let mut pins_made: HashSet<(String, String)> = HashSet::new();
    // Organisation sizes (people registered, each once) for the rule that
    // lets large organisations match within themselves; counted here, apart
    // from the programme's own count, so the checker stays independent.
    let mut people: HashMap<OrganisationId, HashSet<&str>> = HashMap::new();
    for person in programme
        .mentees
        .iter()
        .map(|m| &m.person)
        .chain(programme.mentors.iter().map(|m| &m.person))
    {
        people.entry(person.organisation).or_default().insert(&person.email_key);
    }
    let organisation_size = |organisation: OrganisationId| people.get(&organisation).map_or(0, HashSet::len);
    for pair in pairs {
        let mut broken = |rule: Rule, detail: String| {
            violations.push(Violation {
                rule,
                line: Some(pair.line).filter(|&l| l > 0),
                detail,
            })
        };
        let who = format!("{} with {}", pair.mentee_email, pair.mentor_email);
        let mentee = programme.mentee_by_email(&pair.mentee_email);
        let mentor = programme.mentor_by_email(&pair.mentor_email);
        if mentee.is_none() {
            broken(
                Rule::UnknownMentee,
                format!("{} is not a registered mentee", pair.mentee_email),
            );
        }
        if mentor.is_none() {
            broken(
                Rule::UnknownMentor,
                format!("{} is not a registered mentor", pair.mentor_email),
            );
        }
        let (Some(e), Some(m)) = (mentee, mentor) else {
            continue;
        };
        let (mentee_person, mentor_person) = (&programme.mentees[e].person, &programme.mentors[m].person);
        if !seen.insert((e, m)) {
            broken(Rule::PairRepeated, format!("{who} appears more than once"));
            continue;
        }
        mentee_counts[e] += 1;
        mentor_counts[m] += 1;
        let keys = (mentee_person.email_key.clone(), mentor_person.email_key.clone());
        if let Some(ban) = bans.get(&keys) {
            broken(
                Rule::Hard(HardRule::Banned),
                format!("{who}: the organisers banned this pair ({})", ban.describe()),
            );
        }
        if pins.contains_key(&keys) {
            // The organisers' override: no other rule applies to a pinned pair.
            pins_made.insert(keys);
            continue;
        }
        if email_key(&pair.mentee_email) == email_key(&pair.mentor_email) {
            broken(
                Rule::Hard(HardRule::SamePerson),
                format!("{who}: a person cannot mentor themselves"),
            );
        }
        if mentor_person.grade < model.lowest_mentor_grade {
            broken(
                Rule::Hard(HardRule::MentorBelowLowestGrade),
                format!(
                    "{who}: the mentor is below {}",
                    model.ladder.name(model.lowest_mentor_grade)
                ),
            );
        }
        let gap = mentor_person.grade.0 as i32 - mentee_person.grade.0 as i32;
        if gap < model.gap.min as i32 || gap > model.gap.max as i32 {
            let (mentor, mentee) = (
                model.ladder.name(mentor_person.grade),
                model.ladder.name(mentee_person.grade),
            );
            let apart = match gap {
                0 => format!("the mentor ({mentor}) is at the mentee's grade"),
                g if g < 0 => format!("the mentor ({mentor}) is {} grade(s) below the mentee ({mentee})", -g),
                g => format!("the mentor ({mentor}) is {g} grade(s) above the mentee ({mentee})"),
            };
            broken(
                Rule::Hard(HardRule::GradeWindow),
                format!(
                    "{who}: {apart}; the model allows a mentor {} to {} grades above",
                    model.gap.min, model.gap.max
                ),
            );
        }
        if mentor_person.organisation == mentee_person.organisation
            && !model.allows_same_organisation(organisation_size(mentee_person.organisation))
        {
            broken(
                Rule::Hard(HardRule::SameOrganisation),
                format!(
                    "{who}: both are in {}",
                    programme.organisation_name(mentor_person.organisation)
                ),
            );
        }
        if history.contains(&mentee_person.email_key, &mentor_person.email_key) {
            broken(
                Rule::Hard(HardRule::MatchedBefore),
                format!("{who}: matched in an earlier year"),
            );
        }
    }
    let mut missing: Vec<&Adjustment> = pins
        .iter()
        .filter(|(keys, _)| !pins_made.contains(*keys))
        .map(|(_, pin)| *pin)
        .collect();
    missing.sort_by_key(|pin| pin.line);
    for pin in missing {
        violations.push(Violation {
            rule: Rule::PinMissing,
            line: None,
            detail: format!("the {} is not in the matching", pin.describe()),
        });
    }
    for (e, &count) in mentee_counts.iter().enumerate() {
        let person = &programme.mentees[e].person;
        if count > person.capacity {
            violations.push(Violation {
                rule: Rule::MenteeOverCapacity,
                line: None,
                detail: format!(
                    "mentee {} has {count} matches; at most {}",
                    person.email, person.capacity
                ),
            });
        }
    }
    for (m, &count) in mentor_counts.iter().enumerate() {
        let person = &programme.mentors[m].person;
        if count > person.capacity {
            violations.push(Violation {
                rule: Rule::MentorOverCapacity,
                line: None,
                detail: format!(
                    "mentor {} has {count} mentees; at most {}",
                    person.email, person.capacity
                ),
            });
        }
    }
    violations
}

/// Check a matching the library produced.
pub fn check_matching(programme: &Programme, model: &Model, history: &History, matching: &Matching) -> Vec<Violation> {
    let pairs: Vec<EmailPair> = matching
        .pairs
        .iter()
        .map(|p| EmailPair {
            line: 0,
            mentee_email: programme.mentees[p.mentee as usize].person.email.clone(),
            mentor_email: programme.mentors[p.mentor as usize].person.email.clone(),
        })
        .collect();
    check_pairs(programme, model, history, &pairs)
}
