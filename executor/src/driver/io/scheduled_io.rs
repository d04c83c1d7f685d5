//! [`ScheduledIo`]: the readiness of one registered socket, and the tasks
//! waiting on it.
//!
//! # The readiness word
//!
//! One `AtomicUsize`, in the shape of tokio's `ScheduledIo`:
//!
//! | bits    | meaning                                                    |
//! |---------|------------------------------------------------------------|
//! | 0–5     | readiness: readable, writable, read closed, write closed, error, priority |
//! | 6–9     | listed: the read (write, error, priority) overflow list may hold waiters |
//! | 10      | a task has waited for priority: the driver wakes that slot |
//! | 11–14   | the directions (read, write, error, priority) the last event woke |
//! | 15      | a task has called a `poll_*_ready` method: the driver wakes those slots |
//! | 16–30   | the driver tick of the event that last set readiness       |
//! | 31      | shut down: the driver is gone; waits fail (`try_io` first uses up the readiness bits) |
//!
//! The driver ORs an event's readiness in and stamps its tick. A task that
//! saw readiness and then got `WouldBlock` clears what it saw, but only if
//! the tick is still the one it saw: an event that came in between is newer
//! than the failed attempt and stays. Sockets are registered
//! edge-triggered, so that event would never come again; losing it would
//! hang the task.
//!
//! # Waiters
//!
//! Any number of tasks may wait on one socket in one direction (tasks in
//! `accept` on one listener, in `recv_from` on one UDP socket): every
//! method takes `&self`. Each direction has
//!
//! - a **slot**, an [`AtomicWaker`]: where a task registers. One reader and
//!   one writer (a split stream's two halves, one accept loop) never go
//!   further: no lock, no allocation.
//! - an **overflow list** behind a lock, which holds the wakers the slot
//!   displaced. A `register` that replaces a different waker gets the old
//!   one back (`AtomicWaker` rule 4) and lists it here.
//!
//! Four directions: readers, writers, tasks that wait for an error alone
//! (`Interest::ERROR`), and tasks that wait for priority data
//! (`Interest::PRIORITY`, Linux's `EPOLLPRI`, which only an `AsyncFd`
//! registers for). The driver wakes the readers' and writers' (and
//! priority waiters') waiters on an error, too, so that the attempt that
//! follows reports it. The priority slot costs the driver nothing until a
//! task first waits there: it is woken only once the word's
//! priority-used bit says one did.
//!
//! The public `poll_read_ready` and `poll_write_ready` methods (and the
//! datagram sockets' `poll_recv_ready`, `poll_send_ready`) have a slot of
//! their own per direction instead, with tokio's rule for them: only the
//! waker of the most recent call is kept, and the one it replaces is
//! dropped, not woken (tokio's `io_async_fd::poll_fns` checks this). Like
//! the priority slot, these cost the driver nothing until a task first
//! calls such a method on the socket (the word's polled-used bit).
//!
//! The rule that loses no wake-up: **a waker leaves the slot only to be
//! woken or to be listed, and a waker is listed only under the list's lock,
//! which then sets the direction's listed bit with a read-modify-write of
//! the readiness word.**
//! - If that RMW finds readiness that every waiter of the direction waits
//!   for (`Direction::common`: readable or read-closed for readers), the
//!   lister wakes the list itself: the event may have come before the bit
//!   was set. (An error alone is not in it: a waiter that does not wait
//!   for errors, woken by one, would find nothing, list the other waiter,
//!   and so on without end. A reader listed in that instant waits for the
//!   next event; tokio's readers do not wake on errors at all.)
//! - Otherwise the driver's readiness RMW comes later in the word's order,
//!   sees the bit, and wakes the list (after the lister's unlock, so it
//!   finds the new waker). The bit is cleared only by whoever empties the
//!   list, under its lock.
//!
//! A woken task that finds nothing registers again (a `poll_` method, as
//! tokio's), except a wait that lives across polls (a `ready` future, see
//! [`ScheduledIo::poll_ready_since`]): woken by an event, it ends even if
//! another task cleared that readiness before it ran, as tokio's readiness
//! futures do. Every
//! waiter of a direction is woken by its readiness (tokio wakes every
//! waiter whose interest matches, too); the list costs the driver nothing
//! while its bit is clear. A waker is listed once, however often it is
//! displaced. A waker whose task stopped waiting (a `timeout` around
//! `accept`, say) stays listed until the next event of its direction; so
//! that such wakers cannot pile up on a quiet socket, a list that reaches
//! its bound (64, or twice its length at its last wake-up or prune) is
//! pruned: every waker in it is woken, and those still waiting list
//! themselves again.

use std::io;
use std::task::{Context, Poll, Waker};

use crate::driver::atomic_waker::AtomicWaker;
use crate::primitives::{AtomicUsize, Mutex, Ordering::AcqRel, Ordering::Acquire};

pub(crate) const READABLE: usize = 0b0_0001;
pub(crate) const WRITABLE: usize = 0b0_0010;
pub(crate) const READ_CLOSED: usize = 0b0_0100;
pub(crate) const WRITE_CLOSED: usize = 0b0_1000;
pub(crate) const ERROR: usize = 0b1_0000;
/// Priority data (`EPOLLPRI`: TCP urgent data, a `sysfs` attribute or a
/// cgroup event changed); set on Linux and Android only.
pub(crate) const PRIORITY: usize = 0b10_0000;
pub(crate) const READY_MASK: usize = 0b11_1111;
/// Closed halves are final: a failed attempt never clears them.
const FINAL: usize = READ_CLOSED | WRITE_CLOSED;
const LISTED_READ: usize = 1 << 6;
const LISTED_WRITE: usize = 1 << 7;
const LISTED_ERROR: usize = 1 << 8;
const LISTED_PRIORITY: usize = 1 << 9;
const LISTED: usize = LISTED_READ | LISTED_WRITE | LISTED_ERROR | LISTED_PRIORITY;
/// A task has waited in the priority direction (set once, never cleared).
const PRIORITY_USED: usize = 1 << 10;
/// The directions whose waiters the last event woke: replaced, with the
/// tick, by every event (see `ScheduledIo::poll_ready_since`).
const LAST_READ: usize = 1 << 11;
const LAST_WRITE: usize = 1 << 12;
const LAST_ERROR: usize = 1 << 13;
const LAST_PRIORITY: usize = 1 << 14;
const LAST: usize = LAST_READ | LAST_WRITE | LAST_ERROR | LAST_PRIORITY;
/// A task has called a `poll_*_ready` method: the driver wakes the polled
/// slots (module docs, "Waiters").
const POLLED_USED: usize = 1 << 15;

