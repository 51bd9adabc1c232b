//! Several models' matchings of the same registrations, side by side: one column
//! per model, one row per measure, and what each model trades against the first.

use std::collections::BTreeSet;

use serde::Serialize;

use super::summary::{PriorityCounts, Summary};
use crate::matching::Matching;
use crate::registration::Programme;

/// A pair named by both emails, so matchings of differently read programmes compare.
pub type PairKey = (String, String);

/// The pairs of a matching by email key.
pub fn pair_keys(programme: &Programme, matching: &Matching) -> BTreeSet<PairKey> {
    matching.pair_keys(programme).collect()
}

/// One model's column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measures {
    /// The model's summary, as `match` writes it.
    #[serde(flatten)]
    pub summary: Summary,
    /// "flow" or "ilp (backend)".
    pub solver: String,
    /// Time to find the matching, in milliseconds.
    pub solve_ms: f64,
    /// Pairs this model's matching has in common with the first model's.
    pub pairs_shared_with_first: usize,
}

/// Every model's measures, the first model being the one others are compared to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Each model's measures, in the order given.
    pub models: Vec<Measures>,
}

/// One row of the table: its label and each model's value.
type Row = (String, Vec<Cell>);

/// One model's value in a row.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    /// A count or a time, compared with the first model's.
    Number(f64),
    /// A count of a small group as the report shows it ("<5"), not compared.
    Shown(String),
}

impl Comparison {
    /// Build from each model's summary, pairs, solver and solve time, first model first.
    pub fn new(runs: Vec<(Summary, BTreeSet<PairKey>, String, f64)>) -> Comparison {
        let first = runs.first().map(|r| r.1.clone()).unwrap_or_default();
        let models = runs
            .into_iter()
            .map(|(summary, pairs, solver, solve_ms)| Measures {
                pairs_shared_with_first: pairs.intersection(&first).count(),
                summary,
                solver,
                solve_ms,
            })
            .collect();
        Comparison { models }
    }

    fn rows(&self) -> Vec<Row> {
        let column = |f: &dyn Fn(&Measures) -> f64| self.models.iter().map(|m| Cell::Number(f(m))).collect::<Vec<_>>();
        let mut rows: Vec<Row> = Vec::new();
        for k in 0..=3u32 {
            rows.push((
                format!("mentees with {k} matches"),
                column(&|m| m.summary.mentees.by_matches.get(&k).copied().unwrap_or(0) as f64),
            ));
        }
        rows.push((
            "mentees with at least 1".into(),
            column(&|m| m.summary.mentees.at_least_1 as f64),
        ));
        // Only with a history naming last time's unmatched or short mentees.
        if self.models.iter().any(|m| m.summary.priority_mentees.is_some()) {
            let shown = |f: fn(&PriorityCounts) -> &String| -> Vec<Cell> {
                self.models
                    .iter()
                    .map(|m| {
                        Cell::Shown(
                            m.summary
                                .priority_mentees
                                .as_ref()
                                .map_or(String::new(), |p| f(p).clone()),
                        )
                    })
                    .collect()
            };
            rows.push(("priority mentees".into(), shown(|p| &p.registered)));
            rows.push(("priority mentees with a match".into(), shown(|p| &p.with_a_match)));
            rows.push((
                "priority mentees with every match".into(),
                shown(|p| &p.with_every_match_asked_for),
            ));
        }
        for k in 0..=3u32 {
            rows.push((
                format!("mentors with {k} mentees"),
                column(&|m| m.summary.mentors.by_matches.get(&k).copied().unwrap_or(0) as f64),
            ));
        }
        rows.push((
            "identity requests met".into(),
            column(&|m| m.summary.identity_requests.met as f64),
        ));
        rows.push((
            "profession requests met".into(),
            column(&|m| m.summary.profession_requests.met as f64),
        ));
        rows.push(("pairs".into(), column(&|m| m.summary.pairs as f64)));
        rows.push(("total score".into(), column(&|m| m.summary.total_score as f64)));
        rows.push((
            format!(
                "pairs shared with {}",
                self.models.first().map_or("", |m| m.summary.model.as_str())
            ),
            column(&|m| m.pairs_shared_with_first as f64),
        ));
        rows.push(("solve time (ms)".into(), column(&|m| m.solve_ms)));
        rows
    }

    /// A table for the terminal; after the first column each value shows its
    /// difference from the first model's, so the trade-offs stand out.
    pub fn table(&self) -> String {
        let headings: Vec<String> = self.models.iter().map(|m| m.summary.model.clone()).collect();
        let rows = self.rows();
        let cells: Vec<(String, Vec<String>)> = rows
            .iter()
            .map(|(label, values)| {
                let time = label.starts_with("solve time");
                let shared = label.starts_with("pairs shared");
                let first = match values.first() {
                    Some(Cell::Number(v)) => *v,
                    _ => 0.0,
                };
                let cells = values
                    .iter()
                    .enumerate()
                    .map(|(i, cell)| {
                        let v = match cell {
                            Cell::Number(v) => *v,
                            Cell::Shown(text) => return text.clone(),
                        };
                        if time {
                            return format!("{v:.1}");
                        }
                        let delta = v - first;
                        if i == 0 || delta == 0.0 || shared {
                            format!("{v}")
                        } else {
                            format!("{v} ({delta:+})")
                        }
                    })
                    .collect();
                (label.clone(), cells)
            })
            .collect();
        let label_width = cells
            .iter()
            .map(|(l, _)| l.len())
            .max()
            .unwrap_or(0)
            .max("measure".len());
        let widths: Vec<usize> = (0..headings.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|(_, c)| c[i].len())
                    .chain([headings[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!("{:<label_width$}", "measure");
        for (h, w) in headings.iter().zip(&widths) {
            out += &format!("  {h:>w$}");
        }
        out += "\n";
        for (label, row) in &cells {
            out += &format!("{label:<label_width$}");
            for (c, w) in row.iter().zip(&widths) {
                out += &format!("  {c:>w$}");
            }
            out += "\n";
        }
        out
    }

    /// The same table as CSV: a `measure` column, then one column per model.
    pub fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut heading = vec!["measure".to_string()];
        heading.extend(
            self.models
                .iter()
                .map(|m| super::safe_cell(&m.summary.model).into_owned()),
        );
        writer.write_record(&heading).expect("writing to memory");
        for (label, values) in self.rows() {
            let mut record = vec![label];
            record.extend(values.iter().map(|cell| match cell {
                Cell::Number(v) => v.to_string(),
                Cell::Shown(text) => text.clone(),
            }));
            writer.write_record(&record).expect("writing to memory");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
    }

    /// One JSON object per model, with every measure, for scripts.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.models).expect("measures always serialise") + "\n"
    }
}
