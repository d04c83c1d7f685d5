//! How cells bind to tasks, hand over, and behave under exclusive access.

mod common;

use std::cell::{Cell, RefCell};

use futures::executor::block_on;
use taskcell::{bind, AccessErrorKind, TaskCell, TaskId};

#[test]
fn static_cell_binds_to_the_first_task_that_touches_it() {
    static COUNTER: TaskCell<Cell<u32>> = TaskCell::new(Cell::new(0));
    assert_eq!(COUNTER.owner(), None);

    let first = bind(async {
        COUNTER.with(|c| c.set(c.get() + 1));
        common::yield_now().await;
        COUNTER.with(|c| c.set(c.get() + 1));
        COUNTER.with(|c| c.get())
    });
    let first_id = first.id();
    assert_eq!(block_on(first), 2);
    assert_eq!(COUNTER.owner(), Some(first_id));

    let second = bind(async { COUNTER.try_with(|c| c.get()) });
    let second_id = second.id();
    let err = block_on(second).unwrap_err();
    assert_eq!(err.kind(), AccessErrorKind::OtherTask);
    assert_eq!(
        (err.owner(), err.current()),
        (Some(first_id), Some(second_id))
    );
}

#[test]
fn unbind_hands_the_cell_to_the_next_task() {
    let mut cell = TaskCell::new(RefCell::new(Vec::new()));
    let first = bind(async { cell.with(|v| v.borrow_mut().push("first")) });
    let first_id = first.id();
    block_on(first);

    // Still owned by the finished task: nobody else may use `&self` access.
    let refused = block_on(bind(async { cell.try_with(|_| ()) }));
    assert_eq!(refused.unwrap_err().owner(), Some(first_id));

    cell.unbind();
    assert_eq!(cell.owner(), None);
    let second = bind(async { cell.with(|v| v.borrow_mut().push("second")) });
    let second_id = second.id();
    block_on(second);
    assert_eq!(cell.owner(), Some(second_id));
    assert_eq!(cell.into_inner().into_inner(), ["first", "second"]);
}

#[test]
fn get_set_replace_take_follow_the_same_rules() {
    let number = TaskCell::new(1);
    let text = TaskCell::new(String::from("a"));
    block_on(bind(async {
        assert_eq!(number.get(), 1);
        number.set(2);
        assert_eq!(number.replace(3), 2);
        assert_eq!(number.take(), 3);
        assert_eq!(number.get(), 0);
        assert_eq!(text.replace("b".into()), "a");
        assert_eq!(text.take(), "b");
    }));
    let err = block_on(bind(async { number.try_with(|n| *n) })).unwrap_err();
    assert_eq!(err.kind(), AccessErrorKind::OtherTask);
}

#[test]
fn set_drops_the_old_value_after_the_access_ends() {
    use std::sync::atomic::{AtomicU8, Ordering};

    // 0: not dropped yet, 1: dropped and saw the cell free, 2: saw it borrowed.
    static SEEN: AtomicU8 = AtomicU8::new(0);
    static CELL: TaskCell<Option<Probe>> = TaskCell::new(None);
    struct Probe;
    impl Drop for Probe {
        fn drop(&mut self) {
            let free = CELL.try_with(|_| ()).is_ok();
            SEEN.store(if free { 1 } else { 2 }, Ordering::SeqCst);
        }
    }
    block_on(bind(async {
        CELL.set(Some(Probe));
        CELL.set(None);
    }));
    assert_eq!(SEEN.load(Ordering::SeqCst), 1);
}

#[test]
fn exclusive_access_needs_no_task() {
    let mut cell = TaskCell::new(vec![1]);
    cell.get_mut().push(2);
    block_on(bind(async { cell.with_mut(|v| v.push(3)) }));
    // Owned by a finished task, yet `&mut` access still works anywhere.
    cell.get_mut().push(4);
    assert_eq!(cell.into_inner(), [1, 2, 3, 4]);
}

