//! `showdown`: every benchmark group of `taskcell-benches`, ours against
//! theirs, in one short run.
//!
//! ```sh
//! cargo run --release -p taskcell-examples --bin showdown
//! cargo run --release -p taskcell-examples --bin showdown -- --json results.json --plot results.png
//! cargo run --release -p taskcell-examples --bin showdown -- --quick   # a smoke run
//! cargo run --release -p taskcell-examples --bin showdown -- --scale --plot scale.png
//! ```
//!
//! It runs the workloads of `taskcell_benches` — the same code as the
//! criterion benches — in a short version: the seven `rt` workloads
//! (`taskcell-executor` against tokio), `cell` (`TaskCell::with_mut` against
//! `RefCell` and the three `Mutex`es), `across_await` (`taskcell-executor`
//! with a `TaskCell` against tokio with each `Mutex`, tokio with
//! `taskcell::bind`, and `taskcell-executor` with a `std::sync::Mutex`),
//! `body` (a 64 MiB HTTP body through hyper over loopback, made `Sync` by a
//! `TaskCell` against a `Mutex` and a `SyncWrapper`, on both runtimes),
//! `http` (the routes of `hyper_server` on our runtime against the same
//! routes on hyper + tokio, under a closed-loop keep-alive load),
//! `timers` (100 000 sleeps set and fired; 100 000 timeouts set and
//! cancelled), `coop` (a ping-pong pair's p50 and p99 round trip while hog
//! tasks loop on an always-ready timer: the cooperative budget at work,
//! against tokio's) and `memory` (heap bytes per pending task). It
//! prints a line per workload to stderr as it goes, then a table to stdout.
//!
//! Every runtime, ours and tokio's, gets the same number of worker threads:
//! by default the machine's available parallelism (what `Runtime::new()`
//! uses), or `--workers N`. The first line and the JSON state it.
//!
//! Ours and theirs run interleaved: each round measures ours, then each of
//! theirs, and each figure is the median over the rounds. A round of an
//! `rt`, `across_await` or `timers` workload builds a fresh runtime, runs
//! one untimed warm-up iteration, then times iterations for a fixed budget
//! (at least one) and keeps the mean; so the runtimes never run at the same
//! time, and the background load of the `busy` workloads stops before the
//! other side starts. A round of `cell` times a loop of increments long
//! enough to fill its budget. A round of `memory` parks 100 000 tasks on a
//! fresh runtime and counts the heap's growth exactly: this program's global
//! allocator is `taskcell_benches::memory::CountingAlloc`, which counts only
//! while a measurement runs. `body` sets
//! each variant up once (runtime, server, kept-alive connection) and
//! interleaves single requests, 31 per variant, so that a burst of load on
//! the machine hits every variant alike.
//!
//! A round of `http` starts our server, then the rival (the order
//! alternating from round to round): the same routes written as plain
//! hyper and tokio code (`taskcell_examples::plain`), and loads `/hello` and a 1 MiB
//! streamed body (`/stream?n=64&size=16384`) in turn with 64 keep-alive
//! connections from `taskcell_examples::load`: an event-driven generator on
//! mio, no async runtime, so it favours neither server. Where the process
//! may use 4 cores or more, the servers get `min(workers, cores / 2)` cores
//! with that many workers and the generator the others
//! (`sched_setaffinity`); with fewer, they share the cores. The rows say
//! which, and mark a figure "generator-bound" when a generator thread was
//! over 90 % busy. Its rows are the time per request (the inverse of the
//! throughput, which the table also shows as req/s), the p50 and the p99
//! latency.
//!
//! The ratio is ours ÷ theirs: below 1.0, ours is faster (or, for `memory`,
//! smaller). These are short runs on whatever else the machine is doing:
//! for figures to quote, use `cargo bench -p taskcell-benches`.
//!
//! Options:
//!
//! - `--workers N` sets the worker threads of every runtime, ours and
//!   tokio's; a whole number above 0.
//! - `--scale` runs the `rt` and `across_await` groups at 1, 2, 4, …
//!   workers up to the core count (or `--workers N`), the top count
//!   included, and prints a table of the ratio per row and worker count;
//!   with `--plot`, it draws the ratio against the worker count, one line
//!   per row.
//! - `--json PATH` writes the machine and the rows as JSON:
//!   `{"machine": {"cpus": N, "workers": W, "cpu_model": "…"}, "results":
//!   [{"group", "workers", "workload", "ours", "ours_ns", "theirs",
//!   "theirs_ns", "ratio"}, …]}`. For `memory` rows, `ours_ns` and
//!   `theirs_ns` hold bytes per task; with `--scale`, each worker count has
//!   its rows, and `machine.workers` is the largest count.
//! - `--plot PATH` draws the ratios as a PNG bar chart, one bar per row, with
//!   a line at 1.0. It needs no system library: the text uses DejaVu Sans,
//!   bundled in `examples/assets/` (license next to it).
//! - `--quick` shortens every budget, for a smoke run.
//! - `--only GROUP` (repeatable) runs only the named groups.

use std::error::Error;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use taskcell_benches::{
    across_await, body, cell, coop, default_workers, median, memory, parse_workers, rt,
    set_workers, timers, workers, Routine,
};
use taskcell_examples::load::{self, Load};

/// Counts the heap exactly for `memory`; counts nothing otherwise.
#[global_allocator]
static ALLOC: memory::CountingAlloc = memory::CountingAlloc;
use serde::Serialize;
use taskcell_examples::server::{bind, Server};

