//! `Future` and `Stream` for [`TaskCell`]: polling goes through
//! `Pin<&mut Self>`, which is exclusive, so it needs no owner check.
//!
//! Pinning: `with_mut(&self)` lends `&mut T`, which could move a pinned `T`
//! out (`mem::swap`). So the cell's content is never structurally pinned:
//! these impls require `T: Unpin` and poll through `Pin::new`. A `!Unpin`
//! future or stream goes in boxed: `TaskCell<Pin<Box<S>>>`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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
/// from here would be allowed (binding an unbound cell, like any access);
/// otherwise it answers `(0, None)`. It never panics.
///
/// ```
/// use futures::stream::{self, Stream, StreamExt};
/// use taskcell::{bind, TaskCell};
///
/// let mut numbers = TaskCell::new(stream::iter([1, 2, 3]));
/// assert_eq!(numbers.size_hint(), (0, None)); // outside any task
/// futures::executor::block_on(bind(async {
///     assert_eq!(numbers.size_hint(), (3, Some(3)));
///     assert_eq!((&mut numbers).collect::<Vec<_>>().await, [1, 2, 3]);
/// }));
/// ```
#[cfg(feature = "stream")]
impl<S: futures_core::Stream + Unpin + ?Sized> futures_core::Stream for TaskCell<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(self.get_mut().get_mut()).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.try_with(|stream| stream.size_hint())
            .unwrap_or((0, None))
    }
}
