//! [`JoinSet`]: a group of tasks, joined in the order they finish.
//!
//! Each task's `JoinHandle` sits in a slot of the set with a waker of its
//! own. When a task completes, that waker puts the slot's key on the set's
//! ready list and wakes whoever waits in `join_next`, which then polls only
//! the handles on the list: joining n tasks costs O(n), not O(n²). A slot
//! key carries a generation, so a late wake for a slot that was since
//! reused only makes one spurious (harmless) poll.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use super::error::JoinError;
use super::join::{AbortHandle, JoinHandle};
use super::raw::Meta;
use crate::context;
use crate::runtime::Handle;
use taskcell::TaskId;

/// A set of tasks of one output type, joined in completion order.
///
/// Dropping the set aborts every task still in it.
///
/// ```
/// use taskcell_executor::task::JoinSet;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..10 {
///         set.spawn(async move { i * 2 });
///     }
///     let mut sum = 0;
///     while let Some(result) = set.join_next().await {
///         sum += result.unwrap();
///     }
///     assert_eq!(sum, 90);
///     assert!(set.is_empty());
/// });
/// ```
pub struct JoinSet<T> {
    slots: Vec<Slot<T>>,
    /// Free slot indices.
    free: Vec<usize>,
    len: usize,
    ready: Arc<Ready>,
}

struct Slot<T> {
    /// Bumped each time the slot is reused.
    generation: u64,
    entry: Option<Entry<T>>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

/// The keys of slots whose task may have finished, and the waker of the
/// `join_next` waiting for them.
#[derive(Default)]
struct Ready {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    keys: VecDeque<(usize, u64)>,
    waiter: Option<Waker>,
}

impl Ready {
    fn lock(&self) -> MutexGuard<'_, ReadyInner> {
        // Nothing here panics while holding the lock; should it happen, the
        // queue is still a valid queue.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Leaves a clone of `waiter` to be woken by the next key, unless a key
    /// is there already (then `false`). The clone, and the drop of the
    /// waker it replaces, run the wakers' own code: outside the lock, so
    /// that a waker whose drop drives the runtime (and so finishes a task
    /// of this set) cannot deadlock on it.
    fn wait_with(&self, waiter: &Waker) -> bool {
        let waiter = waiter.clone();
        let (replaced, waiting) = {
            let mut inner = self.lock();
            if inner.keys.is_empty() {
                (inner.waiter.replace(waiter), true)
            } else {
                (Some(waiter), false)
            }
        };
        drop(replaced);
        waiting
    }

    fn push(&self, key: (usize, u64)) {
        let waiter = {
            let mut inner = self.lock();
            inner.keys.push_back(key);
            inner.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// The waker of one slot: reports the slot as ready.
struct SlotWaker {
    key: (usize, u64),
    ready: Arc<Ready>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.ready.push(self.key);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.push(self.key);
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = taskcell_executor::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            ready: Arc::new(Ready::default()),
        }
    }

    /// How many tasks the set holds (finished ones not yet joined count).
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let mut set = JoinSet::new();
    /// set.spawn_on(async {}, rt.handle());
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    ///
    /// ```
    /// assert!(taskcell_executor::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Aborts every task in the set; they stay in it until joined, and join
    /// as cancelled unless they had already finished.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for slot in &self.slots {
            if let Some(entry) = &slot.entry {
                entry.handle.abort();
            }
        }
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.generation = slot.generation.wrapping_add(1);
        let key = (index, slot.generation);
        let waker = Waker::from(Arc::new(SlotWaker {
            key,
            ready: Arc::clone(&self.ready),
        }));
        slot.entry = Some(Entry { handle, waker });
        self.len += 1;
        // Polled once by the next `join_next`, which registers its waker.
        self.ready.push(key);
        abort
    }

