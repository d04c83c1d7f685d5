//! [`PollEvented`]: a `mio` socket registered with the runtime's driver,
//! the piece every public socket type wraps.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};

use mio::event::Source;

use super::scheduled_io::{Direction, ReadyEvent, ScheduledIo};
use crate::driver::io::IoHandle;
use crate::io::{Interest, Ready};
use crate::runtime;
use crate::scheduler::Handle;

/// The runtime of the calling code, which must have I/O.
///
/// # Panics
///
/// Outside a runtime, or in one built without I/O, naming `what` and the fix.
#[track_caller]
pub(crate) fn io_handle(what: &str) -> Handle {
    let Ok(handle) = runtime::Handle::try_current() else {
        panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime: {what} needs a taskcell runtime, which serves tokio's API. Call it from \
             a task, a `block_on` or a `spawn_blocking` closure of a runtime built with \
             `Runtime::new()` or `Builder::enable_io`"
        );
    };
    if handle.inner.io().is_none() {
        // tokio's words first (its driver handle's), then ours.
        panic!(
            "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the runtime \
             builder to enable IO. {what} needs the I/O driver, and this taskcell runtime was \
             built without it (`enable_all` on its `Builder` turns on every driver)"
        );
    }
    handle.inner
}

/// The I/O driver of `handle`'s runtime, which `io_handle` checked.
fn io_of(handle: &Handle) -> &IoHandle {
    handle.io().expect("I/O is enabled on this runtime")
}

/// What a socket is registered for: reads and writes, for its whole life.
const SOCKET: mio::Interest = mio::Interest::READABLE.add(mio::Interest::WRITABLE);

/// A socket (or any `Source`: `io::unix::AsyncFd`'s descriptor) registered
/// with the driver of `handle`'s runtime. Deregistered on drop, or before
/// by `deregister`.
pub(crate) struct PollEvented<E: Source> {
    io: Option<E>,
    shared: StdArc<ScheduledIo>,
    handle: Handle,
}

// Unwind safe, as tokio's: the readiness word is atomic, and the waiters'
// lock runs no user code (wakers are woken after it is released), so a
// panic caught around a socket's use leaves nothing half-updated. With it
// the sockets are unwind safe, as tokio's are.
impl<E: Source> std::panic::UnwindSafe for PollEvented<E> {}
impl<E: Source> std::panic::RefUnwindSafe for PollEvented<E> {}

impl<E: Source> PollEvented<E> {
    /// Registers `io` with the driver of the runtime of the calling code.
    ///
    /// # Panics
    ///
    /// As [`io_handle`].
    #[track_caller]
    pub(crate) fn new(io: E, what: &str) -> io::Result<PollEvented<E>> {
        Self::with_interest(io, SOCKET, what)
    }

    /// Registers `io` for `interest` alone with the driver of the runtime of
    /// the calling code: events outside it never come.
    ///
    /// # Panics
    ///
    /// As [`io_handle`].
    #[track_caller]
    pub(crate) fn with_interest(
        io: E,
        interest: mio::Interest,
        what: &str,
    ) -> io::Result<PollEvented<E>> {
        let handle = io_handle(what);
        Self::with_handle_interest(io, &handle, interest)
    }

    /// Registers `io` with the driver of `handle`'s runtime (an accepted
    /// socket joins its listener's runtime).
    pub(crate) fn with_handle(io: E, handle: &Handle) -> io::Result<PollEvented<E>> {
        Self::with_handle_interest(io, handle, SOCKET)
    }

    /// Registers `io` for `interest` alone with the driver of `handle`'s
    /// runtime (`io_handle` checked that it has one): a pipe's end, which
    /// moves data one way only.
    pub(crate) fn with_handle_interest(
        mut io: E,
        handle: &Handle,
        interest: mio::Interest,
    ) -> io::Result<PollEvented<E>> {
        let shared = io_of(handle).register(&mut io, interest)?;
        Ok(PollEvented {
            io: Some(io),
            shared,
            handle: handle.clone(),
        })
    }

