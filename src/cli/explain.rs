//! `mentorflow explain`: why one mentee or mentor got the matches they got.

use clap::{ArgGroup, Args};

use mentorflow::explain::{ForParticipant, ORGANISERS_ONLY};
use mentorflow::overrides::override_prices;
use mentorflow::pipeline::{explain, explained_matching, Person, RunError};
use mentorflow::solve::choose::SolverChoice;

use super::inputs::read_inputs;
use super::{Failure, ProgrammeArgs};

#[derive(Args)]
#[command(group(ArgGroup::new("who").required(true).args(["mentee", "mentor"])))]
pub struct ExplainArgs {
    #[command(flatten)]
    programme: ProgrammeArgs,
    /// The mentee to explain, by email address.
    #[arg(long, value_name = "EMAIL")]
    mentee: Option<String>,
    /// The mentor to explain, by email address.
    #[arg(long, value_name = "EMAIL")]
    mentor: Option<String>,
    /// A version safe to forward to the person: their matches and why, with
    /// nothing about anyone's identity or identity request. Without it the
    /// output is for organisers only.
    #[arg(long)]
    participant: bool,
}

pub fn run(args: ExplainArgs) -> Result<(), Failure> {
    let inputs = read_inputs(&args.programme)?;
    let programme = &inputs.reading.programme;
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    // Find the person first, so a typo fails before the solve.
    let who = match (&args.mentee, &args.mentor) {
        (Some(email), _) => Person::Mentee(
            programme
                .mentee_by_email(email)
                .ok_or_else(|| not_registered(email, "mentee", &args.programme.mentees))?,
        ),
        (None, Some(email)) => Person::Mentor(
            programme
                .mentor_by_email(email)
                .ok_or_else(|| {
                    let key = email.trim().to_lowercase();
                    match programme.left_out_mentors.iter().find(|m| m.email.trim().to_lowercase() == key) {
                        Some(m) => Failure::Input(format!(
                            "{email} registered as a mentor at {}, below the lowest grade that may mentor, so they were left out as a mentor (warning R006); use --mentee if they registered as a mentee too",
                            m.grade
                        )),
                        None => not_registered(email, "mentor", &args.programme.mentors),
                    }
                })?,
        ),
        (None, None) => unreachable!("clap requires --mentee or --mentor"),
    };

    let (matching, proven_optimal) = explained_matching(&inputs).map_err(|e| match e {
        RunError::Solve(e) => Failure::Input(e.to_string()),
        e @ RunError::BrokenRule(_) => Failure::System(e.to_string()),
    })?;
    let explanation = explain(&inputs, &matching, proven_optimal, who);
    if args.participant {
        // Nothing for organisers only: no identity, no pins or bans.
        print!("{}", ForParticipant(&explanation));
        return Ok(());
    }
    println!("{ORGANISERS_ONLY}");
    println!();
    print!("{explanation}");
    // The organisers' pins and bans that name this person, with their prices.
    let email = match who {
        Person::Mentee(i) => &programme.mentees[i].person.email_key,
        Person::Mentor(i) => &programme.mentors[i].person.email_key,
    };
    if programme.adjustments.rows.iter().any(|a| a.names(email)) {
        let prices = override_prices(
            programme,
            &inputs.model,
            &inputs.history,
            SolverChoice::default(),
            &matching,
        )
        .map_err(|e| Failure::Input(e.to_string()))?;
        println!("Pins and bans naming them:");
        for price in prices.iter().filter(|p| p.adjustment.names(email)) {
            println!("  {}", price.words());
        }
    }
    Ok(())
}

fn not_registered(email: &str, role: &str, file: &std::path::Path) -> Failure {
    Failure::Input(format!(
        "{email} is not a registered {role} in {}; check the email address, or use --{} if they registered as the other role",
        file.display(),
        if role == "mentee" { "mentor" } else { "mentee" }
    ))
}
