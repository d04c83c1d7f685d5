//! [`Parker`]: puts one worker to sleep until another wakes it, with no
//! lost wake-up — an `unpark` that comes first makes the next `park` return
//! at once.
//!
//! A worker sleeps in one of two places (tokio's `park.rs` has the same
//! shape): *in the driver*, blocked in the OS poller, if no other worker is
//! driving; otherwise on its own condition variable. The state word says
//! which, so that `unpark` knows whether to write the driver's waker or
//! notify the condition variable.

use std::sync::Arc as StdArc;
use std::task::Wake;

use crate::driver::{self, Unpark};
use crate::sync::{
    fence, Arc, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, Ordering::SeqCst,
};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// Parks one thread; see the module docs.
#[derive(Debug)]
pub struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    /// Wakes the driver when this thread sleeps in it.
    driver: Option<StdArc<Unpark>>,
}

impl Parker {
    /// A parker with no pending notification, that only ever sleeps on its
    /// condition variable.
    pub fn new() -> Parker {
        Parker::with_driver(None)
    }

    /// A parker that may also sleep in the driver whose waker is `driver`.
    pub(crate) fn with_driver(driver: Option<StdArc<Unpark>>) -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
            driver,
        }
    }

    /// Blocks until `unpark` is called, or returns at once if it was called
    /// since the last `park`: in `driver` if this thread can take it (then
    /// the turn's events and timers wake their tasks on this thread, and it
    /// may also return because of them), otherwise on the condition
    /// variable.
    ///
    /// With `handoff` (this worker's index among those that share it), a
    /// parker that finds the driver taken asks to be woken when it is let
    /// go ([`Handoff`]). Returns whether it slept in the driver.
    pub(crate) fn park_on(
        &self,
        driver: &driver::Handle,
        handoff: Option<(&Handoff, usize)>,
    ) -> bool {
        if self.take_notification() {
            return false;
        }
        let handoff = handoff.filter(|_| driver.is_enabled());
        let mut core = loop {
            let seen = handoff.map(|(handoff, _)| handoff.releases());
            if let Some(core) = driver.try_lock() {
                break core;
            }
            match (handoff, seen) {
                (Some((handoff, me)), Some(seen)) if !handoff.want(me, seen) => continue,
                _ => {
                    self.park();
                    return false;
                }
            }
        };
        match self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.store(EMPTY, SeqCst);
                return false;
            }
            Err(actual) => unreachable!("parker state {actual} while parking"),
        }
        driver.turn(&mut core, None, None);
        // NOTIFIED (an unpark wrote the waker) or PARKED_DRIVER (events or a
        // timer ended the turn): either way, awake now.
        self.state.swap(EMPTY, SeqCst);
        true
    }

    fn take_notification(&self) -> bool {
        // SeqCst throughout: the state is a three-party handshake (parker,
        // unparker, lock or driver), kept simple.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }

    /// Blocks on the condition variable until `unpark` is called, or
    /// returns at once if it was called since the last `park`. Spurious
    /// condvar wake-ups are absorbed.
    pub fn park(&self) {
        if self.take_notification() {
            return;
        }
        let mut guard = self.lock.lock();
        match self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Notified between the fast path and taking the lock.
                self.state.store(EMPTY, SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker state {actual} while parking"),
        }
        loop {
            self.cvar.wait(&mut guard);
            if self.take_notification() {
                return;
            }
        }
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders this notify after the parker's
                // `wait` began: it cannot be missed.
                drop(self.lock.lock());
                self.cvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(waker) = &self.driver {
                    // An error means the poller is gone, and no one is
                    // blocked in it.
                    let _ = waker.wake();
                }
            }
            actual => unreachable!("parker state {actual} while unparking"),
        }
    }
}

/// The worker that wants the driver when its holder lets go of it: one that
/// found it taken when it went to sleep, and sleeps on its condition
/// variable instead. Without it, a worker could sleep there while the
/// holder, done with its look at the driver, runs a task for a long time,
/// and the timers and sockets that only the driver sees would wait for it.
///
/// No lost hand-off: a would-be sleeper reads `releases`, fails to take the
/// driver, stores its want, issues a `SeqCst` fence and reads `releases`
/// again; a holder lets go, bumps `releases`, issues a `SeqCst` fence and
/// reads the want. Fence against fence, either the sleeper sees the release
/// (and tries the driver again) or the holder sees the want (and wakes it).
/// `loom-tests/tests/timers.rs` models it.
#[derive(Debug)]
pub(crate) struct Handoff {
    /// The worker that wants the driver, plus one; 0: none.
    want: AtomicUsize,
    /// How many times the driver was let go.
    releases: AtomicUsize,
}

impl Handoff {
    /// Nobody wants the driver.
    pub(crate) fn new() -> Handoff {
        Handoff {
            want: AtomicUsize::new(0),
            releases: AtomicUsize::new(0),
        }
    }

    /// How many times the driver was let go: read before trying to take it.
    fn releases(&self) -> usize {
        self.releases.load(SeqCst)
    }

    /// Worker `worker` found the driver taken, having read `seen` releases
    /// before it tried: it asks for the driver. Returns false if the driver
    /// was let go meanwhile (then it tries again instead).
    fn want(&self, worker: usize, seen: usize) -> bool {
        self.want.store(worker + 1, SeqCst);
        fence(SeqCst);
        if self.releases.load(SeqCst) == seen {
            return true;
        }
        let _ = self.want.compare_exchange(worker + 1, 0, SeqCst, SeqCst);
        false
    }

    /// After letting go of the driver: the worker to wake, if one wants it.
    #[inline]
    pub(crate) fn released(&self) -> Option<usize> {
        self.releases.fetch_add(1, SeqCst);
        fence(SeqCst);
        if self.want.load(SeqCst) == 0 {
            return None;
        }
        self.want.swap(0, SeqCst).checked_sub(1)
    }
}

/// The waker of a `block_on`'s root future: marks it woken and unparks
/// the thread blocked in `block_on`.
pub(crate) struct RootWaker {
    woken: AtomicBool,
    pub(crate) parker: Arc<Parker>,
}

impl RootWaker {
    pub(crate) fn new(parker: Arc<Parker>) -> RootWaker {
        RootWaker {
            woken: AtomicBool::new(true),
            parker,
        }
    }

    pub(super) fn take_woken(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    pub(super) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

impl Wake for RootWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.parker.unpark();
    }
}
