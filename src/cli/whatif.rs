//! `mentorflow whatif`: how capacity and rules change coverage, scenario by
//! scenario, from the same registrations. Aggregates only.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Deserialize;

use mentorflow::report::whatif::WhatIf;
use mentorflow::solve::ilp::Backend;
use mentorflow::solve::{flow_can_solve, SolveError};
use mentorflow::whatif::{self, RunOptions, Vary};

use super::inputs::{read_file_within, read_inputs};
use super::output::write_file;
use super::{Failure, ProgrammeArgs};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// `--vary`'s long help, drawn from the one table of parameters.
pub fn vary_help() -> String {
    let mut help = String::from(
        "A parameter and the values to try, as PARAM=RANGE; give --vary twice for a grid.\n\
         RANGE is a comma-separated list of numbers and inclusive ranges: 1..5 is 1, 2, 3, 4, 5;\n\
         0..50/10 is 0, 10, 20, 30, 40, 50; 2,3,4 is just those.\nParameters:",
    );
    for spec in &whatif::PARAMETERS {
        let (low, high) = spec.limits;
        help.push_str(&format!("\n  {:<24} {} ({low} to {high})", spec.name, spec.help));
    }
    help
}

#[derive(Args)]
pub struct WhatIfArgs {
    /// Mentors' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    mentors: Option<PathBuf>,
    /// Mentees' registrations (CSV, the earlier tool's format).
    #[arg(long, value_name = "FILE")]
    mentees: Option<PathBuf>,
    /// The base model: a file or the name of a shipped model; civil-service when not given.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Earlier pairs (CSV with mentee_email, mentor_email), none of which is made again.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// The organisers' pins and bans (CSV: action, mentee email, mentor email, note).
    #[arg(long, value_name = "FILE")]
    adjust: Option<PathBuf>,
    /// Spellings that are one organisation (CSV with name, same as).
    #[arg(long, value_name = "FILE")]
    organisations: Option<PathBuf>,
    /// A saved analysis (JSON) with the same settings as these options; options
    /// given here replace the file's.
    #[arg(long, value_name = "FILE.json")]
    scenario: Option<PathBuf>,
    #[arg(
        long,
        value_name = "PARAM=RANGE",
        help = "A parameter and the values to try, like mentor-capacity=1..5 (inclusive); twice for a grid"
    )]
    vary: Vec<String>,
    /// The grade extra mentors are recruited at (for --vary extra-mentors=...).
    #[arg(long, value_name = "GRADE")]
    extra_grade: Option<String>,
    /// Runs of each scenario with drop-out, reported as mean and range [default: 5].
    #[arg(long, value_name = "N")]
    repeat: Option<u32>,
    /// Seed of the first run; run r uses seed + r [default: 1].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also draw coverage against the first varied parameter, as SVG. An
    /// existing file is replaced only with --force.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Replace an existing --chart file (never one of the inputs).
    #[arg(long)]
    force: bool,
    /// Scenarios solved at once [default: the number of processors].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Integer program backend, for a model with side constraints: microlp
    /// (built in) or highs (cargo feature `highs`).
    #[arg(long, value_name = "microlp|highs", default_value_t = Backend::Microlp)]
    ilp_backend: Backend,
    /// For models with side constraints: stop each run after this many
    /// seconds with the best matching found; the output marks such scenarios
    /// NOT proven. Without it each run goes on until its optimum is proven.
    #[arg(long, value_name = "SECONDS", value_parser = super::seconds)]
    time_limit: Option<std::time::Duration>,
}

/// A saved analysis: the same settings as the command's options. Paths are
/// relative to the file's folder; a model may also be a shipped model's name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ScenarioFile {
    /// What the analysis asks; for people reading the file.
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    mentors: Option<PathBuf>,
    mentees: Option<PathBuf>,
    model: Option<PathBuf>,
    history: Option<PathBuf>,
    adjust: Option<PathBuf>,
    organisations: Option<PathBuf>,
    #[serde(default)]
    vary: Vec<String>,
    extra_grade: Option<String>,
    repeat: Option<u32>,
    seed: Option<u64>,
}

