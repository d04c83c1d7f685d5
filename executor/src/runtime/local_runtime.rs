//! [`LocalRuntime`] and its [`LocalOptions`]: a current-thread runtime that
//! also runs futures that are not `Send`, as tokio's
//! `runtime::LocalRuntime` (`runtime/local_runtime/`).
//!
//! Inside: a current-thread [`Runtime`] and the [`LocalSet`] it owns. The
//! runtime's scheduler keeps the set's shared state, so that
//! [`spawn_local`](crate::task::spawn_local) finds the set wherever the
//! runtime is entered on its thread; `block_on` runs the future inside the
//! set's `run_until`, so the local tasks run on this thread while it
//! drives the runtime; and the shutdown drops the local tasks first, in
//! the runtime's context. Neither type is `Send`: that is what keeps the
//! local tasks on their thread (task rule 8).

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};

/// A runtime that runs every task on the thread that made it, futures that
/// are not `Send` included: tokio's `runtime::LocalRuntime`.
///
/// It is a current-thread runtime (its handle's
/// [`runtime_flavor`](Handle::runtime_flavor) is
/// [`CurrentThread`](super::RuntimeFlavor::CurrentThread), as tokio's)
/// whose [`spawn_local`](Self::spawn_local), and the free
/// [`task::spawn_local`](crate::task::spawn_local) in its context (its
/// `block_on`, its tasks, and under [`enter`](Self::enter)), spawn without
/// a [`LocalSet`]. The local tasks run on this thread while
/// [`block_on`](Self::block_on) runs, beside the runtime's `Send` tasks;
/// each has a task identity, so a [`TaskCell`](crate::TaskCell) made in
/// one works there as in any task. Dropping the runtime drops every task's
/// future, the local ones on this thread, inside the runtime's context.
///
/// The runtime is neither `Send` nor `Sync`; its [`Handle`] is, and spawns
/// `Send` tasks from anywhere. Unlike our current-thread runtime's,
/// [`Handle::block_on`] does not run the local tasks (tokio's runs no task
/// at all there): await them in [`LocalRuntime::block_on`]. As in tokio, a
/// `LocalSet` driven inside this runtime gets no tasks from
/// `task::spawn_local`: they go to the runtime.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use taskcell_executor::{runtime::LocalRuntime, task};
///
/// let rt = LocalRuntime::new().unwrap();
/// let log = Rc::new(RefCell::new(Vec::new())); // not `Send`
/// let first = rt.spawn_local({
///     let log = log.clone();
///     async move { log.borrow_mut().push("spawned on the runtime") }
/// });
/// rt.block_on(async {
///     first.await.unwrap();
///     let log = log.clone();
///     task::spawn_local(async move { log.borrow_mut().push("spawned inside") })
///         .await
///         .unwrap();
/// });
/// assert_eq!(*log.borrow(), ["spawned on the runtime", "spawned inside"]);
/// ```
///
/// It cannot go to another thread, nor be shared with one:
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// is_send(taskcell_executor::runtime::LocalRuntime::new().unwrap());
/// ```
///
/// ```compile_fail
/// fn is_sync<T: Sync>(_: &T) {}
/// is_sync(&taskcell_executor::runtime::LocalRuntime::new().unwrap());
/// ```
pub struct LocalRuntime {
    runtime: Runtime,
    /// The local tasks; neither `Send` nor `Sync`, and so neither is the
    /// runtime (task rule 8 relies on it).
    local: LocalSet,
}

// Unwind safe, as tokio's (and our `Runtime`): a panic caught around
// `block_on` leaves the set's queues as they were between two polls, and a
// task's panic is caught inside and becomes its `JoinError`.
impl std::panic::UnwindSafe for LocalRuntime {}
impl std::panic::RefUnwindSafe for LocalRuntime {}

impl LocalRuntime {
    /// A local runtime with I/O and timers enabled:
    /// `Builder::new_current_thread().enable_all().build_local(Default::default())`.
    ///
    /// # Errors
    ///
    /// If the I/O driver cannot be set up.
    ///
    /// ```
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    /// Puts together what [`Builder::build_local`] made.
    pub(crate) fn from_parts(
        runtime: Runtime,
        local: LocalSet,
        _options: LocalOptions,
    ) -> LocalRuntime {
        LocalRuntime { runtime, local }
    }

