//! A scenario applied to a copy of the programme and model: pure functions, so
//! the same scenario and seed always give the same programme.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Parameter, Scenario, WhatIfError};
use crate::model::{Grade, Model};
use crate::registration::{Mentor, Person, Programme};

/// The domain of extra mentors' made-up emails: reserved, so never a real
/// address, and never written to any output.
pub const EXTRA_MENTOR_DOMAIN: &str = "whatif.invalid";

/// The programme and model of one scenario, run with `seed`.
///
/// Model changes come first; then mentors drop out (a seeded share of the
/// registered mentors), extra mentors join (copies of registered mentors at
/// their grade, so they spread over organisations, professions and identities
/// like them), and everyone who did not register their own capacity takes the
/// scenario's default.
pub fn apply(
    programme: &Programme,
    model: &Model,
    scenario: &Scenario,
    seed: u64,
) -> Result<(Programme, Model), WhatIfError> {
    let changed = apply_to_model(model, scenario)?;
    let mut result = programme.clone();
    if let Some(percent) = scenario.value(&Parameter::DropOut) {
        drop_out(&mut result, percent, seed);
    }
    for setting in &scenario.settings {
        if let Parameter::ExtraMentors { grade } = &setting.parameter {
            add_extra_mentors(&mut result, programme, &changed, grade, setting.value, seed)?;
        }
    }
    for mentor in &mut result.mentors {
        if !mentor.person.capacity_given {
            mentor.person.capacity = changed.capacity.mentor;
        }
    }
    for mentee in &mut result.mentees {
        if !mentee.person.capacity_given {
            mentee.person.capacity = changed.capacity.mentee;
        }
    }
    Ok((result, changed))
}

/// The model of one scenario, checked like any model file.
pub fn apply_to_model(model: &Model, scenario: &Scenario) -> Result<Model, WhatIfError> {
    let mut file = model.to_file().clone();
    let mut weighted_gaps = Vec::new();
    for setting in &scenario.settings {
        let v = setting.value;
        match &setting.parameter {
            Parameter::MentorCapacity => file.capacity.mentor = v,
            Parameter::MenteeCapacity => file.capacity.mentee = v,
            Parameter::GradeGapMin => file.grades.gap.min = v as u8,
            Parameter::GradeGapMax => file.grades.gap.max = v as u8,
            Parameter::SameOrganisation => file.organisations.same_organisation_allowed = v != 0,
            Parameter::SameOrganisationFrom => file.organisations.same_organisation_allowed_from = Some(v),
            Parameter::WeightProfession => file.weights.profession = v,
            Parameter::WeightIdentity => file.weights.identity = v,
            Parameter::WeightGradeGap(gap) => {
                file.weights.grade_gap.retain(|key, _| gap_of(key) != Some(*gap));
                file.weights.grade_gap.insert(gap.to_string(), v);
                weighted_gaps.push(*gap);
            }
            Parameter::ExtraMentors { .. } | Parameter::DropOut => {}
        }
    }
    // A narrowed window leaves the model's weights for gaps outside it unused:
    // drop them rather than refuse the model. A weight the scenario itself sets
    // outside the window stays, so the check below names it.
    let gap = file.grades.gap;
    file.weights
        .grade_gap
        .retain(|key, _| gap_of(key).is_none_or(|g| (gap.min..=gap.max).contains(&g) || weighted_gaps.contains(&g)));
    if &file == model.to_file() {
        return Ok(model.clone());
    }
    Model::from_file(&format!("{} (what-if)", model.name), file).map_err(|problems| WhatIfError::InvalidModel {
        scenario: scenario.label(),
        reason: problems.to_string(),
    })
}

fn gap_of(key: &str) -> Option<u8> {
    key.trim().parse().ok()
}

/// Remove `percent` of the registered mentors (rounded to the nearest person),
/// chosen by `seed`.
fn drop_out(programme: &mut Programme, percent: u32, seed: u64) {
    let n = programme.mentors.len();
    let leaving = (n * percent as usize + 50) / 100;
    if leaving == 0 {
        return;
    }
    let mut dice = Dice::new(seed, Stream::DropOut);
    let mut order: Vec<usize> = (0..n).collect();
    // The first `leaving` places of a partial Fisher-Yates shuffle.
    for i in 0..leaving {
        let j = i + dice.below(n - i);
        order.swap(i, j);
    }
    let mut gone = vec![false; n];
    for &i in &order[..leaving] {
        gone[i] = true;
    }
    let mut index = 0;
    programme.mentors.retain(|_| {
        index += 1;
        !gone[index - 1]
    });
}

