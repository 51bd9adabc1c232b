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
/// Cost: O(mentees x mentors in their grade window); other mentors are never looked at.
pub fn eligible_pairs(programme: &Programme, model: &Model, history: &History) -> Vec<Pair> {
    let identities = IdentitySets::new(programme);
    let mut mentors_by_grade: Vec<Vec<u32>> = vec![Vec::new(); model.ladder.len()];
    for (i, mentor) in programme.mentors.iter().enumerate() {
        if mentor.person.grade >= model.lowest_mentor_grade && mentor.person.capacity > 0 {
            mentors_by_grade[mentor.person.grade.0 as usize].push(i as u32);
        }
    }
    let excluded = excluded_mentors(programme, history);

    let mut pairs = Vec::new();
    for (e, mentee) in programme.mentees.iter().enumerate() {
        if mentee.person.capacity == 0 {
            continue;
        }
        let e = e as u32;
        let asks = mentee.asks_for_identity();
        let lowest = mentee.person.grade.0 as usize + model.gap.min as usize;
        let highest =
            (mentee.person.grade.0 as usize + model.gap.max as usize).min(model.ladder.len().saturating_sub(1));
        for (grade, mentors) in mentors_by_grade.iter().enumerate().take(highest + 1).skip(lowest) {
            let grade_gap = (grade - mentee.person.grade.0 as usize) as u8;
            for &m in mentors {
                let mentor = &programme.mentors[m as usize];
                if !model.same_organisation_allowed && mentor.person.organisation == mentee.person.organisation {
                    continue;
                }
                if excluded.get(&e).is_some_and(|list| list.contains(&m)) {
                    continue;
                }
                let profession_matched = !mentee.person.profession_key.is_empty()
                    && mentee.person.profession_key == mentor.person.profession_key;
                let identity_matched = asks && identities.shared(e, m);
                pairs.push(Pair {
                    mentee: e,
                    mentor: m,
                    score: model.weights.score(grade_gap, profession_matched, identity_matched),
                    grade_gap,
                    profession_matched,
                    identity_matched,
                });
            }
        }
    }
    pairs
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
