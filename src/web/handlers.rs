//! The pages' handlers: each reads the session briefly, does its work off the
//! async threads when it is heavy, and answers a page or a file.

use std::io::Write;
use std::sync::Arc;

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use maud::Markup;

use super::pages::{self, Compared, Found, Loaded, ModelOption, Review};
use super::state::{
    Adjustment, App, Columns, Explained, Job, Late, ModelChoice, Session, Side, Upload, WhatIfShown, Withdrawal,
};
use crate::explain as mentorflow_explain;
use crate::model::{Model, BUILT_IN};
use crate::pipeline::{
    self, compare_run, comparison, explain, explained_matching, MatchOptions, Person, Progress, Registrations,
    RematchOptions,
};
use crate::problem::{Problem, Problems};
use crate::registration::validate::organisation_suggestions;
use crate::registration::{amend, read_organisations, unmapped_columns, Source, COLUMN_HEADINGS, MAX_FILE_BYTES};
use crate::report::whatif::WhatIf;
use crate::whatif::{self, RunOptions, Vary};

type AppState = State<Arc<App>>;

fn page(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

fn see(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A clear page for a request that cannot be answered, with the way back.
fn failure(status: StatusCode, title: &str, message: &str, back: (&str, &str)) -> Response {
    (status, page(pages::problem(title, message, back))).into_response()
}

/// Run heavy work on the blocking threads; a panic there is a clear page, not a crash.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|_| {
        failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "mentorflow hit an internal error on this step; please report it. Your files are still loaded.",
            ("/upload", "Back to the start"),
        )
    })
}

/// A form that did not arrive as the page sends it.
fn bad_form(why: &str, back: &str) -> Response {
    failure(
        StatusCode::BAD_REQUEST,
        "The form could not be read",
        &format!("{why}\nGo back to the page and fill in the form again."),
        (back, "Back"),
    )
}

pub async fn start() -> Response {
    see("/upload")
}

pub async fn not_found() -> Response {
    failure(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
        ("/upload", "Go to the first step"),
    )
}

pub async fn govuk_css() -> Response {
    css(include_str!("../../assets/govuk-frontend/govuk-frontend.min.css"))
}

pub async fn app_css() -> Response {
    css(include_str!("../../assets/app.css"))
}

/// The app's icon (also at /favicon.ico, where browsers look for it).
pub async fn icon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        include_str!("../../assets/icon.svg"),
    )
        .into_response()
}

fn css(text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], text).into_response()
}

// ---- 1. Upload -------------------------------------------------------------

pub async fn upload_page(State(app): AppState) -> Response {
    let session = app.session();
    page(pages::upload(&loaded(&session), &[]))
}

fn loaded(session: &Session) -> Loaded<'_> {
    Loaded {
        mentors: session.mentors.as_ref().map(|u| u.name.as_str()),
        mentees: session.mentees.as_ref().map(|u| u.name.as_str()),
        history: session.history.as_ref().map(|u| u.name.as_str()),
        adjustments: session.adjustments.len(),
        organisations: session.organisations.len(),
    }
}

/// A file of the form, or the problem that it is larger than the CLI accepts.
enum Part {
    File(Upload),
    TooLarge(String),
}

/// Read one file field, up to the CLI's size limit; a larger file is read to
/// its end (so the browser sees the answer) but not kept.
async fn read_field(mut field: Field<'_>, limit: usize) -> Result<Option<(String, Part)>, MultipartError> {
    let field_name = field.name().unwrap_or_default().to_string();
    let file_name = field.file_name().map(str::to_string).unwrap_or_default();
    let mut bytes = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = field.chunk().await? {
        if bytes.len() + chunk.len() > limit {
            too_large = true;
            bytes = Vec::new();
        }
        if !too_large {
            bytes.extend_from_slice(&chunk);
        }
    }
    if file_name.is_empty() && bytes.is_empty() && !too_large {
        return Ok(None); // no file chosen
    }
    let name = if file_name.is_empty() {
        field_name.clone()
    } else {
        file_name
    };
    Ok(Some((
        field_name,
        if too_large {
            Part::TooLarge(name)
        } else {
            Part::File(Upload { name, bytes })
        },
    )))
}

/// The same problem the CLI gives for a file over its limit.
fn too_large(name: &str) -> Problem {
    Problem::error(
        "R012",
        name,
        format!("the file is larger than {} MB", MAX_FILE_BYTES / (1024 * 1024)),
    )
    .fix("check this is the right file")
}

async fn read_form(multipart: Result<Multipart, MultipartRejection>) -> Result<Vec<(String, Part)>, Response> {
    let bad = |e: String| {
        failure(
            StatusCode::BAD_REQUEST,
            "The upload could not be read",
            &format!("{e}\nChoose the files again and press the button once more."),
            ("/upload", "Back to Upload"),
        )
    };
    let mut multipart = multipart.map_err(|e| bad(format!("The form did not arrive as a file upload ({e}).")))?;
    let mut parts = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if let Some(part) = read_field(field, MAX_FILE_BYTES)
                    .await
                    .map_err(|e| bad(upload_error(&e)))?
                {
                    parts.push(part);
                }
            }
            Ok(None) => return Ok(parts),
            Err(e) => return Err(bad(upload_error(&e))),
        }
    }
}

fn upload_error(e: &MultipartError) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "The upload is larger than {} MB in all; each file may be at most {} MB.",
            super::MAX_BODY_BYTES / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )
    } else {
        format!("The upload was cut short or is not a file upload ({}).", e.body_text())
    }
}

