//! `mentorflow serve`: the organisers' web app, on this computer only.
//!
//! One plain page a step (upload, check, choose a model, match, review,
//! download, what if), rendered on the server from compile-checked templates
//! ([`maud`]) with no script, styled by the GOV.UK Frontend's CSS (vendored in
//! `assets/`, without its font) and embedded in the binary. Every step calls
//! the library's [`crate::pipeline`] and [`crate::whatif`], so the files it
//! offers are the ones `match` writes, byte for byte.
//!
//! Safe by default: the server listens on 127.0.0.1 only; every request needs
//! the token printed at start, whose address works once (the first visit
//! exchanges it for an HttpOnly, SameSite=Strict cookie); a Host header other than this address is refused; form
//! posts from other sites are refused; registrations stay in memory and are
//! gone when the server stops or the organiser presses "Clear all data".

mod guard;
mod handlers;
mod pages;
mod state;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::registration::MAX_FILE_BYTES;
use state::App;

/// The largest request body: every upload at its largest, and the form around them.
pub const MAX_BODY_BYTES: usize = 5 * MAX_FILE_BYTES + 1024 * 1024;

/// How long one solve of a model with side constraints may run in the web
/// app (match, each model compared, each what-if run) before it stops with
/// the best matching found, which the pages then say is not proven the best.
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A server bound to its port on 127.0.0.1, not yet answering.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Listen on 127.0.0.1 at `port` (0: any free port), with a new token.
    pub fn bind(port: u16) -> io::Result<Server> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        let port = listener.local_addr()?.port();
        Ok(Server {
            listener,
            app: Arc::new(App::new(port, new_token())),
        })
    }

    /// Another time limit for solves of models with side constraints than
    /// [`TIME_LIMIT`] (for tests).
    pub fn with_time_limit(mut self, limit: std::time::Duration) -> Server {
        Arc::get_mut(&mut self.app)
            .expect("the app is not shared before the server runs")
            .time_limit = limit;
        self
    }

    /// The address to open, with the token: `http://127.0.0.1:PORT/?token=...`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.app.port, self.app.token)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.app.port
    }

    /// The token every request needs: in the cookie, or in the address for
    /// the first visit only.
    pub fn token(&self) -> &str {
        &self.app.token
    }

    /// Answer requests until the process ends.
    pub fn run(self) -> io::Result<()> {
        runtime()?.block_on(serve(self.listener, self.app, std::future::pending()))
    }

    /// Answer requests on a thread of its own until the returned handle is
    /// dropped or stopped (for tests and benchmarks).
    pub fn spawn(self) -> io::Result<Running> {
        let url = self.url();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = runtime()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(serve(self.listener, self.app, async {
                let _ = stopped.await;
            }))
        });
        Ok(Running {
            url,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A server answering on its own thread; stops when dropped.
pub struct Running {
    /// The address with the token, as `serve` prints it.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    /// Stop answering and wait for the server to finish.
    pub fn stop(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.finish();
    }
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
}

async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The app as a [`Router`], answering at 127.0.0.1:`port` to `token`, with
/// no socket: for benchmarks that drive it in-process (tower's `oneshot`).
pub fn router_for(port: u16, token: &str) -> Router {
    router(Arc::new(App::new(port, token.to_string())))
}

/// Every page and file, behind the guard.
fn router(app: Arc<App>) -> Router {
    use handlers::*;
    Router::new()
        .route("/", get(start))
        .route("/upload", get(upload_page).post(upload))
        .route("/check", get(check_page))
        .route("/check/organisations", post(merge_organisations))
        .route("/check/organisations/undo", post(unmerge_organisation))
        .route("/check/organisations.csv", get(organisations_csv))
        .route("/check/columns", post(map_column))
        .route("/check/model.json", get(model_json))
        .route("/model", get(model_page).post(choose_model))
        .route("/compare", post(compare))
        .route("/match", get(match_page).post(run_match))
        .route("/match/progress", get(match_progress))
        .route("/result", get(result_page))
        .route("/review", get(review_page))
        .route("/review/{role}/{index}", get(review_person))
        .route("/review/adjustments", post(add_adjustment))
        .route("/review/adjustments/remove", post(remove_adjustment))
        .route("/review/adjustments.csv", get(adjustments_csv))
        .route("/review/withdraw", post(withdraw))
        .route("/review/late", post(add_late))
        .route("/review/late/upload", post(upload_late))
        .route("/review/undo", post(undo_change))
        .route("/review/registrations/{name}", get(amended_file))
        .route("/download", get(download_page))
        .route("/download/mentorflow-outputs.zip", get(download_zip))
        .route("/files/{name}", get(output_file))
        .route("/templates/{name}", get(notify_template))
        .route("/whatif", get(whatif_page).post(run_whatif))
        .route("/whatif/chart.svg", get(whatif_chart))
        .route("/sent", post(mark_sent))
        .route("/clear", post(clear))
        .route("/assets/govuk-frontend.min.css", get(govuk_css))
        .route("/assets/app.css", get(app_css))
        .route("/assets/icon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard::guard))
        .with_state(app)
}

/// 128 random bits as hex, from the operating system's generator.
fn new_token() -> String {
    use rand::TryRngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random number generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Open the address in the default browser, quietly doing nothing when that fails.
pub fn open_browser(url: &str) {
    use std::process::{Command, Stdio};
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    let command = Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let _ = command.map(|mut child| std::thread::spawn(move || child.wait()));
}
