//! A worker: its local queue and the loop that runs tasks, steals, and
//! sleeps.

use std::cell::{Cell, RefCell};
use std::task::Waker;

use crossbeam_deque::{Steal, Worker};

use super::lend::Lend;
use super::multi_thread;
use super::park::Parked;
use super::{Flavor, Handle, Shared};
use crate::coop::{self, Budget};
use crate::runtime::metrics::WorkerMetrics;
use crate::task::Notified;

/// Every this many ticks a worker looks at the injector before its own
/// queue, so that work from outside the runtime is never starved.
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// At most this many tasks run from the LIFO slot in a row; then the next
/// one goes to the back of the local queue.
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

/// What a thread that runs a worker lends the thread-local context
/// (`context::set_scheduler`) while it does.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The worker's core.
    pub(crate) core: &'a Core,
    /// Its scheduler's state.
    pub(crate) shared: &'a Shared,
    /// Its scheduler's handle (the runtime entered meanwhile).
    pub(crate) handle: &'a Handle,
}

/// The part of a worker that only its own thread touches.
pub(crate) struct Core {
    pub(super) index: usize,
    local: Worker<Notified<Handle>>,
    /// Tasks that yielded (woke themselves during their poll). They wait
    /// here until the worker runs out of other work, or until the next
    /// global-queue tick: a yield ranks below a spawn or a wake, as in
    /// tokio, and still cannot be starved.
    deferred: RefCell<Vec<Notified<Handle>>>,
    tick: Cell<u32>,
    is_searching: Cell<bool>,
    rand: Cell<u32>,
    /// Tasks left to run before the next look at the driver.
    until_driver: Cell<u32>,
    event_interval: u32,
    /// Tasks between two looks at the global queue first.
    global_queue_interval: u32,
    /// Set while this worker turns the driver: the tasks it wakes land in
    /// its own queue, and whether to wake a sibling for them is decided once
    /// the turn is over, not per task.
    pub(super) in_driver: Cell<bool>,
    /// The wakers of this worker's fired timers, woken once the wheel's
    /// lock is released (kept between uses: no allocation once grown).
    fired: Cell<Vec<Waker>>,
    /// Polls not yet added to this worker's `WorkerMetrics`: counted here,
    /// where nothing else reads, and published every `event_interval` tasks
    /// and before the worker sleeps.
    polls: Cell<u64>,
}

impl Core {
    pub(crate) fn new(
        index: usize,
        local: Worker<Notified<Handle>>,
        event_interval: u32,
        global_queue_interval: u32,
    ) -> Core {
        Core {
            index,
            local,
            deferred: RefCell::new(Vec::new()),
            tick: Cell::new(0),
            is_searching: Cell::new(false),
            // Any non-zero seed; distinct per worker.
            rand: Cell::new(0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1),
            until_driver: Cell::new(event_interval),
            event_interval,
            global_queue_interval,
            in_driver: Cell::new(false),
            fired: Cell::new(Vec::new()),
            polls: Cell::new(0),
        }
    }

    /// The worker's index: the one its metrics go by
    /// (`runtime::worker_index`).
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Adds the polls counted since the last call to the shared metrics.
    pub(super) fn publish_polls(&self, shared: &Shared) {
        self.metrics(shared).add_polls(self.polls.take());
    }

    /// The worker thread's loop: run tasks until the runtime shuts down.
    pub(crate) fn run(&self, shared: &Shared) {
        self.metrics(shared).unparked(shared.clock());
        if shared.is_shutdown() {
            // A thread that first runs after shutdown began still makes
            // its first pass, as every tokio worker does: with no work, it
            // parks, and the park returns at once (shutdown unparks every
            // worker after setting its flag). So each worker parks at least
            // once, which `worker_park_count` users rely on.
            self.park(shared, None);
        }
        self.run_until(shared, None);
        self.publish_polls(shared);
        // The stretch that ends with the runtime counts, too.
        self.metrics(shared).stopped(shared.clock());
    }

