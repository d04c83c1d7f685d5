//! [`Handle`]: reaches a runtime from anywhere, and the free `spawn`
//! functions that use the current one.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;
use crate::runtime::{Dump, RuntimeMetrics};
use crate::scheduler::{self, Flavor};
use crate::task::{JoinHandle, Meta};

/// A handle to a runtime: spawns tasks onto it from any thread.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let task = handle.spawn(async { 3 });
/// assert_eq!(rt.block_on(task).unwrap(), 3);
/// ```
#[derive(Clone)]
pub struct Handle {
    /// The scheduler's own handle, which every task of the runtime holds.
    pub(crate) inner: scheduler::Handle,
}

/// The guard of [`Handle::enter`] and [`Runtime::enter`](crate::Runtime::enter):
/// the runtime's context stays entered on this thread until it drops. It
/// belongs to the thread that made it (`!Send`); as tokio's, it is `Sync`,
/// since a shared reference to it reaches nothing.
///
/// ```
/// fn is_sync<T: Sync>(_: &T) {}
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let guard = rt.enter();
/// is_sync(&guard);
/// ```
///
/// It cannot go to another thread:
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// is_send(rt.enter());
/// ```
#[must_use = "the context is left when the guard drops"]
pub struct EnterGuard<'a> {
    _context: context::EnterGuard,
    /// Borrows the handle, and keeps the guard on its thread.
    _handle: PhantomData<(&'a Handle, StaysOnItsThread)>,
}

/// A marker that is `!Send` (a guard must drop on the thread it was made
/// on, where its context is entered) but `Sync`.
struct StaysOnItsThread(PhantomData<*const ()>);

// SAFETY: the marker holds no data that is ever read; it only takes `Send`
// away. An `&EnterGuard` reaches nothing but its `Debug`, which prints no
// state, so sharing one between threads cannot touch the context it
// restores on drop; only sending it could, and that stays refused.
unsafe impl Sync for StaysOnItsThread {}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// A runtime's id, from [`Handle::id`] (tokio's `runtime::Id`): unique
/// among the runtimes of this process, and displayed as a number.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let id = rt.handle().id();
/// assert!(id.to_string().parse::<u64>().is_ok());
/// let inside = rt.block_on(async { taskcell_executor::Handle::current().id() });
/// assert_eq!(id, inside);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuntimeId(u64);

impl fmt::Display for RuntimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The flavour of a runtime, as tokio's: which scheduler runs its tasks.
///
/// ```
/// use taskcell_executor::runtime::{Builder, RuntimeFlavor};
///
/// let rt = Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
/// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Tasks run on the thread that calls `block_on`, while it does
    /// ([`Builder::new_current_thread`](crate::Builder::new_current_thread));
    /// a [`LocalRuntime`](crate::runtime::LocalRuntime)'s too.
    CurrentThread,
    /// Tasks run on a pool of worker threads, which steal from each other
    /// ([`Builder::new_multi_thread`](crate::Builder::new_multi_thread)).
    MultiThread,
}

/// Returned by [`Handle::try_current`] outside any runtime. It displays
/// as tokio's, followed by what to do.
///
/// ```
/// let err = taskcell_executor::Handle::try_current().unwrap_err();
/// assert!(err.to_string().starts_with(
///     "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
/// ));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError {
    /// Whether this thread's context was already destroyed (a thread-local
    /// destructor at thread exit), rather than never entered.
    destroyed: bool,
}

impl TryCurrentError {
    /// Whether the call was made outside any runtime's context, as tokio's.
    ///
    /// ```
    /// let err = taskcell_executor::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// assert!(!err.is_thread_local_destroyed());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        !self.destroyed
    }

    /// Whether the call was made while this thread's thread-locals were
    /// being destroyed (from another thread-local's `Drop` at thread exit),
    /// when no runtime's context can be read any more, as tokio's.
    ///
    /// ```
    /// struct AtExit;
    /// impl Drop for AtExit {
    ///     fn drop(&mut self) {
    ///         // Whichever thread-local goes first, the answer is an error.
    ///         assert!(taskcell_executor::Handle::try_current().is_err());
    ///     }
    /// }
    /// thread_local!(static AT_EXIT: AtExit = const { AtExit });
    /// std::thread::spawn(|| AT_EXIT.with(|_| ())).join().unwrap();
    /// ```
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.destroyed
    }
}

