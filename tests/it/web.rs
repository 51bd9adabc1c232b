//! The web app over HTTP, with the server started in this process on a free
//! port: the guard (token, Host, cross-site posts), clear pages for bad
//! uploads, nothing from another origin, and the same files as `match`.

use std::collections::BTreeMap;
use std::io::Read;

use crate::common::http::{multipart, request, Client};
use crate::common::{cli, example, mentorflow};
use mentorflow::registration::MAX_FILE_BYTES;

fn sample() -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(example("mentors.csv")).unwrap(),
        std::fs::read(example("mentees.csv")).unwrap(),
    )
}

fn upload_sample(client: &Client) {
    let (mentors, mentees) = sample();
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.text());
    assert_eq!(reply.header("location"), Some("/check"));
}

/// Every form's address.
const POSTS: [&str; 16] = [
    "/upload",
    "/model",
    "/compare",
    "/match",
    "/check/organisations",
    "/check/organisations/undo",
    "/review/adjustments",
    "/review/adjustments/remove",
    "/review/withdraw",
    "/review/late",
    "/review/late/upload",
    "/review/undo",
    "/whatif",
    "/sent",
    "/clear",
    "/nowhere",
];

/// Every page an organiser visits, after upload and match.
const PAGES: [&str; 12] = [
    "/upload",
    "/check",
    "/model",
    "/match",
    "/result",
    "/review",
    "/review?q=mentee.0",
    "/review/mentee/0",
    "/download",
    "/whatif",
    "/assets/govuk-frontend.min.css",
    "/assets/app.css",
];

#[test]
fn without_the_token_every_request_is_refused() {
    let (_server, client) = Client::start();
    for path in PAGES.iter().chain(&[
        "/",
        "/files/report.html",
        "/download/mentorflow-outputs.zip",
        "/match/progress",
        "/check/organisations.csv",
        "/review/registrations/mentors.csv",
    ]) {
        let reply = request(client.port, "GET", path, &[], b"");
        assert_eq!(reply.status, 403, "{path}");
        let wrong = request(
            client.port,
            "GET",
            &format!("{path}?token=0123456789abcdef0123456789abcdef"),
            &[],
            b"",
        );
        assert_eq!(wrong.status, 403, "{path} with a wrong token");
    }
    for path in POSTS {
        let post = request(client.port, "POST", path, &[], b"");
        assert_eq!(post.status, 403, "{path}");
    }
    let page = request(
        client.port,
        "GET",
        "/upload",
        &[("Cookie", "mentorflow_token=nope")],
        b"",
    );
    assert_eq!(page.status, 403);
    assert!(page.text().contains("with ?token= in it"), "the page says what to do");
    // With the cookie, the same page is served.
    assert_eq!(client.get("/upload").status, 200);
}

#[test]
fn the_printed_address_works_once() {
    let server = mentorflow::web::Server::bind(0).unwrap();
    let (port, token) = (server.port(), server.token().to_string());
    let _running = server.spawn().unwrap();
    let first = request(port, "GET", &format!("/upload?token={token}"), &[], b"");
    assert_eq!(first.status, 303);
    assert_eq!(
        first.header("location"),
        Some("/upload"),
        "the same page, without the token"
    );
    let cookie = first
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // Another browser (or the address from history) gets nothing.
    for path in ["/upload", "/", "/check"] {
        let again = request(port, "GET", &format!("{path}?token={token}"), &[], b"");
        assert_eq!(again.status, 403, "{path}");
        let text = again.text();
        assert!(
            text.contains("works only once") && text.contains("Use the browser that opened it"),
            "{text}"
        );
        assert!(!again.headers.iter().any(|(n, _)| n == "set-cookie"));
    }
    // The browser that opened it reopens the address: the page, without the token.
    let reopened = request(port, "GET", &format!("/?token={token}"), &[("Cookie", &cookie)], b"");
    assert_eq!(reopened.status, 303);
    assert_eq!(reopened.header("location"), Some("/"));
    assert_eq!(request(port, "GET", "/upload", &[("Cookie", &cookie)], b"").status, 200);
}

