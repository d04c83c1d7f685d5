//! The workloads of the criterion benchmarks in `benches/`, and helpers they
//! share.
//!
//! Each workload is written once, here, and run both by the criterion
//! benches (`cargo bench -p taskcell-benches`; criterion's HTML report lands
//! in `target/criterion/report/index.html`) and by the `showdown` program of
//! `taskcell-examples`, which runs a short version of every group head to
//! head in one process.
//!
//! - [`rt`]: the scheduler of `taskcell-executor` against tokio's, on tokio's
//!   own scheduler benchmarks.
//! - [`cell`]: one `*n += 1` through `TaskCell::with_mut` against `RefCell`
//!   and the three `Mutex`es.
//! - [`across_await`]: tasks that update their own state between
//!   `yield_now`s, through a `TaskCell` or through a `Mutex`.
//! - [`body`]: an HTTP body streamed through hyper, made `Sync` by a
//!   `TaskCell`, a `Mutex` or a `SyncWrapper`.
//! - [`coop`]: a ping-pong pair's latency while hog tasks loop on an
//!   always-ready timer (what the cooperative budget is for).
//! - [`memory`]: resident memory per pending task.
//! - [`net`]: one-byte round trips over a loopback TCP connection (run by
//!   the `rt_insns` example only).
//! - [`timers`]: timer churn: sleeps set and fired, timeouts set and
//!   cancelled.
//!
//! Every runtime gets [`workers`] worker threads: by default the machine's
//! available parallelism, as `Runtime::new()` does; the environment variable
//! `TASKCELL_WORKERS` sets another count for the criterion benches, e.g.
//! `TASKCELL_WORKERS=4 cargo bench -p taskcell-benches`.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use taskcell::{enter, TaskId};

pub mod across_await;
pub mod body;
pub mod cell;
pub mod coop;
pub mod memory;
pub mod net;
pub mod rt;
pub mod timers;

/// The environment variable that sets the worker threads of every
/// multi-thread runtime the benchmarks build (see [`workers`]).
pub const WORKERS_VAR: &str = "TASKCELL_WORKERS";

/// The worker count set by [`set_workers`]; 0 until then.
static WORKERS: AtomicUsize = AtomicUsize::new(0);

/// The machine's available parallelism: what `Runtime::new()` of either
/// runtime uses for its worker count (1 if it cannot be told).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Parses a worker count: a whole number above 0.
///
/// ```
/// assert_eq!(taskcell_benches::parse_workers("4"), Ok(4));
/// assert!(taskcell_benches::parse_workers("0").is_err());
/// assert!(taskcell_benches::parse_workers("abc").is_err());
/// ```
///
/// # Errors
///
/// A message naming the value, if it is not a whole number above 0.
pub fn parse_workers(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "the worker count must be a whole number above 0, got `{value}`"
        )),
    }
}

/// Worker threads of every multi-thread runtime the benchmarks build, ours
/// and tokio's alike: the count given to [`set_workers`] if any, else
/// [`WORKERS_VAR`] (`TASKCELL_WORKERS`) if set, else [`default_workers`].
///
/// # Panics
///
/// If `TASKCELL_WORKERS` is set to anything but a whole number above 0.
pub fn workers() -> usize {
    match WORKERS.load(Ordering::Relaxed) {
        0 => {
            let n = match std::env::var(WORKERS_VAR) {
                Ok(value) => parse_workers(&value).unwrap_or_else(|e| panic!("{WORKERS_VAR}: {e}")),
                Err(_) => default_workers(),
            };
            // Racing callers compute the same value.
            WORKERS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sets the worker count of every runtime built from now on (the
/// `showdown` does this for `--workers` and `--scale`).
///
/// # Panics
///
/// If `n` is 0.
pub fn set_workers(n: usize) {
    assert!(n > 0, "a runtime needs at least one worker");
    WORKERS.store(n, Ordering::Relaxed);
}

/// One iteration of a benchmark, ready to run as often as the measurement
/// wants: the runtime and anything else the workload needs are built before,
/// by the function that returns it, and dropped with it.
///
/// The one dynamic call is per iteration, never per spawn: each iteration
/// spawns its tasks through the runtime's own `spawn`, directly.
pub type Routine = Box<dyn FnMut()>;

/// One contender of a group whose iterations are [`Routine`]s
/// (`across_await`, `body`): a name, and the setup that builds what it needs
/// (the runtime, and for `body` a server and a connection) and returns one
/// iteration.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The variant's name, e.g. `taskcell-executor+TaskCell`.
    pub name: &'static str,
    /// Builds what the variant needs and returns one iteration.
    pub setup: fn() -> Routine,
}

/// Builds a `taskcell-executor` multi-thread runtime with [`workers`]
/// workers and, like tokio's below, I/O and timers enabled: both sides'
/// workers also look after a driver.
pub fn taskcell_runtime() -> taskcell_executor::Runtime {
    taskcell_executor::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("building a taskcell-executor runtime")
}

/// Builds a tokio multi-thread runtime with [`workers`] workers and, as
/// in tokio's own benchmarks, `enable_all()`.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("building a tokio runtime")
}

/// Runs `f` inside a fresh task identity on this thread, so that it can use
/// `TaskCell`s the way a task does.
///
/// ```
/// let cell = taskcell::TaskCell::new(1);
/// assert_eq!(taskcell_benches::in_task(|| cell.get()), 1);
/// ```
pub fn in_task<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: `enter` rules — (1) `f` stands for this one task; (2) the id is
    // fresh and entered on no other thread; (3) the guard is a local, dropped
    // before returning.
    let _guard = unsafe { enter(TaskId::fresh()) };
    f()
}

/// The median of `values` (the mean of the middle two for an even count),
/// sorting them in place; `None` if there are none.
///
/// ```
/// assert_eq!(taskcell_benches::median(&mut [3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(taskcell_benches::median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
/// assert_eq!(taskcell_benches::median(&mut []), None);
/// ```
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}
