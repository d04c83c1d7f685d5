//! [`LocalSet`]: tasks whose futures are not `Send`, run on the thread that
//! drives the set, as tokio's `task::LocalSet` (`task/local.rs`).
//!
//! # Inside
//!
//! A local task is an ordinary task allocation (one header, one state word,
//! the same `JoinHandle`) whose scheduler is the set's [`Shared`] state, not
//! a runtime. Task rule 8 is what makes a future that is not `Send` sound
//! there, and this module keeps it:
//!
//! - **Polled on one thread.** The set's queues are popped only by
//!   [`LocalSet::tick`], and a `LocalSet` is neither `Send` nor `Sync`, so
//!   that runs on the thread that made it. The queue that thread alone uses
//!   sits in an [`OwnerOnly`], which lends it to no other thread, checked at
//!   run time; a wake from another thread goes to the remote queue, behind a
//!   lock, and wakes whatever polls the set.
//! - **Spawned on that thread.** [`spawn_inner`] refuses any other thread
//!   (the same check), so a task never starts elsewhere either.
//! - **Dropped on that thread.** An abort is a wake; only
//!   [`LocalSet::close`] shuts tasks down: the set's `Drop`, or the
//!   shutdown of the `LocalRuntime` that owns the set, both on its thread
//!   (neither is `Send`). Both run their futures' `Drop`s on the owner.
//!
//! A `LocalRuntime` is a current-thread runtime that owns a set: its
//! `block_on` runs the future inside the set's `run_until`, and its
//! scheduler keeps the set's [`Shared`] state, so that [`spawn_local`]
//! finds the set from the runtime's context (a `Send` task of the runtime
//! included). That shared state is reachable from any thread, and gives
//! other threads no more than a task's waker does: spawning checks the
//! thread ([`OwnerOnly`]), and the rest only counts tasks.
//!
//! A yielded task (one woken during its own poll) waits in a deferred list
//! until the set has run everything else in this poll; the set then asks to
//! be polled again, so whatever drives it (a runtime's `block_on`, which
//! turns its driver between such polls) lets I/O and timers in first.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};

use taskcell::TaskId;

use super::join::JoinHandle;
use super::list::OwnedTasks;
use super::raw::{new_local_task, Header, Meta, Notified, Schedule, Task};
use crate::coop::{self, Budget};
use crate::driver::atomic_waker::AtomicWaker;
use crate::primitives::Mutex;

/// Tasks a poll of the set runs before it gives its caller a turn (tokio's
/// figure).
const MAX_TASKS_PER_TICK: u32 = 61;

/// Every this many tasks, the remote queue is looked at first, so wakes
/// from other threads are not starved by a busy local queue (tokio's
/// figure).
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// A local task's budget when the set runs outside any runtime (the
/// runtime's default).
const DEFAULT_BUDGET: u8 = 128;

/// A set of tasks that run on the thread that drives the set, so their
/// futures need not be `Send`: tokio's `task::LocalSet`.
///
/// The set's tasks run while the set is polled: inside
/// [`run_until`](LocalSet::run_until) (or [`block_on`](LocalSet::block_on)),
/// or by awaiting the set itself, which completes once every task has. Each
/// task has a task identity of its own, so a [`TaskCell`](crate::TaskCell)
/// made in one works there as in any task. Dropping the set cancels the
/// tasks it still holds, dropping their futures on this thread.
///
/// Inside the set's tasks, and in the future given to `run_until`,
/// [`spawn_local`] adds tasks to the set, and the runtime's
/// [`spawn`](crate::spawn) still spawns `Send` tasks on the runtime.
///
/// ```
/// use std::rc::Rc;
/// use taskcell_executor::task::{self, LocalSet};
///
/// let rt = taskcell_executor::Builder::new_current_thread().enable_all().build().unwrap();
/// let local = LocalSet::new();
/// let shared = Rc::new(41); // not `Send`
/// let answer = local.block_on(&rt, async move {
///     let shared2 = Rc::clone(&shared);
///     task::spawn_local(async move { *shared2 + 1 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct LocalSet {
    shared: Arc<Shared>,
    /// Neither `Send` nor `Sync`: task rule 8 relies on it.
    _not_send: PhantomData<*const ()>,
}

/// The scheduler of a local task: its set's shared state.
pub(crate) struct Scheduler(Arc<Shared>);

