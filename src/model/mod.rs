//! The model: the rules, weights and objective an organiser chose, kept as a JSON
//! file. [`ModelFile`] is the file's shape (serde); [`Model`] is the checked form
//! the rest of the crate uses, with the grade ladder and aliases ready to look up.

mod objective;
pub mod text;

pub use objective::{Constraint, Group, Term, MAX_WEIGHT};

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Problems};
use text::{grade_key, organisation_key};

/// The default model, built into the binary.
pub const CIVIL_SERVICE_JSON: &str = include_str!("../../models/civil-service.json");

/// Every model shipped in `models/`, built into the binary: `--model NAME` finds
/// them without a path.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("civil-service", CIVIL_SERVICE_JSON),
    ("coverage", include_str!("../../models/coverage.json")),
    ("quality", include_str!("../../models/quality.json")),
    ("identity-first", include_str!("../../models/identity-first.json")),
    ("profession-first", include_str!("../../models/profession-first.json")),
    ("balanced", include_str!("../../models/balanced.json")),
    (
        "fair-organisations",
        include_str!("../../models/fair-organisations.json"),
    ),
    ("priority", include_str!("../../models/priority.json")),
];

/// Largest model file read: real models are a few kilobytes.
pub const MAX_MODEL_BYTES: usize = 1024 * 1024;

/// Largest capacity a person or model may give: far above any real programme,
/// low enough that flow weights can never overflow.
pub const MAX_CAPACITY: u32 = 50;

/// A model file as written. Unknown keys are errors, so a typo is never ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// The model's name, as `--model` and the outputs give it.
    pub name: String,
    /// What the model is for, in a sentence.
    #[serde(default)]
    pub description: String,
    /// The grade ladder, its aliases and the grade window.
    pub grades: GradesFile,
    /// The organisation rule and organisations' other names.
    pub organisations: OrganisationsFile,
    /// Default matches per mentee and per mentor.
    pub capacity: Capacity,
    /// What each part of a pair's score is worth.
    pub weights: WeightsFile,
    /// What the matching optimises, most important term first.
    pub objective: Vec<Term>,
    /// Side constraints, which make the model an integer program; none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// What the mailing lists do with biographies; withheld when they mention an
    /// identity, by default.
    #[serde(default, skip_serializing_if = "BiographiesFile::is_default")]
    pub biographies: BiographiesFile,
    /// The heading a registration file gives a column, by the column's own
    /// heading (such as `"identity to match": "Which identity would you like to
    /// share?"`), for exports whose headings the reader does not recognise.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub columns: std::collections::BTreeMap<String, String>,
}

/// The `biographies` key: how biographies reach a person's matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiographiesFile {
    /// What happens to biographies; see [`BiographyPolicy`].
    #[serde(default)]
    pub policy: BiographyPolicy,
    /// Emails of people whose withheld biography is sent anyway: an organiser
    /// read it and the person agreed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub release: Vec<String>,
}

impl BiographiesFile {
    fn is_default(&self) -> bool {
        *self == BiographiesFile::default()
    }
}

/// What the mailing lists do with a biography. A biography is never rewritten
/// in part: it is sent whole or not at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BiographyPolicy {
    /// Withheld whole when it mentions an identity (a built-in list of terms,
    /// and every identity written in the registrations); the others are sent
    /// as written.
    #[default]
    WithholdIfIdentity,
    /// Every biography sent as written.
    AsWritten,
    /// No biography sent.
    None,
}

impl BiographyPolicy {
    /// The policy's name in model files (kebab-case).
    pub fn name(self) -> &'static str {
        match self {
            BiographyPolicy::WithholdIfIdentity => "withhold-if-identity",
            BiographyPolicy::AsWritten => "as-written",
            BiographyPolicy::None => "none",
        }
    }
}

/// The `grades` key: the ladder, other spellings and the grade window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradesFile {
    /// Lowest grade first.
    pub ladder: Vec<String>,
    /// Other spellings, each naming a grade of the ladder.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// The lowest grade allowed to mentor.
    pub lowest_mentor_grade: String,
    /// How many grades above the mentee a mentor may be.
    pub gap: GradeGap,
}

/// The grade window: a mentor is `min` to `max` grades above the mentee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeGap {
    /// Fewest grades a mentor is above their mentee.
    pub min: u8,
    /// Most grades a mentor is above their mentee.
    pub max: u8,
}

