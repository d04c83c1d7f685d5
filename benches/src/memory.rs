//! `memory`: resident memory per pending task.
//!
//! [`TASKS`] tasks are spawned from outside a fresh runtime and each parks on
//! a shared gate (a `tokio::sync::Semaphore` with no permits; both runtimes
//! use it, so only the runtime differs). Once every task has been polled and
//! parked, the growth of the process's resident set size, divided by the
//! number of tasks, is the figure: the task's allocation, its future, and
//! whatever the runtime keeps per task. Then the gate closes, which releases
//! every task, and the runtime is dropped.
//!
//! The resident set size is read from `/proc/self/statm` (its second field,
//! in pages), so the figure exists on Linux only; the page size is taken to
//! be 4096 bytes ([`PAGE_SIZE`]), which holds on x86-64 and most ARM Linux
//! systems. Memory freed by an earlier round and kept by the allocator can be
//! reused by a later one and hide some growth, so take the median of a few
//! rounds, alternating the runtimes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Tasks parked per measurement.
pub const TASKS: usize = 100_000;
/// The page size assumed when reading `/proc/self/statm`.
pub const PAGE_SIZE: u64 = 4096;

/// One measurement.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Resident-set growth per parked task, in bytes; `None` where
    /// `/proc/self/statm` cannot be read.
    pub bytes_per_task: Option<f64>,
    /// Time from the first spawn until every task has parked.
    pub spawn_time: Duration,
}

/// One runtime.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The runtime's name.
    pub name: &'static str,
    /// Parks `tasks` tasks on a fresh runtime, measures, then releases them
    /// and drops the runtime.
    pub measure: fn(tasks: usize) -> Sample,
}

/// `taskcell-executor`: ours.
pub const OURS: Variant = Variant {
    name: "taskcell-executor",
    measure: on_taskcell::measure,
};

/// tokio: theirs.
pub const THEIRS: Variant = Variant {
    name: "tokio",
    measure: on_tokio::measure,
};

/// The resident set size of this process in bytes, from `/proc/self/statm`;
/// `None` where that file cannot be read or parsed.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * PAGE_SIZE)
}

/// The task every measurement parks: it counts itself as parked, then waits
/// for the gate to close.
async fn parked_task(gate: Arc<Semaphore>, parked: Arc<AtomicUsize>) {
    parked.fetch_add(1, Ordering::Release);
    // Closing the semaphore makes `acquire` fail: that is the release.
    let _ = gate.acquire().await;
}

/// Waits until `parked` reaches `tasks`.
fn wait_parked(parked: &AtomicUsize, tasks: usize) {
    while parked.load(Ordering::Acquire) < tasks {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Growth from `before` to `after`, per task.
fn per_task(before: Option<u64>, after: Option<u64>, tasks: usize) -> Option<f64> {
    Some((after? as f64 - before? as f64) / tasks as f64)
}

/// Defines `mod $side` with [`Variant::measure`] on the runtime that
/// `$runtime()` builds.
macro_rules! on_runtime {
    ($(#[$doc:meta])* mod $side:ident, runtime = $runtime:path $(,)?) => {
        $(#[$doc])*
        pub mod $side {
            use std::sync::atomic::AtomicUsize;
            use std::sync::Arc;
            use std::time::Instant;

            use tokio::sync::Semaphore;

            use super::{parked_task, per_task, resident_bytes, wait_parked, Sample};

            /// See [`Variant::measure`](super::Variant::measure).
            pub fn measure(tasks: usize) -> Sample {
                let rt = $runtime();
                // Let the workers start before the first reading.
                rt.block_on(async {});
                let gate = Arc::new(Semaphore::new(0));
                let parked = Arc::new(AtomicUsize::new(0));

                let before = resident_bytes();
                let start = Instant::now();
                for _ in 0..tasks {
                    rt.spawn(parked_task(gate.clone(), parked.clone()));
                }
                wait_parked(&parked, tasks);
                let spawn_time = start.elapsed();
                let after = resident_bytes();

                gate.close();
                drop(rt);
                Sample {
                    bytes_per_task: per_task(before, after, tasks),
                    spawn_time,
                }
            }
        }
    };
}

on_runtime! {
    /// The measurement on `taskcell-executor`.
    mod on_taskcell,
    runtime = crate::taskcell_runtime,
}

on_runtime! {
    /// The measurement on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime,
}

/// Measures each runtime `rounds` times, alternating ours and theirs, and
/// returns the median bytes per task of each (`None` without
/// `/proc/self/statm`), ours first.
pub fn median_bytes_per_task(tasks: usize, rounds: usize) -> (Option<f64>, Option<f64>) {
    let mut ours = Vec::with_capacity(rounds);
    let mut theirs = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        ours.extend((OURS.measure)(tasks).bytes_per_task);
        theirs.extend((THEIRS.measure)(tasks).bytes_per_task);
    }
    (crate::median(&mut ours), crate::median(&mut theirs))
}
