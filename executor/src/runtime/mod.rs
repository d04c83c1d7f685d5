//! The runtime, as `tokio::runtime`: [`Builder`], [`Runtime`], [`Handle`],
//! their guards, ids, errors and metrics. The crate's root re-exports the
//! same items, so `taskcell_executor::runtime::Builder` and
//! `taskcell_executor::Builder` are one type.
//!
//! ```
//! use taskcell_executor::runtime::{Builder, Handle, Id, RuntimeFlavor};
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
//! let (id, flavor) = rt.block_on(async {
//!     let handle = Handle::current();
//!     (handle.id(), handle.runtime_flavor())
//! });
//! let id: Id = id;
//! assert_eq!(id, rt.handle().id());
//! assert_eq!(flavor, RuntimeFlavor::MultiThread);
//! ```
//!
//! Inside: [`Builder`] is `builder.rs`, [`Runtime`] is here, [`Handle`] is
//! `handle.rs`, [`LocalRuntime`] (a current-thread runtime that owns a
//! `LocalSet`) is `local_runtime.rs`; they delegate to the scheduler
//! (`crate::scheduler`).

mod builder;
mod dump;
mod handle;
mod local_runtime;
pub(crate) mod metrics;

pub use self::builder::Builder;
pub(crate) use self::builder::ParkHooks;
pub(crate) use self::builder::ThreadHooks;
pub use self::dump::{Dump, TaskInfo, TaskState};
pub use self::handle::RuntimeId as Id;
pub use self::handle::{
    spawn, spawn_blocking, EnterGuard, Handle, RuntimeFlavor, RuntimeId, TryCurrentError,
};
pub use self::local_runtime::{LocalOptions, LocalRuntime};
pub use self::metrics::RuntimeMetrics;

use std::fmt;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use crate::context;
use crate::scheduler::current_thread::CurrentThread;
use crate::scheduler::multi_thread::MultiThread;
use crate::task::JoinHandle;

/// A taskcell runtime: a work-stealing scheduler whose every task has a
/// [`TaskId`](crate::TaskId), so `TaskCell`s work in any task with nothing to wrap.
///
/// Dropping the runtime shuts it down: the workers stop, every pending
/// future is dropped (each under its own task id), and the threads are
/// joined. The futures' `Drop`s run inside the runtime's context, so
/// `Handle::current()` works there. Dropping the runtime inside a runtime
/// task or `block_on` panics instead, as that thread may be one of the
/// workers being waited for; [`shutdown_background`](Self::shutdown_background)
/// waits for nothing and works anywhere.
///
/// ```
/// use std::cell::RefCell;
/// use taskcell_executor::{Runtime, TaskCell};
///
/// let rt = Runtime::new().unwrap();
/// let total = rt.block_on(async {
///     let task = taskcell_executor::spawn(async {
///         let seen = TaskCell::new(RefCell::new(Vec::new()));
///         for i in 0..3 {
///             seen.with(|s| s.borrow_mut().push(i));
///             taskcell_executor::yield_now().await; // may move to another worker
///         }
///         seen.with(|s| s.borrow().iter().sum::<i32>())
///     });
///     task.await.unwrap()
/// });
/// assert_eq!(total, 3);
/// ```
pub struct Runtime {
    handle: Handle,
    scheduler: Scheduler,
    shut_down: bool,
}

// Unwind safe, as tokio's: `catch_unwind(|| rt.block_on(..))` is how a test
// harness checks a panic. What the runtime shares is unwind safe (see the
// scheduler's `Handle`); its worker threads' join handles are only joined
// at shutdown.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

/// The flavour's own part of a runtime.
#[derive(Debug)]
enum Scheduler {
    CurrentThread(CurrentThread),
    MultiThread(MultiThread),
}

