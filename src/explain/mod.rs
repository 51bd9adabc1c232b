//! Explanations: why each person got the matches they got, with proof.
//!
//! For one mentee or mentor, [`Explainer::mentee`] and [`Explainer::mentor`] give
//! the eligibility funnel (how many partners each hard rule removes in turn),
//! each match's score term by term, and, for someone with fewer matches than
//! they asked for, which case it is:
//!
//! - no eligible partner at all: the rule that left nobody, and what would change it;
//! - matched with every eligible partner already;
//! - every other eligible partner is full: a minimum cut of the solver's network
//!   shows that another match must be taken from someone else, and who could
//!   give one up; the solver's dual prices ([`prices`]) prove no matching is
//!   better under the objective;
//! - a partner has room, but another match would not improve the objective.
//!
//! Programme-wide pictures work from counts, never from the list of eligible
//! pairs: [`certificate`] (the most mentees any matching could give a match) and
//! [`bottlenecks()`] (where demand exceeds the places eligible mentors offer).
//! [`Explainer::under_matched`] gives every under-matched mentee's case without
//! the proof, at O(mentors in their grade window) each.
//!
//! Identity data appears only as "shared identity: yes/no", never the identity.

pub mod bottlenecks;
pub mod certificate;
pub mod prices;

mod text;

pub use crate::rules::{Rule, Rules};
pub use bottlenecks::{bottlenecks, Bottleneck};
pub use certificate::{coverage_certificate, CoverageCertificate};
pub use prices::{solve_priced, PricedMatching};
pub use text::{ForParticipant, ORGANISERS_ONLY};

use std::collections::HashSet;

use serde::Serialize;

use crate::matching::Matching;
use crate::model::{Model, Term};
use crate::registration::{History, Person, Programme};

/// Which side of the programme a person is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Someone who wants mentors.
    Mentee,
    /// Someone who offers to mentor.
    Mentor,
}

impl Role {
    /// The other side: a mentee's partners are mentors.
    pub fn partner(self) -> Role {
        match self {
            Role::Mentee => Role::Mentor,
            Role::Mentor => Role::Mentee,
        }
    }
}

/// What an explanation shows of a person: nothing about identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Email, as registered.
    pub email: String,
    /// Grade, by the ladder's name.
    pub grade: String,
    /// Organisation, by its display name.
    pub organisation: String,
    /// A mentor's profession; for a mentee, the profession they want.
    pub profession: String,
}

/// One step of a funnel: a hard rule and how many partners it removes from
/// those the earlier rules left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FunnelStep {
    /// The rule applied at this step.
    pub rule: Rule,
    /// Partners this rule removes of those still left.
    pub removed: usize,
    /// Partners left after this rule.
    pub left: usize,
}

/// How a person's possible partners narrow to the eligible ones, rule by rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Funnel {
    /// Everyone registered on the other side.
    pub registered: usize,
    /// Every hard rule, in order.
    pub steps: Vec<FunnelStep>,
    /// Partners every hard rule allows.
    pub eligible: usize,
}

impl Funnel {
    /// The rule after which nobody was left, if the funnel ends empty and anyone
    /// was registered.
    pub fn left_nobody(&self) -> Option<Rule> {
        self.steps.iter().find(|s| s.left == 0 && s.removed > 0).map(|s| s.rule)
    }
}

/// One part of a pair's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "term", rename_all = "kebab-case")]
pub enum ScoreTerm {
    /// The grade gap's points.
    GradeGap {
        /// Mentor's grade minus mentee's.
        gap: u8,
        /// Points the model gives the gap.
        points: u32,
    },
    /// The wanted profession's points.
    Profession {
        /// Whether the mentor is in the profession the mentee wants.
        matched: bool,
        /// Points earned (0 when not matched).
        points: u32,
    },
    /// Only whether an identity is shared; never which.
    SharedIdentity {
        /// Whether they share an identity the mentee asked to share.
        shared: bool,
        /// Points earned (0 when not shared).
        points: u32,
    },
}

/// A match made, with its score term by term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchScore {
    /// The person matched with.
    pub partner: Facts,
    /// The pair's score: its terms' points, added.
    pub score: u32,
    /// The score, term by term.
    pub terms: Vec<ScoreTerm>,
}