/// tokio's texts first (the panic of its `Handle::current`, and of each
/// call that needs a runtime), then ours.
impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.destroyed {
            return f.write_str(
                "The Tokio context thread-local variable has been destroyed. The taskcell \
                 runtime context of this thread is being destroyed (the thread is exiting): \
                 there is no runtime here any more",
            );
        }
        f.write_str(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: this needs a taskcell runtime (which serves tokio's API), and none is \
             entered here. Call this from a task, a `block_on`, or a `spawn_blocking` closure \
             of a taskcell runtime, or enter one with `Runtime::enter`",
        )
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The runtime this code runs in.
    ///
    /// # Panics
    ///
    /// Outside any runtime; see [`try_current`](Self::try_current).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let handle = rt.block_on(async { taskcell_executor::Handle::current() });
    /// # drop(handle);
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("{err}"),
        }
    }

    /// The runtime this code runs in, if any.
    ///
    /// ```
    /// assert!(taskcell_executor::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_handle(|inner| Handle {
            inner: inner.clone(),
        })
        .ok_or_else(|| TryCurrentError {
            destroyed: !context::is_alive(),
        })
    }

    /// Runs `future` to completion on this thread, as
    /// [`Runtime::block_on`](crate::Runtime::block_on) does: with the
    /// runtime's context entered, under a task id of its own, and on a
    /// current-thread runtime running its tasks here meanwhile (unlike
    /// tokio's, which cannot drive a current-thread runtime from a handle).
    /// A [`LocalRuntime`](crate::runtime::LocalRuntime)'s local tasks run
    /// only in its own `block_on`, not here.
    ///
    /// # Panics
    ///
    /// If called from inside a runtime task or another `block_on`.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let out = std::thread::spawn(move || {
    ///     handle.block_on(async { taskcell_executor::spawn(async { 6 }).await.unwrap() })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(out, 6);
    /// ```
    ///
    /// As in tokio, `block_in_place` in `future` itself (not in a task it
    /// spawns) runs its closure at once on either flavour; in
    /// [`Runtime::block_on`](crate::Runtime::block_on) of a current-thread
    /// runtime it panics, since the runtime's tasks would stall.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let out = rt.handle().block_on(async {
    ///     taskcell_executor::task::block_in_place(|| 7)
    /// });
    /// assert_eq!(out, 7);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.block_on_root(future, true)
    }

    /// `block_on`, for [`Handle::block_on`] (`in_handle`) and for
    /// [`Runtime::block_on`](crate::Runtime::block_on).
    #[track_caller]
    pub(crate) fn block_on_root<F: Future>(&self, future: F, in_handle: bool) -> F::Output {
        let _context = context::enter_block_on(&self.inner);
        let future = std::pin::pin!(Root {
            future: taskcell::bind(future),
            in_handle,
        });
        self.inner.block_on(future)
    }

    /// Enters the runtime's context on this thread until the guard drops:
    /// `spawn`, `Handle::current()`, sockets and timers work here as inside
    /// a task, and what was entered before comes back after. Guards must
    /// drop in the reverse order of their making.
    ///
    /// ```
    /// use taskcell_executor::Handle;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert!(Handle::try_current().is_err());
    /// let guard = rt.handle().enter();
    /// assert_eq!(Handle::current().id(), rt.handle().id());
    /// drop(guard);
    /// assert!(Handle::try_current().is_err());
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _context: context::enter_handle(&self.inner),
            _handle: PhantomData,
        }
    }

    /// The runtime's id: unique among the runtimes of this process, the
    /// same for every handle of one runtime.
    ///
    /// ```
    /// let a = taskcell_executor::Runtime::new().unwrap();
    /// let b = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(a.handle().id(), a.handle().clone().id());
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// ```
    pub fn id(&self) -> RuntimeId {
        RuntimeId(self.inner.id())
    }

    /// The runtime's name, given with [`Builder::name`](crate::Builder::name)
    /// (or `#[main(name = "..")]`); `None` for an unnamed runtime, as
    /// tokio's.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }

    /// The flavour of this handle's runtime. A
    /// [`LocalRuntime`](crate::runtime::LocalRuntime) is a current-thread
    /// runtime: `CurrentThread`, as tokio's.
    ///
    /// ```
    /// use taskcell_executor::runtime::RuntimeFlavor;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let flavor = rt.block_on(async {
    ///     taskcell_executor::Handle::current().runtime_flavor()
    /// });
    /// assert_eq!(flavor, RuntimeFlavor::MultiThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner.flavor() {
            Flavor::CurrentThread => RuntimeFlavor::CurrentThread,
            Flavor::MultiThread => RuntimeFlavor::MultiThread,
        }
    }

    /// Spawns `future` as a new task and returns its [`JoinHandle`].
    ///
    /// The task runs under its own [`TaskId`](crate::TaskId): every poll, and the drop of
    /// its future and output, happen with that id entered. If the runtime
    /// has shut down, the task is cancelled at once: its handle resolves to a
    /// cancelled `JoinError`.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// drop(rt);
    /// let late = handle.spawn(async { 1 });
    /// let err = futures::executor::block_on(late).unwrap_err();
    /// assert!(err.is_cancelled());
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, Meta::caller())
    }

    /// `spawn`, with the name and spawn site given.
    #[inline]
    pub(crate) fn spawn_with<F>(&self, future: F, meta: Meta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, meta)
    }

    /// Runs `f` on the blocking pool, where it may block without stalling
    /// the workers, and returns its [`JoinHandle`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let sum = rt.block_on(handle.spawn_blocking(|| (1..=10).sum::<u32>())).unwrap();
    /// assert_eq!(sum, 55);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_with(f, Meta::caller())
    }

    /// `spawn_blocking`, with the name and spawn site given.
    pub(crate) fn spawn_blocking_with<F, R>(&self, f: F, meta: Meta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, meta)
    }

    /// The runtime's counters: workers, tasks, queues, and per worker its
    /// polls, steals, parks, queue and busy time. See [`RuntimeMetrics`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let metrics = rt.handle().metrics();
    /// assert_eq!(metrics.num_alive_tasks(), 0);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.clone())
    }

    /// Lists every live task (not the closures of `spawn_blocking`): id,
    /// name, spawn site, state, polls, and how long it has been idle. Call
    /// it from any thread while the runtime runs; the workers are not
    /// stopped. See [`Dump`].
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// Builder::new().name("stuck").spawn_on(std::future::pending::<()>(), rt.handle());
    /// let dump = rt.handle().dump();
    /// let task = dump.tasks().next().unwrap();
    /// assert_eq!(task.name(), Some("stuck"));
    /// assert!(task.location().file().ends_with(".rs"));
    /// println!("{dump}");
    /// ```
    pub fn dump(&self) -> Dump {
        Dump::take(self)
    }
}

