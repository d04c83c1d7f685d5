//! [`TcpListener`] and [`TcpStream`], with the stream's borrowed and owned
//! halves.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};

use super::{each_addr, socket_into_std};
use crate::driver::io::{Direction, PollEvented};

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
            OwnedWriteHalf(stream),
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
pub struct OwnedWriteHalf(StdArc<TcpStream>);

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        // The peer sees EOF; an error means it is gone already.
        let _ = self.0.io.get_ref().shutdown(Shutdown::Write);
    }
}

async_read!(ReadHalf<'_>, |s| s.0.io);
async_write!(WriteHalf<'_>, |s| s.0.io);
async_read!(OwnedReadHalf, |s| s.0.io);
async_write!(OwnedWriteHalf, |s| s.0.io);
