//! [`UnixSocket`] (Unix only): a Unix-domain socket not yet connected or
//! listening, to set up and bind before it becomes a [`UnixStream`], a
//! [`UnixListener`] or a [`UnixDatagram`].

use std::io;
use std::path::Path;

use super::tcp_socket::{connect_in_progress, nonblocking_socket};
use super::unix::abstract_addr;
use super::{UnixDatagram, UnixListener, UnixStream};
use crate::driver::io::io_handle;

/// A Unix-domain socket that is neither connected nor listening yet, the
/// Unix counterpart of [`TcpSocket`](super::TcpSocket): make a stream
/// socket with [`new_stream`](Self::new_stream) or a datagram socket with
/// [`new_datagram`](Self::new_datagram), set options through its
/// descriptor, maybe [`bind`](Self::bind) it, then turn a stream socket
/// into a listener with [`listen`](Self::listen) or a stream with
/// [`connect`](Self::connect), and a datagram socket into a
/// [`UnixDatagram`] with [`datagram`](Self::datagram). Dropping it closes
/// the socket (a file that `bind` made stays, as with every Unix socket).
///
/// The socket is non-blocking from the start. It needs no runtime until it
/// becomes a listener, a stream or a datagram socket, which registers it
/// with the driver of the runtime of the calling code.
///
/// As in tokio: on Linux and Android a path that starts with a NUL byte
/// names a socket in the abstract namespace; `listen` and `connect` on a
/// datagram socket, and `datagram` on a stream socket, are errors of kind
/// `Other` with tokio's messages. Unlike tokio, a path with a NUL byte
/// inside it (or, outside Linux and Android, at its start) is an
/// `InvalidInput` error, as the standard library's sockets have it, not
/// cut short at the NUL; and `listen`, `connect` and `datagram` make a
/// still-blocking socket (one from `from_raw_fd`) non-blocking.
///
/// ```
/// use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
/// use taskcell_executor::net::UnixSocket;
///
/// let dir = std::env::temp_dir().join(format!("taskcell-usock-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("server.sock");
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let socket = UnixSocket::new_stream().unwrap();
///     socket.bind(&path).unwrap();
///     let listener = socket.listen(1024).unwrap();
///
///     let mut client = UnixSocket::new_stream().unwrap().connect(&path).await.unwrap();
///     let (mut server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct UnixSocket {
    inner: socket2::Socket,
}

