//! [`AsyncFd`]: any Unix file descriptor (a pipe, an `eventfd`, a tty, a
//! socket this crate has no type for) registered with the runtime's I/O
//! driver, with tokio's `AsyncFd` API; its ready guards; and its errors.
//!
//! The descriptor goes through the same `PollEvented` and readiness word
//! as the runtime's sockets (`driver/io/scheduled_io.rs`): registered
//! edge-triggered, once, under a `mio::unix::SourceFd`; readiness that a
//! task saw and then found stale (`WouldBlock`) is cleared only if no newer
//! event came in since. What differs from a socket is ownership: the
//! descriptor belongs to the `T` inside, which closes it when it drops, so
//! the registration is removed first, always (`into_inner` and `Drop`).

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use mio::event::Source;
use mio::unix::SourceFd;

use crate::driver::io::scheduled_io::ReadyEvent;
use crate::driver::io::PollEvented;
use crate::io::{Interest, Ready};

/// The descriptor as the driver registers it: a plain number, which the
/// `T` of its `AsyncFd` owns and keeps open until it is deregistered.
#[derive(Debug)]
struct Fd(RawFd);

impl Source for Fd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        SourceFd(&self.0).deregister(registry)
    }
}

/// A Unix file descriptor, owned by the `T` inside, registered with the
/// runtime's I/O driver: tasks wait until it is readable or writable, then
/// do the I/O themselves, on `T`, without blocking. tokio's
/// `tokio::io::unix::AsyncFd`.
///
/// - **The descriptor must be non-blocking** (`set_nonblocking(true)`,
///   `O_NONBLOCK`): a read or write on it must report `WouldBlock` rather
///   than wait. `AsyncFd` does not change the descriptor's flags.
/// - **Readiness is edge-triggered.** After a wait ([`readable`],
///   [`writable`], [`ready`], `poll_*_ready`), the fd stays ready until
///   told otherwise: when an attempt hits `WouldBlock`, clear the guard's
///   readiness ([`AsyncFdReadyGuard::clear_ready`], or let
///   [`AsyncFdReadyGuard::try_io`] do it) so that the next wait waits for
///   a new event. Clearing while data remains waits for an event that may
///   never come.
/// - **Ownership.** `T` owns the descriptor and closes it when it drops;
///   `AsyncFd` never closes it. Dropping the `AsyncFd` deregisters the
///   descriptor, then drops `T`; [`into_inner`] deregisters it and gives
///   `T` back, still open and usable (blocking or not, as its flags say).
///   While registered, `T` must keep that descriptor open and not swap it
///   for another.
/// - **Which descriptors.** Those the OS poller (`epoll`, `kqueue`)
///   accepts: pipes, sockets, ttys, `eventfd`s, `timerfd`s, … . A regular
///   file or a directory is refused (`epoll` says `EPERM`): [`new`]
///   returns that error.
/// - **Runtime.** It registers with the runtime of the calling code (it
///   panics outside one, or in one built without I/O, as the sockets do).
///   Once that runtime shuts down, every wait and attempt fails with an
///   error for which [`is_rt_shutdown_err`](crate::is_rt_shutdown_err) is
///   true; none hangs.
///
/// Any number of tasks may wait on one `AsyncFd` at once (through `&self`);
/// each is woken by the readiness it waits for. tokio wakes them all too.
///
/// On Linux and Android, `Interest::PRIORITY` (`EPOLLPRI`: TCP urgent
/// data, `sysfs` and cgroup notifications) can be asked for through
/// [`with_interest`](AsyncFd::with_interest) and waited for with
/// [`ready`](AsyncFd::ready), as in tokio; [`new`](AsyncFd::new) does not
/// register for it.
///
/// As tokio's, except: [`AsFd`] is implemented when `T: AsFd` (tokio
/// implements it for any `T: AsRawFd`, trusting `as_raw_fd`).
///
/// [`readable`]: AsyncFd::readable
/// [`writable`]: AsyncFd::writable
/// [`ready`]: AsyncFd::ready
/// [`into_inner`]: AsyncFd::into_inner
/// [`new`]: AsyncFd::new
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::os::unix::net::UnixStream;
/// use taskcell_executor::io::unix::AsyncFd;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (a, mut b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let a = AsyncFd::new(a).unwrap();
///     b.write_all(b"hello").unwrap();
///     let mut buf = [0; 16];
///     let n = loop {
///         let mut guard = a.readable().await.unwrap();
///         match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///             Ok(result) => break result.unwrap(),
///             Err(_would_block) => continue, // readiness cleared: wait again
///         }
///     };
///     assert_eq!(&buf[..n], b"hello");
/// });
/// ```
pub struct AsyncFd<T: AsRawFd> {
    io: PollEvented<Fd>,
    /// Present until `into_inner` takes it.
    inner: Option<T>,
}

