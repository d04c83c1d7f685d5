//! Task identity: [`TaskId`], the thread-local current task, and [`enter`].
//!
//! # The soundness contract
//!
//! Every check in [`TaskCell`](crate::TaskCell) compares the cell's owner with
//! the innermost task identity entered on the current thread. That comparison
//! means "this code runs inside the owning task, and nowhere else does at the
//! same time" only because of **Invariant I**:
//!
//! > At any instant, each `TaskId` is entered on at most one thread's stack,
//! > and successive entries of the same id are ordered by happens-before.
//!
//! Ids are never reused, so [`bind`](crate::bind) upholds the invariant by
//! itself; an executor that calls [`enter`] upholds it by following that
//! function's `# Safety` rules.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU64;

/// The raw thread-local value meaning "no task entered".
pub(crate) const NO_TASK: u64 = 0;

/// Ids are taken from this counter and never reused.
///
/// Always a std atomic, even under loom: uniqueness is not a protocol to model,
/// and loom atomics cannot live in a `static`.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Ids stay below this bound, so that the top two bits of a cell's owner word
/// are free to mean "unbound" and "hints recorded". Reaching it takes 2^62
/// ids: a century at one per nanosecond.
const ID_LIMIT: u64 = 1 << 62;

#[cfg(not(taskcell_loom))]
std::thread_local! {
    static CURRENT: Cell<u64> = const { Cell::new(NO_TASK) };
}
#[cfg(taskcell_loom)]
loom::thread_local! {
    static CURRENT: Cell<u64> = Cell::new(NO_TASK);
}

/// The raw id of the innermost task entered on this thread, or [`NO_TASK`].
#[inline(always)]
pub(crate) fn current_raw() -> u64 {
    // `CURRENT` has a `const` initialiser and no destructor, so this is a
    // plain thread-local load that works even while the thread is exiting.
    CURRENT.with(Cell::get)
}