/// A set's state, shared by the set, its tasks' schedulers and, for the
/// set of a [`LocalRuntime`](crate::runtime::LocalRuntime), the runtime's
/// scheduler (which reaches it from any thread: through this type it only
/// spawns, on the set's thread, and counts).
pub(crate) struct Shared {
    /// What only the set's own thread touches.
    local: OwnerOnly<LocalQueues>,
    /// Tasks woken from other threads; `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Scheduler>>>>,
    /// Whatever polls the set: woken when a task is queued while nobody
    /// runs the set.
    waker: AtomicWaker,
    /// Every live task of the set, for its `Drop`.
    owned: OwnedTasks<Scheduler>,
    /// Tasks in `owned` (the set as a future is done at zero).
    live: AtomicUsize,
}

struct LocalQueues {
    queue: RefCell<VecDeque<Notified<Scheduler>>>,
    /// Tasks that yielded in this poll of the set.
    deferred: RefCell<Vec<Notified<Scheduler>>>,
    /// Set by the set's `Drop`: nothing is queued any more.
    closed: Cell<bool>,
    /// Counts the tasks run, for `REMOTE_FIRST_INTERVAL`.
    tick: Cell<u8>,
}

/// A value that only the thread that made it may reach.
///
/// # Rule
///
/// [`OwnerOnly::get`] lends the value only to the thread whose mark
/// (`thread_mark`) was taken in [`OwnerOnly::new`], and marks are never
/// reused. So however the `OwnerOnly` is shared, the value is reached from
/// one thread only, and needs no `Sync` of its own; it may be dropped on
/// another (with the last reference to its owner), which `T: Send` allows.
struct OwnerOnly<T> {
    owner: u64,
    value: T,
}

// SAFETY: the `OwnerOnly` rule — `value` is lent to its owner thread alone;
// dropping it elsewhere needs only `T: Send`.
unsafe impl<T: Send> Sync for OwnerOnly<T> {}

impl<T> OwnerOnly<T> {
    fn new(value: T) -> OwnerOnly<T> {
        OwnerOnly {
            owner: thread_mark(),
            value,
        }
    }

    /// The value, on its owner thread; `None` on any other.
    #[inline]
    fn get(&self) -> Option<&T> {
        (thread_mark() == self.owner).then_some(&self.value)
    }
}

/// A number for this thread, never given to another: a counter, read once
/// per thread (cheaper than `thread::current().id()`, and safe to call from
/// any destructor, as the thread-local has none).
#[inline]
fn thread_mark() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    std::thread_local! {
        static MARK: Cell<u64> = const { Cell::new(0) };
    }
    MARK.with(|mark| match mark.get() {
        0 => {
            let fresh = NEXT.fetch_add(1, Relaxed);
            mark.set(fresh);
            fresh
        }
        known => known,
    })
}

/// The set this thread is in, for [`spawn_local`].
struct Current {
    set: RefCell<Option<Arc<Shared>>>,
    /// Whether a task queued to `set` must wake it: true under
    /// [`LocalSet::enter`], false while the set is being polled (it will
    /// look at its queue before it returns).
    wake_on_schedule: Cell<bool>,
}

std::thread_local! {
    static CURRENT: Current = const {
        Current {
            set: RefCell::new(None),
            wake_on_schedule: Cell::new(false),
        }
    };
}

/// What [`set_current`] replaced.
type Previous = (Option<Arc<Shared>>, bool);

/// Makes `shared` this thread's set; `None` if the thread-local is gone
/// (a set dropped by a thread-local's destructor).
fn set_current(shared: &Arc<Shared>, wake_on_schedule: bool) -> Option<Previous> {
    CURRENT
        .try_with(|current| {
            let set = current.set.replace(Some(Arc::clone(shared)));
            (set, current.wake_on_schedule.replace(wake_on_schedule))
        })
        .ok()
}

/// Puts back what [`set_current`] replaced; the set it held is dropped
/// after the thread-local's borrow.
fn restore(previous: Previous) {
    let (set, wake_on_schedule) = previous;
    let replaced = CURRENT
        .try_with(|current| {
            current.wake_on_schedule.set(wake_on_schedule);
            current.set.replace(set)
        })
        .ok()
        .flatten();
    drop(replaced);
}

/// Restores the previous set when a poll or `Drop` of the set ends, even
/// by unwinding.
struct Restore(Option<Previous>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            restore(previous);
        }
    }
}

