//! Biographies on the mailing lists: sent whole or withheld whole, never
//! rewritten in part.
//!
//! A biography is the participant's own words for their matches, and some name
//! their identity in it. Taking words out both leaks (a variant slips through)
//! and mangles ("an \[removed\] negotiator"), so under the default policy
//! (`withhold-if-identity`) a biography that mentions an identity is withheld
//! whole from every mailing list and listed for the organisers, who may release
//! it person by person (`biographies.release` in the model).
//!
//! A biography mentions an identity when one of its words, or a run of its
//! words, is a built-in identity term ([`BUILT_IN_TERMS`]) or an identity
//! written anywhere in the registrations (a mentor's characteristics or a
//! mentee's identity to match, each split into its parts: "Bisexual or
//! pansexual" is "bisexual" and "pansexual"). Words are compared case-folded
//! (Unicode lowercase, full-width letters as their ASCII forms, invisible
//! characters dropped) and whole: "gaydar" is not "gay", "transport" is not
//! "trans". A few terms that are also common prefixes ("bi", "pan", "trans")
//! do not count when joined by a hyphen to the next word: "bi-weekly",
//! "pan-government" and "trans-Pennine" are not identities.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{BiographyPolicy, Model};

use super::{Person, Programme};

/// Identity terms and their common variants, plurals, abbreviations and other
/// spellings. Hyphens and spaces inside a term match either.
pub const BUILT_IN_TERMS: &[&str] = &[
    // Gender identity.
    "trans",
    "transgender",
    "transgendered",
    "transgenders",
    "transsexual",
    "transsexuals",
    "transman",
    "transmen",
    "transwoman",
    "transwomen",
    "transfem",
    "transfemme",
    "transfeminine",
    "transmasc",
    "transmasculine",
    // Joined by a hyphen, "trans" is usually a prefix ("trans-Pennine"), but
    // not before these.
    "trans-man",
    "trans-men",
    "trans-woman",
    "trans-women",
    "trans-masc",
    "trans-fem",
    "trans-femme",
    "trans-feminine",
    "trans-masculine",
    "trans-sexual",
    "t-girl",
    "tgirl",
    "mtf",
    "ftm",
    "nonbinary",
    "non-binary",
    "enby",
    "enbies",
    "genderqueer",
    "genderfluid",
    "gender-fluid",
    "gender-queer",
    "agender",
    "bigender",
    "demigender",
    "demiboy",
    "demigirl",
    "gender-nonconforming",
    "gender-non-conforming",
    "gender-variant",
    "two-spirit",
    "twospirit",
    "intersex",
    // Sexual orientation.
    "gay",
    "gays",
    "lesbian",
    "lesbians",
    "dyke",
    "dykes",
    "sapphic",
    "wlw",
    "mlm",
    "homosexual",
    "homosexuals",
    "homosexuality",
    "lesbianism",
    "bi",
    "bisexual",
    "bisexuals",
    "bisexuality",
    "bi-sexual",
    "bicurious",
    "bi-curious",
    "biromantic",
    "pan",
    "pansexual",
    "pansexuals",
    "pansexuality",
    "panromantic",
    "queer",
    "queers",
    "queerness",
    "ace",
    "aces",
    "asexual",
    "asexuals",
    "asexuality",
    "aro",
    "aros",
    "aromantic",
    "aroace",
    "demisexual",
    "greysexual",
    "graysexual",
    // Acronyms of the community as a whole.
    "lgb",
    "lgbt",
    "lgbti",
    "lgbtq",
    "lgbtqi",
    "lgbtiq",
    "lgbtqia",
    "lgbtqqia",
    "lgbtqia2s",
    "lgbtq2s",
    "2slgbtq",
    "2slgbtqi",
    "glbt",
];

/// Terms that are also common English prefixes: not counted when a hyphen joins
/// them to the next word ("bi-weekly", "pan-government", "trans-Atlantic").
const PREFIXES: [&str; 4] = ["bi", "pan", "trans", "demi"];

/// Values of the identity columns that are answers, not identities.
const ORDINARY_ANSWERS: [&str; 14] = [
    "other",
    "none",
    "n/a",
    "na",
    "yes",
    "no",
    "any",
    "all",
    "prefer not to say",
    "prefer not to answer",
    "not sure",
    "not applicable",
    "prefer to self-describe",
    "prefer to self describe",
];

