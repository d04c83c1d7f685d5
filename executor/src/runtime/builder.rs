//! [`Builder`]: configures and builds a [`Runtime`].

use std::fmt;
use std::io;
use std::sync::Arc as StdArc;
use std::time::Duration;

use super::{Handle, LocalOptions, LocalRuntime, Runtime, Scheduler};
use crate::blocking::BlockingPool;
use crate::driver;
use crate::scheduler::current_thread::CurrentThread;
use crate::scheduler::multi_thread::MultiThread;
use crate::scheduler::{Config, Flavor};
use crate::task::{local, LocalSet};

type Hook = StdArc<dyn Fn() + Send + Sync + 'static>;
type NameFn = StdArc<dyn Fn() -> String + Send + Sync + 'static>;

/// Thread settings shared by worker and blocking threads.
pub(crate) struct ThreadHooks {
    name: NameFn,
    pub(crate) stack_size: Option<usize>,
    on_start: Option<Hook>,
    on_stop: Option<Hook>,
}

impl ThreadHooks {
    /// The name of the next thread the runtime starts.
    pub(crate) fn name(&self) -> String {
        (self.name)()
    }

    /// Runs `on_thread_start`; a panic in it is contained (`task` module,
    /// rule 7), so the thread still serves the runtime.
    pub(crate) fn started(&self) {
        if let Some(hook) = &self.on_start {
            run_hook(hook);
        }
    }

    /// Runs `on_thread_stop`, contained as `started`.
    pub(crate) fn stopped(&self) {
        if let Some(hook) = &self.on_stop {
            run_hook(hook);
        }
    }
}

/// The hooks a worker runs around each park (`on_thread_park`,
/// `on_thread_unpark`).
#[derive(Default)]
pub(crate) struct ParkHooks {
    on_park: Option<Hook>,
    on_unpark: Option<Hook>,
}

impl ParkHooks {
    /// The worker is about to park; a panic in the hook is contained.
    #[inline]
    pub(crate) fn parking(&self) {
        if let Some(hook) = &self.on_park {
            run_hook(hook);
        }
    }

    /// The worker is back from a park; a panic in the hook is contained.
    #[inline]
    pub(crate) fn unparked(&self) {
        if let Some(hook) = &self.on_unpark {
            run_hook(hook);
        }
    }
}

