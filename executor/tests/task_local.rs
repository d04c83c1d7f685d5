//! Task-local values (`task_local!`): a scope's value follows its future
//! across `.await`s and workers, is never seen by other tasks polled on the
//! same thread, is restored when a scope ends or unwinds, and is visible to
//! the future's `Drop`.

use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskcell_executor::task::futures::TaskLocalFuture;
use taskcell_executor::{task_local, yield_now, Builder};

task_local! {
    static ID: usize;
    static OTHER: String;
}

fn two_workers() -> taskcell_executor::Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn each_task_sees_its_own_value_across_yields_and_workers() {
    let rt = two_workers();
    rt.block_on(async {
        let tasks: Vec<_> = (0..32)
            .map(|n| {
                taskcell_executor::spawn(ID.scope(n, async move {
                    for _ in 0..200 {
                        assert_eq!(ID.get(), n);
                        assert!(OTHER.try_with(|_| ()).is_err());
                        yield_now().await;
                    }
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

#[test]
fn a_task_without_a_scope_never_sees_another_tasks_value() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let scoped = taskcell_executor::spawn(ID.scope(1, async {
            for _ in 0..100 {
                assert_eq!(ID.get(), 1);
                yield_now().await;
            }
        }));
        let bare = taskcell_executor::spawn(async {
            for _ in 0..100 {
                assert!(ID.try_get().is_err());
                yield_now().await;
            }
        });
        scoped.await.unwrap();
        bare.await.unwrap();
        // Nor does the `block_on` future, which polled them all.
        assert!(ID.try_get().is_err());
    });
}

#[test]
fn a_spawned_task_does_not_inherit_the_scope() {
    let rt = two_workers();
    let inherited = rt.block_on(ID.scope(5, async {
        let inner = taskcell_executor::spawn(async { ID.try_get().is_ok() });
        let own = taskcell_executor::spawn(ID.scope(6, async { ID.get() }));
        assert_eq!(ID.get(), 5);
        (inner.await.unwrap(), own.await.unwrap())
    }));
    assert_eq!(inherited, (false, 6));
}

#[test]
fn nested_scopes_restore_the_outer_value() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(ID.scope(1, async {
        ID.scope(2, async {
            yield_now().await;
            assert_eq!(ID.get(), 2);
            let three = ID.sync_scope(3, || ID.get());
            assert_eq!(three, 3);
            assert_eq!(ID.get(), 2);
        })
        .await;
        assert_eq!(ID.get(), 1);
    }));
    assert!(ID.try_get().is_err());
}

#[test]
fn a_panic_inside_a_scope_restores_the_slot() {
    let outer = ID.sync_scope(1, || {
        let caught = panic::catch_unwind(|| ID.sync_scope(2, || panic!("inside")));
        assert_eq!(panic_text(caught.unwrap_err()), "inside");
        ID.get()
    });
    assert_eq!(outer, 1);
    assert!(ID.try_get().is_err());

    // The same through a future's poll.
    let rt = Builder::new_current_thread().build().unwrap();
    let task = rt.spawn(ID.scope(9, async {
        yield_now().await;
        panic!("poll");
    }));
    assert!(rt.block_on(task).unwrap_err().is_panic());
    rt.block_on(async { assert!(ID.try_get().is_err()) });
}

#[test]
fn the_futures_drop_sees_the_value() {
    struct ReadsOnDrop(Arc<AtomicUsize>);
    impl Drop for ReadsOnDrop {
        fn drop(&mut self) {
            self.0
                .store(ID.try_get().map_or(usize::MAX, |id| id), Ordering::SeqCst);
        }
    }

    // Aborted while pending, on another worker.
    let rt = two_workers();
    let seen = Arc::new(AtomicUsize::new(0));
    let guard = ReadsOnDrop(seen.clone());
    let task = rt.spawn(ID.scope(42, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    rt.block_on(async {
        taskcell_executor::time::sleep(Duration::from_millis(5)).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(seen.load(Ordering::SeqCst), 42);

    // Completed: dropped inside the scope on its last poll.
    let seen = Arc::new(AtomicUsize::new(0));
    let guard = ReadsOnDrop(seen.clone());
    rt.block_on(ID.scope(43, async move {
        let _guard = guard;
        yield_now().await;
    }));
    assert_eq!(seen.load(Ordering::SeqCst), 43);

    // Never polled: still dropped inside the scope.
    let seen = Arc::new(AtomicUsize::new(0));
    let guard = ReadsOnDrop(seen.clone());
    drop(ID.scope(44, async move {
        let _guard = guard;
    }));
    assert_eq!(seen.load(Ordering::SeqCst), 44);
}

#[test]
fn take_value_leaves_later_polls_unset() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut scoped = pin!(ID.scope(3, async {
            assert_eq!(ID.get(), 3);
            yield_now().await;
            ID.try_get()
        }));
        // First poll: pending at the yield, with the value set.
        assert!(futures::poll!(scoped.as_mut()).is_pending());
        assert_eq!(scoped.as_mut().take_value(), Some(3));
        assert!(scoped.await.is_err());
    });
}

#[test]
fn entering_a_scope_inside_with_panics_with_the_reason() {
    let caught = panic::catch_unwind(|| ID.sync_scope(1, || ID.with(|_| ID.sync_scope(2, || ()))));
    let text = panic_text(caught.unwrap_err());
    assert!(
        text.starts_with(
            "cannot enter a task-local scope while the task-local storage is borrowed"
        ),
        "{text}"
    );
    // The outer scope ended cleanly all the same.
    assert!(ID.try_get().is_err());
}

#[test]
fn with_outside_a_scope_panics_with_tokios_words() {
    let caught = panic::catch_unwind(|| ID.with(|id| *id));
    let text = panic_text(caught.unwrap_err());
    assert!(
        text.starts_with("cannot access a task-local storage value without setting it first"),
        "{text}"
    );
}

#[test]
fn polling_after_completion_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut scoped = pin!(ID.scope(1, async { 1 }));
        assert_eq!(scoped.as_mut().await, 1);
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let _ = std::future::Future::poll(scoped.as_mut(), &mut cx);
        }));
        assert_eq!(
            panic_text(caught.unwrap_err()),
            "`TaskLocalFuture` polled after completion"
        );
    });
}