/// How long each part runs.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Rounds per side; each figure is the median over them.
    rounds: usize,
    /// Timed part of one round of an `rt` workload.
    rt_round: Duration,
    /// Timed part of one round of an `across_await` variant.
    across_await_round: Duration,
    /// Least timed loop of one round of a `cell` variant.
    cell_round: Duration,
    /// Requests per `body` variant, interleaved one by one.
    body_requests: usize,
    /// Rounds per runtime of `memory`.
    memory_rounds: usize,
    /// Rounds per runtime of `coop`.
    coop_rounds: usize,
    /// Rounds per side of `http`, the sides taking turns.
    http_rounds: usize,
    /// Unmeasured load on each route before its measured window.
    http_warmup: Duration,
    /// The measured window per route, side and round of `http`.
    http_window: Duration,
}

impl Budget {
    /// The default run: about 80 s at 2 workers on 2 cores.
    const FULL: Budget = Budget {
        rounds: 9,
        rt_round: Duration::from_millis(150),
        across_await_round: Duration::from_millis(150),
        cell_round: Duration::from_millis(40),
        body_requests: 31,
        memory_rounds: 5,
        coop_rounds: 5,
        http_rounds: 3,
        http_warmup: Duration::from_millis(300),
        http_window: Duration::from_millis(1500),
    };

    /// `--quick`: about 20 s at 2 workers on 2 cores.
    const QUICK: Budget = Budget {
        rounds: 5,
        rt_round: Duration::from_millis(40),
        across_await_round: Duration::from_millis(40),
        cell_round: Duration::from_millis(15),
        body_requests: 7,
        memory_rounds: 3,
        coop_rounds: 1,
        http_rounds: 2,
        http_warmup: Duration::from_millis(100),
        http_window: Duration::from_millis(400),
    };
}

/// What a row's figures measure.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    /// Nanoseconds per iteration (or per operation, for `cell`).
    Nanos,
    /// Bytes per task.
    Bytes,
    /// Nanoseconds per request of a server under a closed-loop load: the
    /// inverse of its throughput.
    PerRequest,
}

/// One comparison: ours against one of theirs.
#[derive(Debug, Clone)]
struct Row {
    group: &'static str,
    workload: String,
    ours: String,
    ours_value: f64,
    theirs: String,
    theirs_value: f64,
    unit: Unit,
}

impl Row {
    /// Ours ÷ theirs.
    fn ratio(&self) -> f64 {
        self.ours_value / self.theirs_value
    }

    /// A short name for the row, for the progress lines and the plot.
    fn label(&self) -> String {
        match self.group {
            "rt" => format!("rt/{}", self.workload),
            "coop" | "timers" => format!("{}/{}", self.group, self.workload),
            "http" => format!("http {}", self.workload),
            "memory" => "memory/bytes per task".to_string(),
            group => format!("{group} vs {}", self.theirs),
        }
    }
}

/// Formats a figure: a duration from nanoseconds, or bytes.
fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => format!("{value:.0} B"),
        Unit::PerRequest => format!("{} ({:.0} req/s)", show(value, Unit::Nanos), 1e9 / value),
        Unit::Nanos if value < 1e3 => format!("{value:.2} ns"),
        Unit::Nanos if value < 1e6 => format!("{:.1} µs", value / 1e3),
        Unit::Nanos if value < 1e9 => format!("{:.2} ms", value / 1e6),
        Unit::Nanos => format!("{:.2} s", value / 1e9),
    }
}

/// One round of a routine: builds it, runs one untimed warm-up iteration,
/// then iterations until `budget` has passed (at least one), and returns the
/// mean time per iteration in nanoseconds. The routine, and its runtime, are
/// dropped before returning.
fn routine_round(setup: fn() -> Routine, budget: Duration) -> f64 {
    let mut routine = setup();
    routine();
    let start = Instant::now();
    let mut iters = 0u32;
    loop {
        routine();
        iters += 1;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return elapsed.as_nanos() as f64 / f64::from(iters);
        }
    }
}

/// Runs `rounds` rounds, each measuring `ours` and then every one of
/// `theirs` through `measure`, and returns the medians: ours, then theirs in
/// order.
fn interleaved<T: Copy>(
    rounds: usize,
    ours: T,
    theirs: &[T],
    mut measure: impl FnMut(T) -> f64,
) -> (f64, Vec<f64>) {
    let mut ours_samples = Vec::with_capacity(rounds);
    let mut theirs_samples = vec![Vec::with_capacity(rounds); theirs.len()];
    for _ in 0..rounds {
        ours_samples.push(measure(ours));
        for (samples, &theirs) in theirs_samples.iter_mut().zip(theirs) {
            samples.push(measure(theirs));
        }
    }
    let median = |samples: &mut Vec<f64>| median(samples).unwrap_or(f64::NAN);
    (
        median(&mut ours_samples),
        theirs_samples.iter_mut().map(median).collect(),
    )
}