pub async fn upload(State(app): AppState, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let parts = match read_form(multipart).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let mut oversize = Problems::default();
    let mut files: Vec<(String, Upload)> = Vec::new();
    for (field, part) in parts {
        match part {
            Part::File(upload) => files.push((field, upload)),
            Part::TooLarge(name) => oversize.push(too_large(&name)),
        }
    }
    let take = |name: &str| files.iter().find(|(f, _)| f == name).map(|(_, u)| u.clone());
    let (mentors, mentees, history, adjust) = (take("mentors"), take("mentees"), take("history"), take("adjust"));
    let organisations = take("organisations");
    let mut errors = Vec::new();
    if mentors.is_none() && !oversize.0.is_empty() || !oversize.0.is_empty() {
        // Too large: reported as the CLI reports it, on the Check page.
        let mut session = app.session();
        session.inputs_changed();
        session.inputs = None;
        session.problems = oversize;
        return see("/check");
    }
    if mentors.is_none() {
        errors.push("Choose the mentors' registrations file".to_string());
    }
    if mentees.is_none() {
        errors.push("Choose the mentees' registrations file".to_string());
    }
    let adjustments = match adjust.as_ref().map(read_adjustments) {
        Some(Err(e)) => {
            errors.push(e);
            None
        }
        Some(Ok(rows)) => Some(rows),
        None => None,
    };
    let merges = match organisations.as_ref().map(|u| read_organisations(u.source())) {
        Some(Err(problems)) => {
            errors.extend(problems.0.iter().map(ToString::to_string));
            None
        }
        Some(Ok(merges)) => Some(merges),
        None => None,
    };
    if !errors.is_empty() {
        let session = app.session();
        return (StatusCode::BAD_REQUEST, page(pages::upload(&loaded(&session), &errors))).into_response();
    }
    {
        let mut session = app.session();
        session.inputs_changed();
        session.mentors = mentors;
        session.mentees = mentees;
        session.history = history;
        if let Some(rows) = adjustments {
            session.adjustments = rows;
        }
        if let Some(merges) = merges {
            session.organisations = merges;
        }
        // New files are the organisers' current spreadsheets: the changes made
        // on the Review page were to the old ones.
        session.withdrawn.clear();
        session.late.clear();
    }
    recheck(&app).await;
    see("/check")
}

/// Read the inputs again from the session's files and model, with the people
/// withdrawn and added on the Review page, and keep the result.
async fn recheck(app: &Arc<App>) {
    let (generation, files, model, columns, withdrawn, late) = {
        let s = app.session();
        let (Some(mentors), Some(mentees)) = (s.mentors.clone(), s.mentees.clone()) else {
            return;
        };
        let files = Files {
            mentors,
            mentees,
            history: s.history.clone(),
            adjust: s.adjust_file(),
            organisations: s.organisations_file(),
        };
        (
            s.generation,
            files,
            s.model.clone(),
            s.columns.clone(),
            s.withdrawn.clone(),
            s.late.clone(),
        )
    };
    let checked = blocking(move || {
        let headings = (
            crate::registration::headings(files.mentors.source()).unwrap_or_default(),
            crate::registration::headings(files.mentees.source()).unwrap_or_default(),
        );
        let model = read_model(&model, &columns);
        let unmapped = match &model {
            Ok(model) => unmapped_columns(files.mentors.source(), files.mentees.source(), model),
            Err(_) => Vec::new(),
        };
        let amended = match &model {
            Ok(model) if !withdrawn.is_empty() || !late.is_empty() => {
                match amend_files(&files, model, &withdrawn, &late) {
                    Ok(amended) => Some(amended),
                    Err(problems) => return (None, problems, None, headings, Vec::new(), unmapped),
                }
            }
            _ => None,
        };
        let (mentors, mentees) = amended
            .clone()
            .unwrap_or_else(|| (files.mentors.clone(), files.mentees.clone()));
        let (inputs, problems) = pipeline::read_inputs(
            model,
            Registrations {
                mentors: mentors.source(),
                mentees: mentees.source(),
                history: files.history.as_ref().map(Upload::source),
                adjust: files.adjust.as_ref().map(Upload::source),
                organisations: files.organisations.as_ref().map(Upload::source),
            },
        );
        let suggestions = inputs
            .as_ref()
            .map(|i| organisation_suggestions(&i.reading.programme, &i.model))
            .unwrap_or_default();
        (inputs, problems, amended, headings, suggestions, unmapped)
    })
    .await;
    let mut session = app.session();
    if session.generation != generation {
        return; // newer files arrived meanwhile
    }
    match checked {
        Ok((inputs, problems, amended, headings, suggestions, unmapped)) => {
            session.unmapped = unmapped;
            session.inputs = inputs.map(Arc::new);
            session.problems = problems;
            session.amended = amended;
            session.headings = headings;
            session.suggestions = suggestions;
        }
        Err(_) => {
            session.inputs = None;
            session.problems = Problems::default();
        }
    }
}

/// The uploaded files, each as the pipeline reads it.
#[derive(Clone)]
struct Files {
    mentors: Upload,
    mentees: Upload,
    history: Option<Upload>,
    adjust: Option<Upload>,
    organisations: Option<Upload>,
}

/// The two registration files with the Review page's withdrawals and late
/// registrations, under their uploaded names: (mentors, mentees).
fn amend_files(
    files: &Files,
    model: &Model,
    withdrawn: &[Withdrawal],
    late: &[Late],
) -> Result<(Upload, Upload), Problems> {
    let side = |upload: &Upload, side: Side| {
        let emails: Vec<String> = withdrawn
            .iter()
            .filter(|w| w.side == side)
            .map(|w| w.email.clone())
            .collect();
        let rows: Vec<Source> = late
            .iter()
            .filter(|l| l.side == side)
            .map(|l| l.upload.source())
            .collect();
        amend(upload.source(), model, &emails, &rows).map(|bytes| Upload {
            name: upload.name.clone(),
            bytes,
        })
    };
    let (mentors, mentees) = (side(&files.mentors, Side::Mentor), side(&files.mentees, Side::Mentee));
    match (mentors, mentees) {
        (Ok(mentors), Ok(mentees)) => Ok((mentors, mentees)),
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
        (Err(p), _) | (_, Err(p)) => Err(p),
    }
}

/// The chosen model, with the columns mapped on the Check page.
fn read_model(choice: &ModelChoice, columns: &Columns) -> Result<Model, Problems> {
    let model = base_model(choice)?;
    if columns.is_empty() {
        Ok(model)
    } else {
        model.with_columns(columns, "the columns chosen on the Check page")
    }
}

fn base_model(choice: &ModelChoice) -> Result<Model, Problems> {
    match choice {
        ModelChoice::Shipped(name) => Model::built_in(name).ok_or_else(|| {
            Problems(vec![Problem::error(
                "M001",
                name,
                "there is no shipped model of this name",
            )
            .fix("choose one of the models listed")])
        }),
        ModelChoice::Uploaded(upload) => Model::from_json_bytes(&upload.name, &upload.bytes),
    }
}

fn model_name(choice: &ModelChoice) -> String {
    match choice {
        ModelChoice::Shipped(name) => name.clone(),
        ModelChoice::Uploaded(upload) => upload.name.clone(),
    }
}

