//! `task::id` and `task::try_id`, as tokio's: the id of the task polled
//! here, in spawned, local and blocking tasks alike; none in a `block_on`'s
//! own future, which is no task (its `TaskCell`s still have an owner).

mod common;

use taskcell_executor::task::{self, LocalSet};
use taskcell_executor::{Builder, Handle, Runtime, TaskCell, TaskId};

fn flavours() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

#[test]
fn a_block_on_future_is_no_task_but_owns_its_cells() {
    common::guarded(|| {
        for rt in flavours() {
            let (in_runtime, in_handle) = (
                rt.block_on(async { task::try_id() }),
                rt.handle().block_on(async { task::try_id() }),
            );
            assert_eq!((in_runtime, in_handle), (None, None));
            // Its TaskCells have an owner all the same.
            let owner = rt.block_on(async {
                let cell = TaskCell::new(1);
                cell.with_mut(|v| *v += 1);
                assert_eq!(cell.with(|v| *v), 2);
                TaskId::current()
            });
            assert!(owner.is_some());
            let panicked = std::panic::catch_unwind(|| rt.block_on(async { task::id() }));
            let message = panicked.unwrap_err();
            let message = message
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| message.downcast_ref::<String>().cloned())
                .unwrap();
            // tokio's words first, then ours.
            assert!(
                message.starts_with("Can't get a task id when not inside a task")
                    && message.contains("outside a task"),
                "{message}"
            );
        }
    });
}

#[test]
fn spawned_local_and_blocking_tasks_have_their_ids() {
    common::guarded(|| {
        for rt in flavours() {
            let spawned = rt.spawn(async { task::id() });
            let id = spawned.id();
            assert_eq!(rt.block_on(spawned).unwrap(), id);
            let blocking = rt.spawn_blocking(task::try_id);
            let id = blocking.id();
            assert_eq!(rt.block_on(blocking).unwrap(), Some(id));
            // A local task, polled inside the `block_on` future's poll.
            let local = LocalSet::new();
            let (id, seen) = local.block_on(&rt, async {
                let task = task::spawn_local(async { task::try_id() });
                let id = task.id();
                (id, task.await.unwrap())
            });
            assert_eq!(seen, Some(id));
            // A `Handle::block_on` made by a blocking task: its own future
            // is no task either.
            let handle = rt.handle().clone();
            let nested = rt.spawn_blocking(move || handle.block_on(async { task::try_id() }));
            assert_eq!(rt.block_on(nested).unwrap(), None);
            // A task spawned from it has its own.
            let (id, seen) = rt.block_on(async {
                let task = Handle::current().spawn(async { task::try_id() });
                (task.id(), task.await.unwrap())
            });
            assert_eq!(seen, Some(id));
        }
    });
}
