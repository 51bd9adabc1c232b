//! Explanations tell the truth: funnels agree with the eligible pairs, scores
//! add up, identities never show, and every proof's claims hold when checked
//! against every possible matching of small programmes.

use crate::common;

use std::collections::HashSet;
use std::path::Path;

use common::{assert_valid, brute_force_best, programme, Person};
use mentorflow::eligibility::{eligible_pairs, Pair};
use mentorflow::explain::{
    bottlenecks, coverage_certificate, solve_priced, Change, Explainer, Reason, Role, ScoreTerm, Shortfall, Verdict,
};
use mentorflow::matching::Matching;
use mentorflow::model::{Model, Term};
use mentorflow::registration::{read_programme, History, Programme, Source};
use mentorflow::rules::Rule;
use mentorflow::solve;
use proptest::prelude::*;

fn at(email: &str, grade: &str, organisation: &str) -> Person {
    Person {
        email: email.into(),
        grade: grade.into(),
        organisation: organisation.into(),
        ..Person::default()
    }
}

fn model_with(objective: Vec<Term>) -> Model {
    let mut file = Model::civil_service().to_file().clone();
    file.name = "test".into();
    file.objective = objective;
    Model::from_file("test.json", file).unwrap()
}

fn sample() -> Programme {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/peer-small");
    let (mentors, mentees) = (
        std::fs::read(dir.join("mentors.csv")).unwrap(),
        std::fs::read(dir.join("mentees.csv")).unwrap(),
    );
    read_programme(
        Source {
            name: "mentors.csv",
            bytes: &mentors,
        },
        Source {
            name: "mentees.csv",
            bytes: &mentees,
        },
        &Model::civil_service(),
    )
    .unwrap()
    .programme
}

/// Every valid matching made of `pairs`: the oracle for small programmes.
fn all_matchings(programme: &Programme, pairs: &[Pair]) -> Vec<Matching> {
    fn go(
        i: usize,
        pairs: &[Pair],
        chosen: &mut Vec<Pair>,
        mentee_left: &mut [u32],
        mentor_left: &mut [u32],
        out: &mut Vec<Matching>,
    ) {
        if i == pairs.len() {
            out.push(Matching::new(chosen.clone()));
            return;
        }
        go(i + 1, pairs, chosen, mentee_left, mentor_left, out);
        let (e, m) = (pairs[i].mentee as usize, pairs[i].mentor as usize);
        if mentee_left[e] > 0 && mentor_left[m] > 0 {
            mentee_left[e] -= 1;
            mentor_left[m] -= 1;
            chosen.push(pairs[i]);
            go(i + 1, pairs, chosen, mentee_left, mentor_left, out);
            chosen.pop();
            mentee_left[e] += 1;
            mentor_left[m] += 1;
        }
    }
    let mut out = Vec::new();
    go(
        0,
        pairs,
        &mut Vec::new(),
        &mut programme.mentees.iter().map(|m| m.person.capacity).collect::<Vec<_>>(),
        &mut programme.mentors.iter().map(|m| m.person.capacity).collect::<Vec<_>>(),
        &mut out,
    );
    out
}

fn counts(programme: &Programme, matching: &Matching, role: Role) -> Vec<u32> {
    match role {
        Role::Mentee => matching.mentee_counts(programme),
        Role::Mentor => matching.mentor_counts(programme),
    }
}

/// Positions of the objective's terms about this side's coverage.
fn coverage_terms(objective: &[Term], role: Role) -> Vec<usize> {
    objective
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            matches!(
                (role, t),
                (Role::Mentee, Term::MenteesWithAtLeast { .. }) | (Role::Mentor, Term::MentorsWithAtLeast { .. })
            )
        })
        .map(|(i, _)| i)
        .collect()
}

/// A small programme with every matching it has and the best objective values.
struct Oracle<'a> {
    programme: &'a Programme,
    model: &'a Model,
    pairs: &'a [Pair],
    all: Vec<Matching>,
    best: Vec<i64>,
}

