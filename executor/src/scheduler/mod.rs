//! The work-stealing scheduler: per-worker queues, the global injector, the
//! LIFO slots, and how a woken or spawned task finds its way to a worker.
//!
//! - Each worker owns a FIFO `crossbeam_deque::Worker`; every other worker
//!   holds its `Stealer` and steals half of it in one batch when idle.
//! - The `Injector` takes spawns and wakes from outside the workers, and is
//!   checked by every worker at least once every [`worker::GLOBAL_QUEUE_INTERVAL`]
//!   ticks, so that work from outside is never starved.
//! - Each worker has a LIFO slot for the task it most recently spawned or
//!   woke: message passing (ping-pong) runs the receiver next, while its data
//!   is in cache. At most [`worker::MAX_LIFO_POLLS`] LIFO polls run in a row,
//!   and an idle worker may take another's LIFO task, so it never starves.
//! - A task that wakes itself during its poll (`yield_now`) waits in its
//!   worker's deferred list until the worker has no other work (or until the
//!   next global-queue tick), then goes to the back of the local queue: a
//!   yield ranks below spawns and wakes, and is never starved.

pub(crate) mod idle;
pub(crate) mod park;
pub(crate) mod worker;

use std::fmt;
use std::ptr::{self, NonNull};

use crossbeam_deque::{Injector, Steal, Stealer};

use self::idle::Idle;
use self::park::Parker;
use self::worker::Core;
use crate::blocking::BlockingPool;
use crate::context;
use crate::driver::io::IoHandle;
use crate::driver::time::TimeHandle;
use crate::driver::Driver;
use crate::runtime::metrics::{Clock, WorkerMetrics};
use crate::runtime::Handle;
use crate::sync::{fence, Arc, AtomicBool, AtomicPtr, Condvar, Mutex, Ordering};
use crate::task::list::OwnedTasks;
use crate::task::{Notified, Schedule, Task};

/// How the runtime runs its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// On the thread that calls `block_on`, while it does.
    CurrentThread,
    /// On a pool of worker threads.
    MultiThread,
}

/// State shared by the runtime, its handles, its workers and its tasks.
pub(crate) struct Shared {
    pub(crate) flavor: Flavor,
    pub(crate) injector: Injector<Notified<Handle>>,
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) idle: Idle,
    pub(crate) owned: OwnedTasks<Handle>,
    shutdown: AtomicBool,
    pub(crate) blocking: BlockingPool,
    /// Current-thread flavor: the one core, lent to whichever `block_on`
    /// drives the runtime.
    pub(crate) current_core: Mutex<Option<Box<Core>>>,
    /// Current-thread flavor: the parkers of `block_on` calls that found the
    /// core lent out. Whoever returns the core unparks them, so one of them
    /// takes it over (a waiter registers before it looks for the core, and
    /// the core goes back before the waiters are read: no lost hand-off).
    pub(crate) core_waiters: Mutex<Vec<Arc<Parker>>>,
    /// The I/O and timer driver, when either is enabled.
    pub(crate) driver: Option<Driver>,
    /// The cooperative budget each task poll starts with (`crate::coop`).
    pub(crate) budget: u8,
    /// How many worker threads have left their loop; with `exited_cv`, lets
    /// shutdown wait with a deadline.
    pub(crate) exited: Mutex<usize>,
    pub(crate) exited_cv: Condvar,
    /// The runtime's clock, for metrics and task dumps.
    pub(crate) clock: Clock,
}

/// What other threads may reach of a worker.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified<Handle>>,
    pub(crate) lifo: LifoSlot,
    pub(crate) parker: Arc<Parker>,
    /// Written by the worker only; read by `RuntimeMetrics`.
    pub(crate) metrics: WorkerMetrics,
}

impl Shared {
    pub(crate) fn new(
        flavor: Flavor,
        remotes: Box<[Remote]>,
        blocking: BlockingPool,
        driver: Option<Driver>,
        budget: u8,
    ) -> Shared {
        let workers = remotes.len();
        Shared {
            flavor,
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
            budget,
            exited: Mutex::new(0),
            exited_cv: Condvar::new(),
            clock: Clock::new(),
        }
    }

    /// The I/O driver's handle; callers have checked that I/O is enabled
    /// (`driver::io::io_handle`).
    pub(crate) fn io(&self) -> &IoHandle {
        self.driver
            .as_ref()
            .and_then(|driver| driver.io.as_ref())
            .expect("I/O is enabled on this runtime")
    }

    /// The timer driver's handle; callers have checked that timers are
    /// enabled (`time::time_handle`).
    pub(crate) fn time(&self) -> &TimeHandle {
        self.driver
            .as_ref()
            .and_then(|driver| driver.time.as_ref())
            .expect("timers are enabled on this runtime")
    }

    #[inline]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Marks the runtime shut down and wakes every worker so it can exit.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        for remote in self.remotes.iter() {
            remote.parker.unpark();
        }
    }

    /// Queues `task`: on this thread's worker if it belongs to this runtime,
    /// otherwise on the injector.
    pub(crate) fn schedule(&self, task: Notified<Handle>, is_yield: bool) {
        let task = context::with_worker(|worker| match worker {
            Some((core, shared)) if ptr::eq(shared, self) => {
                core.schedule_local(self, task, is_yield);
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
    pub(crate) fn notify_parked(&self) {
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
    pub(crate) fn notify_if_work_pending(&self) {
        let pending = !self.injector.is_empty()
            || self
                .remotes
                .iter()
                .any(|r| !r.stealer.is_empty() || r.lifo.is_occupied());
        if pending {
            self.notify_parked();
        }
    }

    /// Drops every queued notification (after shutdown; the tasks' futures
    /// are dropped through the owned list).
    pub(crate) fn drain_injector(&self) {
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
        self.shared.clock.coarse_ms()
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("flavor", &self.flavor)
            .field("workers", &self.remotes.len())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// A one-task slot that its worker fills and empties, and that idle workers
/// may empty too. Holds a `Notified` reference as a raw pointer.
pub(crate) struct LifoSlot(AtomicPtr<crate::task::Header>);

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    /// Puts `task` in, returning the task it displaces.
    #[inline]
    pub(crate) fn put(&self, task: Notified<Handle>) -> Option<Notified<Handle>> {
        // AcqRel: publishes the task to a thief; acquires the displaced one.
        let prev = self.0.swap(task.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: task rule 4 — the slot held that notification's reference,
        // which moves to the caller.
        NonNull::new(prev).map(|ptr| unsafe { Notified::from_raw(ptr) })
    }

    /// Takes the task out, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<Notified<Handle>> {
        if !self.is_occupied() {
            return None;
        }
        let prev = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `put`.
        NonNull::new(prev).map(|ptr| unsafe { Notified::from_raw(ptr) })
    }

    #[inline]
    pub(crate) fn is_occupied(&self) -> bool {
        !self.0.load(Ordering::Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