#[test]
fn is_accessible_reports_without_binding() {
    let cell = TaskCell::new(0);
    assert!(!cell.is_accessible());
    let (owner_view, other_view) = block_on(bind(async {
        assert!(cell.is_accessible());
        assert_eq!(cell.owner(), None, "is_accessible does not bind");
        cell.get();
        let during_mut = cell.with_mut(|_| cell.is_accessible());
        let during_shared = cell.with(|_| cell.is_accessible());
        (
            (cell.is_accessible(), during_mut, during_shared),
            bind(async { cell.is_accessible() }).await,
        )
    }));
    assert_eq!(owner_view, (true, false, true));
    assert!(!other_view);
}

#[test]
fn debug_never_binds_and_never_panics() {
    let cell = TaskCell::new(7);
    assert_eq!(
        format!("{cell:?}"),
        "TaskCell { value: <unbound>, owner: None }"
    );
    let task = bind(async {
        let unbound = format!("{cell:?}");
        assert_eq!(cell.owner(), None, "Debug does not bind");
        cell.get();
        let owned = format!("{cell:?}");
        let borrowed = cell.with_mut(|_| format!("{cell:?}"));
        (unbound, owned, borrowed)
    });
    let id = task.id();
    let (unbound, owned, borrowed) = block_on(task);
    assert_eq!(unbound, "TaskCell { value: <unbound>, owner: None }");
    assert_eq!(
        owned,
        format!("TaskCell {{ value: 7, owner: Some({id:?}) }}")
    );
    assert_eq!(
        borrowed,
        format!("TaskCell {{ value: <borrowed>, owner: Some({id:?}) }}")
    );
    assert_eq!(
        format!("{cell:?}"),
        format!("TaskCell {{ value: <owned by task {id}>, owner: Some({id:?}) }}")
    );
}

#[test]
fn default_and_from_make_unbound_cells() {
    let a: TaskCell<Vec<u8>> = TaskCell::default();
    let b = TaskCell::from(3u8);
    assert_eq!((a.owner(), b.owner()), (None, None));
    assert!(a.into_inner().is_empty());
    assert_eq!(b.into_inner(), 3);
}

#[test]
fn unsized_contents() {
    let array = TaskCell::new([1u32, 2, 3]);
    let slice: &TaskCell<[u32]> = &array;
    let boxed: Box<TaskCell<dyn Fn(u32) -> u32 + Send>> = Box::new(TaskCell::new(|x| x * 2));
    let (sum, doubled) = block_on(bind(async {
        slice.with_mut(|s| s[0] = 10);
        (slice.with(|s| s.iter().sum::<u32>()), boxed.with(|f| f(21)))
    }));
    assert_eq!((sum, doubled), (15, 42));
}

#[test]
fn task_id_current_follows_bind() {
    assert_eq!(TaskId::current(), None);
    let outer = bind(async {
        let here = TaskId::current();
        let inner = bind(async { TaskId::current() });
        let inner_id = inner.id();
        assert_eq!(inner.await, Some(inner_id));
        assert_eq!(TaskId::current(), here, "the outer id is restored");
        here
    });
    let id = outer.id();
    assert_eq!(block_on(outer), Some(id));
    assert_eq!(TaskId::current(), None);
}

#[test]
fn bound_drops_its_future_under_its_id() {
    struct RecordsTaskOnDrop<'a>(&'a Cell<Option<TaskId>>);
    impl Drop for RecordsTaskOnDrop<'_> {
        fn drop(&mut self) {
            self.0.set(TaskId::current());
        }
    }
    let seen = Cell::new(None);
    let guard = RecordsTaskOnDrop(&seen);
    let task = bind(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    let id = task.id();
    drop(task); // never polled: the future (holding the guard) drops here
    assert_eq!(seen.get(), Some(id));
    assert_eq!(TaskId::current(), None);
}
