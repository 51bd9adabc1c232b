//! Eligible pairs: every mentee-mentor pair the model's hard rules allow, with the
//! score it would earn and why.
//!
//! The hard rules themselves are in [`crate::rules`]; this module walks them
//! fast, a grade window at a time, and every walk is checked against the plain
//! rule ([`Rules::allows`], itself checked against [`Rules::broken`]) in debug
//! builds.

use std::collections::HashMap;

use crate::model::Model;
use crate::registration::{History, Programme};
use crate::rules::Rules;

/// One eligible pair and what its score is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pair {
    /// Index into [`Programme::mentees`].
    pub mentee: u32,
    /// Index into [`Programme::mentors`].
    pub mentor: u32,
    /// The pair's score under the model's weights: its parts, added.
    pub score: u32,
    /// Mentor's grade minus mentee's.
    pub grade_gap: u8,
    /// The mentor's profession is the one the mentee wants.
    pub profession_matched: bool,
    /// The mentee asked to share an identity and the mentor has it.
    pub identity_matched: bool,
    /// The organisers pinned the pair: every matching makes it, even when it
    /// breaks a hard rule (their override).
    pub pinned: bool,
    /// The pair is in the previous matching (`rematch`), which the objective
    /// may prefer to keep.
    pub previous: bool,
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
    rules: Rules<'a>,
    programme: &'a Programme,
    model: &'a Model,
    /// Per grade, mentors of that grade by organisation (for counting).
    organisation_counts: Vec<Vec<usize>>,
    /// Profession keys as small numbers, so comparing them is one instruction.
    mentee_profession: Vec<u32>,
    mentor_profession: Vec<u32>,
    /// Each mentor's organisation, packed apart from the rest of their record
    /// because every walk over mentors reads it.
    mentor_organisation: Vec<u32>,
    /// Each mentor's grade when they may mentor (they are in
    /// [`Rules::mentors_by_grade`]), else [`u8::MAX`], in no grade window.
    mentor_grade: Vec<u8>,
    identities: IdentitySets,
}

/// Profession number of "no profession named": never equal to a mentor's.
const NO_PROFESSION: u32 = u32::MAX;

impl<'a> Eligibility<'a> {
    /// The rules of `model` on `programme`, with `history`'s earlier pairs kept apart.
    /// Cost: O(mentees + mentors + history).
    pub fn new(programme: &'a Programme, model: &'a Model, history: &History) -> Self {
        let rules = Rules::new(programme, model, history);
        let organisations = programme.mentors.iter().map(|m| m.person.organisation.0 as usize + 1);
        let mut organisation_counts = vec![vec![0; organisations.max().unwrap_or(0)]; model.ladder.len()];
        for (grade, mentors) in rules.mentors_by_grade().iter().enumerate() {
            for &m in mentors {
                organisation_counts[grade][programme.mentors[m as usize].person.organisation.0 as usize] += 1;
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
        let mut mentor_grade = vec![u8::MAX; programme.mentors.len()];
        for (grade, mentors) in rules.mentors_by_grade().iter().enumerate() {
            for &m in mentors {
                mentor_grade[m as usize] = grade as u8;
            }
        }
        Eligibility {
            mentor_grade,
            rules,
            programme,
            model,
            organisation_counts,
            mentee_profession,
            mentor_profession,
            mentor_organisation: programme.mentors.iter().map(|m| m.person.organisation.0).collect(),
            identities: IdentitySets::new(programme),
        }
    }

    /// The grades a mentee's mentors may have, with the gap of each.
    fn window(&self, mentee: u32) -> impl Iterator<Item = (usize, u8)> + '_ {
        let grade = self.programme.mentees[mentee as usize].person.grade;
        self.rules
            .mentor_grades_for(grade)
            .map(move |g| (g, (g - grade.0 as usize) as u8))
    }

    /// The pair of this mentee and mentor, if every hard rule allows it.
    /// A pinned pair is always one, whatever rule it breaks.
    pub fn pair(&self, mentee: u32, mentor: u32) -> Option<Pair> {
        if !self.rules.allows(mentee, mentor) && !self.rules.is_pinned(mentee, mentor) {
            return None;
        }
        let gap = self.programme.mentors[mentor as usize]
            .person
            .grade
            .0
            .saturating_sub(self.programme.mentees[mentee as usize].person.grade.0);
        Some(self.scored(mentee, mentor, gap))
    }

    /// [`Eligibility::pair`] for many mentors of one mentee: what depends on
    /// the mentee alone (their grade window, organisation, and the lists of
    /// mentors excluded, pinned and previous) is looked up once, and each pair
    /// is checked as [`Eligibility::for_mentee_in`] walks them, on the
    /// mentors' packed grades and organisations: no set or map search, and no
    /// mentor's whole record read.
    pub fn pairs_of(&self, mentee: u32) -> impl Fn(u32) -> Option<Pair> + '_ {
        let allows = self.allows_of(mentee);
        let pins = self.rules.pinned_mentors(mentee);
        let previous = self.rules.previous_mentors(mentee);
        let grade = self.programme.mentees[mentee as usize].person.grade.0;
        move |mentor| {
            let m = mentor as usize;
            let pinned = !pins.is_empty() && pins.binary_search(&mentor).is_ok();
            if !allows(mentor) && !pinned {
                return None;
            }
            let mentor_grade = match self.mentor_grade[m] {
                u8::MAX => self.programme.mentors[m].person.grade.0,
                known => known,
            };
            let gap = mentor_grade.saturating_sub(grade);
            let pair = self.scored_given(
                mentee,
                mentor,
                gap,
                pinned,
                !previous.is_empty() && previous.binary_search(&mentor).is_ok(),
            );
            debug_assert_eq!(Some(pair), self.pair(mentee, mentor));
            Some(pair)
        }
    }

