//! [`RuntimeMetrics`]: counters the runtime keeps about itself.
//!
//! Each worker's counters sit on their own cache line and only that worker
//! writes them, with a plain load and store (no read-modify-write): per poll
//! the hot path pays one such increment. Readers on other threads load them
//! `Relaxed`; a figure may be a moment old, never torn.

use std::fmt;
use std::time::Duration;

// std's atomics even in loom builds: these counters order nothing the
// runtime relies on (only a reader's view of one worker's counts, see
// `bump_release`), so the models need not explore them.
use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

use crate::driver::clock::Clock;
use crate::runtime::Handle;

/// A worker's counters, alone on their cache line (128 bytes: two lines on
/// CPUs that fetch lines in pairs).
#[repr(align(128))]
pub(crate) struct WorkerMetrics {
    polls: AtomicU64,
    steals: AtomicU64,
    parks: AtomicU64,
    /// Parks and unparks: odd while the worker is parked.
    park_unparks: AtomicU64,
    /// The nanoseconds spent busy, as last published by the worker: at the
    /// end of each busy stretch and every `event_interval` tasks within one.
    /// Only the worker writes it, each value from its own readings of one
    /// monotonic clock; readers load it and read no clock. So a reading is
    /// a value the worker stored: never more than the time it was busy,
    /// never less than an earlier reading, and never torn. A stretch under
    /// way shows up to its last publication (tokio's busy time, too, grows
    /// only at the end of a batch of tasks).
    busy: AtomicU64,
    /// The worker's own: when the stretch under way began (nanoseconds
    /// since the runtime started), or `IDLE`.
    since: AtomicU64,
    /// The worker's own: the busy total when the stretch under way began.
    base: AtomicU64,
}

/// `since` while the worker is not busy.
const IDLE: u64 = u64::MAX;

impl Default for WorkerMetrics {
    fn default() -> WorkerMetrics {
        WorkerMetrics {
            polls: AtomicU64::new(0),
            steals: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            park_unparks: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            since: AtomicU64::new(IDLE),
            base: AtomicU64::new(0),
        }
    }
}

/// Adds one, for the counter's only writer.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
}

/// `bump` for `park_unparks`, as a release: a reader whose acquire load sees
/// the new value also sees every count the worker made before it (the
/// park's own, in `parking`). Free on x86, where every store releases.
fn bump_release(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Release);
}

impl WorkerMetrics {
    pub(crate) fn new() -> WorkerMetrics {
        WorkerMetrics::default()
    }

    /// Adds the polls the worker counted since it last published them.
    pub(crate) fn add_polls(&self, polls: u64) {
        if polls != 0 {
            self.polls
                .store(self.polls.load(Relaxed).wrapping_add(polls), Relaxed);
        }
    }

    pub(crate) fn count_steal(&self) {
        bump(&self.steals);
    }

    /// The worker is going to sleep: ends the busy stretch.
    pub(crate) fn parking(&self, clock: &Clock) {
        bump(&self.parks);
        bump_release(&self.park_unparks);
        self.stopped(clock);
    }

    /// The busy stretch ends: the worker parks, or the current-thread core
    /// goes back (its `block_on` returns), which is not counted as a park.
    pub(crate) fn stopped(&self, clock: &Clock) {
        if self.since.load(Relaxed) != IDLE {
            let now = clock.nanos();
            clock.refresh_to(now);
            self.end_at(now);
        }
    }

    /// The worker woke up (or started): a busy stretch begins. One reading
    /// of the clock serves the stretch and the coarse reading.
    pub(crate) fn unparked(&self, clock: &Clock) {
        if self.park_unparks.load(Relaxed) % 2 == 1 {
            // Back from a park (not the worker's start, nor a new
            // `block_on` of a current-thread runtime).
            bump_release(&self.park_unparks);
        }
        let now = clock.nanos();
        clock.refresh_to(now);
        self.begin_at(now);
    }

    /// Every `event_interval` tasks: refreshes the coarse reading and
    /// publishes the busy time so far, from one reading of the clock.
    pub(crate) fn tick(&self, clock: &Clock) {
        let now = clock.nanos();
        clock.refresh_to(now);
        if self.since.load(Relaxed) != IDLE {
            self.publish_at(now);
        }
    }

    fn begin_at(&self, now: u64) {
        self.base.store(self.busy.load(Relaxed), Relaxed);
        self.since.store(now, Relaxed);
    }

    fn end_at(&self, now: u64) {
        self.publish_at(now);
        self.since.store(IDLE, Relaxed);
    }

    /// Publishes the busy total at `now`, within a stretch. `now` is never
    /// before the stretch's start (one thread's readings of a monotonic
    /// clock), so the total never goes back; `saturating_sub` only guards.
    fn publish_at(&self, now: u64) {
        let stretch = now.saturating_sub(self.since.load(Relaxed));
        let total = self.base.load(Relaxed).saturating_add(stretch);
        self.busy.store(total, Relaxed);
    }

    fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy.load(Relaxed))
    }
}

