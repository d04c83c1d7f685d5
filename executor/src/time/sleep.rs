//! [`Sleep`]: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::time_handle;
use crate::driver::time::wheel::Key;
use crate::driver::time::TimeHandle;
use crate::driver::time::WakeDriver;
use crate::scheduler::Handle;

/// Waits until `duration` has passed.
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let start = Instant::now();
/// rt.block_on(async { taskcell_executor::time::sleep(Duration::from_millis(20)).await });
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    Sleep::new(deadline, "`time::sleep`")
}

/// Waits until `deadline`.
///
/// # Panics
///
/// Outside a runtime with timers enabled.
///
/// ```
/// use std::time::{Duration, Instant};
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

/// About thirty years from now: "never", for deadlines that overflow.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// A future that completes at its deadline; made by [`sleep`] and
/// [`sleep_until`].
///
/// It holds an entry in the runtime's timer wheel from its first poll
/// until it completes or is dropped: a dropped `Sleep` frees its entry.
///
/// # Panics
///
/// Polling it after its runtime has shut down panics: no timer is left to
/// fire it.
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut sleep = taskcell_executor::time::sleep(Duration::from_secs(3600));
///     let soon = Instant::now() + Duration::from_millis(5);
///     sleep.reset(soon);
///     sleep.await;
///     assert!(Instant::now() >= soon);
/// });
/// ```
#[must_use = "a `Sleep` does nothing unless awaited"]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    /// The wheel entry, once armed.
    key: Option<Key>,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Instant, what: &str) -> Sleep {
        Sleep {
            handle: time_handle(what),
            deadline,
            key: None,
        }
    }

    /// When this sleep completes.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// let sleep = rt.block_on(async { taskcell_executor::time::sleep_until(deadline) });
    /// assert_eq!(sleep.deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let sleep = rt.block_on(async { taskcell_executor::time::sleep(Duration::ZERO) });
    /// assert!(sleep.is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline, whether or not this sleep has completed: it
    /// completes again at `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut sleep = taskcell_executor::time::sleep(Duration::ZERO);
    ///     (&mut sleep).await;
    ///     let later = Instant::now() + Duration::from_millis(5);
    ///     sleep.reset(later);
    ///     sleep.await;
    ///     assert!(Instant::now() >= later);
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(key) = self.key {
            let wake = time_of(&self.handle).reset(key, deadline, self.handle.clock());
            self.wake_driver(wake);
        }
    }

    fn wake_driver(&self, wake: WakeDriver) {
        if wake.0 {
            self.handle.driver().unpark();
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // One unit of the task's budget, even when already elapsed.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let this = self.get_mut();
        let (poll, wake) = time_of(&this.handle).poll_elapsed(
            &mut this.key,
            this.deadline,
            cx,
            this.handle.clock(),
        );
        this.wake_driver(wake);
        if poll.is_ready() {
            coop.made_progress();
        }
        poll
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            time_of(&self.handle).remove(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("armed", &self.key.is_some())
            .finish()
    }
}
