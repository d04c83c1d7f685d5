//! `runtime::LocalRuntime`, as tokio's: futures that are not `Send` spawn
//! with its `spawn_local` and with `task::spawn_local` in its context (its
//! `block_on`, its tasks, `Send` ones included, and under `enter`), with no
//! `LocalSet`, and run on its thread; `Send` tasks run beside them; a panic
//! is a `JoinError`; I/O and timers work; dropping or shutting it down
//! drops the local futures on its thread, in its context; `spawn_local`
//! from another thread panics with tokio's words; `build_local` refuses a
//! multi-thread builder; and `#[main]`/`#[test]` take `flavor = "local"`.
#![cfg(not(miri))]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::{payload_str, ExpectedPanic};
use taskcell_executor::net::UnixStream;
use taskcell_executor::runtime::{Builder, Handle, LocalOptions, LocalRuntime, RuntimeFlavor};
use taskcell_executor::task::{self, JoinSet, LocalSet};
use taskcell_executor::{spawn, time, yield_now, Runtime, TaskCell, TaskId};

/// Records the thread it is dropped on, and whether a runtime's context
/// was entered there.
struct DropsOn(Arc<Mutex<Vec<(ThreadId, bool)>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        let in_context = Handle::try_current().is_ok();
        common::lock(&self.0).push((thread::current().id(), in_context));
    }
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .expect_err("it should have panicked");
    payload_str(&*payload).unwrap_or_default().to_owned()
}

#[test]
fn futures_that_are_not_send_run_on_its_thread_from_both_spawns() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let here = thread::current().id();
        let log = Rc::new(RefCell::new(Vec::new()));
        let outside = rt.spawn_local({
            let log = Rc::clone(&log);
            async move {
                yield_now().await;
                log.borrow_mut().push("rt.spawn_local");
                (Rc::new(1), thread::current().id())
            }
        });
        let (a, b) = rt.block_on(async {
            let inside = task::spawn_local({
                let log = Rc::clone(&log);
                async move {
                    yield_now().await;
                    log.borrow_mut().push("task::spawn_local");
                    (Rc::new(2), thread::current().id())
                }
            });
            (outside.await.unwrap(), inside.await.unwrap())
        });
        assert_eq!((*a.0, *b.0), (1, 2));
        assert_eq!((a.1, b.1), (here, here));
        assert_eq!(log.borrow().len(), 2);
    });
}

#[test]
fn send_tasks_run_beside_and_may_spawn_local_tasks_themselves() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let here = thread::current().id();
        let (sum, threads) = rt.block_on(async {
            let from_handle = Handle::current().spawn(async { 1 });
            // A `Send` task of the runtime reaches the local set too, as in
            // tokio: its output (a number) is `Send`, the future it spawns
            // is not.
            let send = spawn(async {
                let local = task::spawn_local(async {
                    let rc = Rc::new(10);
                    yield_now().await;
                    (*rc, thread::current().id())
                });
                let (n, there) = local.await.unwrap();
                (n, there, thread::current().id())
            });
            let (n, local_thread, send_thread) = send.await.unwrap();
            (from_handle.await.unwrap() + n, [local_thread, send_thread])
        });
        assert_eq!(sum, 11);
        assert_eq!(threads, [here, here]);
    });
}

#[test]
fn nested_local_spawns_run_to_the_end() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let count = Rc::new(Cell::new(0));
        fn tree(depth: u32, count: Rc<Cell<u32>>) -> task::JoinHandle<u32> {
            task::spawn_local(async move {
                count.set(count.get() + 1);
                if depth == 0 {
                    return 1;
                }
                let left = tree(depth - 1, Rc::clone(&count));
                let right = tree(depth - 1, Rc::clone(&count));
                yield_now().await;
                left.await.unwrap() + right.await.unwrap()
            })
        }
        let leaves = rt.block_on(async { tree(4, Rc::clone(&count)).await.unwrap() });
        assert_eq!(leaves, 16);
        assert_eq!(count.get(), 31);
    });
}

#[test]
fn a_panicking_local_task_is_a_join_error_and_the_runtime_goes_on() {
    common::guarded(|| {
        common::quiet_expected_panics();
        let rt = LocalRuntime::new().unwrap();
        let failed = rt.spawn_local(async { std::panic::panic_any(ExpectedPanic(3)) });
        let err = rt.block_on(failed).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            err.into_panic().downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(3))
        );
        let after = rt.block_on(async { task::spawn_local(async { Rc::new(4) }).await });
        assert_eq!(*after.unwrap(), 4);
    });
}