/// Runs every group, printing a line per workload to stderr, and returns
/// the rows.
fn run(budget: &Budget, wanted: &dyn Fn(&str) -> bool) -> Vec<Row> {
    let start = Instant::now();
    let mut rows = Vec::new();
    let mut progress = |new: &[Row]| {
        let mut line = format!("[{:5.1} s] ", start.elapsed().as_secs_f64());
        for (i, row) in new.iter().enumerate() {
            if i == 0 {
                let _ = write!(
                    line,
                    "{}/{}: {} {}",
                    row.group,
                    row.workload,
                    row.ours,
                    show(row.ours_value, row.unit)
                );
            }
            let _ = write!(
                line,
                "; {} {} ({:.2})",
                row.theirs,
                show(row.theirs_value, row.unit),
                row.ratio()
            );
        }
        eprintln!("{line}");
        rows.extend_from_slice(new);
    };

    for workload in rt::WORKLOADS.iter().filter(|_| wanted("rt")) {
        let (ours, theirs) = interleaved(
            budget.rounds,
            workload.taskcell,
            &[workload.tokio],
            |setup| routine_round(setup, budget.rt_round),
        );
        progress(&[Row {
            group: "rt",
            workload: workload.name.to_string(),
            ours: "taskcell-executor".to_string(),
            ours_value: ours,
            theirs: "tokio".to_string(),
            theirs_value: theirs[0],
            unit: Unit::Nanos,
        }]);
    }

    if wanted("cell") {
        let (ours, theirs) =
            interleaved(budget.rounds, cell::TASK_CELL, &cell::OTHERS, |variant| {
                cell::per_op(variant, budget.cell_round)
            });
        let cell_rows: Vec<Row> = cell::OTHERS
            .iter()
            .zip(theirs)
            .map(|(variant, theirs)| Row {
                group: "cell",
                workload: "*n += 1".to_string(),
                ours: cell::TASK_CELL.name.to_string(),
                ours_value: ours,
                theirs: variant.name.to_string(),
                theirs_value: theirs,
                unit: Unit::Nanos,
            })
            .collect();
        progress(&cell_rows);
    }

    if wanted("across_await") {
        let (ours, theirs) = interleaved(
            budget.rounds,
            across_await::OURS.setup,
            &across_await::THEIRS.map(|variant| variant.setup),
            |setup| routine_round(setup, budget.across_await_round),
        );
        let across_rows: Vec<Row> = across_await::THEIRS
            .iter()
            .zip(theirs)
            .map(|(variant, theirs)| Row {
                group: "across_await",
                workload: format!(
                    "{} tasks x {} steps",
                    across_await::TASKS,
                    across_await::STEPS
                ),
                ours: across_await::OURS.name.to_string(),
                ours_value: ours,
                theirs: variant.name.to_string(),
                theirs_value: theirs,
                unit: Unit::Nanos,
            })
            .collect();
        progress(&across_rows);
    }

    if wanted("body") {
        // Every variant is set up once (runtime, server, kept-alive
        // connection); then single requests are interleaved, so that a burst of
        // load on the machine hits all variants alike.
        let mut ours_routine = (body::OURS.setup)();
        let mut theirs_routines: Vec<Routine> = body::THEIRS.iter().map(|v| (v.setup)()).collect();
        let time_one = |routine: &mut Routine| {
            let start = Instant::now();
            routine();
            start.elapsed().as_nanos() as f64
        };
        time_one(&mut ours_routine); // warm-up
        for routine in &mut theirs_routines {
            time_one(routine);
        }
        let (ours, theirs) = interleaved(
            budget.body_requests,
            usize::MAX,
            &(0..body::THEIRS.len()).collect::<Vec<_>>(),
            |which| match which {
                usize::MAX => time_one(&mut ours_routine),
                i => time_one(&mut theirs_routines[i]),
            },
        );
        drop((ours_routine, theirs_routines));
        let body_rows: Vec<Row> = body::THEIRS
            .iter()
            .zip(theirs)
            .map(|(variant, theirs)| Row {
                group: "body",
                workload: format!(
                    "{} MiB in {} KiB chunks",
                    body::TOTAL >> 20,
                    body::CHUNK >> 10
                ),
                ours: body::OURS.name.to_string(),
                ours_value: ours,
                theirs: variant.name.to_string(),
                theirs_value: theirs,
                unit: Unit::Nanos,
            })
            .collect();
        progress(&body_rows);
    }

    if wanted("http") {
        match http(budget) {
            Ok(http_rows) => {
                for row in http_rows {
                    progress(&[row]);
                }
            }
            Err(e) => eprintln!("http: skipped: {e}"),
        }
    }

    for workload in timers::WORKLOADS.iter().filter(|_| wanted("timers")) {
        let (ours, theirs) = interleaved(
            budget.rounds,
            workload.taskcell,
            &[workload.tokio],
            |setup| routine_round(setup, budget.rt_round),
        );
        progress(&[Row {
            group: "timers",
            workload: format!(
                "{}k {}",
                timers::TASKS * timers::PER_TASK / 1000,
                match workload.name {
                    "sleeps" => "sleeps set and fired",
                    _ => "timeouts set and cancelled",
                }
            ),
            ours: "taskcell-executor".to_string(),
            ours_value: ours,
            theirs: "tokio".to_string(),
            theirs_value: theirs[0],
            unit: Unit::Nanos,
        }]);
    }

    if wanted("coop") {
        let ((ours_p50, ours_p99), (theirs_p50, theirs_p99)) =
            coop::median_quantiles(budget.coop_rounds, coop::ROUND_TRIPS);
        let row = |workload: &str, ours_value, theirs_value| Row {
            group: "coop",
            workload: workload.to_string(),
            ours: "taskcell-executor".to_string(),
            ours_value,
            theirs: "tokio".to_string(),
            theirs_value,
            unit: Unit::Nanos,
        };
        progress(&[row("ping-pong p50 under hogs", ours_p50, theirs_p50)]);
        progress(&[row("ping-pong p99 under hogs", ours_p99, theirs_p99)]);
    }

    let memory = if wanted("memory") {
        memory::median_bytes_per_task(memory::TASKS, budget.memory_rounds)
    } else {
        (memory::Measure::Heap, None, None)
    };
    match memory {
        (measure, Some(ours), Some(theirs)) => progress(&[Row {
            group: "memory",
            workload: format!("{} per task, {} pending", measure.label(), memory::TASKS),
            ours: memory::OURS.name.to_string(),
            ours_value: ours,
            theirs: memory::THEIRS.name.to_string(),
            theirs_value: theirs,
            unit: Unit::Bytes,
        }]),
        _ if !wanted("memory") => {}
        _ => eprintln!("memory: skipped, the heap count and /proc/self/statm are unavailable"),
    }

    eprintln!("[{:5.1} s] done", start.elapsed().as_secs_f64());
    rows
}

