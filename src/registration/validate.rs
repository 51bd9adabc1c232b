//! Checks over a whole programme once its files are read: organisation names that
//! are probably one organisation, and mentees no mentor is eligible for. Both are
//! warnings: the programme can still be matched, but an organiser should look.
//!
//! Everything here is linear (or near it) in the number of people and
//! organisations, so it runs before every command even at 10,000 x 10,000.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::eligibility::Eligibility;
use crate::model::text::organisation_key;
use crate::model::Model;
use crate::problem::Problem;
use crate::rules::grade_window;

use super::{History, Programme};

/// Most warnings of one kind listed; the rest are counted in one more warning.
pub const MAX_LISTED: usize = 1_000;

/// The names of the files a programme was read from, for messages.
#[derive(Clone, Copy, Debug)]
pub struct Files<'a> {
    /// The mentors file's name.
    pub mentors: &'a str,
    /// The mentees file's name.
    pub mentees: &'a str,
}

/// Every warning about the programme as a whole, organisations first, then
/// mentees in the order of their file. Never an error.
pub fn validate(programme: &Programme, model: &Model, history: &History, files: Files) -> Vec<Problem> {
    let mut warnings = empty_files(programme, files);
    warnings.extend(organisation_warnings(programme, model, files));
    warnings.extend(mentees_without_mentors(programme, model, history, files));
    warnings.extend(withheld_biographies(programme, model, files));
    warnings.extend(priority_without_mentees(programme, model, files));
    warnings
}

/// A warning for a file with headings but no registrations (V005): a form
/// exported before anyone answered, or the wrong file, matches nobody.
fn empty_files(programme: &Programme, files: Files) -> Vec<Problem> {
    let empty = |file: &str, role: &str| {
        Problem::warning(
            "V005",
            file,
            "this file has its headings but no registrations, so nobody can be matched",
        )
        .fix(format!(
            "check this is the {role}s' export and that it was saved after people registered"
        ))
    };
    let mut warnings = Vec::new();
    if programme.mentors.is_empty() && programme.left_out_mentors.is_empty() {
        warnings.push(empty(files.mentors, "mentor"));
    }
    if programme.mentees.is_empty() {
        warnings.push(empty(files.mentees, "mentee"));
    }
    warnings
}

/// A warning when the model counts priority mentees but none registered is
/// one (no `--history`, or its emails are not the registered ones): the term
/// would then count nothing, silently.
pub fn priority_without_mentees(programme: &Programme, model: &Model, files: Files) -> Option<Problem> {
    (model.counts_priority_mentees() && !programme.mentees.iter().any(|m| m.priority)).then(|| {
        Problem::warning(
            "V004",
            files.mentees,
            format!(
                "the model ({}) puts priority mentees first, but no mentee registered here is one, so that term counts nobody",
                model.name
            ),
        )
        .fix("give --history a file whose rows without a mentor (or with priority yes) name last time's unmatched or short mentees, by the emails they registered with; or choose a model without the priority term")
    })
}

// ---- Biographies withheld from the mailing lists ----

/// A warning for each biography withheld from the mailing lists because it
/// mentions an identity (model key `biographies.policy`), naming the person and
/// the term found, so an organiser can read it and release it.
pub fn withheld_biographies(programme: &Programme, model: &Model, files: Files) -> Vec<Problem> {
    let mut withheld = super::Biographies::new(programme, model).withheld(programme);
    withheld.sort_by_key(|w| (w.role != "mentor", w.line));
    let mut warnings: Vec<Problem> = withheld
        .iter()
        .take(MAX_LISTED)
        .map(|w| {
            let file = if w.role == "mentor" { files.mentors } else { files.mentees };
            Problem::warning(
                "V003",
                file,
                format!(
                    "this {}'s biography mentions {}, so it is withheld whole from every mailing list",
                    w.role, w.found
                ),
            )
            .at_line(w.line)
            .at_row(w.row)
            .with_value(&w.email)
            .fix("read it: if it may go to this person's matches as written, add their email to \"biographies.release\" in the model; otherwise ask them for a biography without it, or leave it withheld")
        })
        .collect();
    if withheld.len() > MAX_LISTED {
        warnings.push(
            Problem::warning(
                "V003",
                files.mentees,
                format!(
                    "{} more biographies are withheld (not listed; all are in summary.json)",
                    withheld.len() - MAX_LISTED
                ),
            )
            .fix("check the biography column holds biographies"),
        );
    }
    warnings
}

