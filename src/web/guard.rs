//! What every request passes before any page: the Host header, the token, the
//! cross-site check for posts; and the headers every response carries.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::pages;
use super::state::App;

/// The cookie that carries the token after the first visit.
pub const COOKIE: &str = "mentorflow_token";

/// The policy of every page: nothing from elsewhere, no script at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; \
form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut response = check(&app, request, next).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn check(app: &App, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return refused(StatusCode::BAD_REQUEST, "This request names no host.");
    };
    if !app.hosts().iter().any(|h| h == host) {
        // Another name for this address: a page elsewhere trying to reach it (DNS rebinding).
        return refused(
            StatusCode::MISDIRECTED_REQUEST,
            "This server answers only at 127.0.0.1 or localhost on its own port. Open the address it printed when it started.",
        );
    }
    if !has_token_cookie(headers, &app.token) {
        // The first visit: the token in the address becomes a cookie, and leaves
        // the address; it opens nothing after that.
        let given = token_in(&request);
        let right = given.is_some_and(|t| same(t, &app.token));
        if right && request.method() == Method::GET && app.take_token() {
            let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.token);
            let mut response = (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, request.uri().path().to_string())],
            )
                .into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).expect("hex is a valid header"),
            );
            return response;
        }
        if right {
            return refused(
                StatusCode::FORBIDDEN,
                "This address has already been opened once, and works only once. Use the browser that opened it first, or stop mentorflow serve and start it again for a new address.",
            );
        }
        return refused(
            StatusCode::FORBIDDEN,
            "This page needs the address mentorflow printed when it started (the one with ?token= in it). Open that address, or start mentorflow serve again.",
        );
    }
    if request.method() == Method::GET && token_in(&request).is_some() {
        // The printed address opened again in the same browser: the page, without the token.
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, request.uri().path().to_string())],
        )
            .into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD && !same_origin(app, headers) {
        return refused(
            StatusCode::FORBIDDEN,
            "This form was sent from another site, so it was refused. Use the pages of this app.",
        );
    }
    next.run(request).await
}

fn token_in(request: &Request) -> Option<&str> {
    request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")))
}

fn refused(status: StatusCode, message: &str) -> Response {
    (status, axum::response::Html(pages::refused(message).into_string())).into_response()
}

fn has_token_cookie(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(COOKIE).and_then(|c| c.strip_prefix('=')))
        .any(|t| same(t, token))
}

/// A post from a page of this app: the browser says so (Sec-Fetch-Site), and
/// the Origin, when given, is this server.
fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| s != "same-origin" && s != "none") {
        return false;
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        // Sent by browsers whose referrer policy hides the origin; the browser's
        // own Sec-Fetch-Site then says whether the form was this app's.
        Some(Ok("null")) => site == Some("same-origin"),
        Some(Ok(origin)) => app.hosts().iter().any(|h| origin == format!("http://{h}")),
        Some(Err(_)) => false,
    }
}

/// Compare in time that does not depend on where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
