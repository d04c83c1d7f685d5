//! `spawn_blocking`: closures run off the async workers, return their value
//! through the JoinHandle, and many more of them than `max_blocking_threads`
//! all complete, never more than that many at once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{ExpectedPanic, EXPECTED};
use taskcell_executor::{spawn, spawn_blocking, Builder};

#[test]
fn spawn_blocking_returns_the_closures_value() {
    common::guarded(|| {
        let rt = common::rt(2);
        let from_outside = rt.spawn_blocking(|| String::from("outside"));
        assert_eq!(rt.block_on(from_outside).unwrap(), "outside");
        let from_handle = rt.handle().spawn_blocking(|| vec![1, 2, 3]);
        assert_eq!(rt.block_on(from_handle).unwrap(), [1, 2, 3]);
        let inside = rt.block_on(async {
            let a = spawn_blocking(|| 20).await.unwrap();
            let b = spawn(async { spawn_blocking(|| 22).await.unwrap() })
                .await
                .unwrap();
            a + b
        });
        assert_eq!(inside, 42);
    });
}

#[test]
fn many_blocking_tasks_beyond_max_blocking_threads_all_complete() {
    const MAX: usize = 2;
    const JOBS: usize = common::scaled(64, 6);
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(MAX)
            .thread_keep_alive(Duration::from_secs(5))
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..JOBS)
            .map(|i| {
                let (running, peak) = (running.clone(), peak.clone());
                rt.spawn_blocking(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    thread::sleep(Duration::from_millis(3));
                    running.fetch_sub(1, SeqCst);
                    i * i
                })
            })
            .collect();
        rt.block_on(async {
            for (i, h) in handles.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i * i);
            }
        });
        let peak = peak.load(SeqCst);
        assert!(
            peak <= MAX,
            "{peak} blocking closures ran at once, max is {MAX}"
        );
        assert!(peak >= 1);
    });
}

#[test]
fn a_blocked_closure_does_not_hold_up_the_async_worker() {
    common::guarded(|| {
        // One worker: if the closure ran on it, the task below could never
        // run to release it.
        let rt = common::rt(1);
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocked =
            rt.spawn_blocking(move || release_rx.recv_timeout(Duration::from_secs(30)).is_ok());
        let releaser = rt.spawn(async move {
            taskcell_executor::yield_now().await;
            release_tx.send(()).unwrap();
        });
        rt.block_on(async {
            releaser.await.unwrap();
            assert!(
                blocked.await.unwrap(),
                "the async task could not run while the closure blocked"
            );
        });
    });
}

#[test]
fn a_panicking_blocking_closure_becomes_a_panic_join_error() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let boom = rt.spawn_blocking(|| -> u8 { std::panic::panic_any(ExpectedPanic(7)) });
        let err = rt.block_on(boom).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            err.into_panic().downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(7))
        );
        let boom = rt.spawn_blocking(|| -> u8 { panic!("{EXPECTED} blocking") });
        let msg = common::panic_message(&*rt.block_on(boom).unwrap_err().into_panic());
        assert!(msg.ends_with("blocking"), "{msg}");
        // The pool still works.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 1)).unwrap(), 1);
    });
}

#[test]
fn is_finished_turns_true_when_the_closure_returns() {
    common::guarded(|| {
        let rt = common::rt(1);
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let handle = rt.spawn_blocking(move || go_rx.recv().is_ok());
        thread::sleep(Duration::from_millis(10));
        assert!(!handle.is_finished());
        go_tx.send(()).unwrap();
        assert!(common::wait_until(Duration::from_secs(10), || handle.is_finished()));
        assert!(rt.block_on(handle).unwrap());
    });
}
