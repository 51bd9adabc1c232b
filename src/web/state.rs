//! What the server holds: one organiser's files and results, in memory only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use std::time::Instant;

use crate::matching::Matching;
use crate::pipeline::{Inputs, MatchRun, Progress};
use crate::problem::Problems;
use crate::report::compare::Comparison;

/// The server: its address, token and the organiser's session.
pub struct App {
    pub port: u16,
    pub token: String,
    /// Whether the token in the printed address was exchanged for the cookie:
    /// it works once, so an address seen later (history, a screen share) opens nothing.
    token_used: AtomicBool,
    session: Mutex<Session>,
    /// How long a solve of a model with side constraints may take before it
    /// stops with the best matching found (marked not proven): a page must
    /// answer, and an organiser cannot stop a run from the browser.
    pub time_limit: std::time::Duration,
}

impl App {
    pub fn new(port: u16, token: String) -> App {
        App {
            port,
            token,
            token_used: AtomicBool::new(false),
            session: Mutex::new(Session::default()),
            time_limit: super::TIME_LIMIT,
        }
    }

    /// The solver's options: the model decides, stopped at the time limit.
    pub fn solver(&self) -> crate::solve::choose::SolverChoice {
        crate::solve::choose::SolverChoice {
            time_limit: Some(self.time_limit),
            ..Default::default()
        }
    }

    /// Take the address's token for the cookie: true the first time only.
    pub fn take_token(&self) -> bool {
        !self.token_used.swap(true, Ordering::SeqCst)
    }

    /// The Host headers this server answers to.
    pub fn hosts(&self) -> [String; 2] {
        [format!("127.0.0.1:{}", self.port), format!("localhost:{}", self.port)]
    }

    /// The session, for a short read or change; never held while solving. A
    /// page that panicked while holding it leaves it usable.
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Columns mapped: by a column's own heading, the heading it has in the files.
pub type Columns = std::collections::BTreeMap<String, String>;

/// The matching `explain` explains, once solved (or why it could not be).
pub type Explained = Arc<OnceLock<Result<(Matching, bool), String>>>;

/// An uploaded file: its name as the organiser's computer gave it, and its bytes.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// The file as the library reads it.
    pub fn source(&self) -> crate::registration::Source<'_> {
        crate::registration::Source {
            name: &self.name,
            bytes: &self.bytes,
        }
    }
}

/// The model chosen: a shipped one by name, or an uploaded file.
#[derive(Clone, Debug)]
pub enum ModelChoice {
    Shipped(String),
    Uploaded(Upload),
}

impl Default for ModelChoice {
    fn default() -> Self {
        ModelChoice::Shipped("civil-service".into())
    }
}

/// One pin or ban, as a row of the adjustments file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub action: String,
    pub mentee_email: String,
    pub mentor_email: String,
    pub note: String,
}

/// Which registrations file: the mentees' or the mentors'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Mentee,
    Mentor,
}

impl Side {
    /// "mentee" or "mentor", as forms and addresses write it.
    pub fn word(self) -> &'static str {
        match self {
            Side::Mentee => "mentee",
            Side::Mentor => "mentor",
        }
    }

    /// From a form's value.
    pub fn parse(word: &str) -> Option<Side> {
        match word {
            "mentee" => Some(Side::Mentee),
            "mentor" => Some(Side::Mentor),
            _ => None,
        }
    }
}

/// A person withdrawn on the Review page: their row is left out of their file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub side: Side,
    pub email: String,
    pub name: String,
}

/// Late registrations added on the Review page: rows added to the end of their
/// file, from the form or an uploaded file.
#[derive(Clone, Debug)]
pub struct Late {
    pub side: Side,
    /// The rows, as a CSV with headings.
    pub upload: Upload,
    /// What the list of changes shows: the email entered, or the file's name.
    pub label: String,
}

/// A match running in the background, and how far it has got.
pub struct Job {
    pub started: Instant,
    /// Whether the programme has pins or bans (so their prices are a stage).
    pub priced: bool,
    pub state: tokio::sync::watch::Sender<JobState>,
}

impl Job {
    pub fn new(priced: bool) -> Job {
        Job {
            started: Instant::now(),
            priced,
            state: tokio::sync::watch::Sender::new(JobState::default()),
        }
    }
}

