//! Eligible pairs: every mentee-mentor pair the model's hard rules allow, with the
//! score it would earn and why.
//!
//! Hard rules: the mentor may mentor (grade at least the model's lowest mentor
//! grade); the mentor is `gap.min..=gap.max` grades above the mentee; they are in
//! different organisations (unless the model allows the same); they were not
//! matched before (history); they are not the same person.

use std::collections::HashMap;

use crate::model::Model;
use crate::registration::{History, Programme};

/// One eligible pair and what its score is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pair {
    /// Index into [`Programme::mentees`].
    pub mentee: u32,
    /// Index into [`Programme::mentors`].
    pub mentor: u32,
    pub score: u32,
    /// Mentor's grade minus mentee's.
    pub grade_gap: u8,
    /// The mentor's profession is the one the mentee wants.
    pub profession_matched: bool,
    /// The mentee asked to share an identity and the mentor has it.
    pub identity_matched: bool,
}

/// Every eligible pair, grouped by mentee in mentee order, then by the mentor's
/// grade, then in mentor order: an order fixed by the programme, not by file rows.
///
/// Cost: O(mentees x mentors in their grade window). Large programmes can have tens
/// of millions of eligible pairs; [`Eligibility`] walks them without storing them.
pub fn eligible_pairs(programme: &Programme, model: &Model, history: &History) -> Vec<Pair> {
    Eligibility::new(programme, model, history).pairs()
}

/// The hard rules of a model applied to one programme, ready to answer "which
/// mentors may this mentee have, and what would each pair score?" quickly and
/// without listing every pair.
pub struct Eligibility<'a> {
    programme: &'a Programme,
    model: &'a Model,
    /// Mentors who may mentor (grade high enough, capacity above 0), by grade.
    mentors_by_grade: Vec<Vec<u32>>,
    /// Per grade, mentors of that grade by organisation (for counting).
    organisation_counts: Vec<HashMap<u32, usize>>,
    /// Profession keys as small numbers, so comparing them is one instruction.
    mentee_profession: Vec<u32>,
    mentor_profession: Vec<u32>,
    /// Each mentor's organisation, packed apart from the rest of their record
    /// because every walk over mentors reads it.
    mentor_organisation: Vec<u32>,
    /// Whether each organisation allows matches within itself.
    own_organisation_allowed: Vec<bool>,
    identities: IdentitySets,
    /// Mentors each mentee may not have (themselves, earlier matches), sorted.
    excluded: HashMap<u32, Vec<u32>>,
}

/// Profession number of "no profession named": never equal to a mentor's.
const NO_PROFESSION: u32 = u32::MAX;

