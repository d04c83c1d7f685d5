//! TCP: [`TcpListener`] and [`TcpStream`] (also at [`net`](crate::net)'s
//! root), and the halves of a split stream ([`ReadHalf`], [`WriteHalf`],
//! [`OwnedReadHalf`], [`OwnedWriteHalf`], [`ReuniteError`]), at tokio's
//! path for them (`tokio::net::tcp`).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{each_addr, socket_into_std, ToSocketAddrs};
use crate::driver::io::scheduled_io::{READABLE, WRITABLE};
use crate::driver::io::{Direction, PollEvented};

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
            TcpListener::from_mio(mio::net::TcpListener::bind(addr)?, "`TcpListener::bind`")
        })
        .await
    }

    /// Registers `listener`, listening already, with the driver of the
    /// runtime of the calling code; `what` names the caller in the panic.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub(super) fn from_mio(listener: mio::net::TcpListener, what: &str) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: PollEvented::new(listener, what)?,
        })
    }

    /// Waits for a connection and accepts it. The new stream belongs to
    /// this listener's runtime.
    ///
    /// Cancel-safe: a connection is taken only when the future completes.
    /// Any number of tasks may wait here on one listener; each is woken.
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
            Poll::Ready(Ok((stream, addr))) => {
                let io = PollEvented::with_handle(stream, self.io.handle())?;
                // As tokio's: an accepted socket is writable, and usually
                // holds the peer's first bytes already (under load, their
                // event may queue behind every other connection's). Its
                // first read and write try the socket at once.
                io.assume_ready(READABLE | WRITABLE);
                Poll::Ready(Ok((TcpStream { io }, addr)))
            }
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

    /// Sets `IP_TTL` for the streams this listener accepts.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// listener.set_ttl(100).unwrap();
    /// assert_eq!(listener.ttl().unwrap(), 100);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// `IP_TTL`; see [`set_ttl`](Self::set_ttl).
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
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
        TcpListener::from_mio(
            mio::net::TcpListener::from_std(listener),
            "`TcpListener::from_std`",
        )
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
/// It implements tokio's `AsyncRead` and `AsyncWrite` (and, with the
/// `futures-io` feature, futures-io's),
/// also through a shared reference, so one task may read while another
/// writes (see [`split`](Self::split) and [`into_split`](Self::into_split));
/// `shutdown` (futures' `close`) shuts down the write half, and the peer
/// reads EOF.
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
///     client.shutdown().await.unwrap();
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
    /// Dropping the future abandons the connection under way and closes
    /// its socket; nothing else is lost.
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
        let socket = mio::net::TcpStream::connect(addr)?;
        TcpStream::connect_mio(socket, "`TcpStream::connect`").await
    }

    /// Registers `socket`, whose non-blocking connect is under way, with
    /// the driver of the runtime of the calling code, and waits for the
    /// connect to finish; `what` names the caller in the panic.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    pub(super) async fn connect_mio(
        socket: mio::net::TcpStream,
        what: &str,
    ) -> io::Result<TcpStream> {
        let stream = TcpStream {
            io: PollEvented::new(socket, what)?,
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

    /// Sets `TCP_QUICKACK` (Linux, Android, Fuchsia, Cygwin): acknowledge
    /// received data at once instead of delaying the `ACK`. The system may
    /// clear it again after later operations on the socket (`man 7 tcp`).
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// stream.set_quickack(true).unwrap();
    /// # });
    /// ```
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_os = "cygwin",
    ))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tcp_quickack(quickack)
    }

    /// Whether `TCP_QUICKACK` is set now (Linux, Android, Fuchsia, Cygwin);
    /// see [`set_quickack`](Self::set_quickack).
    ///
    /// ```
    /// # use taskcell_executor::net::{TcpListener, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// stream.set_quickack(false).unwrap();
    /// assert!(!stream.quickack().unwrap());
    /// # });
    /// ```
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_os = "cygwin",
    ))]
    pub fn quickack(&self) -> io::Result<bool> {
        socket2::SockRef::from(self.io.get_ref()).tcp_quickack()
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

    /// Polls to copy waiting data into the unfilled part of tokio's
    /// `ReadBuf` without taking it, as tokio's: the
    /// byte count (0 at EOF), or `Pending` with the task's waker
    /// registered. See [`peek`](Self::peek).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use taskcell_executor::io::AsyncWriteExt;
    /// use tokio::io::ReadBuf;
    #[doc = tcp_pair!()]
    /// let (a, mut b) = (a, b);
    /// b.write_all(b"peek").await.unwrap();
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let n = poll_fn(|cx| a.poll_peek(cx, &mut buf)).await.unwrap();
    /// assert_eq!((n, buf.filled()), (4, &b"peek"[..]));
    /// # });
    /// ```
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        super::poll_recv_read_buf(&self.io, cx, buf, |s, spare| s.peek(spare).map(|n| (n, n)))
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

    /// Sets a zero `SO_LINGER`: dropping the stream resets the connection
    /// at once, discarding unsent data, and the peer reads an error instead
    /// of EOF. `set_linger(Some(Duration::ZERO))`, which never blocks.
    ///
    /// ```
    /// use std::time::Duration;
    #[doc = tcp_pair!()]
    /// a.set_zero_linger().unwrap();
    /// assert_eq!(a.linger().unwrap(), Some(Duration::ZERO));
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
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
stream_halves!(TcpStream, tcp_pair!(), peek: peek);

#[cfg(feature = "hyper")]
hyper_io!(TcpStream, |s| &s.io);

fd_impls!(TcpListener, TcpStream);
