//! `LocalSet` and `spawn_local`, as tokio's: futures that are not `Send`
//! run on the thread that drives the set; wakes from other threads reach
//! them; aborts and the set's `Drop` drop their futures on that thread;
//! each task has a task identity of its own; and a yield lets the driver in.
#![cfg(not(miri))]

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::{DropLog, ExpectedPanic};
use taskcell_executor::net::UnixStream;
use taskcell_executor::task::{self, JoinSet, LocalSet};
use taskcell_executor::{spawn, time, yield_now, Builder, Runtime, TaskCell, TaskId};

fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current-thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi-thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// Records the thread it is dropped on.
struct DropsOn(Arc<Mutex<Vec<ThreadId>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(thread::current().id());
    }
}

#[test]
fn tasks_that_are_not_send_run_on_the_thread_that_drives_the_set() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let local = LocalSet::new();
            let here = thread::current().id();
            let (sum, threads) = local.block_on(&rt, async {
                let total = Rc::new(Cell::new(0));
                let threads = Rc::new(RefCell::new(Vec::new()));
                let mut handles = Vec::new();
                for i in 1..=10 {
                    let (total, threads) = (Rc::clone(&total), Rc::clone(&threads));
                    handles.push(task::spawn_local(async move {
                        threads.borrow_mut().push(thread::current().id());
                        yield_now().await;
                        time::sleep(Duration::from_millis(1)).await;
                        threads.borrow_mut().push(thread::current().id());
                        total.set(total.get() + i);
                        Rc::new(i)
                    }));
                }
                let mut outs = 0;
                for handle in handles {
                    outs += *handle.await.unwrap();
                }
                assert_eq!(outs, 55, "{flavor}: outputs");
                (total.get(), threads.take())
            });
            assert_eq!(sum, 55, "{flavor}");
            assert_eq!(threads.len(), 20, "{flavor}");
            assert!(threads.iter().all(|t| *t == here), "{flavor}: {threads:?}");
        }
    });
}

#[test]
fn awaiting_the_set_runs_every_task_to_the_end() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let local = LocalSet::new();
            let log = Rc::new(RefCell::new(Vec::new()));
            for i in 0..3 {
                let log = Rc::clone(&log);
                local.spawn_local(async move {
                    log.borrow_mut().push(i);
                    // A task spawned by a task is waited for too.
                    let log2 = Rc::clone(&log);
                    task::spawn_local(async move {
                        time::sleep(Duration::from_millis(2)).await;
                        log2.borrow_mut().push(10 + i);
                    });
                });
            }
            rt.block_on(local);
            let mut got = log.take();
            got.sort();
            assert_eq!(got, [0, 1, 2, 10, 11, 12], "{flavor}");
        }
    });
}

#[test]
fn wakes_from_other_threads_reach_the_set() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let local = LocalSet::new();
            const TASKS: usize = 64;
            let got = local.block_on(&rt, async {
                let mut senders = Vec::new();
                let mut handles = Vec::new();
                for i in 0..TASKS {
                    let (tx, rx) = futures_channel::oneshot::channel::<usize>();
                    senders.push(tx);
                    let marker = Rc::new(i);
                    handles.push(task::spawn_local(async move {
                        let v = rx.await.unwrap();
                        assert_eq!(v, *marker);
                        v
                    }));
                }
                // Every task is parked on its channel before the senders go.
                yield_now().await;
                let threads: Vec<_> = senders
                    .into_iter()
                    .enumerate()
                    .map(|(i, tx)| thread::spawn(move || tx.send(i).unwrap()))
                    .collect();
                let mut total = 0;
                for handle in handles {
                    total += handle.await.unwrap();
                }
                for t in threads {
                    t.join().unwrap();
                }
                total
            });
            assert_eq!(got, (0..TASKS).sum::<usize>(), "{flavor}");
        }
    });
}