// ---- Organisations that are probably one ----

/// Words dropped before organisation names are compared: "Department for
/// Education" and "Education", "HM Treasury" and "Treasury" are one.
const FILLER: [&str; 11] = [
    "and",
    "the",
    "of",
    "for",
    "department",
    "dept",
    "hm",
    "his",
    "her",
    "majesty",
    "majestys",
];
/// Words an acronym may or may not take a letter from ("MoJ", "DfE", "DWP").
const LINKING: [&str; 4] = ["and", "the", "of", "for"];
/// Beyond this many organisations the check for typos is skipped (the exact
/// checks still run): no real programme has so many, and it keeps the time bounded.
const MAX_ORGANISATIONS_FOR_TYPOS: usize = 5_000;
/// Most candidate pairs checked for typos.
const MAX_TYPO_CHECKS: usize = 200_000;
/// Most names listed in one warning.
const MAX_NAMES_SHOWN: usize = 10;

/// One warning per group of organisation names likely to be one organisation
/// (they differ only in punctuation, "and"/"&", "the", "department for", a typo,
/// or one is the other's initials), naming each spelling, how many rows use it,
/// and the model alias that would merge them. Sorted by the suggested name.
pub fn organisation_warnings(programme: &Programme, model: &Model, files: Files) -> Vec<Problem> {
    organisation_check(programme, model, files).0
}

/// Every spelling the V001 warnings suggest merging, as (name, same as), in
/// the order of the warnings: what `validate --write-organisations` writes.
pub fn organisation_suggestions(programme: &Programme, model: &Model) -> Vec<(String, String)> {
    let files = Files {
        mentors: "mentors",
        mentees: "mentees",
    };
    organisation_check(programme, model, files).1
}