const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0x7fff << TICK_SHIFT;
const SHUTDOWN: usize = 1 << 31;

/// How many listed wakers are woken per pass, outside the lock.
const WAKE_BATCH: usize = 32;

/// The smallest length at which a list is pruned (see "Waiters").
const PRUNE_AT: usize = 64;

/// Which way a task waits: to read, to write, for an error alone
/// (`Interest::ERROR`), or for priority data (`Interest::PRIORITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
    Error,
    Priority,
}

impl Direction {
    const ALL: [Direction; 4] = [
        Direction::Read,
        Direction::Write,
        Direction::Error,
        Direction::Priority,
    ];

    /// The readiness that lets an attempt in this direction make progress
    /// (an error does, too: the attempt then reports it).
    pub(crate) fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
            Direction::Error => ERROR,
            Direction::Priority => PRIORITY | READ_CLOSED | ERROR,
        }
    }

    /// The readiness that every waiter of this direction waits for, so
    /// that a waiter woken by it finds it (see "Waiters"): an error is
    /// not in it for readers and writers, since `Interest::READABLE` and
    /// `Interest::WRITABLE` do not wait for errors, as in tokio.
    fn common(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED,
            Direction::Write => WRITABLE | WRITE_CLOSED,
            Direction::Error => ERROR,
            Direction::Priority => PRIORITY | READ_CLOSED,
        }
    }

    fn listed(self) -> usize {
        match self {
            Direction::Read => LISTED_READ,
            Direction::Write => LISTED_WRITE,
            Direction::Error => LISTED_ERROR,
            Direction::Priority => LISTED_PRIORITY,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// This direction's bit among the last event's (`LAST`).
    fn last(self) -> usize {
        match self {
            Direction::Read => LAST_READ,
            Direction::Write => LAST_WRITE,
            Direction::Error => LAST_ERROR,
            Direction::Priority => LAST_PRIORITY,
        }
    }

    /// The `LAST` bits of the directions an event of `ready` wakes.
    #[inline]
    fn woken_by(ready: usize) -> usize {
        let mut last = 0;
        for direction in Direction::ALL {
            if ready & direction.mask() != 0 {
                last |= direction.last();
            }
        }
        last
    }

    /// The directions a task waiting for `mask` waits in: a wait for
    /// errors alone has its own. A wait for priority data (whose mask
    /// holds read-closed, not readable) is not a reader's: a reader's
    /// readiness would wake it for nothing (module docs, "Waiters").
    fn of(mask: usize) -> impl Iterator<Item = Direction> {
        let read = mask & READABLE != 0 || mask & (READ_CLOSED | PRIORITY) == READ_CLOSED;
        let write = mask & (WRITABLE | WRITE_CLOSED) != 0;
        let priority = mask & PRIORITY != 0;
        let error = !read && !write && !priority && mask & ERROR != 0;
        [
            (read, Direction::Read),
            (write, Direction::Write),
            (error, Direction::Error),
            (priority, Direction::Priority),
        ]
        .into_iter()
        .filter_map(|(waits, direction)| waits.then_some(direction))
    }
}

/// One direction's overflow list.
#[derive(Debug)]
struct Waiters {
    wakers: Vec<Waker>,
    /// The length at which listing prunes the list (see "Waiters").
    prune_at: usize,
}

impl Waiters {
    const fn new() -> Waiters {
        Waiters {
            wakers: Vec::new(),
            prune_at: PRUNE_AT,
        }
    }
}

/// What a task saw when it found its socket ready: hand it back to
/// [`ScheduledIo::clear_readiness`] after a `WouldBlock`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    tick: usize,
    ready: usize,
}

impl ReadyEvent {
    /// The readiness bits seen (of the mask waited for).
    pub(crate) fn ready(self) -> usize {
        self.ready
    }

    /// The same event, seeing `ready` instead: for a clear of part of
    /// what was seen (`AsyncFdReadyGuard::clear_ready_matching`).
    pub(crate) fn with_ready(self, ready: usize) -> ReadyEvent {
        ReadyEvent {
            tick: self.tick,
            ready: ready & READY_MASK,
        }
    }
}

