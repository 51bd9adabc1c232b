//! What-if analysis: how capacity and rules change coverage.
//!
//! An analyst varies one or more [`Parameter`]s over a range of values
//! ([`Vary`]); every combination is a [`Scenario`] ([`scenarios`]). Each
//! scenario changes a copy of the registered programme and model ([`apply`]) and
//! is solved exactly under the model's objective ([`run`]). A [`ScenarioResult`]
//! holds aggregates only: no name, email or per-person row ever leaves this
//! module, so every rendering of it is safe to share.

mod apply;
mod parse;
mod plan;
mod run;

pub use apply::{apply, apply_to_model, EXTRA_MENTOR_DOMAIN};
pub use parse::parse_values;
pub use run::{run, Figure, Measures, Requests, RunOptions, ScenarioResult};

use std::fmt;

use crate::model::{Model, MAX_CAPACITY, MAX_WEIGHT};
use crate::solve::SolveError;

/// Most scenarios one sweep may hold: far more than an analyst reads, few
/// enough that a typo like `0..100000` is refused instead of running for hours.
pub const MAX_SCENARIOS: usize = 1_000;
/// The largest organisation size `same-organisation-from` takes: more people
/// than any registration file can hold.
pub const MAX_ORGANISATION_SIZE: u32 = 1_000_000;
/// Most runs of one scenario with a random part (drop-out).
pub const MAX_REPEAT: u32 = 100;
/// Most extra mentors one scenario may add.
pub const MAX_EXTRA_MENTORS: u32 = 10_000;

/// Which way a parameter's value widens the matchings allowed: the plan of
/// warm starts starts a run from one it loosens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loosens {
    /// A larger value allows every matching a smaller one does.
    Up,
    /// A smaller value allows every matching a larger one does.
    Down,
    /// Changes scores, not which matchings are allowed: any run can start
    /// from any other.
    Scores,
    /// Changes the people (extra mentors at a grade): compared grade by grade.
    People,
}

/// One what-if parameter, defined once: parsing, `--help`, limits, the plan
/// and the README's table all read it.
#[derive(Debug)]
pub struct ParameterSpec {
    /// The name on the command line and in scenario files.
    pub name: &'static str,
    /// Other spellings accepted.
    pub aliases: &'static [&'static str],
    /// What it changes, for `--help` and the docs.
    pub help: &'static str,
    /// The smallest and largest value allowed.
    pub limits: (u32, u32),
    /// Which way of changing the value gives mentees more possible mentors.
    pub loosens: Loosens,
    /// The value the base model has, for the ones the plan compares.
    pub base: Option<fn(&Model) -> u32>,
}

/// Every what-if parameter.
pub const PARAMETERS: [ParameterSpec; 11] = [
    ParameterSpec {
        name: "mentor-capacity",
        aliases: &[],
        help: "matches per mentor, for mentors without their own `max matches`",
        limits: (0, MAX_CAPACITY),
        loosens: Loosens::Up,
        base: Some(|m| m.capacity.mentor),
    },
    ParameterSpec {
        name: "mentee-capacity",
        aliases: &[],
        help: "matches per mentee, for mentees without their own `max matches`",
        limits: (0, MAX_CAPACITY),
        loosens: Loosens::Up,
        base: Some(|m| m.capacity.mentee),
    },
    ParameterSpec {
        name: "grade-gap-min",
        aliases: &[],
        // A mentor is always more senior than their mentee.
        help: "the smallest grade gap allowed (at least 1)",
        limits: (1, u8::MAX as u32),
        loosens: Loosens::Down,
        base: Some(|m| u32::from(m.gap.min)),
    },
    ParameterSpec {
        name: "grade-gap-max",
        aliases: &[],
        help: "the largest grade gap allowed",
        limits: (1, u8::MAX as u32),
        loosens: Loosens::Up,
        base: Some(|m| u32::from(m.gap.max)),
    },
    ParameterSpec {
        name: "same-organisation",
        aliases: &["same-organization"],
        help: "whether a mentor may be in the mentee's own organisation (`off`, `on`)",
        limits: (0, 1),
        loosens: Loosens::Up,
        base: Some(|m| u32::from(m.same_organisation_allowed)),
    },
    ParameterSpec {
        name: "same-organisation-from",
        aliases: &["same-organization-from"],
        help: "organisations with at least this many people registered may match within themselves",
        limits: (1, MAX_ORGANISATION_SIZE),
        loosens: Loosens::Down,
        base: Some(|m| m.same_organisation_allowed_from.unwrap_or(u32::MAX)),
    },
    ParameterSpec {
        name: "weight-profession",
        aliases: &[],
        help: "the score for the profession the mentee wants",
        limits: (0, MAX_WEIGHT),
        loosens: Loosens::Scores,
        base: None,
    },
    ParameterSpec {
        name: "weight-identity",
        aliases: &[],
        help: "the score for a shared identity the mentee asked for",
        limits: (0, MAX_WEIGHT),
        loosens: Loosens::Scores,
        base: None,
    },
    ParameterSpec {
        name: "weight-grade-gap-N",
        aliases: &[],
        help: "the score of a pair N grades apart",
        limits: (0, MAX_WEIGHT),
        loosens: Loosens::Scores,
        base: None,
    },
    ParameterSpec {
        name: "extra-mentors",
        aliases: &[],
        help: "extra mentors recruited at `--extra-grade`, like the registered mentors there",
        limits: (0, MAX_EXTRA_MENTORS),
        loosens: Loosens::People,
        base: None,
    },
    ParameterSpec {
        name: "drop-out",
        aliases: &["dropout"],
        help: "percent of the registered mentors who drop out, chosen at random (`--repeat` runs)",
        limits: (0, 100),
        loosens: Loosens::Down,
        base: Some(|_| 0),
    },
];