/// The `organisations` key: whether matches within one organisation are
/// allowed, and organisations' other names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationsFile {
    /// Whether a mentor may be in the mentee's own organisation.
    pub same_organisation_allowed: bool,
    /// When `same_organisation_allowed` is false: a mentor may still be in the
    /// mentee's own organisation if it is this large, counted as the people
    /// registered from it (mentors and mentees, each person once). Large
    /// departments have teams far enough apart; small ones do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_organisation_allowed_from: Option<u32>,
    /// Other names, each naming the organisation it stands for.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

/// Default number of matches per person; a registration may set its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Matches a mentee gets unless their registration says otherwise.
    pub mentee: u32,
    /// Mentees a mentor takes unless their registration says otherwise.
    pub mentor: u32,
}

/// The `weights` key: points for each part of a pair's score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    /// Score for each grade gap, keyed by the gap ("1", "2"); gaps not named score 0.
    pub grade_gap: BTreeMap<String, u32>,
    /// Score when the mentor's profession is the one the mentee wants.
    pub profession: u32,
    /// Score when mentor and mentee share an identity and the mentee asked for it.
    pub identity: u32,
}

/// A grade, as its place on the model's ladder (0 is the lowest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Grade(pub u8);

/// The grade ladder and every spelling of each grade.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    names: Vec<String>,
    lookup: HashMap<String, Grade>,
}

impl Ladder {
    /// The grade a spelling names: the ladder's names and aliases, ignoring case
    /// and spaces.
    pub fn grade(&self, spelling: &str) -> Option<Grade> {
        self.lookup.get(&grade_key(spelling)).copied()
    }

    /// The ladder's own name of a grade.
    pub fn name(&self, grade: Grade) -> &str {
        &self.names[grade.0 as usize]
    }

    /// How many grades the ladder has.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the ladder has no grades (a checked model never has).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every grade, lowest first.
    pub fn grades(&self) -> impl Iterator<Item = Grade> {
        (0..self.names.len() as u8).map(Grade)
    }

    /// The known spelling nearest to `spelling`, to suggest as a fix.
    pub fn nearest(&self, spelling: &str) -> Option<&str> {
        let key = grade_key(spelling);
        let limit = key.len().max(2) / 2 + 1;
        let mut best: Option<(usize, &str)> = None;
        let mut spellings: Vec<(&String, &Grade)> = self.lookup.iter().collect();
        spellings.sort();
        for (known, grade) in spellings {
            // The distance is at least the difference in length: skipping those
            // keeps a hostile 10,000-character grade from costing much.
            if key.chars().count().abs_diff(known.chars().count()) > limit {
                continue;
            }
            let distance = text::edit_distance(&key, known);
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, self.name(*grade)));
            }
        }
        best.filter(|(d, _)| *d <= limit).map(|(_, name)| name)
    }
}

/// A checked model, ready to use.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The model's name, as the outputs give it.
    pub name: String,
    /// What the model is for, in a sentence.
    pub description: String,
    /// The grade ladder and every spelling of each grade.
    pub ladder: Ladder,
    /// The lowest grade allowed to mentor.
    pub lowest_mentor_grade: Grade,
    /// How many grades above the mentee a mentor may be.
    pub gap: GradeGap,
    /// Whether a mentor may be in the mentee's own organisation, whatever its size.
    pub same_organisation_allowed: bool,
    /// Organisations with at least this many people registered allow matches
    /// within themselves (see [`OrganisationsFile`]).
    pub same_organisation_allowed_from: Option<u32>,
    /// Organisation key of an alias -> key of the organisation it stands for.
    pub organisation_aliases: HashMap<String, String>,
    /// Default matches per mentee and per mentor.
    pub capacity: Capacity,
    /// What each part of a pair's score is worth.
    pub weights: Weights,
    /// What the matching optimises, most important term first.
    pub objective: Vec<Term>,
    /// Side constraints; any makes the model an integer program.
    pub constraints: Vec<Constraint>,
    /// What the mailing lists do with biographies.
    pub biography_policy: BiographyPolicy,
    /// Email keys of the people whose withheld biography is released.
    pub biography_release: std::collections::BTreeSet<String>,
    /// The model's `columns`: by a column's own heading (as the reader names
    /// it), the heading it has in the registration files.
    pub columns: std::collections::BTreeMap<String, String>,
    file: ModelFile,
}

/// The scoring weights, ready to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights {
    /// Score by grade gap, indexed by the gap.
    pub grade_gap: Vec<u32>,
    /// Points when the mentor's profession is the one the mentee wants.
    pub profession: u32,
    /// Points when they share an identity the mentee asked to share.
    pub identity: u32,
}