    /// A handle to this runtime: it spawns `Send` tasks from any thread.
    /// On this thread, under [`Handle::enter`], `task::spawn_local` reaches
    /// the runtime as under [`LocalRuntime::enter`]; on another thread it
    /// panics there, as tokio's.
    ///
    /// ```
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { 2 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    pub fn handle(&self) -> &Handle {
        self.runtime.handle()
    }

    /// Spawns `future`, which need not be `Send`, as a task of this
    /// runtime, and returns its [`JoinHandle`]. It runs on this thread
    /// while [`block_on`](Self::block_on) runs.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// let shared = Rc::new(20);
    /// let task = rt.spawn_local({
    ///     let shared = shared.clone();
    ///     async move { *shared + 1 }
    /// });
    /// assert_eq!(rt.block_on(task).unwrap(), 21);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Runs `f` on the runtime's blocking pool; see
    /// [`Handle::spawn_blocking`].
    ///
    /// ```
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn_blocking(|| (1..=4).product::<u32>());
    /// assert_eq!(rt.block_on(task).unwrap(), 24);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.runtime.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, and the runtime's tasks,
    /// local or not, meanwhile; returns its output. Tasks still pending then
    /// stay, and run at the next `block_on`.
    ///
    /// # Panics
    ///
    /// Inside a runtime task or another `block_on`, as
    /// [`Runtime::block_on`].
    ///
    /// ```
    /// use std::rc::Rc;
    /// use taskcell_executor::{runtime::LocalRuntime, task};
    ///
    /// let rt = LocalRuntime::new().unwrap();
    /// let out = rt.block_on(async {
    ///     let cell = Rc::new(std::cell::Cell::new(1));
    ///     let c = cell.clone();
    ///     task::spawn_local(async move { c.set(c.get() + 1) }).await.unwrap();
    ///     taskcell_executor::spawn(async { 40 }).await.unwrap() + cell.get()
    /// });
    /// assert_eq!(out, 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local.block_on(&self.runtime, future)
    }

    /// Enters the runtime's context on this thread until the guard drops:
    /// `spawn`, `task::spawn_local`, `Handle::current()`, sockets and timers
    /// work here as inside a task. Tasks spawned so run at the next
    /// [`block_on`](Self::block_on).
    ///
    /// ```
    /// use taskcell_executor::{runtime::LocalRuntime, task};
    ///
    /// let rt = LocalRuntime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.enter();
    ///     task::spawn_local(async { std::rc::Rc::new("ran") })
    /// };
    /// assert_eq!(*rt.block_on(task).unwrap(), "ran");
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.runtime.enter()
    }

    /// Shuts the runtime down, as [`Runtime::shutdown_timeout`]: the local
    /// tasks' futures are dropped at once, here, then the other tasks', and
    /// it waits at most `timeout` for the blocking threads.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// rt.spawn_local(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Instant::now().checked_add(timeout));
    }

    /// Shuts the runtime down without waiting for anything:
    /// `shutdown_timeout(Duration::ZERO)`. It may be called anywhere,
    /// inside another runtime's task too (where dropping a runtime, which
    /// waits, panics).
    ///
    /// ```
    /// use taskcell_executor::runtime::LocalRuntime;
    ///
    /// let outer = LocalRuntime::new().unwrap();
    /// outer.block_on(async {
    ///     let inner = LocalRuntime::new().unwrap();
    ///     inner.spawn_local(std::future::pending::<()>());
    ///     inner.shutdown_background();
    /// });
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// The runtime's counters, as [`Runtime::metrics`]; the local tasks
    /// count among its tasks, as in tokio.
    ///
    /// ```
    /// let rt = taskcell_executor::runtime::LocalRuntime::new().unwrap();
    /// rt.spawn_local(std::future::pending::<()>());
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// assert_eq!(rt.metrics().num_alive_tasks(), 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.runtime.metrics()
    }

    fn shutdown(&mut self, deadline: Option<Instant>) {
        let local = &self.local;
        self.runtime.shutdown_with(deadline, || local.close());
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime")
            .field("handle", self.handle())
            .field("local", &self.local)
            .finish()
    }
}

/// The settings of a [`LocalRuntime`] that a plain runtime does not have,
/// for [`Builder::build_local`]: none yet, as in tokio. Not `Send`, as
/// tokio's, so that settings tied to this thread may come.
///
/// ```
/// use taskcell_executor::runtime::{Builder, LocalOptions};
///
/// let options = LocalOptions::default();
/// println!("{options:?}");
/// let rt = Builder::new_current_thread().build_local(options).unwrap();
/// # drop(rt);
/// ```
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// is_send(taskcell_executor::runtime::LocalOptions::default());
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LocalOptions {
    /// Neither `Send` nor `Sync`, as tokio's.
    _not_send: PhantomData<*const ()>,
}
