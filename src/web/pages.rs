//! Every page, as compile-checked templates. No page has a script or an inline
//! style; each loads only the two stylesheets this server embeds.

use maud::{html, Markup, DOCTYPE};

use super::state::{Adjustment, Columns, Late, Side, WhatIfShown, Withdrawal};
use crate::pipeline::Progress;
use crate::problem::{Problem, Severity};
use crate::registration::Unmapped;
use crate::report::Summary;

/// The steps, in the organiser's order: path and name.
pub const STEPS: [(&str, &str); 7] = [
    ("/upload", "Upload"),
    ("/check", "Check"),
    ("/model", "Choose a model"),
    ("/match", "Match"),
    ("/review", "Review"),
    ("/download", "Download"),
    ("/whatif", "What if"),
];

/// A page in the app's frame: header, the steps, the content, and "Clear all data".
pub fn layout(title: &str, step: Option<usize>, body: Markup) -> Markup {
    frame(title, step, false, body)
}

/// [`layout`], for a page that reloads itself each second when `refresh`
/// (the match's progress: a meta refresh, so no script is needed).
fn frame(title: &str, step: Option<usize>, refresh: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" class="govuk-template" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if refresh { meta http-equiv="refresh" content="1"; }
                title { (title) " – mentorflow" }
                link rel="stylesheet" href="/assets/govuk-frontend.min.css";
                link rel="stylesheet" href="/assets/app.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
            }
            body class="govuk-template__body" {
                a href="#main" class="govuk-skip-link" { "Skip to main content" }
                header class="govuk-header app-header" {
                    div class="govuk-header__container govuk-width-container" {
                        a href="/upload" class="govuk-header__link govuk-header__service-name app-name" { "mentorflow" }
                        span class="app-tagline" { "Mentoring matches, on this computer only" }
                    }
                }
                div class="govuk-width-container" {
                    nav class="app-steps" aria-label="Steps" {
                        ol class="app-steps__list" {
                            @for (i, (path, name)) in STEPS.iter().enumerate() {
                                li class="app-steps__item" {
                                    @if step == Some(i) {
                                        a class="govuk-link app-steps__current" href=(path) aria-current="step" { (i + 1) ". " (name) }
                                    } @else {
                                        a class="govuk-link" href=(path) { (i + 1) ". " (name) }
                                    }
                                }
                            }
                        }
                    }
                    main class="govuk-main-wrapper" id="main" {
                        (body)
                    }
                }
                footer class="govuk-footer" {
                    div class="govuk-width-container" {
                        form method="post" action="/clear" class="app-clear" {
                            button type="submit" class="govuk-button govuk-button--warning" { "Clear all data" }
                        }
                        p class="govuk-body-s" {
                            "Registrations are held in this program's memory only, on this computer. They are gone when you press "
                            "Clear all data or stop the program."
                        }
                    }
                }
            }
        }
    }
}

/// A refused request: no token, another host, another site.
pub fn refused(message: &str) -> Markup {
    layout(
        "Not allowed",
        None,
        html! {
            h1 class="govuk-heading-l" { "This page cannot be shown" }
            p class="govuk-body" { (message) }
        },
    )
}

/// Something went wrong with a request: what, and where to go next.
pub fn problem(title: &str, message: &str, back: (&str, &str)) -> Markup {
    layout(
        title,
        None,
        html! {
            h1 class="govuk-heading-l" { (title) }
            @for line in message.lines() {
                p class="govuk-body" { (line) }
            }
            p class="govuk-body" { a class="govuk-link" href=(back.0) { (back.1) } }
        },
    )
}

fn error_summary(errors: &[String]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="govuk-error-summary" role="alert" tabindex="-1" {
                h2 class="govuk-error-summary__title" { "There is a problem" }
                div class="govuk-error-summary__body" {
                    ul class="govuk-list govuk-error-summary__list" {
                        @for e in errors { li { (e) } }
                    }
                }
            }
        }
    }
}

fn file_field(name: &str, label: &str, hint: &str, current: Option<&str>) -> Markup {
    html! {
        div class="govuk-form-group" {
            label class="govuk-label govuk-label--s" for=(name) { (label) }
            div class="govuk-hint" id=(format!("{name}-hint")) {
                (hint)
                @if let Some(current) = current { " Now loaded: " strong { (current) } "." }
            }
            input class="govuk-file-upload app-drop" type="file" id=(name) name=(name)
                accept=".csv,text/csv" aria-describedby=(format!("{name}-hint"));
        }
    }
}

/// Names of the files now loaded, by field.
pub struct Loaded<'a> {
    pub mentors: Option<&'a str>,
    pub mentees: Option<&'a str>,
    pub history: Option<&'a str>,
    pub adjustments: usize,
    /// Organisation spellings merged.
    pub organisations: usize,
}

pub fn upload(loaded: &Loaded, errors: &[String]) -> Markup {
    layout(
        "Upload registrations",
        Some(0),
        html! {
            (error_summary(errors))
            h1 class="govuk-heading-l" { "1. Upload the registrations" }
            p class="govuk-body" {
                "Choose the two files exported from the registration form, as CSV: one for mentors, one for mentees. "
                "You can also drag a file from your folder onto its box. Nothing leaves this computer."
            }
            form method="post" action="/upload" enctype="multipart/form-data" novalidate {
                (file_field("mentors", "Mentors' registrations (required)", "The mentors' CSV file.", loaded.mentors))
                (file_field("mentees", "Mentees' registrations (required)", "The mentees' CSV file.", loaded.mentees))
                (file_field("history", "Earlier years' pairs (optional)",
                    "Last time's history-next-time.csv, or any CSV with mentee_email and mentor_email: none of these pairs is made again, and the mentees it names as unmatched or short last time can go first (the priority model).", loaded.history))
                (file_field("adjust", "Pins and bans (optional)",
                    "A CSV with the columns action (pin or ban), mentee email, mentor email and note, as the Review step saves it.",
                    None))
                (file_field("organisations", "Organisation spellings (optional)",
                    "A CSV with the columns name and same as: spellings that are one organisation, as the Check step saves it.",
                    None))
                @if loaded.organisations > 0 {
                    p class="govuk-body" { (loaded.organisations) " organisation spellings merged are kept from before; a new organisations file replaces them." }
                }
                @if loaded.adjustments > 0 {
                    p class="govuk-body" { (loaded.adjustments) " pins and bans are kept from before; a new adjustments file replaces them." }
                }
                button type="submit" class="govuk-button" { "Upload and check" }
            }
        },
    )
}

