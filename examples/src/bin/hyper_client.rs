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

const USAGE: &str = "usage: hyper_client [--http2] http://HOST:PORT/PATH
  --http2  speak HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1";

/// The parsed command line.
#[derive(Debug, PartialEq)]
struct Args {
    url: String,
    version: Version,
}

/// `Ok(None)`: `--help`.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut version = Version::Http1;
    let mut url = None;
    for arg in args {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--http2" => version = Version::Http2,
            _ if arg.starts_with('-') => return Err(format!("unknown argument `{arg}`")),
            _ if url.is_some() => return Err(format!("one URL only, got a second: {arg}")),
            _ => url = Some(arg),
        }
    }
    let url = url.ok_or("a URL is needed")?;
    Ok(Some(Args { url, version }))
}

fn main() -> ExitCode {
    let Args { url, version } = match parse(std::env::args().skip(1)) {
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
            // `get`'s errors never repeat the URL: it is named here, once.
            eprintln!("{url}: {error}");
            ExitCode::FAILURE
        }
    }
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
            parse_str("http://a/"),
            Ok(Some(Args {
                url: "http://a/".to_owned(),
                version: Version::Http1
            }))
        );
        assert_eq!(
            parse_str("--http2 http://a/"),
            Ok(Some(Args {
                url: "http://a/".to_owned(),
                version: Version::Http2
            }))
        );
        assert_eq!(parse_str("--help"), Ok(None));
        assert_eq!(parse_str("http://a/ -h"), Ok(None));
        assert_eq!(parse_str(""), Err("a URL is needed".to_owned()));
        assert_eq!(
            parse_str("--http3 http://a/"),
            Err("unknown argument `--http3`".to_owned())
        );
        assert!(parse_str("http://a/ http://b/")
            .unwrap_err()
            .contains("one URL only"));
    }
}
