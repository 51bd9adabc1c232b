//! Explanations in plain words, for the terminal and the report.

use std::fmt;

use super::{Change, Explanation, Proof, Reason, Role, Rule, ScoreTerm, Shortfall, Verdict};

fn noun(role: Role) -> &'static str {
    match role {
        Role::Mentee => "mentee",
        Role::Mentor => "mentor",
    }
}

/// "1 mentor", "2 mentors".
fn count(n: impl Into<u64>, singular: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {singular}s")
    }
}

/// What a person on this side holds: a mentee's matches, a mentor's mentees.
fn holdings(role: Role, n: impl Into<u64>) -> String {
    match role {
        Role::Mentee => {
            let n = n.into();
            if n == 1 {
                "1 match".into()
            } else {
                format!("{n} matches")
            }
        }
        Role::Mentor => count(n, "mentee"),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// "SEO", "SEO or Grade 7", "EO, HEO or SEO".
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn gap_words(min: u8, max: u8) -> String {
    if min == max {
        format!("{min} grade{}", if min == 1 { "" } else { "s" })
    } else {
        format!("{min} to {max} grades")
    }
}

impl Explanation {
    /// What one funnel step removes, in words, for this person.
    pub fn rule_words(&self, rule: Rule) -> String {
        let e = self;
        let window = if e.window_grades.is_empty() {
            " (no grade of the ladder)".to_string()
        } else {
            format!(" ({})", e.window_grades.join(", "))
        };
        match (e.role, rule) {
            (Role::Mentee, Rule::MentorBelowLowestGrade) => {
                format!("below the lowest mentor grade ({})", e.lowest_mentor_grade)
            }
            (Role::Mentee, Rule::MentorOffersNoPlaces) => "offering no places".into(),
            (Role::Mentee, Rule::MenteeAsksNoMatches) => "all: this mentee asked for no matches".into(),
            (Role::Mentee, Rule::GradeWindow) => format!(
                "not {} above {}{window}",
                gap_words(e.gap_min, e.gap_max),
                e.person.grade
            ),
            (Role::Mentor, Rule::MentorBelowLowestGrade) => format!(
                "all: this mentor is below the lowest mentor grade ({})",
                e.lowest_mentor_grade
            ),
            (Role::Mentor, Rule::MentorOffersNoPlaces) => "all: this mentor offers no places".into(),
            (Role::Mentor, Rule::MenteeAsksNoMatches) => "asking for no matches".into(),
            (Role::Mentor, Rule::GradeWindow) => format!(
                "not {} below {}{window}",
                gap_words(e.gap_min, e.gap_max),
                e.person.grade
            ),
            (role, Rule::SameOrganisation) if e.own_organisation_allowed => format!(
                "in this {}'s organisation ({}), which may match within itself",
                noun(role),
                e.person.organisation
            ),
            (role, Rule::SameOrganisation) => {
                format!("in this {}'s organisation ({})", noun(role), e.person.organisation)
            }
            (role, Rule::MatchedBefore) => format!("matched with this {} before", noun(role)),
            (role, Rule::Banned) => format!("banned from this {} by the organisers", noun(role)),
            (role, Rule::SamePerson) => format!(
                "this {} themselves, registered as a {} too",
                noun(role),
                noun(role.partner())
            ),
        }
    }

    fn change_words(&self, change: &Change) -> String {
        let partners = noun(self.role.partner());
        match change {
            Change::PartnersAtGrades {
                grades,
                other_organisation,
            } => format!(
                "{partners}s at {} registering{}",
                either(grades),
                if *other_organisation {
                    ", from another organisation"
                } else {
                    ""
                }
            ),
            Change::WiderGradeWindow { min, max, would_admit } => format!(
                "a grade window of {} (model key grades.gap), which would make {} registered {} eligible",
                gap_words(*min, *max),
                would_admit,
                if *would_admit == 1 { partners.to_string() } else { format!("{partners}s") }
            ),
            Change::SameOrganisationAllowed { would_admit } => format!(
                "allowing matches within one organisation (model key organisations.same_organisation_allowed, or organisations.same_organisation_allowed_from for large organisations only), which would make {} eligible",
                count(*would_admit as u64, partners)
            ),
            Change::LowerLowestMentorGrade { grade, would_admit } => format!(
                "a lowest mentor grade of {grade} (model key grades.lowest_mentor_grade), which would make {} eligible",
                count(*would_admit as u64, partners)
            ),
            Change::NoGradeInWindow => format!(
                "nothing under this model: no grade of the ladder is {} {} {}",
                gap_words(self.gap_min, self.gap_max),
                if self.role == Role::Mentee { "above" } else { "below" },
                self.person.grade
            ),
        }
    }

    /// The shortfall's explanation as lines of plain words.
    pub fn shortfall_lines(&self) -> Vec<String> {
        let Some(shortfall) = &self.shortfall else {
            return Vec::new();
        };
        let (me, partner) = (noun(self.role), noun(self.role.partner()));
        let mut lines = Vec::new();
        let changes = |lines: &mut Vec<String>, changes: &[Change]| {
            lines.push("What would change it:".into());
            for change in changes {
                lines.push(format!("  - {}", self.change_words(change)));
            }
        };
        match shortfall {
            Shortfall::NoneEligible {
                left_nobody,
                changes: list,
            } => {
                lines.push(match left_nobody {
                    Some(rule) => format!(
                        "No eligible {partner}: no {partner} passes every rule, and {} left nobody.",
                        rule.title()
                    ),
                    None => format!("No eligible {partner}: no {partner}s are registered."),
                });
                changes(&mut lines, list);
            }
            Shortfall::AllEligibleMatched {
                eligible,
                changes: list,
            } => {
                lines.push(format!(
                    "This {me} is matched with every eligible {partner} ({eligible}): there is no other."
                ));
                changes(&mut lines, list);
            }
            Shortfall::AllFull(proof) => lines.extend(self.proof_lines(proof)),
            Shortfall::RoomNotRewarded {
                free_partners,
                reachable_with_room,
                next_match_counted,
                proven_optimal,
            } => {
                let room = if *free_partners > 0 {
                    format!(
                        "{} with free places",
                        count(*free_partners as u64, &format!("eligible {partner}"))
                    )
                } else {
                    format!(
                        "by moving others' matches, {} with free places",
                        count(*reachable_with_room as u64, partner)
                    )
                };
                lines.push(format!(
                    "Another match is possible without taking one from anyone ({room}), but it would not improve the matching under the model's objective."
                ));
                if !next_match_counted {
                    lines.push(format!(
                        "The objective does not count a {} for a {me}.",
                        next_holding(self.role, self.matched)
                    ));
                }
                lines.push(prices_words(*proven_optimal));
            }
        }
        lines
    }

    fn proof_lines(&self, proof: &Proof) -> Vec<String> {
        let (me, partner) = (noun(self.role), noun(self.role.partner()));
        let group = proof.others_reached + 1;
        let mut lines = vec![
            format!(
                "The {} not matched with this {me} {} full.",
                count(proof.full_partners as u64, &format!("eligible {partner}")),
                if proof.full_partners == 1 { "is" } else { "are all" }
            ),
            format!(
                "Proof (a minimum cut): following who could make room (the {me}s of those {partner}s, the other eligible {partner}s of those {me}s, and so on) reaches {}, every one full, and {}.",
                count(proof.partners_reached as u64, partner),
                count(proof.others_reached as u64, &format!("other {me}")),
            ),
            format!(
                "Every eligible {partner} of these {} is one of those {} or already matched with them, so no matching gives them more than the {} they hold now: another {} for this {me} must be taken from one of the other {}.",
                count(group as u64, me),
                count(proof.partners_reached as u64, partner),
                holdings(self.role, proof.held),
                match self.role {
                    Role::Mentee => "match",
                    Role::Mentor => "mentee",
                },
                proof.others_reached
            ),
        ];
        let (c, h) = (self.matched, proof.most_held);
        match proof.verdict {
            Verdict::Worse => lines.push(format!(
                "Each of them holds at most {}, no more than this {me}'s {c}. The objective counts {me}s with fewer first, so taking one from them to give this {me} a {} makes the matching worse.",
                holdings(self.role, h),
                next_holding(self.role, c)
            )),
            Verdict::Tie => lines.push(format!(
                "Some of them hold {}, one more than this {me}: moving one here would leave the same number of {me}s with each number of {}, changing only the total score. Taking one from anyone holding fewer would make the matching worse.",
                holdings(self.role, h),
                match self.role {
                    Role::Mentee => "matches",
                    Role::Mentor => "mentees",
                }
            )),
            Verdict::NotCounted => lines.push(format!(
                "The objective does not count a {} for a {me}, so giving one cannot improve it.",
                next_holding(self.role, c)
            )),
            Verdict::ByPrices => {}
        }
        lines.push(prices_words(proof.proven_optimal));
        lines
    }
}

/// "2nd match", "1st mentee".
fn next_holding(role: Role, count: u32) -> String {
    format!(
        "{} {}",
        ordinal(count + 1),
        match role {
            Role::Mentee => "match",
            Role::Mentor => "mentee",
        }
    )
}

fn prices_words(proven: bool) -> String {
    if proven {
        "The solver's dual prices prove that no matching is better under the model's objective.".into()
    } else {
        "The solver's dual prices did not prove this matching optimal; please report this.".into()
    }
}

/// The lines at the top of `explain`'s default output: it is for organisers.
pub const ORGANISERS_ONLY: &str = "For organisers only: do not forward. It says whether each match shares an identity the mentee asked for. For a version safe to send to this person, run explain again with --participant.";

/// An explanation as it may be forwarded to the person it is about: their
/// matches and why they have that many, with nothing about anyone's identity
/// or identity request (no shared-identity lines, and no scores, whose points
/// could reveal one).
pub struct ForParticipant<'a>(pub &'a Explanation);

impl fmt::Display for ForParticipant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        let (me, partner) = (noun(e.role), noun(e.role.partner()));
        let p = &e.person;
        writeln!(f, "Your matches in the mentoring programme ({})", p.email)?;
        writeln!(f, "You are registered as a {me}: {}, {}.", p.grade, p.organisation)?;
        let asked = match e.role {
            Role::Mentee => "asked for",
            Role::Mentor => "places offered",
        };
        writeln!(f, "{} of {} {asked}.", holdings(e.role, e.matched), e.asked)?;
        for (i, m) in e.matches.iter().enumerate() {
            writeln!(f)?;
            let q = &m.partner;
            writeln!(
                f,
                "Match {}: {} ({}, {}{})",
                i + 1,
                q.email,
                q.grade,
                q.organisation,
                if q.profession.is_empty() {
                    String::new()
                } else {
                    format!(", {}", q.profession)
                }
            )?;
            for term in &m.terms {
                match *term {
                    ScoreTerm::GradeGap { gap, .. } => writeln!(f, "  grades apart: {gap}")?,
                    ScoreTerm::Profession { matched, .. } if e.role == Role::Mentee => {
                        writeln!(f, "  the profession you want: {}", if matched { "yes" } else { "no" })?
                    }
                    ScoreTerm::Profession { .. } | ScoreTerm::SharedIdentity { .. } => {}
                }
            }
        }
        if let Some(shortfall) = &e.shortfall {
            writeln!(f)?;
            let why = match shortfall {
                Shortfall::NoneEligible { .. } => format!(
                    "No {partner} registered this time could be matched with you under the programme's rules on grades and organisations."
                ),
                Shortfall::AllEligibleMatched { .. } => {
                    format!("You are matched with every {partner} who could be matched with you under the programme's rules.")
                }
                Shortfall::AllFull(_) => {
                    format!("The other {partner}s who could be matched with you had no places left.")
                }
                Shortfall::RoomNotRewarded { .. } => format!(
                    "Another {partner} had a place, but the programme's matching as a whole was better without it."
                ),
            };
            writeln!(f, "Why {} of {}: {why}", e.matched, e.asked)?;
        }
        Ok(())
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (me, partner) = (noun(self.role), noun(self.role.partner()));
        let p = &self.person;
        let profession = match (self.role, p.profession.is_empty()) {
            (_, true) => String::new(),
            (Role::Mentee, false) => format!(", wants {}", p.profession),
            (Role::Mentor, false) => format!(", {}", p.profession),
        };
        writeln!(
            f,
            "{} {}: {}, {}{profession}",
            match self.role {
                Role::Mentee => "Mentee",
                Role::Mentor => "Mentor",
            },
            p.email,
            p.grade,
            p.organisation
        )?;
        let asked = match self.role {
            Role::Mentee => "asked for",
            Role::Mentor => "places offered",
        };
        writeln!(f, "{} of {} {asked}", holdings(self.role, self.matched), self.asked)?;
        if self.priority {
            let model = if self.model_counts_priority {
                "the model puts priority mentees first"
            } else {
                "this model does not count priority mentees (the priority model does)"
            };
            writeln!(
                f,
                "Priority mentee: the history names them as unmatched or short last time; {model}"
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Eligible {partner}s, rule by rule:")?;
        writeln!(f, "  {:>6}  {partner}s registered", self.funnel.registered)?;
        for step in &self.funnel.steps {
            // Rules about this person alone remove everyone or no one: show them only when they apply.
            let about_self = matches!(
                (self.role, step.rule),
                (Role::Mentee, Rule::MenteeAsksNoMatches)
                    | (Role::Mentor, Rule::MentorBelowLowestGrade | Rule::MentorOffersNoPlaces)
            );
            if about_self && step.removed == 0 {
                continue;
            }
            writeln!(
                f,
                "  {:>6}  {:<60} {:>6} left",
                format!("-{}", step.removed),
                self.rule_words(step.rule),
                step.left
            )?;
        }
        writeln!(f, "  {:>6}  eligible", self.funnel.eligible)?;
        for (i, m) in self.matches.iter().enumerate() {
            writeln!(f)?;
            let q = &m.partner;
            writeln!(
                f,
                "Match {}: {} ({}, {}{}), score {}",
                i + 1,
                q.email,
                q.grade,
                q.organisation,
                if q.profession.is_empty() {
                    String::new()
                } else {
                    format!(", {}", q.profession)
                },
                m.score
            )?;
            for term in &m.terms {
                let (words, points) = match *term {
                    ScoreTerm::GradeGap { gap, points } => (format!("grade gap {gap}"), points),
                    ScoreTerm::Profession { matched, points } => (
                        format!("profession wanted: {}", if matched { "yes" } else { "no" }),
                        points,
                    ),
                    ScoreTerm::SharedIdentity { shared, points } => (
                        format!("shared identity: {}", if shared { "yes" } else { "no" }),
                        points,
                    ),
                };
                writeln!(f, "  {words:<28} +{points}")?;
            }
        }
        if self.shortfall.is_some() {
            writeln!(f)?;
            writeln!(f, "Why {} of {}:", self.matched, self.asked)?;
            for line in self.shortfall_lines() {
                writeln!(f, "  {line}")?;
            }
        } else if self.asked == 0 {
            writeln!(f)?;
            writeln!(f, "This {me} asked for none.")?;
        }
        Ok(())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::NoneEligible {
                left_nobody: Some(rule),
            } => {
                write!(f, "no eligible mentor: {} left nobody", rule.title())
            }
            Reason::NoneEligible { left_nobody: None } => write!(f, "no eligible mentor: no mentors registered"),
            Reason::AllEligibleMatched { eligible } => write!(
                f,
                "matched with every eligible mentor ({eligible}); more mentors at the grades above them would help"
            ),
            Reason::AllFull { full_partners } => write!(
                f,
                "{} not matched with them {} full",
                count(full_partners as u64, "eligible mentor"),
                if full_partners == 1 { "is" } else { "are all" }
            ),
            Reason::RoomNotRewarded { free_partners } => write!(
                f,
                "{} free places, but another match would not improve the objective",
                if free_partners == 1 {
                    "1 eligible mentor has".to_string()
                } else {
                    format!("{free_partners} eligible mentors have")
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(4), "4th");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(either(&["SEO".into(), "Grade 7".into()]), "SEO or Grade 7");
        assert_eq!(either(&["A".into(), "B".into(), "C".into()]), "A, B or C");
        assert_eq!(gap_words(1, 2), "1 to 2 grades");
        assert_eq!(gap_words(1, 1), "1 grade");
        assert_eq!(
            Reason::RoomNotRewarded { free_partners: 2 }.to_string(),
            "2 eligible mentors have free places, but another match would not improve the objective"
        );
        assert_eq!(
            Reason::RoomNotRewarded { free_partners: 1 }.to_string(),
            "1 eligible mentor has free places, but another match would not improve the objective"
        );
    }
}
