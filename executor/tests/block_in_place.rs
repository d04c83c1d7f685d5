//! `task::block_in_place`, as tokio's: on a multi-thread worker the core
//! goes on (its queue and its timers) on another thread while the closure
//! blocks, and comes back after; the closure may block on runtimes; a
//! current-thread runtime refuses with tokio's message; and shutdown does
//! not hang on a closure that waits for one of the runtime's tasks.
#![cfg(not(miri))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use common::ExpectedPanic;
use taskcell_executor::task::{self, block_in_place};
use taskcell_executor::{spawn, time, Builder, Handle, Runtime, TaskCell};

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

fn panic_message(err: Box<dyn std::any::Any + Send>) -> String {
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn the_only_worker_runs_other_tasks_while_one_blocks_in_place() {
    common::guarded(|| {
        let rt = multi(1);
        for _ in 0..50 {
            let got = rt.block_on(async {
                spawn(async {
                    let (tx, rx) = mpsc::channel();
                    // Queued on this worker, which is about to block.
                    spawn(async move { tx.send(7).unwrap() });
                    block_in_place(|| rx.recv().unwrap())
                })
                .await
                .unwrap()
            });
            assert_eq!(got, 7);
        }
    });
}

#[test]
fn the_blocked_workers_timers_fire_meanwhile() {
    common::guarded(|| {
        let rt = multi(1);
        let got = rt.block_on(async {
            spawn(async {
                let (tx, rx) = mpsc::channel();
                spawn(async move {
                    // Filed in this worker's own wheel.
                    time::sleep(Duration::from_millis(10)).await;
                    tx.send("slept").unwrap();
                });
                task::yield_now().await;
                block_in_place(|| rx.recv().unwrap())
            })
            .await
            .unwrap()
        });
        assert_eq!(got, "slept");
    });
}

#[test]
fn the_task_goes_on_with_its_identity_and_its_worker_after() {
    common::guarded(|| {
        let rt = multi(2);
        rt.block_on(async {
            spawn(async {
                let cell = TaskCell::new(vec![1]);
                let before = thread::current().id();
                block_in_place(|| cell.with_mut(|v| v.push(2)));
                assert_eq!(thread::current().id(), before, "the same thread");
                time::sleep(Duration::from_millis(1)).await;
                cell.with_mut(|v| v.push(3));
                assert_eq!(cell.with(|v| v.clone()), [1, 2, 3]);
            })
            .await
            .unwrap();
        });
    });
}

#[test]
fn block_in_place_nests_and_may_block_on_runtimes() {
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // tokio #5239: a block_on of the same runtime between two nested
        // block_in_place calls.
        for _ in 0..100 {
            let h = rt.handle().clone();
            rt.block_on(async move {
                spawn(async move {
                    block_in_place(|| {
                        h.block_on(async {
                            block_in_place(|| {});
                        });
                        block_in_place(|| {
                            block_in_place(|| thread::sleep(Duration::from_micros(50)))
                        });
                    })
                })
                .await
                .unwrap()
            });
        }
        // And another runtime.
        let out = rt.block_on(async {
            spawn(async {
                block_in_place(|| {
                    let inner = Builder::new_current_thread().build().unwrap();
                    inner.block_on(async { 5 })
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 5);
    });
}

#[test]
fn a_current_thread_runtime_refuses_with_tokios_message() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { block_in_place(|| {}) })
        }))
        .unwrap_err();
        assert!(panic_message(err)
            .contains("can call blocking only when running on the multi-threaded runtime"),);
        let err = rt
            .block_on(rt.spawn(async { block_in_place(|| {}) }))
            .unwrap_err();
        assert!(panic_message(err.into_panic()).contains("multi-threaded runtime"));
    });
}