/// Add `count` mentors at `grade_name`, each a copy of a registered mentor at
/// that grade (all of them in a seeded order, then again), with a made-up email
/// and no name or biography.
fn add_extra_mentors(
    programme: &mut Programme,
    registered: &Programme,
    model: &Model,
    grade_name: &str,
    count: u32,
    seed: u64,
) -> Result<(), WhatIfError> {
    let grade = check_extra_grade(registered, model, grade_name)?;
    if count == 0 {
        return Ok(());
    }
    let mut models: Vec<&Mentor> = registered.mentors.iter().filter(|m| m.person.grade == grade).collect();
    let mut dice = Dice::new(seed, Stream::ExtraMentors);
    for i in (1..models.len()).rev() {
        models.swap(i, dice.below(i + 1));
    }
    // One width for every count, so the first 50 of 100 extra mentors are the
    // same people as 50 extra mentors: a sweep can then solve 100 from 50.
    let width = super::MAX_EXTRA_MENTORS.to_string().len();
    for i in 0..count as usize {
        let model_mentor = models[i % models.len()];
        let email = format!("extra-{grade}-{i:0width$}@{EXTRA_MENTOR_DOMAIN}", grade = grade.0);
        programme.mentors.push(Mentor {
            person: extra_person(&model_mentor.person, email, grade),
            characteristics: model_mentor.characteristics.clone(),
        });
    }
    programme
        .mentors
        .sort_by(|a, b| a.person.email_key.cmp(&b.person.email_key));
    Ok(())
}

/// The grade extra mentors are recruited at, if they can be: a grade of the
/// ladder that may mentor, with registered mentors to model them on.
pub fn check_extra_grade(registered: &Programme, model: &Model, grade_name: &str) -> Result<Grade, WhatIfError> {
    let fail = |reason: String| WhatIfError::ExtraGrade {
        grade: grade_name.to_string(),
        reason,
    };
    let grade = model.ladder.grade(grade_name).ok_or_else(|| {
        fail(match model.ladder.nearest(grade_name) {
            Some(near) => format!("not a grade of the model's ladder; did you mean \"{near}\"?"),
            None => "not a grade of the model's ladder".into(),
        })
    })?;
    if grade < model.lowest_mentor_grade {
        return Err(fail(format!(
            "below {}, the lowest grade that may mentor",
            model.ladder.name(model.lowest_mentor_grade)
        )));
    }
    if !registered.mentors.iter().any(|m| m.person.grade == grade) {
        return Err(fail(
            "no mentor registered at this grade to model the extra mentors on; choose a grade with mentors".into(),
        ));
    }
    Ok(grade)
}

fn extra_person(like: &Person, email: String, grade: Grade) -> Person {
    Person {
        email_key: email.clone(),
        email,
        first_name: String::new(),
        last_name: String::new(),
        job_title: String::new(),
        grade,
        organisation: like.organisation,
        profession: like.profession.clone(),
        profession_key: like.profession_key.clone(),
        biography: String::new(),
        // Recruits take the scenario's default capacity, set by `apply`.
        capacity: 0,
        capacity_given: false,
        line: 0,
        row: 0,
    }
}

/// Independent random streams of one seed, so adding extra mentors never
/// changes who drops out.
#[derive(Clone, Copy)]
enum Stream {
    DropOut = 1,
    ExtraMentors = 2,
}

/// Choices made by integer arithmetic on the raw output of a seeded ChaCha8, so
/// they never depend on `rand`'s sampling algorithms.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64, stream: Stream) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        Dice(rng)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatif::Setting;

    fn scenario(parameter: Parameter, value: u32) -> Scenario {
        Scenario {
            settings: vec![Setting { parameter, value }],
        }
    }

    #[test]
    fn base_scenario_changes_nothing() {
        let model = Model::civil_service();
        let same = apply_to_model(&model, &scenario(Parameter::MentorCapacity, 3)).unwrap();
        assert_eq!(same, model);
    }

    #[test]
    fn narrowing_the_window_drops_unused_weights() {
        let model = Model::civil_service();
        let narrow = apply_to_model(&model, &scenario(Parameter::GradeGapMax, 1)).unwrap();
        assert_eq!(narrow.gap.max, 1);
        assert_eq!(narrow.weights.grade_gap, vec![0, 9]);
        let wide = apply_to_model(&model, &scenario(Parameter::GradeGapMax, 3)).unwrap();
        assert_eq!(wide.weights.grade_gap_score(3), 0);
        let weighted = Scenario {
            settings: vec![
                Setting {
                    parameter: Parameter::GradeGapMax,
                    value: 3,
                },
                Setting {
                    parameter: Parameter::WeightGradeGap(3),
                    value: 5,
                },
            ],
        };
        assert_eq!(apply_to_model(&model, &weighted).unwrap().weights.grade_gap_score(3), 5);
    }

    #[test]
    fn impossible_scenarios_are_named() {
        let model = Model::civil_service();
        let bad = Scenario {
            settings: vec![
                Setting {
                    parameter: Parameter::GradeGapMin,
                    value: 3,
                },
                Setting {
                    parameter: Parameter::GradeGapMax,
                    value: 2,
                },
            ],
        };
        let message = apply_to_model(&model, &bad).unwrap_err().to_string();
        assert!(message.contains("grade-gap-min=3, grade-gap-max=2"), "{message}");
        assert!(message.contains("grades.gap"), "{message}");
    }
}
