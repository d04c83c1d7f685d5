//! The task state word: every lifecycle flag and the reference count in one
//! `AtomicUsize`, changed only by single read-modify-write operations.
//!
//! # Bits
//!
//! | bit | name | meaning |
//! |---|---|---|
//! | 0 | `RUNNING` | a thread owns the future: polling, cancelling or shutting it down |
//! | 1 | `COMPLETE` | the future is gone and the stage holds the output (or error) |
//! | 2 | `NOTIFIED` | the task is scheduled: a `Notified` reference sits in a queue, or will when the current poll ends |
//! | 3 | `CANCELLED` | `abort` or shutdown asked for the future to be dropped |
//! | 4 | `JOIN_INTEREST` | the `JoinHandle` is alive and will take the output |
//! | 5 | `JOIN_WAKER` | the join waker slot is written and belongs to the runtime side |
//! | 6.. | reference count | in units of `REF_ONE` |
//!
//! References are held by: the owned-task list (one), the `JoinHandle`
//! (one), each queued `Notified` (one), each waker (one), and the running
//! poll (the `Notified` it consumed). The allocation is freed when the count
//! reaches zero.
//!
//! # Orderings
//!
//! Every transition uses `AcqRel`: a transition both publishes what its
//! thread did to the task (the stage, the join waker) and acquires what the
//! previous owner did. Reference decrements are `AcqRel` so that the thread
//! that frees the task sees every other thread's last use of it.

use std::fmt;

use crate::primitives::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;

/// `RUNNING` or `COMPLETE`: either means no one else may take the future.
const LIFECYCLE: usize = RUNNING | COMPLETE;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MASK: usize = !(REF_ONE - 1);

/// A new spawned task: queued once, with a `JoinHandle`, and three
/// references (owned list, `Notified`, `JoinHandle`).
const INITIAL_SPAWNED: usize = NOTIFIED | JOIN_INTEREST | (3 * REF_ONE);
/// A new blocking task: not in the owned list, so two references.
const INITIAL_BLOCKING: usize = NOTIFIED | JOIN_INTEREST | (2 * REF_ONE);

/// The atomic state word of one task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What `transition_to_running` found.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Success,
    /// The future must be dropped instead of polled.
    Cancelled,
    /// Someone else owns the future, or it is gone; the notification's
    /// reference was dropped.
    Failed,
    /// As `Failed`, and that was the last reference.
    Dealloc,
}

/// What `transition_to_idle` found.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; the running reference was dropped.
    Ok,
    /// Idle, but woken during the poll: a reference was taken for the new
    /// notification; the caller schedules it, then drops its running
    /// reference (holding it across the call keeps the task alive while the
    /// scheduler, which lives in the task, is in use).
    OkNotified,
    /// Idle, and the running reference was the last.
    OkDealloc,
    /// Cancelled during the poll: still running; drop the future.
    Cancelled,
}

/// What a wake asks the caller to do.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing: running, already notified, or complete.
    DoNothing,
    /// Schedule the task: a reference for the `Notified` was taken.
    Submit,
    /// Nothing to schedule, and the caller's reference was the last.
    Dealloc,
}

impl State {
    pub(crate) fn new_spawned() -> State {
        State(AtomicUsize::new(INITIAL_SPAWNED))
    }

    pub(crate) fn new_blocking() -> State {
        State(AtomicUsize::new(INITIAL_BLOCKING))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Applies `f` until the compare-and-swap sticks; `f` returns the new
    /// value (or `None` to leave the word alone) and the outcome.
    #[inline]
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut current = self.0.load(Acquire);
        loop {
            let (out, next) = f(Snapshot(current));
            let Some(next) = next else { return out };
            match self
                .0
                .compare_exchange_weak(current, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => current = actual,
            }
        }
    }