/// As tokio's: in the future of `Handle::block_on` itself the closure runs
/// at once, on a current-thread runtime too, and may `block_on` the same
/// runtime through its handle; the tasks it drives meanwhile still refuse,
/// and so do those of a current-thread runtime made inside the closure.
#[test]
fn a_handle_block_on_of_a_current_thread_runtime_allows_it_in_its_future() {
    common::guarded(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let _entered = rt.enter();
        let out = Handle::current().block_on(async {
            block_in_place(|| {
                Handle::current().block_on(task::yield_now());
                5
            })
        });
        assert_eq!(out, 5);
        // A task, even one driven by that `block_on`, still refuses.
        let err = Handle::current()
            .block_on(spawn(async { block_in_place(|| {}) }))
            .unwrap_err();
        assert!(panic_message(err.into_panic()).contains("multi-threaded runtime"));
        // The mark ends with the future's poll: a runtime made and driven
        // inside the closure refuses in its tasks and its own block_on.
        let (in_task, in_root) = Handle::current().block_on(async {
            block_in_place(|| {
                let inner = Builder::new_current_thread().build().unwrap();
                let in_task = inner
                    .block_on(inner.spawn(async { block_in_place(|| {}) }))
                    .is_err();
                let in_root = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    inner.block_on(async { block_in_place(|| {}) })
                }))
                .is_err();
                (in_task, in_root)
            })
        });
        assert!(in_task, "a task of the inner runtime refused");
        assert!(in_root, "the inner runtime's block_on refused");
        // And the same runtime's `Runtime::block_on` still refuses.
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { block_in_place(|| {}) })
        }))
        .unwrap_err();
        assert!(panic_message(err).contains("multi-threaded runtime"));
    });
}

#[test]
fn elsewhere_the_closure_just_runs() {
    common::guarded(|| {
        assert_eq!(block_in_place(|| 1), 1, "outside any runtime");
        let rt = multi(1);
        // A multi-thread runtime's block_on, and blocking inside it.
        let h = rt.handle().clone();
        let out = rt.block_on(async move { block_in_place(move || h.block_on(async { 2 })) });
        assert_eq!(out, 2);
        let out = rt.block_on(async {
            taskcell_executor::spawn_blocking(|| block_in_place(|| 3))
                .await
                .unwrap()
        });
        assert_eq!(out, 3);
    });
}

#[test]
fn a_panic_in_the_closure_fails_the_task_and_the_worker_goes_on() {
    common::guarded(|| {
        let rt = multi(1);
        let err = rt
            .block_on(
                rt.spawn(async { block_in_place(|| std::panic::panic_any(ExpectedPanic(3))) }),
            )
            .unwrap_err();
        assert_eq!(
            err.into_panic().downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(3))
        );
        let sum = rt.block_on(async {
            let handles: Vec<_> = (0..10).map(|i| spawn(async move { i })).collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 45);
    });
}

#[test]
fn the_closure_runs_with_no_budget() {
    common::guarded(|| {
        let rt = multi(1);
        rt.block_on(rt.spawn(async {
            while task::has_budget_remaining() {
                task::consume_budget().await;
            }
            assert!(block_in_place(task::has_budget_remaining));
        }))
        .unwrap();
    });
}

#[test]
fn many_tasks_block_in_place_at_once() {
    common::guarded(|| {
        let rt = multi(2);
        let done = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut handles = Vec::new();
            for i in 0..200u64 {
                let done = Arc::clone(&done);
                handles.push(spawn(async move {
                    if i % 3 == 0 {
                        block_in_place(|| thread::sleep(Duration::from_micros(100)));
                    }
                    task::yield_now().await;
                    let (tx, rx) = mpsc::channel();
                    spawn(async move { tx.send(i).unwrap() });
                    let got = block_in_place(|| rx.recv().unwrap());
                    assert_eq!(got, i);
                    done.fetch_add(1, SeqCst);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(done.load(SeqCst), 200);
    });
}

#[test]
fn shutdown_drops_the_task_a_closure_waits_for() {
    // tokio's `hang_on_shutdown`: the closure waits on a channel whose
    // sender only a task's drop at shutdown releases.
    common::guarded(|| {
        let rt = multi(1);
        let (tx, rx) = mpsc::channel::<()>();
        let (entered_tx, entered_rx) = mpsc::channel();
        rt.spawn(async move {
            block_in_place(|| {
                entered_tx.send(()).unwrap();
                let _ = rx.recv();
            });
        });
        rt.spawn(async move {
            time::sleep(Duration::from_secs(3600)).await;
            drop(tx);
        });
        entered_rx.recv().unwrap();
        drop(rt);
    });
}

#[test]
fn shutdown_waits_for_a_closure_that_ends_by_itself() {
    common::guarded(|| {
        let rt = multi(2);
        let finished = Arc::new(AtomicUsize::new(0));
        let (entered_tx, entered_rx) = mpsc::channel();
        let f = Arc::clone(&finished);
        rt.spawn(async move {
            block_in_place(|| {
                entered_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(50));
                f.fetch_add(1, SeqCst);
            });
        });
        entered_rx.recv().unwrap();
        drop(rt);
        assert_eq!(finished.load(SeqCst), 1, "the runtime waited for it");
    });
}

#[test]
fn shutdown_timeout_does_not_wait_out_a_blocked_closure() {
    common::guarded(|| {
        let rt = multi(1);
        let (entered_tx, entered_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        rt.spawn(async move {
            block_in_place(|| {
                entered_tx.send(()).unwrap();
                let _ = release_rx.recv();
            });
        });
        entered_rx.recv().unwrap();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(50));
        assert!(start.elapsed() < Duration::from_secs(30));
        drop(release_tx);
    });
}

#[test]
fn handle_current_works_inside_the_closure() {
    common::guarded(|| {
        let rt = multi(1);
        let id = rt.handle().id();
        let seen = rt.block_on(rt.spawn(async {
            block_in_place(|| {
                let h = Handle::current();
                // Spawned from the blocked thread: runs on the runtime.
                let t = h.spawn(async { 4 });
                (h.id(), h.block_on(t).unwrap())
            })
        }));
        assert_eq!(seen.unwrap(), (id, 4));
    });
}

#[test]
fn a_local_set_refuses_as_tokios_does() {
    common::guarded(|| {
        let rt = multi(1);
        let local = task::LocalSet::new();
        let err = local
            .block_on(&rt, local.spawn_local(async { block_in_place(|| {}) }))
            .unwrap_err();
        assert!(panic_message(err.into_panic()).contains("multi-threaded runtime"));
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            local.block_on(&rt, async { block_in_place(|| {}) })
        }))
        .unwrap_err();
        assert!(panic_message(err).contains("multi-threaded runtime"));
        // Under `enter`, not polling the set, it just runs.
        let _guard = local.enter();
        assert_eq!(block_in_place(|| 1), 1);
    });
}