fn run_hook(hook: &Hook) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook())) {
        crate::task::drop_contained(payload);
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
    thread_name: NameFn,
    name: Option<String>,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
    on_thread_park: Option<Hook>,
    on_thread_unpark: Option<Hook>,
    global_queue_interval: u32,
    lifo_slot: bool,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
    enable_io: bool,
    enable_time: bool,
    event_interval: u32,
    max_io_events_per_tick: usize,
    max_io_events_per_busy_tick: Option<usize>,
    task_budget: u8,
    #[cfg(feature = "test-util")]
    start_paused: bool,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("event_interval", &self.event_interval)
            .field("max_io_events_per_tick", &self.max_io_events_per_tick)
            .field(
                "max_io_events_per_busy_tick",
                &self.max_io_events_per_busy_tick,
            )
            .field("task_budget", &self.task_budget)
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
    /// [`Runtime::block_on`], while it does. Its
    /// [`build_local`](Self::build_local) makes a [`LocalRuntime`], which
    /// runs futures that are not `Send` too.
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
            thread_name: StdArc::new(|| "taskcell-worker".to_owned()),
            name: None,
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            global_queue_interval: crate::scheduler::worker::GLOBAL_QUEUE_INTERVAL,
            lifo_slot: true,
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
            enable_io: false,
            enable_time: false,
            event_interval: 61,
            max_io_events_per_tick: 1024,
            max_io_events_per_busy_tick: None,
            task_budget: 128,
            #[cfg(feature = "test-util")]
            start_paused: false,
        }
    }

    /// Enables the I/O driver: the sockets of [`net`](crate::net) work on
    /// this runtime. [`Runtime::new`] enables it.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().enable_io().build().unwrap();
    /// rt.block_on(async {
    ///     let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(listener.local_addr().unwrap().port() > 0);
    /// });
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder {
        self.enable_io = true;
        self
    }

    /// Enables the timer wheel: [`time`](crate::time)'s sleeps, timeouts
    /// and intervals work on this runtime. [`Runtime::new`] enables it.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
    /// let start = Instant::now();
    /// // Inside the runtime: a timer made outside any runtime panics.
    /// rt.block_on(async { taskcell_executor::time::sleep(Duration::from_millis(5)).await });
    /// assert!(start.elapsed() >= Duration::from_millis(5));
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder {
        self.enable_time = true;
        self
    }

    /// Starts the runtime with its clock paused, as [`time::pause`] would
    /// (feature `test-util`, as tokio's): for tests of timeouts that should
    /// take no time. Only a current-thread runtime may pause.
    ///
    /// # Panics
    ///
    /// `build` panics if this is set on a multi-thread runtime.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskcell_executor::time::{self, Instant};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread()
    ///     .enable_time()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// let waited = rt.block_on(async {
    ///     let start = Instant::now();
    ///     time::sleep(Duration::from_secs(30)).await;
    ///     start.elapsed()
    /// });
    /// assert_eq!(waited, Duration::from_secs(30));
    /// ```
    ///
    /// [`time::pause`]: crate::time::pause
    #[cfg(feature = "test-util")]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder {
        self.start_paused = start_paused;
        self
    }

    /// Enables both the I/O driver and the timer wheel.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder {
        self.enable_io().enable_time()
    }

    /// How many tasks a busy worker runs between two looks at the driver
    /// for I/O events and expired timers (default 61, as tokio). A lower
    /// value reacts to I/O sooner, a higher one runs tasks with fewer
    /// interruptions.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().enable_all().event_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "event_interval must be greater than 0");
        self.event_interval = n;
        self
    }

    /// The most I/O readiness events one turn of the driver takes from the
    /// poller (default 1024, as tokio's). Events beyond it stay queued in
    /// the kernel for the next turn, so a lower value bounds how long one
    /// turn runs before the worker goes back to its tasks.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(64)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "max_io_events_per_tick must be non-zero");
        self.max_io_events_per_tick = n;
        self
    }

    /// The most I/O readiness events a worker takes when it looks at the
    /// driver while it still has tasks to run (every
    /// [`event_interval`](Builder::event_interval) tasks), as tokio's
    /// `max_io_events_per_busy_tick`. Default: the same as
    /// [`max_io_events_per_tick`](Builder::max_io_events_per_tick).
    ///
    /// Every task such a look wakes joins the worker's queue behind the
    /// work it already has; under overload a smaller batch leaves the rest
    /// in the kernel rather than growing that backlog. Any look that does
    /// not wait counts as busy, one made because a timer is already due
    /// included. A worker with nothing to run still takes up to
    /// `max_io_events_per_tick`.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "max_io_events_per_busy_tick must be non-zero");
        self.max_io_events_per_busy_tick = Some(n);
        self
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
        assert!(
            n > 0,
            "Worker threads cannot be set to 0: a runtime needs at least one worker thread"
        );
        self.worker_threads = Some(n);
        self
    }

    /// Names the runtime itself, as tokio's: [`Handle::name`] gives it back
    /// (a runtime has none by default). Thread names are
    /// [`thread_name`](Self::thread_name)'s.
    ///
    /// # Panics
    ///
    /// If `name` is empty or only whitespace, with tokio's message.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread()
    ///     .name("ingest")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// ```
    ///
    /// [`Handle::name`]: crate::Handle::name
    #[track_caller]
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        assert!(
            !name.trim().is_empty(),
            "runtime name shouldn't be empty: `Builder::name` needs a name with a visible \
             character; leave it out for an unnamed runtime"
        );
        self.name = Some(name);
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
        let name = name.into();
        self.thread_name = StdArc::new(move || name.clone());
        self
    }

    /// Names each of the runtime's threads, workers and blocking threads
    /// alike, with what `f` returns as the thread starts (replacing
    /// [`thread_name`](Self::thread_name)), as tokio's.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// static NEXT: AtomicUsize = AtomicUsize::new(0);
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .thread_name_fn(|| format!("app-{}", NEXT.fetch_add(1, Ordering::Relaxed)))
    ///     .build()
    ///     .unwrap();
    /// let name = rt.block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }));
    /// assert!(name.unwrap().unwrap().starts_with("app-"));
    /// ```
    pub fn thread_name_fn(
        &mut self,
        f: impl Fn() -> String + Send + Sync + 'static,
    ) -> &mut Builder {
        self.thread_name = StdArc::new(f);
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

    /// Runs `f` on each worker and blocking thread as it starts. A panic in
    /// `f` is reported by the panic hook and otherwise contained: the thread
    /// goes on serving the runtime.
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

    /// Runs `f` on each worker and blocking thread as it stops; a panic in
    /// `f` is contained, as for [`on_thread_start`](Builder::on_thread_start).
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

    /// Runs `f` on a worker thread each time it is about to park (go to
    /// sleep for lack of work), and on the thread of a current-thread
    /// runtime's `block_on` likewise. A panic in `f` is contained.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&parks);
    /// let rt = taskcell_executor::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_thread_park(move || { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// while parks.load(Ordering::SeqCst) == 0 {
    ///     std::thread::yield_now(); // the idle worker parks
    /// }
    /// # drop(rt);
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_park = Some(StdArc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it wakes up from a park; see
    /// [`on_thread_park`](Builder::on_thread_park).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let unparks = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&unparks);
    /// let rt = taskcell_executor::Builder::new_current_thread()
    ///     .enable_time()
    ///     .on_thread_unpark(move || { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { taskcell_executor::time::sleep(std::time::Duration::from_millis(5)).await });
    /// assert!(unparks.load(Ordering::SeqCst) >= 1, "woke from the sleep's park");
    /// ```
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_unpark = Some(StdArc::new(f));
        self
    }

    /// How many tasks a worker runs between two looks at the global queue
    /// (tasks spawned or woken from outside the workers) before its own
    /// (default 61). A lower value is fairer to outside work, a higher one
    /// keeps a worker on its own tasks.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().global_queue_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = n;
        self
    }

    /// Turns off the workers' LIFO slot: a task woken or spawned by a task
    /// goes to the back of the worker's queue instead of running next (as
    /// tokio's unstable `disable_lifo_slot`). Message passing then loses
    /// its cache-warm hand-off, in exchange for strict FIFO order.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().disable_lifo_slot().build().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    /// ```
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.lifo_slot = false;
        self
    }

    /// The most threads the blocking pool starts (default 512); further
    /// `spawn_blocking` closures wait in a queue.
    ///
    /// # Panics
    ///
    /// If `n` is zero, as tokio's: a pool without threads would never run a
    /// `spawn_blocking` closure.
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
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        assert!(
            n > 0,
            "Max blocking threads cannot be set to 0: the blocking pool needs a thread to run \
             `spawn_blocking` closures"
        );
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

    /// The cooperative budget each task poll starts with (default 128, as
    /// tokio): how many times a task may use the runtime's sockets, timers
    /// and join handles in one poll before they make it yield. See
    /// [`task`](crate::task).
    ///
    /// # Panics
    ///
    /// If `units` is zero.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().task_budget(8).build().unwrap();
    /// let flag = Arc::new(AtomicBool::new(false));
    /// let set = Arc::clone(&flag);
    /// let seen_at = rt.block_on(async move {
    ///     taskcell_executor::spawn(async move { set.store(true, Ordering::SeqCst) });
    ///     let mut i = 0;
    ///     while !flag.load(Ordering::SeqCst) {
    ///         taskcell_executor::task::consume_budget().await;
    ///         i += 1;
    ///     }
    ///     i
    /// });
    /// assert_eq!(seen_at, 9); // 8 units, then the 9th call yielded to the other task
    /// ```
    #[track_caller]
    pub fn task_budget(&mut self, units: u8) -> &mut Builder {
        assert!(units > 0, "a task budget needs at least one unit");
        self.task_budget = units;
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
        self.build_runtime(None)
    }

    /// Builds a [`LocalRuntime`]: a current-thread runtime whose
    /// [`spawn_local`](LocalRuntime::spawn_local) and
    /// [`task::spawn_local`](crate::task::spawn_local) take futures that are
    /// not `Send`, as tokio's `Builder::build_local`. The runtime belongs to
    /// this thread. `options` holds nothing yet, as tokio's.
    ///
    /// # Errors
    ///
    /// If the I/O driver cannot be set up, as [`build`](Self::build).
    ///
    /// # Panics
    ///
    /// On a builder from [`new_multi_thread`](Self::new_multi_thread), with
    /// tokio's message.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use taskcell_executor::runtime::{Builder, LocalOptions};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .enable_all()
    ///     .build_local(LocalOptions::default())
    ///     .unwrap();
    /// let name = Rc::new("local"); // not `Send`
    /// let task = rt.spawn_local(async move { name.len() });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn build_local(&mut self, options: LocalOptions) -> io::Result<LocalRuntime> {
        if self.flavor == Flavor::MultiThread {
            // tokio's words first, then ours.
            panic!(
                "multi_thread is not supported for LocalRuntime: `Builder::build_local` builds \
                 a runtime that runs every task on the thread that calls its `block_on`; start \
                 from `Builder::new_current_thread()`"
            );
        }
        // The set is made here, so it belongs to this thread, as the
        // runtime (which is not `Send`) does.
        let local = LocalSet::new();
        let runtime = self.build_runtime(Some(StdArc::clone(local.shared())))?;
        Ok(LocalRuntime::from_parts(runtime, local, options))
    }

    /// Builds the runtime, with a `LocalRuntime`'s set if `local` is given.
    fn build_runtime(&mut self, local: Option<StdArc<local::Shared>>) -> io::Result<Runtime> {
        let workers = match self.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread => self
                .worker_threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        let hooks = StdArc::new(ThreadHooks {
            name: StdArc::clone(&self.thread_name),
            stack_size: self.thread_stack_size,
            on_start: self.on_thread_start.clone(),
            on_stop: self.on_thread_stop.clone(),
        });
        let config = Config {
            workers,
            event_interval: self.event_interval,
            global_queue_interval: self.global_queue_interval,
            lifo_slot: self.lifo_slot,
            park_hooks: ParkHooks {
                on_park: self.on_thread_park.clone(),
                on_unpark: self.on_thread_unpark.clone(),
            },
            budget: self.task_budget,
            // A wheel a worker, and one for timers first polled off the
            // workers (the current-thread runtime's one core needs one).
            driver: driver::Handle::new(
                self.enable_io,
                self.enable_time,
                match self.flavor {
                    Flavor::CurrentThread => 1,
                    Flavor::MultiThread => workers + 1,
                },
                self.flavor == Flavor::CurrentThread,
                self.max_io_events_per_tick,
                self.max_io_events_per_busy_tick,
            )?,
            blocking: BlockingPool::new(
                self.max_blocking_threads,
                self.thread_keep_alive,
                StdArc::clone(&hooks),
            ),
            local,
            name: self.name.clone(),
        };
        let (inner, scheduler) = match self.flavor {
            Flavor::CurrentThread => {
                let (inner, scheduler) = CurrentThread::new(config);
                (inner, Scheduler::CurrentThread(scheduler))
            }
            Flavor::MultiThread => {
                let (inner, scheduler) = MultiThread::new(config, &hooks)?;
                (inner, Scheduler::MultiThread(scheduler))
            }
        };
        #[cfg(feature = "test-util")]
        if self.start_paused {
            if let Err(msg) = inner.clock().pause_at_start() {
                // tokio's words first, as its builder panics with them.
                panic!("{msg} (from `Builder::start_paused`)");
            }
        }
        Ok(Runtime {
            handle: Handle { inner },
            scheduler,
            shut_down: false,
        })
    }
}
