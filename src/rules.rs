//! The hard rules: which mentee-mentor pairs may be matched at all.
//!
//! This is the one home of every hard rule. [`Rule`] names them (with the code
//! and the words every output uses); [`Rules`] applies them to one programme,
//! pair by pair ([`Rules::broken`]) or a grade window at a time. Eligibility's
//! fast walks, validation's counts, explain's funnel and the coverage
//! certificate all draw on it. The independent checker ([`crate::check`]) is the
//! one deliberate second implementation, and reports the same codes.
//!
//! A new rule is a variant of [`Rule`] with its [`Scope`], an arm in
//! `Rules::breaks` (which [`Rules::broken`] and [`Rules::allows`] ask), and,
//! if it removes individual pairs, an entry in the exclusions [`Rules::new`]
//! collects; the compiler points to the rest.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::Serialize;

use crate::model::{Grade, Model};
use crate::registration::{History, OrganisationId, Person, Programme};

/// A hard rule, in the order a funnel applies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The mentor's grade is below the model's lowest mentor grade.
    MentorBelowLowestGrade,
    /// The mentor offers no places (capacity 0).
    MentorOffersNoPlaces,
    /// The mentee asked for no matches (capacity 0).
    MenteeAsksNoMatches,
    /// The mentor is not `gap.min..=gap.max` grades above the mentee.
    GradeWindow,
    /// Both are in one organisation and the model forbids it.
    SameOrganisation,
    /// They were matched in an earlier year (history).
    MatchedBefore,
    /// One person registered as both.
    SamePerson,
    /// The organisers banned the pair (adjustments file).
    Banned,
}

/// What a rule depends on. The coverage certificate works on classes of people
/// of one grade and organisation, so it can hold a rule only if it knows which
/// of these the rule is; see [`crate::explain::certificate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One person alone (their grade or their places).
    Person,
    /// The two people's grades and organisations only.
    GradeAndOrganisation,
    /// Named pairs of people, few of them (history, the same person, bans).
    NamedPairs,
}

impl Rule {
    /// Every rule, in funnel order.
    pub const ALL: [Rule; 8] = [
        Rule::MentorBelowLowestGrade,
        Rule::MentorOffersNoPlaces,
        Rule::MenteeAsksNoMatches,
        Rule::GradeWindow,
        Rule::SameOrganisation,
        Rule::MatchedBefore,
        Rule::SamePerson,
        Rule::Banned,
    ];