#[test]
fn a_scope_works_on_any_executor() {
    let value = futures::executor::block_on(OTHER.scope("elsewhere".to_string(), async {
        futures::future::ready(()).await;
        OTHER.get()
    }));
    assert_eq!(value, "elsewhere");
}

#[test]
fn the_future_is_send_when_its_parts_are() {
    fn assert_send<T: Send>(_: &T) {}
    let scoped: TaskLocalFuture<usize, _> = ID.scope(1, async {});
    assert_send(&scoped);
    assert_eq!(format!("{scoped:?}"), "TaskLocalFuture { value: 1 }");
    assert_eq!(format!("{ID:?}"), "LocalKey { .. }");
}

#[test]
fn a_refused_sync_scope_panics_at_the_callers_line() {
    use std::sync::{Arc, Mutex};
    let me = std::thread::current().id();
    let seen: Arc<Mutex<Option<(String, u32)>>> = Arc::default();
    let previous = Arc::new(panic::take_hook());
    {
        let (seen, previous) = (Arc::clone(&seen), Arc::clone(&previous));
        panic::set_hook(Box::new(move |info| {
            match (std::thread::current().id() == me, info.location()) {
                (true, Some(at)) => *seen.lock().unwrap() = Some((at.file().into(), at.line())),
                _ => previous(info),
            }
        }));
    }
    let line = line!() + 1;
    let caught = panic::catch_unwind(|| ID.sync_scope(1, || ID.with(|_| ID.sync_scope(2, || ()))));
    drop(panic::take_hook());
    panic::set_hook(Box::new(move |info| previous(info)));
    assert!(caught.is_err());
    assert_eq!(
        seen.lock().unwrap().take(),
        Some((file!().to_owned(), line)),
        "the panic points at the caller's `sync_scope` (`#[track_caller]`)"
    );
}
