//! [`Sleep`]: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{time_handle, Instant};
use crate::driver::clock::far_future;
use crate::driver::time::{shut_down_panic, TimeHandle, TimerEntry};
use crate::scheduler::Handle;

/// Waits until `duration` has passed.
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let start = Instant::now();
/// rt.block_on(async { taskcell_executor::time::sleep(Duration::from_millis(20)).await });
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = time_handle("`time::sleep`");
    let deadline = handle
        .clock()
        .now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    Sleep::with_handle(handle, Instant::from_std(deadline))
}

/// Waits until `deadline`.
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let deadline = Instant::now() + Duration::from_millis(10);
/// rt.block_on(async { taskcell_executor::time::sleep_until(deadline).await });
/// assert!(Instant::now() >= deadline);
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline, "`time::sleep_until`")
}

/// The timer driver of `handle`'s runtime, which `time_handle` checked.
fn time_of(handle: &Handle) -> &TimeHandle {
    handle.time().expect("timers are enabled on this runtime")
}

/// A future that completes at its deadline; made by [`sleep`] and
/// [`sleep_until`].
///
/// Its timer is armed by its first poll, in the timer wheel of the worker
/// that polls it, and leaves the wheel when it fires or when the `Sleep` is
/// dropped. A `Sleep` never polled touches no wheel. The timer lives inside
/// the `Sleep`, which costs no allocation, and is why a `Sleep` is `!Unpin`,
/// as tokio's is: pin it to poll it by hand (`std::pin::pin!`, `Box::pin`).
///
/// # Panics
///
/// Polling it after its runtime has shut down panics: no timer is left to
/// fire it.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut sleep = std::pin::pin!(taskcell_executor::time::sleep(Duration::from_secs(3600)));
///     let soon = Instant::now() + Duration::from_millis(5);
///     sleep.as_mut().reset(soon);
///     sleep.await;
///     assert!(Instant::now() >= soon);
/// });
/// ```
#[must_use = "a `Sleep` does nothing unless awaited"]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    /// Fired and seen to be, with no reset since: polls are `Ready`.
    elapsed: bool,
    entry: TimerEntry,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Instant, what: &str) -> Sleep {
        Sleep::with_handle(time_handle(what), deadline)
    }

    /// A sleep on the timers of `handle`, which has them.
    pub(crate) fn with_handle(handle: Handle, deadline: Instant) -> Sleep {
        Sleep {
            handle,
            deadline,
            elapsed: false,
            entry: TimerEntry::new(),
        }
    }

    /// The time now on this sleep's runtime clock (paused, with
    /// `test-util`).
    pub(crate) fn now(&self) -> Instant {
        Instant::from_std(self.handle.clock().now())
    }

    /// When this sleep completes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskcell_executor::time::Instant;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// let sleep = rt.block_on(async { taskcell_executor::time::sleep_until(deadline) });
    /// assert_eq!(sleep.deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether this sleep has elapsed: it completed, or its timer fired and
    /// its next poll completes it. As tokio's, a sleep never polled has not
    /// (its timer is armed by the first poll), even past its deadline.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut sleep = Box::pin(taskcell_executor::time::sleep(Duration::ZERO));
    ///     assert!(!sleep.is_elapsed());
    ///     sleep.as_mut().await;
    ///     assert!(sleep.is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.elapsed || self.entry.has_fired()
    }

    /// Moves the deadline, whether or not this sleep has completed: it
    /// completes again at `deadline` (at its next poll, if `deadline` has
    /// passed).
    ///
    /// A later deadline on an armed sleep costs one atomic compare-and-swap
    /// and no lock: the timer stays where it is in its wheel, which files
    /// it again when the old deadline comes. hyper resets its header-read
    /// timeout this way on every request ([`HyperTimer`](crate::hyper::HyperTimer)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskcell_executor::time::Instant;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut sleep = Box::pin(taskcell_executor::time::sleep(Duration::ZERO));
    ///     sleep.as_mut().await;
    ///     let later = Instant::now() + Duration::from_millis(5);
    ///     sleep.as_mut().reset(later);
    ///     sleep.await;
    ///     assert!(Instant::now() >= later);
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: nothing is moved out; the entry is handed on pinned.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        this.elapsed = false;
        if this.entry.is_armed() {
            // SAFETY: the entry is a field of a pinned `Sleep`.
            let entry = unsafe { Pin::new_unchecked(&mut this.entry) };
            let time = time_of(&this.handle);
            if deadline.into_std() <= this.handle.clock().now() {
                // Due already: out of the wheel, so that the next poll is
                // `Ready`, as tokio's is; whoever waits for it is woken.
                if let Some(waker) = time.take_out(entry) {
                    waker.wake();
                }
                return;
            }
            let tick = this.handle.clock().deadline_tick(deadline.into_std());
            let wake = time.reset(entry, tick);
            this.handle.wake_timer_sleepers(wake);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // One unit of the task's budget, even when already elapsed.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        // SAFETY: nothing is moved out; the entry is handed on pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let time = time_of(&this.handle);
        if time.is_shutdown() {
            shut_down_panic();
        }
        // SAFETY: the entry is a field of a pinned `Sleep`.
        let entry = unsafe { Pin::new_unchecked(&mut this.entry) };
        let poll = if this.elapsed {
            Poll::Ready(())
        } else if entry.is_armed() {
            time.poll_armed(entry, cx)
        } else if this.handle.clock().now() >= this.deadline.into_std() {
            Poll::Ready(())
        } else {
            // The first poll: armed in the wheel of the worker polling it.
            let tick = this.handle.clock().deadline_tick(this.deadline.into_std());
            let wake = time.arm(entry, this.handle.timer_wheel(), tick, cx);
            this.handle.wake_timer_sleepers(wake);
            Poll::Pending
        };
        if poll.is_ready() {
            this.elapsed = true;
            coop.made_progress();
        }
        poll
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.entry.is_armed() {
            // SAFETY: `drop` is the last use of the pinned `Sleep`; the
            // entry has not moved.
            let entry = unsafe { Pin::new_unchecked(&mut self.entry) };
            time_of(&self.handle).cancel(entry);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("armed", &self.entry.is_armed())
            .finish()
    }
}
