//! [`ScheduledIo`]: the readiness of one registered socket, and the tasks
//! waiting on it.
//!
//! # The readiness word
//!
//! One `AtomicUsize`, in the shape of tokio's `ScheduledIo`:
//!
//! | bits    | meaning                                                    |
//! |---------|------------------------------------------------------------|
//! | 0–4     | readiness: readable, writable, read closed, write closed, error |
//! | 16–30   | the driver tick of the event that last set readiness       |
//! | 31      | shut down: the driver is gone, every operation fails       |
//!
//! The driver ORs an event's readiness in and stamps its tick. A task that
//! saw readiness and then got `WouldBlock` clears what it saw, but only if
//! the tick is still the one it saw: an event that came in between is newer
//! than the failed attempt and stays. Sockets are registered
//! edge-triggered, so that event would never come again; losing it would
//! hang the task.
//!
//! Each direction has one [`AtomicWaker`]: one task reads and one task
//! writes at a time (a split stream's two halves), as in tokio.

use std::io;
use std::task::{Context, Poll};

use crate::driver::atomic_waker::AtomicWaker;
use crate::sync::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};

pub(crate) const READABLE: usize = 0b0_0001;
pub(crate) const WRITABLE: usize = 0b0_0010;
pub(crate) const READ_CLOSED: usize = 0b0_0100;
pub(crate) const WRITE_CLOSED: usize = 0b0_1000;
pub(crate) const ERROR: usize = 0b1_0000;
const READY_MASK: usize = 0b1_1111;
/// Closed halves are final: a failed attempt never clears them.
const FINAL: usize = READ_CLOSED | WRITE_CLOSED;

const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0x7fff << TICK_SHIFT;
const SHUTDOWN: usize = 1 << 31;

/// Which way a task waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness that lets an attempt in this direction make progress
    /// (an error does, too: the attempt then reports it).
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
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

/// One registered socket's readiness and waiters; see the module docs.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    reader: AtomicWaker,
    writer: AtomicWaker,
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
            index: AtomicUsize::new(0),
        }
    }

    /// Driver side: ORs `ready` in under `tick`, then wakes the waiters it
    /// concerns. No lock, no allocation.
    pub(crate) fn set_readiness(&self, tick: u16, ready: usize) {
        let tick = (usize::from(tick) << TICK_SHIFT) & TICK_MASK;
        let mut current = self.readiness.load(Acquire);
        loop {
            let new = (current & !TICK_MASK) | tick | (ready & READY_MASK);
            match self
                .readiness
                .compare_exchange_weak(current, new, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        if ready & Direction::Read.mask() != 0 {
            self.reader.wake();
        }
        if ready & Direction::Write.mask() != 0 {
            self.writer.wake();
        }
    }

    /// Marks the registration dead (the driver shut down) and wakes both
    /// waiters: from now on every operation fails.
    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.reader.wake();
        self.writer.wake();
    }

    /// Drops the waiters' wakers: for a registration that is being released
    /// (its socket is gone, nobody polls it again). A waker holds its task,
    /// the task its runtime, and the runtime the registration until the
    /// driver's next turn frees it; after shutdown there is no next turn, so
    /// a waker kept here would keep the whole runtime alive in a cycle.
    pub(crate) fn clear_wakers(&self) {
        drop(self.reader.take());
        drop(self.writer.take());
    }

    /// Task side: `Ready` once the socket may make progress in `direction`
    /// (or the driver is gone: an error); otherwise registers `cx`'s waker.
    /// `Pending` too, after a wake, once the task's budget is spent.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        // One unit of the task's budget per attempt (`crate::coop`), given
        // back if the socket is not ready.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        if let Some(ready) = self.ready_now(direction) {
            coop.made_progress();
            return Poll::Ready(ready);
        }
        match direction {
            Direction::Read => self.reader.register(cx.waker()),
            Direction::Write => self.writer.register(cx.waker()),
        }
        // Readiness set before the waker was in place would otherwise be
        // missed (see `AtomicWaker`'s module docs).
        match self.ready_now(direction) {
            Some(ready) => {
                coop.made_progress();
                Poll::Ready(ready)
            }
            None => Poll::Pending,
        }
    }

    fn ready_now(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let current = self.readiness.load(Acquire);
        if current & SHUTDOWN != 0 {
            return Some(Err(gone()));
        }
        let ready = current & direction.mask();
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
}

/// The error every operation on a socket returns once its runtime is gone.
pub(crate) fn gone() -> io::Error {
    io::Error::other("the taskcell runtime this socket belongs to has shut down")
}

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
}