/// Concurrent keep-alive connections of the `http` load generator.
const HTTP_CONNECTIONS: usize = 64;

/// The routes of the `http` group: a name and a path. The second streams
/// 1 MiB (64 chunks of 16 KiB) from a `TaskCell` body.
const HTTP_ROUTES: [(&str, &str); 2] = [("/hello", "/hello"), ("1 MiB", "/stream?n=64&size=16384")];

/// A server of the `http` group: the routes of `hyper_server` on one
/// runtime, serving until dropped (with the runtime).
struct HttpServer {
    addr: SocketAddr,
    _runtime: Box<dyn std::any::Any>,
}

/// Starts the `hyper_server` routes on a fresh runtime with `workers`
/// workers: ours (`Server::serve`), or the plain hyper + tokio rival
/// (`taskcell_examples::plain`: the routes as a tokio user writes them).
fn http_server(ours: bool, workers: usize) -> std::io::Result<HttpServer> {
    if ours {
        let server = Server::new(Duration::from_secs(30));
        let runtime = taskcell_executor::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?;
        let (listener, addr) = runtime.block_on(bind(0))?;
        runtime.spawn(server.serve(listener));
        Ok(HttpServer {
            addr,
            _runtime: Box::new(runtime),
        })
    } else {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
        let addr = listener.local_addr()?;
        runtime.spawn(taskcell_examples::plain::serve(
            listener,
            Duration::from_secs(30),
        ));
        Ok(HttpServer {
            addr,
            _runtime: Box::new(runtime),
        })
    }
}

/// How `http` shares the cores: the servers' cores and worker count, the
/// generator's cores and threads, and what the rows say about it.
#[derive(Debug, PartialEq)]
struct HttpCores {
    server: Option<Vec<usize>>,
    load: Option<Vec<usize>>,
    workers: usize,
    threads: usize,
    note: String,
}

/// Splits the cores for `http`: with 4 or more, the server's runtime gets
/// the first `min(workers, cores / 2)`, with exactly that many workers, and
/// the load generator the others; with fewer, nobody is pinned and the
/// rows say the cores are shared. Never more workers than the server's
/// cores without saying so.
fn http_cores(allowed: &[usize], workers: usize) -> HttpCores {
    if allowed.len() < 4 {
        return HttpCores {
            server: None,
            load: None,
            workers,
            threads: 1,
            note: format!("{workers} workers; cores shared with the generator"),
        };
    }
    let share = workers.min(allowed.len() / 2);
    let (server, load) = allowed.split_at(share);
    let note = if share < workers {
        format!("{share} workers, not {workers}: the generator has the other cores")
    } else {
        format!("{share} workers; generator on other cores")
    };
    HttpCores {
        server: Some(server.to_vec()),
        load: Some(load.to_vec()),
        workers: share,
        threads: load.len(),
        note,
    }
}

/// The `http` group: each round starts a server on each side in turn (the
/// order alternating), and loads each route with the event-driven
/// closed-loop generator of `taskcell_examples::load`. Rows: per route, the
/// time per request (the inverse of the throughput), p50 and p99, each the
/// median over the rounds; a row whose generator was over 90 % busy says
/// it is generator-bound.
fn http(budget: &Budget) -> Result<Vec<Row>, Box<dyn Error>> {
    let cores = http_cores(&load::allowed_cores(), workers());
    eprintln!(
        "http: {}; server cores {:?}, generator cores {:?}",
        cores.note, cores.server, cores.load
    );
    let plan = Load {
        connections: HTTP_CONNECTIONS,
        threads: cores.threads,
        warmup: budget.http_warmup,
        duration: budget.http_window,
    };
    // [side][route] -> per round: [ns per request, p50 ns, p99 ns]
    let mut samples = vec![vec![Vec::new(); HTTP_ROUTES.len()]; 2];
    let mut bound = [false; HTTP_ROUTES.len()];
    for round in 0..budget.http_rounds {
        for turn in 0..2 {
            let side = (round + turn) % 2;
            let server = load::pinned(cores.server.as_deref(), || {
                http_server(side == 0, cores.workers)
            })??;
            for (route, (_, path)) in HTTP_ROUTES.iter().enumerate() {
                let report = load::pinned(cores.load.as_deref(), || {
                    load::run(server.addr, path, &plan)
                })??;
                if report.requests == 0 {
                    return Err(format!("no response from {path} in the window").into());
                }
                bound[route] |= report.generator_bound();
                samples[side][route].push([
                    1e9 / report.rate(),
                    report.quantile_us(0.5) as f64 * 1e3,
                    report.quantile_us(0.99) as f64 * 1e3,
                ]);
            }
        }
    }
    let mut rows = Vec::new();
    for (route, (name, _)) in HTTP_ROUTES.iter().enumerate() {
        for (metric, (what, unit)) in [
            ("time per request", Unit::PerRequest),
            ("p50", Unit::Nanos),
            ("p99", Unit::Nanos),
        ]
        .into_iter()
        .enumerate()
        {
            let median_of = |side: usize| {
                let mut values: Vec<f64> = samples[side][route].iter().map(|s| s[metric]).collect();
                median(&mut values).unwrap_or(f64::NAN)
            };
            let bound = if bound[route] {
                ", generator-bound"
            } else {
                ""
            };
            rows.push(Row {
                group: "http",
                workload: format!("{name} {what} ({}{bound})", cores.note),
                ours: "taskcell-executor".to_string(),
                ours_value: median_of(0),
                theirs: "plain hyper+tokio".to_string(),
                theirs_value: median_of(1),
                unit,
            });
        }
    }
    Ok(rows)
}

