//! [`TcpSocket`]: a TCP socket not yet connected or listening, to set
//! options on and bind before it becomes a [`TcpStream`] or a
//! [`TcpListener`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::{TcpListener, TcpStream};

/// A TCP socket that is neither connected nor listening yet: make one with
/// [`new_v4`](Self::new_v4) or [`new_v6`](Self::new_v6), set options, maybe
/// [`bind`](Self::bind) it, then turn it into a stream with
/// [`connect`](Self::connect) or into a listener with
/// [`listen`](Self::listen). Dropping it closes the socket.
///
/// The socket is non-blocking from the start. It needs no runtime until it
/// becomes a stream or a listener, which registers it with the driver of
/// the runtime of the calling code (as `TcpStream::connect` and
/// `TcpListener::bind` do).
///
/// `TcpListener::bind(addr)` is, on Unix, this with a backlog chosen by
/// `mio`:
///
/// ```
/// use taskcell_executor::net::{TcpSocket, TcpStream};
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.set_reuseaddr(true).unwrap();
///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let listener = socket.listen(1024).unwrap();
///
///     // And `TcpStream::connect(addr)` is this:
///     let socket = TcpSocket::new_v4().unwrap();
///     let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
///     let (_peer, from) = listener.accept().await.unwrap();
///     assert_eq!(from, stream.local_addr().unwrap());
/// });
/// ```
///
/// Options that `TcpSocket` does not offer can be set through the
/// descriptor ([`AsFd`](std::os::fd::AsFd)) with a crate such as `socket2`.
pub struct TcpSocket {
    inner: socket2::Socket,
}

