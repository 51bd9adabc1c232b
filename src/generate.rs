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
//! [`generate`] is pure: it returns the two files' text and never touches the file
//! system. Random choices come from a `ChaCha8Rng` seeded from the spec and are
//! turned into choices with integer arithmetic only (no floats, no `rand`
//! sampling algorithms), so the same spec gives byte-identical files on every
//! platform and run.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenerateSpec {
    /// Rows of the mentees file, people registered on both sides included.
    pub mentees: usize,
    /// Rows of the mentors file, people registered on both sides included.
    pub mentors: usize,
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
    pub mentors_csv: String,
    pub mentees_csv: String,
}

/// Headings of the two files, as the earlier tool (mentor-match) writes them:
/// the reader's own table, so the generated files are always read.
pub use crate::registration::{MENTEE_HEADINGS, MENTOR_HEADINGS};

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
    let tables = Tables::new(organisations.len());

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
pub fn organisation_names() -> Vec<String> {
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
pub fn organisation_count(people: usize) -> usize {
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
struct Person {
    first_name: &'static str,
    last_name: &'static str,
    email: String,
    job_title: String,
    grade_text: &'static str,
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

impl Person {
    fn new(dice: &mut Dice, tables: &Tables, organisations: &[String], id: usize, role: Role) -> Person {
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
            *dice.pick(GRADE_VARIANTS[grade])
        } else {
            GRADES[grade]
        };

        let organisation = &organisations[dice.weighted(&tables.organisations)];
        let organisation_text = if dice.per_mille(30) {
            untidy(dice, organisation)
        } else {
            organisation.clone()
        };

        let profession = own_profession(dice, tables, organisation);
        let job_title = job_title(dice, grade, profession);

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

fn job_title(dice: &mut Dice, grade: usize, profession: &'static str) -> String {
    let base = *dice.pick(profession_info(profession).titles);
    let area = *dice.pick(AREAS);
    match GRADES[grade] {
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

/// The rng, with choices made by integer arithmetic on its raw output so results
/// never depend on `rand`'s sampling algorithms.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift; the bias is below 2^-40
    /// for the sizes used here.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    fn per_mille(&mut self, chance: usize) -> bool {
        self.below(1000) < chance
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn weighted(&mut self, table: &Weighted) -> usize {
        let ticket = self.below(table.total());
        table.cumulative.partition_point(|&end| end <= ticket)
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Integer weights as running totals, for [`Dice::weighted`].
struct Weighted {
    cumulative: Vec<usize>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = usize>) -> Weighted {
        let cumulative: Vec<usize> = weights
            .into_iter()
            .scan(0, |total, weight| {
                *total += weight;
                Some(*total)
            })
            .collect();
        assert!(
            cumulative.last().is_some_and(|&total| total > 0),
            "weights must not all be 0"
        );
        Weighted { cumulative }
    }

    fn total(&self) -> usize {
        self.cumulative[self.cumulative.len() - 1]
    }
}

struct Tables {
    mentee_grades: Weighted,
    mentor_grades: Weighted,
    both_grades: Weighted,
    organisations: Weighted,
    professions: Weighted,
    wanted_professions: Weighted,
    identities: Weighted,
}

impl Tables {
    fn new(organisations: usize) -> Tables {
        Tables {
            mentee_grades: Weighted::new(MENTEE_GRADE_WEIGHTS),
            mentor_grades: Weighted::new(MENTOR_GRADE_WEIGHTS),
            both_grades: Weighted::new(BOTH_GRADE_WEIGHTS),
            // Zipf with exponent 1: the organisation of rank k has weight 1/k.
            organisations: Weighted::new((1..=organisations).map(|rank| 1_000_000 / rank)),
            professions: Weighted::new(PROFESSIONS.iter().map(|p| p.staff)),
            wanted_professions: Weighted::new(PROFESSIONS.iter().map(|p| p.wanted)),
            identities: Weighted::new(IDENTITIES.iter().map(|(_, weight)| *weight)),
        }
    }
}

/// The default model's ladder, lowest first.
const GRADES: [&str; 11] = [
    "AA", "AO", "EO", "HEO", "SEO", "Grade 7", "Grade 6", "SCS1", "SCS2", "SCS3", "SCS4",
];

/// Other spellings of each grade that the default model's aliases accept.
const GRADE_VARIANTS: [&[&str]; 11] = [
    &["aa", "Administrative Assistant"],
    &["ao", "Administrative Officer"],
    &["eo", "Executive Officer"],
    &["heo", "Higher Executive Officer"],
    &["seo", "Senior Executive Officer"],
    &["G7", "grade 7", "Grade7"],
    &["G6", "grade 6", "Grade6"],
    &["SCS PB1", "Deputy Director"],
    &["SCS PB2", "Director"],
    &["SCS PB3", "Director General"],
    &["SCS PB4", "Permanent Secretary"],
];

// Grade weights, per mille, in ladder order. Mentees are mostly EO to SEO;
// mentors mostly Grade 7 and above, never AA (only AO and above may mentor);
// people on both sides sit in the middle, and are AO or above as they mentor.
const MENTEE_GRADE_WEIGHTS: [usize; 11] = [20, 80, 225, 292, 222, 120, 30, 8, 2, 1, 0];
const MENTOR_GRADE_WEIGHTS: [usize; 11] = [0, 3, 10, 40, 120, 280, 260, 180, 70, 30, 7];
const BOTH_GRADE_WEIGHTS: [usize; 11] = [0, 10, 70, 220, 320, 300, 70, 10, 0, 0, 0];

struct Profession {
    name: &'static str,
    /// How common the profession is among participants.
    staff: usize,
    /// How often it is wanted by mentees who look beyond their own field.
    wanted: usize,
    titles: &'static [&'static str],
}

const fn profession(name: &'static str, staff: usize, wanted: usize, titles: &'static [&'static str]) -> Profession {
    Profession {
        name,
        staff,
        wanted,
        titles,
    }
}

/// Civil Service professions, with skewed popularity.
const PROFESSIONS: &[Profession] = &[
    profession(
        "Operational Delivery",
        240,
        80,
        &[
            "Caseworker",
            "Work Coach",
            "Operations Manager",
            "Compliance Officer",
            "Customer Service Officer",
        ],
    ),
    profession("Policy", 180, 250, &["Policy Adviser", "Policy Officer"]),
    profession(
        "Digital Data and Technology",
        100,
        180,
        &[
            "Software Developer",
            "Data Engineer",
            "User Researcher",
            "Service Designer",
            "Delivery Manager",
            "Business Analyst",
        ],
    ),
    profession(
        "Project Delivery",
        60,
        120,
        &["Project Manager", "Programme Manager", "Portfolio Analyst"],
    ),
    profession(
        "Finance",
        50,
        40,
        &["Finance Business Partner", "Accountant", "Management Accountant"],
    ),
    profession(
        "Human Resources",
        50,
        50,
        &["HR Business Partner", "HR Adviser", "Recruitment Officer"],
    ),
    profession(
        "Commercial",
        40,
        50,
        &["Commercial Manager", "Category Manager", "Contract Manager"],
    ),
    profession(
        "Communications",
        40,
        60,
        &["Communications Officer", "Press Officer", "Content Designer"],
    ),
    profession("Economics", 30, 30, &["Economist"]),
    profession("Statistics", 30, 30, &["Statistician"]),
    profession("Social Research", 20, 20, &["Social Researcher"]),
    profession("Operational Research", 15, 10, &["Operational Researcher"]),
    profession("Legal", 30, 20, &["Lawyer", "Legal Adviser", "Paralegal"]),
    profession(
        "Science and Engineering",
        30,
        20,
        &["Scientist", "Engineer", "Research Scientist"],
    ),
    profession("Tax", 30, 10, &["Tax Specialist", "Tax Inspector"]),
    profession("Security", 20, 20, &["Security Adviser", "Security Officer"]),
    profession("Internal Audit", 10, 5, &["Auditor"]),
    profession(
        "Knowledge and Information Management",
        20,
        10,
        &["Information Manager", "Records Manager", "Knowledge Manager"],
    ),
    profession("Property", 10, 5, &["Estates Manager", "Property Surveyor"]),
    profession("Planning", 10, 5, &["Planning Officer", "Planner"]),
    profession("Veterinary", 5, 2, &["Veterinary Officer"]),
    profession("Medical", 5, 2, &["Medical Adviser"]),
    profession("Intelligence Analysis", 10, 10, &["Intelligence Analyst"]),
    profession(
        "Counter Fraud",
        15,
        8,
        &["Fraud Investigator", "Counter Fraud Specialist"],
    ),
    profession("Corporate Finance", 5, 5, &["Corporate Finance Adviser"]),
    profession("International Trade", 10, 10, &["Trade Adviser", "Trade Negotiator"]),
    profession("Occupational Psychology", 5, 5, &["Occupational Psychologist"]),
    profession("Planning Inspectors", 3, 2, &["Planning Inspector"]),
];

fn profession_info(name: &str) -> &'static Profession {
    PROFESSIONS
        .iter()
        .find(|p| p.name == name)
        .expect("professions come from PROFESSIONS")
}

/// Organisations where many people share one profession.
const SPECIALISTS: &[(&str, &str)] = &[
    ("HM Revenue and Customs", "Tax"),
    ("Department for Work and Pensions", "Operational Delivery"),
    ("HM Prison and Probation Service", "Operational Delivery"),
    ("Office for National Statistics", "Statistics"),
    ("Government Legal Department", "Legal"),
    ("Crown Prosecution Service", "Legal"),
    ("Met Office", "Science and Engineering"),
    ("Defence Science and Technology Laboratory", "Science and Engineering"),
    ("Government Digital Service", "Digital Data and Technology"),
    ("HM Treasury", "Economics"),
    ("Serious Fraud Office", "Counter Fraud"),
    ("Planning Inspectorate", "Planning Inspectors"),
    ("Veterinary Medicines Directorate", "Veterinary"),
    ("Animal and Plant Health Agency", "Veterinary"),
    ("Crown Commercial Service", "Commercial"),
    ("Government Internal Audit Agency", "Internal Audit"),
    ("Government Property Agency", "Property"),
    ("The National Archives", "Knowledge and Information Management"),
    ("Government Communications Headquarters", "Intelligence Analysis"),
    ("UK Export Finance", "Corporate Finance"),
];

/// LGBT+ identities offered by the registration form, with how often each is
/// chosen.
const IDENTITIES: [(&str, usize); 8] = [
    ("Lesbian", 14),
    ("Gay", 30),
    ("Bisexual or pansexual", 24),
    ("Asexual or aromantic", 5),
    ("Transgender", 7),
    ("Non-binary", 9),
    ("Intersex", 1),
    ("Queer", 10),
];

/// Plausible UK government organisations, roughly largest first: an
/// organisation's place here is its size rank.
const ORGANISATIONS: &[&str] = &[
    "Department for Work and Pensions",
    "HM Revenue and Customs",
    "Ministry of Justice",
    "Home Office",
    "Ministry of Defence",
    "Cabinet Office",
    "HM Prison and Probation Service",
    "Department for Education",
    "Department of Health and Social Care",
    "Foreign, Commonwealth and Development Office",
    "HM Treasury",
    "Department for Environment, Food and Rural Affairs",
    "Department for Business and Trade",
    "Department for Transport",
    "Office for National Statistics",
    "Department for Energy Security and Net Zero",
    "Department for Science, Innovation and Technology",
    "Ministry of Housing, Communities and Local Government",
    "HM Courts and Tribunals Service",
    "Department for Culture, Media and Sport",
    "Crown Prosecution Service",
    "Driver and Vehicle Licensing Agency",
    "Environment Agency",
    "UK Health Security Agency",
    "Government Legal Department",
    "HM Land Registry",
    "Companies House",
    "Valuation Office Agency",
    "Insolvency Service",
    "Intellectual Property Office",
    "Met Office",
    "Food Standards Agency",
    "Rural Payments Agency",
    "Animal and Plant Health Agency",
    "Maritime and Coastguard Agency",
    "Driver and Vehicle Standards Agency",
    "Government Digital Service",
    "Crown Commercial Service",
    "Government Property Agency",
    "Office for Standards in Education, Children's Services and Skills",
    "Health and Safety Executive",
    "Medicines and Healthcare products Regulatory Agency",
    "National Crime Agency",
    "Ofgem",
    "Competition and Markets Authority",
    "Charity Commission",
    "Serious Fraud Office",
    "The National Archives",
    "Office of Rail and Road",
    "Ofqual",
    "Ofwat",
    "Forestry Commission",
    "Government Actuary's Department",
    "National Savings and Investments",
    "UK Export Finance",
    "Scottish Government",
    "Welsh Government",
    "Northern Ireland Office",
    "Scotland Office",
    "Wales Office",
    "Attorney General's Office",
    "Office of the Parliamentary Counsel",
    "Legal Aid Agency",
    "Office of the Public Guardian",
    "Criminal Injuries Compensation Authority",
    "Defence Equipment and Support",
    "Defence Science and Technology Laboratory",
    "UK Hydrographic Office",
    "Submarine Delivery Agency",
    "Veterinary Medicines Directorate",
    "Centre for Environment, Fisheries and Aquaculture Science",
    "Planning Inspectorate",
    "Education and Skills Funding Agency",
    "Standards and Testing Agency",
    "Teaching Regulation Agency",
    "Active Travel England",
    "Vehicle Certification Agency",
    "Government Internal Audit Agency",
    "UK Debt Management Office",
    "Office for Budget Responsibility",
    "Government Communications Headquarters",
    "Registers of Scotland",
    "Office for Product Safety and Standards",
    "UK Space Agency",
    "Building Digital UK",
    "Office for Life Sciences",
    "Office for Veterans' Affairs",
    "Government Equalities Office",
    "Office of the Advocate General for Scotland",
    "Crown Office and Procurator Fiscal Service",
    "Revenue Scotland",
    "Welsh Revenue Authority",
    "Office for Environmental Protection",
    "Export Control Joint Unit",
    "Office for Zero Emission Vehicles",
    "Geospatial Commission",
    "Independent Office for Police Conduct",
    "Oil and Gas Authority",
    "Office of the Public Sector Ombudsman",
    "Civil Nuclear Constabulary",
];

/// Invented organisations, for populations too large for [`ORGANISATIONS`].
const INVENTED_TOPICS: &[&str] = &[
    "Coastal Resilience",
    "Rural Connectivity",
    "Public Sector Skills",
    "Regional Growth",
    "Water Quality",
    "Digital Identity",
    "Heritage Assets",
    "Inland Waterways",
    "Community Safety",
    "Energy Efficiency",
    "Civil Contingencies",
    "Soil and Land Use",
    "Public Records",
    "Apprenticeship Standards",
    "Consumer Redress",
    "Air Quality",
    "Northern Infrastructure",
    "Food Resilience",
    "Marine Licensing",
    "Cyber Standards",
    "Local Audit",
    "Flood Defence",
    "Urban Regeneration",
    "Clinical Evidence",
    "Nuclear Decommissioning",
    "Fisheries Management",
    "Tribunal Services",
    "Research Infrastructure",
    "Spectrum Management",
    "Border Technology",
    "Public Procurement Review",
    "Pension Protection",
    "Victim Support",
    "Tourism Statistics",
    "Road Safety",
    "Building Standards",
    "Plant Varieties",
    "Earth Observation",
    "Youth Employment",
    "Data Ethics",
];

const INVENTED_PATTERNS: [&str; 3] = ["Office for {}", "{} Agency", "{} Authority"];

/// Topics for job titles and biographies.
const AREAS: &[&str] = &[
    "Digital Services",
    "Strategy",
    "Operations",
    "Workforce Planning",
    "Tax Policy",
    "Fraud and Error",
    "Border Systems",
    "Data and Analysis",
    "Finance",
    "People and Capability",
    "Net Zero",
    "Housing Supply",
    "Prisons Reform",
    "Local Growth",
    "Trade Policy",
    "Science Strategy",
    "Commercial",
    "Communications",
    "Legal Services",
    "Estates",
    "Security",
    "Customer Experience",
    "Transformation",
    "Justice Policy",
    "Skills",
];

const CITIES: &[&str] = &[
    "Leeds",
    "Manchester",
    "Glasgow",
    "Cardiff",
    "Newcastle",
    "Bristol",
    "Birmingham",
    "London",
    "Sheffield",
    "Darlington",
    "Belfast",
    "Edinburgh",
    "York",
    "Nottingham",
    "Croydon",
    "Swansea",
];

const FIRST_NAMES: &[&str] = &[
    "Alex",
    "Sam",
    "Jordan",
    "Charlie",
    "Jamie",
    "Robin",
    "Morgan",
    "Taylor",
    "Casey",
    "Riley",
    "Ashley",
    "Frankie",
    "Oliver",
    "Harry",
    "George",
    "Jack",
    "Thomas",
    "James",
    "William",
    "Daniel",
    "Matthew",
    "Callum",
    "Liam",
    "Ryan",
    "Mohammed",
    "Arjun",
    "Rahul",
    "Kwame",
    "Tunde",
    "Chen",
    "Wei",
    "Hiroshi",
    "Luca",
    "Mateusz",
    "Tomasz",
    "Dmitri",
    "Olivia",
    "Amelia",
    "Isla",
    "Emily",
    "Sophie",
    "Grace",
    "Chloe",
    "Hannah",
    "Lucy",
    "Ellie",
    "Megan",
    "Laura",
    "Priya",
    "Aisha",
    "Fatima",
    "Zainab",
    "Amara",
    "Chiamaka",
    "Mei",
    "Yuki",
    "Ana",
    "Agnieszka",
    "Ewa",
    "Katarzyna",
    "Siobhán",
    "Seán",
    "Niamh",
    "Aoife",
    "Ciarán",
    "Eilidh",
    "Mhairi",
    "Rhys",
    "Gwen",
    "Dafydd",
    "Zoë",
    "José",
    "Renée",
    "Chloé",
    "Noah",
    "Leo",
    "Ezra",
    "Kai",
    "Jesse",
    "Avery",
    "Rowan",
    "Sasha",
    "Quinn",
    "Eden",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Moore",
    "King",
    "Watson",
    "Baker",
    "Harrison",
    "Morgan",
    "Patel",
    "Khan",
    "Ahmed",
    "Ali",
    "Singh",
    "Begum",
    "Hussain",
    "Shah",
    "Sharma",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Boateng",
    "Nwosu",
    "Wang",
    "Li",
    "Zhang",
    "Nguyen",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Murphy",
    "O'Brien",
    "O'Neill",
    "MacDonald",
    "McLeod",
    "Campbell",
    "Stewart",
    "Fraser",
    "Griffiths",
    "Llewellyn",
    "Pritchard",
    "Smith-Jones",
    "Ashworth-Hale",
    "da Silva",
    "Rossi",
    "Müller",
    "Dubois",
    "García",
    "Fernández",
    "Kaur",
    "Gill",
    "Chowdhury",
    "Rahman",
    "Begović",
    "Andersson",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn spec(mentees: usize, mentors: usize, seed: u64) -> GenerateSpec {
        GenerateSpec { mentees, mentors, seed }
    }

    /// Rows of a generated file, parsed back as CSV, heading row first.
    fn rows(csv_text: &str) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv_text.as_bytes());
        reader
            .records()
            .map(|record| {
                record
                    .expect("generated CSV parses")
                    .iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    /// A grade spelling's place on the ladder, as the default model reads it.
    fn ladder_place(spelling: &str) -> usize {
        let key = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_lowercase()
        };
        (0..GRADES.len())
            .find(|&i| key(GRADES[i]) == key(spelling) || GRADE_VARIANTS[i].iter().any(|v| key(v) == key(spelling)))
            .unwrap_or_else(|| panic!("unknown grade spelling {spelling:?}"))
    }

    fn organisation_key(name: &str) -> String {
        name.replace('&', " and ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }

    #[test]
    fn files_have_the_requested_rows_and_exact_headings() {
        for (mentees, mentors) in [
            (0, 0),
            (1, 0),
            (0, 1),
            (1, 1),
            (7, 3),
            (50, 50),
            (1000, 400),
            (300, 900),
        ] {
            let generated = generate(&spec(mentees, mentors, 11));
            let (mentee_rows, mentor_rows) = (rows(&generated.mentees_csv), rows(&generated.mentors_csv));
            assert_eq!(mentee_rows.len(), mentees + 1, "{mentees} mentees");
            assert_eq!(mentor_rows.len(), mentors + 1, "{mentors} mentors");
            assert!(generated.mentees_csv.starts_with(&(MENTEE_HEADINGS.join(",") + "\n")));
            assert!(generated.mentors_csv.starts_with(&(MENTOR_HEADINGS.join(",") + "\n")));
            assert!(mentee_rows.iter().all(|row| row.len() == MENTEE_HEADINGS.len()));
            assert!(mentor_rows.iter().all(|row| row.len() == MENTOR_HEADINGS.len()));
        }
    }

    #[test]
    fn same_spec_gives_identical_files_and_other_seeds_differ() {
        let a = generate(&spec(500, 500, 42));
        assert_eq!(a, generate(&spec(500, 500, 42)));
        let b = generate(&spec(500, 500, 43));
        assert_ne!(a.mentees_csv, b.mentees_csv);
        assert_ne!(a.mentors_csv, b.mentors_csv);
    }

    #[test]
    fn people_on_both_sides_match_and_emails_are_unique() {
        let s = spec(1000, 1000, 7);
        let generated = generate(&s);
        let mentors = rows(&generated.mentors_csv);
        let mentees = rows(&generated.mentees_csv);
        let by_email: HashMap<&str, &Vec<String>> = mentors[1..].iter().map(|row| (row[2].as_str(), row)).collect();
        assert_eq!(by_email.len(), 1000, "mentor emails are unique");
        let mentee_emails: HashSet<&str> = mentees[1..].iter().map(|row| row[2].as_str()).collect();
        assert_eq!(mentee_emails.len(), 1000, "mentee emails are unique");

        let mut both = 0;
        for mentee in &mentees[1..] {
            match by_email.get(mentee[2].as_str()) {
                Some(mentor) => {
                    both += 1;
                    assert_eq!(mentee[3], "yes");
                    assert_eq!(mentor[3], "yes");
                    // first name, last name, email, both, job title, grade, organisation
                    assert_eq!(mentee[..7], mentor[..7]);
                    assert_eq!(mentee[10], mentor[9], "one biography per person");
                    assert!(ladder_place(&mentee[5]) >= 1, "people who mentor are AO or above");
                }
                None => assert_eq!(mentee[3], "no"),
            }
        }
        assert_eq!(both, s.both());
        let mentors_yes = mentors[1..].iter().filter(|row| row[3] == "yes").count();
        assert_eq!(mentors_yes, both);
        // About 15% of distinct people.
        let share = both as f64 / s.people() as f64;
        assert!((0.13..0.17).contains(&share), "{share}");

        for email in by_email.keys().chain(mentee_emails.iter()) {
            assert!(email.ends_with("@example.gov.uk"), "{email}");
            assert_eq!(*email, email.to_lowercase());
            assert!(
                email.is_ascii() && !email.contains(' ') && !email.contains('\''),
                "{email}"
            );
        }
    }

    #[test]
    fn grades_are_junior_for_mentees_and_senior_for_mentors() {
        let generated = generate(&spec(2000, 2000, 3));
        let mentee_grades: Vec<usize> = rows(&generated.mentees_csv)[1..]
            .iter()
            .map(|r| ladder_place(&r[5]))
            .collect();
        let mentor_grades: Vec<usize> = rows(&generated.mentors_csv)[1..]
            .iter()
            .map(|r| ladder_place(&r[5]))
            .collect();
        let share = |grades: &[usize], test: &dyn Fn(usize) -> bool| {
            grades.iter().filter(|&&g| test(g)).count() as f64 / grades.len() as f64
        };
        assert!(
            share(&mentee_grades, &|g| (2..=4).contains(&g)) > 0.6,
            "mentees mostly EO to SEO"
        );
        assert!(share(&mentee_grades, &|g| g >= 7) < 0.03, "SCS mentees are very rare");
        assert!(
            share(&mentor_grades, &|g| g >= 5) > 0.6,
            "mentors mostly Grade 7 and above"
        );
        assert!(share(&mentor_grades, &|g| g >= 7) > 0.15, "a good share of SCS mentors");
        assert!(mentor_grades.iter().all(|&g| g >= 1), "no AA mentors");
        assert!(mentee_grades.contains(&0), "a few AA mentees");
    }

    #[test]
    fn some_grades_and_organisations_are_spelled_differently() {
        let generated = generate(&spec(2000, 2000, 5));
        let rows: Vec<Vec<String>> = rows(&generated.mentees_csv).into_iter().skip(1).collect();
        let variant = rows.iter().filter(|r| !GRADES.contains(&r[5].as_str())).count() as f64 / rows.len() as f64;
        assert!((0.03..0.08).contains(&variant), "{variant}");
        let names = organisation_names();
        let untidy = rows.iter().filter(|r| !names.contains(&r[6])).count();
        assert!(untidy > 20 && untidy < 200, "{untidy}");
        let keys: HashSet<String> = names.iter().map(|n| organisation_key(n)).collect();
        assert!(
            rows.iter().all(|r| keys.contains(&organisation_key(&r[6]))),
            "every spelling names a known organisation"
        );
    }

    #[test]
    fn organisations_are_many_and_heavy_tailed() {
        let s = spec(580, 580, 9);
        assert!((980..1020).contains(&s.people()), "{}", s.people());
        let generated = generate(&s);
        let mut sizes: HashMap<String, HashSet<String>> = HashMap::new();
        for text in [&generated.mentees_csv, &generated.mentors_csv] {
            for row in &rows(text)[1..] {
                sizes
                    .entry(organisation_key(&row[6]))
                    .or_default()
                    .insert(row[2].clone());
            }
        }
        assert!((75..=95).contains(&sizes.len()), "{} organisations", sizes.len());
        let mut counts: Vec<usize> = sizes.values().map(HashSet::len).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let people: usize = counts.iter().sum();
        assert_eq!(people, s.people());
        let top5: usize = counts[..5].iter().sum();
        assert!(top5 * 100 > people * 35, "the five largest hold {top5} of {people}");
        assert!(counts[counts.len() - 1] <= 3, "small organisations too");

        let names = organisation_names();
        assert_eq!(
            names.iter().collect::<HashSet<_>>().len(),
            names.len(),
            "names are unique"
        );
        assert_eq!(organisation_count(1000), 85);
        assert_eq!(organisation_count(1_000_000), names.len());
    }

    #[test]
    fn about_half_of_mentees_ask_for_a_shared_identity() {
        let generated = generate(&spec(2000, 2000, 21));
        let known: HashSet<&str> = IDENTITIES.iter().map(|(name, _)| *name).collect();
        let mentees = rows(&generated.mentees_csv);
        let asking: Vec<&Vec<String>> = mentees[1..].iter().filter(|r| r[8] == "yes").collect();
        let share = asking.len() as f64 / 2000.0;
        assert!((0.45..0.55).contains(&share), "{share}");
        assert!(mentees[1..].iter().all(|r| r[8] == "yes" || r[8] == "no"));
        assert!(
            asking.iter().all(|r| !r[9].is_empty()),
            "those asking say which identity"
        );
        assert!(asking.iter().any(|r| r[9].contains(", ")), "a few ask for two");
        assert!(mentees[1..].iter().any(|r| r[8] == "no" && !r[9].is_empty()));
        for row in &mentees[1..] {
            assert!(
                row[9].split(", ").filter(|s| !s.is_empty()).all(|i| known.contains(i)),
                "{}",
                row[9]
            );
        }

        let mentors = rows(&generated.mentors_csv);
        let counts: Vec<usize> = mentors[1..]
            .iter()
            .map(|r| r[8].split(", ").filter(|s| !s.is_empty()).count())
            .collect();
        assert!(counts.contains(&0) && counts.contains(&1) && counts.contains(&3));
        for row in &mentors[1..] {
            assert!(
                row[8].split(", ").filter(|s| !s.is_empty()).all(|i| known.contains(i)),
                "{}",
                row[8]
            );
        }
    }

    #[test]
    fn biographies_exercise_quoting_and_formula_escaping() {
        let generated = generate(&spec(2000, 2000, 1));
        let bios: Vec<String> = rows(&generated.mentees_csv)[1..]
            .iter()
            .map(|r| r[10].clone())
            .collect();
        assert!(bios.iter().any(|b| b.contains('\n')));
        assert!(bios.iter().any(|b| b.contains(',')));
        assert!(bios.iter().any(|b| b.contains('"')));
        assert!(bios.iter().any(|b| b.starts_with('-')));
        assert!(bios.iter().any(|b| b.starts_with('=')));
        assert!(bios.iter().any(String::is_empty));
        let professions: HashSet<&str> = PROFESSIONS.iter().map(|p| p.name).collect();
        for row in &rows(&generated.mentors_csv)[1..] {
            assert!(professions.contains(row[7].as_str()));
            assert!(!row[4].is_empty(), "everyone has a job title");
        }
    }

    #[test]
    fn the_crate_reads_generated_files_under_the_default_model() {
        use crate::model::Model;
        use crate::registration::{read_programme, Source};
        let s = spec(600, 500, 8);
        let generated = generate(&s);
        let mentors = Source {
            name: "mentors.csv",
            bytes: generated.mentors_csv.as_bytes(),
        };
        let mentees = Source {
            name: "mentees.csv",
            bytes: generated.mentees_csv.as_bytes(),
        };
        let reading = read_programme(mentors, mentees, &Model::civil_service()).expect("no errors");
        assert!(reading.warnings.is_empty(), "{:?}", reading.warnings);
        let programme = reading.programme;
        assert_eq!((programme.mentees.len(), programme.mentors.len()), (600, 500));
        // Untidy spellings fold into the organisations they name.
        assert!(programme.organisations.len() <= organisation_count(s.people()));
    }

    #[test]
    fn large_programmes_are_generated() {
        let generated = generate(&spec(20_000, 20_000, 99));
        assert_eq!(generated.mentees_csv.matches("@example.gov.uk").count(), 20_000);
        assert_eq!(generated.mentors_csv.matches("@example.gov.uk").count(), 20_000);
    }
}
