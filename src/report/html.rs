//! `report.html`: one self-contained page for organisers. The summary, charts
//! drawn here as inline SVG (plotters' SVG backend), the bottlenecks, and every
//! under-matched mentee with the reason.
//!
//! The page makes no network requests (its content security policy forbids
//! them) and needs no JavaScript, so it works offline from a file. Every value
//! is HTML-escaped. Identity data never appears; counts by organisation under 5
//! show as "<5", and the organisation chart shows only organisations with at
//! least 5 mentees.

use std::collections::BTreeMap;
use std::fmt::Write;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::explain::{Bottleneck, UnderMatched};
use crate::matching::Matching;
use crate::model::{Grade, Model, Term};
use crate::registration::Programme;

use super::Summary;

use super::SMALL_COUNT;

/// Escape text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A count by organisation, "<5" when small.
pub fn small(count: usize) -> String {
    super::shown(count as u64)
}

const BLUE: RGBColor = RGBColor(0x1d, 0x70, 0xb8);
/// No matches, then 1, 2, 3 or more: grey, then blues darkening.
const BY_MATCHES: [RGBColor; 4] = [
    RGBColor(0xb1, 0xb4, 0xb6),
    RGBColor(0x9c, 0xc8, 0xec),
    RGBColor(0x4a, 0x93, 0xd4),
    RGBColor(0x12, 0x4a, 0x7e),
];
const FONT: &str = "sans-serif";

