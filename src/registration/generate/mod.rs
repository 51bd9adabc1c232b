//! Synthetic registrations: realistic `mentors.csv` and `mentees.csv` files for
//! tests, benchmarks and demonstrations, with no real people in them.
//!
//! The files use the earlier tool's headings, so they can be fed to either tool.
//! The population is shaped like the Civil Service LGBT+ Network's programme:
//! organisations of very different sizes (a Zipf-like tail, so a few large
//! departments hold much of the population), junior mentees and senior mentors,
//! about 15% of people registered on both sides, about half of mentees asking to
//! share an identity, and the untidy spellings real form exports contain.
//!
//! Grades are the default model's ladder, now and then written another way the
//! model reads (an alias, another case or spacing), so the files always read
//! under it.
//!
//! [`generate`] is pure: it returns the two files' text and never touches the file
//! system. Random choices come from a `ChaCha8Rng` seeded from the spec and are
//! turned into choices with integer arithmetic only (no floats, no `rand`
//! sampling algorithms), so the same spec gives byte-identical files on every
//! platform and run.

mod dice;
mod tables;
#[cfg(test)]
mod tests;

use crate::model::{Grade, Model};
use crate::registration::{MENTEE_HEADINGS, MENTOR_HEADINGS};
use dice::{Dice, Weighted};
use tables::*;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenerateSpec {
    /// Rows of the mentees file, people registered on both sides included.
    pub mentees: usize,
    /// Rows of the mentors file, people registered on both sides included.
    pub mentors: usize,
    /// The same seed always gives the same files.
    pub seed: u64,
}

impl GenerateSpec {
    /// How many people appear in both files: about 15% of all distinct people,
    /// and never more than 40% of the smaller file, so each file keeps people of
    /// its own.
    pub fn both(&self) -> usize {
        // Solve b = 0.15 * (mentees + mentors - b), rounded: b = 3 (m + n) / 23.
        let total = self.mentees.saturating_add(self.mentors);
        let both = (total.saturating_mul(6) + 23) / 46;
        both.min(self.mentees.min(self.mentors) * 2 / 5)
    }

    /// How many distinct people the files hold.
    pub fn people(&self) -> usize {
        self.mentees + self.mentors - self.both()
    }
}

/// The two generated files, as CSV text with a heading row and `\n` line ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedRegistrations {
    /// `mentors.csv`, under [`MENTOR_HEADINGS`]: the reader's own headings.
    pub mentors_csv: String,
    /// `mentees.csv`, under [`MENTEE_HEADINGS`].
    pub mentees_csv: String,
}

impl GeneratedRegistrations {
    /// The two files read under `model`, as `match` reads `mentors.csv` and
    /// `mentees.csv` (for tests and benchmarks).
    pub fn read(&self, model: &Model) -> Result<crate::registration::Reading, crate::problem::Problems> {
        crate::registration::read_programme(
            crate::registration::Source {
                name: "mentors.csv",
                bytes: self.mentors_csv.as_bytes(),
            },
            crate::registration::Source {
                name: "mentees.csv",
                bytes: self.mentees_csv.as_bytes(),
            },
            model,
        )
    }
}

