//! Scenario builders shared by the integration tests: small programmes written
//! as the registration CSVs an organiser would have, with sensible defaults.
#![allow(dead_code)]

pub mod http;
pub mod webdriver;

use std::ffi::{OsStr, OsString};

use mentorflow::check::check_matching;
use mentorflow::eligibility::Pair;
use mentorflow::matching::Matching;
use mentorflow::model::Model;
use mentorflow::registration::generate::{generate, GenerateSpec};
use mentorflow::registration::{
    read_programme, History, Programme, Source, MAX_MATCHES_HEADING, MENTEE_HEADINGS, MENTOR_HEADINGS,
};

/// One registration; build with struct update syntax from `Person::default()`.
#[derive(Clone, Debug)]
pub struct Person {
    pub email: String,
    pub grade: String,
    pub organisation: String,
    pub profession: String,
    /// Mentor: characteristics; mentee: identity to match.
    pub identity: String,
    pub wants_identity: bool,
    pub capacity: Option<u32>,
}

impl Default for Person {
    fn default() -> Self {
        Person {
            email: String::new(),
            grade: "HEO".into(),
            organisation: "Org A".into(),
            profession: "Policy".into(),
            identity: String::new(),
            wants_identity: false,
            capacity: None,
        }
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A heading row: the reader's own headings, and `max matches`.
pub fn headings(file: &[&str]) -> String {
    format!("{},{MAX_MATCHES_HEADING}\n", file.join(","))
}

pub fn mentors_csv(mentors: &[Person]) -> String {
    let mut out = headings(&MENTOR_HEADINGS);
    for (i, p) in mentors.iter().enumerate() {
        out += &format!(
            "Mentor,{i},{},no,Role,{},{},{},{},Bio of mentor {i},{}\n",
            p.email,
            quote(&p.grade),
            quote(&p.organisation),
            quote(&p.profession),
            quote(&p.identity),
            p.capacity.map(|c| c.to_string()).unwrap_or_default()
        );
    }
    out
}

pub fn mentees_csv(mentees: &[Person]) -> String {
    let mut out = headings(&MENTEE_HEADINGS);
    for (i, p) in mentees.iter().enumerate() {
        out += &format!(
            "Mentee,{i},{},no,Role,{},{},{},{},{},Bio of mentee {i},{}\n",
            p.email,
            quote(&p.grade),
            quote(&p.organisation),
            quote(&p.profession),
            if p.wants_identity { "yes" } else { "no" },
            quote(&p.identity),
            p.capacity.map(|c| c.to_string()).unwrap_or_default()
        );
    }
    out
}

/// Read a programme from people, panicking on any problem (tests build valid ones).
pub fn programme(mentors: &[Person], mentees: &[Person], model: &Model) -> Programme {
    read(mentors_csv(mentors).as_bytes(), mentees_csv(mentees).as_bytes(), model)
}

/// Read a programme from the two files' bytes, panicking on any problem.
pub fn read(mentors: &[u8], mentees: &[u8], model: &Model) -> Programme {
    read_programme(
        Source {
            name: "mentors.csv",
            bytes: mentors,
        },
        Source {
            name: "mentees.csv",
            bytes: mentees,
        },
        model,
    )
    .unwrap_or_else(|p| panic!("{p}"))
    .programme
}

/// Generated registrations (`mentorflow generate`), read.
pub fn generated(mentees: usize, mentors: usize, seed: u64, model: &Model) -> Programme {
    generate(&GenerateSpec { mentees, mentors, seed })
        .read(model)
        .unwrap_or_else(|p| panic!("{p}"))
        .programme
}

/// Assert every hard rule and capacity holds, with the independent checker.
pub fn assert_valid(programme: &Programme, model: &Model, history: &History, matching: &Matching) {
    let violations = check_matching(programme, model, history, matching);
    assert!(violations.is_empty(), "{violations:?}");
}

/// The lexicographically best objective values over every matching made of
/// `pairs`, by trying them all: the independent oracle for small programmes.
pub fn brute_force_best(programme: &Programme, model: &Model, pairs: &[Pair]) -> Vec<i64> {
    brute_force_best_with(programme, model, pairs, &[])
}

/// [`brute_force_best`] over the matchings that make every pair of `must`
/// (the organisers' pins), by (mentee, mentor) index.
pub fn brute_force_best_with(programme: &Programme, model: &Model, pairs: &[Pair], must: &[(u32, u32)]) -> Vec<i64> {
    struct Search<'a> {
        must: &'a [(u32, u32)],
        programme: &'a Programme,
        model: &'a Model,
        pairs: &'a [Pair],
        chosen: Vec<Pair>,
        mentee_left: Vec<u32>,
        mentor_left: Vec<u32>,
        best: Option<Vec<i64>>,
    }
    impl Search<'_> {
        fn go(&mut self, i: usize) {
            if i == self.pairs.len() {
                if !self
                    .must
                    .iter()
                    .all(|&(e, m)| self.chosen.iter().any(|p| (p.mentee, p.mentor) == (e, m)))
                {
                    return;
                }
                let values = Matching::new(self.chosen.clone()).objective_values(self.programme, &self.model.objective);
                if self.best.as_ref().is_none_or(|b| values > *b) {
                    self.best = Some(values);
                }
                return;
            }
            self.go(i + 1);
            let p = self.pairs[i];
            let (e, m) = (p.mentee as usize, p.mentor as usize);
            if self.mentee_left[e] > 0 && self.mentor_left[m] > 0 {
                self.mentee_left[e] -= 1;
                self.mentor_left[m] -= 1;
                self.chosen.push(p);
                self.go(i + 1);
                self.chosen.pop();
                self.mentee_left[e] += 1;
                self.mentor_left[m] += 1;
            }
        }
    }
    let mut search = Search {
        must,
        programme,
        model,
        pairs,
        chosen: Vec::new(),
        mentee_left: programme.mentees.iter().map(|m| m.person.capacity).collect(),
        mentor_left: programme.mentors.iter().map(|m| m.person.capacity).collect(),
        best: None,
    };
    search.go(0);
    search.best.expect("a matching with every pin exists")
}