/// Whether this thread is polling a `LocalSet` (whose other tasks a
/// blocking call would stall): `block_in_place` refuses there, as tokio's.
pub(crate) fn is_polling_a_set() -> bool {
    CURRENT
        .try_with(|current| !current.wake_on_schedule.get() && current.set.borrow().is_some())
        .unwrap_or(false)
}

impl Shared {
    /// Queues a task woken on another thread; drops it if the set is gone
    /// (the task was shut down with it).
    fn push_remote(&self, task: Notified<Scheduler>) {
        let mut remote = self.remote.lock();
        let refused = match remote.as_mut() {
            Some(queue) => {
                queue.push_back(task);
                None
            }
            None => Some(task),
        };
        drop(remote);
        match refused {
            None => self.waker.wake(),
            Some(task) => drop(task),
        }
    }

    fn pop_remote(&self) -> Option<Notified<Scheduler>> {
        self.remote.lock().as_mut().and_then(VecDeque::pop_front)
    }

    /// Whether this is the thread that owns the set.
    pub(crate) fn is_owned_here(&self) -> bool {
        self.local.get().is_some()
    }

    /// The set's live tasks (runtime metrics).
    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.owned.len()
    }

    /// The tasks ever spawned into the set (runtime metrics).
    pub(crate) fn spawned_tasks_count(&self) -> u64 {
        self.owned.bound_count()
    }

    /// Calls `f` with the header of each live task (`Handle::dump`): it
    /// reads no future and no output (task rule 8 lets any thread do so).
    pub(crate) fn for_each_task(&self, f: impl FnMut(&Header)) {
        self.owned.for_each(f);
    }

    /// Whether `self` is being polled on this thread right now.
    fn is_polled_here(self: &Arc<Shared>) -> bool {
        CURRENT
            .try_with(|current| {
                !current.wake_on_schedule.get()
                    && current
                        .set
                        .borrow()
                        .as_ref()
                        .is_some_and(|set| Arc::ptr_eq(set, self))
            })
            .unwrap_or(false)
    }
}

impl LocalQueues {
    /// Queues `task` at the back, or hands it back once the set is closed.
    fn push(&self, task: Notified<Scheduler>) -> Result<(), Notified<Scheduler>> {
        if self.closed.get() {
            return Err(task);
        }
        self.queue.borrow_mut().push_back(task);
        Ok(())
    }

    fn pop(&self) -> Option<Notified<Scheduler>> {
        self.queue.borrow_mut().pop_front()
    }

    /// Moves the yielded tasks to the back of the queue; whether there were
    /// any.
    fn flush_deferred(&self) -> bool {
        let deferred = mem::take(&mut *self.deferred.borrow_mut());
        if deferred.is_empty() {
            return false;
        }
        self.queue.borrow_mut().extend(deferred);
        true
    }
}

impl Schedule for Scheduler {
    fn schedule(&self, task: Notified<Self>) {
        let shared = &self.0;
        match shared.local.get() {
            Some(local) => match local.push(task) {
                Ok(()) => {
                    if !shared.is_polled_here() {
                        shared.waker.wake();
                    }
                }
                // The set is gone, and the task with it.
                Err(task) => drop(task),
            },
            None => shared.push_remote(task),
        }
    }

    fn yield_now(&self, task: Notified<Self>) {
        // A task yields during its own poll, so on the owner, inside `tick`,
        // which runs the deferred tasks at its next poll.
        match self.0.local.get() {
            Some(local) if !local.closed.get() => local.deferred.borrow_mut().push(task),
            _ => self.schedule(task),
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        let removed = self.0.owned.remove(task);
        if removed.is_some() {
            self.0.live.fetch_sub(1, Relaxed);
        }
        removed
    }
}

/// Spawns `future` into the set `shared`.
///
/// # Panics
///
/// On any thread but the set's own.
#[track_caller]
fn spawn_inner<F>(shared: &Arc<Shared>, future: F, meta: Meta<'_>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    assert!(
        shared.local.get().is_some(),
        "a `LocalSet`'s task can only be spawned on the thread that owns the set"
    );
    let scheduler = Scheduler(Arc::clone(shared));
    // SAFETY: task rule 8 — we are on the set's thread (checked above); the
    // set polls its tasks only in `tick` and shuts them down only in
    // `close`, which run on this thread (`LocalSet` is neither `Send` nor
    // `Sync`, and neither is the `LocalRuntime` that may own it), and wakes
    // from elsewhere only queue the task.
    let (task, notified, join) =
        unsafe { new_local_task(future, scheduler, TaskId::fresh(), meta) };
    shared.live.fetch_add(1, Relaxed);
    match shared.owned.bind(task) {
        Ok(()) => Scheduler::schedule(&Scheduler(Arc::clone(shared)), notified),
        Err(task) => {
            // The set is being dropped: the task is cancelled at once, here.
            shared.live.fetch_sub(1, Relaxed);
            drop(notified);
            task.shutdown();
        }
    }
    join
}