/// Generates the mentors and mentees files for `spec`.
///
/// Runs in time linear in the number of people (40,000 people take a few tens of
/// milliseconds in a release build).
pub fn generate(spec: &GenerateSpec) -> GeneratedRegistrations {
    let mut dice = Dice::new(spec.seed);
    let both = spec.both();
    let people = spec.people();

    // Roles are shuffled so people on both sides are spread through the files,
    // as they are in a real registration export.
    let mut roles = Vec::with_capacity(people);
    roles.extend(std::iter::repeat_n(Role::Both, both));
    roles.extend(std::iter::repeat_n(Role::Mentee, spec.mentees - both));
    roles.extend(std::iter::repeat_n(Role::Mentor, spec.mentors - both));
    dice.shuffle(&mut roles);

    let organisations = organisation_pool(people);
    let tables = Tables::new(organisations.len(), &Model::civil_service());

    let mut mentors = csv::Writer::from_writer(Vec::with_capacity(spec.mentors * 220 + 200));
    let mut mentees = csv::Writer::from_writer(Vec::with_capacity(spec.mentees * 220 + 200));
    mentors.write_record(MENTOR_HEADINGS).expect(VEC_WRITE);
    mentees.write_record(MENTEE_HEADINGS).expect(VEC_WRITE);

    for (index, role) in roles.into_iter().enumerate() {
        let person = Person::new(&mut dice, &tables, &organisations, index + 1, role);
        let both_text = if role == Role::Both { "yes" } else { "no" };
        let common = [
            person.first_name,
            person.last_name,
            person.email.as_str(),
            both_text,
            person.job_title.as_str(),
            person.grade_text,
            person.organisation_text.as_str(),
        ];
        if let Some(side) = &person.mentor {
            let mut record = common.to_vec();
            record.extend([
                person.profession,
                side.characteristics.as_str(),
                person.biography.as_str(),
            ]);
            mentors.write_record(&record).expect(VEC_WRITE);
        }
        if let Some(side) = &person.mentee {
            let mut record = common.to_vec();
            let asks = if side.wants_identity_match { "yes" } else { "no" };
            record.extend([
                side.wanted_profession,
                asks,
                side.identity_to_match.as_str(),
                person.biography.as_str(),
            ]);
            mentees.write_record(&record).expect(VEC_WRITE);
        }
    }

    GeneratedRegistrations {
        mentors_csv: into_string(mentors),
        mentees_csv: into_string(mentees),
    }
}

/// The names organisations are drawn from, largest first: the fixed list of
/// plausible UK government organisations, then invented ones ("Office for ...")
/// for populations too large for the fixed list.
fn organisation_names() -> Vec<String> {
    let mut names: Vec<String> = ORGANISATIONS.iter().map(|name| name.to_string()).collect();
    let (topics, patterns) = (INVENTED_TOPICS.len(), INVENTED_PATTERNS.len());
    for i in 0..topics * patterns {
        // Cycling topic and pattern together spreads each topic's three names
        // through the ranks; each (topic, pattern) pair occurs once because
        // topics + 1 and patterns share no factor.
        let topic = INVENTED_TOPICS[i % topics];
        let pattern = INVENTED_PATTERNS[(i / topics + i) % patterns];
        names.push(pattern.replace("{}", topic));
    }
    names
}

/// How many organisations a programme of `people` draws from: about 2.7 times the
/// square root, so about 85 for 1,000 people as in the 2021 and 2022 programmes.
fn organisation_count(people: usize) -> usize {
    let available = ORGANISATIONS.len() + INVENTED_TOPICS.len() * INVENTED_PATTERNS.len();
    (people.saturating_mul(729) / 100).isqrt().clamp(1, available)
}

const VEC_WRITE: &str = "writing CSV into memory cannot fail";

fn into_string(writer: csv::Writer<Vec<u8>>) -> String {
    let bytes = writer.into_inner().expect(VEC_WRITE);
    String::from_utf8(bytes).expect("every generated field is UTF-8")
}

fn organisation_pool(people: usize) -> Vec<String> {
    let mut names = organisation_names();
    names.truncate(organisation_count(people));
    names
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Mentee,
    Mentor,
    Both,
}

/// One synthetic person. Someone on both sides is one `Person`, so both rows
/// share every common field by construction.
struct Person<'t> {
    first_name: &'static str,
    last_name: &'static str,
    email: String,
    job_title: String,
    grade_text: &'t str,
    organisation_text: String,
    /// Their own profession: the mentors file's `profession`.
    profession: &'static str,
    biography: String,
    mentor: Option<MentorSide>,
    mentee: Option<MenteeSide>,
}

struct MentorSide {
    characteristics: String,
}

