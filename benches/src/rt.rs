//! `rt`: the multi-thread scheduler of `taskcell-executor` against tokio's,
//! on the workloads of tokio's own scheduler benchmarks
//! (`benches/rt_multi_threaded.rs` in the tokio repository).
//!
//! The workloads keep tokio's constants and structure: one iteration is one
//! `block_on` (or plain `spawn`s), completion is signalled through std
//! `mpsc::sync_channel`s that the measuring thread blocks on. Only the worker
//! count differs from tokio's file (4 there): both runtimes get
//! [`workers`](crate::workers), by default the machine's available
//! parallelism.
//!
//! - `spawn_many_local`: the root future of `block_on` spawns 10 000 empty
//!   tasks; the last one to run wakes the measuring thread.
//! - `spawn_many_remote_idle`: 10 000 tasks spawned from outside the runtime
//!   through `Runtime::spawn`, then joined, one `JoinHandle` after the other,
//!   from `block_on`.
//! - `spawn_many_remote_busy1`: the same while `2 * workers` background
//!   tasks burn CPU in 10 µs slices between `yield_now`s, so that the remote
//!   spawns compete with yielded tasks; spawns go through `Handle::spawn`.
//! - `spawn_many_remote_busy2`: the same with 1 000 spawns while
//!   `workers` chains of background tasks burn 10 µs each and then spawn
//!   their successor, so that the remote spawns compete with fresh local ones.
//! - `ping_pong`: 1 000 task pairs, each exchanging two messages over
//!   `tokio::sync::oneshot` channels. Both runtimes use tokio's `oneshot`
//!   (it works on any executor), so only the scheduler differs.
//! - `yield_many`: 200 tasks, spawned from outside, each yielding 1 000
//!   times.
//! - `chained_spawn`: a chain of 1 000 tasks, each spawning the next.
//!
//! Each workload is written once, in the `workloads!` macro, and instantiated
//! for each runtime ([`on_taskcell`], [`on_tokio`]), so both sides run the
//! same code and call their own `spawn`, `yield_now`, `block_on` and
//! `JoinHandle` directly: no trait object, no boxing, nothing per spawn that
//! tokio's original does not have. [`WORKLOADS`] lists them in order.
//!
//! The background load of the `busy` workloads belongs to the [`Routine`]:
//! it runs from the moment the routine is built until it is dropped, so
//! build one runtime's routine only while the other's is gone.

use std::time::{Duration, Instant};

use crate::Routine;

/// Tasks spawned per iteration by the `spawn_many_*` workloads (`busy2`
/// uses its own, smaller count).
pub const NUM_SPAWN: usize = 10_000;
/// CPU time burnt by a background task of the `busy` workloads per turn.
pub const STALL_DUR: Duration = Duration::from_micros(10);

/// Keeps the calling worker busy for [`STALL_DUR`], spinning on
/// `thread::yield_now` the way tokio's benchmark does.
fn stall() {
    let now = Instant::now();
    while now.elapsed() < STALL_DUR {
        std::thread::yield_now();
    }
}

/// One workload of the group, on both runtimes.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The workload's name, as in tokio's benchmark (`spawn_many_local`, …).
    pub name: &'static str,
    /// Builds the workload on `taskcell-executor`.
    pub taskcell: fn() -> Routine,
    /// Builds the workload on tokio.
    pub tokio: fn() -> Routine,
    /// Whether tokio's benchmark builds this workload's runtime inside the
    /// benchmark closure, that is once per criterion sample, rather than
    /// once per benchmark; the criterion bench does the same.
    pub setup_per_sample: bool,
}