/// The adjustments file's rows: `action` (pin or ban), `mentee email`,
/// `mentor email`, optional `note`.
fn read_adjustments(upload: &Upload) -> Result<Vec<Adjustment>, String> {
    let name = &upload.name;
    let text = std::str::from_utf8(&upload.bytes)
        .map_err(|_| format!("{name}: the adjustments file is not UTF-8 text; save it as CSV UTF-8"))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{name}: {e}"))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |h: &str| headings.iter().position(|x| x == h);
    let (Some(action), Some(mentee), Some(mentor)) = (column("action"), column("mentee email"), column("mentor email"))
    else {
        return Err(format!(
            "{name}: the adjustments file needs the columns action, mentee email and mentor email"
        ));
    };
    let note = column("note");
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{name}: {e}"))?;
        let cell = |c: usize| record.get(c).unwrap_or_default().trim().to_string();
        let row = Adjustment {
            action: cell(action).to_lowercase(),
            mentee_email: cell(mentee),
            mentor_email: cell(mentor),
            note: note.map(cell).unwrap_or_default(),
        };
        if row.action != "pin" && row.action != "ban" {
            return Err(format!(
                "{name}, row {}: the action must be pin or ban, not “{}”",
                i + 2,
                row.action
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

// ---- 2. Check --------------------------------------------------------------

pub async fn check_page(State(app): AppState) -> Response {
    let session = app.session();
    let ready = session
        .inputs
        .as_ref()
        .map(|i| (i.reading.programme.mentors.len(), i.reading.programme.mentees.len()));
    page(pages::check(
        &session.problems.0,
        ready,
        &model_name(&session.model),
        &session.suggestions,
        &session.organisations,
        &session.unmapped,
        &session.columns,
    ))
}

// ---- 3. Choose a model -----------------------------------------------------

fn model_options(session: &Session) -> Vec<ModelOption> {
    let mut options: Vec<ModelOption> = BUILT_IN
        .iter()
        .filter_map(|(name, _)| Model::built_in(name))
        .map(|m| ModelOption {
            chosen: matches!(&session.model, ModelChoice::Shipped(n) if *n == m.name),
            value: m.name.clone(),
            name: m.name,
            description: m.description,
        })
        .collect();
    if let ModelChoice::Uploaded(upload) = &session.model {
        let description = Model::from_json_bytes(&upload.name, &upload.bytes)
            .map(|m| m.description)
            .unwrap_or_else(|_| "this file has errors: see Check".into());
        options.push(ModelOption {
            value: "uploaded".into(),
            name: format!("{} (uploaded)", upload.name),
            description,
            chosen: true,
        });
    }
    options
}

pub async fn model_page(State(app): AppState) -> Response {
    let session = app.session();
    let compared = session.comparison.as_ref().map(shown_comparison);
    page(pages::model(&model_options(&session), compared.as_ref(), &[]))
}

fn shown_comparison(c: &crate::report::compare::Comparison) -> Compared {
    // The same rows as `compare --format csv`.
    let csv = c.csv();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let models = reader
        .headers()
        .map(|h| h.iter().skip(1).map(str::to_string).collect())
        .unwrap_or_default();
    let rows = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            let label = r.get(0).unwrap_or_default().to_string();
            (label, r.iter().skip(1).map(|v| v.parse().unwrap_or(0.0)).collect())
        })
        .collect();
    let not_proven = c
        .models
        .iter()
        .filter_map(|m| {
            let gap = m.summary.optimality.as_ref()?.gap.as_ref()?;
            Some((m.summary.model.clone(), gap.words()))
        })
        .collect();
    Compared {
        models,
        rows,
        failed: Vec::new(),
        not_proven,
    }
}

pub async fn choose_model(State(app): AppState, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let parts = match read_form(multipart).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let mut choice = None;
    for (field, part) in parts {
        match (field.as_str(), part) {
            ("model_file", Part::File(upload)) => choice = Some(ModelChoice::Uploaded(upload)),
            ("model_file", Part::TooLarge(name)) => {
                let session = app.session();
                let errors = [format!(
                    "{name}: the model file is too large; check this is the right file"
                )];
                return (
                    StatusCode::BAD_REQUEST,
                    page(pages::model(&model_options(&session), None, &errors)),
                )
                    .into_response();
            }
            ("model", Part::File(upload)) if choice.is_none() => {
                let name = String::from_utf8_lossy(&upload.bytes).to_string();
                if name != "uploaded" {
                    choice = Some(ModelChoice::Shipped(name));
                }
            }
            _ => {}
        }
    }
    if let Some(ModelChoice::Shipped(name)) = &choice {
        if Model::built_in(name).is_none() {
            let session = app.session();
            let errors = [format!("There is no shipped model called “{name}”; choose one listed")];
            return (
                StatusCode::BAD_REQUEST,
                page(pages::model(&model_options(&session), None, &errors)),
            )
                .into_response();
        }
    }
    {
        let mut session = app.session();
        if let Some(choice) = choice {
            session.model = choice;
        }
        session.inputs_changed();
    }
    recheck(&app).await;
    let session = app.session();
    if session.inputs.is_some() {
        see("/match")
    } else {
        see("/check")
    }
}

pub async fn compare(State(app): AppState, fields: Result<Form<Vec<(String, String)>>, FormRejection>) -> Response {
    let Form(fields) = match fields {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/model"),
    };
    let names: Vec<String> = fields
        .into_iter()
        .filter(|(k, _)| k == "compare")
        .map(|(_, v)| v)
        .collect();
    let (generation, mentors, mentees, history, model, adjust, organisations, columns) = {
        let s = app.session();
        // As matched: with the Review page's withdrawals and late registrations.
        let (mentors, mentees) = match &s.amended {
            Some((mentors, mentees)) => (Some(mentors.clone()), Some(mentees.clone())),
            None => (s.mentors.clone(), s.mentees.clone()),
        };
        (
            s.generation,
            mentors,
            mentees,
            s.history.clone(),
            s.model.clone(),
            s.adjust_file(),
            s.organisations_file(),
            s.columns.clone(),
        )
    };
    let (Some(mentors), Some(mentees)) = (mentors, mentees) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "Nothing to compare yet",
            "Upload the registrations first.",
            ("/upload", "Go to Upload"),
        );
    };
    if names.len() < 2 {
        let session = app.session();
        let errors = ["Tick at least two models to compare".to_string()];
        return (
            StatusCode::BAD_REQUEST,
            page(pages::model(&model_options(&session), None, &errors)),
        )
            .into_response();
    }
    let options = MatchOptions { solver: app.solver() };
    let result = blocking(move || {
        let mut runs = Vec::new();
        let mut failed = Vec::new();
        for name in &names {
            let choice = if name == "uploaded" {
                model.clone()
            } else {
                ModelChoice::Shipped(name.clone())
            };
            let (inputs, problems) = pipeline::read_inputs(
                read_model(&choice, &columns),
                Registrations {
                    mentors: mentors.source(),
                    mentees: mentees.source(),
                    history: history.as_ref().map(Upload::source),
                    adjust: adjust.as_ref().map(Upload::source),
                    organisations: organisations.as_ref().map(Upload::source),
                },
            );
            match inputs.map(|inputs| (compare_run(&inputs, options), inputs)) {
                Some((Ok(run), inputs)) => runs.push((inputs, run)),
                Some((Err(e), _)) => failed.push(format!("{}: {e}", model_name(&choice))),
                None => failed.push(format!(
                    "{}: {} error(s) at the check; see Check",
                    model_name(&choice),
                    problems.errors().count()
                )),
            }
        }
        let pairs: Vec<_> = runs.iter().map(|(i, r)| (i, r.clone())).collect();
        (comparison(&pairs), failed)
    })
    .await;
    let (compared, failed) = match result {
        Ok(r) => r,
        Err(response) => return response,
    };
    let mut session = app.session();
    let mut shown = shown_comparison(&compared);
    shown.failed = failed;
    if session.generation == generation {
        session.comparison = Some(compared);
    }
    page(pages::model(&model_options(&session), Some(&shown), &[]))
}

