//! Whether a matching meets the model's side constraints, exactly, in whole
//! numbers: the check every answer passes, whichever path found it.

use std::collections::HashMap;

use crate::matching::Matching;
use crate::model::{Constraint, Group};
use crate::registration::Programme;

/// Whether a matching meets one side constraint, in exact whole numbers.
pub fn constraint_met(programme: &Programme, matching: &Matching, constraint: &Constraint) -> bool {
    match *constraint {
        Constraint::MaxMenteesFromOneOrganisation { mentees } => {
            let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
            for pair in &matching.pairs {
                let organisation = programme.mentees[pair.mentee as usize].person.organisation.0;
                *counts.entry((pair.mentor, organisation)).or_default() += 1;
            }
            counts.values().all(|&n| n <= mentees)
        }
        Constraint::IdentityRequestsMetAtLeast { percent } => {
            let asked = programme.mentees.iter().filter(|m| m.asks_for_identity()).count() as u64;
            let met = matching.mentees_with(programme, |p| p.identity_matched) as u64;
            100 * met >= u64::from(percent) * asked
        }
        Constraint::CoverageFloor { by, percent } => {
            let counts = matching.mentee_counts(programme);
            let mut groups: HashMap<u32, (u64, u64)> = HashMap::new(); // group -> (mentees, covered)
            let (mut all, mut covered) = (0u64, 0u64);
            for (e, mentee) in programme.mentees.iter().enumerate() {
                if mentee.person.capacity == 0 {
                    continue;
                }
                let entry = groups.entry(group_of(programme, e, by)).or_default();
                entry.0 += 1;
                all += 1;
                if counts[e] > 0 {
                    entry.1 += 1;
                    covered += 1;
                }
            }
            // covered_g / n_g >= percent / 100 x covered / all, multiplied out.
            groups
                .values()
                .all(|&(n, c)| 100 * all * c >= u64::from(percent) * n * covered)
        }
    }
}

/// The group a mentee is counted in by a coverage floor.
pub(super) fn group_of(programme: &Programme, mentee: usize, by: Group) -> u32 {
    let person = &programme.mentees[mentee].person;
    match by {
        Group::Organisation => person.organisation.0,
        Group::Grade => u32::from(person.grade.0),
    }
}
