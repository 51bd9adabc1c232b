//! The `--vary PARAM=RANGE` syntax.
//!
//! RANGE is a comma-separated list of items; an item is a number `3`, an
//! inclusive range `1..5` (1, 2, 3, 4, 5), or a range with a step `0..50/10`
//! (0, 10, 20, 30, 40, 50). `same-organisation` takes `on` and `off`;
//! `drop-out` may write its percentages with `%`.

use super::{Parameter, Vary, WhatIfError, PARAMETERS};
use crate::model::text::edit_distance;

/// Parse `PARAM=RANGE` (see the module's doc); `extra_grade` is the grade
/// `extra-mentors` recruits at.
pub fn parse_vary(text: &str, extra_grade: Option<&str>) -> Result<Vary, WhatIfError> {
    let bad = |reason: String| WhatIfError::BadVary {
        text: text.to_string(),
        reason,
    };
    let Some((name, range)) = text.split_once('=') else {
        return Err(bad(
            "write PARAM=RANGE, for example mentor-capacity=1..5 or same-organisation=off,on".into(),
        ));
    };
    let parameter = parse_parameter(name.trim(), extra_grade).map_err(bad)?;
    let values = parse_values(&parameter, range).map_err(bad)?;
    Ok(Vary { parameter, values })
}

fn parse_parameter(name: &str, extra_grade: Option<&str>) -> Result<Parameter, String> {
    let lower = name.to_ascii_lowercase();
    if let Some(plain) = Parameter::plain()
        .into_iter()
        .find(|p| p.spec().name == lower || p.spec().aliases.contains(&lower.as_str()))
    {
        return Ok(plain);
    }
    let names: Vec<&str> = PARAMETERS.iter().map(|p| p.name).collect();
    let parameter = match lower.as_str() {
        "extra-mentors" => match extra_grade.map(str::trim) {
            Some(grade) if !grade.is_empty() => Parameter::ExtraMentors {
                grade: grade.to_string(),
            },
            _ => {
                return Err(
                    "say which grade the extra mentors are recruited at with --extra-grade GRADE (\"extra-grade\" in a scenario file)"
                        .into(),
                )
            }
        },
        other => match other.strip_prefix("weight-grade-gap-").map(str::parse::<u8>) {
            Some(Ok(gap)) => Parameter::WeightGradeGap(gap),
            Some(Err(_)) => return Err("weight-grade-gap-N needs a whole number of grades N, like weight-grade-gap-2".into()),
            None => {
                let nearest = names.iter().min_by_key(|known| edit_distance(other, known)).copied();
                let hint = match nearest {
                    Some(near) if edit_distance(other, near) <= 3 => format!("did you mean {near}? "),
                    _ => String::new(),
                };
                return Err(format!(
                    "unknown parameter \"{name}\"; {hint}the parameters are {}",
                    names.join(", ")
                ));
            }
        },
    };
    Ok(parameter)
}

/// The values of a RANGE for one parameter, in the order written, each once.
pub fn parse_values(parameter: &Parameter, range: &str) -> Result<Vec<u32>, String> {
    let (low, high) = parameter.limits();
    let mut values: Vec<u32> = Vec::new();
    let push = |v: u32, values: &mut Vec<u32>| {
        if !values.contains(&v) {
            values.push(v);
        }
    };
    for item in range.split(',').map(str::trim) {
        if item.is_empty() {
            return Err("a value is missing (two commas, or nothing after =)".into());
        }
        if *parameter == Parameter::SameOrganisation {
            match item.to_ascii_lowercase().as_str() {
                "on" | "yes" | "true" => push(1, &mut values),
                "off" | "no" | "false" => push(0, &mut values),
                _ => return Err(format!("\"{item}\": write on or off, like same-organisation=off,on")),
            }
            continue;
        }
        let item = if *parameter == Parameter::DropOut {
            item.trim_end_matches('%').trim_end()
        } else {
            item
        };
        let number = |text: &str| -> Result<u32, String> {
            let value: u32 = text
                .trim()
                .parse()
                .map_err(|_| format!("\"{text}\" is not a whole number"))?;
            if value < low || value > high {
                return Err(format!("{value} is outside {low} to {high}"));
            }
            Ok(value)
        };
        match item.split_once("..") {
            None => push(number(item)?, &mut values),
            Some((from, rest)) => {
                let (to, step) = match rest.split_once('/') {
                    Some((to, step)) => (to, number_any(step)?),
                    None => (rest, 1),
                };
                let (from, to) = (number(from)?, number(to.trim_start_matches('='))?);
                if from > to {
                    return Err(format!(
                        "the range {item} runs backwards; write the smaller value first"
                    ));
                }
                if step == 0 {
                    return Err(format!("the step of {item} is 0; use a step of 1 or more"));
                }
                let mut v = from;
                while v <= to {
                    push(v, &mut values);
                    if values.len() > super::MAX_SCENARIOS {
                        return Err(format!("more than {} values", super::MAX_SCENARIOS));
                    }
                    v = match v.checked_add(step) {
                        Some(next) => next,
                        None => break,
                    };
                }
            }
        }
    }
    Ok(values)
}

fn number_any(text: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("the step \"{text}\" is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<u32>, WhatIfError> {
        parse_vary(text, Some("SCS1")).map(|v| v.values)
    }

    #[test]
    fn ranges_lists_and_steps() {
        assert_eq!(values("mentor-capacity=1..5").unwrap(), [1, 2, 3, 4, 5]);
        assert_eq!(values("mentor-capacity=2,3,4").unwrap(), [2, 3, 4]);
        assert_eq!(values("extra-mentors=0..50/10").unwrap(), [0, 10, 20, 30, 40, 50]);
        assert_eq!(values("extra-mentors=0..25/10, 100").unwrap(), [0, 10, 20, 100]);
        assert_eq!(values("same-organisation=off,on").unwrap(), [0, 1]);
        assert_eq!(values("drop-out=0%,10%,20").unwrap(), [0, 10, 20]);
        assert_eq!(values("mentor-capacity=3,3,1..3").unwrap(), [3, 1, 2]);
    }

    #[test]
    fn parameters() {
        let p = |t: &str| parse_vary(t, Some("SCS1")).unwrap().parameter;
        assert_eq!(p("weight-grade-gap-2=0..12/6"), Parameter::WeightGradeGap(2));
        assert_eq!(p("extra-mentors=10"), Parameter::ExtraMentors { grade: "SCS1".into() });
        assert_eq!(p("grade-gap-max=3"), Parameter::GradeGapMax);
    }

    #[test]
    fn mistakes_are_explained() {
        let message = |t: &str| values(t).unwrap_err().to_string();
        assert!(message("mentor-capacity").contains("PARAM=RANGE"));
        assert!(message("mentor-capacty=1..3").contains("did you mean mentor-capacity"));
        assert!(message("mentor-capacity=5..1").contains("backwards"));
        assert!(message("mentor-capacity=1..60").contains("outside 0 to 50"));
        assert!(message("mentor-capacity=1,,2").contains("missing"));
        assert!(message("same-organisation=maybe").contains("on or off"));
        assert!(message("drop-out=120").contains("outside 0 to 100"));
        assert!(message("grade-gap-min=0").contains("outside 1"));
        assert!(message("extra-mentors=0..10/0").contains("step"));
        let no_grade = parse_vary("extra-mentors=10", None).unwrap_err().to_string();
        assert!(no_grade.contains("--extra-grade"), "{no_grade}");
    }
}