/// The whole page.
pub fn report_html(
    programme: &Programme,
    model: &Model,
    matching: &Matching,
    summary: &Summary,
    bottlenecks: &[Bottleneck],
    under_matched: &[UnderMatched],
) -> String {
    let mut page = String::new();
    // The date and the files, so a printed or saved report says what it is.
    let files: Vec<&str> = summary
        .files
        .iter()
        .map(|f| {
            std::path::Path::new(f)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(f)
        })
        .collect();
    let title = if files.is_empty() {
        format!("Matching report: {}, {}", summary.model, today())
    } else {
        format!("Matching report: {}, {} ({})", summary.model, today(), files.join(", "))
    };
    let _ = write!(
        page,
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{}</h1>
<p>For organisers only: this page names mentees who got fewer matches than the model's {}, mentors left out, and the people whose biography was withheld from the mailing lists with the term it mentions. It never shows an identity from the registrations' identity columns, and counts by organisation under {SMALL_COUNT} show as &lt;{SMALL_COUNT}.</p>
<nav><a href="#summary">Summary</a> <a href="#charts">Charts</a> <a href="#bottlenecks">Bottlenecks</a> <a href="#under-matched">Under-matched mentees</a> <a href="#unused-mentors">Mentors without mentees</a> <a href="#biographies">Withheld biographies</a></nav>
</header>
<main>
"##,
        escape(&title),
        escape(&title),
        model.capacity.mentee
    );
    summary_section(&mut page, model, summary);
    charts_section(&mut page, programme, model, matching);
    bottlenecks_section(&mut page, bottlenecks);
    under_matched_section(&mut page, programme, model, under_matched);
    unused_mentors_section(&mut page, programme, model, matching);
    changes_section(&mut page, summary);
    overrides_section(&mut page, summary);
    left_out_section(&mut page, summary);
    biographies_section(&mut page, summary);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

const STYLE: &str = "
body { font-family: sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #0b0c0c; line-height: 1.4; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 2px solid #1d70b8; padding-bottom: .2rem; margin-top: 2rem; }
nav a { margin-right: 1rem; color: #1d70b8; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #b1b4b6; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figcaption { font-weight: bold; margin-bottom: .3rem; }
svg { width: 100%; height: auto; }
.certificate { background: #f3f2f1; border-left: 5px solid #1d70b8; padding: .5rem 1rem; }
";

fn row(page: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        page,
        "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td></tr>",
        escape(label),
        escape(&value.to_string())
    );
}

fn term_words(term: &Term) -> String {
    match term {
        Term::MenteesWithAtLeast { matches: 1, weight: 1 } => "mentees with at least 1 match".into(),
        Term::MentorsWithAtLeast { matches: 1, weight: 1 } => "mentors with at least 1 mentee".into(),
        Term::PriorityMenteesWithAtLeast { matches: 1, weight: 1 } => {
            "priority mentees (unmatched or short last time) with at least 1 match".into()
        }
        other => other.label(),
    }
}

fn summary_section(page: &mut String, model: &Model, summary: &Summary) {
    page.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let _ = writeln!(
        page,
        "<p>Model <strong>{}</strong>: {}</p>",
        escape(&model.name),
        escape(&model.description)
    );
    page.push_str("<table>\n");
    let (e, m) = (&summary.mentees, &summary.mentors);
    row(page, "Mentees registered", e.registered);
    row(page, "Mentees with at least 1 match", e.at_least_1);
    row(page, "Mentees with at least 2 matches", e.at_least_2);
    row(page, "Mentees with at least 3 matches", e.at_least_3);
    row(page, "Mentors registered", m.registered);
    row(page, "Mentors with at least 1 mentee", m.at_least_1);
    row(page, "Pairs made", summary.pairs);
    row(page, "Eligible pairs", summary.eligible_pairs);
    row(page, "Total score", summary.total_score);
    row(
        page,
        "Shared identity: asked for, met",
        format!(
            "{} asked, {} met",
            summary.identity_requests.asked, summary.identity_requests.met
        ),
    );
    row(
        page,
        "Profession wanted: named, met",
        format!(
            "{} named, {} met",
            summary.profession_requests.asked, summary.profession_requests.met
        ),
    );
    if let Some(priority) = &summary.priority_mentees {
        row(
            page,
            "Priority mentees (unmatched or short last time)",
            &priority.registered,
        );
        row(page, "Priority mentees with at least 1 match", &priority.with_a_match);
        row(
            page,
            "Priority mentees with every match asked for",
            &priority.with_every_match_asked_for,
        );
    }
    page.push_str("</table>\n");
    if let Some(c) = &summary.certificate {
        let verdict = if c.reached() {
            "this matching reaches it: no matching gives more mentees a match.".to_string()
        } else if let Some(cost) = summary.constraints_cost() {
            format!("this matching gives {}: {cost}.", c.mentees_with_a_match)
        } else {
            format!(
                "this matching gives {}: the model's objective puts other aims first.",
                c.mentees_with_a_match
            )
        };
        let _ = writeln!(
            page,
            "<p class=\"certificate\" id=\"certificate\"><strong>Certificate.</strong> No matching could give more than {} mentees at least one match (worked out from everyone's grades, organisations and places, separately from the matching itself); {}</p>",
            c.most_mentees_with_a_match,
            escape(&verdict)
        );
    }
    page.push_str("<p>The objective, highest priority first:</p>\n<ol>\n");
    for value in &summary.objective {
        // Priority mentees are a small group: their counts show as the summary's do.
        let shown_value = match value.term {
            Term::PriorityMenteesWithAtLeast { weight: 1, .. } => crate::report::shown(value.value as u64),
            _ => value.value.to_string(),
        };
        let _ = writeln!(
            page,
            "<li>{}: {}</li>",
            escape(&term_words(&value.term)),
            escape(&shown_value)
        );
    }
    page.push_str("</ol>\n</section>\n");
}

/// People by number of matches, 0 to the most anyone holds.
fn histogram(counts: &[u32]) -> Vec<(String, u64)> {
    let most = counts.iter().copied().max().unwrap_or(0).max(3);
    let mut bars = vec![0u64; most as usize + 1];
    for &c in counts {
        bars[c as usize] += 1;
    }
    bars.into_iter().enumerate().map(|(k, n)| (k.to_string(), n)).collect()
}

fn charts_section(page: &mut String, programme: &Programme, model: &Model, matching: &Matching) {
    page.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    let mentee_counts = matching.mentee_counts(programme);
    let mentor_counts = matching.mentor_counts(programme);
    figure(
        page,
        "chart-mentee-matches",
        "Matches per mentee",
        &bar_chart(&histogram(&mentee_counts), "matches", "mentees"),
    );
    figure(
        page,
        "chart-mentor-matches",
        "Mentees per mentor",
        &bar_chart(&histogram(&mentor_counts), "mentees", "mentors"),
    );

    // Coverage by grade: mentees of each grade by how many matches they got.
    let mut by_grade: BTreeMap<Grade, [u64; 4]> = BTreeMap::new();
    for (mentee, &c) in programme.mentees.iter().zip(&mentee_counts) {
        by_grade.entry(mentee.person.grade).or_default()[c.min(3) as usize] += 1;
    }
    let grades: Vec<(String, [u64; 4])> = by_grade
        .iter()
        .map(|(&g, counts)| (model.ladder.name(g).to_string(), *counts))
        .collect();
    figure(
        page,
        "chart-grade-coverage",
        "Coverage by mentee grade",
        &stacked_chart(&grades),
    );
    page.push_str("<table>\n<tr><th>Grade</th><th class=\"n\">Mentees</th><th class=\"n\">No match</th><th class=\"n\">1</th><th class=\"n\">2</th><th class=\"n\">3 or more</th></tr>\n");
    for (name, counts) in &grades {
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            escape(name),
            counts.iter().sum::<u64>()
        );
        for n in counts {
            let _ = write!(page, "<td class=\"n\">{n}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");

    // Coverage by organisation: small counts hidden.
    let mut by_organisation = vec![(0usize, 0usize); programme.organisations.len()];
    for (mentee, &c) in programme.mentees.iter().zip(&mentee_counts) {
        let entry = &mut by_organisation[mentee.person.organisation.0 as usize];
        entry.0 += 1;
        entry.1 += (c > 0) as usize;
    }
    let mut organisations: Vec<(&str, usize, usize)> = programme
        .organisations
        .iter()
        .zip(&by_organisation)
        .filter(|(_, (registered, _))| *registered > 0)
        .map(|(name, &(registered, matched))| (name.as_str(), registered, matched))
        .collect();
    organisations.sort_by(|a, b| a.0.cmp(b.0));
    let mut bars: Vec<(String, f64)> = organisations
        .iter()
        .filter(|(_, registered, _)| *registered >= SMALL_COUNT as usize)
        .map(|&(name, registered, matched)| (name.to_string(), 100.0 * matched as f64 / registered as f64))
        .collect();
    let few: Vec<_> = organisations
        .iter()
        .filter(|(_, registered, _)| *registered < SMALL_COUNT as usize)
        .collect();
    if !few.is_empty() {
        let (registered, matched) = few.iter().fold((0, 0), |(r, m), (_, r2, m2)| (r + r2, m + m2));
        bars.push((
            format!("{} organisations with fewer than {SMALL_COUNT} mentees", few.len()),
            100.0 * matched as f64 / registered as f64,
        ));
    }
    figure(
        page,
        "chart-organisation-coverage",
        "Mentees with at least 1 match, by organisation (%)",
        &percent_chart(&bars),
    );
    page.push_str("<table>\n<tr><th>Organisation</th><th class=\"n\">Mentees</th><th class=\"n\">With a match</th><th class=\"n\">Without</th></tr>\n");
    for (name, registered, matched) in &organisations {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(name),
            escape(&small(*registered)),
            escape(&small(*matched)),
            escape(&small(registered - matched))
        );
    }
    page.push_str("</table>\n</section>\n");
}

fn figure(page: &mut String, id: &str, caption: &str, svg: &str) {
    let _ = writeln!(
        page,
        "<figure id=\"{}\"><figcaption>{}</figcaption>\n{}</figure>",
        escape(id),
        escape(caption),
        svg
    );
}

/// Category ids 0..n for a segmented axis, at least two: plotters cannot map a
/// one-value axis, so a lone category gets an empty neighbour.
fn categories(n: usize) -> Vec<u32> {
    (0..n.max(2) as u32).collect()
}

/// The left and right edges of category `i`'s segment.
fn edges(ids: &[u32], i: usize) -> (SegmentValue<&u32>, SegmentValue<&u32>) {
    (
        SegmentValue::Exact(&ids[i]),
        ids.get(i + 1).map_or(SegmentValue::Last, SegmentValue::Exact),
    )
}

/// Vertical bars, one per label.
fn bar_chart(bars: &[(String, u64)], x_desc: &str, y_desc: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string cannot fail");
        let top = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
        let ids = categories(bars.len());
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(ids.as_slice().into_segmented(), 0u64..top + top / 10 + 1)
            .expect("drawing to a string cannot fail");
        let label = |v: &SegmentValue<&u32>| match v {
            SegmentValue::CenterOf(i) => bars.get(**i as usize).map(|b| b.0.clone()).unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len())
            .x_label_formatter(&label)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 14))
            .draw()
            .expect("drawing to a string cannot fail");
        // Rectangles, not plotters' Histogram, whose output order varies run to run.
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let (left, right) = edges(&ids, i);
                let mut bar = Rectangle::new([(left, 0), (right, b.1)], BLUE.filled());
                bar.set_margin(0, 0, 8, 8);
                bar
            }))
            .expect("drawing to a string cannot fail");
        root.present().expect("drawing to a string cannot fail");
    }
    svg
}

