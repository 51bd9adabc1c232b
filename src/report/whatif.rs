//! What-if results as a table, CSV, JSON and an SVG chart: one row per scenario,
//! aggregates only. Identity-related counts below [`super::SMALL_COUNT`] are shown as "<5"
//! in every rendering, so no small group can be singled out.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::safe_cell;
use plotters::prelude::*;

use super::{is_small, small_text};
use crate::whatif::{Figure, Parameter, Scenario, ScenarioResult};

/// A sweep's results with what the renderings say about it.
#[derive(Clone, Debug)]
pub struct WhatIf<'a> {
    /// The base model's name.
    pub model: &'a str,
    /// Runs of each scenario with a random part, and the first seed.
    pub repeat: u32,
    /// The first run's seed; each further run adds one.
    pub seed: u64,
    /// Each scenario's aggregates, in the plan's order.
    pub results: &'a [ScenarioResult],
}

/// One count as a cell: the number, or its mean and range over repeated runs.
fn count(figure: &Figure) -> String {
    if figure.varies() {
        format!("{:.1} ({}-{})", figure.mean, figure.min, figure.max)
    } else {
        figure.min.to_string()
    }
}

fn small(value: i64) -> String {
    if is_small(value as f64) {
        small_text()
    } else {
        value.to_string()
    }
}

/// An identity-related count as a cell, with small numbers hidden.
fn identity_count(figure: &Figure) -> String {
    let mean = if is_small(figure.mean) {
        small_text()
    } else if figure.varies() {
        format!("{:.1}", figure.mean)
    } else {
        figure.min.to_string()
    };
    if figure.varies() {
        format!("{mean} ({}-{})", small(figure.min), small(figure.max))
    } else {
        mean
    }
}

/// The parameters a sweep varied, from its first scenario (every scenario sets
/// the same ones, in the same order).
fn varied(results: &[ScenarioResult]) -> Vec<Parameter> {
    results
        .first()
        .map(|r| r.scenario.settings.iter().map(|s| s.parameter.clone()).collect())
        .unwrap_or_default()
}

/// One count of a row: its name in CSV and JSON, and whether it is
/// identity-related (so small values are hidden).
struct Column {
    name: String,
    identity: bool,
    figure: Figure,
}

/// Every count of a row, in CSV order; `by_grade` adds the mentees left short
/// in each grade.
fn columns(r: &ScenarioResult, by_grade: bool) -> Vec<Column> {
    let plain = |name: &str, figure: Figure| Column {
        name: name.to_string(),
        identity: false,
        figure,
    };
    let mut columns = vec![
        plain("mentors", r.mentors),
        plain("mentees_with_0", r.mentees_by_matches[0]),
        plain("mentees_with_1", r.mentees_by_matches[1]),
        plain("mentees_with_2", r.mentees_by_matches[2]),
        plain("mentees_with_3_or_more", r.mentees_by_matches[3]),
        plain("mentees_with_at_least_1", r.mentees_with_at_least[0]),
        plain("mentees_with_at_least_2", r.mentees_with_at_least[1]),
        plain("mentees_with_at_least_3", r.mentees_with_at_least[2]),
        plain("mentors_used", r.mentors_used),
        Column {
            name: "identity_requests_met".into(),
            identity: true,
            figure: r.identity_requests.met,
        },
        plain("profession_requests_met", r.profession_requests.met),
        plain("eligible_pairs", r.eligible_pairs),
        plain("organisations_matching_within", r.organisations_matching_within),
    ];
    if by_grade {
        columns.extend(
            r.short_by_grade
                .iter()
                .map(|(grade, f)| plain(&format!("short_{grade}"), *f)),
        );
    }
    columns
}

impl Column {
    /// The mean (or the count, for one run) as a CSV cell.
    fn mean_cell(&self) -> String {
        if self.identity && is_small(self.figure.mean) {
            small_text()
        } else if self.figure.varies() {
            format!("{:.1}", self.figure.mean)
        } else {
            self.figure.min.to_string()
        }
    }

    fn bound_cell(&self, value: i64) -> String {
        if self.identity {
            small(value)
        } else {
            value.to_string()
        }
    }

