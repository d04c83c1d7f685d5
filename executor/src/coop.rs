//! The cooperative budget: how many times a task may use a runtime resource
//! in one poll before that resource makes it yield.
//!
//! A task whose socket, timer or join handle is ready every time it asks
//! never returns `Pending`, so its worker never runs the tasks queued
//! behind it. tokio's answer (`runtime/coop.rs`, tokio PR #2160) is a
//! budget, and this is the same: each task poll starts with
//! [`Builder::task_budget`](crate::Builder::task_budget) units (128 by
//! default); every poll of a runtime resource spends one, whether or not
//! the resource is ready; once they are spent, a resource wakes the task
//! and answers `Pending`, and the task goes to the back of the queue. An
//! operation that made no progress gives its unit back.
//!
//! The budget is a thread-local `Cell`, set around each task poll (and each
//! poll of a `block_on` future): no atomic, no lock, no allocation. Outside
//! the runtime's polls (a socket polled by another executor) it is
//! unconstrained.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Units left in the current poll; `None`: unconstrained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget(Option<u8>);

impl Budget {
    /// A fresh budget of `units`.
    pub(crate) fn new(units: u8) -> Budget {
        Budget(Some(units))
    }

    /// No budget: resources never make the task yield.
    pub(crate) const UNCONSTRAINED: Budget = Budget(None);
}

/// The budget, and beside it (one thread-local, so a worker reads both at
/// one address) whether this worker's core is lent out until the end of
/// the task poll under way (`block_in_place`).
struct CoopState {
    budget: Cell<Budget>,
    lent_out: Cell<bool>,
}

std::thread_local! {
    static STATE: CoopState = const {
        CoopState {
            budget: Cell::new(Budget::UNCONSTRAINED),
            lent_out: Cell::new(false),
        }
    };
}

/// Whether the task poll that just ended lent this worker's core out
/// (`block_in_place`); `Core::run_task` asks after every poll.
#[inline]
pub(crate) fn is_lent_out() -> bool {
    STATE.with(|state| state.lent_out.get())
}

/// Marks this worker's core lent out (or back).
pub(crate) fn set_lent_out(lent: bool) {
    STATE.with(|state| state.lent_out.set(lent));
}

/// Restores the budget that was current before, even on unwind.
struct ResetGuard(Budget);

impl Drop for ResetGuard {
    fn drop(&mut self) {
        let _ = STATE.try_with(|state| state.budget.set(self.0));
    }
}

/// Runs `f` (a poll) with `budget` as the current budget.
#[inline]
pub(crate) fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    let previous = STATE.with(|state| state.budget.replace(budget));
    let _reset = ResetGuard(previous);
    f()
}

/// Whether the current task's poll has budget left: `false` once it has
/// spent its units (the next budgeted operation yields), `true` when
/// unconstrained or outside a task. As tokio's: a loop that does its own
/// work can stop and yield when this turns false.
///
/// ```
/// use taskcell_executor::task::{consume_budget, has_budget_remaining};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let spent = rt.block_on(rt.spawn(async {
///     let mut units = 0;
///     while has_budget_remaining() {
///         consume_budget().await;
///         units += 1;
///     }
///     units
/// }));
/// assert_eq!(spent.unwrap(), 128); // the default budget
/// assert!(has_budget_remaining(), "outside a task");
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    STATE
        .try_with(|state| state.budget.get().0 != Some(0))
        .unwrap_or(true)
}

/// Whether a budget applies here: inside a runtime's task poll (or
/// `block_on` poll), and not under [`unconstrained`].
#[inline]
pub(crate) fn is_constrained() -> bool {
    STATE
        .try_with(|state| state.budget.get().0.is_some())
        .unwrap_or(false)
}

/// Spends one unit outside of any resource (between LIFO polls).
#[inline]
pub(crate) fn consume_one() {
    let _ = STATE.try_with(|state| {
        let current = &state.budget;
        if let Budget(Some(units)) = current.get() {
            current.set(Budget(Some(units.saturating_sub(1))));
        }
    });
}

