//! [`Builder`], [`Runtime`] and [`Handle`]: the runtime's public face.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crossbeam_deque::Worker;
use taskcell::TaskId;

use crate::blocking::{BlockingPool, BlockingSchedule, BlockingTask};
use crate::context;
use crate::scheduler::park::Parker;
use crate::scheduler::worker::{Core, RootWaker};
use crate::scheduler::{Flavor, LifoSlot, Remote, Shared};
use crate::sync::{wait_while, Arc};
use crate::task::{new_task, JoinHandle};

type Hook = StdArc<dyn Fn() + Send + Sync + 'static>;

/// Thread settings shared by worker and blocking threads.
pub(crate) struct ThreadHooks {
    pub(crate) name: String,
    pub(crate) stack_size: Option<usize>,
    on_start: Option<Hook>,
    on_stop: Option<Hook>,
}

impl ThreadHooks {
    pub(crate) fn started(&self) {
        if let Some(hook) = &self.on_start {
            hook();
        }
    }

    pub(crate) fn stopped(&self) {
        if let Some(hook) = &self.on_stop {
            hook();
        }
    }
}

/// Configures and builds a [`Runtime`].
///
/// ```
/// use taskcell_executor::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(rt.spawn(async { 1 + 1 })).unwrap(), 2);
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    thread_name: String,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A runtime with a pool of worker threads that steal work from each
    /// other.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    /// A runtime that runs every task on the thread that calls
    /// [`Runtime::block_on`], while it does.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let here = std::thread::current().id();
    /// let there = rt.block_on(rt.spawn(async { std::thread::current().id() })).unwrap();
    /// assert_eq!(here, there);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    fn new(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            worker_threads: None,
            thread_name: "taskcell-worker".to_owned(),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
        }
    }

    /// The number of worker threads (multi-thread runtime only). Default:
    /// the available parallelism.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "a runtime needs at least one worker thread");
        self.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads, workers and blocking threads
    /// alike (default `taskcell-worker`).
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().thread_name("app").build().unwrap();
    /// let name = rt.block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }));
    /// assert_eq!(name.unwrap().as_deref(), Some("app"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = name.into();
        self
    }

    /// The stack size of the runtime's threads, in bytes.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .thread_stack_size(4 << 20)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// Runs `f` on each worker and blocking thread as it starts.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&started);
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt); // joins the workers
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_start = Some(StdArc::new(f));
        self
    }

    /// Runs `f` on each worker and blocking thread as it stops.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&stopped);
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_stop = Some(StdArc::new(f));
        self
    }

    /// The most threads the blocking pool starts (default 512); further
    /// `spawn_blocking` closures wait in a queue.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .max_blocking_threads(2)
    ///     .build()
    ///     .unwrap();
    /// let tasks: Vec<_> = (0..8).map(|i| rt.spawn_blocking(move || i * 2)).collect();
    /// let sum: i32 = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for task in tasks {
    ///         sum += task.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 56);
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits
    /// (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .thread_keep_alive(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.thread_keep_alive = keep_alive;
        self
    }

    /// Builds the runtime and starts its worker threads.
    ///
    /// # Errors
    ///
    /// If a worker thread cannot be started.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(async { 5 }), 5);
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        let workers = match self.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread => self
                .worker_threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        let hooks = StdArc::new(ThreadHooks {
            name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            on_start: self.on_thread_start.clone(),
            on_stop: self.on_thread_stop.clone(),
        });
        let locals: Vec<_> = (0..workers).map(|_| Worker::new_fifo()).collect();
        let remotes = locals
            .iter()
            .map(|local| Remote {
                stealer: local.stealer(),
                lifo: LifoSlot::new(),
                parker: Arc::new(Parker::new()),
            })
            .collect();
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.thread_keep_alive,
            StdArc::clone(&hooks),
        );
        let handle = Handle {
            shared: Arc::new(Shared::new(self.flavor, remotes, blocking)),
        };
        let mut runtime = Runtime {
            handle,
            threads: Vec::new(),
            shut_down: false,
        };
        let cores = locals
            .into_iter()
            .enumerate()
            .map(|(index, local)| Box::new(Core::new(index, local)));
        match self.flavor {
            Flavor::CurrentThread => {
                *runtime.handle.shared.driver.lock() = cores.into_iter().next();
            }
            Flavor::MultiThread => {
                for core in cores {
                    let thread = spawn_worker(&runtime.handle, core, &hooks)?;
                    runtime.threads.push(thread);
                }
            }
        }
        Ok(runtime)
    }
}

