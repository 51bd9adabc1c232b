//! The capped network solved by pricing (`solve::capped`): the same optimum as
//! the whole network over every eligible pair, with and without a coverage
//! gadget, and every rule and the cap hold on every result.

use crate::common;
use crate::ilp::{alone, build, flow_models, holds, model_with, people};

use common::assert_valid;
use mentorflow::check::check_matching;
use mentorflow::eligibility::Eligibility;
use mentorflow::model::{Constraint, Group, Model};
use mentorflow::registration::{History, Programme};
use mentorflow::solve::capped::Pricer;
use mentorflow::solve::ilp::{constraint_met, solve_ilp, solve_ilp_with, Backend};
use mentorflow::solve::{solve_capped, solve_covered, CoverageGadget, Covered, Solution, SolveError};
use proptest::prelude::*;

/// The checker, the hard rules, and the cap by the library's test and the tests' own.
fn checked(p: &Programme, model: &Model, solution: &Solution, cap: Option<u32>) {
    let history = History::default();
    assert_valid(p, model, &history, &solution.matching);
    assert!(check_matching(p, model, &history, &solution.matching).is_empty());
    if let Some(mentees) = cap {
        let c = Constraint::MaxMenteesFromOneOrganisation { mentees };
        assert!(constraint_met(p, &solution.matching, &c));
        assert!(holds(p, &solution.matching, &c));
    }
}

/// Each mentee's group by organisation, and a lower bound per group.
fn gadget(p: &Programme, lower: &[u32]) -> CoverageGadget {
    let mut ids: Vec<u32> = Vec::new();
    let group_of = p
        .mentees
        .iter()
        .map(|m| {
            let o = m.person.organisation.0;
            let g = ids.iter().position(|&x| x == o).unwrap_or_else(|| {
                ids.push(o);
                ids.len() - 1
            });
            g as u32
        })
        .collect();
    CoverageGadget {
        group_of,
        lower: (0..ids.len()).map(|g| lower.get(g).copied().unwrap_or(0)).collect(),
        ..CoverageGadget::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random programmes, flow objectives and caps: pricing reaches the whole
    /// network's optimum.
    #[test]
    fn pricing_the_capped_network_equals_the_whole_network(
        mentors in people(12),
        mentees in people(30),
        which in 0..6usize,
        cap in proptest::option::of(0u32..3),
    ) {
        let models = flow_models();
        let model = model_with(models[which % models.len()].objective.clone(), Vec::new());
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        let whole = solve_capped(&p, &model, &pairs, cap).unwrap();
        let priced = Pricer::new(&p, &pairs).solve_capped(&model, cap).unwrap();
        checked(&p, &model, &priced, cap);
        prop_assert_eq!(priced.objective_values, whole.objective_values);
    }

    /// With a coverage gadget too: the same answer (infeasible, or the same
    /// optimum), where both networks are sure of theirs.
    #[test]
    fn pricing_the_covered_network_equals_the_whole_network(
        mentors in people(12),
        mentees in people(30),
        which in 0..6usize,
        cap in proptest::option::of(1u32..3),
        lower in prop::collection::vec(0u32..6, 3),
    ) {
        let models = flow_models();
        let model = model_with(models[which % models.len()].objective.clone(), Vec::new());
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        let gadget = gadget(&p, &lower);
        let whole = solve_covered(&p, &model, &pairs, cap, &gadget).unwrap();
        let priced = Pricer::new(&p, &pairs).solve_covered(&model, cap, &gadget).unwrap();
        match (whole, priced) {
            (Covered::Infeasible, Covered::Infeasible) | (Covered::Unsure, _) | (_, Covered::Unsure) => {}
            (Covered::Solved(a), Covered::Solved(b)) => {
                checked(&p, &model, &b, cap);
                prop_assert_eq!(a.objective_values, b.objective_values);
            }
            (a, b) => prop_assert!(false, "whole {:?}, priced {:?}", a, b),
        }
    }
}

/// Generated programmes under the shipped fair-organisations rules, scarce
/// mentors and not: pricing equals the whole network, and a pricer that solves
/// again (as the coverage floor's halving does) still does.
#[test]
fn generated_capped_networks_priced_equal_the_whole_network() {
    let model = Model::built_in("fair-organisations").unwrap();
    let mut relaxed = model.clone();
    relaxed.constraints.clear();
    for (mentees, mentors, seed) in [(200, 200, 1), (300, 60, 2)] {
        let p = common::generated(mentees, mentors, seed, &model);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        let mut pricer = Pricer::new(&p, &pairs);
        for cap in [Some(2), Some(1), None] {
            let whole = solve_capped(&p, &relaxed, &pairs, cap).unwrap();
            let priced = pricer.solve_capped(&relaxed, cap).unwrap();
            checked(&p, &relaxed, &priced, cap);
            assert_eq!(
                priced.objective_values, whole.objective_values,
                "{mentees} + {mentors}, cap {cap:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Two coverage floors over the same groups, and maybe a cap: flows (with
    /// the program as fallback) reach the program alone's optimum, and every
    /// constraint holds.
    #[test]
    fn two_coverage_floors_over_one_grouping_equal_the_program(
        mentors in people(8),
        mentees in people(10),
        by_grade in any::<bool>(),
        percents in (prop::sample::select(vec![50u32, 80, 90, 100]), prop::sample::select(vec![60u32, 85, 100])),
        cap in proptest::option::of(1u32..3),
    ) {
        let by = if by_grade { Group::Grade } else { Group::Organisation };
        let mut constraints = vec![
            Constraint::CoverageFloor { by, percent: percents.0 },
            Constraint::CoverageFloor { by, percent: percents.1 },
        ];
        constraints.extend(cap.map(|mentees| Constraint::MaxMenteesFromOneOrganisation { mentees }));
        let model = model_with(Model::built_in("coverage").unwrap().objective, constraints);
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        match (solve_ilp(&eligibility, Backend::Microlp), solve_ilp_with(&eligibility, alone())) {
            (Ok(flows), Ok(program)) => {
                let history = History::default();
                assert_valid(&p, &model, &history, &flows.matching);
                prop_assert!(check_matching(&p, &model, &history, &flows.matching).is_empty());
                for c in &model.constraints {
                    prop_assert!(constraint_met(&p, &flows.matching, c) && holds(&p, &flows.matching, c));
                }
                prop_assert_eq!(flows.objective_values, program.objective_values);
            }
            (Err(a @ SolveError::Infeasible { .. }), Err(b @ SolveError::Infeasible { .. })) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "flows {:?}, program {:?}", a.map(|s| s.objective_values), b.map(|s| s.objective_values)),
        }
    }
}
