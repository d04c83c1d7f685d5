//! [`JoinHandle`]: the spawner's side of a task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use taskcell::TaskId;

use super::error::JoinError;
use super::raw::{header, Header, OutputSlot};
use super::state::ToNotified;

/// An owned permission to await a spawned task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or
/// was cancelled. Dropping it detaches the task: the task keeps running, and
/// its output is dropped (under the task's id) when it finishes.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let task = rt.spawn(async { 6 * 7 });
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    ptr: NonNull<Header>,
    id: TaskId,
    _output: PhantomData<T>,
}

// SAFETY: the handle moves `T` out of the task (so `T: Send`) and otherwise
// touches only the atomic state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` reaches only the state word (`is_finished`, `abort`,
// `id`), never the output.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

// Unwind safe, as tokio's: a panic caught around a use of the handle leaves
// nothing half-done that a later use could see. The handle reaches the task
// only through its atomic state word; the output is moved out whole or not
// at all.
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    ///
    /// `ptr` is a task whose output type is `T`; the handle takes over one
    /// reference and the join interest.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>, id: TaskId) -> JoinHandle<T> {
        JoinHandle {
            ptr,
            id,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle holds a reference (task rule 4).
        unsafe { header(self.ptr) }
    }

    /// Cancels the task: its future is dropped (under its own id) at the
    /// next opportunity, and awaiting this handle gives a cancelled
    /// [`JoinError`]. A task that already finished keeps its output.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        // SAFETY: the handle holds a reference (task rule 4).
        unsafe { abort(self.ptr) }
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// while !task.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(rt.block_on(task).is_ok());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id: the identity its `TaskCell`s are bound to.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { taskcell_executor::TaskId::current() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap(), Some(id));
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// A handle that aborts this task, without its output: for whoever
    /// must be able to cancel a task that another awaits.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// let abort = task.abort_handle();
    /// assert_eq!(abort.id(), task.id());
    /// std::thread::spawn(move || abort.abort()).join().unwrap();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        // A reference of its own (rule 4), as a waker clone takes.
        self.header().state.ref_inc();
        AbortHandle {
            ptr: self.ptr,
            id: self.id,
        }
    }
}

/// Aborts a task: [`JoinHandle::abort_handle`], or what `JoinSet::spawn`
/// returns. It holds a reference to the task but never its output, so it
/// is `Send`, `Sync` and `Clone` whatever the output; dropping it does
/// nothing to the task.
pub struct AbortHandle {
    ptr: NonNull<Header>,
    id: TaskId,
}

// SAFETY: the handle touches only the task's atomic state word and its
// vtable's `schedule` and `dealloc`, which any thread may call (rule 4:
// wakers do the same); never the future or the output.
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`: `&AbortHandle` reaches only the state word.
unsafe impl Sync for AbortHandle {}

// Unwind safe, as tokio's and as `JoinHandle`: it reaches the task only
// through its atomic state word.
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

impl AbortHandle {
    fn header(&self) -> &Header {
        // SAFETY: the handle holds a reference (task rule 4).
        unsafe { header(self.ptr) }
    }

    /// Aborts the task, as [`JoinHandle::abort`]: cancelled at once if it
    /// waits, after its current poll if it runs; nothing if it finished.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort_handle().abort();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        // SAFETY: the handle holds a reference (task rule 4).
        unsafe { abort(self.ptr) }
    }

    /// Whether the task has finished: completed, panicked or cancelled.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// let abort = task.abort_handle();
    /// rt.block_on(task).unwrap();
    /// assert!(abort.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// assert_eq!(task.abort_handle().id(), task.id());
    /// # rt.block_on(task).unwrap();
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.header().state.ref_inc();
        AbortHandle {
            ptr: self.ptr,
            id: self.id,
        }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: rule 4 — that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").field("id", &self.id).finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let out = self.poll_output(cx.waker());
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T> JoinHandle<T> {
    /// The output if the task is complete, otherwise `Pending` with `waker`
    /// registered; spends no budget (`JoinSet` spends it once per call).
    pub(crate) fn poll_output(&self, waker: &Waker) -> Poll<Result<T, JoinError>> {
        let mut out: OutputSlot<T> = Poll::Pending;
        // SAFETY: we are the task's `JoinHandle`, with output type `T`, and
        // `out` is the slot of that type.
        unsafe {
            (self.header().vtable.try_read_output)(
                self.ptr,
                &mut out as *mut OutputSlot<T> as *mut (),
                waker,
            )
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: we are the `JoinHandle`; our reference moves in.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Cancels the task at `ptr`: at once if it waits, after its current poll
/// if it runs, not at all if it finished.
///
/// # Safety
///
/// The caller holds a reference to the task (task rule 4).
unsafe fn abort(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the header alive.
    let header = unsafe { header(ptr) };
    if header.state.transition_to_notified_and_cancel() == ToNotified::Submit {
        // SAFETY: task rule 4 — the transition took a reference for the
        // notification, which `schedule` consumes.
        unsafe { (header.vtable.schedule)(ptr) }
    }
}
