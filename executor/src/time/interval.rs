//! [`Interval`]: ticks at a fixed period.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::sleep::Sleep;
use super::Instant;
use crate::driver::clock::far_future;

/// How late a tick may be and still count as on time.
const LATE: Duration = Duration::from_millis(5);

/// `at + period`, or far in the future (never, in practice) where that
/// does not fit in an `Instant`.
fn after(at: Instant, period: Duration) -> Instant {
    at.checked_add(period)
        .unwrap_or_else(|| Instant::from_std(far_future()))
}

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero, or outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut every = taskcell_executor::time::interval(Duration::from_millis(5));
///     let first = every.tick().await; // at once
///     let second = every.tick().await;
///     assert!(second - first >= Duration::from_millis(5));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero, or outside a runtime with timers enabled.
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::Instant;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let start = Instant::now() + Duration::from_millis(5);
///     let mut every = taskcell_executor::time::interval_at(start, Duration::from_millis(5));
///     assert_eq!(every.tick().await, start);
/// });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "`interval` needs a period above zero"
    );
    Interval {
        sleep: Box::pin(Sleep::new(start, "`time::interval`")),
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed: a tick counts as
/// missed when it comes more than 5 ms after it was due (the task was busy,
/// or did not poll, for that long), as in tokio.
///
/// ```
/// use taskcell_executor::time::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Tick at once for each missed tick, then keep the original schedule.
    #[default]
    Burst,
    /// Tick once at once, then one period after each tick from now on.
    Delay,
    /// Tick once at once, then on the original schedule's next tick.
    Skip,
}

/// Ticks at a fixed period; made by [`interval`] and [`interval_at`].
///
/// ```
/// use std::time::Duration;
/// use taskcell_executor::time::{interval, MissedTickBehavior};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut every = interval(Duration::from_millis(2));
///     every.set_missed_tick_behavior(MissedTickBehavior::Delay);
///     for _ in 0..3 {
///         every.tick().await;
///     }
///     assert_eq!(every.period(), Duration::from_millis(2));
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    sleep: Pin<Box<Sleep>>,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(std::time::Duration::from_millis(1));
    /// let due = every.tick().await;
    /// assert!(due <= taskcell_executor::time::Instant::now());
    /// # });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; on `Ready`, returns when it was due.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(std::time::Duration::from_millis(1));
    /// poll_fn(|cx| every.poll_tick(cx)).await;
    /// # });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let due = self.sleep.deadline();
        let now = self.sleep.now();
        // A tick up to 5 ms late is on time (tokio's rule): the wheel's
        // 1 ms ticks and a busy worker make small delays routine, and
        // `Delay` or `Skip` would otherwise drift the schedule every tick.
        let next = if now <= due.checked_add(LATE).unwrap_or(due) {
            after(due, self.period)
        } else {
            match self.missed {
                MissedTickBehavior::Burst => after(due, self.period),
                MissedTickBehavior::Delay => after(now, self.period),
                MissedTickBehavior::Skip => {
                    let behind = now.saturating_duration_since(due).as_nanos();
                    let periods = behind / self.period.as_nanos() + 1;
                    let skip = u32::try_from(periods)
                        .ok()
                        .and_then(|periods| self.period.checked_mul(periods));
                    skip.map_or_else(|| Instant::from_std(far_future()), |skip| after(due, skip))
                }
            }
        };
        self.sleep.as_mut().reset(next);
        Poll::Ready(due)
    }

    /// Starts over: the next tick is one period from now.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let period = std::time::Duration::from_millis(3);
    /// let mut every = taskcell_executor::time::interval(period);
    /// every.reset();
    /// let before = taskcell_executor::time::Instant::now();
    /// every.tick().await;
    /// assert!(before.elapsed() >= period - std::time::Duration::from_millis(1));
    /// # });
    /// ```
    pub fn reset(&mut self) {
        let next = after(self.sleep.now(), self.period);
        self.sleep.as_mut().reset(next);
    }

    /// Starts over with a tick at once, then one period after it.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let rt = taskcell_executor::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(Duration::from_secs(60));
    /// every.tick().await;
    /// every.reset_immediately();
    /// let before = taskcell_executor::time::Instant::now();
    /// every.tick().await;
    /// assert_eq!(before.elapsed(), Duration::ZERO);
    /// # });
    /// ```
    pub fn reset_immediately(&mut self) {
        let now = self.sleep.now();
        self.sleep.as_mut().reset(now);
    }

    /// Starts over with the next tick `after` from now, then one period
    /// after each.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let rt = taskcell_executor::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(Duration::from_secs(60));
    /// every.tick().await;
    /// let before = taskcell_executor::time::Instant::now();
    /// every.reset_after(Duration::from_secs(5));
    /// every.tick().await;
    /// assert_eq!(before.elapsed(), Duration::from_secs(5));
    /// # });
    /// ```
    pub fn reset_after(&mut self, after_: Duration) {
        let next = after(self.sleep.now(), after_);
        self.sleep.as_mut().reset(next);
    }

    /// Starts over with the next tick at `deadline`, then one period after
    /// each.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskcell_executor::time::Instant;
    /// # let rt = taskcell_executor::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(Duration::from_secs(60));
    /// every.tick().await;
    /// let at = Instant::now() + Duration::from_secs(7);
    /// every.reset_at(at);
    /// assert_eq!(every.tick().await, at);
    /// # });
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.sleep.as_mut().reset(deadline);
    }

    /// The period.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let every = taskcell_executor::time::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(every.period(), std::time::Duration::from_secs(1));
    /// # });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What to do when ticks are missed (default: [`MissedTickBehavior::Burst`]).
    ///
    /// ```
    /// use taskcell_executor::time::MissedTickBehavior;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut every = taskcell_executor::time::interval(std::time::Duration::from_secs(1));
    /// every.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// # });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// What this interval does when ticks are missed.
    ///
    /// ```
    /// use taskcell_executor::time::MissedTickBehavior;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let every = taskcell_executor::time::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// # });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }
}
