//! `Handle`: `try_current`/`current` tell whether code runs inside a
//! runtime; a handle spawns from anywhere, including plain threads; and a
//! handle whose runtime has shut down hands out cancelled JoinHandles.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use common::DropLog;
use taskcell_executor::{spawn, spawn_blocking, Handle, TaskId};

#[test]
fn handle_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Handle>();
}

#[test]
fn try_current_outside_a_runtime_is_err() {
    common::guarded(|| {
        assert!(Handle::try_current().is_err());
        let rt = common::rt(1);
        // Having a runtime is not being inside it.
        assert!(Handle::try_current().is_err());
        drop(rt);
        assert!(Handle::try_current().is_err());
    });
}

#[test]
fn try_current_tells_a_missing_context_from_a_destroyed_one() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context() && !err.is_thread_local_destroyed());

    // A thread-local whose destructor asks for the runtime after the
    // runtime's own thread-local context is gone. Thread-local destructors
    // run in the reverse order of their registration, and `AT_EXIT`
    // registers first (it is touched before the context), so its `Drop`
    // runs last.
    struct AtExit(std::sync::mpsc::Sender<(bool, bool, bool)>);
    impl Drop for AtExit {
        fn drop(&mut self) {
            let err = Handle::try_current().unwrap_err();
            let tokios_words = err
                .to_string()
                .starts_with("The Tokio context thread-local variable has been destroyed.");
            let _ = self.0.send((
                err.is_thread_local_destroyed(),
                err.is_missing_context(),
                tokios_words,
            ));
        }
    }
    thread_local!(static AT_EXIT: std::cell::RefCell<Option<AtExit>> = const {
        std::cell::RefCell::new(None)
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let rt = taskcell_executor::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    thread::spawn(move || {
        AT_EXIT.with(|slot| *slot.borrow_mut() = Some(AtExit(tx)));
        let _enter = handle.enter();
        assert!(Handle::try_current().is_ok());
    })
    .join()
    .unwrap();
    assert_eq!(rx.recv().unwrap(), (true, false, true));
}

#[test]
fn runtime_flavor_names_the_scheduler() {
    use taskcell_executor::runtime::{self, RuntimeFlavor};

    let rt = runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    let inside = rt.block_on(async { Handle::current().runtime_flavor() });
    assert_eq!(inside, RuntimeFlavor::CurrentThread);

    let rt: runtime::Runtime = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let inside = rt.block_on(async { spawn(async { Handle::current().runtime_flavor() }).await });
    assert_eq!(inside.unwrap(), RuntimeFlavor::MultiThread);
    let id: runtime::Id = rt.handle().id();
    assert_eq!(id, rt.handle().id());
}

#[test]
fn handle_current_outside_a_runtime_panics() {
    common::quiet_expected_panics();
    common::guarded(|| {
        // tokio's words open each message (tokio's own tests match them);
        // ours follow, with the fix.
        const TOKIO: &str =
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
        let message = |payload: Box<dyn std::any::Any + Send>| common::panic_message(&*payload);
        let current = message(catch_unwind(Handle::current).unwrap_err());
        assert!(current.starts_with(TOKIO), "{current}");
        assert!(current.contains("`Runtime::enter`"), "{current}");
        assert_eq!(
            current,
            Handle::try_current().unwrap_err().to_string(),
            "the panic is the error's text"
        );
        let spawned = message(catch_unwind(|| spawn(async {})).unwrap_err());
        assert_eq!(
            spawned,
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: `taskcell_executor::spawn` called outside a taskcell runtime: call it from \
             a task, a `block_on` or a `spawn_blocking` closure, or use `Handle::spawn` on a \
             runtime's handle",
            "says it once, with the fix"
        );
        let blocking = message(catch_unwind(|| spawn_blocking(|| ())).unwrap_err());
        assert!(blocking.starts_with(TOKIO), "{blocking}");
        assert!(blocking.contains("`Handle::spawn_blocking`"), "{blocking}");
        let mut set = taskcell_executor::task::JoinSet::new();
        let in_set = message(catch_unwind(AssertUnwindSafe(|| set.spawn(async {}))).unwrap_err());
        assert!(in_set.starts_with(TOKIO), "{in_set}");
        let in_set =
            message(catch_unwind(AssertUnwindSafe(|| set.spawn_blocking(|| ()))).unwrap_err());
        assert!(in_set.starts_with(TOKIO), "{in_set}");
    });
}

#[test]
fn try_current_inside_tasks_and_the_root_future_is_ok() {
    common::guarded(|| {
        let rt = common::rt(2);
        rt.block_on(async {
            assert!(Handle::try_current().is_ok(), "inside block_on");
            let inside = spawn(async {
                let handle = Handle::try_current().expect("inside a task");
                // The handle spawns onto the same runtime.
                handle
                    .spawn(async { TaskId::current().is_some() })
                    .await
                    .unwrap()
            });
            assert!(inside.await.unwrap());
            let current = spawn(async { Handle::current().spawn(async { 5 }).await.unwrap() });
            assert_eq!(current.await.unwrap(), 5);
        });
        assert!(
            Handle::try_current().is_err(),
            "block_on left the runtime entered"
        );
    });
}

#[test]
fn handle_current_works_inside_spawn_blocking() {
    common::guarded(|| {
        let rt = common::rt(1);
        let out = rt.block_on(rt.spawn_blocking(|| {
            let handle = Handle::try_current().expect("a blocking closure runs inside its runtime");
            let task = Handle::current().spawn(async { 40 });
            futures::executor::block_on(handle.spawn(async { 2 })).unwrap()
                + futures::executor::block_on(task).unwrap()
        }));
        assert_eq!(out.unwrap(), 42);
    });
}

#[test]
fn a_plain_thread_spawned_inside_a_task_is_outside_the_runtime() {
    common::guarded(|| {
        let rt = common::rt(1);
        let outside = rt.block_on(rt.spawn(async {
            thread::spawn(|| Handle::try_current().is_err() && TaskId::current().is_none())
                .join()
                .unwrap()
        }));
        assert!(outside.unwrap());
    });
}

#[test]
fn a_cloned_handle_spawns_from_plain_threads() {
    common::guarded(|| {
        let rt = common::rt(2);
        let spawners: Vec<_> = (0..4)
            .map(|t| {
                let handle = rt.handle().clone();
                thread::spawn(move || {
                    let tasks: Vec<_> = (0..100)
                        .map(|i| handle.spawn(async move { (t, i, TaskId::current().is_some()) }))
                        .collect();
                    futures::executor::block_on(async {
                        for (i, task) in tasks.into_iter().enumerate() {
                            assert_eq!(task.await.unwrap(), (t, i, true));
                        }
                    });
                })
            })
            .collect();
        for s in spawners {
            s.join().unwrap();
        }
    });
}

#[test]
fn spawning_on_a_handle_after_shutdown_resolves_cancelled() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handle = rt.handle().clone();
        let sanity = handle.spawn(async { 1 });
        assert_eq!(rt.block_on(sanity).unwrap(), 1);
        drop(rt);

        let drops = DropLog::new();
        let probe = drops.probe();
        let late = handle.clone().spawn(async move {
            let _probe = probe;
            unreachable!("a task spawned after shutdown never runs");
        });
        let id = late.id();
        let err = futures::executor::block_on(late).expect_err("the runtime is gone");
        assert!(err.is_cancelled(), "expected cancelled, got {err}");
        assert_eq!(err.id(), id);
        // The rejected future was dropped, not leaked.
        assert_eq!(drops.count(), 1, "the rejected future was not dropped");
    });
}

