//! Runtime shutdown: dropping the runtime drops every pending future exactly
//! once, under that task's id — parked, queued or busy tasks alike — even
//! when some of those drops panic; `shutdown_timeout` does not wait for
//! stuck blocking work beyond its timeout.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{DropLog, Probe};
use futures_channel::oneshot;
use taskcell_executor::{Handle, JoinHandle, Runtime, TaskId};

const N: usize = common::scaled(10_000, 40);

/// Spawns `n` tasks that never finish by themselves: even ones park on
/// `pending()`, odd ones on a oneshot whose sender the caller keeps. Each
/// holds a probe of `drops` and counts its first poll in `started`.
fn spawn_forever_pending(
    rt: &Runtime,
    n: usize,
    drops: &DropLog,
    started: &Arc<AtomicUsize>,
) -> (Vec<JoinHandle<()>>, Vec<oneshot::Sender<()>>) {
    let mut senders = Vec::new();
    let handles = (0..n)
        .map(|i| {
            let probe = drops.probe();
            let started = started.clone();
            if i.is_multiple_of(2) {
                rt.spawn(async move {
                    let _probe = probe;
                    started.fetch_add(1, SeqCst);
                    futures::future::pending::<()>().await;
                })
            } else {
                let (tx, rx) = oneshot::channel::<()>();
                senders.push(tx);
                rt.spawn(async move {
                    let _probe = probe;
                    started.fetch_add(1, SeqCst);
                    let _ = rx.await;
                    unreachable!("the sender is kept until after shutdown");
                })
            }
        })
        .collect();
    (handles, senders)
}

fn sorted_ids(handles: &[JoinHandle<()>]) -> Vec<Option<TaskId>> {
    let mut ids: Vec<_> = handles.iter().map(|h| Some(h.id())).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Option<TaskId>>) -> Vec<Option<TaskId>> {
    ids.sort();
    ids
}

#[test]
fn dropping_the_runtime_drops_10_000_parked_futures_once_each_under_their_ids() {
    common::guarded(|| {
        let rt = common::rt(4);
        let drops = DropLog::new();
        let started = Arc::new(AtomicUsize::new(0));
        let (handles, senders) = spawn_forever_pending(&rt, N, &drops, &started);
        assert!(
            common::wait_until(Duration::from_secs(30), || started.load(SeqCst) == N),
            "only {} of {N} tasks were polled",
            started.load(SeqCst)
        );
        assert_eq!(drops.count(), 0);
        drop(rt);
        assert_eq!(
            drops.count(),
            N,
            "every pending future dropped exactly once"
        );
        assert_eq!(
            sorted(drops.ids()),
            sorted_ids(&handles),
            "each future dropped under its own task's id"
        );
        drop(senders);
        drop(handles);
        assert_eq!(drops.count(), N);
    });
}

#[test]
fn dropping_the_runtime_right_after_spawning_drops_queued_futures_too() {
    // Most of these tasks are still in a run queue, never polled, when the
    // runtime goes; they are dropped all the same.
    common::guarded(|| {
        let rt = common::rt(4);
        let drops = DropLog::new();
        let started = Arc::new(AtomicUsize::new(0));
        let (handles, senders) = spawn_forever_pending(&rt, N, &drops, &started);
        let ids = sorted_ids(&handles);
        drop(handles); // detached as well
        drop(rt);
        assert_eq!(drops.count(), N);
        assert_eq!(sorted(drops.ids()), ids);
        drop(senders);
    });
}

#[test]
fn handles_of_tasks_pending_at_shutdown_resolve_to_cancelled() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let started = Arc::new(AtomicUsize::new(0));
        let n = common::scaled(100, 10);
        let (handles, _senders) = spawn_forever_pending(&rt, n, &drops, &started);
        drop(rt);
        for handle in handles {
            let id = handle.id();
            let err = futures::executor::block_on(handle)
                .expect_err("a task dropped at shutdown has no output");
            assert!(err.is_cancelled(), "expected cancelled, got {err}");
            assert_eq!(err.id(), id);
        }
    });
}

#[test]
fn dropping_the_runtime_stops_busy_tasks_and_drops_them() {
    const BUSY: usize = common::scaled(100, 4);
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let laps = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for _ in 0..BUSY {
            let probe = drops.probe();
            let laps = laps.clone();
            let handle = rt.spawn(async move {
                let _probe = probe;
                loop {
                    laps.fetch_add(1, SeqCst);
                    taskcell_executor::yield_now().await;
                }
            });
            ids.push(Some(handle.id()));
        }
        assert!(common::wait_until(Duration::from_secs(10), || laps
            .load(SeqCst)
            > 10 * BUSY));
        drop(rt);
        assert_eq!(drops.count(), BUSY);
        ids.sort();
        assert_eq!(sorted(drops.ids()), ids);
        let after = laps.load(SeqCst);
        thread::sleep(Duration::from_millis(30));
        assert_eq!(
            laps.load(SeqCst),
            after,
            "a task ran after the runtime was dropped"
        );
    });
}

#[test]
fn a_panic_in_a_futures_drop_during_shutdown_does_not_stop_the_other_drops() {
    const TASKS: usize = common::scaled(1_000, 20);
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(4);
        let drops = DropLog::new();
        let started = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for i in 0..TASKS {
            // Every seventh future panics when dropped.
            let probe: Probe = if i.is_multiple_of(7) {
                drops.panicking_probe()
            } else {
                drops.probe()
            };
            let started = started.clone();
            let handle = rt.spawn(async move {
                let _probe = probe;
                started.fetch_add(1, SeqCst);
                futures::future::pending::<()>().await;
            });
            ids.push(Some(handle.id()));
        }
        assert!(common::wait_until(Duration::from_secs(10), || {
            started.load(SeqCst) == TASKS
        }));
        // Whether the runtime reports the panics to the dropping thread is
        // its choice; the process must live on and every future be dropped.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(rt)));
        assert_eq!(drops.count(), TASKS, "some futures were never dropped");
        ids.sort();
        assert_eq!(sorted(drops.ids()), ids);
    });
}

