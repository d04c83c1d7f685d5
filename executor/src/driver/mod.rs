//! The driver: the runtime's I/O reactor and timer wheel, which the workers
//! drive themselves. It sits below the scheduler and knows nothing of it:
//! a readiness event or an expired timer calls a `Waker`, and the waker
//! decides where the task goes.
//!
//! # Who drives
//!
//! The driver's core (the OS poller and its event buffer) sits behind a
//! lock that only a parking worker takes, with `try_lock`:
//!
//! | worker state        | what it does                                        |
//! |---------------------|-----------------------------------------------------|
//! | running tasks       | every `event_interval` ticks, a turn without blocking, if the core is free |
//! | idle, core free     | parks *in* the driver: blocks in the poller, with the next timer as timeout |
//! | idle, core taken    | parks on its own condition variable                 |
//!
//! Unparking a worker that sits in the driver writes the driver's
//! `mio::Waker` (`scheduler/park.rs`). The wakers run on the polling
//! worker's thread, so the woken tasks land in that worker's own queue, and
//! the usual notify-a-sibling rule spreads them.
//!
//! The poller exists whenever I/O or timers are enabled: with timers alone
//! it is simply a sleep that can be cut short.
//!
//! The scheduler holds a [`Handle`]: the runtime's [`Clock`], and the
//! driver when I/O or timers are enabled. Its `io()` and `time()` are the
//! one way to the two halves.

pub(crate) mod atomic_waker;
pub(crate) mod clock;
pub(crate) mod io;
mod sys;
pub(crate) mod time;

use std::io as stdio;
use std::sync::Arc as StdArc;
use std::task::Waker;
use std::time::{Duration, Instant};

use self::clock::Clock;
use self::io::{IoHandle, WAKER_TOKEN};
/// What cuts a parked driver's wait short.
pub(crate) use self::sys::Waker as Unpark;
use self::sys::{Events, Poll};
use self::time::TimeHandle;
use crate::primitives::{Mutex, MutexGuard};

/// What the scheduler holds of the driver: the runtime's clock, and the
/// driver itself when I/O or timers are enabled (tokio's
/// `runtime/driver.rs` has the same shape).
pub(crate) struct Handle {
    clock: Clock,
    driver: Option<Driver>,
}

/// The runtime's driver; see the module docs.
pub(crate) struct Driver {
    core: Mutex<DriverCore>,
    waker: StdArc<Unpark>,
    io: Option<IoHandle>,
    time: Option<TimeHandle>,
}

/// What only the thread that drives may touch.
pub(crate) struct DriverCore {
    poll: Poll,
    events: Events,
    /// For a turn that does not wait (a busy worker's look at the driver),
    /// when `Builder::max_io_events_per_busy_tick` set a cap of its own.
    busy_events: Option<Events>,
    /// Stamped on every readiness this turn sets; see `ScheduledIo`.
    tick: u16,
    /// Wakers of expired timers, woken after the wheel's lock is released
    /// (kept between turns: no allocation once it has grown).
    fired: Vec<Waker>,
}

impl Handle {
    /// The clock (one that may be paused, if `may_pause`), with a driver
    /// for I/O and/or timers when either is enabled; with timers,
    /// `timer_wheels` wheels (see `driver/time`).
    pub(crate) fn new(
        enable_io: bool,
        enable_time: bool,
        timer_wheels: usize,
        may_pause: bool,
        events_per_tick: usize,
        events_per_busy_tick: Option<usize>,
    ) -> stdio::Result<Handle> {
        let time = enable_time.then(|| TimeHandle::new(timer_wheels));
        let driver = match enable_io || enable_time {
            true => Some(Driver::build(
                enable_io,
                time,
                events_per_tick,
                events_per_busy_tick,
            )?),
            false => None,
        };
        Ok(Handle {
            clock: Clock::new(may_pause),
            driver,
        })
    }

    /// A driver with neither sockets nor timers: only the park/unpark
    /// hand-off, for the loom models.
    #[cfg(taskcell_loom)]
    pub(crate) fn for_model() -> Handle {
        Handle {
            clock: Clock::new(false),
            driver: Some(Driver::build(false, None, 1024, None).expect("the model's poller")),
        }
    }

    /// The runtime's clock.
    #[inline]
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The I/O driver, if I/O is enabled.
    #[inline]
    pub(crate) fn io(&self) -> Option<&IoHandle> {
        self.driver.as_ref()?.io.as_ref()
    }

    /// The timer driver, if timers are enabled.
    #[inline]
    pub(crate) fn time(&self) -> Option<&TimeHandle> {
        self.driver.as_ref()?.time.as_ref()
    }

