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
        cap in proptest::option::of(0u32..3),
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

/// Every matching of `pairs` that keeps each person's places and the cap.
fn every_matching(
    p: &Programme,
    pairs: &[mentorflow::eligibility::Pair],
    cap: Option<u32>,
) -> Vec<mentorflow::matching::Matching> {
    use mentorflow::matching::Matching;
    let mut found = Vec::new();
    let mut chosen = Vec::new();
    fn go(
        i: usize,
        p: &Programme,
        pairs: &[mentorflow::eligibility::Pair],
        chosen: &mut Vec<mentorflow::eligibility::Pair>,
        found: &mut Vec<Matching>,
    ) {
        if i == pairs.len() {
            found.push(Matching::new(chosen.clone()));
            return;
        }
        go(i + 1, p, pairs, chosen, found);
        let pair = pairs[i];
        let mentee_has = chosen.iter().filter(|c| c.mentee == pair.mentee).count() as u32;
        let mentor_has = chosen.iter().filter(|c| c.mentor == pair.mentor).count() as u32;
        if mentee_has < p.mentees[pair.mentee as usize].person.capacity
            && mentor_has < p.mentors[pair.mentor as usize].person.capacity
        {
            chosen.push(pair);
            go(i + 1, p, pairs, chosen, found);
            chosen.pop();
        }
    }
    go(0, p, pairs, &mut chosen, &mut found);
    found.retain(|m| {
        cap.is_none_or(|mentees| constraint_met(p, m, &Constraint::MaxMenteesFromOneOrganisation { mentees }))
    });
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Reduced-cost fixing, against every matching (brute force): under the
    /// optimum's prices, what a matching's pairs add in reduced cost (those
    /// it makes above 0, those of the optimum's it leaves below 0) is never
    /// more than it falls short of the optimum, weighed as the network
    /// weighs the levels. So a pair whose reduced cost exceeds a gap is in
    /// no matching within that gap.
    #[test]
    fn reduced_costs_bound_what_every_matching_falls_short(
        mentors in people(4),
        mentees in people(5),
        which in 0..6usize,
        levels in 1..4usize,
        cap in proptest::option::of(0u32..3),
    ) {
        let models = flow_models();
        let mut objective = models[which % models.len()].objective.clone();
        objective.truncate(levels);
        let model = model_with(objective, Vec::new());
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 12); // every matching is tried
        let (optimum, reduced) = Pricer::new(&p, &pairs).reduced_costs(&model, cap).unwrap();
        let people = p.mentees.len() * if cap.is_some() { 2 } else { 1 } + p.mentors.len();
        let weights = mentorflow::solve::flow_can_solve(&model, people).unwrap().weights;
        for m in every_matching(&p, &pairs, cap) {
            let values = m.objective_values(&p, &model.objective);
            let short: i64 = weights
                .iter()
                .zip(optimum.objective_values.iter().zip(&values))
                .map(|(w, (best, v))| w * (best - v))
                .sum();
            let made = |i: usize| m.pairs.iter().any(|q| (q.mentee, q.mentor) == (pairs[i].mentee, pairs[i].mentor));
            let added: i64 = (0..pairs.len())
                .map(|i| match (made(i), reduced[i]) {
                    (true, r) if r > 0 => r,
                    (false, r) if r < 0 => -r,
                    _ => 0,
                })
                .sum();
            prop_assert!(added <= short, "matching {:?}: reduced costs add {added}, short by {short}", values);
        }
    }

    /// The pairs reduced-cost fixing keeps for a matching `best` (any that
    /// reaches the optimum before its first level short of it): every
    /// matching at least as good as `best` (brute force) makes only those.
    #[test]
    fn pairs_kept_hold_every_matching_at_least_as_good(
        mentors in people(4),
        mentees in people(6),
        which in 0..10usize,
        pick in any::<prop::sample::Index>(),
        cap in proptest::option::of(1u32..3),
    ) {
        use mentorflow::model::Term;
        use mentorflow::solve::ilp::pairs_at_least_as_good;
        // Total score first half the time: where scores differ, fixing sets pairs aside.
        let objective = match which {
            0..5 => vec![Term::total_score()],
            _ => flow_models()[which - 5].objective.clone(),
        };
        let mut model = model_with(objective, Vec::new());
        if let Some(mentees) = cap {
            model.constraints.push(Constraint::MaxMenteesFromOneOrganisation { mentees });
        }
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        prop_assume!(pairs.len() <= 12); // every matching is tried
        let every = every_matching(&p, &pairs, cap);
        let values = |m: &mentorflow::matching::Matching| m.objective_values(&p, &model.objective);
        let optimum = every.iter().map(values).max().unwrap();
        let best = pick.get(&every);
        let mine = values(best);
        let Some(level) = (0..mine.len()).find(|&l| mine[l] != optimum[l]) else {
            return Ok(()); // an optimum: nothing to fix
        };
        let Some(kept) = pairs_at_least_as_good(&p, &model, &mut Pricer::new(&p, &pairs), best, level) else {
            return Ok(());
        };
        for m in &every {
            let v = values(m);
            if v[..level] == optimum[..level] && v[level] >= mine[level] {
                for q in &m.pairs {
                    prop_assert!(
                        kept.iter().any(|k| (k.mentee, k.mentor) == (q.mentee, q.mentor)),
                        "a matching with {:?} (best {:?}, optimum {:?}) makes a pair set aside", v, mine, optimum
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The link's Lagrangian relaxation (`solve::Link`), against every
    /// matching (brute force): with any multipliers on any pairs, the
    /// network's values with their gain bound every matching that keeps the
    /// gadget's bounds (each group's lower bound, the range of the number
    /// covered, the mentees held) at the last level, among those that tie
    /// it before; and no such matching is better before it. Pricing gives
    /// the same bound.
    #[test]
    fn link_multipliers_bound_every_matching_in_the_node(
        mentors in people(8),
        mentees in people(8),
        which in 0..6usize,
        levels in 1..4usize,
        lower in prop::collection::vec(0u32..2, 5),
        range in (0u32..3, 0u32..6),
        multipliers in prop::collection::vec((any::<prop::sample::Index>(), 1u32..800), 0..8),
        held in prop::collection::vec(0u8..8, 8),
    ) {
        use mentorflow::solve::{link_bound, Link};
        let objective = match which {
            0 => vec![mentorflow::model::Term::total_score()],
            _ => {
                let mut objective = flow_models()[which % flow_models().len()].objective.clone();
                objective.truncate(levels);
                objective
            }
        };
        let model = model_with(objective, Vec::new());
        let p = build(&model, mentors, mentees);
        let eligibility = Eligibility::new(&p, &model, &History::default());
        let pairs = eligibility.pairs();
        prop_assume!(!pairs.is_empty() && pairs.len() <= 14); // every matching is tried
        let level = model.objective.len() - 1;
        let (least, most) = (range.0, range.0 + range.1);
        let mut node = gadget(&p, &lower);
        node.total = Some((least, most));
        let mentees = p.mentees.len();
        node.dropped = (0..mentees).map(|e| held.get(e) == Some(&1)).collect();
        node.forced = (0..mentees).map(|e| held.get(e) == Some(&2)).collect();
        node.link = Some(Link {
            level,
            multipliers: multipliers
                .iter()
                .map(|(i, u)| {
                    let pair = i.get(&pairs);
                    ((pair.mentee, pair.mentor), *u)
                })
                .collect(),
        });
        let bound = link_bound(&p, &model, &pairs, None, &node).unwrap();
        // By pricing, the same (the pairs with a multiplier are in from the start).
        prop_assert_eq!(&Pricer::new(&p, &pairs).link_bound(&model, None, &node).unwrap(), &bound);
        for m in every_matching(&p, &pairs, None) {
            let counts = m.mentee_counts(&p);
            let covered = |e: usize| counts[e] > 0 && p.mentees[e].person.capacity > 0;
            let total = (0..mentees).filter(|&e| covered(e)).count() as u32;
            let mut have = vec![0u32; node.lower.len()];
            for e in (0..mentees).filter(|&e| covered(e)) {
                have[node.group_of[e] as usize] += 1;
            }
            let keeps = (least..=most).contains(&total)
                && (0..node.lower.len()).all(|g| have[g] >= node.lower[g])
                && (0..mentees).all(|e| !(node.dropped[e] && counts[e] > 0))
                && (0..mentees).all(|e| !node.forced[e] || covered(e) || p.mentees[e].person.capacity == 0);
            if !keeps {
                continue;
            }
            let values = m.objective_values(&p, &model.objective);
            let Some(bound) = &bound else {
                return Err(TestCaseError::fail(format!("no flow, but {values:?} keeps the node's bounds")));
            };
            prop_assert!(values[..level] <= bound[..level], "{values:?} beats {bound:?} before the link's level");
            if values[..level] == bound[..level] {
                prop_assert!(values[level] <= bound[level], "{values:?} beats {bound:?} at the link's level");
            }
        }
    }
}