fn organisation_check(programme: &Programme, model: &Model, files: Files) -> (Vec<Problem>, Vec<(String, String)>) {
    let mut suggestions = Vec::new();
    let count = programme.organisations.len();
    let mut rows = vec![0usize; count];
    // First use of each organisation: (in the mentees file, line, row).
    let mut first: Vec<Option<(bool, u64, u64)>> = vec![None; count];
    let uses = (programme.mentors.iter().map(|m| (false, &m.person)))
        .chain(programme.mentees.iter().map(|m| (true, &m.person)));
    for (in_mentees, person) in uses {
        let id = person.organisation.0 as usize;
        rows[id] += 1;
        let at = (in_mentees, person.line, person.row);
        if first[id].is_none_or(|f| at < f) {
            first[id] = Some(at);
        }
    }
    // The name to suggest for each: the model's own name when the spelling used
    // is already a model alias (an alias may not name another alias).
    let names: Vec<String> = programme.organisations.iter().map(|n| model_name(model, n)).collect();
    let spellings: Vec<Vec<&str>> = programme
        .organisations
        .iter()
        .zip(&names)
        .map(|(shown, name)| {
            if shown == name {
                vec![shown.as_str()]
            } else {
                vec![shown.as_str(), name.as_str()]
            }
        })
        .collect();

    // Organisations the model's aliases already name: one of them is kept as the
    // name (an alias to it stays valid), and two of them are never merged (the
    // model keeps them apart on purpose).
    let targets: HashSet<&str> = model.organisation_aliases.values().map(String::as_str).collect();
    let known: Vec<bool> = names
        .iter()
        .map(|n| targets.contains(organisation_key(n).as_str()))
        .collect();

    let mut warnings = Vec::new();
    let mut groups = near_duplicates(&spellings);
    let key = |group: &Vec<usize>| names[suggested(group, &names, &rows, &known)].clone();
    groups.sort_by_cached_key(key);
    for group in groups {
        let target = suggested(&group, &names, &rows, &known);
        let mut members = group.clone();
        members.sort_by(|&a, &b| rows[b].cmp(&rows[a]).then_with(|| names[a].cmp(&names[b])));
        let listed: Vec<String> = members
            .iter()
            .take(MAX_NAMES_SHOWN)
            .map(|&id| format!("{} ({})", json(&programme.organisations[id]), plural(rows[id], "row")))
            .collect();
        let more = match members.len().saturating_sub(MAX_NAMES_SHOWN) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let others: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&id| id != target && !known[id])
            .collect();
        if others.is_empty() {
            continue;
        }
        let aliases: Vec<String> = others
            .iter()
            .take(MAX_NAMES_SHOWN)
            .map(|&id| format!("{}: {}", json(&names[id]), json(&names[target])))
            .collect();
        suggestions.extend(others.iter().map(|&id| (names[id].clone(), names[target].clone())));
        // Placed at the first row with a spelling other than the one suggested.
        let (place, shown) = others
            .iter()
            .filter_map(|&id| first[id].map(|f| (f, id)))
            .min()
            .unwrap_or(((false, 0, 0), target));
        let file = if place.0 { files.mentees } else { files.mentors };
        let mut warning = Problem::warning(
            "V001",
            file,
            format!(
                "these organisation names may be one organisation: {}{more}",
                listed.join(", ")
            ),
        )
        .with_value(&programme.organisations[shown])
        .fix(format!(
            "if they are one organisation, write `validate --write-organisations organisations.csv` and pass it with --organisations organisations.csv (check its rows first), or add {} to \"organisations.aliases\" in the model file; if not, ignore this warning",
            aliases.join(", ")
        ));
        if place.1 > 0 {
            warning = warning.at_line(place.1).at_row(place.2);
        }
        warnings.push(warning);
    }
    (warnings, suggestions)
}

/// Groups (of two or more indices into `spellings`) of organisations likely to be
/// one. Each organisation may have several spellings.
fn near_duplicates(spellings: &[Vec<&str>]) -> Vec<Vec<usize>> {
    let mut groups = UnionFind::new(spellings.len());
    let names: Vec<(usize, Name)> = spellings
        .iter()
        .enumerate()
        .flat_map(|(id, list)| list.iter().map(move |s| (id, Name::new(s))))
        .collect();

    // The same once filler words and punctuation are dropped.
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (id, name) in &names {
        if !name.key.is_empty() {
            let first = *by_key.entry(name.key.as_str()).or_insert(*id);
            groups.union(first, *id);
        }
    }

    // One is the other's initials.
    let mut by_initials: HashMap<&str, Vec<usize>> = HashMap::new();
    for (id, name) in &names {
        for initials in &name.initials {
            by_initials.entry(initials.as_str()).or_default().push(*id);
        }
    }
    for (id, name) in &names {
        if let Some(short) = &name.acronym {
            for &long in by_initials.get(short.as_str()).into_iter().flatten() {
                groups.union(*id, long);
            }
        }
    }

    // A typo apart: two keys that share a key with one character deleted are
    // candidates, then checked properly.
    if spellings.len() <= MAX_ORGANISATIONS_FOR_TYPOS {
        let mut by_deletion: HashMap<u64, Vec<usize>> = HashMap::new();
        let keyed: Vec<(usize, Vec<char>)> = names
            .iter()
            .filter(|(_, n)| (8..=64).contains(&n.key.chars().count()))
            .map(|(id, n)| (*id, n.key.chars().collect()))
            .collect();
        for (k, (_, chars)) in keyed.iter().enumerate() {
            let mut seen = Vec::with_capacity(chars.len() + 1);
            for skip in 0..=chars.len() {
                let hash = hash_without(chars, skip);
                if !seen.contains(&hash) {
                    seen.push(hash);
                    by_deletion.entry(hash).or_default().push(k);
                }
            }
        }
        let mut buckets: Vec<(u64, Vec<usize>)> = by_deletion.into_iter().filter(|(_, v)| v.len() > 1).collect();
        buckets.sort_unstable();
        let mut checks = 0;
        'buckets: for (_, bucket) in buckets {
            for (i, &a) in bucket.iter().enumerate() {
                for &b in &bucket[i + 1..] {
                    let ((id_a, key_a), (id_b, key_b)) = (&keyed[a], &keyed[b]);
                    if groups.find(*id_a) == groups.find(*id_b) {
                        continue;
                    }
                    checks += 1;
                    if checks > MAX_TYPO_CHECKS {
                        break 'buckets;
                    }
                    if is_typo(key_a, key_b) {
                        groups.union(*id_a, *id_b);
                    }
                }
            }
        }
    }

    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for id in 0..spellings.len() {
        members.entry(groups.find(id)).or_default().push(id);
    }
    let mut found: Vec<Vec<usize>> = members.into_values().filter(|g| g.len() > 1).collect();
    found.sort();
    found
}