    fn mean_json(&self) -> serde_json::Value {
        if self.identity && is_small(self.figure.mean) {
            serde_json::json!(small_text())
        } else if self.figure.varies() {
            serde_json::json!((self.figure.mean * 10.0).round() / 10.0)
        } else {
            serde_json::json!(self.figure.min)
        }
    }

    fn bound_json(&self, value: i64) -> serde_json::Value {
        if self.identity && is_small(value as f64) {
            serde_json::json!(small_text())
        } else {
            serde_json::json!(value)
        }
    }
}

/// Grades with mentees left short in any scenario, in ladder order.
fn short_grades(results: &[ScenarioResult]) -> Vec<String> {
    let Some(first) = results.first() else {
        return Vec::new();
    };
    first
        .short_by_grade
        .iter()
        .enumerate()
        .filter(|(i, _)| results.iter().any(|r| r.short_by_grade[*i].1.max > 0))
        .map(|(_, (grade, _))| grade.clone())
        .collect()
}

fn limits(r: &ScenarioResult) -> String {
    match r.limits_coverage_most() {
        Some((grade, short)) => format!("{grade} ({})", count(&short)),
        None => "none".into(),
    }
}

/// Lay out rows of cells under headings, numbers right-aligned.
fn layout(headings: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..headings.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headings[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                out += "  ";
            }
            let pad = w - c.chars().count();
            out += &" ".repeat(pad);
            out += c;
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(headings);
    for row in rows {
        out += &line(row);
    }
    out
}

