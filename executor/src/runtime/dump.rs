//! Task dumps: [`Handle::dump`] lists every live task of a runtime, with
//! its name, spawn site, state, poll count and how long it has waited.
//!
//! The dump walks the runtime's owned-task list one shard at a time, under
//! the shard's lock, while the workers go on running; see
//! `OwnedTasks::for_each` for why that walk is sound. It copies what it
//! needs and lets go of each lock at once: a dump costs the workers at most
//! a short wait for a shard lock at a spawn or a completion.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use taskcell::TaskId;

use crate::runtime::Handle;

/// What a task was doing when the dump was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting to be woken.
    Idle,
    /// Woken and queued to run.
    Scheduled,
    /// Being polled (or its future dropped) on some thread right now.
    Running,
    /// Finished; the runtime is tidying up after it.
    Complete,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Complete => "complete",
        })
    }
}

/// One live task in a [`Dump`].
#[derive(Debug, Clone)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    state: TaskState,
    polls: u32,
    idle_for: Duration,
}

impl TaskInfo {
    /// The task's id.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().dump().tasks().next().unwrap().id(), task.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was spawned with one
    /// ([`task::Builder::name`](crate::task::Builder::name)).
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// Builder::new().name("listener").spawn_on(std::future::pending::<()>(), rt.handle());
    /// assert_eq!(rt.handle().dump().tasks().next().unwrap().name(), Some("listener"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned: the caller of `spawn` (or of the
    /// `Builder`'s, or `JoinSet`'s, spawn methods).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// let dump = rt.handle().dump();
    /// assert_eq!(dump.tasks().next().unwrap().location().line(), line!() - 2);
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// What the task was doing.
    ///
    /// ```
    /// use taskcell_executor::TaskState;
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// rt.spawn(std::future::pending::<()>()); // queued: no `block_on` has run it yet
    /// assert_eq!(rt.handle().dump().tasks().next().unwrap().state(), TaskState::Scheduled);
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many times the task has been polled.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let (tx, rx) = futures_channel::oneshot::channel::<()>();
    /// rt.spawn(async { let _ = rx.await; });
    /// while rt.handle().dump().tasks().next().unwrap().polls() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// # drop(tx);
    /// ```
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// How long since the task's last poll ended (or since it was spawned,
    /// if it has not been polled). The end of a poll is stamped with the
    /// runtime's coarse clock, which the workers refresh every few dozen
    /// tasks and whenever they wake, so a small figure may be off by a few
    /// milliseconds; for a running task it is the time since its previous
    /// poll ended. One case reads high: a task spawned from outside the
    /// runtime's threads into a runtime idle since some time, and not polled
    /// yet, is stamped with the clock as the workers last refreshed it, so
    /// until its first poll its figure includes that idle time. The task that
    /// has waited longest is usually the stuck one.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// std::thread::sleep(std::time::Duration::from_millis(20));
    /// assert!(rt.handle().dump().tasks().next().unwrap().idle_for().as_millis() >= 10);
    /// ```
    pub fn idle_for(&self) -> Duration {
        self.idle_for
    }
}

/// Every live task of a runtime at one moment, from [`Handle::dump`].
///
/// Its `Display` is a table sorted by [`idle_for`](TaskInfo::idle_for),
/// longest first: the task that has waited longest heads it.
///
/// ```
/// use taskcell_executor::task::Builder;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// Builder::new().name("conn-handler").spawn_on(std::future::pending::<()>(), rt.handle());
/// let dump = rt.handle().dump();
/// assert_eq!(dump.len(), 1);
/// let table = dump.to_string();
/// assert!(table.contains("conn-handler"), "{table}");
/// ```
#[derive(Debug, Clone)]
pub struct Dump {
    tasks: Vec<TaskInfo>,
}

impl Dump {
    pub(crate) fn take(handle: &Handle) -> Dump {
        let now = handle.inner.clock().millis();
        let mut tasks = Vec::new();
        handle.inner.for_each_task(|header| {
            let snapshot = header.state.load();
            let state = if snapshot.is_complete() {
                TaskState::Complete
            } else if snapshot.is_running() {
                TaskState::Running
            } else if snapshot.is_notified() {
                TaskState::Scheduled
            } else {
                TaskState::Idle
            };
            let (polls, last) = header.poll_stats();
            tasks.push(TaskInfo {
                id: header.id,
                name: header.name(),
                location: header.location,
                state,
                polls,
                idle_for: Duration::from_millis(u64::from(elapsed_ms(now, last))),
            });
        });
        tasks.sort_by(|a, b| b.idle_for.cmp(&a.idle_for).then(a.id.cmp(&b.id)));
        Dump { tasks }
    }

    /// The tasks, longest idle first.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().dump().tasks().count(), 0);
    /// ```
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = &TaskInfo> {
        self.tasks.iter()
    }

    /// How many tasks the dump holds.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().dump().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the runtime had no live task.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert!(rt.handle().dump().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

/// Milliseconds from the stamp `last` to `now`, both readings of the
/// runtime's clock that wrap after 49 days. A task that ends a poll while the
/// dump is being taken may carry a stamp a little after `now`: that is no
/// time at all, not 49 days.
fn elapsed_ms(now: u32, last: u32) -> u32 {
    let elapsed = now.wrapping_sub(last);
    if elapsed > u32::MAX / 2 {
        0
    } else {
        elapsed
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} task{}, longest idle first",
            self.tasks.len(),
            if self.tasks.len() == 1 { "" } else { "s" }
        )?;
        writeln!(
            f,
            "{:>8}  {:<9}  {:>7}  {:>10}  {:<20}  spawned at",
            "id", "state", "polls", "idle for", "name"
        )?;
        for task in &self.tasks {
            let idle = task.idle_for.as_secs_f64();
            writeln!(
                f,
                "{:>8}  {:<9}  {:>7}  {:>9.3}s  {:<20}  {}",
                task.id.to_string(),
                task.state,
                task.polls,
                idle,
                task.name.as_deref().unwrap_or("-"),
                task.location
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::elapsed_ms;

    #[test]
    fn a_stamp_after_the_dumps_reading_is_no_time_not_49_days() {
        assert_eq!(elapsed_ms(1_000, 400), 600);
        assert_eq!(elapsed_ms(1_000, 1_003), 0);
        // Across the wrap of the 32-bit millisecond clock.
        assert_eq!(elapsed_ms(5, u32::MAX - 4), 10);
    }
}