/// What an organisation name is compared by.
struct Name {
    /// Words without filler or punctuation, run together: "Home-Office",
    /// "the Home Office" and "Home Office" are all "homeoffice".
    key: String,
    /// The initials the name may be shortened to, for names of two words or more.
    initials: Vec<String>,
    /// The name itself, if it could be initials: one word of 2 to 8 letters.
    acronym: Option<String>,
}

impl Name {
    fn new(name: &str) -> Name {
        let lower = organisation_key(name);
        // "Department for Education (DfE)": the bracketed part repeats the name.
        let mut plain = String::with_capacity(lower.len());
        let mut depth = 0usize;
        for c in lower.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                '\'' | '\u{2019}' | '\u{2018}' => {}
                _ if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        let words: Vec<&str> = plain
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let key: String = words.iter().filter(|w| !FILLER.contains(w)).copied().collect();
        let mut initials = Vec::new();
        if words.len() >= 2 {
            for keep_linking in [true, false] {
                for whole_short_words in [false, true] {
                    let text: String = words
                        .iter()
                        .filter(|w| keep_linking || !LINKING.contains(w))
                        .flat_map(|w| {
                            let whole = whole_short_words && w.chars().count() <= 2 && !LINKING.contains(w);
                            w.chars().take(if whole { 2 } else { 1 })
                        })
                        .collect();
                    if text.chars().count() >= 2 && !initials.contains(&text) {
                        initials.push(text);
                    }
                }
            }
        }
        let acronym = match words[..] {
            [word] if (2..=8).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(word.to_string())
            }
            _ => None,
        };
        Name { key, initials, acronym }
    }
}

/// A typo apart: the digits agree (so "Region 1" and "Region 2" stay apart) and
/// one edit (two in long names) turns one into the other, a swap of neighbouring
/// letters counting as one.
fn is_typo(a: &[char], b: &[char]) -> bool {
    let digits = |s: &[char]| s.iter().filter(|c| c.is_numeric()).copied().collect::<Vec<char>>();
    if digits(a) != digits(b) {
        return false;
    }
    let allowed = if a.len().min(b.len()) >= 16 { 2 } else { 1 };
    a.len().abs_diff(b.len()) <= allowed && swap_distance(a, b) <= allowed
}

/// Edit distance counting a swap of neighbouring characters as one edit
/// (optimal string alignment).
fn swap_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// Hash of `chars` without the character at `skip` (none when `skip` is past the end).
fn hash_without(chars: &[char], skip: usize) -> u64 {
    let mut hasher = DefaultHasher::new();
    for (i, c) in chars.iter().enumerate() {
        if i != skip {
            c.hash(&mut hasher);
        }
    }
    // Mark the length, so the whole key and a deletion never collide by construction.
    (chars.len() - usize::from(skip < chars.len())).hash(&mut hasher);
    hasher.finish()
}

