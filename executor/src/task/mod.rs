//! Tasks: [`JoinHandle`] and [`JoinError`], [`JoinSet`] for groups of
//! tasks, [`Builder`] for named tasks, task-local values ([`LocalKey`],
//! declared with [`task_local!`](crate::task_local)), and the cooperative
//! budget ([`consume_budget`], [`unconstrained`]).
//!
//! # The budget
//!
//! Each task poll starts with a budget of
//! [`Builder::task_budget`](crate::Builder::task_budget) units (128 by
//! default). Every poll of a runtime resource — a socket's read, write or
//! accept, a [`Sleep`](crate::time::Sleep) or
//! [`Timeout`](crate::time::Timeout) (even one already elapsed), a
//! [`JoinHandle`] — spends one. Once the budget is spent, a resource wakes
//! the task and answers `Pending`, so a task whose resources are always
//! ready still lets the tasks queued behind it run; an operation that made
//! no progress gives its unit back. A task run from its worker's LIFO slot
//! goes on with the budget of the task that woke it. The budget is a
//! thread-local counter: it costs no atomic, lock or allocation.
//!
//! # Inside
//!
//! One allocation per spawned future, driven by one state word.
//!
//! The allocation (`raw::Cell`) holds the header (state word, vtable, task
//! id, owned-list slot, spawn location, poll stats), the scheduler handle, the stage (the future, then
//! its output) and the join waker. Typed handles point at it: `Task` (one
//! reference), `Notified` (a reference that is queued to be polled),
//! `JoinHandle` (the user's), and raw wakers (one reference each).
//!
//! # Rules
//!
//! `// SAFETY:` comments in this module cite these.
//!
//! 1. **The future belongs to whoever set `RUNNING`.** Only the thread whose
//!    transition set `RUNNING` (`transition_to_running`, or
//!    `transition_to_shutdown` returning true) touches the stage while the
//!    bit is set; it clears the bit with `transition_to_idle` or
//!    `transition_to_complete`. Transitions are `AcqRel` read-modify-writes,
//!    so each owner happens-after the previous one.
//! 2. **The output belongs to the `JoinHandle` once `COMPLETE` is set** while
//!    `JOIN_INTEREST` is set; if `JOIN_INTEREST` was already clear, the
//!    completing thread keeps it and drops it. `unset_join_interested` fails
//!    once `COMPLETE` is set, so exactly one side drops the output.
//! 3. **The join waker slot** is written only by the `JoinHandle`, while
//!    `JOIN_WAKER` is clear and `COMPLETE` is not set; once `JOIN_WAKER` is
//!    set it is only read (by the completing thread and by the handle), until
//!    the allocation is freed.
//! 4. **References.** Every `Task`, `Notified`, `JoinHandle`, `AbortHandle`
//!    and waker holds one reference in the state word. The holder of the last one frees the
//!    allocation; no reference is used after it is dropped.
//! 5. **Task identity.** Every poll of the future, and every drop of the
//!    future or the output, runs with the task's id entered, and the guard is
//!    dropped before the ownership of rules 1–2 is released. Together with
//!    rules 1 and 2 (one owner at a time, ordered by happens-before) this keeps
//!    the rules of `taskcell::enter`.
//! 6. **The owned-list slot** in the header is touched only under the lock
//!    of the list shard the task hashes to.
//! 7. **User code never unwinds into the runtime.** Everything the harness
//!    runs on the user's behalf — a poll, the drop of a future or output,
//!    the drop of a panic payload, the join waker's `wake` and drop — runs
//!    under `catch_unwind`. A payload caught there is dropped the same way
//!    (`drop_contained`); if dropping it panics yet again, so many times
//!    that the chain looks endless, what is left is forgotten (`mem::forget`)
//!    rather than unwound through a worker. A worker thread never dies of a
//!    task.
//! 8. **Local tasks** (`new_local_task`, for a [`LocalSet`], or the set a
//!    [`LocalRuntime`](crate::runtime::LocalRuntime) owns) may hold a
//!    future or output that is not `Send`. Their scheduler polls them, and
//!    drops their futures, only on the thread that owns the set: a wake
//!    from elsewhere queues the task there, an abort is such a wake, and
//!    only the set's own `Drop`, or the shutdown of the runtime that owns
//!    it, on that thread, shuts its tasks down. The
//!    output is dropped by the completing poll, or by the `JoinHandle`,
//!    which is `Send` only if the output is. What other threads may do —
//!    wake, abort, drop a waker or an `AbortHandle`, free the allocation —
//!    touches no future and no output.

mod builder;
mod error;
mod harness;
mod join;
mod join_set;
pub(crate) mod list;
pub(crate) mod local;
mod raw;
mod state;
mod task_local;
mod waker;