#[test]
fn a_foreign_host_is_refused() {
    let (_server, client) = Client::start();
    for host in [
        format!("evil.example:{}", client.port),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", client.port + 1),
        format!("localhost.evil.example:{}", client.port),
    ] {
        let reply = request(
            client.port,
            "GET",
            "/upload",
            &[("Host", &host), ("Cookie", &client.cookie)],
            b"",
        );
        assert_eq!(reply.status, 421, "{host}");
        assert!(reply.text().contains("only at 127.0.0.1 or localhost"));
    }
    let local = format!("localhost:{}", client.port);
    let reply = request(
        client.port,
        "GET",
        "/upload",
        &[("Host", &local), ("Cookie", &client.cookie)],
        b"",
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn cross_site_posts_are_refused() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    for (name, value) in [
        ("Origin", "http://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        for path in POSTS {
            let reply = request(
                client.port,
                "POST",
                path,
                &[
                    ("Cookie", &client.cookie),
                    (name, value),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                b"email=mentor.05%40gov.uk&merge=all&list=withdrawn&row=0",
            );
            assert_eq!(reply.status, 403, "{path}, {name}: {value}");
            assert!(reply.text().contains("sent from another site"), "{path}");
        }
    }
    // Still loaded: nothing was cleared.
    assert!(client.get("/check").text().contains("Ready to match"));
    assert_eq!(client.post_form("/clear", "").status, 303);
    assert!(client.get("/check").text().contains("Nothing is loaded yet"));
}

#[test]
fn every_response_has_the_strict_policy_and_nothing_from_another_origin() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    assert_eq!(
        client
            .post_form("/whatif", "parameter1=mentor-capacity&values1=1..3&repeat=1")
            .status,
        200
    );
    let mut paths: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    paths.extend(
        [
            "/files/report.html",
            "/files/matches.csv",
            "/whatif/chart.svg",
            "/nowhere",
        ]
        .map(String::from),
    );
    for path in &paths {
        let reply = client.get(path);
        assert!(reply.status == 200 || path == "/nowhere", "{path}: {}", reply.status);
        let csp = reply
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "{path}: no script allowed: {csp}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        let text = reply.text();
        assert!(!text.contains("<script"), "{path} has a script");
        // Any address in it is this server's, or an XML namespace's name (never fetched).
        for (at, _) in text.match_indices("://") {
            let after = &text[at + 3..];
            let fine = after.starts_with("127.0.0.1")
                || after.starts_with("www.w3.org/2000/svg")
                || after.starts_with("www.w3.org/1999/xlink")
                || !after.starts_with(|c: char| c.is_ascii_alphanumeric());
            assert!(
                fine,
                "{path} names another origin: {}",
                &text[at.saturating_sub(20)..(at + 60).min(text.len())]
            );
        }
    }
    assert_eq!(client.get("/nowhere").status, 404);
}

#[test]
fn an_oversize_upload_gets_the_clis_message() {
    let (_server, client) = Client::start();
    let (mentors, _) = sample();
    let mut big = mentors.clone();
    big.resize(MAX_FILE_BYTES + 1, b'a');
    let reply = client.upload(
        "/upload",
        &[("mentors", "mentors.csv", &mentors), ("mentees", "huge.csv", &big)],
    );
    assert_eq!(reply.status, 303);
    let check = client.get("/check").text();
    assert!(
        check.contains("R012") && check.contains("the file is larger than 64 MB"),
        "{check}"
    );
    assert!(check.contains("check this is the right file"));
    assert!(!check.contains("Continue: choose a model"));
    // The CLI says the same of the same file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    std::fs::write(&path, &big).unwrap();
    let cli = cli("validate").on(example("mentors.csv"), &path).run();
    assert!(
        String::from_utf8_lossy(&cli.stderr).contains("the file is larger than 64 MB")
            || String::from_utf8_lossy(&cli.stdout).contains("the file is larger than 64 MB")
    );
}

#[test]
fn malformed_uploads_get_a_clear_page() {
    let (_server, client) = Client::start();
    // Not a file upload at all.
    let reply = client.post_form("/upload", "mentors=x");
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains("The upload could not be read"),
        "{}",
        reply.text()
    );
    // A multipart body cut short.
    let (content_type, body) = multipart(&[("mentors", "mentors.csv", b"first name\n")]);
    let reply = client.post("/upload", &content_type, &body[..body.len() - 30]);
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("The upload could not be read"));
    // A body over the limit announced up front.
    let length = (mentorflow::web::MAX_BODY_BYTES + 1).to_string();
    let reply = request(
        client.port,
        "POST",
        "/upload",
        &[
            ("Cookie", &client.cookie),
            ("Content-Type", &content_type),
            ("Content-Length", &length),
        ],
        b"",
    );
    assert!(reply.status == 400 || reply.status == 413, "{}", reply.status);
    // Only one file chosen: the form again, saying which is missing.
    let (mentors, _) = sample();
    let reply = client.upload("/upload", &[("mentors", "mentors.csv", &mentors)]);
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("Choose the mentees"));
    // Not a spreadsheet: every problem on the Check page, and no way on.
    let junk: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect();
    let reply = client.upload(
        "/upload",
        &[("mentors", "mentors.csv", &junk), ("mentees", "mentees.csv", &junk)],
    );
    assert_eq!(reply.status, 303);
    let check = client.get("/check");
    assert_eq!(check.status, 200);
    assert!(check.text().contains("govuk-tag--red") && !check.text().contains("Continue: choose a model"));
    // A bad adjustments file is named.
    let (mentors, mentees) = sample();
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
            (
                "adjust",
                "adjust.csv",
                b"action,mentee email,mentor email\nmove,a@x,b@y\n",
            ),
        ],
    );
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("the action must be pin or ban"));
    // Nonsense in forms and addresses.
    assert_eq!(client.get("/review/mentee/999999").status, 303); // not matched yet
    let reply = client.post_form("/review/adjustments/remove", "row=abc");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("The form could not be read"));
    assert_eq!(
        client
            .post_form("/whatif", "parameter1=mentor-capacity&values1=5..1")
            .status,
        303
    );
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        files.insert(file.name().unwrap().to_string(), data);
    }
    files
}