impl TcpSocket {
    /// Makes a non-blocking IPv4 TCP socket (`socket(2)` with `AF_INET`
    /// and `SOCK_STREAM`).
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// assert!(socket.local_addr().unwrap().is_ipv4());
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV4)
    }

    /// Makes a non-blocking IPv6 TCP socket (`socket(2)` with `AF_INET6`
    /// and `SOCK_STREAM`). Fails where the system has no IPv6.
    ///
    /// ```
    /// if let Ok(socket) = taskcell_executor::net::TcpSocket::new_v6() {
    ///     assert!(socket.local_addr().unwrap().is_ipv6());
    /// }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV6)
    }

    fn new(domain: socket2::Domain) -> io::Result<TcpSocket> {
        let inner =
            nonblocking_socket(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_KEEPALIVE`: the system probes an idle connection and
    /// reports a dead peer as an error.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_keepalive(true).unwrap();
    /// assert!(socket.keepalive().unwrap());
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// `SO_KEEPALIVE`; see [`set_keepalive`](Self::set_keepalive).
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_REUSEADDR`: on Unix, [`bind`](Self::bind) may take an
    /// address whose previous connections linger in `TIME_WAIT`, so a
    /// restarted server can listen again at once. (On Windows it lets a
    /// socket take an address in active use; `TcpListener::bind` leaves
    /// it off there.)
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseaddr(true).unwrap();
    /// assert!(socket.reuseaddr().unwrap());
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// `SO_REUSEADDR`; see [`set_reuseaddr`](Self::set_reuseaddr).
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT` (Unix but Solaris, illumos and Cygwin): several
    /// sockets, each with the option set, may bind the same address and
    /// port; on Linux the system spreads incoming connections over their
    /// listeners.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseport(true).unwrap();
    /// assert!(socket.reuseport().unwrap());
    /// ```
    #[cfg(all(
        unix,
        not(target_os = "solaris"),
        not(target_os = "illumos"),
        not(target_os = "cygwin"),
    ))]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// `SO_REUSEPORT`; see [`set_reuseport`](Self::set_reuseport).
    #[cfg(all(
        unix,
        not(target_os = "solaris"),
        not(target_os = "illumos"),
        not(target_os = "cygwin"),
    ))]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF`, the size of the send buffer. The system may round
    /// it (Linux doubles it for its own bookkeeping), so
    /// [`send_buffer_size`](Self::send_buffer_size) may read back more.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_send_buffer_size(64 * 1024).unwrap();
    /// assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(to_usize(size))
    }

    /// `SO_SNDBUF`; see [`set_send_buffer_size`](Self::set_send_buffer_size).
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(to_u32)
    }

    /// Sets `SO_RCVBUF`, the size of the receive buffer; the system may
    /// round it as [`set_send_buffer_size`](Self::set_send_buffer_size)
    /// says. Set it before [`connect`](Self::connect) or
    /// [`listen`](Self::listen): the TCP window scale is agreed on then.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_recv_buffer_size(64 * 1024).unwrap();
    /// assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(to_usize(size))
    }

    /// `SO_RCVBUF`; see [`set_recv_buffer_size`](Self::set_recv_buffer_size).
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(to_u32)
    }

    /// Sets `SO_LINGER`, as [`TcpStream::set_linger`] does: with a non-zero
    /// duration, dropping the stream blocks the dropping thread until unsent
    /// data is out or the time is up (tokio deprecates this method for that
    /// reason; here it stays, with this warning).
    ///
    /// ```
    /// use std::time::Duration;
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_linger(Some(Duration::from_secs(1))).unwrap();
    /// assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(1)));
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Sets a zero `SO_LINGER`: closing resets the connection at once,
    /// discarding unsent data, and the peer reads an error instead of EOF.
    /// Never blocks.
    ///
    /// ```
    /// use std::time::Duration;
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_zero_linger().unwrap();
    /// assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    /// `SO_LINGER`; see [`set_linger`](Self::set_linger).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting
    /// to be merged (Nagle's algorithm). The stream made by
    /// [`connect`](Self::connect), or accepted by the listener made by
    /// [`listen`](Self::listen) on Linux, inherits it.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_nodelay(true).unwrap();
    /// assert!(socket.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// `TCP_NODELAY`; see [`set_nodelay`](Self::set_nodelay).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `IP_TOS`: the type-of-service byte (DSCP and ECN) of the IPv4
    /// packets this socket sends.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.set_tos_v4(0x10).unwrap();
    /// assert_eq!(socket.tos_v4().unwrap(), 0x10);
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// `IP_TOS`; see [`set_tos_v4`](Self::set_tos_v4).
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// [`set_tos_v4`](Self::set_tos_v4), under tokio's older name.
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// [`tos_v4`](Self::tos_v4), under tokio's older name.
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets `IPV6_TCLASS`: the traffic class (DSCP and ECN) of the IPv6
    /// packets this socket sends; the IPv6 twin of
    /// [`set_tos_v4`](Self::set_tos_v4).
    ///
    /// ```
    /// if let Ok(socket) = taskcell_executor::net::TcpSocket::new_v6() {
    ///     socket.set_tclass_v6(0x10).unwrap();
    ///     assert_eq!(socket.tclass_v6().unwrap(), 0x10);
    /// }
    /// ```
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin",
    ))]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        self.inner.set_tclass_v6(tclass)
    }

    /// `IPV6_TCLASS`; see [`set_tclass_v6`](Self::set_tclass_v6).
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin",
    ))]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.inner.tclass_v6()
    }

    /// The network interface this socket is bound to (`SO_BINDTODEVICE`),
    /// if any (Linux, Android, Fuchsia).
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(socket.device().unwrap(), None);
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        self.inner.device()
    }

    /// Sets `SO_BINDTODEVICE` (Linux, Android, Fuchsia): only packets of
    /// the interface named `interface` (such as `b"eth0"`) reach this
    /// socket, and its packets leave through it. `None` removes the
    /// binding. Binding may need `CAP_NET_RAW`, depending on the kernel.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// socket.bind_device(None).unwrap();
    /// assert_eq!(socket.device().unwrap(), None);
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        self.inner.bind_device(interface)
    }

    /// The address this socket is bound to (the unspecified address and
    /// port 0 before [`bind`](Self::bind)).
    ///
    /// ```
    /// use taskcell_executor::net::TcpSocket;
    /// let socket = TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// let addr = socket.local_addr().unwrap();
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        let addr = self.inner.local_addr()?;
        addr.as_socket().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the socket's address is neither IPv4 nor IPv6",
            )
        })
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// ```
    /// let socket = taskcell_executor::net::TcpSocket::new_v4().unwrap();
    /// assert!(socket.take_error().unwrap().is_none());
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr` (`bind(2)`): the local address of the
    /// stream or listener it becomes. Port 0 lets the system pick a port.
    ///
    /// ```
    /// use taskcell_executor::net::TcpSocket;
    /// let socket = TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr` and returns the connected stream, registered
    /// with the driver of the runtime of the calling code. A refused
    /// connection, or one that fails later in its handshake, is an error
    /// (`ConnectionRefused`, …).
    ///
    /// Dropping the future abandons the connection under way and closes
    /// the socket.
    ///
    /// Unlike tokio, a socket that is still blocking (one made by
    /// [`from_std_stream`](Self::from_std_stream) or `from_raw_fd`) is
    /// made non-blocking first, so the connect never blocks the thread.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    ///
    /// ```
    /// use taskcell_executor::net::{TcpListener, TcpSocket};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let socket = TcpSocket::new_v4().unwrap();
    /// socket.set_nodelay(true).unwrap();
    /// let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// # });
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        self.inner.set_nonblocking(true)?;
        if let Err(err) = self.inner.connect(&addr.into()) {
            if !connect_in_progress(&err) {
                return Err(err);
            }
        }
        let stream = mio::net::TcpStream::from_std(self.inner.into());
        TcpStream::connect_mio(stream, "`TcpSocket::connect`").await
    }

    /// Listens for connections, with room for `backlog` connections that
    /// have not been accepted yet (the system may cap it), and returns the
    /// listener, registered with the driver of the runtime of the calling
    /// code. Bind the socket first, or the system picks an address.
    ///
    /// As in tokio, a socket that is still blocking is made non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// use taskcell_executor::net::{TcpSocket, TcpStream};
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// let listener = socket.listen(128).unwrap();
    /// let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (_stream, _peer) = listener.accept().await.unwrap();
    /// # });
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.set_nonblocking(true)?;
        // Above `i32::MAX`, tokio's cast turns negative, which the systems
        // read as "the largest backlog": the same as the clamp.
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        let listener = mio::net::TcpListener::from_std(self.inner.into());
        TcpListener::from_mio(listener, "`TcpSocket::listen`")
    }

    /// Takes over a standard stream's socket, which must not be connected
    /// yet: the way to use a socket set up with `socket2` or by other code.
    ///
    /// tokio asks the caller to make the socket non-blocking; here
    /// [`connect`](Self::connect) and [`listen`](Self::listen) do it.
    ///
    /// ```
    /// use socket2::{Domain, Socket, Type};
    /// use taskcell_executor::net::TcpSocket;
    ///
    /// let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    /// socket.set_tcp_nodelay(true).unwrap();
    /// let socket = TcpSocket::from_std_stream(socket.into());
    /// assert!(socket.nodelay().unwrap());
    /// ```
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            inner: socket2::Socket::from(std_stream),
        }
    }
}

