//! The task allocation, its vtable, and the reference-holding handles
//! `Task` and `Notified`.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr::{self, NonNull};
use std::sync::Arc as StdArc;
use std::task::{Poll, Waker};

use taskcell::TaskId;

use super::error::JoinError;
use super::harness;
use super::join::JoinHandle;
use super::state::State;
// std's atomic even in loom builds: the stats order nothing, so the models
// need not explore them.
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use crate::primitives::UnsafeCell;

/// What a task needs from whatever runs it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queues the task to be polled.
    fn schedule(&self, task: Notified<Self>);

    /// Queues a task that was woken during its own poll, behind the others.
    fn yield_now(&self, task: Notified<Self>);

    /// Takes the task out of the owned-task list, returning the list's
    /// reference if it held one.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// The runtime's coarse clock, in milliseconds since it started: what a
    /// task's stats record at its spawn and at the end of each poll.
    fn clock_ms(&self) -> u32 {
        0
    }
}

/// What a spawn site says about its task: an optional name and where it
/// was spawned.
#[derive(Clone, Copy)]
pub(crate) struct Meta<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) location: &'static Location<'static>,
}

impl Meta<'_> {
    /// An unnamed task spawned at the caller's caller.
    #[track_caller]
    #[inline]
    pub(crate) fn caller() -> Meta<'static> {
        Meta {
            name: None,
            location: Location::caller(),
        }
    }
}

/// The type-erased start of every task allocation.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: TaskId,
    /// Where the task was spawned; immutable.
    pub(crate) location: &'static Location<'static>,
    /// The task's slot in the owned-task list, or `list::UNLISTED` (rule 6).
    pub(crate) slot: UnsafeCell<u32>,
    /// Polls so far times two, modulo 2^32, plus 1 if the task has a name
    /// (kept in taskcell's registry, not here: most tasks have none, and
    /// the header stays small). Written only by the thread that owns the
    /// future (rule 1), with a plain load and store, no read-modify-write;
    /// read by task dumps.
    pub(crate) polls: AtomicU32,
    /// The scheduler's clock at the end of the last poll, or at the spawn;
    /// written and read as `polls` is.
    pub(crate) last_poll: AtomicU32,
}

const NAMED: u32 = 1;
const POLL_ONE: u32 = 2;

impl Header {
    /// Counts a poll that ended at `clock_ms`. Only the owner of the future
    /// calls it (rule 1), so loads and stores suffice; the count steps by
    /// two, past the `NAMED` bit.
    #[inline]
    pub(crate) fn record_poll(&self, clock_ms: u32) {
        let polls = self.polls.load(Relaxed).wrapping_add(POLL_ONE);
        self.polls.store(polls, Relaxed);
        self.last_poll.store(clock_ms, Relaxed);
    }

    /// The polls so far (modulo 2^31), and the clock at the end of the last
    /// one.
    pub(crate) fn poll_stats(&self) -> (u32, u32) {
        (
            self.polls.load(Relaxed) / POLL_ONE,
            self.last_poll.load(Relaxed),
        )
    }

    /// Whether the task was spawned with a name.
    #[inline]
    pub(crate) fn is_named(&self) -> bool {
        self.polls.load(Relaxed) & NAMED != 0
    }

    /// The task's name, if it has one: a lookup in taskcell's registry, for
    /// error messages and dumps only.
    pub(crate) fn name(&self) -> Option<StdArc<str>> {
        if self.is_named() {
            taskcell::task_name(self.id)
        } else {
            None
        }
    }
}

/// The operations that need the concrete future and scheduler types.
pub(crate) struct Vtable {
    pub(crate) poll: unsafe fn(NonNull<Header>),
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

/// The whole allocation. `repr(C)` keeps the header first, so a
/// `NonNull<Header>` casts back to the `Cell` it starts.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    pub(crate) stage: UnsafeCell<Stage<F>>,
    /// Rule 3.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
}

pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// Allocates a task holding `future`, with three references: the returned
/// `Task` (for the owned list), `Notified` (to schedule it) and `JoinHandle`.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: Meta<'_>,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = allocate(future, scheduler, id, meta, State::new_spawned());
    // SAFETY: rule 4 — the state word starts with three references, one for
    // each of these handles.
    unsafe {
        (
            Task::from_raw(ptr),
            Notified(Task::from_raw(ptr)),
            JoinHandle::from_raw(ptr, id),
        )
    }
}

/// Allocates a task that is never in the owned list: two references, the
/// `Notified` and the `JoinHandle`.
pub(crate) fn new_unowned_task<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: Meta<'_>,
) -> (Notified<S>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = allocate(future, scheduler, id, meta, State::new_blocking());
    // SAFETY: rule 4 — the state word starts with two references.
    unsafe { (Notified(Task::from_raw(ptr)), JoinHandle::from_raw(ptr, id)) }
}

/// Allocates a task whose future (or output) need not be `Send`, with the
/// three references of [`new_task`].
///
/// # Safety
///
/// Rule 8: the caller's scheduler polls the task, and drops its future,
/// only on one thread, the one calling this; it runs `Task::shutdown` only
/// there. The output is dropped there too (by the poll that completes the
/// task), or by the `JoinHandle`, which is `Send` only if the output is.
pub(crate) unsafe fn new_local_task<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: Meta<'_>,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let ptr = allocate(future, scheduler, id, meta, State::new_spawned());
    // SAFETY: rule 4 — the state word starts with three references, one for
    // each of these handles.
    unsafe {
        (
            Task::from_raw(ptr),
            Notified(Task::from_raw(ptr)),
            JoinHandle::from_raw(ptr, id),
        )
    }
}