/// A wait of an [`AsyncFd`] that ended: the readiness found, until
/// cleared. Dropping it keeps the readiness (the next wait returns at
/// once); clear it when an attempt hits `WouldBlock`. tokio's
/// `AsyncFdReadyGuard`.
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use taskcell_executor::io::unix::AsyncFd;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (a, _b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let a = AsyncFd::new(a).unwrap();
///     let mut guard = a.writable().await.unwrap();
///     assert!(guard.ready().is_writable());
///     assert_eq!(guard.try_io(|fd| fd.get_ref().write(b"x")).unwrap().unwrap(), 1);
/// });
/// ```
#[must_use = "a ready guard says what was found ready: clear it when an attempt hits \
              `WouldBlock` (or use its `try_io`), else the next wait ends at once"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    found: Found,
}

/// [`AsyncFdReadyGuard`] over `&mut AsyncFd`, from the `_mut` waits: its
/// `try_io` and `get_inner_mut` reach `T` mutably. tokio's
/// `AsyncFdReadyMutGuard`.
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use taskcell_executor::io::unix::AsyncFd;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (a, _b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let mut a = AsyncFd::new(a).unwrap();
///     let mut guard = a.writable_mut().await.unwrap();
///     let written = guard.try_io(|fd| fd.get_mut().write(b"x"));
///     assert_eq!(written.unwrap().unwrap(), 1);
/// });
/// ```
#[must_use = "a ready guard says what was found ready: clear it when an attempt hits \
              `WouldBlock` (or use its `try_io`), else the next wait ends at once"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    found: Found,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor with the runtime's driver, for reads
    /// and writes.
    ///
    /// # Errors
    ///
    /// If the OS poller refuses the descriptor (a regular file: `EPERM`;
    /// one already registered: `EEXIST`), or the runtime has shut down.
    /// `inner` is dropped; [`try_new`](Self::try_new) gives it back.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O, as tokio's.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     // A regular file cannot be polled.
    ///     let file = std::fs::File::open("Cargo.toml").unwrap();
    ///     assert!(AsyncFd::new(file).is_err());
    /// #   drop(a);
    /// });
    /// ```
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        Self::register_as(
            inner,
            Interest::READABLE | Interest::WRITABLE,
            "`AsyncFd::new`",
        )
        .map_err(Into::into)
    }

    /// Registers `inner`'s descriptor for `interest` only: waits for any
    /// other readiness never end. `Interest::ERROR` alone registers for
    /// reads with the OS, as tokio does (errors are reported whatever the
    /// registration).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::with_interest(a, Interest::WRITABLE).unwrap();
    ///     a.writable().await.unwrap().retain_ready();
    /// });
    /// ```
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        Self::register_as(inner, interest, "`AsyncFd::with_interest`").map_err(Into::into)
    }

    /// [`new`](Self::new), giving `inner` back with the error.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), with `inner` inside.
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let file = std::fs::File::open("Cargo.toml").unwrap();
    ///     let (file, err) = AsyncFd::try_new(file).unwrap_err().into_parts();
    ///     assert_eq!(err.raw_os_error(), Some(libc::EPERM));
    ///     assert!(file.metadata().unwrap().is_file(), "still open");
    /// });
    /// ```
    #[track_caller]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        Self::register_as(
            inner,
            Interest::READABLE | Interest::WRITABLE,
            "`AsyncFd::try_new`",
        )
    }

    /// [`with_interest`](Self::with_interest), giving `inner` back with
    /// the error.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), with `inner` inside.
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::try_with_interest(a, Interest::READABLE).unwrap();
    /// #   drop(a);
    /// });
    /// ```
    #[track_caller]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        Self::register_as(inner, interest, "`AsyncFd::try_with_interest`")
    }

    /// Registers `inner`'s descriptor for reads and writes, giving `inner`
    /// back with the error: tokio's `AsyncFd::register`, which tokio 1.54
    /// made the way to build an `AsyncFd` (its `new` and `try_new` are
    /// deprecated there, as they promise nothing about the descriptor).
    /// Here `new`, `with_interest`, `try_new` and `try_with_interest` stay,
    /// and do the same.
    ///
    /// # Safety
    ///
    /// As tokio's: `inner.as_raw_fd()` must be an open descriptor, and
    /// must stay open and name the same open file until the `AsyncFd` is
    /// dropped or [`into_inner`](Self::into_inner) is called (or it is
    /// forgotten), returning the same descriptor at every call. Otherwise
    /// the driver's registration could outlive the file, and a later file
    /// given the same number would be deregistered, or woken, in its
    /// place.
    ///
    /// # Errors
    ///
    /// As [`try_new`](Self::try_new).
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     // SAFETY: the AsyncFd owns the stream, so its descriptor stays
    ///     // open, and the same, for as long as the AsyncFd.
    ///     let a = unsafe { AsyncFd::register(a) }.unwrap();
    ///     a.writable().await.unwrap().retain_ready();
    /// });
    /// ```
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        Self::register_as(
            inner,
            Interest::READABLE | Interest::WRITABLE,
            "`AsyncFd::register`",
        )
    }

    /// [`register`](Self::register) for `interest` only (see
    /// [`with_interest`](Self::with_interest)): tokio's
    /// `AsyncFd::register_with_interest`.
    ///
    /// # Safety
    ///
    /// As [`register`](Self::register).
    ///
    /// # Errors
    ///
    /// As [`try_new`](Self::try_new).
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let file = std::fs::File::open("Cargo.toml").unwrap();
    ///     // SAFETY: the AsyncFd would own the file, so its descriptor
    ///     // stays open, and the same, for as long as the AsyncFd.
    ///     let err = unsafe { AsyncFd::register_with_interest(file, Interest::READABLE) };
    ///     let (file, err) = err.unwrap_err().into_parts();
    ///     assert_eq!(err.raw_os_error(), Some(libc::EPERM), "a regular file cannot be polled");
    ///     assert!(file.metadata().is_ok(), "and is given back, open");
    /// });
    /// ```
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        Self::register_as(inner, interest, "`AsyncFd::register_with_interest`")
    }

    #[track_caller]
    fn register_as(
        inner: T,
        interest: Interest,
        what: &str,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        match PollEvented::with_interest(Fd(inner.as_raw_fd()), interest.to_mio(), what) {
            Ok(io) => Ok(AsyncFd {
                io,
                inner: Some(inner),
            }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// The value inside.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     assert!(a.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("present until `into_inner`")
    }

    /// The value inside, mutably.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     assert_eq!(a.get_mut().write(b"x").unwrap(), 1);
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("present until `into_inner`")
    }

    /// Deregisters the descriptor and gives the value back, descriptor
    /// open: it works as before, outside the runtime too.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// let (a, mut b) = UnixStream::pair().unwrap();
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let a = rt.block_on(async { AsyncFd::new(a).unwrap().into_inner() });
    /// b.write_all(b"still open").unwrap();
    /// let mut buf = [0; 10];
    /// (&a).read_exact(&mut buf).unwrap();
    /// assert_eq!(&buf, b"still open");
    /// ```
    pub fn into_inner(mut self) -> T {
        // An error (the descriptor already closed by `T`, against the
        // rules) leaves nothing to undo.
        let _ = self.io.deregister();
        self.inner.take().expect("present until `into_inner`")
    }

    /// Polls for read readiness: `Ready(Ok(guard))` once the descriptor is
    /// readable (or its read side closed). Spends a unit of the task's
    /// budget, as tokio's.
    ///
    /// As tokio's, this is meant for one task at a time (a `poll_read`):
    /// only the waker of the most recent call is woken, and a call from
    /// another task replaces (and drops) the waker of the one before.
    /// Tasks waiting in [`readable`](Self::readable) or
    /// [`ready`](Self::ready) are apart from this, and each is woken.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::task::Poll;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let ready = poll_fn(|cx| match a.poll_read_ready(cx) {
    ///         Poll::Ready(guard) => Poll::Ready(guard.unwrap().ready()),
    ///         Poll::Pending => Poll::Pending,
    ///     })
    ///     .await;
    ///     assert!(ready.is_readable());
    /// });
    /// ```
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.io
            .poll_ready_event(cx, Interest::READABLE, true)
            .map_ok(move |event| AsyncFdReadyGuard::new(self, event))
    }

    /// [`poll_read_ready`](Self::poll_read_ready), with a guard that
    /// reaches the value mutably.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use std::task::Poll;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let mut buf = [0; 4];
    ///     let n = poll_fn(|cx| loop {
    ///         let mut guard = match a.poll_read_ready_mut(cx) {
    ///             Poll::Ready(guard) => guard.unwrap(),
    ///             Poll::Pending => return Poll::Pending,
    ///         };
    ///         if let Ok(result) = guard.try_io(|fd| fd.get_mut().read(&mut buf)) {
    ///             return Poll::Ready(result.unwrap());
    ///         }
    ///     })
    ///     .await;
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.io
            .poll_ready_event(cx, Interest::READABLE, true)
            .map_ok(move |event| AsyncFdReadyMutGuard::new(self, event))
    }

    /// Polls for write readiness: `Ready(Ok(guard))` once the descriptor
    /// is writable (or its write side closed). As
    /// [`poll_read_ready`](Self::poll_read_ready).
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::os::unix::net::UnixStream;
    /// use std::task::Poll;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let ready = poll_fn(|cx| a.poll_write_ready(cx).map_ok(|g| g.ready())).await;
    ///     assert!(ready.unwrap().is_writable());
    /// });
    /// ```
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.io
            .poll_ready_event(cx, Interest::WRITABLE, true)
            .map_ok(move |event| AsyncFdReadyGuard::new(self, event))
    }

    /// [`poll_write_ready`](Self::poll_write_ready), with a guard that
    /// reaches the value mutably.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let ready = poll_fn(|cx| a.poll_write_ready_mut(cx).map_ok(|g| g.ready())).await;
    ///     assert!(ready.unwrap().is_writable());
    /// });
    /// ```
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.io
            .poll_ready_event(cx, Interest::WRITABLE, true)
            .map_ok(move |event| AsyncFdReadyMutGuard::new(self, event))
    }

    /// Waits until the descriptor is ready for any of `interest`; the
    /// guard holds the readiness found (of `interest`). Spends none of the
    /// task's budget, as tokio's. Cancel-safe.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let guard = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    ///     assert!(guard.ready().is_writable() && !guard.ready().is_readable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.io.ready_event(interest).await?;
        Ok(AsyncFdReadyGuard::new(self, event))
    }

    /// [`ready`](Self::ready), with a guard that reaches the value
    /// mutably.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.ready_mut(Interest::WRITABLE).await.unwrap();
    ///     guard.get_inner_mut().set_nonblocking(true).unwrap();
    ///     guard.clear_ready();
    /// });
    /// ```
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.io.ready_event(interest).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event))
    }

    /// Waits until the descriptor is readable (or its read side closed):
    /// `ready(Interest::READABLE)`. Cancel-safe.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     assert!(a.readable().await.unwrap().ready().is_readable());
    /// });
    /// ```
    #[allow(clippy::needless_lifetimes)] // named, as tokio's, for the docs
    pub async fn readable<'a>(&'a self) -> io::Result<AsyncFdReadyGuard<'a, T>> {
        self.ready(Interest::READABLE).await
    }

    /// [`readable`](Self::readable), with a guard that reaches the value
    /// mutably.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let mut guard = a.readable_mut().await.unwrap();
    ///     let mut buf = [0; 4];
    ///     assert_eq!(guard.get_inner_mut().read(&mut buf).unwrap(), 1);
    /// });
    /// ```
    #[allow(clippy::needless_lifetimes)] // named, as tokio's, for the docs
    pub async fn readable_mut<'a>(&'a mut self) -> io::Result<AsyncFdReadyMutGuard<'a, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable (or its write side closed):
    /// `ready(Interest::WRITABLE)`. Cancel-safe.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     assert!(a.writable().await.unwrap().ready().is_writable());
    /// });
    /// ```
    #[allow(clippy::needless_lifetimes)] // named, as tokio's, for the docs
    pub async fn writable<'a>(&'a self) -> io::Result<AsyncFdReadyGuard<'a, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// [`writable`](Self::writable), with a guard that reaches the value
    /// mutably.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     assert_eq!(guard.get_inner_mut().write(b"x").unwrap(), 1);
    /// });
    /// ```
    #[allow(clippy::needless_lifetimes)] // named, as tokio's, for the docs
    pub async fn writable_mut<'a>(&'a mut self) -> io::Result<AsyncFdReadyMutGuard<'a, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest`, then runs `f` on the value, again after each
    /// `WouldBlock` (whose readiness it clears first), until `f` returns
    /// anything else. `f` must do non-blocking I/O and report `WouldBlock`
    /// truthfully. Cancel-safe if `f` is: dropping the future between two
    /// attempts loses nothing.
    ///
    /// # Errors
    ///
    /// `f`'s, or once the runtime has shut down.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     std::thread::spawn(move || (&b).write_all(b"late"));
    ///     let mut buf = [0; 4];
    ///     let n = a.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)).await.unwrap();
    ///     assert!(n > 0 && buf[..n] == b"late"[..n]);
    /// });
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.get_ref();
        self.io.async_io(interest, || f(inner)).await
    }

    /// [`async_io`](Self::async_io), with `f` given the value mutably.
    ///
    /// # Errors
    ///
    /// `f`'s, or once the runtime has shut down.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let n = a.async_io_mut(Interest::WRITABLE, |s| s.write(b"hi")).await.unwrap();
    ///     assert_eq!(n, 2);
    /// });
    /// ```
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd { io, inner } = self;
        let inner = inner.as_mut().expect("present until `into_inner`");
        io.async_io(interest, || f(inner)).await
    }

    /// Runs `f` on the value once, if the descriptor was last seen ready
    /// for `interest`, clearing that readiness if `f` hits `WouldBlock`;
    /// otherwise `WouldBlock` without calling `f`.
    ///
    /// # Errors
    ///
    /// `f`'s; `WouldBlock` when not seen ready; once the runtime has shut
    /// down, that error.
    ///
    /// ```
    /// use std::io::{self, Read};
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let mut buf = [0; 4];
    ///     // Never seen readable: `f` is not called.
    ///     let err = a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)).unwrap_err();
    ///     assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.get_ref();
        self.io.try_io(interest, |_| f(inner))
    }

    /// [`try_io`](Self::try_io), with `f` given the value mutably.
    ///
    /// # Errors
    ///
    /// As [`try_io`](Self::try_io).
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     a.writable().await.unwrap().retain_ready();
    ///     assert_eq!(a.try_io_mut(Interest::WRITABLE, |s| s.write(b"x")).unwrap(), 1);
    /// });
    /// ```
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd { io, inner } = self;
        let inner = inner.as_mut().expect("present until `into_inner`");
        io.try_io(interest, |_| f(inner))
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

