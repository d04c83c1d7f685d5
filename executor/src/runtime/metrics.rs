//! [`RuntimeMetrics`]: counters the runtime keeps about itself, and the
//! coarse clock that task dumps read.
//!
//! Each worker's counters sit on their own cache line and only that worker
//! writes them, with a plain load and store (no read-modify-write): per poll
//! the hot path pays one such increment. Readers on other threads load them
//! `Relaxed`; a figure may be a moment old, never torn.

use std::fmt;
use std::time::Duration;

// std's atomics even in loom builds: these counters order nothing, so the
// models need not explore them.
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use crate::runtime::Handle;

/// A worker's counters, alone on their cache line (128 bytes: two lines on
/// CPUs that fetch lines in pairs).
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    polls: AtomicU64,
    steals: AtomicU64,
    parks: AtomicU64,
    /// The nanoseconds spent busy, in one word so that a reader on another
    /// thread always sees a whole value (two words, read one after the
    /// other, could count a stretch that ends between the reads twice):
    ///
    /// - parked: `total << 1`;
    /// - busy since `since` (nanoseconds since the runtime started):
    ///   `(total - since) << 1 | 1`, in 63-bit wrapping arithmetic, so that
    ///   the total at time `now` is `(word >> 1) + now`.
    busy: AtomicU64,
}

/// The low bit of `busy`: a stretch is under way.
const BUSY: u64 = 1;
/// The 63 bits of a busy value (292 years of nanoseconds).
const LOW63: u64 = u64::MAX >> 1;

/// The busy total that `word` stands for at `now`.
fn busy_total(word: u64, now: u64) -> u64 {
    if word & BUSY != 0 {
        (word >> 1).wrapping_add(now) & LOW63
    } else {
        word >> 1
    }
}

/// Adds one, for the counter's only writer.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
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
        self.stopped(clock);
    }

    /// The busy stretch ends: the worker parks, or the current-thread core
    /// goes back (its `block_on` returns), which is not counted as a park.
    pub(crate) fn stopped(&self, clock: &Clock) {
        let word = self.busy.load(Relaxed);
        if word & BUSY != 0 {
            self.busy
                .store(busy_total(word, clock.nanos()) << 1, Relaxed);
        }
    }

    /// The worker woke up (or started): a busy stretch begins. One reading
    /// of the system clock serves the stretch and the coarse clock.
    pub(crate) fn unparked(&self, clock: &Clock) {
        let now = clock.nanos();
        clock.refresh_to(now);
        let total = busy_total(self.busy.load(Relaxed), now);
        self.busy
            .store((total.wrapping_sub(now) & LOW63) << 1 | BUSY, Relaxed);
    }

    fn busy(&self, clock: &Clock) -> Duration {
        // The clock first: a stretch that ends after this reading is then
        // counted up to at most the time it ended.
        let now = clock.nanos();
        Duration::from_nanos(busy_total(self.busy.load(Relaxed), now))
    }
}

/// The runtime's clock: when it started, and a coarse reading in
/// milliseconds that the workers refresh every `event_interval` tasks and
/// whenever they wake up. Tasks stamp it at each poll's end, so a poll
/// reads one shared, rarely written word instead of the system clock.
///
/// Its readings come from the system's coarse monotonic clock where there
/// is one (`CLOCK_MONOTONIC_COARSE` on Linux: a few nanoseconds a reading,
/// against tens for the precise clock, and a worker reads it at every park
/// and wake-up), with the resolution of the kernel's tick, a few
/// milliseconds. Busy time summed from such readings is right on average:
/// a stretch shorter than a tick counts as a whole tick or as nothing, as
/// often as its start falls near a tick or not.
///
/// Alone on its cache line(s): every poll reads it, and it must not share a
/// line with a word that other threads write often.
#[repr(align(128))]
pub(crate) struct Clock {
    start: u64,
    coarse_ms: AtomicU32,
}

