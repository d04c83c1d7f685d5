//! [`TcpListener`] and [`TcpStream`], with the stream's borrowed and owned
//! halves.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{each_addr, socket_into_std};
use crate::driver::io::{Direction, PollEvented};
use crate::io::Interest;

/// A doc test's preamble: `a` and `b`, two ends of one TCP connection.
macro_rules! tcp_pair {
    () => {
        "# use taskcell_executor::net::{TcpListener, TcpStream};\n\
         # let rt = taskcell_executor::Runtime::new().unwrap();\n\
         # rt.block_on(async {\n\
         # let listener = TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\n\
         # let a = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();\n\
         # let (b, _) = listener.accept().await.unwrap();\n"
    };
}

/// A TCP socket listening for connections.
///
/// ```
/// use taskcell_executor::net::{TcpListener, TcpStream};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = taskcell_executor::spawn(TcpStream::connect(addr));
///     let (_stream, peer) = listener.accept().await.unwrap();
///     let client = client.await.unwrap().unwrap();
///     assert_eq!(peer, client.local_addr().unwrap());
/// });
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that works) and listens.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    /// assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            let listener = mio::net::TcpListener::bind(addr)?;
            Ok(TcpListener {
                io: PollEvented::new(listener, "`TcpListener::bind`")?,
            })
        })
        .await
    }

    /// Waits for a connection and accepts it. The new stream belongs to
    /// this listener's runtime.
    ///
    /// An error (such as `EMFILE`, out of file descriptors) is returned as
    /// it comes; the listener stays usable.
    ///
    /// ```
    /// use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (stream, _addr) = listener.accept().await.unwrap();
    /// # drop(stream);
    /// # });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; see [`accept`](Self::accept).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (_stream, _addr) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => Poll::Ready(Ok((
                TcpStream {
                    io: PollEvented::with_handle(stream, self.io.handle())?,
                },
                addr,
            ))),
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The address this listener is bound to.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes over a standard listener (made non-blocking here).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let listener = taskcell_executor::net::TcpListener::from_std(std_listener).unwrap();
    /// # drop(listener);
    /// # });
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: PollEvented::new(
                mio::net::TcpListener::from_std(listener),
                "`TcpListener::from_std`",
            )?,
        })
    }

    /// Gives the socket back as a standard listener, still non-blocking.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let addr = listener.local_addr().unwrap();
    /// assert_eq!(listener.into_std().unwrap().local_addr().unwrap(), addr);
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let listener = self.io.into_inner()?;
        Ok(socket_into_std(listener))
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpListener")
            .field(self.io.get_ref())
            .finish()
    }
}

