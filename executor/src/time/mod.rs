//! Timers on the runtime's own wheels: [`sleep`], [`sleep_until`],
//! [`timeout`], [`timeout_at`] and [`interval`], in tokio's shape.
//!
//! Each worker has its own timer wheel, of 1 ms ticks: a timer lives in the
//! wheel of the worker whose task first polls it, so arming, polling,
//! resetting and dropping it there touch nothing that another worker uses.
//! A timer never fires before its deadline. Its worker fires it every
//! `event_interval` tasks; a worker asleep in the driver sleeps until the
//! earliest deadline of every wheel, and a busy worker fires the timers of
//! another that is overdue, so a worker stuck in a long poll holds back no
//! timer. The README's "Timers across workers" has the details and
//! figures.
//!
//! Timers need a runtime with timers enabled ([`Runtime::new`], or
//! [`Builder::enable_time`]). Calling these functions anywhere else panics
//! with a message that says so.
//!
//! ```
//! use std::time::Duration;
//! use taskcell_executor::time::{sleep, timeout, Instant};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//!
//!     let slow = timeout(Duration::from_millis(5), std::future::pending::<()>());
//!     assert!(slow.await.is_err());
//! });
//! ```
//!
//! [`Runtime::new`]: crate::Runtime::new
//! [`Builder::enable_time`]: crate::Builder::enable_time

pub mod error;
mod instant;
mod interval;
mod sleep;
mod timeout;

pub use self::instant::Instant;
pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};
/// `std::time::Duration`, here as in tokio's `time` module.
pub use std::time::Duration;

use crate::runtime;
use crate::scheduler::Handle;

/// The clock of the runtime entered here, for `pause`, `advance` and
/// `resume`.
#[cfg(feature = "test-util")]
#[track_caller]
fn paused_clock_handle(what: &str) -> Handle {
    match runtime::Handle::try_current() {
        Ok(handle) => handle.inner,
        // tokio's words first, then ours.
        Err(_) => panic!(
            "time cannot be frozen from outside the Tokio runtime: {what} was called outside a \
             taskcell runtime (which serves tokio's API); call it from a task or a `block_on` of \
             a current-thread runtime"
        ),
    }
}

/// Stops the runtime's clock (feature `test-util`, as tokio's): from now
/// on [`Instant::now`] and the timers read a time that moves only when
/// [`advance`]d, and when every task waits, the clock jumps to the next
/// timer, so a test of a 30-second timeout takes no time at all (tokio's
/// auto-advance). While a `spawn_blocking` closure runs, the clock waits
/// for it instead of jumping.
///
/// # Panics
///
/// Outside a runtime, on a multi-thread runtime (paused time is for the
/// current-thread runtime, the default of
/// [`#[taskcell_executor::test]`](crate::test)), or if time is paused
/// already.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::{self, Instant};
///
/// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
/// let real = std::time::Instant::now();
/// rt.block_on(async {
///     time::pause();
///     let start = Instant::now();
///     time::sleep(Duration::from_secs(3600)).await; // at once
///     // Timers fire on whole milliseconds of the runtime's clock, which
///     // the pause need not fall on (as in tokio).
///     let slept = start.elapsed();
///     assert!(slept >= Duration::from_secs(3600));
///     assert!(slept <= Duration::from_secs(3600) + Duration::from_millis(1));
/// });
/// assert!(real.elapsed() < Duration::from_secs(60));
/// ```
#[cfg(feature = "test-util")]
#[track_caller]
pub fn pause() {
    let handle = paused_clock_handle("`time::pause`");
    if let Err(msg) = handle.clock().pause() {
        panic!("{msg}");
    }
}

/// Lets a paused clock run again, from the time it shows (feature
/// `test-util`, as tokio's): time spent paused does not count, and what was
/// advanced does.
///
/// # Panics
///
/// Outside a runtime, or if time is not paused.
///
/// ```
/// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
/// rt.block_on(async {
///     taskcell_executor::time::pause();
///     taskcell_executor::time::resume();
/// });
/// ```
#[cfg(feature = "test-util")]
#[track_caller]
pub fn resume() {
    let handle = paused_clock_handle("`time::resume`");
    if let Err(msg) = handle.clock().resume() {
        panic!("{msg}");
    }
}

/// Moves a paused clock on by `duration` and returns once the timers due
/// by then have fired (feature `test-util`, as tokio's): the tasks they
/// wake run next.
///
/// # Panics
///
/// Outside a runtime, or if time is not paused.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::{self, Instant};
///
/// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
/// rt.block_on(async {
///     time::pause();
///     let start = Instant::now();
///     let sleeper = taskcell_executor::spawn(time::sleep(Duration::from_secs(10)));
///     time::advance(Duration::from_secs(10)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(10));
///     sleeper.await.unwrap();
/// });
/// ```
#[cfg(feature = "test-util")]
pub async fn advance(duration: Duration) {
    let handle = paused_clock_handle("`time::advance`");
    if let Err(msg) = handle.clock().advance(duration) {
        panic!("{msg}");
    }
    // A yield lets the driver in first: its turn fires what is due now.
    crate::yield_now().await;
}

/// The runtime of the calling code, which must have timers.
///
/// # Panics
///
/// Outside a runtime, or in one built without timers, naming `what` and
/// the fix.
#[track_caller]
fn time_handle(what: &str) -> Handle {
    let Ok(handle) = runtime::Handle::try_current() else {
        panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: {what} needs a taskcell runtime, which serves tokio's API, and there is \
             no timer running here. Call it from a task, a `block_on` or a `spawn_blocking` \
             closure of a runtime built with `Runtime::new()` or `Builder::enable_time`"
        );
    };
    if handle.inner.time().is_none() {
        // tokio's words first (its driver handle's), then ours.
        panic!(
            "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on the \
             runtime builder to enable timers. {what} needs the timers, and this taskcell \
             runtime was built without them (`enable_all` on its `Builder` turns on every \
             driver)"
        );
    }
    handle.inner
}