#[test]
fn dropping_the_runtime_drops_pending_local_futures_on_its_thread() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for _ in 0..3 {
            let guard = DropsOn(Arc::clone(&drops));
            let rc = Rc::new(());
            handles.push(rt.spawn_local(async move {
                let _keep = (guard, rc);
                std::future::pending::<()>().await
            }));
        }
        // Polled once, so each future holds its guard while it waits.
        rt.block_on(yield_now());
        assert!(common::lock(&drops).is_empty());
        // One never polled, spawned under `enter`, is dropped too.
        {
            let guard = DropsOn(Arc::clone(&drops));
            let _enter = rt.enter();
            handles.push(task::spawn_local(async move { drop(guard) }));
        }
        drop(rt);
        let here = thread::current().id();
        // On this thread, inside the runtime's context, as tokio's.
        assert_eq!(*common::lock(&drops), vec![(here, true); 4]);
        for handle in handles {
            let err = futures::executor::block_on(handle).unwrap_err();
            assert!(err.is_cancelled());
        }
    });
}

#[test]
fn a_spawn_from_a_drop_during_shutdown_is_refused() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let late = Rc::new(RefCell::new(None));
        struct SpawnOnDrop(Rc<RefCell<Option<task::JoinHandle<()>>>>);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                *self.0.borrow_mut() = Some(task::spawn_local(async {}));
            }
        }
        let on_drop = SpawnOnDrop(Rc::clone(&late));
        rt.spawn_local(async move {
            let _on_drop = on_drop;
            std::future::pending::<()>().await
        });
        rt.block_on(yield_now());
        drop(rt);
        let late = late.borrow_mut().take().expect("the drop spawned");
        assert!(futures::executor::block_on(late)
            .unwrap_err()
            .is_cancelled());
    });
}

#[test]
fn spawn_local_under_enter_runs_at_the_next_block_on() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let ran = Rc::new(Cell::new(false));
        let handle = {
            let _guard = rt.enter();
            let ran = Rc::clone(&ran);
            task::spawn_local(async move { ran.set(true) })
        };
        // Not before: nothing drives the runtime.
        thread::sleep(Duration::from_millis(20));
        assert!(!ran.get());
        // The guard is gone: outside the runtime's context again.
        assert!(std::panic::catch_unwind(|| task::spawn_local(async {})).is_err());
        rt.block_on(async {
            // Not awaited: the runtime runs it while the future waits.
            time::sleep(Duration::from_millis(1)).await;
        });
        assert!(ran.get());
        assert!(handle.is_finished());
        rt.block_on(handle).unwrap();
    });
}

#[test]
fn local_tasks_use_sockets_and_timers() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let got = rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Rc::new(a);
            let writer = task::spawn_local({
                let a = Rc::clone(&a);
                async move {
                    time::sleep(Duration::from_millis(5)).await;
                    a.writable().await.unwrap();
                    a.try_write(b"ping").unwrap()
                }
            });
            let reader = task::spawn_local(async move {
                let mut buf = [0; 4];
                loop {
                    b.readable().await.unwrap();
                    match b.try_read(&mut buf) {
                        Ok(n) => return buf[..n].to_vec(),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        Err(e) => panic!("{e}"),
                    }
                }
            });
            let timed = time::timeout(Duration::from_secs(10), reader).await;
            assert_eq!(writer.await.unwrap(), 4);
            timed.expect("the read timed out").unwrap()
        });
        assert_eq!(got, b"ping");
    });
}

#[test]
fn wakes_and_aborts_from_other_threads_reach_local_tasks() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let here = thread::current().id();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let guard = DropsOn(Arc::clone(&drops));
        let (got, cancelled) = rt.block_on(async move {
            let (tx, rx) = futures_channel::oneshot::channel::<u32>();
            let woken = task::spawn_local(async move { Rc::new(rx.await.unwrap()) });
            let stuck = task::spawn_local(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            yield_now().await;
            let abort = stuck.abort_handle();
            // Later, while this thread waits in the driver: the wakes must
            // bring it out.
            let other = thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                tx.send(8).unwrap();
                thread::sleep(Duration::from_millis(20));
                abort.abort();
            });
            let got = *woken.await.unwrap();
            let cancelled = stuck.await.unwrap_err().is_cancelled();
            other.join().unwrap();
            (got, cancelled)
        });
        assert_eq!(got, 8);
        assert!(cancelled);
        assert_eq!(*common::lock(&drops), vec![(here, true)]);
    });
}

#[test]
fn each_local_task_has_an_identity_for_task_cells() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let (a, b, value) = rt.block_on(async {
            let cell = Rc::new(TaskCell::new(Cell::new(1)));
            let owner = task::spawn_local({
                let cell = Rc::clone(&cell);
                async move {
                    cell.with(|c| c.set(2));
                    yield_now().await;
                    (TaskId::current().unwrap(), cell.with(|c| c.get()))
                }
            });
            let (a, value) = owner.await.unwrap();
            let other = task::spawn_local(async move {
                assert!(
                    cell.try_with(|c| c.get()).is_err(),
                    "owned by the first task"
                );
                TaskId::current().unwrap()
            });
            (a, other.await.unwrap(), value)
        });
        assert_ne!(a, b);
        assert_eq!(value, 2);
    });
}