/// The CLI's outputs for the sample, by file name.
pub fn cli_outputs(model: Option<&str>) -> BTreeMap<String, Vec<u8>> {
    cli_outputs_adjusted(model, None)
}

/// The same, with pins and bans: the adjustments file is given as
/// `adjust.csv` from its folder, the name the web app gives it.
pub fn cli_outputs_adjusted(model: Option<&str>, adjust: Option<&[u8]>) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "match".to_string(),
        "--mentors".into(),
        example("mentors.csv"),
        "--mentees".into(),
        example("mentees.csv"),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(model) = model {
        args.extend(["--model".to_string(), model.to_string()]);
    }
    if let Some(adjust) = adjust {
        std::fs::write(dir.path().join("adjust.csv"), adjust).unwrap();
        args.extend(["--adjust".to_string(), "adjust.csv".to_string()]);
    }
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mentorflow"))
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // The outputs; not the CLI's own note of what it wrote (a hidden file).
    std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub fn zip_of(files: &[u8]) -> BTreeMap<String, Vec<u8>> {
    unzip(files)
}

#[test]
fn the_zip_holds_the_clis_files_byte_for_byte() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    // Another shipped model, chosen on the page, gives what --model gives.
    let (content_type, body) = model_form("quality");
    assert_eq!(
        client.post("/model", &content_type, &body).header("location"),
        Some("/match")
    );
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let zip = client.get("/download/mentorflow-outputs.zip");
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    let web = unzip(&zip.body);
    let cli = cli_outputs(Some("quality"));
    assert_eq!(web.keys().collect::<Vec<_>>(), cli.keys().collect::<Vec<_>>());
    for (name, bytes) in &cli {
        assert!(&web[name] == bytes, "{name} differs from the CLI's");
        assert_eq!(&client.get(&format!("/files/{name}")).body, bytes, "{name} on its own");
    }
    // The example Notify templates, beside them.
    let page = client.get("/download").text();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/notify")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(page.contains(&format!("/templates/{name}")), "{name} offered");
        assert_eq!(
            client.get(&format!("/templates/{name}")).body,
            std::fs::read(entry.path()).unwrap()
        );
    }
}

fn model_form(name: &str) -> (String, Vec<u8>) {
    let boundary = "----mentorflow-model";
    let body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{name}\r\n--{boundary}--\r\n");
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

#[test]
fn two_tabs_at_once_are_safe() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    std::thread::scope(|scope| {
        for tab in 0..4 {
            let client = &client;
            scope.spawn(move || {
                for _ in 0..5 {
                    if tab % 2 == 0 {
                        upload_sample(client);
                    }
                    let reply = client.match_now("");
                    assert!(reply.status == 303, "{}", reply.status);
                    for path in ["/result", "/download", "/review?q=mentor", "/check"] {
                        let reply = client.get(path);
                        assert!(reply.status == 200 || reply.status == 303, "{path}: {}", reply.status);
                    }
                }
            });
        }
    });
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let summary = client.get("/files/summary.json");
    assert_eq!(summary.body, cli_outputs(None)["summary.json"]);
}