/// The value's own descriptor. tokio's is implemented for any `T:
/// AsRawFd`; this one needs `T: AsFd`, so that it stays safe code.
impl<T: AsRawFd + AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        // Deregistered before `inner` (dropped next) closes the descriptor:
        // once closed, its number may be reused, and the poller would keep
        // watching the old file. Nothing to do after `into_inner`.
        let _ = self.io.deregister();
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    fn new(async_fd: &'a AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            found: Found(Some(event)),
        }
    }

    /// Forgets the readiness found, so that the next wait waits for a new
    /// event: call it when an attempt hit `WouldBlock`. A newer event that
    /// came in since the wait is kept.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let mut guard = a.readable().await.unwrap();
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    /// });
    /// ```
    pub fn clear_ready(&mut self) {
        self.found.clear(&self.async_fd.io);
    }

    /// Forgets only `ready` of the readiness found (for a guard of several
    /// interests); the rest stays, in the guard and for the next wait.
    /// Closed halves are never forgotten.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Interest, Ready};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let mut guard = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    ///     guard.clear_ready_matching(Ready::WRITABLE);
    ///     assert!(!guard.ready().is_writable());
    /// });
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.found.clear_matching(&self.async_fd.io, ready);
    }

    /// Keeps the readiness found, for the next wait: what dropping the
    /// guard does; it says so in code.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     a.writable().await.unwrap().retain_ready();
    ///     a.writable().await.unwrap().retain_ready(); // still ready
    /// });
    /// ```
    pub fn retain_ready(&mut self) {}

    /// The readiness found, of the interest waited for; empty once
    /// cleared.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     drop(b);
    ///     assert!(a.readable().await.unwrap().ready().is_read_closed());
    /// });
    /// ```
    pub fn ready(&self) -> Ready {
        self.found.ready()
    }

    /// Runs `f` on the `AsyncFd`; if it hits `WouldBlock`, clears the
    /// readiness and returns `Err(TryIoError)` (wait again); otherwise
    /// `Ok` with `f`'s result, readiness kept.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` hit `WouldBlock`.
    ///
    /// ```
    /// use std::io::{self, Read};
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable().await.unwrap();
    ///     // Nothing to read: `WouldBlock`, and the readiness is cleared.
    ///     assert!(guard.try_io(|fd| fd.get_ref().read(&mut [0; 4])).is_err());
    ///     assert!(guard.ready().is_empty());
    /// });
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        self.found.after_try(&self.async_fd.io, result)
    }

    /// The `AsyncFd` this guard is of.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let guard = a.writable().await.unwrap();
    ///     assert!(std::ptr::eq(guard.get_ref(), &a));
    /// });
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The value inside the `AsyncFd`.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = AsyncFd::new(a).unwrap();
    ///     let guard = a.writable().await.unwrap();
    ///     assert!(guard.get_inner().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    fn new(async_fd: &'a mut AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            found: Found(Some(event)),
        }
    }

    /// As [`AsyncFdReadyGuard::clear_ready`].
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    /// });
    /// ```
    pub fn clear_ready(&mut self) {
        self.found.clear(&self.async_fd.io);
    }

    /// As [`AsyncFdReadyGuard::clear_ready_matching`].
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::{unix::AsyncFd, Ready};
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     guard.clear_ready_matching(Ready::READABLE);
    ///     assert!(guard.ready().is_writable(), "another readiness stays");
    /// });
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.found.clear_matching(&self.async_fd.io, ready);
    }

    /// As [`AsyncFdReadyGuard::retain_ready`].
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     a.writable_mut().await.unwrap().retain_ready();
    /// });
    /// ```
    pub fn retain_ready(&mut self) {}

    /// As [`AsyncFdReadyGuard::ready`].
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     assert!(a.writable_mut().await.unwrap().ready().is_writable());
    /// });
    /// ```
    pub fn ready(&self) -> Ready {
        self.found.ready()
    }

    /// As [`AsyncFdReadyGuard::try_io`], with `f` given the `AsyncFd`
    /// mutably.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` hit `WouldBlock`.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     assert_eq!(guard.try_io(|fd| fd.get_mut().write(b"ab")).unwrap().unwrap(), 2);
    /// });
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        self.found.after_try(&self.async_fd.io, result)
    }

    /// The `AsyncFd` this guard is of.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let guard = a.writable_mut().await.unwrap();
    ///     assert!(guard.get_ref().get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard is of, mutably.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     guard.get_mut().get_mut().set_nonblocking(true).unwrap();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The value inside the `AsyncFd`.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let guard = a.writable_mut().await.unwrap();
    ///     assert!(guard.get_inner().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The value inside the `AsyncFd`, mutably.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let mut a = AsyncFd::new(a).unwrap();
    ///     let mut guard = a.writable_mut().await.unwrap();
    ///     guard.get_inner_mut().set_nonblocking(true).unwrap();
    /// });
    /// ```
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