/// Runs the built `mentorflow` binary from the crate's root, as an organiser would
/// from a checkout.
pub fn mentorflow<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mentorflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// One `mentorflow` command line on a programme's files, built up as an
/// organiser would type it: `cli("match").on_sample().out(&dir).run()`.
pub struct Cli(Vec<OsString>);

/// `mentorflow COMMAND`, to add a programme and options to.
pub fn cli(command: &str) -> Cli {
    Cli(vec![command.into()])
}

impl Cli {
    /// `--mentors MENTORS --mentees MENTEES`.
    pub fn on(self, mentors: impl AsRef<OsStr>, mentees: impl AsRef<OsStr>) -> Cli {
        self.opt("--mentors", mentors).opt("--mentees", mentees)
    }

    /// The bundled sample's two files.
    pub fn on_sample(self) -> Cli {
        self.on(example("mentors.csv"), example("mentees.csv"))
    }

    /// `--out DIR`.
    pub fn out(self, dir: impl AsRef<OsStr>) -> Cli {
        self.opt("--out", dir)
    }

    /// An option and its value, such as `--model coverage`.
    pub fn opt(self, name: &str, value: impl AsRef<OsStr>) -> Cli {
        self.arg(name).arg(value)
    }

    /// One more argument, as given.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cli {
        self.0.push(arg.as_ref().to_owned());
        self
    }

    /// Runs the command line with [`mentorflow`].
    pub fn run(&self) -> std::process::Output {
        mentorflow(&self.0)
    }
}

/// A file of the bundled sample, by absolute path.
pub fn example(file: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/peer-small")
        .join(file)
        .display()
        .to_string()
}

/// The records of a CSV text (quotes, doubled quotes and line breaks inside
/// quotes), for tests that read an output or example file.
pub fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}
