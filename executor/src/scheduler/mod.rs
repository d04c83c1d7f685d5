//! The work-stealing scheduler: per-worker queues, the global injector, the
//! LIFO slots, and how a woken or spawned task finds its way to a worker.
//!
//! - Each worker owns a FIFO `crossbeam_deque::Worker`; every other worker
//!   holds its `Stealer` and steals half of it in one batch when idle.
//! - The `Injector` takes spawns and wakes from outside the workers, and is
//!   checked by every worker at least once every `global_queue_interval`
//!   ticks ([`worker::GLOBAL_QUEUE_INTERVAL`] by default), so that work from
//!   outside is never starved.
//! - Each worker has a LIFO slot for the task it most recently spawned or
//!   woke: message passing (ping-pong) runs the receiver next, while its data
//!   is in cache. At most [`worker::MAX_LIFO_POLLS`] LIFO polls run in a row,
//!   and an idle worker may take another's LIFO task, so it never starves.
//! - A task that wakes itself during its poll (`yield_now`, or a spent
//!   budget) waits in its worker's deferred list until the worker has no
//!   other work or its `event_interval` comes round, and in both cases until
//!   it has fired its timers and taken a driver turn that does not block
//!   (tokio's `park_yield`; if another worker holds the driver, that one is
//!   asleep in the poller and turns it itself); then it goes to the back of
//!   the local queue. A
//!   yield ranks below spawns and wakes, lets I/O in, and is never starved;
//!   on a current-thread runtime the `block_on` future is polled between two
//!   such rounds.
//!
//! # Layout
//!
//! [`Handle`] is the scheduler's handle: what every task holds as its
//! scheduler, and what the runtime's public `Handle` wraps. The state behind
//! it, [`Shared`], is private to this module and its children:
//!
//! - `multi_thread.rs` builds the worker pool, starts its threads, runs
//!   `block_on` beside them and shuts them down;
//! - `current_thread.rs` builds the one core and lends it to whichever
//!   `block_on` drives the runtime;
//! - `worker.rs` is the loop both flavours run over a [`worker::Core`];
//!   `idle.rs` and `park.rs` are how workers sleep and wake.

pub(crate) mod current_thread;
pub(crate) mod idle;
pub(crate) mod lend;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod worker;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Instant;

use crossbeam_deque::{Injector, Steal, Stealer};
use taskcell::TaskId;

use self::idle::Idle;
use self::park::Parker;
use self::worker::Core;
use crate::blocking::{BlockingPool, BlockingSchedule, BlockingTask};
use crate::context;
use crate::driver;
use crate::driver::clock::Clock;
use crate::driver::io::IoHandle;
use crate::driver::time::{TimeHandle, Wake};
use crate::primitives::{fence, Arc, AtomicBool, AtomicPtr, Condvar, Mutex, Ordering};
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::ParkHooks;
use crate::task::list::OwnedTasks;
use crate::task::local;
use crate::task::{new_task, new_unowned_task, Header, JoinHandle, Meta, Notified, Schedule, Task};

/// How the runtime runs its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// On the thread that calls `block_on`, while it does.
    CurrentThread,
    /// On a pool of worker threads.
    MultiThread,
}

/// What the `Builder` settles for the scheduler.
pub(crate) struct Config {
    /// How many workers (1 for the current-thread flavour).
    pub(crate) workers: usize,
    /// Tasks between two looks at the driver.
    pub(crate) event_interval: u32,
    /// Tasks between two looks at the global queue first.
    pub(crate) global_queue_interval: u32,
    /// Whether the workers have their LIFO slot.
    pub(crate) lifo_slot: bool,
    /// The hooks around each park.
    pub(crate) park_hooks: ParkHooks,
    /// The cooperative budget each task poll starts with (`crate::coop`).
    pub(crate) budget: u8,
    /// The clock, and the I/O and timer driver when either is enabled.
    pub(crate) driver: driver::Handle,
    /// The pool behind `spawn_blocking`.
    pub(crate) blocking: BlockingPool,
    /// A `LocalRuntime`'s set of local tasks.
    pub(crate) local: Option<StdArc<local::Shared>>,
    /// The runtime's name (`Builder::name`), if it was given one.
    pub(crate) name: Option<String>,
}

