//! Objective terms and side constraints: what a matching is judged by, highest
//! priority first, and what it must satisfy beyond the hard rules.

use serde::{Deserialize, Serialize};

/// Largest weight a model may give one part of a score or one objective term;
/// keeps flow costs small and exact.
pub const MAX_WEIGHT: u32 = 1_000;

fn one() -> u32 {
    1
}

fn is_one(weight: &u32) -> bool {
    *weight == 1
}

/// One term of an objective. A model lists terms highest priority first and the
/// solver optimises them lexicographically: a later term only breaks ties left by
/// the earlier ones. A `weighted-sum` is one priority level made of several
/// weighted terms, for a blend instead of a strict order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Term {
    /// Mentees with at least `matches` matches.
    MenteesWithAtLeast {
        /// The fewest matches that count.
        matches: u32,
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// Priority mentees (named by the history as unmatched or short last time)
    /// with at least `matches` matches.
    PriorityMenteesWithAtLeast {
        /// The k in "at least k matches".
        matches: u32,
        /// Weight within a weighted sum (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// Mentors with at least `matches` mentees.
    MentorsWithAtLeast {
        /// The fewest matches that count.
        matches: u32,
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// Mentees who asked to share an identity and have at least one match who does.
    IdentityRequestsMet {
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// Mentees who named a profession and have at least one mentor in it.
    ProfessionRequestsMet {
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// The sum of the scores of all pairs made.
    TotalScore {
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// The number of pairs made.
    Pairs {
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// Pairs of the previous matching that are made again (`rematch
    /// --allow-moves` puts this last, so among equally good matchings the one
    /// that changes the fewest previous pairs is chosen).
    PreviousPairsKept {
        /// How much the term counts within its level (1 unless given).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        weight: u32,
    },
    /// One priority level: the weighted terms added together.
    WeightedSum {
        /// The terms, each with its weight.
        terms: Vec<Term>,
    },
}

impl Term {
    /// Mentees with at least `matches` matches, weight 1.
    pub fn mentees_with_at_least(matches: u32) -> Term {
        Term::MenteesWithAtLeast { matches, weight: 1 }
    }

    /// Priority mentees with at least `matches` matches, weight 1.
    pub fn priority_mentees_with_at_least(matches: u32) -> Term {
        Term::PriorityMenteesWithAtLeast { matches, weight: 1 }
    }

    /// Mentors with at least `matches` mentees, weight 1.
    pub fn mentors_with_at_least(matches: u32) -> Term {
        Term::MentorsWithAtLeast { matches, weight: 1 }
    }

    /// The pairs' scores added, weight 1.
    pub fn total_score() -> Term {
        Term::TotalScore { weight: 1 }
    }

    /// The term's weight (1 unless given; a weighted sum counts as 1).
    pub fn weight(&self) -> u32 {
        match self {
            Term::WeightedSum { .. } => 1,
            term => term.clone().weight_mut().map_or(1, |w| *w),
        }
    }

    /// The weight of a plain term, to change it (none for a weighted sum).
    pub fn weight_mut(&mut self) -> Option<&mut u32> {
        match self {
            Term::MenteesWithAtLeast { weight, .. }
            | Term::PriorityMenteesWithAtLeast { weight, .. }
            | Term::MentorsWithAtLeast { weight, .. }
            | Term::IdentityRequestsMet { weight }
            | Term::ProfessionRequestsMet { weight }
            | Term::TotalScore { weight }
            | Term::Pairs { weight }
            | Term::PreviousPairsKept { weight } => Some(weight),
            Term::WeightedSum { .. } => None,
        }
    }

    /// The plain (not weighted-sum) terms of this level with their weights.
    pub fn parts(&self) -> Vec<(&Term, u32)> {
        match self {
            Term::WeightedSum { terms } => terms.iter().map(|t| (t, t.weight())).collect(),
            plain => vec![(plain, plain.weight())],
        }
    }

    /// A short label for tables: "mentees >= 2", "identity requests met", ...
    pub fn label(&self) -> String {
        let weighted = |text: String, weight: u32| {
            if weight == 1 {
                text
            } else {
                format!("{weight} x {text}")
            }
        };
        match self {
            Term::MenteesWithAtLeast { matches, weight } => weighted(format!("mentees with >= {matches}"), *weight),
            Term::PriorityMenteesWithAtLeast { matches, weight } => {
                weighted(format!("priority mentees with >= {matches}"), *weight)
            }
            Term::MentorsWithAtLeast { matches, weight } => weighted(format!("mentors with >= {matches}"), *weight),
            Term::IdentityRequestsMet { weight } => weighted("identity requests met".into(), *weight),
            Term::ProfessionRequestsMet { weight } => weighted("profession requests met".into(), *weight),
            Term::TotalScore { weight } => weighted("total score".into(), *weight),
            Term::Pairs { weight } => weighted("pairs".into(), *weight),
            Term::PreviousPairsKept { weight } => weighted("previous pairs kept".into(), *weight),
            Term::WeightedSum { terms } => terms.iter().map(Term::label).collect::<Vec<_>>().join(" + "),
        }
    }

    /// Why this term cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Term::MenteesWithAtLeast { matches, .. }
            | Term::PriorityMenteesWithAtLeast { matches, .. }
            | Term::MentorsWithAtLeast { matches, .. }
                if *matches == 0 || *matches > super::MAX_CAPACITY =>
            {
                Err(format!("`matches` must be from 1 to {}", super::MAX_CAPACITY))
            }
            Term::WeightedSum { terms } if terms.is_empty() => Err("a weighted sum needs at least one term".into()),
            Term::WeightedSum { terms } => {
                for term in terms {
                    if matches!(term, Term::WeightedSum { .. }) {
                        return Err("a weighted sum cannot hold another weighted sum".into());
                    }
                    term.check()?;
                }
                Ok(())
            }
            term if term.weight() == 0 || term.weight() > MAX_WEIGHT => {
                Err(format!("`weight` must be from 1 to {MAX_WEIGHT}"))
            }
            _ => Ok(()),
        }
    }
}

/// Which group a coverage floor protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// Each organisation's mentees.
    Organisation,
    /// Each grade's mentees.
    Grade,
}

/// A side constraint a flow cannot express; a model with any is solved as an
/// integer program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Constraint {
    /// No mentor has more than `mentees` mentees from one organisation.
    MaxMenteesFromOneOrganisation {
        /// The most mentees from one organisation per mentor.
        mentees: u32,
    },
    /// At least `percent` of the mentees who asked to share an identity have a
    /// match who does.
    IdentityRequestsMetAtLeast {
        /// The share met, in percent.
        percent: u32,
    },
    /// Every organisation's (or grade's) mentees reach at least `percent` of the
    /// programme's coverage (the share of mentees with at least 1 match).
    CoverageFloor {
        /// Which groups the floor protects.
        by: Group,
        /// Each group's least coverage, in percent of the programme's.
        percent: u32,
    },
}

impl Constraint {
    /// Why this constraint cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Constraint::MaxMenteesFromOneOrganisation { mentees } if *mentees > super::MAX_CAPACITY => {
                Err(format!("`mentees` must be from 0 to {}", super::MAX_CAPACITY))
            }
            Constraint::IdentityRequestsMetAtLeast { percent } | Constraint::CoverageFloor { percent, .. }
                if *percent > 100 =>
            {
                Err("`percent` must be from 0 to 100".into())
            }
            _ => Ok(()),
        }
    }

    /// A short description for messages and tables.
    pub fn label(&self) -> String {
        match self {
            Constraint::MaxMenteesFromOneOrganisation { mentees } => {
                format!("at most {mentees} mentees of one mentor from the same organisation")
            }
            Constraint::IdentityRequestsMetAtLeast { percent } => {
                format!("at least {percent}% of identity requests met")
            }
            Constraint::CoverageFloor { by, percent } => format!(
                "every {}'s mentees reach at least {percent}% of the programme's coverage",
                match by {
                    Group::Organisation => "organisation",
                    Group::Grade => "grade",
                }
            ),
        }
    }
}
