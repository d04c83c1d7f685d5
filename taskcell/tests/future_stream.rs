//! `TaskCell<F>` as a `Future` and `TaskCell<S>` as a `Stream`: polled
//! through `Pin<&mut Self>` with no owner check; `size_hint` never panics.
#![cfg(feature = "stream")]

use std::pin::Pin;

use futures::executor::block_on;
use futures::stream::{self, Stream, StreamExt};
use taskcell::{bind, TaskCell};

#[test]
fn a_cell_holding_a_future_polls_anywhere() {
    let owned_elsewhere = TaskCell::new(Box::pin(async { 5 }));
    block_on(bind(async { owned_elsewhere.with(|_| ()) })); // bind it to a task
                                                            // Polled outside that task, and outside any task: exclusive, so allowed.
    assert_eq!(block_on(owned_elsewhere), 5);
    assert_eq!(block_on(TaskCell::new(std::future::ready('x'))), 'x');
}

#[test]
fn a_cell_holding_a_stream_yields_its_items() {
    let mut numbers = TaskCell::new(stream::iter(1..=4));
    block_on(bind(async { numbers.with(|_| ()) }));
    let items: Vec<_> = block_on((&mut numbers).collect());
    assert_eq!(items, [1, 2, 3, 4]);
}

#[test]
fn size_hint_asks_the_stream_only_when_access_is_allowed() {
    let numbers = TaskCell::new(stream::iter(0..10));
    assert_eq!(numbers.size_hint(), (0, None), "outside any task");
    let owner_view = block_on(bind(async { numbers.size_hint() }));
    assert_eq!(owner_view, (10, Some(10)), "the owner sees the real hint");
    let other_view = block_on(bind(async { numbers.size_hint() }));
    assert_eq!(other_view, (0, None), "another task gets the fallback");
    // Inside a mutable access the stream is borrowed: fallback, no panic.
    let borrowed_view = block_on(bind(async {
        let mine = TaskCell::new(stream::iter(0..3));
        mine.with_mut(|_| Stream::size_hint(&mine))
    }));
    assert_eq!(borrowed_view, (0, None));
}

#[test]
fn unpin_requirement_is_met_by_boxing() {
    let boxed: TaskCell<Pin<Box<dyn Stream<Item = u8> + Send>>> =
        TaskCell::new(Box::pin(stream::iter([9u8]).then(|x| async move { x + 1 })));
    let items: Vec<u8> = block_on(boxed.collect());
    assert_eq!(items, [10]);
}

#[test]
fn size_hint_falls_back_to_what_the_last_poll_recorded() {
    let mut numbers = TaskCell::new(stream::iter(0..10));
    block_on(bind(async { numbers.with(|_| ()) })); // owned by a finished task
    assert_eq!(numbers.size_hint(), (0, None), "not polled yet");
    block_on(async {
        assert_eq!(numbers.next().await, Some(0));
        assert_eq!(numbers.next().await, Some(1));
    });
    assert_eq!(numbers.size_hint(), (8, Some(8)), "outside any task");
    let other_view = block_on(bind(async { numbers.size_hint() }));
    assert_eq!(other_view, (8, Some(8)), "from another task");
    let rest: Vec<_> = block_on((&mut numbers).collect());
    assert_eq!(rest.len(), 8);
    assert_eq!(numbers.size_hint(), (0, Some(0)), "after the end");
}

#[test]
fn a_stream_record_is_forgotten_when_the_stream_may_have_changed() {
    let mut numbers = TaskCell::new(stream::iter(0..10));
    block_on(numbers.next());
    assert_eq!(numbers.size_hint(), (9, Some(9)));
    *numbers.get_mut() = stream::iter(0..2);
    assert_eq!(numbers.size_hint(), (0, None));
    block_on(numbers.next());
    assert_eq!(numbers.size_hint(), (1, Some(1)));
    block_on(bind(async { numbers.with_mut(|_| ()) })); // another task's access
    assert_eq!(numbers.size_hint(), (0, None));
}

#[test]
fn a_recorded_hint_changes_no_one_s_access() {
    let mut numbers = TaskCell::new(stream::iter(0..3));
    let owner = bind(async { numbers.with(|_| ()) });
    let owner_id = owner.id();
    block_on(owner);
    block_on(numbers.next()); // records the hint
    assert_eq!(numbers.owner(), Some(owner_id));
    assert!(format!("{numbers:?}").contains(&format!("<owned by task {owner_id}>")));
    let err = block_on(bind(async { numbers.try_with(|_| ()) })).unwrap_err();
    assert_eq!(err.owner(), Some(owner_id));
    numbers.unbind();
    let taker = bind(async { numbers.try_with_mut(|_| ()) });
    let taker_id = taker.id();
    assert_eq!(block_on(taker), Ok(()));
    assert_eq!(numbers.owner(), Some(taker_id));
}

/// Its second `poll_next` takes an item off the inner stream, then panics.
struct PanicsOnSecondPoll {
    inner: stream::Iter<std::ops::Range<u32>>,
    polls: u32,
}

impl Stream for PanicsOnSecondPoll {
    type Item = u32;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<u32>> {
        self.polls += 1;
        let item = self.inner.poll_next_unpin(cx);
        assert!(
            self.polls != 2,
            "poll_next panics after changing the stream"
        );
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

#[test]
fn a_panicking_poll_next_leaves_no_stale_size_hint() {
    let mut numbers = TaskCell::new(PanicsOnSecondPoll {
        inner: stream::iter(0..5),
        polls: 0,
    });
    block_on(numbers.next());
    assert_eq!(
        numbers.size_hint(),
        (4, Some(4)),
        "recorded by the first poll"
    );
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        block_on(numbers.next());
    }));
    assert!(second.is_err(), "the second poll panics");
    assert_eq!(numbers.size_hint(), (0, None), "no record of the old state");
    assert_eq!(numbers.get_mut().size_hint(), (3, Some(3)));
}

#[test]
fn new_stream_answers_the_size_outside_any_task_from_construction() {
    let numbers = TaskCell::new_stream(stream::iter(0..4));
    assert_eq!(numbers.size_hint(), (4, Some(4)), "outside any task");
    block_on(bind(async { numbers.with(|_| ()) })); // the owner's access
    assert_eq!(
        numbers.size_hint(),
        (0, None),
        "forgotten: it may have changed"
    );
    let mut numbers = TaskCell::new_stream(stream::iter(0..4));
    *numbers.get_mut() = stream::iter(0..2);
    assert_eq!(numbers.size_hint(), (0, None), "forgotten after `get_mut`");
}