    /// The waker that cuts a parked driver's wait short, if there is a
    /// driver.
    pub(crate) fn unparker(&self) -> Option<StdArc<Unpark>> {
        self.driver
            .as_ref()
            .map(|driver| StdArc::clone(&driver.waker))
    }

    /// Wakes the thread parked in the driver, if any.
    pub(crate) fn unpark(&self) {
        if let Some(driver) = &self.driver {
            // An error here means the poller is gone: no one is parked on it.
            let _ = driver.waker.wake();
        }
    }

    /// The driver's core, unless there is no driver or another thread is
    /// driving.
    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, DriverCore>> {
        self.driver.as_ref()?.core.try_lock()
    }

    /// One turn of the driver, with its `core` (from [`try_lock`](Self::try_lock)):
    /// waits for events at most `timeout` (and no later than the earliest
    /// timer of any wheel), then wakes every task whose socket became ready
    /// or whose timer expired, on this thread. A turn that does not block
    /// (`timeout` zero) is a busy worker's look, `own` its wheel: other
    /// workers' timers are fired only once overdue (`driver/time`).
    pub(crate) fn turn(
        &self,
        core: &mut DriverCore,
        timeout: Option<Duration>,
        own: Option<usize>,
    ) {
        if let Some(driver) = &self.driver {
            driver.turn(core, timeout, &self.clock, own);
        }
    }

    /// Worker `me` goes to sleep on its condition variable (another holds
    /// the driver): it is counted, and watches the timers unless another
    /// does (`driver/time`, rule 6). Returns whether it watches, and when it
    /// must wake by itself (`None`: only when woken).
    pub(crate) fn sleep_on_condvar(&self, me: usize) -> (bool, Option<Instant>) {
        let Some(tick) = self.time().and_then(|time| time.sleep_on_condvar(me)) else {
            return (false, None);
        };
        (
            true,
            (tick != u64::MAX).then(|| self.clock.tick_instant(tick)),
        )
    }

    /// Worker `me`, asleep on its condition variable, is awake.
    pub(crate) fn woke_on_condvar(&self, me: usize, watched: bool) {
        if let Some(time) = self.time() {
            time.woke_on_condvar(me, watched);
        }
    }

    /// Whether a sleeping worker must be woken to watch the timers; see
    /// `driver/time`, rule 6.
    pub(crate) fn needs_watcher(&self) -> bool {
        self.time().is_some_and(TimeHandle::needs_watcher)
    }

    /// Fires the due timers of every wheel here (the watcher, awake),
    /// waking their tasks on this thread. `fired` is a buffer, left empty.
    pub(crate) fn fire_all_timers(&self, fired: &mut Vec<Waker>) {
        if let Some(time) = self.time() {
            time.fire_due(None, self.clock.now_tick(), false, fired);
            fired.drain(..).for_each(crate::task::wake_contained);
        }
    }

    /// Fires the due timers of wheel `wheel` (a worker's own, every
    /// `event_interval` tasks), waking their tasks here, and returns whether
    /// any fired. `fired` is a buffer, left empty.
    pub(crate) fn fire_timers(&self, wheel: usize, fired: &mut Vec<Waker>) -> bool {
        let Some(time) = self.time() else {
            return false;
        };
        // A wheel with nothing in it costs no clock reading.
        if !time.is_due(wheel, u64::MAX - 1) {
            return false;
        }
        let now = self.clock.now_tick();
        if !time.is_due(wheel, now) {
            return false;
        }
        time.fire(wheel, now, fired);
        let any = !fired.is_empty();
        // A panicking (foreign) waker does not unwind through the worker
        // (`task` module, rule 7).
        fired.drain(..).for_each(crate::task::wake_contained);
        any
    }

    /// At shutdown: sockets fail from now on, pending timers fire (and
    /// panic when polled), and every waiter wakes.
    pub(crate) fn shutdown(&self) {
        if let Some(driver) = &self.driver {
            driver.shutdown();
        }
    }
}