/// Something a what-if analysis can change; its definition is its
/// [`ParameterSpec`] in [`PARAMETERS`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// `mentor-capacity`: matches per mentor without their own.
    MentorCapacity,
    /// `mentee-capacity`: matches per mentee without their own.
    MenteeCapacity,
    /// `grade-gap-min`: the smallest grade gap allowed.
    GradeGapMin,
    /// `grade-gap-max`: the largest grade gap allowed.
    GradeGapMax,
    /// `same-organisation`: whether a mentor may be in the mentee's organisation.
    SameOrganisation,
    /// `same-organisation-from`: the size from which an organisation matches within itself.
    SameOrganisationFrom,
    /// `weight-profession`: the score for the profession wanted.
    WeightProfession,
    /// `weight-identity`: the score for a shared identity asked for.
    WeightIdentity,
    /// `weight-grade-gap-N`: the score of a pair N grades apart.
    WeightGradeGap(u8),
    /// `extra-mentors`: mentors recruited at a grade.
    ExtraMentors {
        /// The grade they are recruited at, as given.
        grade: String,
    },
    /// `drop-out`: the percent of mentors who drop out at random.
    DropOut,
}

impl Parameter {
    /// The parameters that take no argument, in [`PARAMETERS`] order.
    pub fn plain() -> [Parameter; 9] {
        [
            Parameter::MentorCapacity,
            Parameter::MenteeCapacity,
            Parameter::GradeGapMin,
            Parameter::GradeGapMax,
            Parameter::SameOrganisation,
            Parameter::SameOrganisationFrom,
            Parameter::WeightProfession,
            Parameter::WeightIdentity,
            Parameter::DropOut,
        ]
    }

    /// Its definition.
    pub fn spec(&self) -> &'static ParameterSpec {
        &PARAMETERS[match self {
            Parameter::MentorCapacity => 0,
            Parameter::MenteeCapacity => 1,
            Parameter::GradeGapMin => 2,
            Parameter::GradeGapMax => 3,
            Parameter::SameOrganisation => 4,
            Parameter::SameOrganisationFrom => 5,
            Parameter::WeightProfession => 6,
            Parameter::WeightIdentity => 7,
            Parameter::WeightGradeGap(_) => 8,
            Parameter::ExtraMentors { .. } => 9,
            Parameter::DropOut => 10,
        }]
    }

    /// The name used on the command line and in scenario files.
    pub fn name(&self) -> String {
        match self {
            Parameter::WeightGradeGap(gap) => format!("weight-grade-gap-{gap}"),
            other => other.spec().name.to_string(),
        }
    }

    /// A heading for tables and charts.
    pub fn heading(&self) -> String {
        match self {
            Parameter::ExtraMentors { grade } => format!("extra {grade} mentors"),
            Parameter::DropOut => "drop-out %".into(),
            Parameter::SameOrganisationFrom => "same organisation from (people)".into(),
            other => other.name(),
        }
    }

    /// The smallest and largest value allowed.
    pub fn limits(&self) -> (u32, u32) {
        self.spec().limits
    }

    /// A value as the analyst writes it: `on`/`off` for the organisation rule,
    /// else the number.
    pub fn show(&self, value: u32) -> String {
        match (self, value) {
            (Parameter::SameOrganisation, 0) => "off".into(),
            (Parameter::SameOrganisation, _) => "on".into(),
            (_, v) => v.to_string(),
        }
    }

    /// Whether a value makes the scenario random, so it is run `repeat` times.
    pub fn is_random(&self, value: u32) -> bool {
        matches!(self, Parameter::DropOut) && value > 0
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl serde::Serialize for Parameter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

/// One parameter and the values a sweep tries, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vary {
    /// The parameter varied.
    pub parameter: Parameter,
    /// The values tried, in order.
    pub values: Vec<u32>,
}

