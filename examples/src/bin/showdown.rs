//! `showdown`: every benchmark group of `taskcell-benches`, ours against
//! theirs, in one short run.
//!
//! ```sh
//! cargo run --release -p taskcell-examples --bin showdown
//! cargo run --release -p taskcell-examples --bin showdown -- --json results.json --plot results.png
//! cargo run --release -p taskcell-examples --bin showdown -- --quick   # a smoke run, about 15 s
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
//! `coop` (a ping-pong pair's p50 and p99 round trip while hog tasks loop
//! on an always-ready timer: the cooperative budget at work, against
//! tokio's) and `memory` (resident bytes per pending task). It takes at
//! most about 90 s
//! on 2 cores, and prints a line per workload to stderr as it goes, then a
//! table to stdout.
//!
//! Ours and theirs run interleaved: each round measures ours, then each of
//! theirs, and each figure is the median over the rounds. A round of an
//! `rt` or `across_await` workload builds a fresh runtime, runs one untimed
//! warm-up iteration, then times iterations for a fixed budget (at least
//! one) and keeps the mean; so the runtimes never run at the same time, and
//! the background load of the `busy` workloads stops before the other side
//! starts. A round of `cell` times a loop of increments long enough to fill
//! its budget. A round of `memory` parks 100 000 tasks on a fresh runtime
//! (see `taskcell_benches::memory`; Linux only). `body` sets each variant up
//! once (runtime, server, kept-alive connection) and interleaves single
//! requests, 31 per variant, so that a burst of load on the machine hits
//! every variant alike.
//!
//! The ratio is ours ÷ theirs: below 1.0, ours is faster (or, for `memory`,
//! smaller). These are short runs on whatever else the machine is doing:
//! for figures to quote, use `cargo bench -p taskcell-benches`.
//!
//! Options:
//!
//! - `--json PATH` writes the machine and the rows as JSON:
//!   `{"machine": {"cpus": N, "cpu_model": "…"}, "results": [{"group",
//!   "workload", "ours", "ours_ns", "theirs", "theirs_ns", "ratio"}, …]}`.
//!   For `memory` rows, `ours_ns` and `theirs_ns` hold bytes per task.
//! - `--plot PATH` draws the ratios as a PNG bar chart, one bar per row, with
//!   a line at 1.0. It needs no system library: the text uses DejaVu Sans,
//!   bundled in `examples/assets/` (license next to it).
//! - `--quick` shortens every budget, for a smoke run of about 15 s.
//! - `--only GROUP` (repeatable) runs only the named groups.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use taskcell_benches::{across_await, body, cell, coop, median, memory, rt, Routine};

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
}

impl Budget {
    /// The default run: at most about 90 s on 2 cores.
    const FULL: Budget = Budget {
        rounds: 9,
        rt_round: Duration::from_millis(150),
        across_await_round: Duration::from_millis(150),
        cell_round: Duration::from_millis(40),
        body_requests: 31,
        memory_rounds: 5,
        coop_rounds: 5,
    };

    /// `--quick`: about 15 s.
    const QUICK: Budget = Budget {
        rounds: 5,
        rt_round: Duration::from_millis(40),
        across_await_round: Duration::from_millis(40),
        cell_round: Duration::from_millis(15),
        body_requests: 7,
        memory_rounds: 3,
        coop_rounds: 1,
    };
}

/// What a row's figures measure.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    /// Nanoseconds per iteration (or per operation, for `cell`).
    Nanos,
    /// Bytes per task.
    Bytes,
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
            "coop" => format!("coop/{}", self.workload),
            "memory" => "memory/bytes per task".to_string(),
            group => format!("{group} vs {}", self.theirs),
        }
    }
}

/// Formats a figure: a duration from nanoseconds, or bytes.
fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => format!("{value:.0} B"),
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

