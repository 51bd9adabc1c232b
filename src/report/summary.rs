//! The summary of a matching: aggregates, and the biographies withheld from the
//! mailing lists (who, and the term found) for the organisers to review.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::explain::CoverageCertificate;
use crate::matching::{Matching, Request, Requests};
use crate::model::{Model, Term};
use crate::registration::{Biographies, Programme, Withheld};
use crate::report::shown;
use crate::solve::{Optimality, SolveStats};

/// How long each stage took, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Timing {
    /// Reading and checking the registrations.
    pub read_ms: f64,
    /// Working out the eligible pairs.
    pub eligibility_ms: f64,
    /// Finding the best matching.
    pub solve_ms: f64,
    /// The whole run, outputs included.
    pub total_ms: f64,
}

/// People of one role by how many matches they got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// People registered in this role.
    pub registered: usize,
    /// Number of matches -> people with exactly that many (0 to 3 always shown).
    pub by_matches: BTreeMap<u32, usize>,
    /// People with at least 1, 2 and 3 matches.
    pub at_least_1: usize,
    /// People with at least 2 matches.
    pub at_least_2: usize,
    /// People with at least 3 matches.
    pub at_least_3: usize,
}

impl Counts {
    fn new(counts: &[u32]) -> Counts {
        let mut by_matches: BTreeMap<u32, usize> = (0..=3).map(|k| (k, 0)).collect();
        for &c in counts {
            *by_matches.entry(c).or_default() += 1;
        }
        let at_least = |k: u32| counts.iter().filter(|&&c| c >= k).count();
        Counts {
            registered: counts.len(),
            by_matches,
            at_least_1: at_least(1),
            at_least_2: at_least(2),
            at_least_3: at_least(3),
        }
    }
}

/// The priority mentees (named by the history as unmatched or short last
/// time) registered this time, and how many have a match. They are a small
/// group who may be told apart, so counts under 5 show as "<5"
/// ([`crate::report::shown`]), as the report shows small groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriorityCounts {
    /// Priority mentees registered this time.
    pub registered: String,
    /// Of them, those with at least 1 match.
    pub with_a_match: String,
    /// Of them, those with every match they asked for.
    pub with_every_match_asked_for: String,
}

impl PriorityCounts {
    /// The counts for this matching; none when no priority mentee registered.
    pub fn new(programme: &Programme, matching: &Matching) -> Option<PriorityCounts> {
        let counts = matching.mentee_counts(programme);
        let priority: Vec<(u32, u32)> = programme
            .mentees
            .iter()
            .zip(counts)
            .filter(|(m, _)| m.priority)
            .map(|(m, c)| (c, m.person.capacity))
            .collect();
        let count = |keep: fn(&(u32, u32)) -> bool| shown(priority.iter().filter(|p| keep(p)).count() as u64);
        (!priority.is_empty()).then(|| PriorityCounts {
            registered: shown(priority.len() as u64),
            with_a_match: count(|&(c, _)| c >= 1),
            with_every_match_asked_for: count(|&(c, wanted)| c >= wanted),
        })
    }

    /// One line for the terminal and the report.
    pub fn words(&self) -> String {
        format!(
            "{} mentees the history names as unmatched or short last time registered; {} have a match, {} every match they asked for",
            self.registered, self.with_a_match, self.with_every_match_asked_for
        )
    }
}

/// One objective term and the matching's value for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveValue {
    /// The objective term.
    pub term: Term,
    /// The matching's value for it.
    pub value: i64,
}

/// Whether a constrained solve proved its answer optimal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptimalityReport {
    /// Whether the matching is proven optimal.
    pub proven_optimal: bool,
    /// How flows proved it, when they did (see [`crate::solve::lagrange`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// The level left open at the time limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
}

/// The first objective level not proven optimal: the matching's value and the
/// most any matching that keeps the earlier levels could have.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// 1-based, as the model file lists the levels.
    pub level: usize,
    /// The level's objective term.
    pub term: Term,
    /// The matching's value for it.
    pub value: i64,
    /// The most any matching keeping the earlier levels could have, when known.
    pub bound: Option<i64>,
    /// The earlier levels' terms, each at its proven optimum.
    #[serde(skip)]
    pub proven: Vec<Term>,
}