struct MenteeSide {
    wanted_profession: &'static str,
    wants_identity_match: bool,
    identity_to_match: String,
}

impl<'t> Person<'t> {
    fn new(dice: &mut Dice, tables: &'t Tables, organisations: &[String], id: usize, role: Role) -> Person<'t> {
        let first_name = *dice.pick(FIRST_NAMES);
        let last_name = *dice.pick(LAST_NAMES);
        let email = format!(
            "{}.{}.{id}@example.gov.uk",
            email_part(first_name),
            email_part(last_name)
        );

        let grades = match role {
            Role::Mentee => &tables.mentee_grades,
            Role::Mentor => &tables.mentor_grades,
            Role::Both => &tables.both_grades,
        };
        let grade = dice.weighted(grades);
        // Real exports spell grades many ways; about 5% use a variant the
        // model's aliases accept, to exercise them.
        let grade_text = if dice.per_mille(50) {
            *dice.pick(&tables.grade_spellings[grade])
        } else {
            tables.grade_names[grade].as_str()
        };

        let organisation = &organisations[dice.weighted(&tables.organisations)];
        let organisation_text = if dice.per_mille(30) {
            untidy(dice, organisation)
        } else {
            organisation.clone()
        };

        let profession = own_profession(dice, tables, organisation);
        let job_title = job_title(dice, &tables.grade_names[grade], profession);

        let mentor = (role != Role::Mentee).then(|| MentorSide {
            characteristics: join_identities(&identities_held(dice, tables)),
        });
        let mentee = (role != Role::Mentor).then(|| {
            let held = mentor.as_ref().map(|side| side.characteristics.as_str());
            mentee_side(dice, tables, profession, held)
        });

        let wanted = mentee.as_ref().map(|side| side.wanted_profession);
        let biography = biography(dice, role, profession, wanted, grade);

        Person {
            first_name,
            last_name,
            email,
            job_title,
            grade_text,
            organisation_text,
            profession,
            biography,
            mentor,
            mentee,
        }
    }
}

/// Lower-case ASCII letters, digits and hyphens, so emails stay plain.
fn email_part(name: &str) -> String {
    let mut part = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' | '-' => part.push(c),
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => part.push('a'),
            'é' | 'è' | 'ê' | 'ë' => part.push('e'),
            'í' | 'ì' | 'î' | 'ï' => part.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => part.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => part.push('u'),
            'ç' | 'ć' | 'č' => part.push('c'),
            'ś' | 'š' => part.push('s'),
            'ł' => part.push('l'),
            'ñ' => part.push('n'),
            _ => {}
        }
    }
    part
}

/// An organisation's name as someone might type it: other case, doubled or
/// stray spaces, `&` for `and`. Each still names the same organisation once
/// case, spaces and `&` are normalised.
fn untidy(dice: &mut Dice, name: &str) -> String {
    match dice.below(3) {
        0 => name.to_lowercase(),
        1 if name.contains(' ') => name.replacen(' ', "  ", 1),
        1 => format!("{name} "),
        _ if name.contains(" and ") => name.replacen(" and ", " & ", 1),
        _ => format!(" {name}"),
    }
}

fn own_profession(dice: &mut Dice, tables: &Tables, organisation: &str) -> &'static str {
    // Specialist organisations employ many people of their own profession, which
    // also makes those professions hard to match outside the organisation.
    if let Some((_, profession)) = SPECIALISTS.iter().find(|(org, _)| *org == organisation) {
        if dice.per_mille(400) {
            return profession;
        }
    }
    PROFESSIONS[dice.weighted(&tables.professions)].name
}