#[test]
fn a_future_rejected_after_shutdown_is_dropped_under_its_id() {
    common::guarded(|| {
        let rt = common::rt(1);
        let handle = rt.handle().clone();
        drop(rt);
        let drops = DropLog::new();
        let probe = drops.probe();
        let late = handle.spawn(async move {
            let _probe = probe;
        });
        let id = late.id();
        assert!(futures::executor::block_on(late)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(drops.ids(), [Some(id)]);
    });
}

#[test]
fn spawn_blocking_on_a_handle_after_shutdown_resolves_cancelled() {
    common::guarded(|| {
        let rt = common::rt(1);
        let handle = rt.handle().clone();
        drop(rt);
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ran_in_closure = ran.clone();
        let late = handle.spawn_blocking(move || {
            ran_in_closure.store(true, std::sync::atomic::Ordering::SeqCst)
        });
        let err = futures::executor::block_on(late).expect_err("the runtime is gone");
        assert!(err.is_cancelled(), "expected cancelled, got {err}");
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    });
}

#[test]
fn a_handle_taken_inside_a_task_outlives_the_runtime() {
    common::guarded(|| {
        let rt = common::rt(1);
        let handle = rt.block_on(rt.spawn(async { Handle::current() })).unwrap();
        drop(rt);
        let err = futures::executor::block_on(handle.spawn(async { 1 })).unwrap_err();
        assert!(err.is_cancelled());
    });
}

#[test]
fn free_spawn_panics_on_a_thread_that_left_the_runtime() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        rt.block_on(async {});
        let outside = catch_unwind(AssertUnwindSafe(|| spawn(async {})));
        assert!(outside.is_err(), "spawn succeeded outside the runtime");
    });
}