#[test]
fn compare_review_and_adjustments() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    let compare = client.post_form("/compare", "compare=civil-service&compare=coverage&compare=quality");
    assert_eq!(compare.status, 200);
    let text = compare.text();
    assert!(text.contains("mentees with at least 1") && text.contains("coverage") && text.contains("quality"));
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let found = client.get("/review?q=MENTEE.07").text();
    assert!(found.contains("/review/mentee/7"), "{found}");
    let explained = client.get("/review/mentee/7").text();
    let cli = cli("explain").on_sample().opt("--mentee", "mentee.07@gov.uk").run();
    let cli_text = String::from_utf8_lossy(&cli.stdout);
    let first_line = cli_text.lines().next().unwrap();
    assert!(explained.contains(first_line), "{first_line}");
    // A pin and a ban are kept, and come back as the adjustments file.
    assert_eq!(
        client
            .post_form(
                "/review/adjustments",
                "action=pin&mentee_email=mentee.07%40gov.uk&mentor_email=mentor.01%40gov.uk&note=asked"
            )
            .status,
        303
    );
    assert_eq!(
        client
            .post_form(
                "/review/adjustments",
                "action=ban&mentee_email=mentee.08%40gov.uk&mentor_email=mentor.02%40gov.uk&note="
            )
            .status,
        303
    );
    let bad = client.post_form(
        "/review/adjustments",
        "action=ban&mentee_email=nobody%40gov.uk&mentor_email=mentor.02%40gov.uk",
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("is not a registered mentee"));
    let file = client.get("/review/adjustments.csv").text();
    assert_eq!(file, "action,mentee email,mentor email,note\npin,mentee.07@gov.uk,mentor.01@gov.uk,asked\nban,mentee.08@gov.uk,mentor.02@gov.uk,\n");
    // Re-matched with them: what `match --adjust` writes, byte for byte, and each one's price.
    assert!(client.get("/check").text().contains("Ready to match"));
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let result = client.get("/result").text();
    assert!(
        result.contains("id=\"prices\"") && result.contains("the pin on line 2"),
        "{result}"
    );
    let web = unzip(&client.get("/download/mentorflow-outputs.zip").body);
    let by_cli = cli_outputs_adjusted(None, Some(file.as_bytes()));
    // Re-solved warm from the first match's network: as good as the CLI's, by
    // every level of the objective (among equally good matchings, maybe
    // another), and the checker accepts it with the pins and bans.
    assert_as_good_as(&web, &by_cli);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("adjust.csv"), &file).unwrap();
    std::fs::write(dir.path().join("matches.csv"), &web["matches.csv"]).unwrap();
    let check = crate::common::cli("check")
        .on_sample()
        .opt("--adjust", dir.path().join("adjust.csv"))
        .opt("--matches", dir.path().join("matches.csv"))
        .run();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    // Removing the pin checks again; the review page still shows the last prices.
    assert_eq!(client.post_form("/review/adjustments/remove", "row=0").status, 303);
    assert!(client
        .get("/review/adjustments.csv")
        .text()
        .starts_with("action,mentee email,mentor email,note\nban,"));
}

