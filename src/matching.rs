//! A matching: the pairs chosen, and the counts every report reads.

use crate::eligibility::Pair;
use crate::model::Term;
use crate::registration::Programme;

/// Requests of one kind: how many mentees asked, and how many got at least one
/// match that meets it (a count, or a [`crate::whatif::Figure`] over runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Requests<Met = usize> {
    /// Mentees who made the request.
    pub asked: usize,
    /// Of them, those with at least one match meeting it.
    pub met: Met,
}

/// Which kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A shared identity (asked for, and an identity given).
    Identity,
    /// The profession they want.
    Profession,
}

impl Request {
    /// Mentees of the programme who made this request.
    pub fn asked(self, programme: &Programme) -> usize {
        programme
            .mentees
            .iter()
            .filter(|m| match self {
                Request::Identity => m.asks_for_identity(),
                Request::Profession => !m.person.profession_key.is_empty(),
            })
            .count()
    }

    /// Whether a pair meets this request.
    pub fn met_by(self, pair: &Pair) -> bool {
        match self {
            Request::Identity => pair.identity_matched,
            Request::Profession => pair.profession_matched,
        }
    }
}

/// The pairs made, sorted by mentee then mentor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matching {
    /// Every pair, sorted by mentee then mentor.
    pub pairs: Vec<Pair>,
}

impl Matching {
    /// A matching of these pairs, in canonical order.
    pub fn new(mut pairs: Vec<Pair>) -> Self {
        pairs.sort_by_key(|p| (p.mentee, p.mentor));
        Matching { pairs }
    }

    /// Each pair as the (mentee, mentor) email keys, which name the same
    /// people in another reading of the registrations.
    pub fn pair_keys<'a>(&'a self, programme: &'a Programme) -> impl Iterator<Item = (String, String)> + 'a {
        self.pairs.iter().map(|p| {
            (
                programme.mentees[p.mentee as usize].person.email_key.clone(),
                programme.mentors[p.mentor as usize].person.email_key.clone(),
            )
        })
    }

    /// Matches of each mentee, by index.
    pub fn mentee_counts(&self, programme: &Programme) -> Vec<u32> {
        let mut counts = vec![0; programme.mentees.len()];
        for pair in &self.pairs {
            counts[pair.mentee as usize] += 1;
        }
        counts
    }

    /// Mentees of each mentor, by index.
    pub fn mentor_counts(&self, programme: &Programme) -> Vec<u32> {
        let mut counts = vec![0; programme.mentors.len()];
        for pair in &self.pairs {
            counts[pair.mentor as usize] += 1;
        }
        counts
    }

    /// The pairs' scores, added.
    pub fn total_score(&self) -> u64 {
        self.pairs.iter().map(|p| p.score as u64).sum()
    }

    /// The matching's value for each term of an objective, in the objective's
    /// order; matchings compare lexicographically on these.
    pub fn objective_values(&self, programme: &Programme, objective: &[Term]) -> Vec<i64> {
        let mentees = self.mentee_counts(programme);
        let mentors = self.mentor_counts(programme);
        let at_least = |counts: &[u32], k: u32| counts.iter().filter(|&&c| c >= k).count() as i64;
        let priority_at_least = |k: u32| {
            let priority = programme.mentees.iter().map(|m| m.priority);
            mentees.iter().zip(priority).filter(|&(&c, p)| p && c >= k).count() as i64
        };
        let identity_met = self.mentees_with(programme, |p| p.identity_matched) as i64;
        let profession_met = self.mentees_with(programme, |p| p.profession_matched) as i64;
        let value = |term: &Term| -> i64 {
            term.parts()
                .into_iter()
                .map(|(part, weight)| {
                    weight as i64
                        * match part {
                            Term::MenteesWithAtLeast { matches, .. } => at_least(&mentees, *matches),
                            Term::PriorityMenteesWithAtLeast { matches, .. } => priority_at_least(*matches),
                            Term::MentorsWithAtLeast { matches, .. } => at_least(&mentors, *matches),
                            Term::IdentityRequestsMet { .. } => identity_met,
                            Term::ProfessionRequestsMet { .. } => profession_met,
                            Term::TotalScore { .. } => self.total_score() as i64,
                            Term::Pairs { .. } => self.pairs.len() as i64,
                            Term::PreviousPairsKept { .. } => self.pairs.iter().filter(|p| p.previous).count() as i64,
                            Term::WeightedSum { .. } => 0, // refused by the model's checks
                        }
                })
                .sum()
        };
        objective.iter().map(value).collect()
    }

    /// The requests of one kind: asked, and met by this matching.
    pub fn requests(&self, programme: &Programme, request: Request) -> Requests {
        Requests {
            asked: request.asked(programme),
            met: self.mentees_with(programme, |p| request.met_by(p)),
        }
    }

    /// Mentees with at least one pair of this kind (a request met).
    pub fn mentees_with(&self, programme: &Programme, kind: impl Fn(&Pair) -> bool) -> usize {
        let mut met = vec![false; programme.mentees.len()];
        for pair in self.pairs.iter().filter(|p| kind(p)) {
            met[pair.mentee as usize] = true;
        }
        met.iter().filter(|&&m| m).count()
    }
}