/// A snapshot-free view of a runtime's counters, from
/// [`Handle::metrics`]. Each method reads the live value.
///
/// Tasks counted here are the runtime's own (spawned with `spawn`); the
/// closures of `spawn_blocking` run on the blocking pool and are not.
///
/// ```
/// let rt = taskcell_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = rt.handle().metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// rt.block_on(async {
///     taskcell_executor::spawn(async { taskcell_executor::yield_now().await }).await.unwrap();
/// });
/// assert!(metrics.spawned_tasks_count() >= 1);
/// // Workers publish their poll counts as they go to sleep (or every 61
/// // tasks while busy): the two polls show up soon.
/// while (0..2).map(|i| metrics.worker_poll_count(i)).sum::<u64>() < 2 {
///     std::thread::yield_now();
/// }
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    fn worker(&self, worker: usize) -> &WorkerMetrics {
        match self.handle.inner.worker_metrics(worker) {
            Some(metrics) => metrics,
            None => panic!(
                "worker index {worker} out of range: this runtime has {} workers",
                self.num_workers()
            ),
        }
    }

    /// How many workers the runtime has (1 for the current-thread flavour).
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.inner.num_workers()
    }

    /// How many tasks are alive: spawned and not yet complete (or complete,
    /// with the runtime still tidying up after them). Counted by a walk of
    /// the task list, so that spawns and completions pay for no count: it
    /// takes time in proportion to the tasks.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().metrics().num_alive_tasks(), 1);
    /// task.abort();
    /// let _ = rt.block_on(task);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.inner.num_alive_tasks()
    }

    /// How many tasks were spawned since the runtime started.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(rt.handle().metrics().spawned_tasks_count(), 1);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        self.handle.inner.spawned_tasks_count()
    }

    /// How many tasks wait in the global (injection) queue, where tasks
    /// spawned or woken from outside the workers go.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// rt.spawn(async {}); // waits for a `block_on` to run it
    /// assert_eq!(rt.handle().metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.handle.inner.global_queue_depth()
    }

    /// How many task polls worker `worker` has made. A worker counts them
    /// on its own and publishes the count at least every 61 tasks (its
    /// `event_interval`) and whenever it goes to sleep, so a busy worker's
    /// figure may trail by a few dozen polls.
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(rt.handle().metrics().worker_poll_count(0), 1);
    /// ```
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker(worker).polls.load(Relaxed)
    }

    /// How many times worker `worker` stole a batch of tasks from another
    /// worker.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let _steals = rt.handle().metrics().worker_steal_count(0);
    /// ```
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker(worker).steals.load(Relaxed)
    }

    /// How many times worker `worker` went to sleep for lack of work.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = rt.handle().metrics();
    /// // With nothing to do, the worker goes to sleep.
    /// while metrics.worker_park_count(0) == 0 {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).parks.load(Relaxed)
    }

    /// How many times worker `worker` parked or unparked, as tokio's: odd
    /// while it is parked, even while it works.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = rt.handle().metrics();
    /// while metrics.worker_park_unpark_count(0) % 2 == 0 {
    ///     std::thread::yield_now(); // until it parks, with nothing to do
    /// }
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert!(metrics.worker_park_unpark_count(0) >= 2, "it woke to run the task");
    /// ```
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        // Acquire: pairs with `bump_release`, so counts read after this
        // one are at least as new as this one.
        self.worker(worker).park_unparks.load(Acquire)
    }

    /// How many tasks wait in worker `worker`'s own queue (its LIFO slot
    /// included).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().worker_local_queue_depth(0), 0);
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker(worker);
        self.handle.inner.worker_local_queue_depth(worker)
    }

    /// How many timers were armed in worker `worker`'s timer wheel: the
    /// sleeps and timeouts first polled by its tasks. On a multi-thread
    /// runtime, timers first polled off the workers (by a `block_on` or a
    /// `spawn_blocking` closure) are counted on no worker; a current-thread
    /// runtime counts every timer on its one worker.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
    /// rt.block_on(async { taskcell_executor::time::sleep(Duration::from_millis(1)).await });
    /// assert_eq!(rt.handle().metrics().worker_timers_armed_count(0), 1);
    /// ```
    pub fn worker_timers_armed_count(&self, worker: usize) -> u64 {
        self.worker(worker);
        self.handle
            .inner
            .time()
            .map_or(0, |time| time.counts(worker).0)
    }

    /// How many timers fired from worker `worker`'s timer wheel, whichever
    /// thread fired them (a timer dropped or completed before its deadline
    /// never fires).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().enable_time().build().unwrap();
    /// rt.block_on(async { taskcell_executor::time::sleep(Duration::from_millis(1)).await });
    /// assert_eq!(rt.handle().metrics().worker_timers_fired_count(0), 1);
    /// ```
    pub fn worker_timers_fired_count(&self, worker: usize) -> u64 {
        self.worker(worker);
        self.handle
            .inner
            .time()
            .map_or(0, |time| time.counts(worker).1)
    }

    /// How long worker `worker` has spent awake (running tasks, searching
    /// for them, turning the driver) rather than parked, from the precise
    /// monotonic clock, so stretches of any length count for what they
    /// lasted. The worker publishes it when it parks, when it wakes, and
    /// every `event_interval` tasks (tokio's, too, moves only at such
    /// points): a long poll shows up when it ends. It never goes back.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { std::thread::sleep(std::time::Duration::from_millis(50)) });
    /// assert!(rt.handle().metrics().worker_total_busy_duration(0).as_millis() >= 50);
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy()
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("spawned_tasks_count", &self.spawned_tasks_count())
            .field("global_queue_depth", &self.global_queue_depth())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Busy time is what the worker last published: stretches add up, a
    /// stretch under way shows up to its last publication, and readings
    /// never go back.
    #[test]
    fn busy_time_adds_up_published_stretches() {
        let m = WorkerMetrics::new();
        assert_eq!(m.busy(), Duration::ZERO);
        m.begin_at(100);
        assert_eq!(m.busy(), Duration::ZERO, "nothing published yet");
        m.publish_at(130);
        assert_eq!(m.busy(), Duration::from_nanos(30));
        m.end_at(150);
        assert_eq!(m.busy(), Duration::from_nanos(50));
        m.begin_at(10_000);
        assert_eq!(m.busy(), Duration::from_nanos(50), "idle time is not busy");
        m.publish_at(10_007);
        m.end_at(10_010);
        assert_eq!(m.busy(), Duration::from_nanos(60));
    }
}
