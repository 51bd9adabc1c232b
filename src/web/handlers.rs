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
use super::state::{Adjustment, App, Explained, ModelChoice, Session, Upload, WhatIfShown};
use crate::explain as mentorflow_explain;
use crate::model::{Model, BUILT_IN};
use crate::pipeline::{
    self, compare_run, comparison, explain, explained_matching, MatchOptions, Person, Registrations, RematchOptions,
};
use crate::problem::{Problem, Problems};
use crate::registration::{Source, MAX_FILE_BYTES};
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
    }
    recheck(&app).await;
    see("/check")
}

/// Read the inputs again from the session's files and model, and keep the result.
async fn recheck(app: &Arc<App>) {
    let (generation, mentors, mentees, history, model, adjust) = {
        let s = app.session();
        let (Some(mentors), Some(mentees)) = (s.mentors.clone(), s.mentees.clone()) else {
            return;
        };
        (
            s.generation,
            mentors,
            mentees,
            s.history.clone(),
            s.model.clone(),
            s.adjust_file(),
        )
    };
    let checked = blocking(move || {
        pipeline::read_inputs(
            read_model(&model),
            registrations(&mentors, &mentees, history.as_ref(), adjust.as_ref()),
        )
    })
    .await;
    let mut session = app.session();
    if session.generation != generation {
        return; // newer files arrived meanwhile
    }
    match checked {
        Ok((inputs, problems)) => {
            session.inputs = inputs.map(Arc::new);
            session.problems = problems;
        }
        Err(_) => {
            session.inputs = None;
            session.problems = Problems::default();
        }
    }
}

fn read_model(choice: &ModelChoice) -> Result<Model, Problems> {
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
    page(pages::check(&session.problems.0, ready, &model_name(&session.model)))
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
    Compared {
        models,
        rows,
        failed: Vec::new(),
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
    let (generation, mentors, mentees, history, model, adjust) = {
        let s = app.session();
        (
            s.generation,
            s.mentors.clone(),
            s.mentees.clone(),
            s.history.clone(),
            s.model.clone(),
            s.adjust_file(),
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
                read_model(&choice),
                registrations(&mentors, &mentees, history.as_ref(), adjust.as_ref()),
            );
            match inputs.map(|inputs| (compare_run(&inputs, MatchOptions::default()), inputs)) {
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

pub async fn run_match(State(app): AppState) -> Response {
    let (generation, inputs) = {
        let s = app.session();
        (s.generation, s.inputs.clone())
    };
    let Some(inputs) = inputs else {
        return see("/match");
    };
    let sent = app.session().sent.clone();
    let for_run = inputs.clone();
    let run = blocking(move || match sent {
        // After the results went out: keep every sent pair still allowed.
        Some(previous) => pipeline::rematch(&for_run, &previous, RematchOptions::default(), &mut |_| {}).map(|r| r.run),
        None => pipeline::run_match(&for_run, MatchOptions::default(), &mut |_| {}),
    })
    .await;
    match run {
        Ok(Ok(run)) => {
            let explained = Explained::default();
            {
                let mut session = app.session();
                if session.generation == generation {
                    session.run = Some(Arc::new(run));
                    session.explained = Some(explained.clone());
                }
            }
            // The matching `explain` explains, solved now, before anyone is looked up.
            tokio::task::spawn_blocking(move || {
                explained.get_or_init(|| explained_matching(&inputs).map_err(|e| e.to_string()));
            });
            see("/result")
        }
        Ok(Err(e)) => {
            let session = app.session();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(pages::match_page(
                    None,
                    &model_name(&session.model),
                    Some(&e.to_string()),
                )),
            )
                .into_response()
        }
        Err(response) => response,
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
    page(pages::review(&Review {
        matched: session.run.is_some(),
        prices: prices(&session),
        query,
        found,
        explained: None,
        adjustments: &session.adjustments,
        errors: Vec::new(),
    }))
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
    page(pages::review(&Review {
        matched: true,
        prices: prices(&session),
        query: "",
        found: Vec::new(),
        explained: Some((heading, text)),
        adjustments: &session.adjustments,
        errors: Vec::new(),
    }))
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
            Some(pages::review(&Review {
                matched: session.run.is_some(),
                prices: prices(&session),
                query: "",
                found: Vec::new(),
                explained: None,
                adjustments: &session.adjustments,
                errors,
            }))
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

/// The uploaded files as the pipeline reads them.
fn registrations<'a>(
    mentors: &'a Upload,
    mentees: &'a Upload,
    history: Option<&'a Upload>,
    adjust: Option<&'a Upload>,
) -> Registrations<'a> {
    Registrations {
        mentors: mentors.source(),
        mentees: mentees.source(),
        history: history.map(Upload::source),
        adjust: adjust.map(Upload::source),
        organisations: None,
    }
}
