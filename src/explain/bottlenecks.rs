//! Bottlenecks: where mentees want more matches than the mentors who could
//! take them offer places, by mentee grade and by the profession they want.
//!
//! Counts only: O(mentees + mentors + pairs made), never the eligible pairs.
//! Places are those of mentors at the grades in the mentees' grade window;
//! mentors near several grades are counted for each, so a bottleneck is a
//! shortage that no matching can avoid, while grades that look covered may
//! still compete for the same mentors.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::matching::Matching;
use crate::model::{Grade, Model};
use crate::registration::Programme;

use crate::rules::mentor_grades;

/// Mentees of one grade (and wanted profession) wanting more matches than the
/// mentors they could have offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bottleneck {
    /// The mentees' grade, by the ladder's name.
    pub mentee_grade: String,
    /// The profession the mentees want; none for every mentee of the grade.
    pub profession: Option<String>,
    /// Mentees of the grade (and profession) who ask for matches.
    pub mentees: usize,
    /// Matches these mentees asked for, added up.
    pub matches_wanted: u64,
    /// Grades their mentors can be at.
    pub mentor_grades: Vec<String>,
    /// Places offered by mentors at those grades (in the profession, for a
    /// profession).
    pub places: u64,
    /// Matches these mentees got (with a mentor in the profession, for a profession).
    pub matches_made: u64,
}

impl Bottleneck {
    /// Matches wanted beyond the places.
    pub fn shortfall(&self) -> u64 {
        self.matches_wanted.saturating_sub(self.places)
    }
}

#[derive(Default)]
struct Demand {
    mentees: usize,
    wanted: u64,
    made: u64,
}

/// Every bottleneck: by grade first (lowest grade first), then by grade and
/// profession, largest shortfall first.
pub fn bottlenecks(programme: &Programme, model: &Model, matching: &Matching) -> Vec<Bottleneck> {
    let grades = model.ladder.len();
    let counts = matching.mentee_counts(programme);
    let mut in_profession = vec![0u64; programme.mentees.len()];
    for pair in &matching.pairs {
        in_profession[pair.mentee as usize] += pair.profession_matched as u64;
    }

    let mut by_grade: Vec<Demand> = (0..grades).map(|_| Demand::default()).collect();
    let mut by_profession: BTreeMap<(Grade, &str), Demand> = BTreeMap::new();
    // The first spelling of each profession, in email order, names it.
    let mut spelling: BTreeMap<&str, &str> = BTreeMap::new();
    for (e, mentee) in programme.mentees.iter().enumerate() {
        let p = &mentee.person;
        if p.capacity == 0 {
            continue;
        }
        let demand = &mut by_grade[p.grade.0 as usize];
        demand.mentees += 1;
        demand.wanted += p.capacity as u64;
        demand.made += counts[e] as u64;
        if !p.profession_key.is_empty() {
            spelling.entry(&p.profession_key).or_insert(&p.profession);
            let demand = by_profession.entry((p.grade, &p.profession_key)).or_default();
            demand.mentees += 1;
            demand.wanted += p.capacity as u64;
            demand.made += in_profession[e];
        }
    }

    let mut places = vec![0u64; grades];
    let mut places_in: BTreeMap<(Grade, &str), u64> = BTreeMap::new();
    for mentor in &programme.mentors {
        let p = &mentor.person;
        if p.capacity == 0 || p.grade < model.lowest_mentor_grade {
            continue;
        }
        places[p.grade.0 as usize] += p.capacity as u64;
        *places_in.entry((p.grade, &p.profession_key)).or_default() += p.capacity as u64;
    }

    let names = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|g| model.ladder.name(Grade(g as u8)).to_string()).collect()
    };
    let mut out = Vec::new();
    for (g, demand) in by_grade.iter().enumerate() {
        let window = mentor_grades(model, Grade(g as u8));
        let supply: u64 = places[window.clone()].iter().sum();
        if demand.wanted > supply {
            out.push(Bottleneck {
                mentee_grade: model.ladder.name(Grade(g as u8)).to_string(),
                profession: None,
                mentees: demand.mentees,
                matches_wanted: demand.wanted,
                mentor_grades: names(window),
                places: supply,
                matches_made: demand.made,
            });
        }
    }
    let mut professions = Vec::new();
    for (&(grade, profession), demand) in &by_profession {
        let window = mentor_grades(model, grade);
        let supply: u64 = window
            .clone()
            .map(|g| places_in.get(&(Grade(g as u8), profession)).copied().unwrap_or(0))
            .sum();
        if demand.wanted > supply {
            professions.push(Bottleneck {
                mentee_grade: model.ladder.name(grade).to_string(),
                profession: Some(spelling[profession].to_string()),
                mentees: demand.mentees,
                matches_wanted: demand.wanted,
                mentor_grades: names(window),
                places: supply,
                matches_made: demand.made,
            });
        }
    }
    // Stable: ties stay in grade then profession order.
    professions.sort_by_key(|b| std::cmp::Reverse(b.shortfall()));
    out.extend(professions);
    out
}

/// "SEO and Grade 7".
fn both(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl fmt::Display for Bottleneck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mentees, want) = if self.mentees == 1 {
            ("mentee", "wants")
        } else {
            ("mentees", "want")
        };
        let made = if self.matches_made == 1 { "match" } else { "matches" };
        let mentors = if self.mentor_grades.is_empty() {
            "no grade of the ladder can mentor them, so mentors".to_string()
        } else {
            format!("{} mentors", both(&self.mentor_grades))
        };
        let places = if self.places == 1 { "place" } else { "places" };
        match &self.profession {
            Some(profession) => write!(
                f,
                "{} {} {mentees} {want} {profession} (up to {} matches); {mentors} in it have {} {places}; {} such {made} made",
                self.mentees, self.mentee_grade, self.matches_wanted, self.places, self.matches_made
            ),
            None => write!(
                f,
                "{} {} {mentees} {want} up to {} matches; {mentors} have {} {places}; {} {made} made",
                self.mentees, self.mentee_grade, self.matches_wanted, self.places, self.matches_made
            ),
        }
    }
}