impl<'a> Eligibility<'a> {
    pub fn new(programme: &'a Programme, model: &'a Model, history: &History) -> Self {
        let mut mentors_by_grade: Vec<Vec<u32>> = vec![Vec::new(); model.ladder.len()];
        let mut organisation_counts: Vec<HashMap<u32, usize>> = vec![HashMap::new(); model.ladder.len()];
        for (i, mentor) in programme.mentors.iter().enumerate() {
            if mentor.person.grade >= model.lowest_mentor_grade && mentor.person.capacity > 0 {
                let grade = mentor.person.grade.0 as usize;
                mentors_by_grade[grade].push(i as u32);
                *organisation_counts[grade]
                    .entry(mentor.person.organisation.0)
                    .or_default() += 1;
            }
        }
        let mut professions: HashMap<&str, u32> = HashMap::new();
        let mut number = |key: &'a str| -> u32 {
            if key.is_empty() {
                return NO_PROFESSION;
            }
            let next = professions.len() as u32;
            *professions.entry(key).or_insert(next)
        };
        let mentee_profession = programme
            .mentees
            .iter()
            .map(|m| number(&m.person.profession_key))
            .collect();
        let mentor_profession = programme
            .mentors
            .iter()
            .map(|m| number(&m.person.profession_key))
            .collect();
        let mut excluded = excluded_mentors(programme, history);
        for list in excluded.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        Eligibility {
            programme,
            model,
            mentors_by_grade,
            organisation_counts,
            mentee_profession,
            mentor_profession,
            mentor_organisation: programme.mentors.iter().map(|m| m.person.organisation.0).collect(),
            own_organisation_allowed: programme.own_organisation_allowed(model),
            identities: IdentitySets::new(programme),
            excluded,
        }
    }

    /// The grades a mentee's mentors may have, with the gap of each.
    fn window(&self, mentee: u32) -> impl Iterator<Item = (usize, u8)> + '_ {
        let grade = self.programme.mentees[mentee as usize].person.grade.0 as usize;
        let lowest = grade + self.model.gap.min as usize;
        let highest = (grade + self.model.gap.max as usize).min(self.model.ladder.len().saturating_sub(1));
        (lowest..=highest).map(move |g| (g, (g - grade) as u8))
    }

    /// The pair of this mentee and mentor, if every hard rule allows it.
    pub fn pair(&self, mentee: u32, mentor: u32) -> Option<Pair> {
        let e = &self.programme.mentees[mentee as usize].person;
        let m = &self.programme.mentors[mentor as usize].person;
        if e.capacity == 0 || m.capacity == 0 || m.grade < self.model.lowest_mentor_grade || m.grade < e.grade {
            return None;
        }
        let gap = m.grade.0 - e.grade.0;
        if gap < self.model.gap.min || gap > self.model.gap.max {
            return None;
        }
        if e.organisation == m.organisation && !self.own_organisation_allowed(e.organisation.0) {
            return None;
        }
        if self.is_excluded(mentee, mentor) {
            return None;
        }
        Some(self.scored(mentee, mentor, gap))
    }

    /// Whether a mentee in this organisation may have a mentor from it too.
    fn own_organisation_allowed(&self, organisation: u32) -> bool {
        self.own_organisation_allowed
            .get(organisation as usize)
            .copied()
            .unwrap_or(self.model.same_organisation_allowed)
    }

    fn is_excluded(&self, mentee: u32, mentor: u32) -> bool {
        self.excluded
            .get(&mentee)
            .is_some_and(|list| list.binary_search(&mentor).is_ok())
    }

    fn scored(&self, mentee: u32, mentor: u32, grade_gap: u8) -> Pair {
        let wanted = self.mentee_profession[mentee as usize];
        let profession_matched = wanted != NO_PROFESSION && wanted == self.mentor_profession[mentor as usize];
        let identity_matched =
            self.programme.mentees[mentee as usize].asks_for_identity() && self.identities.shared(mentee, mentor);
        Pair {
            mentee,
            mentor,
            score: self
                .model
                .weights
                .score(grade_gap, profession_matched, identity_matched),
            grade_gap,
            profession_matched,
            identity_matched,
        }
    }

    /// Calls `visit` with every eligible pair of one mentee, by mentor grade then
    /// mentor order.
    pub fn for_mentee(&self, mentee: u32, mut visit: impl FnMut(Pair)) {
        self.for_mentee_in(mentee, &self.mentors_by_grade, |pair| {
            visit(pair);
            true
        });
    }

    /// Mentors who may mentor at all, by grade: the lists [`Eligibility::for_mentee_in`]
    /// takes, in any order the caller likes.
    pub fn mentors_by_grade(&self) -> &[Vec<u32>] {
        &self.mentors_by_grade
    }

    /// Like [`Eligibility::for_mentee`], but walks each grade's mentors in the
    /// order of `by_grade` (a reordering of [`Eligibility::mentors_by_grade`]),
    /// and leaves a grade as soon as `visit` returns false.
    pub fn for_mentee_in(&self, mentee: u32, by_grade: &[Vec<u32>], mut visit: impl FnMut(Pair) -> bool) {
        let person = &self.programme.mentees[mentee as usize];
        if person.person.capacity == 0 {
            return;
        }
        let organisation = person.person.organisation.0;
        let excluded = self.excluded.get(&mentee).map(Vec::as_slice).unwrap_or(&[]);
        let same_allowed = self.own_organisation_allowed(organisation);
        // What does not depend on the mentor is worked out once: this walk is
        // the inner loop of pricing.
        let asks = person.asks_for_identity();
        let wanted = self.mentee_profession[mentee as usize];
        let weights = &self.model.weights;
        for (grade, gap) in self.window(mentee) {
            let gap_score = weights.grade_gap_score(gap);
            for &m in &by_grade[grade] {
                if !same_allowed && self.mentor_organisation[m as usize] == organisation {
                    continue;
                }
                if !excluded.is_empty() && excluded.binary_search(&m).is_ok() {
                    continue;
                }
                let profession_matched = wanted != NO_PROFESSION && wanted == self.mentor_profession[m as usize];
                let identity_matched = asks && self.identities.shared(mentee, m);
                let pair = Pair {
                    mentee,
                    mentor: m,
                    score: gap_score
                        + if profession_matched { weights.profession } else { 0 }
                        + if identity_matched { weights.identity } else { 0 },
                    grade_gap: gap,
                    profession_matched,
                    identity_matched,
                };
                debug_assert_eq!(pair, self.scored(mentee, m, gap));
                if !visit(pair) {
                    break;
                }
            }
        }
    }

    /// How many mentors this mentee may have, counted without visiting them.
    pub fn count_for_mentee(&self, mentee: u32) -> usize {
        let person = &self.programme.mentees[mentee as usize].person;
        if person.capacity == 0 {
            return 0;
        }
        let organisation = person.organisation.0;
        let same_allowed = self.own_organisation_allowed(organisation);
        let mut count = 0;
        for (grade, _) in self.window(mentee) {
            count += self.mentors_by_grade[grade].len();
            if !same_allowed {
                count -= self.organisation_counts[grade].get(&organisation).copied().unwrap_or(0);
            }
        }
        let excluded = self.excluded.get(&mentee).map(Vec::as_slice).unwrap_or(&[]);
        // Exclusions only lower the count for mentors the rules above let through.
        count
            - excluded
                .iter()
                .filter(|&&m| {
                    let mentor = &self.programme.mentors[m as usize].person;
                    let gap = mentor.grade.0 as i32 - person.grade.0 as i32;
                    mentor.capacity > 0
                        && mentor.grade >= self.model.lowest_mentor_grade
                        && gap >= self.model.gap.min as i32
                        && gap <= self.model.gap.max as i32
                        && (same_allowed || mentor.organisation.0 != organisation)
                })
                .count()
    }

    /// The number of eligible pairs in the programme.
    pub fn count(&self) -> usize {
        (0..self.programme.mentees.len() as u32)
            .map(|e| self.count_for_mentee(e))
            .sum()
    }

    /// Every eligible pair, in the order of [`eligible_pairs`].
    pub fn pairs(&self) -> Vec<Pair> {
        let mut pairs = Vec::new();
        for e in 0..self.programme.mentees.len() as u32 {
            self.for_mentee(e, |pair| pairs.push(pair));
        }
        pairs
    }

    pub fn programme(&self) -> &'a Programme {
        self.programme
    }

    pub fn model(&self) -> &'a Model {
        self.model
    }
}

