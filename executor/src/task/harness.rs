//! The typed task operations behind the vtable: poll, complete, cancel,
//! read the output, drop the join handle, shut down, free.

use std::any::Any;
use std::future::Future;
use std::mem::{self, ManuallyDrop};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

use taskcell::{enter, EnterGuard};

use super::error::JoinError;
use super::raw::{Cell, Header, Notified, OutputSlot, Schedule, Stage, Task};
use super::state::{ToIdle, ToRunning};
use super::waker::waker_ref;

/// # Safety
///
/// `ptr` is a live task of type `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: guaranteed by the caller; `repr(C)` puts the header first.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Enters the task's id.
///
/// # Safety
///
/// The caller owns the future or the output (rules 1–2), keeps the guard
/// local, and drops it before giving that ownership up (rule 5).
unsafe fn enter_task(header: &Header) -> EnterGuard {
    // SAFETY: rule 5 — by rules 1–2 only the owner of the future or output
    // runs code for this task, one owner at a time, each happening-after the
    // previous one; the guard is dropped before ownership passes on.
    unsafe { enter(header.id) }
}

/// Polls the task for a worker that dequeued its `Notified`.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`, and the caller hands over the notification's
/// reference.
pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the task alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Success => {}
        ToRunning::Cancelled => {
            // SAFETY: rule 1 — `transition_to_running` set `RUNNING` for us.
            unsafe { cancel_and_complete::<F, S>(ptr) };
            return;
        }
        ToRunning::Failed => return,
        // SAFETY: rule 4 — the notification held the last reference.
        ToRunning::Dealloc => return unsafe { dealloc::<F, S>(ptr) },
    }
    // SAFETY: rule 1 — we own the future until we release `RUNNING`.
    let finished = unsafe { poll_future(ptr, cell) };
    if finished {
        // SAFETY: the output is stored and we still own the task.
        return unsafe { complete::<F, S>(ptr) };
    }
    // Rule 1: still ours, so the one writer of the stats. (A finished task
    // leaves the dumps at once: its last poll needs no stamp.)
    cell.header.record_poll(cell.scheduler.clock_ms());
    match cell.header.state.transition_to_idle() {
        ToIdle::Ok => {}
        ToIdle::OkNotified => {
            // SAFETY: rule 4 — the transition took a reference for the
            // notification; our running reference keeps the task (and the
            // scheduler inside it) alive across the call.
            let task = unsafe { Notified::from_raw(ptr) };
            cell.scheduler.yield_now(task);
            if cell.header.state.ref_dec(1) {
                // SAFETY: rule 4 — the running reference was the last.
                unsafe { dealloc::<F, S>(ptr) }
            }
        }
        // SAFETY: rule 4 — the running reference was the last.
        ToIdle::OkDealloc => unsafe { dealloc::<F, S>(ptr) },
        // SAFETY: rule 1 — still `RUNNING`, so still ours.
        ToIdle::Cancelled => unsafe { cancel_and_complete::<F, S>(ptr) },
    }
}

