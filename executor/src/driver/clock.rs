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
    /// Paused time (`time::pause`), for tests.
    #[cfg(feature = "test-util")]
    paused: Paused,
}

/// The state of paused time: where timers and `time::Instant::now` read
/// the time from. Only busy time keeps to the system clock.
///
/// The current-thread runtime's one thread pauses, advances and resumes it
/// (and reads it most); other threads in its context (blocking threads)
/// read it too, hence atomics. `frozen` is what they read first: `Acquire`
/// pairs with the `Release` of every change, so a reader that sees it
/// running sees the `offset` that resuming stored before.
#[cfg(feature = "test-util")]
struct Paused {
    /// Whether this clock may pause (the current-thread runtime's).
    enabled: bool,
    /// Nanoseconds since the start at which the clock stands, or
    /// [`RUNNING`].
    frozen: std::sync::atomic::AtomicU64,
    /// Nanoseconds this clock runs ahead of the system's (behind, if
    /// negative) since it was last resumed: it goes on from the time it
    /// stood at.
    offset: std::sync::atomic::AtomicI64,
    /// Whether the clock was ever resumed (so `offset` applies).
    resumed: std::sync::atomic::AtomicBool,
    /// `spawn_blocking` closures in flight: while any is, an idle runtime
    /// waits for them instead of jumping to the next timer.
    inhibit: std::sync::atomic::AtomicUsize,
}

