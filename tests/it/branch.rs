//! Coverage floors under any objective a flow holds, decided by branch and
//! bound on flows (`solve::ilp`'s `branch`): the same optimum as the integer
//! program alone (microlp) and as brute force, the checker and every
//! constraint hold on every result, and flows decide (with their certificate)
//! where the halving on the total cannot.

use crate::common;
use crate::ilp::{alone, brute_force_with, build, flow_models, holds, model_with, people};

use common::assert_valid;
use mentorflow::check::check_matching;
use mentorflow::eligibility::Eligibility;
use mentorflow::model::{Constraint, Group, Model, Term};
use mentorflow::registration::{History, Programme};
use mentorflow::solve::ilp::{constraint_met, solve_ilp, solve_ilp_with, Backend, IlpOptions};
use mentorflow::solve::{Optimality, Solution, SolveError};
use proptest::prelude::*;

/// A coverage floor: every group's coverage at least `percent`% of the programme's.
fn floor(by: Group, percent: u32) -> Constraint {
    Constraint::CoverageFloor { by, percent }
}

/// At least `percent`% of identity requests met.
fn identity(percent: u32) -> Constraint {
    Constraint::IdentityRequestsMetAtLeast { percent }
}

/// Every check on one result: the independent checker, the hard rules, and
/// each constraint by the library's test and by the tests' own.
fn checked(p: &Programme, model: &Model, solution: &Solution) {
    let history = History::default();
    assert_valid(p, model, &history, &solution.matching);
    assert!(check_matching(p, model, &history, &solution.matching).is_empty());
    for c in &model.constraints {
        assert!(constraint_met(p, &solution.matching, c), "{} broken", c.label());
        assert!(holds(p, &solution.matching, c), "{} broken", c.label());
    }
}

/// `objective` with `constraints` on `generate`'s programme of that size
/// and seed, solved with the default backend under `limit`, and checked.
fn solved_generated(
    objective: Vec<Term>,
    constraints: Vec<Constraint>,
    (mentees, mentors, seed): (usize, usize, u64),
    limit: std::time::Duration,
) -> Solution {
    let model = model_with(objective, constraints);
    let p = common::generated(mentees, mentors, seed, &model);
    let eligibility = Eligibility::new(&p, &model, &History::default());
    let options = IlpOptions {
        time_limit: Some(limit),
        ..IlpOptions::new(Backend::Microlp)
    };
    let solution = solve_ilp_with(&eligibility, options).unwrap();
    checked(&p, &model, &solution);
    solution
}

/// Objectives of every shape a flow holds, coverage first or not.
fn objectives() -> Vec<Vec<Term>> {
    let mut all: Vec<Vec<Term>> = flow_models().into_iter().map(|m| m.objective).collect();
    all.push(vec![Term::total_score()]);
    all.push(vec![Term::IdentityRequestsMet { weight: 1 }, Term::total_score()]);
    all.push(vec![Term::Pairs { weight: 1 }, Term::mentees_with_at_least(1)]);
    all.push(vec![Term::mentors_with_at_least(1), Term::total_score()]);
    all
}

/// Flows (with the program as fallback) against the program alone: the same
/// optimum, proven, with every rule and constraint kept, or the same
/// constraint named when no matching meets them.
pub(crate) fn flows_equal_the_program(
    p: &Programme,
    model: &Model,
    eligibility: &Eligibility,
) -> Result<(), TestCaseError> {
    match (
        solve_ilp(eligibility, Backend::Microlp),
        solve_ilp_with(eligibility, alone()),
    ) {
        (Ok(flows), Ok(program)) => {
            checked(p, model, &flows);
            prop_assert_eq!(&flows.objective_values, &program.objective_values);
            prop_assert_eq!(flows.stats.optimality, Optimality::Proven);
        }
        (Err(a @ SolveError::Infeasible { .. }), Err(b @ SolveError::Infeasible { .. })) => prop_assert_eq!(a, b),
        (a, b) => prop_assert!(
            false,
            "flows {:?}, program {:?}",
            a.map(|s| s.objective_values),
            b.map(|s| s.objective_values)
        ),
    }
    Ok(())
}