/// The rows as a plain-text table.
fn table(rows: &[Row]) -> String {
    let header = ["group", "workload", "ours", "", "theirs", "", "ours/theirs"];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                row.group.to_string(),
                row.workload.clone(),
                row.ours.clone(),
                show(row.ours_value, row.unit),
                row.theirs.clone(),
                show(row.theirs_value, row.unit),
                format!("{:.2}", row.ratio()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |line: &[&str]| {
        for (i, (cell, width)) in line.iter().zip(widths).enumerate() {
            // Figures and ratios align right, names left.
            let _ = match i {
                3 | 5 | 6 => write!(out, "{cell:>width$}  "),
                _ => write!(out, "{cell:<width$}  "),
            };
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    };
    push(&header);
    for line in &cells {
        push(&line.each_ref().map(String::as_str));
    }
    out
}

/// The machine the figures come from, and the worker count of each
/// runtime (for `--scale`, the largest).
#[derive(Debug, Clone, Serialize)]
struct Machine {
    cpus: usize,
    workers: usize,
    cpu_model: String,
}

impl Machine {
    fn detect(workers: usize) -> Machine {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(key, _)| key.trim() == "model name")
                    .map(|(_, value)| value.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".to_string());
        Machine {
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model,
            workers,
        }
    }
}

/// The rows of one run of the groups, at one worker count.
#[derive(Debug, Clone)]
struct Run {
    workers: usize,
    rows: Vec<Row>,
}

/// One row of the JSON document.
#[derive(Serialize)]
struct JsonRow<'a> {
    group: &'a str,
    workers: usize,
    workload: &'a str,
    ours: &'a str,
    /// Nanoseconds (bytes per task for `memory`); `null` if not finite.
    ours_ns: f64,
    theirs: &'a str,
    theirs_ns: f64,
    ratio: f64,
}

/// The JSON document: the machine, then every row of every run.
#[derive(Serialize)]
struct JsonDoc<'a> {
    machine: &'a Machine,
    results: Vec<JsonRow<'a>>,
}

/// The machine and the runs' rows as a JSON document (`serde_json`, which
/// writes a figure that is not finite as `null`).
fn json(machine: &Machine, runs: &[Run]) -> String {
    let results = runs
        .iter()
        .flat_map(|run| {
            run.rows.iter().map(|row| JsonRow {
                group: row.group,
                workers: run.workers,
                workload: &row.workload,
                ours: &row.ours,
                ours_ns: row.ours_value,
                theirs: &row.theirs,
                theirs_ns: row.theirs_value,
                ratio: row.ratio(),
            })
        })
        .collect();
    let doc = JsonDoc { machine, results };
    let mut text = serde_json::to_string_pretty(&doc).expect("rows serialize");
    text.push('\n');
    text
}

/// DejaVu Sans, for the plot's text (license in `examples/assets/`).
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Draws the rows' ratios as a PNG bar chart at `path`: one bar per row,
/// from 1.0 to its ratio on a logarithmic axis, with a line at 1.0.
fn plot(machine: &Machine, rows: &[Row], path: &Path) -> Result<(), Box<dyn Error>> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{register_font, FontStyle, FontTransform};

    if rows.is_empty() {
        return Err("no rows to plot".into());
    }
    // A second registration replaces nothing that matters: same bytes.
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font does not parse")?;

    let ratios: Vec<f64> = rows
        .iter()
        .map(Row::ratio)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    let low = ratios.iter().copied().fold(1.0, f64::min) / 1.6;
    let high = ratios.iter().copied().fold(1.0, f64::max) * 1.6;

    let root = BitMapBackend::new(path, (1400, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "taskcell showdown: ours / theirs (below 1.0: ours faster or smaller), {} workers, {} CPUs, {}",
        machine.workers, machine.cpus, machine.cpu_model
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(330)
        .y_label_area_size(60)
        // `0..n` here is inclusive: its segments are 0 to n - 1.
        .build_cartesian_2d(
            (0..rows.len().saturating_sub(1)).into_segmented(),
            (low..high).log_scale(),
        )?;

    chart
        .configure_mesh()
        .disable_x_mesh()
        // The rows' labels are drawn below, top to bottom from the axis; a
        // tick mark there would read as a "-" before each of them.
        .x_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .y_desc("ours / theirs (log scale)")
        .y_label_formatter(&|y| format!("{y:.2}"))
        .axis_desc_style(("sans-serif", 16))
        .y_label_style(("sans-serif", 15))
        .draw()?;

    let color = |group: &str| match group {
        "rt" => RGBColor(66, 133, 244),
        "cell" => RGBColor(244, 160, 0),
        "across_await" => RGBColor(15, 157, 88),
        "body" => RGBColor(219, 68, 55),
        "coop" => RGBColor(0, 172, 193),
        "http" => RGBColor(121, 85, 72),
        "timers" => RGBColor(96, 125, 139),
        _ => RGBColor(171, 71, 188),
    };
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let ratio = row.ratio().clamp(low, high);
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 1.0),
                (SegmentValue::Exact(i + 1), ratio),
            ],
            color(row.group).filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let ratio = row.ratio().clamp(low, high);
        // The value sits just beyond the bar's end.
        let (at, side) = if ratio < 1.0 {
            (ratio / 1.02, VPos::Top)
        } else {
            (ratio * 1.02, VPos::Bottom)
        };
        Text::new(
            format!("{:.2}", row.ratio()),
            (SegmentValue::CenterOf(i), at),
            TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Center, side)),
        )
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (SegmentValue::Exact(0), 1.0),
            (SegmentValue::Exact(rows.len()), 1.0),
        ],
        BLACK.stroke_width(2),
    )))?;

    let label_style = TextStyle::from(
        ("sans-serif", 15)
            .into_font()
            .transform(FontTransform::Rotate90),
    )
    .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, row) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i), low));
        root.draw(&Text::new(row.label(), (x, y + 10), label_style.clone()))?;
    }

    root.present()?;
    Ok(())
}

