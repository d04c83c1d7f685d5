//! `http_load`: `hyper_server` on taskcell-executor against the same routes
//! on hyper + tokio (`hyper_server --tokio`), under one closed-loop
//! keep-alive load generator on plain threads (`taskcell_examples::load`).
//!
//! ```sh
//! cargo build --release -p taskcell-examples --bins
//! target/release/http_load --workers 2 --connections 64 --seconds 5 --rounds 5
//! ```
//!
//! Each server runs in its own process with the same worker count. The two
//! sides take turns, round after round (the order alternates), so a burst
//! of noise on the machine hits both alike; the table gives each side's
//! median over the rounds and the ratio ours / tokio (req/s: higher is
//! better; latency: lower is better). With `--pin`, servers run on the
//! first `workers` cores and the load generator on the rest (`taskset`,
//! needs `workers` < cores).
//!
//! Routes: `/hello` (a 38-byte body) and `/stream?n=64&size=16384` (1 MiB
//! from a `TaskCell` body with a `content-length`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use taskcell_examples::load::{self, Report};

const USAGE: &str =
    "usage: http_load [--workers N] [--connections C] [--seconds S] [--rounds R] [--pin]
  --workers N      server worker threads, both runtimes (default: one per core)
  --connections C  concurrent keep-alive connections (default 64)
  --seconds S      measured seconds per route, side and round (default 3)
  --rounds R       rounds; each side's figure is the median (default 3)
  --pin            servers on cores 0..N, the load generator on the others";

/// The routes measured: a name and a path.
const ROUTES: [(&str, &str); 2] = [("/hello", "/hello"), ("1 MiB", "/stream?n=64&size=16384")];

#[derive(Debug, PartialEq)]
struct Args {
    workers: usize,
    connections: usize,
    seconds: f64,
    rounds: usize,
    pin: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        workers: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        connections: 64,
        seconds: 3.0,
        rounds: 3,
        pin: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> Result<f64, String> {
            let value = args.next().ok_or(format!("{what} needs a number"))?;
            match value.parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
                _ => Err(format!("{what} needs a number above 0, got {value}")),
            }
        };
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--pin" => parsed.pin = true,
            "--workers" => parsed.workers = number("--workers")? as usize,
            "--connections" => parsed.connections = number("--connections")? as usize,
            "--seconds" => parsed.seconds = number("--seconds")?,
            "--rounds" => parsed.rounds = number("--rounds")? as usize,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if parsed.workers == 0 || parsed.connections == 0 || parsed.rounds == 0 {
        return Err("--workers, --connections and --rounds need whole numbers above 0".into());
    }
    Ok(Some(parsed))
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &PathBuf, tokio: bool, args: &Args) -> Result<Server, String> {
    let workers = args.workers.to_string();
    let mut server_args = vec!["--workers", workers.as_str()];
    if tokio {
        server_args.push("--tokio");
    }
    let mut command = if args.pin {
        let mut c = Command::new("taskset");
        c.arg("-c")
            .arg(format!("0-{}", args.workers - 1))
            .arg(binary);
        c
    } else {
        Command::new(binary)
    };
    let mut child = command
        .args(&server_args)
        .arg("0")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("unexpected first line from the server: {line:?}"))?;
    Ok(Server { child, addr })
}

/// The figures of a run, in the order of [`METRICS`].
const METRICS: [&str; 3] = ["req/s", "p50 µs", "p99 µs"];

fn metrics(report: &Report) -> [f64; 3] {
    [
        report.rate(),
        f64::from(report.quantile_us(0.5)),
        f64::from(report.quantile_us(0.99)),
    ]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
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
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if args.pin && args.workers >= cores {
        eprintln!("--pin needs --workers below the core count ({cores})");
        return ExitCode::from(2);
    }
    if args.pin {
        // This process (the load generator) takes the remaining cores.
        let spec = format!("{}-{}", args.workers, cores - 1);
        let pid = std::process::id().to_string();
        let pinned = Command::new("taskset")
            .args(["-a", "-p", "-c", &spec, &pid])
            .stdout(Stdio::null())
            .status();
        if !pinned.is_ok_and(|s| s.success()) {
            eprintln!("--pin: taskset failed (is util-linux installed?)");
            return ExitCode::FAILURE;
        }
    }
    let binary = std::env::current_exe()
        .expect("own path")
        .with_file_name(format!("hyper_server{}", std::env::consts::EXE_SUFFIX));
    let sides = [("taskcell-executor", false), ("tokio", true)];
    // [side][route] -> one report per round
    let mut results: Vec<Vec<Vec<Report>>> = vec![vec![Vec::new(); ROUTES.len()]; 2];
    let seconds = Duration::from_secs_f64(args.seconds);
    eprintln!(
        "http_load: {} workers per server, {} connections, {:?} per run, {} rounds{}",
        args.workers,
        args.connections,
        seconds,
        args.rounds,
        if args.pin { ", pinned" } else { "" }
    );
    for round in 0..args.rounds {
        for turn in 0..2 {
            let side = (round + turn) % 2;
            let (name, tokio) = sides[side];
            let server = match start(&binary, tokio, &args) {
                Ok(server) => server,
                Err(error) => {
                    eprintln!("{error}");
                    return ExitCode::FAILURE;
                }
            };
            for (route, (label, path)) in ROUTES.iter().enumerate() {
                let warmup = Duration::from_millis(500);
                match load::run(server.addr, path, args.connections, warmup, seconds) {
                    Ok(report) => {
                        eprintln!(
                            "  round {round} {name:<17} {label:<7} {:>10.0} req/s  p50 {:>6} µs  p99 {:>6} µs",
                            report.rate(),
                            report.quantile_us(0.5),
                            report.quantile_us(0.99)
                        );
                        results[side][route].push(report);
                    }
                    Err(error) => {
                        eprintln!("{name} {label}: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    println!(
        "| route | metric | taskcell-executor | tokio | ours / tokio |\n|---|---|---:|---:|---:|"
    );
    for (route, (label, _)) in ROUTES.iter().enumerate() {
        for (m, name) in METRICS.iter().enumerate() {
            let median_of =
                |side: usize| median(results[side][route].iter().map(|r| metrics(r)[m]).collect());
            let (ours, theirs) = (median_of(0), median_of(1));
            println!(
                "| {label} | {name} | {ours:.0} | {theirs:.0} | {:.2} |",
                ours / theirs
            );
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &str) -> Result<Option<Args>, String> {
        parse(args.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn arguments() {
        let args = parse_str("--workers 4 --connections 8 --seconds 0.5 --rounds 2 --pin")
            .unwrap()
            .unwrap();
        assert_eq!(
            args,
            Args {
                workers: 4,
                connections: 8,
                seconds: 0.5,
                rounds: 2,
                pin: true
            }
        );
        assert_eq!(parse_str("--help"), Ok(None));
        assert!(parse_str("--workers 0").unwrap_err().contains("above 0"));
        assert!(parse_str("--seconds x").unwrap_err().contains("got x"));
        assert!(parse_str("--bogus")
            .unwrap_err()
            .contains("unknown argument --bogus"));
    }
}
