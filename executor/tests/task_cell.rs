//! `TaskCell`s inside runtime tasks need no `bind`: each spawned task and
//! the root future of `block_on` has an identity of its own, and a task that
//! touches another task's cell is refused with `OtherTask`, naming both.

mod common;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use futures_channel::oneshot;
use taskcell_executor::AccessErrorKind;
use taskcell_executor::{spawn, AccessError, TaskCell, TaskId};

#[test]
fn a_task_touching_another_tasks_cell_gets_other_task_naming_both() {
    common::guarded(|| {
        let rt = common::rt(2);
        let cell = Arc::new(TaskCell::new(Cell::new(10u32)));
        let (bound_tx, bound_rx) = oneshot::channel::<()>();
        let (checked_tx, checked_rx) = oneshot::channel::<()>();

        let first_cell = cell.clone();
        let first = rt.spawn(async move {
            first_cell.with(|c| c.set(11)); // binds the cell to this task
            bound_tx.send(()).unwrap();
            checked_rx.await.unwrap();
            // Still the owner after the other task was refused.
            first_cell.with(|c| c.set(c.get() + 1));
            first_cell.with(|c| c.get())
        });
        let second_cell = cell.clone();
        let second = rt.spawn(async move {
            bound_rx.await.unwrap();
            let refused: Result<u32, AccessError> = second_cell.try_with(|c| c.get());
            let refused_mut = second_cell.try_with_mut(|c| c.set(99));
            checked_tx.send(()).unwrap();
            (refused, refused_mut)
        });
        let (first_id, second_id) = (first.id(), second.id());
        assert_ne!(first_id, second_id);

        let (refused, refused_mut) = rt.block_on(second).unwrap();
        for err in [refused.unwrap_err(), refused_mut.unwrap_err()] {
            assert_eq!(err.kind(), AccessErrorKind::OtherTask);
            assert_eq!(err.owner(), Some(first_id), "owner is the first task");
            assert_eq!(err.current(), Some(second_id), "current is the second task");
            let msg = err.to_string();
            assert!(msg.contains(&first_id.to_string()), "{msg}");
            assert!(msg.contains(&second_id.to_string()), "{msg}");
        }
        assert_eq!(rt.block_on(first).unwrap(), 12);
        assert_eq!(cell.owner(), Some(first_id));
    });
}

#[test]
fn the_panicking_accessor_in_another_task_panics_with_other_task() {
    common::guarded(|| {
        let rt = common::rt(2);
        let cell = Arc::new(TaskCell::new(RefCell::new(String::from("mine"))));
        let owner_cell = cell.clone();
        let owner = rt.spawn(async move { owner_cell.with(|s| s.borrow().len()) });
        let owner_id = owner.id();
        assert_eq!(rt.block_on(owner).unwrap(), 4);

        let intruder_cell = cell.clone();
        let intruder = rt.spawn(async move { intruder_cell.with(|s| s.borrow().len()) });
        let intruder_id = intruder.id();
        let err = rt.block_on(intruder).expect_err("the access panics");
        assert!(err.is_panic());
        let msg = common::panic_message(&*err.into_panic());
        assert!(msg.contains(&owner_id.to_string()), "{msg}");
        assert!(msg.contains(&intruder_id.to_string()), "{msg}");
    });
}

#[test]
fn cells_work_inside_spawned_tasks_without_bind() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handle = rt.spawn(async {
            let log = TaskCell::new(RefCell::new(Vec::new()));
            for i in 0..10 {
                log.with(|l| l.borrow_mut().push(i));
                taskcell_executor::yield_now().await;
            }
            (
                TaskId::current(),
                log.owner(),
                log.into_inner().into_inner(),
            )
        });
        let id = handle.id();
        let (current, owner, log) = rt.block_on(handle).unwrap();
        assert_eq!(current, Some(id));
        assert_eq!(owner, Some(id));
        assert_eq!(log, (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn the_root_future_of_block_on_owns_cells_under_its_own_id() {
    common::guarded(|| {
        let rt = common::rt(2);
        let cell = Arc::new(TaskCell::new(Cell::new(1)));
        assert_eq!(
            cell.try_with(|c| c.get()).unwrap_err().kind(),
            AccessErrorKind::NotInTask,
            "outside the runtime there is no task"
        );
        let root_cell = cell.clone();
        let (root_id, spawned_id, err) = rt.block_on(async move {
            let root_id = TaskId::current().expect("the root future has an id");
            root_cell.with(|c| c.set(2));
            let spawned_cell = root_cell.clone();
            let spawned = spawn(async move { spawned_cell.try_with(|c| c.get()) });
            let spawned_id = spawned.id();
            let err = spawned.await.unwrap().unwrap_err();
            // The root future still owns its cell after awaiting.
            assert_eq!(root_cell.with(|c| c.get()), 2);
            (root_id, spawned_id, err)
        });
        assert_ne!(root_id, spawned_id);
        assert_eq!(err.kind(), AccessErrorKind::OtherTask);
        assert_eq!(
            (err.owner(), err.current()),
            (Some(root_id), Some(spawned_id))
        );
        assert_eq!(cell.owner(), Some(root_id));
        assert_eq!(TaskId::current(), None, "block_on left its id entered");
    });
}

#[test]
fn two_block_on_calls_are_two_tasks() {
    common::guarded(|| {
        let rt = common::rt(1);
        let cell = TaskCell::new(Cell::new(0));
        let first = rt.block_on(async {
            cell.with(|c| c.set(1));
            TaskId::current()
        });
        let second = rt.block_on(async { (TaskId::current(), cell.try_with(|c| c.get())) });
        assert!(first.is_some());
        assert_ne!(second.0, first, "each block_on runs its own task");
        let err = second.1.unwrap_err();
        assert_eq!(err.kind(), AccessErrorKind::OtherTask);
        assert_eq!((err.owner(), err.current()), (first, second.0));
    });
}

#[test]
fn a_cell_returned_by_a_finished_task_is_still_owned_by_it() {
    common::guarded(|| {
        let rt = common::rt(2);
        let handle = rt.spawn(async {
            let cell = TaskCell::new(Cell::new(5));
            cell.with(|c| c.set(6));
            cell
        });
        let id = handle.id();
        let cell = rt.block_on(handle).unwrap();
        assert_eq!(cell.owner(), Some(id));
        // Another task is refused, but exclusive access works anywhere.
        let (probe_id, err) =
            rt.block_on(async { (TaskId::current(), cell.try_with(|c| c.get())) });
        let err = err.unwrap_err();
        assert_eq!(err.kind(), AccessErrorKind::OtherTask);
        assert_eq!((err.owner(), err.current()), (Some(id), probe_id));
        assert_eq!(cell.into_inner().get(), 6);
    });
}
