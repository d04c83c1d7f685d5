//! The command line.

use std::path::PathBuf;

use taskcell_benches::parse_workers;

/// The command line.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) json: Option<PathBuf>,
    pub(crate) plot: Option<PathBuf>,
    pub(crate) quick: bool,
    /// `--workers`: worker threads per runtime; `None` for the default.
    pub(crate) workers: Option<usize>,
    /// `--scale`: run `rt` and `across_await` at 1, 2, 4, … workers.
    pub(crate) scale: bool,
    /// `--only`: the groups to run; empty for all.
    pub(crate) only: Vec<String>,
}

/// The groups, in the order they run.
pub(crate) const GROUPS: [&str; 8] = [
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
pub(crate) const SCALE_GROUPS: [&str; 2] = ["rt", "across_await"];

pub(crate) const USAGE: &str = "usage: showdown [--quick] [--workers N] [--scale] [--only GROUP]... [--json PATH] [--plot PATH]
  --quick        shorter budgets: a smoke run
  --workers N    worker threads of every runtime, ours and tokio's (default: one per core)
  --scale        run rt and across_await at 1, 2, 4, ... workers up to N (default: the
                 core count), print a ratio per worker count, and with --plot draw them
  --only GROUP   run only this group (repeatable): rt, cell, across_await, body, http,
                 timers, coop, memory
  --json PATH    write the machine and the rows as JSON
  --plot PATH    draw the ratios as a PNG chart";

/// `Ok(None)`: `--help`.
pub(crate) fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
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