#[test]
fn after_marking_the_matches_sent_a_match_is_a_rematch() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    assert_eq!(client.post_form("/sent", "").status, 303);
    assert!(client.get("/download").text().contains("marked as sent"));
    let sent = client.get("/files/matches.csv").body;
    // A mentor withdraws: the current registrations no longer have them.
    let (mentors, mentees) = sample();
    let mentors: String = String::from_utf8(mentors)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("mentor.05@gov.uk"))
        .map(|l| format!("{l}\n"))
        .collect();
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", mentors.as_bytes()),
            ("mentees", "mentees.csv", &mentees),
        ],
    );
    assert_eq!(reply.status, 303);
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let result = client.get("/result").text();
    assert!(result.contains("id=\"changes\""), "{result}");
    let web = unzip(&client.get("/download/mentorflow-outputs.zip").body);
    assert!(web.contains_key("changes.csv"));
    // What `rematch --previous` writes from the same files, byte for byte.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mentors.csv"), &mentors).unwrap();
    std::fs::write(dir.path().join("matches.csv"), &sent).unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mentorflow"))
        .current_dir(dir.path())
        .args([
            "rematch",
            "--mentors",
            "mentors.csv",
            "--mentees",
            &example("mentees.csv"),
            "--previous",
            "matches.csv",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let cli: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    assert_eq!(web.keys().collect::<Vec<_>>(), cli.keys().collect::<Vec<_>>());
    for (name, bytes) in &cli {
        assert!(&web[name] == bytes, "{name} differs from rematch's");
    }
    // Clear all data forgets the sent matches too.
    assert_eq!(client.post_form("/clear", "").status, 303);
    assert!(!client.get("/download").text().contains("marked as sent"));
}

/// A form's value, encoded as a browser encodes it.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What `rematch --previous` writes from these files (named mentors.csv,
/// mentees.csv and matches.csv, as the web app names them).
/// The web app's outputs are as good as the CLI's: the same files, and the
/// same value at every level of the objective, in `summary.json`.
fn assert_as_good_as(web: &BTreeMap<String, Vec<u8>>, cli: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(web.keys().collect::<Vec<_>>(), cli.keys().collect::<Vec<_>>());
    let objective = |files: &BTreeMap<String, Vec<u8>>| {
        let summary: serde_json::Value = serde_json::from_slice(&files["summary.json"]).unwrap();
        summary["objective"].clone()
    };
    assert_eq!(objective(web), objective(cli));
    assert!(objective(web).as_array().is_some_and(|levels| !levels.is_empty()));
}

fn cli_rematch(mentors: &[u8], mentees: &[u8], previous: &[u8], allow_moves: bool) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("mentors.csv", mentors),
        ("mentees.csv", mentees),
        ("matches.csv", previous),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let mut args = vec![
        "rematch",
        "--mentors",
        "mentors.csv",
        "--mentees",
        "mentees.csv",
        "--previous",
        "matches.csv",
        "--out",
        "out",
    ];
    if allow_moves {
        args.push("--allow-moves");
    }
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mentorflow"))
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A late mentee, a field for each of the sample's mentees' columns.
pub const LATE_MENTEE: [&str; 11] = [
    "Late",
    "Registrant",
    "late.mentee@gov.uk",
    "no",
    "Analyst",
    "HEO",
    "Department of Truth",
    "Policy",
    "no",
    "",
    "I registered late.",
];

#[test]
fn withdrawals_and_late_registrations_re_match_keeping_the_sent_pairs() {
    let (_server, client) = Client::start();
    upload_sample(&client);
    client.match_now("");
    assert_eq!(client.post_form("/sent", "").status, 303);
    let sent = client.get("/files/matches.csv").body;
    // A mentor withdraws, from the page explaining them.
    let page = client.get("/review/mentor/5").text();
    assert!(
        page.contains("mentor.05@gov.uk") && page.contains("Withdraw this mentor"),
        "{page}"
    );
    let reply = client.post_form("/review/withdraw", "email=mentor.05%40gov.uk&role=mentor");
    assert_eq!(reply.status, 303, "{}", reply.text());
    assert_eq!(reply.header("location"), Some("/review"));
    // A late mentee, typed into the form: one field a column of their file.
    let review = client.get("/review").text();
    assert!(
        review.contains("Add a late mentee") && review.contains("allow_moves"),
        "{review}"
    );
    let form: Vec<String> = LATE_MENTEE
        .iter()
        .enumerate()
        .map(|(i, v)| format!("c{i}={}", enc(v)))
        .collect();
    let reply = client.post_form("/review/late", &format!("role=mentee&{}", form.join("&")));
    assert_eq!(reply.header("location"), Some("/review"), "{}", reply.text());
    let review = client.get("/review").text();
    assert!(
        review.contains("mentor withdrew") && review.contains("late.mentee@gov.uk"),
        "{review}"
    );
    // The registrations as now matched, to keep for next time.
    let mentors = client.get("/review/registrations/mentors.csv").body;
    let mentees = client.get("/review/registrations/mentees.csv").body;
    assert!(!String::from_utf8_lossy(&mentors).contains("mentor.05@gov.uk"));
    assert!(String::from_utf8_lossy(&mentees).contains("late.mentee@gov.uk,no,Analyst,HEO"));
    // Matched again: a re-match keeping every sent pair still allowed, as
    // `rematch` writes it from the same files, byte for byte.
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    let result = client.get("/result").text();
    assert!(
        result.contains("id=\"changes\"") && !result.contains("allowed to move"),
        "{result}"
    );
    let web = unzip(&client.get("/download/mentorflow-outputs.zip").body);
    let cli = cli_rematch(&mentors, &mentees, &sent, false);
    assert_eq!(web.keys().collect::<Vec<_>>(), cli.keys().collect::<Vec<_>>());
    for (name, bytes) in &cli {
        assert!(&web[name] == bytes, "{name} differs from rematch's");
    }
    let changes = String::from_utf8_lossy(&web["changes.csv"]).into_owned();
    assert!(changes.contains("the mentor withdrew"), "{changes}");
    // With moves allowed: as `rematch --allow-moves`.
    assert_eq!(client.match_now("allow_moves=yes").header("location"), Some("/result"));
    assert!(client.get("/result").text().contains("allowed to move"));
    let web = unzip(&client.get("/download/mentorflow-outputs.zip").body);
    let cli = cli_rematch(&mentors, &mentees, &sent, true);
    // Warm from the last re-match's network: as good by every level, the
    // fewest sent pairs changed included.
    assert_as_good_as(&web, &cli);
    // Undone: the mentor is back in their file.
    let reply = client.post_form("/review/undo", "list=withdrawn&row=0");
    assert_eq!(reply.header("location"), Some("/review"));
    let mentors = client.get("/review/registrations/mentors.csv").text();
    assert!(mentors.contains("mentor.05@gov.uk"));
    assert_eq!(client.post_form("/review/undo", "list=late&row=0").status, 303);
    assert_eq!(
        client.get("/review/registrations/mentors.csv").status,
        404,
        "no changes left"
    );
}

#[test]
fn review_changes_that_cannot_be_made_get_a_clear_page() {
    let (_server, client) = Client::start();
    let reply = client.post_form("/review/withdraw", "email=mentor.05%40gov.uk");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("Upload registrations that pass the check first"));
    upload_sample(&client);
    let reply = client.post_form("/review/withdraw", "email=nobody%40gov.uk");
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains("“nobody@gov.uk” is not registered"),
        "{}",
        reply.text()
    );
    let reply = client.post_form("/review/withdraw", "email=");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("Enter the email"));
    assert_eq!(client.post_form("/review/withdraw", "mail=x").status, 400);
    // Someone a pin names: the pin goes first.
    assert_eq!(
        client
            .post_form(
                "/review/adjustments",
                "action=pin&mentee_email=mentee.07%40gov.uk&mentor_email=mentor.01%40gov.uk"
            )
            .status,
        303
    );
    let reply = client.post_form("/review/withdraw", "email=mentee.07%40gov.uk");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("remove it first"), "{}", reply.text());
    // An empty late registration, or one without its side.
    let reply = client.post_form("/review/late", "role=mentee&c0=&c1=");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("Fill in the late mentee"));
    let reply = client.post_form("/review/late", "c0=Late");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("The form could not be read"));
    // Late rows with a column the file lacks: the check names it, and the way back.
    let (content_type, body) = {
        let boundary = "----mentorflow-late";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"role\"\r\n\r\nmentor\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"rows\"; filename=\"late.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        );
        body += "first name,email address,shoe size\nLate,late.mentor@gov.uk,9\n\r\n";
        body += &format!("--{boundary}--\r\n");
        (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
    };
    let reply = client.post("/review/late/upload", &content_type, &body);
    assert_eq!(reply.header("location"), Some("/check"), "{}", reply.text());
    let check = client.get("/check").text();
    assert!(
        check.contains("R022") && check.contains("the column &quot;shoe size&quot; is not in mentors.csv"),
        "{check}"
    );
    assert!(client.get("/review").text().contains("late.csv"));
    assert_eq!(
        client.post_form("/review/undo", "list=late&row=0").header("location"),
        Some("/review")
    );
    assert!(client.get("/check").text().contains("Ready to match"));
    // A late upload without its file; undoing what is not there.
    let (content_type, body) = multipart(&[("role", "", b"mentee")]);
    let reply = client.post("/review/late/upload", &content_type, &body);
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains("Choose the file of late mentees"),
        "{}",
        reply.text()
    );
    assert_eq!(
        client.post_form("/review/undo", "list=late&row=9").header("location"),
        Some("/review")
    );
    assert_eq!(
        client.post_form("/review/undo", "list=x&row=0").header("location"),
        Some("/review")
    );
    assert_eq!(client.post_form("/review/undo", "row=x").status, 400);
}