pub fn check(
    problems: &[Problem],
    ready: Option<(usize, usize)>,
    model: &str,
    suggestions: &[(String, String)],
    merged: &[(String, String)],
    unmapped: &[Unmapped],
    columns: &Columns,
) -> Markup {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    layout(
        "Check",
        Some(1),
        html! {
            h1 class="govuk-heading-l" { "2. Check the registrations" }
            @if problems.is_empty() && ready.is_none() {
                p class="govuk-body" { "Nothing is loaded yet. " a class="govuk-link" href="/upload" { "Upload the registrations" } " first." }
            } @else {
                @if errors > 0 {
                    div class="govuk-error-summary" role="alert" {
                        h2 class="govuk-error-summary__title" { (errors) " error" @if errors != 1 { "s" } " stop matching" }
                        div class="govuk-error-summary__body" {
                            p class="govuk-body" { "Fix each one in the spreadsheet as the Fix column says, save it as CSV and "
                                a class="govuk-link" href="/upload" { "upload it again" } "." }
                        }
                    }
                } @else if let Some((mentors, mentees)) = ready {
                    div class="govuk-panel app-ok" {
                        p class="govuk-body app-ok__text" { "Ready to match: " strong { (mentors) " mentors and " (mentees) " mentees" } ", model " strong { (model) } "." }
                    }
                }
                @if warnings > 0 {
                    p class="govuk-body" { (warnings) " warning" @if warnings != 1 { "s" } ": worth a look, but they do not stop matching." }
                }
                // What can be fixed here, first: above the table of every problem.
                (column_offers(unmapped, columns))
                (organisations(suggestions, merged))
                @if !problems.is_empty() {
                    table class="govuk-table app-problems" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Problems found" }
                        thead class="govuk-table__head" {
                            tr class="govuk-table__row" {
                                @for h in ["", "Code", "File", "Row", "Column", "Value", "Problem", "Fix"] {
                                    th scope="col" class="govuk-table__header" { (h) }
                                }
                            }
                        }
                        tbody class="govuk-table__body" {
                            @for p in problems {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        @if p.severity == Severity::Error { strong class="govuk-tag govuk-tag--red" { "Error" } }
                                        @else { strong class="govuk-tag govuk-tag--yellow" { "Warning" } }
                                    }
                                    td class="govuk-table__cell" { (p.code) }
                                    td class="govuk-table__cell" { (p.file) }
                                    td class="govuk-table__cell" { @if let Some(l) = p.line { (l) } }
                                    td class="govuk-table__cell" { @if let Some(c) = &p.column { (c.heading) } }
                                    td class="govuk-table__cell" { @if let Some(v) = &p.value { (v) } }
                                    td class="govuk-table__cell" { (p.message) }
                                    td class="govuk-table__cell" { (p.fix) }
                                }
                            }
                        }
                    }
                }
                @if errors == 0 && ready.is_some() {
                    a href="/model" class="govuk-button" role="button" { "Continue: choose a model" }
                }
            }
        },
    )
}

/// Columns not found, each offered as a mapping to one of the file's other
/// headings; and those mapped, with the model file that keeps them.
fn column_offers(unmapped: &[Unmapped], columns: &Columns) -> Markup {
    html! {
        @if !unmapped.is_empty() {
            h2 class="govuk-heading-m" { "Columns not found" }
            p class="govuk-body" { "These columns were not found under the headings mentorflow knows. If the file has one under another heading, choose it." }
            @for (i, u) in unmapped.iter().enumerate() {
                form method="post" action="/check/columns" class="app-column-map" {
                    input type="hidden" name="column" value=(u.column);
                    div class="govuk-form-group" {
                        label class="govuk-label" for=(format!("heading-{i}")) {
                            strong { (u.column) } " in " (u.file)
                            @if u.required { " (needed)" } @else { " (for identity matching)" }
                            " is the column headed"
                        }
                        select class="govuk-select" id=(format!("heading-{i}")) name="heading" {
                            option value="" { "(not in this file)" }
                            @for h in &u.headings {
                                option value=(h) selected[u.likely.as_deref() == Some(h.as_str())] { (h) }
                            }
                        }
                        " "
                        button type="submit" class="govuk-button govuk-button--secondary app-inline-button" { "Use this column" }
                    }
                }
            }
        }
        @if !columns.is_empty() {
            h2 class="govuk-heading-m" { "Columns mapped" }
            (pairs_with_buttons(
                "columns",
                ("Column", "Heading in the files"),
                "/check/columns",
                columns.iter().map(|(column, heading)| Row {
                    cells: (column, heading),
                    field: ("column", column.to_string()),
                    button: "Undo",
                    hidden: format!(" the mapping of {column}"),
                }),
            ))
            p class="govuk-body" {
                a class="govuk-link" href="/check/model.json" { "Download the model file with these columns (model.json)" }
                ": upload it on the Choose a model step next time, and the columns are found at once."
            }
        }
    }
}

