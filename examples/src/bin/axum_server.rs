//! `axum_server`: an axum `Router` served on `taskcell-executor` by
//! `taskcell_executor::hyper::serve` (HTTP/1 and HTTP/2), with no tokio
//! runtime; or, with `--tokio`, the same router on `axum::serve` and tokio,
//! to compare.
//!
//! ```sh
//! cargo run --release -p taskcell-examples --bin axum_server -- 8080
//! curl 'http://127.0.0.1:8080/hello'
//! curl -d '[1, 2, 39]' -H 'content-type: application/json' 'http://127.0.0.1:8080/sum'
//! curl -s 'http://127.0.0.1:8080/stream?n=1000&size=1024' | wc -c        # 1024000
//! ```
//!
//! Routes: `GET /hello`, a greeting; `POST /sum`, a JSON list of numbers in
//! and `{"sum": N}` out; and, on our runtime, `GET /stream?n=N&size=S`, a
//! streaming body whose state lives in a `TaskCell` (`ChunkStream`, as in
//! `hyper_server`). It prints `listening on http://127.0.0.1:PORT`, and on
//! our runtime stops gracefully at Ctrl-C (`signal::ctrl_c`).
//!
//! `--workers N` sets the worker threads (default: one per core).

use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use taskcell::TaskCell;
use taskcell_examples::cli;
use taskcell_examples::server::{parse_query, ChunkStream, Server};

/// An axum Router served on taskcell-executor, with no tokio runtime; or,
/// with --tokio, the same router on axum::serve and tokio, to compare.
#[derive(Debug, PartialEq, Parser)]
#[command(name = "axum_server", version, args_override_self = true)]
struct Args {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(default_value_t = 0, value_parser = cli::port, allow_negative_numbers = true)]
    port: u16,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = cli::count, allow_negative_numbers = true)]
    workers: Option<usize>,
    /// Serve the router on axum::serve and tokio instead.
    #[arg(long)]
    tokio: bool,
}

/// The routes both runtimes serve.
fn common() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/hello",
            get(|| async { "Hello from axum on taskcell-executor!\n" }),
        )
        .route(
            "/sum",
            post(|Json(numbers): Json<Vec<i64>>| async move {
                Json(serde_json::json!({ "sum": numbers.iter().sum::<i64>() }))
            }),
        )
}

/// `GET /stream?n=N&size=S`: a body whose `Send`-but-not-`Sync` state goes
/// into axum's `Body` inside a `TaskCell`.
async fn stream(State(server): State<Arc<Server>>, uri: Uri) -> Response {
    match parse_query(uri.query().unwrap_or("")) {
        Ok((n, size)) => {
            let body = TaskCell::new_body(ChunkStream::new(n, size, server));
            Response::new(Body::new(body))
        }
        Err(problem) => (StatusCode::BAD_REQUEST, problem).into_response(),
    }
}

fn main() -> ExitCode {
    let Args {
        port,
        workers,
        tokio,
    } = Args::parse();
    let server = Arc::new(Server::default());
    let result = if tokio {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(n) = workers {
            builder.worker_threads(n);
        }
        let rt = builder.enable_all().build().expect("a tokio runtime");
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            println!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, common().with_state(server)).await
        })
    } else {
        let mut builder = taskcell_executor::Builder::new_multi_thread();
        if let Some(n) = workers {
            builder.worker_threads(n);
        }
        let rt = builder.enable_all().build().expect("a taskcell runtime");
        rt.block_on(async {
            let listener = taskcell_executor::net::TcpListener::bind(("127.0.0.1", port)).await?;
            println!("listening on http://{}", listener.local_addr()?);
            let app = common().route("/stream", get(stream)).with_state(server);
            taskcell_executor::hyper::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = taskcell_executor::signal::ctrl_c().await;
                })
                .await
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("axum_server: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    fn parse_str(args: &str) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("axum_server").chain(args.split_whitespace()))
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
            }
        );
        assert_eq!(
            parse_str("--workers 2 --tokio 8080").unwrap(),
            Args {
                port: 8080,
                workers: Some(2),
                tokio: true,
            }
        );
        let kind = |args: &str| parse_str(args).unwrap_err().kind();
        assert_eq!(kind("--help"), ErrorKind::DisplayHelp);
        assert_eq!(kind("--version"), ErrorKind::DisplayVersion);
        assert_eq!(kind("--workers 0"), ErrorKind::ValueValidation);
        assert_eq!(kind("--workers x"), ErrorKind::ValueValidation);
        assert_eq!(kind("--workers"), ErrorKind::InvalidValue);
        assert_eq!(kind("65536"), ErrorKind::ValueValidation);
        assert_eq!(kind("--fast"), ErrorKind::UnknownArgument);
    }
}
