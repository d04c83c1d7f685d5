//! [`bind`]: a task identity for a future on any executor.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::id::{enter, TaskId};

/// Gives `future` a task identity of its own, so that it can use
/// [`TaskCell`](crate::TaskCell)s on any executor.
///
/// The returned [`Bound`] takes a fresh [`TaskId`] when it is created and
/// enters it for every `poll` of `future` and for its drop. Use it with
/// tokio, smol, `futures::executor`, or anything else that polls futures;
/// on the taskcell runtime every spawned task already has an identity.
///
/// A `bind` inside another task is a separate task: it cannot touch the
/// outer task's cells, nor the outer task its cells.
///
/// ```
/// use std::cell::RefCell;
/// use taskcell::{bind, TaskCell};
///
/// # let rt = tokio::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = tokio::spawn(bind(async {
///     let log = TaskCell::new(RefCell::new(Vec::new()));
///     for i in 0..3 {
///         log.with(|l| l.borrow_mut().push(i));
///         tokio::task::yield_now().await; // may move to another worker
///     }
///     log.into_inner().into_inner()
/// }));
/// assert_eq!(handle.await.unwrap(), [0, 1, 2]);
/// # });
/// ```
pub fn bind<F: Future>(future: F) -> Bound<F> {
    Bound {
        id: TaskId::fresh(),
        future: ManuallyDrop::new(future),
    }
}

pin_project! {
    /// A future running under a task identity of its own; see [`bind`].
    ///
    /// `Bound<F>` is `Send` exactly when `F` is, and `Unpin` exactly when `F`
    /// is.
    ///
    /// ```
    /// use taskcell::{bind, TaskId};
    ///
    /// let task = bind(async { TaskId::current() });
    /// let id = task.id();
    /// assert_eq!(futures::executor::block_on(task), Some(id));
    /// ```
    ///
    /// A `!Send` future stays `!Send` when bound:
    ///
    /// ```compile_fail
    /// fn is_send<T: Send>(_: T) {}
    /// let rc = std::rc::Rc::new(1);
    /// is_send(taskcell::bind(async move { *rc }));
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Bound<F> {
        id: TaskId,
        // `ManuallyDrop` so that `Drop` can drop the future while `id` is
        // entered; structurally pinned.
        #[pin]
        future: ManuallyDrop<F>,
    }

    impl<F> PinnedDrop for Bound<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // SAFETY: `enter` rules — (1) what runs under the guard is the
            // drop of this `Bound`'s future; (2) the id was taken fresh by
            // `bind` and is entered only through `&mut`/`Pin<&mut>` access to
            // this `Bound`, which is exclusive, so never on two threads at
            // once, and the executor's hand-off of the `Bound` orders
            // successive entries; (3) the guard is a local, dropped here.
            let _guard = unsafe { enter(*this.id) };
            // SAFETY: the future is dropped in place, exactly once (this is
            // the destructor, and the field is never touched again), before
            // its memory is invalidated — as the pinning drop guarantee asks.
            unsafe { ManuallyDrop::drop(this.future.get_unchecked_mut()) }
        }
    }
}

impl<F> Bound<F> {
    /// The task identity under which the future runs.
    ///
    /// ```
    /// let task = taskcell::bind(async { taskcell::TaskId::current() });
    /// let id = task.id();
    /// assert_eq!(futures::executor::block_on(task), Some(id));
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<F: Future> Future for Bound<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // SAFETY: `enter` rules — (1) what runs under the guard is this
        // future's poll; (2) `Pin<&mut Self>` is exclusive, so the fresh id
        // is entered on one thread at a time, and moving the `Bound` between
        // threads (it is `Send` only if `F` is) happens-before the next poll;
        // (3) the guard is a local, dropped before `poll` returns.
        let _guard = unsafe { enter(*this.id) };
        // SAFETY: structural pinning of `future`: it is never moved out of
        // its `ManuallyDrop`, and is dropped in place by `PinnedDrop`.
        let future = unsafe { this.future.map_unchecked_mut(|f| &mut **f) };
        future.poll(cx)
    }
}

impl<F> fmt::Debug for Bound<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bound")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