/// Polls the future once under the task's id. Returns true, with the output
/// (or the panic) stored, if it finished.
///
/// # Safety
///
/// The caller owns the future (rule 1).
unsafe fn poll_future<F: Future, S: Schedule>(ptr: NonNull<Header>, cell: &Cell<F, S>) -> bool {
    // The waker borrows the caller's reference: no count change per poll.
    // SAFETY: the task stays alive for the whole poll (we hold a reference).
    let waker = unsafe { waker_ref(ptr) };
    let mut cx = Context::from_waker(&waker);
    // SAFETY: rule 5 — we own the future; the guard is a local, dropped
    // before this function returns and so before `RUNNING` is released.
    let _entered = unsafe { enter_task(&cell.header) };
    // A future whose poll panics is dropped while the panic unwinds, as
    // tokio's: its `Drop` sees `thread::panicking()`, and what it holds
    // goes before anything else runs. The guard does it, and keeps what the
    // drop gave (a panic of its own is caught there, rule 7).
    let mut dropped_on_unwind: Option<std::thread::Result<()>> = None;
    let polled = catch_unwind(AssertUnwindSafe(|| {
        struct DropOnUnwind<'a, F: Future, S> {
            cell: &'a Cell<F, S>,
            dropped: &'a mut Option<std::thread::Result<()>>,
        }
        impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
            fn drop(&mut self) {
                // SAFETY: rule 1 — the poll that owned the stage has
                // unwound; we still own it, with the task's id entered.
                *self.dropped = Some(unsafe { drop_stage(self.cell) });
            }
        }
        let guard = DropOnUnwind {
            cell,
            dropped: &mut dropped_on_unwind,
        };
        let poll = cell.stage.with_mut(|stage| {
            // SAFETY: rule 1 — exclusive access to the stage.
            match unsafe { &mut *stage } {
                Stage::Running(future) => {
                    // SAFETY: the future is never moved: it lives in the heap
                    // cell until it is dropped in place (`drop_stage`).
                    let future = unsafe { Pin::new_unchecked(future) };
                    future.poll(&mut cx)
                }
                _ => unreachable!("a task was polled after its future was dropped"),
            }
        });
        // Returned: the future is dropped below if it finished.
        mem::forget(guard);
        poll
    }));
    let output = match polled {
        Ok(Poll::Pending) => return false,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => Err(JoinError::panic(&cell.header, panic)),
    };
    // Drop the future (still under the id) unless the unwind did, then
    // store the output. A panic from the future's `Drop` becomes the task's
    // result; the output it replaces is dropped here, contained (rule 7).
    let dropped = match dropped_on_unwind.take() {
        Some(dropped) => dropped,
        // SAFETY: rule 1.
        None => unsafe { drop_stage(cell) },
    };
    let output = match dropped {
        Ok(()) => output,
        Err(panic) => {
            drop_contained(output);
            Err(JoinError::panic(&cell.header, panic))
        }
    };
    // SAFETY: rule 1.
    unsafe { store(cell, Stage::Finished(output)) };
    true
}

/// How many panics in a row `drop_contained` catches from one value (a
/// payload whose `Drop` panics with a payload whose `Drop` panics, ...)
/// before it forgets the rest.
const MAX_NESTED_PANICS: usize = 8;

/// Drops `value` where a panic from its `Drop` cannot unwind into the
/// caller: a panic is caught and its payload dropped the same way; after
/// `MAX_NESTED_PANICS` in a row, the last payload is forgotten (rule 7).
pub(crate) fn drop_contained<T>(value: T) {
    let mut dropped = catch_unwind(AssertUnwindSafe(move || drop(value)));
    for _ in 0..MAX_NESTED_PANICS {
        match dropped {
            Ok(()) => return,
            Err(payload) => dropped = catch_unwind(AssertUnwindSafe(move || drop(payload))),
        }
    }
    if let Err(payload) = dropped {
        mem::forget(payload);
    }
}

/// Drops the panic payload, if any, of a caught `Drop` (rule 7).
fn discard(dropped: std::thread::Result<()>) {
    if let Err(payload) = dropped {
        drop_contained::<Box<dyn Any + Send>>(payload);
    }
}

/// Wakes a waker that may be the user's own (and drops it); a panic from
/// its `wake` or its drop is caught and its payload dropped (rule 7), and
/// does not unwind into the runtime.
pub(crate) fn wake_contained(waker: Waker) {
    discard(catch_unwind(AssertUnwindSafe(move || waker.wake())));
}

/// Drops the future or output in place, leaving `Consumed`, and catches a
/// panic from its `Drop`.
///
/// # Safety
///
/// The caller owns the stage (rules 1–2) and has the task's id entered.
unsafe fn drop_stage<F: Future, S>(cell: &Cell<F, S>) -> std::thread::Result<()> {
    cell.stage.with_mut(|stage| {
        /// Leaves the stage `Consumed` even if a `Drop` unwinds, so the
        /// dropped value is never dropped again.
        struct LeaveConsumed<F: Future>(*mut Stage<F>);
        impl<F: Future> Drop for LeaveConsumed<F> {
            fn drop(&mut self) {
                // SAFETY: the old value was dropped in place just before
                // (fully, even when a field's `Drop` unwound); the slot is
                // writable by the caller's ownership.
                unsafe { ptr::write(self.0, Stage::Consumed) }
            }
        }
        catch_unwind(AssertUnwindSafe(|| {
            let _leave = LeaveConsumed(stage);
            // SAFETY: owned by the caller; dropped in place, as pinning
            // requires of the future.
            unsafe { ptr::drop_in_place(stage) }
        }))
    })
}

