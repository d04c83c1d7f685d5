//! The timer half of the driver: a hierarchical wheel of 1 ms ticks
//! ([`wheel`]), which the parked driver waits on with a timeout.
//!
//! One lock guards the wheel; it is taken when a sleep is armed, polled
//! while pending, reset or dropped, and once per driver turn. Expired
//! entries stay in the wheel, marked fired, until their `Sleep` sees them
//! (or drops), so a fired timer costs no allocation and no second lookup.
//!
//! Ticks count whole milliseconds since the runtime's clock started
//! (`driver/clock.rs`). A deadline is rounded *up* to a tick and the clock
//! *down*, so a timer never fires before its deadline.

pub(crate) mod wheel;

use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use self::wheel::{Key, Wheel};
use super::clock::Clock;
use crate::sync::Mutex;

/// What every thread may reach of the timer driver.
pub(crate) struct TimeHandle {
    inner: Mutex<TimeInner>,
}

struct TimeInner {
    wheel: Wheel<Option<Waker>>,
    /// The tick at which the driver, parked, wakes by itself (`u64::MAX`:
    /// never); `0` while no one is parked on it. A timer due earlier than
    /// this must wake the driver.
    parked_until: u64,
    is_shutdown: bool,
}

/// Whether arming a timer must wake the parked driver, so that it waits
/// with a shorter timeout.
#[must_use]
pub(crate) struct WakeDriver(pub(crate) bool);

impl TimeHandle {
    pub(crate) fn new() -> TimeHandle {
        TimeHandle {
            inner: Mutex::new(TimeInner {
                wheel: Wheel::new(),
                parked_until: 0,
                is_shutdown: false,
            }),
        }
    }

    /// Polls the timer `key` (arming it at `deadline` on the first poll).
    ///
    /// # Panics
    ///
    /// Once the runtime has shut down.
    pub(crate) fn poll_elapsed(
        &self,
        key: &mut Option<Key>,
        deadline: Instant,
        cx: &mut Context<'_>,
        clock: &Clock,
    ) -> (Poll<()>, WakeDriver) {
        let mut inner = self.inner.lock();
        if inner.is_shutdown {
            drop(inner);
            panic!(
                "a taskcell timer was polled after its runtime shut down: there is no timer \
                 running any more to fire it"
            );
        }
        match *key {
            Some(k) if inner.wheel.is_fired(k) => {
                inner.wheel.remove(k);
                *key = None;
                (Poll::Ready(()), WakeDriver(false))
            }
            Some(k) => {
                let slot = inner.wheel.get_mut(k);
                match slot {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                (Poll::Pending, WakeDriver(false))
            }
            None => {
                if Instant::now() >= deadline {
                    return (Poll::Ready(()), WakeDriver(false));
                }
                let tick = clock.deadline_tick(deadline);
                *key = Some(inner.wheel.insert(tick, Some(cx.waker().clone())));
                (Poll::Pending, WakeDriver(tick < inner.parked_until))
            }
        }
    }

    /// Moves an armed timer to a new deadline.
    pub(crate) fn reset(&self, key: Key, deadline: Instant, clock: &Clock) -> WakeDriver {
        let tick = clock.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        inner.wheel.reset(key, tick);
        WakeDriver(tick < inner.parked_until)
    }

    /// Frees an armed timer's entry (its `Sleep` was dropped or reset before
    /// its first poll).
    pub(crate) fn remove(&self, key: Key) {
        let waker = self.inner.lock().wheel.remove(key);
        drop(waker);
    }

    /// Driver side, before it parks: how long it may sleep (the earlier of
    /// `timeout` and the next timer), remembered so that an earlier timer
    /// armed meanwhile wakes it.
    pub(crate) fn park_timeout(
        &self,
        timeout: Option<Duration>,
        now: Instant,
        clock: &Clock,
    ) -> Option<Duration> {
        let mut inner = self.inner.lock();
        let next = inner.wheel.next_deadline();
        let until_next = next.map(|tick| clock.until_tick(tick, now));
        let timeout = match (timeout, until_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        inner.parked_until = match timeout {
            Some(Duration::ZERO) => 0,
            _ => next.unwrap_or(u64::MAX),
        };
        timeout
    }

    /// Driver side, after it wakes: fires every timer due by tick `now`
    /// into `fired` (woken by the caller, outside the lock).
    pub(crate) fn process(&self, now: u64, fired: &mut Vec<Waker>) {
        let mut inner = self.inner.lock();
        inner.parked_until = 0;
        inner
            .wheel
            .advance(now, |_, waker| fired.extend(waker.take()));
    }

    /// At shutdown: every pending timer fires; polling one then panics.
    pub(crate) fn shutdown(&self, fired: &mut Vec<Waker>) {
        let mut inner = self.inner.lock();
        inner.is_shutdown = true;
        inner
            .wheel
            .advance(u64::MAX, |_, waker| fired.extend(waker.take()));
    }

    /// How many entries the wheel holds.
    pub(crate) fn entries(&self) -> usize {
        self.inner.lock().wheel.len()
    }
}
