//! Every refused access is an `AccessError` of the right kind, naming the
//! right tasks — and the cell stays usable afterwards.

mod common;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use futures::executor::block_on;
use taskcell::{bind, AccessErrorKind, TaskCell, TaskId};

/// Runs `f` inside a fresh task and returns its id with the result.
fn in_task<R>(f: impl FnOnce() -> R) -> (TaskId, R) {
    let task = bind(async move { f() });
    let id = task.id();
    (id, block_on(task))
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .expect("string panic payload"),
    }
}

#[test]
fn access_outside_any_task_is_not_in_task() {
    let cell = TaskCell::new(1);
    let err = cell.try_with(|n| *n).unwrap_err();
    assert_eq!(err.kind(), AccessErrorKind::NotInTask);
    assert_eq!((err.owner(), err.current()), (None, None));
    // The refused access did not bind the cell.
    assert_eq!(cell.owner(), None);

    let (owner, ()) = in_task(|| cell.set(2));
    let err = cell.try_with_mut(|n| *n += 1).unwrap_err();
    assert_eq!(err.kind(), AccessErrorKind::NotInTask);
    assert_eq!((err.owner(), err.current()), (Some(owner), None));
    assert!(err.to_string().contains(&format!("owned by task {owner}")));
}

#[test]
fn access_from_another_task_is_other_task_naming_both() {
    let cell = TaskCell::new(Cell::new(0));
    let (owner, ()) = in_task(|| cell.with(|c| c.set(1)));
    let (intruder, err) = in_task(|| cell.try_with(|c| c.get()).unwrap_err());
    assert_eq!(err.kind(), AccessErrorKind::OtherTask);
    assert_eq!(err.owner(), Some(owner));
    assert_eq!(err.current(), Some(intruder));
    let shown = err.to_string();
    assert!(shown.contains(&format!("owned by task {owner}")), "{shown}");
    assert!(shown.contains(&format!("from task {intruder}")), "{shown}");
    // The owner is unchanged and the value untouched.
    assert_eq!(cell.owner(), Some(owner));
    assert_eq!(cell.into_inner().get(), 1);
}

#[test]
fn overlapping_borrows_are_borrowed() {
    let cell = TaskCell::new(0);
    let (id, (mut_in_shared, shared_in_mut, mut_in_mut, shared_in_shared)) = in_task(|| {
        (
            cell.with(|_| cell.try_with_mut(|n| *n += 1).unwrap_err()),
            cell.with_mut(|_| cell.try_with(|n| *n).unwrap_err()),
            cell.with_mut(|_| cell.try_with_mut(|n| *n += 1).unwrap_err()),
            cell.with(|a| cell.with(|b| a + b)),
        )
    });
    for err in [mut_in_shared, shared_in_mut, mut_in_mut] {
        assert_eq!(err.kind(), AccessErrorKind::Borrowed);
        assert_eq!((err.owner(), err.current()), (Some(id), Some(id)));
    }
    assert!(mut_in_shared
        .to_string()
        .contains("`with_mut` was called inside"));
    assert!(shared_in_mut
        .to_string()
        .contains("`with` was called inside `with_mut`"));
    assert_eq!(shared_in_shared, 0);
    assert_eq!(cell.into_inner(), 0, "no refused closure ran");
}

#[test]
fn panic_inside_a_closure_leaves_the_cell_usable() {
    let cell = TaskCell::new(vec![1]);
    let (_, after) = in_task(|| {
        let shared = catch_unwind(AssertUnwindSafe(|| cell.with(|_| panic!("in with"))));
        let exclusive = catch_unwind(AssertUnwindSafe(|| {
            cell.with_mut(|v| {
                v.push(2);
                panic!("in with_mut")
            })
        }));
        assert!(shared.is_err() && exclusive.is_err());
        // Both borrows were released by the unwind.
        cell.with_mut(|v| v.push(3));
        cell.with(|v| v.clone())
    });
    assert_eq!(after, [1, 2, 3]);
}

#[test]
fn thread_spawned_inside_a_task_is_refused() {
    let cell = TaskCell::new(5);
    let (owner, err) = in_task(|| {
        cell.get(); // bind to this task
        std::thread::scope(|s| s.spawn(|| cell.try_with(|n| *n)).join().unwrap()).unwrap_err()
    });
    assert_eq!(err.kind(), AccessErrorKind::NotInTask);
    assert_eq!((err.owner(), err.current()), (Some(owner), None));
}

#[test]
fn not_in_task_on_a_thread_started_in_a_task_warns_against_bind_there() {
    // The cell is created in the task but not touched there yet: the thread
    // meets an unbound cell. `bind` on that thread would take the cell away
    // from the task, so the message must say what helps instead.
    let (_, message) = in_task(|| {
        let cell = TaskCell::new(5);
        std::thread::scope(|s| s.spawn(|| panic_message(|| cell.set(6))).join().unwrap())
    });
    assert!(message.contains("outside any task"), "{message}");
    assert!(message.contains("do not `bind` there"), "{message}");
    assert!(message.contains("do the work in the task"), "{message}");
    assert!(message.contains("`get_mut`/`into_inner`"), "{message}");
}

#[test]
fn nested_bind_is_a_separate_task() {
    let outer_cell = TaskCell::new(1);
    let outer = bind(async {
        outer_cell.get();
        let inner = bind(async {
            let inner_cell = TaskCell::new(2);
            inner_cell.get();
            (outer_cell.try_with(|n| *n), inner_cell)
        });
        let inner_id = inner.id();
        let (err, inner_cell) = inner.await;
        (inner_id, err, inner_cell.try_with(|n| *n).unwrap_err())
    });
    let outer_id = outer.id();
    let (inner_id, inner_on_outer, outer_on_inner) = block_on(outer);
    assert_ne!(inner_id, outer_id);
    let err = inner_on_outer.unwrap_err();
    assert_eq!(err.kind(), AccessErrorKind::OtherTask);
    assert_eq!(
        (err.owner(), err.current()),
        (Some(outer_id), Some(inner_id))
    );
    assert_eq!(outer_on_inner.kind(), AccessErrorKind::OtherTask);
    assert_eq!(
        (outer_on_inner.owner(), outer_on_inner.current()),
        (Some(inner_id), Some(outer_id))
    );
}

#[test]
fn panics_say_who_owns_who_tried_and_the_fix() {
    let cell = TaskCell::new(0);
    let outside = panic_message(|| {
        cell.with(|_| ());
    });
    assert!(outside.contains("outside any task"), "{outside}");
    assert!(outside.contains("taskcell::bind"), "{outside}");

    let (owner, ()) = in_task(|| cell.set(1));
    let (intruder, other) = in_task(|| panic_message(|| cell.set(2)));
    assert!(other.contains(&format!("owned by task {owner}")), "{other}");
    assert!(other.contains(&format!("from task {intruder}")), "{other}");
    assert!(other.contains("unbind"), "{other}");
    assert!(other.contains("get_mut"), "{other}");
    assert!(other.contains("`Mutex`"), "{other}");

    let (_, borrowed) = in_task(|| {
        let cell = TaskCell::new(0);
        panic_message(|| cell.with(|_| cell.set(1)))
    });
    assert!(borrowed.contains("already borrowed"), "{borrowed}");
}
