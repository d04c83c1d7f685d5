//! `hyper_client`: fetches a URL with hyper 1.x's client on
//! `taskcell-executor` and prints the status, the headers and the number of
//! body bytes.
//!
//! ```sh
//! cargo run --release -p taskcell-examples --bin hyper_client -- 'http://127.0.0.1:8080/stream?n=10&size=100'
//! ```
//!
//! Only `http://` URLs (no TLS). `--http2` speaks HTTP/2 with prior
//! knowledge (h2c), for servers that accept it; `hyper_server` answers
//! HTTP/1.1 only.

use std::io::Write;
use std::process::ExitCode;

use taskcell_examples::client::{get, Version};

fn main() -> ExitCode {
    let mut version = Version::Http1;
    let mut url = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--http2" => version = Version::Http2,
            _ if url.is_none() && !arg.starts_with('-') => url = Some(arg),
            _ => url = None,
        }
    }
    let Some(url) = url else {
        eprintln!("usage: hyper_client [--http2] http://HOST:PORT/PATH");
        return ExitCode::from(2);
    };
    let runtime = taskcell_executor::Runtime::new().expect("runtime");
    let mut bytes = 0u64;
    match runtime.block_on(get(&url, version, |chunk| bytes += chunk.len() as u64)) {
        Ok(response) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{:?} {}", response.version(), response.status());
            for (name, value) in response.headers() {
                let _ = writeln!(out, "{name}: {}", value.to_str().unwrap_or("<binary>"));
            }
            let _ = writeln!(out, "\n{bytes} body bytes");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{url}: {error}");
            ExitCode::FAILURE
        }
    }
}