impl Driver {
    /// A driver whose turns take at most `events_per_tick` readiness events
    /// from the poller (`Builder::max_io_events_per_tick`), and a turn that
    /// does not wait at most `events_per_busy_tick` if set
    /// (`Builder::max_io_events_per_busy_tick`); more wait for the next
    /// turn.
    fn build(
        enable_io: bool,
        time: Option<TimeHandle>,
        events_per_tick: usize,
        events_per_busy_tick: Option<usize>,
    ) -> stdio::Result<Driver> {
        let poll = Poll::new()?;
        #[cfg(not(taskcell_loom))]
        let (waker, io) = (
            Unpark::new(poll.registry(), WAKER_TOKEN)?,
            match enable_io {
                true => Some(IoHandle::new(poll.registry().try_clone()?)),
                false => None,
            },
        );
        #[cfg(taskcell_loom)]
        let (waker, io) = {
            assert!(!enable_io, "loom models run the driver without sockets");
            (poll.waker()?, None)
        };
        Ok(Driver {
            core: Mutex::new(DriverCore {
                poll,
                events: Events::with_capacity(events_per_tick),
                busy_events: events_per_busy_tick.map(Events::with_capacity),
                tick: 0,
                fired: Vec::new(),
            }),
            waker: StdArc::new(waker),
            io,
            time,
        })
    }

    /// One turn; see [`Handle::turn`].
    fn turn(
        &self,
        core: &mut DriverCore,
        timeout: Option<Duration>,
        clock: &Clock,
        own: Option<usize>,
    ) {
        if let Some(io) = &self.io {
            io.release_pending();
        }
        let busy = timeout == Some(Duration::ZERO);
        let timeout = match &self.time {
            Some(time) => time.park_timeout(timeout, clock.now(), clock),
            None => timeout,
        };
        // A turn that does not wait, a timer already due included (its
        // task runs next), is a busy worker's: it takes the busy cap.
        let no_wait = timeout == Some(Duration::ZERO);
        // Paused time, with nothing to run: rather than sleep until the
        // next timer, look for events, and if none came, jump the clock to
        // that timer (tokio's auto-advance).
        #[cfg(feature = "test-util")]
        let (timeout, jump) = match timeout {
            Some(wait) if !wait.is_zero() && clock.can_auto_advance() => {
                (Some(Duration::ZERO), Some(wait))
            }
            _ => (timeout, None),
        };
        let DriverCore {
            poll,
            events,
            busy_events,
            tick,
            fired,
        } = core;
        let events = events_for_turn(events, busy_events, no_wait);
        if let Err(err) = poll.poll(events, timeout) {
            // EINTR: a signal; the turn simply ends early.
            if err.kind() != stdio::ErrorKind::Interrupted {
                panic!("the taskcell I/O driver's poller failed: {err}");
            }
        }
        #[cfg(feature = "test-util")]
        if let Some(wait) = jump {
            if events.is_empty() {
                // Another clock user may have resumed it meanwhile.
                let _ = clock.advance(wait);
            }
        }
        *tick = tick.wrapping_add(1);
        if let Some(io) = &self.io {
            for event in events.iter() {
                if event.token() != WAKER_TOKEN {
                    io.dispatch(*tick, event);
                }
            }
        }
        if let Some(time) = &self.time {
            time.unparked();
            time.fire_due(own, clock.now_tick(), busy, fired);
            // A panicking (foreign) waker does not unwind through the
            // worker turning the driver (`task` module, rule 7).
            fired.drain(..).for_each(crate::task::wake_contained);
        }
    }

    fn shutdown(&self) {
        if let Some(io) = &self.io {
            io.shutdown();
        }
        if let Some(time) = &self.time {
            let mut fired = Vec::new();
            time.shutdown(&mut fired);
            fired.into_iter().for_each(crate::task::wake_contained);
        }
        // An error here means the poller is gone: no one is parked on it.
        let _ = self.waker.wake();
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("driver::Handle")
            .field("io", &self.io().is_some())
            .field("time", &self.time().is_some())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("io", &self.io.is_some())
            .field("time", &self.time.is_some())
            .finish_non_exhaustive()
    }
}

/// The event buffer a turn polls into: a turn that does not wait (`no_wait`)
/// takes the busy buffer, if `Builder::max_io_events_per_busy_tick` made
/// one; every other turn, and every turn without one, the idle buffer.
fn events_for_turn<'a>(
    idle: &'a mut Events,
    busy: &'a mut Option<Events>,
    no_wait: bool,
) -> &'a mut Events {
    match busy {
        Some(busy) if no_wait => busy,
        _ => idle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_that_does_not_wait_takes_the_busy_cap() {
        let mut idle = Events::with_capacity(64);
        let mut busy = Some(Events::with_capacity(2));
        assert_eq!(events_for_turn(&mut idle, &mut busy, true).capacity(), 2);
        assert_eq!(events_for_turn(&mut idle, &mut busy, false).capacity(), 64);
        let mut none = None;
        assert_eq!(
            events_for_turn(&mut idle, &mut none, true).capacity(),
            64,
            "without a busy cap, every turn takes the idle one"
        );
    }
}