#[test]
fn shutdown_timeout_drops_local_tasks_and_does_not_wait_past_the_timeout() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let guard = DropsOn(Arc::clone(&drops));
        let local = rt.spawn_local(async move {
            let _keep = (guard, Rc::new(()));
            std::future::pending::<()>().await
        });
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocking = rt.spawn_blocking(move || {
            let _ = blocked.recv();
        });
        rt.block_on(yield_now());
        // It gives up on the blocking thread, which still waits (were it
        // to wait for it, the watchdog would call it a hang).
        rt.shutdown_timeout(Duration::from_millis(50));
        let here = thread::current().id();
        assert_eq!(*common::lock(&drops), vec![(here, true)]);
        assert!(futures::executor::block_on(local)
            .unwrap_err()
            .is_cancelled());
        release.send(()).unwrap();
        futures::executor::block_on(blocking).unwrap();
    });
}

#[test]
fn shutdown_background_works_inside_another_runtime() {
    common::guarded(|| {
        let outer = Runtime::new().unwrap();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let here = thread::current().id();
        let seen = Arc::clone(&drops);
        outer.block_on(async move {
            let inner = LocalRuntime::new().unwrap();
            let guard = DropsOn(seen);
            inner.spawn_local(async move {
                let _keep = (guard, Rc::new(()));
                std::future::pending::<()>().await
            });
            // Blocking is refused here, as a `block_on` shows.
            let msg = panic_message(|| inner.block_on(async {}));
            assert!(
                msg.starts_with("Cannot start a runtime from within a runtime"),
                "{msg}"
            );
            inner.shutdown_background();
        });
        // Dropped at once, though never polled; in the inner runtime's
        // context.
        assert_eq!(*common::lock(&drops), vec![(here, true)]);
    });
}

#[test]
fn dropping_it_inside_another_runtime_panics_and_says_so() {
    common::guarded(|| {
        let outer = Runtime::new().unwrap();
        let msg = outer.block_on(async {
            let inner = LocalRuntime::new().unwrap();
            panic_message(move || drop(inner))
        });
        assert!(
            msg.starts_with("Cannot drop a runtime in a context where blocking is not allowed"),
            "{msg}"
        );
    });
}

#[test]
fn build_local_on_a_multi_thread_builder_panics_with_tokios_words() {
    let msg = panic_message(|| {
        let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
    });
    assert!(
        msg.starts_with("multi_thread is not supported for LocalRuntime"),
        "{msg}"
    );
}

#[test]
fn spawn_local_on_another_thread_in_its_context_panics_with_tokios_words() {
    common::guarded(|| {
        const TOKIO: &str =
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on";
        let rt = LocalRuntime::new().unwrap();
        let handle = rt.handle().clone();
        let msg = thread::spawn(move || {
            let _guard = handle.enter();
            panic_message(|| drop(task::spawn_local(async {})))
        })
        .join()
        .unwrap();
        assert!(msg.starts_with(TOKIO), "{msg}");
        // A `spawn_blocking` closure runs in the runtime's context too.
        let msg = rt
            .block_on(rt.spawn_blocking(|| panic_message(|| drop(task::spawn_local(async {})))))
            .unwrap();
        assert!(msg.starts_with(TOKIO), "{msg}");
        // Once the runtime is gone, a handle entered on its thread gets a
        // cancelled task, not a panic.
        let handle = rt.handle().clone();
        drop(rt);
        let _guard = handle.enter();
        let late = task::spawn_local(async {});
        assert!(futures::executor::block_on(late)
            .unwrap_err()
            .is_cancelled());
    });
}

#[test]
fn a_plain_current_thread_runtime_still_has_no_spawn_local() {
    let rt = Builder::new_current_thread().build().unwrap();
    let msg = rt.block_on(async { panic_message(|| drop(task::spawn_local(async {}))) });
    assert!(
        msg.starts_with(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
        ),
        "{msg}"
    );
}

#[test]
fn it_is_a_current_thread_runtime_and_counts_its_local_tasks() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
        let inside = rt.block_on(async { Handle::current().id() });
        assert_eq!(inside, rt.handle().id());
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let waiting = rt.spawn_local(async move { rx.await.ok() });
        assert_eq!(rt.metrics().num_alive_tasks(), 1);
        assert_eq!(rt.handle().dump().tasks().count(), 1);
        tx.send(()).unwrap();
        rt.block_on(waiting).unwrap();
        assert_eq!(rt.metrics().num_alive_tasks(), 0);
        assert_eq!(rt.metrics().spawned_tasks_count(), 1);
    });
}

