//! [`AccessError`]: why a [`TaskCell`](crate::TaskCell) refused an access.

use std::fmt;

use crate::id::TaskId;

/// A [`TaskCell`](crate::TaskCell) access that was refused; returned by
/// [`try_with`](crate::TaskCell::try_with) and
/// [`try_with_mut`](crate::TaskCell::try_with_mut).
///
/// Its `Display` names the task that owns the cell, the task that tried, and
/// what to do instead; the panicking accessors panic with the same message.
///
/// ```
/// use taskcell::{AccessErrorKind, TaskCell};
///
/// let cell = TaskCell::new(0);
/// let err = cell.try_with(|n| *n).unwrap_err(); // not inside any task
/// assert_eq!(err.kind(), AccessErrorKind::NotInTask);
/// assert_eq!(err.current(), None);
/// assert!(err.to_string().contains("bind"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    kind: AccessErrorKind,
    owner: Option<TaskId>,
    current: Option<TaskId>,
    /// For `Borrowed`: whether the refused access asked for `&mut T`.
    wanted_mut: bool,
}

/// What kind of access a [`TaskCell`](crate::TaskCell) refused; see
/// [`AccessError::kind`].
///
/// ```
/// use taskcell::{bind, AccessErrorKind, TaskCell};
///
/// let cell = TaskCell::new(0);
/// futures::executor::block_on(bind(async {
///     let kind = cell.with(|_| cell.try_with_mut(|_| ()).unwrap_err().kind());
///     assert_eq!(kind, AccessErrorKind::Borrowed);
/// }));
/// let kind = futures::executor::block_on(bind(async { cell.try_with(|_| ()).unwrap_err().kind() }));
/// assert_eq!(kind, AccessErrorKind::OtherTask);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessErrorKind {
    /// The access came from outside any task: no task identity is entered on
    /// this thread (plain code, a thread spawned inside a task, a future not
    /// wrapped in [`bind`](crate::bind) on a foreign executor).
    NotInTask,
    /// The cell is owned by another task.
    OtherTask,
    /// The owning task already holds an access that conflicts with this one:
    /// `with_mut` inside `with` or `with_mut`, or `with` inside `with_mut`, on
    /// the same cell.
    Borrowed,
}

impl AccessError {
    #[cold]
    pub(crate) fn new(
        kind: AccessErrorKind,
        owner: Option<TaskId>,
        current: Option<TaskId>,
        wanted_mut: bool,
    ) -> Self {
        AccessError {
            kind,
            owner,
            current,
            wanted_mut,
        }
    }

    /// Why the access was refused.
    ///
    /// ```
    /// use taskcell::{AccessErrorKind, TaskCell};
    ///
    /// let err = TaskCell::new(0).try_with_mut(|n| *n += 1).unwrap_err();
    /// assert_eq!(err.kind(), AccessErrorKind::NotInTask);
    /// ```
    pub fn kind(&self) -> AccessErrorKind {
        self.kind
    }

    /// The task that owns the cell, or `None` if the cell was not bound to a
    /// task yet.
    ///
    /// ```
    /// # use taskcell::TaskCell;
    /// let cell = TaskCell::new(0);
    /// assert_eq!(cell.try_with(|_| ()).unwrap_err().owner(), None);
    /// ```
    pub fn owner(&self) -> Option<TaskId> {
        self.owner
    }

    /// The task that attempted the access, or `None` if it came from outside
    /// any task.
    ///
    /// ```
    /// # use taskcell::TaskCell;
    /// let cell = TaskCell::new(0);
    /// assert_eq!(cell.try_with(|_| ()).unwrap_err().current(), None);
    /// ```
    pub fn current(&self) -> Option<TaskId> {
        self.current
    }

    /// Panics with this error's message, blaming the caller's caller.
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn panic(self) -> ! {
        panic!("{self}")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.owner, self.current) {
            (AccessErrorKind::NotInTask, Some(owner), _) => write!(
                f,
                "TaskCell owned by task {} accessed outside any task; shared access is \
                 allowed only inside the owning task: run this code in that task, or use \
                 `get_mut`/`into_inner` where you have exclusive access",
                Task(Some(owner)),
            ),
            (AccessErrorKind::NotInTask, None, _) => f.write_str(
                "TaskCell accessed outside any task; shared access needs a task identity: \
                 spawn this code on the taskcell runtime or wrap its future in \
                 `taskcell::bind(..)` on another executor. On a thread started from inside a \
                 task, do not `bind` there (the thread would take the cell from that task): \
                 do the work in the task, or move the value out with `get_mut`/`into_inner`",
            ),
            (AccessErrorKind::OtherTask, owner, current) => write!(
                f,
                "TaskCell owned by task {} accessed from task {}; only the owning task may use \
                 it through `&self`: use `get_mut`/`into_inner` where you have exclusive \
                 access, or hand the cell over with `unbind` (needs `&mut`) so that the next \
                 task to touch it takes it. State that several tasks really share at once \
                 belongs in a `Mutex`, not a TaskCell",
                Task(owner),
                Task(current),
            ),
            (AccessErrorKind::Borrowed, _, current) if self.wanted_mut => write!(
                f,
                "TaskCell already borrowed in task {}: `with_mut` was called inside `with` or \
                 `with_mut` on the same cell; finish the outer access first",
                Task(current),
            ),
            (AccessErrorKind::Borrowed, _, current) => write!(
                f,
                "TaskCell already mutably borrowed in task {}: `with` was called inside \
                 `with_mut` on the same cell; finish the outer access first",
                Task(current),
            ),
        }
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError")
            .field("kind", &self.kind)
            .field("owner", &self.owner)
            .field("current", &self.current)
            .finish()
    }
}

impl std::error::Error for AccessError {}

/// Shows an optional id as `3`, with its registered name as `3 "name"`
/// (see [`register_task_name`](crate::register_task_name)), or `<none>`.
struct Task(Option<TaskId>);

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => match crate::names::task_name(id) {
                Some(name) => write!(f, "{id} {name:?}"),
                None => fmt::Display::fmt(&id, f),
            },
            None => f.write_str("<none>"),
        }
    }
}
