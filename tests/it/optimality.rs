//! The solver's matchings are valid and optimal: known answers on hand-built
//! programmes, and brute force on many random tiny ones.

use crate::common;

use common::{assert_valid, brute_force_best, programme, Person};
use mentorflow::eligibility::{eligible_pairs, Eligibility};
use mentorflow::model::{Model, Term, BUILT_IN};
use mentorflow::registration::History;
use mentorflow::solve::SolveOptions;
use mentorflow::{match_programme, solve};
use proptest::prelude::*;

fn mentor(email: &str, grade: &str, organisation: &str) -> Person {
    Person {
        email: email.into(),
        grade: grade.into(),
        organisation: organisation.into(),
        ..Person::default()
    }
}

fn mentee(email: &str, grade: &str, organisation: &str) -> Person {
    mentor(email, grade, organisation)
}

fn quality_model() -> Model {
    let mut file = Model::civil_service().to_file().clone();
    file.name = "quality".into();
    file.objective = vec![Term::total_score()];
    Model::from_file("quality.json", file).unwrap()
}

#[test]
fn coverage_spreads_matches_where_score_would_pile_them_up() {
    // One mentor with room for one mentee. Two mentees: the first scores higher
    // with the mentor, but the second has no other mentor.
    let model = Model::civil_service();
    let mentors = [
        Person {
            capacity: Some(1),
            profession: "Policy".into(),
            ..mentor("a@x.uk", "SEO", "Org A")
        },
        Person {
            capacity: Some(1),
            ..mentor("b@x.uk", "SEO", "Org C")
        },
    ];
    let mentees = [
        Person {
            profession: "Policy".into(),
            ..mentee("e1@x.uk", "EO", "Org B")
        },
        mentee("e2@x.uk", "EO", "Org C"), // cannot have mentor b: same organisation
    ];
    let p = programme(&mentors, &mentees, &model);
    let outcome = match_programme(&p, &model, &History::default()).unwrap();
    let matching = &outcome.solution.matching;
    assert_valid(&p, &model, &History::default(), matching);
    assert_eq!(matching.pairs.len(), 2);
    let mentee_counts = matching.mentee_counts(&p);
    assert_eq!(mentee_counts, vec![1, 1]);
}

#[test]
fn every_hard_rule_removes_pairs() {
    let model = Model::civil_service();
    let mentors = [
        mentor("same-org@x.uk", "SEO", "Org A"),
        mentor("too-junior@x.uk", "HEO", "Org B"),
        mentor("too-senior@x.uk", "Grade 6", "Org B"),
        mentor("before@x.uk", "SEO", "Org B"),
        mentor("ok@x.uk", "Grade 7", "Org B"),
    ];
    let mentees = [mentee("me@x.uk", "HEO", "Org A")];
    let p = programme(&mentors, &mentees, &model);
    let mut history = History::default();
    history.insert("ME@x.uk", " before@X.uk ");
    let pairs = eligible_pairs(&p, &model, &history);
    let emails: Vec<&str> = pairs
        .iter()
        .map(|pair| p.mentors[pair.mentor as usize].person.email.as_str())
        .collect();
    assert_eq!(emails, vec!["ok@x.uk"]);
    assert_eq!(pairs[0].grade_gap, 2);
    assert_eq!(pairs[0].score, 12 + 10);
}

