//! [`AtomicWaker`]: one waker slot that a task fills and the driver empties,
//! with no lock.
//!
//! The protocol is the classic one (futures' `AtomicWaker`, tokio's
//! `sync/task/atomic_waker.rs`): a state word with a `REGISTERING` and a
//! `WAKING` bit.
//!
//! 1. `register` moves the state from `WAITING` to `REGISTERING`, stores the
//!    waker, then moves back to `WAITING`. If a `wake` came meanwhile (the
//!    state went to `REGISTERING | WAKING`), it takes the waker back out and
//!    wakes it itself: that wake-up is not lost.
//! 2. `wake` sets `WAKING`; if the state was `WAITING`, it owns the slot
//!    until it clears the bit, takes the waker and wakes it outside.
//! 3. The slot is touched only by whoever moved the state out of `WAITING`
//!    (rules 1 and 2), so at most one thread touches it at a time. Both
//!    moves are `AcqRel` read-modify-writes of one word, so each owner
//!    happens-after the previous one.
//!
//! 4. A `register` that replaces a *different* waker hands the old one back
//!    to its caller rather than dropping it: the slot holds one waiter, and
//!    a caller that lets several tasks wait (a socket's `ScheduledIo`) keeps
//!    the others elsewhere. If a `wake` came while registering, both the
//!    new and the old waker are woken: that wake-up was meant for whoever
//!    waited.
//!
//! 5. A `register` whose waker's `clone` panics leaves the slot as it was
//!    and moves the state back before the panic goes on, so the slot keeps
//!    working for every other waiter.
//!
//! For readiness: the driver sets the readiness word, then calls `wake`; a
//! task calls `register`, then reads the readiness word. Both `AcqRel`
//! operations hit this state word, so either `wake` finds the new waker, or
//! the task's read after `register` finds the readiness (loom models this
//! in `loom-tests/tests/driver.rs`).

use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::task::Waker;

use crate::primitives::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire, UnsafeCell};

const WAITING: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

/// A waker slot for one waiting task; see the module docs.
pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the slot is only touched by the thread that moved the state out of
// `WAITING` (rule 3), and `Waker` is `Send + Sync`.
unsafe impl Send for AtomicWaker {}
// SAFETY: as for `Send`.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    pub(crate) fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Makes `waker` the one the next [`wake`](Self::wake) wakes, and
    /// returns the different waker it replaced, if any (rule 4).
    #[must_use = "a replaced waker still waits: wake it or keep it"]
    pub(crate) fn register(&self, waker: &Waker) -> Option<Waker> {
        match self
            .state
            .compare_exchange(WAITING, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // A foreign waker's `clone` may panic: the state must still
                // go back to `WAITING` (rule 5), or the slot would be stuck.
                let mut cloned = Ok(());
                // SAFETY: rule 1 — the state is `REGISTERING`: only this
                // thread touches the slot.
                let old = self.waker.with_mut(|slot| unsafe {
                    match &mut *slot {
                        Some(current) if current.will_wake(waker) => None,
                        slot => match catch_unwind(AssertUnwindSafe(|| waker.clone())) {
                            Ok(new) => slot.replace(new),
                            Err(panic) => {
                                cloned = Err(panic);
                                None
                            }
                        },
                    }
                });
                let old = match self
                    .state
                    .compare_exchange(REGISTERING, WAITING, AcqRel, Acquire)
                {
                    Ok(_) => old,
                    Err(actual) => {
                        // A `wake` came while registering: it left the waker
                        // to us (rule 1), and the replaced one waited for it
                        // too (rule 4).
                        debug_assert_eq!(actual, REGISTERING | WAKING);
                        // SAFETY: rule 1 — the state still holds
                        // `REGISTERING`; no one else touches the slot.
                        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                        self.state.swap(WAITING, AcqRel);
                        for waker in [old, waker].into_iter().flatten() {
                            crate::task::wake_contained(waker);
                        }
                        None
                    }
                };
                if let Err(panic) = cloned {
                    // The slot is consistent again; the registering task
                    // sees its waker's panic.
                    drop(old);
                    resume_unwind(panic);
                }
                old
            }
            Err(_) => {
                // A wake is under way and may have taken an older waker, or
                // another `register` holds the slot at this instant: wake
                // this one so that its task polls (and registers) again.
                waker.wake_by_ref();
                None
            }
        }
    }

    /// Wakes the registered waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.take() {
            // It may be a foreign executor's waker: a panic in it stays
            // there (`task` module, rule 7).
            crate::task::wake_contained(waker);
        }
    }

    /// Takes the registered waker out, if any, leaving the slot empty.
    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, AcqRel) {
            WAITING => {
                // SAFETY: rule 2 — this thread moved the state out of
                // `WAITING`: it alone touches the slot.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, AcqRel);
                waker
            }
            // A `register` is under way and will see `WAKING` (rule 1), or
            // another wake owns the slot.
            _ => None,
        }
    }
}

impl fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicWaker").finish_non_exhaustive()
    }
}
