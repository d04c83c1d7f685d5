//! `rt`: the multi-thread scheduler of `taskcell-executor` against tokio's,
//! on the workloads of tokio's own scheduler benchmarks
//! (`benches/rt_multi_threaded.rs` in the tokio repository).
//!
//! The workloads keep tokio's constants and structure: criterion's `b.iter`
//! around `block_on` (or around plain `spawn`s), completion signalled through
//! std `mpsc::sync_channel`s that the measuring thread blocks on, and no
//! `b.to_async`. Only the worker count differs from tokio's file:
//! [`NUM_WORKERS`] is 2, the core count of the machine these figures come from,
//! and both runtimes get the same number.
//!
//! - `spawn_many_local`: the root future of `block_on` spawns 10 000 empty
//!   tasks; the last one to run wakes the measuring thread.
//! - `spawn_many_remote_idle`: 10 000 tasks spawned from outside the runtime
//!   through `Runtime::spawn`, then joined, one `JoinHandle` after the other,
//!   from `block_on`.
//! - `spawn_many_remote_busy1`: the same while `2 * NUM_WORKERS` background
//!   tasks burn CPU in 10 µs slices between `yield_now`s, so that the remote
//!   spawns compete with yielded tasks; spawns go through `Handle::spawn`.
//! - `spawn_many_remote_busy2`: the same with 1 000 spawns while
//!   `NUM_WORKERS` chains of background tasks burn 10 µs each and then spawn
//!   their successor, so that the remote spawns compete with fresh local ones.
//! - `ping_pong`: 1 000 task pairs, each exchanging two messages over
//!   `tokio::sync::oneshot` channels. Both runtimes use tokio's `oneshot`
//!   (it works on any executor), so only the scheduler differs.
//! - `yield_many`: 200 tasks, spawned from outside, each yielding 1 000
//!   times.
//! - `chained_spawn`: a chain of 1 000 tasks, each spawning the next.
//!
//! Each workload is written once, in the `workloads!` macro, and instantiated
//! for each runtime, so both sides run the same code and call their own
//! `spawn`, `yield_now`, `block_on` and `JoinHandle` directly: no trait object,
//! no boxing, nothing per spawn that tokio's original does not have.
//!
//! Naming: one criterion group, `rt`; each benchmark's id is
//! `rt/<workload>/<runtime>`, e.g. `rt/spawn_many_local/taskcell` and
//! `rt/spawn_many_local/tokio`, and the two run one right after the other.
//! Criterion's HTML report then has a summary per workload (`rt/<workload>`)
//! comparing the two runtimes, one per runtime (`rt/taskcell`, `rt/tokio`)
//! over all workloads, and in the index a table with a row per runtime and a
//! column per workload.
//!
//! Run with `cargo bench -p taskcell-benches --bench rt` (add a filter such
//! as `-- ping_pong` for one workload). Each of the 14 benchmarks gets 1 s of
//! warm-up and 8 s of measurement, about three minutes in all (an estimate,
//! not timed). tokio's runtimes are built with its `rt-multi-thread` feature
//! (`enable_all` turns on its `time` driver, as tokio's benchmark does); its
//! `sync` feature provides `oneshot`.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

/// Worker threads of each runtime (tokio's benchmark uses 4; this machine
/// has 2 cores).
const NUM_WORKERS: usize = 2;
/// Tasks spawned per iteration by the `spawn_many_*` workloads (`busy2`
/// uses its own, smaller count).
const NUM_SPAWN: usize = 10_000;
/// CPU time burnt by a background task of the `busy` workloads per turn.
const STALL_DUR: Duration = Duration::from_micros(10);

/// Keeps the calling worker busy for [`STALL_DUR`], spinning on
/// `thread::yield_now` the way tokio's benchmark does.
fn stall() {
    let now = Instant::now();
    while now.elapsed() < STALL_DUR {
        std::thread::yield_now();
    }
}