impl WhatIf<'_> {
    fn header(&self) -> String {
        let Some(first) = self.results.first() else {
            return format!("What-if on model {}: no scenarios\n", self.model);
        };
        let mut text = format!(
            "What-if on model {}: {} scenario{}; {} mentees registered, {} asked to share an identity, {} named a profession.\n",
            self.model,
            self.results.len(),
            if self.results.len() == 1 { "" } else { "s" },
            first.mentees,
            small(first.identity_requests.asked as i64),
            first.profession_requests.asked,
        );
        text += &format!(
            "Per scenario: mentors registered; mentees by number of matches; mentors with a mentee; \
             mentees with their identity or profession request met (identity counts below {} as {}); \
             the grade with the most mentees left short.\n",
            super::SMALL_COUNT,
            small_text()
        );
        if self.results.iter().any(|r| r.runs > 1) {
            text += &format!(
                "Scenarios with drop-out ran {} times (seeds {} to {}): mean (lowest-highest).\n",
                self.repeat,
                self.seed,
                self.seed.wrapping_add(self.repeat as u64 - 1)
            );
        }
        text
    }

    /// Two tables for the terminal: coverage per scenario, then the mentees left
    /// short by grade.
    pub fn table(&self) -> String {
        let parameters = varied(self.results);
        let setting_cells = |r: &ScenarioResult| -> Vec<String> {
            if parameters.is_empty() {
                return vec!["base".into()];
            }
            r.scenario
                .settings
                .iter()
                .map(|s| match s.parameter {
                    // How many organisations the size opens up, beside the size.
                    Parameter::SameOrganisationFrom => format!(
                        "{} ({} organisations)",
                        s.parameter.show(s.value),
                        count(&r.organisations_matching_within)
                    ),
                    _ => s.parameter.show(s.value),
                })
                .collect()
        };
        let mut setting_headings: Vec<String> = parameters.iter().map(Parameter::heading).collect();
        if setting_headings.is_empty() {
            setting_headings.push("scenario".into());
        }

        let mut headings = setting_headings.clone();
        headings.extend(
            [
                "mentors",
                "0 matches",
                "1 match",
                "2 matches",
                "3+ matches",
                "mentors used",
                "identity met",
                "profession met",
                "limits coverage most",
            ]
            .map(String::from),
        );
        let rows: Vec<Vec<String>> = self
            .results
            .iter()
            .map(|r| {
                let mut row = setting_cells(r);
                row.push(count(&r.mentors));
                row.extend(r.mentees_by_matches.iter().map(count));
                row.push(count(&r.mentors_used));
                row.push(identity_count(&r.identity_requests.met));
                row.push(count(&r.profession_requests.met));
                row.push(limits(r));
                row
            })
            .collect();
        let mut out = self.header();
        out += "\n";
        out += &layout(&headings, &rows);
        let stopped: Vec<String> = self
            .results
            .iter()
            .filter(|r| r.not_proven > 0)
            .map(|r| r.scenario.label())
            .collect();
        if !stopped.is_empty() {
            out += &format!(
                "NOT proven: {} stopped at the time limit, and show{} the best matching found, which the optimum \
                 may beat; give --time-limit more seconds, or leave it out to run until proven.\n",
                stopped.join("; "),
                if stopped.len() == 1 { "s" } else { "" }
            );
        }

        let grades = short_grades(self.results);
        out += "\n";
        if grades.is_empty() {
            out += "Every mentee has as many matches as they can take, in every scenario.\n";
            return out;
        }
        out += "Mentees left short (fewer matches than they can take), by grade:\n";
        let mut headings = setting_headings;
        headings.extend(grades.iter().cloned());
        let rows: Vec<Vec<String>> = self
            .results
            .iter()
            .map(|r| {
                let mut row = setting_cells(r);
                for grade in &grades {
                    let figure = r
                        .short_by_grade
                        .iter()
                        .find(|(g, _)| g == grade)
                        .map(|(_, f)| *f)
                        .unwrap_or(Figure::of([0]));
                    row.push(count(&figure));
                }
                row
            })
            .collect();
        out += &layout(&headings, &rows);
        out
    }

    /// One CSV row per scenario. Repeated sweeps add `_min` and `_max` columns.
    pub fn csv(&self) -> String {
        let parameters = varied(self.results);
        let ranges = self.results.iter().any(|r| r.runs > 1);
        let mut heading: Vec<String> = parameters.iter().map(Parameter::name).collect();
        heading.push("runs".into());
        if let Some(first) = self.results.first() {
            for column in columns(first, true) {
                if ranges {
                    heading.extend([
                        column.name.clone(),
                        format!("{}_min", column.name),
                        format!("{}_max", column.name),
                    ]);
                } else {
                    heading.push(column.name);
                }
            }
        }
        heading.push("limits_coverage_most".into());
        heading.push("proven".into());

        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut write = |cells: Vec<String>| {
            writer
                .write_record(cells.iter().map(|c| safe_cell(c).into_owned()))
                .expect("writing to memory");
        };
        write(heading);
        for r in self.results {
            let mut row: Vec<String> = r.scenario.settings.iter().map(|s| s.parameter.show(s.value)).collect();
            row.push(r.runs.to_string());
            for column in columns(r, true) {
                row.push(column.mean_cell());
                if ranges {
                    row.push(column.bound_cell(column.figure.min));
                    row.push(column.bound_cell(column.figure.max));
                }
            }
            row.push(r.limits_coverage_most().map_or(String::new(), |(g, _)| g.to_string()));
            row.push(if r.not_proven == 0 { "yes" } else { "no" }.into());
            write(row);
        }
        String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
    }

    /// The sweep as one JSON document, for scripts.
    pub fn json(&self) -> String {
        let scenarios: Vec<JsonScenario> = self.results.iter().map(JsonScenario::new).collect();
        let first = self.results.first();
        let extra_grade = self.results.first().and_then(|r| {
            r.scenario.settings.iter().find_map(|s| match &s.parameter {
                Parameter::ExtraMentors { grade } => Some(grade.clone()),
                _ => None,
            })
        });
        let document = JsonDocument {
            model: self.model,
            varied: varied(self.results).iter().map(Parameter::name).collect(),
            extra_mentors_grade: extra_grade,
            repeat: self.repeat,
            seed: self.seed,
            mentees: first.map_or(0, |r| r.mentees),
            identity_requests_asked: Column {
                name: String::new(),
                identity: true,
                figure: Figure::of([first.map_or(0, |r| r.identity_requests.asked as i64)]),
            }
            .mean_json(),
            profession_requests_asked: first.map_or(0, |r| r.profession_requests.asked),
            scenarios,
        };
        serde_json::to_string_pretty(&document).expect("what-if results always serialise") + "\n"
    }
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    model: &'a str,
    varied: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_mentors_grade: Option<String>,
    repeat: u32,
    seed: u64,
    mentees: usize,
    identity_requests_asked: serde_json::Value,
    profession_requests_asked: usize,
    scenarios: Vec<JsonScenario>,
}

