//! Objective terms: what a matching is judged by, highest priority first.

use serde::{Deserialize, Serialize};

/// Largest weight a model may give one part of a score; keeps flow costs small.
pub const MAX_WEIGHT: u32 = 1_000;

/// One term of an objective. A model lists terms highest priority first and the
/// solver optimises them lexicographically: a later term only breaks ties left by
/// the earlier ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Term {
    /// Mentees with at least `matches` matches.
    MenteesWithAtLeast { matches: u32 },
    /// Mentors with at least `matches` mentees.
    MentorsWithAtLeast { matches: u32 },
    /// The sum of the scores of all pairs made.
    TotalScore,
    /// The number of pairs made.
    Pairs,
}

impl Term {
    /// Why this term cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Term::MenteesWithAtLeast { matches } | Term::MentorsWithAtLeast { matches }
                if *matches == 0 || *matches > super::MAX_CAPACITY =>
            {
                Err(format!("`matches` must be from 1 to {}", super::MAX_CAPACITY))
            }
            _ => Ok(()),
        }
    }
}
