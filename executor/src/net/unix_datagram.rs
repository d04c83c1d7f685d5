//! [`UnixDatagram`] (Unix only).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use bytes::BufMut;

use super::unix::{abstract_addr, is_abstract};
use crate::driver::io::scheduled_io::WRITABLE;
use crate::driver::io::{io_handle, Direction, PollEvented};
use crate::io::Interest;

/// A doc test's preamble: `a` and `b`, a connected pair.
macro_rules! unix_dgram_pair {
    () => {
        "# use taskcell_executor::net::UnixDatagram;\n\
         # let rt = taskcell_executor::Runtime::new().unwrap();\n\
         # rt.block_on(async {\n\
         # let (a, b) = UnixDatagram::pair().unwrap();\n"
    };
}

/// A Unix-domain datagram socket: each send is delivered whole, in order,
/// or not at all (a full receive buffer makes the sender wait). Every
/// operation takes `&self`, so one task may receive while another sends.
///
/// Addresses are the standard library's
/// [`SocketAddr`](std::os::unix::net::SocketAddr), as the crate's other
/// Unix sockets use (tokio wraps it in a type of its own). On Linux and
/// Android a path that starts with a NUL byte names a socket in the
/// abstract namespace, in `bind`, `connect` and `send_to`, as
/// [`UnixListener::bind`](crate::net::UnixListener::bind) reads it (tokio
/// reads it so for streams only).
///
/// ```
/// use taskcell_executor::net::UnixDatagram;
///
/// let dir = std::env::temp_dir().join(format!("taskcell-dgram-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let server = UnixDatagram::bind(dir.join("server")).unwrap();
///     let client = UnixDatagram::bind(dir.join("client")).unwrap();
///     client.send_to(b"ping", dir.join("server")).await.unwrap();
///     let mut buf = [0; 8];
///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     server.send_to(b"pong", from.as_pathname().unwrap()).await.unwrap();
///     assert_eq!(client.recv(&mut buf).await.unwrap(), 4);
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Makes a socket bound to `path` (a new file there; binding fails if
    /// one exists).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-dgram-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UnixDatagram::bind(&path).unwrap();
    /// assert_eq!(socket.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        // The runtime first: a panic for the lack of one leaves no socket
        // file behind.
        let handle = io_handle("`UnixDatagram::bind`");
        let socket = match abstract_addr(path.as_ref()) {
            Some(addr) => mio::net::UnixDatagram::bind_addr(&addr?)?,
            None => mio::net::UnixDatagram::bind(path)?,
        };
        Ok(UnixDatagram {
            io: PollEvented::with_handle(socket, &handle)?,
        })
    }

    /// A pair of sockets connected to each other, unnamed.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, b) = taskcell_executor::net::UnixDatagram::pair().unwrap();
    /// a.send(b"one").await.unwrap();
    /// let mut buf = [0; 3];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let a = UnixDatagram::from_mio(a, "`UnixDatagram::pair`")?;
        let b = UnixDatagram {
            io: PollEvented::with_handle(b, a.io.handle())?,
        };
        // As `UnixStream::pair`: fresh buffers are empty, so both ends can
        // send at once, before the driver's first event.
        a.io.assume_ready(WRITABLE);
        b.io.assume_ready(WRITABLE);
        Ok((a, b))
    }

    /// A socket bound to no address: it can send to named sockets with
    /// [`send_to`](Self::send_to), or [`connect`](Self::connect) to one,
    /// but nobody can address a reply to it.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-dgram-unbound-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// use taskcell_executor::net::UnixDatagram;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = UnixDatagram::bind(&path).unwrap();
    /// let client = UnixDatagram::unbound().unwrap();
    /// client.send_to(b"anon", &path).await.unwrap();
    /// let mut buf = [0; 4];
    /// let (_, from) = server.recv_from(&mut buf).await.unwrap();
    /// assert!(from.is_unnamed());
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(
            mio::net::UnixDatagram::unbound()?,
            "`UnixDatagram::unbound`",
        )
    }

    /// Takes over a standard socket (made non-blocking here).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    /// let a = taskcell_executor::net::UnixDatagram::from_std(a).unwrap();
    /// a.send(b"std").await.unwrap();
    /// let mut buf = [0; 3];
    /// assert_eq!(b.recv(&mut buf).unwrap(), 3);
    /// # });
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(
            mio::net::UnixDatagram::from_std(socket),
            "`UnixDatagram::from_std`",
        )
    }

    /// Registers `socket` with the driver of the runtime of the calling
    /// code; `what` names the caller in the panic (also for
    /// `UnixSocket::datagram`).
    #[track_caller]
    pub(super) fn from_mio(socket: mio::net::UnixDatagram, what: &str) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket, what)?,
        })
    }

    /// Gives the socket back as a standard socket, still non-blocking.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixDatagram::pair().unwrap();
    /// let a = a.into_std().unwrap();
    /// assert!(a.peer_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        Ok(super::socket_into_std(self.io.into_inner()?))
    }

    /// Sets the peer that [`send`](Self::send) sends to; from then on
    /// [`recv`](Self::recv) only receives the peer's datagrams.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("taskcell-dgram-connect-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use taskcell_executor::net::UnixDatagram;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = UnixDatagram::bind(dir.join("server")).unwrap();
    /// let client = UnixDatagram::unbound().unwrap();
    /// client.connect(dir.join("server")).unwrap();
    /// client.send(b"hi").await.unwrap();
    /// let mut buf = [0; 2];
    /// assert_eq!(server.recv(&mut buf).await.unwrap(), 2);
    /// # });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        if is_abstract(path) {
            socket2::SockRef::from(self.io.get_ref()).connect(&socket2::SockAddr::unix(path)?)
        } else {
            self.io.get_ref().connect(path)
        }
    }

    /// Sends `buf` to the socket at `target`; returns how many bytes went.
    ///
    /// Cancel-safe: the datagram is sent whole or not at all.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-dgram-send-to-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// use taskcell_executor::net::UnixDatagram;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = UnixDatagram::bind(&path).unwrap();
    /// let client = UnixDatagram::unbound().unwrap();
    /// assert_eq!(client.send_to(b"four", &path).await.unwrap(), 4);
    /// # drop(server);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = target.as_ref();
        poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// Polls to send `buf` to the socket at `target`; see
    /// [`send_to`](Self::send_to).
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-dgram-poll-send-to-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// use std::future::poll_fn;
    /// use taskcell_executor::net::UnixDatagram;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = UnixDatagram::bind(&path).unwrap();
    /// let client = UnixDatagram::unbound().unwrap();
    /// let sent = poll_fn(|cx| client.poll_send_to(cx, b"four", &path)).await.unwrap();
    /// assert_eq!(sent, 4);
    /// # drop(server);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let target = target.as_ref();
        self.io
            .poll_io(cx, Direction::Write, |s| send_to(s, buf, target))
    }

    /// Sends `buf` to the socket at `target` without waiting: `WouldBlock`
    /// if the socket cannot take it now (then wait with
    /// [`writable`](Self::writable)).
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-dgram-try-send-to-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// use taskcell_executor::net::UnixDatagram;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = UnixDatagram::bind(&path).unwrap();
    /// let client = UnixDatagram::unbound().unwrap();
    /// client.writable().await.unwrap();
    /// assert_eq!(client.try_send_to(b"now", &path).unwrap(), 3);
    /// # drop(server);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = target.as_ref();
        self.io
            .try_io(Interest::WRITABLE, |s| send_to(s, buf, target))
    }

    /// Polls to receive one datagram into the unfilled part of tokio's
    /// `ReadBuf`; returns its sender. See
    /// [`recv_from`](Self::recv_from).
    ///
    /// The standard library reads a sender's address only along with the
    /// data into initialised memory, so the unfilled part is zeroed first
    /// where `buf` has not initialised it yet (once per buffer, as
    /// `ReadBuf` remembers it).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tokio::io::ReadBuf;
    #[doc = unix_dgram_pair!()]
    /// b.send(b"poll").await.unwrap();
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!(buf.filled(), b"poll");
    /// assert!(from.is_unnamed());
    /// # });
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, from) = std::task::ready!(self.io.poll_io(cx, Direction::Read, |s| s
            .recv_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(from))
    }

    /// Receives one datagram into `buf`'s spare capacity, and advances
    /// `buf` past it; returns its length and its sender. As
    /// [`recv_buf`](Self::recv_buf), from any sender.
    ///
    /// Unlike tokio's, the spare capacity is zeroed first: the standard
    /// library reads a sender's address only along with data into
    /// initialised memory (see [`poll_recv_from`](Self::poll_recv_from)).
    /// Give a buffer the size of the largest datagram expected, not more.
    ///
    /// Cancel-safe: a datagram is taken only when the future completes.
    ///
    /// ```
    #[doc = unix_dgram_pair!()]
    /// b.send(b"from").await.unwrap();
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = a.recv_buf_from(&mut buf).await.unwrap();
    /// assert_eq!((n, &buf[..]), (4, &b"from"[..]));
    /// assert!(from.is_unnamed());
    /// # });
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |s| recv_buf_from(s, &mut *buf))
        })
        .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting:
    /// `WouldBlock` if no datagram is there yet.
    ///
    /// ```
    /// use std::io;
    #[doc = unix_dgram_pair!()]
    /// let mut buf = Vec::with_capacity(64);
    /// let err = a.try_recv_buf_from(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    /// # drop(b);
    /// # });
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |s| recv_buf_from(s, buf))
    }

    /// This socket's address (unnamed when unbound or made by
    /// [`pair`](Self::pair)).
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UnixDatagram::unbound().unwrap();
    /// assert!(socket.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address (`NotConnected` before
    /// [`connect`](Self::connect)).
    ///
    /// ```
    /// use std::io;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UnixDatagram::unbound().unwrap();
    /// assert_eq!(socket.peer_addr().unwrap_err().kind(), io::ErrorKind::NotConnected);
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// ```
    #[doc = unix_dgram_pair!()]
    /// assert!(a.take_error().unwrap().is_none());
    /// # drop(b);
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Shuts down the receiving half, the sending half or both
    /// (`shutdown(2)`): after `Shutdown::Write`, sends fail; after
    /// `Shutdown::Read`, receives return 0 at once.
    ///
    /// ```
    /// use std::net::Shutdown;
    #[doc = unix_dgram_pair!()]
    /// a.shutdown(Shutdown::Write).unwrap();
    /// assert!(a.send(b"late").await.is_err());
    /// # drop(b);
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