/// Check every claim the explanation of one under-matched person makes,
/// against every matching there is. Returns the case, for coverage counting.
fn check_claims(oracle: &Oracle, explainer: &Explainer, matching: &Matching, role: Role, index: u32) -> &'static str {
    let Oracle {
        programme,
        model,
        pairs,
        all,
        best,
    } = oracle;
    let explanation = match role {
        Role::Mentee => explainer.mentee(index as usize),
        Role::Mentor => explainer.mentor(index as usize),
    };
    let now = counts(programme, matching, role);
    let c = now[index as usize];
    let own = |pair: &Pair| match role {
        Role::Mentee => pair.mentee == index,
        Role::Mentor => pair.mentor == index,
    };
    let eligible = pairs.iter().filter(|p| own(p)).count();
    assert_eq!(explanation.funnel.eligible, eligible);
    assert_eq!(explanation.matched, c);
    match explanation.shortfall.expect("under-matched people have a shortfall") {
        Shortfall::NoneEligible { .. } => {
            assert_eq!(eligible, 0);
            "none eligible"
        }
        Shortfall::AllEligibleMatched { eligible: n, .. } => {
            assert_eq!((n, n as u32), (eligible, c));
            "all eligible matched"
        }
        Shortfall::AllFull(proof) => {
            assert!(proof.proven_optimal);
            let cut = explainer.cut(role, index);
            let group: Vec<u32> = std::iter::once(index).chain(cut.others.iter().copied()).collect();
            let held: u64 = group.iter().map(|&x| now[x as usize] as u64).sum();
            assert_eq!(proof.held, held);
            assert_eq!(
                proof.most_held,
                cut.others.iter().map(|&x| now[x as usize]).max().unwrap_or(0)
            );
            let terms = coverage_terms(&model.objective, role);
            let mut tie_found = false;
            for other in all {
                let theirs = counts(programme, other, role);
                // The cut: no matching gives the group more in total.
                let total: u64 = group.iter().map(|&x| theirs[x as usize] as u64).sum();
                assert!(total <= proof.held, "the group gets {total} > {}", proof.held);
                if theirs[index as usize] > c {
                    let values = other.objective_values(programme, &model.objective);
                    match proof.verdict {
                        Verdict::Worse => assert!(values < best.to_vec(), "{values:?} is not worse than {best:?}"),
                        _ => assert!(values <= best.to_vec()),
                    }
                    if theirs[index as usize] == c + 1 && terms.iter().all(|&t| values[t] == best[t]) {
                        tie_found = true;
                    }
                }
            }
            if proof.verdict == Verdict::Tie {
                assert!(tie_found, "a move leaving coverage the same exists");
            }
            match proof.verdict {
                Verdict::Worse => "all full, worse",
                Verdict::Tie => "all full, tie",
                Verdict::NotCounted => "all full, not counted",
                Verdict::ByPrices => "all full, by prices",
            }
        }
        Shortfall::RoomNotRewarded { proven_optimal, .. } => {
            assert!(proven_optimal);
            // A match is possible without anyone on this side losing one...
            let augmenting = all.iter().any(|other| {
                let theirs = counts(programme, other, role);
                theirs[index as usize] > c && theirs.iter().zip(&now).all(|(a, b)| a >= b)
            });
            assert!(augmenting);
            "room, not rewarded"
        }
    }
}

const GRADES: [&str; 5] = ["EO", "HEO", "SEO", "Grade 7", "G6"];
const ORGS: [&str; 3] = ["Org A", "Org B", "Org C"];
const PROFESSIONS: [&str; 2] = ["Policy", "Finance"];

fn person(i: usize, role: &str, (grade, org, profession, capacity): (usize, usize, usize, u32)) -> Person {
    Person {
        email: format!("{role}{i}@x.uk"),
        grade: GRADES[grade].into(),
        organisation: ORGS[org].into(),
        profession: PROFESSIONS[profession].into(),
        identity: if i.is_multiple_of(2) {
            "Gay".into()
        } else {
            String::new()
        },
        wants_identity: i.is_multiple_of(2),
        capacity: Some(capacity),
    }
}

