//! End to end in headless Chromium (Debian's chromium and chromium-driver),
//! driven from the test over WebDriver: the organiser's whole way through the
//! web app on the sample. Skips, saying why, when the browser is not installed.
//! With MENTORFLOW_SCREENSHOTS=DIR it saves a screenshot of each step there
//! (the README's are made so).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::example;
use crate::common::webdriver::{unavailable, Browser};
use crate::web::{cli_outputs, zip_of};

struct Shots(Option<PathBuf>);

impl Shots {
    fn take(&self, browser: &Browser, name: &str, height: u32) {
        if let Some(dir) = &self.0 {
            browser.resize(1200, height);
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), browser.screenshot()).unwrap();
            browser.resize(1200, 1000);
        }
    }
}

#[test]
fn an_organiser_goes_through_every_step_in_a_browser() {
    if let Some(why) = unavailable() {
        println!("skipped: {why}");
        return;
    }
    let server = mentorflow::web::Server::bind(0).unwrap();
    let base = format!("http://127.0.0.1:{}", server.port());
    let running = server.spawn().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path());
    let shots = Shots(std::env::var_os("MENTORFLOW_SCREENSHOTS").map(PathBuf::from));

    // The address printed at start: the token becomes a cookie and leaves the address.
    browser.go(&running.url);
    browser.wait_for(&format!("{base}/upload"));

    // 1. Upload.
    browser.type_into("#mentors", &example("mentors.csv"));
    browser.type_into("#mentees", &example("mentees.csv"));
    shots.take(&browser, "1-upload", 1100);
    browser.click("form[action='/upload'] button");

    // 2. Check: the sample's warning, which does not stop matching.
    browser.wait_for(&format!("{base}/check"));
    let problems = browser.text(".app-problems");
    assert!(problems.contains("R018"), "{problems}");
    assert!(browser
        .text("main")
        .contains("Ready to match: 50 mentors and 50 mentees"));
    browser.click("a.govuk-button[href='/model']");

    // 3. Choose a model, after comparing three side by side.
    browser.wait_for(&format!("{base}/model"));
    assert!(browser.text("main").contains("as many mentees as possible get a match"));
    for i in 0..3 {
        browser.click(&format!("label[for='compare-{i}']"));
    }
    browser.click("form[action='/compare'] button");
    browser.wait_for_element(".app-compare");
    let compared = browser.text(".app-compare");
    assert!(
        compared.contains("mentees with at least 1") && compared.contains("quality"),
        "{compared}"
    );
    shots.take(&browser, "3-model", 2300);
    browser.click("label[for='model-0']");
    browser.click("form[action='/model'] button");

    // 4. Match: the same figures as `match`.
    browser.wait_for(&format!("{base}/match"));
    shots.take(&browser, "4-match", 600);
    let pressed = Instant::now();
    browser.click("form[action='/match'] button");
    browser.wait_for(&format!("{base}/result"));
    println!("Match to the result page: {:?}", pressed.elapsed());
    let cli = cli_outputs(None);
    let summary: serde_json::Value = serde_json::from_slice(&cli["summary.json"]).unwrap();
    for k in 0..=3 {
        assert_eq!(
            browser.text(&format!("#mentees-{k}")),
            summary["mentees"]["by_matches"][k.to_string()].to_string(),
            "mentees with {k}"
        );
        assert_eq!(
            browser.text(&format!("#mentors-{k}")),
            summary["mentors"]["by_matches"][k.to_string()].to_string(),
            "mentors with {k}"
        );
    }
    assert_eq!(browser.text("#pairs"), summary["pairs"].to_string());
    assert_eq!(browser.text("#total-score"), summary["total_score"].to_string());
    assert_eq!(browser.count("iframe.app-report"), 1);
    shots.take(&browser, "4-result", 1800);

    // 6. Download the ZIP: the CLI's files, byte for byte.
    browser.go(&format!("{base}/download"));
    shots.take(&browser, "6-download", 1500);
    browser.click("#zip");
    let zip_path = downloads.path().join("mentorflow-outputs.zip");
    let start = Instant::now();
    while !zip_path.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "the ZIP did not download");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let zipped = zip_of(&std::fs::read(&zip_path).unwrap());
    assert_eq!(zipped.keys().collect::<Vec<_>>(), cli.keys().collect::<Vec<_>>());
    for (name, bytes) in &cli {
        assert!(&zipped[name] == bytes, "{name} in the ZIP differs from the CLI's");
    }

    // 5. Review: find a person, read the explanation; keep a pin and a ban.
    browser.go(&format!("{base}/review"));
    browser.type_into("#q", "mentee.07");
    browser.click("form.app-search button");
    browser.wait_for_element("a[href='/review/mentee/7']");
    browser.click("a[href='/review/mentee/7']");
    browser.wait_for_element("#explanation");
    let explanation = browser.text("#explanation");
    let cli_explain = crate::common::cli("explain")
        .on_sample()
        .opt("--mentee", "mentee.07@gov.uk")
        .run();
    let cli_explain = String::from_utf8_lossy(&cli_explain.stdout).into_owned();
    assert_eq!(
        explanation.trim(),
        cli_explain.trim(),
        "the page explains as `explain` does"
    );
    browser.type_into("#mentee_email", "mentee.07@gov.uk");
    browser.type_into("#mentor_email", "mentor.01@gov.uk");
    browser.type_into("#note", "asked for this mentor");
    browser.click("form[action='/review/adjustments'] button");
    browser.wait_for_element("#adjustments");
    browser.click("#action option[value='ban']");
    browser.type_into("#mentee_email", "mentee.08@gov.uk");
    browser.type_into("#mentor_email", "mentor.02@gov.uk");
    browser.click("form[action='/review/adjustments'] button");
    browser.wait_for_element("#adjustments tbody tr:nth-child(2)");
    let kept = browser.text("#adjustments");
    assert!(
        kept.contains("pin") && kept.contains("ban") && kept.contains("mentor.02@gov.uk"),
        "{kept}"
    );
    // Re-match with them: each one's price is shown.
    browser.click("form[action='/match'] button");
    browser.wait_for(&format!("{base}/result"));
    let prices = browser.text("#prices");
    assert!(
        prices.contains("the pin on line 2") && prices.contains("the ban on line 3"),
        "{prices}"
    );

    // Mark the matches as sent; then a mentor withdraws and a mentee registers
    // late, and the re-match keeps every sent pair still allowed.
    browser.go(&format!("{base}/download"));
    browser.click("form[action='/sent'] button");
    browser.wait_for_element("#sent");
    browser.go(&format!("{base}/review"));
    browser.type_into("#withdraw_email", "mentor.05@gov.uk");
    browser.click("form[action='/review/withdraw'] button");
    browser.wait_for_element("#changes-made");
    browser.click("details:nth-of-type(1) summary");
    for (i, value) in crate::web::LATE_MENTEE.iter().enumerate() {
        if !value.is_empty() {
            browser.type_into(&format!("#late-mentee-{i}"), value);
        }
    }
    browser.click("form[action='/review/late'] button");
    browser.wait_for_element("#changes-made tbody tr:nth-child(2)");
    let changes = browser.text("#changes-made");
    assert!(
        changes.contains("mentor withdrew") && changes.contains("late.mentee@gov.uk"),
        "{changes}"
    );
    assert_eq!(
        browser.count("#allow_moves"),
        1,
        "moves are offered once the matches are sent"
    );
    // Found again by search: the late registration moved everyone's place in the list.
    browser.type_into("#q", "mentee.07");
    browser.click("form.app-search button");
    browser.wait_for_element("#found a");
    browser.click("#found a");
    browser.wait_for_element("#explanation");
    assert!(browser.text("main h2").contains("mentee.07@gov.uk"));
    shots.take(&browser, "5-review", 3000);
    browser.click("#rematch button");
    browser.wait_for(&format!("{base}/result"));
    let changed = browser.text("#changes");
    assert!(
        changed.contains("pairs kept") && changed.contains("removed"),
        "{changed}"
    );
    assert!(
        browser.text("#prices").contains("the pin on line 2"),
        "prices shown after a re-match"
    );

    // 7. What if: a range of mentor capacities, the table and the chart.
    browser.go(&format!("{base}/whatif"));
    browser.click("#parameter1 option[value='mentor-capacity']");
    browser.type_into("#values1", "1..4");
    browser.click("form[action='/whatif'] button");
    browser.wait_for_element("#whatif-table");
    let table = browser.text("#whatif-table");
    assert!(table.lines().count() >= 5, "{table}");
    assert_eq!(browser.count("img.app-chart"), 1);
    shots.take(&browser, "7-whatif", 1500);

    // 2. Check, again: two spellings of one organisation merged in one click.
    browser.click("form[action='/clear'] button");
    browser.wait_for(&format!("{base}/upload"));
    let typo = downloads.path().join("mentors.csv");
    let mentors = std::fs::read_to_string(example("mentors.csv")).unwrap();
    std::fs::write(&typo, mentors.replacen("Department of Joy,", "Dept of Joy,", 2)).unwrap();
    browser.type_into("#mentors", typo.to_str().unwrap());
    browser.type_into("#mentees", &example("mentees.csv"));
    browser.click("form[action='/upload'] button");
    browser.wait_for(&format!("{base}/check"));
    let suggested = browser.text("#suggestions");
    assert!(suggested.contains("Dept of Joy"), "{suggested}");
    shots.take(&browser, "2-check", 1400);
    browser.click("#suggestions button");
    browser.wait_for_element("#merged");
    assert_eq!(browser.count("#suggestions"), 0);
    assert_eq!(browser.count("a[href='/check/organisations.csv']"), 1);

    // 4. Match with progress, on a programme large enough to take a while.
    let big = mentorflow::registration::generate::generate(&mentorflow::registration::generate::GenerateSpec {
        mentees: 4000,
        mentors: 4000,
        seed: 1,
    });
    let (big_mentors, big_mentees) = (
        downloads.path().join("big-mentors.csv"),
        downloads.path().join("big-mentees.csv"),
    );
    std::fs::write(&big_mentors, big.mentors_csv).unwrap();
    std::fs::write(&big_mentees, big.mentees_csv).unwrap();
    browser.go(&format!("{base}/upload"));
    browser.type_into("#mentors", big_mentors.to_str().unwrap());
    browser.type_into("#mentees", big_mentees.to_str().unwrap());
    browser.click("form[action='/upload'] button");
    browser.wait_for(&format!("{base}/check"));
    browser.go(&format!("{base}/match"));
    browser.click("form[action='/match'] button");
    let start = Instant::now();
    while !browser.url().ends_with("/match/progress") && !browser.url().ends_with("/result") {
        assert!(start.elapsed() < Duration::from_secs(30), "still at {}", browser.url());
        std::thread::sleep(Duration::from_millis(25));
    }
    if browser.url().ends_with("/match/progress") {
        let stages = browser.text("#stages");
        assert!(
            stages.contains("Finding the best matching") && stages.contains("running"),
            "{stages}"
        );
        shots.take(&browser, "4-progress", 700);
    } else {
        // Not a failure: the match ended before the progress page's wait did.
        println!("the match ended within half a second: no progress page to see");
    }
    let start = Instant::now();
    while !browser.url().ends_with("/result") {
        assert!(start.elapsed() < Duration::from_secs(120), "still at {}", browser.url());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!browser.text("#mentees-at-least-1").is_empty());

    // No page logged a blocked request or a script error.
    let console = browser.console();
    assert!(console.is_empty(), "console: {console:?}");
    drop(browser);
    running.stop();
}