    /// The next finished task's result, in completion order; `None` when
    /// the set is empty.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::<u8>::new();
    ///     assert!(set.join_next().await.is_none());
    ///     set.spawn(async { 7 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 7);
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task: `Ready(None)` when the set is
    /// empty, `Pending` (with `cx`'s waker registered) while no task has
    /// finished.
    ///
    /// ```
    /// use std::task::Poll;
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let mut set = JoinSet::<()>::new();
    /// let waker = std::task::Waker::noop();
    /// let polled = set.poll_join_next(&mut std::task::Context::from_waker(&waker));
    /// assert!(matches!(polled, Poll::Ready(None)));
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|joined| joined.map(|result| result.map(|(_, output)| output)))
    }

    /// Polls for the next task to finish, as
    /// [`poll_join_next`](Self::poll_join_next), with its id.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     let (id, out) = poll_fn(|cx| set.poll_join_next_with_id(cx)).await.unwrap().unwrap();
    ///     assert_eq!(out, 1);
    ///     # let _ = id;
    /// });
    /// ```
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(TaskId, T), JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        // One unit of budget per call, spent with the caller's waker; the
        // handles are read without budget, so running out cannot make a
        // slot's waker re-queue its key while this loop is draining keys.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        match self.next_finished(Some(cx.waker())) {
            Some(joined) => {
                coop.made_progress();
                Poll::Ready(Some(joined))
            }
            None => Poll::Pending,
        }
    }

    /// Waits for the next task to finish and returns its id with its
    /// output; `None` once the set is empty.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { "a" });
    ///     let (id, out) = set.join_next_with_id().await.unwrap().unwrap();
    ///     assert_eq!(out, "a");
    ///     assert!(set.join_next_with_id().await.is_none());
    ///     # let _ = id;
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The output of a task that has finished, without waiting: `None` if
    /// no task has finished yet (or the set is empty).
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(std::future::pending::<u8>());
    ///     assert!(set.try_join_next().is_none(), "still running");
    ///     set.spawn(async { 2 });
    ///     loop {
    ///         if let Some(out) = set.try_join_next() {
    ///             assert_eq!(out.unwrap(), 2);
    ///             break;
    ///         }
    ///         taskcell_executor::yield_now().await;
    ///     }
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|result| result.map(|(_, output)| output))
    }

    /// [`try_join_next`](Self::try_join_next), with the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        if self.len == 0 {
            return None;
        }
        self.next_finished(None)
    }

    /// Takes the next finished task out of the set. With `waiter`, leaves
    /// it to be woken when a key comes in, if none is there.
    fn next_finished(&mut self, waiter: Option<&Waker>) -> Option<Result<(TaskId, T), JoinError>> {
        loop {
            let key = {
                let mut ready = self.ready.lock();
                match ready.keys.pop_front() {
                    Some(key) => key,
                    None => {
                        let waiter = waiter?;
                        if ready.waiter.as_ref().is_some_and(|w| w.will_wake(waiter)) {
                            return None;
                        }
                        drop(ready);
                        if self.ready.wait_with(waiter) {
                            return None;
                        }
                        continue; // a key came meanwhile
                    }
                }
            };
            let (index, generation) = key;
            let slot = &mut self.slots[index];
            if slot.generation != generation {
                continue; // a late wake for a slot reused since
            }
            let Some(entry) = &mut slot.entry else {
                continue; // joined already
            };
            if let Poll::Ready(result) = entry.handle.poll_output(&entry.waker) {
                let id = entry.handle.id();
                slot.entry = None;
                self.free.push(index);
                self.len -= 1;
                return Some(result.map(|output| (id, output)));
            }
        }
    }

    /// Waits for every task and returns their outputs, in the order they
    /// finished.
    ///
    /// # Panics
    ///
    /// If a task panicked (its panic goes on here, as tokio's does) or was
    /// cancelled.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let mut outs = rt.block_on(async {
    ///     let set: JoinSet<u32> = (1..=3).map(|i| async move { i * 10 }).collect();
    ///     set.join_all().await
    /// });
    /// outs.sort();
    /// assert_eq!(outs, [10, 20, 30]);
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(joined) = self.join_next().await {
            match joined {
                Ok(output) => outputs.push(output),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("a task of `JoinSet::join_all` failed: {err}"),
            }
        }
        outputs
    }

    /// Takes every task out of the set without aborting it: each runs on
    /// to its end, detached, and the set is empty.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async move { tx.send("ran").unwrap() });
    ///     set.detach_all();
    ///     assert!(set.is_empty());
    /// });
    /// assert_eq!(rx.recv().unwrap(), "ran");
    /// ```
    pub fn detach_all(&mut self) {
        for slot in &mut self.slots {
            // A `JoinHandle` dropped detaches its task.
            slot.entry = None;
        }
        self.free = (0..self.slots.len()).collect();
        self.len = 0;
        self.ready.lock().keys.clear();
    }

    /// Aborts every task and waits until all of them are gone, discarding
    /// their results; the set is empty afterwards.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the runtime this code runs in, into the set, and
    /// returns an [`AbortHandle`] for it (the set keeps the task's output).
    ///
    /// # Panics
    ///
    /// Outside any runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { "done" });
    ///     let stuck = set.spawn(std::future::pending());
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "done");
    ///     stuck.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let meta = Meta::caller();
        match context::spawn(future, meta) {
            Some(handle) => self.insert(handle),
            None => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: `JoinSet::spawn` called outside a taskcell runtime: call it from a \
                 task, a `block_on` or a `spawn_blocking` closure, or use `spawn_on` with a \
                 runtime's handle"
            ),
        }
    }

    /// Spawns `future` on the runtime of `handle`, into the set, and returns
    /// an [`AbortHandle`] for it.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let mut set = JoinSet::new();
    /// set.spawn_on(async { 3 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = handle.spawn_with(future, Meta::caller());
        self.insert(handle)
    }

    /// Runs `f` on the blocking pool of the runtime this code runs in, into
    /// the set, and returns an [`AbortHandle`] for it (as tokio's: a closure
    /// that has started runs to its end; one still queued is cancelled).
    ///
    /// # Panics
    ///
    /// Outside any runtime, as [`spawn_blocking`](crate::spawn_blocking()).
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let sum = rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     for i in 0..4u32 {
    ///         set.spawn_blocking(move || i * 10);
    ///     }
    ///     set.join_all().await.into_iter().sum::<u32>()
    /// });
    /// assert_eq!(sum, 60);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        match context::spawn_blocking(f, Meta::caller()) {
            Some(handle) => self.insert(handle),
            None => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: `JoinSet::spawn_blocking` called outside a taskcell runtime: call it \
                 from a task, a `block_on` or a `spawn_blocking` closure, or use \
                 `spawn_blocking_on` with a runtime's handle"
            ),
        }
    }

    /// Runs `f` on the blocking pool of `handle`'s runtime, into the set,
    /// and returns an [`AbortHandle`] for it.
    ///
    /// ```
    /// use taskcell_executor::task::JoinSet;
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let mut set = JoinSet::new();
    /// set.spawn_blocking_on(|| "done", rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = handle.spawn_blocking_with(f, Meta::caller());
        self.insert(handle)
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns `future`, which need not be `Send`, into the
    /// [`LocalSet`](super::LocalSet) or
    /// [`LocalRuntime`](crate::runtime::LocalRuntime) this code runs in, and
    /// into this set; returns an [`AbortHandle`] for it.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet` and a `LocalRuntime`, as
    /// [`spawn_local`](super::spawn_local).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use taskcell_executor::task::{JoinSet, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// LocalSet::new().block_on(&rt, async {
    ///     let mut set = JoinSet::new();
    ///     for i in 0..3 {
    ///         set.spawn_local(async move { Rc::new(i) });
    ///     }
    ///     let mut sum = 0;
    ///     while let Some(out) = set.join_next().await {
    ///         sum += *out.unwrap();
    ///     }
    ///     assert_eq!(sum, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle =
            super::local::spawn_local_with(future, Meta::caller(), "`JoinSet::spawn_local`");
        self.insert(handle)
    }

    /// Spawns `future`, which need not be `Send`, into `local` and into
    /// this set; returns an [`AbortHandle`] for it.
    ///
    /// ```
    /// use taskcell_executor::task::{JoinSet, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let mut set = JoinSet::new();
    /// set.spawn_local_on(async { 5 }, &local);
    /// let out = local.block_on(&rt, set.join_next());
    /// assert_eq!(out.unwrap().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = local.spawn_with(future, Meta::caller());
        self.insert(handle)
    }
}

/// Spawns each future into a new set, on the runtime of the calling code.
/// The spawn site a task dump shows is inside `Iterator::collect`; spawn
/// with [`JoinSet::spawn`] or `extend` to record the caller's line.
///
/// # Panics
///
/// Outside a runtime, as [`JoinSet::spawn`].
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(futures: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(futures);
        set
    }
}

/// Spawns each future into the set, on the runtime of the calling code.
///
/// # Panics
///
/// Outside a runtime, as [`JoinSet::spawn`].
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, futures: I) {
        for future in futures {
            self.spawn(future);
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
