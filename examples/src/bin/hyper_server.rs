//! `hyper_server`: hyper 1.x on `taskcell-executor`, with no tokio runtime,
//! streaming bodies whose state lives in a `TaskCell`.
//!
//! ```sh
//! cargo run --release -p taskcell-examples --bin hyper_server -- 8080   # 0 or nothing: any free port
//! curl -i 'http://127.0.0.1:8080/hello'
//! curl -s 'http://127.0.0.1:8080/stream?n=100000&size=1024' | wc -c     # 102400000
//! ```
//!
//! It prints `listening on http://127.0.0.1:PORT` once it accepts
//! connections. `GET /stream?n=N&size=S` sends N chunks of S bytes with a
//! `content-length`; `GET /hello` a fixed greeting (see
//! `taskcell_examples::server`).
//!
//! `--workers N` sets the worker threads (default: one per core);
//! `--plain` serves the routes as a tokio user writes them, on plain hyper +
//! tokio (`taskcell_examples::plain`: no `bind`, no `TaskCell`), which is
//! what `http_load` compares against; `--tokio` serves this server's own
//! code on hyper + tokio, which separates what the runtime costs from what
//! the server code costs.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use taskcell_examples::cli;
use taskcell_examples::server::{bind, Server};

/// hyper 1.x on taskcell-executor, with no tokio runtime, streaming bodies
/// whose state lives in a TaskCell.
#[derive(Debug, PartialEq, Parser)]
#[command(name = "hyper_server", version, args_override_self = true)]
struct Args {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(default_value_t = 0, value_parser = cli::port, allow_negative_numbers = true)]
    port: u16,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = cli::count, allow_negative_numbers = true)]
    workers: Option<usize>,
    /// Serve the routes as plain hyper + tokio code instead.
    #[arg(long, conflicts_with = "tokio")]
    plain: bool,
    /// Serve this server's code on hyper + tokio instead.
    #[arg(long)]
    tokio: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let server = Server::new(Duration::from_secs(30));
    let port = args.port;
    let cannot_listen = |error: std::io::Error| {
        eprintln!("cannot listen on 127.0.0.1:{port}: {error}");
        ExitCode::FAILURE
    };
    if args.plain || args.tokio {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("tokio runtime");
        return runtime.block_on(async {
            let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(listener) => listener,
                Err(error) => return cannot_listen(error),
            };
            println!(
                "listening on http://{}",
                listener.local_addr().expect("bound")
            );
            if args.plain {
                taskcell_examples::plain::serve(listener, Duration::from_secs(30)).await;
            } else {
                server.serve_on_tokio(listener).await;
            }
            ExitCode::SUCCESS
        });
    }
    let runtime = taskcell_executor::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (listener, addr) = match bind(port).await {
            Ok(bound) => bound,
            Err(error) => return cannot_listen(error),
        };
        println!("listening on http://{addr}");
        server.serve(listener).await;
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    fn parse_str(args: &str) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("hyper_server").chain(args.split_whitespace()))
    }

    #[test]
    fn arguments() {
        Args::command().debug_assert();
        assert_eq!(
            parse_str("").unwrap(),
            Args {
                port: 0,
                workers: None,
                tokio: false,
                plain: false,
            }
        );
        assert_eq!(
            parse_str("--workers 4 --tokio 8080").unwrap(),
            Args {
                port: 8080,
                workers: Some(4),
                tokio: true,
                plain: false,
            }
        );
        assert_eq!(
            parse_str("--plain 65535").unwrap(),
            Args {
                port: 65535,
                workers: None,
                tokio: false,
                plain: true,
            }
        );
        let kind = |args: &str| parse_str(args).unwrap_err().kind();
        assert_eq!(kind("--plain --tokio"), ErrorKind::ArgumentConflict);
        assert_eq!(kind("--tokio --plain"), ErrorKind::ArgumentConflict);
        assert_eq!(kind("--help"), ErrorKind::DisplayHelp);
        assert_eq!(kind("-h"), ErrorKind::DisplayHelp);
        assert_eq!(kind("--version"), ErrorKind::DisplayVersion);
        for bad in ["99999", "-1", "http"] {
            let error = parse_str(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
            assert!(error.to_string().contains("0–65535"), "{error}");
        }
        for bad in ["0", "-1", "2.5", "x"] {
            let error = parse_str(&format!("--workers {bad}")).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
            assert!(error.to_string().contains("above 0"), "{error}");
        }
        assert_eq!(kind("--workers"), ErrorKind::InvalidValue);
        assert_eq!(kind("--fast"), ErrorKind::UnknownArgument);
    }
}
