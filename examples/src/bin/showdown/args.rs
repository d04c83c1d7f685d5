//! The command line.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::Parser;
use taskcell_benches::parse_workers;

/// Every benchmark group of taskcell-benches, ours against theirs, in one
/// short run.
#[derive(Debug, Parser)]
#[command(name = "showdown", version, args_override_self = true)]
pub(crate) struct Args {
    /// Shorter budgets: a smoke run.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Worker threads of every runtime, ours and tokio's (default: one per
    /// core).
    #[arg(long, value_name = "N", value_parser = parse_workers, allow_negative_numbers = true)]
    pub(crate) workers: Option<usize>,
    /// Run rt and across_await at 1, 2, 4, ... workers up to N (default: the
    /// core count), print a ratio per worker count, and with --plot draw
    /// them.
    #[arg(long)]
    pub(crate) scale: bool,
    /// Run only this group (repeatable; default: all).
    #[arg(long, value_name = "GROUP", value_parser = PossibleValuesParser::new(GROUPS))]
    pub(crate) only: Vec<String>,
    /// Write the machine and the rows as JSON.
    #[arg(long, value_name = "PATH")]
    pub(crate) json: Option<PathBuf>,
    /// Draw the ratios as a PNG chart.
    #[arg(long, value_name = "PATH")]
    pub(crate) plot: Option<PathBuf>,
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