// ---- 4. Match --------------------------------------------------------------

pub async fn match_page(State(app): AppState) -> Response {
    let session = app.session();
    let ready = session.inputs.as_ref().map(|i| {
        (
            i.reading.programme.mentors.len(),
            i.reading.programme.mentees.len(),
            i.reading.warnings.warnings().count(),
        )
    });
    page(pages::match_page(ready, &model_name(&session.model), None))
}

/// The Match form: a plain button, or on Review the re-match with its choice.
#[derive(Default, serde::Deserialize)]
pub struct MatchForm {
    /// "yes" when the organiser lets sent pairs move (`rematch --allow-moves`).
    #[serde(default)]
    allow_moves: Option<String>,
}

/// Start the match in the background and go to the page that follows it.
pub async fn run_match(State(app): AppState, form: Result<Form<MatchForm>, FormRejection>) -> Response {
    // A post without a form (no content type) is the plain button.
    let allow_moves = form.map(|Form(f)| f.allow_moves.is_some()).unwrap_or(false);
    let (generation, inputs, sent, mut resolver) = {
        let mut s = app.session();
        (
            s.generation,
            s.inputs.clone(),
            s.sent.clone(),
            std::mem::take(&mut s.resolver),
        )
    };
    let Some(inputs) = inputs else {
        return see("/match");
    };
    let job = Arc::new(Job::new(
        inputs.reading.programme.adjustments.overrides().next().is_some(),
    ));
    app.session().job = Some(job.clone());
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let stage = |p: Progress| job.state.send_modify(|s| s.stages.push(p));
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match sent {
            // After the results went out: keep every sent pair still allowed.
            Some(previous) => {
                let options = RematchOptions {
                    allow_moves,
                    solver: app.solver(),
                };
                resolver
                    .rematch(&inputs, &previous, options, &mut |p| stage(p))
                    .map(|r| r.run)
            }
            None => resolver.run_match(&inputs, MatchOptions { solver: app.solver() }, &mut |p| stage(p)),
        }));
        let explained = Explained::default();
        let outcome = match run {
            Ok(Ok(run)) => {
                let mut session = app.session();
                // Kept unless the files changed or a newer match started meanwhile.
                let current = session.job.as_ref().is_some_and(|j| Arc::ptr_eq(j, &job));
                if session.generation == generation && current {
                    session.run = Some(Arc::new(run));
                    session.explained = Some(explained.clone());
                    session.resolver = resolver;
                }
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(
                "mentorflow hit an internal error while matching; please report it. Your files are still loaded."
                    .into(),
            ),
        };
        let matched = outcome.is_ok();
        job.state.send_modify(|s| s.outcome = Some(outcome));
        if matched {
            // The matching `explain` explains, solved now, before anyone is looked up.
            explained.get_or_init(|| explained_matching(&inputs).map_err(|e| e.to_string()));
        }
    });
    see("/match/progress")
}

/// How long the progress page waits for the match before answering: a match
/// that ends sooner goes straight to the result, without a waiting page.
const PROGRESS_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The stage the match has reached, on a page that reloads itself each second
/// (no script); the result once it is ready.
pub async fn match_progress(State(app): AppState) -> Response {
    let job = app.session().job.clone();
    let Some(job) = job else {
        return see("/match");
    };
    let mut finished = job.state.subscribe();
    let _ = tokio::time::timeout(PROGRESS_WAIT, finished.wait_for(|s| s.outcome.is_some())).await;
    let state = job.state.borrow().clone();
    match state.outcome {
        Some(Ok(())) => see("/result"),
        Some(Err(e)) => {
            let session = app.session();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(pages::match_page(None, &model_name(&session.model), Some(&e))),
            )
                .into_response()
        }
        None => page(pages::progress(&state.stages, job.priced, job.started.elapsed())),
    }
}

pub async fn result_page(State(app): AppState) -> Response {
    let session = app.session();
    match &session.run {
        Some(run) => page(pages::result(&run.summary)),
        None => see("/match"),
    }
}

// ---- 5. Review -------------------------------------------------------------

#[derive(serde::Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn review_page(State(app): AppState, search: Result<Query<Search>, QueryRejection>) -> Response {
    let Query(search) = match search {
        Ok(q) => q,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    let session = app.session();
    let query = search.q.trim();
    let found = match (&session.inputs, query.is_empty()) {
        (Some(inputs), false) => find(&inputs.reading.programme, query),
        _ => Vec::new(),
    };
    page(review_of(&session, query, found, None, Vec::new()))
}