/// The scheduler's handle: the scheduler of every task, and what the
/// runtime's public `Handle` wraps. Cloning it clones an `Arc`.
#[derive(Clone)]
pub(crate) struct Handle {
    shared: Arc<Shared>,
}

// Unwind safe, as tokio's runtime handle: a panic caught around a use of
// the runtime (`catch_unwind(|| rt.block_on(..))`) cannot leave its shared
// state half-updated. Its locks guard short sections that run no user code
// (`driver/time`, rule 4), and a task's panic is caught inside the runtime
// and becomes a `JoinError`. So `Runtime`, `Handle`, the sockets, the
// timers and the metrics, which hold this handle, are unwind safe too.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

/// State shared by the runtime, its handles, its workers and its tasks.
/// Private to the scheduler: everything else goes through [`Handle`].
pub(crate) struct Shared {
    flavor: Flavor,
    /// Whether the workers have their LIFO slot (`disable_lifo_slot`).
    lifo_slot: bool,
    /// The hooks around each park (`on_thread_park`, `on_thread_unpark`).
    park_hooks: ParkHooks,
    /// The runtime's id (`runtime::Id`), unique in the process.
    id: u64,
    /// The runtime's name (`Builder::name`), if it was given one.
    name: Option<Box<str>>,
    injector: Injector<Notified<Handle>>,
    remotes: Box<[Remote]>,
    idle: Idle,
    owned: OwnedTasks<Handle>,
    shutdown: AtomicBool,
    blocking: BlockingPool,
    /// Current-thread flavor: the one core, lent to whichever `block_on`
    /// drives the runtime.
    current_core: Mutex<Option<Box<Core>>>,
    /// Current-thread flavor: the parkers of `block_on` calls that found the
    /// core lent out. Whoever returns the core unparks them, so one of them
    /// takes it over (a waiter registers before it looks for the core, and
    /// the core goes back before the waiters are read: no lost hand-off).
    core_waiters: Mutex<Vec<Arc<Parker>>>,
    /// The clock, and the I/O and timer driver when either is enabled.
    driver: driver::Handle,
    /// A `LocalRuntime`'s set of local tasks, for `spawn_local` in the
    /// runtime's context and for the metrics.
    local: Option<StdArc<local::Shared>>,
    /// The cooperative budget each task poll starts with (`crate::coop`).
    budget: u8,
    /// How the worker threads stand at shutdown; with `exited_cv`, lets
    /// shutdown wait with a deadline.
    exited: Mutex<Exits>,
    /// Each worker's core on loan for a `block_in_place`, while it is: so
    /// that shutdown can withdraw an offer no borrower has taken yet.
    lends: Box<[Mutex<Option<std::sync::Arc<lend::Lend>>>]>,
    exited_cv: Condvar,
}

/// How the worker threads stand at shutdown (under `Shared::exited`).
#[derive(Debug, Default)]
struct Exits {
    /// Threads that have left their loop.
    left: usize,
    /// Threads inside a `block_in_place` whose core came back at shutdown:
    /// they leave their loop once the closure returns, which may be waiting
    /// for a task that only shutdown drops.
    stuck: usize,
}

/// What other threads may reach of a worker.
struct Remote {
    stealer: Stealer<Notified<Handle>>,
    lifo: LifoSlot,
    parker: Arc<Parker>,
    /// Written by the worker only; read by `RuntimeMetrics`.
    metrics: WorkerMetrics,
}