/// Inlined into the spawn functions: left to itself, rustc's choice
/// changes with unrelated edits to the spawn path (an out-of-line call cost
/// `chained_spawn` 28 instructions a spawn, 4 %).
///
/// No `Send` bound: a `LocalSet`'s tasks come here too, and rule 8 keeps
/// their future and output on one thread.
#[inline]
fn allocate<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: Meta<'_>,
    state: State,
) -> NonNull<Header>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let named = match meta.name {
        Some(name) => register_name(id, name),
        None => 0,
    };
    let spawned_at = scheduler.clock_ms();
    // Written field by field into the allocation, rather than built on the
    // stack and copied in whole.
    let mut cell = Box::<Cell<F, S>>::new_uninit();
    let ptr = cell.as_mut_ptr();
    // SAFETY: `ptr` points to the allocation, valid for writes and aligned
    // for `Cell<F, S>`; each field is written once, in place, through a raw
    // pointer that creates no reference to uninitialised memory.
    unsafe {
        ptr::addr_of_mut!((*ptr).header).write(Header {
            state,
            vtable: vtable::<F, S>(),
            id,
            location: meta.location,
            slot: UnsafeCell::new(super::list::UNLISTED),
            polls: AtomicU32::new(named),
            last_poll: AtomicU32::new(spawned_at),
        });
        ptr::addr_of_mut!((*ptr).scheduler).write(scheduler);
        ptr::addr_of_mut!((*ptr).stage).write(UnsafeCell::new(Stage::Running(future)));
        ptr::addr_of_mut!((*ptr).join_waker).write(UnsafeCell::new(None));
    }
    // SAFETY: every field was written just above.
    let cell = unsafe { cell.assume_init() };
    NonNull::from(Box::leak(cell)).cast()
}

/// Registers a named task's name (for messages and dumps; forgotten when
/// the task is freed) and returns the header's `NAMED` flag. Out of line,
/// so that the spawn path of the unnamed majority stays small enough to be
/// inlined into `spawn`.
#[cold]
#[inline(never)]
fn register_name(id: TaskId, name: &str) -> u32 {
    taskcell::register_task_name(id, StdArc::from(name));
    NAMED
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle: harness::drop_join_handle::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

/// Read-only access to the header of a live task.
///
/// # Safety
///
/// The caller holds a reference (rule 4), so the allocation is alive.
pub(crate) unsafe fn header<'a>(ptr: NonNull<Header>) -> &'a Header {
    // SAFETY: guaranteed by the caller; the header is never mutated except
    // through its atomics and `UnsafeCell`s.
    unsafe { ptr.as_ref() }
}

/// One reference to a task.
pub(crate) struct Task<S: 'static> {
    ptr: NonNull<Header>,
    _scheduler: PhantomData<S>,
}

// SAFETY: a `Task` only reaches the shared header (atomics, and links under
// their lock) and calls vtable functions that follow the module rules; the
// future and output it may drop are `Send`, or, for a local task, dropped
// only on its thread (rule 8).
unsafe impl<S> Send for Task<S> {}
// SAFETY: as above; `&Task` offers nothing beyond `Task`.
unsafe impl<S> Sync for Task<S> {}

impl<S: 'static> Task<S> {
    /// # Safety
    ///
    /// `ptr` is a task whose reference the new `Task` takes over (rule 4).
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task<S> {
        Task {
            ptr,
            _scheduler: PhantomData,
        }
    }

    /// Gives up the reference without dropping it.
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        ManuallyDrop::new(self).ptr
    }

    pub(crate) fn as_raw(&self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: rule 4 — `self` holds a reference.
        unsafe { header(self.ptr) }
    }

    /// Runtime shutdown, with this (owned-list) reference as the claim.
    pub(crate) fn shutdown(self) {
        let ptr = self.into_raw();
        // SAFETY: rule 4 — the reference moves into `shutdown`, which drops it.
        unsafe { (header(ptr).vtable.shutdown)(ptr) }
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: rule 4 — that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

/// A task reference that is queued to be polled.
pub(crate) struct Notified<S: 'static>(pub(crate) Task<S>);

impl<S: 'static> Notified<S> {
    /// Polls the task (or drops its future, if cancelled), consuming the
    /// notification.
    pub(crate) fn run(self) {
        let ptr = self.0.into_raw();
        // SAFETY: rule 4 — the notification's reference moves into `poll`.
        unsafe { (header(ptr).vtable.poll)(ptr) }
    }

    pub(crate) fn into_raw(self) -> NonNull<Header> {
        self.0.into_raw()
    }

    /// # Safety
    ///
    /// As for `Task::from_raw`, for a reference that came from
    /// `Notified::into_raw`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified<S> {
        // SAFETY: guaranteed by the caller.
        Notified(unsafe { Task::from_raw(ptr) })
    }
}

/// `Poll` slot that `try_read_output` writes through a type-erased pointer.
pub(crate) type OutputSlot<T> = Poll<Result<T, JoinError>>;

#[cfg(all(test, not(taskcell_loom), target_pointer_width = "64"))]
mod tests {
    #[test]
    fn the_header_is_six_words() {
        // Every task pays for it; a word more moved task allocations across
        // an allocator size class in the `rt` benchmarks.
        assert_eq!(std::mem::size_of::<super::Header>(), 48);
    }
}