/// The Review page from the session, with what this request found or explains.
fn review_of(
    session: &Session,
    query: &str,
    found: Vec<Found>,
    explained: Option<(String, String, Side, String)>,
    errors: Vec<String>,
) -> Markup {
    pages::review(&Review {
        matched: session.run.is_some(),
        prices: prices(session),
        query,
        found,
        explained,
        adjustments: &session.adjustments,
        errors,
        withdrawn: &session.withdrawn,
        late: &session.late,
        headings: (&session.headings.1, &session.headings.0),
        loaded: session.inputs.is_some() || session.mentors.is_some(),
        amended: session.amended.is_some(),
        sent: session.sent.as_ref().map(Vec::len),
    })
}

/// The price of each pin and ban in the last matching, in words.
fn prices(session: &Session) -> Vec<String> {
    session
        .run
        .iter()
        .flat_map(|r| r.summary.overrides.iter().map(|p| p.words()))
        .collect()
}

/// Everyone whose name or email contains the text, mentees first (at most 50).
fn find(programme: &crate::registration::Programme, text: &str) -> Vec<Found> {
    let text = text.to_lowercase();
    let hit =
        |p: &crate::registration::Person| p.email_key.contains(&text) || p.full_name().to_lowercase().contains(&text);
    let mentees = programme
        .mentees
        .iter()
        .enumerate()
        .filter(|(_, m)| hit(&m.person))
        .map(|(i, m)| Found {
            role: "mentee",
            index: i,
            name: m.person.full_name(),
            email: m.person.email.clone(),
        });
    let mentors = programme
        .mentors
        .iter()
        .enumerate()
        .filter(|(_, m)| hit(&m.person))
        .map(|(i, m)| Found {
            role: "mentor",
            index: i,
            name: m.person.full_name(),
            email: m.person.email.clone(),
        });
    mentees.chain(mentors).take(50).collect()
}

pub async fn review_person(State(app): AppState, path: Result<Path<(String, usize)>, PathRejection>) -> Response {
    let Path((role, index)) = match path {
        Ok(p) => p,
        Err(_) => return not_found().await,
    };
    let (generation, inputs, explained, matched) = {
        let s = app.session();
        (s.generation, s.inputs.clone(), s.explained.clone(), s.run.is_some())
    };
    let Some(inputs) = inputs.filter(|_| matched) else {
        return see("/review");
    };
    let programme = &inputs.reading.programme;
    let (person, who) = match role.as_str() {
        "mentee" if index < programme.mentees.len() => (Person::Mentee(index), &programme.mentees[index].person),
        "mentor" if index < programme.mentors.len() => (Person::Mentor(index), &programme.mentors[index].person),
        _ => return not_found().await,
    };
    let heading = format!("{} ({}), {role}", who.full_name(), who.email);
    let (side, who_email) = (
        if role == "mentee" { Side::Mentee } else { Side::Mentor },
        who.email.clone(),
    );
    let work_inputs = inputs.clone();
    let explained = explained.unwrap_or_default();
    let cell = explained.clone();
    let text = blocking(move || {
        let matching = cell.get_or_init(|| explained_matching(&work_inputs).map_err(|e| e.to_string()));
        matching
            .as_ref()
            // As `explain` prints it: the organisers-only line first.
            .map(|(matching, proven)| {
                format!(
                    "{}\n\n{}",
                    mentorflow_explain::ORGANISERS_ONLY,
                    explain(&work_inputs, matching, *proven, person)
                )
            })
            .map_err(Clone::clone)
    })
    .await;
    let text = match text {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            return failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Cannot explain",
                &e.to_string(),
                ("/review", "Back to Review"),
            )
        }
        Err(response) => return response,
    };
    let mut session = app.session();
    if session.generation == generation && session.explained.is_none() {
        session.explained = Some(explained);
    }
    page(review_of(
        &session,
        "",
        Vec::new(),
        Some((heading, text, side, who_email)),
        Vec::new(),
    ))
}

#[derive(serde::Deserialize)]
pub struct NewAdjustment {
    action: String,
    mentee_email: String,
    mentor_email: String,
    #[serde(default)]
    note: String,
}

pub async fn add_adjustment(State(app): AppState, form: Result<Form<NewAdjustment>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    let mut errors = Vec::new();
    let action = form.action.trim().to_lowercase();
    if action != "pin" && action != "ban" {
        errors.push("Choose pin or ban".to_string());
    }
    let (mentee, mentor) = (
        form.mentee_email.trim().to_string(),
        form.mentor_email.trim().to_string(),
    );
    let refused = {
        let mut session = app.session();
        if let Some(inputs) = &session.inputs {
            let programme = &inputs.reading.programme;
            if programme.mentee_by_email(&mentee).is_none() {
                errors.push(format!("“{mentee}” is not a registered mentee's email"));
            }
            if programme.mentor_by_email(&mentor).is_none() {
                errors.push(format!("“{mentor}” is not a registered mentor's email"));
            }
        } else {
            if mentee.is_empty() {
                errors.push("Enter the mentee's email".into());
            }
            if mentor.is_empty() {
                errors.push("Enter the mentor's email".into());
            }
        }
        if errors.is_empty() {
            session.adjustments.push(Adjustment {
                action,
                mentee_email: mentee,
                mentor_email: mentor,
                note: form.note.trim().to_string(),
            });
            None
        } else {
            Some(review_of(&session, "", Vec::new(), None, errors))
        }
    };
    match refused {
        Some(markup) => (StatusCode::BAD_REQUEST, page(markup)).into_response(),
        None => adjustments_changed(&app).await,
    }
}

#[derive(serde::Deserialize)]
pub struct RemoveRow {
    row: usize,
}

pub async fn remove_adjustment(State(app): AppState, form: Result<Form<RemoveRow>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    {
        let mut session = app.session();
        if form.row >= session.adjustments.len() {
            return see("/review");
        }
        session.adjustments.remove(form.row);
    }
    adjustments_changed(&app).await
}

/// Check the programme again with the changed pins and bans: on to Review, or
/// to Check when a row cannot be met. The last matching stays until re-matched.
async fn adjustments_changed(app: &Arc<App>) -> Response {
    let kept = {
        let mut session = app.session();
        let kept = (session.run.take(), session.explained.take());
        session.inputs_changed();
        kept
    };
    recheck(app).await;
    let mut session = app.session();
    if session.inputs.is_none() {
        return see("/check");
    }
    (session.run, session.explained) = kept;
    see("/review")
}

