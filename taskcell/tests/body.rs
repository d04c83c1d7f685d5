//! `TaskCell<B>` as an `http_body::Body` (feature `http-body`): a
//! `Send + !Sync` body fits in `BoxBody` and keeps its `size_hint` and
//! `is_end_stream`, which `SyncWrapper` loses.
#![cfg(feature = "http-body")]

use std::cell::Cell;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::executor::block_on;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use sync_wrapper::SyncWrapper;
use taskcell::{bind, TaskCell};

/// `chunks` frames of `size` bytes, then optionally trailers. The `Cell`
/// makes it `Send + !Sync`, like most hand-written bodies with local state.
struct Chunks {
    left: Cell<u64>,
    size: usize,
    trailers: bool,
}

impl Chunks {
    fn new(chunks: u64, size: usize) -> Chunks {
        Chunks {
            left: Cell::new(chunks),
            size,
            trailers: false,
        }
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let left = self.left.get();
        if left == 0 {
            if self.trailers {
                self.get_mut().trailers = false;
                return Poll::Ready(Some(Ok(Frame::trailers(http::HeaderMap::new()))));
            }
            return Poll::Ready(None);
        }
        self.left.set(left - 1);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; self.size])))))
    }

    fn is_end_stream(&self) -> bool {
        self.left.get() == 0 && !self.trailers
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left.get() * self.size as u64)
    }
}

fn exact(body: &impl Body) -> Option<u64> {
    body.size_hint().exact()
}

fn is_sync<T: Sync>(_: &T) {}

#[test]
fn a_send_but_not_sync_body_goes_into_box_body_and_keeps_its_size() {
    let body = BoxBody::new(TaskCell::new(Chunks::new(3, 4)));
    is_sync(&body);
    block_on(bind(async {
        assert_eq!(exact(&body), Some(12));
        assert!(!body.is_end_stream());
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 12);
    }));
}

#[test]
fn the_owner_task_sees_the_live_hints() {
    let mut cell = TaskCell::new(Chunks::new(2, 10));
    block_on(bind(async {
        assert_eq!(exact(&cell), Some(20));
        let frame = cell.frame().await.unwrap().unwrap();
        assert_eq!(frame.data_ref().map(Bytes::len), Some(10));
        // Changed through `with`, seen at once by the owner, no poll needed.
        cell.with(|body| body.left.set(0));
        assert_eq!(exact(&cell), Some(0));
        assert!(cell.is_end_stream());
    }));
}

#[test]
fn others_get_what_the_last_poll_recorded_and_never_a_panic() {
    let mut cell = TaskCell::new(Chunks::new(3, 5));
    block_on(bind(async { cell.with(|_| ()) })); // owned by a finished task
                                                 // Before any poll: unknown, which is always true.
    assert_eq!(cell.size_hint().upper(), None);
    assert_eq!(cell.size_hint().lower(), 0);
    assert!(!cell.is_end_stream());

    block_on(cell.frame()).unwrap().unwrap();
    assert_eq!(exact(&cell), Some(10), "outside any task");
    assert_eq!(
        block_on(bind(async { exact(&cell) })),
        Some(10),
        "another task"
    );

    while block_on(cell.frame()).is_some() {}
    assert_eq!(exact(&cell), Some(0));
    assert!(cell.is_end_stream(), "the end is recorded too");
}

#[test]
fn hints_inside_a_mutable_borrow_of_the_cell_fall_back() {
    block_on(bind(async {
        let cell = TaskCell::new(Chunks::new(1, 1));
        let (hint, end) = cell.with_mut(|_| (cell.size_hint().upper(), cell.is_end_stream()));
        assert_eq!((hint, end), (None, false));
    }));
}

#[test]
fn trailers_after_the_data_are_not_mistaken_for_the_end() {
    let mut cell = TaskCell::new(Chunks {
        trailers: true,
        ..Chunks::new(1, 3)
    });
    block_on(cell.frame()).unwrap().unwrap(); // the data
    assert_eq!(exact(&cell), Some(0));
    assert!(!cell.is_end_stream(), "trailers are still to come");
    let trailers = block_on(cell.frame()).unwrap().unwrap();
    assert!(trailers.is_trailers());
    assert!(cell.is_end_stream());
    assert!(block_on(cell.frame()).is_none());
}

/// How a body gets into `BoxBody` today without `TaskCell`: `SyncWrapper`
/// is `Sync` because it gives up `&self` access, so the hints are lost
/// (this is axum's `Body::from_stream`).
struct SyncWrapperBody<B>(SyncWrapper<B>);

