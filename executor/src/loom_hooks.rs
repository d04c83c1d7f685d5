//! Entry points for the loom models in `loom-tests/` (compiled only under
//! `cfg(taskcell_loom)`): the real task code driven by a queue that the
//! model runs by hand, the real parker and idle protocol, the driver's
//! park/unpark hand-off (its OS poller stood in for, `driver/sys.rs`), a
//! socket's readiness word, the timer wheels with their entries and
//! their watcher, and the lending of a worker's core (`block_in_place`).

use std::collections::VecDeque;
use std::future::Future;

use taskcell::TaskId;

use crate::primitives::{Arc, Mutex};
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Meta, Notified, Schedule, Task};

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::driver::io::scheduled_io::{self, ReadyEvent, ScheduledIo};
use crate::driver::io::Direction;
use crate::driver::time::{TimeHandle, TimerEntry};
pub use crate::scheduler::idle::Idle;
pub use crate::scheduler::lend::Lend;
pub use crate::scheduler::park::Parker;
pub use crate::task::JoinHandle;

/// A scheduler whose queue the model drains itself, with an owned-task list
/// as the runtime has.
#[derive(Clone)]
pub struct Queue(Arc<Inner>);

struct Inner {
    queue: Mutex<VecDeque<Notified<Queue>>>,
    owned: OwnedTasks<Queue>,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Queue {
        Queue(Arc::new(Inner {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
        }))
    }

    /// Spawns `future`: binds it to the owned list and queues it.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) =
            new_task(future, self.clone(), TaskId::fresh(), Meta::caller());
        match self.0.owned.bind(task) {
            Ok(()) => self.schedule(notified),
            Err(task) => {
                task.shutdown();
                drop(notified);
            }
        }
        join
    }

    /// Runs the next queued task; returns false if the queue was empty.
    pub fn run_next(&self) -> bool {
        let next = self.0.queue.lock().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// How many notifications are queued.
    pub fn len(&self) -> usize {
        self.0.queue.lock().len()
    }

    /// Whether no notification is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The runtime's shutdown sequence: close the owned list and drop every
    /// future through it, then drop the queued notifications.
    pub fn shutdown(&self) {
        self.0.owned.close_and_drain(|task| task.shutdown());
        let queued: Vec<_> = self.0.queue.lock().drain(..).collect();
        drop(queued);
    }
}

impl Default for Queue {
    fn default() -> Queue {
        Queue::new()
    }
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Schedule for Queue {
    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().push_back(task);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}

/// The runtime's driver, with no sockets and no timers: what a worker parks
/// in when it can take it.
#[derive(Debug)]
pub struct Driver(crate::driver::Handle);

impl Driver {
    /// A driver whose poller only waits for its waker.
    pub fn new() -> Driver {
        Driver(crate::driver::Handle::for_model())
    }

    /// A worker's parker that parks in this driver when it is free.
    pub fn parker(&self) -> Parker {
        Parker::with_driver(self.0.unparker())
    }

    /// `parker.park()` as a worker does it: in this driver if no one else
    /// holds it, otherwise on the parker's condition variable.
    pub fn park(&self, parker: &Parker) {
        parker.park_on(&self.0, None);
    }
}

/// The timer wheels of a runtime, driven by hand (`driver/time`).
#[derive(Debug)]
pub struct Timers(TimeHandle);

/// A timer, as a `Sleep` keeps it: pin it (`Box::pin`) before arming it.
#[derive(Debug)]
pub struct Timer(TimerEntry);

impl Timer {
    /// An unarmed timer.
    pub fn new() -> Timer {
        Timer(TimerEntry::new())
    }

    /// Whether it is armed (in a wheel, or fired there and not yet seen).
    pub fn is_armed(&self) -> bool {
        self.0.is_armed()
    }

    fn entry(self: Pin<&mut Self>) -> Pin<&mut TimerEntry> {
        // SAFETY: structural pinning: the entry is never moved out of a
        // pinned `Timer`.
        unsafe { self.map_unchecked_mut(|timer| &mut timer.0) }
    }
}

impl Default for Timer {
    fn default() -> Timer {
        Timer::new()
    }
}

impl Timers {
    /// `wheels` empty wheels.
    pub fn new(wheels: usize) -> Timers {
        Timers(TimeHandle::new(wheels))
    }