/// Largest scenario file read.
const MAX_SCENARIO_BYTES: usize = 1024 * 1024;

fn read_scenario_file(path: &Path) -> Result<ScenarioFile, Failure> {
    let name = path.display().to_string();
    let bytes = read_file_within(
        path,
        MAX_SCENARIO_BYTES,
        "check this is the scenario file (JSON), not a device or an endless stream",
    )
    .map_err(|p| Failure::Input(p.to_string()))?;
    let mut file: ScenarioFile = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Input(format!("{name}: not a valid scenario file: {e}")))?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let near = |p: PathBuf| if p.is_absolute() { p } else { folder.join(p) };
    file.mentors = file.mentors.map(near);
    file.mentees = file.mentees.map(near);
    file.history = file.history.map(near);
    file.adjust = file.adjust.map(near);
    file.organisations = file.organisations.map(near);
    // A shipped model's name stays a name unless a file of that name is there.
    file.model = file.model.map(|m| {
        let beside = near(m.clone());
        if beside.exists() {
            beside
        } else {
            m
        }
    });
    Ok(file)
}

pub fn run(args: WhatIfArgs) -> Result<(), Failure> {
    let file = match &args.scenario {
        Some(path) => read_scenario_file(path)?,
        None => ScenarioFile::default(),
    };
    let missing = |what: &str| {
        Failure::Input(format!(
            "give --{what} FILE, or a --scenario file that names the {what}' registrations"
        ))
    };
    let programme_args = ProgrammeArgs {
        mentors: args.mentors.or(file.mentors).ok_or_else(|| missing("mentors"))?,
        mentees: args.mentees.or(file.mentees).ok_or_else(|| missing("mentees"))?,
        model: args.model.or(file.model),
        history: args.history.or(file.history),
        adjust: args.adjust.or(file.adjust),
        organisations: args.organisations.or(file.organisations),
    };
    let vary_texts = if args.vary.is_empty() { file.vary } else { args.vary };
    let extra_grade = args.extra_grade.or(file.extra_grade);
    let defaults = RunOptions::default();
    let options = RunOptions {
        repeat: args.repeat.or(file.repeat).unwrap_or(defaults.repeat),
        seed: args.seed.or(file.seed).unwrap_or(defaults.seed),
        threads: args.threads.unwrap_or(defaults.threads).max(1),
        ilp_backend: args.ilp_backend,
        time_limit: args.time_limit,
    };

    let input = |e: whatif::WhatIfError| Failure::Input(e.to_string());
    let vary = vary_texts
        .iter()
        .map(|text| Vary::parse(text, extra_grade.as_deref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(input)?;
    whatif::check_sweep(&vary).map_err(input)?;
    if args.chart.is_some() && vary.is_empty() {
        return Err(Failure::Input(
            "--chart needs at least one --vary to draw against".into(),
        ));
    }
    if let Some(chart) = &args.chart {
        let mut inputs = vec![&programme_args.mentors, &programme_args.mentees];
        inputs.extend(
            programme_args
                .model
                .iter()
                .chain(&programme_args.history)
                .chain(&programme_args.adjust)
                .chain(&programme_args.organisations)
                .chain(&args.scenario),
        );
        check_chart(chart, &inputs, args.force)?;
    }
    let scenarios = whatif::scenarios(&vary);

    let start = Instant::now();
    let inputs = read_inputs(&programme_args)?;
    // What-if writes no mailing lists and names no one: withheld biographies
    // (V003) are counted, not listed.
    let mut withheld = 0;
    for warning in inputs.reading.warnings.warnings() {
        if warning.code == "V003" {
            withheld += 1;
        } else {
            eprintln!("{warning}");
        }
    }
    if withheld > 0 {
        eprintln!("note: {withheld} biographies mention an identity and would be withheld from the mailing lists (`mentorflow validate` lists them)");
    }
    let participants = inputs.reading.programme.mentees.len() + inputs.reading.programme.mentors.len();
    if let Err(SolveError::NotFlowExpressible(why)) = flow_can_solve(&inputs.model, participants) {
        eprintln!(
            "note: scenarios go through the integer program's path ({}), since {why}; flows decide most, and the rest can take minutes{}",
            options.ilp_backend,
            if options.time_limit.is_some() {
                ""
            } else {
                " (--time-limit SECONDS stops each run with the best matching found)"
            }
        );
    }
    let results = with_progress(|on_progress| {
        whatif::run(
            &inputs.reading.programme,
            &inputs.model,
            &inputs.history,
            &scenarios,
            options,
            on_progress,
        )
    })
    .map_err(input)?;
    let runs: usize = results.iter().map(|r| r.runs).sum();
    let elapsed = start.elapsed();

    let report = WhatIf {
        model: &inputs.model.name,
        repeat: options.repeat,
        seed: options.seed,
        results: &results,
    };
    if let Some(path) = &args.chart {
        let svg = report.chart().map_err(Failure::Input)?;
        write_file(path, svg.as_bytes()).map_err(Failure::System)?;
    }
    print!(
        "{}",
        match args.format {
            Format::Table => report.table(),
            Format::Json => report.json(),
            Format::Csv => report.csv(),
        }
    );
    eprintln!(
        "{} scenario{} ({runs} run{}) solved in {:.2} s",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        if runs == 1 { "" } else { "s" },
        elapsed.as_secs_f64()
    );
    if let Some(path) = &args.chart {
        eprintln!("chart written to {}", path.display());
    }
    Ok(())
}

/// Refuse a chart path that is one of the inputs, or an existing file without
/// `force`, before any work is done.
fn check_chart(chart: &Path, inputs: &[&PathBuf], force: bool) -> Result<(), Failure> {
    let shown = chart.display();
    if let Some(input) = inputs.iter().find(|input| same_file(chart, input)) {
        return Err(Failure::Input(format!(
            "--chart {shown} is the input file {}: it would be overwritten; name a new file for the chart, such as coverage.svg",
            input.display()
        )));
    }
    match std::fs::metadata(chart) {
        Ok(m) if m.is_dir() => Err(Failure::Input(format!(
            "--chart {shown} is a folder; name a file for the chart, such as {}",
            chart.join("coverage.svg").display()
        ))),
        // A device or a named pipe (`/dev/null`) is never replaced by a file,
        // even with --force: the rename would put a file where the system's is.
        Ok(m) if !m.is_file() => Err(Failure::Input(format!(
            "--chart {shown} exists and is not a file (a device or a named pipe); name a new file for the chart, such as coverage.svg"
        ))),
        Ok(_) if !force => Err(Failure::Input(format!(
            "--chart {shown} already exists; name a new file for the chart, or pass --force to replace it"
        ))),
        _ => Ok(()),
    }
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Run `work` with a progress bar on the terminal that appears only once the
/// work has taken a second; nothing is drawn when stderr is not a terminal.
fn with_progress<T>(work: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> T) -> T {
    let bar = ProgressBar::hidden();
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} (about {eta} left)")
            .expect("the template is valid"),
    );
    let (finished, wait) = mpsc::channel::<()>();
    let shower = std::io::stderr().is_terminal().then(|| {
        let bar = bar.clone();
        std::thread::spawn(move || {
            if wait.recv_timeout(Duration::from_secs(1)) == Err(mpsc::RecvTimeoutError::Timeout) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
        })
    });
    let result = work(&|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    drop(finished);
    if let Some(shower) = shower {
        let _ = shower.join();
    }
    bar.finish_and_clear();
    result
}