fn people(max: usize) -> impl Strategy<Value = Vec<(usize, usize, usize, u32)>> {
    crowd(max, 0..GRADES.len(), 0..=3)
}

/// People at a few grades, so that most can be paired and places run short.
fn crowd(
    max: usize,
    grades: std::ops::Range<usize>,
    capacity: std::ops::RangeInclusive<u32>,
) -> impl Strategy<Value = Vec<(usize, usize, usize, u32)>> {
    prop::collection::vec((grades, 0..ORGS.len(), 0..PROFESSIONS.len(), capacity), 1..=max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// On tiny programmes, with history and under three objectives, every
    /// under-matched mentee's and mentor's explanation holds against every
    /// possible matching, and the certificate equals the best coverage.
    #[test]
    fn explanations_hold_against_every_matching(
        // Mentees at EO or HEO, mentors at HEO to Grade 7 with few places.
        mentors in crowd(4, 1..4, 0..=2),
        mentees in crowd(4, 0..2, 1..=3),
        history_seed in 0usize..5,
        objective in 0usize..3,
    ) {
        let model = match objective {
            0 => Model::civil_service(),
            1 => model_with(vec![Term::total_score()]),
            _ => model_with(vec![Term::mentees_with_at_least(1), Term::mentors_with_at_least(1)]),
        };
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = programme(&mentors, &mentees, &model);
        let mut history = History::default();
        for (i, e) in mentees.iter().enumerate() {
            for (j, m) in mentors.iter().enumerate() {
                if (i + 2 * j + history_seed) % 5 == 0 {
                    history.insert(&e.email, &m.email);
                }
            }
        }
        let pairs = eligible_pairs(&p, &model, &history);
        prop_assume!(pairs.len() <= 14);
        let priced = solve_priced(&p, &model, &pairs).unwrap();
        assert_valid(&p, &model, &history, &priced.matching);
        prop_assert!(priced.proven_optimal);
        let best = brute_force_best(&p, &model, &pairs);
        prop_assert_eq!(priced.matching.objective_values(&p, &model.objective), best.clone());
        let all = all_matchings(&p, &pairs);
        let oracle = Oracle { programme: &p, model: &model, pairs: &pairs, all, best };

        let explainer = Explainer::new(&p, &model, &history, &priced.matching, priced.proven_optimal);
        for role in [Role::Mentee, Role::Mentor] {
            let now = counts(&p, &priced.matching, role);
            for (i, &c) in now.iter().enumerate() {
                let capacity = match role {
                    Role::Mentee => p.mentees[i].person.capacity,
                    Role::Mentor => p.mentors[i].person.capacity,
                };
                if c < capacity {
                    check_claims(&oracle, &explainer, &priced.matching, role, i as u32);
                }
            }
        }
        let most = oracle
            .all
            .iter()
            .map(|m| m.mentee_counts(&p).iter().filter(|&&c| c > 0).count())
            .max()
            .unwrap();
        let certificate = coverage_certificate(&p, &model, &history, &priced.matching).unwrap();
        prop_assert_eq!(certificate.most_mentees_with_a_match, most);
    }

    /// Funnels count exactly the eligible pairs, with history and people
    /// registered as both.
    #[test]
    fn funnels_agree_with_eligible_pairs(mentors in people(12), mentees in people(12), history_seed in 0usize..4) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mut mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        // Someone registered as both: same email, grade and organisation.
        mentees.push(Person { email: mentors[0].email.clone(), capacity: Some(2), ..mentors[0].clone() });
        let p = programme(&mentors, &mentees, &model);
        let mut history = History::default();
        for (i, e) in mentees.iter().enumerate() {
            for (j, m) in mentors.iter().enumerate() {
                if (i + j + history_seed) % 4 == 0 {
                    history.insert(&e.email, &m.email);
                }
            }
        }
        let pairs = eligible_pairs(&p, &model, &history);
        let matching = solve::solve(&p, &model, &pairs).unwrap().matching;
        let explainer = Explainer::new(&p, &model, &history, &matching, false);
        for e in 0..p.mentees.len() {
            let expected: Vec<u32> = pairs.iter().filter(|x| x.mentee == e as u32).map(|x| x.mentor).collect();
            let mut found: Vec<u32> = explainer.rules.mentors_of(e as u32).collect();
            found.sort_unstable();
            let mut sorted = expected.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&found, &sorted);
            let funnel = explainer.funnel(Role::Mentee, e as u32);
            prop_assert_eq!(funnel.eligible, expected.len());
            prop_assert_eq!(funnel.registered, p.mentors.len());
            let removed: usize = funnel.steps.iter().map(|s| s.removed).sum();
            prop_assert_eq!(removed + funnel.eligible, funnel.registered);
        }
        for m in 0..p.mentors.len() {
            let expected = pairs.iter().filter(|x| x.mentor == m as u32).count();
            prop_assert_eq!(explainer.rules.mentees_of(m as u32).count(), expected);
            prop_assert_eq!(explainer.funnel(Role::Mentor, m as u32).eligible, expected);
        }
        let priced = solve_priced(&p, &model, &pairs).unwrap();
        prop_assert_eq!(&priced.matching, &matching);
        prop_assert!(priced.proven_optimal);
    }
}

