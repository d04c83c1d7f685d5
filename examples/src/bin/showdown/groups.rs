//! The groups: each runs ours and theirs in turn and returns rows.

use std::error::Error;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use taskcell_benches::{
    across_await, body, cell, coop, median, memory, rt, timers, workers, Routine,
};
use taskcell_examples::load::{self, Load};
use taskcell_examples::server::{bind, Server};

use super::*;

/// How long each part runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Rounds per side; each figure is the median over them.
    pub(crate) rounds: usize,
    /// Timed part of one round of an `rt` workload.
    pub(crate) rt_round: Duration,
    /// Timed part of one round of an `across_await` variant.
    pub(crate) across_await_round: Duration,
    /// Least timed loop of one round of a `cell` variant.
    pub(crate) cell_round: Duration,
    /// Requests per `body` variant, interleaved one by one.
    pub(crate) body_requests: usize,
    /// Rounds per runtime of `memory`.
    pub(crate) memory_rounds: usize,
    /// Rounds per runtime of `coop`.
    pub(crate) coop_rounds: usize,
    /// Rounds per side of `http`, the sides taking turns.
    pub(crate) http_rounds: usize,
    /// Unmeasured load on each route before its measured window.
    pub(crate) http_warmup: Duration,
    /// The measured window per route, side and round of `http`.
    pub(crate) http_window: Duration,
}

impl Budget {
    /// The default run: about 80 s at 2 workers on 2 cores.
    pub(crate) const FULL: Budget = Budget {
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
    pub(crate) const QUICK: Budget = Budget {
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

/// One round of a routine: builds it, runs one untimed warm-up iteration,
/// then iterations until `budget` has passed (at least one), and returns the
/// mean time per iteration in nanoseconds. The routine, and its runtime, are
/// dropped before returning.
pub(crate) fn routine_round(setup: fn() -> Routine, budget: Duration) -> f64 {
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
pub(crate) fn interleaved<T: Copy>(
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

/// The row of a workload run as a routine on both runtimes (`rt`,
/// `timers`): ours against tokio's, interleaved.
fn routine_row(budget: &Budget, group: &'static str, name: String, workload: &rt::Workload) -> Row {
    let (ours, theirs) = interleaved(
        budget.rounds,
        workload.taskcell,
        &[workload.tokio],
        |setup| routine_round(setup, budget.rt_round),
    );
    Row {
        group,
        workload: name,
        ours: "taskcell-executor".to_string(),
        ours_value: ours,
        theirs: "tokio".to_string(),
        theirs_value: theirs[0],
        unit: Unit::Nanos,
    }
}

/// Runs every group, printing a line per workload to stderr, and returns
/// the rows.
pub(crate) fn run(budget: &Budget, wanted: &dyn Fn(&str) -> bool) -> Vec<Row> {
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
        progress(&[routine_row(
            budget,
            "rt",
            workload.name.to_string(),
            workload,
        )]);
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
        let name = format!(
            "{}k {}",
            timers::TASKS * timers::PER_TASK / 1000,
            match workload.name {
                "sleeps" => "sleeps set and fired",
                _ => "timeouts set and cancelled",
            }
        );
        progress(&[routine_row(budget, "timers", name, workload)]);
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
pub(crate) const HTTP_CONNECTIONS: usize = 64;

/// The routes of the `http` group: a name and a path. The second streams
/// 1 MiB (64 chunks of 16 KiB) from a `TaskCell` body.
pub(crate) const HTTP_ROUTES: [(&str, &str); 2] =
    [("/hello", "/hello"), ("1 MiB", "/stream?n=64&size=16384")];

/// A server of the `http` group: the routes of `hyper_server` on one
/// runtime, serving until dropped (with the runtime).
pub(crate) struct HttpServer {
    pub(crate) addr: SocketAddr,
    pub(crate) _runtime: Box<dyn std::any::Any>,
}

/// Starts the `hyper_server` routes on a fresh runtime with `workers`
/// workers: ours (`Server::serve`), or the plain hyper + tokio rival
/// (`taskcell_examples::plain`: the routes as a tokio user writes them).
pub(crate) fn http_server(ours: bool, workers: usize) -> std::io::Result<HttpServer> {
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

/// The `http` group: each round starts a server on each side in turn (the
/// order alternating), and loads each route with the event-driven
/// closed-loop generator of `taskcell_examples::load`. Rows: per route, the
/// time per request (the inverse of the throughput), p50 and p99, each the
/// median over the rounds; a row whose generator was over 90 % busy says
/// it is generator-bound.
pub(crate) fn http(budget: &Budget) -> Result<Vec<Row>, Box<dyn Error>> {
    let cores = load::split_cores(&load::allowed_cores(), workers());
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

/// The worker counts of `--scale`: 1, 2, 4, … below `max`, then `max`.
pub(crate) fn scale_counts(max: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|&n| n < max)
        .collect();
    counts.push(max.max(1));
    counts
}