impl Gap {
    /// The levels proven, the open one's value and its bound, in words:
    /// `"total score" is 22355, and no matching reaches more than 22357 (gap 2)`.
    pub fn words(&self) -> String {
        format!(
            "{}\"{}\" is {}, {}",
            match self.proven.as_slice() {
                [] => String::new(),
                proven => format!(
                    "{} {} optimal; ",
                    proven
                        .iter()
                        .map(|t| format!("\"{}\"", t.label()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if proven.len() == 1 { "is" } else { "are" }
                ),
            },
            self.term.label(),
            self.value,
            match self.bound {
                Some(bound) => format!("and no matching reaches more than {bound} (gap {})", bound - self.value),
                None => "with no bound known".to_string(),
            }
        )
    }
}

/// What the mailing lists did with biographies: the policy, every biography
/// withheld whole (the person and the term found) and the people whose
/// biography the model released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BiographySummary {
    /// The model's biography policy, by its name in model files.
    pub policy: &'static str,
    /// Each biography withheld, with the person and the term found.
    pub withheld: Vec<Withheld>,
    /// Emails of people whose withheld biography the model released.
    pub released: Vec<String>,
}

impl BiographySummary {
    /// What the mailing lists of `programme` do with biographies under `model`.
    pub fn new(programme: &Programme, model: &Model) -> BiographySummary {
        let biographies = Biographies::new(programme, model);
        BiographySummary {
            policy: model.biography_policy.name(),
            withheld: biographies.withheld(programme),
            released: biographies.released(),
        }
    }
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The model's name.
    pub model: String,
    /// Mentees by how many matches they got.
    pub mentees: Counts,
    /// Mentors by how many mentees they got.
    pub mentors: Counts,
    /// Pairs made.
    pub pairs: usize,
    /// The pairs' scores, added.
    pub total_score: u64,
    /// Mentees who asked to share an identity, and those with at least one such match.
    pub identity_requests: Requests,
    /// Mentees who named a profession, and those with at least one mentor in it.
    pub profession_requests: Requests,
    /// Mentee-mentor pairs the hard rules allow.
    pub eligible_pairs: usize,
    /// The matching's value for each term of the model's objective.
    pub objective: Vec<ObjectiveValue>,
    /// The priority mentees and how many have a match (none when the history
    /// names no mentee registered this time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_mentees: Option<PriorityCounts>,
    /// The most mentees with at least 1 match any matching could reach, beside
    /// the number reached: a max flow computed apart from the solver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CoverageCertificate>,
    /// The model's side constraints (fairness rules), in words; none for most
    /// models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// For models with side constraints: whether the matching is proven
    /// optimal, how, or the gap left at the time limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimality: Option<OptimalityReport>,
    /// The model's biography policy, and each biography it withheld.
    pub biographies: BiographySummary,
    /// Mentors registered below the model's lowest mentor grade, left out as
    /// mentors (R006).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentors_left_out: Vec<crate::registration::LeftOut>,
    /// What each of the organisers' pins and bans costs (none without `--adjust`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<crate::overrides::OverridePrice>,
    /// What a re-match changed (`rematch` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::rematch::ChangeSummary>,
    /// Shown on the terminal only: wall-clock times would make two runs on the
    /// same input differ, and summary.json is byte-identical between them.
    #[serde(skip)]
    pub timing: Timing,
    /// The files read (for the report's title; not in summary.json, which
    /// stays the same wherever the files are).
    #[serde(skip)]
    pub files: Vec<String>,
}

impl Summary {
    /// The summary of `matching`, without certificate or optimality (see the
    /// `with_` methods).
    pub fn new(
        programme: &Programme,
        model: &Model,
        eligible_pairs: usize,
        matching: &Matching,
        timing: Timing,
    ) -> Summary {
        let identity_requests = matching.requests(programme, Request::Identity);
        let profession_requests = matching.requests(programme, Request::Profession);
        Summary {
            model: model.name.clone(),
            mentees: Counts::new(&matching.mentee_counts(programme)),
            mentors: Counts::new(&matching.mentor_counts(programme)),
            pairs: matching.pairs.len(),
            total_score: matching.total_score(),
            identity_requests,
            profession_requests,
            eligible_pairs,
            objective: model
                .objective
                .iter()
                .cloned()
                .zip(matching.objective_values(programme, &model.objective))
                .map(|(term, value)| ObjectiveValue { term, value })
                .collect(),
            priority_mentees: PriorityCounts::new(programme, matching),
            certificate: None,
            constraints: model.constraints.iter().map(|c| c.label()).collect(),
            optimality: None,
            biographies: BiographySummary::new(programme, model),
            mentors_left_out: programme.left_out_mentors.clone(),
            timing,
            overrides: Vec::new(),
            changes: None,
            files: Vec::new(),
        }
    }

