//! The web app, driven in-process through its axum Router with tower's
//! `oneshot` (no network): every page on 1,000 + 1,000 generated
//! registrations, from pressing Match to the result page, and a re-match after
//! one pin. Run: `cargo bench --bench web`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use mentorflow::registration::generate::{generate, GenerateSpec};
use tower::ServiceExt;

const PORT: u16 = 8123;
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// The app and the cookie a browser holds after the first visit.
struct App {
    router: Router,
    runtime: tokio::runtime::Runtime,
    cookie: String,
}

/// An answer: status, where it redirects to, and its body's length.
struct Reply {
    status: StatusCode,
    location: Option<String>,
    bytes: usize,
}

impl App {
    fn new() -> App {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut app = App {
            router: mentorflow::web::router_for(PORT, TOKEN),
            runtime,
            cookie: String::new(),
        };
        let first = app.send(Request::get(format!("/?token={TOKEN}")).body(Body::empty()).unwrap());
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        app.cookie = format!("mentorflow_token={TOKEN}");
        app
    }

    fn send(&self, mut request: Request<Body>) -> Reply {
        let headers = request.headers_mut();
        headers.insert(header::HOST, format!("127.0.0.1:{PORT}").parse().unwrap());
        if !self.cookie.is_empty() {
            headers.insert(header::COOKIE, self.cookie.parse().unwrap());
            headers.insert(header::ORIGIN, format!("http://127.0.0.1:{PORT}").parse().unwrap());
        }
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|l| l.to_str().unwrap().to_string());
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            Reply {
                status,
                location,
                bytes: body.len(),
            }
        })
    }

    fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
    }

    fn post_form(&self, path: &str, form: &str) -> Reply {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .unwrap(),
        )
    }

    fn upload(&self, mentors: &str, mentees: &str) -> Reply {
        let boundary = "----mentorflow-bench";
        let mut body = String::new();
        for (field, text) in [("mentors", mentors), ("mentees", mentees)] {
            body += &format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{field}.csv\"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n"
            );
        }
        body += &format!("--{boundary}--\r\n");
        self.send(
            Request::post("/upload")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
    }

    /// Press Match and follow the progress page to the result page and the
    /// report it shows, as the browser does.
    fn match_to_result(&self, form: &str) {
        let pressed = self.post_form("/match", form);
        assert_eq!(pressed.location.as_deref(), Some("/match/progress"));
        loop {
            let progress = self.get("/match/progress");
            match progress.location.as_deref() {
                Some("/result") => break,
                None if progress.status == StatusCode::OK => continue,
                other => panic!("the match ended at {other:?} ({})", progress.status),
            }
        }
        assert_eq!(self.get("/result").status, StatusCode::OK);
        assert_eq!(self.get("/files/report.html").status, StatusCode::OK);
    }
}

fn web(c: &mut Criterion) {
    let n = 1000;
    let files = generate(&GenerateSpec {
        mentees: n,
        mentors: n,
        seed: 1,
    });
    let app = App::new();
    assert_eq!(
        app.upload(&files.mentors_csv, &files.mentees_csv).location.as_deref(),
        Some("/check")
    );
    app.match_to_result("");
    // The explanation's own solve, started after Match, finished before it is timed.
    assert_eq!(app.get("/review/mentee/0").status, StatusCode::OK);
    let email = files
        .mentees_csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .to_string();

    let mut group = c.benchmark_group(format!("web/{n}+{n}"));
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.bench_function("POST /upload (upload and check)", |b| {
        b.iter(|| app.upload(&files.mentors_csv, &files.mentees_csv))
    });
    // The upload forgot the matching: match again for the pages that show it.
    app.match_to_result("");
    let pages = [
        "/upload".to_string(),
        "/check".into(),
        "/model".into(),
        "/match".into(),
        "/result".into(),
        "/files/report.html".into(),
        "/review".into(),
        format!("/review?q={}", &email[..email.find('@').unwrap()]),
        "/review/mentee/0".into(),
        "/review/mentor/0".into(),
        "/download".into(),
        "/download/mentorflow-outputs.zip".into(),
        "/files/matches.csv".into(),
        "/whatif".into(),
    ];
    for path in &pages {
        assert_eq!(app.get(path).status, StatusCode::OK, "{path}");
        group.bench_function(format!("GET {path}"), |b| b.iter(|| app.get(path).bytes));
    }
    group.bench_function("Match to the result page", |b| b.iter(|| app.match_to_result("")));
    let pin = format!("action=pin&mentee_email={}&mentor_email=", email.replace('@', "%40"));
    let mentor = files
        .mentors_csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .replace('@', "%40");
    // Each iteration makes two real changes, each re-matched from the last
    // network (warm): a pin added, then taken away. Half its time is one re-match.
    group.bench_function(
        "two re-matches: after a pin, after removing it, to the result page",
        |b| {
            b.iter(|| {
                assert_eq!(
                    app.post_form("/review/adjustments", &format!("{pin}{mentor}"))
                        .location
                        .as_deref(),
                    Some("/review")
                );
                app.match_to_result("");
                app.post_form("/review/adjustments/remove", "row=0");
                app.match_to_result("")
            })
        },
    );
    assert_eq!(
        app.post_form("/review/adjustments", &format!("{pin}{mentor}"))
            .location
            .as_deref(),
        Some("/review")
    );
    // The matches sent are the ones made with the pin.
    app.match_to_result("");
    assert_eq!(app.post_form("/sent", "").location.as_deref(), Some("/download"));
    group.bench_function("re-match after the matches were sent, to the result page", |b| {
        b.iter(|| app.match_to_result(""))
    });
    group.finish();
}

criterion_group!(benches, web);
criterion_main!(benches);
