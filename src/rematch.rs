//! Re-matching after the matches were sent: people withdraw, late registrations
//! arrive, places free up. Every previous pair whose two people are still
//! registered and still allowed is kept; within that, the model's objective is
//! optimised exactly over the places left. With moves allowed (before the
//! emails go out), previous pairs may be dropped where that improves the
//! objective, and among equally good matchings the one that changes the fewest
//! previous pairs is chosen: "previous pairs kept" is the objective's last
//! term, so the solver's proof of optimality covers it too.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::text::email_key;
use crate::model::{Model, Term};
use crate::problem::{Problem, Problems};
use crate::registration::{read_named_pairs, Action, Adjustment, History, Programme, Source};
use crate::rules::Rules;

/// One pair of the previous `matches.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreviousPair {
    /// The mentee's email, as the previous file gives it.
    pub mentee_email: String,
    /// The mentee's name, as the previous file gives it.
    pub mentee_name: String,
    /// The mentor's email, as the previous file gives it.
    pub mentor_email: String,
    /// The mentor's name, as the previous file gives it.
    pub mentor_name: String,
    /// Line in the previous file.
    pub line: u64,
}

impl PreviousPair {
    fn keys(&self) -> (String, String) {
        (email_key(&self.mentee_email), email_key(&self.mentor_email))
    }
}

/// Read the `matches.csv` that was sent: its `mentee_email` and `mentor_email`
/// columns (and the names, when there), as every file of pairs is read. A file
/// without them is not a matches file, and the error lists the headings found.
/// A pair listed twice is kept once.
pub fn read_previous(source: Source) -> Result<Vec<PreviousPair>, Problems> {
    let mut seen = HashSet::new();
    Ok(read_named_pairs(source)?
        .into_iter()
        .map(|named| PreviousPair {
            mentee_email: named.pair.mentee_email.trim().to_string(),
            mentor_email: named.pair.mentor_email.trim().to_string(),
            mentee_name: named.mentee_name,
            mentor_name: named.mentor_name,
            line: named.pair.line,
        })
        .filter(|pair| seen.insert(pair.keys()))
        .collect())
}

/// A history (`--history`) that holds the previous matching's own pairs: most
/// of them (this run's `history-next-time.csv`, given as the history of a
/// re-match). Read as it is, every previous pair would be "matched before" and
/// end, and everyone would be told so; so it is an error (H004) saying which
/// history to give instead.
pub fn history_holds_previous(
    history_file: &str,
    history: &History,
    previous_file: &str,
    previous: &[PreviousPair],
) -> Option<Problem> {
    let held = previous
        .iter()
        .filter(|pair| {
            let (mentee, mentor) = pair.keys();
            history.contains(&mentee, &mentor)
        })
        .count();
    (held > 0 && 2 * held > previous.len()).then(|| {
        Problem::error(
            "H004",
            history_file,
            format!(
                "the history holds {held} of the {} pairs of the previous matching ({previous_file}), so each would count as matched in an earlier year and end; it looks like the history-next-time.csv written with those matches",
                previous.len()
            ),
        )
        .fix("give --history the history that match was given (the earlier years' pairs), or no --history; keep history-next-time.csv for next year")
    })
}

/// Why a pair was added or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// A new pair: a freed place, a late registration, a mentee short of matches.
    New,
    /// The mentee is no longer registered, or asks for no matches.
    MenteeWithdrew,
    /// The mentor is no longer registered, or offers no places.
    MentorWithdrew,
    /// The organisers banned the pair.
    Banned,
    /// A hard rule no longer allows the pair (a person changed grade or
    /// organisation); the rule's name.
    NoLongerAllowed(String),
    /// A person now offers fewer places than their previous pairs; the later
    /// rows of the previous file give way.
    PlacesReduced,
    /// The organisers pinned a new pair that takes the place (a pin uses a
    /// place on both sides); the later rows of the previous file give way.
    GaveWayToPin,
    /// Dropped for a better matching (`--allow-moves`).
    Moved,
}

impl Why {
    /// In organisers' words.
    pub fn words(&self) -> String {
        match self {
            Why::New => "new match".into(),
            Why::MenteeWithdrew => "the mentee withdrew".into(),
            Why::MentorWithdrew => "the mentor withdrew".into(),
            Why::Banned => "banned by the organisers".into(),
            Why::NoLongerAllowed(rule) => format!("no longer allowed: {rule}"),
            Why::PlacesReduced => "fewer places now".into(),
            Why::GaveWayToPin => "gave way to a pair the organisers pinned".into(),
            Why::Moved => "moved for a better matching".into(),
        }
    }
}