#[test]
fn each_rule_removes_its_mentors_in_turn() {
    let model = Model::civil_service();
    let mentors = [
        Person {
            capacity: Some(0),
            ..at("none@x.uk", "SEO", "Org B")
        }, // no places
        at("junior@x.uk", "HEO", "Org B"),     // grade window
        at("senior@x.uk", "Grade 6", "Org B"), // grade window
        at("same-org@x.uk", "SEO", "Org A"),   // same organisation
        at("before@x.uk", "Grade 7", "Org C"), // matched before
        at("ok@x.uk", "SEO", "Org C"),
    ];
    let mentees = [at("me@x.uk", "HEO", "Org A")];
    let p = programme(&mentors, &mentees, &model);
    let mut history = History::default();
    history.insert("me@x.uk", "before@x.uk");
    let pairs = eligible_pairs(&p, &model, &history);
    let matching = solve::solve(&p, &model, &pairs).unwrap().matching;
    let explainer = Explainer::new(&p, &model, &history, &matching, false);
    let funnel = explainer.funnel(Role::Mentee, 0);
    let removed: Vec<(Rule, usize)> = funnel.steps.iter().map(|s| (s.rule, s.removed)).collect();
    assert_eq!(
        removed,
        [
            (Rule::MentorBelowLowestGrade, 0),
            (Rule::MentorOffersNoPlaces, 1),
            (Rule::MenteeAsksNoMatches, 0),
            (Rule::GradeWindow, 2),
            (Rule::SameOrganisation, 1),
            (Rule::MatchedBefore, 1),
            (Rule::SamePerson, 0),
        ]
    );
    assert_eq!(funnel.eligible, 1);
    let text = explainer.mentee(0).to_string();
    for words in [
        "below the lowest mentor grade (AO)",
        "offering no places",
        "not 1 to 2 grades above HEO (SEO, Grade 7)",
        "in this mentee's organisation (Org A)",
        "matched with this mentee before",
        "1 match of 3 asked for",
        "This mentee is matched with every eligible mentor (1)",
    ] {
        assert!(text.contains(words), "{words:?} missing from\n{text}");
    }
}