#[test]
fn enter_makes_the_runtime_current_until_the_guard_drops() {
    common::guarded(|| {
        let a = common::rt(1);
        let b = common::current_thread_rt();
        assert!(Handle::try_current().is_err());
        let outer = a.enter();
        assert_eq!(Handle::current().id(), a.handle().id());
        // A spawn from here is the entered runtime's.
        let task = spawn(async { TaskId::current().is_some() });
        {
            let _inner = b.handle().enter();
            assert_eq!(Handle::current().id(), b.handle().id());
        }
        assert_eq!(Handle::current().id(), a.handle().id(), "restored");
        drop(outer);
        assert!(Handle::try_current().is_err());
        assert!(a.block_on(task).unwrap());
    });
}

#[test]
fn runtime_ids_are_distinct_and_shared_by_handles() {
    let runtimes: Vec<_> = (0..4).map(|_| common::current_thread_rt()).collect();
    let ids: std::collections::HashSet<_> = runtimes.iter().map(|rt| rt.handle().id()).collect();
    assert_eq!(ids.len(), 4);
    let rt = &runtimes[0];
    assert_eq!(rt.handle().clone().id(), rt.handle().id());
    assert_eq!(
        rt.block_on(async { Handle::current().id() }),
        rt.handle().id()
    );
}

#[test]
fn handle_block_on_runs_futures_from_any_thread_on_either_flavour() {
    common::guarded(|| {
        for rt in [common::rt(2), common::current_thread_rt()] {
            let handle = rt.handle().clone();
            let out = thread::spawn(move || {
                handle.block_on(async {
                    // Spawned tasks run (on a current-thread runtime, on
                    // this thread, driven by this `block_on`).
                    let task = spawn(async { 20 });
                    let current = Handle::current().id();
                    (task.await.unwrap() + 1, current)
                })
            })
            .join()
            .unwrap();
            assert_eq!(out, (21, rt.handle().id()));
        }
    });
}

#[test]
fn enter_guards_dropped_out_of_order_panic_instead_of_corrupting() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let (a, b) = (common::current_thread_rt(), common::current_thread_rt());
        let ga = a.enter();
        let gb = b.enter();
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(ga)));
        // tokio's words first: tokio's own tests match them.
        let msg = common::panic_message(&*dropped.expect_err("out of order"));
        assert!(
            msg.starts_with(
                "`EnterGuard` values dropped out of order. Guards returned by \
                 `tokio::runtime::Handle::enter()` must be dropped in the reverse order as they \
                 were acquired."
            ),
            "{msg}"
        );
        drop(gb);
        // Inside `block_on`, a guard from outside is not the newest either.
        let guard = a.enter();
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            a.block_on(async move { drop(guard) });
        }));
        assert!(dropped.is_err(), "dropped inside block_on");
    });
}
