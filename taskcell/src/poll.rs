//! `Future`, `Stream` and `http_body::Body` for [`TaskCell`]: polling goes
//! through `Pin<&mut Self>`, which is exclusive, so it needs no owner check.
//! After each poll of a stream or body the cell records its hints (see
//! `hint.rs`) for the `&self` methods that the owner check refuses.
//!
//! Pinning: `with_mut(&self)` lends `&mut T`, which could move a pinned `T`
//! out (`mem::swap`). So the cell's content is never structurally pinned:
//! these impls require `T: Unpin` and poll through `Pin::new`. A `!Unpin`
//! future, stream or body goes in boxed: `TaskCell<Pin<Box<S>>>`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

#[cfg(any(feature = "stream", feature = "http-body"))]
use crate::hint::Recorded;
use crate::TaskCell;

/// Polls the inner future; works in any task or none.
///
/// ```
/// use taskcell::TaskCell;
///
/// let ready = TaskCell::new(std::future::ready(42));
/// let boxed = TaskCell::new(Box::pin(async { 7 })); // `!Unpin` futures go in boxed
/// futures::executor::block_on(async {
///     assert_eq!(ready.await, 42);
///     assert_eq!(boxed.await, 7);
/// });
/// ```
impl<F: Future + Unpin + ?Sized> Future for TaskCell<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(self.get_mut().get_mut()).poll(cx)
    }
}

/// Polls the inner stream; works in any task or none.
///
/// `size_hint` takes `&self`, so it asks the inner stream only when an access
/// from here would be allowed (binding an unbound cell, like any access).
/// Otherwise — outside any task, from another task, or inside a `with_mut`
/// of this cell — it answers what the stream reported at the end of the last
/// `poll_next` (or at construction, for [`new_stream`](TaskCell::new_stream));
/// or `(0, None)`, which is always true, before the first poll and after any
/// access that may have changed the stream since (`with`,
/// `with_mut` and the methods on them, `get_mut`). It never panics.
///
/// ```
/// use futures::stream::{self, Stream, StreamExt};
/// use taskcell::{bind, TaskCell};
///
/// let mut numbers = TaskCell::new(stream::iter([1, 2, 3]));
/// assert_eq!(numbers.size_hint(), (0, None)); // outside any task, not polled yet
/// futures::executor::block_on(bind(async {
///     assert_eq!(numbers.size_hint(), (3, Some(3)));
///     assert_eq!((&mut numbers).next().await, Some(1));
/// }));
/// assert_eq!(numbers.size_hint(), (2, Some(2))); // recorded by that poll
/// ```
#[cfg(feature = "stream")]
impl<S: futures_core::Stream + Unpin + ?Sized> futures_core::Stream for TaskCell<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        // `get_mut` forgets the record first: should the inner poll change
        // the stream and then panic, no record of the old state survives.
        let poll = Pin::new(this.get_mut()).poll_next(cx);
        let hint = this.value_mut().size_hint();
        this.record(Recorded::stream(hint));
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.try_with(|stream| stream.size_hint())
            .unwrap_or_else(|_| self.recorded().stream_hint())
    }
}