/// # Safety
///
/// The caller owns the stage, which is `Consumed`.
unsafe fn store<F: Future, S>(cell: &Cell<F, S>, stage: Stage<F>) {
    // SAFETY: owned by the caller; `Consumed` needs no drop.
    cell.stage
        .with_mut(|slot| unsafe { ptr::write(slot, stage) });
}

/// Drops the future under the task's id, stores the cancellation (or the
/// panic from the future's `Drop`), and completes.
///
/// Takes the raw pointer, not a reference: the task may be freed before this
/// returns, which no reference argument may outlive.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`; the caller owns the future (rule 1) and one
/// reference, which this uses up.
unsafe fn cancel_and_complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: our reference keeps the task alive until `complete` drops it;
    // `cell` is not used after that.
    let cell = unsafe { cell::<F, S>(ptr) };
    let dropped = {
        // SAFETY: rule 5 — we own the future; the guard ends in this block.
        let _entered = unsafe { enter_task(&cell.header) };
        // SAFETY: rule 1.
        unsafe { drop_stage(cell) }
    };
    let error = match dropped {
        Ok(()) => JoinError::cancelled(&cell.header),
        Err(panic) => JoinError::panic(&cell.header, panic),
    };
    // SAFETY: rule 1.
    unsafe { store(cell, Stage::Finished(Err(error))) };
    // SAFETY: as required of this function.
    unsafe { complete::<F, S>(ptr) }
}

/// Publishes the stored output, wakes the joiner, leaves the owned list and
/// drops the running reference.
///
/// Takes the raw pointer, not a reference: the task may be freed before this
/// returns, which no reference argument may outlive.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`; the caller owns the task (`RUNNING`), the output
/// is stored, and the caller's reference is used up here.
unsafe fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: our reference keeps the task alive until the final `ref_dec`;
    // `cell` is not used after it.
    let cell = unsafe { cell::<F, S>(ptr) };
    let snapshot = cell.header.state.transition_to_complete();
    if !snapshot.is_join_interested() {
        // Rule 2: nobody will read the output; it is ours to drop.
        // SAFETY: rule 5 — we own the output; the guard ends in this block.
        let _entered = unsafe { enter_task(&cell.header) };
        // A panicking `Drop` of an output nobody wants is discarded,
        // contained (rule 7).
        // SAFETY: rule 2.
        discard(unsafe { drop_stage(cell) });
    } else if snapshot.is_join_waker_set() {
        // SAFETY: rule 3 — the slot is set and only read from now on.
        cell.join_waker.with(|waker| match unsafe { &*waker } {
            Some(waker) => discard(catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()))),
            None => unreachable!("JOIN_WAKER set without a waker"),
        });
    }
    // SAFETY: rule 4 — a borrowed view of our reference, never dropped.
    let task = ManuallyDrop::new(unsafe { Task::<S>::from_raw(ptr) });
    let released = match cell.scheduler.release(&task) {
        Some(list_ref) => {
            // Dropped together with ours below, in one decrement.
            let _ = list_ref.into_raw();
            2
        }
        None => 1,
    };
    if cell.header.state.ref_dec(released) {
        // SAFETY: rule 4 — those were the last references.
        unsafe { dealloc::<F, S>(ptr) }
    }
}

/// Queues the task through its scheduler (a wake that decided to submit).
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`; the caller hands over a reference for the
/// notification and holds another one until this returns, so the scheduler
/// inside the task outlives the call even if a worker runs and finishes the
/// task meanwhile.
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the task alive and moves into the
    // notification.
    let (cell, task) = unsafe { (cell::<F, S>(ptr), Notified::from_raw(ptr)) };
    cell.scheduler.schedule(task);
}

/// Frees the allocation.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>` whose last reference was just dropped.
pub(super) unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: rule 4 — no reference remains; the cell came from `Box::leak`.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    let leftover = cell.stage.with(|stage| {
        // SAFETY: no one else can reach the cell any more.
        !matches!(unsafe { &*stage }, Stage::Consumed)
    });
    debug_assert!(!leftover, "a task was freed with its future or output");
    if leftover {
        // Unreachable by rules 1-2; should it happen, the value is still
        // dropped under the task's id.
        // SAFETY: rule 5 — we own everything now; the guard is local.
        let _entered = unsafe { enter_task(&cell.header) };
        // SAFETY: exclusive, as above.
        discard(unsafe { drop_stage(&cell) });
    }
    if cell.header.is_named() {
        taskcell::unregister_task_name(cell.header.id);
    }
    // The join waker may be the user's own, with a `Drop` that panics
    // (rule 7); the allocation is freed even then.
    drop_contained(cell);
}