/// What a [`Job`] has done so far.
#[derive(Clone, Debug, Default)]
pub struct JobState {
    /// The stages started, in order; the last one is running.
    pub stages: Vec<Progress>,
    /// Set once finished: done, or why not, in words.
    pub outcome: Option<Result<(), String>>,
}

/// A what-if analysis's results, as shown.
#[derive(Clone, Debug, Default)]
pub struct WhatIfShown {
    /// The settings asked for, to fill the form again.
    pub vary: Vec<(String, String)>,
    pub extra_grade: String,
    pub repeat: u32,
    /// The table: headings, then rows (the `whatif --format csv` table).
    pub table: Vec<Vec<String>>,
    /// The chart, when a parameter was varied.
    pub chart: Option<String>,
}

/// Everything one organiser has uploaded and produced.
#[derive(Default)]
pub struct Session {
    /// Changed by every upload, model change and clear, so a result computed
    /// from older inputs is never stored over newer ones.
    pub generation: u64,
    pub mentors: Option<Upload>,
    pub mentees: Option<Upload>,
    pub history: Option<Upload>,
    pub model: ModelChoice,
    /// Every problem found by the last check.
    pub problems: Problems,
    /// The checked inputs, when there was no error.
    pub inputs: Option<Arc<Inputs>>,
    pub run: Option<Arc<MatchRun>>,
    /// The matching `explain` explains, and whether it is proven optimal:
    /// started after each match, and shared, so a review waits for the same
    /// solve instead of starting another.
    pub explained: Option<Explained>,
    pub adjustments: Vec<Adjustment>,
    /// The matches marked as sent (their `matches.csv`): every later match is a
    /// re-match that keeps them, as `rematch --previous` does.
    pub sent: Option<Vec<crate::rematch::PreviousPair>>,
    pub comparison: Option<Comparison>,
    pub whatif: Option<WhatIfShown>,
    /// People withdrawn since the files were uploaded.
    pub withdrawn: Vec<Withdrawal>,
    /// Late registrations added since the files were uploaded.
    pub late: Vec<Late>,
    /// The registrations as matched, (mentors, mentees), when people were
    /// withdrawn or added: the uploaded files so changed, to download.
    pub amended: Option<(Upload, Upload)>,
    /// The headings of the uploaded files, (mentors, mentees): the fields of
    /// the late registration forms.
    pub headings: (Vec<String>, Vec<String>),
    /// Spellings merged into one organisation: (name, same as), as the
    /// organisations file has them.
    pub organisations: Vec<(String, String)>,
    /// Spellings the check suggests merging, (name, same as).
    pub suggestions: Vec<(String, String)>,
    /// Columns mapped on the Check page: by a column's own heading, the
    /// heading it has in the files (added to the model's `columns`).
    pub columns: Columns,
    /// Columns the reader did not find, with the headings they could be.
    pub unmapped: Vec<crate::registration::Unmapped>,
    /// The match running or last run.
    pub job: Option<Arc<Job>>,
    /// The last match's solved network: a re-match after a pin, a ban, a
    /// withdrawal or a late registration goes on from it (warm) instead of
    /// solving again from scratch. Taken by a running match, put back after.
    pub resolver: crate::pipeline::Resolver,
}

impl Session {
    /// The pins and bans as the adjustments file `--adjust` reads, named
    /// `adjust.csv`; none when there are none.
    pub fn adjust_file(&self) -> Option<Upload> {
        if self.adjustments.is_empty() {
            return None;
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(["action", "mentee email", "mentor email", "note"]);
        for a in &self.adjustments {
            let note = crate::report::safe_cell(&a.note);
            let _ = writer.write_record([a.action.as_str(), &a.mentee_email, &a.mentor_email, &note]);
        }
        Some(Upload {
            name: "adjust.csv".into(),
            bytes: writer.into_inner().unwrap_or_default(),
        })
    }

    /// The organisations file `--organisations` reads, named
    /// `organisations.csv`; none when no spellings are merged.
    pub fn organisations_file(&self) -> Option<Upload> {
        (!self.organisations.is_empty()).then(|| Upload {
            name: "organisations.csv".into(),
            bytes: crate::registration::organisations_csv(&self.organisations),
        })
    }

    /// Forget every result computed from the inputs (they changed).
    pub fn inputs_changed(&mut self) {
        self.generation += 1;
        self.run = None;
        self.explained = None;
        self.comparison = None;
        self.whatif = None;
    }
}
