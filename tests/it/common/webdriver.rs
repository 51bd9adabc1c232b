//! Just enough of the WebDriver protocol to drive Debian's headless Chromium
//! through chromedriver, over the tests' own HTTP client: no browser download,
//! no extra crates.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::http::request;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Why browser tests cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
    [CHROMIUM, CHROMEDRIVER]
        .iter()
        .find(|p| !Path::new(p).exists())
        .map(|p| format!("{p} is not installed (Debian packages chromium and chromium-driver; .ci/run installs them)"))
}

/// A headless Chromium session; ends (and stops chromedriver) when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Start chromedriver and a headless Chromium with a fresh profile that
    /// downloads into `downloads` without asking.
    pub fn start(downloads: &Path) -> Browser {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1200,1000",
                    format!("--user-data-dir={}", profile.path().display())],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        let reply = browser.call("POST", "/session", Some(capabilities));
        browser.session = reply["sessionId"].as_str().expect("a session").to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let reply = request(
            self.port,
            method,
            path,
            &[("Content-Type", "application/json; charset=utf-8")],
            body.as_bytes(),
        );
        let value: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        assert!(
            reply.status == 200,
            "WebDriver {method} {path}: {} {}",
            reply.status,
            reply.text()
        );
        value["value"].clone()
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    pub fn go(&self, url: &str) {
        self.call("POST", &self.at("/url"), Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call("GET", &self.at("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Wait for the browser to arrive at a page (a click's navigation may
    /// still be under way); on timeout, fail with what the page says.
    pub fn wait_for(&self, url: &str) {
        let start = Instant::now();
        while self.url() != url {
            if start.elapsed() > Duration::from_secs(15) {
                panic!("still at {} instead of {url}: {}", self.url(), self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Wait for an element to appear (a form's answer may still be loading).
    pub fn wait_for_element(&self, css: &str) {
        let start = Instant::now();
        while self.count(css) == 0 {
            if start.elapsed() > Duration::from_secs(30) {
                panic!("no {css} at {}: {}", self.url(), self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn find(&self, css: &str) -> String {
        let value = self.call(
            "POST",
            &self.at("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        value[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    pub fn count(&self, css: &str) -> usize {
        let value = self.call(
            "POST",
            &self.at("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        );
        value.as_array().map_or(0, Vec::len)
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &self.at(&format!("/element/{id}/click")), Some(json!({})));
    }

    /// Type into a field, or give a file input a file's path.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &self.at(&format!("/element/{id}/value")),
            Some(json!({ "text": text })),
        );
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &self.at(&format!("/element/{id}/text")), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's source as the browser has it.
    pub fn source(&self) -> String {
        self.call("GET", &self.at("/source"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            &self.at("/window/rect"),
            Some(json!({"width": width, "height": height})),
        );
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let data = self.call("GET", &self.at("/screenshot"), None);
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("a base64 PNG")
    }

    /// The console's messages since the last call (CSP reports, script errors).
    pub fn console(&self) -> Vec<String> {
        let value = self.call("POST", &self.at("/se/log"), Some(json!({"type": "browser"})));
        value
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(self.port, "DELETE", &format!("/session/{}", self.session), &[], b"");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
