//! A waker that outlives its runtime is harmless: waking, cloning and
//! dropping it after the runtime was dropped does nothing (no panic, no
//! crash, no task resurrected); and a waker of a finished task is a no-op.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use common::DropLog;

/// Spawns a task that sends out its waker, then stays pending forever,
/// counting its polls.
fn stash_waker(
    rt: &taskcell_executor::Runtime,
    polls: &Arc<AtomicUsize>,
    drops: &DropLog,
) -> (Waker, taskcell_executor::TaskId) {
    let (tx, rx) = mpsc::channel::<Waker>();
    let polls = polls.clone();
    let probe = drops.probe();
    let handle = rt.spawn(async move {
        let _probe = probe;
        std::future::poll_fn(move |cx| {
            polls.fetch_add(1, SeqCst);
            let _ = tx.send(cx.waker().clone());
            Poll::<()>::Pending
        })
        .await;
    });
    let waker = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the task was polled");
    (waker, handle.id())
}

#[test]
fn waking_after_the_runtime_was_dropped_is_a_no_op() {
    common::guarded(|| {
        let rt = common::rt(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let drops = DropLog::new();
        let (waker, id) = stash_waker(&rt, &polls, &drops);
        drop(rt);
        assert_eq!(
            drops.ids(),
            [Some(id)],
            "the pending future was dropped at shutdown"
        );
        let polls_at_shutdown = polls.load(SeqCst);

        waker.wake_by_ref();
        let clone = waker.clone();
        assert!(clone.will_wake(&waker));
        clone.wake_by_ref();
        clone.wake();
        let another = waker.clone();
        drop(another);
        waker.wake();

        thread::sleep(Duration::from_millis(20));
        assert_eq!(
            polls.load(SeqCst),
            polls_at_shutdown,
            "a dropped task was polled"
        );
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn waking_from_another_thread_while_the_runtime_drops_is_safe() {
    const ROUNDS: usize = common::scaled(50, 3);
    common::guarded(|| {
        for _ in 0..ROUNDS {
            let rt = common::rt(2);
            let polls = Arc::new(AtomicUsize::new(0));
            let drops = DropLog::new();
            let (waker, id) = stash_waker(&rt, &polls, &drops);
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let hammer = {
                let stop = stop.clone();
                let waker = waker.clone();
                thread::spawn(move || {
                    // Keeps waking (and cloning) through the shutdown.
                    while !stop.load(SeqCst) {
                        waker.wake_by_ref();
                        // A clone, woken by value: exercises clone and wake.
                        let clone = waker.clone();
                        clone.wake();
                    }
                    waker.wake();
                })
            };
            thread::sleep(Duration::from_millis(1));
            drop(rt);
            stop.store(true, SeqCst);
            hammer
                .join()
                .expect("waking raced with shutdown and panicked");
            assert_eq!(drops.ids(), [Some(id)]);
            waker.wake();
        }
    });
}

#[test]
fn waking_a_finished_task_is_a_no_op() {
    common::guarded(|| {
        let rt = common::rt(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let polls_in_task = polls.clone();
        let (tx, rx) = mpsc::channel::<Waker>();
        let handle = rt.spawn(std::future::poll_fn(move |cx| {
            polls_in_task.fetch_add(1, SeqCst);
            let _ = tx.send(cx.waker().clone());
            Poll::Ready(5)
        }));
        assert_eq!(rt.block_on(handle).unwrap(), 5);
        let waker = rx.recv().unwrap();
        for _ in 0..100 {
            waker.wake_by_ref();
        }
        let clone = waker.clone();
        clone.wake();
        thread::sleep(Duration::from_millis(20));
        assert_eq!(polls.load(SeqCst), 1, "a finished task was polled again");
        drop(rt);
        waker.wake();
    });
}

#[test]
fn a_waker_kept_by_an_aborted_task_is_a_no_op() {
    common::guarded(|| {
        let rt = common::rt(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let drops = DropLog::new();
        let (tx, rx) = mpsc::channel::<Waker>();
        let polls_in_task = polls.clone();
        let probe = drops.probe();
        let handle = rt.spawn(async move {
            let _probe = probe;
            std::future::poll_fn(move |cx| {
                polls_in_task.fetch_add(1, SeqCst);
                let _ = tx.send(cx.waker().clone());
                Poll::<()>::Pending
            })
            .await;
        });
        let waker = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        handle.abort();
        assert!(rt.block_on(handle).unwrap_err().is_cancelled());
        assert!(common::wait_until(Duration::from_secs(10), || drops
            .count()
            == 1));
        let polls_before = polls.load(SeqCst);
        waker.wake_by_ref();
        let clone = waker.clone();
        clone.wake();
        thread::sleep(Duration::from_millis(20));
        assert_eq!(
            polls.load(SeqCst),
            polls_before,
            "an aborted task was polled"
        );
        drop(rt);
        waker.wake();
    });
}
