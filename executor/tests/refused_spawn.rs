//! A spawn that a shut-down runtime refuses cancels the task, even when the
//! task's future (or closure) has a `Drop` that enters another runtime: the
//! drop runs after the spawn has let go of the thread's runtime context, so
//! `block_on` in it works instead of panicking with "already borrowed".
#![cfg(not(miri))]

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use taskcell_executor::task::{Builder, JoinSet};
use taskcell_executor::JoinError;

/// Enters a fresh runtime from its `Drop`, and records that it did.
struct EntersAnotherRuntime(Arc<AtomicBool>);

impl Drop for EntersAnotherRuntime {
    fn drop(&mut self) {
        let other = common::current_thread_rt();
        assert_eq!(other.block_on(async { 7 }), 7);
        self.0.store(true, SeqCst);
    }
}

/// Every way to spawn from a thread whose runtime has shut down, each with
/// a value whose `Drop` enters another runtime.
fn spawn_every_way(dropped: &[Arc<AtomicBool>; 5]) -> Vec<Result<(), JoinError>> {
    let guard = |i: usize| EntersAnotherRuntime(Arc::clone(&dropped[i]));
    let mut joins = Vec::new();
    let g = guard(0);
    joins.push(taskcell_executor::spawn(async move { drop(g) }));
    let g = guard(1);
    joins.push(taskcell_executor::spawn_blocking(move || drop(g)));
    let g = guard(2);
    joins.push(Builder::new().name("refused").spawn(async move { drop(g) }));
    let g = guard(3);
    joins.push(Builder::new().spawn_blocking(move || drop(g)));
    let mut results: Vec<_> = joins.into_iter().map(futures::executor::block_on).collect();
    let mut set = JoinSet::new();
    let g = guard(4);
    set.spawn(async move { drop(g) });
    results.push(
        futures::executor::block_on(set.join_next()).expect("the refused task is in the set"),
    );
    results
}

#[test]
fn a_refused_spawn_is_cancelled_even_if_its_drop_enters_a_runtime() {
    common::guarded(|| {
        let rt = common::rt(1);
        let (go, wait) = mpsc::channel::<()>();
        let (done, results) = mpsc::channel();
        let dropped: [Arc<AtomicBool>; 5] = Default::default();
        let flags = dropped.clone();
        let (started, running) = mpsc::channel::<()>();
        // A blocking closure outlives its runtime's shutdown, then spawns.
        drop(rt.spawn_blocking(move || {
            started.send(()).unwrap();
            wait.recv().unwrap();
            done.send(spawn_every_way(&flags)).unwrap();
        }));
        // Running before the shutdown: one still queued would be dropped.
        running.recv().unwrap();
        rt.shutdown_timeout(Duration::from_millis(10));
        go.send(()).unwrap();
        let results = results
            .recv_timeout(Duration::from_secs(30))
            .expect("the spawning closure finished without panicking");
        assert_eq!(results.len(), 5);
        for (i, result) in results.into_iter().enumerate() {
            let err = result.expect_err("refused: the task never runs");
            assert!(err.is_cancelled(), "spawn {i}: {err}");
        }
        for (i, flag) in dropped.iter().enumerate() {
            assert!(flag.load(SeqCst), "spawn {i}'s value was dropped");
        }
    });
}