#[test]
fn no_eligible_mentor_names_the_rule_and_what_would_change_it() {
    let model = Model::civil_service();
    let mentors = [
        at("g6@x.uk", "Grade 6", "Org B"),
        at("g6-same@x.uk", "Grade 6", "Org A"),
        at("seo-same@x.uk", "SEO", "Org A"),
    ];
    let mentees = [at("me@x.uk", "HEO", "Org A")];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let matching = solve::solve(&p, &model, &eligible_pairs(&p, &model, &history))
        .unwrap()
        .matching;
    let explanation = Explainer::new(&p, &model, &history, &matching, true).mentee(0);
    let Some(Shortfall::NoneEligible { left_nobody, changes }) = &explanation.shortfall else {
        panic!("{explanation}");
    };
    assert_eq!(*left_nobody, Some(Rule::SameOrganisation));
    assert_eq!(
        changes,
        &[
            Change::PartnersAtGrades {
                grades: vec!["SEO".into(), "Grade 7".into()],
                other_organisation: true
            },
            // The Grade 6 mentor in another organisation: 3 grades above.
            Change::WiderGradeWindow {
                min: 1,
                max: 3,
                would_admit: 1
            },
            Change::SameOrganisationAllowed { would_admit: 1 },
        ]
    );
    let text = explanation.to_string();
    assert!(
        text.contains("the rule against matching within one organisation left nobody"),
        "{text}"
    );
    assert!(text.contains("mentors at SEO or Grade 7 registering, from another organisation"));
    assert!(text.contains("a grade window of 1 to 3 grades"));
}

#[test]
fn a_mentor_below_the_lowest_grade_is_told_so() {
    // Registered under a model letting AA mentor, explained under one that does not.
    let mut lenient = Model::civil_service().to_file().clone();
    lenient.grades.lowest_mentor_grade = "AA".into();
    let lenient = Model::from_file("lenient.json", lenient).unwrap();
    let model = Model::civil_service();
    let mentors = [at("aa@x.uk", "AA", "Org B")];
    let mentees = [at("me@x.uk", "AA", "Org A")];
    let p = programme(&mentors, &mentees, &lenient);
    let history = History::default();
    let matching = Matching::default();
    let explanation = Explainer::new(&p, &model, &history, &matching, true).mentor(0);
    let Some(Shortfall::NoneEligible { left_nobody, changes }) = &explanation.shortfall else {
        panic!("{explanation}");
    };
    assert_eq!(*left_nobody, Some(Rule::MentorBelowLowestGrade));
    assert!(changes.contains(&Change::NoGradeInWindow), "{changes:?}");
    let text = explanation.to_string();
    assert!(
        text.contains("all: this mentor is below the lowest mentor grade (AO)"),
        "{text}"
    );
}

