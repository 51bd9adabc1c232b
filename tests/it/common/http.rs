//! A small HTTP/1.1 client over a plain socket, so tests can send what a
//! browser would not (another Host, no cookie, a broken upload) and read the
//! answer exactly.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;

/// An answer: status, headers (names in lower case) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request to 127.0.0.1:port; `Host` is 127.0.0.1:port unless given.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head += &format!("Host: 127.0.0.1:{port}\r\n");
    }
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += "\r\n";
    stream.write_all(head.as_bytes()).expect("sending the request");
    // The server may answer before reading the whole body (a refusal): that is fine.
    let _ = stream.write_all(body);
    // Read to the end of the body the headers announce: some servers
    // (chromedriver) keep the connection open after it.
    let mut raw = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|n| raw.len() >= end + 4 + n) {
                break;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// A multipart/form-data body of files: (field, file name, bytes). Returns the
/// content type and the body.
pub fn multipart(files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----mentorflow-test-boundary-7d1e";
    let mut body = Vec::new();
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A client that keeps the token's cookie, as a browser does after the first visit.
pub struct Client {
    pub port: u16,
    pub cookie: String,
}

impl Client {
    /// Start a server in this process on a free port and take its cookie.
    pub fn start() -> (mentorflow::web::Running, Client) {
        Client::start_server(mentorflow::web::Server::bind(0).expect("binding a free port"))
    }

    /// [`Client::start`] on a server set up by the test.
    pub fn start_server(server: mentorflow::web::Server) -> (mentorflow::web::Running, Client) {
        let (port, token) = (server.port(), server.token().to_string());
        let running = server.spawn().expect("starting the server");
        let first = request(port, "GET", &format!("/?token={token}"), &[], b"");
        assert_eq!(first.status, 303, "the token in the address is taken");
        let cookie = first.header("set-cookie").expect("a cookie").to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let cookie = cookie.split(';').next().unwrap().to_string();
        (running, Client { port, cookie })
    }

    pub fn get(&self, path: &str) -> Reply {
        request(self.port, "GET", path, &[("Cookie", &self.cookie)], b"")
    }

    /// A form post from this app's own page, as a browser sends it.
    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        let origin = format!("http://127.0.0.1:{}", self.port);
        request(
            self.port,
            "POST",
            path,
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", content_type),
                ("Origin", &origin),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            body,
        )
    }

    pub fn post_form(&self, path: &str, form: &str) -> Reply {
        self.post(path, "application/x-www-form-urlencoded", form.as_bytes())
    }

    /// Press Match (with the form's fields) and follow the progress page until
    /// the match has finished: the last answer (a redirect to /result, or the
    /// page saying why not).
    pub fn match_now(&self, form: &str) -> Reply {
        let pressed = self.post_form("/match", form);
        assert_eq!(pressed.status, 303, "{}", pressed.text());
        if pressed.header("location") != Some("/match/progress") {
            return pressed;
        }
        loop {
            // Each look waits up to half a second for the match to end.
            let reply = self.get("/match/progress");
            if reply.status != 200 {
                return reply;
            }
            assert!(reply.text().contains("Matching"), "{}", reply.text());
        }
    }

    pub fn upload(&self, path: &str, files: &[(&str, &str, &[u8])]) -> Reply {
        let (content_type, body) = multipart(files);
        self.post(path, &content_type, &body)
    }
}