/// One row of [`pairs_with_buttons`]: two cells, and a button posting one field.
struct Row<'a> {
    cells: (&'a str, &'a str),
    field: (&'static str, String),
    button: &'static str,
    /// Read by screen readers after the button's word, naming what it acts on.
    hidden: String,
}

/// A table of two columns with a one-click button on each row (the Check
/// step's merges, their undos and the column mappings).
fn pairs_with_buttons<'a>(
    id: &str,
    headings: (&str, &str),
    action: &str,
    rows: impl Iterator<Item = Row<'a>>,
) -> Markup {
    html! {
        table class="govuk-table" id=(id) {
            thead class="govuk-table__head" { tr class="govuk-table__row" {
                th scope="col" class="govuk-table__header" { (headings.0) }
                th scope="col" class="govuk-table__header" { (headings.1) }
                th scope="col" class="govuk-table__header" { span class="govuk-visually-hidden" { "Action" } }
            } }
            tbody class="govuk-table__body" {
                @for row in rows {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" { (row.cells.0) }
                        td class="govuk-table__cell" { (row.cells.1) }
                        td class="govuk-table__cell" {
                            form method="post" action=(action) {
                                input type="hidden" name=(row.field.0) value=(row.field.1);
                                button type="submit" class="govuk-button govuk-button--secondary app-small-button" {
                                    (row.button) span class="govuk-visually-hidden" { (row.hidden) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Spellings that look like one organisation, each a one-click merge, and
/// those merged, with the file that keeps them for next time.
fn organisations(suggestions: &[(String, String)], merged: &[(String, String)]) -> Markup {
    html! {
        @if !suggestions.is_empty() {
            h2 class="govuk-heading-m" { "Organisations spelt more than one way" }
            p class="govuk-body" { "These spellings look like one organisation (the V001 warnings below). Merging them keeps mentees from being matched with mentors of their own organisation under another spelling." }
            (pairs_with_buttons(
                "suggestions",
                ("Spelling", "Same organisation as"),
                "/check/organisations",
                suggestions.iter().enumerate().map(|(i, (name, same_as))| Row {
                    cells: (name, same_as),
                    field: ("merge", i.to_string()),
                    button: "Merge",
                    hidden: format!(" {name} into {same_as}"),
                }),
            ))
            @if suggestions.len() > 1 {
                form method="post" action="/check/organisations" {
                    input type="hidden" name="merge" value="all";
                    button type="submit" class="govuk-button govuk-button--secondary" { "Merge all " (suggestions.len()) }
                }
            }
        }
        @if !merged.is_empty() {
            h2 class="govuk-heading-m" { "Organisation spellings merged" }
            (pairs_with_buttons(
                "merged",
                ("Spelling", "Counted as"),
                "/check/organisations/undo",
                merged.iter().enumerate().map(|(i, (name, same_as))| Row {
                    cells: (name, same_as),
                    field: ("row", i.to_string()),
                    button: "Undo",
                    hidden: format!(" the merge of {name}"),
                }),
            ))
            p class="govuk-body" {
                a class="govuk-link" href="/check/organisations.csv" { "Download the organisations file (organisations.csv)" }
                ": upload it with next year's registrations to merge the same spellings again."
            }
        }
    }
}

/// One shipped model, or the uploaded one: name, description, chosen.
pub struct ModelOption {
    pub value: String,
    pub name: String,
    pub description: String,
    pub chosen: bool,
}

/// A comparison as shown: model names, then rows of label and values.
pub struct Compared {
    pub models: Vec<String>,
    pub rows: Vec<(String, Vec<f64>)>,
    pub failed: Vec<String>,
    /// Models whose search stopped at the time limit: name, and the gap in words.
    pub not_proven: Vec<(String, String)>,
}

pub fn model(options: &[ModelOption], compared: Option<&Compared>, errors: &[String]) -> Markup {
    layout(
        "Choose a model",
        Some(2),
        html! {
            (error_summary(errors))
            h1 class="govuk-heading-l" { "3. Choose a model" }
            p class="govuk-body" { "A model is the set of rules and priorities the matching follows. The Civil Service model is the programme's usual one." }
            form method="post" action="/model" enctype="multipart/form-data" {
                div class="govuk-form-group" {
                    fieldset class="govuk-fieldset" aria-describedby="model-hint" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--m" { "Which model?" }
                        div class="govuk-hint" id="model-hint" { "Each description says what the model puts first." }
                        div class="govuk-radios" {
                            @for (i, o) in options.iter().enumerate() {
                                div class="govuk-radios__item" {
                                    input class="govuk-radios__input" id=(format!("model-{i}")) name="model" type="radio"
                                        value=(o.value) checked[o.chosen] aria-describedby=(format!("model-{i}-hint"));
                                    label class="govuk-label govuk-radios__label" for=(format!("model-{i}")) { (o.name) }
                                    div class="govuk-hint govuk-radios__hint" id=(format!("model-{i}-hint")) { (o.description) }
                                }
                            }
                        }
                    }
                }
                div class="govuk-form-group" {
                    label class="govuk-label govuk-label--s" for="model_file" { "Or upload a model file (JSON)" }
                    div class="govuk-hint" id="model_file-hint" { "A model file chosen here is used instead of the one picked above." }
                    input class="govuk-file-upload" type="file" id="model_file" name="model_file" accept=".json,application/json" aria-describedby="model_file-hint";
                }
                button type="submit" class="govuk-button" { "Use this model" }
            }
            h2 class="govuk-heading-m" { "Compare models side by side (optional)" }
            form method="post" action="/compare" {
                div class="govuk-form-group" {
                    fieldset class="govuk-fieldset" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Models to compare; the first one ticked is the one the others are compared with" }
                        div class="govuk-checkboxes govuk-checkboxes--small" {
                            @for (i, o) in options.iter().enumerate() {
                                div class="govuk-checkboxes__item" {
                                    input class="govuk-checkboxes__input" id=(format!("compare-{i}")) name="compare" type="checkbox" value=(o.value);
                                    label class="govuk-label govuk-checkboxes__label" for=(format!("compare-{i}")) { (o.name) }
                                }
                            }
                        }
                    }
                }
                button type="submit" class="govuk-button govuk-button--secondary" { "Compare" }
            }
            @if let Some(c) = compared {
                @for f in &c.failed { p class="govuk-body govuk-error-message" { (f) } }
                @if !c.not_proven.is_empty() {
                    (warning("not-proven", html! {
                        "Not proven the best possible: the fairness rules made these hard searches, which stopped at "
                        "their time limit with the best matching found."
                    }))
                    ul class="govuk-list govuk-list--bullet" {
                        @for (name, gap) in &c.not_proven { li { strong { (name) } ": " (gap) "." } }
                    }
                }
                table class="govuk-table app-compare" {
                    caption class="govuk-table__caption govuk-table__caption--m" { "Comparison (differences from " (c.models.first().map_or("", String::as_str)) " in bold)" }
                    thead class="govuk-table__head" {
                        tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Measure" }
                            @for m in &c.models { th scope="col" class="govuk-table__header govuk-table__header--numeric" { (m) } }
                        }
                    }
                    tbody class="govuk-table__body" {
                        @for (label, values) in &c.rows {
                            tr class="govuk-table__row" {
                                th scope="row" class="govuk-table__header" { (label) }
                                @for (i, v) in values.iter().enumerate() {
                                    td class="govuk-table__cell govuk-table__cell--numeric" {
                                        @let first = values[0];
                                        @if i > 0 && (v - first).abs() > 1e-9 && !label.starts_with("solve time") {
                                            strong class="app-diff" { (number(*v)) " (" (signed(v - first)) ")" }
                                        } @else {
                                            (number(*v))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A GOV.UK warning (the "!" and its text), with an id for the page's tests.
fn warning(id: &str, text: Markup) -> Markup {
    html! {
        div class="govuk-warning-text" id=(id) {
            span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
            strong class="govuk-warning-text__text" {
                span class="govuk-visually-hidden" { "Warning" }
                (text)
            }
        }
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", number(v))
    } else {
        number(v)
    }
}

pub fn match_page(ready: Option<(usize, usize, usize)>, model: &str, error: Option<&str>) -> Markup {
    layout(
        "Match",
        Some(3),
        html! {
            @if let Some(e) = error { (error_summary(&[e.to_string()])) }
            h1 class="govuk-heading-l" { "4. Match" }
            @match ready {
                Some((mentors, mentees, warnings)) => {
                    p class="govuk-body" { "Match " (mentors) " mentors and " (mentees) " mentees with the model " strong { (model) } "." }
                    @if warnings > 0 { p class="govuk-body" { (warnings) " warnings were found at the " a class="govuk-link" href="/check" { "check" } "; they do not stop matching." } }
                    p class="govuk-body" { "The best matching is found in one step; on a thousand mentees and a thousand mentors it takes well under a second." }
                    form method="post" action="/match" {
                        button type="submit" class="govuk-button govuk-button--start" { "Match" }
                    }
                }
                None => {
                    p class="govuk-body" { "There is nothing to match yet: " a class="govuk-link" href="/upload" { "upload the registrations" } " and fix any errors the check finds." }
                }
            }
        },
    )
}

/// The stages of a match in organisers' words, in order; the prices only when
/// there are pins or bans.
fn stages(priced: bool) -> Vec<(Progress, &'static str)> {
    [
        (Progress::Eligibility, "Finding every pair the rules allow"),
        (Progress::Solve, "Finding the best matching"),
        (Progress::Check, "Checking every rule again, independently"),
        (Progress::Prices, "Working out what each pin and ban costs"),
        (
            Progress::Certificate,
            "Proving how many mentees could be matched at most",
        ),
        (Progress::Outputs, "Writing the files and the report"),
    ]
    .into_iter()
    .filter(|(p, _)| priced || *p != Progress::Prices)
    .collect()
}

/// The match running: each stage done, running or to come. Reloads itself.
pub fn progress(started: &[Progress], priced: bool, elapsed: std::time::Duration) -> Markup {
    let reached = stages(priced)
        .iter()
        .rposition(|(p, _)| started.contains(p))
        .map_or(0, |i| i + 1);
    frame(
        "Matching",
        Some(3),
        true,
        html! {
            h1 class="govuk-heading-l" { "Matching…" }
            p class="govuk-body" { "This page updates itself every second; the result opens when it is ready. Running for " (format!("{:.1}", elapsed.as_secs_f64())) " s." }
            ol class="govuk-list govuk-list--number app-stages" id="stages" {
                @for (i, (_, words)) in stages(priced).iter().enumerate() {
                    li {
                        (words) " "
                        @if i + 1 < reached { strong class="govuk-tag govuk-tag--green" { "done" } }
                        @else if i + 1 == reached { strong class="govuk-tag govuk-tag--blue" aria-current="step" { "running" } }
                        @else { strong class="govuk-tag govuk-tag--grey" { "to come" } }
                    }
                }
            }
        },
    )
}

pub fn result(summary: &Summary) -> Markup {
    let by = |c: &crate::report::summary::Counts, k: u32| c.by_matches.get(&k).copied().unwrap_or(0);
    layout(
        "Result",
        Some(3),
        html! {
            h1 class="govuk-heading-l" { "The matches are ready" }
            @if let Some(cost) = summary.constraints_cost() {
                (warning("constraints-cost", html! { "What the fairness rules cost: " (cost) "." }))
            }
            @if let Some(gap) = summary.optimality.as_ref().and_then(|o| o.gap.as_ref()) {
                (warning("not-proven", html! {
                    "Not proven the best possible: the fairness rules made this a hard search, which stopped at "
                    "its time limit with the best matching found: " (gap.words()) "."
                }))
            }
            div class="govuk-grid-row" {
                div class="govuk-grid-column-one-half" {
                    table class="govuk-table" id="figures" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Mentees (" (summary.mentees.registered) ")" }
                        tbody class="govuk-table__body" {
                            @for k in 0..=3u32 {
                                tr class="govuk-table__row" { th scope="row" class="govuk-table__header" { "with " (k) @if k == 1 { " match" } @else { " matches" } } td class="govuk-table__cell govuk-table__cell--numeric" id=(format!("mentees-{k}")) { (by(&summary.mentees, k)) } }
                            }
                            tr class="govuk-table__row" { th scope="row" class="govuk-table__header" { "with at least 1" } td class="govuk-table__cell govuk-table__cell--numeric" id="mentees-at-least-1" { (summary.mentees.at_least_1) } }
                        }
                    }
                }
                div class="govuk-grid-column-one-half" {
                    table class="govuk-table" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Mentors (" (summary.mentors.registered) ")" }
                        tbody class="govuk-table__body" {
                            @for k in 0..=3u32 {
                                tr class="govuk-table__row" { th scope="row" class="govuk-table__header" { "with " (k) @if k == 1 { " mentee" } @else { " mentees" } } td class="govuk-table__cell govuk-table__cell--numeric" id=(format!("mentors-{k}")) { (by(&summary.mentors, k)) } }
                            }
                            tr class="govuk-table__row" { th scope="row" class="govuk-table__header" { "pairs" } td class="govuk-table__cell govuk-table__cell--numeric" id="pairs" { (summary.pairs) } }
                        }
                    }
                }
            }
            p class="govuk-body" {
                "Identity requests met: " (summary.identity_requests.met) " of " (summary.identity_requests.asked)
                ". Profession requests met: " (summary.profession_requests.met) " of " (summary.profession_requests.asked)
                ". Total score " span id="total-score" { (summary.total_score) } "."
            }
            @if let Some(c) = &summary.changes {
                div class="govuk-inset-text" id="changes" {
                    "Re-matched against the matches marked as sent: " (c.kept) " of " (c.previous) " pairs kept, "
                    (c.removed) " removed, " (c.added) " added"
                    @if c.moves_allowed { " (sent pairs were allowed to move for a better matching)" }
                    ". The mailing lists name only the people whose matches changed; "
                    code { "changes.csv" } " lists every change and why."
                }
            }
            @if !summary.overrides.is_empty() {
                h2 class="govuk-heading-m" { "Pins and bans" }
                ul class="govuk-list govuk-list--bullet" id="prices" {
                    @for p in &summary.overrides { li { (p.words()) } }
                }
            }
            p class="govuk-body" {
                a href="/download" class="govuk-button" role="button" { "Download the files" } " "
                a href="/review" class="govuk-button govuk-button--secondary" role="button" { "Review a person" }
            }
            h2 class="govuk-heading-m" { "The report" }
            p class="govuk-body" { "Coverage, charts, bottlenecks and every under-matched mentee with the reason. "
                a class="govuk-link" href="/files/report.html" target="_blank" { "Open the report on its own (new tab)" } "." }
            iframe class="app-report" src="/files/report.html" title="Matching report" {}
        },
    )
}

/// A person found by the search: role, index, name, email.
pub struct Found {
    pub role: &'static str,
    pub index: usize,
    pub name: String,
    pub email: String,
}

pub struct Review<'a> {
    pub matched: bool,
    /// The price of each pin and ban in the last matching, in words.
    pub prices: Vec<String>,
    pub query: &'a str,
    pub found: Vec<Found>,
    /// The person explained: their heading, the explanation's text, and
    /// their side and email (to withdraw them).
    pub explained: Option<(String, String, Side, String)>,
    pub adjustments: &'a [Adjustment],
    pub errors: Vec<String>,
    pub withdrawn: &'a [Withdrawal],
    pub late: &'a [Late],
    /// The headings of the registration files, (mentees, mentors): the late
    /// registration forms' fields.
    pub headings: (&'a [String], &'a [String]),
    /// Whether registrations are loaded.
    pub loaded: bool,
    /// Whether the registrations were changed here (so can be downloaded).
    pub amended: bool,
    /// How many pairs were marked as sent, if they were.
    pub sent: Option<usize>,
}

/// A form for one late registration: a field a column of the file.
fn late_form(side: Side, headings: &[String]) -> Markup {
    html! {
        details class="govuk-details" {
            summary class="govuk-details__summary" { span class="govuk-details__summary-text" { "Add a late " (side.word()) } }
            div class="govuk-details__text" {
                form method="post" action="/review/late" {
                    input type="hidden" name="role" value=(side.word());
                    p class="govuk-body" { "One field a column of the " (side.word()) "s' file, as the registration form asks them." }
                    @for (i, heading) in headings.iter().enumerate() {
                        @let id = format!("late-{}-{i}", side.word());
                        div class="govuk-form-group" {
                            label class="govuk-label" for=(id) { (heading) }
                            input class="govuk-input" id=(id) name=(format!("c{i}")) type="text" autocomplete="off";
                        }
                    }
                    button type="submit" class="govuk-button govuk-button--secondary" { "Add this " (side.word()) }
                }
            }
        }
    }
}

/// Withdrawals and late registrations: the forms, and the list with undo.
fn changes(r: &Review) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "Withdrawals and late registrations" }
        p class="govuk-body" { "Someone withdrew, or registered late? Change the registrations here, then press Match again below. "
            @if r.sent.is_some() { "The matches were marked as sent, so every sent pair still allowed is kept." }
            @else { "Nothing has been marked as sent, so the whole matching may change." } }
        form method="post" action="/review/withdraw" {
            div class="govuk-form-group" {
                label class="govuk-label govuk-label--s" for="withdraw_email" { "Email of the person who withdrew" }
                div class="govuk-hint" id="withdraw_email-hint" { "Someone registered as both mentee and mentor is withdrawn as both." }
                input class="govuk-input govuk-!-width-one-half" id="withdraw_email" name="email" type="email" autocomplete="off" aria-describedby="withdraw_email-hint";
                " "
                button type="submit" class="govuk-button govuk-button--secondary app-inline-button" { "Withdraw" }
            }
        }
        (late_form(Side::Mentee, r.headings.0))
        (late_form(Side::Mentor, r.headings.1))
        details class="govuk-details" {
            summary class="govuk-details__summary" { span class="govuk-details__summary-text" { "Upload late registrations (a CSV)" } }
            div class="govuk-details__text" {
                form method="post" action="/review/late/upload" enctype="multipart/form-data" {
                    div class="govuk-form-group" {
                        fieldset class="govuk-fieldset" {
                            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "They are" }
                            div class="govuk-radios govuk-radios--inline" {
                                div class="govuk-radios__item" {
                                    input class="govuk-radios__input" id="late-role-mentee" name="role" type="radio" value="mentee" checked;
                                    label class="govuk-label govuk-radios__label" for="late-role-mentee" { "mentees" }
                                }
                                div class="govuk-radios__item" {
                                    input class="govuk-radios__input" id="late-role-mentor" name="role" type="radio" value="mentor";
                                    label class="govuk-label govuk-radios__label" for="late-role-mentor" { "mentors" }
                                }
                            }
                        }
                    }
                    (file_field("rows", "Their rows", "A CSV with the same headings as the registrations file (in any order).", None))
                    button type="submit" class="govuk-button govuk-button--secondary" { "Add them" }
                }
            }
        }
        @if !r.withdrawn.is_empty() || !r.late.is_empty() {
            table class="govuk-table" id="changes-made" {
                caption class="govuk-table__caption govuk-table__caption--s" { "Changes to the registrations" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    @for h in ["Change", "Who", ""] { th scope="col" class="govuk-table__header" { (h) } }
                } }
                tbody class="govuk-table__body" {
                    @for (i, w) in r.withdrawn.iter().enumerate() {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (w.side.word()) " withdrew" }
                            td class="govuk-table__cell" { (w.name) " (" (w.email) ")" }
                            td class="govuk-table__cell" { (undo("withdrawn", i, "Undo", &w.email)) }
                        }
                    }
                    @for (i, l) in r.late.iter().enumerate() {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { "late " (l.side.word()) }
                            td class="govuk-table__cell" { (l.label) }
                            td class="govuk-table__cell" { (undo("late", i, "Remove", &l.label)) }
                        }
                    }
                }
            }
            @if r.amended {
                p class="govuk-body" { "The registrations with these changes, to keep for next time: "
                    a class="govuk-link" href="/review/registrations/mentees.csv" { "mentees" } " and "
                    a class="govuk-link" href="/review/registrations/mentors.csv" { "mentors" } "." }
            }
        }
    }
}

fn undo(list: &str, row: usize, action: &str, who: &str) -> Markup {
    html! {
        form method="post" action="/review/undo" {
            input type="hidden" name="list" value=(list);
            input type="hidden" name="row" value=(row);
            button type="submit" class="govuk-button govuk-button--secondary app-small-button" { (action) span class="govuk-visually-hidden" { " " (who) } }
        }
    }
}

pub fn review(r: &Review) -> Markup {
    layout(
        "Review",
        Some(4),
        html! {
            (error_summary(&r.errors))
            h1 class="govuk-heading-l" { "5. Review" }
            @if !r.matched {
                p class="govuk-body" { "Match first: " a class="govuk-link" href="/match" { "go to Match" } "." }
            } @else {
                form method="get" action="/review" class="app-search" {
                    div class="govuk-form-group" {
                        label class="govuk-label govuk-label--m" for="q" { "Find a person by name or email" }
                        input class="govuk-input govuk-!-width-one-half" id="q" name="q" type="search" value=(r.query) autocomplete="off";
                        " "
                        button type="submit" class="govuk-button govuk-button--secondary app-inline-button" { "Find" }
                    }
                }
                @if !r.query.is_empty() {
                    @if r.found.is_empty() {
                        p class="govuk-body" { "Nobody registered matches “" (r.query) "”." }
                    } @else {
                        ul class="govuk-list" id="found" {
                            @for f in &r.found {
                                li { a class="govuk-link" href=(format!("/review/{}/{}", f.role, f.index)) { (f.name) " (" (f.email) "), " (f.role) } }
                            }
                        }
                    }
                }
                @if let Some((heading, text, side, email)) = &r.explained {
                    h2 class="govuk-heading-m" { (heading) }
                    pre class="app-explanation" id="explanation" { (text) }
                    form method="post" action="/review/withdraw" {
                        input type="hidden" name="email" value=(email);
                        input type="hidden" name="role" value=(side.word());
                        button type="submit" class="govuk-button govuk-button--warning" id="withdraw" { "Withdraw this " (side.word()) }
                    }
                }
            }
            @if r.loaded { (changes(r)) }
            h2 class="govuk-heading-m" { "Pins and bans" }
            p class="govuk-body" { "A pin makes a pair; a ban stops one (for example: line manager). They are kept here, in memory, as an adjustments file you can download and upload again next time (or give to mentorflow match --adjust)." }
            div class="govuk-inset-text" id="rematch-note" {
                "A pin is made even when it breaks a rule (the check warns); a pin that cannot be met is an error at the check. "
                "Press Match again (below) to match with them; the result shows what each one costs."
            }
            form method="post" action="/review/adjustments" {
                div class="govuk-form-group" {
                    label class="govuk-label" for="action" { "Action" }
                    select class="govuk-select" id="action" name="action" {
                        option value="pin" { "pin: make this pair" }
                        option value="ban" { "ban: never make this pair" }
                    }
                }
                div class="govuk-form-group" {
                    label class="govuk-label" for="mentee_email" { "Mentee's email" }
                    input class="govuk-input govuk-!-width-one-half" id="mentee_email" name="mentee_email" type="email" autocomplete="off";
                }
                div class="govuk-form-group" {
                    label class="govuk-label" for="mentor_email" { "Mentor's email" }
                    input class="govuk-input govuk-!-width-one-half" id="mentor_email" name="mentor_email" type="email" autocomplete="off";
                }
                div class="govuk-form-group" {
                    label class="govuk-label" for="note" { "Note (optional, for organisers only)" }
                    input class="govuk-input" id="note" name="note" type="text" autocomplete="off";
                }
                button type="submit" class="govuk-button govuk-button--secondary" { "Add" }
            }
            @if !r.adjustments.is_empty() {
                table class="govuk-table" id="adjustments" {
                    caption class="govuk-table__caption govuk-table__caption--s" { "Adjustments kept" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        @for h in ["Row", "Action", "Mentee", "Mentor", "Note", ""] { th scope="col" class="govuk-table__header" { (h) } }
                    } }
                    tbody class="govuk-table__body" {
                        @for (i, a) in r.adjustments.iter().enumerate() {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { (i + 2) }
                                td class="govuk-table__cell" { (a.action) }
                                td class="govuk-table__cell" { (a.mentee_email) }
                                td class="govuk-table__cell" { (a.mentor_email) }
                                td class="govuk-table__cell" { (a.note) }
                                td class="govuk-table__cell" {
                                    form method="post" action="/review/adjustments/remove" {
                                        input type="hidden" name="row" value=(i);
                                        button type="submit" class="govuk-button govuk-button--secondary app-small-button" { "Remove" span class="govuk-visually-hidden" { " row " (i + 2) } }
                                    }
                                }
                            }
                        }
                    }
                }
                p class="govuk-body" { a class="govuk-link" href="/review/adjustments.csv" { "Download the adjustments file (adjust.csv)" } }
            }
            @if !r.prices.is_empty() {
                h3 class="govuk-heading-s" { "What each one costs, in the last matching" }
                ul class="govuk-list govuk-list--bullet" id="prices" {
                    @for p in &r.prices { li { (p) } }
                }
            }
            form method="post" action="/match" id="rematch" {
                @if let Some(pairs) = r.sent {
                    div class="govuk-form-group" {
                        div class="govuk-checkboxes govuk-checkboxes--small" {
                            div class="govuk-checkboxes__item" {
                                input class="govuk-checkboxes__input" id="allow_moves" name="allow_moves" type="checkbox" value="yes" aria-describedby="allow_moves-hint";
                                label class="govuk-label govuk-checkboxes__label" for="allow_moves" { "Allow sent pairs to move" }
                                div class="govuk-hint govuk-checkboxes__hint" id="allow_moves-hint" {
                                    "Only if the emails for the " (pairs) " pairs marked as sent have not gone out yet: pairs may then change where that gives a better matching (as few as can be). "
                                    "Otherwise leave this unticked: every sent pair still allowed is kept."
                                }
                            }
                        }
                    }
                }
                button type="submit" class="govuk-button" aria-describedby="rematch-note" { "Match again with these changes" }
            }
        },
    )
}

pub fn download(files: &[(String, usize)], template_names: &[&str], sent: Option<usize>) -> Markup {
    layout(
        "Download",
        Some(5),
        html! {
            h1 class="govuk-heading-l" { "6. Download" }
            @if files.is_empty() {
                p class="govuk-body" { "Match first: " a class="govuk-link" href="/match" { "go to Match" } "." }
            } @else {
                p class="govuk-body" { "These are the files " code { "mentorflow match" } " writes, byte for byte: the matches, a mailing list per role ready for GOV.UK Notify, the summary and the report. Keep " code { "history-next-time.csv" } " for next time and upload it as the earlier years' pairs: nobody is matched with the same person again, and the mentees left without a match or short this time can go first (the priority model)." }
                a href="/download/mentorflow-outputs.zip" class="govuk-button" role="button" id="zip" { "Download all as one ZIP" }
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--m" { "Or each file" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "File" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Size" }
                    } }
                    tbody class="govuk-table__body" {
                        @for (name, size) in files {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { a class="govuk-link" href=(format!("/files/{name}")) download=(name) { (name) } }
                                td class="govuk-table__cell govuk-table__cell--numeric" { (size_text(*size)) }
                            }
                        }
                    }
                }
                h2 class="govuk-heading-m" { "After sending the emails" }
                @match sent {
                    Some(pairs) => {
                        div class="govuk-inset-text" id="sent" {
                            (pairs) " pairs are marked as sent. From now on Match keeps every one still allowed and changes as little as it can: "
                            "upload the current registrations (without people who withdrew, with late registrations), check and match again. "
                            "The files are then those of " code { "mentorflow rematch" } ": " code { "changes.csv" } " and mailing lists for the people whose matches changed."
                        }
                    }
                    None => {
                        p class="govuk-body" { "Once the emails have gone out, mark these matches as sent: later changes (withdrawals, late registrations, pins and bans) then keep every sent pair that is still allowed, and only the people whose matches change get new emails." }
                    }
                }
                form method="post" action="/sent" {
                    button type="submit" class="govuk-button govuk-button--secondary" { "Mark these matches as sent" }
                }
                h2 class="govuk-heading-m" { "Example GOV.UK Notify templates" }
                p class="govuk-body" { "One per mailing list, subject and body, with the list's columns as ((placeholders)): copy each into a Notify template, then send the matching list through it." }
                ul class="govuk-list" id="templates" {
                    @for name in template_names {
                        li { a class="govuk-link" href=(format!("/templates/{name}")) download=(name) { (name) } }
                    }
                }
            }
        },
    )
}