/// The worker counts of `--scale`: 1, 2, 4, … below `max`, then `max`.
fn scale_counts(max: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|&n| n < max)
        .collect();
    counts.push(max.max(1));
    counts
}

/// The `--scale` runs as a plain-text table: a line per row (workload and
/// contender), a column per worker count, each cell the ratio ours ÷ theirs.
fn scale_table(runs: &[Run]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let mut header = vec!["ours / theirs at N workers".to_string()];
    header.extend(runs.iter().map(|run| run.workers.to_string()));
    let mut lines = vec![header];
    for (i, row) in first.rows.iter().enumerate() {
        let mut line = vec![row.label()];
        line.extend(runs.iter().map(|run| {
            run.rows
                .get(i)
                .map_or_else(|| "-".to_string(), |row| format!("{:.2}", row.ratio()))
        }));
        lines.push(line);
    }
    let mut widths = vec![0; lines[0].len()];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        for (i, (cell, width)) in line.iter().zip(&widths).enumerate() {
            let _ = match i {
                0 => write!(out, "{cell:<width$}  "),
                _ => write!(out, "{cell:>width$}  "),
            };
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// Draws the `--scale` runs as a PNG line chart at `path`: the ratio
/// against the worker count, one line per row (workload and contender;
/// circles for `rt`, triangles for `across_await`), with a line at 1.0 and
/// the legend to the right of the last count.
fn scale_plot(machine: &Machine, runs: &[Run], path: &Path) -> Result<(), Box<dyn Error>> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{register_font, FontStyle};

    let Some(first) = runs.first().filter(|run| !run.rows.is_empty()) else {
        return Err("no rows to plot".into());
    };
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font does not parse")?;

    let ratios: Vec<f64> = runs
        .iter()
        .flat_map(|run| run.rows.iter().map(Row::ratio))
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    let high = ratios.iter().copied().fold(1.0, f64::max) * 1.15;
    let low = 0.0;
    // The worker counts sit evenly spaced, at 0, 1, 2, …; the legend takes
    // the space to the right of the last.
    let last = runs.len() as f64 - 1.0;
    let right = last + 0.3 + (last + 0.6).max(1.0) * 0.75;

    let root = BitMapBackend::new(path, (1400, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "taskcell showdown --scale: ours / theirs against workers (below 1.0: ours faster), {} CPUs, {}",
        machine.cpus, machine.cpu_model
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.3..right, low..high)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // The worker counts are drawn below, one under each point.
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .x_desc("worker threads per runtime")
        .y_desc("ours / theirs")
        .y_labels(12)
        .light_line_style(TRANSPARENT)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .axis_desc_style(("sans-serif", 16))
        .y_label_style(("sans-serif", 15))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.3, 1.0), (last + 0.3, 1.0)],
        BLACK.stroke_width(2),
    )))?;

    for (i, row) in first.rows.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(f64, f64)> = runs
            .iter()
            .enumerate()
            .filter_map(|(x, run)| {
                let ratio = run.rows.get(i)?.ratio();
                (ratio.is_finite() && ratio > 0.0).then(|| (x as f64, ratio.clamp(low, high)))
            })
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                points.clone(),
                color.stroke_width(2),
            )))?
            .label(row.label())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        if row.group == "rt" {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|point| Circle::new(point, 5, color.filled())),
            )?;
        } else {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|point| TriangleMarker::new(point, 7, color.filled())),
            )?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;

    let label_style =
        TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (x, run) in runs.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x as f64, low));
        root.draw(&Text::new(
            run.workers.to_string(),
            (px, py + 8),
            label_style.clone(),
        ))?;
    }

    root.present()?;
    Ok(())
}

/// The command line.
#[derive(Debug, Default)]
struct Args {
    json: Option<PathBuf>,
    plot: Option<PathBuf>,
    quick: bool,
    /// `--workers`: worker threads per runtime; `None` for the default.
    workers: Option<usize>,
    /// `--scale`: run `rt` and `across_await` at 1, 2, 4, … workers.
    scale: bool,
    /// `--only`: the groups to run; empty for all.
    only: Vec<String>,
}

/// The groups, in the order they run.
const GROUPS: [&str; 8] = [
    "rt",
    "cell",
    "across_await",
    "body",
    "http",
    "timers",
    "coop",
    "memory",
];

/// The groups that `--scale` runs.
const SCALE_GROUPS: [&str; 2] = ["rt", "across_await"];