/// Bars stacked by number of matches (0, 1, 2, 3 or more), one per label.
fn stacked_chart(bars: &[(String, [u64; 4])]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string cannot fail");
        let top = bars.iter().map(|b| b.1.iter().sum::<u64>()).max().unwrap_or(0).max(1);
        let ids = categories(bars.len());
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(ids.as_slice().into_segmented(), 0u64..top + top / 4 + 1)
            .expect("drawing to a string cannot fail");
        let label = |v: &SegmentValue<&u32>| match v {
            SegmentValue::CenterOf(i) => bars.get(**i as usize).map(|b| b.0.clone()).unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len().max(1))
            .x_label_formatter(&label)
            .x_desc("mentee grade")
            .y_desc("mentees")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 14))
            .draw()
            .expect("drawing to a string cannot fail");
        for (level, colour) in BY_MATCHES.iter().enumerate() {
            let rectangles = bars.iter().enumerate().map(|(i, (_, counts))| {
                let below: u64 = counts[..level].iter().sum();
                let (left, right) = edges(&ids, i);
                let mut bar = Rectangle::new([(left, below), (right, below + counts[level])], colour.filled());
                bar.set_margin(0, 0, 8, 8);
                bar
            });
            let name = match level {
                0 => "no match".to_string(),
                3 => "3 or more".to_string(),
                k => format!("{k} match{}", if k == 1 { "" } else { "es" }),
            };
            let colour = *colour;
            chart
                .draw_series(rectangles)
                .expect("drawing to a string cannot fail")
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .expect("drawing to a string cannot fail");
        root.present().expect("drawing to a string cannot fail");
    }
    svg
}