/// Something that would give a person eligible partners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// More registrations on the other side at these grades (from another
    /// organisation, when the model requires it).
    PartnersAtGrades {
        /// The grades, by the ladder's names.
        grades: Vec<String>,
        /// Whether they must be from another organisation.
        other_organisation: bool,
    },
    /// A grade window of `min..=max` grades, which would make this many
    /// registered partners eligible.
    WiderGradeWindow {
        /// Fewest grades a mentor is above their mentee.
        min: u8,
        /// Most grades a mentor is above their mentee.
        max: u8,
        /// Registered partners it would make eligible.
        would_admit: usize,
    },
    /// Allowing matches within one organisation.
    SameOrganisationAllowed {
        /// Registered partners it would make eligible.
        would_admit: usize,
    },
    /// A lower lowest mentor grade.
    LowerLowestMentorGrade {
        /// The lowest mentor grade suggested, by the ladder's name.
        grade: String,
        /// Registered partners it would make eligible.
        would_admit: usize,
    },
    /// No grade of the ladder is in this person's grade window.
    NoGradeInWindow,
}

/// How taking a match from someone else, to give it to this person, compares
/// under the objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Everyone who could give one up has no more than this person: the
    /// objective ranks a loss for them above this person's gain, so every such
    /// move makes the matching worse.
    Worse,
    /// Some who could give one up hold exactly one more: moving one leaves the
    /// same number of people at each count, and only the total score changes.
    Tie,
    /// The objective does not count one more match for this person.
    NotCounted,
    /// None of the above applies to the model's objective; the dual prices
    /// alone prove nothing better exists.
    ByPrices,
}

/// The proof that a person's eligible partners are all taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// Eligible partners not matched with this person, every one full.
    pub full_partners: usize,
    /// Partners reached by following who could make room (the partner side of
    /// a minimum cut), every one full.
    pub partners_reached: usize,
    /// People on this person's side reached the same way, not counting them.
    pub others_reached: usize,
    /// Matches held now by this person and the others reached; no matching
    /// gives them more in total.
    pub held: u64,
    /// The most matches one of the others reached holds (0 when none).
    pub most_held: u32,
    /// How moving a match to this person compares under the objective.
    pub verdict: Verdict,
    /// The solver's dual prices prove no matching is better under the objective.
    pub proven_optimal: bool,
}

/// Why a person has fewer matches than they asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "case", rename_all = "kebab-case")]
pub enum Shortfall {
    /// No partner passes every hard rule.
    NoneEligible {
        /// The rule after which nobody was left; none when nobody registered.
        left_nobody: Option<Rule>,
        /// What would give them eligible partners.
        changes: Vec<Change>,
    },
    /// Matched with every eligible partner already.
    AllEligibleMatched {
        /// Partners every hard rule allows.
        eligible: usize,
        /// What would give them more eligible partners.
        changes: Vec<Change>,
    },
    /// Every eligible partner not matched with them is full.
    AllFull(Proof),
    /// A match is possible without taking one from anyone, but it would not
    /// improve the matching under the objective.
    RoomNotRewarded {
        /// Eligible partners with a free place.
        free_partners: usize,
        /// Partners with a free place reached through others' matches.
        reachable_with_room: usize,
        /// Whether the objective counts one more match for this person at all.
        next_match_counted: bool,
        /// The solver's dual prices prove no matching is better under the objective.
        proven_optimal: bool,
    },
}

/// Everything about one person's matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The person's side of the programme.
    pub role: Role,
    /// What the explanation shows of them.
    pub person: Facts,
    /// Matches asked for (capacity) and made.
    pub asked: u32,
    /// Matches made.
    pub matched: u32,
    /// The model's grade window and the ladder's grades, for the funnel's words.
    pub gap_min: u8,
    /// Most grades a mentor is above their mentee, under the model.
    pub gap_max: u8,
    /// Grades of the ladder in this person's grade window.
    pub window_grades: Vec<String>,
    /// The lowest grade allowed to mentor, by the ladder's name.
    pub lowest_mentor_grade: String,
    /// This person's organisation may match within itself (the model allows it,
    /// or the organisation is large enough).
    pub own_organisation_allowed: bool,
    /// How their possible partners narrow, rule by rule.
    pub funnel: Funnel,
    /// Their matches, with each score term by term.
    pub matches: Vec<MatchScore>,
    /// Why they have fewer matches than asked, if they do.
    pub shortfall: Option<Shortfall>,
    /// A mentee the history names as unmatched or short last time.
    pub priority: bool,
    /// Whether the model's objective puts such mentees first.
    pub model_counts_priority: bool,
}