/// One or two coverage floors over one grouping, and maybe a cap.
fn floors() -> impl Strategy<Value = Vec<Constraint>> {
    (
        any::<bool>(),
        prop::sample::select(vec![30u32, 50, 80, 90, 100]),
        proptest::option::of(prop::sample::select(vec![60u32, 85, 100])),
        proptest::option::of(0u32..3),
    )
        .prop_map(|(by_grade, percent, second, cap)| {
            let by = if by_grade { Group::Grade } else { Group::Organisation };
            let mut constraints = vec![Constraint::CoverageFloor { by, percent }];
            constraints.extend(second.map(|percent| Constraint::CoverageFloor { by, percent }));
            constraints.extend(cap.map(|mentees| Constraint::MaxMenteesFromOneOrganisation { mentees }));
            constraints
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random programmes, objectives and floors: flows (with the program as
    /// fallback) reach exactly the program alone's optimum.
    #[test]
    fn coverage_floors_under_any_objective_equal_the_program(
        mentors in people(8),
        mentees in people(12),
        which in 0..16usize,
        constraints in floors(),
    ) {
        let objectives = objectives();
        let model = model_with(objectives[which % objectives.len()].clone(), constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        flows_equal_the_program(&p, &model, &eligibility)?;
    }

    /// Tiny programmes: brute force's best among matchings meeting the floors.
    #[test]
    fn coverage_floors_under_any_objective_equal_brute_force(
        mentors in people(4),
        mentees in people(5),
        which in 0..16usize,
        constraints in floors(),
    ) {
        let objectives = objectives();
        let model = model_with(objectives[which % objectives.len()].clone(), constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 12);
        match (solve_ilp(&eligibility, Backend::Microlp), brute_force_with(&p, &model, &pairs)) {
            (Ok(flows), Some(best)) => {
                checked(&p, &model, &flows);
                prop_assert_eq!(flows.objective_values, best);
            }
            (Err(SolveError::Infeasible { .. }), None) => {}
            (a, b) => prop_assert!(false, "flows {:?}, brute force {:?}", a.map(|s| s.objective_values), b),
        }
    }
}

/// Generated programmes, scarce mentors and not, under objectives that do not
/// put coverage first and floors the halving cannot settle: flows decide
/// (certified), and the program alone agrees.
#[test]
fn generated_coverage_floors_are_decided_by_flows_and_equal_the_program() {
    let mut decided = 0;
    let mut searched = 0;
    for (seed, (mentees, mentors)) in [(1, (20, 8)), (2, (16, 12)), (3, (24, 8))] {
        for (base, by, percent) in [
            ("quality", Group::Grade, 90),
            ("balanced", Group::Organisation, 80),
            ("quality", Group::Organisation, 95),
            ("balanced", Group::Grade, 100),
        ] {
            let model = model_with(
                Model::built_in(base).unwrap().objective,
                vec![Constraint::CoverageFloor { by, percent }],
            );
            let p = common::generated(mentees, mentors, seed, &model);
            let eligibility = Eligibility::new(&p, &model, &History::default());
            let flows = solve_ilp(&eligibility, Backend::Microlp).unwrap();
            checked(&p, &model, &flows);
            let certificate = flows.stats.certificate.clone().unwrap_or_default();
            decided += usize::from(!certificate.is_empty());
            searched += usize::from(certificate.contains("branch and bound"));
            // microlp alone takes minutes on some of these; those are left out.
            if (seed, base, percent) == (3, "quality", 95) || (seed, base) == (3, "balanced") {
                continue;
            }
            let program = solve_ilp_with(&eligibility, alone()).unwrap();
            assert_eq!(
                flows.objective_values, program.objective_values,
                "seed {seed}, {base}, {by:?} {percent}%"
            );
        }
    }
    assert_eq!(decided, 12, "flows left some to the program");
    assert!(searched > 0, "the search never ran");
}

/// A time limit inside the search: the answer keeps every rule and
/// constraint, and says where it stopped with a bound no lower than its
/// value, or is proven.
#[test]
fn a_time_limit_inside_the_search_gives_the_best_found_and_its_gap() {
    let model = model_with(
        Model::built_in("quality").unwrap().objective,
        vec![floor(Group::Grade, 95)],
    );
    let p = common::generated(300, 60, 3, &model);
    let eligibility = Eligibility::new(&p, &model, &History::default());
    let options = IlpOptions {
        time_limit: Some(std::time::Duration::from_millis(20)),
        ..IlpOptions::new(Backend::Microlp)
    };
    match solve_ilp_with(&eligibility, options) {
        Ok(solution) => {
            checked(&p, &model, &solution);
            if let Optimality::Stopped { level, value, bound } = solution.stats.optimality {
                assert_eq!(solution.objective_values[level], value);
                assert!(bound.is_none_or(|b| b >= value));
            }
        }
        Err(SolveError::IntegerProgram(message)) => assert!(message.contains("time limit"), "{message}"),
        Err(e) => panic!("{e}"),
    }
}

/// A random set of constraints of different kinds: floors over both
/// groupings, an identity floor, a cap, at least two of them.
fn constraint_sets() -> impl Strategy<Value = Vec<Constraint>> {
    (
        proptest::option::of(prop::sample::select(vec![50u32, 80, 90, 100])),
        proptest::option::of(prop::sample::select(vec![50u32, 80, 90, 100])),
        proptest::option::of(prop::sample::select(vec![30u32, 60, 90, 100])),
        proptest::option::of(0u32..3),
        any::<bool>(),
    )
        .prop_filter_map(
            "two constraints or more",
            |(grade, organisation, identity, cap, identity_first)| {
                let mut constraints: Vec<Constraint> = Vec::new();
                constraints.extend(grade.map(|percent| Constraint::CoverageFloor {
                    by: Group::Grade,
                    percent,
                }));
                constraints.extend(organisation.map(|percent| Constraint::CoverageFloor {
                    by: Group::Organisation,
                    percent,
                }));
                let identity = identity.map(|percent| Constraint::IdentityRequestsMetAtLeast { percent });
                match identity {
                    Some(c) if identity_first => constraints.insert(0, c),
                    Some(c) => constraints.push(c),
                    None => {}
                }
                constraints.extend(cap.map(|mentees| Constraint::MaxMenteesFromOneOrganisation { mentees }));
                (constraints.len() >= 2).then_some(constraints)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random programmes, objectives and sets of constraints of different
    /// kinds: flows (with the program as fallback) reach exactly the program
    /// alone's optimum, or name the same constraint no matching meets.
    #[test]
    fn combined_constraints_equal_the_program(
        mentors in people(8),
        mentees in people(12),
        which in 0..16usize,
        constraints in constraint_sets(),
    ) {
        let objectives = objectives();
        let model = model_with(objectives[which % objectives.len()].clone(), constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        flows_equal_the_program(&p, &model, &eligibility)?;
    }

    /// Tiny programmes: brute force's best among matchings meeting every
    /// constraint of the set.
    #[test]
    fn combined_constraints_equal_brute_force(
        mentors in people(4),
        mentees in people(5),
        which in 0..16usize,
        constraints in constraint_sets(),
    ) {
        let objectives = objectives();
        let model = model_with(objectives[which % objectives.len()].clone(), constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 12);
        match (solve_ilp(&eligibility, Backend::Microlp), brute_force_with(&p, &model, &pairs)) {
            (Ok(flows), Some(best)) => {
                checked(&p, &model, &flows);
                prop_assert_eq!(flows.objective_values, best);
            }
            (Err(SolveError::Infeasible { .. }), None) => {}
            (a, b) => prop_assert!(false, "flows {:?}, brute force {:?}", a.map(|s| s.objective_values), b),
        }
    }
}

/// The shipped objectives with floors over both groupings, an identity floor
/// and a cap, on generated programmes: flows decide (certified) where mentors
/// are plenty; with scarce mentors the answer, decided or not, keeps every
/// rule and constraint.
#[test]
fn generated_combined_constraints_are_decided_by_flows() {
    let mut decided = 0;
    let mut runs = 0;
    for (seed, (mentees, mentors)) in [(1, (40, 40)), (2, (60, 15))] {
        for (base, constraints) in [
            ("quality", vec![floor(Group::Grade, 90), floor(Group::Organisation, 80)]),
            ("coverage", vec![identity(80), floor(Group::Organisation, 80)]),
            (
                "quality",
                vec![
                    identity(80),
                    floor(Group::Grade, 80),
                    floor(Group::Organisation, 70),
                    Constraint::MaxMenteesFromOneOrganisation { mentees: 1 },
                ],
            ),
        ] {
            let model = model_with(Model::built_in(base).unwrap().objective, constraints);
            let p = common::generated(mentees, mentors, seed, &model);
            let eligibility = Eligibility::new(&p, &model, &History::default());
            // Scarce mentors under the quality objective can leave a gap the
            // program would take minutes on: bounded, the best is still checked.
            let options = IlpOptions {
                time_limit: Some(std::time::Duration::from_secs(2)),
                ..IlpOptions::new(Backend::Microlp)
            };
            match solve_ilp_with(&eligibility, options) {
                Ok(flows) => {
                    checked(&p, &model, &flows);
                    if mentors >= mentees {
                        runs += 1;
                        decided += usize::from(flows.stats.certificate.is_some());
                    }
                }
                Err(SolveError::Infeasible { .. }) => {}
                Err(e) => panic!("seed {seed}, {base}: {e}"),
            }
        }
    }
    assert!(runs > 0 && decided == runs, "flows decided {decided} of {runs}");
}

/// A time limit on a hard mix (scarce mentors, an identity floor and an
/// organisation floor under the quality objective): the answer is a
/// matching that keeps every rule and constraint, never nothing, and says
/// where it stopped with a bound no lower than its value, or is proven.
#[test]
fn a_time_limit_on_combined_constraints_returns_a_matching_meeting_them() {
    let model = model_with(
        Model::built_in("quality").unwrap().objective,
        vec![identity(90), floor(Group::Organisation, 80)],
    );
    let p = common::generated(300, 60, 3, &model);
    let eligibility = Eligibility::new(&p, &model, &History::default());
    let options = IlpOptions {
        time_limit: Some(std::time::Duration::from_millis(1)),
        ..IlpOptions::new(Backend::Microlp)
    };
    let solution = solve_ilp_with(&eligibility, options).unwrap();
    checked(&p, &model, &solution);
    assert!(!solution.matching.pairs.is_empty());
    if let Optimality::Stopped { level, value, bound } = solution.stats.optimality {
        assert_eq!(solution.objective_values[level], value);
        assert!(bound.is_none_or(|b| b >= value));
    }
}

/// A coverage floor on a small programme with scarce mentors, where the
/// best flow holding each group's share of the most mentees any matching
/// meeting the floor covers covers more than that and breaks the floor:
/// the search starts from a matching that covers that many (the flow with
/// the total held, its mentees given later matches without a first one
/// dropped) where that beats the repaired flow. So even a short time limit
/// gives a matching meeting the floor with the coverage level proven, near
/// the optimum, which HiGHS puts at 22 covered, 14 with 2 matches or more
/// and 7 with 3 (from the repaired flow alone: 1 with 3, even at 30 s).
#[test]
fn a_coverage_floor_the_halving_cannot_settle_starts_at_its_bound() {
    let solution = solved_generated(
        Model::built_in("coverage").unwrap().objective,
        vec![floor(Group::Grade, 90)],
        (40, 15, 2),
        std::time::Duration::from_millis(500),
    );
    assert_eq!(solution.objective_values[0], 22, "{:?}", solution.objective_values);
    assert!(
        solution.objective_values[1] >= 12 && solution.objective_values[2] >= 5,
        "{:?}",
        solution.objective_values
    );
    if let Optimality::Stopped { level, .. } = solution.stats.optimality {
        assert!(level > 0, "the coverage level is proven");
    }
}

/// An objective counting profession requests with an identity floor (a
/// network cannot count both kinds of request): flows find a start that
/// meets the constraints, so a time limit gives a matching keeping every
/// rule and constraint with its gap, never nothing; where the program
/// finishes, the optimum equals the program alone's.
#[test]
fn profession_objective_with_an_identity_floor_gets_a_start_from_flows() {
    for (constraints, seed) in [
        (vec![identity(95)], 4),
        (vec![identity(90), floor(Group::Grade, 80)], 5),
    ] {
        let model = model_with(Model::built_in("profession-first").unwrap().objective, constraints);
        let p = common::generated(400, 400, seed, &model);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let options = IlpOptions {
            time_limit: Some(std::time::Duration::from_millis(1)),
            ..IlpOptions::new(Backend::Microlp)
        };
        let solution = solve_ilp_with(&eligibility, options).unwrap();
        checked(&p, &model, &solution);
        assert!(!solution.matching.pairs.is_empty());
        if let Optimality::Stopped { level, value, bound } = solution.stats.optimality {
            assert_eq!(solution.objective_values[level], value);
            assert!(bound.is_none_or(|b| b >= value));
        }

        let small = common::generated(30, 30, seed, &model);
        let eligibility = Eligibility::new(&small, &model, &History::default());
        flows_equal_the_program(&small, &model, &eligibility).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    /// An objective counting profession requests with an identity floor
    /// (and maybe coverage floors): flows give the program a start, and the
    /// program, given only the pairs reduced-cost fixing keeps, reaches the
    /// optimum of the program alone over every pair.
    #[test]
    fn profession_objective_with_an_identity_floor_equals_the_program(
        mentors in people(8),
        mentees in people(12),
        percent in prop::sample::select(vec![30u32, 60, 90, 100]),
        floors in proptest::option::of(floors()),
    ) {
        let mut constraints = vec![Constraint::IdentityRequestsMetAtLeast { percent }];
        constraints.extend(floors.into_iter().flatten());
        let model = model_with(Model::built_in("profession-first").unwrap().objective, constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        flows_equal_the_program(&p, &model, &eligibility)?;
    }
}

/// The total score with an organisation floor of 80% on `generate`'s
/// programme of that size and seed, solved with the default backend (at
/// most 60 s): checked, proven by flows (the certificate says `how`), and
/// its values and certificate.
fn quality_with_organisation_floor_proven_by_flows(
    mentees: usize,
    mentors: usize,
    seed: u64,
    how: &str,
) -> (Vec<i64>, String) {
    let solution = solved_generated(
        vec![Term::total_score()],
        vec![floor(Group::Organisation, 80)],
        (mentees, mentors, seed),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(solution.stats.optimality, Optimality::Proven);
    let certificate = solution.stats.certificate.unwrap_or_default();
    assert!(certificate.contains(how), "{certificate}");
    (solution.objective_values, certificate)
}

/// The certificate of a start that reaches the flow's bound.
const AT_ONCE: &str = "reaches the optimum without it";

/// Scarce mentors under the total score with an organisation floor: the
/// dive from the flow's optimum finds a matching that meets the floor at the
/// flow's own bound, so flows prove it at once (the search alone stopped at
/// 20 s with a gap of 2; HiGHS took 166 s to prove the same 22,357).
#[test]
fn a_dive_proves_a_total_score_organisation_floor_on_scarce_mentors() {
    assert_eq!(
        quality_with_organisation_floor_proven_by_flows(1_500, 300, 7, AT_ONCE).0,
        vec![22_357]
    );
}

/// Scarce mentors where the dive covers too many: the optimum (8,350, which
/// HiGHS found in 4.3 s at the flow's own bound) covers fewer mentees than
/// the dive's matching. Opening only the short groups' mentees, and holding
/// every other uncovered mentee uncovered, finds it, so flows prove it at once.
#[test]
fn covering_only_the_short_groups_proves_a_scarce_organisation_floor() {
    assert_eq!(
        quality_with_organisation_floor_proven_by_flows(600, 120, 3, AT_ONCE).0,
        vec![8_350]
    );
}

/// A small programme with scarce mentors under the total score with an
/// organisation floor: the search's networks give mentees matches without
/// a first one, and the link's Lagrangian rounds (each pair's multiplier
/// charged to the pair and earned by its mentee's first match) close the
/// nodes near the best matching, so the search proves it in under a second
/// in a few hundred networks (85 nodes); without them it took 5,195 nodes.
#[test]
fn the_link_bound_proves_a_small_scarce_organisation_floor() {
    let (values, certificate) = quality_with_organisation_floor_proven_by_flows(100, 40, 2, "branch and bound over");
    assert_eq!(values, vec![2_318]);
    // "branch and bound over N nodes (M networks): ..."
    let networks: usize = certificate
        .split(" (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(networks <= 400, "{certificate}");
}

/// A small programme with scarce mentors under `profession-first` with a
/// grade floor of 90%: in the search's networks a mentee's request is
/// counted met only through their first match, so a mentee given later
/// matches without a first one (which the number covered does not count)
/// cannot have their request counted either. The search then proves the
/// optimum itself, [22, 18, 19, 0, 14, 743] as HiGHS has it; before, it left
/// the program a gap that microlp took 21.6 s to close.
#[test]
fn a_request_counted_only_with_a_first_match_lets_the_search_prove_a_small_floor() {
    let solution = solved_generated(
        Model::built_in("profession-first").unwrap().objective,
        vec![floor(Group::Grade, 90)],
        (40, 15, 4),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(solution.stats.optimality, Optimality::Proven);
    let certificate = solution.stats.certificate.unwrap_or_default();
    assert!(certificate.contains("branch and bound over"), "{certificate}");
    assert_eq!(solution.objective_values, vec![22, 18, 19, 0, 14, 743]);
}

/// A small programme with scarce mentors under `profession-first` with an
/// identity floor of 75% and a grade floor of 90%, where no start meets
/// both: the search with identity requests met as its first level runs
/// until its best matching meets the identity floor (where it stopped after
/// 50 networks, short of it, and the program was left with no start and
/// reached 6 profession requests met at 20 s). The answer meets every
/// constraint, covers as many as HiGHS's optimum (22) and meets at least 12
/// profession requests; HiGHS's optimum meets 13, which runs reach or not
/// depending on how far the program gets from the search's start in the
/// time left (so that level's exact value is not asserted).
#[test]
fn a_start_meeting_an_identity_floor_and_a_grade_floor_is_searched_for_until_found() {
    let solution = solved_generated(
        Model::built_in("profession-first").unwrap().objective,
        vec![identity(75), floor(Group::Grade, 90)],
        (40, 15, 4),
        std::time::Duration::from_secs(5),
    );
    let values = &solution.objective_values;
    assert_eq!(values[0], 22, "{values:?}");
    assert!((12..=13).contains(&values[1]), "{values:?}");
}

/// The coverage objective with an identity floor of 85% and a grade floor
/// of 90% on 300 + 60: the root's identity multiplier (the programme's
/// without the floors) left the search's nodes a gap of the floor's slack,
/// and the search ran to its limit (10 s) unproven. Each node now moves the
/// multiplier to where its bound is least, and the search proves the
/// optimum HiGHS alone has, [177, 3, 0, 60, 3564].
#[test]
fn each_node_moves_the_identity_multiplier_to_its_least_bound() {
    let solution = solved_generated(
        Model::built_in("coverage").unwrap().objective,
        vec![identity(85), floor(Group::Grade, 90)],
        (300, 60, 1),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(solution.stats.optimality, Optimality::Proven);
    let certificate = solution.stats.certificate.unwrap_or_default();
    assert!(certificate.contains("branch and bound over"), "{certificate}");
    assert_eq!(solution.objective_values, vec![177, 3, 0, 60, 3564]);
}

/// Quality with an organisation floor of 80% on 150 + 40: the networks of
/// nodes whose range of the number covered is below what the objective
/// would cover give later matches without a first one to mentees the range
/// does not count, and held one mentee at a time, the search ran to its
/// limit (5 s) unproven. Such a node now first splits its range into halves,
/// and the search proves HiGHS alone's optimum (2,411 and 2,509).
#[test]
fn a_range_with_uncounted_mentees_is_halved_before_holding_mentees() {
    for (seed, optimum) in [(1, 2411), (4, 2509)] {
        let solution = solved_generated(
            Model::built_in("quality").unwrap().objective,
            vec![floor(Group::Organisation, 80)],
            (150, 40, seed),
            std::time::Duration::from_secs(60),
        );
        assert_eq!(solution.stats.optimality, Optimality::Proven, "seed {seed}");
        let certificate = solution.stats.certificate.unwrap_or_default();
        assert!(certificate.contains("branch and bound over"), "{certificate}");
        assert_eq!(solution.objective_values, vec![optimum], "seed {seed}");
    }
}

/// The coverage objective with floors over both groupings (grade 90%,
/// organisation 80%) on scarce mentors, 300 + 60: the networks hold the
/// grade floor, and the search branching on the organisation floor one
/// mentee at a time found no matching meeting both in 10 s (seeds 2 and
/// 3). Mentees chosen to give every group of both groupings its share,
/// covered exactly, now give one at once: on seed 3 it covers as many as
/// the bound allows, so every level before the total score is proven.
#[test]
fn mentees_chosen_for_both_floors_give_a_matching_meeting_them() {
    let floors = || vec![floor(Group::Grade, 90), floor(Group::Organisation, 80)];
    let coverage = || Model::built_in("coverage").unwrap().objective;
    let limit = std::time::Duration::from_secs(5);
    let solution = solved_generated(coverage(), floors(), (300, 60, 3), limit);
    match solution.stats.optimality {
        Optimality::Proven => {}
        Optimality::Stopped { level, .. } => assert_eq!(level, 4, "{:?}", solution.objective_values),
    }
    let solution = solved_generated(coverage(), floors(), (300, 60, 2), limit);
    assert!(solution.objective_values[0] > 0, "{:?}", solution.objective_values);
}

/// Scarce mentors under the total score with an identity floor of 95% and an
/// organisation floor of 80%: the search's own matchings stop 7 short of
/// its bound (20,963 of 20,970, at 20 s and at 120 s; HiGHS from the same
/// start had no better after 300 s), and the neighbourhood where the best
/// matching and a node's optimum agree holds the matching at the bound, so
/// flows prove it.
#[test]
fn a_neighbourhood_of_the_best_matching_proves_identity_and_organisation_floors() {
    let solution = solved_generated(
        vec![Term::total_score()],
        vec![identity(95), floor(Group::Organisation, 80)],
        (1_500, 300, 7),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(solution.stats.optimality, Optimality::Proven);
    assert_eq!(solution.objective_values, vec![20_970]);
}

/// Quality with an organisation floor of 80% on scarce mentors (`generate`
/// 600 + 120, seed 1): the best matching covers fewer mentees than the
/// network's optimum. Searching the nodes that may cover fewest first (among
/// equal bounds) proves it at the flow's bound; from the most covered, the
/// search dived through one mentee at a time and ended 3 short at 30 s.
#[test]
fn nodes_that_may_cover_fewest_go_first_among_equal_bounds() {
    let solution = solved_generated(
        vec![Term::total_score()],
        vec![floor(Group::Organisation, 80)],
        (600, 120, 1),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(solution.stats.optimality, Optimality::Proven);
    assert_eq!(solution.objective_values, vec![8_261]);
}

/// The search's budgets (its hand-over to the program, each
/// neighbourhood's share) are counted in the networks' work, not in
/// seconds: the same programme gives the same matching after the same
/// networks, here once alone and once with the machine kept busy.
#[test]
fn the_search_is_repeatable_on_a_busy_machine() {
    let solve = || {
        solved_generated(
            vec![Term::total_score()],
            vec![identity(95), floor(Group::Organisation, 80)],
            (600, 200, 2),
            std::time::Duration::from_secs(120),
        )
    };
    let alone = solve();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let busy = std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            });
        }
        let busy = solve();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        busy
    });
    assert_eq!(alone.stats.optimality, Optimality::Proven);
    assert_eq!(busy.matching.pairs, alone.matching.pairs);
    assert_eq!(busy.stats.rounds, alone.stats.rounds);
}

#[cfg(feature = "highs")]
mod highs {
    use super::*;

    /// Flows (with HiGHS after them) against HiGHS alone, each shipped
    /// objective named under each set of constraints, on generated
    /// programmes of each size and seed: the same optimum, or both say no
    /// matching meets the constraints; every result checked.
    fn equal_highs_alone(
        names: &[&str],
        sets: &[Vec<Constraint>],
        sizes: &[(usize, usize)],
        seeds: std::ops::RangeInclusive<u64>,
    ) {
        let alone = IlpOptions {
            backend: Backend::Highs,
            use_flow: false,
            time_limit: None,
        };
        for name in names {
            for constraints in sets {
                for &(mentees, mentors) in sizes {
                    for seed in seeds.clone() {
                        let model = model_with(Model::built_in(name).unwrap().objective, constraints.clone());
                        let p = common::generated(mentees, mentors, seed, &model);
                        let eligibility = Eligibility::new(&p, &model, &History::default());
                        let by_flows = solve_ilp_with(&eligibility, IlpOptions::new(Backend::Highs));
                        let by_highs = solve_ilp_with(&eligibility, alone);
                        let case = format!("{name} {constraints:?} {mentees} + {mentors} seed {seed}");
                        match (by_flows, by_highs) {
                            (Ok(flows), Ok(highs)) => {
                                checked(&p, &model, &flows);
                                assert_eq!(flows.objective_values, highs.objective_values, "{case}");
                            }
                            (Err(SolveError::Infeasible { .. }), Err(SolveError::Infeasible { .. })) => {}
                            (flows, highs) => panic!("{case}: {flows:?} / {highs:?}"),
                        }
                    }
                }
            }
        }
    }

    /// Objectives that count requests, under coverage floors, on small
    /// generated programmes with scarce mentors: the networks count a
    /// mentee's request only through their first match (see the README's
    /// item 4.), and flows (with HiGHS after them) reach HiGHS alone's
    /// optimum; every result checked.
    #[test]
    fn requests_under_coverage_floors_equal_highs_alone() {
        let floors = [
            vec![floor(Group::Grade, 90)],
            vec![floor(Group::Organisation, 80)],
            vec![identity(70), floor(Group::Organisation, 80)],
        ];
        equal_highs_alone(
            &["profession-first", "identity-first", "civil-service"],
            &floors,
            &[(40, 15)],
            1..=4,
        );
    }

    /// An identity floor with a coverage floor, under objectives whose
    /// networks mix the identity multiplier into a level, which each node
    /// of the search moves to its least bound: flows (with HiGHS after
    /// them) reach HiGHS alone's optimum on programmes with scarce mentors.
    #[test]
    fn identity_and_coverage_floors_with_multipliers_moved_equal_highs_alone() {
        let identity = identity(70);
        let sets = [
            vec![identity.clone(), floor(Group::Grade, 90)],
            vec![identity, floor(Group::Organisation, 80)],
        ];
        equal_highs_alone(
            &["coverage", "quality", "civil-service"],
            &sets,
            &[(60, 15), (100, 25)],
            1..=3,
        );
    }

    /// Total score with an organisation floor on scarce mentors, where the
    /// search halves ranges whose networks give later matches without a
    /// first one: flows (with HiGHS after them) reach HiGHS alone's optimum.
    #[test]
    fn quality_with_an_organisation_floor_equals_highs_alone() {
        let floor = vec![floor(Group::Organisation, 80)];
        equal_highs_alone(&["quality"], &[floor], &[(150, 40)], 1..=4);
    }
}
