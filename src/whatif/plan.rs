//! Which run of a sweep starts from which: a run is solved warm from the
//! network of a run it loosens (more capacity, a wider window, the organisation
//! rule relaxed, more extra mentors, fewer drop-outs), so the old flow still
//! fits and only the change is pivoted in. The plan depends only on the
//! scenarios, never on timing, so results never depend on the threads.

use super::{Loosens, Parameter, Scenario};
use crate::model::Model;

/// One run: a scenario, and the seed of its random parts.
pub type Run = (usize, u64);

/// What a run's feasible matchings depend on: every setting but the weights.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Limits {
    /// The value of each parameter the plan compares (those with a base value
    /// in [`super::PARAMETERS`]), in that order.
    values: Vec<u32>,
    /// Extra mentors by grade, sorted by grade name.
    extra_mentors: Vec<(String, u32)>,
    seed: u64,
}

/// The parameters the plan compares by value, with which way each loosens.
fn compared() -> Vec<(Parameter, Loosens)> {
    Parameter::plain()
        .into_iter()
        .filter(|p| p.spec().base.is_some())
        .map(|p| {
            let loosens = p.spec().loosens;
            (p, loosens)
        })
        .collect()
}

impl Limits {
    fn of(scenario: &Scenario, seed: u64, model: &Model) -> Limits {
        let mut extra_mentors: Vec<(String, u32)> = scenario
            .settings
            .iter()
            .filter_map(|s| match &s.parameter {
                Parameter::ExtraMentors { grade } if s.value > 0 => Some((grade.clone(), s.value)),
                _ => None,
            })
            .collect();
        extra_mentors.sort();
        Limits {
            values: compared()
                .iter()
                .map(|(p, _)| {
                    let base = p.spec().base.expect("compared parameters have a base");
                    scenario.value(p).unwrap_or_else(|| base(model))
                })
                .collect(),
            extra_mentors,
            seed,
        }
    }

    fn extra(&self, grade: &str) -> u32 {
        self.extra_mentors
            .iter()
            .find(|(g, _)| g == grade)
            .map_or(0, |&(_, n)| n)
    }

    fn drop_out(&self) -> u32 {
        let at = compared()
            .iter()
            .position(|(p, _)| *p == Parameter::DropOut)
            .expect("drop-out is compared");
        self.values[at]
    }

    /// Whether every matching allowed under `self` is allowed under `wider`.
    fn within(&self, wider: &Limits) -> bool {
        // Random parts agree only under the same seed: the same mentors drop
        // out first, the same registered mentors are copied first.
        let random = self.drop_out() > 0 || wider.drop_out() > 0 || !self.extra_mentors.is_empty();
        compared()
            .iter()
            .zip(self.values.iter().zip(&wider.values))
            .all(|((_, loosens), (&mine, &theirs))| match loosens {
                Loosens::Up => mine <= theirs,
                Loosens::Down => mine >= theirs,
                Loosens::Scores | Loosens::People => true,
            })
            && self.extra_mentors.iter().all(|(g, n)| *n <= wider.extra(g))
            && (!random || self.seed == wider.seed)
    }

    /// How many settings differ: the nearer a start, the fewer pivots.
    fn distance(&self, other: &Limits) -> usize {
        let mut grades: Vec<&str> = self
            .extra_mentors
            .iter()
            .chain(&other.extra_mentors)
            .map(|(g, _)| g.as_str())
            .filter(|g| self.extra(g) != other.extra(g))
            .collect();
        grades.sort_unstable();
        grades.dedup();
        self.values.iter().zip(&other.values).filter(|(a, b)| a != b).count() + grades.len()
    }
}