    /// The runtime this socket is registered with.
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// `Ready` once the socket may make progress in `direction`.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.shared.poll_ready(cx, direction)
    }

    /// `Ready` once the socket is ready for any of `interest` (the readiness
    /// found, masked to it); otherwise `cx`'s waker waits for it, beside any
    /// other task's. `budgeted`: see `ScheduledIo::poll_ready_mask`.
    pub(crate) fn poll_ready_for(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        budgeted: bool,
    ) -> Poll<io::Result<Ready>> {
        self.poll_ready_event(cx, interest, budgeted)
            .map_ok(|event| Ready::from_bits(event.ready()))
    }

    /// `poll_ready_for`, giving the event seen, for `clear_readiness`.
    pub(crate) fn poll_ready_event(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        budgeted: bool,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.shared.poll_ready_mask(cx, interest.mask(), budgeted)
    }

    /// Waits until the socket is ready for any of `interest`; as tokio's,
    /// this wait spends none of the task's budget, and once an event for
    /// it woke it, it ends even if another task has cleared that readiness
    /// since: then with no readiness (`ScheduledIo::poll_ready_since`).
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let event = self.ready_event(interest).await?;
        Ok(Ready::from_bits(event.ready()))
    }

    /// `ready`, giving the event seen, for `clear_readiness`.
    pub(crate) async fn ready_event(&self, interest: Interest) -> io::Result<ReadyEvent> {
        let mut since = None;
        poll_fn(|cx| {
            self.shared
                .poll_ready_since(cx, interest.mask(), &mut since)
        })
        .await
    }

    /// Waits for `interest`, then runs `attempt`, until it does not hit
    /// `WouldBlock` (whose readiness it forgets each time): tokio's
    /// `Registration::async_io`. The wait is free, as `ready`'s; each
    /// attempt spends a unit of the task's budget (given back if it hits
    /// `WouldBlock`).
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut attempt: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut since = None;
        poll_fn(|cx| loop {
            let event =
                std::task::ready!(self
                    .shared
                    .poll_ready_since(cx, interest.mask(), &mut since))?;
            let coop = std::task::ready!(crate::coop::poll_proceed(cx));
            match attempt() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event);
                }
                result => {
                    coop.made_progress();
                    return Poll::Ready(result);
                }
            }
        })
        .await
    }

    /// Marks the socket ready for `ready` (`scheduled_io` bits) before any
    /// event: see `ScheduledIo::assume_ready`.
    pub(crate) fn assume_ready(&self, ready: usize) {
        self.shared.assume_ready(ready);
    }

    /// Runs `attempt` once if the socket was last seen ready for
    /// `interest`, and forgets that readiness if it hits `WouldBlock`;
    /// otherwise `WouldBlock` without a system call (tokio's `try_io`).
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        attempt: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.shared.try_io(interest.mask(), || attempt(io))
    }

    /// After `WouldBlock`: forgets the readiness `event` reported.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.shared.clear_readiness(event);
    }

    /// The socket.
    ///
    /// # Panics
    ///
    /// After `deregister`.
    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("present until into_inner")
    }

    /// Runs `attempt` on the socket whenever it is ready in `direction`,
    /// until it does not hit `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut attempt: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.shared.poll_io(cx, direction, || attempt(io))
    }

    /// Like `poll_io`, but a read that filled less than `len` bytes also
    /// clears readiness: the socket is drained, and the next read would
    /// only hit `WouldBlock` (a syscall saved per read, as tokio does).
    pub(crate) fn poll_read_io(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut attempt: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        loop {
            let event = match self.shared.poll_ready(cx, Direction::Read) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            match attempt(io) {
                Ok(n) if n > 0 && n < len => {
                    self.shared.clear_readiness(event);
                    return Poll::Ready(Ok(n));
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event);
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// Deregisters the socket now, if it still is registered, and drops
    /// it; only `Drop` may follow (a waiter left is woken by nothing, and
    /// `get_ref` panics). For a source that does not own its descriptor
    /// (`AsyncFd`'s), whose owner closes it next.
    pub(crate) fn deregister(&mut self) -> io::Result<()> {
        match self.io.take() {
            Some(mut io) => io_of(&self.handle).deregister(&self.shared, &mut io),
            None => Ok(()),
        }
    }

    /// Deregisters the socket and gives it back.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self.io.take().expect("present until into_inner");
        io_of(&self.handle).deregister(&self.shared, &mut io)?;
        Ok(io)
    }
}

impl<E: Source> PollEvented<E>
where
    for<'a> &'a E: io::Read + io::Write,
{
    /// A stream's read: edge-triggered, drained reads clear readiness.
    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_read_io(cx, len, |mut io| io::Read::read(&mut io, buf))
    }

    /// A stream's write.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Direction::Write, |mut io| {
            io::Write::write(&mut io, buf)
        })
    }

    /// A stream's gathered write (`writev`).
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Direction::Write, |mut io| {
            io::Write::write_vectored(&mut io, bufs)
        })
    }
}

impl<E: Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            // Deregister before the descriptor closes; an error (the driver
            // is gone) leaves nothing to undo.
            let _ = io_of(&self.handle).deregister(&self.shared, &mut io);
        }
    }
}

impl<E: Source + fmt::Debug> fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PollEvented").field(&self.io).finish()
    }
}
