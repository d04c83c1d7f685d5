//! Spawning a very large number of tasks: every one runs once, under its own
//! id, and its JoinHandle yields its own output.

mod common;

use std::collections::HashSet;

use taskcell_executor::{spawn, TaskId};

const N: usize = common::scaled(100_000, 50);

#[test]
fn spawn_100_000_tasks_from_the_root_future_and_join_them_all() {
    common::guarded(|| {
        let rt = common::rt(4);
        rt.block_on(async {
            let handles: Vec<_> = (0..N)
                .map(|i| spawn(async move { (i, i.wrapping_mul(31) ^ 0x5a5a) }))
                .collect();
            for (i, handle) in handles.into_iter().enumerate() {
                let out = handle.await.expect("a plain task finishes with Ok");
                assert_eq!(out, (i, i.wrapping_mul(31) ^ 0x5a5a), "output of task {i}");
            }
        });
    });
}

#[test]
fn spawn_100_000_tasks_from_outside_and_join_them_all() {
    common::guarded(|| {
        let rt = common::rt(4);
        let handles: Vec<_> = (0..N)
            .map(|i| rt.spawn(async move { format!("task-{i}") }))
            .collect();
        let outputs: Vec<String> = rt.block_on(async {
            let mut outputs = Vec::with_capacity(N);
            for handle in handles {
                outputs.push(handle.await.expect("a plain task finishes with Ok"));
            }
            outputs
        });
        assert_eq!(outputs.len(), N);
        for (i, out) in outputs.iter().enumerate() {
            assert_eq!(*out, format!("task-{i}"));
        }
    });
}

#[test]
fn every_task_runs_under_its_handles_id_and_ids_are_distinct() {
    common::guarded(|| {
        let rt = common::rt(4);
        rt.block_on(async {
            let root = TaskId::current().expect("the root future runs under a task id");
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    spawn(async move {
                        let before = TaskId::current();
                        // Suspend once so the task is polled at least twice.
                        common::yield_once().await;
                        assert_eq!(TaskId::current(), before, "the id changed across a yield");
                        (i, before)
                    })
                })
                .collect();
            let mut seen = HashSet::with_capacity(N);
            for (i, handle) in handles.into_iter().enumerate() {
                let id = handle.id();
                assert!(seen.insert(id), "two tasks share the id {id:?}");
                assert_ne!(id, root, "a spawned task shares the root future's id");
                let (out, current) = handle.await.unwrap();
                assert_eq!(out, i);
                assert_eq!(current, Some(id), "task {i} ran under another id");
            }
        });
    });
}