/// The sample's mentors with two of the Department of Joy's written with a typo.
fn mentors_with_a_typo() -> Vec<u8> {
    let (mentors, _) = sample();
    String::from_utf8(mentors)
        .unwrap()
        .replacen("Department of Joy,", "Dept of Joy,", 2)
        .into_bytes()
}

#[test]
fn organisation_spellings_merge_in_one_click_and_are_kept_as_a_file() {
    let (_server, client) = Client::start();
    let (_, mentees) = sample();
    let mentors = mentors_with_a_typo();
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
        ],
    );
    assert_eq!(reply.status, 303);
    let check = client.get("/check").text();
    assert!(
        check.contains("id=\"suggestions\"") && check.contains("Dept of Joy"),
        "{check}"
    );
    let reply = client.post_form("/check/organisations", "merge=0");
    assert_eq!(reply.header("location"), Some("/check"));
    let check = client.get("/check").text();
    assert!(
        check.contains("id=\"merged\"") && !check.contains("id=\"suggestions\""),
        "{check}"
    );
    // The file keeps them: what `validate --write-organisations` writes.
    let file = client.get("/check/organisations.csv").body;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mentors.csv"), &mentors).unwrap();
    let out = dir.path().join("organisations.csv");
    mentorflow([
        "validate",
        "--mentors",
        dir.path().join("mentors.csv").to_str().unwrap(),
        "--mentees",
        &example("mentees.csv"),
        "--write-organisations",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&file),
        String::from_utf8_lossy(&std::fs::read(&out).unwrap())
    );
    // Uploaded with next year's files, it merges them again.
    assert_eq!(client.post_form("/clear", "").status, 303);
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
            ("organisations", "organisations.csv", &file),
        ],
    );
    assert_eq!(reply.status, 303);
    let check = client.get("/check").text();
    assert!(
        check.contains("id=\"merged\"") && check.contains("Ready to match"),
        "{check}"
    );
    // Undone: suggested again.
    assert_eq!(client.post_form("/check/organisations/undo", "row=0").status, 303);
    assert!(client.get("/check").text().contains("id=\"suggestions\""));
    assert_eq!(client.post_form("/check/organisations", "merge=all").status, 303);
    assert!(client.get("/check").text().contains("id=\"merged\""));
    // Nonsense: a clear page, or nothing done.
    assert_eq!(
        client.post_form("/check/organisations", "merge=99").header("location"),
        Some("/check")
    );
    assert_eq!(
        client
            .post_form("/check/organisations/undo", "row=99")
            .header("location"),
        Some("/check")
    );
    assert_eq!(client.post_form("/check/organisations", "nothing=1").status, 400);
    // A file that is not an organisations file is named, on the upload page.
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
            ("organisations", "orgs.csv", b"spelling,counted as\nA,B\n"),
        ],
    );
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("orgs.csv"), "{}", reply.text());
}

