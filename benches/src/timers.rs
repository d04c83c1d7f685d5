//! `timers`: timer churn, `taskcell-executor`'s timer wheel against tokio's.
//!
//! - `sleeps`: 100 000 sleeps set and fired. [`TASKS`] tasks, spawned from
//!   `block_on`, each set [`PER_TASK`] sleeps at once (in a
//!   `FuturesUnordered`, which polls only the futures that were woken) and
//!   wait for all of them. Each sleep lasts 1 ms plus a pseudo-random part
//!   of [`SLEEP_SPREAD`], so that the timers land in several slots and fire
//!   over a few ticks, and none is due before it is set: both runtimes
//!   round a deadline up to their 1 ms tick, and the sleeps wait for the
//!   wheel, not for each other. The iteration ends when every sleep has
//!   fired: about 1 ms + [`SLEEP_SPREAD`], plus the runtime's cost of
//!   setting, firing and waking 100 000 timers.
//! - `timeouts`: 100 000 timeouts set and cancelled before they fire. The
//!   same tasks each run [`PER_TASK`] `timeout(1 s + jitter, yield_now())`:
//!   the inner `yield_now` is pending once, so the timeout's timer is
//!   registered, then it completes on the next poll and the timeout is
//!   dropped with its timer, which never fires.
//!
//! Both workloads are written once, in the `timers!` macro, and instantiated
//! for each runtime ([`on_taskcell`], [`on_tokio`]) with its own `spawn`,
//! `sleep`, `timeout` and `yield_now`. Each iteration is one `block_on` on a
//! runtime built once per [`Routine`](crate::Routine), with [`workers`](crate::workers)
//! workers and timers enabled.

use std::time::Duration;

use crate::rt::Workload;

/// Tasks per iteration.
pub const TASKS: usize = 1_000;
/// Sleeps (or timeouts) per task: [`TASKS`] × `PER_TASK` = 100 000 timers
/// per iteration.
pub const PER_TASK: usize = 100;
/// The spread of the sleeps' durations, over the first millisecond.
pub const SLEEP_SPREAD: Duration = Duration::from_millis(3);
/// The timeout of the `timeouts` workload, before its jitter: far longer
/// than an iteration, so that no timeout fires.
pub const TIMEOUT: Duration = Duration::from_secs(1);

/// The two workloads, on both runtimes.
pub const WORKLOADS: [Workload; 2] = [
    Workload {
        name: "sleeps",
        taskcell: on_taskcell::sleeps,
        tokio: on_tokio::sleeps,
        setup_per_sample: false,
    },
    Workload {
        name: "timeouts",
        taskcell: on_taskcell::timeouts,
        tokio: on_tokio::timeouts,
        setup_per_sample: false,
    },
];

/// A small pseudo-random number for timer `step` of task `task`, in
/// `0..bound`: the same for both runtimes, spread over the whole range.
///
/// ```
/// use taskcell_benches::timers::jitter;
/// assert!((0..1000).all(|task| jitter(task, 7, 40) < 40));
/// assert_ne!(jitter(1, 0, 1 << 20), jitter(2, 0, 1 << 20));
/// ```
pub fn jitter(task: usize, step: usize, bound: u64) -> u64 {
    // splitmix64's finaliser over the pair.
    let mut x = (task as u64) << 32 ^ step as u64;
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) % bound
}

/// The duration of sleep `step` of task `task` of `sleeps`: 1 ms plus up
/// to [`SLEEP_SPREAD`].
fn sleep_of(task: usize, step: usize) -> Duration {
    let spread = u64::try_from(SLEEP_SPREAD.as_micros()).unwrap_or(u64::MAX);
    Duration::from_millis(1) + Duration::from_micros(jitter(task, step, spread))
}

/// The timeout of step `step` of task `task` of `timeouts`: [`TIMEOUT`]
/// plus up to 64 ms, so that the timers spread over many slots.
fn timeout_of(task: usize, step: usize) -> Duration {
    TIMEOUT + Duration::from_micros(jitter(task, step, 64_000))
}

/// Defines `mod $side` with both workloads on one runtime.
macro_rules! timers {
    (
        $(#[$doc:meta])*
        mod $side:ident,
        runtime = $runtime:path,
        spawn = $spawn:path,
        sleep = $sleep:path,
        timeout = $timeout:path,
        yield_now = $yield_now:path,
    ) => {
        $(#[$doc])*
        pub mod $side {
            use futures_util::stream::{FuturesUnordered, StreamExt};

            use super::{sleep_of, timeout_of, PER_TASK, TASKS};
            use crate::Routine;

            /// `sleeps`: see the [module docs](super).
            pub fn sleeps() -> Routine {
                let rt = $runtime();
                Box::new(move || {
                    rt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|task| {
                                $spawn(async move {
                                    let mut sleeps: FuturesUnordered<_> = (0..PER_TASK)
                                        .map(|step| $sleep(sleep_of(task, step)))
                                        .collect();
                                    while sleeps.next().await.is_some() {}
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                    })
                })
            }

            /// `timeouts`: see the [module docs](super).
            pub fn timeouts() -> Routine {
                let rt = $runtime();
                Box::new(move || {
                    rt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|task| {
                                $spawn(async move {
                                    for step in 0..PER_TASK {
                                        $timeout(timeout_of(task, step), $yield_now())
                                            .await
                                            .expect("a timeout fired");
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                    })
                })
            }
        }
    };
}

timers! {
    /// The workloads on `taskcell-executor`.
    mod on_taskcell,
    runtime = crate::taskcell_runtime,
    spawn = taskcell_executor::spawn,
    sleep = taskcell_executor::time::sleep,
    timeout = taskcell_executor::time::timeout,
    yield_now = taskcell_executor::yield_now,
}

timers! {
    /// The workloads on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime,
    spawn = tokio::spawn,
    sleep = tokio::time::sleep,
    timeout = tokio::time::timeout,
    yield_now = tokio::task::yield_now,
}