fn taskcell_runtime() -> taskcell_executor::Runtime {
    taskcell_executor::Builder::new_multi_thread()
        .worker_threads(NUM_WORKERS)
        .build()
        .unwrap()
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(NUM_WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

/// Defines `mod $side` with one function per workload, each adding that
/// workload's benchmark, run on the runtime that `$runtime()` builds and
/// labelled `$label`, to a criterion group.
macro_rules! workloads {
    (
        mod $side:ident: $label:literal,
        runtime = $runtime:path,
        spawn = $spawn:path,
        yield_now = $yield_now:path $(,)?
    ) => {
        mod $side {
            use std::sync::atomic::Ordering::Relaxed;
            use std::sync::atomic::{AtomicBool, AtomicUsize};
            use std::sync::{mpsc, Arc};

            use criterion::measurement::WallTime;
            use criterion::{BenchmarkGroup, BenchmarkId};
            use tokio::sync::oneshot;

            use super::{stall, NUM_SPAWN, NUM_WORKERS};

            type Group<'a> = BenchmarkGroup<'a, WallTime>;

            fn id(workload: &str) -> BenchmarkId {
                BenchmarkId::new(workload, $label)
            }

            pub(super) fn spawn_many_local(group: &mut Group<'_>) {
                let rt = $runtime();

                let (tx, rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));

                group.bench_function(id("spawn_many_local"), |b| {
                    b.iter(|| {
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
                });
            }

            pub(super) fn spawn_many_remote_idle(group: &mut Group<'_>) {
                let rt = $runtime();

                let mut handles = Vec::with_capacity(NUM_SPAWN);

                group.bench_function(id("spawn_many_remote_idle"), |b| {
                    b.iter(|| {
                        for _ in 0..NUM_SPAWN {
                            handles.push(rt.spawn(async {}));
                        }

                        rt.block_on(async {
                            for handle in handles.drain(..) {
                                handle.await.unwrap();
                            }
                        });
                    })
                });
            }

            /// Background load: tasks that burn CPU and yield, so that the
            /// remote spawns queue up next to yielded tasks.
            pub(super) fn spawn_many_remote_busy1(group: &mut Group<'_>) {
                let rt = $runtime();
                let rt_handle = rt.handle();
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                let flag = Arc::new(AtomicBool::new(true));

                for _ in 0..(2 * NUM_WORKERS) {
                    let flag = flag.clone();
                    rt.spawn(async move {
                        while flag.load(Relaxed) {
                            $yield_now().await;
                            stall();
                        }
                    });
                }

                group.bench_function(id("spawn_many_remote_busy1"), |b| {
                    b.iter(|| {
                        for _ in 0..NUM_SPAWN {
                            handles.push(rt_handle.spawn(async {}));
                        }

                        rt.block_on(async {
                            for handle in handles.drain(..) {
                                handle.await.unwrap();
                            }
                        });
                    })
                });

                flag.store(false, Relaxed);
            }

            /// Background load: chains of tasks that burn CPU and then spawn
            /// their successor, so that the remote spawns queue up next to
            /// freshly spawned local tasks.
            pub(super) fn spawn_many_remote_busy2(group: &mut Group<'_>) {
                const NUM_SPAWN: usize = 1_000;

                let rt = $runtime();
                let rt_handle = rt.handle();
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                let flag = Arc::new(AtomicBool::new(true));

                for _ in 0..NUM_WORKERS {
                    let flag = flag.clone();
                    fn iter(flag: Arc<AtomicBool>) {
                        $spawn(async {
                            if flag.load(Relaxed) {
                                stall();
                                iter(flag);
                            }
                        });
                    }
                    rt.spawn(async {
                        iter(flag);
                    });
                }

                group.bench_function(id("spawn_many_remote_busy2"), |b| {
                    b.iter(|| {
                        for _ in 0..NUM_SPAWN {
                            handles.push(rt_handle.spawn(async {}));
                        }

                        rt.block_on(async {
                            for handle in handles.drain(..) {
                                handle.await.unwrap();
                            }
                        });
                    })
                });

                flag.store(false, Relaxed);
            }

            pub(super) fn ping_pong(group: &mut Group<'_>) {
                const NUM_PINGS: usize = 1_000;

                let rt = $runtime();

                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));

                group.bench_function(id("ping_pong"), |b| {
                    b.iter(|| {
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
                });
            }

            pub(super) fn yield_many(group: &mut Group<'_>) {
                const NUM_YIELD: usize = 1_000;
                const TASKS: usize = 200;

                group.bench_function(id("yield_many"), |b| {
                    let rt = $runtime();
                    let (tx, rx) = mpsc::sync_channel(TASKS);

                    b.iter(move || {
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
                });
            }

            pub(super) fn chained_spawn(group: &mut Group<'_>) {
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

                group.bench_function(id("chained_spawn"), |b| {
                    let rt = $runtime();
                    let (done_tx, done_rx) = mpsc::sync_channel(1000);

                    b.iter(move || {
                        let done_tx = done_tx.clone();

                        rt.block_on(async {
                            $spawn(async move {
                                iter(done_tx, ITER);
                            });

                            done_rx.recv().unwrap();
                        });
                    })
                });
            }
        }
    };
}

workloads! {
    mod on_taskcell: "taskcell",
    runtime = super::taskcell_runtime,
    spawn = taskcell_executor::spawn,
    yield_now = taskcell_executor::yield_now,
}

workloads! {
    mod on_tokio: "tokio",
    runtime = super::tokio_runtime,
    spawn = tokio::spawn,
    yield_now = tokio::task::yield_now,
}

fn rt(c: &mut Criterion) {
    let mut group = c.benchmark_group("rt");
    // For a noisy 2-core machine: 20 samples and a short warm-up, so that
    // the 14 benchmarks fit in about three minutes. Criterion switches to
    // flat sampling by itself where an iteration is too long for linear
    // sampling to fit in the measurement time.
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    on_taskcell::spawn_many_local(&mut group);
    on_tokio::spawn_many_local(&mut group);

    on_taskcell::spawn_many_remote_idle(&mut group);
    on_tokio::spawn_many_remote_idle(&mut group);

    on_taskcell::spawn_many_remote_busy1(&mut group);
    on_tokio::spawn_many_remote_busy1(&mut group);

    on_taskcell::spawn_many_remote_busy2(&mut group);
    on_tokio::spawn_many_remote_busy2(&mut group);

    on_taskcell::ping_pong(&mut group);
    on_tokio::ping_pong(&mut group);

    on_taskcell::yield_many(&mut group);
    on_tokio::yield_many(&mut group);

    on_taskcell::chained_spawn(&mut group);
    on_tokio::chained_spawn(&mut group);

    group.finish();
}

criterion_group!(benches, rt);
criterion_main!(benches);