#[test]
fn join_set_and_builder_spawn_local_reach_the_runtime() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let (sum, name) = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 1..=3 {
                set.spawn_local(async move { Rc::new(i) });
            }
            let mut sum = 0;
            while let Some(out) = set.join_next().await {
                sum += *out.unwrap();
            }
            let named = task::Builder::new()
                .name("local-named")
                .spawn_local(async { Rc::new(()) });
            let name = rt_dump_name(named.id());
            named.await.unwrap();
            (sum, name)
        });
        assert_eq!(sum, 6);
        assert_eq!(name.as_deref(), Some("local-named"));
    });
}

/// The name the runtime's dump gives task `id`.
fn rt_dump_name(id: TaskId) -> Option<String> {
    Handle::current()
        .dump()
        .tasks()
        .find(|t| t.id() == id)
        .and_then(|t| t.name().map(String::from))
}

#[test]
fn spawn_local_in_a_local_set_inside_it_goes_to_the_runtime_as_tokios() {
    common::guarded(|| {
        let rt = LocalRuntime::new().unwrap();
        let set = LocalSet::new();
        let alive = rt.block_on(set.run_until(async {
            let task = task::spawn_local(std::future::pending::<()>());
            let alive = Handle::current().metrics().num_alive_tasks();
            task.abort();
            alive
        }));
        // The runtime counts it: it is the runtime's, not the set's.
        assert_eq!(alive, 1);
    });
}

#[taskcell_executor::main(flavor = "local")]
async fn local_main() -> usize {
    // Bounded: a runtime that never ran the task would hang the test.
    time::timeout(Duration::from_secs(10), local_main_body())
        .await
        .expect("the local task ran")
}

async fn local_main_body() -> usize {
    let shared = Rc::new(RefCell::new(String::from("local")));
    let task = task::spawn_local({
        let shared = Rc::clone(&shared);
        async move {
            shared.borrow_mut().push_str(" main");
            shared.borrow().len()
        }
    });
    task.await.unwrap()
}

#[test]
fn main_with_the_local_flavor_runs_spawn_local() {
    assert_eq!(local_main(), "local main".len());
    assert!(Handle::try_current().is_err(), "the runtime is gone again");
}

#[taskcell_executor::test(flavor = "local")]
async fn a_test_with_the_local_flavor_runs_spawn_local() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    let rc = Rc::new(Cell::new(0));
    let task = task::spawn_local({
        let rc = Rc::clone(&rc);
        async move {
            time::sleep(Duration::from_millis(1)).await;
            rc.set(5);
        }
    });
    time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the local task ran")
        .unwrap();
    assert_eq!(rc.get(), 5);
}

#[test]
fn kept_in_a_thread_local_it_is_dropped_at_thread_exit() {
    common::guarded(|| {
        let drops = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&drops);
        let exited = thread::spawn(move || {
            thread_local! {
                static RT: RefCell<Option<LocalRuntime>> = const { RefCell::new(None) };
            }
            // The slot is made first, so it is destroyed last: after the
            // crate's own thread-locals (the runtime context, the current
            // set) are gone.
            RT.with(|slot| {
                let rt = LocalRuntime::new().unwrap();
                let (a, b) = (DropsOn(Arc::clone(&seen)), DropsOn(seen));
                rt.block_on(async move {
                    // Pending when the thread ends: one local, one `Send`.
                    task::spawn_local(async move {
                        let _keep = (a, Rc::new(()));
                        std::future::pending::<()>().await
                    });
                    spawn(async move {
                        let _b = b;
                        std::future::pending::<()>().await
                    });
                    yield_now().await;
                });
                *slot.borrow_mut() = Some(rt);
            });
            thread::current().id()
        })
        .join()
        .expect("the thread exits cleanly");
        let drops = common::lock(&drops);
        assert_eq!(drops.len(), 2);
        assert!(drops.iter().all(|(thread, _)| *thread == exited));
    });
}

#[test]
fn a_panic_in_block_on_is_caught_and_the_runtime_goes_on() {
    common::guarded(|| {
        common::quiet_expected_panics();
        let rt = LocalRuntime::new().unwrap();
        fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
        unwind_safe(&rt);
        // Unwind safe, as tokio's: no `AssertUnwindSafe` needed.
        let caught = std::panic::catch_unwind(|| {
            rt.block_on(async {
                let rc = Rc::new(());
                task::spawn_local(async move { drop(rc) });
                std::panic::panic_any(ExpectedPanic(1))
            })
        });
        assert_eq!(
            caught.unwrap_err().downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(1))
        );
        let after = rt.block_on(async { task::spawn_local(async { Rc::new(2) }).await });
        assert_eq!(*after.unwrap(), 2);
        assert_eq!(rt.metrics().num_alive_tasks(), 0, "the first task ran too");
    });
}
