//! The integer program: it reaches the flow's optimum wherever the flow can solve
//! the model, brute force's where only it can, and holds every side constraint;
//! a constraint no matching can meet is named.

use crate::common;

use std::collections::HashMap;

use common::{assert_valid, brute_force_best, programme, Person};
use mentorflow::eligibility::{Eligibility, Pair};
use mentorflow::matching::Matching;
use mentorflow::model::{Constraint, Group, Model, Term, BUILT_IN};
use mentorflow::registration::{History, Programme};
use mentorflow::solve::choose::{choose, solve_with, SolverChoice, SolverKind};
use mentorflow::solve::ilp::{solve_ilp, solve_ilp_with, Backend, IlpOptions};
use mentorflow::solve::{self, flow_can_solve, SolveError};
use proptest::prelude::*;

const GRADES: [&str; 6] = ["AO", "EO", "HEO", "SEO", "Grade 7", "G6"];
const ORGS: [&str; 3] = ["Org A", "Org B", "Org C"];
const PROFESSIONS: [&str; 2] = ["Policy", "Finance"];
const IDENTITIES: [&str; 3] = ["", "Gay", "Lesbian, Transgender"];

pub(crate) type Traits = (usize, usize, usize, usize, u32);

fn person(i: usize, role: &str, (grade, org, profession, identity, capacity): Traits) -> Person {
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

pub(crate) fn people(max: usize) -> impl Strategy<Value = Vec<Traits>> {
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

pub(crate) fn build(model: &Model, mentors: Vec<Traits>, mentees: Vec<Traits>) -> Programme {
    let mentors: Vec<Person> = mentors
        .into_iter()
        .enumerate()
        .map(|(i, t)| person(i, "mentor", t))
        .collect();
    let mentees: Vec<Person> = mentees
        .into_iter()
        .enumerate()
        .map(|(i, t)| person(i, "mentee", t))
        .collect();
    programme(&mentors, &mentees, model)
}

/// The civil-service rules with another objective and constraints.
pub(crate) fn model_with(objective: Vec<Term>, constraints: Vec<Constraint>) -> Model {
    let mut file = Model::civil_service().to_file().clone();
    file.objective = objective;
    file.constraints = constraints;
    Model::from_file("test.json", file).unwrap()
}

/// The program on its own, without the flow's bound or start.
pub(crate) fn alone() -> IlpOptions {
    IlpOptions {
        backend: Backend::Microlp,
        use_flow: false,
        time_limit: None,
    }
}

/// Objectives a flow cannot hold.
fn non_flow_objectives() -> Vec<Vec<Term>> {
    vec![
        // A later match worth more than an earlier one.
        vec![Term::WeightedSum {
            terms: vec![
                Term::MenteesWithAtLeast { matches: 1, weight: 1 },
                Term::MenteesWithAtLeast { matches: 2, weight: 5 },
                Term::MenteesWithAtLeast { matches: 3, weight: 20 },
            ],
        }],
        // Both kinds of request in one objective.
        vec![
            Term::IdentityRequestsMet { weight: 1 },
            Term::ProfessionRequestsMet { weight: 1 },
            Term::total_score(),
        ],
        vec![
            Term::WeightedSum {
                terms: vec![
                    Term::IdentityRequestsMet { weight: 3 },
                    Term::ProfessionRequestsMet { weight: 2 },
                    Term::MentorsWithAtLeast { matches: 2, weight: 4 },
                ],
            },
            Term::Pairs { weight: 1 },
        ],
        // Only second matches count: a lone tier without the one below it.
        vec![Term::mentees_with_at_least(2), Term::total_score()],
    ]
}

// Independent checks of each constraint, written from the model's words.

fn most_from_one_organisation(p: &Programme, matching: &Matching) -> u32 {
    let mut counts: HashMap<(u32, String), u32> = HashMap::new();
    for pair in &matching.pairs {
        let organisation = p.organisation_name(p.mentees[pair.mentee as usize].person.organisation);
        *counts.entry((pair.mentor, organisation.to_string())).or_default() += 1;
    }
    counts.values().copied().max().unwrap_or(0)
}

pub(crate) fn holds(p: &Programme, matching: &Matching, constraint: &Constraint) -> bool {
    match *constraint {
        Constraint::MaxMenteesFromOneOrganisation { mentees } => most_from_one_organisation(p, matching) <= mentees,
        Constraint::IdentityRequestsMetAtLeast { percent } => {
            let asked = p.mentees.iter().filter(|m| m.asks_for_identity()).count();
            let met = (0..p.mentees.len())
                .filter(|&e| {
                    matching
                        .pairs
                        .iter()
                        .any(|pair| pair.mentee as usize == e && pair.identity_matched)
                })
                .count();
            // met / asked >= percent / 100
            met * 100 >= percent as usize * asked
        }
        Constraint::CoverageFloor { by, percent } => {
            let key = |e: usize| match by {
                Group::Organisation => p.mentees[e].person.organisation.0,
                Group::Grade => p.mentees[e].person.grade.0 as u32,
            };
            let takes_part: Vec<usize> = (0..p.mentees.len())
                .filter(|&e| p.mentees[e].person.capacity > 0)
                .collect();
            let covered = |e: &usize| matching.pairs.iter().any(|pair| pair.mentee as usize == *e);
            let share = takes_part.iter().filter(|e| covered(e)).count() as f64 / takes_part.len().max(1) as f64;
            let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
            for &e in &takes_part {
                groups.entry(key(e)).or_default().push(e);
            }
            groups.values().all(|members| {
                let own = members.iter().filter(|e| covered(e)).count() as f64 / members.len() as f64;
                own >= percent as f64 / 100.0 * share - 1e-12
            })
        }
    }
}

/// The lexicographically best objective values over every matching of `pairs`
/// that meets every constraint, or None when none does.
pub(crate) fn brute_force_with(p: &Programme, model: &Model, pairs: &[Pair]) -> Option<Vec<i64>> {
    let mut best: Option<Vec<i64>> = None;
    let mut chosen = Vec::new();
    let mut mentee_left: Vec<u32> = p.mentees.iter().map(|m| m.person.capacity).collect();
    let mut mentor_left: Vec<u32> = p.mentors.iter().map(|m| m.person.capacity).collect();
    #[allow(clippy::too_many_arguments)]
    fn go(
        i: usize,
        p: &Programme,
        model: &Model,
        pairs: &[Pair],
        chosen: &mut Vec<Pair>,
        mentee_left: &mut [u32],
        mentor_left: &mut [u32],
        best: &mut Option<Vec<i64>>,
    ) {
        if i == pairs.len() {
            let matching = Matching::new(chosen.clone());
            if model.constraints.iter().all(|c| holds(p, &matching, c)) {
                let values = matching.objective_values(p, &model.objective);
                if best.as_ref().is_none_or(|b| values > *b) {
                    *best = Some(values);
                }
            }
            return;
        }
        go(i + 1, p, model, pairs, chosen, mentee_left, mentor_left, best);
        let pair = pairs[i];
        let (e, m) = (pair.mentee as usize, pair.mentor as usize);
        if mentee_left[e] > 0 && mentor_left[m] > 0 {
            mentee_left[e] -= 1;
            mentor_left[m] -= 1;
            chosen.push(pair);
            go(i + 1, p, model, pairs, chosen, mentee_left, mentor_left, best);
            chosen.pop();
            mentee_left[e] += 1;
            mentor_left[m] += 1;
        }
    }
    go(
        0,
        p,
        model,
        pairs,
        &mut chosen,
        &mut mentee_left,
        &mut mentor_left,
        &mut best,
    );
    best
}

fn constraint_strategy() -> impl Strategy<Value = Constraint> {
    prop_oneof![
        (0u32..=2).prop_map(|mentees| Constraint::MaxMenteesFromOneOrganisation { mentees }),
        prop::sample::select(vec![0u32, 30, 50, 100])
            .prop_map(|percent| Constraint::IdentityRequestsMetAtLeast { percent }),
        (
            prop::sample::select(vec![Group::Organisation, Group::Grade]),
            prop::sample::select(vec![50u32, 80, 100])
        )
            .prop_map(|(by, percent)| Constraint::CoverageFloor { by, percent }),
    ]
}

pub(crate) fn flow_models() -> Vec<Model> {
    BUILT_IN
        .iter()
        .map(|(name, _)| Model::built_in(name).unwrap())
        .filter(|m| flow_can_solve(m, 100).is_ok())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Wherever the flow can solve the model, the integer program reaches the
    /// same objective values, alone and with the flow's help, and the checker
    /// passes all three matchings.
    #[test]
    fn flow_and_integer_program_agree(mentors in people(10), mentees in people(10), which in 0..6usize) {
        let models = flow_models();
        let model = &models[which % models.len()];
        let p = build(model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, model, &history);
        let flow = solve::solve_eligible(&eligibility, solve::SolveOptions::default()).unwrap();
        let ilp = solve_ilp_with(&eligibility, alone()).unwrap();
        let helped = solve_ilp(&eligibility, Backend::Microlp).unwrap();
        for solution in [&flow, &ilp, &helped] {
            assert_valid(&p, model, &history, &solution.matching);
        }
        prop_assert_eq!(&ilp.objective_values, &flow.objective_values, "model {}", model.name);
        prop_assert_eq!(&helped.objective_values, &flow.objective_values, "model {}", model.name);
        prop_assert_eq!(ilp.matching.objective_values(&p, &model.objective), ilp.objective_values);
    }

    /// A cap on each mentor's mentees from one organisation, held by the
    /// flow's network, reaches exactly what the integer program alone reaches,
    /// and the cap holds.
    #[test]
    fn the_flow_holds_a_cap_on_mentees_from_one_organisation(
        mentors in people(10),
        mentees in people(10),
        cap in 1u32..3,
        which in 0..6usize,
    ) {
        let models = flow_models();
        let base = &models[which % models.len()];
        let cap_rule = Constraint::MaxMenteesFromOneOrganisation { mentees: cap };
        let model = model_with(base.objective.clone(), vec![cap_rule.clone()]);
        let p = build(&model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let mut relaxed = model.clone();
        relaxed.constraints.clear();
        let flow = solve::solve_capped(&p, &relaxed, &eligibility.pairs(), Some(cap)).unwrap();
        assert_valid(&p, &model, &history, &flow.matching);
        prop_assert!(holds(&p, &flow.matching, &cap_rule));
        let ilp = solve_ilp_with(&eligibility, alone()).unwrap();
        prop_assert_eq!(&flow.objective_values, &ilp.objective_values, "model {}", base.name);
    }

    /// A coverage floor (with or without a cap on mentees from one
    /// organisation), which flows hold total by total, reaches exactly what
    /// the integer program alone reaches, or both find no matching.
    #[test]
    fn a_coverage_floor_held_by_flows_equals_the_program(
        mentors in people(9),
        mentees in people(9),
        percent in 50u32..=100,
        by_grade in any::<bool>(),
        cap in proptest::option::of(1u32..3),
    ) {
        let by = if by_grade { Group::Grade } else { Group::Organisation };
        let mut constraints = vec![Constraint::CoverageFloor { by, percent }];
        constraints.extend(cap.map(|mentees| Constraint::MaxMenteesFromOneOrganisation { mentees }));
        let model = model_with(Model::civil_service().objective, constraints.clone());
        let p = build(&model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        match (solve_ilp(&eligibility, Backend::Microlp), solve_ilp_with(&eligibility, alone())) {
            (Ok(helped), Ok(program)) => {
                assert_valid(&p, &model, &history, &helped.matching);
                for c in &constraints {
                    prop_assert!(holds(&p, &helped.matching, c), "{} broken", c.label());
                }
                prop_assert_eq!(helped.objective_values, program.objective_values);
            }
            (Err(SolveError::Infeasible { .. }), Err(SolveError::Infeasible { .. })) => {}
            (helped, program) => prop_assert!(
                false,
                "helped {:?}, program {:?}",
                helped.map(|s| s.objective_values),
                program.map(|s| s.objective_values)
            ),
        }
    }

    /// Objectives the flow refuses: the integer program reaches brute force's best.
    #[test]
    fn integer_program_equals_brute_force_where_the_flow_cannot(
        mentors in people(4),
        mentees in people(4),
        which in 0..4usize,
    ) {
        let model = model_with(non_flow_objectives()[which].clone(), vec![]);
        prop_assert!(matches!(flow_can_solve(&model, 8), Err(SolveError::NotFlowExpressible(_))));
        let p = build(&model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 14);
        let ilp = solve_ilp(&eligibility, Backend::Microlp).unwrap();
        assert_valid(&p, &model, &history, &ilp.matching);
        prop_assert_eq!(ilp.objective_values, brute_force_best(&p, &model, &pairs));
    }

    /// Side constraints on tiny programmes: the program's optimum is brute force's
    /// best among the matchings that meet them, each constraint holds on the
    /// matching, and when none meets them the constraint named is the first that
    /// cannot be met with those before it.
    #[test]
    fn constraints_hold_and_match_brute_force(
        mentors in people(4),
        mentees in people(4),
        constraints in prop::collection::vec(constraint_strategy(), 1..=3),
        which in 0..2usize,
    ) {
        let objective = [Model::civil_service().objective, non_flow_objectives()[1].clone()][which].clone();
        let model = model_with(objective, constraints.clone());
        let p = build(&model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 12);
        let best = brute_force_with(&p, &model, &pairs);
        match (solve_ilp(&eligibility, Backend::Microlp), best) {
            (Ok(ilp), Some(best)) => {
                assert_valid(&p, &model, &history, &ilp.matching);
                for c in &constraints {
                    prop_assert!(holds(&p, &ilp.matching, c), "{} broken", c.label());
                }
                prop_assert_eq!(ilp.objective_values, best);
            }
            (Err(SolveError::Infeasible { constraint, .. }), None) => {
                let i = constraints.iter().position(|c| c.label() == constraint).unwrap();
                let up_to = |n: usize| model_with(model.objective.clone(), constraints[..n].to_vec());
                prop_assert!(brute_force_with(&p, &up_to(i + 1), &pairs).is_none());
                prop_assert!(brute_force_with(&p, &up_to(i), &pairs).is_some());
            }
            (ilp, best) => prop_assert!(false, "program {:?}, brute force {:?}", ilp.map(|s| s.objective_values), best),
        }
    }

    /// Larger programmes under the shipped fair-organisations model: both
    /// constraints hold, and the objective is never above the flow's without them.
    #[test]
    fn fair_organisations_holds_on_larger_programmes(mentors in people(14), mentees in people(14)) {
        let model = Model::built_in("fair-organisations").unwrap();
        let p = build(&model, mentors, mentees);
        let history = History::default();
        let eligibility = Eligibility::new(&p, &model, &history);
        let ilp = solve_with(&eligibility, SolverChoice::default()).unwrap();
        assert_valid(&p, &model, &history, &ilp.matching);
        for c in &model.constraints {
            prop_assert!(holds(&p, &ilp.matching, c), "{} broken", c.label());
        }
        let mut relaxed = model.clone();
        relaxed.constraints.clear();
        let flow = solve::solve(&p, &relaxed, &eligibility.pairs()).unwrap();
        prop_assert!(ilp.objective_values <= flow.objective_values);
    }
}

fn mentor(email: &str, grade: &str, organisation: &str) -> Person {
    Person {
        email: email.into(),
        grade: grade.into(),
        organisation: organisation.into(),
        ..Person::default()
    }
}

#[test]
fn one_organisation_cannot_fill_a_mentor() {
    // Two mentees from Org B, one mentor with room for both: at most 1 from one
    // organisation leaves the second to the other mentor.
    let model = model_with(
        vec![Term::total_score()],
        vec![Constraint::MaxMenteesFromOneOrganisation { mentees: 1 }],
    );
    let mentors = [
        Person {
            profession: "Policy".into(),
            ..mentor("best@x.uk", "SEO", "Org A")
        },
        Person {
            profession: "Finance".into(),
            ..mentor("other@x.uk", "SEO", "Org C")
        },
    ];
    let mentees = [mentor("e1@x.uk", "EO", "Org B"), mentor("e2@x.uk", "EO", "Org B")];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let eligibility = Eligibility::new(&p, &model, &history);
    let solution = solve_with(&eligibility, SolverChoice::default()).unwrap();
    assert_valid(&p, &model, &history, &solution.matching);
    assert_eq!(most_from_one_organisation(&p, &solution.matching), 1);
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    let flow = solve::solve(&p, &relaxed, &eligibility.pairs()).unwrap();
    assert_eq!(most_from_one_organisation(&p, &flow.matching), 2);
}

#[test]
fn an_identity_request_nobody_can_meet_is_named() {
    let model = model_with(
        Model::civil_service().objective,
        vec![
            Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 50,
            },
            Constraint::IdentityRequestsMetAtLeast { percent: 100 },
        ],
    );
    let mentors = [Person {
        identity: "Gay".into(),
        ..mentor("m@x.uk", "SEO", "Org A")
    }];
    let mentees = [Person {
        identity: "Bisexual".into(),
        wants_identity: true,
        ..mentor("e@x.uk", "EO", "Org B")
    }];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let eligibility = Eligibility::new(&p, &model, &history);
    let err = solve_with(&eligibility, SolverChoice::default()).unwrap_err();
    assert_eq!(
        err,
        SolveError::Infeasible {
            constraint: "at least 100% of identity requests met".into(),
            together_with: vec![],
        }
    );
    let message = err.to_string();
    assert!(message.contains("at least 100% of identity requests met"), "{message}");
}

#[test]
fn constraints_that_clash_are_named_together() {
    // One mentor with room for one, two mentees of different grades. A floor of
    // 100% for every grade is met only by covering both (impossible) or nobody;
    // meeting the one identity request covers one of them, so the two clash.
    let model = model_with(
        Model::civil_service().objective,
        vec![
            Constraint::CoverageFloor {
                by: Group::Grade,
                percent: 100,
            },
            Constraint::IdentityRequestsMetAtLeast { percent: 50 },
        ],
    );
    let mentors = [Person {
        identity: "Gay".into(),
        capacity: Some(1),
        ..mentor("m@x.uk", "SEO", "Org A")
    }];
    let mentees = [
        Person {
            identity: "Gay".into(),
            wants_identity: true,
            ..mentor("eo@x.uk", "EO", "Org B")
        },
        mentor("heo@x.uk", "HEO", "Org B"),
    ];
    let p = programme(&mentors, &mentees, &model);
    let history = History::default();
    let eligibility = Eligibility::new(&p, &model, &history);
    let err = solve_ilp(&eligibility, Backend::Microlp).unwrap_err();
    assert_eq!(
        err,
        SolveError::Infeasible {
            constraint: "at least 50% of identity requests met".into(),
            together_with: vec!["every grade's mentees reach at least 100% of the programme's coverage".into()],
        }
    );
    assert!(err.to_string().contains("together with"), "{err}");
}

#[test]
fn the_model_chooses_the_integer_program_and_the_flow_refuses_it() {
    let constrained = Model::built_in("fair-organisations").unwrap();
    let plain = Model::built_in("coverage").unwrap();
    let auto = SolverChoice::default();
    let flow = SolverChoice {
        solver: Some(SolverKind::Flow),
        ..auto
    };
    let chosen = choose(&constrained, 10, auto).unwrap();
    assert_eq!(chosen.solver, SolverKind::Ilp);
    assert!(chosen.note.unwrap().contains("coverage"));
    assert_eq!(choose(&plain, 10, auto).unwrap().solver, SolverKind::Flow);
    assert_eq!(choose(&plain, 10, auto).unwrap().note, None);
    match choose(&constrained, 10, flow) {
        Err(SolveError::NotFlowExpressible(why)) => assert!(why.contains("integer program"), "{why}"),
        other => panic!("{other:?}"),
    }
    let non_flow = model_with(non_flow_objectives()[0].clone(), vec![]);
    assert_eq!(choose(&non_flow, 10, auto).unwrap().solver, SolverKind::Ilp);
}

#[test]
fn backends_are_chosen_by_name() {
    assert_eq!("microlp".parse::<Backend>(), Ok(Backend::Microlp));
    assert_eq!(Backend::Microlp.to_string(), "microlp");
    assert!("cbc".parse::<Backend>().unwrap_err().contains("microlp or highs"));
    if cfg!(feature = "highs") {
        assert_eq!(" HiGHS ".parse::<Backend>(), Ok(Backend::Highs));
    } else {
        let message = "highs".parse::<Backend>().unwrap_err();
        assert!(message.contains("--features highs"), "{message}");
    }
    assert_eq!("ilp".parse::<SolverKind>(), Ok(SolverKind::Ilp));
    assert!("simplex".parse::<SolverKind>().is_err());
}

/// HiGHS reaches the same optimum as microlp (run with `--features highs`).
#[cfg(feature = "highs")]
mod highs {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        #[test]
        fn highs_agrees_with_microlp(
            mentors in people(10),
            mentees in people(10),
            which in 0..4usize,
            constraints in prop::collection::vec(constraint_strategy(), 0..=2),
        ) {
            let model = model_with(non_flow_objectives()[which].clone(), constraints);
            let p = build(&model, mentors, mentees);
            let history = History::default();
            let eligibility = Eligibility::new(&p, &model, &history);
            let highs = solve_ilp(&eligibility, Backend::Highs);
            let microlp = solve_ilp(&eligibility, Backend::Microlp);
            match (highs, microlp) {
                (Ok(a), Ok(b)) => {
                    assert_valid(&p, &model, &history, &a.matching);
                    prop_assert_eq!(a.objective_values, b.objective_values);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "highs {:?}, microlp {:?}", a.map(|s| s.objective_values), b.map(|s| s.objective_values)),
            }
        }
    }

    /// Generated programmes with scarce mentors, where the coverage floor of
    /// fair-organisations binds and flows decide it: the same optimum as HiGHS
    /// solving the whole integer program alone.
    #[test]
    fn scarce_mentors_under_a_coverage_floor_match_the_program() {
        let model = Model::built_in("fair-organisations").unwrap();
        for seed in 1..=3 {
            let p = common::generated(200, 50, seed, &model);
            let history = History::default();
            let eligibility = Eligibility::new(&p, &model, &history);
            let flows = solve_ilp(&eligibility, Backend::Microlp).unwrap();
            let program = solve_ilp_with(
                &eligibility,
                IlpOptions {
                    backend: Backend::Highs,
                    use_flow: false,
                    time_limit: None,
                },
            )
            .unwrap();
            assert_valid(&p, &model, &history, &flows.matching);
            for c in &model.constraints {
                assert!(holds(&p, &flows.matching, c), "{} broken", c.label());
            }
            assert_eq!(flows.objective_values, program.objective_values, "seed {seed}");
        }
    }
}