/// The adjustments as the file `--adjust` reads.
pub async fn adjustments_csv(State(app): AppState) -> Response {
    let file = app.session().adjust_file();
    let bytes = file
        .map(|f| f.bytes)
        .unwrap_or_else(|| b"action,mentee email,mentor email,note\n".to_vec());
    attachment("adjust.csv", "text/csv; charset=utf-8", bytes)
}

// ---- Withdrawals and late registrations --------------------------------------

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    email: String,
    /// "mentee" or "mentor"; either registration when not given.
    #[serde(default)]
    role: String,
}

/// Withdraw a person: their row is left out of their file from now on.
pub async fn withdraw(State(app): AppState, form: Result<Form<WithdrawForm>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    let email = form.email.trim().to_string();
    let refused = {
        let mut session = app.session();
        let mut errors = Vec::new();
        let mut found = Vec::new();
        match session.inputs.clone() {
            None => errors.push("Upload registrations that pass the check first".to_string()),
            Some(inputs) => {
                let programme = &inputs.reading.programme;
                let side = Side::parse(&form.role);
                if side != Some(Side::Mentor) {
                    if let Some(i) = programme.mentee_by_email(&email) {
                        found.push((Side::Mentee, &programme.mentees[i].person));
                    }
                }
                if side != Some(Side::Mentee) {
                    if let Some(i) = programme.mentor_by_email(&email) {
                        found.push((Side::Mentor, &programme.mentors[i].person));
                    }
                }
                if email.is_empty() {
                    errors.push("Enter the email of the person who withdrew".to_string());
                } else if found.is_empty() {
                    errors.push(format!(
                        "“{email}” is not registered; check the spelling, or find the person above"
                    ));
                }
                let key = crate::model::text::email_key(&email);
                if let Some(row) = programme.adjustments.rows.iter().find(|a| a.names(&key)) {
                    errors.push(format!(
                        "“{email}” is named by the {} on row {} of the pins and bans: remove it first (below), then withdraw them",
                        row.action, row.line
                    ));
                }
                if errors.is_empty() {
                    session.withdrawn.extend(found.iter().map(|(side, person)| Withdrawal {
                        side: *side,
                        email: person.email.clone(),
                        name: person.full_name(),
                    }));
                }
            }
        }
        (!errors.is_empty()).then(|| review_of(&session, "", Vec::new(), None, errors))
    };
    match refused {
        Some(markup) => (StatusCode::BAD_REQUEST, page(markup)).into_response(),
        None => registrations_changed(&app).await,
    }
}

/// Add a late registration typed into the form: one field a column of the
/// uploaded file, named c0, c1, ... in the file's order.
pub async fn add_late(State(app): AppState, fields: Result<Form<Vec<(String, String)>>, FormRejection>) -> Response {
    let Form(fields) = match fields {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
    let Some(side) = field("role").and_then(Side::parse) else {
        return bad_form("The form did not say mentee or mentor.", "/review");
    };
    let refused = {
        let mut session = app.session();
        let headings = match side {
            Side::Mentor => session.headings.0.clone(),
            Side::Mentee => session.headings.1.clone(),
        };
        let values: Vec<String> = (0..headings.len())
            .map(|i| field(&format!("c{i}")).unwrap_or_default().to_string())
            .collect();
        let email = headings
            .iter()
            .zip(&values)
            .find(|(h, _)| h.to_lowercase().contains("email"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if headings.is_empty() {
            Some(review_of(
                &session,
                "",
                Vec::new(),
                None,
                vec!["Upload the registrations first".into()],
            ))
        } else if values.iter().all(String::is_empty) {
            Some(review_of(
                &session,
                "",
                Vec::new(),
                None,
                vec![format!("Fill in the late {}'s registration", side.word())],
            ))
        } else {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let _ = writer.write_record(&headings);
            let _ = writer.write_record(&values);
            session.late.push(Late {
                side,
                upload: Upload {
                    name: format!("the late {} form", side.word()),
                    bytes: writer.into_inner().unwrap_or_default(),
                },
                label: if email.is_empty() {
                    "(no email given)".into()
                } else {
                    email
                },
            });
            None
        }
    };
    match refused {
        Some(markup) => (StatusCode::BAD_REQUEST, page(markup)).into_response(),
        None => registrations_changed(&app).await,
    }
}

/// Add late registrations from a file of rows with the same headings.
pub async fn upload_late(State(app): AppState, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let parts = match read_form(multipart).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let mut side = None;
    let mut rows = None;
    let mut errors = Vec::new();
    for (field, part) in parts {
        match (field.as_str(), part) {
            ("role", Part::File(value)) => side = Side::parse(&String::from_utf8_lossy(&value.bytes)),
            ("rows", Part::File(upload)) => rows = Some(upload),
            ("rows", Part::TooLarge(name)) => errors.push(too_large(&name).to_string()),
            _ => {}
        }
    }
    let Some(side) = side else {
        return bad_form("The form did not say mentee or mentor.", "/review");
    };
    if rows.is_none() && errors.is_empty() {
        errors.push(format!("Choose the file of late {}s' registrations", side.word()));
    }
    let refused = {
        let mut session = app.session();
        match rows.filter(|_| errors.is_empty()) {
            Some(upload) => {
                let label = upload.name.clone();
                session.late.push(Late { side, upload, label });
                None
            }
            None => Some(review_of(&session, "", Vec::new(), None, errors)),
        }
    };
    match refused {
        Some(markup) => (StatusCode::BAD_REQUEST, page(markup)).into_response(),
        None => registrations_changed(&app).await,
    }
}

#[derive(serde::Deserialize)]
pub struct Undo {
    /// "withdrawn" or "late".
    list: String,
    row: usize,
}

/// Undo a withdrawal or remove a late registration.
pub async fn undo_change(State(app): AppState, form: Result<Form<Undo>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/review"),
    };
    {
        let mut session = app.session();
        match form.list.as_str() {
            "withdrawn" if form.row < session.withdrawn.len() => {
                session.withdrawn.remove(form.row);
            }
            "late" if form.row < session.late.len() => {
                session.late.remove(form.row);
            }
            _ => return see("/review"),
        }
    }
    registrations_changed(&app).await
}

/// Check the changed registrations: on to Review, or to Check when they have an
/// error. The last matching stays (until re-matched) for its figures, but
/// people are explained from the registrations as they are now.
async fn registrations_changed(app: &Arc<App>) -> Response {
    let kept = {
        let mut session = app.session();
        let kept = session.run.take();
        session.inputs_changed();
        kept
    };
    recheck(app).await;
    let mut session = app.session();
    if session.inputs.is_none() {
        return see("/check");
    }
    session.run = kept;
    see("/review")
}

/// The registrations as now matched (uploaded, with the Review page's changes).
pub async fn amended_file(State(app): AppState, Path(name): Path<String>) -> Response {
    let file = {
        let session = app.session();
        match (name.as_str(), &session.amended) {
            ("mentors.csv", Some((mentors, _))) => Some(mentors.clone()),
            ("mentees.csv", Some((_, mentees))) => Some(mentees.clone()),
            _ => None,
        }
    };
    match file {
        Some(file) => attachment(&file.name, "text/csv; charset=utf-8", file.bytes),
        None => not_found().await,
    }
}

// ---- Organisation spellings --------------------------------------------------

#[derive(serde::Deserialize)]
pub struct Merge {
    /// The suggestion's index, or "all".
    merge: String,
}

/// Merge spellings the check suggests are one organisation (one, or all).
pub async fn merge_organisations(State(app): AppState, form: Result<Form<Merge>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/check"),
    };
    {
        let mut session = app.session();
        let chosen: Vec<(String, String)> = if form.merge == "all" {
            session.suggestions.clone()
        } else {
            match form
                .merge
                .parse::<usize>()
                .ok()
                .and_then(|i| session.suggestions.get(i))
            {
                Some(one) => vec![one.clone()],
                None => return see("/check"),
            }
        };
        for merge in chosen {
            if !session.organisations.contains(&merge) {
                session.organisations.push(merge);
            }
        }
        session.inputs_changed();
    }
    recheck(&app).await;
    see("/check")
}

#[derive(serde::Deserialize)]
pub struct Unmerge {
    row: usize,
}

/// Keep a merged spelling apart again.
pub async fn unmerge_organisation(State(app): AppState, form: Result<Form<Unmerge>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/check"),
    };
    {
        let mut session = app.session();
        if form.row >= session.organisations.len() {
            return see("/check");
        }
        session.organisations.remove(form.row);
        session.inputs_changed();
    }
    recheck(&app).await;
    see("/check")
}