#[test]
fn large_organisations_may_match_within_themselves_small_ones_may_not() {
    // Org A has three people registered, Org B two.
    let mentors = [
        mentor("a-mentor@x.uk", "SEO", "Org A"),
        mentor("b-mentor@x.uk", "SEO", "Org B"),
    ];
    let mentees = [
        mentee("a-mentee@x.uk", "HEO", "Org A"),
        mentee("a-other@x.uk", "HEO", "Org A"),
        mentee("b-mentee@x.uk", "HEO", "Org B"),
    ];
    let eligible = |from: Option<u32>| {
        let mut file = Model::civil_service().to_file().clone();
        file.organisations.same_organisation_allowed_from = from;
        let model = Model::from_file("m.json", file).unwrap();
        let p = programme(&mentors, &mentees, &model);
        let pairs: Vec<(String, String)> = eligible_pairs(&p, &model, &History::default())
            .iter()
            .map(|pair| {
                (
                    p.mentees[pair.mentee as usize].person.email.clone(),
                    p.mentors[pair.mentor as usize].person.email.clone(),
                )
            })
            .collect();
        // Every pair of the best matching passes the independent checker,
        // which counts organisation sizes itself.
        let outcome = match_programme(&p, &model, &History::default()).unwrap();
        assert_valid(&p, &model, &History::default(), &outcome.solution.matching);
        pairs
    };
    let own = |mentee: &str, mentor: &str| (mentee.to_string(), mentor.to_string());
    let across = eligible(None);
    assert!(!across.contains(&own("a-mentee@x.uk", "a-mentor@x.uk")));
    assert!(!across.contains(&own("b-mentee@x.uk", "b-mentor@x.uk")));
    let from_three = eligible(Some(3));
    assert!(from_three.contains(&own("a-mentee@x.uk", "a-mentor@x.uk")));
    assert!(!from_three.contains(&own("b-mentee@x.uk", "b-mentor@x.uk")));
    let from_two = eligible(Some(2));
    assert!(from_two.contains(&own("b-mentee@x.uk", "b-mentor@x.uk")));
    assert_eq!(eligible(Some(4)), across);
}

#[test]
fn the_checker_refuses_a_pair_within_a_small_organisation() {
    let mut file = Model::civil_service().to_file().clone();
    file.organisations.same_organisation_allowed_from = Some(3);
    let model = Model::from_file("m.json", file).unwrap();
    let mentors = [mentor("a-mentor@x.uk", "SEO", "Org A")];
    let mentees = [mentee("a-mentee@x.uk", "HEO", "Org A")];
    let p = programme(&mentors, &mentees, &model);
    let pair = mentorflow::eligibility::Pair {
        mentee: 0,
        mentor: 0,
        score: 0,
        grade_gap: 1,
        profession_matched: false,
        identity_matched: false,
        pinned: false,
        previous: false,
    };
    let violations = mentorflow::check::check_matching(
        &p,
        &model,
        &History::default(),
        &mentorflow::matching::Matching::new(vec![pair]),
    );
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].detail.contains("Org A"), "{violations:?}");
}

#[test]
fn nobody_mentors_themselves_even_when_the_rules_would_allow_it() {
    let mut file = Model::civil_service().to_file().clone();
    file.grades.gap.min = 0;
    file.organisations.same_organisation_allowed = true;
    let model = Model::from_file("m.json", file).unwrap();
    let mentors = [mentor("Me@x.uk", "HEO", "Org A"), mentor("other@x.uk", "HEO", "Org A")];
    let mentees = [mentee("me@X.uk ", "HEO", "org a")];
    let p = programme(&mentors, &mentees, &model);
    let outcome = match_programme(&p, &model, &History::default()).unwrap();
    assert_eq!(outcome.eligible_pairs, 1);
    let emails: Vec<&str> = eligible_pairs(&p, &model, &History::default())
        .iter()
        .map(|pair| p.mentors[pair.mentor as usize].person.email.as_str())
        .collect();
    assert_eq!(emails, vec!["other@x.uk"]);
    assert_valid(&p, &model, &History::default(), &outcome.solution.matching);
}

#[test]
fn quality_takes_the_highest_total_score() {
    let model = quality_model();
    let mentors = [Person {
        capacity: Some(1),
        ..mentor("a@x.uk", "SEO", "Org A")
    }];
    let mentees = [
        mentee("gap1@x.uk", "HEO", "Org B"),
        Person {
            profession: "Finance".into(),
            ..mentee("gap2@x.uk", "EO", "Org B")
        },
    ];
    let p = programme(&mentors, &mentees, &model);
    let outcome = match_programme(&p, &model, &History::default()).unwrap();
    // Policy match with gap 1 scores 9 + 10 = 19; gap 2 without profession scores 12.
    assert_eq!(outcome.solution.matching.total_score(), 19);
}