/// The member whose name to keep: one the model already knows, then the longest
/// written-out name (so "HMRC" maps to "HM Revenue and Customs"), then the most
/// used, then the first alphabetically.
fn suggested(group: &[usize], names: &[String], rows: &[usize], known: &[bool]) -> usize {
    *group
        .iter()
        .max_by(|&&a, &&b| {
            let words = |id: usize| names[id].split_whitespace().count();
            known[a]
                .cmp(&known[b])
                .then(words(a).cmp(&words(b)))
                .then(rows[a].cmp(&rows[b]))
                .then(names[b].cmp(&names[a]))
        })
        .expect("groups are not empty")
}

/// The name to write in an alias for an organisation shown as `shown`.
fn model_name(model: &Model, shown: &str) -> String {
    let key = organisation_key(shown);
    if model.organisation_aliases.contains_key(&key) {
        let aliases = &model.to_file().organisations.aliases;
        if let Some((_, target)) = aliases.iter().find(|(alias, _)| organisation_key(alias) == key) {
            return target.clone();
        }
    }
    shown.to_string()
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the groups of `a` and `b`; the smaller root is kept, so the result
    /// does not depend on the order of joins.
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        let (keep, join) = (a.min(b), a.max(b));
        self.parent[join] = keep;
    }
}

// ---- Mentees no mentor is eligible for ----

/// For each mentee (in [`Programme::mentees`] order), how many mentors the hard
/// rules allow ([`crate::rules`]), counted by grade and organisation, never pair
/// by pair: O(mentors + mentees x grade window + history), however many eligible
/// pairs there are.
pub fn eligible_mentor_counts(programme: &Programme, model: &Model, history: &History) -> Vec<u32> {
    let eligibility = Eligibility::new(programme, model, history);
    (0..programme.mentees.len() as u32)
        .map(|e| eligibility.count_for_mentee(e) as u32)
        .collect()
}