/// A resource's first step: `Ready` with one unit spent, or, once the
/// budget is spent, `Pending` after waking the task so that it runs again
/// after the others. Call [`RestoreOnPending::made_progress`] when the
/// operation did something; otherwise the unit comes back on drop.
///
/// The runtime's own sockets, timers and join handles take this step; a
/// resource of another crate (a `futures` channel, say) takes it to be as
/// fair as theirs, as with tokio's `task::coop::poll_proceed`. Outside a
/// task poll of this runtime, and under [`unconstrained`], it is always
/// `Ready` and spends nothing.
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
/// use taskcell_executor::task::coop;
///
/// /// A counter that is always ready, but yields its turn as a socket
/// /// would once the task's budget is spent.
/// struct Counter(u64);
///
/// impl Future for Counter {
///     type Output = u64;
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
///         let restore = ready!(coop::poll_proceed(cx));
///         self.0 += 1;
///         restore.made_progress();
///         Poll::Ready(self.0)
///     }
/// }
///
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// let ready = rt.block_on(std::future::poll_fn(|cx| {
///     let mut counter = Counter(0);
///     // Ready until the poll's budget (128 units, the default) is spent.
///     while Pin::new(&mut counter).poll(cx).is_ready() {}
///     Poll::Ready(counter.0)
/// }));
/// assert_eq!(ready, 128);
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    STATE
        .try_with(|state| {
            let current = &state.budget;
            let budget = current.get();
            match budget.0 {
                None => Poll::Ready(RestoreOnPending::new(Budget::UNCONSTRAINED)),
                Some(0) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Some(units) => {
                    current.set(Budget(Some(units - 1)));
                    Poll::Ready(RestoreOnPending::new(budget))
                }
            }
        })
        .unwrap_or(Poll::Ready(RestoreOnPending::new(Budget::UNCONSTRAINED)))
}

/// Gives the unit spent by [`poll_proceed`] back on drop, unless the
/// operation made progress. Not `Send`: it belongs to the thread's task
/// poll under way, as tokio's.
///
/// ```
/// use std::task::Poll;
/// use taskcell_executor::task::coop::{has_budget_remaining, poll_proceed};
///
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// rt.block_on(std::future::poll_fn(|cx| {
///     // Attempts that did nothing spend nothing: 1 000 of them here, and
///     // the budget (128 units) is still there.
///     for _ in 0..1_000 {
///         let restore = std::task::ready!(poll_proceed(cx));
///         drop(restore);
///     }
///     assert!(has_budget_remaining());
///     Poll::Ready(())
/// }));
/// ```
#[derive(Debug)]
#[must_use = "dropping it at once gives the unit back"]
pub struct RestoreOnPending(Cell<Budget>, PhantomData<*mut ()>);

impl RestoreOnPending {
    /// The operation did something: the unit stays spent.
    #[inline]
    pub fn made_progress(&self) {
        self.0.set(Budget::UNCONSTRAINED);
    }
}

impl RestoreOnPending {
    fn new(budget: Budget) -> RestoreOnPending {
        RestoreOnPending(Cell::new(budget), PhantomData)
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        let budget = self.0.get();
        if budget.0.is_some() {
            let _ = STATE.try_with(|state| state.budget.set(budget));
        }
    }
}