// ---- Column headings ----------------------------------------------------------

#[derive(serde::Deserialize)]
pub struct MapColumn {
    /// The column's own heading (a key of the model's `columns`).
    column: String,
    /// The heading it has in the file; none to undo the mapping.
    #[serde(default)]
    heading: Option<String>,
}

/// Map a column the reader did not find to a heading of the file, or undo it.
pub async fn map_column(State(app): AppState, form: Result<Form<MapColumn>, FormRejection>) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/check"),
    };
    if !COLUMN_HEADINGS.contains(&form.column.as_str()) {
        return bad_form(
            &format!("“{}” is not a column mentorflow reads.", form.column),
            "/check",
        );
    }
    {
        let mut session = app.session();
        match form.heading.as_deref().map(str::trim) {
            Some("") => return see("/check"),
            Some(heading) => {
                session.columns.insert(form.column, heading.to_string());
            }
            None => {
                session.columns.remove(&form.column);
            }
        }
        session.inputs_changed();
    }
    recheck(&app).await;
    see("/check")
}

/// The chosen model as a file with the columns mapped on the Check page in its
/// `columns`: upload it on the model step next time (or give it to `--model`).
pub async fn model_json(State(app): AppState) -> Response {
    let (choice, columns) = {
        let s = app.session();
        (s.model.clone(), s.columns.clone())
    };
    match read_model(&choice, &columns) {
        Ok(model) => {
            let json = serde_json::to_string_pretty(model.to_file()).unwrap_or_default();
            attachment("model.json", "application/json", format!("{json}\n").into_bytes())
        }
        Err(problems) => failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The model file could not be made",
            &problems.to_string(),
            ("/check", "Back to Check"),
        ),
    }
}

/// The merged spellings as the organisations file `--organisations` reads.
pub async fn organisations_csv(State(app): AppState) -> Response {
    let merges = app.session().organisations.clone();
    attachment(
        "organisations.csv",
        "text/csv; charset=utf-8",
        crate::registration::organisations_csv(&merges),
    )
}

// ---- 6. Download -----------------------------------------------------------

/// The example GOV.UK Notify templates, one per mailing list of `match` and of
/// a re-match (`templates/notify/`).
pub const NOTIFY_TEMPLATES: [(&str, &str); 8] = [
    (
        "mentees-with-matches.txt",
        include_str!("../../templates/notify/mentees-with-matches.txt"),
    ),
    (
        "mentees-without-matches.txt",
        include_str!("../../templates/notify/mentees-without-matches.txt"),
    ),
    (
        "mentors-with-matches.txt",
        include_str!("../../templates/notify/mentors-with-matches.txt"),
    ),
    (
        "mentors-without-matches.txt",
        include_str!("../../templates/notify/mentors-without-matches.txt"),
    ),
    (
        "mentees-new-matches.txt",
        include_str!("../../templates/notify/mentees-new-matches.txt"),
    ),
    (
        "mentees-match-ended.txt",
        include_str!("../../templates/notify/mentees-match-ended.txt"),
    ),
    (
        "mentors-new-matches.txt",
        include_str!("../../templates/notify/mentors-new-matches.txt"),
    ),
    (
        "mentors-match-ended.txt",
        include_str!("../../templates/notify/mentors-match-ended.txt"),
    ),
];

pub async fn notify_template(Path(name): Path<String>) -> Response {
    match NOTIFY_TEMPLATES.iter().find(|(n, _)| *n == name) {
        Some((name, text)) => attachment(name, "text/plain; charset=utf-8", text.as_bytes().to_vec()),
        None => not_found().await,
    }
}

pub async fn download_page(State(app): AppState) -> Response {
    let session = app.session();
    let files: Vec<(String, usize)> = session
        .run
        .iter()
        .flat_map(|r| r.files.iter().map(|f| (f.name.clone(), f.bytes.len())))
        .collect();
    let names: Vec<&str> = NOTIFY_TEMPLATES.iter().map(|(n, _)| *n).collect();
    let sent = session.sent.as_ref().map(Vec::len);
    page(pages::download(&files, &names, sent))
}

fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