/// One pair added or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PairChange {
    /// True for a pair added, false for one removed.
    pub added: bool,
    /// The mentee's email.
    pub mentee_email: String,
    /// The mentee's full name.
    pub mentee_name: String,
    /// The mentor's email.
    pub mentor_email: String,
    /// The mentor's full name.
    pub mentor_name: String,
    /// Why the pair was added or removed.
    pub why: Why,
}

/// The previous pairs sorted into those kept (or, with moves allowed, preferred)
/// and those that cannot be, with why.
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    /// Previous pairs kept (or, with moves allowed, preferred).
    pub keep: Vec<PreviousPair>,
    /// Previous pairs that cannot be kept, each with why.
    pub removed: Vec<(PreviousPair, Why)>,
}

/// Sort the previous pairs against the current registrations.
pub fn sort_previous(programme: &Programme, model: &Model, history: &History, previous: &[PreviousPair]) -> Sorted {
    let rules = Rules::new(programme, model, history);
    let mut sorted = Sorted::default();
    let mut mentee_places: HashMap<usize, u32> = HashMap::new();
    let mut mentor_places: HashMap<usize, u32> = HashMap::new();
    // The organisers' pins take their places first (a pinned previous pair is
    // kept below without taking one again), so a previous pair that no longer
    // fits beside them gives way instead of making the pins impossible.
    let mut mentee_pinned: HashMap<usize, u32> = HashMap::new();
    let mut mentor_pinned: HashMap<usize, u32> = HashMap::new();
    for pin in programme.adjustments.pins() {
        if let Some(e) = programme.mentee_by_email(&pin.mentee_email) {
            *mentee_pinned.entry(e).or_default() += 1;
        }
        if let Some(m) = programme.mentor_by_email(&pin.mentor_email) {
            *mentor_pinned.entry(m).or_default() += 1;
        }
    }
    for pair in previous {
        let e = programme
            .mentee_by_email(&pair.mentee_email)
            .filter(|&e| programme.mentees[e].person.capacity > 0);
        let m = programme
            .mentor_by_email(&pair.mentor_email)
            .filter(|&m| programme.mentors[m].person.capacity > 0);
        let why = match (e, m) {
            (None, _) => Some(Why::MenteeWithdrew),
            (_, None) => Some(Why::MentorWithdrew),
            (Some(e), Some(m)) => {
                let broken = rules.broken(e as u32, m as u32);
                if broken.contains(crate::rules::Rule::Banned) {
                    Some(Why::Banned)
                } else if rules.is_pinned(e as u32, m as u32) {
                    None
                } else if let Some(rule) = broken.first() {
                    Some(Why::NoLongerAllowed(rule.title().to_string()))
                } else {
                    let left_e = mentee_places.entry(e).or_insert(programme.mentees[e].person.capacity);
                    let left_m = mentor_places.entry(m).or_insert(programme.mentors[m].person.capacity);
                    let pinned_e = mentee_pinned.get(&e).copied().unwrap_or(0);
                    let pinned_m = mentor_pinned.get(&m).copied().unwrap_or(0);
                    if *left_e == 0 || *left_m == 0 {
                        Some(Why::PlacesReduced)
                    } else if *left_e <= pinned_e || *left_m <= pinned_m {
                        Some(Why::GaveWayToPin)
                    } else {
                        *left_e -= 1;
                        *left_m -= 1;
                        None
                    }
                }
            }
        };
        match why {
            Some(why) => sorted.removed.push((pair.clone(), why)),
            None => sorted.keep.push(pair.clone()),
        }
    }
    sorted
}

/// The programme and model to solve: the kept pairs pinned (as `Keep`), or,
/// with moves allowed, marked as previous pairs with "previous pairs kept" as
/// the objective's last term. Pairs the organisers pinned stay their pins.
pub fn prepare(programme: &Programme, model: &Model, sorted: &Sorted, allow_moves: bool) -> (Programme, Model) {
    let mut programme = programme.clone();
    let pinned: HashSet<(String, String)> = programme.adjustments.pins().map(Adjustment::keys).collect();
    for pair in &sorted.keep {
        if pinned.contains(&pair.keys()) {
            continue;
        }
        programme.adjustments.rows.push(Adjustment {
            action: if allow_moves { Action::Previous } else { Action::Keep },
            mentee_email: pair.mentee_email.clone(),
            mentor_email: pair.mentor_email.clone(),
            note: String::new(),
            line: pair.line,
        });
    }
    let mut model = model.clone();
    if allow_moves {
        model.objective.push(Term::PreviousPairsKept { weight: 1 });
    }
    (programme, model)
}

