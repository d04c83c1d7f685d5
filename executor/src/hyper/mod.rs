//! hyper 1.x on this runtime (feature `hyper`): no tokio runtime in the
//! process.
//!
//! hyper asks its host for three things, all provided here:
//!
//! - **An executor** for the tasks it spawns itself (HTTP/2 streams, the
//!   connection pool): [`Handle`] implements [`hyper::rt::Executor`], so
//!   `Handle::current()` goes wherever hyper wants one.
//! - **IO**: the runtime's own [`TcpStream`](crate::net::TcpStream) and
//!   [`UnixStream`](crate::net::UnixStream) implement hyper's
//!   [`Read`] and [`Write`] directly:
//!   reads go straight into hyper's uninitialised buffer, writes are
//!   vectored. [`HyperIo`] adapts any other `futures-io` stream (a TLS
//!   stream, or a socket from `async-io`, smol's reactor, which also works
//!   inside this runtime's tasks: the compatible path, not the fast one).
//! - **Timers** (header read timeouts, keep-alive): [`HyperTimer`], on the
//!   runtime's timer wheel.
//!
//! # Example
//!
//! A server and a client, both hyper, both on this runtime:
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use hyper::{server, client, service::service_fn, Request, Response};
//! use taskcell_executor::hyper::HyperTimer;
//! use taskcell_executor::net::{TcpListener, TcpStream};
//! use taskcell_executor::Runtime;
//!
//! let rt = Runtime::new().unwrap();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     taskcell_executor::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = service_fn(|_req| async {
//!             Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("hello"))))
//!         });
//!         server::conn::http1::Builder::new()
//!             .timer(HyperTimer::new())
//!             .serve_connection(stream, hello)
//!             .await
//!             .unwrap();
//!     });
//!
//!     let stream = TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, conn) = client::conn::http1::handshake(stream).await.unwrap();
//!     taskcell_executor::spawn(conn);
//!     let request = Request::get("/").body(Full::new(Bytes::new())).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     assert_eq!(response.headers()["content-length"], "5");
//!     assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "hello");
//! });
//! ```

#[cfg(feature = "hyper-server")]
mod serve;
#[cfg(feature = "hyper-server")]
pub use self::serve::{serve, Serve, WithGracefulShutdown};

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBufCursor, Sleep, Timer, Write};

use crate::driver::io::PollEvented;
use crate::Handle;

/// Spawns hyper's own tasks (HTTP/2 streams, pooled connections) on this
/// runtime; the [`JoinHandle`](crate::JoinHandle) is dropped, so they run
/// detached, as hyper expects.
///
/// ```
/// use taskcell_executor::{Handle, Runtime};
///
/// fn takes_an_executor<E: hyper::rt::Executor<std::future::Ready<()>> + Clone>(_: E) {}
///
/// let rt = Runtime::new().unwrap();
/// takes_an_executor(rt.handle().clone());
/// ```
impl<F> hyper::rt::Executor<F> for Handle
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(self.spawn(future));
    }
}

pin_project_lite::pin_project! {
    /// A `futures-io` stream (`AsyncRead + AsyncWrite`: a TLS stream, an
    /// `async_io::Async<TcpStream>`, ...) as hyper's [`Read`] + [`Write`].
    /// The runtime's own sockets need no wrapper.
    ///
    /// ```
    /// use taskcell_executor::hyper::HyperIo;
    ///
    /// fn is_hyper_io<T: hyper::rt::Read + hyper::rt::Write>(_: &T) {}
    ///
    /// // Any `futures-io` stream; here an in-memory one.
    /// let io = HyperIo::new(futures::io::Cursor::new(Vec::<u8>::new()));
    /// is_hyper_io(&io);
    /// ```
    #[derive(Debug)]
    pub struct HyperIo<T> {
        #[pin]
        inner: T,
        vectored: bool,
    }
}

impl<T> HyperIo<T> {
    /// Wraps a `futures-io` stream, telling hyper that it does not implement
    /// vectored writes (`futures-io` cannot tell): hyper then copies each
    /// message into one buffer before writing it.
    pub fn new(inner: T) -> HyperIo<T> {
        HyperIo {
            inner,
            vectored: false,
        }
    }