/// Horizontal bars of a percentage, one per label.
fn percent_chart(bars: &[(String, f64)]) -> String {
    let longest = bars.iter().map(|b| b.0.chars().count()).max().unwrap_or(0).min(48);
    let labels: Vec<String> = bars
        .iter()
        .map(|b| {
            if b.0.chars().count() > 48 {
                b.0.chars().take(47).collect::<String>() + "…"
            } else {
                b.0.clone()
            }
        })
        .collect();
    let height = 70 + 24 * bars.len().max(1) as u32;
    let ids = categories(bars.len());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string cannot fail");
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(20 + 7 * longest as u32)
            .build_cartesian_2d(0u32..100, ids.as_slice().into_segmented())
            .expect("drawing to a string cannot fail");
        let label = |v: &SegmentValue<&u32>| match v {
            SegmentValue::CenterOf(i) => labels
                .len()
                .checked_sub(1 + **i as usize)
                .and_then(|i| labels.get(i).cloned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(bars.len().max(1))
            .y_label_formatter(&label)
            .x_desc("% of the organisation's mentees with at least 1 match")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()
            .expect("drawing to a string cannot fail");
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                // The y axis counts up, so the first bar goes at the top.
                let (low, high) = edges(&ids, bars.len() - 1 - i);
                let mut bar = Rectangle::new([(0, low), (b.1.round() as u32, high)], BLUE.filled());
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .expect("drawing to a string cannot fail");
        root.present().expect("drawing to a string cannot fail");
    }
    svg
}

fn bottlenecks_section(page: &mut String, bottlenecks: &[Bottleneck]) {
    page.push_str("<section id=\"bottlenecks\">\n<h2>Bottlenecks</h2>\n");
    page.push_str("<p>Where mentees of one grade, or of one grade wanting one profession, ask for more matches than the mentors at the grades in their grade window offer places. Places near several grades count for each, so these are shortages no matching can avoid.</p>\n");
    if bottlenecks.is_empty() {
        page.push_str("<p>None: every group's mentors offer at least as many places as its mentees ask for.</p>\n");
    } else {
        page.push_str("<table>\n<tr><th>Mentees</th><th>Want</th><th class=\"n\">Matches wanted</th><th>Mentors at</th><th class=\"n\">Places</th><th class=\"n\">Matches made</th></tr>\n");
        for b in bottlenecks {
            let _ = writeln!(
                page,
                "<tr><td>{} {}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                b.mentees,
                escape(&b.mentee_grade),
                escape(b.profession.as_deref().unwrap_or("any profession")),
                b.matches_wanted,
                escape(&b.mentor_grades.join(", ")),
                b.places,
                b.matches_made
            );
        }
        page.push_str("</table>\n<ul>\n");
        for b in bottlenecks {
            let _ = writeln!(page, "<li>{}</li>", escape(&b.to_string()));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</section>\n");
}

fn under_matched_section(page: &mut String, programme: &Programme, model: &Model, under_matched: &[UnderMatched]) {
    page.push_str("<section id=\"under-matched\">\n<h2>Under-matched mentees</h2>\n");
    let _ = writeln!(
        page,
        "<p>{} mentees got fewer matches than the model's {} (or the number they gave in their own <code>max matches</code>). <code>mentorflow explain --mentee EMAIL</code> shows the full reasoning for any of them.</p>",
        under_matched.len(),
        model.capacity.mentee
    );
    if !under_matched.is_empty() {
        page.push_str("<table>\n<tr><th>Email</th><th>Grade</th><th>Organisation</th><th>Wants</th><th class=\"n\">Matches</th><th>Reason</th></tr>\n");
        let mut rows: Vec<&UnderMatched> = under_matched.iter().collect();
        rows.sort_by_key(|u| (u.matched, u.mentee));
        for u in rows {
            let person = &programme.mentees[u.mentee as usize].person;
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} of {}</td><td>{}</td></tr>",
                escape(&person.email),
                escape(model.ladder.name(person.grade)),
                escape(programme.organisation_name(person.organisation)),
                escape(&person.profession),
                u.matched,
                u.asked,
                escape(&u.reason.to_string())
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("</section>\n");
}

/// Mentors who offered places and got no mentee: organisers may want to tell
/// them, or ask them to mentor someone outside their grade window.
fn unused_mentors_section(page: &mut String, programme: &Programme, model: &Model, matching: &Matching) {
    let counts = matching.mentor_counts(programme);
    let unused: Vec<usize> = (0..programme.mentors.len())
        .filter(|&m| counts[m] == 0 && crate::rules::may_mentor(&programme.mentors[m].person, model))
        .collect();
    page.push_str("<section id=\"unused-mentors\">\n<h2>Mentors without mentees</h2>\n");
    let _ = writeln!(
        page,
        "<p>{} mentors offered places and got no mentee: no mentee who could have them was left without, or the model preferred others. <code>mentorflow explain --mentor EMAIL</code> says which for each.</p>",
        unused.len()
    );
    if !unused.is_empty() {
        page.push_str("<table>\n<tr><th>Email</th><th>Grade</th><th>Organisation</th><th>Profession</th><th class=\"n\">Places</th></tr>\n");
        for m in unused {
            let person = &programme.mentors[m].person;
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                escape(&person.email),
                escape(model.ladder.name(person.grade)),
                escape(programme.organisation_name(person.organisation)),
                escape(&person.profession),
                person.capacity
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("</section>\n");
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    civil_date(days)
}

/// A day counted from 1970-01-01 as YYYY-MM-DD.
fn civil_date(days: i64) -> String {
    // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// What a re-match changed, and why; nothing for a first match.
fn changes_section(page: &mut String, summary: &Summary) {
    let Some(changes) = &summary.changes else {
        return;
    };
    page.push_str("<section id=\"changes\">\n<h2>Changes since the previous matching</h2>\n");
    let _ = writeln!(page, "<p>{}.</p>", escape(&changes.words()));
    if !changes.removed_by_why.is_empty() {
        page.push_str("<table>\n<tr><th>Pairs removed because</th><th>Pairs</th></tr>\n");
        for (why, n) in &changes.removed_by_why {
            let _ = writeln!(page, "<tr><td>{}</td><td>{n}</td></tr>", escape(why));
        }
        page.push_str("</table>\n");
    }
    if !changes.not_registered.is_empty() {
        let _ = writeln!(
            page,
            "<p>Named in the previous matches but not registered now (treated as withdrawn): {}.</p>",
            escape(&changes.not_registered.join(", "))
        );
    }
    page.push_str("<p>Every pair added or removed, with why, is in <code>changes.csv</code>; the mailing lists name only the people whose matches changed.</p>\n</section>\n");
}

/// The organisers' pins and bans with what each costs; nothing without them.
fn overrides_section(page: &mut String, summary: &Summary) {
    if summary.overrides.is_empty() {
        return;
    }
    page.push_str("<section id=\"overrides\">\n<h2>Pins and bans</h2>\n");
    page.push_str("<p>Each of the organisers' pins and bans, and what it costs: how the objective would change without it, from solving the programme again without that row.</p>\n");
    page.push_str(
        "<table>\n<tr><th>Line</th><th>Action</th><th>Mentee</th><th>Mentor</th><th>Note</th><th>Price</th></tr>\n",
    );
    for price in &summary.overrides {
        let a = &price.adjustment;
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.line,
            a.action,
            escape(&a.mentee_email),
            escape(&a.mentor_email),
            escape(&a.note),
            escape(&price.words())
        );
    }
    page.push_str("</table>\n</section>\n");
}

fn left_out_section(page: &mut String, summary: &Summary) {
    if summary.mentors_left_out.is_empty() {
        return;
    }
    page.push_str("<section id=\"left-out\">\n<h2>Mentors left out: below the lowest grade that may mentor</h2>\n");
    let _ = writeln!(
        page,
        "<p>{} registered as mentors at a grade below the lowest that may mentor, so they were not matched as mentors. If they registered as mentees too, they were matched as mentees. Tell them, or correct the grade and run again.</p>",
        summary.mentors_left_out.len()
    );
    page.push_str("<table>\n<tr><th>Email</th><th>Name</th><th>Grade</th></tr>\n");
    for m in &summary.mentors_left_out {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.email),
            escape(&m.name),
            escape(&m.grade)
        );
    }
    page.push_str("</table>\n</section>\n");
}

fn biographies_section(page: &mut String, summary: &Summary) {
    let biographies = &summary.biographies;
    page.push_str("<section id=\"biographies\">\n<h2>Withheld biographies</h2>\n");
    let _ = writeln!(
        page,
        "<p>Biography policy <code>{}</code>: {} biographies mention an identity and were withheld whole from every mailing list; {} were released by the model. To send one as written, add the person's email to <code>biographies.release</code> in the model and run again.</p>",
        escape(biographies.policy),
        biographies.withheld.len(),
        biographies.released.len()
    );
    if !biographies.withheld.is_empty() {
        page.push_str("<table>\n<tr><th>Registered as</th><th>Email</th><th>Name</th><th>Mentions</th></tr>\n");
        for w in &biographies.withheld {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                w.role,
                escape(&w.email),
                escape(&w.name),
                escape(&w.found.to_string())
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_hides_small_counts() {
        assert_eq!(
            escape(r#"<a href="x">Org & 'Co'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Org &amp; &#39;Co&#39;&lt;/a&gt;"
        );
        assert_eq!(small(0), "<5");
        assert_eq!(small(4), "<5");
        assert_eq!(small(5), "5");
    }

    #[test]
    fn dates_are_civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_782), "2026-11-25");
    }

    #[test]
    fn charts_are_svg_with_their_labels() {
        let svg = bar_chart(&histogram(&[0, 1, 1, 3]), "matches", "mentees");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("<rect"));
        assert!(svg.contains("\nmatches\n</text>"), "{svg}");
        let svg = percent_chart(&[("A & B".into(), 50.0)]);
        assert!(svg.contains("A &amp; B"), "{svg}");
        let svg = stacked_chart(&[("HEO".into(), [1, 2, 3, 4])]);
        assert!(svg.contains("3 or more"));
    }
}