impl Weights {
    /// The score of a pair: the parts it earns, added.
    pub fn score(&self, grade_gap: u8, profession_matched: bool, identity_matched: bool) -> u32 {
        self.grade_gap_score(grade_gap)
            + if profession_matched { self.profession } else { 0 }
            + if identity_matched { self.identity } else { 0 }
    }

    /// Points for a grade gap; 0 for gaps the model does not name.
    pub fn grade_gap_score(&self, grade_gap: u8) -> u32 {
        self.grade_gap.get(grade_gap as usize).copied().unwrap_or(0)
    }

    /// The highest score any pair can reach.
    pub fn max_score(&self) -> u32 {
        self.grade_gap.iter().copied().max().unwrap_or(0) + self.profession + self.identity
    }
}

impl Model {
    /// Whether the objective counts priority mentees (the history's unmatched
    /// or short), at any level.
    pub fn counts_priority_mentees(&self) -> bool {
        self.objective
            .iter()
            .flat_map(Term::parts)
            .any(|(term, _)| matches!(term, Term::PriorityMenteesWithAtLeast { .. }))
    }

    /// The built-in Civil Service model.
    pub fn civil_service() -> Model {
        Model::from_json("models/civil-service.json", CIVIL_SERVICE_JSON).expect("the built-in model is valid")
    }

    /// A model shipped with the tool, by name (see [`BUILT_IN`]).
    pub fn built_in(name: &str) -> Option<Model> {
        BUILT_IN.iter().find(|(n, _)| *n == name).map(|(n, text)| {
            Model::from_json(&format!("models/{n}.json"), text).expect("the built-in models are valid")
        })
    }

    /// Read and check a model file's bytes: UTF-8 JSON, with or without a
    /// byte-order mark (as Windows Notepad saves it); `file` names it in messages.
    pub fn from_json_bytes(file: &str, bytes: &[u8]) -> Result<Model, Problems> {
        if bytes.len() > MAX_MODEL_BYTES {
            return Err(Problems(vec![too_large(file)]));
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Model::from_json(file, text),
            Err(e) => {
                let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u64;
                Err(Problems(vec![Problem::error(
                    "M001",
                    file,
                    "the model is not UTF-8 text",
                )
                .at_line(line)
                .fix("save it as UTF-8")]))
            }
        }
    }