impl Runtime {
    /// A multi-thread runtime with one worker per core, I/O and timers
    /// enabled: `Builder::new_multi_thread().enable_all().build()`.
    ///
    /// # Errors
    ///
    /// If a worker thread cannot be started.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion on this thread, under a task id of its
    /// own, and returns its output. On a current-thread runtime the spawned
    /// tasks run here too, meanwhile.
    ///
    /// # Panics
    ///
    /// If called from inside a runtime task or another `block_on`: blocking
    /// there would stall the very workers that must make progress.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 7 }), 7);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on_root(future, false)
    }

    /// Enters the runtime's context on this thread until the guard drops:
    /// `spawn`, `Handle::current()`, sockets and timers work here as inside
    /// a task; see [`Handle::enter`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let task = taskcell_executor::spawn(async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Spawns `future` as a new task; see [`Handle::spawn`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { "done" });
    /// assert_eq!(rt.block_on(task).unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn_blocking(|| std::fs::metadata(".").is_ok());
    /// assert!(rt.block_on(task).unwrap());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime, to spawn from anywhere.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { 1 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The runtime's counters, as tokio's `Runtime::metrics`; the same as
    /// [`Handle::metrics`].
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts the runtime down, waiting at most `timeout` for the workers
    /// and blocking threads to stop. Tasks still running when time is up are
    /// cancelled as soon as their current poll returns; blocking closures
    /// run to the end on their detached threads. A timeout past what an
    /// `Instant` holds (`Duration::MAX`) waits without limit.
    ///
    /// A `spawn_blocking` made before the shutdown runs, as in tokio: on a
    /// thread busy or starting at the shutdown, after what it runs now.
    /// Only threads idle at the shutdown cancel what is still queued.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Instant::now().checked_add(timeout));
    }

    /// Shuts the runtime down without waiting for anything:
    /// `shutdown_timeout(Duration::ZERO)`. Tasks are cancelled as soon as
    /// their current poll returns; blocking closures run to the end on
    /// their detached threads. It may be called anywhere, inside a runtime
    /// task too (where dropping a runtime, which waits, panics).
    ///
    /// ```
    /// let outer = taskcell_executor::Runtime::new().unwrap();
    /// let inner = taskcell_executor::Runtime::new().unwrap();
    /// inner.spawn(std::future::pending::<()>());
    /// outer.block_on(async move { inner.shutdown_background() });
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, deadline: Option<Instant>) {
        self.shutdown_with(deadline, || ());
    }

    /// Shuts the runtime down, once: `first` runs inside the runtime's
    /// context before its tasks are dropped (a `LocalRuntime` drops its
    /// local tasks there).
    ///
    /// # Panics
    ///
    /// Where blocking is not allowed, unless `deadline` waits for nothing:
    /// before `first` runs.
    pub(crate) fn shutdown_with(&mut self, deadline: Option<Instant>, first: impl FnOnce()) {
        if self.shut_down {
            return;
        }
        // A zero timeout waits for nothing, so it is fine where blocking is
        // not (tokio's `shutdown_background`, too).
        let waits = deadline.is_none_or(|deadline| deadline > Instant::now());
        let deadline = if waits && context::blocking_forbidden() {
            if !std::thread::panicking() {
                panic!(
                    "Cannot drop a runtime in a context where blocking is not allowed: a \
                     taskcell `Runtime` was dropped inside a runtime task or `block_on`, and \
                     shutting down waits for the workers, which may include this very \
                     thread. Drop it outside, hand it to `spawn_blocking` to drop there, or \
                     call `shutdown_background`, which waits for nothing."
                );
            }
            // Already unwinding: shut down without waiting for a worker that
            // may be this thread.
            Some(Instant::now())
        } else {
            deadline
        };
        self.shut_down = true;
        let handle = &self.handle.inner;
        // The futures dropped here run their `Drop`s inside this runtime's
        // context, as tokio's: `Handle::current()` works there, and a spawn
        // is refused (cancelled) rather than a panic. At thread exit (a
        // runtime in a thread-local) the context may be gone already.
        let _context = context::try_enter_handle(handle);
        first();
        match &mut self.scheduler {
            Scheduler::CurrentThread(scheduler) => scheduler.shutdown(handle, deadline),
            Scheduler::MultiThread(scheduler) => scheduler.shutdown(handle, deadline),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// Whether `err` is the error of a socket (or signal) whose runtime has
/// shut down, as tokio's `runtime::is_rt_shutdown_err`: a wait or an
/// operation on it fails with that error from then on, and never waits
/// (a `try_` method first tries the readiness it last saw, as tokio's).
///
/// ```
/// use taskcell_executor::{is_rt_shutdown_err, net::TcpListener, Runtime};
///
/// let rt = Runtime::new().unwrap();
/// let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").await.unwrap() });
/// drop(rt);
/// let err = Runtime::new()
///     .unwrap()
///     .block_on(async { listener.accept().await })
///     .unwrap_err();
/// assert!(is_rt_shutdown_err(&err));
/// // Another error, even with the same text, is not that one.
/// assert!(!is_rt_shutdown_err(&std::io::Error::other(err.to_string())));
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
        && err
            .get_ref()
            .is_some_and(|inner| inner.is::<crate::driver::io::scheduled_io::RuntimeGone>())
}

/// The index of the worker this thread runs, as tokio's
/// `runtime::worker_index`: the index [`RuntimeMetrics`]' `worker_*`
/// methods take, from 0 to `num_workers() - 1`.
///
/// `None` off a worker: on a blocking-pool thread, inside
/// `block_in_place`, on a thread of no runtime, in the future of a
/// multi-thread runtime's `block_on`, which is not a task, and in that of
/// any `Handle::block_on` (as in tokio, where it never drives a runtime).
/// A current-thread runtime (or a `LocalRuntime`) is its one worker 0 on
/// the thread that drives it. A task may move between workers at each
/// `.await`, so the index may differ after one.
///
/// ```
/// use taskcell_executor::runtime::{self, Builder};
///
/// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let index = rt.block_on(async {
///     assert_eq!(runtime::worker_index(), None, "block_on's thread is no worker");
///     taskcell_executor::spawn(async { runtime::worker_index() }).await.unwrap()
/// });
/// assert!(matches!(index, Some(0 | 1)));
/// assert_eq!(runtime::worker_index(), None);
/// ```
pub fn worker_index() -> Option<usize> {
    if crate::context::in_handle_block_on_root() {
        return None;
    }
    crate::context::with_scheduler(|cx| cx.map(|cx| cx.core.index()))
}