/// Where a biography's identity term came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// A built-in term, as [`BUILT_IN_TERMS`] writes it.
    Term(String),
    /// An identity written in the registrations' identity columns, at this word
    /// of the biography (from 1). The value itself is special-category data
    /// from an identity column, so it is never printed.
    RegisteredIdentity {
        /// The word of the biography, from 1.
        word: usize,
    },
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Found::Term(term) => write!(f, "\"{term}\""),
            Found::RegisteredIdentity { word } => write!(
                f,
                "an identity written in the registrations' identity columns (word {word} of the biography)"
            ),
        }
    }
}

/// The identity terms a programme's biographies are checked against.
#[derive(Clone, Debug, Default)]
pub struct IdentityTerms {
    /// First word -> the terms starting with it: their other words, and whether
    /// the term is built in (else from the registrations).
    by_first: HashMap<String, Vec<Phrase>>,
}

/// A term's words after the first, and its built-in spelling (none when it
/// comes from the registrations).
type Phrase = (Vec<String>, Option<&'static str>);

impl IdentityTerms {
    /// The built-in terms and every identity written in `programme`.
    pub fn new(programme: &Programme) -> IdentityTerms {
        let mut terms = IdentityTerms::default();
        for term in BUILT_IN_TERMS {
            terms.add(words(term).texts(), Some(term));
        }
        let written: BTreeSet<&str> = programme
            .mentees
            .iter()
            .flat_map(|m| m.identities.iter())
            .chain(programme.mentors.iter().flat_map(|m| m.characteristics.iter()))
            .map(String::as_str)
            .collect();
        for value in written {
            for part in identity_parts(value) {
                let phrase = words(&part).texts();
                if phrase.is_empty() {
                    continue;
                }
                if let [word] = &phrase[..] {
                    if !word.ends_with('s') && word.chars().count() > 2 {
                        terms.add(vec![format!("{word}s")], None);
                    }
                }
                terms.add(phrase, None);
            }
        }
        terms
    }

    fn add(&mut self, mut phrase: Vec<String>, built_in: Option<&'static str>) {
        if phrase.is_empty() {
            return;
        }
        let first = phrase.remove(0);
        let list = self.by_first.entry(first).or_default();
        match list.iter_mut().find(|(rest, _)| *rest == phrase) {
            // A built-in term is named by its spelling, so it wins.
            Some(existing) => existing.1 = existing.1.or(built_in),
            None => list.push((phrase, built_in)),
        }
    }

    /// The first identity term `text` mentions, if any.
    pub fn find(&self, text: &str) -> Option<Found> {
        let words = words(text);
        for (i, word) in words.list.iter().enumerate() {
            let Some(candidates) = self.by_first.get(words.text(word)) else {
                continue;
            };
            // Longest first, so "two spirit" is named rather than a shorter term.
            let mut best: Option<&Phrase> = None;
            for candidate in candidates {
                let (rest, _) = candidate;
                let fits = words.list.len() > i + rest.len()
                    && rest.iter().zip(&words.list[i + 1..]).all(|(t, w)| t == words.text(w))
                    && !(rest.is_empty() && word.hyphen_after && PREFIXES.contains(&words.text(word)));
                if fits && best.is_none_or(|(r, _)| rest.len() > r.len()) {
                    best = Some(candidate);
                }
            }
            if let Some((_, built_in)) = best {
                return Some(match built_in {
                    Some(term) => Found::Term(term.to_string()),
                    None => Found::RegisteredIdentity { word: word.position },
                });
            }
        }
        None
    }
}

/// The parts of one identity value: "Bisexual or pansexual" is "bisexual" and
/// "pansexual"; "Gay / lesbian" is "gay" and "lesbian". Answers that are not
/// identities ("Prefer not to say") are left out.
fn identity_parts(value: &str) -> Vec<String> {
    let lower = value.to_lowercase();
    if ORDINARY_ANSWERS.contains(&lower.trim()) {
        return Vec::new();
    }
    let mut parts = vec![lower];
    for separator in [" or ", " and ", "/", "&", "(", ")", "|", "\\"] {
        parts = parts
            .iter()
            .flat_map(|p| p.split(separator).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty() && !ORDINARY_ANSWERS.contains(&p.as_str()))
        .collect()
}

/// The words of a text, case-folded into one buffer (one allocation a
/// biography, not one a word: every biography is scanned).
#[derive(Debug, Default)]
struct Words {
    /// The text's words, case-folded, one after another.
    folded: String,
    list: Vec<Word>,
}

/// One word of a text.
#[derive(Debug)]
struct Word {
    /// Where it is in [`Words::folded`].
    span: std::ops::Range<usize>,
    /// Joined to the next word by a hyphen.
    hyphen_after: bool,
    /// Which word of the text it is in, counting words between spaces from 1
    /// (as a reader counts: "I'm" is one word).
    position: usize,
}

impl Words {
    fn text(&self, word: &Word) -> &str {
        &self.folded[word.span.clone()]
    }

    fn texts(&self) -> Vec<String> {
        self.list.iter().map(|w| self.text(w).to_string()).collect()
    }
}

/// Characters dropped before comparing: zero-width spaces and joiners, the
/// word joiner, the byte-order mark and the soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// A full-width form (U+FF01 to U+FF5E) as its ASCII character.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The words of a text: runs of letters and digits, Unicode-lowercased, with
/// full-width forms read as ASCII and invisible characters dropped.
fn words(text: &str) -> Words {
    let mut words = Words {
        folded: String::with_capacity(text.len()),
        list: Vec::new(),
    };
    let (mut position, mut start, mut word_start, mut in_spoken_word) = (0, 0, None, false);
    for c in text.chars().filter(|&c| !is_invisible(c)).map(narrow) {
        if c.is_whitespace() {
            in_spoken_word = false;
        } else if !in_spoken_word {
            in_spoken_word = true;
            position += 1;
        }
        if c.is_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(words.folded.len());
                start = position;
            }
            if c.is_ascii() {
                words.folded.push(c.to_ascii_lowercase());
            } else {
                words.folded.extend(c.to_lowercase());
            }
        } else if let Some(from) = word_start.take() {
            words.list.push(Word {
                span: from..words.folded.len(),
                hyphen_after: matches!(c, '-' | '\u{2010}' | '\u{2011}'),
                position: start,
            });
        }
    }
    if let Some(from) = word_start {
        words.list.push(Word {
            span: from..words.folded.len(),
            hyphen_after: false,
            position: start,
        });
    }
    words
}