    /// Read and check a model file's text; `file` names it in messages.
    pub fn from_json(file: &str, text: &str) -> Result<Model, Problems> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.len() > MAX_MODEL_BYTES {
            return Err(Problems(vec![too_large(file)]));
        }
        let parsed: ModelFile = serde_json::from_str(text).map_err(|e| {
            let mut problem = Problem::error("M001", file, format!("the model is not valid: {e}"))
                .fix("correct the model file: see the model file reference in the README for every key");
            if e.line() > 0 {
                problem = problem.at_line(e.line() as u64);
            }
            Problems(vec![problem])
        })?;
        Model::from_file(file, parsed)
    }

    /// Check a parsed model file; every impossible value is reported by its key.
    pub fn from_file(file: &str, parsed: ModelFile) -> Result<Model, Problems> {
        let mut problems = Problems::default();
        let mut bad = |key: &str, value: String, message: &str, fix: &str| {
            problems.push(
                Problem::error("M002", file, format!("`{key}`: {message}"))
                    .with_value(&value)
                    .fix(fix),
            );
        };

        let grades = &parsed.grades;
        if grades.ladder.is_empty() {
            bad(
                "grades.ladder",
                "[]".into(),
                "the ladder is empty",
                "list the grades, lowest first",
            );
        }
        if grades.ladder.len() > u8::MAX as usize {
            bad(
                "grades.ladder",
                grades.ladder.len().to_string(),
                "too many grades",
                "list at most 255 grades",
            );
        }
        let mut lookup = HashMap::new();
        for (i, name) in grades.ladder.iter().enumerate().take(u8::MAX as usize) {
            let key = grade_key(name);
            if key.is_empty() {
                bad(
                    "grades.ladder",
                    name.clone(),
                    "a grade has no name",
                    "give every grade a name",
                );
            } else if lookup.insert(key, Grade(i as u8)).is_some() {
                bad(
                    "grades.ladder",
                    name.clone(),
                    "this grade is listed twice (ignoring case and spaces)",
                    "list each grade once",
                );
            }
        }
        let mut alias_lookup = Vec::new();
        for (alias, target) in &grades.aliases {
            match lookup.get(&grade_key(target)) {
                Some(grade) => alias_lookup.push((grade_key(alias), *grade)),
                None => bad(
                    &format!("grades.aliases.{alias}"),
                    target.clone(),
                    "the alias names a grade that is not on the ladder",
                    "name a grade exactly as the ladder lists it",
                ),
            }
        }
        for (key, grade) in alias_lookup {
            if let Some(existing) = lookup.get(&key) {
                if *existing != grade {
                    bad(
                        "grades.aliases",
                        key.clone(),
                        "this alias is also the name of another grade",
                        "remove the alias",
                    );
                }
            } else {
                lookup.insert(key, grade);
            }
        }
        let lowest_mentor_grade = lookup.get(&grade_key(&grades.lowest_mentor_grade)).copied();
        if lowest_mentor_grade.is_none() {
            bad(
                "grades.lowest_mentor_grade",
                grades.lowest_mentor_grade.clone(),
                "not a grade on the ladder",
                "name a grade of the ladder",
            );
        }
        let gap = grades.gap;
        if gap.min > gap.max {
            bad(
                "grades.gap",
                format!("min {} > max {}", gap.min, gap.max),
                "the smallest gap is larger than the largest",
                "make min at most max",
            );
        }
        if !grades.ladder.is_empty() && gap.min as usize >= grades.ladder.len() {
            bad(
                "grades.gap.min",
                gap.min.to_string(),
                "no two grades of the ladder are that far apart",
                "use a gap smaller than the number of grades",
            );
        }

        let mut organisation_aliases = HashMap::new();
        for (alias, target) in &parsed.organisations.aliases {
            let (alias_key, target_key) = (organisation_key(alias), organisation_key(target));
            if alias_key.is_empty() || target_key.is_empty() {
                bad(
                    "organisations.aliases",
                    format!("{alias} -> {target}"),
                    "an alias or organisation is empty",
                    "name both",
                );
            } else if alias_key != target_key {
                organisation_aliases.insert(alias_key, target_key);
            }
        }
        // An alias must name an organisation, not another alias, so lookups take one step.
        for (alias, target) in &parsed.organisations.aliases {
            if organisation_aliases.contains_key(&organisation_key(target)) {
                bad(
                    &format!("organisations.aliases.{alias}"),
                    target.clone(),
                    "the alias names another alias",
                    "name the organisation itself",
                );
            }
        }

        for (role, value) in [("mentee", parsed.capacity.mentee), ("mentor", parsed.capacity.mentor)] {
            if value > MAX_CAPACITY {
                bad(
                    &format!("capacity.{role}"),
                    value.to_string(),
                    &format!("more than {MAX_CAPACITY} matches per person"),
                    &format!("use a whole number from 0 to {MAX_CAPACITY}"),
                );
            }
        }

        let mut grade_gap = vec![0u32; gap.max as usize + 1];
        // With no window (reported above) every gap would be reported again.
        let window_exists = gap.min <= gap.max;
        for (key, &score) in parsed.weights.grade_gap.iter().filter(|_| window_exists) {
            match key.trim().parse::<u8>() {
                Ok(g) if g >= gap.min && g <= gap.max => grade_gap[g as usize] = score,
                _ => bad(
                    &format!("weights.grade_gap.{key}"),
                    key.clone(),
                    "not a grade gap inside the grade window",
                    &format!("use gaps from {} to {}", gap.min, gap.max),
                ),
            }
        }
        let weights = Weights {
            grade_gap,
            profession: parsed.weights.profession,
            identity: parsed.weights.identity,
        };
        for (key, value) in [
            ("weights.profession", weights.profession),
            ("weights.identity", weights.identity),
        ]
        .into_iter()
        .chain(weights.grade_gap.iter().map(|&w| ("weights.grade_gap", w)))
        {
            if value > MAX_WEIGHT {
                bad(
                    key,
                    value.to_string(),
                    "weight too large",
                    &format!("use weights from 0 to {}", MAX_WEIGHT),
                );
            }
        }
        if parsed.objective.is_empty() {
            bad(
                "objective",
                "[]".into(),
                "the objective is empty",
                "list at least one term, highest priority first",
            );
        }
        for (i, term) in parsed.objective.iter().enumerate() {
            if let Err(message) = term.check() {
                bad(
                    &format!("objective[{i}]"),
                    format!("{term:?}"),
                    &message,
                    "see the objective terms in the README",
                );
            }
        }

        if parsed.organisations.same_organisation_allowed_from == Some(0) {
            bad(
                "organisations.same_organisation_allowed_from",
                "0".into(),
                "every organisation has at least 0 people",
                "give the smallest size of organisation that allows matches within itself (at least 1), or set same_organisation_allowed to true",
            );
        }

        for (i, constraint) in parsed.constraints.iter().enumerate() {
            if let Err(message) = constraint.check() {
                bad(
                    &format!("constraints[{i}]"),
                    format!("{constraint:?}"),
                    &message,
                    "see the constraints in the README",
                );
            }
        }

        let mut biography_release = std::collections::BTreeSet::new();
        for (i, email) in parsed.biographies.release.iter().enumerate() {
            let key = text::email_key(email);
            match key.split_once('@') {
                Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                    biography_release.insert(key);
                }
                _ => bad(
                    &format!("biographies.release[{i}]"),
                    email.clone(),
                    "not an email address",
                    "list the email address of each person whose biography may be sent, as registered",
                ),
            }
        }

        let mut columns = std::collections::BTreeMap::new();
        for (field, heading) in &parsed.columns {
            let key = text::heading_key(field);
            let known = crate::registration::COLUMN_HEADINGS
                .iter()
                .find(|h| text::heading_key(h) == key);
            match known {
                Some(known) if !heading.trim().is_empty() => {
                    columns.insert(known.to_string(), heading.clone());
                }
                Some(_) => bad(
                    &format!("columns.{field}"),
                    heading.clone(),
                    "the heading is empty",
                    "write the heading the registration files give this column",
                ),
                None => bad(
                    &format!("columns.{field}"),
                    field.clone(),
                    "not a column the reader knows",
                    &format!("use one of: {}", crate::registration::COLUMN_HEADINGS.join(", ")),
                ),
            }
        }
        // One heading is one column: two fields of one file mapped to it would
        // read the same cells (every email read as a grade, say). The mentors'
        // `characteristics` and a mentees' identity column are in different files.
        let file_of = |field: &str| match field {
            "characteristics" => Some("mentors"),
            "identity to match" | "match with similar identity" => Some("mentees"),
            _ => None,
        };
        let fields: Vec<(&String, &String)> = columns.iter().collect();
        for (i, (a, heading)) in fields.iter().enumerate() {
            let clash = fields[i + 1..].iter().find(|(b, other)| {
                text::heading_key(heading) == text::heading_key(other)
                    && (file_of(a).is_none() || file_of(b).is_none() || file_of(a) == file_of(b))
            });
            if let Some((b, _)) = clash {
                bad(
                    &format!("columns.{b}"),
                    heading.to_string(),
                    &format!("\"{a}\" and \"{b}\" are both mapped to this heading"),
                    "map each column to its own heading",
                );
            }
        }

        if problems.has_errors() {
            return Err(problems);
        }
        Ok(Model {
            name: parsed.name.clone(),
            description: parsed.description.clone(),
            ladder: Ladder {
                names: grades.ladder.clone(),
                lookup,
            },
            lowest_mentor_grade: lowest_mentor_grade.expect("checked above"),
            gap,
            same_organisation_allowed: parsed.organisations.same_organisation_allowed,
            same_organisation_allowed_from: parsed.organisations.same_organisation_allowed_from,
            organisation_aliases,
            capacity: parsed.capacity,
            weights,
            objective: parsed.objective.clone(),
            constraints: parsed.constraints.clone(),
            biography_policy: parsed.biographies.policy,
            biography_release,
            columns,
            file: parsed,
        })
    }

    /// Whether a mentor may be in the mentee's own organisation, when that
    /// organisation has `size` people registered.
    pub fn allows_same_organisation(&self, size: usize) -> bool {
        self.same_organisation_allowed
            || self
                .same_organisation_allowed_from
                .is_some_and(|from| size >= from as usize)
    }

    /// The model with these organisation spellings merged (name, same as), as
    /// an organisations file gives them; checked like the model's own aliases.
    pub fn with_organisation_aliases(&self, merges: &[(String, String)], file: &str) -> Result<Model, Problems> {
        let mut changed = self.file.clone();
        for (name, same_as) in merges {
            let aliases = &mut changed.organisations.aliases;
            // Follow the aliases so far (the model's and the rows before), so a
            // row may name either spelling.
            let target = aliases
                .iter()
                .find(|(alias, _)| organisation_key(alias) == organisation_key(same_as))
                .map_or_else(|| same_as.clone(), |(_, target)| target.clone());
            if organisation_key(&target) == organisation_key(name) {
                // Already one organisation (a row and its reverse, say).
                continue;
            }
            // The names that stood for this one (the model's "HO" for "Home
            // Office") now stand for its target too: an alias never names an alias.
            for other in aliases.values_mut() {
                if organisation_key(other) == organisation_key(name) {
                    other.clone_from(&target);
                }
            }
            aliases.insert(name.clone(), target);
        }
        Model::from_file(file, changed)
    }

    /// The model with these columns mapped (a column's own heading, the heading
    /// it has in the registration files), added to its `columns`; checked as
    /// the model's own.
    pub fn with_columns(
        &self,
        columns: &std::collections::BTreeMap<String, String>,
        file: &str,
    ) -> Result<Model, Problems> {
        let mut changed = self.file.clone();
        changed.columns.extend(
            columns
                .iter()
                .map(|(column, heading)| (column.clone(), heading.clone())),
        );
        Model::from_file(file, changed)
    }

    /// The model as a file, for saving a changed copy.
    pub fn to_file(&self) -> &ModelFile {
        &self.file
    }

    /// The key an organisation name is compared by: normalised, then through the
    /// model's aliases.
    pub fn organisation_key(&self, name: &str) -> String {
        let key = organisation_key(name);
        match self.organisation_aliases.get(&key) {
            Some(target) => target.clone(),
            None => key,
        }
    }
}

