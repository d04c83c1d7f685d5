//! [`Lend`]: a worker's core lent to another thread for the length of a
//! `block_in_place`, and taken back after.
//!
//! tokio's `block_in_place` gives the core away for good: the worker thread
//! finishes its task without one and leaves the pool, and a new thread
//! carries the core on (`multi_thread/worker.rs`). Here the core is lent:
//! the worker's own stack frames still hold it (`&Core` in its loop and in
//! `Core::run_task`), so the thread takes it back once the task's poll is
//! over, before `run_task` touches the core again, and goes on as the
//! worker it was. Meanwhile the rest of the poll runs as on a blocking
//! thread (`context::suspend_scheduler`).
//!
//! # Protocol
//!
//! The lender (the worker thread that calls `block_in_place`) makes the
//! offer and starts a borrower (a blocking-pool thread). Then:
//!
//! 1. **The borrower takes the offer** ([`Lend::take`]) only if it still
//!    stands; from then until [`Lend::give_back`] it alone touches the core.
//! 2. **The lender stops touching the core** from the offer until
//!    [`Lend::take_back`] returns. `take_back` withdraws an offer not yet
//!    taken (the borrower will then never touch the core), or asks for the
//!    core back (`wanted`, then the caller's `hurry`, which unparks the
//!    borrower) and waits until it is given back.
//! 3. Every change of the state is made under the lock, so each side's
//!    last touch of the core happens-before the other side's first.
//! 4. Shutdown may withdraw an offer not yet taken
//!    ([`Lend::withdraw_at_shutdown`]): the borrower then takes nothing,
//!    and `take_back` finds the core returned at shutdown.
//!
//! `wanted` itself orders nothing: it only tells the borrower, between two
//! tasks, to finish; the hand-over is the lock's. The loom model
//! `loom-tests/tests/lend.rs` checks that the core is never touched by both
//! sides at once and that `take_back` always returns.

use crate::primitives::{AtomicBool, Condvar, Mutex, Ordering};

/// Where a lent core is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Offered; the borrower has not taken it yet.
    Offered,
    /// The borrower runs it.
    Taken,
    /// Given back; `at_shutdown` if the runtime had begun to shut down.
    Returned { at_shutdown: bool },
    /// The lender took the offer back before the borrower came.
    Withdrawn,
}

/// A core on loan; see the module docs.
#[derive(Debug)]
pub struct Lend {
    state: Mutex<State>,
    returned: Condvar,
    /// Set when the lender wants the core back (rule 2).
    wanted: AtomicBool,
}

impl Lend {
    /// A standing offer.
    pub fn new() -> Lend {
        Lend {
            state: Mutex::new(State::Offered),
            returned: Condvar::new(),
            wanted: AtomicBool::new(false),
        }
    }

    /// The borrower: takes the core if the offer stands (rule 1).
    pub fn take(&self) -> bool {
        let mut state = self.state.lock();
        if *state == State::Offered {
            *state = State::Taken;
            true
        } else {
            false
        }
    }

    /// Shutdown: withdraws an offer no borrower has taken, as if given
    /// back at shutdown (the borrower, if it comes, takes nothing). Whether
    /// it did.
    pub fn withdraw_at_shutdown(&self) -> bool {
        let mut state = self.state.lock();
        if *state == State::Offered {
            *state = State::Returned { at_shutdown: true };
            drop(state);
            self.returned.notify_all();
            true
        } else {
            false
        }
    }

    /// The borrower, between tasks: whether to give the core back now.
    #[inline]
    pub fn is_wanted(&self) -> bool {
        self.wanted.load(Ordering::Relaxed)
    }

    /// The borrower: gives the core back; it touches it no more (rule 1).
    pub fn give_back(&self, at_shutdown: bool) {
        let mut state = self.state.lock();
        debug_assert_eq!(*state, State::Taken);
        *state = State::Returned { at_shutdown };
        drop(state);
        self.returned.notify_all();
    }

    /// The lender: withdraws the offer, or asks for the core (calling
    /// `hurry` to wake the borrower) and waits for it (rule 2). Returns
    /// whether the borrower gave it back because the runtime was shutting
    /// down.
    pub fn take_back(&self, hurry: impl FnOnce()) -> bool {
        let mut state = self.state.lock();
        match *state {
            State::Offered => {
                *state = State::Withdrawn;
                return false;
            }
            State::Taken => {}
            State::Returned { at_shutdown } => return at_shutdown,
            State::Withdrawn => unreachable!("a lent core taken back twice"),
        }
        self.wanted.store(true, Ordering::Relaxed);
        drop(state);
        hurry();
        let mut state = self.state.lock();
        loop {
            if let State::Returned { at_shutdown } = *state {
                return at_shutdown;
            }
            self.returned.wait(&mut state);
        }
    }
}
