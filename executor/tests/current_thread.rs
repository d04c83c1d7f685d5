//! `Builder::new_current_thread`: spawned tasks run on the thread that calls
//! `block_on`, while it is active; tasks left pending resume at the next
//! `block_on`; plain threads can wake them; dropping the runtime drops them.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::DropLog;
use futures::StreamExt;
use futures_channel::{mpsc, oneshot};
use taskcell_executor::{spawn, Handle, TaskId};

#[test]
fn spawned_tasks_run_on_the_block_on_thread_while_it_is_active() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let caller = thread::current().id();
        let n = common::scaled(1_000, 10);
        let out = rt.block_on(async {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    spawn(async move {
                        taskcell_executor::yield_now().await;
                        (i, thread::current().id(), TaskId::current())
                    })
                })
                .collect();
            let mut out = Vec::new();
            for h in handles {
                let id = h.id();
                let (i, thread, task) = h.await.unwrap();
                assert_eq!(task, Some(id));
                out.push((i, thread));
            }
            out
        });
        for (i, (j, thread)) in out.into_iter().enumerate() {
            assert_eq!(i, j);
            assert_eq!(thread, caller, "a task ran off the block_on thread");
        }
    });
}

#[test]
fn tasks_spawned_before_block_on_run_once_it_is_called() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let ran = Arc::new(AtomicBool::new(false));
        let ran_in_task = ran.clone();
        let handle = rt.spawn(async move {
            ran_in_task.store(true, SeqCst);
            "ran"
        });
        thread::sleep(Duration::from_millis(20));
        assert!(
            !ran.load(SeqCst),
            "a current-thread task ran without block_on"
        );
        assert_eq!(rt.block_on(handle).unwrap(), "ran");
    });
}

#[test]
fn a_task_left_pending_resumes_at_the_next_block_on() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let (tx, rx) = oneshot::channel::<u32>();
        let handle = rt.spawn(async move { rx.await.unwrap() + 1 });
        rt.block_on(async {
            for _ in 0..5 {
                taskcell_executor::yield_now().await;
            }
        });
        assert!(!handle.is_finished());
        tx.send(41).unwrap();
        assert_eq!(rt.block_on(handle).unwrap(), 42);
    });
}

#[test]
fn plain_threads_wake_current_thread_tasks() {
    const ITEMS: usize = common::scaled(10_000, 20);
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let (tx, mut rx) = mpsc::unbounded::<usize>();
        let consumer = rt.spawn(async move {
            let mut sum = 0;
            while let Some(v) = rx.next().await {
                sum += v;
            }
            sum
        });
        let producer = thread::spawn(move || {
            for i in 0..ITEMS {
                tx.unbounded_send(i).unwrap();
                if i.is_multiple_of(1_000) {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        });
        assert_eq!(rt.block_on(consumer).unwrap(), ITEMS * (ITEMS - 1) / 2);
        producer.join().unwrap();
    });
}

#[test]
fn handle_current_inside_a_current_thread_runtime() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let out = rt.block_on(async {
            let handle = Handle::try_current().expect("inside block_on");
            handle.spawn(async { 7 }).await.unwrap()
        });
        assert_eq!(out, 7);
    });
}

#[test]
fn dropping_a_current_thread_runtime_drops_pending_tasks_under_their_ids() {
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let drops = DropLog::new();
        let n = common::scaled(1_000, 10);
        let mut ids: Vec<_> = (0..n)
            .map(|i| {
                let probe = drops.probe();
                let handle = rt.spawn(async move {
                    let _probe = probe;
                    futures::future::pending::<()>().await;
                });
                // Half of them get polled once before the runtime goes.
                if i.is_multiple_of(2) {
                    rt.block_on(taskcell_executor::yield_now());
                }
                Some(handle.id())
            })
            .collect();
        drop(rt);
        assert_eq!(drops.count(), n);
        let mut dropped = drops.ids();
        dropped.sort();
        ids.sort();
        assert_eq!(dropped, ids);
    });
}

/// Regression: a `block_on` future that waited for a spawned task in a
/// `yield_now` loop spun forever, because the driver stopped running tasks
/// as soon as the root future was woken.
#[test]
fn block_on_yield_loop_lets_a_spawned_task_run() {
    common::watchdog(common::WATCHDOG, || {
        let rt = common::current_thread_rt();
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        let yields = rt.block_on(async move {
            taskcell_executor::spawn(async move {
                set.store(true, SeqCst);
            });
            let mut yields = 0;
            while !flag.load(SeqCst) {
                taskcell_executor::yield_now().await;
                yields += 1;
            }
            yields
        });
        assert_eq!(yields, 1, "the task runs at the root's first yield");
    });
}