/// Why an under-matched mentee has fewer matches than asked, without the proof:
/// cheap enough for every mentee of a large programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "case", rename_all = "kebab-case")]
pub enum Reason {
    /// No mentor passes every hard rule.
    NoneEligible {
        /// The rule after which nobody was left; none when nobody registered.
        left_nobody: Option<Rule>,
    },
    /// Matched with every eligible mentor already.
    AllEligibleMatched {
        /// Mentors every hard rule allows.
        eligible: usize,
    },
    /// Every eligible mentor not matched with them is full.
    AllFull {
        /// Eligible mentors not matched with them, every one full.
        full_partners: usize,
    },
    /// A match is possible, but would not improve the matching under the objective.
    RoomNotRewarded {
        /// Eligible mentors with a free place.
        free_partners: usize,
    },
}

/// One mentee with fewer matches than asked, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnderMatched {
    /// Index into [`Programme::mentees`].
    pub mentee: u32,
    /// Matches asked for (capacity).
    pub asked: u32,
    /// Matches made.
    pub matched: u32,
    /// Why fewer were made.
    pub reason: Reason,
}

/// A programme, its rules and a matching, indexed for explaining anyone in it.
pub struct Explainer<'a> {
    /// The programme's hard rules, pair by pair.
    pub rules: Rules<'a>,
    matching: &'a Matching,
    /// Indices into `matching.pairs`, by mentee and by mentor.
    pairs_of_mentee: Vec<Vec<usize>>,
    pairs_of_mentor: Vec<Vec<usize>>,
    proven_optimal: bool,
}