/// One registered socket's readiness and waiters; see the module docs.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    reader: AtomicWaker,
    writer: AtomicWaker,
    /// The slot of the tasks that wait for an error alone.
    error: AtomicWaker,
    /// The slot of the tasks that wait for priority data.
    priority: AtomicWaker,
    /// The slots of the public `poll_*_ready` methods, which keep only the
    /// latest caller's waker (module docs, "Waiters").
    polled_reader: AtomicWaker,
    polled_writer: AtomicWaker,
    /// The wakers the slots displaced, by direction (see "Waiters").
    listed: Mutex<[Waiters; 4]>,
    /// Where this registration sits in the driver's registration set
    /// (touched only under that set's lock).
    pub(crate) index: AtomicUsize,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            reader: AtomicWaker::new(),
            writer: AtomicWaker::new(),
            error: AtomicWaker::new(),
            priority: AtomicWaker::new(),
            polled_reader: AtomicWaker::new(),
            polled_writer: AtomicWaker::new(),
            listed: Mutex::new([
                Waiters::new(),
                Waiters::new(),
                Waiters::new(),
                Waiters::new(),
            ]),
            index: AtomicUsize::new(0),
        }
    }

    fn slot(&self, direction: Direction) -> &AtomicWaker {
        match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
            Direction::Error => &self.error,
            Direction::Priority => &self.priority,
        }
    }

    /// Driver side: ORs `ready` in under `tick` (with the directions it
    /// wakes as the last event's), then wakes the waiters it concerns. No
    /// lock, no allocation, unless a direction it wakes has listed waiters.
    pub(crate) fn set_readiness(&self, tick: u16, ready: usize) {
        let tick = (usize::from(tick) << TICK_SHIFT) & TICK_MASK;
        let last = Direction::woken_by(ready);
        let mut current = self.readiness.load(Acquire);
        loop {
            let new = (current & !(TICK_MASK | LAST)) | tick | last | (ready & READY_MASK);
            match self
                .readiness
                .compare_exchange_weak(current, new, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // `current` is the word this RMW replaced: its listed bits are the
        // ones in force when the readiness went in (module docs, "Waiters").
        if ready & Direction::Read.mask() != 0 {
            self.reader.wake();
            if current & LISTED_READ != 0 {
                self.wake_listed(Direction::Read);
            }
            if current & POLLED_USED != 0 {
                self.polled_reader.wake();
            }
        }
        if ready & Direction::Write.mask() != 0 {
            self.writer.wake();
            if current & LISTED_WRITE != 0 {
                self.wake_listed(Direction::Write);
            }
            if current & POLLED_USED != 0 {
                self.polled_writer.wake();
            }
        }
        if ready & ERROR != 0 {
            self.error.wake();
            if current & LISTED_ERROR != 0 {
                self.wake_listed(Direction::Error);
            }
        }
        // Only an `AsyncFd` registered for priority data has waiters here:
        // no other registration touches the slot.
        if ready & Direction::Priority.mask() != 0 && current & PRIORITY_USED != 0 {
            self.priority.wake();
            if current & LISTED_PRIORITY != 0 {
                self.wake_listed(Direction::Priority);
            }
        }
    }

    /// Marks the socket ready in `ready`'s directions without an event from
    /// the driver, as tokio does for a socket whose state is known when it
    /// is made: its first attempt then tries the system call at once. A
    /// wrong guess costs one `WouldBlock`, which clears it as any readiness.
    /// Leaves the tick alone (an event's clear rule holds), and does nothing
    /// once the driver is gone.
    pub(crate) fn assume_ready(&self, ready: usize) {
        let mut current = self.readiness.load(Acquire);
        while current & SHUTDOWN == 0 {
            let new = current | (ready & READY_MASK);
            match self
                .readiness
                .compare_exchange_weak(current, new, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Marks the registration dead (the driver shut down) and wakes every
    /// waiter: from now on every wait fails, and `try_io` fails once the
    /// readiness last seen is used up.
    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        for direction in Direction::ALL {
            self.slot(direction).wake();
            self.wake_listed(direction);
        }
        self.polled_reader.wake();
        self.polled_writer.wake();
    }

    /// Drops the waiters' wakers: for a registration that is being released
    /// (its socket is gone, nobody polls it again). A waker holds its task,
    /// the task its runtime, and the runtime the registration until the
    /// driver's next turn frees it; after shutdown there is no next turn, so
    /// a waker kept here would keep the whole runtime alive in a cycle.
    pub(crate) fn clear_wakers(&self) {
        for direction in Direction::ALL {
            crate::task::drop_contained(self.slot(direction).take());
        }
        crate::task::drop_contained(self.polled_reader.take());
        crate::task::drop_contained(self.polled_writer.take());
        let listed = {
            let mut listed = self.listed.lock();
            self.readiness.fetch_and(!LISTED, AcqRel);
            listed
                .iter_mut()
                .map(|waiters| std::mem::take(&mut waiters.wakers))
                .collect::<Vec<_>>()
        };
        // Outside the lock: dropping a waker may drop a task, or panic (a
        // foreign waker's; `task` rule 7).
        listed
            .into_iter()
            .flatten()
            .for_each(crate::task::drop_contained);
    }

    /// Lists `waker`, which the slot of `direction` displaced (module docs,
    /// "Waiters"). Out of line: one waiter per direction never comes here.
    #[cold]
    #[inline(never)]
    fn list(&self, direction: Direction, waker: Waker) {
        let (duplicate, pruned, before) = {
            let mut listed = self.listed.lock();
            let waiters = &mut listed[direction.index()];
            let duplicate = if waiters.wakers.iter().any(|w| w.will_wake(&waker)) {
                Some(waker)
            } else {
                waiters.wakers.push(waker);
                None
            };
            // Wakers of waits that ended without their readiness stay until
            // an event: past a bound, wake them all (those still waiting
            // list themselves again) and let the bound follow the list.
            let pruned = if waiters.wakers.len() >= waiters.prune_at {
                waiters.prune_at = PRUNE_AT.max(2 * waiters.wakers.len());
                std::mem::take(&mut waiters.wakers)
            } else {
                Vec::new()
            };
            let bit = direction.listed();
            let before = if waiters.wakers.is_empty() {
                self.readiness.fetch_and(!bit, AcqRel)
            } else {
                self.readiness.fetch_or(bit, AcqRel)
            };
            (duplicate, pruned, before)
        };
        if let Some(duplicate) = duplicate {
            crate::task::drop_contained(duplicate);
        }
        pruned.into_iter().for_each(crate::task::wake_contained);
        if before & (direction.common() | SHUTDOWN) != 0 {
            // The event may have come before the bit: the lister wakes.
            self.wake_listed(direction);
        }
    }

    /// Wakes every listed waiter of `direction`, outside the lock, and
    /// clears its listed bit once the list is empty.
    #[cold]
    #[inline(never)]
    fn wake_listed(&self, direction: Direction) {
        let mut woken = 0;
        loop {
            let mut batch: [Option<Waker>; WAKE_BATCH] = std::array::from_fn(|_| None);
            let more = {
                let mut listed = self.listed.lock();
                let waiters = &mut listed[direction.index()];
                let from = waiters.wakers.len().saturating_sub(WAKE_BATCH);
                for (slot, waker) in batch.iter_mut().zip(waiters.wakers.drain(from..)) {
                    *slot = Some(waker);
                    woken += 1;
                }
                if waiters.wakers.is_empty() {
                    self.readiness.fetch_and(!direction.listed(), AcqRel);
                    if woken > 0 {
                        // Those woken and still waiting come back: room
                        // for them before the next prune.
                        waiters.prune_at = PRUNE_AT.max(2 * woken);
                    }
                }
                !waiters.wakers.is_empty()
            };
            // A panic in a (foreign) waker stays there (`task` rule 7).
            batch
                .into_iter()
                .flatten()
                .for_each(crate::task::wake_contained);
            if !more {
                return;
            }
        }
    }

    /// Task side: `Ready` once the socket may make progress in `direction`
    /// (or the driver is gone: an error); otherwise registers `cx`'s waker.
    /// `Pending` too, after a wake, once the task's budget is spent.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_with(cx, direction.mask(), true, |waker| {
            self.register(direction, waker);
        })
    }

    /// Task side, for the public `poll_*_ready` methods: `Ready` once the
    /// readiness word holds any of `mask`'s bits (or the driver is gone:
    /// an error); otherwise registers `cx`'s waker in each direction `mask`
    /// concerns, reading and writing in their polled slots, where it
    /// replaces the waker of the previous call (module docs, "Waiters").
    /// `budgeted`: the wait takes a unit of the task's budget, as
    /// `poll_read_ready` does in tokio; `ready`, `readable` and `writable`
    /// do not count (only the attempts do), so that a ready socket always
    /// answers `Ready` there.
    pub(crate) fn poll_ready_mask(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        budgeted: bool,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_with(cx, mask, budgeted, |waker| {
            for direction in Direction::of(mask) {
                match direction {
                    Direction::Read => self.register_polled(&self.polled_reader, waker),
                    Direction::Write => self.register_polled(&self.polled_writer, waker),
                    _ => self.register(direction, waker),
                }
            }
        })
    }

    /// Puts `waker` in a polled slot, dropping the waker it replaces;
    /// sets the polled-used bit first, as [`use_priority`] does for its
    /// slot, so that a driver's readiness RMW either sees the bit and
    /// wakes the slot, or comes before it and is seen by the waiter's
    /// check that follows its registration.
    ///
    /// [`use_priority`]: Self::use_priority
    #[inline]
    fn register_polled(&self, slot: &AtomicWaker, waker: &Waker) {
        if self.readiness.load(Acquire) & POLLED_USED == 0 {
            self.readiness.fetch_or(POLLED_USED, AcqRel);
        }
        if let Some(replaced) = slot.register(waker) {
            // A foreign waker's drop may panic (`task` rule 7).
            crate::task::drop_contained(replaced);
        }
    }

    /// [`poll_ready_mask`](Self::poll_ready_mask) without budget, for a
    /// wait that keeps `since` across its polls (the `ready` futures, which
    /// start it at `None`): the tick the word held when the wait last
    /// found nothing and registered.
    ///
    /// Such a wait, once an event for one of its directions has come in
    /// since (a newer tick, whose event woke such a direction), ends even if
    /// another task cleared that readiness before this one ran, with what
    /// the word holds now of `mask`: maybe nothing. tokio's readiness
    /// futures end so once woken (tokio's word for it: a false positive,
    /// which the caller's attempt then meets as `WouldBlock`). Waiting on
    /// instead could wait forever: the socket is edge-triggered, and a task
    /// that clears readiness without draining the socket leaves data that
    /// no event will announce again.
    ///
    /// An event whose tick is 32 768 driver turns after `since` looks like
    /// none; the wait then goes on as a `poll_` method's would.
    pub(crate) fn poll_ready_since(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        since: &mut Option<usize>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let current = self.readiness.load(Acquire);
        if let Some(ready) = Self::ready_in(current, mask) {
            *since = None;
            return Poll::Ready(ready);
        }
        if let Some(tick) = *since {
            if current & TICK_MASK != tick && current & Self::last_of(mask) != 0 {
                *since = None;
                return Poll::Ready(Ok(ReadyEvent {
                    tick: current & TICK_MASK,
                    ready: 0,
                }));
            }
        }
        for direction in Direction::of(mask) {
            self.register(direction, cx.waker());
        }
        // Readiness set before the waker was in place would otherwise be
        // missed (see `AtomicWaker`'s module docs).
        let current = self.readiness.load(Acquire);
        match Self::ready_in(current, mask) {
            Some(ready) => {
                *since = None;
                Poll::Ready(ready)
            }
            None => {
                *since = Some(current & TICK_MASK);
                Poll::Pending
            }
        }
    }

    /// The `LAST` bits of the directions a wait for `mask` waits in.
    fn last_of(mask: usize) -> usize {
        Direction::of(mask).fold(0, |last, direction| last | direction.last())
    }

    /// The wait the `poll_ready`s share; `register` puts the waker in the
    /// slots the wait concerns.
    #[inline(always)]
    fn poll_ready_with(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        budgeted: bool,
        register: impl FnOnce(&Waker),
    ) -> Poll<io::Result<ReadyEvent>> {
        // One unit of the task's budget per attempt (`crate::coop`), given
        // back if the socket is not ready.
        let coop = if budgeted {
            Some(std::task::ready!(crate::coop::poll_proceed(cx)))
        } else {
            None
        };
        if let Some(ready) = self.ready_now(mask) {
            if let Some(coop) = coop {
                coop.made_progress();
            }
            return Poll::Ready(ready);
        }
        register(cx.waker());
        // Readiness set before the waker was in place would otherwise be
        // missed (see `AtomicWaker`'s module docs).
        match self.ready_now(mask) {
            Some(ready) => {
                if let Some(coop) = coop {
                    coop.made_progress();
                }
                Poll::Ready(ready)
            }
            None => Poll::Pending,
        }
    }

    /// Puts `waker` in the slot of `direction`, listing the waker it
    /// displaces (module docs, "Waiters").
    #[inline(always)]
    fn register(&self, direction: Direction, waker: &Waker) {
        if direction == Direction::Priority {
            self.use_priority();
        }
        if let Some(displaced) = self.slot(direction).register(waker) {
            self.list(direction, displaced);
        }
    }

    /// Sets the priority-used bit, before the first priority waker goes
    /// in: a driver's readiness RMW that comes after sees it and wakes the
    /// slot; one that comes before is seen by the waiter's check that
    /// follows its registration.
    #[cold]
    fn use_priority(&self) {
        if self.readiness.load(Acquire) & PRIORITY_USED == 0 {
            self.readiness.fetch_or(PRIORITY_USED, AcqRel);
        }
    }

    /// What the readiness word holds of `mask` now, with no waiting: `None`
    /// if nothing (an error if the driver is gone).
    pub(crate) fn ready_now(&self, mask: usize) -> Option<io::Result<ReadyEvent>> {
        Self::ready_in(self.readiness.load(Acquire), mask)
    }

    /// What the readiness word `current` holds of `mask`: `None` if
    /// nothing (an error if the driver is gone).
    #[inline]
    fn ready_in(current: usize, mask: usize) -> Option<io::Result<ReadyEvent>> {
        if current & SHUTDOWN != 0 {
            return Some(Err(gone()));
        }
        let ready = current & mask & READY_MASK;
        (ready != 0).then_some(Ok(ReadyEvent {
            tick: current & TICK_MASK,
            ready,
        }))
    }

    /// After an attempt based on `event` hit `WouldBlock`: clears the
    /// readiness it saw, unless a newer event came in since.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let mut current = self.readiness.load(Acquire);
        loop {
            if current & TICK_MASK != event.tick {
                return;
            }
            let new = current & !(event.ready & !FINAL);
            match self
                .readiness
                .compare_exchange_weak(current, new, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Runs `attempt` whenever the socket is ready in `direction`, until it
    /// does not hit `WouldBlock`; the edge-triggered read or write loop.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut attempt: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = match self.poll_ready(cx, direction) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            match attempt() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(event),
                result => return Poll::Ready(result),
            }
        }
    }

    /// Runs `attempt` once if the readiness word says the socket may make
    /// progress for `mask`, clearing what it saw on `WouldBlock`; without
    /// readiness, `WouldBlock` with no system call (tokio's `try_io`).
    ///
    /// Readiness seen before the driver went is still tried, as in tokio:
    /// what the kernel holds for the socket can be drained after its
    /// runtime is gone. With none left, the attempt fails with the
    /// shutdown error (where tokio's says `WouldBlock`), so that a loop
    /// of `try_` and waits ends either way.
    pub(crate) fn try_io<R>(
        &self,
        mask: usize,
        attempt: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let current = self.readiness.load(Acquire);
        let event = ReadyEvent {
            tick: current & TICK_MASK,
            ready: current & mask & READY_MASK,
        };
        if event.ready == 0 {
            return Err(match current & SHUTDOWN {
                0 => io::ErrorKind::WouldBlock.into(),
                _ => gone(),
            });
        }
        let result = attempt();
        if matches!(&result, Err(err) if err.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(event);
        }
        result
    }
}