/// A task that a runtime which has shut down refused, handed back by
/// [`Handle::spawn_or_refuse`] for its caller to cancel with
/// [`Refused::cancel`], which drops its future and completes its
/// `JoinHandle` as cancelled.
///
/// Handed back rather than cancelled in place by the spawns that run under
/// a borrow of the thread's runtime context (`context::spawn`): the drop
/// runs user code, which may enter a runtime (`block_on` in a `Drop`) and
/// so needs that borrow released. One pointer, so that a spawn's result
/// (with its `JoinHandle`) comes back in registers.
#[must_use = "a refused task is cancelled only by `cancel`"]
pub(crate) struct Refused(Task<Handle>);

impl Refused {
    /// Cancels the task: the list's reference claims it.
    pub(crate) fn cancel(self) {
        self.0.shutdown();
    }
}

/// A `spawn_blocking` closure that a pool which has shut down refused; as
/// [`Refused`].
#[must_use = "a refused task is cancelled only by `cancel`"]
pub(crate) struct RefusedBlocking(Notified<BlockingSchedule>);

impl RefusedBlocking {
    /// Cancels the task: the notification's reference claims it.
    pub(crate) fn cancel(self) {
        self.0 .0.shutdown();
    }
}

impl Handle {
    /// A scheduler of `flavor` with `config`, and one core per worker for
    /// the flavour's builder to place.
    fn new(flavor: Flavor, config: Config) -> (Handle, Vec<Core>) {
        let Config {
            workers,
            event_interval,
            global_queue_interval,
            lifo_slot,
            park_hooks,
            budget,
            driver,
            blocking,
            local,
            name,
        } = config;
        let locals: Vec<_> = (0..workers)
            .map(|_| crossbeam_deque::Worker::new_fifo())
            .collect();
        let remotes = locals
            .iter()
            .map(|local| Remote {
                stealer: local.stealer(),
                lifo: LifoSlot::new(),
                parker: Arc::new(Parker::with_driver(driver.unparker())),
                metrics: WorkerMetrics::new(),
            })
            .collect();
        /// The next runtime's id; ids start at 1.
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let shared = Shared {
            flavor,
            lifo_slot,
            park_hooks,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            name: name.map(String::into_boxed_str),
            injector: Injector::new(),
            idle: Idle::new(workers),
            // 16 shards a worker (tokio takes 4): a spawn and a completion
            // on different threads then rarely want the same shard lock at
            // once. Against 4, it took 3-7 % off `spawn_many_local` and
            // `spawn_many_remote_idle` at 2 workers (medians of alternating
            // runs), for 128 bytes a shard.
            owned: OwnedTasks::new(workers * 16),
            remotes,
            shutdown: AtomicBool::new(false),
            blocking,
            current_core: Mutex::new(None),
            core_waiters: Mutex::new(Vec::new()),
            driver,
            local,
            budget,
            exited: Mutex::new(Exits::default()),
            lends: (0..workers).map(|_| Mutex::new(None)).collect(),
            exited_cv: Condvar::new(),
        };
        let cores = locals
            .into_iter()
            .enumerate()
            .map(|(index, local)| Core::new(index, local, event_interval, global_queue_interval))
            .collect();
        let handle = Handle {
            shared: Arc::new(shared),
        };
        (handle, cores)
    }

    /// Runs `future` to completion on this thread, as the runtime's flavour
    /// does it (a current-thread runtime runs its tasks here meanwhile).
    pub(crate) fn block_on<F: Future>(&self, future: Pin<&mut F>) -> F::Output {
        match self.shared.flavor {
            Flavor::CurrentThread => current_thread::CurrentThread::block_on(self, future),
            Flavor::MultiThread => multi_thread::MultiThread::block_on(self, future),
        }
    }

    /// How the runtime runs its tasks.
    pub(crate) fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// The cooperative budget each task poll starts with (`crate::coop`).
    pub(crate) fn budget(&self) -> u8 {
        self.shared.budget
    }

    /// A `spawn_blocking` task is done (released): a paused clock may
    /// jump again, and a runtime parked with it is woken to look.
    #[cfg(feature = "test-util")]
    pub(crate) fn blocking_task_released(&self) {
        let clock = self.clock();
        clock.allow_auto_advance();
        if clock.is_paused() {
            for remote in self.shared.remotes.iter() {
                remote.parker.unpark();
            }
        }
    }

