//! [`Instant`]: a point in time on the runtime's clock, as tokio's
//! `time::Instant`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A point in time on the runtime's clock: tokio's `time::Instant`.
///
/// It is a `std::time::Instant` (the two convert freely) whose
/// [`now`](Instant::now) follows the runtime's clock: with the `test-util`
/// feature, a paused clock ([`pause`](super::pause)) stands still and moves
/// only when advanced, and `Instant::now()` in the runtime's context says
/// so, as do the timers. Otherwise it is the system's monotonic clock.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::{self, Instant};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let start = Instant::now();
///     time::sleep_until(start + Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The time now: on the clock of the runtime entered here (paused or
    /// not, with `test-util`), or the system's outside any.
    ///
    /// ```
    /// let a = taskcell_executor::time::Instant::now();
    /// assert!(taskcell_executor::time::Instant::now() >= a);
    /// ```
    #[inline]
    pub fn now() -> Instant {
        #[cfg(feature = "test-util")]
        if let Some(now) = crate::runtime::Handle::paused_now() {
            return Instant { std: now };
        }
        Instant {
            std: std::time::Instant::now(),
        }
    }

    /// The same point in time, from std's type.
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The same point in time, as std's type.
    ///
    /// ```
    /// let now = taskcell_executor::time::Instant::now();
    /// assert_eq!(taskcell_executor::time::Instant::from_std(now.into_std()), now);
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// How long after `earlier` this is; zero if it is not after it.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// How long after `earlier` this is; `None` if it is not after it.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// How long after `earlier` this is; zero if it is not after it.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time since this instant, on the clock of [`Instant::now`].
    ///
    /// ```
    /// let start = taskcell_executor::time::Instant::now();
    /// assert!(start.elapsed() < std::time::Duration::from_secs(60));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` past what the type can hold.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` before what the type can hold.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, other: Duration) -> Instant {
        Instant::from_std(self.std + other)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;

    fn sub(self, rhs: Instant) -> Duration {
        self.std.saturating_duration_since(rhs.std)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
