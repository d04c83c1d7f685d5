//! The timer half of the driver: a hierarchical wheel of 1 ms ticks
//! ([`wheel`]) per worker, so that arming, polling, resetting and dropping
//! a timer on its own worker touch nothing another worker uses.
//!
//! # Wheels and entries
//!
//! A timer's [`TimerEntry`] lives inside its `Sleep`, which is pinned: no
//! allocation per timer. It is filed in the wheel of the worker whose task
//! first polls it (the current-thread runtime has one wheel; a multi-thread
//! runtime has one more, for timers first polled off its workers, by a
//! `block_on` or a `spawn_blocking` closure). Each wheel sits behind its own
//! lock, which its worker takes to arm a timer, to move one earlier and to
//! drop one not yet fired, and to fire what is due every `event_interval`
//! tasks. Other threads take it only to fire timers for a worker that is
//! busy or asleep, and to drop or reset a timer whose task moved to another
//! worker. So in the common case the lock is uncontended, and its cache line
//! stays with its worker.
//!
//! What the common case costs, in atomic read-modify-writes on lines no
//! other thread touches:
//!
//! | operation | cost |
//! |---|---|
//! | arm (the first poll) | the wheel's lock and unlock (2), the waker's clone (1 for a task waker) |
//! | poll while pending, same waker | none: two loads |
//! | reset to a later deadline (hyper's per-request timeout) | one compare-and-swap on the timer's own word |
//! | reset to an earlier deadline | the lock and unlock (2) |
//! | drop, fired | none: one load |
//! | drop, not fired | the lock and unlock (2), the waker's drop (1) |
//! | fire | one compare-and-swap each, and the lock and unlock once a batch |
//!
//! Arming also reads the parked driver's deadline (one `SeqCst` fence and a
//! load), but only when the new timer is the earliest in its wheel.
//!
//! # Firing
//!
//! Nothing waits for a particular worker:
//!
//! - a worker fires its own wheel's due timers every `event_interval` tasks;
//! - whoever turns the driver without blocking (a busy worker holding the
//!   driver) fires the timers of any other wheel overdue by a tick or more:
//!   that wheel's worker is stuck in a long poll, or asleep;
//! - a worker parked in the driver sleeps until the earliest deadline of
//!   *every* wheel, and fires whatever is due when it wakes. Arming a timer
//!   earlier than that deadline wakes it (rule 5);
//! - while another holds the driver, the first worker to go to sleep on its
//!   condition variable is the *watcher*: it too sleeps only until the
//!   earliest deadline of every wheel, and fires what is due when it wakes;
//!   an earlier timer wakes it as well (rule 6). So when the worker in the
//!   driver leaves it for a task that never returns, the timers still fire:
//!   and nobody is woken just to take the driver over. The price: with two
//!   or more idle workers, a deadline wakes both the one in the driver and
//!   the watcher, and one of them finds nothing left to fire.
//!
//! Fired timers wake their tasks on the thread that fired them, so the tasks
//! land in that worker's queue.
//!
//! # Rules
//!
//! `// SAFETY:` comments in this module cite these.
//!
//! 1. **A linked entry is alive.** A wheel holds a pointer to an entry's
//!    state word only while the entry is linked in it, and unlinks it under
//!    the wheel's lock. The entry's owner (its pinned `Sleep`) does not move
//!    it, and before its memory goes, unlinks it under that lock, unless
//!    rule 2 says it is no longer linked. So whoever holds a wheel's lock
//!    may read the state of any entry linked in it.
//! 2. **`FIRED` is the firer's last word.** Only a holder of the wheel's
//!    lock sets an entry's state to `FIRED`, by a compare-and-swap
//!    (`AcqRel`), as it unlinks the entry; after that it never touches the
//!    entry again. An owner that loads `FIRED` (`Acquire`) may therefore
//!    forget the entry without taking the lock.
//! 3. **The state word holds the true deadline.** While linked, the state
//!    is the tick the timer fires at, and the entry is filed at that tick or
//!    earlier. The owner may raise the deadline with a compare-and-swap and
//!    no lock: the wheel, finding the entry due at its old tick, files it
//!    again at the new one. Lowering it needs the lock, since the entry must
//!    move.
//! 4. **No user code under a wheel's lock.** A waker is cloned before the
//!    lock is taken, and woken or dropped after it is released: a waker that
//!    arms, resets or drops another timer of the same wheel must not
//!    deadlock.
//! 5. **No lost wake-up of the parked driver.** Each wheel publishes
//!    `next_due`, no later than its earliest deadline. The driver, before it
//!    blocks, publishes `parked_until` (the earliest `next_due` of all
//!    wheels), issues a `SeqCst` fence and reads every `next_due` again. A
//!    thread that lowers a wheel's `next_due` issues a `SeqCst` fence and
//!    then reads `parked_until`; if its deadline is earlier, it wakes the
//!    driver. Fence against fence, one of the two sees the other.
//! 6. **No lost wake-up of the watcher.** A worker becomes the watcher by
//!    a compare-and-swap of `watcher` from 0, issues a `SeqCst` fence, reads
//!    every `next_due` and publishes the earliest as `watch_until`, which
//!    is `u64::MAX` (wake me) until then. A thread that lowers a wheel's
//!    `next_due`, after the fence of rule 5, reads `watcher` and
//!    `watch_until`, and wakes the watcher if its deadline is earlier. The
//!    watcher resets `watch_until` to `u64::MAX` before it gives up the
//!    role, with a compare-and-swap that the next claim reads: a newcomer
//!    is never judged by its predecessor's deadline. A worker that leaves
//!    the driver, or the watch, to run tasks wakes a sleeper if others
//!    sleep on their condition variables with no watcher and nobody in the
//!    driver (`needs_watcher`): so while any worker sleeps, one of them
//!    watches the timers.
//!
//! Ticks count whole milliseconds since the runtime's clock started
//! (`driver/clock.rs`). A deadline is rounded *up* to a tick and the clock
//! *down*, so a timer never fires before its deadline.