impl LocalSet {
    /// An empty set, owned by this thread.
    ///
    /// ```
    /// let local = taskcell_executor::task::LocalSet::new();
    /// # drop(local);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(Shared {
                local: OwnerOnly::new(LocalQueues {
                    queue: RefCell::new(VecDeque::new()),
                    deferred: RefCell::new(Vec::new()),
                    closed: Cell::new(false),
                    tick: Cell::new(0),
                }),
                remote: Mutex::new(Some(VecDeque::new())),
                waker: AtomicWaker::new(),
                owned: OwnedTasks::new(1),
                live: AtomicUsize::new(0),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns `future` into the set and returns its [`JoinHandle`]. It runs
    /// when the set is next polled (by `run_until`, `block_on` or awaiting
    /// the set).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use taskcell_executor::task::LocalSet;
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let name = Rc::new("local".to_string());
    /// let task = local.spawn_local(async move { name.len() });
    /// assert_eq!(local.block_on(&rt, task).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_inner(&self.shared, future, Meta::caller())
    }

    /// Spawns a task with a name or spawn site of its own (`task::Builder`).
    pub(crate) fn spawn_with<F>(&self, future: F, meta: Meta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_inner(&self.shared, future, meta)
    }

    /// Runs `future` on `rt` (`Runtime::block_on`), running the set's tasks
    /// meanwhile, and returns its output. Tasks still pending then stay in
    /// the set.
    ///
    /// # Panics
    ///
    /// Inside a runtime, as `Runtime::block_on`.
    ///
    /// ```
    /// use taskcell_executor::task::{self, LocalSet};
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let local = LocalSet::new();
    /// let out = local.block_on(&rt, async {
    ///     let cell = std::rc::Rc::new(std::cell::Cell::new(1));
    ///     let c = cell.clone();
    ///     task::spawn_local(async move { c.set(2) }).await.unwrap();
    ///     cell.get()
    /// });
    /// assert_eq!(out, 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs the set's tasks until `future` completes, and returns its
    /// output. Inside `future`, [`spawn_local`] spawns into this set.
    ///
    /// ```
    /// use taskcell_executor::task::{self, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().enable_all().build().unwrap();
    /// rt.block_on(async {
    ///     let local = LocalSet::new();
    ///     let n = local
    ///         .run_until(async { task::spawn_local(async { 7 }).await.unwrap() })
    ///         .await;
    ///     assert_eq!(n, 7);
    /// });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil {
            set: self,
            future: std::pin::pin!(future),
        }
        .await
    }

    /// Makes this set the one [`spawn_local`] uses on this thread until the
    /// guard drops. Tasks spawned so run when the set is next polled.
    ///
    /// ```
    /// use taskcell_executor::task::{self, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let task = {
    ///     let _guard = local.enter();
    ///     task::spawn_local(async { "ran" })
    /// };
    /// assert_eq!(local.block_on(&rt, task).unwrap(), "ran");
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            previous: set_current(&self.shared, true),
            _not_send: PhantomData,
        }
    }

    /// Runs `f` with this set as the current one, being polled.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _restore = Restore(set_current(&self.shared, false));
        f()
    }

    /// Runs up to [`MAX_TASKS_PER_TICK`] tasks; whether work is left (the
    /// caller then asks to be polled again).
    fn tick(&self) -> bool {
        let Some(local) = self.shared.local.get() else {
            unreachable!("a `LocalSet` is polled only on its own thread")
        };
        let units = crate::context::with_handle(|handle| handle.budget()).unwrap_or(DEFAULT_BUDGET);
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task(local) {
                Some(task) => coop::with_budget(Budget::new(units), || task.run()),
                // Yielded tasks run at the next poll, after whatever drives
                // the set has had its turn.
                None => return local.flush_deferred(),
            }
        }
        local.flush_deferred();
        true
    }

    fn next_task(&self, local: &LocalQueues) -> Option<Notified<Scheduler>> {
        let tick = local.tick.get();
        local.tick.set(tick.wrapping_add(1));
        if tick.is_multiple_of(REMOTE_FIRST_INTERVAL) {
            self.shared.pop_remote().or_else(|| local.pop())
        } else {
            local.pop().or_else(|| self.shared.pop_remote())
        }
    }

    /// Shuts every task of the set down, dropping their futures here, and
    /// refuses new ones from now on: the set's `Drop`, or earlier the
    /// shutdown of the [`LocalRuntime`](crate::runtime::LocalRuntime) that
    /// owns the set (a second call finds nothing left).
    pub(crate) fn close(&self) {
        // The set stays current meanwhile: a future's `Drop` that spawns
        // into it has its task refused and cancelled at once.
        self.with(|| {
            let shared = &self.shared;
            let Some(local) = shared.local.get() else {
                unreachable!("a `LocalSet` is closed only on its own thread")
            };
            local.closed.set(true);
            // Each future is dropped here (task rule 8), without a lock.
            shared.owned.close_and_drain(Task::shutdown);
            let queued = mem::take(&mut *local.queue.borrow_mut());
            let deferred = mem::take(&mut *local.deferred.borrow_mut());
            let remote = shared.remote.lock().take();
            // Notifications of tasks that are complete now: dropping them
            // runs no future.
            drop((queued, deferred, remote));
        });
    }

    /// The set's shared state, for the scheduler of the runtime that owns
    /// the set.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Registers the waker of whatever polls the set.
    fn register(&self, cx: &Context<'_>) {
        // A different waker replaced: the set has one poller at a time.
        drop(self.shared.waker.register(cx.waker()));
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.shared.live.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Awaiting a `LocalSet` runs its tasks until every one has completed.
///
/// ```
/// use taskcell_executor::task::LocalSet;
///
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
/// for i in 0..3 {
///     let log = log.clone();
///     local.spawn_local(async move { log.borrow_mut().push(i) });
/// }
/// rt.block_on(local);
/// assert_eq!(*log.borrow(), [0, 1, 2]);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.register(cx);
        if self.with(|| self.tick()) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if self.shared.live.load(Relaxed) == 0 {
            Poll::Ready(())
        } else {
            // Every pending task waits for something that will queue it
            // and wake us.
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.close();
    }
}