    /// The runtime's id.
    pub(crate) fn id(&self) -> u64 {
        self.shared.id
    }

    /// The runtime's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.shared.name.as_deref()
    }

    /// Spawns `future` as a new task of this runtime. If the runtime has
    /// shut down, the task is cancelled at once.
    #[inline]
    pub(crate) fn spawn<F>(&self, future: F, meta: Meta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, refused) = self.spawn_or_refuse(future, meta);
        if let Some(refused) = refused {
            refused.cancel();
        }
        join
    }

    /// Spawns `future` as a new task of this runtime; if the runtime has
    /// shut down, hands the task back for the caller to cancel (see
    /// [`Refused`]).
    #[inline]
    pub(crate) fn spawn_or_refuse<F>(
        &self,
        future: F,
        meta: Meta<'_>,
    ) -> (JoinHandle<F::Output>, Option<Refused>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, self.clone(), TaskId::fresh(), meta);
        match self.shared.owned.bind(task) {
            Ok(()) => {
                self.shared.schedule(notified, false);
                (join, None)
            }
            Err(task) => {
                // The notification is never queued. Dropping it runs no user
                // code: the list's reference, in `Refused`, keeps the task.
                drop(notified);
                (join, Some(Refused(task)))
            }
        }
    }

    /// Runs `f` on the blocking pool.
    pub(crate) fn spawn_blocking<F, R>(&self, f: F, meta: Meta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (join, refused) = self.spawn_blocking_or_refuse(f, meta);
        if let Some(refused) = refused {
            refused.cancel();
        }
        join
    }

    /// Runs `f` on the blocking pool; if the pool has shut down, hands the
    /// task back for the caller to cancel (see [`Refused`]).
    pub(crate) fn spawn_blocking_or_refuse<F, R>(
        &self,
        f: F,
        meta: Meta<'_>,
    ) -> (JoinHandle<R>, Option<RefusedBlocking>)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // Paused time waits for the closure rather than jump past it, until
        // the task is released (`BlockingSchedule::release`: its output
        // stored and its joiner woken), as tokio's.
        #[cfg(feature = "test-util")]
        self.clock().inhibit_auto_advance();
        let (notified, join) = new_unowned_task(
            BlockingTask::new(f),
            BlockingSchedule::new(self.clone()),
            TaskId::fresh(),
            meta,
        );
        let refused = self.shared.blocking.push(notified, self);
        (join, refused.map(RefusedBlocking))
    }

    /// The pool behind `spawn_blocking`.
    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.shared.blocking
    }

    /// Whether the runtime has shut down.
    #[inline]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    /// The runtime's clock.
    #[inline]
    pub(crate) fn clock(&self) -> &Clock {
        self.shared.driver.clock()
    }

    /// The I/O driver, if I/O is enabled.
    #[inline]
    pub(crate) fn io(&self) -> Option<&IoHandle> {
        self.shared.driver.io()
    }

    /// The timer driver, if timers are enabled.
    #[inline]
    pub(crate) fn time(&self) -> Option<&TimeHandle> {
        self.shared.driver.time()
    }

    /// The timer wheel that a timer first polled on this thread goes to:
    /// this thread's worker's, if it runs one of this runtime, otherwise the
    /// wheel for the threads off the workers (`driver/time`).
    #[inline]
    pub(crate) fn timer_wheel(&self) -> usize {
        let shared = &*self.shared;
        let worker = context::with_scheduler(|cx| match cx {
            Some(cx) if ptr::eq(cx.shared, shared) => Some(cx.core.index),
            _ => None,
        });
        worker.unwrap_or_else(|| self.time().map_or(0, TimeHandle::outside_wheel))
    }

    /// Wakes whoever sleeps past a timer just armed or moved earlier
    /// (`driver/time`, rules 5 and 6).
    #[inline]
    pub(crate) fn wake_timer_sleepers(&self, wake: Wake) {
        if wake.driver {
            self.shared.driver.unpark();
        }
        if let Some(worker) = wake.watcher {
            self.shared.remotes[worker].parker.unpark();
        }
    }

    /// How many workers the runtime has (1 for the current-thread flavour).
    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    /// Worker `worker`'s counters, if there is such a worker.
    pub(crate) fn worker_metrics(&self, worker: usize) -> Option<&WorkerMetrics> {
        self.shared
            .remotes
            .get(worker)
            .map(|remote| &remote.metrics)
    }

    /// How many tasks wait in worker `worker`'s queue and LIFO slot.
    pub(crate) fn worker_local_queue_depth(&self, worker: usize) -> usize {
        let remote = &self.shared.remotes[worker];
        remote.stealer.len() + usize::from(remote.lifo.is_occupied())
    }

    /// How many tasks are alive (a walk of the owned-task lists: the
    /// runtime's, and a `LocalRuntime`'s set's).
    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len() + self.local_set().map_or(0, |set| set.num_alive_tasks())
    }

    /// How many tasks were spawned since the runtime started (local ones
    /// included).
    pub(crate) fn spawned_tasks_count(&self) -> u64 {
        self.shared.owned.bound_count()
            + self.local_set().map_or(0, |set| set.spawned_tasks_count())
    }

    /// The set of local tasks, on a `LocalRuntime`.
    pub(crate) fn local_set(&self) -> Option<&StdArc<local::Shared>> {
        self.shared.local.as_ref()
    }

    /// How many tasks wait in the injector.
    pub(crate) fn global_queue_depth(&self) -> usize {
        self.shared.injector.len()
    }

    /// Calls `f` with the header of every live task, one owned-list shard at
    /// a time (a `LocalRuntime`'s local tasks after the others).
    pub(crate) fn for_each_task(&self, mut f: impl FnMut(&Header)) {
        self.shared.owned.for_each(&mut f);
        if let Some(set) = self.local_set() {
            set.for_each_task(f);
        }
    }

    /// Stops the workers' loops: marks the runtime shut down and wakes every
    /// worker so it can exit.
    fn begin_shutdown(&self) {
        let shared = &*self.shared;
        shared.shutdown.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        for (remote, lend) in shared.remotes.iter().zip(shared.lends.iter()) {
            remote.parker.unpark();
            // A core offered for a `block_in_place` that no blocking thread
            // took (the pool is full): back to its worker, which is then
            // stuck in the closure as if a borrower had given it back.
            let lend = lend.lock().clone();
            if lend.is_some_and(|lend| lend.withdraw_at_shutdown()) {
                shared.exited.lock().stuck += 1;
                shared.exited_cv.notify_all();
            }
        }
    }

    /// The end of shutdown, once the workers have left their loops (or
    /// were given up on at `deadline`): drops every future still pending,
    /// each under its own id; fails sockets and fires timers; drops queued
    /// notifications; stops the blocking pool.
    fn finish_shutdown(&self, deadline: Option<Instant>) {
        let shared = &*self.shared;
        shared.owned.close_and_drain(|task| task.shutdown());
        if let Some(core) = shared.current_core.lock().as_deref() {
            core.drain(shared);
        }
        // Sockets and timers that outlive the runtime fail from now on.
        shared.driver.shutdown();
        shared.drain_injector();
        for remote in shared.remotes.iter() {
            drop(remote.lifo.take());
        }
        shared.blocking.shutdown(deadline);
    }
}