#[test]
fn shutdown_timeout_returns_despite_a_stuck_blocking_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
        drop(rt.spawn_blocking(move || {
            entered_tx.send(()).unwrap();
            // Stuck until the test releases it (or for a long time).
            let _ = release_rx.recv_timeout(Duration::from_secs(30));
        }));
        let probe = drops.probe();
        let pending = rt.spawn(async move {
            let _probe = probe;
            futures::future::pending::<()>().await;
        });
        let id = pending.id();
        entered_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the blocking task started");
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "shutdown_timeout took {took:?}"
        );
        assert_eq!(
            drops.ids(),
            [Some(id)],
            "the pending future was dropped under its id"
        );
        drop(release_tx);
    });
}

/// A future's drop that spawns another task on the runtime being shut down.
struct SpawnOnDrop {
    handle: Handle,
    inner: DropLog,
    outcome: Arc<AtomicUsize>,
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let probe = self.inner.probe();
        let outcome = self.outcome.clone();
        let late = self.handle.spawn(async move {
            let _probe = probe;
            outcome.fetch_add(1, SeqCst);
        });
        drop(late);
    }
}

#[test]
fn spawning_from_a_drop_during_shutdown_neither_hangs_nor_leaks() {
    common::guarded(|| {
        let rt = common::rt(2);
        let outer = DropLog::new();
        let inner = DropLog::new();
        let outcome = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let tasks = common::scaled(50, 5);
        for _ in 0..tasks {
            let guard = SpawnOnDrop {
                handle: rt.handle().clone(),
                inner: inner.clone(),
                outcome: outcome.clone(),
            };
            let probe = outer.probe();
            let started = started.clone();
            drop(rt.spawn(async move {
                let _guard = guard;
                let _probe = probe;
                started.fetch_add(1, SeqCst);
                futures::future::pending::<()>().await;
            }));
        }
        assert!(common::wait_until(Duration::from_secs(10), || {
            started.load(SeqCst) == tasks
        }));
        drop(rt);
        assert_eq!(outer.count(), tasks);
        // The late tasks were either run or dropped unrun — never leaked.
        assert_eq!(
            inner.count(),
            tasks,
            "a future spawned during shutdown leaked"
        );
        assert!(outcome.load(SeqCst) <= tasks);
    });
}

/// `shutdown_timeout(Duration::MAX)` waits without limit, as tokio's: no
/// overflow panic, and the blocking work finishes first.
#[test]
fn shutdown_timeout_of_duration_max_waits_for_blocking_work() {
    common::guarded(|| {
        for rt in [common::current_thread_rt(), common::rt(2)] {
            let done = Arc::new(AtomicUsize::new(0));
            let counted = done.clone();
            let handle = rt.spawn_blocking(move || {
                thread::sleep(Duration::from_millis(20));
                counted.fetch_add(1, SeqCst);
            });
            rt.shutdown_timeout(Duration::MAX);
            assert_eq!(done.load(SeqCst), 1, "waited for the blocking closure");
            assert!(futures::executor::block_on(handle).is_ok());
        }
    });
}

/// As tokio's: a `spawn_blocking` made before the shutdown runs to the end,
/// even when its thread has only just been started and has not yet taken
/// it (it was cancelled in that window). Repeated, since the window is a
/// race between the new thread and the shutdown.
#[test]
fn a_blocking_task_spawned_just_before_shutdown_still_runs() {
    common::guarded(|| {
        for round in 0..common::scaled(200, 4) {
            let rt = match round % 2 {
                0 => common::current_thread_rt(),
                _ => common::rt(1),
            };
            let handle = rt.spawn_blocking(|| 42);
            rt.shutdown_timeout(Duration::from_secs(100));
            assert_eq!(
                futures::executor::block_on(handle).unwrap(),
                42,
                "round {round}"
            );
        }
    });
}

/// With a single blocking thread busy at the shutdown, a closure queued
/// behind it runs once the first returns, as tokio's pool does: queued
/// work is cancelled only by threads idle at the shutdown, or when there
/// is no thread at all.
#[test]
fn a_blocking_task_queued_behind_a_busy_thread_runs_after_it() {
    common::guarded(|| {
        let rt = taskcell_executor::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
        let first = rt.spawn_blocking(move || {
            entered_tx.send(()).unwrap();
            thread::sleep(Duration::from_millis(50));
            1
        });
        entered_rx.recv().unwrap();
        let second = rt.spawn_blocking(|| 2);
        rt.shutdown_timeout(Duration::from_secs(100));
        assert_eq!(futures::executor::block_on(first).unwrap(), 1);
        assert_eq!(futures::executor::block_on(second).unwrap(), 2);
    });
}

/// A runtime dropped inside another's `block_on` panics rather than wait
/// for workers that may include this thread, with tokio's words first
/// (what code written against tokio checks) and a `&'static str` payload.
#[test]
fn dropping_a_runtime_inside_a_block_on_panics_in_tokios_words() {
    common::guarded(|| {
        let outer = common::current_thread_rt();
        let inner = common::rt(1);
        let payload = catch_unwind(AssertUnwindSafe(|| {
            outer.block_on(async move { drop(inner) });
        }))
        .unwrap_err();
        let message = payload.downcast_ref::<&'static str>().expect("a literal");
        assert!(
            message.starts_with("Cannot drop a runtime in a context where blocking is not allowed"),
            "{message}"
        );
        assert!(message.contains("shutdown_background"), "{message}");
    });
}
