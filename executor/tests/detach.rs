//! Dropping a `JoinHandle` detaches its task: the task still runs to the
//! end, and its output is dropped exactly once, under the task's id.

mod common;

use std::thread;
use std::time::Duration;

use common::DropLog;
use futures_channel::oneshot;

const SETTLE: Duration = Duration::from_secs(10);

#[test]
fn a_detached_running_task_completes_and_its_output_is_dropped_once_under_its_id() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel::<&'static str>();
        let probe = drops.probe();
        let handle = rt.spawn(async move {
            started_tx.send(()).unwrap();
            go_rx.await.expect("the test sends go");
            taskcell_executor::yield_now().await;
            done_tx.send("finished").unwrap();
            probe // the output
        });
        let id = handle.id();
        rt.block_on(started_rx).unwrap();
        drop(handle);
        go_tx.send(()).unwrap();
        assert_eq!(
            rt.block_on(done_rx),
            Ok("finished"),
            "the detached task did not finish"
        );
        assert!(
            common::wait_until(SETTLE, || drops.count() >= 1),
            "the detached task's output was never dropped"
        );
        thread::sleep(Duration::from_millis(20));
        assert_eq!(
            drops.ids(),
            [Some(id)],
            "output dropped once, under the task's id"
        );
        drop(rt);
        assert_eq!(drops.count(), 1, "the output was dropped again at shutdown");
    });
}

#[test]
fn a_task_detached_before_its_first_poll_still_runs() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let (done_tx, done_rx) = oneshot::channel::<u32>();
        let probe = drops.probe();
        let handle = rt.spawn(async move {
            done_tx.send(5).unwrap();
            probe
        });
        let id = handle.id();
        drop(handle);
        assert_eq!(rt.block_on(done_rx), Ok(5));
        assert!(common::wait_until(SETTLE, || drops.count() >= 1));
        drop(rt);
        assert_eq!(drops.ids(), [Some(id)]);
    });
}

#[test]
fn dropping_the_handle_of_a_finished_task_drops_its_output_once_under_its_id() {
    common::guarded(|| {
        let rt = common::rt(2);
        let drops = DropLog::new();
        let probe = drops.probe();
        let handle = rt.spawn(async move { probe });
        let id = handle.id();
        assert!(common::wait_until(SETTLE, || handle.is_finished()));
        assert_eq!(
            drops.count(),
            0,
            "the output was dropped while the handle could still take it"
        );
        drop(handle);
        assert!(common::wait_until(SETTLE, || drops.count() >= 1));
        drop(rt);
        assert_eq!(drops.ids(), [Some(id)]);
    });
}

#[test]
fn many_detached_tasks_all_complete() {
    const N: usize = common::scaled(20_000, 30);
    common::guarded(|| {
        let rt = common::rt(4);
        let drops = DropLog::new();
        let (tx, rx) = std::sync::mpsc::channel::<usize>();
        let mut ids = Vec::with_capacity(N);
        for i in 0..N {
            let tx = tx.clone();
            let probe = drops.probe();
            let handle = rt.spawn(async move {
                taskcell_executor::yield_now().await;
                tx.send(i).unwrap();
                probe
            });
            ids.push(Some(handle.id()));
        }
        drop(tx);
        // Every sender lives in a task; the channel closes once all have run.
        let mut seen: Vec<usize> = rx.iter().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..N).collect::<Vec<_>>());
        assert!(common::wait_until(SETTLE, || drops.count() >= N));
        drop(rt);
        let mut dropped = drops.ids();
        dropped.sort();
        ids.sort();
        assert_eq!(
            dropped, ids,
            "each output dropped once, under its task's id"
        );
    });
}
