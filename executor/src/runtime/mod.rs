//! The runtime's public face: [`Builder`] (`builder.rs`), [`Runtime`]
//! (here) and [`Handle`] (`handle.rs`).

mod builder;
mod dump;
mod handle;
pub(crate) mod metrics;

pub use self::builder::Builder;
pub(crate) use self::builder::ThreadHooks;
pub use self::dump::{Dump, TaskInfo, TaskState};
pub use self::handle::{spawn, spawn_blocking, Handle, TryCurrentError};
pub use self::metrics::RuntimeMetrics;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::context;
use crate::scheduler::park::Parker;
use crate::scheduler::worker::{Core, RootWaker};
use crate::scheduler::{Flavor, Shared};
use crate::sync::{wait_while, Arc};
use crate::task::JoinHandle;

/// A taskcell runtime: a work-stealing scheduler whose every task has a
/// [`TaskId`](crate::TaskId), so `TaskCell`s work in any task with nothing to wrap.
///
/// Dropping the runtime shuts it down: the workers stop, every pending
/// future is dropped (each under its own task id), and the threads are
/// joined. Dropping it inside a runtime task or `block_on` panics instead,
/// as that thread may be one of the workers being waited for.
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
    threads: Vec<std::thread::JoinHandle<()>>,
    shut_down: bool,
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
        let _context = context::enter_block_on(&self.handle);
        let future = pin!(taskcell::bind(future));
        let shared = &self.handle.shared;
        if shared.flavor == Flavor::CurrentThread {
            return block_on_current_thread(&self.handle, future);
        }
        park_until_ready(future, shared)
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

    /// Shuts the runtime down, waiting at most `timeout` for the workers
    /// and blocking threads to stop. Tasks still running when time is up are
    /// cancelled as soon as their current poll returns; blocking closures
    /// run to the end on their detached threads.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(Instant::now() + timeout));
    }

    fn shutdown(&mut self, deadline: Option<Instant>) {
        if self.shut_down {
            return;
        }
        let deadline = if context::blocking_forbidden() {
            if !std::thread::panicking() {
                panic!(
                    "a taskcell `Runtime` was dropped inside a runtime task or `block_on`: \
                     shutting down waits for the workers, which may include this very \
                     thread. Drop it outside, or hand it to `spawn_blocking` to drop there."
                );
            }
            // Already unwinding: shut down without waiting for a worker that
            // may be this thread.
            Some(Instant::now())
        } else {
            deadline
        };
        self.shut_down = true;
        let shared = &*self.handle.shared;
        shared.begin_shutdown();
        // Wait for the workers to leave their loops.
        let workers = self.threads.len();
        let all_exited = wait_while(
            &shared.exited_cv,
            &mut shared.exited.lock(),
            deadline,
            |exited| *exited < workers,
        );
        for thread in self.threads.drain(..) {
            if all_exited {
                let _ = thread.join();
            }
        }
        // Drop every future still pending, each under its own id.
        shared.owned.close_and_drain(|task| task.shutdown());
        if let Some(core) = shared.current_core.lock().as_deref() {
            core.drain(shared);
        }
        // Sockets and timers that outlive the runtime fail from now on.
        if let Some(driver) = &shared.driver {
            driver.shutdown();
        }
        shared.drain_injector();
        for remote in shared.remotes.iter() {
            drop(remote.lifo.take());
        }
        shared.blocking.shutdown(deadline);
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

/// The current-thread `block_on`: drives the runtime with its core, or,
/// while another `block_on` holds the core, polls `future` alone and waits
/// for either its wake-up or the core's return, then takes the core over.
fn block_on_current_thread<F: Future>(handle: &Handle, mut future: Pin<&mut F>) -> F::Output {
    let shared = &handle.shared;
    let root = StdArc::new(RootWaker::new(Arc::new(Parker::new())));
    let waker = Waker::from(StdArc::clone(&root));
    let mut cx = Context::from_waker(&waker);
    loop {
        // A statement of its own: the guard must be gone before `drive`.
        let core = shared.current_core.lock().take();
        if let Some(core) = core {
            let core = ReturnCore(handle, Some(core));
            let core = core.1.as_deref().expect("just put there");
            return core.drive(handle, future);
        }
        // Register before looking again, so a core returned from now on
        // unparks us (see `Shared::core_waiters`).
        shared.core_waiters.lock().push(Arc::clone(&root.parker));
        let waiting = WaitForCore(handle, &root.parker);
        if shared.current_core.lock().is_some() {
            continue;
        }
        let poll = crate::coop::with_budget(crate::coop::Budget::new(shared.budget), || {
            future.as_mut().poll(&mut cx)
        });
        if let Poll::Ready(out) = poll {
            return out;
        }
        root.parker.park();
        shared.clock.refresh();
        drop(waiting);
    }
}

/// Puts the current-thread core back, even if the root future panics, and
/// unparks the `block_on` calls waiting for it.
struct ReturnCore<'a>(&'a Handle, Option<Box<Core>>);

impl Drop for ReturnCore<'_> {
    fn drop(&mut self) {
        let shared = &self.0.shared;
        *shared.current_core.lock() = self.1.take();
        for parker in shared.core_waiters.lock().iter() {
            parker.unpark();
        }
    }
}

/// A `block_on`'s place among the core's waiters, left on drop.
struct WaitForCore<'a>(&'a Handle, &'a Arc<Parker>);

impl Drop for WaitForCore<'_> {
    fn drop(&mut self) {
        let mut waiters = self.0.shared.core_waiters.lock();
        if let Some(at) = waiters.iter().position(|p| Arc::ptr_eq(p, self.1)) {
            waiters.swap_remove(at);
        }
    }
}

/// Polls `future` on this thread (each poll with a fresh budget), sleeping
/// between wake-ups. Each wake-up refreshes the runtime's coarse clock, so
/// that tasks this thread spawns are stamped with the time (task dumps).
fn park_until_ready<F: Future>(mut future: Pin<&mut F>, shared: &Shared) -> F::Output {
    let root = StdArc::new(RootWaker::new(Arc::new(Parker::new())));
    let waker = Waker::from(StdArc::clone(&root));
    let mut cx = Context::from_waker(&waker);
    loop {
        shared.clock.refresh();
        let poll = crate::coop::with_budget(crate::coop::Budget::new(shared.budget), || {
            future.as_mut().poll(&mut cx)
        });
        if let Poll::Ready(out) = poll {
            return out;
        }
        root.parker.park();
    }
}
