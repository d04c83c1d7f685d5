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