impl Shared {
    /// Polls a `block_on`'s root future once, with a fresh budget.
    fn poll_root<F: Future>(&self, future: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
        crate::coop::with_budget(crate::coop::Budget::new(self.budget), || future.poll(cx))
    }

    /// The runtime's clock.
    #[inline]
    fn clock(&self) -> &Clock {
        self.driver.clock()
    }

    #[inline]
    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Queues `task`: on this thread's worker if it belongs to this runtime,
    /// otherwise on the injector.
    fn schedule(&self, task: Notified<Handle>, is_yield: bool) {
        let task = context::with_scheduler(|cx| match cx {
            Some(cx) if ptr::eq(cx.shared, self) => {
                cx.core.schedule_local(self, task, is_yield);
                None
            }
            _ => Some(task),
        });
        if let Some(task) = task {
            self.schedule_remote(task);
        }
    }

    fn schedule_remote(&self, task: Notified<Handle>) {
        self.injector.push(task);
        // One fence serves both handshakes that follow: shutdown's (either its
        // final drain sees the push, or this sees the flag and drains) and
        // the sleepers' (see `notify_parked`).
        fence(Ordering::SeqCst);
        if self.shutdown.load(Ordering::Relaxed) {
            self.drain_injector();
            return;
        }
        self.notify_parked_after_fence();
    }