fn size_text(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

/// The parameters a what-if can vary: value and label.
pub const PARAMETERS: [(&str, &str); 12] = [
    ("mentor-capacity", "Matches per mentor"),
    ("mentee-capacity", "Matches per mentee"),
    ("grade-gap-min", "Smallest grade gap"),
    ("grade-gap-max", "Largest grade gap"),
    ("same-organisation", "Same organisation allowed (0 off, 1 on)"),
    (
        "same-organisation-from",
        "Same organisation allowed from this many people",
    ),
    ("weight-profession", "Weight of the wanted profession"),
    ("weight-identity", "Weight of a shared identity"),
    ("weight-grade-gap-1", "Weight of a 1-grade gap"),
    ("weight-grade-gap-2", "Weight of a 2-grade gap"),
    ("extra-mentors", "Extra mentors recruited (at the grade below)"),
    ("drop-out", "Percent of mentors who drop out"),
];

pub fn whatif(ready: bool, shown: &WhatIfShown, error: Option<&str>) -> Markup {
    let row = |n: usize| {
        let (param, values) = shown.vary.get(n - 1).cloned().unwrap_or_default();
        html! {
            div class="govuk-form-group app-vary" {
                label class="govuk-label" for=(format!("parameter{n}")) { "Parameter " (n) @if n > 1 { " (optional)" } }
                select class="govuk-select" id=(format!("parameter{n}")) name=(format!("parameter{n}")) {
                    option value="" { "(none)" }
                    @for (value, label) in PARAMETERS {
                        option value=(value) selected[param == value] { (label) }
                    }
                }
                " "
                label class="govuk-label app-inline-label" for=(format!("values{n}")) { "Values" }
                input class="govuk-input govuk-input--width-10" id=(format!("values{n}")) name=(format!("values{n}")) type="text"
                    value=(values) aria-describedby="values-hint" autocomplete="off";
            }
        }
    };
    layout(
        "What if",
        Some(6),
        html! {
            @if let Some(e) = error { (error_summary(&[e.to_string()])) }
            h1 class="govuk-heading-l" { "7. What if" }
            @if !ready {
                p class="govuk-body" { "Upload registrations that pass the check first: " a class="govuk-link" href="/upload" { "go to Upload" } "." }
            } @else {
                p class="govuk-body" { "How would coverage change with more places, another grade window, or more mentors? Each scenario is matched in full; only counts are shown." }
                form method="post" action="/whatif" {
                    div class="govuk-hint" id="values-hint" { "Values: a list like 2,3,4, or a range like 1..5 (1 to 5), or 0..50/10 (0, 10, ..., 50)." }
                    (row(1))
                    (row(2))
                    div class="govuk-form-group" {
                        label class="govuk-label" for="extra_grade" { "Grade extra mentors are recruited at (for Extra mentors)" }
                        input class="govuk-input govuk-input--width-10" id="extra_grade" name="extra_grade" type="text" value=(shown.extra_grade) autocomplete="off";
                    }
                    div class="govuk-form-group" {
                        label class="govuk-label" for="repeat" { "Runs of each drop-out scenario" }
                        input class="govuk-input govuk-input--width-4" id="repeat" name="repeat" type="text" inputmode="numeric" value=(shown.repeat) autocomplete="off";
                    }
                    button type="submit" class="govuk-button" { "Run" }
                }
                @if let Some((heading, rows)) = shown.table.split_first() {
                    div class="app-scroll" role="region" aria-label="Coverage per scenario (scrolls sideways)" tabindex="0" {
                    table class="govuk-table app-whatif" id="whatif-table" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Coverage per scenario" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            @for h in heading { th scope="col" class="govuk-table__header" { (h.replace('_', " ")) } }
                        } }
                        tbody class="govuk-table__body" {
                            @for r in rows { tr class="govuk-table__row" { @for c in r { td class="govuk-table__cell" { (c) } } } }
                        }
                    }
                    }
                }
                @if shown.chart.is_some() {
                    img class="app-chart" src="/whatif/chart.svg" alt="Chart of coverage against the first parameter; the same figures are in the table above.";
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::choose::SolverKind;

    #[test]
    fn the_progress_page_reloads_itself_and_names_the_stage_running() {
        let started = [
            Progress::Chosen {
                solver: SolverKind::Flow,
                note: None,
            },
            Progress::Eligibility,
            Progress::Solve,
        ];
        let page = progress(&started, false, std::time::Duration::from_secs(3)).into_string();
        assert!(page.contains(r#"<meta http-equiv="refresh" content="1">"#), "{page}");
        assert!(!page.contains("<script"));
        let running = page.find("running").unwrap();
        assert!(page[..running].contains("Finding the best matching"));
        assert!(!page[..running].contains("Writing the files"));
        assert!(!page.contains("pin and ban"), "no prices without pins or bans");
        let priced = progress(&started, true, std::time::Duration::ZERO).into_string();
        assert!(priced.contains("what each pin and ban costs"));
    }
}