#[test]
fn an_unrecognised_heading_is_offered_as_a_column_and_kept_in_a_model_file() {
    let (_server, client) = Client::start();
    let (mentors, mentees) = sample();
    // The mentors' email and the mentees' identity under headings the reader does not know.
    let rename = |bytes: &[u8], from: &str, to: &str| {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let (head, rest) = text.split_once('\n').unwrap();
        format!("{}\n{rest}", head.replace(from, to)).into_bytes()
    };
    // The model's `columns` is one for both files, as the registration form is.
    let mentors = rename(&mentors, "email address", "Work email");
    let mentees = rename(&mentees, "email address", "Work email");
    let mentees = rename(&mentees, "identity to match", "Which identity would you like to share");
    let reply = client.upload(
        "/upload",
        &[
            ("mentors", "mentors.csv", &mentors),
            ("mentees", "mentees.csv", &mentees),
        ],
    );
    assert_eq!(reply.status, 303);
    let check = client.get("/check").text();
    assert!(check.contains("R001") && check.contains("Columns not found"), "{check}");
    assert!(
        check.contains("<strong>email address</strong> in mentors.csv (needed)"),
        "{check}"
    );
    assert!(
        check.contains(r#"<option value="Which identity would you like to share" selected>"#),
        "the heading that looks like it is chosen: {check}"
    );
    for (column, heading) in [
        ("email address", "Work email"),
        ("identity to match", "Which identity would you like to share"),
    ] {
        let reply = client.post_form(
            "/check/columns",
            &format!("column={}&heading={}", enc(column), enc(heading)),
        );
        assert_eq!(reply.header("location"), Some("/check"));
    }
    let check = client.get("/check").text();
    assert!(
        check.contains("Ready to match") && check.contains("id=\"columns\"") && !check.contains("Columns not found"),
        "{check}"
    );
    // Kept as a model file: the shipped model with these columns, which reads
    // the same files without help.
    let model = client.get("/check/model.json");
    assert_eq!(model.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&model.body).unwrap();
    assert_eq!(json["columns"]["email address"], "Work email");
    assert_eq!(json["name"], "civil-service");
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("mentors.csv", &mentors),
        ("mentees.csv", &mentees),
        ("model.json", &model.body),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_mentorflow"))
        .current_dir(dir.path())
        .args([
            "validate",
            "--mentors",
            "mentors.csv",
            "--mentees",
            "mentees.csv",
            "--model",
            "model.json",
        ])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stdout));
    // Undone: offered again. Nonsense: a clear page.
    assert_eq!(client.post_form("/check/columns", "column=email+address").status, 303);
    assert!(client.get("/check").text().contains("Columns not found"));
    let reply = client.post_form("/check/columns", "column=shoe+size&heading=x");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("is not a column mentorflow reads"));
    assert_eq!(client.post_form("/check/columns", "heading=x").status, 400);
}