impl<'a> Explainer<'a> {
    /// `proven_optimal`: whether the matching's optimality was proven (by
    /// [`solve_priced`]); proofs only claim it when it was.
    pub fn new(
        programme: &'a Programme,
        model: &'a Model,
        history: &History,
        matching: &'a Matching,
        proven_optimal: bool,
    ) -> Explainer<'a> {
        let mut pairs_of_mentee = vec![Vec::new(); programme.mentees.len()];
        let mut pairs_of_mentor = vec![Vec::new(); programme.mentors.len()];
        for (i, pair) in matching.pairs.iter().enumerate() {
            pairs_of_mentee[pair.mentee as usize].push(i);
            pairs_of_mentor[pair.mentor as usize].push(i);
        }
        Explainer {
            rules: Rules::new(programme, model, history),
            matching,
            pairs_of_mentee,
            pairs_of_mentor,
            proven_optimal,
        }
    }

    fn programme(&self) -> &'a Programme {
        self.rules.programme
    }

    fn model(&self) -> &'a Model {
        self.rules.model
    }

    fn person(&self, role: Role, index: u32) -> &'a Person {
        match role {
            Role::Mentee => &self.programme().mentees[index as usize].person,
            Role::Mentor => &self.programme().mentors[index as usize].person,
        }
    }

    fn count(&self, role: Role) -> usize {
        match role {
            Role::Mentee => self.programme().mentees.len(),
            Role::Mentor => self.programme().mentors.len(),
        }
    }

    fn pair_indices(&self, role: Role, index: u32) -> &[usize] {
        match role {
            Role::Mentee => &self.pairs_of_mentee[index as usize],
            Role::Mentor => &self.pairs_of_mentor[index as usize],
        }
    }

    /// The partners a person is matched with.
    fn held(&self, role: Role, index: u32) -> impl Iterator<Item = u32> + '_ {
        self.pair_indices(role, index).iter().map(move |&i| {
            let pair = &self.matching.pairs[i];
            match role {
                Role::Mentee => pair.mentor,
                Role::Mentor => pair.mentee,
            }
        })
    }

    fn held_count(&self, role: Role, index: u32) -> u32 {
        self.pair_indices(role, index).len() as u32
    }

    fn has_room(&self, role: Role, index: u32) -> bool {
        self.held_count(role, index) < self.person(role, index).capacity
    }

    /// The rules a pair breaks, with `index` on side `role` and `partner` on the other.
    fn broken(&self, role: Role, index: u32, partner: u32) -> crate::rules::Broken {
        match role {
            Role::Mentee => self.rules.broken(index, partner),
            Role::Mentor => self.rules.broken(partner, index),
        }
    }

    /// Eligible partners, found from the rules, O(partners in the grade window).
    fn eligible(&self, role: Role, index: u32) -> Vec<u32> {
        match role {
            Role::Mentee => self.rules.mentors_of(index).collect(),
            Role::Mentor => self.rules.mentees_of(index).collect(),
        }
    }

    fn facts(&self, role: Role, index: u32) -> Facts {
        let person = self.person(role, index);
        Facts {
            email: person.email.clone(),
            grade: self.model().ladder.name(person.grade).to_string(),
            organisation: self.programme().organisation_name(person.organisation).to_string(),
            profession: person.profession.clone(),
        }
    }

    /// The eligibility funnel: every partner, removed by the first rule they
    /// break. O(partners registered).
    pub fn funnel(&self, role: Role, index: u32) -> Funnel {
        let registered = self.count(role.partner());
        let mut removed = [0usize; Rule::ALL.len()];
        for partner in 0..registered as u32 {
            if let Some(rule) = self.broken(role, index, partner).first() {
                removed[rule as usize] += 1;
            }
        }
        let mut left = registered;
        // Bans are a step only in programmes that have some.
        let has_bans = self.programme().adjustments.bans().next().is_some();
        let steps = Rule::ALL
            .iter()
            .filter(|&&rule| rule != Rule::Banned || has_bans)
            .map(|&rule| {
                left -= removed[rule as usize];
                FunnelStep {
                    rule,
                    removed: removed[rule as usize],
                    left,
                }
            })
            .collect();
        Funnel {
            registered,
            steps,
            eligible: left,
        }
    }

    /// Explain one mentee, by index into [`Programme::mentees`].
    pub fn mentee(&self, index: usize) -> Explanation {
        self.explain(Role::Mentee, index as u32)
    }

    /// Explain one mentor, by index into [`Programme::mentors`].
    pub fn mentor(&self, index: usize) -> Explanation {
        self.explain(Role::Mentor, index as u32)
    }

    fn explain(&self, role: Role, index: u32) -> Explanation {
        let model = self.model();
        let person = self.person(role, index);
        let funnel = self.funnel(role, index);
        let matches = self
            .pair_indices(role, index)
            .iter()
            .map(|&i| {
                let pair = &self.matching.pairs[i];
                let partner = match role {
                    Role::Mentee => pair.mentor,
                    Role::Mentor => pair.mentee,
                };
                let weights = &model.weights;
                MatchScore {
                    partner: self.facts(role.partner(), partner),
                    score: pair.score,
                    terms: vec![
                        ScoreTerm::GradeGap {
                            gap: pair.grade_gap,
                            points: weights.grade_gap_score(pair.grade_gap),
                        },
                        ScoreTerm::Profession {
                            matched: pair.profession_matched,
                            points: if pair.profession_matched { weights.profession } else { 0 },
                        },
                        ScoreTerm::SharedIdentity {
                            shared: pair.identity_matched,
                            points: if pair.identity_matched { weights.identity } else { 0 },
                        },
                    ],
                }
            })
            .collect();
        let matched = self.held_count(role, index);
        let shortfall = (matched < person.capacity).then(|| self.shortfall(role, index, &funnel));
        Explanation {
            role,
            person: self.facts(role, index),
            asked: person.capacity,
            matched,
            gap_min: model.gap.min,
            gap_max: model.gap.max,
            window_grades: self
                .window(role, index)
                .map(|g| model.ladder.name(crate::model::Grade(g as u8)).to_string())
                .collect(),
            lowest_mentor_grade: model.ladder.name(model.lowest_mentor_grade).to_string(),
            own_organisation_allowed: self.rules.own_organisation_allowed(person.organisation),
            funnel,
            matches,
            shortfall,
            priority: role == Role::Mentee && self.programme().mentees[index as usize].priority,
            model_counts_priority: model.counts_priority_mentees(),
        }
    }

    /// Grades of the ladder where this person's partners can be.
    fn window(&self, role: Role, index: u32) -> std::ops::Range<usize> {
        let grade = self.person(role, index).grade;
        match role {
            Role::Mentee => self.rules.mentor_grades_for(grade),
            Role::Mentor => self.rules.mentee_grades_for(grade),
        }
    }

    fn shortfall(&self, role: Role, index: u32, funnel: &Funnel) -> Shortfall {
        let eligible = self.eligible(role, index);
        let held: HashSet<u32> = self.held(role, index).collect();
        if eligible.is_empty() {
            return Shortfall::NoneEligible {
                left_nobody: funnel.left_nobody(),
                changes: self.changes(role, index),
            };
        }
        if eligible.iter().all(|p| held.contains(p)) {
            return Shortfall::AllEligibleMatched {
                eligible: eligible.len(),
                changes: self.changes(role, index),
            };
        }
        let cut = self.cut(role, index);
        let count = self.held_count(role, index);
        let next_match_counted = rank(&self.model().objective, role, count + 1).is_some();
        if cut.partners_with_room > 0 {
            return Shortfall::RoomNotRewarded {
                free_partners: eligible
                    .iter()
                    .filter(|&&p| !held.contains(&p) && self.has_room(role.partner(), p))
                    .count(),
                reachable_with_room: cut.partners_with_room,
                next_match_counted,
                proven_optimal: self.proven_optimal,
            };
        }
        let most_held = cut.others.iter().map(|&o| self.held_count(role, o)).max().unwrap_or(0);
        let held_total = count as u64 + cut.others.iter().map(|&o| self.held_count(role, o) as u64).sum::<u64>();
        Shortfall::AllFull(Proof {
            full_partners: eligible.len() - held.len(),
            partners_reached: cut.partners.len(),
            others_reached: cut.others.len(),
            held: held_total,
            most_held,
            verdict: verdict(&self.model().objective, role, count, most_held),
            proven_optimal: self.proven_optimal,
        })
    }

    /// The reachable part of the solver's network from this person (the source
    /// side of a minimum cut): from a person, every eligible partner they are not
    /// matched with; from a partner, everyone matched with them.
    pub fn cut(&self, role: Role, start: u32) -> Cut {
        let mut seen_same: HashSet<u32> = HashSet::from([start]);
        let mut seen_partner: HashSet<u32> = HashSet::new();
        let mut queue = vec![start];
        let mut cut = Cut::default();
        while let Some(x) = queue.pop() {
            let held: HashSet<u32> = self.held(role, x).collect();
            for p in self.eligible(role, x) {
                if held.contains(&p) || !seen_partner.insert(p) {
                    continue;
                }
                cut.partners.push(p);
                if self.has_room(role.partner(), p) {
                    cut.partners_with_room += 1;
                }
                for y in self.held(role.partner(), p) {
                    if seen_same.insert(y) {
                        cut.others.push(y);
                        queue.push(y);
                    }
                }
            }
        }
        cut
    }

    /// What would give this person eligible partners, or more of them.
    fn changes(&self, role: Role, index: u32) -> Vec<Change> {
        let model = self.model();
        let person = self.person(role, index);
        let mut changes = Vec::new();
        let grades = self.window(role, index);
        if grades.is_empty() {
            changes.push(Change::NoGradeInWindow);
        } else {
            changes.push(Change::PartnersAtGrades {
                grades: grades
                    .map(|g| model.ladder.name(crate::model::Grade(g as u8)).to_string())
                    .collect(),
                other_organisation: !self.rules.own_organisation_allowed(person.organisation),
            });
        }
        // Partners kept out by one rule alone: relaxing that rule would admit them.
        let mut gaps = Vec::new();
        let (mut same_organisation, mut below_lowest) = (0usize, Vec::new());
        for partner in 0..self.count(role.partner()) as u32 {
            let broken = self.broken(role, index, partner);
            let other = self.person(role.partner(), partner);
            let (mentee_grade, mentor_grade) = match role {
                Role::Mentee => (person.grade, other.grade),
                Role::Mentor => (other.grade, person.grade),
            };
            if broken.only(Rule::GradeWindow) && mentor_grade >= mentee_grade {
                gaps.push(mentor_grade.0 - mentee_grade.0);
            } else if broken.only(Rule::SameOrganisation) {
                same_organisation += 1;
            } else if broken.only(Rule::MentorBelowLowestGrade) {
                below_lowest.push(mentor_grade);
            }
        }
        let (min, max) = (model.gap.min, model.gap.max);
        if let Some(&up) = gaps.iter().filter(|&&g| g > max).min() {
            changes.push(Change::WiderGradeWindow {
                min,
                max: up,
                would_admit: gaps.iter().filter(|&&g| g == up).count(),
            });
        }
        if let Some(&down) = gaps.iter().filter(|&&g| g < min).max() {
            changes.push(Change::WiderGradeWindow {
                min: down,
                max,
                would_admit: gaps.iter().filter(|&&g| g == down).count(),
            });
        }
        if same_organisation > 0 {
            changes.push(Change::SameOrganisationAllowed {
                would_admit: same_organisation,
            });
        }
        if let Some(&highest) = below_lowest.iter().max() {
            changes.push(Change::LowerLowestMentorGrade {
                grade: model.ladder.name(highest).to_string(),
                would_admit: below_lowest.iter().filter(|&&g| g == highest).count(),
            });
        }
        changes
    }

    /// Every mentee with fewer matches than asked, and which case it is. Cost:
    /// O(mentors in the grade window) per such mentee, plus O(mentors) for each
    /// one with no eligible mentor.
    pub fn under_matched(&self) -> Vec<UnderMatched> {
        let mut out = Vec::new();
        for (e, mentee) in self.programme().mentees.iter().enumerate() {
            let e = e as u32;
            let matched = self.held_count(Role::Mentee, e);
            if matched >= mentee.person.capacity {
                continue;
            }
            let eligible = self.eligible(Role::Mentee, e);
            let held: HashSet<u32> = self.held(Role::Mentee, e).collect();
            let reason = if eligible.is_empty() {
                Reason::NoneEligible {
                    left_nobody: self.funnel(Role::Mentee, e).left_nobody(),
                }
            } else if eligible.iter().all(|m| held.contains(m)) {
                Reason::AllEligibleMatched {
                    eligible: eligible.len(),
                }
            } else {
                let free = eligible
                    .iter()
                    .filter(|&&m| !held.contains(&m) && self.has_room(Role::Mentor, m))
                    .count();
                if free > 0 {
                    Reason::RoomNotRewarded { free_partners: free }
                } else {
                    Reason::AllFull {
                        full_partners: eligible.len() - held.len(),
                    }
                }
            };
            out.push(UnderMatched {
                mentee: e,
                asked: mentee.person.capacity,
                matched,
                reason,
            });
        }
        out
    }
}