    /// [`Rules::allows`] for many mentors of one mentee, checked as
    /// [`Eligibility::for_mentee_in`] walks them: the mentee's grade window,
    /// organisation and excluded mentors looked up once, and each mentor's
    /// packed grade and organisation compared, with no set searched and no
    /// mentor's whole record read.
    fn allows_of(&self, mentee: u32) -> impl Fn(u32) -> bool + '_ {
        let person = &self.programme.mentees[mentee as usize].person;
        let excluded = self.rules.excluded_mentors(mentee);
        let window = if person.capacity == 0 {
            0..0
        } else {
            self.rules.mentor_grades_for(person.grade)
        };
        let organisation = person.organisation.0;
        let same_allowed = self.rules.own_organisation_allowed(person.organisation);
        move |mentor| {
            let m = mentor as usize;
            let allowed = window.contains(&usize::from(self.mentor_grade[m]))
                && (same_allowed || self.mentor_organisation[m] != organisation)
                && (excluded.is_empty() || excluded.binary_search(&mentor).is_err());
            debug_assert_eq!(allowed, self.rules.allows(mentee, mentor));
            allowed
        }
    }

    /// The pinned pairs that break a hard rule: the walks by grade window never
    /// meet them, so every caller that lists pairs adds them.
    fn pinned_overrides(&self, mentee: u32) -> impl Iterator<Item = Pair> + '_ {
        let pins = self.rules.pinned_mentors(mentee);
        // Most mentees have no pin, and need no lookups.
        let pair = (!pins.is_empty()).then(|| (self.allows_of(mentee), self.pairs_of(mentee)));
        pins.iter().filter_map(move |&m| {
            let (allows, pair) = pair.as_ref()?;
            if allows(m) {
                None
            } else {
                pair(m)
            }
        })
    }

    /// Every pinned pair of the programme, in mentee then mentor order.
    pub fn pinned(&self) -> Vec<Pair> {
        let pins = self.rules.pinned_pairs();
        let mut pairs = Vec::with_capacity(pins.len());
        for mentee in pins.chunk_by(|a, b| a.0 == b.0) {
            let pair = self.pairs_of(mentee[0].0);
            pairs.extend(mentee.iter().filter_map(|&(_, m)| pair(m)));
        }
        pairs
    }

    /// The hard rules of this programme, pair by pair.
    pub fn rules(&self) -> &Rules<'a> {
        &self.rules
    }

    fn scored(&self, mentee: u32, mentor: u32, grade_gap: u8) -> Pair {
        let pinned = self.rules.is_pinned(mentee, mentor);
        let previous = self.rules.is_previous(mentee, mentor);
        self.scored_given(mentee, mentor, grade_gap, pinned, previous)
    }

    fn scored_given(&self, mentee: u32, mentor: u32, grade_gap: u8, pinned: bool, previous: bool) -> Pair {
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
            pinned,
            previous,
        }
    }

    /// Calls `visit` with every eligible pair of one mentee, by mentor grade then
    /// mentor order, then the pinned pairs that break a hard rule.
    pub fn for_mentee(&self, mentee: u32, mut visit: impl FnMut(Pair)) {
        self.for_mentee_in(mentee, self.rules.mentors_by_grade(), |pair| {
            visit(pair);
            true
        });
        self.pinned_overrides(mentee).for_each(visit);
    }

    /// Mentors who may mentor at all, by grade: the lists [`Eligibility::for_mentee_in`]
    /// takes, in any order the caller likes.
    pub fn mentors_by_grade(&self) -> &[Vec<u32>] {
        self.rules.mentors_by_grade()
    }

    /// Like [`Eligibility::for_mentee`], but walks each grade's mentors in the
    /// order of `by_grade` (a reordering of [`Eligibility::mentors_by_grade`]),
    /// and leaves a grade as soon as `visit` returns false. Pinned pairs that
    /// break a hard rule are not visited (see [`Eligibility::pinned`]).
    pub fn for_mentee_in(&self, mentee: u32, by_grade: &[Vec<u32>], mut visit: impl FnMut(Pair) -> bool) {
        let person = &self.programme.mentees[mentee as usize];
        if person.person.capacity == 0 {
            return;
        }
        let organisation = person.person.organisation.0;
        let excluded = self.rules.excluded_mentors(mentee);
        let pins = self.rules.pinned_mentors(mentee);
        let previous = self.rules.previous_mentors(mentee);
        let same_allowed = self.rules.own_organisation_allowed(person.person.organisation);
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
                    pinned: !pins.is_empty() && pins.binary_search(&m).is_ok(),
                    previous: !previous.is_empty() && previous.binary_search(&m).is_ok(),
                };
                debug_assert_eq!(Some(pair), self.pair(mentee, m));
                if !visit(pair) {
                    break;
                }
            }
        }
    }

    /// How many mentors this mentee may have, counted without visiting them.
    pub fn count_for_mentee(&self, mentee: u32) -> usize {
        let counts = self.window_counts(mentee);
        debug_assert_eq!(counts.eligible, self.rules.mentors_of(mentee).count());
        let pins = self.rules.pinned_mentors(mentee);
        let overrides = if pins.is_empty() {
            0
        } else {
            let allows = self.allows_of(mentee);
            pins.iter().filter(|&&m| !allows(m)).count()
        };
        debug_assert_eq!(overrides, self.pinned_overrides(mentee).count());
        counts.eligible + overrides
    }

    /// What one mentee's grade window holds, counted by grade and organisation
    /// without visiting mentors. O(grades in the window + their exclusions).
    pub fn window_counts(&self, mentee: u32) -> WindowCounts {
        let person = &self.programme.mentees[mentee as usize].person;
        let mut counts = WindowCounts::default();
        if person.capacity == 0 {
            return counts;
        }
        let organisation = person.organisation.0;
        for (grade, _) in self.window(mentee) {
            counts.in_window += self.rules.mentors_by_grade()[grade].len();
            counts.same_organisation += self.organisation_counts[grade]
                .get(organisation as usize)
                .copied()
                .unwrap_or(0);
        }
        counts.eligible = if self.rules.own_organisation_allowed(person.organisation) {
            counts.in_window
        } else {
            counts.in_window - counts.same_organisation
        };
        // Exclusions only lower the count for mentors the rules above let through.
        counts.eligible -= self
            .rules
            .excluded_mentors(mentee)
            .iter()
            .filter(|&&m| {
                self.rules
                    .broken(mentee, m)
                    .iter()
                    .all(|rule| rule.scope() == crate::rules::Scope::NamedPairs)
            })
            .count();
        counts
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

    /// The programme the pairs are drawn from.
    pub fn programme(&self) -> &'a Programme {
        self.programme
    }

    /// The model whose rules and weights apply.
    pub fn model(&self) -> &'a Model {
        self.model
    }
}

/// What one mentee's grade window holds: mentors who may mentor there, those of
/// them in the mentee's own organisation, and those the hard rules allow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Mentors who may mentor, at the grades of the mentee's window.
    pub in_window: usize,
    /// Those of them in the mentee's own organisation.
    pub same_organisation: usize,
    /// Those of them every hard rule allows.
    pub eligible: usize,
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