impl UnixSocket {
    /// Makes a non-blocking Unix-domain datagram socket (`socket(2)` with
    /// `AF_UNIX` and `SOCK_DGRAM`), for [`datagram`](Self::datagram).
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UnixSocket::new_datagram().unwrap();
    /// let datagram = socket.datagram().unwrap();
    /// assert!(datagram.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::DGRAM)
    }

    /// Makes a non-blocking Unix-domain stream socket (`socket(2)` with
    /// `AF_UNIX` and `SOCK_STREAM`), for [`listen`](Self::listen) or
    /// [`connect`](Self::connect).
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// let socket = taskcell_executor::net::UnixSocket::new_stream().unwrap();
    /// let fd = socket.as_fd();
    /// assert_eq!(socket2::SockRef::from(&fd).r#type().unwrap(), socket2::Type::STREAM);
    /// ```
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::STREAM)
    }

    fn new(ty: socket2::Type) -> io::Result<UnixSocket> {
        let inner = nonblocking_socket(socket2::Domain::UNIX, ty, None)?;
        Ok(UnixSocket { inner })
    }

    /// Binds the socket to `path` (`bind(2)`), which makes a socket file
    /// there; it fails if one exists. On Linux and Android a path that
    /// starts with a NUL byte names a socket in the abstract namespace
    /// instead, and makes no file.
    ///
    /// Needs no runtime, as in tokio.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("taskcell-usock-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = taskcell_executor::net::UnixSocket::new_stream().unwrap();
    /// socket.bind(&path).unwrap();
    /// assert!(path.exists());
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&sock_addr(path.as_ref())?)
    }

    /// Listens for connections, with room for `backlog` connections that
    /// have not been accepted yet (the system may cap it), and returns the
    /// listener, registered with the driver of the runtime of the calling
    /// code. Bind the socket first: an unbound one gets an address nobody
    /// can name (Linux gives it an abstract one).
    ///
    /// On a datagram socket, an error of kind `Other`: "listen cannot be
    /// called on a datagram socket", as tokio's.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (the socket is then closed
    /// without having listened).
    ///
    /// ```
    /// use taskcell_executor::net::{UnixSocket, UnixStream};
    /// # let path = std::env::temp_dir().join(format!("taskcell-usock-listen-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UnixSocket::new_stream().unwrap();
    /// socket.bind(&path).unwrap();
    /// let listener = socket.listen(128).unwrap();
    /// let _client = UnixStream::connect(&path).await.unwrap();
    /// let (_stream, _peer) = listener.accept().await.unwrap();
    ///
    /// let err = UnixSocket::new_datagram().unwrap().listen(128).unwrap_err();
    /// assert_eq!(err.to_string(), "listen cannot be called on a datagram socket");
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        self.refuse(
            socket2::Type::DGRAM,
            "listen cannot be called on a datagram socket",
        )?;
        // The runtime first: a panic for the lack of one leaves no socket
        // that clients could connect to.
        let handle = io_handle("`UnixSocket::listen`");
        self.inner.set_nonblocking(true)?;
        // As `TcpSocket::listen`: above `i32::MAX`, the largest backlog.
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        let listener = mio::net::UnixListener::from_std(self.inner.into());
        UnixListener::with_handle(listener, &handle)
    }

    /// Connects to the socket at `path` and returns the connected stream,
    /// registered with the driver of the runtime of the calling code. A
    /// path with no socket is an error (`NotFound`), as is a socket nobody
    /// listens on (`ConnectionRefused`) and, on Linux, a listener whose
    /// backlog is full (`WouldBlock`, as in tokio). Paths are read as by
    /// [`bind`](Self::bind).
    ///
    /// On a datagram socket, an error of kind `Other`: "connect cannot be
    /// called on a datagram socket", as tokio's.
    ///
    /// Dropping the future before it is done closes the socket.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled, when first polled, before the
    /// connect reaches any listener.
    ///
    /// ```
    /// use taskcell_executor::net::{UnixListener, UnixSocket};
    /// # let path = std::env::temp_dir().join(format!("taskcell-usock-connect-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = UnixListener::bind(&path).unwrap();
    /// let stream = UnixSocket::new_stream().unwrap().connect(&path).await.unwrap();
    /// assert_eq!(stream.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///
    /// let err = UnixSocket::new_datagram().unwrap().connect(&path).await.unwrap_err();
    /// assert_eq!(err.to_string(), "connect cannot be called on a datagram socket");
    /// # drop(listener);
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        self.refuse(
            socket2::Type::DGRAM,
            "connect cannot be called on a datagram socket",
        )?;
        // The runtime first: a panic for the lack of one connects nothing.
        let handle = io_handle("`UnixSocket::connect`");
        let addr = sock_addr(path.as_ref())?;
        self.inner.set_nonblocking(true)?;
        // As tokio's (`UnixSocket::connect`): only `EINPROGRESS` means "under
        // way"; the stream is then connected once it turns writable, and
        // `SO_ERROR` says whether that was a failure.
        if let Err(err) = self.inner.connect(&addr) {
            if !connect_in_progress(&err) {
                return Err(err);
            }
        }
        let stream = mio::net::UnixStream::from_std(self.inner.into());
        UnixStream::connect_mio(stream, &handle).await
    }

    /// Turns a datagram socket into a [`UnixDatagram`], registered with the
    /// driver of the runtime of the calling code.
    ///
    /// On a stream socket, an error of kind `Other`: "datagram cannot be
    /// called on a stream socket", as tokio's.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::net::UnixSocket;
    /// # let path = std::env::temp_dir().join(format!("taskcell-usock-dgram-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UnixSocket::new_datagram().unwrap();
    /// socket.bind(&path).unwrap();
    /// let server = socket.datagram().unwrap();
    ///
    /// let client = UnixSocket::new_datagram().unwrap().datagram().unwrap();
    /// client.send_to(b"ping", &path).await.unwrap();
    /// let mut buf = [0; 4];
    /// assert_eq!(server.recv(&mut buf).await.unwrap(), 4);
    ///
    /// let err = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
    /// assert_eq!(err.to_string(), "datagram cannot be called on a stream socket");
    /// # });
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        self.refuse(
            socket2::Type::STREAM,
            "datagram cannot be called on a stream socket",
        )?;
        self.inner.set_nonblocking(true)?;
        let socket = mio::net::UnixDatagram::from_std(self.inner.into());
        UnixDatagram::from_mio(socket, "`UnixSocket::datagram`")
    }

    /// `Err` with `msg` (kind `Other`, as tokio's) if the socket's type
    /// (`SO_TYPE`) is `ty`.
    fn refuse(&self, ty: socket2::Type, msg: &'static str) -> io::Result<()> {
        if self.inner.r#type()? == ty {
            return Err(io::Error::other(msg));
        }
        Ok(())
    }
}

/// The address `path` names: an abstract one where [`abstract_addr`] finds
/// one, otherwise a path, which the standard library checks as its own
/// sockets do (no NUL byte, short enough for `sun_path`).
fn sock_addr(path: &Path) -> io::Result<socket2::SockAddr> {
    match abstract_addr(path) {
        // socket2 reads a leading NUL as the abstract namespace too, and
        // builds the same bytes as std's `from_abstract_name`, which checked
        // the name's length.
        Some(addr) => {
            addr?;
        }
        None => {
            std::os::unix::net::SocketAddr::from_pathname(path)?;
        }
    }
    socket2::SockAddr::unix(path)
}

impl std::os::fd::AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl std::os::fd::AsFd for UnixSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl std::os::fd::FromRawFd for UnixSocket {
    /// Takes over `fd`, a Unix-domain socket that is not connected or
    /// listening yet. Unlike tokio, it need not be non-blocking:
    /// [`listen`](UnixSocket::listen), [`connect`](UnixSocket::connect) and
    /// [`datagram`](UnixSocket::datagram) make it so.
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket that nothing else owns (`FromRawFd`'s
    /// contract).
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> UnixSocket {
        UnixSocket {
            // SAFETY: our caller promises that `fd` is an open socket owned
            // by nothing else, which is `Socket::from_raw_fd`'s contract.
            inner: unsafe { socket2::Socket::from_raw_fd(fd) },
        }
    }
}

impl std::os::fd::IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> std::os::fd::RawFd {
        self.inner.into_raw_fd()
    }
}