#[test]
fn dropping_the_set_drops_pending_futures_on_its_thread() {
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        let mut handles = Vec::new();
        for _ in 0..4 {
            let guard = DropsOn(Arc::clone(&drops));
            let rc = Rc::new(());
            handles.push(local.spawn_local(async move {
                let _keep = (guard, rc);
                std::future::pending::<()>().await
            }));
        }
        // Polled once, so each future holds its guard while it waits.
        local.block_on(&rt, yield_now());
        assert!(drops.lock().unwrap().is_empty());
        drop(local);
        let here = thread::current().id();
        assert_eq!(*drops.lock().unwrap(), vec![here; 4]);
        for handle in handles {
            assert!(rt.block_on(handle).unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn a_drop_during_the_sets_drop_may_spawn_and_its_task_is_cancelled() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let log = DropLog::new();
        let spawned = Rc::new(RefCell::new(None));
        struct SpawnOnDrop(Rc<RefCell<Option<task::JoinHandle<()>>>>, DropLog);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                let probe = self.1.probe();
                *self.0.borrow_mut() = Some(task::spawn_local(async move {
                    let _probe = probe;
                    std::future::pending::<()>().await
                }));
            }
        }
        let local = LocalSet::new();
        let on_drop = SpawnOnDrop(Rc::clone(&spawned), log.clone());
        local.spawn_local(async move {
            let _on_drop = on_drop;
            std::future::pending::<()>().await
        });
        local.block_on(&rt, yield_now());
        drop(local);
        // The late task was refused: its future is already dropped.
        assert_eq!(log.count(), 1);
        let late = spawned.borrow_mut().take().expect("the drop spawned");
        assert!(rt.block_on(late).unwrap_err().is_cancelled());
    });
}

#[test]
fn an_abort_from_another_thread_drops_the_future_on_the_sets_thread() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let drops = Arc::new(Mutex::new(Vec::new()));
            let local = LocalSet::new();
            let guard = DropsOn(Arc::clone(&drops));
            let here = thread::current().id();
            let cancelled = local.block_on(&rt, async move {
                let rc = Rc::new(());
                let handle = task::spawn_local(async move {
                    let _keep = (guard, rc);
                    std::future::pending::<()>().await
                });
                yield_now().await;
                let abort = handle.abort_handle();
                thread::spawn(move || abort.abort()).join().unwrap();
                handle.await.unwrap_err().is_cancelled()
            });
            assert!(cancelled, "{flavor}");
            assert_eq!(*drops.lock().unwrap(), vec![here], "{flavor}");
        }
    });
}

#[test]
fn a_panicking_task_is_a_join_error_and_the_set_goes_on() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        let (err, after) = local.block_on(&rt, async {
            let err = task::spawn_local(async { std::panic::panic_any(ExpectedPanic(7)) })
                .await
                .unwrap_err();
            let after = task::spawn_local(async { Rc::new(3) }).await.unwrap();
            (err, *after)
        });
        assert!(err.is_panic());
        assert_eq!(
            err.into_panic().downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(7))
        );
        assert_eq!(after, 3);
    });
}

#[test]
fn each_local_task_has_its_own_identity_for_task_cells() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let (tx, rx) = futures_channel::oneshot::channel();
            let owner = task::spawn_local(async move {
                let id = TaskId::current().expect("a local task has an identity");
                let cell = Rc::new(TaskCell::new(Cell::new(1)));
                cell.with(|v| v.set(2));
                tx.send((id, Rc::clone(&cell))).ok().unwrap();
                // Still the owner after a suspension.
                yield_now().await;
                cell.with(|v| v.get())
            });
            let (owner_id, cell) = rx.await.unwrap();
            let other = task::spawn_local(async move {
                let me = TaskId::current().unwrap();
                (me, cell.try_with(|v| v.get()).is_err())
            });
            let (other_id, refused) = other.await.unwrap();
            assert_ne!(owner_id, other_id);
            assert!(refused, "another task touched the cell");
            assert_eq!(owner.await.unwrap(), 2);
        });
    });
}

#[test]
fn spawn_local_outside_a_set_panics_and_says_so() {
    let err = std::panic::catch_unwind(|| task::spawn_local(async {})).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("outside of a `task::LocalSet`"), "{msg}");
}

#[test]
fn enter_makes_spawn_local_reach_the_set_until_the_guard_drops() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        let handle = {
            let _guard = local.enter();
            task::spawn_local(async { Rc::new("ran") })
        };
        assert!(std::panic::catch_unwind(|| task::spawn_local(async {})).is_err());
        assert_eq!(*local.block_on(&rt, handle).unwrap(), "ran");
    });
}

#[test]
fn local_tasks_spawn_send_tasks_on_the_runtime_and_await_them() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let local = LocalSet::new();
            let out = local.block_on(&rt, async {
                let rc = Rc::new(20);
                task::spawn_local(async move {
                    let remote = spawn(async { 1 + 1 }).await.unwrap();
                    *rc + remote
                })
                .await
                .unwrap()
            });
            assert_eq!(out, 22, "{flavor}");
        }
    });
}