mod entry;
pub(crate) mod wheel;

pub(crate) use self::entry::TimerEntry;

use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use self::entry::{Armed, EntryRef, WakerId, FIRED};
use self::wheel::{Expired, Wheel};
use super::clock::Clock;
use crate::primitives::{fence, AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering};

// std's atomics even in loom builds: these counters order nothing, so the
// models need not explore them.
use std::sync::atomic::{AtomicU64 as StdAtomicU64, Ordering::Relaxed};

/// How many ticks late another worker's wheel must be before a busy worker
/// fires its timers: its own worker normally does within `event_interval`
/// tasks, far sooner.
const GRACE: u64 = 1;

/// What every thread may reach of the timer driver: the wheels.
pub(crate) struct TimeHandle {
    wheels: Box<[LocalWheel]>,
    is_shutdown: AtomicBool,
    /// When the sleepers wake by themselves (rules 5 and 6). On their own
    /// cache line: written at every park.
    sleepers: Sleepers,
}

/// When the worker parked in the driver, and the watcher, wake by
/// themselves; see rules 5 and 6.
#[repr(align(128))]
struct Sleepers {
    /// The tick at which the driver, parked, wakes by itself (`u64::MAX`:
    /// never); 0 while no one is parked in it.
    parked_until: AtomicU64,
    /// The watcher, plus one; 0: none.
    watcher: AtomicUsize,
    /// The tick at which the watcher wakes by itself; `u64::MAX` while
    /// there is none, or it has not yet read the wheels.
    watch_until: AtomicU64,
    /// How many workers sleep on their condition variables, the watcher
    /// among them.
    on_condvar: AtomicUsize,
}

/// One worker's wheel (or, last, the wheel for threads off the workers),
/// alone on its cache lines.
#[repr(align(128))]
struct LocalWheel {
    wheel: Mutex<Wheel<Slot>>,
    /// No later than the earliest deadline in the wheel (`u64::MAX`: none).
    /// Written under the lock, read without it (rule 5).
    next_due: AtomicU64,
    /// Timers armed in this wheel and fired from it, for metrics. Written
    /// under the lock only.
    armed: StdAtomicU64,
    fired: StdAtomicU64,
}

/// What a wheel keeps of a timer: its state word and its waker.
struct Slot {
    entry: EntryRef,
    waker: Waker,
}

/// Whom arming or resetting a timer must wake, so that they sleep with a
/// shorter timeout: the driver, and the watcher (a worker index).
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wake {
    pub(crate) driver: bool,
    pub(crate) watcher: Option<usize>,
}

impl Wake {
    const NOBODY: Wake = Wake {
        driver: false,
        watcher: None,
    };
}

