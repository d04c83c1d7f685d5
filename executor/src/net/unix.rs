//! Unix-domain sockets (Unix only): [`UnixListener`] and [`UnixStream`]
//! (also at [`net`](crate::net)'s root), the halves of a split
//! `UnixStream`, and [`UCred`], a peer's credentials; and [`pipe`],
//! anonymous pipes and FIFOs, as tokio's `net::unix::pipe`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::path::Path;
use std::task::{Context, Poll};

use crate::driver::io::scheduled_io::{READABLE, WRITABLE};
use crate::driver::io::{io_handle, Direction, PollEvented};
use crate::scheduler::Handle;

pub use super::ucred::{gid_t, pid_t, uid_t, UCred};
/// A Unix socket's address: std's own type, which tokio wraps as
/// `tokio::net::unix::SocketAddr` with the same methods (`is_unnamed`,
/// `as_pathname`; `as_abstract_name` through std's `SocketAddrExt` on
/// Linux and Android). Every Unix socket here returns it.
pub use std::os::unix::net::SocketAddr;

// `pipe_reader_io!` and `pipe_writer_io!`, for `process`'s child pipes.
#[macro_use]
pub mod pipe;

/// Whether `path` names a socket in the abstract namespace: on Linux and
/// Android, a path whose first byte is NUL (`"\0name"`), as tokio reads
/// it. Never elsewhere.
pub(super) fn is_abstract(path: &Path) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().first() == Some(&0)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = path;
        false
    }
}

/// The abstract-namespace address a path names (see [`is_abstract`]);
/// `None` for any other path, and everywhere but Linux and Android.
pub(super) fn abstract_addr(path: &Path) -> Option<io::Result<SocketAddr>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        is_abstract(path).then(|| SocketAddr::from_abstract_name(&path.as_os_str().as_bytes()[1..]))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = path;
        None
    }
}

/// A Unix-domain socket listening for connections.
///
/// ```
/// use taskcell_executor::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("taskcell-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = taskcell_executor::spawn({
///         let path = path.clone();
///         async move { UnixStream::connect(path).await }
///     });
///     let (_stream, _addr) = listener.accept().await.unwrap();
///     client.await.unwrap().unwrap();
/// });
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::UnixListener::bind(&path).unwrap();
    /// assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    ///
    /// On Linux and Android a path that starts with a NUL byte names a
    /// socket in the abstract namespace, as in tokio.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        // The runtime first: a panic for the lack of one leaves no socket
        // file behind.
        let handle = io_handle("`UnixListener::bind`");
        let listener = match abstract_addr(path.as_ref()) {
            Some(addr) => mio::net::UnixListener::bind_addr(&addr?)?,
            None => mio::net::UnixListener::bind(path)?,
        };
        UnixListener::with_handle(listener, &handle)
    }

    /// Registers `listener` with the driver of `handle`'s runtime, one that
    /// [`io_handle`] found (for `UnixSocket::listen`).
    pub(super) fn with_handle(
        listener: mio::net::UnixListener,
        handle: &Handle,
    ) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: PollEvented::with_handle(listener, handle)?,
        })
    }

    /// Waits for a connection and accepts it.
    ///
    /// Cancel-safe: a connection is taken only when the future completes.
    /// Any number of tasks may wait here on one listener; each is woken.
    ///
    /// ```
    /// # use taskcell_executor::net::{UnixListener, UnixStream};
    /// # let path = std::env::temp_dir().join(format!("taskcell-accept-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = UnixListener::bind(&path).unwrap();
    /// let _client = UnixStream::connect(&path).await.unwrap();
    /// let (stream, _addr) = listener.accept().await.unwrap();
    /// # drop(stream);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; see [`accept`](Self::accept).
    ///
    /// ```
    /// # use std::future::poll_fn;
    /// # use taskcell_executor::net::{UnixListener, UnixStream};
    /// # let path = std::env::temp_dir().join(format!("taskcell-poll-accept-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = UnixListener::bind(&path).unwrap();
    /// let _client = UnixStream::connect(&path).await.unwrap();
    /// let (_stream, _addr) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        match self.io.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                let io = PollEvented::with_handle(stream, self.io.handle())?;
                // As `TcpListener::poll_accept`, and tokio's.
                io.assume_ready(READABLE | WRITABLE);
                Poll::Ready(Ok((UnixStream { io }, addr)))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The address this listener is bound to.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-addr-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::UnixListener::bind(&path).unwrap();
    /// assert!(listener.local_addr().unwrap().as_pathname().is_some());
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Binds to `addr`, a socket address made beforehand (on Linux, one in
    /// the abstract namespace too: `SocketAddr::from_abstract_name`).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use std::os::unix::net::SocketAddr;
    /// # let path = std::env::temp_dir().join(format!("taskcell-bind-addr-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let addr = SocketAddr::from_pathname(&path).unwrap();
    /// let listener = taskcell_executor::net::UnixListener::bind_addr(&addr).unwrap();
    /// let stream = taskcell_executor::net::UnixStream::connect_addr(&addr).await.unwrap();
    /// assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # drop(stream);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        let handle = io_handle("`UnixListener::bind_addr`");
        let listener = mio::net::UnixListener::bind_addr(addr)?;
        Ok(UnixListener {
            io: PollEvented::with_handle(listener, &handle)?,
        })
    }

    /// Gives the socket back as a standard listener, still non-blocking.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-listener-into-std-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = taskcell_executor::net::UnixListener::bind(&path).unwrap();
    /// let std_listener = listener.into_std().unwrap();
    /// assert!(std_listener.local_addr().unwrap().as_pathname().is_some());
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        let listener = self.io.into_inner()?;
        Ok(super::socket_into_std(listener))
    }

    /// Takes over a standard listener (made non-blocking here).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-from-std-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let listener = taskcell_executor::net::UnixListener::from_std(std_listener).unwrap();
    /// # drop(listener);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: PollEvented::new(
                mio::net::UnixListener::from_std(listener),
                "`UnixListener::from_std`",
            )?,
        })
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixListener")
            .field(self.io.get_ref())
            .finish()
    }
}

