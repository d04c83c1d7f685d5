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
use crate::sync::{Arc, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, Ordering::SeqCst};

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
    pub(crate) fn park_on(&self, driver: &driver::Handle) {
        if self.take_notification() {
            return;
        }
        let Some(mut core) = driver.try_lock() else {
            return self.park();
        };
        match self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.store(EMPTY, SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker state {actual} while parking"),
        }
        driver.turn(&mut core, None);
        // NOTIFIED (an unpark wrote the waker) or PARKED_DRIVER (events or a
        // timer ended the turn): either way, awake now.
        self.state.swap(EMPTY, SeqCst);
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