/// For each run, the run whose network it starts from, if any: the nearest run
/// it loosens (the later one on a tie), solved before it. A run that changes
/// nothing is always solved from scratch, so it gives exactly what `match` does.
pub fn warm_starts(scenarios: &[Scenario], runs: &[Run], model: &Model) -> Vec<Option<usize>> {
    let limits: Vec<Limits> = runs
        .iter()
        .map(|&(i, seed)| Limits::of(&scenarios[i], seed, model))
        .collect();
    let base = Limits::of(&Scenario::default(), 0, model);
    (0..runs.len())
        .map(|j| {
            let scenario = &scenarios[runs[j].0];
            let changes_nothing =
                scenario.settings.iter().all(|s| is_base_value(s, model)) && limits[j].distance(&base) == 0;
            if changes_nothing {
                return None;
            }
            (0..runs.len())
                .filter(|&i| i != j && limits[i].within(&limits[j]))
                // Equal limits start from the earlier run, so no two runs wait on each other.
                .filter(|&i| i < j || limits[i] != limits[j])
                .min_by_key(|&i| (limits[i].distance(&limits[j]), std::cmp::Reverse(i)))
        })
        .collect()
}

/// Whether a setting restates the base model's value (weights included).
fn is_base_value(setting: &super::Setting, model: &Model) -> bool {
    let weights = &model.weights;
    match &setting.parameter {
        Parameter::WeightProfession => setting.value == weights.profession,
        Parameter::WeightIdentity => setting.value == weights.identity,
        Parameter::WeightGradeGap(gap) => setting.value == weights.grade_gap_score(*gap),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatif::{scenarios, Vary};

    fn plan(vary: &[&str]) -> (Vec<Scenario>, Vec<Option<usize>>) {
        let vary: Vec<Vary> = vary.iter().map(|v| Vary::parse(v, Some("SEO")).unwrap()).collect();
        let all = scenarios(&vary);
        let runs: Vec<Run> = (0..all.len()).map(|i| (i, 1)).collect();
        let plan = warm_starts(&all, &runs, &Model::civil_service());
        (all, plan)
    }

    #[test]
    fn each_run_starts_from_a_run_it_loosens() {
        let (all, plan) = plan(&["mentor-capacity=1..3", "extra-mentors=0..100/50"]);
        let labels: Vec<(String, Option<String>)> = plan
            .iter()
            .enumerate()
            .map(|(j, p)| (all[j].label(), p.map(|i| all[i].label())))
            .collect();
        let expect = |s: &str| Some(s.to_string());
        assert_eq!(labels[0].1, None, "the tightest run starts from scratch");
        assert_eq!(labels[1].1, expect("mentor-capacity=1, extra-mentors=0"));
        assert_eq!(labels[2].1, expect("mentor-capacity=1, extra-mentors=50"));
        assert_eq!(labels[3].1, expect("mentor-capacity=1, extra-mentors=0"));
        assert_eq!(labels[4].1, expect("mentor-capacity=2, extra-mentors=0"));
        // mentor-capacity=3 with no extra mentors is the base model: from scratch.
        assert_eq!(labels[6].1, None);
        assert_eq!(labels[7].1, expect("mentor-capacity=3, extra-mentors=0"));
    }

    #[test]
    fn tighter_runs_come_first_whatever_the_order_given() {
        let (all, plan) = plan(&["grade-gap-min=3,2,1", "drop-out=20,10"]);
        for (j, parent) in plan.iter().enumerate() {
            if let Some(i) = *parent {
                let (a, b) = (&all[i], &all[j]);
                assert!(a.value(&Parameter::GradeGapMin) >= b.value(&Parameter::GradeGapMin));
                assert!(a.value(&Parameter::DropOut) >= b.value(&Parameter::DropOut));
            }
        }
        // No cycles: following parents always ends.
        for start in 0..plan.len() {
            let mut at = Some(start);
            for _ in 0..=plan.len() {
                at = at.and_then(|i| plan[i]);
            }
            assert_eq!(at, None);
        }
    }

    #[test]
    fn weights_alone_chain_in_order_and_the_base_starts_from_scratch() {
        let (all, plan) = plan(&["weight-profession=0..40/10"]);
        let base = Model::civil_service().weights.profession;
        assert!(all.iter().any(|s| s.value(&Parameter::WeightProfession) == Some(base)));
        for (j, parent) in plan.iter().enumerate() {
            if j == 0 || all[j].value(&Parameter::WeightProfession) == Some(base) {
                assert_eq!(*parent, None, "{}", all[j].label());
            } else {
                assert_eq!(*parent, Some(j - 1), "{}", all[j].label());
            }
        }
    }
}