/// What following "who could make room" reaches from one person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cut {
    /// Partners reached (indices on the other side).
    pub partners: Vec<u32>,
    /// How many of them have room.
    pub partners_with_room: usize,
    /// People on the start's side reached, not counting the start.
    pub others: Vec<u32>,
}

/// Where "people on this side with at least `k` matches" comes in the objective.
fn rank(objective: &[Term], role: Role, k: u32) -> Option<usize> {
    objective.iter().position(|term| match (role, term) {
        (Role::Mentee, Term::MenteesWithAtLeast { matches, .. })
        | (Role::Mentor, Term::MentorsWithAtLeast { matches, .. }) => *matches == k,
        _ => false,
    })
}

/// How moving one match, from someone on this side holding at most `most_held`
/// to this person holding `count`, compares under the objective.
///
/// Such a move (along an alternating path of the cut) changes only the two
/// people's counts and the total score: everyone between keeps their count and
/// the number of pairs stays the same. It loses a "with at least x" for the
/// giver (x their count, 1..=most_held) and gains "with at least count+1" for
/// this person. It is worse when every such loss comes earlier in the objective
/// than the gain and than the total score.
pub fn verdict(objective: &[Term], role: Role, count: u32, most_held: u32) -> Verdict {
    // Counts that matter only for priority mentees make a move's worth depend
    // on who gives and who gains; the prices still decide it exactly.
    let priority = |t: &Term| matches!(t, Term::PriorityMenteesWithAtLeast { .. });
    if role == Role::Mentee && objective.iter().flat_map(Term::parts).any(|(t, _)| priority(t)) {
        return Verdict::ByPrices;
    }
    let Some(gain) = rank(objective, role, count + 1) else {
        return Verdict::NotCounted;
    };
    let score = objective.iter().position(|t| matches!(t, Term::TotalScore { .. }));
    let loss_first = |x: u32| rank(objective, role, x).is_some_and(|r| r < gain && score.is_none_or(|s| r < s));
    if most_held <= count && (1..=most_held).all(loss_first) {
        Verdict::Worse
    } else if most_held == count + 1 && (1..=count).all(loss_first) {
        Verdict::Tie
    } else {
        Verdict::ByPrices
    }
}
