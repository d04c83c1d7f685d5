//! [`UdpSocket`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::{each_addr, socket_into_std};
use crate::driver::io::{Direction, PollEvented};

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
            poll_fn(move |cx| {
                self.io
                    .poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
            })
        })
        .await
    }

    /// Receives one datagram into `buf`; returns its length (cut to `buf`'s)
    /// and its sender.
    ///
    /// ```
    /// # use taskcell_executor::net::UdpSocket;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// socket.send_to(b"me", socket.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 2];
    /// let (n, from) = socket.recv_from(&mut buf).await.unwrap();
    /// assert_eq!((n, from), (2, socket.local_addr().unwrap()));
    /// # });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.recv_from(buf))).await
    }

    /// Sends `buf` to the connected peer.
    ///
    /// ```
    /// # use taskcell_executor::net::UdpSocket;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// socket.connect(socket.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(socket.send(b"x").await.unwrap(), 1);
    /// # });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Write, |s| s.send(buf))).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// ```
    /// # use taskcell_executor::net::UdpSocket;
    /// # let rt = taskcell_executor::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// socket.connect(socket.local_addr().unwrap()).await.unwrap();
    /// socket.send(b"loop").await.unwrap();
    /// let mut buf = [0; 4];
    /// assert_eq!(socket.recv(&mut buf).await.unwrap(), 4);
    /// # });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |s| s.recv(buf))).await
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

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UdpSocket").field(self.io.get_ref()).finish()
    }
}