/// A job title fitting the grade, by the default model's name of it.
fn job_title(dice: &mut Dice, grade: &str, profession: &'static str) -> String {
    let base = *dice.pick(profession_info(profession).titles);
    let area = *dice.pick(AREAS);
    match grade {
        "AA" | "AO" if dice.per_mille(500) => dice
            .pick(&["Administrative Officer", "Administrative Assistant", "Support Officer"])
            .to_string(),
        "AA" | "AO" => format!("Assistant {base}"),
        "EO" | "HEO" => base.to_string(),
        "SEO" => format!("Senior {base}"),
        "Grade 7" => format!("{} {base}", dice.pick(&["Lead", "Principal"])),
        "Grade 6" => format!("Head of {area}"),
        "SCS1" => format!("Deputy Director, {area}"),
        "SCS2" => format!("Director, {area}"),
        "SCS3" => format!("Director General, {area}"),
        _ => "Permanent Secretary".to_string(),
    }
}

/// A mentor's identities: none for some, one for most, two or three for others.
fn identities_held(dice: &mut Dice, tables: &Tables) -> Vec<usize> {
    let count = match dice.below(100) {
        0..15 => 0,
        15..70 => 1,
        70..92 => 2,
        _ => 3,
    };
    distinct_identities(dice, tables, count)
}

fn distinct_identities(dice: &mut Dice, tables: &Tables, count: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(count);
    while chosen.len() < count {
        let identity = dice.weighted(&tables.identities);
        if !chosen.contains(&identity) {
            chosen.push(identity);
        }
    }
    // Multiple-choice exports list options in the form's order.
    chosen.sort_unstable();
    chosen
}

fn join_identities(identities: &[usize]) -> String {
    identities
        .iter()
        .map(|&i| IDENTITIES[i].0)
        .collect::<Vec<_>>()
        .join(", ")
}

fn mentee_side(dice: &mut Dice, tables: &Tables, own: &'static str, held: Option<&str>) -> MenteeSide {
    // Most mentees want a mentor in their own field; the rest want a popular one,
    // often the field they hope to move into.
    let wanted_profession = if dice.per_mille(600) {
        own
    } else {
        PROFESSIONS[dice.weighted(&tables.wanted_professions)].name
    };
    let wants_identity_match = dice.per_mille(500);
    // Some who say "no" still fill the identity question in.
    let fill = wants_identity_match || dice.per_mille(250);
    let identity_to_match = match held {
        // People on both sides mostly want a mentor who shares one of their own
        // identities.
        Some(held) if fill && !held.is_empty() && dice.per_mille(800) => {
            let held: Vec<&str> = held.split(", ").collect();
            dice.pick(&held).to_string()
        }
        _ if fill => {
            let count = if wants_identity_match && dice.per_mille(120) {
                2
            } else {
                1
            };
            join_identities(&distinct_identities(dice, tables, count))
        }
        _ => String::new(),
    };
    MenteeSide {
        wanted_profession,
        wants_identity_match,
        identity_to_match,
    }
}

