//! `mentorflow explain`: why one mentee or mentor got the matches they got.

use clap::{ArgGroup, Args};

use mentorflow::check::check_matching;
use mentorflow::eligibility::Eligibility;
use mentorflow::explain::{solve_priced, Explainer};
use mentorflow::solve::{self, SolveOptions};

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
    let (model, programme, history) = (&inputs.model, &inputs.reading.programme, &inputs.history);
    for warning in inputs.reading.warnings.warnings() {
        eprintln!("{warning}");
    }
    // Find the person first, so a typo fails before the solve.
    let who = match (&args.mentee, &args.mentor) {
        (Some(email), _) => Who::Mentee(
            programme
                .mentee_by_email(email)
                .ok_or_else(|| not_registered(email, "mentee", &args.programme.mentees))?,
        ),
        (None, Some(email)) => Who::Mentor(
            programme
                .mentor_by_email(email)
                .ok_or_else(|| not_registered(email, "mentor", &args.programme.mentors))?,
        ),
        (None, None) => unreachable!("clap requires --mentee or --mentor"),
    };

    let eligibility = Eligibility::new(programme, model, history);
    let options = SolveOptions::default();
    let (matching, proven_optimal) = if eligibility.count() <= options.whole_network_up_to {
        // Small enough to check the solver's prices independently.
        let priced = solve_priced(programme, model, &eligibility.pairs()).map_err(|e| Failure::Input(e.to_string()))?;
        (priced.matching, priced.proven_optimal)
    } else {
        // Pricing ends only when the prices certify every eligible pair.
        let solution = solve::solve_eligible(&eligibility, options).map_err(|e| Failure::Input(e.to_string()))?;
        (solution.matching, true)
    };
    let violations = check_matching(programme, model, history, &matching);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(Failure::System(format!(
            "internal error: the matching breaks a rule, please report this:\n{}",
            list.join("\n")
        )));
    }
    let explainer = Explainer::new(programme, model, history, &matching, proven_optimal);
    let explanation = match who {
        Who::Mentee(i) => explainer.mentee(i),
        Who::Mentor(i) => explainer.mentor(i),
    };
    print!("{explanation}");
    Ok(())
}

enum Who {
    Mentee(usize),
    Mentor(usize),
}

fn not_registered(email: &str, role: &str, file: &std::path::Path) -> Failure {
    Failure::Input(format!(
        "{email} is not a registered {role} in {}; check the email address, or use --{} if they registered as the other role",
        file.display(),
        if role == "mentee" { "mentor" } else { "mentee" }
    ))
}
