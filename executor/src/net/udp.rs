//! [`UdpSocket`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{Context, Poll};

use bytes::BufMut;

use super::{each_addr, socket_into_std, ToSocketAddrs};
use crate::driver::io::{Direction, PollEvented};
use crate::io::Interest;

/// A doc test's preamble: `a` and `b`, two sockets connected to each other.
macro_rules! udp_pair {
    () => {
        "# use taskcell_executor::net::UdpSocket;\n\
         # let rt = taskcell_executor::Runtime::new().unwrap();\n\
         # rt.block_on(async {\n\
         # let a = UdpSocket::bind(\"127.0.0.1:0\").await.unwrap();\n\
         # let b = UdpSocket::bind(\"127.0.0.1:0\").await.unwrap();\n\
         # a.connect(b.local_addr().unwrap()).await.unwrap();\n\
         # b.connect(a.local_addr().unwrap()).await.unwrap();\n"
    };
}

/// A UDP socket. Every operation takes `&self`, so one task may receive
/// while another sends.
///
/// ```
/// use taskcell_executor::net::UdpSocket;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 8];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (the first of its addresses that works).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled (when first polled).
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            let socket = mio::net::UdpSocket::bind(addr)?;
            Ok(UdpSocket {
                io: PollEvented::new(socket, "`UdpSocket::bind`")?,
            })
        })
        .await
    }

    /// Sets the peer that [`send`](Self::send) sends to and
    /// [`recv`](Self::recv) receives from.
    ///
    /// ```
    /// use taskcell_executor::net::UdpSocket;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// a.send(b"one").await.unwrap();
    /// let mut buf = [0; 3];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let io = self.io.get_ref();
        each_addr(addr, |addr| async move { io.connect(addr) }).await
    }

    /// Sends `buf` to `target`; returns how many bytes went.
    ///
    /// Cancel-safe: the datagram is sent whole or not at all. A host name
    /// as `target` is looked up on the blocking pool first (see the module
    /// docs).
    ///
    /// ```
    /// # use taskcell_executor::net::UdpSocket;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let sent = socket.send_to(b"ping", socket.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(sent, 4);
    /// # });
    /// ```
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        each_addr(target, |target| {
            poll_fn(move |cx| self.poll_send_to(cx, buf, target))
        })
        .await
    }

    /// Polls to send `buf` to `target`; see [`send_to`](Self::send_to).
    /// `target` is an address, not a name: there is no lookup that could
    /// block.
    ///
    /// ```
    /// use std::future::poll_fn;
    #[doc = udp_pair!()]
    /// let to = b.local_addr().unwrap();
    /// assert_eq!(poll_fn(|cx| a.poll_send_to(cx, b"poll", to)).await.unwrap(), 4);
    /// let mut buf = [0; 4];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
    /// # });
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
    }

    /// This socket's address.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
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
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let socket = taskcell_executor::net::UdpSocket::from_std(std_socket).unwrap();
    /// # drop(socket);
    /// # });
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(
                mio::net::UdpSocket::from_std(socket),
                "`UdpSocket::from_std`",
            )?,
        })
    }

    /// Gives the socket back as a standard socket, still non-blocking.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let addr = socket.local_addr().unwrap();
    /// assert_eq!(socket.into_std().unwrap().local_addr().unwrap(), addr);
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        Ok(socket_into_std(self.io.into_inner()?))
    }
}

readiness_api!(UdpSocket, udp_pair!(), "# b.send(b\"x\").await.unwrap();\n");
datagram_api!(UdpSocket, SocketAddr, udp_pair!());

/// The UDP side of the readiness API: sends to an address, `peek`, and
/// socket options.
impl UdpSocket {
    /// Sends `buf` to `target` without waiting: `WouldBlock` if the
    /// socket's buffer is full. `target` is an address, not a name: there
    /// is no lookup that could block.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// socket.writable().await.unwrap();
    /// assert_eq!(socket.try_send_to(b"hi", socket.local_addr().unwrap()).unwrap(), 2);
    /// # });
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives one datagram into `buf`'s spare capacity, and advances
    /// `buf` past it; returns its length and its sender. As
    /// [`recv_buf`](Self::recv_buf), from any sender.
    ///
    /// Cancel-safe: a datagram is taken only when the future completes.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// b.send(b"from").await.unwrap();
    /// let mut buf = Vec::with_capacity(1500);
    /// let (n, from) = a.recv_buf_from(&mut buf).await.unwrap();
    /// assert_eq!((n, from), (4, b.local_addr().unwrap()));
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
    #[doc = udp_pair!()]
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

