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

use std::process::ExitCode;
use std::time::Duration;

use taskcell_examples::server::{bind, Server};

fn main() -> ExitCode {
    let port = match std::env::args().nth(1).as_deref().map(str::parse::<u16>) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(error)) => {
            eprintln!("usage: hyper_server [PORT]  (0 or nothing: any free port): {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = taskcell_executor::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (listener, addr) = match bind(port).await {
            Ok(bound) => bound,
            Err(error) => {
                eprintln!("cannot listen on 127.0.0.1:{port}: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("listening on http://{addr}");
        Server::new(Duration::from_secs(30)).serve(listener).await;
        ExitCode::SUCCESS
    })
}
