//! `mentorflow explain`: why one mentee or mentor got the matches they got.

use clap::{ArgGroup, Args};

use mentorflow::pipeline::{explain, explained_matching, Person, RunError};

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
                .ok_or_else(|| not_registered(email, "mentor", &args.programme.mentors))?,
        ),
        (None, None) => unreachable!("clap requires --mentee or --mentor"),
    };

    let (matching, proven_optimal) = explained_matching(&inputs).map_err(|e| match e {
        RunError::Solve(e) => Failure::Input(e.to_string()),
        e @ RunError::BrokenRule(_) => Failure::System(e.to_string()),
    })?;
    let explanation = explain(&inputs, &matching, proven_optimal, who);
    print!("{explanation}");
    Ok(())
}

fn not_registered(email: &str, role: &str, file: &std::path::Path) -> Failure {
    Failure::Input(format!(
        "{email} is not a registered {role} in {}; check the email address, or use --{} if they registered as the other role",
        file.display(),
        if role == "mentee" { "mentor" } else { "mentee" }
    ))
}