impl<B: Body + Unpin> Body for SyncWrapperBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(self.get_mut().0.get_mut()).poll_frame(cx)
    }
}

#[test]
fn the_same_body_in_sync_wrapper_reports_no_size() {
    let wrapped = BoxBody::new(SyncWrapperBody(SyncWrapper::new(Chunks::new(3, 4))));
    let cell = BoxBody::new(TaskCell::new(Chunks::new(3, 4)));
    block_on(bind(async {
        assert_eq!(exact(&wrapped), None);
        assert_eq!(exact(&cell), Some(12));
        assert_eq!(
            wrapped.collect().await.unwrap().to_bytes(),
            cell.collect().await.unwrap().to_bytes()
        );
    }));
}

#[test]
fn a_record_never_outlives_a_change_of_the_body() {
    let mut cell = TaskCell::new(Chunks::new(3, 5));
    while block_on(cell.frame()).is_some() {}
    assert!(cell.is_end_stream(), "recorded: the end");

    // Replaced through `&mut`: the record of the old body is gone.
    *cell.get_mut() = Chunks::new(100, 5);
    assert!(!cell.is_end_stream());
    assert_eq!(exact(&cell), None);

    // Changed by the owner through `&self` (here via the `Cell` inside, in
    // `with`): others get "unknown", never the size of the old state.
    block_on(cell.frame()).unwrap().unwrap();
    assert_eq!(exact(&cell), Some(99 * 5));
    let owner = bind(async { cell.with(|body| body.left.set(7)) });
    block_on(owner);
    assert_eq!(exact(&cell), None, "outside any task");
    assert_eq!(block_on(bind(async { exact(&cell) })), None, "another task");

    // The next poll records again.
    block_on(cell.frame()).unwrap().unwrap();
    assert_eq!(exact(&cell), Some(6 * 5));
}

/// Its second poll takes a frame off the inner body, then panics: a poll
/// that changes the body's state and unwinds.
struct PanicsOnSecondPoll {
    inner: Chunks,
    polls: u32,
}

impl Body for PanicsOnSecondPoll {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.polls += 1;
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if self.polls == 2 {
            panic!("poll_frame panics after changing the body");
        }
        frame
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[test]
fn a_panicking_poll_leaves_no_stale_exact_size_hint() {
    let mut cell = TaskCell::new(PanicsOnSecondPoll {
        inner: Chunks::new(3, 5),
        polls: 0,
    });
    block_on(cell.frame()).unwrap().unwrap();
    assert_eq!(exact(&cell), Some(10), "recorded by the first poll");
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = block_on(cell.frame());
    }));
    assert!(second.is_err(), "the second poll panics");
    // The body now holds 5 bytes: the record of 10 must not be answered.
    let hint = cell.size_hint();
    assert_eq!((hint.lower(), hint.upper()), (0, None), "unknown, not 10");
    assert_eq!(cell.get_mut().size_hint().exact(), Some(5));
}

#[test]
fn new_body_answers_the_size_outside_any_task_from_construction() {
    // Bound to no task and never polled: with `new` the size is unknown
    // outside a task (hyper would fall back to chunked encoding)...
    let plain = TaskCell::new(Chunks::new(3, 4));
    assert_eq!(exact(&plain), None);
    // ...with `new_body` it is known from the start, in any task or none.
    let cell = TaskCell::new_body(Chunks::new(3, 4));
    assert_eq!(exact(&cell), Some(12), "outside any task");
    assert!(!cell.is_end_stream());
    // Any access that may change the body forgets the record: the first
    // access in a task (it binds the cell there, and asks the body)...
    assert_eq!(block_on(bind(async { exact(&cell) })), Some(12));
    assert_eq!(exact(&cell), None, "forgotten after the owner's access");
    // ...and `get_mut`.
    let mut cell = TaskCell::new_body(Chunks::new(3, 4));
    cell.get_mut().left.set(1);
    assert_eq!(exact(&cell), None, "forgotten after `get_mut`");
    block_on(cell.frame()).unwrap().unwrap();
    assert_eq!(exact(&cell), Some(0), "recorded again by the poll");
    assert!(cell.is_end_stream());
}

#[test]
fn new_body_records_the_end_of_an_empty_body() {
    let cell = TaskCell::new_body(Chunks::new(0, 4));
    assert!(cell.is_end_stream());
    assert_eq!(exact(&cell), Some(0));
}
