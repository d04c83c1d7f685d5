//! Tasks keep `TaskCell` state across `.await`s while work-stealing
//! executors move them between threads — checked at every step.

mod common;

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::thread::{self, ThreadId};

use futures::task::SpawnExt;
use taskcell::{bind, TaskCell, TaskId};

const TASKS: usize = 8;

/// One task's life: `steps` yields, checking and extending its task-owned
/// `Vec` at each. One suspension in twenty-five waits for a wake from a
/// foreign thread instead, which any worker may pick up. Returns the threads it ran
/// on.
async fn carry_state<Y, F>(steps: usize, yield_now: Y) -> HashSet<ThreadId>
where
    Y: Fn() -> F,
    F: Future<Output = ()>,
{
    let me = TaskId::current().expect("running inside a task");
    let state = TaskCell::new(RefCell::new(Vec::<u64>::new()));
    let mut threads = HashSet::new();
    let remote_every = (steps as u64 / 25).max(1);
    for step in 0..steps as u64 {
        threads.insert(thread::current().id());
        state.with(|v| {
            let mut v = v.borrow_mut();
            assert_eq!(v.len() as u64, step);
            assert_eq!(v.last().copied(), step.checked_sub(1));
            v.push(step);
        });
        assert_eq!(state.owner(), Some(me));
        if step % remote_every == remote_every - 1 {
            common::remote_wake().await;
        } else {
            yield_now().await;
        }
    }
    let values = state.into_inner().into_inner();
    assert!(values.iter().copied().eq(0..steps as u64));
    threads
}

fn assert_migrated(per_task: &[HashSet<ThreadId>]) {
    assert_eq!(per_task.len(), TASKS);
    let migrated = per_task.iter().filter(|threads| threads.len() >= 2).count();
    let all: HashSet<_> = per_task.iter().flatten().collect();
    assert!(all.len() >= 2, "all tasks ran on one thread");
    assert!(migrated >= 1, "no task moved between threads");
}

#[test]
fn state_survives_migration_on_tokio() {
    let steps = common::scaled(10_000, 250);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let per_task = rt.block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|_| tokio::spawn(bind(carry_state(steps, tokio::task::yield_now))))
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    });
    assert_migrated(&per_task);
}

#[test]
fn state_survives_migration_on_futures_thread_pool() {
    let steps = common::scaled(10_000, 250);
    let pool = futures::executor::ThreadPool::builder()
        .pool_size(2)
        .create()
        .unwrap();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            pool.spawn_with_handle(bind(carry_state(steps, common::yield_now)))
                .unwrap()
        })
        .collect();
    let per_task: Vec<_> = handles
        .into_iter()
        .map(futures::executor::block_on)
        .collect();
    assert_migrated(&per_task);
}