#[test]
fn identity_counts_only_when_asked() {
    let model = Model::civil_service();
    let mentors = [Person {
        identity: "Gay, Lesbian".into(),
        ..mentor("a@x.uk", "SEO", "Org A")
    }];
    let mentees = [
        Person {
            identity: "gay".into(),
            wants_identity: true,
            ..mentee("asks@x.uk", "HEO", "Org B")
        },
        Person {
            identity: "Gay".into(),
            wants_identity: false,
            ..mentee("not@x.uk", "HEO", "Org B")
        },
    ];
    let p = programme(&mentors, &mentees, &model);
    let pairs = eligible_pairs(&p, &model, &History::default());
    let by_email = |email: &str| {
        pairs
            .iter()
            .find(|pair| p.mentees[pair.mentee as usize].person.email == email)
            .unwrap()
    };
    assert!(by_email("asks@x.uk").identity_matched);
    assert_eq!(by_email("asks@x.uk").score, 9 + 10 + 6);
    assert!(!by_email("not@x.uk").identity_matched);
}

const GRADES: [&str; 7] = ["AO", "EO", "HEO", "SEO", "Grade 7", "G6", "SCS1"];
const ORGS: [&str; 3] = ["Org A", "Org B", "Org C"];
const PROFESSIONS: [&str; 2] = ["Policy", "Finance"];
const IDENTITIES: [&str; 3] = ["", "Gay", "Lesbian, Transgender"];

pub fn person(
    i: usize,
    role: &str,
    (grade, org, profession, identity, capacity): (usize, usize, usize, usize, u32),
) -> Person {
    Person {
        email: format!("{role}{i}@x.uk"),
        grade: GRADES[grade].into(),
        organisation: ORGS[org].into(),
        profession: PROFESSIONS[profession].into(),
        identity: IDENTITIES[identity].into(),
        wants_identity: identity > 0,
        capacity: Some(capacity),
    }
}

pub fn people(max: usize) -> impl Strategy<Value = Vec<(usize, usize, usize, usize, u32)>> {
    prop::collection::vec(
        (
            0..GRADES.len(),
            0..ORGS.len(),
            0..PROFESSIONS.len(),
            0..IDENTITIES.len(),
            0u32..=3,
        ),
        1..=max,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On tiny programmes the flow's objective values equal the best of every
    /// possible matching, for every model shipped in models/.
    #[test]
    fn flow_equals_brute_force(mentors in people(4), mentees in people(4), which in 0..BUILT_IN.len()) {
        let model = Model::built_in(BUILT_IN[which].0).unwrap();
        prop_assume!(model.constraints.is_empty()); // side constraints are the integer program's (tests/ilp.rs)
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = programme(&mentors, &mentees, &model);
        let pairs = eligible_pairs(&p, &model, &History::default());
        prop_assume!(pairs.len() <= 14);
        let solution = solve::solve(&p, &model, &pairs).unwrap();
        assert_valid(&p, &model, &History::default(), &solution.matching);
        prop_assert_eq!(solution.objective_values, brute_force_best(&p, &model, &pairs));
    }

    /// Pricing (a few candidate pairs, then every pair the dual prices say could
    /// help) reaches the same objective values as the whole network.
    #[test]
    fn pricing_equals_the_whole_network(
        mentors in people(40),
        mentees in people(40),
        which in 0..BUILT_IN.len(),
        per_mentee in 1usize..4,
    ) {
        let model = Model::built_in(BUILT_IN[which].0).unwrap();
        prop_assume!(model.constraints.is_empty()); // side constraints are the integer program's (tests/ilp.rs)
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = programme(&mentors, &mentees, &model);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let whole = solve::solve(&p, &model, &eligibility.pairs()).unwrap();
        let options = SolveOptions { whole_network_up_to: 0, candidates_per_mentee: per_mentee, threads: 1 + per_mentee % 3 };
        let priced = solve::solve_eligible(&eligibility, options).unwrap();
        assert_valid(&p, &model, &history, &priced.matching);
        prop_assert_eq!(priced.objective_values, whole.objective_values);
        prop_assert_eq!(priced.stats.eligible_pairs, eligibility.pairs().len());
    }

    /// Larger programmes: every matching passes the independent checker.
    #[test]
    fn matchings_pass_the_checker(mentors in people(30), mentees in people(30)) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let p = programme(&mentors, &mentees, &model);
        let outcome = match_programme(&p, &model, &History::default()).unwrap();
        assert_valid(&p, &model, &History::default(), &outcome.solution.matching);
    }
}