/// A TCP connection.
///
/// It implements `futures-io`'s `AsyncRead` and `AsyncWrite`, also through
/// a shared reference, so one task may read while another writes (see
/// [`split`](Self::split) and [`into_split`](Self::into_split)); closing
/// (`poll_close`) shuts down the write half, and the peer reads EOF.
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::{TcpListener, TcpStream};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (mut server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hello").await.unwrap();
///     client.close().await.unwrap();
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, b"hello");
/// });
/// ```
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr` (the first of its addresses that accepts).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    ///
    /// ```
    /// use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// # });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, TcpStream::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream {
            io: PollEvented::new(mio::net::TcpStream::connect(addr)?, "`TcpStream::connect`")?,
        };
        // A non-blocking connect is done when the socket turns writable:
        // with an error, connected, or (spuriously) not yet.
        poll_fn(|cx| loop {
            let event = match stream.io.poll_ready(cx, Direction::Write) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            if let Some(err) = stream.io.get_ref().take_error()? {
                return Poll::Ready(Err(err));
            }
            match stream.io.get_ref().peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                    stream.io.clear_readiness(event);
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        })
        .await?;
        Ok(stream)
    }

    /// This end's address.
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// assert!(stream.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting
    /// to be merged (Nagle's algorithm).
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// stream.set_nodelay(true).unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// stream.set_nodelay(false).unwrap();
    /// assert!(!stream.nodelay().unwrap());
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Waits for data and copies it into `buf` without taking it: the next
    /// read gets it again. Returns the byte count (0 at EOF).
    ///
    /// Cancel-safe: nothing is taken.
    ///
    /// ```
    /// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
    #[doc = tcp_pair!()]
    /// let (mut a, mut b) = (a, b);
    /// b.write_all(b"peek").await.unwrap();
    /// let mut buf = [0; 4];
    /// assert_eq!(a.peek(&mut buf).await.unwrap(), 4);
    /// a.read_exact(&mut buf).await.unwrap(); // still there
    /// assert_eq!(&buf, b"peek");
    /// # });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        // Not `poll_read_io`: a short peek leaves the data, and the
        // readiness, in place.
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.peek(buf))).await
    }

    /// Sets `IP_TTL`: the time-to-live of the packets this stream sends.
    ///
    /// ```
    #[doc = tcp_pair!()]
    /// a.set_ttl(42).unwrap();
    /// assert_eq!(a.ttl().unwrap(), 42);
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// `IP_TTL`; see [`set_ttl`](Self::set_ttl).
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing waits up to `d` for unsent
    /// data to go out (with `Some(Duration::ZERO)`, closing discards it and
    /// resets the connection: the peer reads an error, not EOF); with
    /// `None`, the default, closing returns at once and the system sends
    /// what is left in the background.
    ///
    /// The wait happens in the drop of the stream, on the calling thread.
    ///
    /// ```
    /// use std::time::Duration;
    #[doc = tcp_pair!()]
    /// a.set_linger(Some(Duration::ZERO)).unwrap();
    /// assert_eq!(a.linger().unwrap(), Some(Duration::ZERO));
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// `SO_LINGER`; see [`set_linger`](Self::set_linger).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// ```
    #[doc = tcp_pair!()]
    /// assert!(a.take_error().unwrap().is_none());
    /// # drop(b);
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Takes over a standard stream (made non-blocking here).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = taskcell_executor::net::TcpStream::from_std(std_stream).unwrap();
    /// # drop(stream);
    /// # });
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: PollEvented::new(
                mio::net::TcpStream::from_std(stream),
                "`TcpStream::from_std`",
            )?,
        })
    }

    /// Gives the socket back as a standard stream, still non-blocking.
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let std_stream = stream.into_std().unwrap();
    /// assert!(std_stream.peer_addr().is_ok());
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let stream = self.io.into_inner()?;
        Ok(socket_into_std(stream))
    }

    /// Borrows the stream as a read half and a write half, for one task
    /// that reads and writes at once (one reader and one writer at a time).
    ///
    /// With [`AsyncReadExt`](crate::io::AsyncReadExt) in scope,
    /// `stream.split()` finds that trait's `split(self)` first (method
    /// lookup tries the stream by value before `&mut`), which splits through
    /// a lock; call this one as `TcpStream::split(&mut stream)`.
    ///
    /// ```
    /// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let mut stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (mut peer, _) = listener.accept().await.unwrap();
    /// let (mut reader, mut writer) = TcpStream::split(&mut stream);
    /// writer.write_all(b"x").await.unwrap();
    /// peer.write_all(b"y").await.unwrap();
    /// let mut byte = [0];
    /// reader.read_exact(&mut byte).await.unwrap();
    /// assert_eq!(&byte, b"y");
    /// # });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits the stream into owned halves, for a reading task and a
    /// writing task. Dropping the write half shuts down writing.
    ///
    /// ```
    /// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (mut peer, _) = listener.accept().await.unwrap();
    /// let (mut reader, mut writer) = stream.into_split();
    /// taskcell_executor::spawn(async move { writer.write_all(b"bye").await.unwrap() });
    /// let mut got = Vec::new();
    /// peer.read_to_end(&mut got).await.unwrap(); // EOF: the write half was dropped
    /// assert_eq!(got, b"bye");
    /// peer.write_all(b"ok").await.unwrap();
    /// let mut back = [0; 2];
    /// reader.read_exact(&mut back).await.unwrap(); // the read half still reads
    /// assert_eq!(&back, b"ok");
    /// # });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = StdArc::new(self);
        (
            OwnedReadHalf(StdArc::clone(&stream)),
            OwnedWriteHalf {
                stream,
                shutdown_on_drop: true,
            },
        )
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpStream").field(self.io.get_ref()).finish()
    }
}

stream_io!(TcpStream, |s| s.io);
stream_io!(&TcpStream, |s| s.io);

readiness_api!(
    TcpStream,
    tcp_pair!(),
    "# b.writable().await.unwrap();\n# b.try_write(b\"x\").unwrap();\n"
);
stream_try_api!(TcpStream, tcp_pair!());

