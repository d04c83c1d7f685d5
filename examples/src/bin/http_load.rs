//! `http_load`: `hyper_server` on taskcell-executor against the same
//! routes written as plain hyper + tokio code (`hyper_server --plain`,
//! `taskcell_examples::plain`), and against our own server code on hyper +
//! tokio (`hyper_server --tokio`: the runtime alone), under one event-driven
//! closed-loop keep-alive load generator (`taskcell_examples::load`).
//!
//! ```sh
//! cargo build --release -p taskcell-examples --bins
//! target/release/http_load --workers 2 --connections 64 --seconds 5 --rounds 5
//! ```
//!
//! Each server runs in its own process with the same worker count. The
//! sides take turns, round after round (the order rotates), so a burst of
//! noise on the machine hits all alike; the table gives each side's median
//! over the rounds and the ratios to ours (req/s: higher is better;
//! latency: lower is better).
//!
//! With 4 or more cores, the servers run on `min(workers, cores / 2)` of
//! them, with that many workers, and the generator on the others; with
//! fewer, they share the cores. The first line of the output says which.
//! A run in which a generator thread was over 90 % busy is marked
//! generator-bound: its rate may be the generator's limit.
//!
//! Routes: `/hello` (a 38-byte body) and `/stream?n=64&size=16384` (1 MiB
//! with a `content-length`; ours from a `TaskCell` body).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;
use taskcell_benches::default_workers;
use taskcell_examples::cli;
use taskcell_examples::load::{self, Load, Report};

/// The routes measured: a name and a path.
const ROUTES: [(&str, &str); 2] = [("/hello", "/hello"), ("1 MiB", "/stream?n=64&size=16384")];

/// hyper_server on taskcell-executor against the same routes as plain
/// hyper + tokio code (hyper_server --plain) and against our server code on
/// hyper + tokio (--tokio), under one closed-loop keep-alive load generator.
#[derive(Debug, PartialEq, Parser)]
#[command(name = "http_load", version, args_override_self = true)]
struct Args {
    /// Server worker threads, every side (default: one per core; at most half
    /// the cores when there are 4 or more, which the servers get).
    #[arg(
        long,
        value_name = "N",
        value_parser = cli::count,
        allow_negative_numbers = true,
        default_value_t = default_workers(),
        hide_default_value = true
    )]
    workers: usize,
    /// Concurrent keep-alive connections.
    #[arg(
        long,
        value_name = "C",
        value_parser = cli::count,
        allow_negative_numbers = true,
        default_value_t = 64
    )]
    connections: usize,
    /// Measured seconds per route, side and round.
    #[arg(
        long,
        value_name = "S",
        value_parser = seconds,
        allow_negative_numbers = true,
        default_value_t = 3.0
    )]
    seconds: f64,
    /// Rounds; each side's figure is the median.
    #[arg(
        long,
        value_name = "R",
        value_parser = cli::count,
        allow_negative_numbers = true,
        default_value_t = 3
    )]
    rounds: usize,
    /// Insist on disjoint cores for servers and generator (4 or more cores;
    /// with 4 or more they are split anyway).
    #[arg(long)]
    pin: bool,
    /// Only load the server already running at http://IP:PORT/PATH, a line
    /// per round (to set beside wrk's figures).
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    url: Option<(SocketAddr, String)>,
    /// Generator threads for --url.
    #[arg(
        long,
        value_name = "T",
        value_parser = cli::count,
        allow_negative_numbers = true,
        default_value_t = 1
    )]
    threads: usize,
}

/// `--seconds`: a number of seconds above 0 (and finite).
fn seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err("must be a number of seconds above 0".to_owned()),
    }
}

/// `http://HOST:PORT/PATH` (an IP address, as the generator connects
/// without resolving names).
fn parse_url(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "the URL must be http://IP:PORT/PATH".to_owned())?;
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let addr = host
        .parse()
        .map_err(|_| format!("the URL needs an IP address and port, got {host}"))?;
    Ok((addr, path.to_string()))
}