/// A shipped model's file with these constraints, as an organiser would
/// upload it.
fn shipped_with_constraints(name: &str, constraints: serde_json::Value) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("models/{name}.json"));
    let mut model: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    model["constraints"] = constraints;
    model.to_string()
}

/// Upload the registrations and a model file, match, and read the result page.
fn matched_with_model(client: &Client, mentors: &[u8], mentees: &[u8], model: &str) -> String {
    let reply = client.upload(
        "/upload",
        &[("mentors", "mentors.csv", mentors), ("mentees", "mentees.csv", mentees)],
    );
    assert_eq!(reply.status, 303, "{}", reply.text());
    let reply = client.upload("/model", &[("model_file", "model.json", model.as_bytes())]);
    assert!(reply.status == 303 || reply.status == 200, "{}", reply.text());
    assert_eq!(client.match_now("").header("location"), Some("/result"));
    client.get("/result").text()
}

/// A model whose fairness rule leaves mentees unmatched says so on the result page.
#[test]
fn the_result_page_says_what_the_fairness_rules_cost() {
    use crate::common::{mentees_csv, mentors_csv, Person};
    let person = |email: &str, grade: &str| Person {
        email: email.into(),
        grade: grade.into(),
        organisation: "Org B".into(),
        ..Person::default()
    };
    // The EO mentees have no eligible mentor, so a grade floor holds only with
    // nobody matched, while the HEO mentees could have one.
    let mentees = mentees_csv(&[person("h1@x.gov.uk", "HEO"), person("e1@x.gov.uk", "EO")]);
    let mentors = mentors_csv(&[Person {
        organisation: "Org C".into(),
        ..person("m1@x.gov.uk", "Grade 7")
    }]);
    let model = shipped_with_constraints(
        "coverage",
        serde_json::json!([{"type": "coverage-floor", "by": "grade", "percent": 90}]),
    );
    let (_server, client) = Client::start();
    let page = matched_with_model(&client, mentors.as_bytes(), mentees.as_bytes(), &model);
    assert!(page.contains("id=\"constraints-cost\""), "{page}");
    assert!(page.contains("nobody has a match"), "{page}");
}

/// A model with side constraints that the search cannot settle within the
/// app's time limit (scarce mentors, the total score, an organisation
/// floor): the result page says the matching is the best found, not proven
/// the best, with the gap.
#[test]
fn a_search_stopped_at_the_time_limit_is_marked_not_proven() {
    use mentorflow::registration::generate::{generate, GenerateSpec};
    let data = generate(&GenerateSpec {
        mentees: 600,
        mentors: 120,
        seed: 2,
    });
    let model = shipped_with_constraints(
        "quality",
        serde_json::json!([{"type": "coverage-floor", "by": "organisation", "percent": 80}]),
    );
    let server = mentorflow::web::Server::bind(0)
        .unwrap()
        .with_time_limit(std::time::Duration::from_millis(1));
    let (_server, client) = Client::start_server(server);
    let page = matched_with_model(
        &client,
        data.mentors_csv.as_bytes(),
        data.mentees_csv.as_bytes(),
        &model,
    );
    assert!(page.contains("id=\"not-proven\""), "{page}");
    assert!(page.contains("Not proven the best possible"), "{page}");
    assert!(page.contains("no matching reaches more than"), "{page}");

    // Compared with a shipped model, the comparison names the one stopped.
    let compare = client.post_form("/compare", "compare=uploaded&compare=coverage");
    assert_eq!(compare.status, 200, "{}", compare.text());
    let page = compare.text();
    let warning = page
        .split("id=\"not-proven\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{page}"));
    let listed = warning.split("</ul>").next().unwrap_or_default();
    assert!(listed.contains("<strong>quality</strong>: "), "{listed}");
    assert!(listed.contains("no matching reaches more than"), "{listed}");
    assert!(!listed.contains(">coverage<"), "the flow's model is proven: {listed}");
}