    /// How many mentees the model's side constraints leave without a match
    /// whom a matching without them could match, when that is known: the
    /// certificate's bound is worked out without the constraints, and an
    /// objective that counts mentees with a match first reaches it unless the
    /// constraints stop it; no objective prefers matching nobody.
    pub fn left_unmatched_by_constraints(&self) -> Option<usize> {
        let c = self.certificate.as_ref()?;
        let coverage_first = matches!(
            self.objective.first().map(|v| &v.term),
            Some(Term::MenteesWithAtLeast { matches: 1, .. })
        );
        (!self.constraints.is_empty() && !c.reached() && (coverage_first || c.mentees_with_a_match == 0))
            .then(|| c.most_mentees_with_a_match.saturating_sub(c.mentees_with_a_match))
    }

    /// The sentence saying what the constraints cost in coverage, if they cost any.
    pub fn constraints_cost(&self) -> Option<String> {
        let lost = self.left_unmatched_by_constraints()?;
        let matched = self.certificate.as_ref()?.mentees_with_a_match;
        let rules = self
            .constraints
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(" and ");
        Some(if matched == 0 {
            format!(
                "nobody has a match: the model's constraints ({rules}) allow no matching with anyone in it, while without them {lost} mentees could have one; loosen or remove them, or recruit mentors where they fall short"
            )
        } else {
            format!(
                "the model's constraints ({rules}) leave {lost} {} without a match whom a matching without them could match",
                if lost == 1 { "mentee" } else { "mentees" }
            )
        })
    }

    /// The summary saying whether the solve proved its answer optimal (shown
    /// for models with side constraints, whose answers may stop at a time limit).
    pub fn with_optimality(self, model: &Model, stats: &SolveStats) -> Summary {
        let gap = match stats.optimality {
            Optimality::Proven => None,
            Optimality::Stopped { level, value, bound } => Some(Gap {
                term: model.objective[level].clone(),
                level: level + 1,
                value,
                bound,
                proven: model.objective[..level].to_vec(),
            }),
        };
        Summary {
            optimality: Some(OptimalityReport {
                proven_optimal: gap.is_none(),
                certificate: stats.certificate.clone(),
                gap,
            }),
            ..self
        }
    }

    /// The summary with the coverage certificate (see [`crate::explain::certificate`]).
    pub fn with_certificate(self, certificate: Option<CoverageCertificate>) -> Summary {
        Summary { certificate, ..self }
    }

    /// `summary.json`'s text: pretty-printed, with a final line break.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a summary always serialises") + "\n"
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by = |c: &Counts| {
            c.by_matches
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(f, "model {}", self.model)?;
        writeln!(
            f,
            "mentees  {:>6} registered; by matches {}",
            self.mentees.registered,
            by(&self.mentees)
        )?;
        writeln!(
            f,
            "mentors  {:>6} registered; by mentees {}",
            self.mentors.registered,
            by(&self.mentors)
        )?;
        writeln!(
            f,
            "pairs    {:>6} of {} eligible; total score {}",
            self.pairs, self.eligible_pairs, self.total_score
        )?;
        writeln!(
            f,
            "requests identity met for {} of {} who asked; profession met for {} of {}",
            self.identity_requests.met,
            self.identity_requests.asked,
            self.profession_requests.met,
            self.profession_requests.asked
        )?;
        if let Some(priority) = &self.priority_mentees {
            writeln!(f, "priority {}", priority.words())?;
        }
        if let Some(c) = &self.certificate {
            writeln!(
                f,
                "bound    {} mentees have a match; no matching could give more than {}",
                c.mentees_with_a_match, c.most_mentees_with_a_match
            )?;
        }
        if let Some(cost) = self.constraints_cost() {
            writeln!(f, "cost     {cost}")?;
        }
        if let Some(o) = &self.optimality {
            match &o.gap {
                None => writeln!(
                    f,
                    "optimal  proven{}",
                    match &o.certificate {
                        Some(how) => format!(" (by flows: {how})"),
                        None => String::new(),
                    }
                )?,
                Some(gap) => writeln!(f, "optimal  NOT proven: stopped at the time limit; {}", gap.words())?,
            }
        }
        if let Some(changes) = &self.changes {
            writeln!(f, "changes  {}", changes.words())?;
        }
        for price in &self.overrides {
            writeln!(f, "override {}", price.words())?;
        }
        if !self.mentors_left_out.is_empty() {
            writeln!(
                f,
                "left out {} mentor(s) below the lowest grade that may mentor (listed in summary.json and report.html)",
                self.mentors_left_out.len()
            )?;
        }
        let withheld = &self.biographies.withheld;
        if !withheld.is_empty() {
            writeln!(
                f,
                "bios     {} withheld from the mailing lists: they mention an identity (listed in summary.json; release one with biographies.release in the model)",
                withheld.len()
            )?;
        }
        write!(
            f,
            "time     {:.1} ms (read {:.1}, eligibility {:.1}, solve {:.1})",
            self.timing.total_ms, self.timing.read_ms, self.timing.eligibility_ms, self.timing.solve_ms
        )
    }
}