/// The seven workloads, in the order of tokio's benchmark file.
pub const WORKLOADS: [Workload; 7] = [
    Workload {
        name: "spawn_many_local",
        taskcell: on_taskcell::spawn_many_local,
        tokio: on_tokio::spawn_many_local,
        setup_per_sample: false,
    },
    Workload {
        name: "spawn_many_remote_idle",
        taskcell: on_taskcell::spawn_many_remote_idle,
        tokio: on_tokio::spawn_many_remote_idle,
        setup_per_sample: false,
    },
    Workload {
        name: "spawn_many_remote_busy1",
        taskcell: on_taskcell::spawn_many_remote_busy1,
        tokio: on_tokio::spawn_many_remote_busy1,
        setup_per_sample: false,
    },
    Workload {
        name: "spawn_many_remote_busy2",
        taskcell: on_taskcell::spawn_many_remote_busy2,
        tokio: on_tokio::spawn_many_remote_busy2,
        setup_per_sample: false,
    },
    Workload {
        name: "ping_pong",
        taskcell: on_taskcell::ping_pong,
        tokio: on_tokio::ping_pong,
        setup_per_sample: false,
    },
    Workload {
        name: "yield_many",
        taskcell: on_taskcell::yield_many,
        tokio: on_tokio::yield_many,
        setup_per_sample: true,
    },
    Workload {
        name: "chained_spawn",
        taskcell: on_taskcell::chained_spawn,
        tokio: on_tokio::chained_spawn,
        setup_per_sample: true,
    },
];