/// The error every operation on a socket returns once its runtime is gone.
pub(crate) fn gone() -> io::Error {
    io::Error::other(RuntimeGone)
}

/// The error inside [`gone`]'s: its own type, so that
/// `is_rt_shutdown_err` knows it by type rather than by its text.
#[derive(Debug)]
pub(crate) struct RuntimeGone;

impl std::fmt::Display for RuntimeGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the taskcell runtime this I/O resource belongs to has shut down")
    }
}

impl std::error::Error for RuntimeGone {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Count(StdAtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(StdAtomicUsize::new(0)));
        (Arc::clone(&count), Waker::from(count))
    }

    #[test]
    fn readiness_wakes_the_waiter_of_its_direction_only() {
        let io = ScheduledIo::new();
        let (reads, read_waker) = counter();
        let (writes, write_waker) = counter();
        assert!(io
            .poll_ready(&mut Context::from_waker(&read_waker), Direction::Read)
            .is_pending());
        assert!(io
            .poll_ready(&mut Context::from_waker(&write_waker), Direction::Write)
            .is_pending());
        io.set_readiness(1, READABLE);
        assert_eq!((reads.0.load(SeqCst), writes.0.load(SeqCst)), (1, 0));
        assert!(io
            .poll_ready(&mut Context::from_waker(&read_waker), Direction::Read)
            .is_ready());
    }

    #[test]
    fn a_polled_slot_wakes_only_the_latest_caller_beside_the_other_waiters() {
        let io = ScheduledIo::new();
        let (first, first_waker) = counter();
        let (latest, latest_waker) = counter();
        let (reader, reader_waker) = counter();
        let (writer, writer_waker) = counter();
        for waker in [&first_waker, &latest_waker] {
            assert!(io
                .poll_ready_mask(&mut Context::from_waker(waker), READABLE, false)
                .is_pending());
        }
        assert!(io
            .poll_ready(&mut Context::from_waker(&reader_waker), Direction::Read)
            .is_pending());
        assert!(io
            .poll_ready_mask(&mut Context::from_waker(&writer_waker), WRITABLE, false)
            .is_pending());
        io.set_readiness(1, READABLE);
        let woken = |count: &Arc<Count>| count.0.load(SeqCst);
        assert_eq!(
            woken(&first),
            0,
            "a replaced poll_read_ready waker was woken"
        );
        assert_eq!(woken(&latest), 1, "the latest poll_read_ready waker");
        assert_eq!(woken(&reader), 1, "a reader beside it");
        assert_eq!(woken(&writer), 0, "the polled writer, for readability");
        io.set_readiness(2, WRITABLE);
        assert_eq!(woken(&writer), 1, "the polled writer");
        io.shutdown();
        assert!(io
            .poll_ready_mask(&mut Context::from_waker(&first_waker), READABLE, false)
            .is_ready());
    }

    #[test]
    fn the_polled_slots_reach_shutdown_and_release() {
        let io = ScheduledIo::new();
        let (count, waker) = counter();
        assert!(io
            .poll_ready_mask(&mut Context::from_waker(&waker), READABLE, false)
            .is_pending());
        io.shutdown();
        assert_eq!(count.0.load(SeqCst), 1, "shutdown reaches the polled slot");
        let io = ScheduledIo::new();
        assert!(io
            .poll_ready_mask(&mut Context::from_waker(&waker), WRITABLE, false)
            .is_pending());
        assert_eq!(Arc::strong_count(&count), 3, "the slot holds a clone");
        io.clear_wakers();
        assert_eq!(Arc::strong_count(&count), 2, "release drops it");
    }

    #[test]
    fn a_failed_attempt_keeps_readiness_from_a_newer_event() {
        let io = ScheduledIo::new();
        let (_, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        io.set_readiness(1, READABLE);
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("readable");
        };
        // A new edge arrives between the attempt and its `WouldBlock`.
        io.set_readiness(2, READABLE);
        io.clear_readiness(seen);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_ready());
        // Without a newer event, the same clear does clear.
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("readable");
        };
        io.clear_readiness(seen);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
    }

    #[test]
    fn a_woken_ready_wait_ends_though_its_readiness_was_cleared_but_not_for_another_direction() {
        let io = ScheduledIo::new();
        let (reads, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut since = None;
        assert!(io
            .poll_ready_since(&mut cx, READABLE, &mut since)
            .is_pending());
        // A writer's event: the reader is not woken, and a poll of it for
        // another reason keeps waiting.
        io.set_readiness(1, WRITABLE);
        assert_eq!(reads.0.load(SeqCst), 0);
        assert!(io
            .poll_ready_since(&mut cx, READABLE, &mut since)
            .is_pending());
        // A reader's event, cleared by another task before this wait runs:
        // the wait ends anyway, with nothing.
        io.set_readiness(2, READABLE);
        // Woken (maybe twice: the second poll registered the same waker,
        // and where `will_wake` cannot tell it is the same, as under Miri,
        // the first is listed and woken too).
        assert!(reads.0.load(SeqCst) >= 1);
        let Some(Ok(seen)) = io.ready_now(READABLE) else {
            panic!("readable");
        };
        io.clear_readiness(seen);
        let Poll::Ready(Ok(event)) = io.poll_ready_since(&mut cx, READABLE, &mut since) else {
            panic!("a woken wait ends");
        };
        assert_eq!(event.ready(), 0);
        // The next wait waits for a new event again.
        assert!(io
            .poll_ready_since(&mut cx, READABLE, &mut since)
            .is_pending());
        assert!(io
            .poll_ready_since(&mut cx, READABLE, &mut since)
            .is_pending());
        // A `poll_` wait, by contrast, looks at the word alone.
        io.set_readiness(3, READABLE);
        io.clear_readiness(io.ready_now(READABLE).unwrap().unwrap());
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
    }

    #[test]
    fn closed_halves_stay_set() {
        let io = ScheduledIo::new();
        let (_, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        io.set_readiness(1, READABLE | READ_CLOSED);
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("readable");
        };
        io.clear_readiness(seen);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_ready());
    }

    #[test]
    fn poll_io_retries_until_the_attempt_stops_blocking_then_waits() {
        let io = ScheduledIo::new();
        let (wakes, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        io.set_readiness(1, WRITABLE);
        let mut attempts = 0;
        let poll = io.poll_io(&mut cx, Direction::Write, || {
            attempts += 1;
            Err::<(), _>(io::ErrorKind::WouldBlock.into())
        });
        assert!(poll.is_pending());
        assert_eq!(attempts, 1);
        io.set_readiness(2, WRITABLE);
        assert_eq!(wakes.0.load(SeqCst), 1);
        let poll = io.poll_io(&mut cx, Direction::Write, || Ok(7));
        assert!(matches!(poll, Poll::Ready(Ok(7))));
    }

    #[test]
    fn shutdown_fails_every_waiter() {
        let io = ScheduledIo::new();
        let (wakes, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        io.shutdown();
        assert_eq!(wakes.0.load(SeqCst), 1);
        assert!(matches!(
            io.poll_ready(&mut cx, Direction::Write),
            Poll::Ready(Err(_))
        ));
    }

    fn pending(io: &ScheduledIo, waker: &Waker, direction: Direction) -> bool {
        io.poll_ready(&mut Context::from_waker(waker), direction)
            .is_pending()
    }

    #[test]
    fn every_waiter_of_a_direction_wakes() {
        let io = ScheduledIo::new();
        let waiters: Vec<_> = (0..40).map(|_| counter()).collect();
        for (_, waker) in &waiters {
            assert!(pending(&io, waker, Direction::Read));
        }
        // The slot holds the last; the other 39 are listed (more than one
        // wake batch).
        io.set_readiness(1, READABLE);
        for (i, (wakes, _)) in waiters.iter().enumerate() {
            assert_eq!(wakes.0.load(SeqCst), 1, "waiter {i}");
        }
        // Woken, the list is empty and its bit clear: the next event wakes
        // no one twice.
        assert_eq!(io.readiness.load(SeqCst) & LISTED, 0);
        io.set_readiness(2, READABLE);
        assert!(waiters.iter().all(|(wakes, _)| wakes.0.load(SeqCst) == 1));
    }

    #[test]
    fn a_waiter_is_listed_once_however_often_it_is_displaced() {
        let io = ScheduledIo::new();
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        for _ in 0..10 {
            assert!(pending(&io, &a, Direction::Write));
            assert!(pending(&io, &b, Direction::Write));
        }
        // b in the slot; a and b listed once each, not ten times.
        assert_eq!(io.listed.lock()[Direction::Write.index()].wakers.len(), 2);
        io.set_readiness(1, WRITABLE);
        // b is woken from the slot and from the list: a spare wake-up,
        // which costs it one poll.
        assert_eq!((a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)), (1, 2));
    }

    #[test]
    fn listed_waiters_wake_only_for_their_direction() {
        let io = ScheduledIo::new();
        let readers = [counter(), counter()];
        let writers = [counter(), counter()];
        for (_, waker) in &readers {
            assert!(pending(&io, waker, Direction::Read));
        }
        for (_, waker) in &writers {
            assert!(pending(&io, waker, Direction::Write));
        }
        io.set_readiness(1, WRITABLE);
        assert!(readers.iter().all(|(wakes, _)| wakes.0.load(SeqCst) == 0));
        assert!(writers.iter().all(|(wakes, _)| wakes.0.load(SeqCst) == 1));
        io.set_readiness(2, READ_CLOSED);
        assert!(readers.iter().all(|(wakes, _)| wakes.0.load(SeqCst) == 1));
    }

    #[test]
    fn a_waiter_displaced_after_the_event_is_woken_by_its_lister() {
        let io = ScheduledIo::new();
        let (a_wakes, a) = counter();
        let (_, b) = counter();
        assert!(pending(&io, &a, Direction::Read));
        // b's registration displaces a, and the event's readiness lands
        // before a is listed: the driver's RMW saw the listed bit clear and
        // leaves the list alone. Replayed by hand: readiness in, then a
        // listed.
        io.readiness.fetch_or(READABLE, SeqCst);
        io.list(Direction::Read, a.clone());
        assert_eq!(a_wakes.0.load(SeqCst), 1, "the lister wakes what it lists");
        // b finds the readiness itself.
        assert!(io
            .poll_ready(&mut Context::from_waker(&b), Direction::Read)
            .is_ready());
    }

    #[test]
    fn interest_in_both_directions_wakes_on_either() {
        let io = ScheduledIo::new();
        let (wakes, waker) = counter();
        let (_, other) = counter();
        let both = Direction::Read.mask() | Direction::Write.mask();
        let mut cx = Context::from_waker(&waker);
        // A `ready` future's wait, in both directions' slots.
        assert!(io.poll_ready_since(&mut cx, both, &mut None).is_pending());
        // Another writer displaces it from the write slot only.
        assert!(pending(&io, &other, Direction::Write));
        io.set_readiness(1, WRITABLE);
        assert_eq!(wakes.0.load(SeqCst), 1);
        let Poll::Ready(Ok(event)) = io.poll_ready_since(&mut cx, both, &mut None) else {
            panic!("writable");
        };
        assert_eq!(event.ready(), WRITABLE);
    }

    #[test]
    fn shutdown_and_release_reach_listed_waiters() {
        let io = ScheduledIo::new();
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        assert!(pending(&io, &a, Direction::Read));
        assert!(pending(&io, &b, Direction::Read));
        io.shutdown();
        assert_eq!((a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)), (1, 1));

        // Released: the listed wakers are dropped, not kept.
        let io = ScheduledIo::new();
        let (a_wakes, a) = counter();
        let (_, b) = counter();
        assert!(pending(&io, &a, Direction::Read));
        assert!(pending(&io, &b, Direction::Read));
        drop(a);
        assert_eq!(Arc::strong_count(&a_wakes), 2, "listed");
        io.clear_wakers();
        assert_eq!(Arc::strong_count(&a_wakes), 1, "dropped");
        assert_eq!(io.readiness.load(SeqCst) & LISTED_READ, 0);
    }

    #[test]
    fn a_panicking_listed_waker_does_not_stop_the_others() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("a waker that panics");
            }
        }
        let io = ScheduledIo::new();
        let panics = Waker::from(Arc::new(Panics));
        let (first, a) = counter();
        let (last, b) = counter();
        assert!(pending(&io, &a, Direction::Read));
        assert!(pending(&io, &panics, Direction::Read));
        assert!(pending(&io, &b, Direction::Read));
        io.set_readiness(1, READABLE);
        assert_eq!((first.0.load(SeqCst), last.0.load(SeqCst)), (1, 1));
    }

    /// Assumed readiness is found at once, leaves the last event's tick, is
    /// cleared by a failed attempt like any readiness, and is never set on
    /// a registration whose driver is gone.
    #[test]
    fn assumed_readiness_is_tried_cleared_and_never_outlives_shutdown() {
        let io = ScheduledIo::new();
        io.set_readiness(3, WRITABLE);
        io.assume_ready(READABLE);
        let event = io.ready_now(READABLE).unwrap().unwrap();
        assert_eq!(event.ready(), READABLE);
        assert_eq!(event.tick, 3 << TICK_SHIFT, "the event's tick is kept");
        io.clear_readiness(event);
        assert!(io.ready_now(READABLE).is_none(), "a wrong guess is cleared");
        assert!(
            io.ready_now(WRITABLE).is_some(),
            "the event's readiness stays"
        );
        let gone = ScheduledIo::new();
        gone.shutdown();
        gone.assume_ready(READABLE | WRITABLE);
        assert_eq!(gone.readiness.load(SeqCst) & READY_MASK, 0);
        assert!(matches!(gone.ready_now(READABLE), Some(Err(_))));
    }

    #[test]
    fn try_io_attempts_only_when_ready_and_clears_on_would_block() {
        let io = ScheduledIo::new();
        let mut calls = 0;
        let err = io
            .try_io(Direction::Read.mask(), || {
                calls += 1;
                Ok(())
            })
            .unwrap_err();
        assert_eq!((err.kind(), calls), (io::ErrorKind::WouldBlock, 0));
        io.set_readiness(1, READABLE);
        let err = io
            .try_io(Direction::Read.mask(), || {
                calls += 1;
                Err::<(), _>(io::ErrorKind::WouldBlock.into())
            })
            .unwrap_err();
        assert_eq!((err.kind(), calls), (io::ErrorKind::WouldBlock, 1));
        assert!(io.ready_now(Direction::Read.mask()).is_none(), "cleared");
        io.set_readiness(2, READABLE);
        assert_eq!(io.try_io(Direction::Read.mask(), || Ok(5)).unwrap(), 5);
        assert!(io.ready_now(Direction::Read.mask()).is_some(), "kept");
    }

    #[test]
    fn abandoned_waiters_are_pruned_not_kept() {
        let io = ScheduledIo::new();
        // A quiet socket; 1 000 waits, each with a fresh waker, abandoned.
        let waiters: Vec<_> = (0..1_000).map(|_| counter()).collect();
        for (_, waker) in &waiters {
            assert!(pending(&io, waker, Direction::Read));
        }
        let listed = io.listed.lock()[Direction::Read.index()].wakers.len();
        assert!(listed < PRUNE_AT * 2, "{listed} wakers kept");
        // Every waker that left the list was woken (its task, if it still
        // waits, lists itself again): none was dropped unwoken.
        let woken = waiters
            .iter()
            .filter(|(wakes, _)| wakes.0.load(SeqCst) > 0)
            .count();
        assert_eq!(woken + listed + 1, 1_000, "the slot holds the last");
    }

    #[test]
    fn a_prune_leaves_room_for_the_waiters_that_come_back() {
        let io = ScheduledIo::new();
        let waiters: Vec<_> = (0..PRUNE_AT + 1).map(|_| counter()).collect();
        for (_, waker) in &waiters {
            assert!(pending(&io, waker, Direction::Read));
        }
        // Pruned once: all woken. They register again: no second prune.
        let wakes = || -> usize { waiters.iter().map(|(w, _)| w.0.load(SeqCst)).sum() };
        let after_prune = wakes();
        assert!(after_prune >= PRUNE_AT);
        for (_, waker) in &waiters {
            assert!(pending(&io, waker, Direction::Read));
        }
        assert_eq!(wakes(), after_prune, "no spare wake-ups while all wait");
    }

    #[test]
    fn error_waiters_do_not_wake_each_other_while_readable() {
        let io = ScheduledIo::new();
        io.set_readiness(1, READABLE | READ_CLOSED);
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        for _ in 0..3 {
            assert!(pending(&io, &a, Direction::Error));
            assert!(pending(&io, &b, Direction::Error));
        }
        assert_eq!((a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)), (0, 0));
        io.set_readiness(2, ERROR);
        assert!(a_wakes.0.load(SeqCst) >= 1 && b_wakes.0.load(SeqCst) >= 1);
    }

    #[test]
    fn readable_interest_waiters_do_not_wake_each_other_on_an_error() {
        let io = ScheduledIo::new();
        io.set_readiness(1, ERROR | WRITABLE);
        let readable = READABLE | READ_CLOSED;
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        for _ in 0..3 {
            for waker in [&a, &b] {
                // `ready` futures' waits, which share the slot and its list.
                assert!(io
                    .poll_ready_since(&mut Context::from_waker(waker), readable, &mut None)
                    .is_pending());
            }
        }
        assert_eq!((a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)), (0, 0));
        io.set_readiness(2, READABLE);
        assert!(a_wakes.0.load(SeqCst) >= 1 && b_wakes.0.load(SeqCst) >= 1);
    }

    #[test]
    fn priority_waiters_wait_in_their_own_direction() {
        let of = |mask| Direction::of(mask).collect::<Vec<_>>();
        let priority = PRIORITY | READ_CLOSED; // `Interest::PRIORITY`
        assert_eq!(of(priority), [Direction::Priority]);
        assert_eq!(
            of(priority | READABLE),
            [Direction::Read, Direction::Priority]
        );
        assert_eq!(of(READABLE | READ_CLOSED), [Direction::Read]);
        assert_eq!(of(ERROR), [Direction::Error]);
    }

    #[test]
    fn priority_waiters_wake_on_priority_or_close_and_not_on_each_other() {
        let io = ScheduledIo::new();
        let priority = PRIORITY | READ_CLOSED;
        let (_, reader) = counter();
        assert!(pending(&io, &reader, Direction::Read));
        assert_eq!(
            io.readiness.load(SeqCst) & PRIORITY_USED,
            0,
            "a reader leaves the priority slot alone"
        );
        io.set_readiness(1, READABLE | WRITABLE);
        let (a_wakes, a) = counter();
        let (b_wakes, b) = counter();
        for _ in 0..3 {
            for waker in [&a, &b] {
                assert!(io
                    .poll_ready_mask(&mut Context::from_waker(waker), priority, true)
                    .is_pending());
            }
        }
        assert_eq!(
            (a_wakes.0.load(SeqCst), b_wakes.0.load(SeqCst)),
            (0, 0),
            "readable data is not priority data"
        );
        io.set_readiness(2, READABLE | PRIORITY);
        assert!(a_wakes.0.load(SeqCst) >= 1 && b_wakes.0.load(SeqCst) >= 1);
        let Poll::Ready(Ok(event)) =
            io.poll_ready_mask(&mut Context::from_waker(&a), priority, true)
        else {
            panic!("priority data");
        };
        assert_eq!(event.ready(), PRIORITY);
        io.clear_readiness(event);
        // A closed read side ends a priority wait too. (Counted from here:
        // `a` went into the slot several times above, and where `will_wake`
        // cannot tell equal wakers apart, as under Miri, it may have been
        // listed and woken more than once.)
        assert!(pending(&io, &a, Direction::Priority));
        let before = a_wakes.0.load(SeqCst);
        io.set_readiness(3, READ_CLOSED);
        assert!(a_wakes.0.load(SeqCst) > before);
    }

    #[test]
    fn a_waker_whose_clone_panics_leaves_the_slot_working() {
        use std::task::{RawWaker, RawWakerVTable};
        const VTABLE: RawWakerVTable = RawWakerVTable::new(
            |_| panic!("a waker whose clone panics"),
            |_| {},
            |_| {},
            |_| {},
        );
        // SAFETY: the vtable's functions ignore the data pointer.
        let bad = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
        let io = ScheduledIo::new();
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            io.poll_ready(&mut Context::from_waker(&bad), Direction::Read)
        }));
        assert!(polled.is_err(), "the clone's panic reaches its task");
        let (wakes, waker) = counter();
        assert!(pending(&io, &waker, Direction::Read));
        io.set_readiness(1, READABLE);
        assert_eq!(wakes.0.load(SeqCst), 1);
    }
}
