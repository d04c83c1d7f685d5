//! `JoinHandle`: its id is the task's id, `is_finished` tracks completion,
//! and it can be awaited from another task, another thread or another
//! executor; polled again after its output, it panics with tokio's words,
//! as does `JoinError::into_panic` on a cancellation.

mod common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures_channel::oneshot;
use taskcell_executor::{spawn, JoinHandle, TaskId};

#[test]
fn join_handle_is_send_for_send_outputs() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<JoinHandle<String>>();
}

#[test]
fn is_finished_tracks_completion() {
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, rx) = oneshot::channel::<u8>();
        let handle = rt.spawn(async move { rx.await.unwrap() });
        std::thread::sleep(Duration::from_millis(10));
        assert!(
            !handle.is_finished(),
            "a task waiting on a channel is finished"
        );
        tx.send(3).unwrap();
        assert!(common::wait_until(Duration::from_secs(10), || handle.is_finished()));
        assert_eq!(rt.block_on(handle).unwrap(), 3);
    });
}

#[test]
fn a_join_handle_is_awaited_from_another_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let out = rt.block_on(async {
            let (tx, rx) = oneshot::channel::<u32>();
            let producer = spawn(async move { rx.await.unwrap() * 2 });
            let producer_id = producer.id();
            let waiter = spawn(async move {
                let id = producer.id();
                (id, producer.await.unwrap())
            });
            tx.send(21).unwrap();
            let (seen_id, out) = waiter.await.unwrap();
            assert_eq!(seen_id, producer_id);
            out
        });
        assert_eq!(out, 42);
    });
}

#[test]
fn a_join_handle_is_awaited_from_a_foreign_executor_on_another_thread() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handles: Vec<_> = (0..common::scaled(100, 5))
            .map(|i| {
                rt.spawn(async move {
                    taskcell_executor::yield_now().await;
                    i
                })
            })
            .collect();
        let joined = std::thread::spawn(move || {
            let pool = futures::executor::ThreadPool::builder()
                .pool_size(2)
                .create()
                .unwrap();
            let sums: Vec<_> = handles
                .into_iter()
                .map(|h| {
                    let (tx, rx) = oneshot::channel();
                    pool.spawn_ok(async move { tx.send(h.await.unwrap()).unwrap() });
                    rx
                })
                .collect();
            futures::executor::block_on(async {
                let mut total = 0;
                for rx in sums {
                    total += rx.await.unwrap();
                }
                total
            })
        })
        .join()
        .unwrap();
        let n = common::scaled(100, 5);
        assert_eq!(joined, n * (n - 1) / 2);
    });
}

#[test]
fn the_handles_id_is_the_id_inside_the_task_and_in_its_join_error() {
    common::guarded(|| {
        let rt = common::rt(1);
        let handle = rt.spawn(async { TaskId::current() });
        let id = handle.id();
        assert_eq!(rt.block_on(handle).unwrap(), Some(id));
        let pending = rt.spawn(futures::future::pending::<()>());
        let id = pending.id();
        pending.abort();
        let err = rt.block_on(pending).unwrap_err();
        assert_eq!(err.id(), id);
        let shown = err.to_string();
        assert!(shown.to_lowercase().contains("cancel"), "Display: {shown}");
    });
}

#[test]
fn a_join_handle_polled_after_its_output_panics_with_tokios_words() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let mut handle = rt.spawn(async { 5 });
        let msg = rt.block_on(std::future::poll_fn(|cx| {
            let out = std::task::ready!(Pin::new(&mut handle).poll(cx));
            assert_eq!(out.unwrap(), 5);
            let again = catch_unwind(AssertUnwindSafe(|| {
                let _ = Pin::new(&mut handle).poll(cx);
            }));
            Poll::Ready(common::panic_message(&*again.expect_err("a second output")))
        }));
        assert!(
            msg.starts_with("JoinHandle polled after completion"),
            "{msg}"
        );
    });
}

#[test]
fn into_panic_on_a_cancellation_panics_with_tokios_words() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let pending = rt.spawn(futures::future::pending::<()>());
        pending.abort();
        let err = rt.block_on(pending).unwrap_err();
        assert!(err.is_cancelled());
        let msg = catch_unwind(AssertUnwindSafe(|| err.into_panic()))
            .map(drop)
            .map_err(|payload| common::panic_message(&*payload))
            .expect_err("a cancellation has no panic payload");
        assert!(
            msg.starts_with("`JoinError` reason is not a panic."),
            "{msg}"
        );
    });
}
