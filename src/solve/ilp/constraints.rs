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
        Constraint::CoverageFloor { by, percent } => floor_met(
            &coverage_by_group(programme, &matching.mentee_counts(programme), by),
            percent,
        ),
    }
}

/// Whether groups counted by [`coverage_by_group`] meet a coverage floor of
/// `percent`: covered_g / n_g >= percent / 100 x covered / all, multiplied out.
pub(super) fn floor_met(groups: &[(u64, u64)], percent: u32) -> bool {
    let all: u64 = groups.iter().map(|&(n, _)| n).sum();
    let covered: u64 = groups.iter().map(|&(_, c)| c).sum();
    groups
        .iter()
        .filter(|&&(n, _)| n > 0)
        .all(|&(n, c)| 100 * all * c >= u64::from(percent) * n * covered)
}

/// Each group's (over `by`, indexed by its id) mentees who may be matched,
/// and how many of them `counts` covers; groups with no such mentee are
/// (0, 0). Group ids are small (an organisation's or a grade's index), so a
/// vector, not a map: this is counted on every repair round.
pub(super) fn coverage_by_group(programme: &Programme, counts: &[u32], by: Group) -> Vec<(u64, u64)> {
    let mut groups: Vec<(u64, u64)> = Vec::new();
    for (e, mentee) in programme.mentees.iter().enumerate() {
        if mentee.person.capacity == 0 {
            continue;
        }
        let g = group_of(programme, e, by) as usize;
        if g >= groups.len() {
            groups.resize(g + 1, (0, 0));
        }
        groups[g].0 += 1;
        groups[g].1 += u64::from(counts[e] > 0);
    }
    groups
}

/// The group a mentee is counted in by a coverage floor.
pub(super) fn group_of(programme: &Programme, mentee: usize, by: Group) -> u32 {
    let person = &programme.mentees[mentee].person;
    match by {
        Group::Organisation => person.organisation.0,
        Group::Grade => u32::from(person.grade.0),
    }
}