/// Spends one unit of the task's budget, yielding first if it is spent:
/// for loops that do work without touching a runtime resource, so that
/// they too give other tasks their turn.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use taskcell_executor::task::consume_budget;
///
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// let other_ran = Arc::new(AtomicBool::new(false));
/// let flag = other_ran.clone();
/// let done_before = rt.block_on(async move {
///     taskcell_executor::spawn(async move { flag.store(true, Ordering::SeqCst) });
///     let mut done = 0;
///     while !other_ran.load(Ordering::SeqCst) {
///         consume_budget().await; // the 129th call yields
///         done += 1;
///     }
///     done
/// });
/// assert_eq!(done_before, 129); // 128 units (the default), then a yield
/// ```
pub async fn consume_budget() {
    let mut done = false;
    poll_fn(move |cx| {
        if done {
            return Poll::Ready(());
        }
        match poll_proceed(cx) {
            Poll::Ready(restore) => {
                restore.made_progress();
                done = true;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
}

/// Runs `future` with no budget: the runtime's resources never make it
/// yield. For a task that must not be interrupted, and that yields by
/// itself often enough.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::task::unconstrained;
///
/// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
/// let polls = rt.block_on(unconstrained(async {
///     // 1 000 ready sleeps in one poll: nothing made it yield.
///     for _ in 0..1_000 {
///         taskcell_executor::time::sleep(Duration::ZERO).await;
///     }
///     "done"
/// }));
/// assert_eq!(polls, "done");
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

pin_project_lite::pin_project! {
    /// A future that runs without a budget; made by [`unconstrained`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let out = rt.block_on(taskcell_executor::task::unconstrained(async { 5 }));
    /// assert_eq!(out, 5);
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future;
        with_budget(Budget::UNCONSTRAINED, || future.poll(cx))
    }
}

/// `select!`'s first step: `Pending` once (waking the task) if the task's
/// budget is spent, so that the select polls its branches only with budget
/// left, as tokio's `select!` does; spends nothing.
#[doc(hidden)]
pub async fn __yield_if_spent() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded || has_budget_remaining() {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// Makes `future` take a unit of the task's budget each time it is
/// polled, as the runtime's own resources do: once the budget is spent, it
/// answers `Pending` (and wakes the task) without polling `future`. The
/// unit stays spent only when `future` completes (tokio's
/// `task::coop::cooperative`).
///
/// ```
/// use taskcell_executor::task::coop::cooperative;
///
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// let (tx, rx) = futures_channel::oneshot::channel::<u32>();
/// tx.send(7).unwrap();
/// // A `futures` channel, fair to the other tasks as a runtime socket is.
/// assert_eq!(rt.block_on(cooperative(rx)).unwrap(), 7);
/// ```
pub fn cooperative<F: Future>(future: F) -> Coop<F> {
    Coop { future }
}

pin_project_lite::pin_project! {
    /// A future that takes the task's budget; made by [`cooperative`].
    ///
    /// ```
    /// use taskcell_executor::task::coop::{cooperative, Coop};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let ready: Coop<_> = cooperative(std::future::ready("done"));
    /// assert_eq!(rt.block_on(ready), "done");
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Coop<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let restore = std::task::ready!(poll_proceed(cx));
        let output = std::task::ready!(self.project().future.poll(cx));
        restore.made_progress();
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn noop() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn a_budget_runs_out_and_unused_units_come_back() {
        with_budget(Budget::new(2), || {
            let mut cx = noop();
            let first = poll_proceed(&mut cx);
            let Poll::Ready(first) = first else {
                panic!("fresh budget")
            };
            first.made_progress();
            drop(first);
            // No progress: the unit comes back.
            drop(poll_proceed(&mut cx));
            let Poll::Ready(second) = poll_proceed(&mut cx) else {
                panic!("one unit left")
            };
            second.made_progress();
            drop(second);
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
        });
        // Outside: unconstrained again.
        assert!(has_budget_remaining());
    }

    #[test]
    fn unconstrained_never_runs_out_and_restores_the_budget_after() {
        with_budget(Budget::new(1), || {
            with_budget(Budget::UNCONSTRAINED, || {
                let mut cx = noop();
                for _ in 0..1_000 {
                    let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                        panic!("unconstrained")
                    };
                    unit.made_progress();
                }
            });
            consume_one();
            assert!(!has_budget_remaining());
        });
    }
}