/// Settings as a JSON object in the order varied.
struct Settings(Vec<(String, serde_json::Value)>);

impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ShortGrade {
    grade: String,
    short: serde_json::Value,
}

#[derive(Serialize)]
struct JsonScenario {
    settings: Settings,
    runs: usize,
    #[serde(flatten)]
    counts: Settings,
    short_by_grade: Vec<ShortGrade>,
    limits_coverage_most: Option<String>,
    /// Whether every run's matching is proven optimal (a run stopped at the
    /// time limit gives the best matching found).
    proven: bool,
    /// Lowest and highest of each count over the runs; only for repeated scenarios.
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Settings>,
}

impl JsonScenario {
    fn new(r: &ScenarioResult) -> JsonScenario {
        let settings = Settings(
            r.scenario
                .settings
                .iter()
                .map(|s| {
                    let value = match s.parameter {
                        Parameter::SameOrganisation => serde_json::json!(s.parameter.show(s.value)),
                        _ => serde_json::json!(s.value),
                    };
                    (s.parameter.name(), value)
                })
                .collect(),
        );
        let range = (r.runs > 1).then(|| {
            Settings(
                columns(r, true)
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            serde_json::json!([c.bound_json(c.figure.min), c.bound_json(c.figure.max)]),
                        )
                    })
                    .collect(),
            )
        });
        JsonScenario {
            settings,
            runs: r.runs,
            counts: Settings(
                columns(r, false)
                    .iter()
                    .map(|c| (c.name.clone(), c.mean_json()))
                    .collect(),
            ),
            short_by_grade: r
                .short_by_grade
                .iter()
                .map(|(grade, f)| ShortGrade {
                    grade: grade.clone(),
                    short: Column {
                        name: String::new(),
                        identity: false,
                        figure: *f,
                    }
                    .mean_json(),
                })
                .collect(),
            limits_coverage_most: r.limits_coverage_most().map(|(g, _)| g.to_string()),
            proven: r.not_proven == 0,
            range,
        }
    }
}

/// Series colours, distinguishable in print and for most colour vision.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 94, 165),
    RGBColor(213, 94, 0),
    RGBColor(0, 140, 110),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 90, 0),
    RGBColor(90, 90, 90),
    RGBColor(170, 30, 50),
];

/// One line of a chart: its legend and its points (x, the count over runs).
type Line = (String, Vec<(i64, Figure)>);