    /// The stable code every output uses (see docs/errors.md).
    pub fn code(self) -> &'static str {
        match self {
            Rule::MentorBelowLowestGrade => "E001",
            Rule::MentorOffersNoPlaces => "E002",
            Rule::MenteeAsksNoMatches => "E003",
            Rule::GradeWindow => "E004",
            Rule::SameOrganisation => "E005",
            Rule::MatchedBefore => "E006",
            Rule::SamePerson => "E007",
            Rule::Banned => "E008",
        }
    }

    /// The rule's name in files (kebab-case, as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Rule::MentorBelowLowestGrade => "mentor-below-lowest-grade",
            Rule::MentorOffersNoPlaces => "mentor-offers-no-places",
            Rule::MenteeAsksNoMatches => "mentee-asks-no-matches",
            Rule::GradeWindow => "grade-window",
            Rule::SameOrganisation => "same-organisation",
            Rule::MatchedBefore => "matched-before",
            Rule::SamePerson => "same-person",
            Rule::Banned => "banned",
        }
    }

    /// The rule in organisers' words, for "... left nobody".
    pub fn title(self) -> &'static str {
        match self {
            Rule::MentorBelowLowestGrade => "the lowest mentor grade",
            Rule::MentorOffersNoPlaces => "mentors offering no places",
            Rule::MenteeAsksNoMatches => "asking for no matches",
            Rule::GradeWindow => "the grade window",
            Rule::SameOrganisation => "the rule against matching within one organisation",
            Rule::MatchedBefore => "earlier years' matches",
            Rule::SamePerson => "not matching anyone with themselves",
            Rule::Banned => "the organisers' bans",
        }
    }

    /// What the rule depends on.
    pub fn scope(self) -> Scope {
        match self {
            Rule::MentorBelowLowestGrade | Rule::MentorOffersNoPlaces | Rule::MenteeAsksNoMatches => Scope::Person,
            Rule::GradeWindow | Rule::SameOrganisation => Scope::GradeAndOrganisation,
            Rule::MatchedBefore | Rule::SamePerson | Rule::Banned => Scope::NamedPairs,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The set of hard rules a pair breaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Broken(u8);

impl Broken {
    /// Whether the pair breaks no rule.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the pair breaks `rule`.
    pub fn contains(self, rule: Rule) -> bool {
        self.0 & rule.bit() != 0
    }

    /// The first rule broken, in funnel order.
    pub fn first(self) -> Option<Rule> {
        Rule::ALL.into_iter().find(|&r| self.contains(r))
    }

    /// Whether `rule` is the only rule broken.
    pub fn only(self, rule: Rule) -> bool {
        self.0 == rule.bit()
    }

    /// The rules broken, in funnel order.
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.into_iter().filter(move |&r| self.contains(r))
    }
}

/// Whether a mentor's own record lets them mentor at all: at or above the
/// lowest grade that may mentor, with a place to offer.
pub fn may_mentor(mentor: &Person, model: &Model) -> bool {
    mentor.grade >= model.lowest_mentor_grade && mentor.capacity > 0
}

/// The grade window alone: the grades on the model's ladder `gap.min..=gap.max`
/// above a mentee's grade, if any.
pub fn grade_window(model: &Model, grade: Grade) -> Option<(Grade, Grade)> {
    let top = model.ladder.len().checked_sub(1)?;
    let lo = grade.0 as usize + model.gap.min as usize;
    let hi = (grade.0 as usize + model.gap.max as usize).min(top);
    (lo <= hi).then_some((Grade(lo as u8), Grade(hi as u8)))
}

/// Whether the grade window allows a mentor of `mentor` grade for a mentee of
/// `mentee` grade.
pub fn in_grade_window(model: &Model, mentee: Grade, mentor: Grade) -> bool {
    let gap = mentor.0 as i32 - mentee.0 as i32;
    gap >= model.gap.min as i32 && gap <= model.gap.max as i32
}

/// The grades where a mentee's mentors can be: the grade window, on the ladder,
/// at or above the lowest grade that may mentor.
pub fn mentor_grades(model: &Model, grade: Grade) -> Range<usize> {
    let lowest = (grade.0 as usize + model.gap.min as usize).max(model.lowest_mentor_grade.0 as usize);
    let highest = (grade.0 as usize + model.gap.max as usize + 1).min(model.ladder.len());
    lowest.min(highest)..highest
}

/// The grades `gap.min..=gap.max` below a mentor's grade: where their mentees can be.
pub fn mentee_grades(model: &Model, grade: Grade) -> Range<usize> {
    let g = grade.0 as usize;
    let lowest = g.saturating_sub(model.gap.max as usize);
    let highest = (g + 1).saturating_sub(model.gap.min as usize);
    lowest.min(highest)..highest
}

/// The hard rules of one programme under one model, ready to ask about pairs.
pub struct Rules<'a> {
    /// The programme the pairs are drawn from.
    pub programme: &'a Programme,
    /// The model whose hard rules apply.
    pub model: &'a Model,
    /// (mentee, mentor) index pairs matched before.
    matched_before: HashSet<(u32, u32)>,
    /// The mentor index of each mentee who also registered as a mentor.
    mentor_self: Vec<Option<u32>>,
    /// (mentee, mentor) index pairs the organisers banned.
    banned: HashSet<(u32, u32)>,
    /// The mentors pinned to each mentee by the organisers, sorted; only
    /// mentees with any are stored.
    pinned: Vec<Vec<u32>>,
    /// The mentors of each mentee in the previous matching (`rematch
    /// --allow-moves`), sorted.
    previous: Vec<Vec<u32>>,
    /// Every mentor each mentee may not have by a [`Scope::NamedPairs`] rule,
    /// sorted; only mentees with any are stored.
    excluded: Vec<Vec<u32>>,
    /// Mentors who may mentor and offer places, by grade, in mentor order.
    mentors_by_grade: Vec<Vec<u32>>,
    /// Mentees who ask for matches, by grade, in mentee order.
    mentees_by_grade: Vec<Vec<u32>>,
    /// Whether each organisation allows matches within itself.
    own_organisation_allowed: Vec<bool>,
}