/// The future of [`LocalSet::run_until`].
struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: Pin<&'a mut F>,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let set = this.set;
        set.register(cx);
        set.with(|| {
            if let Poll::Ready(out) = this.future.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            if set.tick() {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }
}

/// The guard of [`LocalSet::enter`]: restores the previous set on drop.
/// Not `Send`: it must drop on the thread that made it.
#[must_use = "the set is current only while the guard lives"]
pub struct LocalEnterGuard {
    previous: Option<Previous>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            restore(previous);
        }
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

/// Spawns a future that need not be `Send` into the [`LocalSet`] or the
/// [`LocalRuntime`](crate::runtime::LocalRuntime) this code runs in, and
/// returns its [`JoinHandle`].
///
/// As in tokio, a `LocalRuntime` comes first: in its context (its
/// `block_on`, its tasks, `Send` or not, and under its `enter`), the task
/// goes to the runtime, even inside a `LocalSet` driven there.
///
/// # Panics
///
/// Outside a `LocalSet` and a `LocalRuntime`: call it from a task of a set,
/// from the future given to [`LocalSet::run_until`], under
/// [`LocalSet::enter`], or in a `LocalRuntime`'s context. Also in a
/// `LocalRuntime`'s context on another thread than the runtime's (its
/// handle entered elsewhere, or its `spawn_blocking` closures), with
/// tokio's message.
///
/// ```
/// use taskcell_executor::task::{self, LocalSet};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// LocalSet::new().block_on(&rt, async {
///     let text = std::rc::Rc::new("not Send");
///     let t = text.clone();
///     assert_eq!(task::spawn_local(async move { t.len() }).await.unwrap(), 8);
/// });
/// ```
///
/// On a `LocalRuntime`, no set is needed:
///
/// ```
/// use taskcell_executor::{runtime::LocalRuntime, task};
///
/// let rt = LocalRuntime::new().unwrap();
/// let n = rt.block_on(async {
///     let shared = std::rc::Rc::new(5);
///     let s = shared.clone();
///     task::spawn_local(async move { *s + 1 }).await.unwrap()
/// });
/// assert_eq!(n, 6);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let meta = Meta::caller();
    spawn_local_with(future, meta, "`spawn_local`")
}

