//! A panicking task becomes a `JoinError` with `is_panic()` and its payload,
//! while every other task runs on and the runtime stays usable.

mod common;

use std::panic::panic_any;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use common::{ExpectedPanic, EXPECTED};
use taskcell_executor::{spawn, JoinError};

const N: usize = common::scaled(1_000, 20);

#[test]
fn a_thousand_panicking_tasks_interleaved_with_normal_ones() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(4);
        rt.block_on(async {
            let handles: Vec<_> = (0..2 * N)
                .map(|i| {
                    spawn(async move {
                        taskcell_executor::yield_now().await;
                        match i % 4 {
                            1 => panic!("{EXPECTED} task {i} panics with a String"),
                            3 => panic_any(ExpectedPanic(i)),
                            _ => i * 10,
                        }
                    })
                })
                .collect();
            for (i, handle) in handles.into_iter().enumerate() {
                let id = handle.id();
                match (i % 4, handle.await) {
                    (0 | 2, Ok(out)) => assert_eq!(out, i * 10),
                    (1, Err(err)) => {
                        assert!(err.is_panic() && !err.is_cancelled());
                        assert_eq!(err.id(), id);
                        let payload = err.into_panic();
                        assert_eq!(
                            common::payload_str(&*payload),
                            Some(format!("{EXPECTED} task {i} panics with a String").as_str())
                        );
                    }
                    (3, Err(err)) => {
                        assert!(err.is_panic() && !err.is_cancelled());
                        assert_eq!(err.id(), id);
                        let payload = err.into_panic();
                        assert_eq!(
                            payload.downcast_ref::<ExpectedPanic>(),
                            Some(&ExpectedPanic(i))
                        );
                    }
                    (kind, result) => panic!(
                        "task {i} (kind {kind}) gave {:?}",
                        result.map_err(|e| e.to_string())
                    ),
                }
            }
        });
    });
}

#[test]
fn the_runtime_lives_on_after_panics_even_with_one_worker() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let ran = Arc::new(AtomicUsize::new(0));
        for round in 0..common::scaled(50, 5) {
            let boom = rt.spawn(async move { panic_any(ExpectedPanic(round)) });
            assert!(rt.block_on(boom).unwrap_err().is_panic());
            let ran = ran.clone();
            let fine = rt.spawn(async move { ran.fetch_add(1, SeqCst) + 1 });
            assert_eq!(rt.block_on(fine).unwrap(), round + 1);
        }
    });
}

#[test]
fn join_error_of_a_panic_displays_and_is_an_error() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let err: JoinError = rt
            .block_on(rt.spawn(async { panic!("{EXPECTED} displayed") }))
            .unwrap_err();
        let as_error: &dyn std::error::Error = &err;
        let shown = as_error.to_string();
        assert!(shown.to_lowercase().contains("panic"), "Display: {shown}");
        assert!(!format!("{err:?}").is_empty());
    });
}

#[test]
fn a_panic_after_suspending_is_reported_too() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, rx) = futures_channel::oneshot::channel::<u8>();
        let handle = rt.spawn(async move {
            let v = rx.await.unwrap();
            panic_any(ExpectedPanic(v as usize));
        });
        std::thread::spawn(move || tx.send(42).unwrap())
            .join()
            .unwrap();
        let payload = rt.block_on(handle).unwrap_err().into_panic();
        assert_eq!(
            payload.downcast_ref::<ExpectedPanic>(),
            Some(&ExpectedPanic(42))
        );
    });
}

#[test]
fn a_panic_in_the_drop_of_a_tasks_output_does_not_kill_the_runtime() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let drops = common::DropLog::new();
        let probe = drops.panicking_probe();
        let (go_tx, go_rx) = futures_channel::oneshot::channel::<()>();
        let handle = rt.spawn(async move {
            go_rx.await.unwrap();
            probe
        });
        let id = handle.id();
        // Detached while still running: the runtime itself drops the output
        // when the task finishes, and that drop panics.
        drop(handle);
        go_tx.send(()).unwrap();
        assert!(common::wait_until(
            std::time::Duration::from_secs(10),
            || { drops.count() == 1 }
        ));
        assert_eq!(drops.ids(), [Some(id)]);
        // The single worker survived.
        assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
    });
}

/// As tokio's: the future of a task whose poll panics is dropped while the
/// panic unwinds (its `Drop` sees `thread::panicking()`), on every flavour.
/// A `Drop` that panics as well does not abort the process: its panic
/// becomes the task's, as a `Drop` panic after a normal finish does.
#[test]
fn a_future_whose_poll_panics_is_dropped_during_the_unwind() {
    struct Boom {
        drop_panics: bool,
        seen: std::sync::mpsc::Sender<bool>,
    }
    impl std::future::Future for Boom {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            panic_any(ExpectedPanic(1));
        }
    }
    impl Drop for Boom {
        fn drop(&mut self) {
            self.seen.send(std::thread::panicking()).unwrap();
            if self.drop_panics {
                panic_any(ExpectedPanic(2));
            }
        }
    }
    common::quiet_expected_panics();
    common::guarded(|| {
        for rt in [common::current_thread_rt(), common::rt(1), common::rt(2)] {
            for drop_panics in [false, true] {
                let (seen, dropped) = std::sync::mpsc::channel();
                let handle = rt.spawn(Boom { drop_panics, seen });
                let err = rt.block_on(handle).unwrap_err();
                assert_eq!(dropped.recv().ok(), Some(true), "dropped during the unwind");
                let payload = err.into_panic();
                let expected = if drop_panics { 2 } else { 1 };
                assert_eq!(
                    payload.downcast_ref::<ExpectedPanic>(),
                    Some(&ExpectedPanic(expected))
                );
            }
            // The runtime runs on.
            assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
        }
    });
}