/// What changed between the previous pairs and the new matching.
pub fn changes(
    programme: &Programme,
    matching: &crate::matching::Matching,
    previous: &[PreviousPair],
    sorted: &Sorted,
) -> Vec<PairChange> {
    let now: HashSet<(String, String)> = matching.pair_keys(programme).collect();
    let before: HashSet<(String, String)> = previous.iter().map(PreviousPair::keys).collect();
    let removed_why: HashMap<(String, String), &Why> = sorted.removed.iter().map(|(p, why)| (p.keys(), why)).collect();
    let mut changes = Vec::new();
    for pair in previous {
        let keys = pair.keys();
        if now.contains(&keys) {
            continue;
        }
        changes.push(PairChange {
            added: false,
            mentee_email: pair.mentee_email.clone(),
            mentee_name: pair.mentee_name.clone(),
            mentor_email: pair.mentor_email.clone(),
            mentor_name: pair.mentor_name.clone(),
            why: removed_why.get(&keys).map_or(Why::Moved, |&why| why.clone()),
        });
    }
    for p in &matching.pairs {
        let (mentee, mentor) = (
            &programme.mentees[p.mentee as usize].person,
            &programme.mentors[p.mentor as usize].person,
        );
        if !before.contains(&(mentee.email_key.clone(), mentor.email_key.clone())) {
            changes.push(PairChange {
                added: true,
                mentee_email: mentee.email.clone(),
                mentee_name: mentee.full_name(),
                mentor_email: mentor.email.clone(),
                mentor_name: mentor.full_name(),
                why: Why::New,
            });
        }
    }
    changes
}

/// What a re-match changed, for the summary and the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeSummary {
    /// Pairs in the previous file.
    pub previous: usize,
    /// Previous pairs kept.
    pub kept: usize,
    /// Previous pairs removed.
    pub removed: usize,
    /// Pairs added.
    pub added: usize,
    /// Removed pairs by why, in organisers' words.
    pub removed_by_why: Vec<(String, usize)>,
    /// Whether previous pairs could be dropped for a better matching.
    pub moves_allowed: bool,
    /// People named in the previous file who are not registered now: treated
    /// as withdrawn.
    pub not_registered: Vec<String>,
}

impl ChangeSummary {
    /// The summary of `changes` to the `previous` pairs of `programme`.
    pub fn new(programme: &Programme, previous: &[PreviousPair], changes: &[PairChange], moves_allowed: bool) -> Self {
        let removed: Vec<&PairChange> = changes.iter().filter(|c| !c.added).collect();
        let mut by_why: Vec<(String, usize)> = Vec::new();
        for change in &removed {
            let words = change.why.words();
            match by_why.iter_mut().find(|(w, _)| *w == words) {
                Some((_, n)) => *n += 1,
                None => by_why.push((words, 1)),
            }
        }
        let mut not_registered: Vec<String> = previous
            .iter()
            .flat_map(|p| {
                [
                    programme
                        .mentee_by_email(&p.mentee_email)
                        .is_none()
                        .then(|| p.mentee_email.clone()),
                    programme
                        .mentor_by_email(&p.mentor_email)
                        .is_none()
                        .then(|| p.mentor_email.clone()),
                ]
            })
            .flatten()
            .collect();
        not_registered.sort_by_key(|e| email_key(e));
        not_registered.dedup_by_key(|e| email_key(e));
        ChangeSummary {
            previous: previous.len(),
            kept: previous.len() - removed.len(),
            removed: removed.len(),
            added: changes.iter().filter(|c| c.added).count(),
            removed_by_why: by_why,
            moves_allowed,
            not_registered,
        }
    }

    /// In organisers' words, one line.
    pub fn words(&self) -> String {
        let why: Vec<String> = self.removed_by_why.iter().map(|(w, n)| format!("{n} {w}")).collect();
        let mut text = format!(
            "{} of {} previous pairs kept; {} removed{}; {} added",
            self.kept,
            self.previous,
            self.removed,
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join(", "))
            },
            self.added
        );
        if self.moves_allowed {
            text.push_str(
                "; no matching as good under the model changes fewer previous pairs (previous pairs kept is the objective's last term, proven with the rest)",
            );
        }
        text
    }
}