pub async fn output_file(State(app): AppState, Path(name): Path<String>) -> Response {
    let file = {
        let session = app.session();
        session
            .run
            .as_ref()
            .and_then(|r| r.files.iter().find(|f| f.name == name).cloned())
    };
    let Some(file) = file else {
        return not_found().await;
    };
    if name.ends_with(".html") {
        // The report: shown in the page, with its own inline styles and nothing else.
        let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], file.bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"),
        );
        return response;
    }
    let content_type = if name.ends_with(".json") {
        "application/json"
    } else {
        "text/csv; charset=utf-8"
    };
    attachment(&name, content_type, file.bytes)
}

pub async fn download_zip(State(app): AppState) -> Response {
    let run = app.session().run.clone();
    let Some(run) = run else {
        return see("/download");
    };
    match blocking(move || zip_files(&run.files)).await {
        Ok(Ok(bytes)) => attachment("mentorflow-outputs.zip", "application/zip", bytes),
        Ok(Err(e)) => failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The ZIP could not be made",
            &e.to_string(),
            ("/download", "Back to Download"),
        ),
        Err(response) => response,
    }
}

/// Every output in one ZIP, in the order `match` writes them, with a fixed
/// date so the same matching always gives the same ZIP.
pub fn zip_files(files: &[crate::report::OutputFile]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for file in files {
        zip.start_file(file.name.as_str(), options)?;
        zip.write_all(&file.bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

// ---- 7. What if ------------------------------------------------------------

pub async fn whatif_page(State(app): AppState) -> Response {
    let session = app.session();
    let shown = session.whatif.clone().unwrap_or_else(|| WhatIfShown {
        repeat: RunOptions::default().repeat,
        ..Default::default()
    });
    page(pages::whatif(session.inputs.is_some(), &shown, None))
}

pub async fn run_whatif(State(app): AppState, fields: Result<Form<Vec<(String, String)>>, FormRejection>) -> Response {
    let Form(fields) = match fields {
        Ok(f) => f,
        Err(e) => return bad_form(&e.body_text(), "/whatif"),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut shown = WhatIfShown {
        vary: (1..=2)
            .map(|n| (field(&format!("parameter{n}")), field(&format!("values{n}"))))
            .filter(|(p, _)| !p.is_empty())
            .collect(),
        extra_grade: field("extra_grade"),
        repeat: RunOptions::default().repeat,
        ..Default::default()
    };
    let (generation, inputs) = {
        let s = app.session();
        (s.generation, s.inputs.clone())
    };
    let Some(inputs) = inputs else {
        return see("/whatif");
    };
    let error = |shown: &WhatIfShown, message: String| {
        (
            StatusCode::BAD_REQUEST,
            page(pages::whatif(true, shown, Some(&message))),
        )
            .into_response()
    };
    let repeat_text = field("repeat");
    if !repeat_text.is_empty() {
        match repeat_text.parse::<u32>() {
            Ok(n) => shown.repeat = n,
            Err(_) => {
                return error(
                    &shown,
                    format!("Runs of each drop-out scenario: “{repeat_text}” is not a whole number"),
                )
            }
        }
    }
    let extra_grade = (!shown.extra_grade.is_empty()).then(|| shown.extra_grade.clone());
    let vary: Result<Vec<Vary>, _> = shown
        .vary
        .iter()
        .map(|(p, v)| {
            if v.is_empty() {
                Err(format!("Give the values to try for {p}"))
            } else {
                Vary::parse(&format!("{p}={v}"), extra_grade.as_deref()).map_err(|e| e.to_string())
            }
        })
        .collect();
    let vary = match vary.and_then(|v| whatif::check_sweep(&v).map(|_| v).map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => return error(&shown, e),
    };
    let options = RunOptions {
        repeat: shown.repeat,
        time_limit: Some(app.time_limit),
        ..RunOptions::default()
    };
    let result = blocking(move || {
        let scenarios = whatif::scenarios(&vary);
        let programme = &inputs.reading.programme;
        let results = whatif::run(
            programme,
            &inputs.model,
            &inputs.history,
            &scenarios,
            options,
            &|_, _| {},
        )
        .map_err(|e| e.to_string())?;
        let report = WhatIf {
            model: &inputs.model.name,
            repeat: options.repeat,
            seed: options.seed,
            results: &results,
        };
        let chart = if vary.is_empty() { None } else { report.chart().ok() };
        let table: Vec<Vec<String>> = csv::Reader::from_reader(report.csv().as_bytes())
            .into_records()
            .filter_map(Result::ok)
            .map(|r| r.iter().map(str::to_string).collect())
            .collect();
        let heading: Vec<String> = csv::Reader::from_reader(report.csv().as_bytes())
            .headers()
            .map(|h| h.iter().map(str::to_string).collect())
            .unwrap_or_default();
        Ok::<_, String>((std::iter::once(heading).chain(table).collect(), chart))
    })
    .await;
    match result {
        Ok(Ok((table, chart))) => {
            shown.table = table;
            shown.chart = chart;
            let mut session = app.session();
            if session.generation == generation {
                session.whatif = Some(shown.clone());
            }
            page(pages::whatif(true, &shown, None))
        }
        Ok(Err(e)) => error(&shown, e.replace("--vary ", "")),
        Err(response) => response,
    }
}

pub async fn whatif_chart(State(app): AppState) -> Response {
    let chart = app.session().whatif.as_ref().and_then(|w| w.chart.clone());
    match chart {
        Some(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        None => not_found().await,
    }
}

// ---- Sent ------------------------------------------------------------------

/// Mark the current matches as sent: later matches keep them (a re-match).
pub async fn mark_sent(State(app): AppState) -> Response {
    let mut session = app.session();
    let Some(matches) = session
        .run
        .as_ref()
        .and_then(|r| r.files.iter().find(|f| f.name == "matches.csv"))
    else {
        return see("/download");
    };
    match crate::rematch::read_previous(Source {
        name: "matches.csv",
        bytes: &matches.bytes,
    }) {
        Ok(previous) => {
            session.sent = Some(previous);
            see("/download")
        }
        Err(problems) => failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The matches could not be marked as sent",
            &problems.to_string(),
            ("/download", "Back to Download"),
        ),
    }
}

// ---- Clear -----------------------------------------------------------------

pub async fn clear(State(app): AppState) -> Response {
    let mut session = app.session();
    let generation = session.generation + 1;
    *session = Session {
        generation,
        ..Session::default()
    };
    see("/upload")
}
