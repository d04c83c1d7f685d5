//! `JoinHandle::abort`: a pending or running task is cancelled, its future
//! dropped once under its own id, and its handle resolves to a cancelled
//! `JoinError`; aborting a finished task changes nothing.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::DropLog;
use futures_channel::oneshot;
use taskcell_executor::{spawn, yield_now};

const SETTLE: Duration = Duration::from_secs(10);

#[test]
fn abort_a_pending_task_drops_its_future_under_its_id() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let probe = drops.probe();
        let handle = rt.spawn(async move {
            let _probe = probe;
            started_tx.send(()).unwrap();
            futures::future::pending::<()>().await;
        });
        let id = handle.id();
        // The task has been polled and is parked, waiting forever.
        rt.block_on(started_rx).unwrap();
        assert!(!handle.is_finished());
        assert_eq!(drops.count(), 0);

        handle.abort();
        let err = rt
            .block_on(handle)
            .expect_err("an aborted task yields an error");
        assert!(err.is_cancelled(), "expected cancelled, got {err}");
        assert!(!err.is_panic());
        assert_eq!(err.id(), id);
        assert!(
            common::wait_until(SETTLE, || drops.count() >= 1),
            "the aborted task's future was never dropped"
        );
        assert_eq!(drops.ids(), [Some(id)], "dropped once, under the task's id");
        drop(rt);
        assert_eq!(drops.count(), 1, "dropped again at shutdown");
    });
}

#[test]
fn abort_a_task_waiting_on_a_plain_thread_releases_its_receiver() {
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, rx) = oneshot::channel::<u32>();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let handle = rt.spawn(async move {
            started_tx.send(()).unwrap();
            rx.await
        });
        rt.block_on(started_rx).unwrap();
        handle.abort();
        assert!(rt.block_on(handle).unwrap_err().is_cancelled());
        // The future (and so the receiver) is gone: the send fails.
        assert!(
            common::wait_until(SETTLE, || tx.is_canceled()),
            "the aborted task still holds its receiver"
        );
        assert_eq!(tx.send(1), Err(1));
    });
}

#[test]
fn abort_before_the_first_poll_never_polls_the_future() {
    common::guarded(|| {
        // A current-thread runtime runs tasks only inside `block_on`, so the
        // task below cannot have started when it is aborted.
        let rt = common::current_thread_rt();
        let drops = DropLog::new();
        let polled = Arc::new(AtomicBool::new(false));
        let probe = drops.probe();
        let polled_in_task = polled.clone();
        let handle = rt.spawn(async move {
            let _probe = probe;
            polled_in_task.store(true, SeqCst);
            7
        });
        let id = handle.id();
        handle.abort();
        let err = rt.block_on(handle).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.id(), id);
        assert!(!polled.load(SeqCst), "an aborted task was polled");
        assert!(common::wait_until(SETTLE, || drops.count() >= 1));
        assert_eq!(drops.ids(), [Some(id)]);
    });
}

#[test]
fn abort_a_running_task_from_another_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let laps = Arc::new(AtomicUsize::new(0));
        let probe = drops.probe();
        let laps_in_task = laps.clone();
        // Never finishes by itself: it yields in a loop, always runnable.
        let spinner = rt.spawn(async move {
            let _probe = probe;
            loop {
                laps_in_task.fetch_add(1, SeqCst);
                yield_now().await;
            }
        });
        let spinner_id = spinner.id();
        let laps_in_aborter = laps.clone();
        let aborter = rt.spawn(async move {
            while laps_in_aborter.load(SeqCst) < 100 {
                yield_now().await;
            }
            spinner.abort();
            spinner.await
        });
        let result: Result<(), _> = rt.block_on(aborter).expect("the aborter finishes");
        let err = result.expect_err("the spinner was aborted");
        assert!(err.is_cancelled(), "expected cancelled, got {err}");
        assert_eq!(err.id(), spinner_id);
        assert!(common::wait_until(SETTLE, || drops.count() >= 1));
        assert_eq!(drops.ids(), [Some(spinner_id)]);
        // Nothing polls the spinner any more.
        let stopped_at = laps.load(SeqCst);
        thread::sleep(Duration::from_millis(50));
        assert_eq!(laps.load(SeqCst), stopped_at, "the aborted task still runs");
    });
}

#[test]
fn abort_a_finished_task_changes_nothing() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let probe = drops.probe();
        let handle = rt.spawn(async move { (String::from("done"), probe) });
        assert!(
            common::wait_until(SETTLE, || handle.is_finished()),
            "a trivial task did not finish"
        );
        handle.abort();
        handle.abort();
        assert!(handle.is_finished());
        assert_eq!(drops.count(), 0, "abort dropped the finished task's output");
        let (out, probe) = rt
            .block_on(handle)
            .expect("a task aborted after it finished still yields its output");
        assert_eq!(out, "done");
        drop(probe);
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn abort_many_pending_tasks_from_the_root_future() {
    const N: usize = common::scaled(5_000, 20);
    common::guarded(|| {
        let rt = common::rt(4);
        let drops = DropLog::new();
        let mut expected = rt.block_on(async {
            let handles: Vec<_> = (0..N)
                .map(|_| {
                    let probe = drops.probe();
                    spawn(async move {
                        let _probe = probe;
                        futures::future::pending::<()>().await;
                    })
                })
                .collect();
            for h in &handles {
                h.abort();
            }
            let mut ids = Vec::with_capacity(N);
            for h in handles {
                let id = h.id();
                let err = h.await.unwrap_err();
                assert!(err.is_cancelled());
                assert_eq!(err.id(), id);
                ids.push(Some(id));
            }
            ids
        });
        assert!(common::wait_until(SETTLE, || drops.count() >= N));
        let mut got = drops.ids();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "each future dropped once, under its own id");
    });
}
