//! The rows, and how they are reported: a table, JSON.

use std::fmt::Write as _;

use serde::Serialize;

/// What a row's figures measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
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
pub(crate) struct Row {
    pub(crate) group: &'static str,
    pub(crate) workload: String,
    pub(crate) ours: String,
    pub(crate) ours_value: f64,
    pub(crate) theirs: String,
    pub(crate) theirs_value: f64,
    pub(crate) unit: Unit,
}

impl Row {
    /// Ours ÷ theirs.
    pub(crate) fn ratio(&self) -> f64 {
        self.ours_value / self.theirs_value
    }

    /// A short name for the row, for the progress lines and the plot.
    pub(crate) fn label(&self) -> String {
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
pub(crate) fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => format!("{value:.0} B"),
        Unit::PerRequest => format!("{} ({:.0} req/s)", show(value, Unit::Nanos), 1e9 / value),
        Unit::Nanos if value < 1e3 => format!("{value:.2} ns"),
        Unit::Nanos if value < 1e6 => format!("{:.1} µs", value / 1e3),
        Unit::Nanos if value < 1e9 => format!("{:.2} ms", value / 1e6),
        Unit::Nanos => format!("{:.2} s", value / 1e9),
    }
}

/// The rows as a plain-text table.
pub(crate) fn table(rows: &[Row]) -> String {
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
pub(crate) struct Machine {
    pub(crate) cpus: usize,
    pub(crate) workers: usize,
    pub(crate) cpu_model: String,
}

impl Machine {
    pub(crate) fn detect(workers: usize) -> Machine {
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
pub(crate) struct Run {
    pub(crate) workers: usize,
    pub(crate) rows: Vec<Row>,
}

/// One row of the JSON document.
#[derive(Serialize)]
pub(crate) struct JsonRow<'a> {
    pub(crate) group: &'a str,
    pub(crate) workers: usize,
    pub(crate) workload: &'a str,
    pub(crate) ours: &'a str,
    /// Nanoseconds (bytes per task for `memory`); `null` if not finite.
    pub(crate) ours_ns: f64,
    pub(crate) theirs: &'a str,
    pub(crate) theirs_ns: f64,
    pub(crate) ratio: f64,
}

/// The JSON document: the machine, then every row of every run.
#[derive(Serialize)]
pub(crate) struct JsonDoc<'a> {
    pub(crate) machine: &'a Machine,
    pub(crate) results: Vec<JsonRow<'a>>,
}

/// The machine and the runs' rows as a JSON document (`serde_json`, which
/// writes a figure that is not finite as `null`).
pub(crate) fn json(machine: &Machine, runs: &[Run]) -> String {
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

/// The `--scale` runs as a plain-text table: a line per row (workload and
/// contender), a column per worker count, each cell the ratio ours ÷ theirs.
pub(crate) fn scale_table(runs: &[Run]) -> String {
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
