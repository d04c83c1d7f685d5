//! `JoinSet`'s tokio extras: `join_next_with_id` and `try_join_next` give
//! each finished task once, with the id its `JoinHandle` had; `join_all`
//! gathers every output and carries a task's panic on; `detach_all` lets
//! the tasks run on; a set collects from an iterator of futures.
#![cfg(not(miri))]

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use taskcell_executor::task::JoinSet;
use taskcell_executor::{yield_now, TaskId};

#[test]
fn join_next_with_id_gives_each_task_once_with_its_id() {
    common::guarded(|| {
        common::rt(2).block_on(async {
            let mut set: JoinSet<TaskId> = (0..20)
                .map(|_| async { TaskId::current().unwrap() })
                .collect();
            assert_eq!(set.len(), 20);
            let mut seen = HashSet::new();
            while let Some(joined) = set.join_next_with_id().await {
                let (id, inside) = joined.unwrap();
                assert_eq!(id, inside, "the id of the task that ran");
                assert!(seen.insert(id), "joined twice");
            }
            assert_eq!(seen.len(), 20);
        });
    });
}

#[test]
fn try_join_next_never_waits_and_misses_nothing() {
    common::guarded(|| {
        common::current_thread_rt().block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none(), "empty");
            set.extend((0..10u32).map(|i| async move {
                yield_now().await;
                i
            }));
            set.spawn(std::future::pending());
            let mut outs = Vec::new();
            while outs.len() < 10 {
                match set.try_join_next_with_id() {
                    Some(joined) => outs.push(joined.unwrap().1),
                    None => yield_now().await,
                }
            }
            outs.sort();
            assert_eq!(outs, (0..10).collect::<Vec<_>>());
            assert!(set.try_join_next().is_none(), "the pending one");
            assert_eq!(set.len(), 1);
        });
    });
}

#[test]
fn join_all_gathers_every_output_and_carries_a_panic_on() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(2);
        let mut outs = rt.block_on(async {
            (0..8)
                .map(|i| async move { i })
                .collect::<JoinSet<_>>()
                .join_all()
                .await
        });
        outs.sort();
        assert_eq!(outs, (0..8).collect::<Vec<_>>());

        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { 1 });
                set.spawn(async { std::panic::panic_any(common::ExpectedPanic(7)) });
                set.join_all().await
            })
        }));
        let payload = caught.expect_err("join_all carries the task's panic on");
        assert_eq!(
            payload.downcast_ref::<common::ExpectedPanic>().map(|p| p.0),
            Some(7)
        );
    });
}

#[test]
fn detach_all_empties_the_set_and_the_tasks_run_on() {
    common::guarded(|| {
        let rt = common::rt(2);
        let ran = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let ran = Arc::clone(&ran);
                set.spawn(async move {
                    yield_now().await;
                    ran.fetch_add(1, SeqCst);
                });
            }
            set.detach_all();
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
            // The set is usable again.
            set.spawn(async {});
            set.join_next().await.unwrap().unwrap();
            drop(set); // aborts nothing of the detached ones
        });
        assert!(common::wait_until(
            std::time::Duration::from_secs(30),
            || { ran.load(SeqCst) == 5 }
        ));
    });
}

#[test]
fn spawn_blocking_into_a_set_and_abort_one_still_queued() {
    common::guarded(|| {
        let rt = taskcell_executor::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let mut set = JoinSet::new();
        set.spawn_blocking_on(
            move || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                1
            },
            rt.handle(),
        );
        started_rx.recv().unwrap();
        // The pool's one thread is busy: this one waits in its queue.
        let queued = set.spawn_blocking_on(|| 2, rt.handle());
        queued.abort();
        release_tx.send(()).unwrap();
        let mut ok = Vec::new();
        let mut cancelled = 0;
        rt.block_on(async {
            while let Some(out) = set.join_next().await {
                match out {
                    Ok(v) => ok.push(v),
                    Err(e) => {
                        assert!(e.is_cancelled());
                        cancelled += 1;
                    }
                }
            }
        });
        assert_eq!((ok, cancelled), (vec![1], 1));
        let sum = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..4u32 {
                set.spawn_blocking(move || i * 10);
            }
            set.join_all().await.into_iter().sum::<u32>()
        });
        assert_eq!(sum, 60);
    });
}

/// A waker the set keeps whose drop drives the runtime, and so finishes a
/// task of the set (whose wake-up takes the set's lock): the set drops it
/// outside its lock when a poll with another waker replaces it, as
/// tokio's does, instead of deadlocking.
#[test]
fn a_replaced_waker_whose_drop_finishes_a_task_of_the_set_does_not_deadlock() {
    use std::task::{Context, Poll, Wake, Waker};

    struct DriveOnDrop(Option<taskcell_executor::Runtime>);
    impl Wake for DriveOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for DriveOnDrop {
        fn drop(&mut self) {
            if let Some(rt) = &self.0 {
                rt.block_on(yield_now());
            }
        }
    }
    common::guarded(|| {
        let rt = taskcell_executor::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut set = JoinSet::new();
        set.spawn_on(async { 42 }, rt.handle());
        let driving = Waker::from(Arc::new(DriveOnDrop(Some(rt))));
        // Nothing ran yet: the set keeps a clone of `driving`.
        assert!(set
            .poll_join_next(&mut Context::from_waker(&driving))
            .is_pending());
        drop(driving);
        let other = Waker::from(Arc::new(DriveOnDrop(None)));
        // Replacing it drops the last `driving`, which runs the task.
        let first = set.poll_join_next(&mut Context::from_waker(&other));
        let out = match first {
            Poll::Ready(out) => out,
            Poll::Pending => set.try_join_next(),
        };
        assert_eq!(out.unwrap().unwrap(), 42);
        assert!(set.is_empty());
    });
}
