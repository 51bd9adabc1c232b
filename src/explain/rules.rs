//! The hard rules one pair at a time, for explanations: which rule, if any, keeps
//! a mentee and a mentor apart, and each person's eligible partners.
//!
//! Written from the model's rules directly rather than from a list of eligible
//! pairs, so a person's partners cost O(people in their grade window) to find
//! and no programme-wide pair list is needed.

use std::collections::{HashMap, HashSet};

use std::ops::Range;

use crate::model::{Grade, Model};
use crate::registration::{History, OrganisationId, Programme};

/// A hard rule, in the order a funnel applies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HardRule {
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
}

impl HardRule {
    pub const ALL: [HardRule; 7] = [
        HardRule::MentorBelowLowestGrade,
        HardRule::MentorOffersNoPlaces,
        HardRule::MenteeAsksNoMatches,
        HardRule::GradeWindow,
        HardRule::SameOrganisation,
        HardRule::MatchedBefore,
        HardRule::SamePerson,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The set of hard rules a pair breaks, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Broken(u8);

impl Broken {
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, rule: HardRule) -> bool {
        self.0 & rule.bit() != 0
    }

    /// The first rule broken, in funnel order.
    pub fn first(self) -> Option<HardRule> {
        HardRule::ALL.into_iter().find(|&r| self.contains(r))
    }

    /// Whether `rule` is the only rule broken.
    pub fn only(self, rule: HardRule) -> bool {
        self.0 == rule.bit()
    }
}

/// The hard rules of one programme under one model, ready to ask about pairs.
pub struct Rules<'a> {
    pub programme: &'a Programme,
    pub model: &'a Model,
    /// (mentee, mentor) index pairs matched before.
    matched_before: HashSet<(u32, u32)>,
    /// The mentor index of each mentee who also registered as a mentor.
    mentor_self: Vec<Option<u32>>,
    /// Mentors who may mentor and offer places, by grade.
    mentors_by_grade: Vec<Vec<u32>>,
    /// Mentees who ask for matches, by grade.
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
        let mentor_self = programme
            .mentees
            .iter()
            .map(|e| mentor_index.get(e.person.email_key.as_str()).copied())
            .collect();
        let mut matched_before = HashSet::new();
        if !history.is_empty() {
            let mentee_index: HashMap<&str, u32> = programme
                .mentees
                .iter()
                .enumerate()
                .map(|(i, m)| (m.person.email_key.as_str(), i as u32))
                .collect();
            for (mentee, mentor) in history.pairs() {
                if let (Some(&e), Some(&m)) = (mentee_index.get(mentee), mentor_index.get(mentor)) {
                    matched_before.insert((e, m));
                }
            }
        }
        let mut mentors_by_grade = vec![Vec::new(); model.ladder.len()];
        for (i, mentor) in programme.mentors.iter().enumerate() {
            if mentor.person.grade >= model.lowest_mentor_grade && mentor.person.capacity > 0 {
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
            mentors_by_grade,
            mentees_by_grade,
        }
    }

    /// Every hard rule the pair breaks; empty when the pair is eligible.
    pub fn broken(&self, mentee: u32, mentor: u32) -> Broken {
        let e = &self.programme.mentees[mentee as usize].person;
        let m = &self.programme.mentors[mentor as usize].person;
        let mut bits = 0u8;
        let mut add = |rule: HardRule, breaks: bool| {
            if breaks {
                bits |= rule.bit();
            }
        };
        add(
            HardRule::MentorBelowLowestGrade,
            m.grade < self.model.lowest_mentor_grade,
        );
        add(HardRule::MentorOffersNoPlaces, m.capacity == 0);
        add(HardRule::MenteeAsksNoMatches, e.capacity == 0);
        let gap = m.grade.0 as i32 - e.grade.0 as i32;
        add(
            HardRule::GradeWindow,
            gap < self.model.gap.min as i32 || gap > self.model.gap.max as i32,
        );
        add(
            HardRule::SameOrganisation,
            e.organisation == m.organisation && !self.own_organisation_allowed(e.organisation),
        );
        add(HardRule::MatchedBefore, self.matched_before.contains(&(mentee, mentor)));
        add(HardRule::SamePerson, self.mentor_self[mentee as usize] == Some(mentor));
        Broken(bits)
    }

    /// Whether a mentee and mentor both in this organisation may be matched.
    pub fn own_organisation_allowed(&self, organisation: OrganisationId) -> bool {
        self.own_organisation_allowed
            .get(organisation.0 as usize)
            .copied()
            .unwrap_or(self.model.same_organisation_allowed)
    }

    /// Every (mentee, mentor) pair kept apart by history or for being one
    /// person, sorted.
    pub fn excluded_pairs(&self) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u32, u32)> = self.matched_before.iter().copied().collect();
        pairs.extend(
            self.mentor_self
                .iter()
                .enumerate()
                .filter_map(|(e, m)| m.map(|m| (e as u32, m))),
        );
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The grades `gap.min..=gap.max` above `grade` that are on the ladder and
    /// allowed to mentor: where a mentee's mentors can be.
    pub fn mentor_grades_for(&self, grade: Grade) -> Range<usize> {
        mentor_grades(self.model, grade)
    }

    /// The grades `gap.min..=gap.max` below a mentor's `grade`: where their mentees can be.
    pub fn mentee_grades_for(&self, grade: Grade) -> Range<usize> {
        let g = grade.0 as usize;
        let lowest = g.saturating_sub(self.model.gap.max as usize);
        let highest = (g + 1).saturating_sub(self.model.gap.min as usize);
        lowest.min(highest)..highest
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
            .filter(move |&m| self.broken(mentee, m).is_empty())
    }

    /// The mentor's eligible mentees, by grade then index.
    pub fn mentees_of(&self, mentor: u32) -> impl Iterator<Item = u32> + '_ {
        let person = &self.programme.mentors[mentor as usize].person;
        let grades = if person.capacity == 0 || person.grade < self.model.lowest_mentor_grade {
            0..0
        } else {
            self.mentee_grades_for(person.grade)
        };
        self.mentees_by_grade[grades]
            .iter()
            .flatten()
            .copied()
            .filter(move |&e| self.broken(e, mentor).is_empty())
    }
}

/// The grades of the ladder `gap.min..=gap.max` above a mentee's `grade` that
/// may mentor: where their mentors can be.
pub fn mentor_grades(model: &Model, grade: Grade) -> Range<usize> {
    let lowest = (grade.0 as usize + model.gap.min as usize).max(model.lowest_mentor_grade.0 as usize);
    let highest = (grade.0 as usize + model.gap.max as usize + 1).min(model.ladder.len());
    lowest.min(highest)..highest
}