/// The rest of a task's poll after its `block_in_place` runs at once, even
/// while its core is on loan to a task that blocks in place too: a closure
/// waiting for that rest does not deadlock (the core comes back when the
/// poll is over, not when the closure returns).
#[test]
fn a_nested_block_in_place_may_wait_for_the_lenders_task() {
    common::guarded(|| {
        let rt = multi(1);
        for _ in 0..20 {
            let (tx, rx) = mpsc::channel::<()>();
            let (t2_in_tx, t2_in_rx) = mpsc::channel::<()>();
            let t1 = rt.spawn(async move {
                // T2 runs on the borrower meanwhile, and blocks in place.
                block_in_place(|| t2_in_rx.recv().unwrap());
                // What T2's closure waits for.
                tx.send(()).unwrap();
            });
            let t2 = rt.spawn(async move {
                block_in_place(|| {
                    t2_in_tx.send(()).unwrap();
                    rx.recv().unwrap();
                });
            });
            rt.block_on(async {
                t1.await.unwrap();
                t2.await.unwrap();
            });
        }
    });
}

/// Nor does an unrelated nested closure hold the lender's task back.
#[test]
fn the_lenders_task_goes_on_while_a_nested_closure_blocks() {
    common::guarded(|| {
        let rt = multi(1);
        let (t2_in_tx, t2_in_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let t1 = rt.spawn(async move {
            block_in_place(|| t2_in_rx.recv().unwrap());
            "t1 went on"
        });
        let t2 = rt.spawn(async move {
            block_in_place(|| {
                t2_in_tx.send(()).unwrap();
                // Held until T1 has finished.
                release_rx.recv().unwrap();
            });
        });
        let done = rt.block_on(t1).unwrap();
        release_tx.send(()).unwrap();
        rt.block_on(t2).unwrap();
        assert_eq!(done, "t1 went on");
    });
}

/// With the blocking pool full, no thread takes the core's offer; shutdown
/// withdraws it, and drops the task that the closure waits for, instead of
/// waiting for a borrower that cannot come.
#[test]
fn shutdown_withdraws_an_offer_no_thread_took() {
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (pool_tx, pool_rx) = mpsc::channel::<()>();
        let (busy_tx, busy_rx) = mpsc::channel::<()>();
        // The one blocking thread is busy until shutdown drops `pool_tx`.
        drop(rt.spawn_blocking(move || {
            busy_tx.send(()).unwrap();
            let _ = pool_rx.recv_timeout(Duration::from_secs(60));
        }));
        busy_rx.recv().unwrap();
        let (entered_tx, entered_rx) = mpsc::channel();
        rt.spawn(async move {
            block_in_place(|| {
                entered_tx.send(()).unwrap();
                let _ = release_rx.recv();
            });
        });
        entered_rx.recv().unwrap();
        rt.spawn(async move {
            time::sleep(Duration::from_secs(3600)).await;
            drop((release_tx, pool_tx));
        });
        let start = Instant::now();
        drop(rt);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    });
}