    /// Wraps a stream whose `poll_write_vectored` writes several buffers at
    /// once, as `async_io::Async<TcpStream>`'s does (`writev`): hyper then
    /// writes a body chunk together with its framing, without copying it.
    /// Do not use it for a stream that keeps `futures-io`'s default, which
    /// writes only the first buffer: hyper would make many small writes.
    ///
    /// ```
    /// use taskcell_executor::hyper::HyperIo;
    ///
    /// let io = HyperIo::vectored(futures::io::Cursor::new(Vec::<u8>::new()));
    /// assert!(hyper::rt::Write::is_write_vectored(&io));
    /// ```
    pub fn vectored(inner: T) -> HyperIo<T> {
        HyperIo {
            inner,
            vectored: true,
        }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// use taskcell_executor::hyper::HyperIo;
    ///
    /// // Any `futures-io` stream; here an in-memory one.
    /// let mut io = HyperIo::new(futures::io::Cursor::new(vec![1u8, 2]));
    /// assert_eq!(io.get_ref().get_ref(), &[1, 2]);
    /// io.get_mut().get_mut().push(3);
    /// assert_eq!(io.into_inner().into_inner(), [1, 2, 3]);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The most a single read offers the stream. `futures-io` reads into
/// initialized memory and hyper hands out uninitialized memory, so the part
/// offered is zeroed first: capping it keeps that cost proportional to what
/// one read can return, not to hyper's whole buffer.
const MAX_READ: usize = 64 * 1024;

impl<T: AsyncRead> Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let len = buf.remaining().min(MAX_READ);
        let dst = buf.initialize_unfilled_to(len);
        let n = std::task::ready!(self.project().inner.poll_read(cx, dst))?;
        // `AsyncRead` is a safe trait: a reader that claims more than it was
        // given must not make us vouch for memory it never initialized.
        assert!(
            n <= len,
            "AsyncRead::poll_read returned {n} for a buffer of {len}"
        );
        // SAFETY: `initialize_unfilled_to(len)` initialized the first `len`
        // bytes of the unfilled part (the contract of `advance`: `n` more
        // bytes initialized), and `n ≤ len`.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.vectored
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

/// A read by one of the runtime's streams straight into hyper's buffer,
/// uninitialised memory included: `read(2)` writes into it and never reads
/// it, so nothing is zeroed first.
#[cfg(unix)]
pub(crate) fn poll_read_uninit<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
) -> Poll<io::Result<()>>
where
    E: mio::event::Source + std::os::fd::AsRawFd,
{
    // SAFETY: `as_mut` asks that no initialised byte be de-initialised:
    // only `read(2)` writes here, and it writes data.
    let unfilled = unsafe { buf.as_mut() };
    let (ptr, len) = (unfilled.as_mut_ptr().cast::<libc::c_void>(), unfilled.len());
    let n = std::task::ready!(io.poll_read_io(cx, len, |socket| {
        // SAFETY: `ptr` is valid for writes of `len` bytes (the cursor's
        // unfilled part, borrowed for this whole call), and `read(2)` writes
        // at most `len` bytes there.
        let n = unsafe { libc::read(socket.as_raw_fd(), ptr, len) };
        usize::try_from(n).map_err(|_| io::Error::last_os_error())
    }))?;
    // SAFETY: `read(2)` initialised the first `n ≤ len` bytes of the
    // unfilled part (the contract of `advance`).
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// A read by one of the runtime's streams into hyper's buffer, zeroed first
/// (platforms without `read(2)`).
#[cfg(not(unix))]
pub(crate) fn poll_read_uninit<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
) -> Poll<io::Result<()>>
where
    E: mio::event::Source,
    for<'a> &'a E: io::Read + io::Write,
{
    let len = buf.remaining().min(MAX_READ);
    let dst = buf.initialize_unfilled_to(len);
    let n = std::task::ready!(io.poll_read(cx, dst))?;
    // SAFETY: `initialize_unfilled_to(len)` initialised `len` bytes and
    // `n ≤ len` (a `Read` of the standard library's sockets never claims
    // more than it was given).
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// hyper's [`Timer`] on the runtime's timer wheel: header read timeouts,
/// keep-alive pings and pool idle timeouts work on this runtime. Its sleeps
/// belong to the runtime of the code that makes them (hyper makes them in
/// its connection tasks).
///
/// ```
/// use std::time::{Duration, Instant};
/// use hyper::rt::Timer;
/// use taskcell_executor::hyper::HyperTimer;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let start = Instant::now();
/// rt.block_on(async { HyperTimer::new().sleep(Duration::from_millis(20)).await });
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperTimer {
    _private: (),
}

impl HyperTimer {
    /// The timer of whichever runtime the code that sleeps runs in.
    ///
    /// ```
    /// let mut builder = hyper::server::conn::http1::Builder::new();
    /// builder.timer(taskcell_executor::hyper::HyperTimer::new());
    /// ```
    pub fn new() -> HyperTimer {
        HyperTimer { _private: () }
    }
}

impl Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(HyperSleep::new(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HyperSleep::new(crate::time::sleep_until(deadline.into())))
    }

    /// The runtime's clock, which a paused runtime holds still (feature
    /// `test-util`): hyper's deadlines then agree with the timers'.
    fn now(&self) -> Instant {
        crate::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        // Ours: the timer stays where it is (hyper moves its header-read
        // deadline later on every request: one compare-and-swap, no lock,
        // no allocation; see `time::Sleep::reset`).
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(mine) => mine.project().sleep.reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

pin_project_lite::pin_project! {
    /// A hyper [`Sleep`] on the runtime's wheel.
    struct HyperSleep {
        #[pin]
        sleep: crate::time::Sleep,
    }
}

impl HyperSleep {
    fn new(sleep: crate::time::Sleep) -> HyperSleep {
        HyperSleep { sleep }
    }
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().sleep.poll(cx)
    }
}

impl Sleep for HyperSleep {}