/// Mentors each mentee may not have: themselves (registered as both) and earlier
/// matches. Only mentees with any are stored.
fn excluded_mentors(programme: &Programme, history: &History) -> HashMap<u32, Vec<u32>> {
    let mut excluded: HashMap<u32, Vec<u32>> = HashMap::new();
    let mentor_index: HashMap<&str, u32> = programme
        .mentors
        .iter()
        .enumerate()
        .map(|(i, m)| (m.person.email_key.as_str(), i as u32))
        .collect();
    for (e, mentee) in programme.mentees.iter().enumerate() {
        if let Some(&m) = mentor_index.get(mentee.person.email_key.as_str()) {
            excluded.entry(e as u32).or_default().push(m);
        }
    }
    if !history.is_empty() {
        let mentee_index: HashMap<&str, u32> = programme
            .mentees
            .iter()
            .enumerate()
            .map(|(i, m)| (m.person.email_key.as_str(), i as u32))
            .collect();
        for (mentee, mentor) in history.pairs() {
            if let (Some(&e), Some(&m)) = (mentee_index.get(mentee), mentor_index.get(mentor)) {
                excluded.entry(e).or_default().push(m);
            }
        }
    }
    excluded
}

/// Identities as bit sets, so a shared identity is a few AND operations.
struct IdentitySets {
    words: usize,
    mentees: Vec<u64>,
    mentors: Vec<u64>,
}

impl IdentitySets {
    fn new(programme: &Programme) -> Self {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let lists = programme
            .mentees
            .iter()
            .map(|m| &m.identities)
            .chain(programme.mentors.iter().map(|m| &m.characteristics));
        for list in lists.clone() {
            for key in list {
                let next = ids.len();
                ids.entry(key.as_str()).or_insert(next);
            }
        }
        let words = ids.len().div_ceil(64).max(1);
        let mut sets = vec![0u64; words * (programme.mentees.len() + programme.mentors.len())];
        for (i, list) in lists.enumerate() {
            for key in list {
                let bit = ids[key.as_str()];
                sets[i * words + bit / 64] |= 1 << (bit % 64);
            }
        }
        let mentors = sets.split_off(words * programme.mentees.len());
        IdentitySets {
            words,
            mentees: sets,
            mentors,
        }
    }

    fn shared(&self, mentee: u32, mentor: u32) -> bool {
        let (a, b) = (mentee as usize * self.words, mentor as usize * self.words);
        (0..self.words).any(|w| self.mentees[a + w] & self.mentors[b + w] != 0)
    }
}