/// Adds `n` to a counter that only lock holders write.
fn add(counter: &StdAtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

impl LocalWheel {
    fn new() -> LocalWheel {
        LocalWheel {
            wheel: Mutex::new(Wheel::new()),
            next_due: AtomicU64::new(u64::MAX),
            armed: StdAtomicU64::new(0),
            fired: StdAtomicU64::new(0),
        }
    }

    /// After `tick` was filed under the lock: lowers `next_due` if the
    /// timer is now the earliest. Returns whether it did.
    fn lower_next_due(&self, tick: u64) -> bool {
        if tick < self.next_due.load(Ordering::Relaxed) {
            self.next_due.store(tick, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

impl TimeHandle {
    /// A timer driver with `wheels` wheels: one per worker, and one more
    /// for the threads off the workers where there are several workers.
    pub(crate) fn new(wheels: usize) -> TimeHandle {
        assert!(wheels > 0 && u32::try_from(wheels).is_ok());
        TimeHandle {
            wheels: (0..wheels).map(|_| LocalWheel::new()).collect(),
            is_shutdown: AtomicBool::new(false),
            sleepers: Sleepers {
                parked_until: AtomicU64::new(0),
                watcher: AtomicUsize::new(0),
                watch_until: AtomicU64::new(u64::MAX),
                on_condvar: AtomicUsize::new(0),
            },
        }
    }

    /// The wheel of threads that run no worker.
    pub(crate) fn outside_wheel(&self) -> usize {
        self.wheels.len() - 1
    }

    /// Whether the runtime has shut down: a timer polled now panics.
    #[inline]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    /// Arms the unarmed `entry` in wheel `wheel` at `tick`, with `cx`'s
    /// waker.
    ///
    /// # Panics
    ///
    /// Once the runtime has shut down.
    pub(crate) fn arm(
        &self,
        entry: Pin<&mut TimerEntry>,
        wheel: usize,
        tick: u64,
        cx: &Context<'_>,
    ) -> Wake {
        // SAFETY: nothing is moved out of the entry (rule 1).
        let entry = unsafe { entry.get_unchecked_mut() };
        debug_assert!(entry.armed.is_none(), "arming an armed timer");
        let tick = tick.min(entry::MAX_TICK);
        // Rule 4: the clone runs the waker's code, so before the lock.
        let waker = cx.waker().clone();
        let id = WakerId::of(&waker);
        let local = &self.wheels[wheel];
        let mut guard = local.wheel.lock();
        if self.is_shutdown.load(Ordering::Relaxed) {
            // Checked under the lock: shutdown sets the flag, then fires
            // each wheel under its lock, so an entry linked after that
            // sweep would never fire.
            drop(guard);
            drop(waker);
            shut_down_panic();
        }
        // Published to later holders of the lock by its release.
        entry.state.store(tick, Ordering::Relaxed);
        let key = guard.insert(
            tick,
            Slot {
                entry: EntryRef::new(&entry.state),
                waker,
            },
        );
        // Recorded at once: from here on, the entry's drop must unlink it.
        entry.armed = Some(Armed {
            wheel: wheel as u32,
            key,
            waker: id,
        });
        add(&local.armed, 1);
        let lowered = local.lower_next_due(tick);
        drop(guard);
        self.wake_for(lowered, tick)
    }

    /// Polls the armed `entry`: `Ready` once it has fired. Registers `cx`'s
    /// waker if it is not the one registered already.
    pub(crate) fn poll_armed(&self, entry: Pin<&mut TimerEntry>, cx: &Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of the entry (rule 1).
        let entry = unsafe { entry.get_unchecked_mut() };
        let Some(armed) = &mut entry.armed else {
            unreachable!("polling an unarmed timer entry");
        };
        // The id is compared first, then the state loaded. If the state is
        // not `FIRED` then, the wheel still held the registered waker when
        // the ids were compared, keeping its data alive: an equal id is the
        // same waker, not a new one at a freed address.
        if !armed.waker.is(cx.waker()) {
            let waker = cx.waker().clone();
            // The id of the clone the wheel keeps, not of `cx.waker()`: a
            // waker may clone to other data, and only the kept one's data
            // is kept alive.
            let id = WakerId::of(&waker);
            let mut guard = self.wheels[armed.wheel as usize].wheel.lock();
            let old = if entry.state.load(Ordering::Relaxed) == FIRED {
                waker
            } else {
                std::mem::replace(&mut guard.get_mut(armed.key).waker, waker)
            };
            drop(guard);
            armed.waker = id;
            // Rule 4: the old waker's drop runs its code, so after.
            drop(old);
        }
        // Acquire: rule 2.
        if entry.state.load(Ordering::Acquire) == FIRED {
            entry.armed = None;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Moves the deadline of `entry` to `tick`, if it is armed; an entry
    /// that has fired meanwhile is left unarmed, to be armed again by its
    /// next poll. A later deadline is one compare-and-swap (rule 3).
    pub(crate) fn reset(&self, entry: Pin<&mut TimerEntry>, tick: u64) -> Wake {
        // SAFETY: nothing is moved out of the entry (rule 1).
        let entry = unsafe { entry.get_unchecked_mut() };
        let Some(armed) = &entry.armed else {
            return Wake::NOBODY;
        };
        let tick = tick.min(entry::MAX_TICK);
        let mut current = entry.state.load(Ordering::Relaxed);
        loop {
            if current == FIRED {
                entry.armed = None;
                return Wake::NOBODY;
            }
            if tick < current {
                break;
            }
            // Later: the wheel files it again when the old tick comes due.
            match entry.state.compare_exchange_weak(
                current,
                tick,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Wake::NOBODY,
                Err(actual) => current = actual,
            }
        }
        // Earlier: the entry moves now, under the lock.
        let local = &self.wheels[armed.wheel as usize];
        let mut guard = local.wheel.lock();
        if entry.state.load(Ordering::Relaxed) == FIRED {
            drop(guard);
            entry.armed = None;
            return Wake::NOBODY;
        }
        entry.state.store(tick, Ordering::Relaxed);
        guard.reset(armed.key, tick);
        let lowered = local.lower_next_due(tick);
        drop(guard);
        self.wake_for(lowered, tick)
    }

    /// Takes `entry` out of its wheel, if it is armed and has not fired: the
    /// drop of its `Sleep`.
    pub(crate) fn cancel(&self, entry: Pin<&mut TimerEntry>) {
        // Rule 4: the waker's drop, after the lock.
        drop(self.take_out(entry));
    }

    /// Takes `entry` out of its wheel, if it is armed and has not fired,
    /// returning its registered waker; the entry is left unarmed.
    pub(crate) fn take_out(&self, entry: Pin<&mut TimerEntry>) -> Option<Waker> {
        // SAFETY: nothing is moved out of the entry (rule 1).
        let entry = unsafe { entry.get_unchecked_mut() };
        let armed = entry.armed.take()?;
        // Acquire: rule 2 — fired, the wheel is done with it.
        if entry.state.load(Ordering::Acquire) == FIRED {
            return None;
        }
        let mut guard = self.wheels[armed.wheel as usize].wheel.lock();
        let slot = (entry.state.load(Ordering::Relaxed) != FIRED).then(|| guard.remove(armed.key));
        drop(guard);
        slot.map(|slot| slot.waker)
    }

    /// Rules 5 and 6, the arming side: after filing a timer at `tick`
    /// (`lowered`: lowering its wheel's `next_due`), whom to wake: the
    /// parked driver, or the watcher, if they would sleep past it.
    fn wake_for(&self, lowered: bool, tick: u64) -> Wake {
        if !lowered {
            // Not its wheel's earliest: whoever sleeps wakes earlier.
            return Wake::NOBODY;
        }
        fence(Ordering::SeqCst);
        let sleepers = &self.sleepers;
        // Relaxed: the fence above, and the one of `sleep_on_condvar`, order
        // these loads (rule 6). A claim seen here follows its predecessor's
        // reset of `watch_until`, which `woke_on_condvar` releases to the
        // claimer.
        let watcher = match sleepers.watcher.load(Ordering::Relaxed) {
            0 => None,
            plus_one => (tick < sleepers.watch_until.load(Ordering::Relaxed)).then(|| plus_one - 1),
        };
        Wake {
            driver: tick < sleepers.parked_until.load(Ordering::Relaxed),
            watcher,
        }
    }

    /// Worker `me` goes to sleep on its condition variable (another holds
    /// the driver): it is counted, and becomes the watcher unless another
    /// is (rule 6). Returns the tick it must wake at by itself (`u64::MAX`:
    /// no timer), or `None` if another worker watches.
    pub(crate) fn sleep_on_condvar(&self, me: usize) -> Option<u64> {
        let sleepers = &self.sleepers;
        // Counted before the claim: see `needs_watcher`.
        sleepers.on_condvar.fetch_add(1, Ordering::SeqCst);
        sleepers
            .watcher
            .compare_exchange(0, me + 1, Ordering::SeqCst, Ordering::Relaxed)
            .ok()?;
        fence(Ordering::SeqCst);
        let until = self.next_due();
        sleepers.watch_until.store(until, Ordering::Relaxed);
        Some(until)
    }

    /// Worker `me`, asleep on its condition variable, is awake: it watches
    /// no more, if it did (rule 6).
    pub(crate) fn woke_on_condvar(&self, me: usize, watched: bool) {
        let sleepers = &self.sleepers;
        if watched {
            sleepers.watch_until.store(u64::MAX, Ordering::Relaxed);
            let _ =
                sleepers
                    .watcher
                    .compare_exchange(me + 1, 0, Ordering::SeqCst, Ordering::Relaxed);
        }
        sleepers.on_condvar.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether workers sleep on their condition variables with no watcher
    /// among them and nobody in the driver: then one of them must be woken
    /// to take the watch up. Asked by a worker leaving the driver, or the
    /// watch, to run tasks. Against `sleep_on_condvar`, which counts then
    /// claims: a sleeper this misses finds the role free and takes it.
    pub(crate) fn needs_watcher(&self) -> bool {
        let sleepers = &self.sleepers;
        sleepers.watcher.load(Ordering::SeqCst) == 0
            && sleepers.on_condvar.load(Ordering::SeqCst) > 0
            && sleepers.parked_until.load(Ordering::SeqCst) == 0
    }

    /// The earliest `next_due` of all wheels (`u64::MAX`: none).
    fn next_due(&self) -> u64 {
        self.wheels
            .iter()
            .map(|local| local.next_due.load(Ordering::Relaxed))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Driver side, before it blocks: how long it may sleep (the earlier of
    /// `timeout` and the earliest deadline of every wheel), published so
    /// that an earlier timer armed meanwhile wakes it (rule 5).
    pub(crate) fn park_timeout(
        &self,
        timeout: Option<Duration>,
        now: Instant,
        clock: &Clock,
    ) -> Option<Duration> {
        if timeout == Some(Duration::ZERO) {
            // Not blocking: `parked_until` stays 0, and no one wakes us.
            return timeout;
        }
        let next = self.park_deadline();
        let until_next = (next != u64::MAX).then(|| clock.until_tick(next, now));
        match (timeout, until_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Driver side, before it blocks: the earliest `next_due` of all wheels
    /// (`u64::MAX`: none), published as `parked_until` (rule 5).
    pub(crate) fn park_deadline(&self) -> u64 {
        let mut next = self.next_due();
        loop {
            self.sleepers.parked_until.store(next, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let again = self.next_due();
            if again >= next {
                return next;
            }
            next = again;
        }
    }

    /// Driver side, once awake: an armer need not wake it any more.
    pub(crate) fn unparked(&self) {
        // Busy turns never set it: no store, so the line stays clean.
        let parked_until = &self.sleepers.parked_until;
        if parked_until.load(Ordering::Relaxed) != 0 {
            // SeqCst: against `needs_watcher`, read by a watcher leaving as
            // this worker leaves the driver (each stores, then reads the
            // other's word).
            parked_until.store(0, Ordering::SeqCst);
        }
    }

    /// Whether wheel `wheel` has a timer due by tick `now`.
    #[inline]
    pub(crate) fn is_due(&self, wheel: usize, now: u64) -> bool {
        self.wheels[wheel].next_due.load(Ordering::Relaxed) <= now
    }

    /// Fires the timers of wheel `wheel` due by tick `now`, appending their
    /// wakers to `fired` (to be woken by the caller: rule 4).
    pub(crate) fn fire(&self, wheel: usize, now: u64, fired: &mut Vec<Waker>) {
        let local = &self.wheels[wheel];
        let mut guard = local.wheel.lock();
        let before = fired.len();
        guard.advance_take(
            now,
            |slot| {
                // SAFETY: rule 1 — the entry is linked, and we hold the lock.
                let state = unsafe { slot.entry.state() };
                let mut current = state.load(Ordering::Relaxed);
                loop {
                    if current > now {
                        // Reset later meanwhile (rule 3).
                        return Expired::Refile(current);
                    }
                    // Rule 2: the last touch of the entry.
                    match state.compare_exchange(
                        current,
                        FIRED,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Expired::Fire,
                        Err(actual) => current = actual,
                    }
                }
            },
            |_, slot| fired.push(slot.waker),
        );
        let next = guard.next_deadline().unwrap_or(u64::MAX);
        local.next_due.store(next, Ordering::Relaxed);
        add(&local.fired, (fired.len() - before) as u64);
    }

    /// Fires the due timers of every wheel (see the module docs): of `own`
    /// and of the wheel off the workers by `now`, of the others by `now`
    /// less `grace`.
    pub(crate) fn fire_due(
        &self,
        own: Option<usize>,
        now: u64,
        grace: bool,
        fired: &mut Vec<Waker>,
    ) {
        let outside = self.outside_wheel();
        for wheel in 0..self.wheels.len() {
            let late = if grace && Some(wheel) != own && wheel != outside {
                now.saturating_sub(GRACE)
            } else {
                now
            };
            if self.is_due(wheel, late) {
                self.fire(wheel, now, fired);
            }
        }
    }

    /// At shutdown: every pending timer fires; polling one then panics.
    pub(crate) fn shutdown(&self, fired: &mut Vec<Waker>) {
        self.is_shutdown.store(true, Ordering::SeqCst);
        for local in self.wheels.iter() {
            let mut guard = local.wheel.lock();
            guard.advance_take(
                u64::MAX,
                |slot| {
                    // SAFETY: rule 1, as in `fire`; rule 2 as well.
                    unsafe { slot.entry.state() }.swap(FIRED, Ordering::AcqRel);
                    Expired::Fire
                },
                |_, slot| fired.push(slot.waker),
            );
            local.next_due.store(u64::MAX, Ordering::Relaxed);
        }
    }

    /// How many timers the wheels hold: armed, and neither fired nor
    /// dropped.
    pub(crate) fn entries(&self) -> usize {
        self.wheels
            .iter()
            .map(|local| local.wheel.lock().len())
            .sum()
    }

    /// How many timers were armed in wheel `wheel`, and how many fired from
    /// it.
    pub(crate) fn counts(&self, wheel: usize) -> (u64, u64) {
        let local = &self.wheels[wheel];
        (local.armed.load(Relaxed), local.fired.load(Relaxed))
    }
}

impl std::fmt::Debug for TimeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeHandle")
            .field("wheels", &self.wheels.len())
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// The panic of a timer polled after its runtime shut down: tokio's words
/// first (its timer entry's), then ours.
#[cold]
#[track_caller]
pub(crate) fn shut_down_panic() -> ! {
    panic!(
        "A Tokio 1.x context was found, but it is being shutdown. A taskcell timer was polled \
         after its runtime shut down: there is no timer running any more to fire it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc as StdArc;
    use std::task::Wake;

    /// Counts wake-ups, and runs `on_drop` when its last reference goes.
    #[derive(Default)]
    struct Counter {
        wakes: AtomicUsize,
        on_drop: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
    }

    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.wakes.fetch_add(1, Relaxed);
        }
    }

    impl Drop for Counter {
        fn drop(&mut self) {
            if let Some(f) = self.on_drop.lock().unwrap().take() {
                f();
            }
        }
    }

    fn counter() -> (StdArc<Counter>, Waker) {
        let counter = StdArc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    fn fire(time: &TimeHandle, wheel: usize, now: u64) -> usize {
        let mut fired = Vec::new();
        time.fire(wheel, now, &mut fired);
        let n = fired.len();
        fired.into_iter().for_each(Waker::wake);
        n
    }

    #[test]
    fn a_timer_fires_at_its_deadline_and_leaves_its_wheel() {
        let time = TimeHandle::new(2);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut entry = pin!(TimerEntry::new());
        assert!(
            !time.arm(entry.as_mut(), 1, 10, &cx).driver,
            "no driver is parked"
        );
        assert!(entry.is_armed());
        assert_eq!(time.entries(), 1);
        assert!(time.poll_armed(entry.as_mut(), &cx).is_pending());
        assert!(!time.is_due(1, 9) && time.is_due(1, 10) && !time.is_due(0, 10));
        assert_eq!(fire(&time, 1, 9), 0);
        assert_eq!(fire(&time, 1, 10), 1);
        assert_eq!(count.wakes.load(Relaxed), 1);
        assert_eq!(time.entries(), 0, "a fired timer leaves its wheel");
        assert!(time.poll_armed(entry.as_mut(), &cx).is_ready());
        assert!(!entry.is_armed());
        assert_eq!(time.counts(1), (1, 1));
        assert_eq!(time.counts(0), (0, 0));
        // Dropping a fired entry takes no lock and needs no wheel.
        time.cancel(entry.as_mut());
    }

    #[test]
    fn a_later_reset_stays_filed_and_is_refiled_when_the_old_tick_comes() {
        let time = TimeHandle::new(1);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut entry = pin!(TimerEntry::new());
        let _ = time.arm(entry.as_mut(), 0, 10, &cx);
        assert!(!time.reset(entry.as_mut(), 50).driver);
        // Still due at the old tick, where the wheel files it again.
        assert!(time.is_due(0, 10));
        assert_eq!(fire(&time, 0, 10), 0);
        assert_eq!(count.wakes.load(Relaxed), 0);
        assert!(!time.is_due(0, 49) && time.is_due(0, 50));
        assert_eq!(fire(&time, 0, 49), 0);
        assert_eq!(fire(&time, 0, 50), 1);
        assert!(time.poll_armed(entry.as_mut(), &cx).is_ready());
    }

    #[test]
    fn an_earlier_reset_moves_the_timer_and_a_fired_one_is_disarmed() {
        let time = TimeHandle::new(1);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut entry = pin!(TimerEntry::new());
        let _ = time.arm(entry.as_mut(), 0, 100, &cx);
        let _ = time.reset(entry.as_mut(), 20);
        assert!(time.is_due(0, 20));
        assert_eq!(fire(&time, 0, 20), 1);
        assert_eq!(count.wakes.load(Relaxed), 1);
        // Reset after firing: left unarmed, for the next poll to arm.
        let _ = time.reset(entry.as_mut(), 30);
        assert!(!entry.is_armed());
        assert_eq!(time.entries(), 0);
    }

    #[test]
    fn a_dropped_timer_leaves_its_wheel_and_never_fires() {
        let time = TimeHandle::new(1);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut entry = pin!(TimerEntry::new());
        let _ = time.arm(entry.as_mut(), 0, 10, &cx);
        time.cancel(entry.as_mut());
        assert_eq!(time.entries(), 0);
        assert_eq!(fire(&time, 0, u64::MAX - 1), 0);
        assert_eq!(count.wakes.load(Relaxed), 0);
        // The wheel dropped its clone of the waker.
        assert_eq!(StdArc::strong_count(&count), 2);
    }

    /// A waker whose drop uses the same wheel (here: counts its entries,
    /// which takes every wheel's lock) is dropped after the lock is
    /// released, both when a poll replaces it and when its timer is
    /// dropped: no deadlock.
    #[test]
    fn a_waker_dropped_by_the_wheel_may_use_the_wheel() {
        let time = StdArc::new(TimeHandle::new(1));
        let mut entry = pin!(TimerEntry::new());
        let (first, waker) = counter();
        let seen = StdArc::new(AtomicUsize::new(usize::MAX));
        let (t, s) = (time.clone(), seen.clone());
        *first.on_drop.lock().unwrap() = Some(Box::new(move || s.store(t.entries(), Relaxed)));
        drop(first);
        let _ = time.arm(entry.as_mut(), 0, 10, &Context::from_waker(&waker));
        drop(waker);
        // Polled with another waker: the first one's last reference goes.
        let (_second, other) = counter();
        assert!(time
            .poll_armed(entry.as_mut(), &Context::from_waker(&other))
            .is_pending());
        assert_eq!(
            seen.load(Relaxed),
            1,
            "the first waker was dropped, outside the lock"
        );
        // Same again through a drop of the timer.
        let (third, waker) = counter();
        let (t, s) = (time.clone(), seen.clone());
        *third.on_drop.lock().unwrap() = Some(Box::new(move || s.store(t.entries() + 10, Relaxed)));
        drop(third);
        assert!(time
            .poll_armed(entry.as_mut(), &Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        time.cancel(entry.as_mut());
        assert_eq!(
            seen.load(Relaxed),
            10,
            "dropped after the entry left the wheel"
        );
    }

    /// The same waker again costs no registration; a waker cloned from it
    /// is the same waker.
    #[test]
    fn polling_again_with_the_same_waker_keeps_the_registration() {
        let time = TimeHandle::new(1);
        let (count, waker) = counter();
        let mut entry = pin!(TimerEntry::new());
        let _ = time.arm(entry.as_mut(), 0, 10, &Context::from_waker(&waker));
        let clone = waker.clone();
        assert!(time
            .poll_armed(entry.as_mut(), &Context::from_waker(&clone))
            .is_pending());
        // Registered: the one in the wheel, and ours.
        assert_eq!(StdArc::strong_count(&count), 4);
        assert_eq!(fire(&time, 0, 10), 1);
        assert_eq!(count.wakes.load(Relaxed), 1);
    }

    /// A "borrowed" waker: its data is a token it does not own, and it
    /// clones onto the heap. The token's target can be swapped in place, as
    /// if the token were freed and another task's allocated at its address.
    struct Token(std::sync::Mutex<StdArc<Counter>>);

    static BORROWED: std::task::RawWakerVTable =
        std::task::RawWakerVTable::new(borrowed_clone, borrowed_wake, borrowed_wake, drop_nothing);
    static OWNED: std::task::RawWakerVTable =
        std::task::RawWakerVTable::new(borrowed_clone, owned_wake, borrowed_wake, owned_drop);

    fn token_target(data: *const ()) -> StdArc<Counter> {
        // SAFETY: every waker of these vtables points at a live `Token`: a
        // borrowed one at the test's, an owned one at its own box.
        let token = unsafe { &*data.cast::<Token>() };
        token.0.lock().unwrap().clone()
    }

    unsafe fn borrowed_clone(data: *const ()) -> std::task::RawWaker {
        let token = Box::new(Token(std::sync::Mutex::new(token_target(data))));
        std::task::RawWaker::new(Box::into_raw(token).cast(), &OWNED)
    }

    unsafe fn borrowed_wake(data: *const ()) {
        token_target(data).wakes.fetch_add(1, Relaxed);
    }

    unsafe fn drop_nothing(_: *const ()) {}

    unsafe fn owned_wake(data: *const ()) {
        // SAFETY: an owned waker's data is its own box, consumed by `wake`.
        unsafe { borrowed_wake(data) };
        // SAFETY: as above; the box is dropped once, here.
        unsafe { owned_drop(data) };
    }

    unsafe fn owned_drop(data: *const ()) {
        // SAFETY: an owned waker's data is the box its clone made.
        drop(unsafe { Box::from_raw(data.cast_mut().cast::<Token>()) });
    }

    /// A waker that clones to other data: the id the entry keeps is the
    /// kept clone's, so a later waker at the same address as the first (a
    /// new task, same token address) is registered, and woken.
    #[test]
    fn a_new_waker_at_an_old_wakers_address_is_registered() {
        let time = TimeHandle::new(1);
        let (first, _) = counter();
        let (second, _) = counter();
        let token = Token(std::sync::Mutex::new(first.clone()));
        let borrowed = || {
            let raw = std::task::RawWaker::new(std::ptr::from_ref(&token).cast(), &BORROWED);
            // SAFETY: the vtable's functions keep the `RawWaker` contract;
            // `token` outlives every borrowed waker made here.
            unsafe { Waker::from_raw(raw) }
        };
        let mut entry = pin!(TimerEntry::new());
        let waker = borrowed();
        let _ = time.arm(entry.as_mut(), 0, 10, &Context::from_waker(&waker));
        assert!(time
            .poll_armed(entry.as_mut(), &Context::from_waker(&waker))
            .is_pending());
        // Another task's token at the same address.
        *token.0.lock().unwrap() = second.clone();
        assert!(time
            .poll_armed(entry.as_mut(), &Context::from_waker(&waker))
            .is_pending());
        assert_eq!(fire(&time, 0, 10), 1);
        assert_eq!(first.wakes.load(Relaxed), 0);
        assert_eq!(
            second.wakes.load(Relaxed),
            1,
            "the last poll's waker was never woken"
        );
    }

    #[test]
    fn arming_earlier_than_the_parked_driver_wakes_it() {
        let time = TimeHandle::new(3);
        let (_count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut late = pin!(TimerEntry::new());
        let _ = time.arm(late.as_mut(), 0, 100, &cx);
        assert_eq!(time.park_deadline(), 100);
        let mut later = pin!(TimerEntry::new());
        assert!(
            !time.arm(later.as_mut(), 1, 200, &cx).driver,
            "after the driver's deadline"
        );
        let mut early = pin!(TimerEntry::new());
        assert!(time.arm(early.as_mut(), 2, 50, &cx).driver, "before it");
        let mut earlier = pin!(TimerEntry::new());
        assert!(
            !time.arm(earlier.as_mut(), 2, 60, &cx).driver,
            "not its wheel's earliest"
        );
        // Reset earlier than the driver's deadline: wakes it too.
        assert!(time.reset(later.as_mut(), 10).driver);
        time.unparked();
        let mut awake = pin!(TimerEntry::new());
        assert!(
            !time.arm(awake.as_mut(), 0, 1, &cx).driver,
            "no driver is parked"
        );
        for entry in [late, later, early, earlier, awake] {
            let mut entry = entry;
            time.cancel(entry.as_mut());
        }
        assert_eq!(time.entries(), 0);
    }

    #[test]
    fn others_fire_a_wheel_only_when_it_is_overdue() {
        let time = TimeHandle::new(3);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut entries: Vec<_> = (0..3).map(|_| Box::pin(TimerEntry::new())).collect();
        for (wheel, entry) in entries.iter_mut().enumerate() {
            let _ = time.arm(entry.as_mut(), wheel, 10, &cx);
        }
        let mut fired = Vec::new();
        // A busy worker 0 at tick 10: its own wheel and the one off the
        // workers (2), not worker 1's, which is not overdue yet.
        time.fire_due(Some(0), 10, true, &mut fired);
        assert_eq!(fired.len(), 2);
        time.fire_due(Some(0), 10 + GRACE, true, &mut fired);
        assert_eq!(fired.len(), 3);
        fired.into_iter().for_each(Waker::wake);
        assert_eq!(count.wakes.load(Relaxed), 3);
        // A parked driver fires everything due, at once.
        for (wheel, entry) in entries.iter_mut().enumerate() {
            assert!(time.poll_armed(entry.as_mut(), &cx).is_ready());
            let _ = time.arm(entry.as_mut(), wheel, 20, &cx);
        }
        let mut fired = Vec::new();
        time.fire_due(None, 20, false, &mut fired);
        assert_eq!(fired.len(), 3);
    }

    /// Timers armed on one thread are reset (later and earlier) and dropped
    /// on others while a third fires their wheel: each timer left fires
    /// exactly once, never before its last deadline; no dropped one fires;
    /// the wheel ends empty.
    #[test]
    fn resets_and_drops_on_other_threads_racing_the_firer() {
        let n = if cfg!(miri) { 12 } else { 600 };
        let time = StdArc::new(TimeHandle::new(2));
        let wakes: Vec<_> = (0..n).map(|_| counter()).collect();
        let mut entries: Vec<_> = (0..n).map(|_| Box::pin(TimerEntry::new())).collect();
        for (i, entry) in entries.iter_mut().enumerate() {
            let cx = Context::from_waker(&wakes[i].1);
            let _ = time.arm(entry.as_mut(), 0, 10 + (i as u64 % 50), &cx);
        }
        let stop = StdArc::new(std::sync::atomic::AtomicBool::new(false));
        let firer = {
            let (time, stop) = (time.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut now = 0;
                while !stop.load(Relaxed) {
                    now = (now + 1).min(40);
                    let mut fired = Vec::new();
                    time.fire(0, now, &mut fired);
                    fired.into_iter().for_each(Waker::wake);
                    std::thread::yield_now();
                }
            })
        };
        // Each entry goes to one of two threads, which resets (to 100 or
        // more: later than any tick the firer reaches, or to 5: earlier) or
        // drops it. A reset timer is fired below, past its deadline.
        let (tx, rx) = std::sync::mpsc::channel();
        let workers: Vec<_> = [0, 1]
            .into_iter()
            .map(|side| {
                let time = time.clone();
                let mine: Vec<_> = entries
                    .drain(..n / 2)
                    .enumerate()
                    .map(|(j, e)| (j + side * n / 2, e))
                    .collect();
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for (i, mut entry) in mine {
                        let plan = match i % 3 {
                            0 => Some(100 + i as u64),
                            1 => Some(5),
                            _ => None,
                        };
                        match plan {
                            Some(tick) => {
                                let _ = time.reset(entry.as_mut(), tick);
                                tx.send((i, tick, entry)).unwrap();
                            }
                            None => time.cancel(entry.as_mut()),
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        for worker in workers {
            worker.join().unwrap();
        }
        stop.store(true, Relaxed);
        firer.join().unwrap();
        let kept: Vec<_> = rx.into_iter().collect();
        let woken = |i: usize| wakes[i].0.wakes.load(Relaxed);
        // A later reset that won its race is filed again at 100 or more:
        // nothing up to tick 99 fires it.
        let mut fired = Vec::new();
        time.fire(0, 99, &mut fired);
        fired.drain(..).for_each(Waker::wake);
        for (i, tick, entry) in &kept {
            if *tick >= 100 && entry.is_armed() {
                assert_eq!(woken(*i), 0, "timer {i} fired before its deadline {tick}");
            }
        }
        time.fire(0, u64::MAX - 1, &mut fired);
        fired.into_iter().for_each(Waker::wake);
        for (i, _, mut entry) in kept {
            let cx = Context::from_waker(&wakes[i].1);
            if entry.is_armed() {
                assert!(time.poll_armed(entry.as_mut(), &cx).is_ready(), "timer {i}");
            }
            assert_eq!(woken(i), 1, "timer {i} fired once");
        }
        for i in (2..n).step_by(3) {
            assert!(woken(i) <= 1, "dropped timer {i} woken {} times", woken(i));
        }
        assert_eq!(time.entries(), 0);
    }

    #[test]
    fn shutdown_fires_everything_and_refuses_new_timers() {
        let time = TimeHandle::new(2);
        let (count, waker) = counter();
        let cx = Context::from_waker(&waker);
        let mut a = pin!(TimerEntry::new());
        let mut b = pin!(TimerEntry::new());
        let _ = time.arm(a.as_mut(), 0, 10, &cx);
        let _ = time.arm(b.as_mut(), 1, entry::MAX_TICK, &cx);
        let _ = time.reset(a.as_mut(), 1_000);
        let mut fired = Vec::new();
        time.shutdown(&mut fired);
        fired.into_iter().for_each(Waker::wake);
        assert_eq!(count.wakes.load(Relaxed), 2);
        assert!(time.is_shutdown());
        assert_eq!(time.entries(), 0);
        time.cancel(a.as_mut());
        time.cancel(b.as_mut());
        let mut c = pin!(TimerEntry::new());
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = time.arm(c.as_mut(), 0, 5, &cx);
        }));
        assert!(panic.is_err(), "armed after shutdown");
        assert_eq!(time.entries(), 0);
    }
}