/// The readiness a ready guard's wait found, until cleared (`None` once
/// nothing is left): what [`AsyncFdReadyGuard`] and
/// [`AsyncFdReadyMutGuard`] share, with the bodies of the methods they
/// have in common; the guards differ only in how they hold the `AsyncFd`,
/// whose `io` the methods here are given.
#[derive(Debug)]
struct Found(Option<ReadyEvent>);

impl Found {
    /// A guard's `clear_ready`.
    fn clear(&mut self, io: &PollEvented<Fd>) {
        if let Some(event) = self.0.take() {
            io.clear_readiness(event);
        }
    }

    /// A guard's `clear_ready_matching`: forgets `cleared`, keeps the rest.
    fn clear_matching(&mut self, io: &PollEvented<Fd>, cleared: Ready) {
        if let Some(event) = self.0.take() {
            io.clear_readiness(event.with_ready(cleared.bits()));
            let left = event.ready() & !cleared.bits();
            self.0 = (left != 0).then(|| event.with_ready(left));
        }
    }

    /// A guard's `ready`.
    fn ready(&self) -> Ready {
        self.0
            .map_or(Ready::EMPTY, |event| Ready::from_bits(event.ready()))
    }

    /// A guard's `try_io`, once its `f` returned `result`: clears the
    /// readiness if `result` is `WouldBlock`.
    fn after_try<R>(
        &mut self,
        io: &PollEvented<Fd>,
        result: io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match result {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                self.clear(io);
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("async_fd", &self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("async_fd", &self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}

/// A guard's `try_io` hit `WouldBlock`: its readiness is cleared; wait
/// again. tokio's `TryIoError`.
///
/// ```
/// use std::io::{self, Read};
/// use std::os::unix::net::UnixStream;
/// use taskcell_executor::io::unix::{AsyncFd, TryIoError};
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let (a, _b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let a = AsyncFd::new(a).unwrap();
///     let mut guard = a.writable().await.unwrap();
///     let err: TryIoError = guard.try_io(|fd| fd.get_ref().read(&mut [0; 1])).unwrap_err();
///     # drop(err);
/// });
/// ```
#[derive(Debug)]
pub struct TryIoError(());

/// [`AsyncFd::register`] or [`AsyncFd::try_new`] failed: the error, and
/// the value that was to be registered, given back. tokio's
/// `AsyncFdRegisterError`.
///
/// ```
/// use taskcell_executor::io::unix::AsyncFd;
///
/// taskcell_executor::Runtime::new().unwrap().block_on(async {
///     let file = std::fs::File::open("Cargo.toml").unwrap();
///     let err = AsyncFd::try_new(file).unwrap_err();
///     assert!(!err.to_string().is_empty());
///     let err: std::io::Error = err.into();
///     assert_eq!(err.raw_os_error(), Some(libc::EPERM));
/// });
/// ```
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// [`AsyncFdRegisterError`]'s name before tokio 1.54, which tokio keeps as
/// an alias.
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The value given back, and the error.
    ///
    /// ```
    /// use taskcell_executor::io::unix::AsyncFd;
    ///
    /// taskcell_executor::Runtime::new().unwrap().block_on(async {
    ///     let file = std::fs::File::open("Cargo.toml").unwrap();
    ///     let (file, err) = AsyncFd::try_new(file).unwrap_err().into_parts();
    ///     assert!(file.metadata().is_ok() && err.raw_os_error().is_some());
    /// });
    /// ```
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(err: AsyncFdRegisterError<T>) -> io::Error {
        err.cause
    }
}
