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
//!
//! The code: `groups` runs the groups and returns rows, `report` prints
//! them as a table and writes the JSON (`serde_json`), `plot` draws the
//! charts, `args` reads the command line; `main` wires them.

use std::process::ExitCode;

use clap::Parser;
use taskcell_benches::{default_workers, memory, set_workers};

/// Counts the heap exactly for `memory`; counts nothing otherwise.
#[global_allocator]
static ALLOC: memory::CountingAlloc = memory::CountingAlloc;

mod args;
mod groups;
mod plot;
mod report;

use args::*;
use groups::*;
use plot::*;
use report::*;

fn main() -> ExitCode {
    let args = Args::parse();
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
    use std::path::PathBuf;

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
        use clap::error::ErrorKind;
        use clap::CommandFactory;

        Args::command().debug_assert();
        let args = |list: &[&str]| Args::try_parse_from(["showdown"].iter().chain(list));
        let kind = |list: &[&str]| args(list).unwrap_err().kind();
        let parsed = args(&["--quick", "--json", "a.json", "--plot", "b.png"]).unwrap();
        assert!(parsed.quick);
        assert_eq!(parsed.json, Some(PathBuf::from("a.json")));
        assert_eq!(parsed.plot, Some(PathBuf::from("b.png")));
        assert_eq!(kind(&["--help"]), ErrorKind::DisplayHelp);
        assert_eq!(kind(&["--quick", "-h"]), ErrorKind::DisplayHelp);
        assert_eq!(kind(&["--version"]), ErrorKind::DisplayVersion);
        assert_eq!(kind(&["--json"]), ErrorKind::InvalidValue);
        let fast = args(&["--fast"]).unwrap_err();
        assert_eq!(fast.kind(), ErrorKind::UnknownArgument);
        assert!(fast.to_string().contains("unexpected argument '--fast'"));
        let only = args(&["--only", "body", "--only", "cell"]).unwrap();
        assert_eq!(only.only, ["body", "cell"]);
        assert_eq!(kind(&["--only", "disk"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["--only"]), ErrorKind::InvalidValue);
        for group in GROUPS {
            assert_eq!(args(&["--only", group]).unwrap().only, [group]);
        }

        let default = args(&[]).unwrap();
        assert_eq!(default.workers, None);
        assert!(default.only.is_empty());
        assert!(!default.scale && !default.quick);
        assert_eq!((default.json, default.plot), (None, None));
        let set = args(&["--workers", "3", "--scale"]).unwrap();
        assert_eq!(set.workers, Some(3));
        assert!(set.scale);
        // As before, a later value replaces an earlier one.
        assert_eq!(
            args(&["--workers", "3", "--workers", "5"]).unwrap().workers,
            Some(5)
        );
        for bad in ["0", "abc", "-1", "2.5"] {
            let error = args(&["--workers", bad]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
            assert!(
                error
                    .to_string()
                    .contains("the worker count must be a whole number above 0"),
                "{error}"
            );
        }
        assert_eq!(kind(&["--workers"]), ErrorKind::InvalidValue);
    }
}