/// One biography withheld from the mailing lists, for the organisers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Withheld {
    /// `"mentor"` or `"mentee"`: the registration the biography is from.
    pub role: &'static str,
    /// Email, as registered.
    pub email: String,
    /// Full name, as registered.
    pub name: String,
    /// Line of the registration in its file.
    #[serde(skip)]
    pub line: u64,
    /// Its spreadsheet row (see [`Person::row`]).
    #[serde(skip)]
    pub row: u64,
    /// What was found.
    pub found: Found,
}

/// The identity term each biography mentions, if any: found once when the
/// programme is read, so validation, every model's summary and every mailing
/// list read the same answer without scanning the biographies again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityMentions {
    /// By mentor email key.
    mentors: BTreeMap<String, Found>,
    /// By mentee email key.
    mentees: BTreeMap<String, Found>,
}

impl IdentityMentions {
    /// Scan every biography in `programme` for the built-in identity terms and
    /// every identity written in its registrations.
    pub fn find(programme: &Programme) -> IdentityMentions {
        let terms = IdentityTerms::new(programme);
        let scan = |people: &mut dyn Iterator<Item = &Person>| {
            people
                .filter_map(|person| Some((person.email_key.clone(), terms.find(&person.biography)?)))
                .collect()
        };
        IdentityMentions {
            mentors: scan(&mut programme.mentors.iter().map(|m| &m.person)),
            mentees: scan(&mut programme.mentees.iter().map(|m| &m.person)),
        }
    }
}

/// Each registration's biography as the mailing lists send it, under a model's
/// policy.
#[derive(Clone, Debug)]
pub struct Biographies {
    /// The model's policy, which decides what is withheld.
    pub policy: BiographyPolicy,
    /// By [`Programme::mentors`] index: why the biography is withheld, if it is.
    mentors: Vec<Option<Found>>,
    mentees: Vec<Option<Found>>,
    /// Email keys of people withheld but released by the model.
    released: Vec<(&'static str, String)>,
}

impl Biographies {
    /// Each registration's biography in `programme` under `model`'s policy,
    /// from the identity terms found when the programme was read.
    pub fn new(programme: &Programme, model: &Model) -> Biographies {
        let policy = model.biography_policy;
        let mut released = Vec::new();
        let mut check =
            |people: &mut dyn Iterator<Item = &Person>, role: &'static str, found: &BTreeMap<String, Found>| {
                people
                    .map(|person| {
                        let found = found.get(&person.email_key)?;
                        if model.biography_release.contains(&person.email_key) {
                            released.push((role, person.email.clone()));
                            return None;
                        }
                        Some(found.clone())
                    })
                    .collect::<Vec<_>>()
            };
        let mentions = &programme.identity_mentions;
        let (mentors, mentees) = if policy == BiographyPolicy::WithholdIfIdentity {
            (
                check(
                    &mut programme.mentors.iter().map(|m| &m.person),
                    "mentor",
                    &mentions.mentors,
                ),
                check(
                    &mut programme.mentees.iter().map(|m| &m.person),
                    "mentee",
                    &mentions.mentees,
                ),
            )
        } else {
            (vec![None; programme.mentors.len()], vec![None; programme.mentees.len()])
        };
        Biographies {
            policy,
            mentors,
            mentees,
            released,
        }
    }