/// A warning for each mentee who wants matches but has no eligible mentor at all,
/// saying why, in the order of the mentees file.
pub fn mentees_without_mentors(programme: &Programme, model: &Model, history: &History, files: Files) -> Vec<Problem> {
    let eligibility = Eligibility::new(programme, model, history);
    let mut alone: Vec<usize> = (0..programme.mentees.len())
        .filter(|&e| programme.mentees[e].person.capacity > 0 && eligibility.count_for_mentee(e as u32) == 0)
        .collect();
    alone.sort_by_key(|&e| (programme.mentees[e].person.line, e));
    let mut warnings: Vec<Problem> = alone
        .iter()
        .take(MAX_LISTED)
        .map(|&e| {
            let mentee = &programme.mentees[e];
            let found = eligibility.window_counts(e as u32);
            let grade = model.ladder.name(mentee.person.grade);
            let window = format!("{} to {} grades above {grade}", model.gap.min, model.gap.max);
            let reason = match grade_window(model, mentee.person.grade) {
                None => format!("no grade of the model's ladder is {window}"),
                Some((lo, hi)) => {
                    let range = if lo == hi {
                        model.ladder.name(lo).to_string()
                    } else {
                        format!("{} to {}", model.ladder.name(lo), model.ladder.name(hi))
                    };
                    if found.in_window == 0 {
                        format!("no mentor with a place is {window} ({range})")
                    } else if found.in_window == found.same_organisation {
                        format!(
                            "every mentor {window} ({range}) is in the mentee's own organisation, {}",
                            programme.organisation_name(mentee.person.organisation)
                        )
                    } else {
                        format!(
                            "the {} mentors {window} ({range}) are this person themselves, in their organisation, or earlier pairs (--history)",
                            found.in_window
                        )
                    }
                }
            };
            Problem::warning(
                "V002",
                files.mentees,
                format!("no mentor is eligible for this mentee: {reason}"),
            )
            .at_line(mentee.person.line)
            .at_row(mentee.person.row)
            .with_value(&mentee.person.email)
            .fix("recruit a mentor in that grade range from another organisation, or widen grades.gap in the model; otherwise tell this mentee they will not be matched")
        })
        .collect();
    if alone.len() > MAX_LISTED {
        warnings.push(
            Problem::warning(
                "V002",
                files.mentees,
                format!(
                    "{} more mentees have no eligible mentor (not listed)",
                    alone.len() - MAX_LISTED
                ),
            )
            .fix("check the grades and organisations of the mentors file"),
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<Vec<usize>> {
        let spellings: Vec<Vec<&str>> = names.iter().map(|n| vec![*n]).collect();
        near_duplicates(&spellings)
    }

    #[test]
    fn likely_duplicates_are_grouped() {
        let pairs = [
            ("HMRC", "HM Revenue and Customs"),
            ("Home Office", "Home-Office"),
            ("Home Office", "The Home Office"),
            ("Department for Education", "Education"),
            ("Department for Education", "Department for Education (DfE)"),
            ("DfE", "Department for Education"),
            ("MoJ", "Ministry of Justice"),
            ("Minstry of Justice", "Ministry of Justice"),
            ("Ministry of Justcie", "Ministry of Justice"),
            ("Department for Work and Pensions", "Department of Work & Pensions"),
            ("DWP", "Department for Work and Pensions"),
            ("Foreign, Commonwealth & Development Office", "FCDO"),
            ("Defra", "Department for Environment, Food and Rural Affairs"),
            ("HMPPS", "HM Prison and Probation Service"),
            ("Her Majesty's Treasury", "HM Treasury"),
        ];
        for (a, b) in pairs {
            assert_eq!(groups(&[a, b]), [vec![0, 1]], "{a} / {b}");
        }
    }

    #[test]
    fn different_organisations_stay_apart() {
        let names = [
            "Cabinet Office",
            "Home Office",
            "Scotland Office",
            "Wales Office",
            "Northern Ireland Office",
            "Met Office",
            "HM Treasury",
            "HM Revenue and Customs",
            "Ministry of Justice",
            "Ministry of Defence",
            "Department for Education",
            "Department for Transport",
            "Department for Work and Pensions",
            "Department of Health and Social Care",
            "Department for Business and Trade",
            "Department for Culture, Media and Sport",
            "Department for Energy Security and Net Zero",
            "Department for Science, Innovation and Technology",
            "Department for Environment, Food and Rural Affairs",
            "Foreign, Commonwealth and Development Office",
            "Office for National Statistics",
            "Government Legal Department",
            "Crown Prosecution Service",
            "HM Land Registry",
            "Land Registry Scotland",
            "Region 1",
            "Region 2",
            "Valuation Office Agency",
            "Environment Agency",
            "Food Standards Agency",
        ];
        assert_eq!(groups(&names), Vec::<Vec<usize>>::new());
        assert_eq!(groups(&["DfE", "DfT"]), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn swaps_count_as_one_edit() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(swap_distance(&chars("minsitry"), &chars("ministry")), 1);
        assert_eq!(swap_distance(&chars("abc"), &chars("")), 3);
        assert_eq!(swap_distance(&chars("kitten"), &chars("sitting")), 3);
    }

    #[test]
    fn many_organisations_stay_fast() {
        // Hostile: thousands of long names that all share a one-letter deletion,
        // and more organisations than the typo check looks at.
        let letters = |i: usize| -> String {
            (0..3)
                .map(|k| char::from(b'a' + (i / 26usize.pow(k) % 26) as u8))
                .collect()
        };
        for count in [MAX_ORGANISATIONS_FOR_TYPOS, 50_000] {
            let names: Vec<String> = (0..count)
                .map(|i| format!("{}{}", "x".repeat(60), letters(i)))
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let start = std::time::Instant::now();
            let _ = groups(&refs);
            assert!(start.elapsed().as_secs() < 5, "{count}: {:?}", start.elapsed());
        }
    }
}