pub use self::builder::Builder;
pub use self::error::JoinError;
pub(crate) use self::harness::{drop_contained, wake_contained};
pub use self::join::{AbortHandle, JoinHandle};
pub use self::join_set::JoinSet;
pub use self::local::{spawn_local, LocalEnterGuard, LocalSet};
pub(crate) use self::raw::{new_task, new_unowned_task, Header, Meta, Notified, Schedule, Task};
pub use self::task_local::{LocalKey, TaskLocalAccessError};
pub use crate::coop::{consume_budget, has_budget_remaining, unconstrained, Unconstrained};
pub use crate::runtime::{spawn, spawn_blocking};
pub use crate::yield_now::yield_now;

/// The futures this module's functions return, as tokio's
/// `task::futures`.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

/// A task's identity, as tokio's `task::Id`: the [`TaskId`](crate::TaskId)
/// that `TaskCell`s are owned by.
pub type Id = taskcell::TaskId;

/// The identity of the task this code runs in, as tokio's `task::id()`.
///
/// # Panics
///
/// Outside a task (a `block_on`'s own future included); [`try_id`] answers
/// `None` there instead.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let task = rt.spawn(async { taskcell_executor::task::id() });
/// let id = task.id();
/// assert_eq!(rt.block_on(task).unwrap(), id);
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "Can't get a task id when not inside a task: `task::id()` was called outside a \
             task; use `task::try_id()` where there may be none"
        ),
    }
}

/// The identity of the task this code runs in, or `None` outside any, as
/// tokio's `task::try_id()`. A `block_on`'s own future is no task: `None`
/// there too, though its `TaskCell`s have an owner
/// ([`TaskId::current`](crate::TaskId::current)).
///
/// ```
/// use taskcell_executor::task::try_id;
///
/// assert_eq!(try_id(), None);
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(async { try_id() }), None);
/// let task = rt.spawn(async { try_id() });
/// let id = task.id();
/// assert_eq!(rt.block_on(task).unwrap(), Some(id));
/// ```
pub fn try_id() -> Option<Id> {
    let id = taskcell::TaskId::current()?;
    // A `block_on`'s own future has an identity for its `TaskCell`s, but is
    // no task, as in tokio.
    (crate::context::block_on_root_id() != Some(id)).then_some(id)
}

/// Runs `f`, which may block, on this thread, without stalling the tasks
/// queued behind it: tokio's `task::block_in_place`.
///
/// On a worker of a multi-thread runtime, the worker's core (its queue and
/// timers) goes on another thread for the length of `f`, so the runtime
/// keeps all its workers. When `f` returns, the task goes on at once, and
/// this thread takes its core back once the task's poll is over (the rest
/// of the poll runs as on a blocking thread: what it spawns or wakes goes
/// to the global queue). Unlike
/// [`spawn_blocking`](crate::spawn_blocking()), `f` need not be `Send` or
/// `'static`: it borrows from the task.
///
/// `f` runs with no budget, and as if this thread ran no worker: it may
/// block on another runtime, or on this one through
/// [`Handle::block_on`](crate::Handle::block_on); tasks it spawns or wakes
/// go to the runtime's global queue. The task's identity stays entered, so
/// its [`TaskCell`](crate::TaskCell)s work inside `f`. In a multi-thread
/// runtime's `block_on`, on a blocking thread, or outside any runtime, `f`
/// just runs.
///
/// # Panics
///
/// On a current-thread runtime, where blocking would stall every task, and
/// inside a [`LocalSet`] (its `run_until` or its tasks), where it would
/// stall the set's tasks: with tokio's message ("can call blocking only
/// when running on the multi-threaded runtime").
///
/// ```
/// use taskcell_executor::task;
///
/// let rt = taskcell_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// let out = rt.block_on(async {
///     taskcell_executor::spawn(async {
///         let (tx, rx) = std::sync::mpsc::channel();
///         // Runs on the worker's core while this task blocks below.
///         taskcell_executor::spawn(async move { tx.send("from a task").unwrap() });
///         task::block_in_place(|| rx.recv().unwrap())
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(out, "from a task");
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    crate::scheduler::multi_thread::block_in_place(f)
}

/// The cooperative budget under tokio's newer path (`tokio::task::coop`):
/// the items also in [`task`](crate::task), and the pieces a resource of
/// another crate needs to take part ([`poll_proceed`](coop::poll_proceed),
/// [`cooperative`](coop::cooperative)).
pub mod coop {
    #[doc(hidden)]
    pub use crate::coop::__yield_if_spent;
    pub use crate::coop::{
        consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, Coop,
        RestoreOnPending, Unconstrained,
    };
}