/// `--url`: each round loads the running server and prints its figures.
fn load_url(addr: SocketAddr, path: &str, args: &Args) -> ExitCode {
    let plan = Load {
        connections: args.connections,
        threads: args.threads,
        warmup: Duration::from_millis(500),
        duration: Duration::from_secs_f64(args.seconds),
    };
    for round in 0..args.rounds {
        match load::run(addr, path, &plan) {
            Ok(report) => println!(
                "round {round}: {:.0} req/s  p50 {} µs  p99 {} µs  generator {}{}",
                report.rate(),
                report.quantile_us(0.5),
                report.quantile_us(0.99),
                report
                    .generator_busy
                    .map_or("busy ?".to_string(), |b| format!("{:.0} % busy", b * 100.0)),
                if report.generator_bound() {
                    " (generator-bound)"
                } else {
                    ""
                },
            ),
            Err(error) => {
                eprintln!("{addr}{path}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
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

/// The sides compared: a name and `hyper_server`'s flag for it.
const SIDES: [(&str, Option<&str>); 3] = [
    ("taskcell-executor", None),
    ("plain hyper+tokio", Some("--plain")),
    ("our server on tokio", Some("--tokio")),
];

/// Starts `hyper_server` with `workers` workers (and `flag`), on `cores`
/// if given: the child inherits the binding.
fn start(
    binary: &PathBuf,
    flag: Option<&str>,
    workers: usize,
    cores: Option<&[usize]>,
) -> Result<Server, String> {
    let workers = workers.to_string();
    let mut command = Command::new(binary);
    command.args(["--workers", workers.as_str()]);
    command.args(flag);
    let spawned = load::pinned(cores, || command.arg("0").stdout(Stdio::piped()).spawn())
        .map_err(|e| format!("cannot bind the server to cores {cores:?}: {e}"))?;
    let mut child = spawned.map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
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
        report.quantile_us(0.5) as f64,
        report.quantile_us(0.99) as f64,
    ]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some((addr, path)) = &args.url {
        return load_url(*addr, path, &args);
    }
    let allowed = load::allowed_cores();
    let split = load::split_cores(&allowed, args.workers);
    if args.pin && split.server.is_none() {
        eprintln!(
            "--pin needs 4 or more cores, to give the servers and the generator their own; \
             this machine allows {}",
            allowed.len()
        );
        return ExitCode::from(2);
    }
    let binary = std::env::current_exe()
        .expect("own path")
        .with_file_name(format!("hyper_server{}", std::env::consts::EXE_SUFFIX));
    // [side][route] -> one report per round
    let mut results: Vec<Vec<Vec<Report>>> = vec![vec![Vec::new(); ROUTES.len()]; SIDES.len()];
    let seconds = Duration::from_secs_f64(args.seconds);
    let plan = Load {
        connections: args.connections,
        threads: split.threads,
        warmup: Duration::from_millis(500),
        duration: seconds,
    };
    eprintln!(
        "http_load: {} workers per server, {} connections, generator threads: {}, {:?} per run, \
         {} rounds; {}",
        split.workers, args.connections, split.threads, seconds, args.rounds, split.note
    );
    let mut bound = false;
    for round in 0..args.rounds {
        for turn in 0..SIDES.len() {
            let side = (round + turn) % SIDES.len();
            let (name, flag) = SIDES[side];
            let server = match start(&binary, flag, split.workers, split.server.as_deref()) {
                Ok(server) => server,
                Err(error) => {
                    eprintln!("{error}");
                    return ExitCode::FAILURE;
                }
            };
            for (route, (label, path)) in ROUTES.iter().enumerate() {
                let run = load::pinned(split.load.as_deref(), || {
                    load::run(server.addr, path, &plan)
                });
                match run.and_then(|run| run) {
                    Ok(report) => {
                        bound |= report.generator_bound();
                        eprintln!(
                            "  round {round} {name:<19} {label:<7} {:>10.0} req/s  p50 {:>6} µs  p99 {:>6} µs  generator {}{}",
                            report.rate(),
                            report.quantile_us(0.5),
                            report.quantile_us(0.99),
                            report
                                .generator_busy
                                .map_or("busy ?".to_string(), |b| format!("{:.0} % busy", b * 100.0)),
                            if report.generator_bound() { " (generator-bound)" } else { "" },
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
    println!("{}\n", split.note);
    println!(
        "| route | metric | {} | {} | ours / plain | {} | ours / that |\n|---|---|---:|---:|---:|---:|---:|",
        SIDES[0].0, SIDES[1].0, SIDES[2].0
    );
    for (route, (label, _)) in ROUTES.iter().enumerate() {
        for (m, name) in METRICS.iter().enumerate() {
            let median_of =
                |side: usize| median(results[side][route].iter().map(|r| metrics(r)[m]).collect());
            let (ours, plain, on_tokio) = (median_of(0), median_of(1), median_of(2));
            println!(
                "| {label} | {name} | {ours:.0} | {plain:.0} | {:.2} | {on_tokio:.0} | {:.2} |",
                ours / plain,
                ours / on_tokio
            );
        }
    }
    if bound {
        println!(
            "\ngenerator-bound: a generator thread was over {:.0} % busy in some run, so those \
             req/s may be the generator's limit, not the servers'",
            load::GENERATOR_BOUND * 100.0
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    fn parse_str(args: &str) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("http_load").chain(args.split_whitespace()))
    }

    #[test]
    fn arguments() {
        Args::command().debug_assert();
        let args = parse_str("--workers 4 --connections 8 --seconds 0.5 --rounds 2 --pin").unwrap();
        assert_eq!(
            args,
            Args {
                workers: 4,
                connections: 8,
                seconds: 0.5,
                rounds: 2,
                pin: true,
                url: None,
                threads: 1,
            }
        );
        assert_eq!(
            parse_str("").unwrap(),
            Args {
                workers: default_workers(),
                connections: 64,
                seconds: 3.0,
                rounds: 3,
                pin: false,
                url: None,
                threads: 1,
            }
        );
        let url = parse_str("--url http://127.0.0.1:8080/hello --threads 2").unwrap();
        assert_eq!(
            url.url,
            Some(("127.0.0.1:8080".parse().unwrap(), "/hello".to_string()))
        );
        assert_eq!(url.threads, 2);
        let bare = parse_str("--url http://[::1]:80").unwrap();
        assert_eq!(
            bare.url,
            Some(("[::1]:80".parse().unwrap(), "/".to_string()))
        );
        for (bad, message) in [
            ("--url localhost:80", "http://"),
            ("--url http://localhost:80/", "IP address"),
            ("--workers 0", "above 0"),
            ("--connections 0", "above 0"),
            ("--rounds -1", "above 0"),
            ("--threads 1.5", "above 0"),
            ("--seconds x", "'x'"),
            ("--seconds 0", "above 0"),
            ("--seconds -2", "above 0"),
            ("--seconds inf", "above 0"),
        ] {
            let error = parse_str(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
            assert!(error.to_string().contains(message), "{bad}: {error}");
        }
        assert_eq!(
            parse_str("--help").unwrap_err().kind(),
            ErrorKind::DisplayHelp
        );
        let bogus = parse_str("--bogus").unwrap_err();
        assert_eq!(bogus.kind(), ErrorKind::UnknownArgument);
        assert!(bogus.to_string().contains("unexpected argument '--bogus'"));
    }
}
