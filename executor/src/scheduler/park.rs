//! [`Parker`]: puts one thread to sleep until another wakes it, with no
//! lost wake-up — an `unpark` that comes first makes the next `park` return
//! at once.

use crate::sync::{AtomicUsize, Condvar, Mutex, Ordering::SeqCst};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// Parks one thread; see the module docs.
#[derive(Debug)]
pub struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    /// A parker with no pending notification.
    pub fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
        }
    }

    /// Blocks until `unpark` is called, or returns at once if it was called
    /// since the last `park`. Spurious condvar wake-ups are absorbed.
    pub fn park(&self) {
        // Fast path: a pending notification. SeqCst throughout: the state is
        // a three-party handshake (parker, unparker, lock), kept simple.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
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
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the parker's
                // `wait` began: it cannot be missed.
                drop(self.lock.lock());
                self.cvar.notify_one();
            }
            actual => unreachable!("parker state {actual} while unparking"),
        }
    }
}