    /// Wakes a sleeping worker if new work may otherwise wait. Call after
    /// queueing the work.
    #[inline]
    fn notify_parked(&self) {
        // Pairs with the fence of a worker going to sleep (`idle.rs`).
        fence(Ordering::SeqCst);
        self.notify_parked_after_fence();
    }

    /// `notify_parked` for a caller that has issued the `SeqCst` fence since
    /// queueing the work.
    #[inline]
    fn notify_parked_after_fence(&self) {
        match self.flavor {
            Flavor::CurrentThread => self.remotes[0].parker.unpark(),
            Flavor::MultiThread => {
                if let Some(worker) = self.idle.worker_to_notify() {
                    self.remotes[worker].parker.unpark();
                }
            }
        }
    }

    /// After the last searcher parked: wake a worker if any queue has work.
    fn notify_if_work_pending(&self) {
        let pending = !self.injector.is_empty()
            || self
                .remotes
                .iter()
                .any(|r| !r.stealer.is_empty() || r.lifo.is_occupied());
        if pending {
            self.notify_parked();
        }
    }

    /// This worker leaves the driver, or the timers' watch, to run tasks:
    /// if others sleep on their condition variables with no watcher and
    /// nobody in the driver, one of them wakes to watch (`driver/time`,
    /// rule 6). The watcher is the first worker to sleep there, so the last
    /// that a notification wakes, and this is rare.
    fn keep_a_watch(&self, me: usize) {
        if self.driver.needs_watcher() {
            if let Some(worker) = self.idle.another_sleeper(me) {
                self.remotes[worker].parker.unpark();
            }
        }
    }

    /// Drops every queued notification (after shutdown; the tasks' futures
    /// are dropped through the owned list).
    fn drain_injector(&self) {
        loop {
            match self.injector.steal() {
                Steal::Success(task) => drop(task),
                Steal::Empty => break,
                Steal::Retry => continue,
            }
        }
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified<Self>) {
        self.shared.schedule(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.shared.schedule(task, true);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }

    #[inline]
    fn clock_ms(&self) -> u32 {
        self.shared.driver.clock().coarse_ms()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("flavor", &self.shared.flavor)
            .field("workers", &self.shared.remotes.len())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// A one-task slot that its worker fills and empties, and that idle workers
/// may empty too. Holds a `Notified` reference as a raw pointer.
struct LifoSlot(AtomicPtr<Header>);

impl LifoSlot {
    fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    /// Puts `task` in, returning the task it displaces.
    #[inline]
    fn put(&self, task: Notified<Handle>) -> Option<Notified<Handle>> {
        // AcqRel: publishes the task to a thief; acquires the displaced one.
        let prev = self.0.swap(task.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: task rule 4 — the slot held that notification's reference,
        // which moves to the caller.
        NonNull::new(prev).map(|ptr| unsafe { Notified::from_raw(ptr) })
    }

    /// Takes the task out, if any.
    #[inline]
    fn take(&self) -> Option<Notified<Handle>> {
        if !self.is_occupied() {
            return None;
        }
        let prev = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `put`.
        NonNull::new(prev).map(|ptr| unsafe { Notified::from_raw(ptr) })
    }

    #[inline]
    fn is_occupied(&self) -> bool {
        !self.0.load(Ordering::Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
