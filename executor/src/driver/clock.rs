//! [`Clock`]: the runtime's one clock. It starts when the runtime is built,
//! and everything that measures time in the runtime counts from that start,
//! on the precise monotonic clock (`Instant`):
//!
//! - the timer wheels count 1 ms ticks from it ([`Clock::deadline_tick`],
//!   [`Clock::now_tick`]), since a timer must never fire early;
//! - busy time ([`Clock::nanos`]) is summed from readings at each park, each
//!   wake-up and every `event_interval` tasks, so that a stretch of any
//!   length counts for what it lasted;
//! - task stamps read [`Clock::coarse_ms`], a shared word those same
//!   readings refresh.

use std::time::{Duration, Instant};

// std's atomic even in loom builds: the coarse reading orders nothing, so
// the models need not explore it.
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// The runtime's clock: when it started, and a coarse reading in
/// milliseconds that the workers refresh every `event_interval` tasks and
/// whenever they park or wake up. Tasks stamp it at each poll's end, so a
/// poll reads one shared, rarely written word instead of the system clock.
///
/// A worker reads the system's precise monotonic clock (`CLOCK_MONOTONIC`
/// through the vDSO on Linux, some tens of nanoseconds) at each park, each
/// wake-up and every `event_interval` tasks, never per poll. Busy time
/// summed from those readings is exact for stretches of any length (a
/// coarse clock, of the kernel's tick, would count a stretch shorter than a
/// tick as nothing or as a whole tick).
///
/// Alone on its cache line(s): every poll reads it, and it must not share a
/// line with a word that other threads write often.
#[repr(align(128))]
pub(crate) struct Clock {
    /// The start: tick 0 of the timer wheels.
    start: Instant,
    /// The start in [`monotonic_nanos`]: nanosecond 0 of busy time.
    start_nanos: u64,
    coarse_ms: AtomicU32,
}

/// Nanoseconds on the precise monotonic clock, read straight from
/// `clock_gettime` (the vDSO on Linux), without `Instant`'s conversions: a
/// worker reads it at every park and wake-up.
#[cfg(all(target_os = "linux", not(miri)))]
fn monotonic_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec`; `clock_gettime` writes
    // only it, and `CLOCK_MONOTONIC` exists on every Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    debug_assert_eq!(rc, 0);
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// Nanoseconds on a monotonic clock (since the first reading).
#[cfg(not(all(target_os = "linux", not(miri))))]
fn monotonic_nanos() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl Clock {
    /// A clock that starts now.
    pub(crate) fn new() -> Clock {
        Clock {
            start: Instant::now(),
            start_nanos: monotonic_nanos(),
            coarse_ms: AtomicU32::new(0),
        }
    }

    /// The coarse reading.
    #[inline]
    pub(crate) fn coarse_ms(&self) -> u32 {
        self.coarse_ms.load(Relaxed)
    }

    /// Reads the system clock into the coarse reading.
    pub(crate) fn refresh(&self) {
        self.refresh_to(self.nanos());
    }

    /// Sets the coarse reading from `nanos` since the start.
    pub(crate) fn refresh_to(&self, nanos: u64) {
        let now = (nanos / 1_000_000) as u32;
        // Workers race here; any of their readings is fine, and skipping the
        // store when nothing changed keeps the line shared and clean.
        if self.coarse_ms.load(Relaxed) != now {
            self.coarse_ms.store(now, Relaxed);
        }
    }

    /// Milliseconds since the start, read now (wraps after 49 days; stamps
    /// are compared with wrapping arithmetic).
    pub(crate) fn millis(&self) -> u32 {
        (self.nanos() / 1_000_000) as u32
    }

    /// Nanoseconds since the start, read now on the precise clock.
    #[inline]
    pub(crate) fn nanos(&self) -> u64 {
        monotonic_nanos().wrapping_sub(self.start_nanos)
    }

    /// The first timer tick at or after `deadline`: deadlines round *up*,
    /// so that a timer never fires early. Saturates at `u64::MAX`.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis();
        let ms = if since > Duration::from_millis(ms as u64) {
            ms + 1
        } else {
            ms
        };
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// The last timer tick at or before `now`: the clock rounds *down*.
    pub(crate) fn instant_tick(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.start).as_millis()).unwrap_or(u64::MAX)
    }

    /// The current timer tick, on the precise clock.
    pub(crate) fn now_tick(&self) -> u64 {
        self.instant_tick(Instant::now())
    }

    /// When `tick` begins ([`far_future`] if that is past the end of
    /// `Instant`).
    pub(crate) fn tick_instant(&self, tick: u64) -> Instant {
        self.start
            .checked_add(Duration::from_millis(tick))
            .unwrap_or_else(far_future)
    }

    /// How long from `now` until `tick` begins (zero if it has).
    pub(crate) fn until_tick(&self, tick: u64, now: Instant) -> Duration {
        self.tick_instant(tick).saturating_duration_since(now)
    }
}

/// About thirty years from now: "never", for deadlines that do not fit in
/// an `Instant`.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deadlines round up and readings round down, so a deadline's tick is
    /// never reached before the deadline itself.
    #[test]
    fn ticks_round_deadlines_up_and_readings_down() {
        let clock = Clock::new();
        let ms = Duration::from_millis(1);
        assert_eq!(clock.deadline_tick(clock.start), 0);
        assert_eq!(clock.deadline_tick(clock.start + 5 * ms), 5);
        assert_eq!(
            clock.deadline_tick(clock.start + 5 * ms + Duration::from_nanos(1)),
            6
        );
        assert_eq!(
            clock.instant_tick(clock.start + 5 * ms - Duration::from_nanos(1)),
            4
        );
        assert_eq!(clock.instant_tick(clock.start + 5 * ms), 5);
        // Before the start: tick 0, for both.
        if let Some(before) = clock.start.checked_sub(ms) {
            assert_eq!(clock.deadline_tick(before), 0);
            assert_eq!(clock.instant_tick(before), 0);
        }
        assert_eq!(clock.until_tick(7, clock.start + 2 * ms), 5 * ms);
        assert_eq!(clock.until_tick(1, clock.start + 2 * ms), Duration::ZERO);
    }
}