#[test]
fn a_mentor_left_without_a_mentee_sees_the_tie() {
    // One mentee with room for one mentor; two equally eligible mentors.
    let model = Model::civil_service();
    let mentors = [at("a@x.uk", "SEO", "Org B"), at("b@x.uk", "SEO", "Org C")];
    let mentees = [Person {
        capacity: Some(1),
        ..at("me@x.uk", "HEO", "Org A")
    }];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let pairs = eligible_pairs(&p, &model, &history);
    let priced = solve_priced(&p, &model, &pairs).unwrap();
    let explainer = Explainer::new(&p, &model, &history, &priced.matching, priced.proven_optimal);
    let without = priced.matching.mentor_counts(&p).iter().position(|&c| c == 0).unwrap();
    let explanation = explainer.mentor(without);
    let Some(Shortfall::AllFull(proof)) = &explanation.shortfall else {
        panic!("{explanation}");
    };
    assert_eq!(
        (
            proof.full_partners,
            proof.partners_reached,
            proof.others_reached,
            proof.held
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(proof.verdict, Verdict::Tie);
    let text = explanation.to_string();
    assert!(
        text.contains("Some of them hold 1 mentee, one more than this mentor"),
        "{text}"
    );
    assert!(text.contains("dual prices prove"), "{text}");
}

#[test]
fn room_that_the_objective_does_not_reward_is_named() {
    // Coverage at 1 only: a second match is worth nothing.
    let model = model_with(vec![Term::mentees_with_at_least(1)]);
    let mentors = [at("a@x.uk", "SEO", "Org B"), at("b@x.uk", "SEO", "Org C")];
    let mentees = [at("me@x.uk", "HEO", "Org A")];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let pairs = eligible_pairs(&p, &model, &history);
    let priced = solve_priced(&p, &model, &pairs).unwrap();
    assert_eq!(priced.matching.pairs.len(), 1);
    let explainer = Explainer::new(&p, &model, &history, &priced.matching, priced.proven_optimal);
    let explanation = explainer.mentee(0);
    assert!(matches!(
        explanation.shortfall,
        Some(Shortfall::RoomNotRewarded {
            free_partners: 1,
            next_match_counted: false,
            proven_optimal: true,
            ..
        })
    ));
    assert!(explanation
        .to_string()
        .contains("The objective does not count a 2nd match for a mentee."));
    assert_eq!(
        explainer.under_matched()[0].reason,
        Reason::RoomNotRewarded { free_partners: 1 }
    );
}

#[test]
fn the_sample_explains_every_person_truthfully_and_never_shows_identity() {
    let model = Model::civil_service();
    let p = sample();
    let history = History::default();
    let pairs = eligible_pairs(&p, &model, &history);
    let priced = solve_priced(&p, &model, &pairs).unwrap();
    assert!(priced.proven_optimal);
    assert_eq!(priced.matching, solve::solve(&p, &model, &pairs).unwrap().matching);
    let explainer = Explainer::new(&p, &model, &history, &priced.matching, priced.proven_optimal);

    let identities: HashSet<String> = p
        .mentees
        .iter()
        .flat_map(|m| m.identities.iter())
        .chain(p.mentors.iter().flat_map(|m| m.characteristics.iter()))
        .cloned()
        .collect();
    assert!(!identities.is_empty());
    let mut cases = HashSet::new();
    for (role, n) in [(Role::Mentee, p.mentees.len()), (Role::Mentor, p.mentors.len())] {
        for i in 0..n {
            let explanation = match role {
                Role::Mentee => explainer.mentee(i),
                Role::Mentor => explainer.mentor(i),
            };
            for m in &explanation.matches {
                let points: u32 = m
                    .terms
                    .iter()
                    .map(|t| match *t {
                        ScoreTerm::GradeGap { points, .. }
                        | ScoreTerm::Profession { points, .. }
                        | ScoreTerm::SharedIdentity { points, .. } => points,
                    })
                    .sum();
                assert_eq!(points, m.score);
            }
            if let Some(shortfall) = &explanation.shortfall {
                cases.insert(std::mem::discriminant(shortfall));
                // Coverage counts mentees' 1st to 3rd matches and mentors' 1st mentee.
                if let Shortfall::AllFull(proof) = shortfall {
                    let expected = match (role, explanation.matched) {
                        (Role::Mentee, _) | (Role::Mentor, 0) => matches!(proof.verdict, Verdict::Worse | Verdict::Tie),
                        (Role::Mentor, _) => proof.verdict == Verdict::NotCounted,
                    };
                    assert!(expected, "{explanation}");
                }
            }
            let text = format!("{explanation}\n{}", serde_json::to_string(&explanation).unwrap()).to_lowercase();
            for identity in &identities {
                assert!(!text.contains(identity.as_str()), "{identity:?} shown in\n{text}");
            }
            assert!(explanation.matches.is_empty() || text.contains("shared identity: "));
        }
    }
    assert!(cases.len() >= 2, "the sample shows more than one case");

    // Every under-matched mentee has a reason, and it agrees with the full explanation.
    for row in explainer.under_matched() {
        let full = explainer.mentee(row.mentee as usize);
        let agrees = matches!(
            (row.reason, full.shortfall.as_ref().unwrap()),
            (Reason::NoneEligible { .. }, Shortfall::NoneEligible { .. })
                | (Reason::AllEligibleMatched { .. }, Shortfall::AllEligibleMatched { .. })
                | (Reason::AllFull { .. }, Shortfall::AllFull(_))
                | (Reason::RoomNotRewarded { .. }, Shortfall::RoomNotRewarded { .. })
        );
        assert!(agrees, "{row:?}");
    }
}

#[test]
fn the_certificate_matches_the_solver_when_coverage_comes_first() {
    let model = Model::civil_service();
    let p = sample();
    let history = History::default();
    let pairs = eligible_pairs(&p, &model, &history);
    let matching = solve::solve(&p, &model, &pairs).unwrap().matching;
    let certificate = coverage_certificate(&p, &model, &history, &matching).unwrap();
    assert!(certificate.reached(), "{certificate:?}");
    assert!(certificate.network_classes < p.mentees.len() + p.mentors.len());

    // Larger, with history: the exact bound still meets the solver's coverage.
    let generated = mentorflow::registration::generate::generate(&mentorflow::registration::generate::GenerateSpec {
        mentees: 400,
        mentors: 300,
        seed: 7,
    });
    let p = read_programme(
        Source {
            name: "mentors.csv",
            bytes: generated.mentors_csv.as_bytes(),
        },
        Source {
            name: "mentees.csv",
            bytes: generated.mentees_csv.as_bytes(),
        },
        &model,
    )
    .unwrap()
    .programme;
    let mut history = History::default();
    for (i, mentee) in p.mentees.iter().enumerate().step_by(3) {
        let mentor = &p.mentors[(i * 7) % p.mentors.len()];
        history.insert(&mentee.person.email, &mentor.person.email);
    }
    let pairs = eligible_pairs(&p, &model, &history);
    let matching = solve::solve(&p, &model, &pairs).unwrap().matching;
    let certificate = coverage_certificate(&p, &model, &history, &matching).unwrap();
    assert!(certificate.reached(), "{certificate:?}");
}

#[test]
fn bottlenecks_name_the_shortage() {
    let model = Model::civil_service();
    let mut mentees: Vec<Person> = (0..4)
        .map(|i| Person {
            profession: "Digital, Data and Technology".into(),
            ..at(&format!("e{i}@x.uk"), "HEO", "Org A")
        })
        .collect();
    mentees.push(Person {
        profession: "Policy".into(),
        ..at("policy@x.uk", "HEO", "Org A")
    });
    let mentors = [
        Person {
            profession: "digital, data and technology".into(),
            capacity: Some(2),
            ..at("m1@x.uk", "SEO", "Org B")
        },
        Person {
            profession: "Policy".into(),
            ..at("m2@x.uk", "Grade 7", "Org B")
        },
        Person {
            profession: "Digital, Data and Technology".into(),
            ..at("m3@x.uk", "Grade 6", "Org B") // outside the HEO window
        },
    ];
    let p = programme(&mentors, &mentees, &model);
    let matching = solve::solve(&p, &model, &eligible_pairs(&p, &model, &History::default()))
        .unwrap()
        .matching;
    let found = bottlenecks(&p, &model, &matching);
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "5 HEO mentees want up to 15 matches; SEO and Grade 7 mentors have 5 places; 5 matches made",
            "4 HEO mentees want Digital, Data and Technology (up to 12 matches); SEO and Grade 7 mentors in it have 2 places; 2 such matches made",
        ]
    );
}