#[test]
fn join_set_and_builder_spawn_local() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        set.spawn_local_on(async { Rc::new(1) }, &local);
        let named = task::Builder::new()
            .name("local-named")
            .spawn_local_on(async { panic!("named failure") }, &local);
        let sum = local.block_on(&rt, async {
            set.spawn_local(async { Rc::new(2) });
            let mut sum = 0;
            while let Some(out) = set.join_next().await {
                sum += *out.unwrap();
            }
            sum
        });
        assert_eq!(sum, 3);
        let err = local.block_on(&rt, named).unwrap_err();
        assert_eq!(err.name(), Some("local-named"));
    });
}

/// A local task makes its socket readable, then yields until it sees the
/// readiness. On a current-thread runtime the set's thread turns the driver
/// itself when its tasks yield, so 10 yields must be enough. On a
/// multi-thread runtime the set runs on the `block_on` thread and a worker
/// turns the driver: the readiness arrives when that worker gets the CPU,
/// which a loaded machine may delay past any count of yields, so there the
/// yields must merely not keep it out (well within the watchdog).
#[test]
fn a_yielding_local_task_sees_its_socket_ready() {
    common::guarded(|| {
        for (flavor, rt) in runtimes() {
            let local = LocalSet::new();
            let started = std::time::Instant::now();
            let seen = local.block_on(&rt, async {
                task::spawn_local(async move {
                    let (a, b) = UnixStream::pair().unwrap();
                    a.writable().await.unwrap();
                    a.try_write(b"x").unwrap();
                    let mut yields = 0u64;
                    while !common::readable_now(&b) {
                        if flavor == "current-thread" && yields == 10 {
                            return None;
                        }
                        yields += 1;
                        yield_now().await;
                    }
                    Some(yields)
                })
                .await
                .unwrap()
            });
            assert!(seen.is_some(), "{flavor}: 10 yields, never readable");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{flavor}: readable only after {:?} of yields",
                started.elapsed()
            );
        }
    });
}

#[test]
fn a_spinning_local_task_gets_a_poll_per_poll_of_the_set() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        let spins = Rc::new(Cell::new(0usize));
        let stop = Rc::new(Cell::new(false));
        let most = local.block_on(&rt, async {
            let spinner = task::spawn_local({
                let (spins, stop) = (Rc::clone(&spins), Rc::clone(&stop));
                async move {
                    while !stop.get() {
                        spins.set(spins.get() + 1);
                        yield_now().await;
                    }
                }
            });
            let mut most = 0;
            let mut last = spins.get();
            for _ in 0..16 {
                yield_now().await;
                let now = spins.get();
                most = most.max(now - last);
                last = now;
            }
            stop.set(true);
            spinner.await.unwrap();
            most
        });
        assert!(most <= 3, "the spinner ran {most} times per poll");
        assert!(spins.get() >= 16, "the spinner ran");
    });
}

#[test]
fn many_sets_on_many_threads_with_cross_thread_wakes() {
    common::guarded(|| {
        let rt = Arc::new(
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        );
        let done = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (rt, done) = (Arc::clone(&rt), Arc::clone(&done));
                thread::spawn(move || {
                    let local = LocalSet::new();
                    local.block_on(&rt, async {
                        let mut handles = Vec::new();
                        for i in 0..50u64 {
                            let rc = Rc::new(i);
                            // Woken by a runtime task, on a worker thread.
                            let remote = spawn(async move {
                                yield_now().await;
                                i
                            });
                            handles.push(task::spawn_local(async move {
                                assert_eq!(remote.await.unwrap(), *rc);
                                *rc
                            }));
                        }
                        let mut sum = 0;
                        for h in handles {
                            sum += h.await.unwrap();
                        }
                        assert_eq!(sum, (0..50).sum::<u64>());
                    });
                    done.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(done.load(SeqCst), 4);
    });
}

#[test]
fn run_until_returns_with_tasks_left_and_they_run_later() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let local = LocalSet::new();
        let flag = Rc::new(Cell::new(false));
        let f2 = Rc::clone(&flag);
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let late = local.spawn_local(async move {
            rx.await.unwrap();
            f2.set(true);
        });
        local.block_on(&rt, yield_now());
        assert!(!flag.get());
        tx.send(()).unwrap();
        local.block_on(&rt, late).unwrap();
        assert!(flag.get());
        // Nothing left: the set completes at once.
        let mut set = pin!(local);
        let polled = rt.block_on(std::future::poll_fn(|cx| {
            Poll::Ready(set.as_mut().poll(cx).is_ready())
        }));
        assert!(polled);
    });
}

#[test]
fn what_must_stay_on_the_sets_thread_cannot_leave_it() {
    if std::env::var_os("TASKCELL_LSAN").is_some() {
        // A compile-time check: the sanitizer run has nothing to add.
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui-local/*.rs");
}