/// The `JoinHandle`'s poll: moves the output into `*dst` if the task is
/// complete, otherwise registers `waker`.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`, the caller is its `JoinHandle`, and `dst` points
/// to an `OutputSlot<F::Output>`.
pub(super) unsafe fn try_read_output<F: Future, S>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the handle's reference keeps the task alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: we are the `JoinHandle` (rule 3's writer).
    if !unsafe { can_read_output(cell, waker) } {
        return;
    }
    // SAFETY: rule 2 — complete with join interest: the output is ours.
    let stage = cell
        .stage
        .with_mut(|stage| unsafe { ptr::replace(stage, Stage::Consumed) });
    let output = match stage {
        Stage::Finished(output) => output,
        // tokio's words first, then ours.
        _ => panic!("JoinHandle polled after completion: it already returned the task's output"),
    };
    // SAFETY: the caller promises the slot's type.
    unsafe { *dst.cast::<OutputSlot<F::Output>>() = Poll::Ready(output) };
}

/// Whether the task is complete; if not, makes sure `waker` is the one the
/// completing thread will wake (rule 3).
///
/// # Safety
///
/// The caller is the task's `JoinHandle`.
unsafe fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    let registered = if snapshot.is_join_waker_set() {
        let same = cell.join_waker.with(|slot| {
            // SAFETY: rule 3 — the slot is set: read-only.
            let slot = unsafe { &*slot };
            slot.as_ref().is_some_and(|old| old.will_wake(waker))
        });
        if same {
            return false;
        }
        // Take the slot back to replace the waker.
        state
            .unset_join_waker()
            // SAFETY: `JOIN_WAKER` is now clear and `COMPLETE` is not set.
            .and_then(|()| unsafe { set_join_waker(cell, waker) })
    } else {
        // SAFETY: `JOIN_WAKER` is clear and `COMPLETE` was not set.
        unsafe { set_join_waker(cell, waker) }
    };
    match registered {
        Ok(()) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

/// Writes `waker` into the slot and hands the slot to the runtime side.
///
/// # Safety
///
/// The caller is the `JoinHandle`, and `JOIN_WAKER` is clear (rule 3).
unsafe fn set_join_waker<F: Future, S>(
    cell: &Cell<F, S>,
    waker: &Waker,
) -> Result<(), super::state::Snapshot> {
    // SAFETY: rule 3 — `JOIN_WAKER` clear: the handle may write.
    cell.join_waker
        .with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
    cell.header.state.set_join_waker()
}

/// Drops the `JoinHandle`: detaches the task, or drops its output if it
/// already completed.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`; the caller is the `JoinHandle` and hands over its
/// reference.
pub(super) unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the handle's reference keeps the task alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.unset_join_interested().is_err() {
        // Rule 2: complete, with our interest: the output is ours to drop.
        // SAFETY: rule 5 — we own the output; the guard ends in this block.
        let _entered = unsafe { enter_task(&cell.header) };
        // SAFETY: rule 2. A panicking `Drop` of the output is discarded,
        // contained (rule 7).
        discard(unsafe { drop_stage(cell) });
    }
    if cell.header.state.ref_dec(1) {
        // SAFETY: rule 4.
        unsafe { dealloc::<F, S>(ptr) }
    }
}

/// Runtime shutdown: drops the future if no one else owns it.
///
/// # Safety
///
/// `ptr` is a `Cell<F, S>`; the caller hands over one reference.
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the task alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // SAFETY: rule 1 — we claimed `RUNNING`; our reference is used up.
        unsafe { cancel_and_complete::<F, S>(ptr) }
    } else if cell.header.state.ref_dec(1) {
        // Running elsewhere (it will see `CANCELLED`) or already complete.
        // SAFETY: rule 4.
        unsafe { dealloc::<F, S>(ptr) }
    }
}