/// `Paused::frozen` of a running clock.
#[cfg(feature = "test-util")]
const RUNNING: u64 = u64::MAX;

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
    /// A clock that starts now. Only one that `may_pause` may be paused
    /// (the current-thread runtime's, as in tokio).
    pub(crate) fn new(may_pause: bool) -> Clock {
        #[cfg(not(feature = "test-util"))]
        let _ = may_pause;
        Clock {
            start: Instant::now(),
            start_nanos: monotonic_nanos(),
            coarse_ms: AtomicU32::new(0),
            #[cfg(feature = "test-util")]
            paused: Paused {
                enabled: may_pause,
                frozen: std::sync::atomic::AtomicU64::new(RUNNING),
                offset: std::sync::atomic::AtomicI64::new(0),
                resumed: std::sync::atomic::AtomicBool::new(false),
                inhibit: std::sync::atomic::AtomicUsize::new(0),
            },
        }
    }

    /// The time on this clock: the system's, unless the clock is paused
    /// or was (feature `test-util`).
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        #[cfg(feature = "test-util")]
        if let Some(now) = self.paused_now() {
            return now;
        }
        Instant::now()
    }

    /// The paused time, or the system's plus what advances added, if the
    /// clock was ever paused; `None` if it runs with the system's.
    #[cfg(feature = "test-util")]
    pub(crate) fn paused_now(&self) -> Option<Instant> {
        use std::sync::atomic::Ordering::Acquire;
        let frozen = self.paused.frozen.load(Acquire);
        if frozen != RUNNING {
            return Some(self.start + Duration::from_nanos(frozen));
        }
        if !self.paused.resumed.load(Relaxed) {
            return None;
        }
        let offset = self.paused.offset.load(Relaxed);
        let now = Instant::now();
        let shift = Duration::from_nanos(offset.unsigned_abs());
        Some(if offset >= 0 {
            now.checked_add(shift).unwrap_or(now)
        } else {
            now.checked_sub(shift).unwrap_or(self.start)
        })
    }

    /// Nanoseconds since the start on this clock, read now.
    #[cfg(feature = "test-util")]
    fn now_nanos(&self) -> u64 {
        let since = self.now().saturating_duration_since(self.start);
        u64::try_from(since.as_nanos()).unwrap_or(RUNNING - 1)
    }

    /// Whether the clock stands still.
    #[cfg(feature = "test-util")]
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.frozen.load(Relaxed) != RUNNING
    }

    /// Stops the clock at its start, tick 0 of the wheels (a runtime
    /// built with `start_paused`): sleeps then last whole milliseconds, as
    /// in tokio.
    #[cfg(feature = "test-util")]
    pub(crate) fn pause_at_start(&self) -> Result<(), &'static str> {
        use std::sync::atomic::Ordering::Release;
        self.pause()?;
        self.paused.frozen.store(0, Release);
        Ok(())
    }

    /// Stops the clock (`time::pause`).
    #[cfg(feature = "test-util")]
    pub(crate) fn pause(&self) -> Result<(), &'static str> {
        use std::sync::atomic::Ordering::Release;
        if !self.paused.enabled {
            // tokio's words first (unbalanced backtick included), then ours.
            return Err(
                "`time::pause()` requires the `current_thread` Tokio runtime. This is the \
                 default Runtime used by `#[tokio::test]. In taskcell too: the current-thread \
                 runtime, the default of `#[taskcell_executor::test]`; a multi-thread runtime's \
                 workers would race the paused clock",
            );
        }
        if self.is_paused() {
            return Err("time is already frozen");
        }
        self.paused.frozen.store(self.now_nanos(), Release);
        Ok(())
    }

    /// Moves a stopped clock on by `by` (`time::advance`).
    #[cfg(feature = "test-util")]
    pub(crate) fn advance(&self, by: Duration) -> Result<(), &'static str> {
        use std::sync::atomic::Ordering::Release;
        let frozen = self.paused.frozen.load(Relaxed);
        if frozen == RUNNING {
            return Err("time is not frozen");
        }
        let by = u64::try_from(by.as_nanos()).unwrap_or(RUNNING);
        let to = frozen.saturating_add(by).min(RUNNING - 1);
        self.paused.frozen.store(to, Release);
        Ok(())
    }

    /// Lets a stopped clock run again from the time it stands at
    /// (`time::resume`), as tokio's: it then runs with the system's, ahead
    /// (or behind) by what the pause and the advances moved it.
    #[cfg(feature = "test-util")]
    pub(crate) fn resume(&self) -> Result<(), &'static str> {
        use std::sync::atomic::Ordering::Release;
        let frozen = self.paused.frozen.load(Relaxed);
        if frozen == RUNNING {
            return Err("time is not frozen");
        }
        let real = Instant::now().saturating_duration_since(self.start);
        let real = i64::try_from(real.as_nanos()).unwrap_or(i64::MAX);
        let frozen = i64::try_from(frozen).unwrap_or(i64::MAX);
        self.paused
            .offset
            .store(frozen.saturating_sub(real), Relaxed);
        self.paused.resumed.store(true, Relaxed);
        self.paused.frozen.store(RUNNING, Release);
        Ok(())
    }

    /// Whether an idle runtime may jump this stopped clock to its next
    /// timer: no `spawn_blocking` closure is in flight.
    #[cfg(feature = "test-util")]
    pub(crate) fn can_auto_advance(&self) -> bool {
        self.is_paused() && self.paused.inhibit.load(Relaxed) == 0
    }

    /// Holds auto-advance back, until [`Clock::allow_auto_advance`] (a
    /// `spawn_blocking` closure's length).
    #[cfg(feature = "test-util")]
    pub(crate) fn inhibit_auto_advance(&self) {
        self.paused.inhibit.fetch_add(1, Relaxed);
    }

    /// Ends one [`Clock::inhibit_auto_advance`].
    #[cfg(feature = "test-util")]
    pub(crate) fn allow_auto_advance(&self) {
        self.paused.inhibit.fetch_sub(1, Relaxed);
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
        // Whole seconds are whole ticks; only the nanoseconds round. In
        // 64-bit arithmetic: `as_millis` would go through 128 bits, on the
        // path of every timer's first poll.
        let part = since.subsec_nanos().div_ceil(1_000_000);
        since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(part))
    }

    /// The last timer tick at or before `now`: the clock rounds *down*.
    pub(crate) fn instant_tick(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.start);
        since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(since.subsec_millis()))
    }

    /// The current timer tick, on the precise clock.
    pub(crate) fn now_tick(&self) -> u64 {
        self.instant_tick(self.now())
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
        let clock = Clock::new(false);
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

    /// The 64-bit conversions agree with exact 128-bit arithmetic on
    /// nanoseconds, across second boundaries and over years.
    #[test]
    fn ticks_agree_with_exact_arithmetic() {
        let clock = Clock::new(false);
        let mut offsets: Vec<u128> = vec![0, 1, 999_999, 1_000_000, 1_000_001];
        for secs in [1u128, 59, 3_600, 86_400 * 365 * 20] {
            for nanos in [
                0u128,
                1,
                999_999,
                1_000_000,
                1_000_001,
                998_999_999,
                999_000_001,
            ] {
                offsets.push(secs * 1_000_000_000 + nanos);
                offsets.push(secs * 1_000_000_000 - 1 + nanos);
            }
        }
        for ns in offsets {
            let at = clock.start + Duration::from_nanos(ns as u64);
            let up = ns.div_ceil(1_000_000) as u64;
            let down = (ns / 1_000_000) as u64;
            assert_eq!(
                clock.deadline_tick(at),
                up,
                "deadline {ns} ns after the start"
            );
            assert_eq!(
                clock.instant_tick(at),
                down,
                "reading {ns} ns after the start"
            );
        }
    }
}