/// Nanoseconds on a monotonic clock, coarse where that is cheaper.
#[cfg(all(target_os = "linux", not(miri)))]
fn monotonic_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec`; `clock_gettime` writes
    // only it, and `CLOCK_MONOTONIC_COARSE` exists on every Linux since 2.6.32.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    debug_assert_eq!(rc, 0);
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// Nanoseconds on a monotonic clock (since the first reading).
#[cfg(not(all(target_os = "linux", not(miri))))]
fn monotonic_nanos() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(std::time::Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            start: monotonic_nanos(),
            coarse_ms: AtomicU32::new(0),
        }
    }

    /// The coarse reading.
    #[inline]
    pub(crate) fn coarse_ms(&self) -> u32 {
        self.coarse_ms.load(Relaxed)
    }

    /// Reads the system clock into the coarse reading.
    pub(crate) fn refresh(&self) {
        self.refresh_to(self.nanos());
    }

    /// Sets the coarse reading from `nanos` since the start.
    fn refresh_to(&self, nanos: u64) {
        let now = (nanos / 1_000_000) as u32;
        // Workers race here; any of their readings is fine, and skipping the
        // store when nothing changed keeps the line shared and clean.
        if self.coarse_ms.load(Relaxed) != now {
            self.coarse_ms.store(now, Relaxed);
        }
    }

    /// Milliseconds since the start, read now (wraps after 49 days; stamps
    /// are compared with wrapping arithmetic).
    pub(crate) fn millis(&self) -> u32 {
        (self.nanos() / 1_000_000) as u32
    }

    fn nanos(&self) -> u64 {
        monotonic_nanos().saturating_sub(self.start)
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
        let remotes = &self.handle.shared.remotes;
        match remotes.get(worker) {
            Some(remote) => &remote.metrics,
            None => panic!(
                "worker index {worker} out of range: this runtime has {} workers",
                remotes.len()
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
        self.handle.shared.remotes.len()
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
        self.handle.shared.owned.len()
    }

    /// How many tasks were spawned since the runtime started.
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(rt.handle().metrics().spawned_tasks_count(), 1);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        self.handle.shared.owned.bound_count()
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
        self.handle.shared.injector.len()
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

    /// How many tasks wait in worker `worker`'s own queue (its LIFO slot
    /// included).
    ///
    /// ```
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().worker_local_queue_depth(0), 0);
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker(worker);
        let remote = &self.handle.shared.remotes[worker];
        remote.stealer.len() + usize::from(remote.lifo.is_occupied())
    }

    /// How long worker `worker` has spent awake (running tasks, searching
    /// for them, turning the driver) rather than parked. Summed from the
    /// runtime's coarse clock: right on average, with a few milliseconds of
    /// resolution per stretch.
    ///
    /// ```
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { std::thread::sleep(std::time::Duration::from_millis(50)) });
    /// assert!(rt.handle().metrics().worker_total_busy_duration(0).as_millis() >= 30);
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy(&self.handle.shared.clock)
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

    /// The one-word busy time: a parked total reads as itself whatever the
    /// time; a stretch begun at `since` adds `now - since`, even when
    /// `since` exceeds the total (the usual case), through the wrap.
    #[test]
    fn busy_time_in_one_word() {
        let parked = |total: u64| total << 1;
        let busy = |total: u64, since: u64| (total.wrapping_sub(since) & LOW63) << 1 | BUSY;
        assert_eq!(busy_total(parked(5), 1_000), 5);
        assert_eq!(busy_total(busy(5, 100), 130), 35);
        assert_eq!(busy_total(busy(0, 7), 7), 0);
        let day = 86_400_000_000_000;
        assert_eq!(busy_total(busy(3 * day, 40 * day), 41 * day), 4 * day);
        // A stretch ends: the total is folded back into a parked word.
        assert_eq!(busy_total(parked(busy_total(busy(10, 50), 80)), 1), 40);
    }
}
