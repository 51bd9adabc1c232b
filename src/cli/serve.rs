//! `mentorflow serve`: the web app for organisers, on this computer only.

use std::io::Write;

use clap::Args;

use mentorflow::web::{open_browser, Server};

use super::Failure;

#[derive(Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 to listen on; 0 (the default) takes any free port.
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// Print the address only; do not open the browser.
    #[arg(long)]
    no_open: bool,
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let server = Server::bind(args.port)
        .map_err(|e| Failure::System(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let url = server.url();
    println!("{url}");
    println!("mentorflow is running on this computer only. Open the address above in your browser; press Ctrl+C to stop (every uploaded file is forgotten).");
    let _ = std::io::stdout().flush();
    if !args.no_open {
        open_browser(&url);
    }
    server
        .run()
        .map_err(|e| Failure::System(format!("the web server stopped: {e}")))
}
