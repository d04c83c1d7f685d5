//! [`Timeout`]: a future with a deadline.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::sleep::Sleep;
use super::{time_handle, Instant};
use crate::coop;
use crate::driver::clock::far_future;

/// Runs `future` for at most `duration`: `Ok` with its output if it
/// finishes in time, [`Elapsed`] otherwise. The future is dropped with the
/// `Timeout`.
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::timeout;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     assert_eq!(timeout(Duration::from_secs(5), async { 1 }).await, Ok(1));
///     let never = std::future::pending::<()>();
///     assert!(timeout(Duration::from_millis(5), never).await.is_err());
/// });
/// ```
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    let handle = time_handle("`time::timeout`");
    let deadline = handle
        .clock()
        .now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    Timeout {
        future,
        sleep: Sleep::with_handle(handle, Instant::from_std(deadline)),
    }
}

/// Runs `future` until `deadline` at most; see [`timeout`].
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
/// use taskcell_executor::time::timeout_at;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let out = rt.block_on(async { timeout_at(deadline, std::future::pending::<u8>()).await });
/// assert!(out.is_err());
/// ```
#[track_caller]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: Sleep::new(deadline, "`time::timeout_at`"),
    }
}

pin_project_lite::pin_project! {
    /// A future with a deadline; made by [`timeout`] and [`timeout_at`].
    ///
    /// The inner future is polled first, so one that is ready at the
    /// deadline still counts as in time.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let t = taskcell_executor::time::timeout(Duration::from_secs(1), async { "in time" });
    ///     assert_eq!(t.await, Ok("in time"));
    /// });
    /// ```
    #[must_use = "a `Timeout` does nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        #[pin]
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The inner future.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let t = taskcell_executor::time::timeout(std::time::Duration::from_secs(1), std::future::ready(2));
    /// let _inner: &std::future::Ready<i32> = t.get_ref();
    /// # });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut t = taskcell_executor::time::timeout(std::time::Duration::from_secs(1), std::future::ready(3));
    /// assert_eq!(t.get_mut().await, 3);
    /// # });
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The inner future, without its deadline.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let t = taskcell_executor::time::timeout(std::time::Duration::ZERO, async { 4 });
    /// assert_eq!(t.into_inner().await, 4);
    /// # });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = this.future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let sleep = this.sleep;
        let poll_sleep = || match sleep.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        };
        if had_budget && !coop::has_budget_remaining() {
            // The inner future spent the budget: the deadline is still
            // checked (and its timer armed), as tokio does, or a future that
            // keeps its task busy would never time out.
            coop::with_budget(coop::Budget::UNCONSTRAINED, poll_sleep)
        } else {
            poll_sleep()
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("deadline", &self.sleep.deadline())
            .finish()
    }
}

/// The error of a [`Timeout`] whose deadline passed first.
///
/// ```
/// use std::time::Duration;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let err = rt
///     .block_on(async {
///         taskcell_executor::time::timeout(Duration::ZERO, std::future::pending::<()>()).await
///     })
///     .unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(err: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, err)
    }
}