/// A Unix-domain stream; reads and writes as [`TcpStream`] does.
///
/// [`TcpStream`]: crate::net::TcpStream
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (mut a, mut b) = taskcell_executor::net::UnixStream::pair().unwrap();
///     a.write_all(b"over").await.unwrap();
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"over");
/// });
/// ```
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    ///
    /// ```
    /// # use taskcell_executor::net::{UnixListener, UnixStream};
    /// # let path = std::env::temp_dir().join(format!("taskcell-connect-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = UnixListener::bind(&path).unwrap();
    /// let stream = UnixStream::connect(&path).await.unwrap();
    /// assert_eq!(stream.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    ///
    /// On Linux and Android a path that starts with a NUL byte names a
    /// socket in the abstract namespace, as in tokio.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        // The runtime first: a panic for the lack of one connects nothing.
        let handle = io_handle("`UnixStream::connect`");
        let socket = match abstract_addr(path.as_ref()) {
            Some(addr) => mio::net::UnixStream::connect_addr(&addr?)?,
            None => mio::net::UnixStream::connect(path)?,
        };
        UnixStream::connect_mio(socket, &handle).await
    }

    /// Registers `socket`, whose non-blocking `connect(2)` has begun, with
    /// the driver of `handle`'s runtime (one that [`io_handle`] found), and
    /// waits for the connect to finish (for `UnixSocket::connect` too).
    pub(super) async fn connect_mio(
        socket: mio::net::UnixStream,
        handle: &Handle,
    ) -> io::Result<UnixStream> {
        let stream = UnixStream {
            io: PollEvented::with_handle(socket, handle)?,
        };
        stream.connected().await?;
        Ok(stream)
    }

    /// Waits for a non-blocking connect to finish.
    async fn connected(&self) -> io::Result<()> {
        poll_fn(|cx| self.io.poll_ready(cx, Direction::Write)).await?;
        match self.io.get_ref().take_error()? {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// A connected pair of streams.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// assert!(a.peer_addr().unwrap().is_unnamed() && b.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        let a = UnixStream {
            io: PollEvented::new(a, "`UnixStream::pair`")?,
        };
        let b = UnixStream {
            io: PollEvented::with_handle(b, a.io.handle())?,
        };
        // As tokio's: a fresh pair's buffers are empty, so both ends are
        // writable now (and readable once the other writes).
        a.io.assume_ready(WRITABLE);
        b.io.assume_ready(WRITABLE);
        Ok((a, b))
    }

    /// This end's address.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// assert!(a.peer_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// assert!(a.take_error().unwrap().is_none());
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// The credentials of the peer process: that of the process that
    /// connected (for an accepted stream) or listened (for a connected
    /// one), or made the pair, as they were then (`SO_PEERCRED`; Linux and
    /// Android).
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// assert_eq!(a.peer_cred().unwrap().pid(), Some(std::process::id() as i32));
    /// # });
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn peer_cred(&self) -> io::Result<UCred> {
        use std::os::fd::AsFd;
        super::ucred::peer_cred(self.io.get_ref().as_fd())
    }

    /// Connects to `addr`, a socket address made beforehand; see
    /// [`UnixListener::bind_addr`].
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        let stream = UnixStream {
            io: PollEvented::new(
                mio::net::UnixStream::connect_addr(addr)?,
                "`UnixStream::connect_addr`",
            )?,
        };
        stream.connected().await?;
        Ok(stream)
    }

    /// Gives the socket back as a standard stream, still non-blocking.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, _b) = taskcell_executor::net::UnixStream::pair().unwrap();
    /// let std_stream = a.into_std().unwrap();
    /// assert!(std_stream.peer_addr().is_ok());
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        let stream = self.io.into_inner()?;
        Ok(super::socket_into_std(stream))
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
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = taskcell_executor::net::UnixStream::from_std(a).unwrap();
    /// # drop(a);
    /// # });
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: PollEvented::new(
                mio::net::UnixStream::from_std(stream),
                "`UnixStream::from_std`",
            )?,
        })
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixStream")
            .field(self.io.get_ref())
            .finish()
    }
}

stream_io!(UnixStream, |s| s.io);
stream_io!(&UnixStream, |s| s.io);

/// A doc test's preamble: `a` and `b`, a connected pair.
macro_rules! unix_pair {
    () => {
        "# use taskcell_executor::net::UnixStream;\n\
         # let rt = taskcell_executor::Runtime::new().unwrap();\n\
         # rt.block_on(async {\n\
         # let (a, b) = UnixStream::pair().unwrap();\n"
    };
}

readiness_api!(
    UnixStream,
    unix_pair!(),
    "# b.writable().await.unwrap();\n# b.try_write(b\"x\").unwrap();\n"
);
stream_try_api!(UnixStream, unix_pair!());
stream_halves!(UnixStream, unix_pair!(), peek:);

#[cfg(feature = "hyper")]
hyper_io!(UnixStream, |s| &s.io);

fd_impls!(UnixListener, UnixStream);