impl Vary {
    /// Parse `PARAM=RANGE`. `extra_grade` is the grade `extra-mentors` recruits at.
    pub fn parse(text: &str, extra_grade: Option<&str>) -> Result<Vary, WhatIfError> {
        parse::parse_vary(text, extra_grade)
    }
}

/// One parameter set to one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The parameter set.
    pub parameter: Parameter,
    /// Its value.
    pub value: u32,
}

/// One combination of settings; the empty scenario is the registered programme
/// under the base model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    /// The parameters changed from the base, in order.
    pub settings: Vec<Setting>,
}

impl Scenario {
    /// "mentor-capacity=4, same-organisation=on", or "base".
    pub fn label(&self) -> String {
        if self.settings.is_empty() {
            return "base".into();
        }
        self.settings
            .iter()
            .map(|s| format!("{}={}", s.parameter, s.parameter.show(s.value)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value of a parameter, if this scenario sets it.
    pub fn value(&self, parameter: &Parameter) -> Option<u32> {
        self.settings
            .iter()
            .find(|s| &s.parameter == parameter)
            .map(|s| s.value)
    }

    /// Whether runs with different seeds can differ (some mentors drop out).
    pub fn is_random(&self) -> bool {
        self.settings.iter().any(|s| s.parameter.is_random(s.value))
    }
}

/// Every combination of the varied values: the first parameter changes slowest,
/// as in nested loops written in the order given. No parameter: the base alone.
pub fn scenarios(vary: &[Vary]) -> Vec<Scenario> {
    let mut all = vec![Scenario::default()];
    for v in vary {
        all = all
            .into_iter()
            .flat_map(|scenario| {
                v.values.iter().map(move |&value| {
                    let mut next = scenario.clone();
                    next.settings.push(Setting {
                        parameter: v.parameter.clone(),
                        value,
                    });
                    next
                })
            })
            .collect();
    }
    all
}

/// Check a sweep's parameters together: each varied once, not too many scenarios.
pub fn check_sweep(vary: &[Vary]) -> Result<(), WhatIfError> {
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.parameter.name() == v.parameter.name()) {
            return Err(WhatIfError::VariedTwice(v.parameter.name()));
        }
    }
    let count = vary
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.values.len()))
        .unwrap_or(usize::MAX);
    if count > MAX_SCENARIOS {
        return Err(WhatIfError::TooManyScenarios(count));
    }
    Ok(())
}

/// Why a what-if analysis cannot run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WhatIfError {
    /// A `--vary` that cannot be read.
    #[error("--vary {text}: {reason}")]
    BadVary {
        /// The `--vary` as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// One parameter given to two `--vary`s.
    #[error("the parameter {0} is varied twice; give each parameter once, with every value")]
    VariedTwice(String),
    /// More scenarios than a run allows.
    #[error("{0} scenarios is more than {MAX_SCENARIOS}; vary fewer values")]
    TooManyScenarios(usize),
    /// A `--repeat` out of range.
    #[error("--repeat {0}: use a number of runs from 1 to {MAX_REPEAT}")]
    BadRepeat(u32),
    /// A grade extra mentors cannot be recruited at.
    #[error("extra mentors at {grade}: {reason}")]
    ExtraGrade {
        /// The grade as given.
        grade: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scenario's changed model breaks a model rule.
    #[error("scenario {scenario}: the changed model is not valid:\n{reason}")]
    InvalidModel {
        /// The scenario, in words.
        scenario: String,
        /// The model's problems.
        reason: String,
    },
    /// A scenario could not be solved.
    #[error("scenario {scenario}: {error}")]
    Solve {
        /// The scenario, in words.
        scenario: String,
        /// Why it could not be solved.
        error: SolveError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table and the enum agree, and the README lists every parameter.
    #[test]
    fn every_parameter_is_defined_once_and_documented() {
        for p in Parameter::plain() {
            assert_eq!(p.name(), p.spec().name);
        }
        let readme = include_str!("../../README.md");
        for spec in &PARAMETERS {
            assert!(
                readme.contains(&format!("`{}`", spec.name)),
                "README lacks {}",
                spec.name
            );
        }
    }
}
