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

use taskcell_examples::server::{bind, Server};

const USAGE: &str = "usage: hyper_server [--workers N] [--plain | --tokio] [PORT]
  PORT         the port on 127.0.0.1 (0 or nothing: any free port)
  --workers N  worker threads (default: one per core)
  --plain      serve the routes as plain hyper + tokio code instead
  --tokio      serve this server's code on hyper + tokio instead";

/// The parsed command line.
#[derive(Debug, PartialEq)]
struct Args {
    port: u16,
    workers: Option<usize>,
    tokio: bool,
    plain: bool,
}

/// `Ok(None)`: `--help`.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: 0,
        workers: None,
        tokio: false,
        plain: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--tokio" => parsed.tokio = true,
            "--plain" => parsed.plain = true,
            "--workers" => {
                let n = args.next().ok_or("--workers needs a number")?;
                match n.parse::<usize>() {
                    Ok(n) if n > 0 => parsed.workers = Some(n),
                    _ => return Err(format!("--workers needs a whole number above 0, got {n}")),
                }
            }
            port => {
                parsed.port = port
                    .parse::<u32>()
                    .ok()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| format!("port must be 0–65535, got {port}"))?;
            }
        }
    }
    if parsed.tokio && parsed.plain {
        return Err("--plain and --tokio are two different servers: give one".into());
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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

    fn parse_str(args: &str) -> Result<Option<Args>, String> {
        parse(args.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse_str(""),
            Ok(Some(Args {
                port: 0,
                workers: None,
                tokio: false,
                plain: false,
            }))
        );
        assert_eq!(
            parse_str("--workers 4 --tokio 8080"),
            Ok(Some(Args {
                port: 8080,
                workers: Some(4),
                tokio: true,
                plain: false,
            }))
        );
        assert_eq!(
            parse_str("--plain"),
            Ok(Some(Args {
                port: 0,
                workers: None,
                tokio: false,
                plain: true,
            }))
        );
        assert!(parse_str("--plain --tokio")
            .unwrap_err()
            .contains("two different servers"));
        assert_eq!(parse_str("--help"), Ok(None));
        assert_eq!(
            parse_str("99999"),
            Err("port must be 0–65535, got 99999".to_owned())
        );
        assert!(parse_str("--workers 0").unwrap_err().contains("above 0"));
        assert!(parse_str("--workers")
            .unwrap_err()
            .contains("needs a number"));
    }
}