/// Polls the inner body; works in any task or none. With the `http-body`
/// feature.
///
/// This is what lets a `Send + !Sync` body into a sink that demands `Sync`,
/// such as `http_body_util::combinators::BoxBody`, without losing its size:
/// `size_hint` and `is_end_stream` take `&self`, so they ask the inner body
/// when an access from here would be allowed (binding an unbound cell, like
/// any access). Otherwise — outside any task, from another task, or inside
/// a `with_mut` of this cell — they answer what the body reported at the end
/// of the last `poll_frame`; or an unknown size and `false`, which are always
/// true, before the first poll and after any access that may have changed
/// the body since (`with`, `with_mut` and the methods on them, `get_mut`):
/// a recorded size never outlives the state it describes, so it cannot turn
/// into a wrong `content-length`. They never panic.
///
/// hyper asks for the size in the connection's task before the first poll.
/// Build the cell with [`new_body`](TaskCell::new_body), which records the
/// body's hints at construction (the cell owns the body exclusively then),
/// and that question has an answer in any task or none: on
/// `taskcell-executor`, on tokio under plain `tokio::spawn` or
/// `axum::serve`, anywhere. `TaskCell::new(body)` records nothing until the
/// first poll; it keeps the size only where the connection runs in a task
/// (on `taskcell-executor`, or in [`bind`](crate::bind) on another
/// executor), and otherwise hyper falls back to chunked encoding.
///
/// The record describes the body as its own state stood at the end of the
/// last poll (or at construction). A body whose `size_hint` reads state it
/// shares with others (say an `Arc<AtomicU64>` that another task updates)
/// may have changed its answer since; for such a body the recorded answer
/// can be stale.
///
/// ```
/// use bytes::Bytes;
/// use http_body::Body;
/// use http_body_util::{combinators::BoxBody, BodyExt, Full};
/// use std::cell::Cell;
/// use taskcell::{bind, TaskCell};
///
/// // A body with `Send + !Sync` state (the `Cell`).
/// struct Countdown(Full<Bytes>, Cell<u32>);
/// impl Body for Countdown {
///     type Data = Bytes;
///     type Error = std::convert::Infallible;
///     fn poll_frame(
///         mut self: std::pin::Pin<&mut Self>,
///         cx: &mut std::task::Context<'_>,
///     ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
///         self.1.set(self.1.get() + 1);
///         std::pin::Pin::new(&mut self.0).poll_frame(cx)
///     }
///     fn size_hint(&self) -> http_body::SizeHint {
///         self.0.size_hint()
///     }
/// }
///
/// futures::executor::block_on(bind(async {
///     // `BoxBody::new(Countdown(..))` does not compile: `Cell` is not `Sync`.
///     let body = BoxBody::new(TaskCell::new(Countdown(Full::from("hello"), Cell::new(0))));
///     assert_eq!(body.size_hint().exact(), Some(5)); // kept: hyper sends a content-length
///     assert_eq!(body.collect().await.unwrap().to_bytes(), "hello");
/// }));
///
/// // Outside any task, `new_body` has the size from construction on.
/// let body = BoxBody::new(TaskCell::new_body(Countdown(Full::from("hi"), Cell::new(0))));
/// assert_eq!(body.size_hint().exact(), Some(2));
/// ```
#[cfg(feature = "http-body")]
impl<B: http_body::Body + Unpin + ?Sized> http_body::Body for TaskCell<B> {
    type Data = B::Data;
    type Error = B::Error;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        let this = self.get_mut();
        // `get_mut` forgets the record first: should the inner poll change
        // the body and then panic, no record of the old state survives.
        let poll = Pin::new(this.get_mut()).poll_frame(cx);
        let body = this.value_mut();
        let recorded = Recorded::body(body.is_end_stream(), &body.size_hint());
        this.record(recorded);
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.try_with(|body| body.is_end_stream())
            .unwrap_or_else(|_| self.recorded().body_end())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.try_with(|body| body.size_hint())
            .unwrap_or_else(|_| self.recorded().body_hint())
    }
}

#[cfg(feature = "stream")]
impl<S: futures_core::Stream> TaskCell<S> {
    /// Creates an unbound cell around `stream` and records its
    /// `size_hint` now, while the cell owns it exclusively: until the first
    /// poll (or another access that may change it), `size_hint` answers
    /// that even where the owner check refuses to ask the stream (outside
    /// any task, in another task).
    ///
    /// ```
    /// use futures::stream::{self, Stream};
    /// use taskcell::TaskCell;
    ///
    /// let numbers = TaskCell::new_stream(stream::iter([1, 2, 3]));
    /// assert_eq!(numbers.size_hint(), (3, Some(3))); // outside any task
    /// assert_eq!(TaskCell::new(stream::iter([1, 2, 3])).size_hint(), (0, None));
    /// ```
    pub fn new_stream(stream: S) -> TaskCell<S> {
        let mut cell = TaskCell::new(stream);
        let hint = cell.value_mut().size_hint();
        cell.record(Recorded::stream(hint));
        cell
    }
}

#[cfg(feature = "http-body")]
impl<B: http_body::Body> TaskCell<B> {
    /// Creates an unbound cell around `body` and records its `size_hint` and
    /// `is_end_stream` now, while the cell owns it exclusively: until the
    /// first poll (or another access that may change it), they answer that
    /// even where the owner check refuses to ask the body. With the
    /// `http-body` feature.
    ///
    /// This keeps `content-length` where hyper runs the connection outside
    /// any task: on tokio under plain `tokio::spawn`, or under servers that
    /// spawn connections for you, such as `axum::serve`.
    ///
    /// ```
    /// use http_body::Body;
    /// use http_body_util::{combinators::BoxBody, Full};
    /// use taskcell::TaskCell;
    ///
    /// let body = BoxBody::new(TaskCell::new_body(Full::new(bytes::Bytes::from("hello"))));
    /// assert_eq!(body.size_hint().exact(), Some(5)); // outside any task
    /// assert!(!body.is_end_stream());
    /// ```
    pub fn new_body(body: B) -> TaskCell<B> {
        let mut cell = TaskCell::new(body);
        let body = cell.value_mut();
        let recorded = Recorded::body(body.is_end_stream(), &body.size_hint());
        cell.record(recorded);
        cell
    }
}