/// A short, optional biography. Some contain commas, quotes or a line break, and
/// a few start with `-` or `=` as people's own text sometimes does, so readers
/// and the exporter's formula escaping are exercised.
fn biography(dice: &mut Dice, role: Role, own: &str, wanted: Option<&str>, grade: usize) -> String {
    let roll = dice.below(1000);
    if roll < 80 {
        return String::new();
    }
    let wanted = wanted.unwrap_or(own);
    if roll < 105 {
        return match dice.below(4) {
            0 => format!("- Keen to learn about {wanted}\n- Happy to meet online"),
            1 => "=) Looking forward to meeting someone new!".to_string(),
            2 => format!("-{} years in {own}, still learning.", 2 + dice.below(20)),
            _ => "=HYPERLINK(\"https://example.gov.uk\",\"my blog\")".to_string(),
        };
    }
    let years = 1 + dice.below(if grade >= 5 { 25 } else { 12 });
    let area = *dice.pick(AREAS);
    let first = match (role, dice.below(5)) {
        (Role::Mentor, 0) => format!("I've worked in {own} for {years} years, across several departments."),
        (Role::Mentor, 1) => "Happy to help with applications, interviews and Success Profiles.".to_string(),
        (Role::Mentor, 2) => format!("I lead a team in {area} and enjoy helping people plan their next move."),
        (Role::Mentor, 3) => "I came out at work later in my career and am glad to talk about that.".to_string(),
        (Role::Mentor, _) => {
            "Ask me about moving between departments, working part-time or stepping up to manage a team.".to_string()
        }
        (_, 0) if wanted != own => {
            format!("I'm in {own} and would like to move into {wanted} in the next year or two.")
        }
        (_, 0) => format!("I'd like to grow my career in {own} over the next year or two."),
        (_, 1) => {
            format!("I've been in the Civil Service for {years} years and would like advice on going for promotion.")
        }
        (_, 2) => {
            "Looking for someone to talk to about being out at work, and about confidence in meetings.".to_string()
        }
        (_, 3) => format!("I work on {area} and want to see how other departments approach it."),
        (_, _) => format!("Fairly new to {own}, keen to learn how things work across government."),
    };
    if !dice.per_mille(450) {
        return first;
    }
    let second = match dice.below(5) {
        0 => "Outside work I run, cook and volunteer with a local Pride group.".to_string(),
        1 => "My team calls me \"the spreadsheet person\".".to_string(),
        2 => "I work part-time, so mornings suit me best.".to_string(),
        3 => format!("Based in {}, happy to meet online.", dice.pick(CITIES)),
        _ => "I use they/them pronouns.".to_string(),
    };
    let separator = if dice.per_mille(150) { "\n" } else { " " };
    format!("{first}{separator}{second}")
}

/// Every weighted draw the generator makes, and the grades it writes.
struct Tables {
    /// The default model's ladder, lowest first.
    grade_names: Vec<String>,
    /// By grade, the other spellings of it the files use ([`GRADE_SPELLINGS`]).
    grade_spellings: Vec<Vec<&'static str>>,
    mentee_grades: Weighted,
    mentor_grades: Weighted,
    both_grades: Weighted,
    organisations: Weighted,
    professions: Weighted,
    wanted_professions: Weighted,
    identities: Weighted,
}

impl Tables {
    fn new(organisations: usize, model: &Model) -> Tables {
        let ladder = &model.ladder;
        let grade_names: Vec<String> = ladder.grades().map(|g| ladder.name(g).to_string()).collect();
        let mut grade_spellings = vec![Vec::new(); ladder.len()];
        for &spelling in GRADE_SPELLINGS {
            let Grade(grade) = ladder
                .grade(spelling)
                .unwrap_or_else(|| panic!("the default model reads no grade {spelling:?}"));
            grade_spellings[grade as usize].push(spelling);
        }
        assert!(
            grade_spellings.iter().all(|spellings| !spellings.is_empty()),
            "every grade has another spelling"
        );
        for weights in [MENTEE_GRADE_WEIGHTS, MENTOR_GRADE_WEIGHTS, BOTH_GRADE_WEIGHTS] {
            assert_eq!(weights.len(), ladder.len(), "a weight for each grade of the ladder");
        }
        Tables {
            grade_names,
            grade_spellings,
            mentee_grades: Weighted::new(MENTEE_GRADE_WEIGHTS.iter().copied()),
            mentor_grades: Weighted::new(MENTOR_GRADE_WEIGHTS.iter().copied()),
            both_grades: Weighted::new(BOTH_GRADE_WEIGHTS.iter().copied()),
            // Zipf with exponent 1: the organisation of rank k has weight 1/k.
            organisations: Weighted::new((1..=organisations).map(|rank| 1_000_000 / rank)),
            professions: Weighted::new(PROFESSIONS.iter().map(|p| p.staff)),
            wanted_professions: Weighted::new(PROFESSIONS.iter().map(|p| p.wanted)),
            identities: Weighted::new(IDENTITIES.iter().map(|(_, weight)| *weight)),
        }
    }
}