impl Handle {
    /// How many sockets are registered with this runtime's I/O driver (0
    /// without one): a dropped socket gives its registration back.
    #[doc(hidden)]
    pub fn io_registrations(&self) -> usize {
        self.inner.io().map_or(0, |io| io.registrations())
    }

    /// How many entries this runtime's timer wheel holds (0 without one): a
    /// completed or dropped sleep gives its entry back.
    #[doc(hidden)]
    pub fn timer_entries(&self) -> usize {
        self.inner.time().map_or(0, |time| time.entries())
    }
}

impl futures_task::Spawn for Handle {
    fn spawn_obj(
        &self,
        future: futures_task::FutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        if self.inner.is_shutdown() {
            return Err(futures_task::SpawnError::shutdown());
        }
        drop(Handle::spawn(self, future));
        Ok(())
    }

    fn status(&self) -> Result<(), futures_task::SpawnError> {
        if self.inner.is_shutdown() {
            Err(futures_task::SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("scheduler", &self.inner)
            .finish()
    }
}

/// Spawns `future` on the runtime this code runs in; see [`Handle::spawn`].
///
/// # Panics
///
/// Outside any runtime.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let out = rt.block_on(async { taskcell_executor::spawn(async { 2 }).await.unwrap() });
/// assert_eq!(out, 2);
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = Meta::caller();
    match context::spawn(future, meta) {
        Some(join) => join,
        None => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: `taskcell_executor::spawn` called outside a taskcell runtime: call it \
             from a task, a `block_on` or a `spawn_blocking` closure, or use `Handle::spawn` on \
             a runtime's handle"
        ),
    }
}

/// Runs `f` on the blocking pool of the runtime this code runs in; see
/// [`Handle::spawn_blocking`].
///
/// # Panics
///
/// Outside any runtime.
///
/// ```
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let out = rt.block_on(async { taskcell_executor::spawn_blocking(|| 4).await.unwrap() });
/// assert_eq!(out, 4);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = Meta::caller();
    match context::spawn_blocking(f, meta) {
        Some(join) => join,
        None => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: `taskcell_executor::spawn_blocking` called outside a taskcell runtime: \
             call it from a task, a `block_on` or a `spawn_blocking` closure, or use \
             `Handle::spawn_blocking` on a runtime's handle"
        ),
    }
}

impl Handle {
    /// The paused (or advanced) time of the runtime entered here; `None`
    /// outside any, or while its clock runs with the system's.
    #[cfg(feature = "test-util")]
    pub(crate) fn paused_now() -> Option<std::time::Instant> {
        crate::context::with_handle(|handle| handle.clock().paused_now()).flatten()
    }
}

pin_project_lite::pin_project! {
    /// The future of a `block_on`, marked while it is polled
    /// (`context::as_block_on_root`).
    struct Root<F> {
        #[pin]
        future: taskcell::Bound<F>,
        in_handle: bool,
    }
}

impl<F: Future> Future for Root<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let root = context::BlockOnRoot {
            id: this.future.as_ref().get_ref().id(),
            in_handle: *this.in_handle,
        };
        let future = this.future;
        context::as_block_on_root(root, || future.poll(cx))
    }
}