#[cfg(feature = "hyper")]
hyper_io!(TcpStream, |s| &s.io);

/// The read half of a borrowed [`TcpStream`]; see [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write half of a borrowed [`TcpStream`]; see [`TcpStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The read half of a [`TcpStream`]; see [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(StdArc<TcpStream>);

/// The write half of a [`TcpStream`]; see [`TcpStream::into_split`].
/// Dropping it shuts down writing.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: StdArc<TcpStream>,
    /// False once the half is given back to [`reunite`](Self::reunite).
    shutdown_on_drop: bool,
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer sees EOF; an error means it is gone already.
            let _ = self.stream.io.get_ref().shutdown(Shutdown::Write);
        }
    }
}

async_read!(ReadHalf<'_>, |s| s.0.io);
async_write!(WriteHalf<'_>, |s| s.0.io);
async_read!(OwnedReadHalf, |s| s.0.io);
async_write!(OwnedWriteHalf, |s| s.stream.io);

/// The stream methods a read half offers, through `$stream`.
macro_rules! read_half_api {
    ($ty:ty, |$s:ident| $stream:expr) => {
        impl $ty {
            /// Waits for readiness; see [`TcpStream::ready`].
            pub async fn ready(&self, interest: Interest) -> io::Result<crate::io::Ready> {
                let $s = self;
                $stream.ready(interest).await
            }

            /// Waits until readable; see [`TcpStream::readable`].
            pub async fn readable(&self) -> io::Result<()> {
                let $s = self;
                $stream.readable().await
            }

            /// Reads without waiting; see [`TcpStream::try_read`].
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                let $s = self;
                $stream.try_read(buf)
            }

            /// Reads into several buffers without waiting; see
            /// [`TcpStream::try_read_vectored`].
            pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
                let $s = self;
                $stream.try_read_vectored(bufs)
            }

            /// Copies waiting data without taking it; see [`TcpStream::peek`].
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                let $s = self;
                $stream.peek(buf).await
            }

            /// This end's address.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                let $s = self;
                $stream.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                let $s = self;
                $stream.peer_addr()
            }
        }
    };
}

/// The stream methods a write half offers, through `$stream`.
macro_rules! write_half_api {
    ($ty:ty, |$s:ident| $stream:expr) => {
        impl $ty {
            /// Waits for readiness; see [`TcpStream::ready`].
            pub async fn ready(&self, interest: Interest) -> io::Result<crate::io::Ready> {
                let $s = self;
                $stream.ready(interest).await
            }

            /// Waits until writable; see [`TcpStream::writable`].
            pub async fn writable(&self) -> io::Result<()> {
                let $s = self;
                $stream.writable().await
            }

            /// Writes without waiting; see [`TcpStream::try_write`].
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                let $s = self;
                $stream.try_write(buf)
            }

            /// Writes several buffers without waiting; see
            /// [`TcpStream::try_write_vectored`].
            pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                let $s = self;
                $stream.try_write_vectored(bufs)
            }

            /// This end's address.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                let $s = self;
                $stream.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                let $s = self;
                $stream.peer_addr()
            }
        }
    };
}

read_half_api!(ReadHalf<'_>, |s| s.0);
read_half_api!(OwnedReadHalf, |s| s.0);
write_half_api!(WriteHalf<'_>, |s| s.0);
write_half_api!(OwnedWriteHalf, |s| s.stream);

impl OwnedReadHalf {
    /// Joins this half and `other` back into the stream, if they are the
    /// two halves of one stream; otherwise gives both back in the error.
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let addr = listener.local_addr().unwrap();
    /// let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
    /// let (other_read, other_write) = TcpStream::connect(addr).await.unwrap().into_split();
    /// let err = read.reunite(other_write).unwrap_err();
    /// let stream = err.0.reunite(write).unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), addr);
    /// # drop(other_read);
    /// # });
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }
}

impl OwnedWriteHalf {
    /// Joins this half and `other` back into the stream; see
    /// [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }
}

fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
    if !StdArc::ptr_eq(&read.0, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    // The stream goes on whole: its writing is not shut down.
    write.shutdown_on_drop = false;
    drop(write);
    Ok(StdArc::try_unwrap(read.0)
        .unwrap_or_else(|_| unreachable!("the two halves hold the only references")))
}

/// The two halves given to `reunite`, which were not of one stream.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}
