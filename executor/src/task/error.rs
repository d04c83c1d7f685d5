//! [`JoinError`]: why a task produced no output.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use taskcell::TaskId;

use super::raw::Header;

/// A task that did not run to completion: it panicked, or it was cancelled
/// (by [`JoinHandle::abort`](crate::JoinHandle::abort) or by the runtime
/// shutting down).
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError {
    id: TaskId,
    repr: Repr,
}

/// Two words, so that a `JoinError` stays three: it sits inline in every
/// task's output slot. The name (rare) and the payload live behind a box.
enum Repr {
    Cancelled(Option<Box<Arc<str>>>),
    Panic(Box<Panicked>),
}

struct Panicked {
    payload: SyncPayload,
    name: Option<Arc<str>>,
}

/// A panic payload, `Sync` because it is reachable only by value or through
/// `&mut`, never through `&self`.
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: no `&self` method reaches the payload; it leaves only by value
// (`into_panic`), so sharing `&JoinError` between threads shares nothing of
// the non-`Sync` box.
unsafe impl Sync for SyncPayload {}

impl JoinError {
    pub(crate) fn cancelled(task: &Header) -> JoinError {
        JoinError {
            id: task.id,
            repr: Repr::Cancelled(task.name().map(Box::new)),
        }
    }

    pub(crate) fn panic(task: &Header, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id: task.id,
            repr: Repr::Panic(Box::new(Panicked {
                payload: SyncPayload(payload),
                name: task.name(),
            })),
        }
    }

    /// Whether the task was cancelled, by `abort` or by shutdown.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled(_))
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
    /// assert!(err.is_panic() && !err.is_cancelled());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked; see
    /// [`try_into_panic`](Self::try_into_panic).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let err = rt.block_on(rt.spawn(async { std::panic::panic_any(7u8) })).unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u8>().unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            // tokio's words first, then ours.
            .expect(
                "`JoinError` reason is not a panic. `JoinError::into_panic` was called on a \
                 cancelled task's error: check `is_panic` first, or use `try_into_panic`",
            )
    }

    /// The panic payload, or the error itself if the task was cancelled.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort();
    /// let err = rt.block_on(task).unwrap_err();
    /// assert!(err.try_into_panic().is_err());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(panicked) => Ok(panicked.payload.0),
            Repr::Cancelled(_) => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { panic!() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap_err().id(), id);
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name of the task that failed, if it was spawned with one (see
    /// [`task::Builder`](crate::task::Builder)).
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = Builder::new().name("conn-handler").spawn_on(async { panic!("bad frame") }, rt.handle());
    /// let err = rt.block_on(task).unwrap_err();
    /// assert_eq!(err.name(), Some("conn-handler"));
    /// assert!(err.to_string().contains(r#""conn-handler" panicked with message "bad frame""#));
    /// ```
    pub fn name(&self) -> Option<&str> {
        match &self.repr {
            Repr::Cancelled(name) => name.as_deref().map(|name| &**name),
            Repr::Panic(panicked) => panicked.name.as_deref(),
        }
    }
}

/// The message of a panic payload, when it is a string.
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = self.name() {
            write!(f, " {name:?}")?;
        }
        match &self.repr {
            Repr::Cancelled(_) => f.write_str(" was cancelled"),
            Repr::Panic(panicked) => match panic_message(&*panicked.payload.0) {
                Some(msg) => write!(f, " panicked with message {msg:?}"),
                None => f.write_str(" panicked"),
            },
        }
    }
}

/// In tokio's words, so that what logs and tests match on reads the same:
/// `JoinError::Cancelled(Id(7))`, `JoinError::Panic(Id(7), "message", ...)`,
/// or `JoinError::Panic(Id(7), ...)` for a payload that is no string.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let task = rt.spawn(async { panic!("boom") });
/// let id = task.id();
/// let err = rt.block_on(task).unwrap_err();
/// assert_eq!(format!("{err:?}"), format!("JoinError::Panic(Id({id}), \"boom\", ...)"));
/// ```
impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled(_) => write!(f, "JoinError::Cancelled(Id({}))", self.id),
            Repr::Panic(panicked) => match panic_message(&*panicked.payload.0) {
                Some(msg) => write!(f, "JoinError::Panic(Id({}), {msg:?}, ...)", self.id),
                None => write!(f, "JoinError::Panic(Id({}), ...)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_join_error_stays_three_words() {
        // It sits inline in every task's output slot.
        assert_eq!(
            std::mem::size_of::<super::JoinError>(),
            3 * std::mem::size_of::<usize>()
        );
    }
}