impl<'a> Rules<'a> {
    /// Cost: O(mentees + mentors + history).
    pub fn new(programme: &'a Programme, model: &'a Model, history: &History) -> Rules<'a> {
        let mentor_index: HashMap<&str, u32> = programme
            .mentors
            .iter()
            .enumerate()
            .map(|(i, m)| (m.person.email_key.as_str(), i as u32))
            .collect();
        let mentor_self: Vec<Option<u32>> = programme
            .mentees
            .iter()
            .map(|e| mentor_index.get(e.person.email_key.as_str()).copied())
            .collect();
        let mentee_index: HashMap<&str, u32> = programme
            .mentees
            .iter()
            .enumerate()
            .map(|(i, m)| (m.person.email_key.as_str(), i as u32))
            .collect();
        let mut matched_before = HashSet::new();
        if !history.is_empty() {
            for (mentee, mentor) in history.pairs() {
                if let (Some(&e), Some(&m)) = (mentee_index.get(mentee), mentor_index.get(mentor)) {
                    matched_before.insert((e, m));
                }
            }
        }
        let adjusted = |adjustments: &mut dyn Iterator<Item = &crate::registration::Adjustment>| {
            adjustments
                .filter_map(|a| {
                    let (e, m) = a.keys();
                    Some((*mentee_index.get(e.as_str())?, *mentor_index.get(m.as_str())?))
                })
                .collect::<Vec<(u32, u32)>>()
        };
        let banned: HashSet<(u32, u32)> = adjusted(&mut programme.adjustments.bans()).into_iter().collect();
        // Lists by mentee index: asked about for every mentee a walk meets.
        let per_mentee = || vec![Vec::new(); programme.mentees.len()];
        let mut pinned: Vec<Vec<u32>> = per_mentee();
        for (e, m) in adjusted(&mut programme.adjustments.pins()) {
            pinned[e as usize].push(m);
        }
        let mut previous: Vec<Vec<u32>> = per_mentee();
        for (e, m) in adjusted(&mut programme.adjustments.previous()) {
            previous[e as usize].push(m);
        }
        for list in pinned.iter_mut().chain(previous.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        let mut excluded: Vec<Vec<u32>> = per_mentee();
        for (e, m) in mentor_self.iter().enumerate() {
            if let Some(m) = m {
                excluded[e].push(*m);
            }
        }
        for &(e, m) in matched_before.iter().chain(&banned) {
            excluded[e as usize].push(m);
        }
        for list in excluded.iter_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let mut mentors_by_grade = vec![Vec::new(); model.ladder.len()];
        for (i, mentor) in programme.mentors.iter().enumerate() {
            if may_mentor(&mentor.person, model) {
                mentors_by_grade[mentor.person.grade.0 as usize].push(i as u32);
            }
        }
        let mut mentees_by_grade = vec![Vec::new(); model.ladder.len()];
        for (i, mentee) in programme.mentees.iter().enumerate() {
            if mentee.person.capacity > 0 {
                mentees_by_grade[mentee.person.grade.0 as usize].push(i as u32);
            }
        }
        Rules {
            own_organisation_allowed: programme.own_organisation_allowed(model),
            programme,
            model,
            matched_before,
            mentor_self,
            banned,
            pinned,
            previous,
            excluded,
            mentors_by_grade,
            mentees_by_grade,
        }
    }

    /// Whether the pair breaks `rule`: the one statement of each hard rule,
    /// which [`Rules::broken`] and [`Rules::allows`] both ask.
    #[inline]
    fn breaks(&self, rule: Rule, mentee: u32, mentor: u32) -> bool {
        let e = &self.programme.mentees[mentee as usize].person;
        let m = &self.programme.mentors[mentor as usize].person;
        match rule {
            Rule::MentorBelowLowestGrade => m.grade < self.model.lowest_mentor_grade,
            Rule::MentorOffersNoPlaces => m.capacity == 0,
            Rule::MenteeAsksNoMatches => e.capacity == 0,
            Rule::GradeWindow => !in_grade_window(self.model, e.grade, m.grade),
            Rule::SameOrganisation => {
                e.organisation == m.organisation && !self.own_organisation_allowed(e.organisation)
            }
            Rule::MatchedBefore => self.matched_before.contains(&(mentee, mentor)),
            Rule::SamePerson => self.mentor_self[mentee as usize] == Some(mentor),
            Rule::Banned => self.banned.contains(&(mentee, mentor)),
        }
    }

    /// Every hard rule the pair breaks; empty when the pair is eligible. This
    /// is the plain statement of the rules that every faster walk is checked
    /// against.
    pub fn broken(&self, mentee: u32, mentor: u32) -> Broken {
        let mut bits = 0u8;
        for rule in Rule::ALL {
            if self.breaks(rule, mentee, mentor) {
                bits |= rule.bit();
            }
        }
        Broken(bits)
    }

    /// Whether the pair breaks no hard rule: [`Rules::broken`] stopped at the
    /// first rule broken, for callers asking of many pairs. The cheap rules
    /// come first in funnel order, so most pairs are refused before a lookup.
    pub fn allows(&self, mentee: u32, mentor: u32) -> bool {
        let allowed = Rule::ALL.into_iter().all(|rule| !self.breaks(rule, mentee, mentor));
        debug_assert_eq!(allowed, self.broken(mentee, mentor).is_empty());
        allowed
    }