const USAGE: &str = "usage: showdown [--quick] [--workers N] [--scale] [--only GROUP]... [--json PATH] [--plot PATH]
  --quick        shorter budgets: a smoke run
  --workers N    worker threads of every runtime, ours and tokio's (default: one per core)
  --scale        run rt and across_await at 1, 2, 4, ... workers up to N (default: the
                 core count), print a ratio per worker count, and with --plot draw them
  --only GROUP   run only this group (repeatable): rt, cell, across_await, body, http,
                 timers, coop, memory
  --json PATH    write the machine and the rows as JSON
  --plot PATH    draw the ratios as a PNG chart";

/// `Ok(None)`: `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--quick" => parsed.quick = true,
            "--scale" => parsed.scale = true,
            "--workers" => {
                let value = args.next().ok_or("--workers needs a number N")?;
                let n = parse_workers(&value).map_err(|e| format!("--workers: {e}"))?;
                parsed.workers = Some(n);
            }
            "--only" => {
                let group = args.next().ok_or("--only needs a GROUP")?;
                if !GROUPS.contains(&group.as_str()) {
                    return Err(format!("unknown group `{group}`"));
                }
                parsed.only.push(group);
            }
            "--json" | "--plot" => {
                let path = args.next().ok_or(format!("{arg} needs a PATH"))?;
                let slot = if arg == "--json" {
                    &mut parsed.json
                } else {
                    &mut parsed.plot
                };
                *slot = Some(path.into());
            }
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("showdown: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let budget = if args.quick {
        Budget::QUICK
    } else {
        Budget::FULL
    };
    let workers = args.workers.unwrap_or_else(default_workers);
    let machine = Machine::detect(workers);
    let counts = if args.scale {
        scale_counts(workers)
    } else {
        vec![workers]
    };
    eprintln!(
        "showdown: {} CPUs ({}), {} worker{} per runtime, {} rounds per figure ({} requests for body){}",
        machine.cpus,
        machine.cpu_model,
        if args.scale {
            format!("{counts:?}")
        } else {
            workers.to_string()
        },
        if workers == 1 && !args.scale { "" } else { "s" },
        budget.rounds,
        budget.body_requests,
        if args.quick { ", --quick" } else { "" }
    );

    let only = |group: &str| args.only.is_empty() || args.only.iter().any(|g| g == group);
    let wanted = |group: &str| only(group) && (!args.scale || SCALE_GROUPS.contains(&group));
    let mut runs = Vec::new();
    for &n in &counts {
        set_workers(n);
        if args.scale {
            eprintln!("showdown: {n} worker{}", if n == 1 { "" } else { "s" });
        }
        runs.push(Run {
            workers: n,
            rows: run(&budget, &wanted),
        });
    }
    if args.scale {
        print!("{}", scale_table(&runs));
    } else {
        print!("{}", table(&runs[0].rows));
    }

    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &args.json {
        match std::fs::write(path, json(&machine, &runs)) {
            Ok(()) => eprintln!("showdown: wrote {}", path.display()),
            Err(e) => {
                eprintln!("showdown: writing {}: {e}", path.display());
                status = ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.plot {
        let plotted = if args.scale {
            scale_plot(&machine, &runs, path)
        } else {
            plot(&machine, &runs[0].rows, path)
        };
        match plotted {
            Ok(()) => eprintln!("showdown: wrote {}", path.display()),
            Err(e) => {
                eprintln!("showdown: plotting to {}: {e}", path.display());
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        vec![
            Row {
                group: "rt",
                workload: "spawn_many_local".to_string(),
                ours: "taskcell-executor".to_string(),
                ours_value: 7_000_000.0,
                theirs: "tokio".to_string(),
                theirs_value: 20_000_000.0,
                unit: Unit::Nanos,
            },
            Row {
                group: "cell",
                workload: "*n += 1 \"quoted\"\\\n\u{1}".to_string(),
                ours: "TaskCell::with_mut".to_string(),
                ours_value: 1.5,
                theirs: "std::sync::Mutex".to_string(),
                theirs_value: 24.0,
                unit: Unit::Nanos,
            },
            Row {
                group: "memory",
                workload: "100000 pending tasks".to_string(),
                ours: "taskcell-executor".to_string(),
                ours_value: 250.0,
                theirs: "tokio".to_string(),
                theirs_value: 0.0,
                unit: Unit::Bytes,
            },
        ]
    }

    #[test]
    fn json_parses_back() {
        let machine = Machine {
            cpus: 2,
            cpu_model: "Model \"X\" \\ 2.0GHz".to_string(),
            workers: 3,
        };
        let rows = rows();
        let runs = [Run {
            workers: 3,
            rows: rows.clone(),
        }];
        let doc: serde_json::Value = serde_json::from_str(&json(&machine, &runs)).unwrap();
        assert_eq!(doc["machine"]["cpus"], 2);
        assert_eq!(doc["machine"]["workers"], 3);
        assert_eq!(doc["machine"]["cpu_model"], machine.cpu_model);
        let results = doc["results"].as_array().unwrap();
        assert_eq!(results.len(), rows.len());
        for (result, row) in results.iter().zip(&rows) {
            assert_eq!(result["group"], row.group);
            assert_eq!(result["workers"], 3);
            assert_eq!(result["workload"], row.workload.as_str());
            assert_eq!(result["ours"], row.ours.as_str());
            assert_eq!(result["theirs"], row.theirs.as_str());
            assert_eq!(result["ours_ns"].as_f64(), Some(row.ours_value));
            assert_eq!(result["theirs_ns"].as_f64(), Some(row.theirs_value));
        }
        assert_eq!(results[0]["ratio"].as_f64(), Some(0.35));
        // Dividing by zero gives no number, so `null`.
        assert!(results[2]["ratio"].is_null());

        let empty: serde_json::Value = serde_json::from_str(&json(&machine, &[])).unwrap();
        assert_eq!(empty["results"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn plot_writes_a_png() {
        let path = std::env::temp_dir().join(format!("showdown-test-{}.png", std::process::id()));
        let machine = Machine::detect(2);
        let rows = rows();
        for rows in [&rows[..], &rows[..1]] {
            plot(&machine, rows, &path).unwrap();
            let png = std::fs::read(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
        assert!(plot(&machine, &[], &path).is_err());
    }

    #[test]
    fn scale_counts_double_up_to_the_top() {
        assert_eq!(scale_counts(1), [1]);
        assert_eq!(scale_counts(2), [1, 2]);
        assert_eq!(scale_counts(4), [1, 2, 4]);
        assert_eq!(scale_counts(6), [1, 2, 4, 6]);
        assert_eq!(scale_counts(16), [1, 2, 4, 8, 16]);
    }

    #[test]
    fn scale_table_and_plot_have_a_column_and_a_point_per_count() {
        let runs: Vec<Run> = [1, 2, 4]
            .into_iter()
            .map(|workers| Run {
                workers,
                rows: rows()[..2]
                    .iter()
                    .map(|row| Row {
                        ours_value: row.ours_value * workers as f64,
                        ..row.clone()
                    })
                    .collect(),
            })
            .collect();
        let table = scale_table(&runs);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].ends_with("1     2     4"), "{table}");
        assert!(lines[1].starts_with("rt/spawn_many_local"), "{table}");
        assert!(lines[1].ends_with("0.35  0.70  1.40"), "{table}");
        assert_eq!(scale_table(&[]), "");

        let path =
            std::env::temp_dir().join(format!("showdown-scale-test-{}.png", std::process::id()));
        let machine = Machine::detect(4);
        for runs in [&runs[..], &runs[..1]] {
            scale_plot(&machine, runs, &path).unwrap();
            let png = std::fs::read(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
        assert!(scale_plot(&machine, &[], &path).is_err());
    }

    #[test]
    fn http_pins_only_from_four_cores_and_never_oversubscribes_silently() {
        let shared = http_cores(&[0, 1], 2);
        assert_eq!(
            (shared.server, shared.load, shared.workers),
            (None, None, 2)
        );
        assert!(shared.note.contains("shared"));
        assert_eq!(http_cores(&[0, 1, 2], 1).server, None);
        // 16 workers asked on 4 cores: the servers get 2, with 2 workers.
        let capped = http_cores(&[0, 1, 2, 3], 16);
        assert_eq!(capped.server, Some(vec![0, 1]));
        assert_eq!(capped.load, Some(vec![2, 3]));
        assert_eq!((capped.workers, capped.threads), (2, 2));
        assert!(capped.note.contains("2 workers, not 16"), "{}", capped.note);
        let one = http_cores(&[2, 3, 4, 5, 6, 7], 1);
        assert_eq!(one.server, Some(vec![2]));
        assert_eq!(one.load, Some(vec![3, 4, 5, 6, 7]));
        assert_eq!((one.workers, one.threads), (1, 5));
    }

    #[test]
    fn table_has_a_line_per_row() {
        let rows = rows();
        let table = table(&rows[..1]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("rt  "));
        assert!(lines[1].ends_with("0.35"));
    }

    #[test]
    fn arguments() {
        let args = |list: &[&str]| parse_args(list.iter().map(|s| s.to_string()));
        let parsed = args(&["--quick", "--json", "a.json", "--plot", "b.png"])
            .unwrap()
            .unwrap();
        assert!(parsed.quick);
        assert_eq!(parsed.json, Some(PathBuf::from("a.json")));
        assert_eq!(parsed.plot, Some(PathBuf::from("b.png")));
        assert!(args(&["--help"]).unwrap().is_none());
        assert!(args(&["--quick", "-h"]).unwrap().is_none());
        assert!(args(&["--json"]).is_err());
        assert_eq!(args(&["--fast"]).unwrap_err(), "unknown argument `--fast`");
        let only = args(&["--only", "body", "--only", "cell"])
            .unwrap()
            .unwrap();
        assert_eq!(only.only, ["body", "cell"]);
        assert!(args(&["--only", "disk"]).is_err());
        assert!(args(&["--only"]).is_err());
        for group in ["http", "timers"] {
            assert_eq!(args(&["--only", group]).unwrap().unwrap().only, [group]);
        }

        let default = args(&[]).unwrap().unwrap();
        assert_eq!(default.workers, None);
        assert!(!default.scale);
        let set = args(&["--workers", "3", "--scale"]).unwrap().unwrap();
        assert_eq!(set.workers, Some(3));
        assert!(set.scale);
        assert_eq!(
            args(&["--workers", "0"]).unwrap_err(),
            "--workers: the worker count must be a whole number above 0, got `0`"
        );
        assert_eq!(
            args(&["--workers", "abc"]).unwrap_err(),
            "--workers: the worker count must be a whole number above 0, got `abc`"
        );
        assert!(args(&["--workers", "-1"]).is_err());
        assert!(args(&["--workers", "2.5"]).is_err());
        assert_eq!(
            args(&["--workers"]).unwrap_err(),
            "--workers needs a number N"
        );
    }
}