/// The identity of a task: unique for the life of the process, never reused.
///
/// A [`TaskCell`](crate::TaskCell) records the `TaskId` of the task that
/// owns it. Executors take ids with [`TaskId::fresh`]; [`bind`](crate::bind)
/// takes one for the future it wraps.
///
/// ```
/// use taskcell::TaskId;
///
/// let a = TaskId::fresh();
/// let b = TaskId::fresh();
/// assert_ne!(a, b);
/// assert!(a < b); // ids are handed out in increasing order
/// assert_eq!(format!("{a}"), a.as_u64().to_string());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// Takes a new id that no other task has or will ever have.
    ///
    /// # Panics
    ///
    /// After 2^62 ids, which no process lives to see.
    ///
    /// ```
    /// let id = taskcell::TaskId::fresh();
    /// assert_ne!(id, taskcell::TaskId::fresh());
    /// ```
    pub fn fresh() -> TaskId {
        // Relaxed: the counter only has to hand out distinct values; no other
        // memory is published through it.
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        assert!(id < ID_LIMIT, "taskcell: task ids exhausted");
        TaskId(NonZeroU64::new(id).expect("the id counter starts at 1"))
    }

    /// The innermost task identity entered on this thread, if any.
    ///
    /// ```
    /// use taskcell::{bind, TaskId};
    ///
    /// assert_eq!(TaskId::current(), None);
    /// let task = bind(async { TaskId::current() });
    /// let id = task.id();
    /// assert_eq!(futures::executor::block_on(task), Some(id));
    /// ```
    #[inline]
    pub fn current() -> Option<TaskId> {
        TaskId::from_raw(current_raw())
    }

    /// The id as a number, as shown by `Display`.
    ///
    /// ```
    /// let id = taskcell::TaskId::fresh();
    /// assert_eq!(id.to_string(), id.as_u64().to_string());
    /// ```
    #[inline]
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }

    #[inline]
    pub(crate) fn from_raw(raw: u64) -> Option<TaskId> {
        NonZeroU64::new(raw).map(TaskId)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Makes `id` the current task identity of this thread until the returned
/// guard is dropped.
///
/// This is the hook an executor uses so that the futures it polls can use
/// their [`TaskCell`](crate::TaskCell)s. Code that is not an executor wants
/// [`bind`](crate::bind), which is safe.
///
/// Entries nest: the guard restores the identity that was current before, on
/// drop and on unwind.
///
/// # Safety
///
/// From the call until the guard is dropped:
///
/// 1. The code that runs on this thread under the guard acts for task `id`
///    alone: it is that task's poll, or the drop of its future or output.
/// 2. No other thread enters `id` (Invariant I). Every entry of `id` on
///    another thread, earlier or later, is ordered with this one by
///    happens-before — as it is when the executor hands the task from thread
///    to thread through a queue with release/acquire synchronisation.
/// 3. The guard is dropped on this thread, in reverse order of entry with any
///    other guards, before the task may be entered on another thread. It is
///    never leaked (`mem::forget`), since that would leave `id` entered here.
///
/// An executor keeps these rules when it polls and drops each task with
/// exclusive access, on one thread at a time, and takes each task's id from
/// [`TaskId::fresh`].
///
/// # Examples
///
/// ```
/// use taskcell::{enter, TaskCell, TaskId};
///
/// let id = TaskId::fresh();
/// let cell = TaskCell::new(1);
/// {
///     // SAFETY: (1) this block acts for task `id` alone; (2) `id` is fresh
///     // and entered nowhere else; (3) the guard is dropped here, unleaked.
///     let _guard = unsafe { enter(id) };
///     assert_eq!(TaskId::current(), Some(id));
///     cell.set(2);
/// }
/// assert_eq!(TaskId::current(), None);
/// assert_eq!(cell.owner(), Some(id));
/// ```
#[inline]
pub unsafe fn enter(id: TaskId) -> EnterGuard {
    let prev = CURRENT.with(|current| current.replace(id.as_u64()));
    EnterGuard {
        prev,
        _not_send: PhantomData,
    }
}

/// Keeps a task identity entered on this thread; see [`enter`].
///
/// Dropping the guard restores the identity that was current before.
///
/// ```
/// use taskcell::{enter, TaskId};
///
/// let (outer, inner) = (TaskId::fresh(), TaskId::fresh());
/// // SAFETY: fresh ids, entered only on this thread, guards dropped in
/// // reverse order right here.
/// let outer_guard = unsafe { enter(outer) };
/// let inner_guard = unsafe { enter(inner) };
/// assert_eq!(TaskId::current(), Some(inner));
/// drop(inner_guard);
/// assert_eq!(TaskId::current(), Some(outer));
/// drop(outer_guard);
/// assert_eq!(TaskId::current(), None);
/// ```
#[must_use = "the task stays entered only while the guard lives; dropping it at once leaves the task"]
pub struct EnterGuard {
    prev: u64,
    /// The guard restores *this thread's* identity, so it must not move to
    /// another thread: `!Send` and `!Sync`.
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.prev));
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard")
            .field("entered", &TaskId::current())
            .field("previous", &TaskId::from_raw(self.prev))
            .finish()
    }
}

#[cfg(all(test, not(taskcell_loom)))]
mod tests {
    use super::*;

    #[test]
    fn enter_nests_and_restores() {
        let (a, b) = (TaskId::fresh(), TaskId::fresh());
        assert_eq!(TaskId::current(), None);
        // SAFETY: fresh ids, entered only on this thread, guards dropped in
        // reverse order within this test.
        let outer = unsafe { enter(a) };
        assert_eq!(TaskId::current(), Some(a));
        {
            // SAFETY: as above.
            let _inner = unsafe { enter(b) };
            assert_eq!(TaskId::current(), Some(b));
        }
        assert_eq!(TaskId::current(), Some(a));
        drop(outer);
        assert_eq!(TaskId::current(), None);
    }

    #[test]
    fn guard_restores_on_unwind() {
        let id = TaskId::fresh();
        let result = std::panic::catch_unwind(|| {
            // SAFETY: fresh id, entered only here; the guard is dropped by
            // the unwind that follows.
            let _guard = unsafe { enter(id) };
            assert_eq!(TaskId::current(), Some(id));
            panic!("boom");
        });
        assert!(result.is_err());
        assert_eq!(TaskId::current(), None);
    }

    #[test]
    fn ids_are_unique_across_threads() {
        let per_thread = if cfg!(miri) { 20 } else { 10_000 };
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..per_thread).map(|_| TaskId::fresh()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<TaskId> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn threads_start_outside_any_task() {
        let id = TaskId::fresh();
        // SAFETY: fresh id, entered only on this thread for this test.
        let _guard = unsafe { enter(id) };
        let seen = std::thread::spawn(TaskId::current).join().unwrap();
        assert_eq!(seen, None);
        assert_eq!(TaskId::current(), Some(id));
    }
}