    /// The loop of a thread that borrows this core during a
    /// `block_in_place` ([`Lend`]): `run`'s, until the lender wants the core
    /// back or the runtime shuts down. The worker's busy stretch goes on
    /// across the hand-overs, so none begins or ends here.
    pub(crate) fn run_lent(&self, shared: &Shared, lend: &Lend) {
        self.run_until(shared, Some(lend));
        self.publish_polls(shared);
    }

    /// Runs tasks until the runtime shuts down, or `lend` wants the core
    /// back. Inlined: for `run`, `lend` is `None` and its checks vanish.
    #[inline(always)]
    fn run_until(&self, shared: &Shared, lend: Option<&Lend>) {
        while !shared.is_shutdown() && !lend.is_some_and(Lend::is_wanted) {
            if let Some(task) = self.next_task(shared) {
                self.run_task(shared, task);
            } else if self.run_deferred(shared) {
                continue;
            } else if let Some(task) = self.search(shared) {
                self.run_task(shared, task);
            } else {
                self.park(shared, lend);
            }
        }
    }

    /// Drops whatever is still queued here (at shutdown; the futures are
    /// dropped through the owned-task list).
    pub(crate) fn drain(&self, shared: &Shared) {
        drop(std::mem::take(&mut *self.deferred.borrow_mut()));
        drop(shared.remotes[self.index].lifo.take());
        while let Some(task) = self.local.pop() {
            drop(task);
        }
    }

    pub(super) fn next_task(&self, shared: &Shared) -> Option<Notified<Handle>> {
        let until_driver = self.until_driver.get() - 1;
        if until_driver == 0 {
            self.maintenance(shared);
        } else {
            self.until_driver.set(until_driver);
        }
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick.is_multiple_of(self.global_queue_interval) {
            self.pop_global(shared).or_else(|| self.pop_local(shared))
        } else {
            self.pop_local(shared).or_else(|| self.pop_global(shared))
        }
    }

    /// Every `event_interval` tasks: the clock, the poll count, this
    /// worker's due timers and a look at the driver, after which the tasks
    /// that yielded may run again. Out of line, so that the path of every
    /// other task stays short.
    #[cold]
    #[inline(never)]
    fn maintenance(&self, shared: &Shared) {
        self.until_driver.set(self.event_interval);
        self.metrics(shared).tick(shared.clock());
        self.publish_polls(shared);
        self.fire_timers(shared);
        self.poll_driver(shared);
        self.flush_deferred(shared);
    }

    /// When the worker has nothing else to run but tasks that yielded:
    /// fires its due timers and takes a driver turn that does not block
    /// (tokio's `park_yield`), so that what they wait for can come in
    /// first, then queues them. Returns whether there were any.
    ///
    /// A task that yields (or spent its budget) thus runs again only after
    /// the worker has run its other work and looked at the driver, as in
    /// tokio: a task that yields while it waits for a socket sees the
    /// socket's readiness at its next poll.
    pub(super) fn run_deferred(&self, shared: &Shared) -> bool {
        if self.deferred.borrow().is_empty() {
            return false;
        }
        self.yield_to_driver(shared)
    }

    /// Fires the due timers, takes a driver turn that does not block, and
    /// queues the tasks that yielded; whether there were any.
    pub(super) fn yield_to_driver(&self, shared: &Shared) -> bool {
        self.fire_timers(shared);
        self.poll_driver(shared);
        self.flush_deferred(shared)
    }

    #[inline]
    fn pop_local(&self, shared: &Shared) -> Option<Notified<Handle>> {
        shared.remotes[self.index]
            .lifo
            .take()
            .or_else(|| self.local.pop())
    }