/// One round of a `cell` variant: doubles the loop length until one loop
/// takes at least `budget`, and returns nanoseconds per operation of that
/// loop.
fn cell_round(time: fn(u64) -> Duration, budget: Duration) -> f64 {
    let mut iters = 1_000u64;
    loop {
        let elapsed = time(iters);
        if elapsed >= budget {
            return elapsed.as_nanos() as f64 / iters as f64;
        }
        iters *= 2;
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
        let (ours, theirs) = interleaved(
            budget.rounds,
            cell::TASK_CELL.time,
            &cell::OTHERS.map(|variant| variant.time),
            |time| cell_round(time, budget.cell_round),
        );
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
        (None, None)
    };
    match memory {
        (Some(ours), Some(theirs)) => progress(&[Row {
            group: "memory",
            workload: format!("{} pending tasks", memory::TASKS),
            ours: memory::OURS.name.to_string(),
            ours_value: ours,
            theirs: memory::THEIRS.name.to_string(),
            theirs_value: theirs,
            unit: Unit::Bytes,
        }]),
        _ if !wanted("memory") => {}
        _ => eprintln!("memory: skipped, /proc/self/statm is not readable here"),
    }

    eprintln!("[{:5.1} s] done", start.elapsed().as_secs_f64());
    rows
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

/// The machine the figures come from.
#[derive(Debug, Clone)]
struct Machine {
    cpus: usize,
    cpu_model: String,
}

impl Machine {
    fn detect() -> Machine {
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
        }
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `x` as a JSON number (`null` if it is not finite). Rust prints `f64`s
/// without an exponent, which JSON accepts as is.
fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".to_string()
    }
}

/// The machine and the rows as a JSON document.
fn json(machine: &Machine, rows: &[Row]) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"machine\": {{\"cpus\": {}, \"cpu_model\": {}}},",
        machine.cpus,
        json_string(&machine.cpu_model)
    );
    out.push_str("  \"results\": [");
    for (i, row) in rows.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "    {{\"group\": {}, \"workload\": {}, \"ours\": {}, \"ours_ns\": {}, \
             \"theirs\": {}, \"theirs_ns\": {}, \"ratio\": {}}}",
            json_string(row.group),
            json_string(&row.workload),
            json_string(&row.ours),
            json_number(row.ours_value),
            json_string(&row.theirs),
            json_number(row.theirs_value),
            json_number(row.ratio()),
        );
    }
    out.push_str(if rows.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
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
        "taskcell showdown: ours / theirs (below 1.0: ours faster or smaller), {} CPUs, {}",
        machine.cpus, machine.cpu_model
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

/// The command line.
#[derive(Debug, Default)]
struct Args {
    json: Option<PathBuf>,
    plot: Option<PathBuf>,
    quick: bool,
    /// `--only`: the groups to run; empty for all.
    only: Vec<String>,
}

/// The groups, in the order they run.
const GROUPS: [&str; 6] = ["rt", "cell", "across_await", "body", "coop", "memory"];

const USAGE: &str = "usage: showdown [--quick] [--only GROUP]... [--json PATH] [--plot PATH]
  --quick        shorter budgets: a smoke run of about 15 s
  --only GROUP   run only this group (repeatable): rt, cell, across_await, body, coop, memory
  --json PATH    write the machine and the rows as JSON
  --plot PATH    draw the ratios as a PNG bar chart";

/// `Ok(None)`: `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--quick" => parsed.quick = true,
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
    let machine = Machine::detect();
    eprintln!(
        "showdown: {} CPUs ({}), {} rounds per figure ({} requests for body){}",
        machine.cpus,
        machine.cpu_model,
        budget.rounds,
        budget.body_requests,
        if args.quick { ", --quick" } else { "" }
    );

    let wanted = |group: &str| args.only.is_empty() || args.only.iter().any(|g| g == group);
    let rows = run(&budget, &wanted);
    print!("{}", table(&rows));

    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &args.json {
        match std::fs::write(path, json(&machine, &rows)) {
            Ok(()) => eprintln!("showdown: wrote {}", path.display()),
            Err(e) => {
                eprintln!("showdown: writing {}: {e}", path.display());
                status = ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.plot {
        match plot(&machine, &rows, path) {
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
        };
        let rows = rows();
        let doc: serde_json::Value = serde_json::from_str(&json(&machine, &rows)).unwrap();
        assert_eq!(doc["machine"]["cpus"], 2);
        assert_eq!(doc["machine"]["cpu_model"], machine.cpu_model);
        let results = doc["results"].as_array().unwrap();
        assert_eq!(results.len(), rows.len());
        for (result, row) in results.iter().zip(&rows) {
            assert_eq!(result["group"], row.group);
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
        let machine = Machine::detect();
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
    }
}