    /// A worker took a `Notified` from a queue: claim the future.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_notified(), "polling a task that is not notified");
            if s.0 & LIFECYCLE != 0 {
                // Someone else owns the future or it is gone: drop the
                // notification's reference instead.
                s.ref_dec();
                let out = if s.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                return (out, Some(s));
            }
            s.0 = (s.0 | RUNNING) & !NOTIFIED;
            let out = if s.is_cancelled() {
                ToRunning::Cancelled
            } else {
                ToRunning::Success
            };
            (out, Some(s))
        })
    }

    /// The poll returned `Pending`: release the future.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                s.ref_inc();
                return (ToIdle::OkNotified, Some(s));
            }
            s.ref_dec();
            let out = if s.ref_count() == 0 {
                ToIdle::OkDealloc
            } else {
                ToIdle::Ok
            };
            (out, Some(s))
        })
    }

    /// The output is stored: `RUNNING → COMPLETE` in one flip. Returns the
    /// state after the flip.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// A waker that is consumed by the wake (`Waker::wake`), carrying one
    /// reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_running() {
                // The poll in progress will see `NOTIFIED` and reschedule;
                // the waker's reference is dropped (the running one remains).
                s.0 |= NOTIFIED;
                s.ref_dec();
                debug_assert!(s.ref_count() > 0);
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                let out = if s.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (out, Some(s))
            } else {
                // A new reference for the notification; the caller drops the
                // waker's after scheduling, so the task outlives the call.
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// A wake through a borrowed waker (`Waker::wake_by_ref`).
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `JoinHandle::abort`: mark cancelled, and schedule the task if it is
    /// idle so that a worker drops its future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_cancelled() || s.is_complete() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() || s.is_notified() {
                // The poll in progress, or the queued notification, will see
                // `CANCELLED`.
                s.0 |= CANCELLED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= CANCELLED | NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// Runtime shutdown: mark cancelled, and claim the future if no one owns
    /// it. Returns whether the caller now owns it (and must drop it).
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut s| {
            let claimed = s.0 & LIFECYCLE == 0;
            if claimed {
                s.0 |= RUNNING;
            }
            s.0 |= CANCELLED;
            (claimed, Some(s))
        })
    }

    /// The `JoinHandle` is dropped. `Err` if the task is complete, in which
    /// case the handle's side must drop the output.
    pub(crate) fn unset_join_interested(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 &= !JOIN_INTEREST;
            (Ok(()), Some(s))
        })
    }

    /// Hands the freshly written join waker slot to the runtime side. `Err`
    /// if the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 |= JOIN_WAKER;
            (Ok(()), Some(s))
        })
    }

    /// Takes the join waker slot back from the runtime side, to replace it.
    /// `Err` if the task completed meanwhile.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 &= !JOIN_WAKER;
            (Ok(()), Some(s))
        })
    }

    /// Adds a reference (a waker clone).
    pub(crate) fn ref_inc(&self) {
        // Relaxed would do for a pure increment (the caller already holds a
        // reference); AcqRel keeps every access to the word uniform.
        let prev = self.0.fetch_add(REF_ONE, AcqRel);
        if prev > isize::MAX as usize {
            std::process::abort(); // reference count overflow
        }
    }

    /// Drops `count` references; returns whether they were the last.
    pub(crate) fn ref_dec(&self, count: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count);
        prev.ref_count() == count
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }

    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }

    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }

    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }

    pub(crate) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) >> REF_SHIFT
    }

    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }

    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interested", &self.is_join_interested())
            .field("join_waker_set", &self.is_join_waker_set())
            .field("ref_count", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(taskcell_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_task_runs_wakes_and_completes() {
        let state = State::new_spawned();
        assert_eq!(state.load().ref_count(), 3);
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        // Woken by reference while running: no submit, but rescheduled.
        assert_eq!(state.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(state.transition_to_idle(), ToIdle::OkNotified);
        assert_eq!(
            state.load().ref_count(),
            4,
            "a reference for the notification"
        );
        assert!(!state.ref_dec(1), "the poller drops its running reference");
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        let done = state.transition_to_complete();
        assert!(done.is_complete() && !done.is_running() && done.is_join_interested());
        // A late wake is a no-op.
        assert_eq!(state.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(state.unset_join_interested(), Err(state.load()));
        assert!(!state.ref_dec(2));
        assert!(state.ref_dec(1));
    }

    #[test]
    fn abort_of_an_idle_task_schedules_it_cancelled() {
        let state = State::new_spawned();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert_eq!(state.transition_to_idle(), ToIdle::Ok);
        assert_eq!(
            state.transition_to_notified_and_cancel(),
            ToNotified::Submit
        );
        assert_eq!(
            state.transition_to_notified_and_cancel(),
            ToNotified::DoNothing
        );
        assert_eq!(state.transition_to_running(), ToRunning::Cancelled);
    }

    #[test]
    fn abort_while_running_is_seen_at_idle() {
        let state = State::new_spawned();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert_eq!(
            state.transition_to_notified_and_cancel(),
            ToNotified::DoNothing
        );
        assert_eq!(state.transition_to_idle(), ToIdle::Cancelled);
        assert!(state.load().is_running());
    }

    #[test]
    fn a_stale_notification_fails_to_run() {
        let state = State::new_spawned();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        state.ref_inc(); // a waker
        assert_eq!(state.transition_to_notified_by_val(), ToNotified::DoNothing);
        state.transition_to_complete();
        assert!(state.load().is_complete());
        assert!(
            !state.transition_to_shutdown(),
            "complete: nothing to claim"
        );
    }

    #[test]
    fn shutdown_claims_an_idle_task() {
        let state = State::new_spawned();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert_eq!(state.transition_to_idle(), ToIdle::Ok);
        assert!(state.transition_to_shutdown());
        assert!(state.load().is_running() && state.load().is_cancelled());
    }
}