#[test]
fn tampered_prices_prove_nothing() {
    use mentorflow::explain::prices::prices_prove_optimal;
    use mentorflow::solve::mincost::min_cost_flow;
    let model = Model::civil_service();
    let p = sample();
    let pairs = eligible_pairs(&p, &model, &History::default());
    let costs = solve::flow_can_solve(&model, p.mentees.len() + p.mentors.len()).unwrap();
    let network = solve::network(&p, &costs, &pairs);
    let mut flow = min_cost_flow(&network.graph, network.source, network.sink).unwrap();
    assert!(prices_prove_optimal(&network, &flow));
    // The empty matching with the same prices: saturated arcs of negative
    // reduced cost now have room.
    let mut empty = flow.clone();
    empty.flow.iter_mut().for_each(|f| *f = 0);
    assert!(!prices_prove_optimal(&network, &empty));
    flow.potential[network.source.index()] = 1;
    assert!(!prices_prove_optimal(&network, &flow));
}

use crate::common::{cli, mentorflow};

#[test]
fn the_explain_command_on_the_sample() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/peer-small");
    let (mentors, mentees) = (
        dir.join("mentors.csv").display().to_string(),
        dir.join("mentees.csv").display().to_string(),
    );
    let output = cli("explain")
        .on(&mentors, &mentees)
        .opt("--mentee", "MENTEE.00@gov.uk")
        .run();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for words in [
        "Mentee mentee.00@gov.uk: HEO",
        "Eligible mentors, rule by rule:",
        "mentors registered",
        "not 1 to 2 grades above HEO",
        "Match 1: ",
        "shared identity: ",
    ] {
        assert!(stdout.contains(words), "{words:?} missing from\n{stdout}");
    }
    // Their identity, from the sample's mentees.csv, never shows.
    assert!(!stdout.to_lowercase().contains("bisexual"), "{stdout}");

    let output = cli("explain")
        .on(&mentors, &mentees)
        .opt("--mentor", "nobody@gov.uk")
        .run();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nobody@gov.uk is not a registered mentor"));

    let output = cli("explain").on(&mentors, &mentees).run();
    assert_eq!(output.status.code(), Some(2), "--mentee or --mentor is required");
}