/// Sends `buf` to the socket at `target`, which may be abstract (see
/// `is_abstract`; the standard library takes path names only).
fn send_to(socket: &mio::net::UnixDatagram, buf: &[u8], target: &Path) -> io::Result<usize> {
    if is_abstract(target) {
        socket2::SockRef::from(socket).send_to(buf, &socket2::SockAddr::unix(target)?)
    } else {
        socket.send_to(buf, target)
    }
}

/// One datagram and its sender into `buf`'s spare capacity, zeroed first
/// (the standard library's `recv_from` takes initialised memory only, and
/// is the one that gives a Unix sender's address).
fn recv_buf_from(
    socket: &mio::net::UnixDatagram,
    buf: &mut impl BufMut,
) -> io::Result<(usize, SocketAddr)> {
    super::read_into_buf(buf, |spare| {
        spare.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `spare` was initialised just above, and
        // `MaybeUninit<u8>` has the size and alignment of `u8`.
        let spare = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        socket.recv_from(spare)
    })
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixDatagram")
            .field(self.io.get_ref())
            .finish()
    }
}

readiness_api!(
    UnixDatagram,
    unix_dgram_pair!(),
    "# b.send(b\"x\").await.unwrap();\n"
);
datagram_api!(UnixDatagram, SocketAddr, unix_dgram_pair!());

fd_impls!(UnixDatagram);
