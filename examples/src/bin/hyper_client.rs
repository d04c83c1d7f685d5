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

use clap::Parser;
use taskcell_examples::client::{get, Version};

/// Fetches a URL with hyper 1.x's client on taskcell-executor and prints
/// the status, the headers and the number of body bytes.
#[derive(Debug, PartialEq, Parser)]
#[command(name = "hyper_client", version, args_override_self = true)]
struct Args {
    /// Speak HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1.
    #[arg(long)]
    http2: bool,
    /// The URL to fetch: http://HOST:PORT/PATH (plain HTTP, no TLS).
    #[arg(value_name = "URL")]
    url: String,
}

impl Args {
    /// The HTTP version that `--http2` picks.
    fn version(&self) -> Version {
        if self.http2 {
            Version::Http2
        } else {
            Version::Http1
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (url, version) = (&args.url, args.version());
    let runtime = taskcell_executor::Runtime::new().expect("runtime");
    let mut bytes = 0u64;
    match runtime.block_on(get(url, version, |chunk| bytes += chunk.len() as u64)) {
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
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    fn parse_str(args: &str) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("hyper_client").chain(args.split_whitespace()))
    }

    #[test]
    fn arguments() {
        Args::command().debug_assert();
        let plain = parse_str("http://a/").unwrap();
        assert_eq!(
            (plain.url.as_str(), plain.version()),
            ("http://a/", Version::Http1)
        );
        let h2 = parse_str("--http2 http://a/").unwrap();
        assert_eq!(
            (h2.url.as_str(), h2.version()),
            ("http://a/", Version::Http2)
        );
        let kind = |args: &str| parse_str(args).unwrap_err().kind();
        assert_eq!(kind("--help"), ErrorKind::DisplayHelp);
        assert_eq!(kind("http://a/ -h"), ErrorKind::DisplayHelp);
        assert_eq!(kind("--version"), ErrorKind::DisplayVersion);
        assert_eq!(kind(""), ErrorKind::MissingRequiredArgument);
        let http3 = parse_str("--http3 http://a/").unwrap_err();
        assert_eq!(http3.kind(), ErrorKind::UnknownArgument);
        assert!(http3.to_string().contains("unexpected argument '--http3'"));
        assert_eq!(kind("http://a/ http://b/"), ErrorKind::UnknownArgument);
    }
}