fn spawn_worker(
    handle: &Handle,
    core: Box<Core>,
    hooks: &StdArc<ThreadHooks>,
) -> io::Result<std::thread::JoinHandle<()>> {
    let handle = handle.clone();
    let hooks = StdArc::clone(hooks);
    let mut builder = std::thread::Builder::new().name(hooks.name.clone());
    if let Some(size) = hooks.stack_size {
        builder = builder.stack_size(size);
    }
    builder.spawn(move || {
        hooks.started();
        {
            let shared = &*handle.shared;
            let _handle = context::enter_handle(&handle);
            let _worker = context::enter_worker(&core, shared);
            core.run(shared);
        }
        core.drain(&handle.shared);
        *handle.shared.exited.lock() += 1;
        handle.shared.exited_cv.notify_all();
        hooks.stopped();
    })
}

/// A taskcell runtime: a work-stealing scheduler whose every task has a
/// [`TaskId`], so `TaskCell`s work in any task with nothing to wrap.
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
    /// A multi-thread runtime with default settings.
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
        Builder::new_multi_thread().build()
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
            let core = shared.driver.lock().take();
            if let Some(core) = core {
                /// Puts the core back even if the root future panics.
                struct Return<'a>(&'a Handle, Option<Box<Core>>);
                impl Drop for Return<'_> {
                    fn drop(&mut self) {
                        *self.0.shared.driver.lock() = self.1.take();
                    }
                }
                let core = Return(&self.handle, Some(core));
                let driver = core.1.as_deref().expect("just put there");
                return driver.drive(&self.handle, future);
            }
        }
        park_until_ready(future)
    }

    /// Spawns `future` as a new task; see [`Handle::spawn`].
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { "done" });
    /// assert_eq!(rt.block_on(task).unwrap(), "done");
    /// ```
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
        if let Some(core) = shared.driver.lock().as_deref() {
            core.drain(shared);
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

/// Polls `future` on this thread, sleeping between wake-ups.
fn park_until_ready<F: Future>(mut future: std::pin::Pin<&mut F>) -> F::Output {
    let root = StdArc::new(RootWaker::new(Arc::new(Parker::new())));
    let waker = Waker::from(StdArc::clone(&root));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        root.parker.park();
    }
}

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
    pub(crate) shared: Arc<Shared>,
}

/// Returned by [`Handle::try_current`] outside any runtime.
///
/// ```
/// let err = taskcell_executor::Handle::try_current().unwrap_err();
/// assert!(err.to_string().contains("no taskcell runtime"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no taskcell runtime here: call this from a task, a `block_on`, or a \
             `spawn_blocking` closure of a taskcell runtime",
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
        context::with_handle(Handle::clone).ok_or(TryCurrentError(()))
    }

    /// Spawns `future` as a new task and returns its [`JoinHandle`].
    ///
    /// The task runs under its own [`TaskId`]: every poll, and the drop of
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
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, self.clone(), TaskId::fresh());
        match self.shared.owned.bind(task) {
            Ok(()) => self.shared.schedule(notified, false),
            Err(task) => {
                // Shut down: the list's reference claims the task and
                // cancels it; the notification is never queued.
                task.shutdown();
                drop(notified);
            }
        }
        join
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
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (notified, join) = crate::task::new_unowned_task(
            BlockingTask::new(f),
            BlockingSchedule::new(self.clone()),
            TaskId::fresh(),
        );
        self.shared.blocking.push(notified, self);
        join
    }
}

impl futures_task::Spawn for Handle {
    fn spawn_obj(
        &self,
        future: futures_task::FutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        if self.shared.is_shutdown() {
            return Err(futures_task::SpawnError::shutdown());
        }
        drop(Handle::spawn(self, future));
        Ok(())
    }

    fn status(&self) -> Result<(), futures_task::SpawnError> {
        if self.shared.is_shutdown() {
            Err(futures_task::SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("shared", &self.shared)
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
    match context::with_handle(|handle| handle.spawn(future)) {
        Some(join) => join,
        None => panic!(
            "`taskcell_executor::spawn` called outside a taskcell runtime: {}",
            TryCurrentError(())
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
    match context::with_handle(|handle| handle.spawn_blocking(f)) {
        Some(join) => join,
        None => panic!(
            "`taskcell_executor::spawn_blocking` called outside a taskcell runtime: {}",
            TryCurrentError(())
        ),
    }
}