    /// Arms `timer` in wheel `wheel` at `tick`, with `waker`; returns
    /// whether the parked driver must be woken, and which watcher.
    pub fn arm(
        &self,
        timer: Pin<&mut Timer>,
        wheel: usize,
        tick: u64,
        waker: &Waker,
    ) -> (bool, Option<usize>) {
        let wake = self
            .0
            .arm(timer.entry(), wheel, tick, &Context::from_waker(waker));
        (wake.driver, wake.watcher)
    }

    /// Polls the armed `timer`.
    pub fn poll(&self, timer: Pin<&mut Timer>, waker: &Waker) -> Poll<()> {
        self.0
            .poll_armed(timer.entry(), &Context::from_waker(waker))
    }

    /// Moves `timer`'s deadline to `tick`; returns whether the parked
    /// driver must be woken, and which watcher.
    pub fn reset(&self, timer: Pin<&mut Timer>, tick: u64) -> (bool, Option<usize>) {
        let wake = self.0.reset(timer.entry(), tick);
        (wake.driver, wake.watcher)
    }

    /// Takes `timer` out of its wheel (its `Sleep` is dropped).
    pub fn cancel(&self, timer: Pin<&mut Timer>) {
        self.0.cancel(timer.entry());
    }

    /// Fires what wheel `wheel` has due by `now`, waking it here; returns
    /// how many fired.
    pub fn fire(&self, wheel: usize, now: u64) -> usize {
        let mut fired = Vec::new();
        self.0.fire(wheel, now, &mut fired);
        let count = fired.len();
        fired.into_iter().for_each(Waker::wake);
        count
    }

    /// The driver's side before it blocks: the tick it will sleep until,
    /// published for armers (`u64::MAX`: no timer).
    pub fn park(&self) -> u64 {
        self.0.park_deadline()
    }

    /// Worker `me` goes to sleep on its condition variable: it becomes the
    /// watcher unless another is, and then gets the tick it wakes at by
    /// itself.
    pub fn watch(&self, me: usize) -> Option<u64> {
        self.0.sleep_on_condvar(me)
    }

    /// Worker `me` is awake again (`watched`: it was the watcher).
    pub fn unwatch(&self, me: usize, watched: bool) {
        self.0.woke_on_condvar(me, watched);
    }

    /// Whether a sleeper must be woken to take the watch up.
    pub fn needs_watcher(&self) -> bool {
        self.0.needs_watcher()
    }

    /// How many timers the wheels hold.
    pub fn entries(&self) -> usize {
        self.0.entries()
    }
}

/// One socket's readiness word and its readers' waker slot and list.
#[derive(Debug)]
pub struct Readiness(ScheduledIo);

/// What a reader saw when it found the socket readable.
#[derive(Debug, Clone, Copy)]
pub struct Seen(ReadyEvent);

impl Readiness {
    /// Not ready.
    pub fn new() -> Readiness {
        Readiness(ScheduledIo::new())
    }

    /// The driver's side: an edge-triggered "readable" event of turn `tick`.
    pub fn set_readable(&self, tick: u16) {
        self.0.set_readiness(tick, scheduled_io::READABLE);
    }

    /// The reader's side: `Ready` if readable, otherwise `cx`'s waker is
    /// registered.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<Seen> {
        self.0
            .poll_ready(cx, Direction::Read)
            .map(|ready| Seen(ready.expect("the model never shuts down")))
    }

    /// A `poll_read_ready` caller's side: `Ready` if readable, otherwise
    /// `cx`'s waker replaces the last caller's in the polled slot, which
    /// the driver wakes only once such a call has been made.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<Seen> {
        self.0
            .poll_ready_mask(cx, scheduled_io::READABLE, false)
            .map(|ready| Seen(ready.expect("the model never shuts down")))
    }

    /// The reader's side, after its read hit `WouldBlock`.
    pub fn clear(&self, seen: Seen) {
        self.0.clear_readiness(seen.0);
    }

    /// The driver's side: an edge-triggered "priority data" event of turn
    /// `tick` (`EPOLLPRI`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn set_priority(&self, tick: u16) {
        self.0.set_readiness(tick, scheduled_io::PRIORITY);
    }

    /// A priority waiter's side (`Interest::PRIORITY`): `Ready` on priority
    /// data, otherwise `cx`'s waker is registered in the priority slot,
    /// which the driver wakes only once it has been used.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn poll_priority(&self, cx: &mut Context<'_>) -> Poll<Seen> {
        self.0
            .poll_ready(cx, Direction::Priority)
            .map(|ready| Seen(ready.expect("the model never shuts down")))
    }
}
