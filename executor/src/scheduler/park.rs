//! [`Parker`]: puts one worker to sleep until another wakes it, with no
//! lost wake-up — an `unpark` that comes first makes the next `park` return
//! at once.
//!
//! A worker sleeps in one of two places (tokio's `park.rs` has the same
//! shape): *in the driver*, blocked in the OS poller, if no other worker is
//! driving; otherwise on its own condition variable. The state word says
//! which, so that `unpark` knows whether to write the driver's waker or
//! notify the condition variable. The first worker to sleep on its
//! condition variable while another holds the driver watches the timers
//! for it: see [`Parker::park_on`].

use std::sync::Arc as StdArc;
use std::task::Wake;
use std::time::Instant;

use crate::driver::{self, Unpark};
use crate::primitives::{Arc, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, Ordering::SeqCst};

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
    /// A worker (`me`, its index) that finds the driver taken becomes the
    /// timers' watcher if there is none yet: it sleeps on its condition
    /// variable only until the earliest deadline of every wheel, and an
    /// earlier timer armed meanwhile wakes it (`driver/time`, rule 6).
    pub(crate) fn park_on(&self, driver: &driver::Handle, me: Option<usize>) -> Parked {
        if self.take_notification() {
            return Parked::Not;
        }
        let Some(mut core) = driver.try_lock() else {
            let Some(me) = me else {
                self.park();
                return Parked::Condvar;
            };
            let (watches, until) = driver.sleep_on_condvar(me);
            self.park_until(until);
            driver.woke_on_condvar(me, watches);
            return if watches {
                Parked::Watcher
            } else {
                Parked::Condvar
            };
        };
        match self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.store(EMPTY, SeqCst);
                return Parked::Not;
            }
            Err(actual) => unreachable!("parker state {actual} while parking"),
        }
        driver.turn(&mut core, None, None);
        // NOTIFIED (an unpark wrote the waker) or PARKED_DRIVER (events or a
        // timer ended the turn): either way, awake now.
        self.state.swap(EMPTY, SeqCst);
        Parked::Driver
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
        self.park_until(None);
    }

    /// `park`, returning by itself at `deadline` if one is given.
    fn park_until(&self, deadline: Option<Instant>) {
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
            match deadline {
                None => self.cvar.wait(&mut guard),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // Time is up; an unpark that came meanwhile (state
                        // NOTIFIED, its notify waiting for our lock) is
                        // taken with it.
                        self.state.swap(EMPTY, SeqCst);
                        return;
                    }
                    let _ = self.cvar.wait_for(&mut guard, deadline - now);
                }
            }
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

/// Where a [`Parker::park_on`] slept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parked {
    /// Nowhere: an `unpark` had come first.
    Not,
    /// In the driver.
    Driver,
    /// On its condition variable, as the timers' watcher.
    Watcher,
    /// On its condition variable.
    Condvar,
}

/// The waker of a `block_on`'s root future: marks it woken and unparks
/// the thread blocked in `block_on`.
pub(crate) struct RootWaker {
    woken: AtomicBool,
    pub(crate) parker: Arc<Parker>,
}

impl RootWaker {
    /// A root waker over a parker of its own, and the `Waker` for it.
    pub(crate) fn standalone() -> (StdArc<RootWaker>, std::task::Waker) {
        let root = StdArc::new(RootWaker::new(Arc::new(Parker::new())));
        let waker = std::task::Waker::from(StdArc::clone(&root));
        (root, waker)
    }

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