/// Defines `mod $side` with one function per workload, each building that
/// workload on the runtime that `$runtime()` builds and returning its
/// [`Routine`].
macro_rules! workloads {
    (
        $(#[$doc:meta])*
        mod $side:ident,
        runtime = $runtime:path => $Runtime:ty,
        spawn = $spawn:path,
        yield_now = $yield_now:path $(,)?
    ) => {
        $(#[$doc])*
        pub mod $side {
            use std::sync::atomic::Ordering::Relaxed;
            use std::sync::atomic::{AtomicBool, AtomicUsize};
            use std::sync::{mpsc, Arc};

            use tokio::sync::oneshot;

            use super::{stall, NUM_SPAWN};
            use crate::workers;
            use crate::Routine;

            /// A runtime with background tasks that run while `flag` is
            /// set; dropping it clears the flag first, then drops the
            /// runtime.
            struct Busy {
                rt: $Runtime,
                flag: Arc<AtomicBool>,
            }

            impl Busy {
                fn rt(&self) -> &$Runtime {
                    &self.rt
                }
            }

            impl Drop for Busy {
                fn drop(&mut self) {
                    self.flag.store(false, Relaxed);
                }
            }

            /// `spawn_many_local`: see the [module docs](super).
            pub fn spawn_many_local() -> Routine {
                let rt = $runtime();

                let (tx, rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));

                Box::new(move || {
                    rem.store(NUM_SPAWN, Relaxed);

                    rt.block_on(async {
                        for _ in 0..NUM_SPAWN {
                            let tx = tx.clone();
                            let rem = rem.clone();

                            $spawn(async move {
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    tx.send(()).unwrap();
                                }
                            });
                        }

                        rx.recv().unwrap();
                    });
                })
            }

            /// `spawn_many_remote_idle`: see the [module docs](super).
            pub fn spawn_many_remote_idle() -> Routine {
                let rt = $runtime();

                let mut handles = Vec::with_capacity(NUM_SPAWN);

                Box::new(move || {
                    for _ in 0..NUM_SPAWN {
                        handles.push(rt.spawn(async {}));
                    }

                    rt.block_on(async {
                        for handle in handles.drain(..) {
                            handle.await.unwrap();
                        }
                    });
                })
            }

            /// `spawn_many_remote_busy1`: see the [module docs](super).
            /// Background load: tasks that burn CPU and yield, so that the
            /// remote spawns queue up next to yielded tasks.
            pub fn spawn_many_remote_busy1() -> Routine {
                let busy = Busy {
                    rt: $runtime(),
                    flag: Arc::new(AtomicBool::new(true)),
                };
                let mut handles = Vec::with_capacity(NUM_SPAWN);

                for _ in 0..(2 * workers()) {
                    let flag = busy.flag.clone();
                    busy.rt().spawn(async move {
                        while flag.load(Relaxed) {
                            $yield_now().await;
                            stall();
                        }
                    });
                }

                Box::new(move || {
                    let rt = busy.rt();
                    let rt_handle = rt.handle();
                    for _ in 0..NUM_SPAWN {
                        handles.push(rt_handle.spawn(async {}));
                    }

                    rt.block_on(async {
                        for handle in handles.drain(..) {
                            handle.await.unwrap();
                        }
                    });
                })
            }

            /// `spawn_many_remote_busy2`: see the [module docs](super).
            /// Background load: chains of tasks that burn CPU and then spawn
            /// their successor, so that the remote spawns queue up next to
            /// freshly spawned local tasks.
            pub fn spawn_many_remote_busy2() -> Routine {
                const NUM_SPAWN: usize = 1_000;

                let busy = Busy {
                    rt: $runtime(),
                    flag: Arc::new(AtomicBool::new(true)),
                };
                let mut handles = Vec::with_capacity(NUM_SPAWN);

                for _ in 0..workers() {
                    let flag = busy.flag.clone();
                    fn iter(flag: Arc<AtomicBool>) {
                        $spawn(async {
                            if flag.load(Relaxed) {
                                stall();
                                iter(flag);
                            }
                        });
                    }
                    busy.rt().spawn(async {
                        iter(flag);
                    });
                }

                Box::new(move || {
                    let rt = busy.rt();
                    let rt_handle = rt.handle();
                    for _ in 0..NUM_SPAWN {
                        handles.push(rt_handle.spawn(async {}));
                    }

                    rt.block_on(async {
                        for handle in handles.drain(..) {
                            handle.await.unwrap();
                        }
                    });
                })
            }

            /// `ping_pong`: see the [module docs](super).
            pub fn ping_pong() -> Routine {
                const NUM_PINGS: usize = 1_000;

                let rt = $runtime();

                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));

                Box::new(move || {
                    let done_tx = done_tx.clone();
                    let rem = rem.clone();
                    rem.store(NUM_PINGS, Relaxed);

                    rt.block_on(async {
                        $spawn(async move {
                            for _ in 0..NUM_PINGS {
                                let rem = rem.clone();
                                let done_tx = done_tx.clone();

                                $spawn(async move {
                                    let (tx1, rx1) = oneshot::channel();
                                    let (tx2, rx2) = oneshot::channel();

                                    $spawn(async move {
                                        rx1.await.unwrap();
                                        tx2.send(()).unwrap();
                                    });

                                    tx1.send(()).unwrap();
                                    rx2.await.unwrap();

                                    if 1 == rem.fetch_sub(1, Relaxed) {
                                        done_tx.send(()).unwrap();
                                    }
                                });
                            }
                        });

                        done_rx.recv().unwrap();
                    });
                })
            }

            /// `yield_many`: see the [module docs](super).
            pub fn yield_many() -> Routine {
                const NUM_YIELD: usize = 1_000;
                const TASKS: usize = 200;

                let rt = $runtime();
                let (tx, rx) = mpsc::sync_channel(TASKS);

                Box::new(move || {
                    for _ in 0..TASKS {
                        let tx = tx.clone();

                        rt.spawn(async move {
                            for _ in 0..NUM_YIELD {
                                $yield_now().await;
                            }

                            tx.send(()).unwrap();
                        });
                    }

                    for _ in 0..TASKS {
                        rx.recv().unwrap();
                    }
                })
            }

            /// `chained_spawn`: see the [module docs](super).
            pub fn chained_spawn() -> Routine {
                const ITER: usize = 1_000;

                fn iter(done_tx: mpsc::SyncSender<()>, n: usize) {
                    if n == 0 {
                        done_tx.send(()).unwrap();
                    } else {
                        $spawn(async move {
                            iter(done_tx, n - 1);
                        });
                    }
                }

                let rt = $runtime();
                let (done_tx, done_rx) = mpsc::sync_channel(1000);

                Box::new(move || {
                    let done_tx = done_tx.clone();

                    rt.block_on(async {
                        $spawn(async move {
                            iter(done_tx, ITER);
                        });

                        done_rx.recv().unwrap();
                    });
                })
            }
        }
    };
}

workloads! {
    /// The workloads on `taskcell-executor`.
    mod on_taskcell,
    runtime = crate::taskcell_runtime => taskcell_executor::Runtime,
    spawn = taskcell_executor::spawn,
    yield_now = taskcell_executor::yield_now,
}

workloads! {
    /// The workloads on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime => tokio::runtime::Runtime,
    spawn = tokio::spawn,
    yield_now = tokio::task::yield_now,
}
