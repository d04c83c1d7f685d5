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
//! use std::time::{Duration, Instant};
//! use taskcell_executor::time::{sleep, timeout};
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

mod interval;
mod sleep;
mod timeout;

pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};

use crate::runtime;
use crate::scheduler::Handle;

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
            "{what} needs a taskcell runtime, but there is no timer running here: call it from \
             a task, a `block_on` or a `spawn_blocking` closure of a runtime built with \
             `Runtime::new()` or `Builder::enable_time`"
        );
    };
    if handle.inner.time().is_none() {
        panic!(
            "{what}: this taskcell runtime was built without timers; call `enable_time` (or \
             `enable_all`) on its `Builder`"
        );
    }
    handle.inner
}
