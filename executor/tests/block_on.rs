//! `Runtime::block_on`: the root future runs on the caller's thread under a
//! task id of its own, is woken across threads, passes panics to the caller,
//! and calling `block_on` from inside the runtime panics with a message
//! that opens with tokio's and says why.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use futures_channel::oneshot;
use taskcell_executor::{spawn, Handle, Runtime, TaskId};

/// A runtime that its own tasks can reach. The test keeps one clone and
/// drops it last: a finished task's future, with the clone inside it, is
/// dropped before the task's handle resolves, so the runtime always shuts
/// down on the test thread, never inside one of its tasks.
fn shared_rt(workers: usize) -> Arc<Runtime> {
    Arc::new(common::rt(workers))
}

#[test]
fn block_on_returns_the_output_on_the_callers_thread() {
    common::guarded(|| {
        let rt = common::rt(2);
        let caller = thread::current().id();
        let (thread_inside, id_inside, out) =
            rt.block_on(async { (thread::current().id(), TaskId::current(), 6 * 7) });
        assert_eq!(out, 42);
        assert_eq!(
            thread_inside, caller,
            "the root future ran on another thread"
        );
        assert!(id_inside.is_some(), "the root future has no task id");
        assert_eq!(
            TaskId::current(),
            None,
            "the id is left entered after block_on"
        );
    });
}

#[test]
fn block_on_borrows_from_the_caller() {
    common::guarded(|| {
        let rt = common::rt(1);
        let mut local = vec![1, 2, 3];
        rt.block_on(async {
            local.push(4);
        });
        assert_eq!(local, [1, 2, 3, 4]);
    });
}

#[test]
fn the_root_future_is_woken_from_plain_threads_and_from_tasks() {
    const ROUNDS: usize = common::scaled(200, 5);
    common::guarded(|| {
        let rt = common::rt(2);
        for round in 0..ROUNDS {
            let (tx, rx) = oneshot::channel();
            let sender = thread::spawn(move || {
                if round.is_multiple_of(10) {
                    thread::sleep(Duration::from_millis(2));
                }
                tx.send(round).unwrap();
            });
            assert_eq!(rt.block_on(rx), Ok(round));
            sender.join().unwrap();
            let task = rt.spawn(async move { round * 2 });
            assert_eq!(rt.block_on(task).unwrap(), round * 2);
        }
    });
}

#[test]
fn a_panic_in_the_root_future_reaches_the_caller_and_the_runtime_lives_on() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(2);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                taskcell_executor::yield_now().await;
                panic!("{} from the root future", common::EXPECTED);
            })
        }));
        let payload = caught.expect_err("the panic reaches the caller");
        assert!(common::panic_message(&*payload).ends_with("from the root future"));
        assert_eq!(TaskId::current(), None);
        assert_eq!(rt.block_on(async { spawn(async { 9 }).await.unwrap() }), 9);
    });
}

#[test]
fn block_on_from_threads_at_once() {
    common::guarded(|| {
        let rt = common::rt(2);
        thread::scope(|s| {
            let rt = &rt;
            let callers: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        rt.block_on(async move {
                            let mut sum = 0;
                            for i in 0..100 {
                                sum += spawn(async move { t * 1000 + i }).await.unwrap();
                            }
                            sum
                        })
                    })
                })
                .collect();
            for (t, c) in callers.into_iter().enumerate() {
                assert_eq!(c.join().unwrap(), t * 100_000 + 4950);
            }
        });
    });
}

/// tokio's panic text opens the message (tokio's own tests match it), and
/// the rest gives the fix.
fn is_block_on_message(msg: &str) -> bool {
    msg.starts_with(
        "Cannot start a runtime from within a runtime. This happens because a function (like \
         `block_on`) attempted to block the current thread while the thread is being used to \
         drive asynchronous tasks. If you are in an async function, use `.await` on the future \
         instead of blocking on it.",
    ) && msg.contains("spawn_blocking")
}

#[test]
fn block_on_inside_a_task_panics_with_an_explanation() {
    common::guarded(|| {
        let rt = shared_rt(2);
        let inner = Arc::clone(&rt);
        let outcome = rt.block_on(rt.spawn(async move {
            let nested = catch_unwind(AssertUnwindSafe(|| inner.block_on(async { 1 })));
            // The task goes on after the refused call.
            taskcell_executor::yield_now().await;
            nested.map_err(|payload| common::panic_message(&*payload))
        }));
        let msg = outcome
            .expect("the task caught the panic itself")
            .expect_err("block_on inside a task must panic");
        assert!(is_block_on_message(&msg), "unhelpful message: {msg}");
        // The runtime still works.
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
    });
}

#[test]
fn block_on_inside_a_task_surfaces_as_a_panic_join_error() {
    common::guarded(|| {
        let rt = shared_rt(1);
        let inner = Arc::clone(&rt);
        let err = rt
            .block_on(rt.spawn(async move { inner.block_on(async { 1 }) }))
            .expect_err("block_on inside a task must panic");
        assert!(err.is_panic());
        let msg = common::panic_message(&*err.into_panic());
        assert!(is_block_on_message(&msg), "unhelpful message: {msg}");
    });
}

#[test]
fn block_on_of_another_runtime_inside_a_task_panics_too() {
    common::guarded(|| {
        let rt = shared_rt(1);
        let other = shared_rt(1);
        let other_inner = Arc::clone(&other);
        let err = rt
            .block_on(rt.spawn(async move { other_inner.block_on(async { 1 }) }))
            .expect_err("blocking a worker on another runtime must panic");
        let msg = common::panic_message(&*err.into_panic());
        assert!(is_block_on_message(&msg), "unhelpful message: {msg}");
    });
}

#[test]
fn block_on_inside_the_root_future_panics_with_an_explanation() {
    common::guarded(|| {
        let rt = common::rt(1);
        let msg = rt.block_on(async {
            catch_unwind(AssertUnwindSafe(|| rt.block_on(async { 1 })))
                .map_err(|payload| common::panic_message(&*payload))
                .expect_err("nested block_on must panic")
        });
        assert!(is_block_on_message(&msg), "unhelpful message: {msg}");
        // The outer block_on finished cleanly and the runtime still works.
        assert_eq!(rt.block_on(async { 3 }), 3);
    });
}

#[test]
fn handle_block_on_inside_the_root_future_panics_with_tokios_words() {
    common::guarded(|| {
        for rt in [common::rt(1), common::current_thread_rt()] {
            let msg = rt.block_on(async {
                catch_unwind(|| Handle::current().block_on(async { 1 }))
                    .map_err(|payload| common::panic_message(&*payload))
                    .expect_err("a nested Handle::block_on must panic")
            });
            assert!(is_block_on_message(&msg), "unhelpful message: {msg}");
        }
    });
}