    /// The mentors pinned to this mentee, sorted. A pin is the organisers'
    /// override: the pair is made even when it breaks a rule above.
    pub fn pinned_mentors(&self, mentee: u32) -> &[u32] {
        self.pinned.get(mentee as usize).map_or(&[], Vec::as_slice)
    }

    /// The mentors this mentee had in the previous matching, sorted.
    pub fn previous_mentors(&self, mentee: u32) -> &[u32] {
        self.previous.get(mentee as usize).map_or(&[], Vec::as_slice)
    }

    /// Whether the pair is in the previous matching.
    pub fn is_previous(&self, mentee: u32, mentor: u32) -> bool {
        self.previous_mentors(mentee).binary_search(&mentor).is_ok()
    }

    /// Whether the organisers pinned this pair.
    pub fn is_pinned(&self, mentee: u32, mentor: u32) -> bool {
        self.pinned_mentors(mentee).binary_search(&mentor).is_ok()
    }

    /// Every pinned (mentee, mentor) pair, sorted.
    pub fn pinned_pairs(&self) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u32, u32)> = self
            .pinned
            .iter()
            .enumerate()
            .flat_map(|(e, list)| list.iter().map(move |&m| (e as u32, m)))
            .collect();
        pairs.sort_unstable();
        pairs
    }

    /// Whether a mentee and mentor both in this organisation may be matched.
    /// An organisation the programme does not know (none in practice) follows
    /// the model's setting.
    pub fn own_organisation_allowed(&self, organisation: OrganisationId) -> bool {
        self.own_organisation_allowed
            .get(organisation.0 as usize)
            .copied()
            .unwrap_or(self.model.same_organisation_allowed)
    }

    /// The mentors this mentee may not have by a [`Scope::NamedPairs`] rule, sorted.
    pub fn excluded_mentors(&self, mentee: u32) -> &[u32] {
        self.excluded.get(mentee as usize).map_or(&[], Vec::as_slice)
    }

    /// Every (mentee, mentor) pair kept apart by a [`Scope::NamedPairs`] rule, sorted.
    pub fn excluded_pairs(&self) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u32, u32)> = self
            .excluded
            .iter()
            .enumerate()
            .flat_map(|(e, list)| list.iter().map(move |&m| (e as u32, m)))
            .collect();
        pairs.sort_unstable();
        pairs
    }

    /// Mentors who may mentor and offer places, by grade, in mentor order.
    pub fn mentors_by_grade(&self) -> &[Vec<u32>] {
        &self.mentors_by_grade
    }

    /// The grades where a mentee's mentors can be; see [`mentor_grades`].
    pub fn mentor_grades_for(&self, grade: Grade) -> Range<usize> {
        mentor_grades(self.model, grade)
    }

    /// The grades where a mentor's mentees can be; see [`mentee_grades`].
    pub fn mentee_grades_for(&self, grade: Grade) -> Range<usize> {
        mentee_grades(self.model, grade)
    }

    /// The mentee's eligible mentors, by grade then index. Cost: O(mentors in
    /// their grade window).
    pub fn mentors_of(&self, mentee: u32) -> impl Iterator<Item = u32> + '_ {
        let grade = self.programme.mentees[mentee as usize].person.grade;
        let grades = if self.programme.mentees[mentee as usize].person.capacity == 0 {
            0..0
        } else {
            self.mentor_grades_for(grade)
        };
        self.mentors_by_grade[grades]
            .iter()
            .flatten()
            .copied()
            .filter(move |&m| self.allows(mentee, m))
    }

    /// The mentor's eligible mentees, by grade then index.
    pub fn mentees_of(&self, mentor: u32) -> impl Iterator<Item = u32> + '_ {
        let person = &self.programme.mentors[mentor as usize].person;
        let grades = if may_mentor(person, self.model) {
            self.mentee_grades_for(person.grade)
        } else {
            0..0
        };
        self.mentees_by_grade[grades]
            .iter()
            .flatten()
            .copied()
            .filter(move |&e| self.allows(e, mentor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/errors.md lists every rule with its code, name and words, from this
    /// one definition.
    #[test]
    fn the_error_table_lists_every_rule() {
        let docs = include_str!("../docs/errors.md");
        for rule in Rule::ALL {
            let row = format!("| {} | {} | {} |", rule.code(), rule.name(), rule.title());
            assert!(docs.contains(&row), "docs/errors.md lacks: {row}");
        }
        let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut unique = codes.clone();
        unique.dedup();
        assert_eq!(codes, unique);
    }

    #[test]
    fn names_are_the_serialised_names() {
        for rule in Rule::ALL {
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.name());
        }
    }
}