    /// The biography the mailing lists send for mentor `index`: whole, or empty.
    pub fn mentor<'p>(&self, programme: &'p Programme, index: usize) -> &'p str {
        self.sent(&programme.mentors[index].person, self.mentors.get(index))
    }

    /// The biography the mailing lists send for mentee `index`: whole, or empty.
    pub fn mentee<'p>(&self, programme: &'p Programme, index: usize) -> &'p str {
        self.sent(&programme.mentees[index].person, self.mentees.get(index))
    }

    fn sent<'p>(&self, person: &'p Person, withheld: Option<&Option<Found>>) -> &'p str {
        match (self.policy, withheld) {
            (BiographyPolicy::None, _) | (_, Some(Some(_))) => "",
            _ => &person.biography,
        }
    }

    /// Every withheld biography, mentors first, each by email (so the order of
    /// rows in the files never changes it).
    pub fn withheld(&self, programme: &Programme) -> Vec<Withheld> {
        let mut list = Vec::new();
        let mut add = |role: &'static str, person: &Person, found: &Option<Found>| {
            if let Some(found) = found {
                list.push(Withheld {
                    role,
                    email: person.email.clone(),
                    name: person.full_name(),
                    line: person.line,
                    row: person.row,
                    found: found.clone(),
                });
            }
        };
        for (mentor, found) in programme.mentors.iter().zip(&self.mentors) {
            add("mentor", &mentor.person, found);
        }
        for (mentee, found) in programme.mentees.iter().zip(&self.mentees) {
            add("mentee", &mentee.person, found);
        }
        list.sort_by_cached_key(|w| (w.role != "mentor", w.email.to_lowercase()));
        list
    }

    /// The emails of released biographies (that would be withheld), sorted.
    pub fn released(&self) -> Vec<String> {
        let mut emails: Vec<String> = self.released.iter().map(|(_, e)| e.clone()).collect();
        emails.sort();
        emails.dedup();
        emails
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> IdentityTerms {
        IdentityTerms::new(&Programme::default())
    }

    #[test]
    fn identity_terms_are_found_whole_and_case_folded() {
        let terms = built_in();
        for (text, term) in [
            ("I'm a trans woman", "trans-woman"),
            ("I'm trans", "trans"),
            ("a trans-man here", "trans-man"),
            ("bi-curious", "bi-curious"),
            ("lesbianism", "lesbianism"),
            ("As a gay man", "gay"),
            ("Two lesbians walk into a bar", "lesbians"),
            ("Bi", "bi"),
            ("nonbinary and proud", "nonbinary"),
            ("Non-binary", "non-binary"),
            ("NON BINARY", "non-binary"),
            ("an ace negotiator", "ace"),
            ("Proud gay mum", "gay"),
            ("Proud GAY mum", "gay"),
            ("Ｇａｙ", "gay"),
            ("g\u{200B}ay", "gay"),
            ("LGBTQ+ network lead", "lgbtq"),
            ("LGBTQIA+", "lgbtqia"),
            ("two-spirit", "two-spirit"),
            ("bi+ and proud", "bi"),
            ("gay-friendly", "gay"),
        ] {
            assert_eq!(terms.find(text), Some(Found::Term(term.into())), "{text}");
        }
        for text in [
            "transport policy",
            "gaydar-free",
            "a bi-weekly newsletter",
            "pan-government work",
            "trans-Pennine rail",
            "panel chair; biology",
            "",
            "Zoë, accented",
        ] {
            assert_eq!(terms.find(text), None, "{text}");
        }
    }

    #[test]
    fn identity_values_are_split_into_parts() {
        assert_eq!(identity_parts("Bisexual or pansexual"), ["bisexual", "pansexual"]);
        assert_eq!(identity_parts("Gay / Lesbian"), ["gay", "lesbian"]);
        assert!(identity_parts("Prefer not to say").is_empty());
    }
}