/// [`spawn_local`] with a name or spawn site of its own; `what` names the
/// caller in the panic.
#[track_caller]
pub(crate) fn spawn_local_with<F>(future: F, meta: Meta<'_>, what: &str) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // The set of the runtime entered here, if it is a `LocalRuntime`
    // (tokio looks there first too); cloned out, so that nothing of the
    // user's is dropped under the context's borrow.
    let runtime_set = crate::context::with_handle(|handle| handle.local_set().cloned()).flatten();
    if let Some(set) = runtime_set {
        if !set.is_owned_here() {
            // tokio's words first, then ours.
            panic!(
                "Local tasks can only be spawned on a LocalRuntime from the thread the runtime \
                 was created on ({what} in a `LocalRuntime`'s context on another thread: its \
                 handle entered there, or one of its `spawn_blocking` closures); spawn a `Send` \
                 task with `spawn` instead"
            );
        }
        return spawn_inner(&set, future, meta);
    }
    let set = CURRENT.try_with(|c| c.set.borrow().clone()).ok().flatten();
    match set {
        Some(set) => spawn_inner(&set, future, meta),
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime` \
             ({what}): call it from a task of a set, from the future given to \
             `LocalSet::run_until` or `LocalSet::block_on`, under `LocalSet::enter`, or in a \
             `LocalRuntime`'s `block_on`, its tasks or under its `enter`"
        ),
    }
}

#[cfg(all(test, not(taskcell_loom)))]
mod tests {
    //! The set driven by another executor (`futures`' `block_on`), with no
    //! runtime: no syscalls, so these run under Miri too.

    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    use super::{spawn_local, LocalSet};
    use crate::yield_now;

    #[test]
    fn tasks_run_and_yield_under_a_foreign_executor() {
        let local = LocalSet::new();
        let count = Rc::new(Cell::new(0));
        let out = futures::executor::block_on(local.run_until(async {
            let mut handles = Vec::new();
            for i in 0..4 {
                let count = Rc::clone(&count);
                handles.push(spawn_local(async move {
                    for _ in 0..3 {
                        count.set(count.get() + 1);
                        yield_now().await;
                    }
                    Rc::new(i)
                }));
            }
            let mut sum = 0;
            for handle in handles {
                sum += *handle.await.unwrap();
            }
            sum
        }));
        assert_eq!(out, 6);
        assert_eq!(count.get(), 12);
    }

    #[test]
    fn wakes_and_aborts_from_other_threads() {
        let local = LocalSet::new();
        let dropped = Arc::new(AtomicUsize::new(0));
        struct Count(Arc<AtomicUsize>);
        impl Drop for Count {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let woken = local.spawn_local(async move {
            let rc = Rc::new(rx.await.unwrap());
            *rc
        });
        let count = Count(Arc::clone(&dropped));
        let stuck = local.spawn_local(async move {
            let _count = count;
            std::future::pending::<()>().await
        });
        let (woken, stuck) = futures::executor::block_on(local.run_until(async move {
            yield_now().await;
            let abort = stuck.abort_handle();
            let sender = std::thread::spawn(move || {
                tx.send(9).unwrap();
                abort.abort();
            });
            let woken = woken.await.unwrap();
            let stuck = stuck.await;
            sender.join().unwrap();
            (woken, stuck)
        }));
        assert_eq!(woken, 9);
        assert!(stuck.unwrap_err().is_cancelled());
        assert_eq!(dropped.load(SeqCst), 1);
    }

    #[test]
    fn dropping_the_set_cancels_what_is_left() {
        let local = LocalSet::new();
        let rc = Rc::new(());
        let held = Rc::clone(&rc);
        let handle = local.spawn_local(async move {
            let _held = held;
            std::future::pending::<()>().await
        });
        futures::executor::block_on(local.run_until(yield_now()));
        assert_eq!(Rc::strong_count(&rc), 2);
        drop(local);
        assert_eq!(Rc::strong_count(&rc), 1);
        assert!(futures::executor::block_on(handle)
            .unwrap_err()
            .is_cancelled());
    }
}
