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

use taskcell::{enter, TaskId};

pub mod across_await;
pub mod body;
pub mod cell;
pub mod coop;
pub mod memory;
pub mod rt;

/// Worker threads of every multi-thread runtime the benchmarks build, ours
/// and tokio's alike (tokio's benchmark uses 4; the machine the published
/// figures come from has 2 cores).
pub const NUM_WORKERS: usize = 2;

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

/// Builds a `taskcell-executor` multi-thread runtime with [`NUM_WORKERS`]
/// workers and, like tokio's below, I/O and timers enabled: both sides'
/// workers also look after a driver.
pub fn taskcell_runtime() -> taskcell_executor::Runtime {
    taskcell_executor::Builder::new_multi_thread()
        .worker_threads(NUM_WORKERS)
        .enable_all()
        .build()
        .expect("building a taskcell-executor runtime")
}

/// Builds a tokio multi-thread runtime with [`NUM_WORKERS`] workers and, as
/// in tokio's own benchmarks, `enable_all()`.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(NUM_WORKERS)
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
