//! Task names for error messages: an executor that lets its users name
//! tasks registers each name here, and an [`AccessError`](crate::AccessError)
//! shows the names of the tasks it mentions.
//!
//! Only the error path looks names up; a cell access never does. An
//! unnamed task costs nothing: there is nothing to register.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::id::TaskId;

/// Every registered name, by raw task id. Ids are never reused (see
/// [`TaskId::fresh`]), so a stale entry can only name its own task.
static NAMES: Mutex<BTreeMap<u64, Arc<str>>> = Mutex::new(BTreeMap::new());

fn names() -> MutexGuard<'static, BTreeMap<u64, Arc<str>>> {
    // A panic while holding the lock leaves the map whole: every operation
    // on it is a single insert, remove or lookup.
    NAMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `name` for the task `id`, for taskcell's error messages, until
/// [`unregister_task_name`] is called with that id. Meant for executors,
/// when they spawn a named task.
///
/// ```
/// use taskcell::{bind, TaskCell};
///
/// let cell = TaskCell::new(0);
/// let owner = bind(async { cell.get() });
/// let id = owner.id();
/// taskcell::register_task_name(id, "conn-handler".into());
/// futures::executor::block_on(owner);
/// let err = futures::executor::block_on(bind(async { cell.try_with(|n| *n).unwrap_err() }));
/// assert!(err.to_string().contains(&format!(r#"owned by task {id} "conn-handler""#)));
/// taskcell::unregister_task_name(id);
/// ```
pub fn register_task_name(id: TaskId, name: Arc<str>) {
    names().insert(id.as_u64(), name);
}

/// Forgets the name of the task `id`, registered by [`register_task_name`];
/// executors call it when the task is gone.
///
/// ```
/// let id = taskcell::TaskId::fresh();
/// taskcell::register_task_name(id, "worker".into());
/// assert_eq!(taskcell::task_name(id).as_deref(), Some("worker"));
/// taskcell::unregister_task_name(id);
/// assert_eq!(taskcell::task_name(id), None);
/// ```
pub fn unregister_task_name(id: TaskId) {
    names().remove(&id.as_u64());
}

/// The name registered for the task `id`, if any.
///
/// ```
/// assert_eq!(taskcell::task_name(taskcell::TaskId::fresh()), None);
/// ```
pub fn task_name(id: TaskId) -> Option<Arc<str>> {
    names().get(&id.as_u64()).cloned()
}