/// Every identity word written in the sample's identity columns, lower-case.
fn sample_identity_words() -> Vec<String> {
    let mut words = Vec::new();
    for (file, columns) in [
        ("mentees.csv", &["identity to match"][..]),
        ("mentors.csv", &["characteristics"][..]),
    ] {
        let text = std::fs::read_to_string(crate::common::example(file)).unwrap();
        let table = crate::common::csv_records(&text);
        let headings = &table[0];
        for column in columns {
            let i = headings.iter().position(|h| h == column).unwrap();
            for row in &table[1..] {
                for word in row[i].split(|c: char| !c.is_alphanumeric()) {
                    if word.len() > 2 && word != "or" && word != "and" {
                        words.push(word.to_lowercase());
                    }
                }
            }
        }
    }
    words.sort();
    words.dedup();
    assert!(words.contains(&"gay".to_string()), "{words:?}");
    words
}

#[test]
fn explain_for_a_participant_says_nothing_about_identity() {
    let words = sample_identity_words();
    let (mentors, mentees) = (
        crate::common::example("mentors.csv"),
        crate::common::example("mentees.csv"),
    );
    let mut people: Vec<(&str, String)> = Vec::new();
    for (role, file) in [("--mentee", &mentees), ("--mentor", &mentors)] {
        let text = std::fs::read_to_string(file).unwrap();
        for row in &crate::common::csv_records(&text)[1..] {
            people.push((role, row[2].clone()));
        }
    }
    for (role, email) in people.iter().step_by(3) {
        let base = ["explain", "--mentors", &mentors, "--mentees", &mentees, role, email];
        let output = mentorflow(base);
        let organisers = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(organisers.starts_with("For organisers only"), "{organisers}");

        let output = mentorflow(base.iter().copied().chain(["--participant"]));
        let stdout = String::from_utf8_lossy(&output.stdout).to_lowercase();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("match 1: ") || stdout.contains("why 0 of"), "{stdout}");
        for forbidden in ["identity", "identities", "characteristic", "score", "organisers only"] {
            assert!(!stdout.contains(forbidden), "{forbidden:?} in\n{stdout}");
        }
        let words_out: Vec<&str> = stdout.split(|c: char| !c.is_alphanumeric()).collect();
        for word in &words {
            assert!(!words_out.contains(&word.as_str()), "{word:?} in\n{stdout}");
        }
    }
}