fn too_large(file: &str) -> Problem {
    Problem::error(
        "M001",
        file,
        format!("the model is larger than {} KB", MAX_MODEL_BYTES / 1024),
    )
    .fix("check this is the model file: real models are a few kilobytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_bytes_are_checked() {
        let with_bom = format!("\u{FEFF}{CIVIL_SERVICE_JSON}");
        assert!(Model::from_json_bytes("m.json", with_bom.as_bytes()).is_ok());
        let err = Model::from_json_bytes("m.json", b"{\n\"name\": \"\xE9\"}").unwrap_err();
        assert_eq!((err.0[0].code, err.0[0].line), ("M001", Some(2)));
        let huge = vec![b' '; MAX_MODEL_BYTES + 1];
        let err = Model::from_json_bytes("m.json", &huge).unwrap_err();
        assert!(err.0[0].message.contains("larger than"), "{err}");
    }

    #[test]
    fn a_long_grade_is_not_compared() {
        let model = Model::civil_service();
        assert_eq!(model.ladder.nearest(&"G".repeat(10_000)), None);
        assert_eq!(model.ladder.nearest("Grade 77"), Some("Grade 7"));
    }

    #[test]
    fn built_in_model_reads() {
        let model = Model::civil_service();
        assert_eq!(model.ladder.len(), 11);
        assert_eq!(model.ladder.grade("grade7"), model.ladder.grade("G7"));
        assert_eq!(model.ladder.grade("  scs pb1 "), model.ladder.grade("SCS1"));
        assert_eq!(model.ladder.grade("Deputy Director"), Some(Grade(7)));
        assert_eq!(model.lowest_mentor_grade, Grade(1));
        assert_eq!(model.weights.score(2, true, true), 28);
        assert_eq!(model.weights.score(1, false, false), 9);
        assert_eq!(
            model.organisation_key("  HMRC "),
            model.organisation_key("HM Revenue & Customs")
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let text = CIVIL_SERVICE_JSON.replacen("\"capacity\"", "\"capacityy\"", 1);
        let err = Model::from_json("m.json", &text).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("capacityy"), "{message}");
        assert!(message.contains("line"), "{message}");
    }

    #[test]
    fn impossible_values_are_named() {
        let mut file: ModelFile = serde_json::from_str(CIVIL_SERVICE_JSON).unwrap();
        file.grades.gap = GradeGap { min: 3, max: 2 };
        file.grades.lowest_mentor_grade = "Grade 99".into();
        file.capacity.mentor = 1000;
        let err = Model::from_file("m.json", file).unwrap_err();
        let message = err.to_string();
        for key in ["grades.gap", "grades.lowest_mentor_grade", "capacity.mentor"] {
            assert!(message.contains(key), "{key} missing from {message}");
        }
    }

    #[test]
    fn nearest_grade_is_suggested() {
        let model = Model::civil_service();
        assert_eq!(model.ladder.nearest("Grdae 7"), Some("Grade 7"));
        assert_eq!(model.ladder.nearest("HE0"), Some("HEO"));
    }
}