    fn pop_global(&self, shared: &Shared) -> Option<Notified<Handle>> {
        if shared.injector.is_empty() {
            return None;
        }
        loop {
            match shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// Moves the yielded tasks to the back of the local queue, where they
    /// run in order and other workers may steal them. Returns whether there
    /// were any.
    pub(super) fn flush_deferred(&self, shared: &Shared) -> bool {
        let mut deferred = self.deferred.borrow_mut();
        if deferred.is_empty() {
            return false;
        }
        for task in deferred.drain(..) {
            self.local.push(task);
        }
        drop(deferred);
        if self.local.len() > 1 && shared.flavor == Flavor::MultiThread {
            shared.notify_parked();
        }
        true
    }

    /// Runs `task`, then whatever it put in the LIFO slot, up to the cap.
    ///
    /// The LIFO tasks go on with the budget of the first (tokio #2349):
    /// two tasks waking each other through the slot must not each get a
    /// fresh budget and hold the worker forever. A LIFO hand-off also costs
    /// one unit by itself, for tasks that use no budgeted resource.
    pub(super) fn run_task(&self, shared: &Shared, task: Notified<Handle>) {
        if self.is_searching.replace(false) && shared.idle.transition_worker_from_searching() {
            // The last searcher found work: there may be more, so wake
            // another worker to keep looking.
            shared.notify_parked();
        }
        coop::with_budget(Budget::new(shared.budget), || {
            self.polls.set(self.polls.get() + 1);
            task.run();
            // A `block_in_place` in that poll lent the core out: it comes
            // back before anything here touches it again.
            if coop::is_lent_out() {
                multi_thread::take_back_lent();
            }
            let lifo = &shared.remotes[self.index].lifo;
            for _ in 0..MAX_LIFO_POLLS {
                if !coop::has_budget_remaining() {
                    break;
                }
                match lifo.take() {
                    Some(task) => {
                        self.polls.set(self.polls.get() + 1);
                        task.run();
                        if coop::is_lent_out() {
                            multi_thread::take_back_lent();
                        }
                    }
                    None => return,
                }
                coop::consume_one();
            }
            if let Some(task) = lifo.take() {
                // Cap or budget reached: behind the others it goes.
                self.local.push(task);
            }
        });
    }

    /// Steals from other workers, then from the injector (multi-thread
    /// workers only: the current-thread driver has no one to steal from).
    fn search(&self, shared: &Shared) -> Option<Notified<Handle>> {
        if !self.is_searching.get() {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching.set(true);
        }
        let n = shared.remotes.len();
        let start = self.next_rand() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            let remote = &shared.remotes[victim];
            loop {
                match remote.stealer.steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => {
                        self.metrics(shared).count_steal();
                        return Some(task);
                    }
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        if let Some(task) = self.pop_global(shared) {
            return Some(task);
        }
        // Last: a LIFO task whose worker is busy with something else.
        (0..n)
            .filter(|&victim| victim != self.index)
            .find_map(|victim| shared.remotes[victim].lifo.take())
    }

    /// Fires the due timers of this worker's own wheel, whether or not the
    /// driver is free: they wake their tasks into this worker's queue.
    fn fire_timers(&self, shared: &Shared) {
        self.in_driver.set(true);
        let any = self.with_fired(|fired| shared.driver.fire_timers(self.index, fired));
        self.in_driver.set(false);
        if any && self.has_work_to_share(shared) {
            shared.notify_parked();
        }
    }

    /// Runs `fire` with this worker's buffer for the wakers of fired timers
    /// (taken out meanwhile: a waker woken there cannot reach it again).
    fn with_fired<R>(&self, fire: impl FnOnce(&mut Vec<Waker>) -> R) -> R {
        let mut fired = self.fired.take();
        let out = fire(&mut fired);
        self.fired.set(fired);
        out
    }

    /// A busy worker's look at the driver: a turn that does not block, if
    /// no one else is driving. Readiness, and the timers of other workers'
    /// wheels that are overdue, wake their tasks into this worker's queue.
    fn poll_driver(&self, shared: &Shared) {
        let driver = &shared.driver;
        let Some(mut core) = driver.try_lock() else {
            return;
        };
        self.in_driver.set(true);
        driver.turn(&mut core, Some(std::time::Duration::ZERO), Some(self.index));
        drop(core);
        self.in_driver.set(false);
        if self.has_work_to_share(shared) {
            shared.notify_parked();
        }
    }

    /// Whether this worker holds more tasks than it is about to run, which
    /// a sleeping sibling could take (the scheduler's notify rule).
    fn has_work_to_share(&self, shared: &Shared) -> bool {
        shared.flavor == Flavor::MultiThread
            && !self.is_searching.get()
            && usize::from(shared.remotes[self.index].lifo.is_occupied()) + self.local.len() > 1
    }

    pub(super) fn has_local_work(&self, shared: &Shared) -> bool {
        !self.local.is_empty() || shared.remotes[self.index].lifo.is_occupied()
    }

    /// Sleeps (in the driver if it is free) until woken by new work, by the
    /// driver waking tasks onto this worker, or by shutdown.
    fn park(&self, shared: &Shared, lend: Option<&Lend>) {
        // The hooks run once a park, around it, as tokio's: `on_thread_park`
        // before the worker declares itself parked, so that work it spawns
        // or wakes runs instead of the park.
        shared.park_hooks.parking();
        let _unparked = UnparkHook(shared);
        if self.has_local_work(shared) {
            return;
        }
        let was_searching = self.is_searching.replace(false);
        if shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            // The last searcher: work queued meanwhile would otherwise wait.
            shared.notify_if_work_pending();
        }
        let parker = &shared.remotes[self.index].parker;
        let metrics = self.metrics(shared);
        self.publish_polls(shared);
        loop {
            metrics.parking(shared.clock());
            self.in_driver.set(true);
            let parked = parker.park_on(&shared.driver, Some(self.index));
            if parked == Parked::Watcher && !shared.is_shutdown() {
                // Awake at the earliest deadline, or woken for an earlier
                // one: what is due wakes its tasks onto this worker.
                self.with_fired(|fired| shared.driver.fire_all_timers(fired));
            }
            self.in_driver.set(false);
            metrics.unparked(shared.clock());
            if shared.is_shutdown() {
                return;
            }
            let has_work = self.has_local_work(shared);
            // A borrowed core leaves the park as it would for work: its
            // lender goes on with it, awake.
            if has_work || lend.is_some_and(Lend::is_wanted) {
                // The driver (or the watch) woke tasks onto this worker.
                if !shared.idle.unpark_worker_by_id(self.index) {
                    // A notifier got here first and made us a searcher.
                    self.is_searching.set(true);
                }
            } else if shared.idle.is_parked(self.index) {
                continue;
            } else {
                // Woken by a notifier, which made us a searcher.
                self.is_searching.set(true);
            }
            if matches!(parked, Parked::Watcher | Parked::Driver) {
                shared.keep_a_watch(self.index);
            }
            if has_work && self.has_work_to_share(shared) {
                shared.notify_parked();
            }
            return;
        }
    }

    /// Queues a task from this worker's own thread.
    pub(crate) fn schedule_local(&self, shared: &Shared, task: Notified<Handle>, is_yield: bool) {
        if is_yield {
            self.deferred.borrow_mut().push(task);
            return;
        }
        // The current-thread flavor is plain FIFO, as users of a
        // single-threaded runtime expect: tasks run in the order they were
        // spawned or woken.
        let stealable = if shared.flavor == Flavor::CurrentThread || !shared.lifo_slot {
            self.local.push(task);
            self.local.len() > 1
        } else {
            match shared.remotes[self.index].lifo.put(task) {
                Some(prev) => {
                    self.local.push(prev);
                    true
                }
                None => false,
            }
        };
        if stealable
            && shared.flavor == Flavor::MultiThread
            && !self.is_searching.get()
            && !self.in_driver.get()
        {
            shared.notify_parked();
        }
    }

    #[inline]
    pub(super) fn metrics<'a>(&self, shared: &'a Shared) -> &'a WorkerMetrics {
        &shared.remotes[self.index].metrics
    }

    fn next_rand(&self) -> u32 {
        // xorshift32: cheap, good enough to spread victims.
        let mut x = self.rand.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rand.set(x);
        x
    }
}

/// Runs `on_thread_unpark` when a park (or a park skipped for work that
/// `on_thread_park` made) is over.
struct UnparkHook<'a>(&'a Shared);

impl Drop for UnparkHook<'_> {
    fn drop(&mut self) {
        self.0.park_hooks.unparked();
    }
}