/// A new non-blocking socket (`socket(2)`) of any domain and type.
/// socket2 sets close-on-exec itself; where the type can carry
/// `SOCK_NONBLOCK`, one system call makes the socket, as tokio's does.
pub(super) fn nonblocking_socket(
    domain: socket2::Domain,
    ty: socket2::Type,
    protocol: Option<socket2::Protocol>,
) -> io::Result<socket2::Socket> {
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "illumos",
        target_os = "linux",
        target_os = "netbsd",
        target_os = "openbsd",
    ))]
    let socket = socket2::Socket::new(domain, ty.nonblocking(), protocol)?;
    #[cfg(not(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "illumos",
        target_os = "linux",
        target_os = "netbsd",
        target_os = "openbsd",
    )))]
    let socket = {
        // Dropped, and so closed, if this fails.
        let socket = socket2::Socket::new(domain, ty, protocol)?;
        socket.set_nonblocking(true)?;
        socket
    };
    Ok(socket)
}

/// Whether a non-blocking `connect(2)` failed only because the handshake
/// is under way (it then finishes when the socket turns writable).
pub(super) fn connect_in_progress(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::EINPROGRESS)
    }
    #[cfg(not(unix))]
    {
        err.kind() == io::ErrorKind::WouldBlock
    }
}

/// A buffer size for the system, which takes a `usize` that fits a `u32`
/// wherever this crate builds (or saturates).
fn to_usize(size: u32) -> usize {
    usize::try_from(size).unwrap_or(usize::MAX)
}

/// A buffer size the system reported, as tokio's `u32` (saturating).
fn to_u32(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpSocket").field(&self.inner).finish()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for TcpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::FromRawFd for TcpSocket {
    /// Takes over `fd`, a TCP socket that is not connected or listening
    /// yet; see [`TcpSocket::from_std_stream`].
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket that nothing else owns (`FromRawFd`'s
    /// contract).
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: our caller promises that `fd` is an open socket owned
            // by nothing else, which is `Socket::from_raw_fd`'s contract.
            inner: unsafe { socket2::Socket::from_raw_fd(fd) },
        }
    }
}

#[cfg(unix)]
impl std::os::fd::IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> std::os::fd::RawFd {
        self.inner.into_raw_fd()
    }
}