    /// Polls to receive one datagram into the unfilled part of tokio's
    /// `ReadBuf`, uninitialised memory included;
    /// returns its sender. See [`recv_from`](Self::recv_from).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// use tokio::io::ReadBuf;
    #[doc = udp_pair!()]
    /// b.send(b"poll").await.unwrap();
    /// let mut storage = [MaybeUninit::uninit(); 16];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// let from = poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!((buf.filled(), from), (&b"poll"[..], b.local_addr().unwrap()));
    /// # });
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        super::poll_recv_read_buf(&self.io, cx, buf, |s, spare| {
            ip_received(s.recv_from(spare)?)
        })
    }

    /// Sets `IP_TOS`: the type-of-service byte of the IPv4 packets this
    /// socket sends (DSCP and ECN).
    ///
    /// ```
    #[doc = udp_pair!()]
    /// a.set_tos_v4(0x10).unwrap();
    /// assert_eq!(a.tos_v4().unwrap(), 0x10);
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tos_v4(tos)
    }

    /// `IP_TOS`; see [`set_tos_v4`](Self::set_tos_v4).
    pub fn tos_v4(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.io.get_ref()).tos_v4()
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
    /// [`set_tos_v4`](Self::set_tos_v4). As tokio's, on the platforms
    /// that have the option.
    ///
    /// ```
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use taskcell_executor::net::UdpSocket;
    /// if let Ok(socket) = UdpSocket::bind("[::1]:0").await {
    ///     socket.set_tclass_v6(0x10).unwrap();
    ///     assert_eq!(socket.tclass_v6().unwrap(), 0x10);
    /// }
    /// # });
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
        socket2::SockRef::from(self.io.get_ref()).set_tclass_v6(tclass)
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
        socket2::SockRef::from(self.io.get_ref()).tclass_v6()
    }

    /// The network interface this socket is bound to (`SO_BINDTODEVICE`),
    /// if any (Linux, Android, Fuchsia).
    ///
    /// ```
    #[doc = udp_pair!()]
    /// assert_eq!(a.device().unwrap(), None);
    /// # drop(b);
    /// # });
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        socket2::SockRef::from(self.io.get_ref()).device()
    }

    /// Sets `SO_BINDTODEVICE` (Linux, Android, Fuchsia): only packets of
    /// the interface named `interface` (such as `b"eth0"`) reach this
    /// socket, and its packets leave through it. `None` removes the
    /// binding. Binding may need `CAP_NET_RAW`, depending on the kernel.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// a.bind_device(None).unwrap();
    /// assert_eq!(a.device().unwrap(), None);
    /// # drop(b);
    /// # });
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).bind_device(interface)
    }

    /// Waits for a datagram and copies it into `buf` without taking it:
    /// the next receive gets it again. Returns its length (cut to `buf`'s)
    /// and its sender.
    ///
    /// Cancel-safe: no datagram is taken.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// b.send(b"twice").await.unwrap();
    /// let mut buf = [0; 8];
    /// let (n, from) = a.peek_from(&mut buf).await.unwrap();
    /// assert_eq!((&buf[..n], from), (&b"twice"[..], b.local_addr().unwrap()));
    /// assert_eq!(a.recv(&mut buf).await.unwrap(), 5);
    /// # });
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.peek_from(buf))).await
    }

    /// Polls to copy the datagram at the head of the queue into the
    /// unfilled part of tokio's `ReadBuf`, without taking it; returns its sender. See [`peek_from`](Self::peek_from).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// use tokio::io::ReadBuf;
    #[doc = udp_pair!()]
    /// b.send(b"peek").await.unwrap();
    /// let mut storage = [MaybeUninit::uninit(); 16];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// let from = poll_fn(|cx| a.poll_peek_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!((buf.filled(), from), (&b"peek"[..], b.local_addr().unwrap()));
    /// assert_eq!(a.recv(&mut [0; 16]).await.unwrap(), 4); // still there
    /// # });
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        super::poll_recv_read_buf(&self.io, cx, buf, |s, spare| {
            ip_received(s.peek_from(spare)?)
        })
    }

    /// Waits for a datagram from the connected peer and copies it into
    /// `buf` without taking it; returns its length (cut to `buf`'s).
    ///
    /// Cancel-safe: no datagram is taken.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// b.send(b"again").await.unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(a.peek(&mut buf).await.unwrap(), 5);
    /// assert_eq!(a.recv(&mut buf).await.unwrap(), 5); // still there
    /// # });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.peek(buf))).await
    }

    /// Polls to copy the datagram at the head of the queue into the
    /// unfilled part of tokio's `ReadBuf`, without taking it. See [`peek`](Self::peek).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// use tokio::io::ReadBuf;
    #[doc = udp_pair!()]
    /// b.send(b"peek").await.unwrap();
    /// let mut storage = [MaybeUninit::uninit(); 16];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// poll_fn(|cx| a.poll_peek(cx, &mut buf)).await.unwrap();
    /// assert_eq!(buf.filled(), b"peek");
    /// # });
    /// ```
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        super::poll_recv_read_buf(&self.io, cx, buf, |s, spare| s.peek(spare).map(|n| (n, ())))
    }

    /// [`peek`](Self::peek) without waiting: `WouldBlock` if no datagram
    /// is there yet.
    ///
    /// ```
    /// use std::io;
    #[doc = udp_pair!()]
    /// let mut buf = [0; 8];
    /// assert_eq!(a.try_peek(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// # drop(b);
    /// # });
    /// ```
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.peek(buf))
    }

    /// Waits for a datagram and returns its sender, without taking it.
    ///
    /// Cancel-safe: no datagram is taken.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// b.send(b"who").await.unwrap();
    /// assert_eq!(a.peek_sender().await.unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        poll_fn(|cx| self.poll_peek_sender(cx)).await
    }

    /// Polls for the sender of the datagram at the head of the queue,
    /// which stays there; see [`peek_sender`](Self::peek_sender).
    ///
    /// ```
    /// use std::future::poll_fn;
    #[doc = udp_pair!()]
    /// b.send(b"who").await.unwrap();
    /// let from = poll_fn(|cx| a.poll_peek_sender(cx)).await.unwrap();
    /// assert_eq!(from, b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, peek_sender)
    }

    /// [`peek_from`](Self::peek_from) without waiting: `WouldBlock` if no
    /// datagram is there yet.
    ///
    /// ```
    /// use std::io;
    #[doc = udp_pair!()]
    /// let mut buf = [0; 8];
    /// assert_eq!(a.try_peek_from(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// # drop(b);
    /// # });
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.peek_from(buf))
    }

    /// [`peek_sender`](Self::peek_sender) without waiting: `WouldBlock` if
    /// no datagram is there yet.
    ///
    /// ```
    /// use std::io;
    #[doc = udp_pair!()]
    /// assert_eq!(a.try_peek_sender().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// # drop(b);
    /// # });
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, peek_sender)
    }

    /// The connected peer's address (`NotConnected` before
    /// [`connect`](Self::connect)).
    ///
    /// ```
    #[doc = udp_pair!()]
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `IP_TTL`: the time-to-live of the packets this socket sends.
    ///
    /// ```
    #[doc = udp_pair!()]
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

    /// Sets `SO_BROADCAST`: whether this socket may send to a broadcast
    /// address.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// a.set_broadcast(true).unwrap();
    /// assert!(a.broadcast().unwrap());
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// `SO_BROADCAST`; see [`set_broadcast`](Self::set_broadcast).
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast this socket sends
    /// comes back to the local host's own members.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// a.set_multicast_loop_v4(false).unwrap();
    /// assert!(!a.multicast_loop_v4().unwrap());
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// `IP_MULTICAST_LOOP`; see
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4).
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: the time-to-live of IPv4 multicast this
    /// socket sends (1, the default, stays on the local network).
    ///
    /// ```
    #[doc = udp_pair!()]
    /// a.set_multicast_ttl_v4(4).unwrap();
    /// assert_eq!(a.multicast_ttl_v4().unwrap(), 4);
    /// # drop(b);
    /// # });
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// `IP_MULTICAST_TTL`; see
    /// [`set_multicast_ttl_v4`](Self::set_multicast_ttl_v4).
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`, as
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4) for IPv6.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// `IPV6_MULTICAST_LOOP`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `group` on the interface with
    /// address `interface` (`0.0.0.0`: the system picks one).
    ///
    /// ```no_run
    /// use std::net::Ipv4Addr;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = taskcell_executor::net::UdpSocket::bind("0.0.0.0:5353").await.unwrap();
    /// socket
    ///     .join_multicast_v4(Ipv4Addr::new(224, 0, 0, 251), Ipv4Addr::UNSPECIFIED)
    ///     .unwrap();
    /// # });
    /// ```
    pub fn join_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&group, &interface)
    }

    /// Leaves an IPv4 multicast group; see
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&group, &interface)
    }

    /// Joins the IPv6 multicast group `group` on the interface with index
    /// `interface` (0: the system picks one).
    pub fn join_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(group, interface)
    }

    /// Leaves an IPv6 multicast group; see
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    pub fn leave_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(group, interface)
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// ```
    #[doc = udp_pair!()]
    /// assert!(a.take_error().unwrap().is_none());
    /// # drop(b);
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// The sender of the datagram at the head of the queue, which stays there
/// (socket2's `peek_sender`, which copes with platforms that fail a peek
/// into too small a buffer).
fn peek_sender(socket: &mio::net::UdpSocket) -> io::Result<SocketAddr> {
    ip_sender(&socket2::SockRef::from(socket).peek_sender()?)
}

/// A datagram's sender, as an IP socket address.
fn ip_sender(from: &socket2::SockAddr) -> io::Result<SocketAddr> {
    from.as_socket().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a UDP sender that is not an IP address",
        )
    })
}

/// One datagram and its sender into `buf`'s spare capacity.
fn recv_buf_from(
    socket: &mio::net::UdpSocket,
    buf: &mut impl BufMut,
) -> io::Result<(usize, SocketAddr)> {
    super::read_into_buf(buf, |spare| {
        ip_received(socket2::SockRef::from(socket).recv_from(spare)?)
    })
}

/// A socket2 receive's length and sender, the sender as an IP address.
fn ip_received((n, from): (usize, socket2::SockAddr)) -> io::Result<(usize, SocketAddr)> {
    Ok((n, ip_sender(&from)?))
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UdpSocket").field(self.io.get_ref()).finish()
    }
}

fd_impls!(UdpSocket);