impl WhatIf<'_> {
    /// Coverage (mentees with at least 1, 2 and 3 matches) against the first
    /// varied parameter, as SVG. With one parameter the three levels are three
    /// lines; with more, each level has its own panel with one line per value
    /// of the others. Text is left to the viewer's fonts: drawing needs none.
    pub fn chart(&self) -> Result<String, String> {
        let parameters = varied(self.results);
        let Some(x_parameter) = parameters.first() else {
            return Err("a chart needs at least one --vary".into());
        };
        let mut groups: Vec<(String, Vec<&ScenarioResult>)> = Vec::new();
        for r in self.results {
            let rest = Scenario {
                settings: r.scenario.settings[1..].to_vec(),
            };
            let key = if rest.settings.is_empty() {
                String::new()
            } else {
                rest.label()
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(r),
                None => groups.push((key, vec![r])),
            }
        }
        let x = |r: &ScenarioResult| r.scenario.settings[0].value as i64;
        let levels = ["at least 1 match", "at least 2 matches", "at least 3 matches"];
        let panels: Vec<(String, Vec<Line>)> = if groups.len() == 1 {
            vec![(
                String::new(),
                (0..3)
                    .map(|k| {
                        let points = groups[0].1.iter().map(|r| (x(r), r.mentees_with_at_least[k])).collect();
                        (format!("mentees with {}", levels[k]), points)
                    })
                    .collect(),
            )]
        } else {
            (0..3)
                .map(|k| {
                    let lines = groups
                        .iter()
                        .map(|(key, members)| {
                            let points = members.iter().map(|r| (x(r), r.mentees_with_at_least[k])).collect();
                            (key.clone(), points)
                        })
                        .collect();
                    (format!("mentees with {}", levels[k]), lines)
                })
                .collect()
        };

        let mentees = self.results[0].mentees as f64;
        let lowest = panels
            .iter()
            .flat_map(|(_, lines)| lines.iter().flat_map(|(_, points)| points.iter().map(|(_, f)| f.min)))
            .min()
            .unwrap_or(0) as f64;
        // Start at 0 unless every value is in the top half, where differences
        // of a few mentees would vanish at full scale.
        let y_low = if lowest < mentees / 2.0 {
            0.0
        } else {
            (lowest - mentees / 20.0).max(0.0).floor()
        };
        let y_high = mentees.max(1.0);
        // Every value is a whole number: integer coordinates put the axis
        // labels on whole numbers too.
        let xs: Vec<i64> = self.results.iter().map(x).collect();
        let (x_min, x_max) = (
            xs.iter().copied().min().unwrap_or(0),
            xs.iter().copied().max().unwrap_or(0),
        );
        let pad = ((x_max - x_min) / 20).max(1);
        let repeated = self.results.iter().any(|r| r.runs > 1);
        let mut title = format!("Coverage by {}, model {}", x_parameter.heading(), self.model);
        if repeated {
            title += &format!(" (mean of {} runs; bars: lowest-highest)", self.repeat);
        }

        let mut svg = String::new();
        let size = if panels.len() == 1 { (900, 540) } else { (1500, 540) };
        {
            let fail = |e: DrawingAreaErrorKind<std::io::Error>| format!("cannot draw the chart: {e}");
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE).map_err(fail)?;
            let root = root.titled(&title, ("sans-serif", 20)).map_err(fail)?;
            let areas = if panels.len() == 1 {
                vec![root.clone()]
            } else {
                root.split_evenly((1, panels.len()))
            };
            let x_labels = ((x_max - x_min + 2 * pad + 1) as usize).clamp(2, 12);
            let format_x = |v: &i64| match (x_parameter, *v) {
                (Parameter::SameOrganisation, 0 | 1) => x_parameter.show(*v as u32),
                (Parameter::SameOrganisation, _) => String::new(),
                _ if *v < x_min || *v > x_max => String::new(),
                _ => v.to_string(),
            };
            for ((caption, lines), area) in panels.iter().zip(&areas) {
                let mut chart = ChartBuilder::on(area)
                    .caption(caption, ("sans-serif", 16))
                    .margin(12)
                    .x_label_area_size(44)
                    .y_label_area_size(60)
                    .build_cartesian_2d((x_min - pad)..(x_max + pad), y_low..y_high)
                    .map_err(fail)?;
                chart
                    .configure_mesh()
                    .x_desc(x_parameter.heading())
                    .y_desc("mentees")
                    .x_labels(x_labels)
                    .light_line_style(WHITE)
                    .x_label_formatter(&format_x)
                    .y_label_formatter(&|v| format!("{v:.0}"))
                    .draw()
                    .map_err(fail)?;
                for (i, (label, points)) in lines.iter().enumerate() {
                    let colour = COLOURS[i % COLOURS.len()];
                    chart
                        .draw_series(LineSeries::new(
                            points.iter().map(|(x, f)| (*x, f.mean)),
                            colour.stroke_width(2),
                        ))
                        .map_err(fail)?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|(x, f)| Circle::new((*x, f.mean), 3, colour.filled())),
                        )
                        .map_err(fail)?;
                    chart
                        .draw_series(
                            points
                                .iter()
                                .filter(|(_, f)| f.varies())
                                .map(|(x, f)| PathElement::new(vec![(*x, f.min as f64), (*x, f.max as f64)], colour)),
                        )
                        .map_err(fail)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 13))
                    .draw()
                    .map_err(fail)?;
            }
            root.present().map_err(fail)?;
        }
        Ok(svg)
    }
}
